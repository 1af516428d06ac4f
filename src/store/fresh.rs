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
/// batch item. Each result is hashed on its own and the hashes are added up (256 bits,
/// wrapping), so no order is needed and large stores are hashed on every core.
pub fn results_digest(results: &HashMap<NodeId, StoredResult>) -> String {
    let entries: Vec<(&NodeId, &StoredResult)> = results.iter().collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = entries.len().div_ceil(threads).max(PARALLEL_MIN);
    let sums: Vec<[u64; 4]> = if entries.len() > PARALLEL_MIN {
        std::thread::scope(|scope| {
            let workers: Vec<_> = entries
                .chunks(chunk)
                .map(|part| scope.spawn(|| sum_of_hashes(part)))
                .collect();
            workers
                .into_iter()
                .map(|worker| match worker.join() {
                    Ok(sum) => sum,
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        })
    } else {
        vec![sum_of_hashes(&entries)]
    };
    let total = sums.into_iter().fold([0u64; 4], add);
    let bytes: Vec<u8> = total.iter().flat_map(|lane| lane.to_le_bytes()).collect();
    hex(&bytes)
}

/// Below this many results, hashing them is not worth a thread.
const PARALLEL_MIN: usize = 2048;

/// The sum of each result's SHA-256, as four 64-bit lanes.
fn sum_of_hashes(entries: &[(&NodeId, &StoredResult)]) -> [u64; 4] {
    let mut sum = [0u64; 4];
    for (node, stored) in entries {
        let entry = &stored.entry;
        let mut hasher = Sha256::new();
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
        let hash = hasher.finalize();
        let mut lanes = [0u64; 4];
        for (lane, bytes) in lanes.iter_mut().zip(hash.chunks_exact(8)) {
            let mut word = [0u8; 8];
            word.copy_from_slice(bytes);
            *lane = u64::from_le_bytes(word);
        }
        sum = add(sum, lanes);
    }
    sum
}

/// Adds two 256-bit numbers given as little-endian 64-bit lanes, wrapping.
fn add(a: [u64; 4], b: [u64; 4]) -> [u64; 4] {
    let mut out = [0u64; 4];
    let mut carry = false;
    for i in 0..4 {
        let (sum, over_a) = a[i].overflowing_add(b[i]);
        let (sum, over_b) = sum.overflowing_add(u64::from(carry));
        out[i] = sum;
        carry = over_a || over_b;
    }
    out
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
