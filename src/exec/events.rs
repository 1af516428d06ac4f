//! Events the executor streams to its clients, and the run outcome types they carry.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::model::NodeId;
use crate::nodes::{Outputs, Progress};
use crate::plan::Plan;

/// Identifies one run within an engine, counting from 1.
pub type RunId = u64;

/// Something that happened in the executor. Serialised (one JSON object per line) by
/// `flowcanvas run --json`; the schema is in `docs/cli.md`.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A run was accepted and waits its turn.
    RunQueued {
        /// The run.
        run: RunId,
    },
    /// The queue changed: every item as it stands now.
    QueueChanged {
        /// Whether the queue is paused.
        paused: bool,
        /// Finished items (oldest first), the running one, then the waiting ones in order.
        items: Vec<super::queue::QueueItem>,
    },
    /// A run could not be planned (a loop, an unknown node); nothing ran.
    RunRejected {
        /// The run.
        run: RunId,
        /// Why, for people.
        error: String,
    },
    /// A run started; its plan says what will happen.
    RunStarted {
        /// The run.
        run: RunId,
        /// The plan being run.
        plan: Arc<Plan>,
        /// Seeds rolled for this run ("new each run" seed nodes), by node.
        seeds: BTreeMap<NodeId, u64>,
        /// The id of its record in the store (`None`: it runs without one).
        #[serde(skip_serializing_if = "Option::is_none")]
        record: Option<String>,
    },
    /// A step started work.
    NodeStarted {
        /// The run.
        run: RunId,
        /// The node.
        node: NodeId,
        /// Its position in the plan, from 1.
        order: usize,
        /// When it started, in milliseconds from the run's start.
        at_ms: f64,
        /// When it became ready to start (every step it depends on had ended), in
        /// milliseconds from the run's start: it waited `at_ms - ready_ms` for a free slot
        /// (or while the run was paused).
        ready_ms: f64,
    },
    /// A step reported progress: streamed output, or k of N.
    NodeProgress {
        /// The run.
        run: RunId,
        /// The node.
        node: NodeId,
        /// What it reported.
        progress: Progress,
    },
    /// A step failed and will be tried again after a wait (its retry policy allows it).
    NodeRetrying {
        /// The run.
        run: RunId,
        /// The node.
        node: NodeId,
        /// The attempt that comes next, from 2.
        attempt: u32,
        /// How many attempts the policy allows in all.
        of: u32,
        /// The wait before that attempt, in milliseconds.
        delay_ms: u64,
        /// Why the attempt before failed, for people.
        error: String,
        /// When the failure was seen, in milliseconds from the run's start.
        at_ms: f64,
    },
    /// A step succeeded.
    NodeFinished {
        /// The run.
        run: RunId,
        /// The node.
        node: NodeId,
        /// Its outputs by port.
        outputs: Arc<Outputs>,
        /// How long it worked, in milliseconds.
        elapsed_ms: f64,
        /// What the result was made from (see `plan::signature`); only for runs that use a
        /// result store.
        #[serde(skip_serializing_if = "Option::is_none")]
        signature: Option<String>,
        /// For a node that ran once per batch item: the items that failed (the node is then
        /// partial; the others' results are in `outputs`).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        failed_items: Vec<ItemFailure>,
    },
    /// A step failed.
    NodeFailed {
        /// The run.
        run: RunId,
        /// The node.
        node: NodeId,
        /// What went wrong, for people.
        error: String,
        /// How long it worked, in milliseconds.
        elapsed_ms: f64,
    },
    /// A planned node will not run.
    NodeSkipped {
        /// The run.
        run: RunId,
        /// The node.
        node: NodeId,
        /// Why (a missing input, an upstream failure).
        reason: String,
    },
    /// A step was stopped, or will not start because the run was stopped or cancelled.
    NodeCancelled {
        /// The run.
        run: RunId,
        /// The node.
        node: NodeId,
        /// Why, when it never started (`not started: the run was cancelled`).
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// The run was paused: no new step starts; steps already running finish.
    RunPaused {
        /// The run.
        run: RunId,
        /// How many steps are still running (they finish; the run is fully paused when
        /// none is).
        running: usize,
    },
    /// A paused run goes on.
    RunResumed {
        /// The run.
        run: RunId,
    },
    /// The run is being cancelled: no new step starts, steps already running finish, and
    /// then every step not started is cancelled and the run ends.
    RunCancelling {
        /// The run.
        run: RunId,
        /// How many steps are still running.
        running: usize,
    },
    /// The run stopped at a checkpoint: it waits for a person to approve, reject or skip
    /// `node`. With a store the run parks (its record says where; `run_finished` with
    /// status `paused` follows and the queue moves on); without one it waits in place for
    /// [`super::EngineHandle::decide`].
    CheckpointReached {
        /// The run.
        run: RunId,
        /// The step that waits.
        node: NodeId,
        /// The checkpoint's message.
        message: String,
        /// The step whose result is the context for the decision, if any ran.
        #[serde(skip_serializing_if = "Option::is_none")]
        previous: Option<NodeId>,
        /// The record of the parked run (`None`: the run waits in place).
        #[serde(skip_serializing_if = "Option::is_none")]
        record: Option<String>,
    },
    /// A step needs something only a person can supply (a key variable, an input file): the
    /// run is blocked. Steps already running finish, nothing new starts, and the run ends
    /// `blocked` (`run_finished` follows); Resume runs the step again once fixed.
    RunBlocked {
        /// The run.
        run: RunId,
        /// The step that could not go on.
        node: NodeId,
        /// What is missing.
        cause: String,
        /// How to fix it.
        fix: String,
    },
    /// A decision at a checkpoint was applied: the step runs (approve), is skipped (skip),
    /// or the run ends rejected (reject).
    Decided {
        /// The run.
        run: RunId,
        /// The decision, with its step, comment, time and author.
        decision: crate::store::Decision,
    },
    /// The result store could not be read or written (the run goes on; the message names
    /// the file).
    StoreProblem {
        /// The run (0 when it happened while loading the store for no run in particular).
        run: RunId,
        /// What went wrong, with the file's name.
        message: String,
    },
    /// A node's active result changed to an earlier one from its history (downstream nodes
    /// now use it).
    ActiveResultChanged {
        /// The node.
        node: NodeId,
        /// The outputs of the result now active.
        outputs: Arc<Outputs>,
        /// What that result was made from.
        #[serde(skip_serializing_if = "Option::is_none")]
        signature: Option<String>,
    },
    /// A run ended. Always the last event of a run that started.
    RunFinished {
        /// The run.
        run: RunId,
        /// How it ended.
        status: RunState,
        /// One line for people, e.g. `Flow finished with problems: 3 succeeded, 1 failed`.
        summary: String,
        /// How many planned nodes ended each way.
        counts: Counts,
        /// Every planned node's final status, in plan order.
        nodes: Vec<NodeOutcome>,
        /// Wall time of the run, in milliseconds.
        elapsed_ms: f64,
    },
}

impl Event {
    /// The run this event belongs to (0 for queue-wide events).
    pub fn run(&self) -> RunId {
        match self {
            Event::QueueChanged { .. } | Event::ActiveResultChanged { .. } => 0,
            Event::RunQueued { run }
            | Event::RunRejected { run, .. }
            | Event::RunStarted { run, .. }
            | Event::NodeStarted { run, .. }
            | Event::NodeProgress { run, .. }
            | Event::NodeFinished { run, .. }
            | Event::NodeRetrying { run, .. }
            | Event::NodeFailed { run, .. }
            | Event::NodeSkipped { run, .. }
            | Event::NodeCancelled { run, .. }
            | Event::RunPaused { run, .. }
            | Event::RunResumed { run }
            | Event::RunCancelling { run, .. }
            | Event::CheckpointReached { run, .. }
            | Event::Decided { run, .. }
            | Event::RunBlocked { run, .. }
            | Event::StoreProblem { run, .. }
            | Event::RunFinished { run, .. } => *run,
        }
    }
}

/// How a run's loop ended, for its summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Every step ran or was skipped.
    Finished,
    /// Stopped: running steps were killed.
    Stopped,
    /// Cancelled: running steps finished, the rest never started.
    Cancelled,
    /// The run's time limit passed: running steps were killed, the rest never started.
    TimedOut,
    /// Parked at a checkpoint: the steps not started wait for a decision.
    Parked,
    /// Rejected at a checkpoint: the steps not started never will.
    Rejected,
    /// Blocked: a step needs a person; it and the steps not started wait for Resume.
    Blocked,
}

pub use crate::status::NodeStatus;
pub use crate::status::RunState;

/// A batch item that failed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ItemFailure {
    /// The item, from 0.
    pub index: usize,
    /// Why.
    pub error: String,
}

/// One node's final status in a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeOutcome {
    /// The node.
    pub node: NodeId,
    /// How it ended.
    pub status: NodeStatus,
}

/// How many planned nodes ended each way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Succeeded.
    pub succeeded: usize,
    /// Failed.
    pub failed: usize,
    /// Skipped.
    pub skipped: usize,
    /// Cancelled.
    pub cancelled: usize,
    /// Reused an earlier result.
    pub reused: usize,
    /// Some batch items failed.
    pub partial: usize,
    /// Of the failed, those a fail wire handled (a step wired to their failure ran).
    #[serde(default)]
    pub handled: usize,
    /// Of the skipped, those whose branch was not taken: no wire into them fired, and that
    /// is how the flow is drawn (a failure branch after a success, say).
    #[serde(default)]
    pub not_taken: usize,
}

impl Counts {
    /// Tallies final statuses.
    pub fn of(outcomes: &[NodeOutcome]) -> Self {
        let mut counts = Counts::default();
        for outcome in outcomes {
            match outcome.status {
                NodeStatus::Succeeded => counts.succeeded += 1,
                NodeStatus::Failed => counts.failed += 1,
                NodeStatus::Skipped => counts.skipped += 1,
                NodeStatus::Cancelled => counts.cancelled += 1,
                NodeStatus::Reused => counts.reused += 1,
                NodeStatus::Partial => counts.partial += 1,
                // Not an ending: they wait for the run to go on (a blocked step, the steps
                // a paused or blocked run has not reached), or a run's outcomes never hold
                // them.
                NodeStatus::Idle
                | NodeStatus::Queued
                | NodeStatus::Running
                | NodeStatus::Blocked => {}
            }
        }
        counts
    }

    /// The run status these counts amount to.
    pub fn status(&self, stopped: bool) -> RunState {
        let unhandled = self.failed - self.handled.min(self.failed);
        let problem_skips = self.skipped - self.not_taken.min(self.skipped);
        if stopped {
            RunState::Cancelled
        } else if unhandled == 0 && problem_skips == 0 && self.cancelled == 0 && self.partial == 0 {
            // Nothing went wrong that the flow does not handle: every failure has a step
            // wired to it that ran, and every skip is a branch not taken.
            RunState::Completed
        } else {
            RunState::Failed
        }
    }
}

/// The summary line of a run, e.g. `Flow failed: 1 failed, 2 skipped in 0.3 s`.
pub fn summary_line(status: RunState, counts: &Counts, elapsed_ms: f64) -> String {
    let ending = match status {
        RunState::Cancelled => Ending::Stopped,
        RunState::TimedOut => Ending::TimedOut,
        _ => Ending::Finished,
    };
    summary_line_for(ending, status, counts, elapsed_ms, &[])
}

/// [`summary_line`] of a run that ended this way: a cancelled run says so rather than
/// "stopped"; failures handled by a fail wire name the steps that handled them
/// (`handlers`, titles as people read them).
pub fn summary_line_for(
    ending: Ending,
    status: RunState,
    counts: &Counts,
    elapsed_ms: f64,
    handlers: &[String],
) -> String {
    let label = match (status, ending) {
        (_, Ending::Cancelled) => "Flow cancelled",
        (RunState::TimedOut, _) | (_, Ending::TimedOut) => "Flow timed out",
        (RunState::Cancelled, _) | (_, Ending::Stopped) => "Flow stopped",
        (RunState::Completed, _) => "Flow complete",
        (RunState::Failed, _) if counts.succeeded + counts.partial > 0 => {
            "Flow finished with problems"
        }
        (RunState::Rejected, _) => "Flow rejected",
        (RunState::Paused, _) => "Flow paused",
        (RunState::Blocked, _) => "Flow blocked",
        (RunState::NotStarted, _) => "Flow not started",
        _ => "Flow failed",
    };
    let parts: Vec<String> = [
        (counts.succeeded, NodeStatus::Succeeded),
        (counts.partial, NodeStatus::Partial),
        (counts.failed, NodeStatus::Failed),
        (counts.skipped, NodeStatus::Skipped),
        (counts.cancelled, NodeStatus::Cancelled),
        (counts.reused, NodeStatus::Reused),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, status)| {
        let mut part = format!("{n} {}", status.label());
        match status {
            NodeStatus::Failed if !handlers.is_empty() => {
                let names: Vec<String> = handlers.iter().map(|h| format!("`{h}`")).collect();
                let all = if counts.handled == *n { "" } else { "some " };
                part.push_str(&format!(", {all}handled by {}", names.join(", ")));
            }
            NodeStatus::Skipped if counts.not_taken > 0 => {
                part.push_str(&format!(" ({} not taken)", counts.not_taken));
            }
            _ => {}
        }
        part
    })
    .collect();
    let parts = if parts.is_empty() {
        "nothing to run".to_owned()
    } else {
        parts.join(", ")
    };
    format!("{label}: {parts} in {}", format_duration_ms(elapsed_ms))
}

/// Formats milliseconds for people: `12 ms`, `1.4 s`, `2 m 05 s`.
pub fn format_duration_ms(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{} ms", ms.round() as u64)
    } else if ms < 60_000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else {
        let seconds = (ms / 1000.0).round() as u64;
        format!("{} m {:02} s", seconds / 60, seconds % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_follows_counts() {
        let c = |succeeded, failed, skipped| Counts {
            succeeded,
            failed,
            skipped,
            ..Counts::default()
        };
        assert_eq!(c(3, 0, 0).status(false), RunState::Completed);
        assert_eq!(c(3, 1, 1).status(false), RunState::Failed);
        assert_eq!(c(0, 1, 2).status(false), RunState::Failed);
        assert_eq!(c(0, 0, 1).status(false), RunState::Failed);
        assert_eq!(c(3, 0, 0).status(true), RunState::Cancelled);
        assert_eq!(c(0, 0, 0).status(false), RunState::Completed);
    }

    #[test]
    fn summary_names_every_nonzero_count() {
        let counts = Counts {
            succeeded: 3,
            failed: 1,
            skipped: 1,
            ..Counts::default()
        };
        assert_eq!(
            summary_line(RunState::Failed, &counts, 1234.0),
            "Flow finished with problems: 3 succeeded, 1 failed, 1 skipped in 1.2 s"
        );
        assert_eq!(
            summary_line(RunState::Completed, &Counts::default(), 3.0),
            "Flow complete: nothing to run in 3 ms"
        );
    }
}
