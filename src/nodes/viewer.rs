//! `viewer`: shows the value wired into it; passes it through without running.

use super::prelude::*;

/// Shows its input. Runs never execute it: the planner looks through it to the producer.
pub struct ViewerKind {
    info: KindInfo,
}

impl ViewerKind {
    /// The kind with its description.
    pub fn new() -> Self {
        Self {
            info: KindInfo {
                id: "viewer",
                name: "Viewer",
                category: groups::VIEW,
                description:
                    "Shows the value wired into it and passes it through. It never runs itself.",
                role: Role::Viewer,
                effects: Effects::Pure,
                params: Vec::new(),
                promote: None,
            },
        }
    }
}

impl NodeKind for ViewerKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn inputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::new("in", DataType::Any)]
    }

    fn outputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::new("out", DataType::Any)]
    }
}
