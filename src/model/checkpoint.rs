//! Checkpoints: where a run stops for a person's decision, which steps stop (the run's
//! checkpoint mode), and the decisions people make there.

use serde::{Deserialize, Serialize};

/// Which steps of a run stop for a decision before they run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckpointMode {
    /// The steps the flow marks (`Node::checkpoint`): the flow's own checkpoints.
    #[default]
    Marked,
    /// Every step, marked or not: to walk a new or risky flow one step at a time.
    Every,
    /// None: the run goes straight through.
    None,
}

impl CheckpointMode {
    /// Every mode, in the order the run panel offers them.
    pub const ALL: [CheckpointMode; 3] = [
        CheckpointMode::Marked,
        CheckpointMode::Every,
        CheckpointMode::None,
    ];

    /// The word on the command line (`--checkpoints marked|every|none`) and in records.
    pub const fn name(self) -> &'static str {
        match self {
            CheckpointMode::Marked => "marked",
            CheckpointMode::Every => "every",
            CheckpointMode::None => "none",
        }
    }

    /// The words for people, in the run panel.
    pub const fn label(self) -> &'static str {
        match self {
            CheckpointMode::Marked => "Flow defaults (marked steps)",
            CheckpointMode::Every => "Before every step",
            CheckpointMode::None => "None",
        }
    }

    /// The mode named `name` (see [`Self::name`]).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|mode| mode.name() == name)
    }
}

/// What a person decided at a checkpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Go on: the step runs.
    Approve,
    /// Stop: the run ends rejected.
    Reject,
    /// Leave this step out and go on; what depends on it follows the wire rules.
    Skip,
}

impl Verdict {
    /// Every verdict, in the order a prompt offers them.
    pub const ALL: [Verdict; 3] = [Verdict::Approve, Verdict::Reject, Verdict::Skip];

    /// The word on the command line (`decide FILE approve`) and in records.
    pub const fn name(self) -> &'static str {
        match self {
            Verdict::Approve => "approve",
            Verdict::Reject => "reject",
            Verdict::Skip => "skip",
        }
    }

    /// The past tense for people: "approved", "rejected", "skipped".
    pub const fn past(self) -> &'static str {
        match self {
            Verdict::Approve => "approved",
            Verdict::Reject => "rejected",
            Verdict::Skip => "skipped",
        }
    }

    /// The verdict named `name`, or by its first letter (`a`, `r`, `s`), any case.
    pub fn from_name(name: &str) -> Option<Self> {
        let name = name.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|v| v.name() == name || (name.len() == 1 && v.name().starts_with(&name)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back() {
        for mode in CheckpointMode::ALL {
            assert_eq!(CheckpointMode::from_name(mode.name()), Some(mode));
        }
        for verdict in Verdict::ALL {
            assert_eq!(Verdict::from_name(verdict.name()), Some(verdict));
        }
        assert_eq!(Verdict::from_name(" A "), Some(Verdict::Approve));
        assert_eq!(Verdict::from_name("s"), Some(Verdict::Skip));
        assert_eq!(Verdict::from_name("x"), None);
        assert_eq!(Verdict::from_name(""), None);
    }
}
