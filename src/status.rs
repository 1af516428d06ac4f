//! The one state a run is in and the one status a node has in it, each with its one set of
//! words. A leaf: the executor reports them, the queue and the store record them, the
//! command line and the app show them; none of them defines its own.

use serde::{Deserialize, Serialize};

/// Where a node stands in a run: before it ends (`Idle`, `Queued`, `Running`, which only
/// clients watching a run see) and how it ended (the rest, which the executor reports and
/// the store records).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeStatus {
    /// Not part of the current run.
    Idle,
    /// Planned, waiting its turn.
    Queued,
    /// Working now.
    Running,
    /// Ran and produced its outputs.
    Succeeded,
    /// Ran and failed.
    Failed,
    /// Did not run: a missing input, or something upstream failed or was skipped.
    Skipped,
    /// Stopped, or never started because the run was stopped.
    Cancelled,
    /// Not run: kept its earlier result (Missing mode).
    Reused,
    /// Ran once per batch item; some items failed, the others succeeded.
    Partial,
    /// Needs something only a person can supply (a key variable, an input file); the run
    /// is blocked, and Resume runs the step again once it is fixed.
    Blocked,
}

impl NodeStatus {
    /// Every status, in the order a run moves through them.
    pub const ALL: [NodeStatus; 10] = [
        NodeStatus::Idle,
        NodeStatus::Queued,
        NodeStatus::Running,
        NodeStatus::Succeeded,
        NodeStatus::Failed,
        NodeStatus::Skipped,
        NodeStatus::Cancelled,
        NodeStatus::Reused,
        NodeStatus::Partial,
        NodeStatus::Blocked,
    ];

    /// The symbol shown beside the status in the monitor and the CLI: ✔ ✖ » ■ …
    pub const fn icon(self) -> &'static str {
        match self {
            NodeStatus::Idle => "·",
            NodeStatus::Queued => "○",
            NodeStatus::Running => "▶",
            NodeStatus::Succeeded => "✔",
            NodeStatus::Failed => "✖",
            NodeStatus::Skipped => "»",
            NodeStatus::Cancelled => "■",
            NodeStatus::Reused => "=",
            NodeStatus::Partial => "⚠",
            NodeStatus::Blocked => "⛔",
        }
    }

    /// The word for people (and the name in JSON): "succeeded", "skipped", …
    pub const fn label(self) -> &'static str {
        match self {
            NodeStatus::Idle => "idle",
            NodeStatus::Queued => "queued",
            NodeStatus::Running => "running",
            NodeStatus::Succeeded => "succeeded",
            NodeStatus::Failed => "failed",
            NodeStatus::Skipped => "skipped",
            NodeStatus::Cancelled => "cancelled",
            NodeStatus::Reused => "reused",
            NodeStatus::Partial => "partial",
            NodeStatus::Blocked => "blocked",
        }
    }

    /// One sentence saying what the status means (for tooltips and help).
    pub const fn description(self) -> &'static str {
        match self {
            NodeStatus::Idle => "Not part of the current run.",
            NodeStatus::Queued => "Planned, waiting its turn.",
            NodeStatus::Running => "Working now.",
            NodeStatus::Succeeded => "Ran and produced its outputs.",
            NodeStatus::Failed => "Ran and failed.",
            NodeStatus::Skipped => {
                "Did not run: a missing input, or something upstream failed or was skipped."
            }
            NodeStatus::Cancelled => "Stopped, or never started because the run was stopped.",
            NodeStatus::Reused => "Not run: kept its earlier result.",
            NodeStatus::Partial => "Ran once per batch item; some items failed.",
            NodeStatus::Blocked => {
                "Needs something only a person can supply; Resume runs it again once fixed."
            }
        }
    }

    /// Whether the node is done for this run (not waiting or working).
    pub const fn is_final(self) -> bool {
        !matches!(self, NodeStatus::Queued | NodeStatus::Running)
    }

    /// Whether its result is there to use: it succeeded, or kept an earlier result.
    pub const fn has_result(self) -> bool {
        matches!(self, NodeStatus::Succeeded | NodeStatus::Reused)
    }
}

impl std::fmt::Display for NodeStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// Where a run stands, from the moment it is asked for to its end: the one run state the
/// engine, the queue, the store, the command line and the app share.
///
/// `Paused` and `Blocked` are waits: a paused run waits at a checkpoint for a person's
/// decision (or was paused by hand), a blocked one for a cause only a person can fix (a
/// missing key, a missing file). Either can end in the record and be continued later, by
/// another process too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// Queued, not started yet.
    Pending,
    /// Steps are running.
    Running,
    /// Waiting: at a checkpoint for a decision, or paused by hand.
    Paused,
    /// Being cancelled: the running steps finish, nothing new starts.
    Cancelling,
    /// Every planned step completed (or every failure was handled by the flow).
    #[serde(alias = "done")]
    Completed,
    /// A step failed (and nothing handled it), or a step was skipped because of it.
    #[serde(alias = "partial")]
    Failed,
    /// A person rejected it at a checkpoint.
    Rejected,
    /// Stopped or cancelled by a person (or a signal).
    Cancelled,
    /// Waiting for something only a person can supply; Resume continues it once fixed.
    Blocked,
    /// The process running it ended before the run did.
    Interrupted,
    /// It ran past its time limit.
    TimedOut,
    /// It never started: the file is invalid, a required input is empty, or nothing can be
    /// planned. Told apart from a run that ran and failed.
    NotStarted,
}

impl RunState {
    /// Every state.
    pub const ALL: [RunState; 12] = [
        RunState::Pending,
        RunState::Running,
        RunState::Paused,
        RunState::Cancelling,
        RunState::Completed,
        RunState::Failed,
        RunState::Rejected,
        RunState::Cancelled,
        RunState::Blocked,
        RunState::Interrupted,
        RunState::TimedOut,
        RunState::NotStarted,
    ];

    /// The word for people: "completed", "timed out", "not started", …
    pub const fn label(self) -> &'static str {
        match self {
            RunState::Pending => "pending",
            RunState::Running => "running",
            RunState::Paused => "paused",
            RunState::Cancelling => "cancelling",
            RunState::Completed => "completed",
            RunState::Failed => "failed",
            RunState::Rejected => "rejected",
            RunState::Cancelled => "cancelled",
            RunState::Blocked => "blocked",
            RunState::Interrupted => "interrupted",
            RunState::TimedOut => "timed out",
            RunState::NotStarted => "not started",
        }
    }

    /// One sentence saying what the state means (for tooltips and help).
    pub const fn description(self) -> &'static str {
        match self {
            RunState::Pending => "Queued, not started yet.",
            RunState::Running => "Steps are running.",
            RunState::Paused => "Waiting at a checkpoint for a decision, or paused by hand.",
            RunState::Cancelling => "Being cancelled: running steps finish, nothing new starts.",
            RunState::Completed => "Every step completed.",
            RunState::Failed => "A step failed and nothing handled it.",
            RunState::Rejected => "A person rejected it at a checkpoint.",
            RunState::Cancelled => "Stopped or cancelled.",
            RunState::Blocked => "Waiting for something only a person can supply.",
            RunState::Interrupted => "Its process ended before the run did.",
            RunState::TimedOut => "It ran past its time limit.",
            RunState::NotStarted => "It never started: the flow or its inputs were not ready.",
        }
    }

    /// Whether the run is over (not queued, running or waiting for a person).
    pub const fn is_over(self) -> bool {
        !matches!(
            self,
            RunState::Pending
                | RunState::Running
                | RunState::Paused
                | RunState::Cancelling
                | RunState::Blocked
        )
    }
}

impl std::fmt::Display for RunState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_label_is_the_json_name() {
        for status in NodeStatus::ALL {
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.label()));
            let back: NodeStatus = serde_json::from_str(&json).unwrap();
            assert_eq!(back, status);
            assert!(status.description().ends_with('.'));
        }
    }

    #[test]
    fn run_states_read_old_records() {
        for state in RunState::ALL {
            let json = serde_json::to_string(&state).unwrap();
            let back: RunState = serde_json::from_str(&json).unwrap();
            assert_eq!(back, state);
            assert!(state.description().ends_with('.'));
        }
        let done: RunState = serde_json::from_str("\"done\"").unwrap();
        assert_eq!(done, RunState::Completed);
        let partial: RunState = serde_json::from_str("\"partial\"").unwrap();
        assert_eq!(partial, RunState::Failed);
    }
}
