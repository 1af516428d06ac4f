//! `path`: a file or folder path typed in (or picked, when promoted as a flow input).

use super::prelude::*;

/// Outputs its `path`. Relative paths are resolved by the nodes that use them, against the
/// flow's folder.
pub struct PathKind {
    info: KindInfo,
}

impl PathKind {
    /// The kind with its description.
    pub fn new() -> Self {
        Self {
            info: KindInfo {
                id: "path",
                name: "File path",
                category: groups::INPUTS,
                description: "A file or folder path. Promoted, it becomes a file picker.",
                role: Role::Step(Placement::Inline),
                effects: Effects::Pure,
                params: vec![ParamSpec {
                    name: "path",
                    ty: ParamType::Path,
                    default: ParamValue::Text(String::new()),
                    doc: "The path; relative paths are relative to the flow's folder.",
                }],
                promote: Some("path"),
            },
        }
    }
}

impl NodeKind for PathKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn inputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        Vec::new()
    }

    fn outputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::new("path", DataType::Path)]
    }

    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        let path = ctx.params().text("path");
        if path.trim().is_empty() {
            return Err(NodeError::failed("`path` is empty"));
        }
        Ok(Outputs::new().with("path", Value::Path(path.into())))
    }
}
