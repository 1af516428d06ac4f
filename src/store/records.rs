//! What the store keeps: a node's result history, and the record of each run.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{CheckpointMode, NodeId, ParamValue, Verdict};
use crate::plan::{RunMode, Scope};
use crate::status::NodeStatus;
pub use crate::status::RunState;

/// One stored result of a node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultEntry {
    /// The content hash of the outputs (the object's file name).
    pub object: String,
    /// The run that produced it.
    pub run: String,
    /// When it was produced, in milliseconds since the Unix epoch.
    pub at_ms: u64,
    /// What it was made from: a hash of the node's parameters and the inputs it consumed
    /// (see `plan::signature`); a result whose signature no longer matches is stale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// For one item of a batch result: the item, from 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<usize>,
    /// Notes on how it was made: the error of each failed attempt before the one that
    /// made it (a step retried).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// A node's results: the history, oldest first, and which one is active.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeHistory {
    /// Index of the active result in `history`.
    pub active: usize,
    /// Every result, oldest first.
    pub history: Vec<ResultEntry>,
}

/// One node's line in a run record.
///
/// A step's times are milliseconds from the run's start (`RunRecord::started_at_ms`):
/// `ready_ms` when every step it depends on had ended (from then on only a free slot was
/// missing: the run's parallelism or its kind's limit, or the run was paused), `started_ms`
/// when it started work,
/// which then lasted `elapsed_ms`. They are what a run's timeline is drawn from
/// (`timeline::Timeline::of_record`). A step is attempted once today; when steps may be
/// retried, the attempts before the last will be kept in a list of their own, each with
/// these three times, and these fields stay the last attempt's, so a record written now
/// reads the same then.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeRecord {
    /// The node.
    pub node: NodeId,
    /// How it ended (or `None` while it has not).
    pub status: Option<NodeStatus>,
    /// How long it worked.
    pub elapsed_ms: Option<f64>,
    /// Its error, if it failed; its skip reason, if skipped.
    pub note: Option<String>,
    /// When it became ready to start, in milliseconds from the run's start. `None` for a
    /// step that never became ready (skipped, reused), and in records written before step
    /// times were kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_ms: Option<f64>,
    /// When it started work, in milliseconds from the run's start (`None`: it never
    /// started).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_ms: Option<f64>,
    /// How many bytes each of its outputs holds (`Value::data_bytes`), by port; empty
    /// unless it succeeded.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub output_bytes: BTreeMap<String, u64>,
    /// What it streamed on standard output while it ran (a shell command's lines, an LLM's
    /// tokens), its start and end kept when long (see [`TRANSCRIPT_KEPT_BYTES`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdout: Option<String>,
    /// What it streamed on standard error, kept the same way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stderr: Option<String>,
    /// Notes on its work, kept the same way: the requests an HTTP step sent and the status
    /// lines of the answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<String>,
    /// The errors of its earlier attempts, oldest first, when its retry policy tried it
    /// again (the last attempt's error, if it failed too, is `note`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<String>,
}

/// An error on one line: its first line and, when it has more, its last (a command's
/// "failed with exit code 1:" and what it said last).
pub fn one_line(error: &str) -> String {
    let mut lines = error.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or_default();
    match lines.next_back() {
        Some(last) => format!("{}: {last}", first.trim_end_matches(':')),
        None => first.to_owned(),
    }
}

/// How much of each stream a run record keeps per step: this many bytes from the start and
/// as many from the end, with a line saying how much was cut between them.
pub const TRANSCRIPT_KEPT_BYTES: usize = 16 * 1024;

impl NodeRecord {
    /// What the step said while it ran, a line each: its failed attempts (`↻ attempt 1
    /// failed: …`, the error's first line), then its info (`· → GET …`), standard output
    /// (`│ …`: a command's lines, a model's tokens, a script's prints) and standard error
    /// (`! …`). The one reading of a transcript, for `runs --transcript` and the app.
    pub fn transcript_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for (attempt, error) in self.attempts.iter().enumerate() {
            lines.push(format!(
                "↻ attempt {} failed: {}",
                attempt + 1,
                one_line(error)
            ));
        }
        for (mark, text) in [("·", &self.info), ("│", &self.stdout), ("!", &self.stderr)] {
            for piece in (text.iter()).flat_map(|t| t.trim_end_matches('\n').split('\n')) {
                lines.push(format!("{mark} {piece}"));
            }
        }
        lines
    }

    /// The line of a node that has not ended yet: no status, times or note.
    pub fn new(node: NodeId) -> Self {
        Self {
            node,
            status: None,
            elapsed_ms: None,
            note: None,
            ready_ms: None,
            started_ms: None,
            output_bytes: BTreeMap::new(),
            stdout: None,
            stderr: None,
            info: None,
            attempts: Vec::new(),
        }
    }
}

/// The record of one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Unique across processes: `<start ms>-<pid>-<engine run id>`.
    pub id: String,
    /// The process that ran it (to tell an interrupted run from a running one).
    pub pid: u32,
    /// When it started, in milliseconds since the Unix epoch.
    pub started_at_ms: u64,
    /// When it ended.
    pub finished_at_ms: Option<u64>,
    /// What it covered.
    pub scope: Scope,
    /// All or Missing.
    pub mode: RunMode,
    /// Promoted input values it ran with, by label.
    pub inputs: BTreeMap<String, ParamValue>,
    /// Seeds rolled for it.
    pub seeds: BTreeMap<NodeId, u64>,
    /// How it stands.
    pub status: RunState,
    /// Each planned node, in plan order.
    pub nodes: Vec<NodeRecord>,
    /// The summary line, once finished.
    pub summary: Option<String>,
    /// The earlier run this one resumes or retries, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continues: Option<Continuation>,
    /// A restricted run (nodes that act outside the flow were left out); a resume or retry
    /// of it is restricted too. Records written before this field read as unrestricted.
    #[serde(default)]
    pub restricted: bool,
    /// Which steps stop for a decision (records written before checkpoints read `marked`).
    #[serde(default)]
    pub checkpoints: CheckpointMode,
    /// Every decision made at its checkpoints, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<Decision>,
    /// What a paused or blocked run waits for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<Waiting>,
    /// Who started it: the user name of the process that did (`$USER`), if known.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub started_by: String,
}

/// A decision a person made at a checkpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// The step the checkpoint stood before.
    pub node: NodeId,
    /// Approve, reject or skip.
    pub verdict: Verdict,
    /// What they wrote with it (may be empty).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub comment: String,
    /// When, in milliseconds since the Unix epoch.
    pub at_ms: u64,
    /// Who: the user name of the process that recorded it (`$USER`), if known.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub by: String,
}

impl Decision {
    /// A decision made now by the user running this process.
    pub fn now(node: NodeId, verdict: Verdict, comment: impl Into<String>) -> Self {
        Self {
            node,
            verdict,
            comment: comment.into().trim().to_owned(),
            at_ms: super::now_ms(),
            by: user_name(),
        }
    }
}

impl Decision {
    /// The decision for people, `step` naming its step: "Approved Upload (alice): looks
    /// good".
    pub fn describe(&self, step: &str) -> String {
        let verdict = self.verdict.past();
        let mut line = format!("{}{} {step}", verdict[..1].to_uppercase(), &verdict[1..]);
        if !self.by.is_empty() {
            line.push_str(&format!(" ({})", self.by));
        }
        if !self.comment.is_empty() {
            line.push_str(&format!(": {}", self.comment));
        }
        line
    }
}

/// The user running this process, for records (`$USER`, else `$USERNAME`, else empty).
pub fn user_name() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_default()
}

/// What a run that ended waiting needs before it can go on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "for", rename_all = "snake_case")]
pub enum Waiting {
    /// A decision at the checkpoint before `node` (the run is paused).
    Checkpoint {
        /// The step that waits.
        node: NodeId,
        /// The checkpoint's message ("Sign off before the upload"), or a default.
        message: String,
        /// The step whose result is the context for the decision (the last one the step
        /// depends on that ran, else the last step that ended before it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        previous: Option<NodeId>,
    },
    /// Something only a person can supply, for `node` (the run is blocked; Resume runs the
    /// step again once it is fixed).
    Blocked {
        /// The step that could not go on.
        node: NodeId,
        /// What is missing: "environment variable `API_KEY` is not set".
        cause: String,
        /// How to fix it.
        fix: String,
    },
}

impl Waiting {
    /// The step that waits.
    pub fn node(&self) -> &NodeId {
        match self {
            Waiting::Checkpoint { node, .. } | Waiting::Blocked { node, .. } => node,
        }
    }
}

impl RunRecord {
    /// Whether the run ended before all its steps completed, so it can be resumed or
    /// retried.
    pub fn is_unfinished(&self) -> bool {
        matches!(
            self.status,
            RunState::Failed
                | RunState::Blocked
                | RunState::Cancelled
                | RunState::TimedOut
                | RunState::Interrupted
        )
    }

    /// What step `node` said and what happened to it, a line each: the decisions made at
    /// its checkpoint (`✔ Approved …`), then [`NodeRecord::transcript_lines`].
    pub fn step_transcript(&self, line: &NodeRecord, name: &str) -> Vec<String> {
        let mut lines: Vec<String> = (self.decisions.iter())
            .filter(|d| d.node == line.node)
            .map(|d| {
                let mark = match d.verdict {
                    Verdict::Approve => "✔",
                    Verdict::Reject => "✋",
                    Verdict::Skip => "»",
                };
                format!("{mark} {}", d.describe(name))
            })
            .collect();
        lines.extend(line.transcript_lines());
        lines
    }

    /// The planned nodes that completed in this run (ran well, or kept their result). The
    /// record's own statuses are written when the run ends, so for a run that never ended
    /// the nodes' histories (`histories`, results stored as each node finished) tell.
    pub fn completed_nodes(
        &self,
        histories: &BTreeMap<NodeId, NodeHistory>,
    ) -> std::collections::BTreeSet<NodeId> {
        self.nodes
            .iter()
            .filter(|n| {
                n.status.is_some_and(NodeStatus::has_result)
                    || histories
                        .get(&n.node)
                        .is_some_and(|h| h.history.iter().any(|e| e.run == self.id))
            })
            .map(|n| n.node.clone())
            .collect()
    }
}

/// How a run picks up an earlier one that did not complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContinueHow {
    /// Runs the steps that did not complete; keeps every result that did.
    Resume,
    /// Reruns the steps that did not complete and every step that depends on them, even
    /// ones that had completed; steps that do not depend on them keep their results.
    Retry,
}

impl ContinueHow {
    /// The word for people ("resume", "retry").
    pub fn label(self) -> &'static str {
        match self {
            ContinueHow::Resume => "resume",
            ContinueHow::Retry => "retry",
        }
    }
}

/// A run's link to the earlier run it continues.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Continuation {
    /// The earlier run's id.
    pub run: String,
    /// Resume or retry.
    pub how: ContinueHow,
}
