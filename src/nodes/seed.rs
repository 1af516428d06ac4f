//! `seed`: an integer seed for the nodes wired to it, fixed or rolled anew for each run.

use super::prelude::*;

/// The kind id the executor looks for when it rolls seeds at the start of a run.
pub const SEED_KIND: &str = "seed";
/// The `mode` that keeps the same seed every run.
pub const SEED_FIXED: &str = "fixed";
/// The `mode` that rolls a new seed when each run starts.
pub const SEED_NEW_EACH_RUN: &str = "new each run";

/// Outputs its `seed`. In "new each run" mode the executor rolls the value once when a run
/// starts, so every node wired to this seed gets the same value in that run, and records it
/// with the run so it can be reproduced by setting the seed to it.
pub struct SeedKind {
    info: KindInfo,
}

impl SeedKind {
    /// The kind with its description.
    pub fn new() -> Self {
        Self {
            info: KindInfo {
                id: SEED_KIND,
                name: "Seed",
                category: groups::INPUTS,
                description: "An integer seed, fixed or rolled anew when each run starts. Every node wired to it gets the same value.",
                role: Role::Step(Placement::Inline),
                effects: Effects::Pure,
                params: vec![
                    ParamSpec {
                        name: "mode",
                        ty: ParamType::Choice(&[SEED_FIXED, SEED_NEW_EACH_RUN]),
                        default: ParamValue::Text(SEED_FIXED.to_owned()),
                        doc: "\"fixed\" reuses `seed` every run; \"new each run\" rolls a new one when a run starts.",
                    },
                    ParamSpec {
                        name: "seed",
                        ty: ParamType::Integer {
                            min: Some(0),
                            max: Some(u32::MAX as i64),
                        },
                        default: ParamValue::Number(0.0),
                        doc: "The seed (the last rolled value, in \"new each run\" mode).",
                    },
                ],
                promote: Some("seed"),
            },
        }
    }
}

impl NodeKind for SeedKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn inputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        Vec::new()
    }

    fn outputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::new("seed", DataType::Number)]
    }

    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        Ok(Outputs::new().with("seed", Value::Number(ctx.params().integer("seed") as f64)))
    }
}
