//! `switch`: a manual switch that routes its selected input to its output.

use super::prelude::*;

/// The most inputs a switch can have.
pub const MAX_SWITCH_INPUTS: i64 = 16;

/// Routes input `in<selected>` to `out`. Runs never execute it, and only the selected
/// branch is planned.
pub struct SwitchKind {
    info: KindInfo,
}

impl SwitchKind {
    /// The kind with its description.
    pub fn new() -> Self {
        Self {
            info: KindInfo {
                id: "switch",
                name: "Switch",
                category: groups::FLOW,
                description: "Passes the selected input through; only the selected branch runs.",
                role: Role::Switch,
                effects: Effects::Pure,
                params: vec![
                    ParamSpec {
                        name: "inputs",
                        ty: ParamType::Integer {
                            min: Some(2),
                            max: Some(MAX_SWITCH_INPUTS),
                        },
                        default: ParamValue::Number(2.0),
                        doc: "How many inputs (in1, in2, …) the switch has.",
                    },
                    ParamSpec {
                        name: "selected",
                        ty: ParamType::Integer {
                            min: Some(1),
                            max: Some(MAX_SWITCH_INPUTS),
                        },
                        default: ParamValue::Number(1.0),
                        doc: "Which input passes through, counting from 1.",
                    },
                ],
                promote: Some("selected"),
            },
        }
    }
}

/// The name of a switch's `n`th input (1-based).
pub fn switch_input_name(n: i64) -> String {
    format!("in{n}")
}

impl NodeKind for SwitchKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn inputs(&self, params: &Params<'_>) -> Vec<PortSpec> {
        let count = params.integer("inputs").clamp(2, MAX_SWITCH_INPUTS);
        (1..=count)
            .map(|n| PortSpec::optional(switch_input_name(n), DataType::Any))
            .collect()
    }

    fn outputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::new("out", DataType::Any)]
    }

    fn check(&self, params: &Params<'_>) -> Vec<String> {
        let (count, selected) = (params.integer("inputs"), params.integer("selected"));
        if selected > count {
            vec![format!(
                "`selected` is {selected} but the switch has {count} inputs"
            )]
        } else {
            Vec::new()
        }
    }
}
