//! `delay`: waits a number of milliseconds, then passes its input on.

use std::time::Duration;

use super::prelude::*;

/// Waits `ms` milliseconds (Stop interrupts it), then outputs its input, or the number of
/// milliseconds waited when nothing is wired in.
pub struct DelayKind {
    info: KindInfo,
}

impl DelayKind {
    /// The kind with its description.
    pub fn new() -> Self {
        Self {
            info: KindInfo {
                id: "delay",
                name: "Delay",
                category: groups::FLOW,
                description: "Waits the given milliseconds, then passes its input on.",
                role: Role::Step(Placement::Worker),
                effects: Effects::Pure,
                params: vec![ParamSpec {
                    name: "ms",
                    ty: ParamType::Number {
                        min: Some(0.0),
                        max: Some(86_400_000.0),
                    },
                    default: ParamValue::Number(1000.0),
                    doc: "How long to wait, in milliseconds (at most a day).",
                }],
                promote: None,
            },
        }
    }
}

impl NodeKind for DelayKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn inputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::optional("in", DataType::Any)]
    }

    fn outputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::new("out", DataType::Any)]
    }

    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        let ms = ctx.params().number("ms").clamp(0.0, 86_400_000.0);
        if ctx
            .cancel()
            .wait_timeout(Duration::from_secs_f64(ms / 1000.0))
        {
            return Err(NodeError::Cancelled);
        }
        let out = ctx.input("in").cloned().unwrap_or(Value::Number(ms));
        Ok(Outputs::new().with("out", out))
    }
}
