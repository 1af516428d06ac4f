//! `number`: a literal number.

use super::prelude::*;

/// Outputs the number typed into it.
pub struct NumberKind {
    info: KindInfo,
}

impl NumberKind {
    /// The kind with its description.
    pub fn new() -> Self {
        Self {
            info: KindInfo {
                id: "number",
                name: "Number",
                category: groups::INPUTS,
                description: "A number typed into the node.",
                role: Role::Step(Placement::Inline),
                effects: Effects::Pure,
                params: vec![ParamSpec {
                    name: "value",
                    ty: ParamType::Number {
                        min: None,
                        max: None,
                    },
                    default: ParamValue::Number(0.0),
                    doc: "The number to output.",
                }],
                promote: Some("value"),
            },
        }
    }
}

impl NodeKind for NumberKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn inputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        Vec::new()
    }

    fn outputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::new("value", DataType::Number)]
    }

    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        Ok(Outputs::new().with("value", Value::Number(ctx.params().number("value"))))
    }
}
