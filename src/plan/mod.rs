//! The planner: which nodes a run covers (node, to-here, whole flow), seen through
//! pass-through nodes, in dependency order, with skips for missing inputs and run modes.

mod arriving;
mod checkpoints;
mod fan_out;
mod graph;
mod loops;
mod order;
mod planner;
mod resolve;
mod staleness;
mod types;

pub use arriving::{arriving_inputs, Arrives, ArrivingInput};
pub use checkpoints::{checkpoint_message, checkpoints};
pub use fan_out::fan_out;
pub use loops::find_loops;
pub use planner::plan;
pub use staleness::{
    plan_with_results, plan_with_staleness, signature, stale_nodes, stale_reasons, KnownResult,
    Staleness,
};
pub use types::{
    InputSource, Plan, PlanError, RerunNode, RunMode, Scope, SkippedNode, Step, StepInput,
};

use crate::model::{Flow, Outcome, PortRef};

/// How a plan preview says when a wire fires: nothing for `pass` (the usual data wire),
/// `, if it fails` for `fail`, `, whatever happens` for `always`.
pub fn outcome_words(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "",
        Outcome::Fail => ", only if it fails",
        Outcome::Always => ", whether it succeeds or not",
    }
}
use crate::nodes::Registry;

/// The step output that really feeds input `port` of node `node`, seen through viewers,
/// switches and bypassed nodes; `None` when nothing produced arrives there.
pub fn producer_of_input(
    flow: &Flow,
    registry: &Registry,
    node: &str,
    port: &str,
) -> Option<PortRef> {
    let graph = graph::FlowGraph::new(flow, registry);
    let index = graph.index(node)?;
    match resolve::resolve_input(&graph, index, port).ok()? {
        resolve::Resolved::Producer { node, port, .. } => {
            Some(PortRef::new(graph.node(node).id.clone(), port.clone()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
