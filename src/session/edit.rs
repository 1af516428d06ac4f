//! Edits: every change a user can make to a flow, as data. The canvas, menus and shortcuts
//! produce them; [`Document::apply`](super::document::Document::apply) is the one place that
//! carries them out.

use std::path::PathBuf;

use crate::model::{Flow, NodeId, ParamValue, PortRef, Promotion};

/// One change to the open flow.
#[derive(Clone, Debug, PartialEq)]
pub enum DocEdit {
    /// Wire an output into an input (replacing the wire the input had). Checked first.
    Connect {
        /// The output.
        from: PortRef,
        /// The input.
        to: PortRef,
    },
    /// Remove the wire between two ports.
    Disconnect {
        /// The output.
        from: PortRef,
        /// The input.
        to: PortRef,
    },
    /// Add a node of a kind at a graph-space position; the document picks its id.
    AddNode {
        /// The node kind.
        kind: String,
        /// Where, in graph space.
        at: (f32, f32),
    },
    /// Add a node of a kind and wire it to a port already in the flow: one edit, so one undo
    /// step (a wire dragged from a port and dropped on empty canvas). The wire is checked as
    /// [`DocEdit::Connect`] is; a refused wire adds nothing.
    AddWiredNode {
        /// The node kind.
        kind: String,
        /// Where, in graph space.
        at: (f32, f32),
        /// The wire between the new node and the existing port.
        wire: NewWire,
    },
    /// Remove nodes and every wire touching them.
    RemoveNodes(Vec<NodeId>),
    /// Take nodes out and put others in, with their wires, as one undo step (Group into
    /// subflow, Inline).
    Replace(crate::session::compose::Replacement),
    /// Move nodes by a graph-space offset. The moves of one drag are one undo step.
    MoveNodes {
        /// The nodes.
        ids: Vec<NodeId>,
        /// The offset, in graph space.
        delta: (f32, f32),
        /// The drag this move belongs to.
        drag: DragId,
    },
    /// Resize a node's view area (a viewer's result area), in graph units; `None` goes
    /// back to the default size. The frames of one drag are one undo step.
    ResizeView {
        /// The node.
        node: NodeId,
        /// Width and height in graph units.
        size_in_graph: Option<(f32, f32)>,
        /// The drag this resize belongs to.
        drag: DragId,
    },
    /// Set the canvas's pan and zoom (written with the next save; neither an unsaved change
    /// nor an undo step).
    SetView {
        /// Pan, in screen points.
        pan: (f32, f32),
        /// Zoom factor.
        zoom: f32,
    },
    /// Set a parameter or an input's constant value (`None` clears it). Typing into one
    /// field is one undo step.
    SetField {
        /// The node.
        node: NodeId,
        /// The parameter or input name.
        field: String,
        /// A parameter (true) or an input's constant (false).
        is_param: bool,
        /// The new value.
        value: Option<ParamValue>,
    },
    /// Rename a node's title.
    SetTitle {
        /// The node.
        node: NodeId,
        /// The new title.
        title: String,
    },
    /// Promote a node as a flow input, change its promotion, or remove it (`None`).
    SetPromotion {
        /// The node.
        node: NodeId,
        /// The promotion.
        promotion: Option<Promotion>,
    },
    /// Mark or unmark a node as a flow output.
    SetOutput {
        /// The node.
        node: NodeId,
        /// Whether it is an output.
        output: bool,
    },
    /// Turn bypass on or off.
    SetBypassed {
        /// The node.
        node: NodeId,
        /// Whether it is bypassed.
        bypassed: bool,
    },
    /// Set how many batch items a node works on at once (`None`: its kind's default).
    SetConcurrency {
        /// The node.
        node: NodeId,
        /// The limit.
        concurrency: Option<u32>,
    },
    /// Change when a wire fires.
    SetOutcome {
        /// The wire (its outcome as it is now is ignored).
        edge: crate::model::Edge,
        /// Its new outcome.
        outcome: crate::model::Outcome,
    },
    /// Replace the flow's run settings (steps at once, kind limits, fail fast, retries,
    /// time limits). Boxed: settings are far larger than any other edit.
    SetSettings(Box<crate::model::Settings>),
    /// Set or clear a node's retry policy.
    SetRetry {
        /// The node.
        node: NodeId,
        /// The policy (`None`: its kind's from the settings, else no retry).
        retry: Option<crate::model::Retry>,
    },
    /// Mark a node as a checkpoint (with its message) or clear the mark.
    SetCheckpoint {
        /// The node.
        node: NodeId,
        /// The message (`Some("")`: a checkpoint with the default message; `None`: none).
        checkpoint: Option<String>,
    },
    /// Set or clear a node's time limit per attempt.
    SetTimeLimit {
        /// The node.
        node: NodeId,
        /// The limit in milliseconds (`None`: none).
        timeout_ms: Option<u64>,
    },
    /// Add file paths to a batch node's items.
    AddBatchFiles {
        /// The batch node.
        node: NodeId,
        /// The files.
        files: Vec<PathBuf>,
    },
    /// Paste copied nodes (fresh ids, their inner wires kept), shifted by an offset.
    Paste {
        /// What was copied (boxed: a flow is far larger than any other edit).
        clip: Box<Flow>,
        /// The shift, in graph space.
        offset: (f32, f32),
    },
    /// Frame nodes in a new group (taking them out of any group they were in).
    Group {
        /// The nodes.
        nodes: Vec<NodeId>,
        /// The group's title.
        title: String,
    },
    /// Retitle or recolour group `index`. Typing into one group's title is one undo step.
    SetGroup {
        /// Which group (its place in the layout's list).
        index: usize,
        /// Its title.
        title: String,
        /// Its colour.
        color: crate::model::GroupColor,
    },
    /// Remove group `index`'s frame (its nodes stay).
    Ungroup(usize),
}

/// The wire that joins a node being added to a port already in the flow.
#[derive(Clone, Debug, PartialEq)]
pub enum NewWire {
    /// From an existing output into the new node's input of this name.
    FromOutput {
        /// The existing output.
        from: PortRef,
        /// The new node's input.
        input: String,
    },
    /// From the new node's output of this name into an existing input (replacing the wire
    /// that input had).
    IntoInput {
        /// The new node's output.
        output: String,
        /// The existing input.
        to: PortRef,
    },
}

impl NewWire {
    /// The wire's two ends, (output, input), once the new node is called `new_node`.
    pub fn ends(&self, new_node: &NodeId) -> (PortRef, PortRef) {
        match self {
            NewWire::FromOutput { from, input } => {
                (from.clone(), PortRef::new(new_node.clone(), input.as_str()))
            }
            NewWire::IntoInput { output, to } => {
                (PortRef::new(new_node.clone(), output.as_str()), to.clone())
            }
        }
    }
}

/// Identifies one drag of nodes: every move with the same id is one undo step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DragId(pub u64);

/// Edits that merge into one undo step while they follow each other.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UndoGroup {
    /// Typing into one field of one node.
    Field(NodeId, String),
    /// Typing a node's title.
    Title(NodeId),
    /// Editing a node's promotion (its label, say).
    Promotion(NodeId),
    /// One drag of nodes, or of a node's resize corner.
    Drag(DragId),
    /// Typing a group's title.
    GroupTitle(usize),
    /// Changing the flow's run settings (a number dragged, say).
    Settings,
    /// Changing a node's retry policy (its numbers dragged, say).
    Retry(NodeId),
    /// Changing a node's time limit.
    TimeLimit(NodeId),
    /// Typing a node's checkpoint message.
    Checkpoint(NodeId),
}

/// What an edit did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Applied {
    /// Nodes the edit created (added or pasted), for the selection.
    pub created: Vec<NodeId>,
    /// Whether the flow's content changed (a no-op edit changes nothing).
    pub changed: bool,
}

/// Why an edit was refused; the document is unchanged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EditRefused(pub String);
