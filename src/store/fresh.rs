//! Remembers that a staleness check found every stored result fresh, for one flow text and
//! one set of active results, so that running the same flow again in Missing mode (a no-op
//! run) can skip the check: at 100,000 nodes it was a third of such a run.
//!
//! The memo is a cache of a pure function: staleness depends only on the flow, the node
//! kinds of this build and the active results (their outputs, known by their verified
//! content hash, and their signatures). It holds a digest of each, and is used only when
//! all three match; a store that reported any problem while loading is always checked.

use std::collections::HashMap;
use std::fs;
use std::io;

use sha2::{Digest, Sha256};

use super::{hex, Store, StoreProblem, StoredResult};
use crate::fsutil::atomic_write_unsynced;
use crate::model::NodeId;

/// The memo's file name in the store folder.
const FILE_NAME: &str = "fresh-check";

/// What the memo's text starts with (its format version).
const HEADER: &str = "flowcanvas fresh-check 1";

/// A digest of a store's active results: each node's id, content hash, signature and
/// batch item, in id order.
pub fn results_digest(results: &HashMap<NodeId, StoredResult>) -> String {
    let mut entries: Vec<(&NodeId, &StoredResult)> = results.iter().collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut hasher = Sha256::new();
    for (node, stored) in entries {
        let entry = &stored.entry;
        hasher.update(node.as_str().as_bytes());
        hasher.update([0]);
        hasher.update(entry.object.as_bytes());
        hasher.update([0]);
        hasher.update(entry.signature.as_deref().unwrap_or("-").as_bytes());
        hasher.update([0]);
        hasher.update(
            entry
                .item
                .map_or(u64::MAX, |item| item as u64)
                .to_le_bytes(),
        );
        hasher.update([b'\n']);
    }
    hex(&hasher.finalize())
}

/// The memo's text for a flow's digest and a results digest.
fn memo_text(flow_digest: &str, results_digest: &str) -> String {
    format!(
        "{HEADER}\nbuild {}\nflow {flow_digest}\nresults {results_digest}\n",
        env!("CARGO_PKG_VERSION")
    )
}

impl Store {
    /// Whether a staleness check already found every result fresh for the flow whose text
    /// has `flow_digest` and the active results with `results_digest`.
    pub fn known_fresh(&self, flow_digest: &str, results_digest: &str) -> bool {
        let path = self.dir.join(FILE_NAME);
        if self.guard(&path).is_err() {
            return false;
        }
        match fs::read_to_string(&path) {
            Ok(text) => text == memo_text(flow_digest, results_digest),
            Err(_) => false,
        }
    }

    /// Whether the memo names the flow text with `flow_digest`, written by this build: that
    /// text was then read and checked without a problem (a run only starts on such a
    /// flow), so checking it again would find nothing either.
    pub fn checked_flow_text(&self, flow_digest: &str) -> bool {
        let path = self.dir.join(FILE_NAME);
        if self.guard(&path).is_err() {
            return false;
        }
        let Ok(text) = fs::read_to_string(&path) else {
            return false;
        };
        let mut lines = text.lines();
        lines.next() == Some(HEADER)
            && lines.next() == Some(&format!("build {}", env!("CARGO_PKG_VERSION")))
            && lines.next() == Some(&format!("flow {flow_digest}"))
    }

    /// Notes that a staleness check found every result fresh for that flow and those
    /// results (see [`Store::known_fresh`]). Written whole or not at all; a memo lost in a
    /// crash only means the next run checks again.
    pub fn remember_fresh(
        &self,
        flow_digest: &str,
        results_digest: &str,
    ) -> Result<(), StoreProblem> {
        let path = self.dir.join(FILE_NAME);
        self.guard(&path)?;
        if self.known_fresh(flow_digest, results_digest) {
            return Ok(());
        }
        let text = memo_text(flow_digest, results_digest);
        atomic_write_unsynced(&path, text.as_bytes())
            .map_err(|err: io::Error| StoreProblem::new(&path, err))
    }
}
