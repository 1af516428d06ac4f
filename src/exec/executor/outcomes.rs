//! How a run applies the firing rule: how each step stands, whether a step whose sources
//! have ended may start, which failures fail wires handled, and which skips are branches not
//! taken (see `exec::firing` for the rule itself).

use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::{ActiveRun, StepState};
use crate::exec::events::{Counts, NodeStatus};
use crate::model::NodeId;
use crate::nodes::Outputs;
use crate::plan::InputSource;

impl ActiveRun {
    /// How a step stands, as the firing rule sees it (one not ended reads as queued).
    pub(super) fn status_of(&self, step: usize) -> NodeStatus {
        match self.state[step] {
            StepState::Ended(status) => status,
            StepState::Waiting | StepState::Running => NodeStatus::Queued,
        }
    }

    /// A node's title for messages, as [`Self::quoted`] without the quotes' meaning lost.
    pub(super) fn title_of(&self, node: &NodeId) -> String {
        self.quoted(node)
    }

    /// What decides what arrives at this run's inputs.
    pub(super) fn sources<'a>(
        &'a self,
        results: &'a FxHashMap<NodeId, Arc<Outputs>>,
        title: &'a dyn Fn(&NodeId) -> String,
    ) -> crate::exec::firing::Sources<'a> {
        crate::exec::firing::Sources {
            plan: &self.plan,
            outputs: &self.outputs,
            results,
            notes: &self.notes,
            title,
            routed: &self.routed,
        }
    }

    /// Whether `step`, whose sources have all ended, may start: it has no wire in or one
    /// fires, and each required input gets a value. Else why not, and whether it is
    /// because no wire fired.
    pub(super) fn may_start(
        &self,
        step: usize,
        results: &FxHashMap<NodeId, Arc<Outputs>>,
    ) -> Result<(), (String, bool)> {
        use crate::exec::firing::{fires, wire_source, Arrival};
        let inputs = &self.plan.steps[step].inputs;
        let title = |node: &NodeId| self.title_of(node);
        let sources = self.sources(results, &title);
        let mut wires = 0;
        let mut fired = false;
        for input in inputs {
            if let Some((_, status)) = wire_source(input, |s| self.status_of(s)) {
                wires += 1;
                fired |= fires(input.outcome, status) && !sources.not_taken(input);
            }
        }
        if wires > 0 && !fired {
            return Err((sources.why_none_fired(step, |s| self.status_of(s)), true));
        }
        for input in inputs.iter().filter(|input| input.required) {
            if let Arrival::Nothing = sources.arrival(input, |s| self.status_of(s)) {
                return Err((sources.why_nothing(input, |s| self.status_of(s)), false));
            }
        }
        Ok(())
    }

    /// Counts the failures fail wires handled and the skipped branches not taken, and
    /// names the steps that handled failures. A skip is a branch not taken when no wire
    /// into it fired and each of its sources ended as the flow is drawn to allow: it
    /// succeeded (a failure branch not taken), its failure was handled, or it is itself a
    /// branch not taken. Steps are in dependency order, so one pass settles chains.
    pub(super) fn count_handling(&self, counts: &mut Counts) -> Vec<String> {
        let mut not_taken = vec![false; self.plan.steps.len()];
        // Skipped because a person skipped it, or something it needed, at a checkpoint.
        let mut decided = vec![false; self.plan.steps.len()];
        for step in 0..self.plan.steps.len() {
            decided[step] = self.skipped_by_decision[step]
                || (self.status_of(step) == NodeStatus::Skipped
                    && self.plan.steps[step].inputs.iter().any(|input| {
                        matches!(input.source, InputSource::Step { step: source, .. } if decided[source])
                    }));
            if decided[step] {
                not_taken[step] = true;
                continue;
            }
            if !self.no_fire[step] {
                continue;
            }
            not_taken[step] =
                self.plan.steps[step]
                    .inputs
                    .iter()
                    .all(|input| match &input.source {
                        InputSource::Step { step: source, .. } => match self.status_of(*source) {
                            NodeStatus::Failed => self.handled_by[*source].is_some(),
                            NodeStatus::Skipped => not_taken[*source],
                            NodeStatus::Cancelled => false,
                            _ => true,
                        },
                        InputSource::Skipped { .. } => false,
                        _ => true,
                    });
        }
        counts.not_taken = not_taken.iter().filter(|&&n| n).count();
        let mut handlers = Vec::new();
        for (step, handler) in self.handled_by.iter().enumerate() {
            if let (Some(handler), NodeStatus::Failed) = (handler, self.status_of(step)) {
                counts.handled += 1;
                let name = self.plan.steps[*handler].node.clone();
                let title = self.title_of(&name).trim_matches('`').to_owned();
                if !handlers.contains(&title) {
                    handlers.push(title);
                }
            }
        }
        handlers
    }

    /// A step about to start handles the failures its fail wires carry.
    pub(super) fn note_handled(&mut self, step: usize) {
        for i in 0..self.plan.steps[step].inputs.len() {
            let input = &self.plan.steps[step].inputs[i];
            if let (InputSource::Step { step: source, .. }, crate::model::Outcome::Fail) =
                (&input.source, input.outcome)
            {
                let source = *source;
                if self.status_of(source) == NodeStatus::Failed {
                    self.handled_by[source].get_or_insert(step);
                }
            }
        }
    }
}
