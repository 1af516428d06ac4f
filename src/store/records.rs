//! What the store keeps: a node's result history, and the record of each run.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::exec::NodeStatus;
use crate::model::{NodeId, ParamValue};
use crate::plan::{RunMode, Scope};

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
}

/// A node's results: the history, oldest first, and which one is active.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeHistory {
    /// Index of the active result in `history`.
    pub active: usize,
    /// Every result, oldest first.
    pub history: Vec<ResultEntry>,
}

/// How a recorded run stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    /// Running (or the process running it died: see `Interrupted`).
    Running,
    /// Every planned step succeeded.
    Done,
    /// Some steps failed or were skipped.
    Partial,
    /// Nothing succeeded.
    Failed,
    /// Stopped by the user.
    Cancelled,
    /// The process running it ended before the run did.
    Interrupted,
}

/// One node's line in a run record.
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
    pub status: RecordStatus,
    /// Each planned node, in plan order.
    pub nodes: Vec<NodeRecord>,
    /// The summary line, once finished.
    pub summary: Option<String>,
}
