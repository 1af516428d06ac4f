//! The one status a node has in a run, and the one set of words for it. A leaf: the executor
//! reports it, the store records it, the command line and the app show it; none of them
//! defines its own.

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
}

impl NodeStatus {
    /// Every status, in the order a run moves through them.
    pub const ALL: [NodeStatus; 9] = [
        NodeStatus::Idle,
        NodeStatus::Queued,
        NodeStatus::Running,
        NodeStatus::Succeeded,
        NodeStatus::Failed,
        NodeStatus::Skipped,
        NodeStatus::Cancelled,
        NodeStatus::Reused,
        NodeStatus::Partial,
    ];

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
}
