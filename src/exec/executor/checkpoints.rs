//! Where a run waits for a person: checkpoints (which steps stop for a decision, parking the
//! run there with a store or waiting in place without one, applying decisions), and blocks
//! (a step that needs something only a person can supply ends the run blocked).

use std::cmp::Reverse;

use super::{ActiveRun, Executor, RunEnd};
use crate::exec::events::{Event, NodeStatus};
use crate::model::{CheckpointMode, NodeId, NodeLabels, Verdict};
use crate::plan::InputSource;
use crate::status::RunState;
use crate::store::{Decision, Waiting};

/// What a step's checkpoint lets happen when the step's turn comes.
pub(super) enum Gate {
    /// No checkpoint, or it was approved: the step starts.
    Open,
    /// Skipped at its checkpoint: why, for its line and its failure port.
    Skip(String),
    /// A decision is needed first: the checkpoint's message.
    Stop(String),
}

impl ActiveRun {
    /// The message of the checkpoint before `step` under the run's checkpoint mode, if it
    /// has one.
    fn checkpoint_message(&self, step: usize) -> Option<String> {
        let node = &self.request.flow.nodes[self.plan.steps[step].node_index];
        match self.request.checkpoints {
            CheckpointMode::None => return None,
            // The usual case, asked once per step: no names are worked out for it.
            CheckpointMode::Marked if node.checkpoint.is_none() => return None,
            _ => {}
        }
        let labels = self
            .labels
            .get_or_init(|| NodeLabels::of(&self.request.flow));
        crate::plan::checkpoint_message(node, self.request.checkpoints, labels)
    }

    /// Whether some step of the run has a checkpoint (the run then goes one step at a
    /// time, so that nothing else is running when it stops).
    pub(super) fn has_checkpoints(&self) -> bool {
        (0..self.plan.steps.len()).any(|step| self.checkpoint_message(step).is_some())
    }

    /// What the checkpoint before `step` lets happen, given the decisions made so far.
    pub(super) fn gate(&self, step: usize) -> Gate {
        let Some(message) = self.checkpoint_message(step) else {
            return Gate::Open;
        };
        let node = &self.plan.steps[step].node;
        let earlier = self.request.resumes.iter().flat_map(|r| r.decisions.iter());
        let decided = (earlier.chain(&self.request.decisions))
            .rev()
            .find(|d| &d.node == node);
        match decided.map(|d| (d.verdict, d.comment.as_str())) {
            Some((Verdict::Approve, _)) => Gate::Open,
            Some((Verdict::Skip, "")) => Gate::Skip("skipped at its checkpoint".to_owned()),
            Some((Verdict::Skip, comment)) => {
                Gate::Skip(format!("skipped at its checkpoint: {comment}"))
            }
            Some((Verdict::Reject, _)) | None => Gate::Stop(message),
        }
    }

    /// The step whose result is the context for a decision at `step`: the latest step of
    /// this run it takes an input from, else a node it reads a kept result of, else the
    /// last step that ended.
    fn previous_of(&self, step: usize) -> Option<NodeId> {
        let inputs = &self.plan.steps[step].inputs;
        let from_step = (inputs.iter())
            .filter_map(|input| match &input.source {
                InputSource::Step { step, node, .. } => Some((*step, node)),
                _ => None,
            })
            .max_by_key(|(step, _)| *step)
            .map(|(_, node)| node.clone());
        let from_result = || {
            inputs.iter().find_map(|input| match &input.source {
                InputSource::Result { node, .. } => Some(node.clone()),
                _ => None,
            })
        };
        let last_ended = || {
            (0..step)
                .rev()
                .find(|&s| {
                    matches!(
                        self.state[s],
                        super::StepState::Ended(NodeStatus::Succeeded | NodeStatus::Failed)
                    )
                })
                .map(|s| self.plan.steps[s].node.clone())
        };
        from_step.or_else(from_result).or_else(last_ended)
    }
}

impl Executor {
    /// `step`'s turn came and its checkpoint wants a decision. A run with a store parks:
    /// its loop ends and its record says what it waits for. One without waits in place,
    /// holding the queue, for [`crate::exec::EngineHandle::decide`].
    pub(super) fn stop_at_checkpoint(
        &mut self,
        run: &mut ActiveRun,
        step: usize,
        message: String,
    ) -> Option<RunEnd> {
        let node = run.plan.steps[step].node.clone();
        let previous = run.previous_of(step);
        let record = run.recorder.as_ref().map(|r| r.id().to_owned());
        self.sink.emit(Event::CheckpointReached {
            run: run.id,
            node: node.clone(),
            message: message.clone(),
            previous: previous.clone(),
            record: record.clone(),
        });
        run.ready.push(Reverse(step));
        if let Some(recorder) = run.recorder.as_mut() {
            recorder.set_waiting(Waiting::Checkpoint {
                node,
                message,
                previous,
            });
            run.parked_at = Some(step);
            return Some(RunEnd::Parked);
        }
        run.waiting_at = Some(step);
        if self.queue.set_active_status(run.id, RunState::Paused) {
            self.queue_changed();
        }
        None
    }

    /// A decision for the run waiting in place: approve or skip lets its step's turn come
    /// again (the gate now lets it through); reject ends the run.
    pub(super) fn decide_in_place(
        &mut self,
        run: &mut ActiveRun,
        decision: Decision,
    ) -> Option<RunEnd> {
        let waiting = run.waiting_at?;
        if run.plan.steps[waiting].node != decision.node {
            return None;
        }
        run.waiting_at = None;
        let verdict = decision.verdict;
        if let Some(recorder) = run.recorder.as_mut() {
            recorder.decided(decision.clone());
        }
        run.request.decisions.push(decision.clone());
        self.sink.emit(Event::Decided {
            run: run.id,
            decision,
        });
        if verdict == Verdict::Reject {
            return Some(RunEnd::Rejected);
        }
        if self.queue.set_active_status(run.id, RunState::Running) {
            self.queue_changed();
        }
        None
    }

    /// `step` needs something only a person can supply: it goes back to waiting (Resume
    /// runs it again), nothing new starts, and once the running steps end the run ends
    /// blocked, its record saying why and how to fix it.
    pub(super) fn block(&mut self, run: &mut ActiveRun, step: usize, cause: String, fix: String) {
        run.state[step] = super::StepState::Waiting;
        let node = run.plan.steps[step].node.clone();
        self.sink.settle(run.id, &node);
        if let Some(recorder) = run.recorder.as_mut() {
            recorder.note(&node, None, Some(cause.clone()));
        }
        self.tell_blocked(run, node, cause, fix);
        // The first block is the one told; a second one waits behind it.
        run.blocked_at.get_or_insert(step);
    }

    /// Tells clients what blocks the run, and keeps it in its record.
    fn tell_blocked(&mut self, run: &mut ActiveRun, node: NodeId, cause: String, fix: String) {
        self.sink.emit(Event::RunBlocked {
            run: run.id,
            node: node.clone(),
            cause: cause.clone(),
            fix: fix.clone(),
        });
        if let Some(recorder) = run.recorder.as_mut() {
            recorder.set_waiting(Waiting::Blocked { node, cause, fix });
        }
    }

    /// For a run that blocks on trust (`RunRequest::block_on_trust`) and ran all it could:
    /// the first step it left out for want of trust, told and recorded as what blocks it.
    pub(super) fn blocked_on_trust(&mut self, run: &mut ActiveRun) -> bool {
        if !run.request.block_on_trust {
            return false;
        }
        let planned = (run.plan.skipped.iter()).map(|s| (&s.node, Some(s.reason.as_str())));
        let steps = (run.plan.steps.iter().zip(&run.notes)).map(|(s, n)| (&s.node, n.as_deref()));
        let Some((node, reason)) = planned.chain(steps).find_map(|(node, note)| {
            Some((node, note.filter(|n| crate::nodes::is_needs_trust(n))?))
        }) else {
            return false;
        };
        let (node, cause) = (node.clone(), reason.to_owned());
        let fix = "trust this folder (Trust this folder, above the canvas)".to_owned();
        self.tell_blocked(run, node, cause, fix);
        true
    }
}
