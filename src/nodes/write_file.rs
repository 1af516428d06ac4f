//! `write_file`: writes its input to a file, creating parent folders.

use super::prelude::*;

/// Writes `content` (as text) to `path`, atomically, creating missing parent folders.
pub struct WriteFileKind {
    info: KindInfo,
}

impl WriteFileKind {
    /// The kind with its description.
    pub fn new() -> Self {
        Self {
            info: KindInfo {
                id: "write_file",
                name: "Write file",
                category: groups::FILES,
                description: "Writes its input to a file, creating parent folders. Relative paths start at the flow's folder.",
                role: Role::Step(Placement::Worker),
                effects: Effects::SideEffects,
                params: Vec::new(),
                promote: None,
            },
        }
    }
}

impl NodeKind for WriteFileKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn inputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![
            PortSpec::new("content", DataType::Any),
            PortSpec::new("path", DataType::Path),
        ]
    }

    fn outputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::new("path", DataType::Path)]
    }

    fn side_effects(
        &self,
        _params: &Params<'_>,
        input: &dyn Fn(&str) -> KnownInput,
    ) -> Vec<SideEffect> {
        vec![SideEffect::Write {
            path: input("path").value().map(str::to_owned),
        }]
    }

    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        let content = ctx
            .input("content")
            .ok_or_else(|| NodeError::failed("input `content` has no value"))?;
        let path = match ctx.input("path") {
            Some(Value::Path(path)) if !path.as_os_str().is_empty() => ctx.resolve_path(path),
            _ => return Err(NodeError::failed("input `path` is empty")),
        };
        if path.is_dir() {
            return Err(NodeError::failed(format!("{} is a folder", path.display())));
        }
        crate::fsutil::atomic_write(&path, content.to_text().as_bytes()).map_err(|err| {
            NodeError::failed(format!("could not write {}: {err}", path.display()))
        })?;
        Ok(Outputs::new().with("path", Value::Path(path)))
    }
}
