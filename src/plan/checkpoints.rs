//! Which steps of a plan stop for a person's decision under a checkpoint mode, and what
//! each says: the one reading the executor, `plan` and the app's run panel share.

use crate::model::{CheckpointMode, Flow, Node, NodeId, NodeLabels};

use super::Plan;

/// The message of the checkpoint before `node` under `mode`, if it stops there: its own
/// text, or "Approve before `Title` runs" when it has none (or `mode` is every step).
pub fn checkpoint_message(
    node: &Node,
    mode: CheckpointMode,
    labels: &NodeLabels,
) -> Option<String> {
    let message = match mode {
        CheckpointMode::None => None,
        CheckpointMode::Every => Some(node.checkpoint.clone().unwrap_or_default()),
        CheckpointMode::Marked => node.checkpoint.clone(),
    }?;
    Some(match message.trim() {
        "" => format!("Approve before {} runs", labels.quoted(&node.id)),
        text => text.to_owned(),
    })
}

/// The steps of `plan` that stop for a decision under `mode`, in plan order, with their
/// messages. A run with any runs one step at a time.
pub fn checkpoints(flow: &Flow, plan: &Plan, mode: CheckpointMode) -> Vec<(NodeId, String)> {
    if mode == CheckpointMode::None {
        return Vec::new();
    }
    let labels = NodeLabels::of(flow);
    (plan.steps.iter())
        .filter_map(|step| {
            let node = flow.nodes.get(step.node_index)?;
            Some((step.node.clone(), checkpoint_message(node, mode, &labels)?))
        })
        .collect()
}
