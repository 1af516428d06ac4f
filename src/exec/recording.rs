//! Keeps a run's record and its nodes' results in the flow's store as the run goes: the
//! record when the run starts (with the run marked live) and when it ends, each result the
//! moment its node finishes, and a flush to the disk at the end.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use std::sync::PoisonError;

use super::engine::RunRequest;
use super::events::{NodeOutcome, NodeStatus, RunId, RunState};
use crate::model::NodeId;
use crate::nodes::Outputs;
use crate::plan::Plan;
use crate::store::{now_ms, LiveRun, NodeRecord, RunRecord, Store, StoreProblem};

/// When a run started, for its record: the moment it was asked for (`asked_at`, before the
/// flow was loaded and planned, as the summary counts), else `now_ms`.
fn started_at_ms(now_ms: u64, asked_at: Option<std::time::Instant>) -> u64 {
    let waited = asked_at.map_or(0, |at| at.elapsed().as_millis());
    now_ms.saturating_sub(u64::try_from(waited).unwrap_or(u64::MAX))
}

/// The store side of one run.
pub struct RunRecorder {
    store: Store,
    record: RunRecord,
    /// Held until the final record is written, so other processes see the run as live.
    live: Option<LiveRun>,
    /// Where each node is in `record.nodes` (a search per node would be quadratic).
    positions: FxHashMap<NodeId, usize>,
    /// What each step streamed so far, by plan step: standard output and standard error.
    transcripts: FxHashMap<usize, Transcript>,
    /// For a run continued after a decision: milliseconds from the record's start to this
    /// part's start (step times count from the record's start).
    offset_ms: f64,
    /// For a run continued after a decision: the nodes whose lines the earlier part wrote
    /// and this part only reuses (their line stays as it was).
    earlier: rustc_hash::FxHashSet<NodeId>,
    /// Where each plan step's line is in `record.nodes`.
    step_lines: Vec<usize>,
}

/// One step's streams, each capped: standard output, standard error, info.
type Transcript = [Option<crate::nodes::HeadTail>; 3];

impl RunRecorder {
    /// Writes the record of a run that starts now.
    pub fn start(
        store: Store,
        run: RunId,
        request: &RunRequest,
        plan: &Plan,
        seeds: &BTreeMap<NodeId, u64>,
    ) -> (Self, Vec<StoreProblem>) {
        let mut problems = store.remove_stale_temporaries();
        let started_at_ms = started_at_ms(now_ms(), request.asked_at);
        let mut nodes: Vec<NodeRecord> = plan
            .steps
            .iter()
            .map(|step| NodeRecord::new(step.node.clone()))
            .collect();
        nodes.extend(plan.skipped.iter().map(|skipped| NodeRecord {
            status: Some(NodeStatus::Skipped),
            note: Some(skipped.reason.clone()),
            ..NodeRecord::new(skipped.node.clone())
        }));
        // A run continued after a decision keeps its record: its id, its start, the lines
        // of the steps its earlier part ended and this part does not run again.
        let (id, started_at_ms, offset_ms, mut decisions, continues) = match &request.resumes {
            Some(parked) => (
                parked.id.clone(),
                parked.started_at_ms,
                now_ms().saturating_sub(parked.started_at_ms) as f64,
                parked.decisions.clone(),
                parked.continues.clone(),
            ),
            None => (
                format!("{started_at_ms}-{}-{run}", std::process::id()),
                started_at_ms,
                0.0,
                Vec::new(),
                request.continues.clone(),
            ),
        };
        decisions.extend(request.decisions.iter().cloned());
        // The lines keep the earlier part's order: this part's lines take the places of
        // theirs (and a node it did not plan then goes last).
        let mut earlier = rustc_hash::FxHashSet::default();
        if let Some(parked) = &request.resumes {
            let mut fresh: FxHashMap<NodeId, NodeRecord> =
                nodes.drain(..).map(|n| (n.node.clone(), n)).collect();
            for line in &parked.nodes {
                match fresh.remove(&line.node) {
                    Some(now) => nodes.push(now),
                    None if line.status.is_some() => {
                        earlier.insert(line.node.clone());
                        nodes.push(line.clone());
                    }
                    None => {}
                }
            }
            let planned =
                (plan.steps.iter().map(|s| &s.node)).chain(plan.skipped.iter().map(|s| &s.node));
            for node in planned {
                nodes.extend(fresh.remove(node));
            }
        }
        let record = RunRecord {
            id,
            pid: std::process::id(),
            started_at_ms,
            finished_at_ms: None,
            scope: (request.resumes.as_ref())
                .map_or_else(|| request.scope.clone(), |r| r.scope.clone()),
            mode: request.resumes.as_ref().map_or(request.mode, |r| r.mode),
            inputs: request.inputs.clone(),
            seeds: seeds.clone(),
            status: RunState::Running,
            nodes,
            summary: None,
            continues,
            restricted: request.restricted,
            checkpoints: request.checkpoints,
            decisions,
            waiting: None,
            started_by: (request.resumes.as_ref())
                .map_or_else(crate::store::user_name, |r| r.started_by.clone()),
        };
        // Live first: a running record without a live run reads as interrupted. A run
        // continued after a decision was claimed when it was decided.
        let claimed = (request.claimed.as_ref())
            .and_then(|claim| claim.lock().unwrap_or_else(PoisonError::into_inner).take());
        let live = match claimed {
            Some(live) => Some(live),
            None => store
                .claim_run(&record.id)
                .map_err(|problem| problems.push(problem))
                .ok(),
        };
        problems.extend(store.write_run(&record).err());
        let positions = record
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.node.clone(), i))
            .collect::<FxHashMap<NodeId, usize>>();
        let step_lines = (plan.steps.iter())
            .map(|step| positions.get(&step.node).copied().unwrap_or(usize::MAX))
            .collect();
        let recorder = Self {
            store,
            record,
            live,
            positions,
            transcripts: FxHashMap::default(),
            offset_ms,
            earlier,
            step_lines,
        };
        (recorder, problems)
    }

    /// Stores a node's result the moment it finishes. The result of a node that ran once
    /// per batch item (`per_item`) also puts each item's result in the node's history.
    pub fn node_succeeded(
        &mut self,
        node: &NodeId,
        outputs: &Outputs,
        signature: Option<String>,
        per_item: bool,
    ) -> Option<StoreProblem> {
        if let Some(count) = super::batch::batch_len(outputs).filter(|_| per_item) {
            let items: Vec<(usize, Outputs)> = (0..count)
                .filter_map(|index| Some((index, super::batch::item_outputs(outputs, index)?)))
                .collect();
            if let Err(problem) = self
                .store
                .add_items_to_history(node, &items, &self.record.id)
            {
                return Some(problem);
            }
        }
        let position = self.positions.get(node).copied();
        let mut notes = Vec::new();
        if let Some(record) = position.and_then(|i| self.record.nodes.get_mut(i)) {
            record.output_bytes = outputs
                .iter()
                .map(|(port, value)| (port.to_owned(), value.data_bytes()))
                .collect();
            notes = (record.attempts.iter().enumerate())
                .map(|(i, error)| format!("attempt {} failed: {error}", i + 1))
                .collect();
        }
        self.store
            .save_noted_result(node, outputs, &self.record.id, signature, notes)
            .err()
    }

    /// Notes when the plan's step number `step` (from 0) became ready and when it started,
    /// in milliseconds from the run's start.
    pub fn step_started(&mut self, step: usize, ready_ms: f64, started_ms: f64) {
        let line = self.step_lines.get(step).copied().unwrap_or(usize::MAX);
        if let Some(record) = self.record.nodes.get_mut(line) {
            record.ready_ms = Some(ready_ms + self.offset_ms);
            record.started_ms = Some(started_ms + self.offset_ms);
        }
    }

    /// Notes the error of a failed attempt that is tried again (see `NodeRecord::attempts`).
    pub fn attempt_failed(&mut self, node: &NodeId, error: &str) {
        let position = self.positions.get(node).copied();
        if let Some(record) = position.and_then(|i| self.record.nodes.get_mut(i)) {
            record.attempts.push(error.to_owned());
        }
    }

    /// Takes back the last attempt noted by [`Self::attempt_failed`]: it was not tried again
    /// after all (fail fast ended the wait), so its error is the node's own.
    pub fn attempt_not_retried(&mut self, node: &NodeId) {
        let position = self.positions.get(node).copied();
        if let Some(record) = position.and_then(|i| self.record.nodes.get_mut(i)) {
            record.attempts.pop();
        }
    }

    /// Keeps what step `step` streamed (both channels apart, capped; see
    /// [`crate::store::TRANSCRIPT_KEPT_BYTES`]).
    pub fn streamed(&mut self, step: usize, progress: &crate::nodes::Progress) {
        let crate::nodes::Progress::Output { stream, text } = progress else {
            return;
        };
        let kept = crate::store::TRANSCRIPT_KEPT_BYTES;
        let [out, err, info] = self.transcripts.entry(step).or_default();
        let channel = match stream {
            crate::nodes::Stream::Stdout => out,
            crate::nodes::Stream::Stderr => err,
            crate::nodes::Stream::Info => info,
        };
        channel
            .get_or_insert_with(|| crate::nodes::HeadTail::new(kept, kept))
            .push(text.as_bytes());
    }

    /// Notes what the run, ending now, waits for (a decision at a checkpoint).
    pub fn set_waiting(&mut self, waiting: crate::store::Waiting) {
        self.record.waiting = Some(waiting);
    }

    /// Notes a decision made while the run went on.
    pub fn decided(&mut self, decision: crate::store::Decision) {
        self.record.decisions.push(decision);
    }

    /// The record's id.
    pub fn id(&self) -> &str {
        &self.record.id
    }

    /// A failed node no longer has an active result.
    pub fn node_failed(&mut self, node: &NodeId) -> Option<StoreProblem> {
        self.store.clear_active(node, &self.record.id).err()
    }

    /// Notes a node's elapsed time or message for the final record.
    pub fn note(&mut self, node: &NodeId, elapsed_ms: Option<f64>, note: Option<String>) {
        let position = self.positions.get(node).copied();
        if let Some(record) = position.and_then(|i| self.record.nodes.get_mut(i)) {
            if elapsed_ms.is_some() {
                record.elapsed_ms = elapsed_ms;
            }
            if note.is_some() {
                record.note = note;
            }
        }
    }

    /// Flushes the run's results to the disk and writes the final record.
    pub fn finish(
        mut self,
        status: RunState,
        summary: &str,
        outcomes: &[NodeOutcome],
    ) -> Option<StoreProblem> {
        for outcome in outcomes {
            // A step a parked run has not reached yet has no status; a line the earlier
            // part of a continued run wrote stays as it was.
            let status = Some(outcome.status).filter(|s| *s != NodeStatus::Queued);
            if outcome.status == NodeStatus::Reused && self.earlier.contains(&outcome.node) {
                continue;
            }
            let position = self.positions.get(&outcome.node).copied();
            match position.and_then(|i| self.record.nodes.get_mut(i)) {
                Some(record) => record.status = status,
                None => self.record.nodes.push(NodeRecord {
                    status,
                    ..NodeRecord::new(outcome.node.clone())
                }),
            }
        }
        self.record.status = status;
        for (step, [out, err, info]) in std::mem::take(&mut self.transcripts) {
            let line = self.step_lines.get(step).copied().unwrap_or(usize::MAX);
            if let Some(record) = self.record.nodes.get_mut(line) {
                record.stdout = out.map(crate::nodes::HeadTail::into_text);
                record.stderr = err.map(crate::nodes::HeadTail::into_text);
                record.info = info.map(crate::nodes::HeadTail::into_text);
            }
        }
        self.record.summary = Some(summary.to_owned());
        self.record.finished_at_ms = Some(now_ms());
        let flushed = self.store.finish_run(&self.record.id).err();
        let written = self.store.write_run(&self.record).err();
        self.live = None;
        flushed.or(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn run_record_starts_when_the_run_was_asked_for() {
        let now = 1_000_000;
        let asked = Instant::now()
            .checked_sub(Duration::from_millis(40_300))
            .unwrap();
        let started = started_at_ms(now, Some(asked));
        // 40.3 s earlier (give or take the few ms this test takes).
        assert!(
            (now - 40_400..=now - 40_300).contains(&started),
            "{started}"
        );
        assert_eq!(started_at_ms(now, None), now);
    }
}
