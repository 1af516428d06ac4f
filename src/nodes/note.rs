//! `note`: a text note on the canvas; never planned, never run.

use super::prelude::*;

/// Holds text for people reading the flow.
pub struct NoteKind {
    info: KindInfo,
}

impl NoteKind {
    /// The kind with its description.
    pub fn new() -> Self {
        Self {
            info: KindInfo {
                id: "note",
                name: "Note",
                category: groups::VIEW,
                description: "A note for people reading the flow. It has no ports and never runs.",
                role: Role::Static,
                effects: Effects::Pure,
                params: vec![ParamSpec {
                    name: "text",
                    ty: ParamType::LongText,
                    default: ParamValue::Text(String::new()),
                    doc: "The note's text.",
                }],
                promote: None,
            },
        }
    }
}

impl NodeKind for NoteKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn inputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        Vec::new()
    }

    fn outputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        Vec::new()
    }
}
