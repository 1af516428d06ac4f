//! Which wires fire and what they carry: a step runs when it has no wire in or at least one
//! of its wires fires (by the wire's outcome and how its source ended), and each input then
//! gets its source's output, the source's failure, its own constant, or nothing.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::model::{NodeId, Outcome, ParamValue, Value};
use crate::nodes::{Outputs, FAILURE_PORT};
use crate::plan::{InputSource, Plan, StepInput};
use crate::status::NodeStatus;

/// Whether a wire with `outcome` fires when its source ended with `status`.
pub fn fires(outcome: Outcome, status: NodeStatus) -> bool {
    match outcome {
        Outcome::Pass => produced(status),
        Outcome::Fail => matches!(status, NodeStatus::Failed | NodeStatus::Skipped),
        Outcome::Always => status.is_final() && status != NodeStatus::Idle,
    }
}

/// Whether a step that ended with `status` has outputs to pass on (it succeeded, kept an
/// earlier result, or some of its batch items succeeded).
fn produced(status: NodeStatus) -> bool {
    matches!(
        status,
        NodeStatus::Succeeded | NodeStatus::Reused | NodeStatus::Partial
    )
}

/// What an input's source is and how it ended: a step of this run (by index), a node that
/// kept an earlier result, or a node skipped when planning. `None` for a constant or unset
/// input (no wire).
pub fn wire_source(
    input: &StepInput,
    status_of: impl Fn(usize) -> NodeStatus,
) -> Option<(Option<usize>, NodeStatus)> {
    match &input.source {
        InputSource::Step { step, .. } => Some((Some(*step), status_of(*step))),
        InputSource::Result { .. } => Some((None, NodeStatus::Reused)),
        InputSource::Skipped { .. } => Some((None, NodeStatus::Skipped)),
        InputSource::Value { .. } | InputSource::Unset => None,
    }
}

/// What arrives at one input of a step whose sources have all ended.
pub enum Arrival<'a> {
    /// An output of its source.
    Output(&'a Value),
    /// Its source's failure (through the failure port): who, how, why.
    Failure(Value),
    /// The input's own constant (no wire, or its wire did not fire or carries nothing).
    Constant(&'a ParamValue),
    /// Nothing: the input stays unset.
    Nothing,
    /// A source that succeeded has nothing on the wired port (for people).
    Missing(String),
}

/// What the run knows that decides an input's arrival.
pub struct Sources<'a> {
    /// The plan being run.
    pub plan: &'a Plan,
    /// Each step's outputs once it succeeded.
    pub outputs: &'a [Option<Arc<Outputs>>],
    /// Results kept from earlier runs, by node.
    pub results: &'a FxHashMap<NodeId, Arc<Outputs>>,
    /// Why each step failed or was skipped, by step.
    pub notes: &'a [Option<String>],
    /// A node's name for messages and failure values.
    pub title: &'a dyn Fn(&NodeId) -> String,
    /// The nodes that route (`if`, switch by value): a pass wire from an output of theirs
    /// they left empty does not fire.
    pub routed: &'a rustc_hash::FxHashSet<NodeId>,
}

impl Sources<'_> {
    /// Whether `input` is wired to a branch its router did not take: a pass wire from an
    /// output the routing node left empty (the router itself succeeded).
    pub fn not_taken(&self, input: &StepInput) -> bool {
        if input.outcome != Outcome::Pass {
            return false;
        }
        match &input.source {
            InputSource::Step { step, node, port } if self.routed.contains(node) => {
                (self.outputs[*step].as_ref()).is_some_and(|outputs| outputs.get(port).is_none())
            }
            InputSource::Result { node, port } if self.routed.contains(node) => {
                (self.results.get(node)).is_some_and(|outputs| outputs.get(port).is_none())
            }
            _ => false,
        }
    }

    /// The branch a router took (the output it filled), for messages.
    fn branch_taken(&self, input: &StepInput) -> Option<String> {
        let outputs = match &input.source {
            InputSource::Step { step, .. } => self.outputs[*step].as_ref()?,
            InputSource::Result { node, .. } => self.results.get(node)?,
            _ => return None,
        };
        outputs.iter().next().map(|(port, _)| port.to_owned())
    }

    /// What arrives at `input`, given how each step ended (`status_of`).
    pub fn arrival<'s>(
        &'s self,
        input: &'s StepInput,
        status_of: impl Fn(usize) -> NodeStatus,
    ) -> Arrival<'s> {
        let otherwise = || match &input.fallback {
            Some(value) => Arrival::Constant(value),
            None => Arrival::Nothing,
        };
        if self.not_taken(input) {
            return otherwise();
        }
        match &input.source {
            InputSource::Value { value } => Arrival::Constant(value),
            InputSource::Unset => Arrival::Nothing,
            InputSource::Step { step, node, port } => {
                let status = status_of(*step);
                if !fires(input.outcome, status) {
                    return otherwise();
                }
                if &**port == FAILURE_PORT {
                    return match status {
                        NodeStatus::Failed | NodeStatus::Skipped => {
                            let note = self.notes[*step].as_deref().unwrap_or_default();
                            Arrival::Failure(self.failure(node, status, note))
                        }
                        _ => otherwise(),
                    };
                }
                match self.outputs[*step].as_ref().and_then(|o| o.get(port)) {
                    Some(value) => Arrival::Output(value),
                    None if produced(status) => Arrival::Missing(format!(
                        "{} produced nothing on `{port}`",
                        (self.title)(node)
                    )),
                    None => otherwise(),
                }
            }
            InputSource::Result { node, port } => {
                if !fires(input.outcome, NodeStatus::Reused) || &**port == FAILURE_PORT {
                    return otherwise();
                }
                match self.results.get(node).and_then(|o| o.get(port)) {
                    Some(value) => Arrival::Output(value),
                    None => Arrival::Missing(format!(
                        "{} has no result on `{port}`",
                        (self.title)(node)
                    )),
                }
            }
            InputSource::Skipped { node, port, reason } => {
                if !fires(input.outcome, NodeStatus::Skipped) || &**port != FAILURE_PORT {
                    return otherwise();
                }
                Arrival::Failure(self.failure(node, NodeStatus::Skipped, reason))
            }
        }
    }

    /// The value the failure port carries: `{"node", "title", "status", "message"}`.
    fn failure(&self, node: &NodeId, status: NodeStatus, message: &str) -> Value {
        Value::Json(serde_json::json!({
            "node": node.as_str(),
            "title": (self.title)(node).trim_matches('`'),
            "status": status.label(),
            "message": message,
        }))
    }

    /// Why a required input gets nothing, naming its source and how it ended: "upstream
    /// `Check links` failed (nothing for input `links`)".
    pub fn why_nothing(
        &self,
        input: &StepInput,
        status_of: impl Fn(usize) -> NodeStatus,
    ) -> String {
        let (node, status) = match &input.source {
            InputSource::Step { step, node, .. } => (node, status_of(*step)),
            InputSource::Result { node, .. } => (node, NodeStatus::Reused),
            InputSource::Skipped { node, .. } => (node, NodeStatus::Skipped),
            InputSource::Value { .. } | InputSource::Unset => {
                return format!("missing input `{}`", input.port)
            }
        };
        let name = (self.title)(node);
        let how = match status {
            NodeStatus::Failed => format!("upstream {name} failed"),
            NodeStatus::Skipped => format!("upstream {name} is skipped"),
            NodeStatus::Cancelled => format!("upstream {name} was cancelled"),
            status => format!(
                "upstream {name} {} ({} wire)",
                status.label(),
                input.outcome.word()
            ),
        };
        format!("{how} (nothing for input `{}`)", input.port)
    }

    /// Why none of a step's wires fired, naming each wire's source, how it ended and the
    /// wire's outcome: "no wire into it fired: `Fetch` failed (pass wire)".
    pub fn why_none_fired(&self, step: usize, status_of: impl Fn(usize) -> NodeStatus) -> String {
        let inputs = &self.plan.steps[step].inputs;
        // A branch its router did not take: not a problem, the condition said so.
        if let Some(input) = inputs.iter().find(|input| self.not_taken(input)) {
            let router = match &input.source {
                InputSource::Step { node, .. } | InputSource::Result { node, .. } => {
                    (self.title)(node)
                }
                _ => String::new(),
            };
            return match self.branch_taken(input) {
                Some(taken) => format!("condition false: {router} took `{taken}`"),
                None => format!("condition false: {router}"),
            };
        }
        // Plain data wires only: say which upstream step did not succeed, as a failure
        // passes down a chain ("upstream `Fetch` failed" all the way).
        if inputs.iter().all(|input| input.outcome == Outcome::Pass) {
            for input in inputs {
                if let InputSource::Step {
                    step: source, node, ..
                } = &input.source
                {
                    let name = (self.title)(node);
                    match status_of(*source) {
                        NodeStatus::Failed => return format!("upstream {name} failed"),
                        NodeStatus::Cancelled => return format!("upstream {name} was cancelled"),
                        NodeStatus::Skipped => {
                            return self.notes[*source]
                                .clone()
                                .unwrap_or_else(|| format!("upstream {name} is skipped"))
                        }
                        _ => {}
                    }
                }
            }
        }
        let mut parts = Vec::new();
        for input in inputs {
            let (node, status) = match &input.source {
                InputSource::Step { step, node, .. } => (node, status_of(*step)),
                InputSource::Result { node, .. } => (node, NodeStatus::Reused),
                InputSource::Skipped { node, .. } => (node, NodeStatus::Skipped),
                InputSource::Value { .. } | InputSource::Unset => continue,
            };
            let part = format!(
                "{} {} ({} wire)",
                (self.title)(node),
                status.label(),
                input.outcome.word()
            );
            if !parts.contains(&part) {
                parts.push(part);
            }
        }
        format!("no wire into it fired: {}", parts.join(", "))
    }
}
