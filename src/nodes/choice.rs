//! `choice`: a variable that takes one of a list of values (a dropdown when promoted).

use super::prelude::*;

/// Outputs its `value`, which must be one of its `choices`.
pub struct ChoiceKind {
    info: KindInfo,
}

impl ChoiceKind {
    /// The kind with its description.
    pub fn new() -> Self {
        Self {
            info: KindInfo {
                id: "choice",
                name: "Choice",
                category: groups::INPUTS,
                description: "A value picked from a list. Promoted, it becomes a dropdown.",
                role: Role::Step(Placement::Inline),
                effects: Effects::Pure,
                params: vec![
                    ParamSpec {
                        name: "choices",
                        ty: ParamType::TextList,
                        default: ParamValue::List(Vec::new()),
                        doc: "The values to choose from.",
                    },
                    ParamSpec {
                        name: "value",
                        ty: ParamType::Text,
                        default: ParamValue::Text(String::new()),
                        doc: "The chosen value; one of `choices`.",
                    },
                ],
                promote: Some("value"),
            },
        }
    }
}

impl NodeKind for ChoiceKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn inputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        Vec::new()
    }

    fn outputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::new("value", DataType::Text)]
    }

    fn check(&self, params: &Params<'_>) -> Vec<String> {
        let choices = params.text_list("choices");
        let value = params.text("value");
        if choices.is_empty() {
            vec!["`choices` is empty".to_owned()]
        } else if !choices.contains(&value) {
            vec![format!(
                "`value` \"{value}\" is not one of `choices` ({})",
                choices.join(", ")
            )]
        } else {
            Vec::new()
        }
    }

    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        let value = ctx.params().text("value").to_owned();
        Ok(Outputs::new().with("value", Value::Text(value)))
    }
}
