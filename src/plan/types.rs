//! The plan: an immutable list of steps in run order, with skips and warnings.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::model::{DataType, NodeId, ParamValue};

/// Which part of a flow a run covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scope", content = "node", rename_all = "snake_case")]
pub enum Scope {
    /// Just this node, with the results its upstream nodes already have.
    Node(NodeId),
    /// Everything this node depends on, then the node.
    ToHere(NodeId),
    /// The node and everything downstream of it, with the side inputs that part needs:
    /// stored results where they are fresh, run where not. The rest is left out.
    FromHere(NodeId),
    /// The nodes marked as outputs, or the flow's end points when none is marked.
    Flow,
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Node(id) => write!(f, "node `{id}`"),
            Scope::ToHere(id) => write!(f, "flow to `{id}`"),
            Scope::FromHere(id) => write!(f, "flow from `{id}`"),
            Scope::Flow => f.write_str("whole flow"),
        }
    }
}

impl Scope {
    /// Whether a run of this scope in `mode` reads stored results: Missing mode keeps them,
    /// a one-node run takes its inputs from them, and a run from a node takes its side
    /// inputs from them. A whole-flow or up-to-here run in All mode runs everything it plans.
    pub fn reads_results(&self, mode: RunMode) -> bool {
        mode == RunMode::Missing || matches!(self, Scope::Node(_) | Scope::FromHere(_))
    }

    /// Whether planning this scope in `mode` must tell stale results from fresh ones:
    /// Missing mode keeps only fresh results, and so does a run from a node for what lies
    /// outside its downstream part.
    pub fn checks_staleness(&self, mode: RunMode) -> bool {
        mode == RunMode::Missing || matches!(self, Scope::FromHere(_))
    }

    /// The scope for people, naming its node by title: "flow to `Shout it`".
    pub fn describe(&self, labels: &crate::model::NodeLabels) -> String {
        match self {
            Scope::Node(id) => format!("node {}", labels.quoted(id)),
            Scope::ToHere(id) => format!("flow to {}", labels.quoted(id)),
            Scope::FromHere(id) => format!("flow from {}", labels.quoted(id)),
            Scope::Flow => "whole flow".to_owned(),
        }
    }
}

/// Which planned nodes actually run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunMode {
    /// Every planned node.
    #[default]
    All,
    /// Planned nodes without a result, and everything downstream of them.
    Missing,
}

impl fmt::Display for RunMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RunMode::All => "all",
            RunMode::Missing => "missing",
        })
    }
}

/// Where one input of a step gets its value.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum InputSource {
    /// An output of an earlier step of this plan.
    Step {
        /// The index (0-based) of that step in [`Plan::steps`].
        step: usize,
        /// The producing node.
        node: NodeId,
        /// Its output port.
        port: Arc<str>,
    },
    /// An output of a node that is not run but already has a result.
    Result {
        /// The producing node.
        node: NodeId,
        /// Its output port.
        port: Arc<str>,
    },
    /// The input's constant value.
    Value {
        /// The value.
        value: ParamValue,
    },
    /// A node skipped when planning, through a wire that fires on failure or always: the
    /// failure port carries why it was skipped; other ports carry nothing.
    Skipped {
        /// The skipped node.
        node: NodeId,
        /// Its output port.
        port: Arc<str>,
        /// Why it is skipped.
        reason: String,
    },
    /// Nothing: the input is optional and unset.
    Unset,
}

/// One input of a step: the port and where its value comes from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StepInput {
    /// The step's input port.
    pub port: Cow<'static, str>,
    /// The type the value is converted to on arrival.
    #[serde(rename = "type")]
    pub ty: DataType,
    /// Where the value comes from.
    pub source: InputSource,
    /// When its wire fires, for inputs fed by a node (`pass`: when that node succeeds).
    #[serde(skip_serializing_if = "is_pass")]
    pub outcome: crate::model::Outcome,
    /// Whether the step cannot run without it.
    #[serde(skip)]
    pub required: bool,
    /// The input's own constant, used when its wire does not fire.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<ParamValue>,
}

fn is_pass(outcome: &crate::model::Outcome) -> bool {
    *outcome == crate::model::Outcome::Pass
}

/// A node that will run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Step {
    /// Position in the run, from 1: the badge the canvas shows.
    pub order: usize,
    /// The node.
    pub node: NodeId,
    /// Its index in the flow's node list.
    #[serde(skip)]
    pub node_index: usize,
    /// Its kind's id.
    pub kind: &'static str,
    /// Each input port and where its value comes from.
    pub inputs: Vec<StepInput>,
    /// The indices (0-based) of the steps it waits for.
    pub deps: Vec<usize>,
}

/// A node that the plan leaves out, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SkippedNode {
    /// The node.
    pub node: NodeId,
    /// Why it will not run.
    pub reason: String,
}

/// A step that has a result from before and runs again anyway, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RerunNode {
    /// The node.
    pub node: NodeId,
    /// Why its result does not count, for people.
    pub reason: String,
}

/// What a run will do, worked out before anything runs. Never changes once made.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Plan {
    /// What the run covers.
    pub scope: Scope,
    /// All or Missing.
    pub mode: RunMode,
    /// The steps, in run order.
    pub steps: Vec<Step>,
    /// Planned nodes that will be skipped (a missing input, or upstream of it).
    pub skipped: Vec<SkippedNode>,
    /// Planned nodes that keep their existing result (Missing mode).
    pub reused: Vec<NodeId>,
    /// Steps that have a result and run again all the same (stale in Missing mode, or
    /// asked to run afresh), with why; in step order. Filled in by
    /// [`plan_with_results`](super::plan_with_results).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rerun: Vec<RerunNode>,
    /// Things the user should know before running.
    pub warnings: Vec<String>,
}

impl Plan {
    /// The step that runs `node`, if any.
    pub fn step_of(&self, node: &str) -> Option<&Step> {
        self.steps.iter().find(|step| step.node.as_str() == node)
    }
}

/// Why no plan could be made.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// The scope names a node the flow does not have.
    #[error("no node `{0}` in this flow")]
    UnknownNode(NodeId),
    /// The scope names a node that cannot run on its own.
    #[error("node `{node}` cannot be run: {reason}")]
    NotRunnable {
        /// The node.
        node: NodeId,
        /// Why.
        reason: String,
    },
    /// The wires form a loop through these nodes (each feeds the next, the last the first).
    #[error("the flow has a loop: {}", describe_loop(.0))]
    Loop(Vec<NodeId>),
}

fn describe_loop(nodes: &[NodeId]) -> String {
    let mut names: Vec<String> = nodes.iter().map(|n| format!("`{n}`")).collect();
    if let Some(first) = names.first().cloned() {
        names.push(first);
    }
    names.join(" → ")
}
