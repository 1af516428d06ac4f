//! `text`: a literal piece of text.

use super::prelude::*;

/// Outputs the text typed into it.
pub struct TextKind {
    info: KindInfo,
}

impl TextKind {
    /// The kind with its description.
    pub fn new() -> Self {
        Self {
            info: KindInfo {
                id: "text",
                name: "Text",
                category: groups::TEXT,
                description: "A piece of text typed into the node.",
                role: Role::Step(Placement::Inline),
                effects: Effects::Pure,
                params: vec![ParamSpec {
                    name: "text",
                    ty: ParamType::LongText,
                    default: ParamValue::Text(String::new()),
                    doc: "The text to output.",
                }],
                promote: Some("text"),
            },
        }
    }
}

impl NodeKind for TextKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn inputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        Vec::new()
    }

    fn outputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::new("text", DataType::Text)]
    }

    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        let text = ctx.params().text("text").to_owned();
        Ok(Outputs::new().with("text", Value::Text(text)))
    }
}
