//! The run queue the engine owns: runs wait in order, one runs at a time, and the queue can
//! be reordered, paused and resumed, and finished items cleared. Clients see it through
//! `queue_changed` events.

use std::collections::{BTreeMap, VecDeque};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::engine::RunRequest;
use super::events::{RunId, RunState};
use crate::model::ParamValue;
use crate::plan::{RunMode, Scope};

/// One run in the queue, as clients see it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QueueItem {
    /// The run.
    pub run: RunId,
    /// Where it stands.
    pub status: RunState,
    /// What it covers.
    pub scope: Scope,
    /// All or Missing.
    pub mode: RunMode,
    /// The input values it was queued with, by label.
    pub inputs: BTreeMap<String, ParamValue>,
    /// When it was queued, in milliseconds since the Unix epoch.
    pub queued_at_ms: u64,
    /// When it started, in milliseconds since the Unix epoch.
    pub started_at_ms: Option<u64>,
    /// How long it ran, once finished.
    pub elapsed_ms: Option<f64>,
    /// Its summary line, once finished.
    pub summary: Option<String>,
}

/// How to move a queued run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueMove {
    /// One place earlier.
    Up,
    /// One place later.
    Down,
    /// To the front: it runs next.
    Next,
}

/// What cancelling a run did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cancelled {
    /// It was waiting and is now cancelled.
    Removed,
    /// It is the running one: the caller stops it.
    Running,
    /// No such waiting or running run.
    NotFound,
}

/// The queue itself (no threads: the executor drives it).
#[derive(Default)]
pub struct RunQueue {
    pending: VecDeque<(RunRequest, QueueItem)>,
    active: Option<QueueItem>,
    finished: Vec<QueueItem>,
    paused: bool,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl RunQueue {
    /// Adds a run at the back.
    pub fn push(&mut self, run: RunId, request: RunRequest) {
        let item = QueueItem {
            run,
            status: RunState::Pending,
            scope: request.scope.clone(),
            mode: request.mode,
            inputs: request.inputs.clone(),
            queued_at_ms: now_ms(),
            started_at_ms: None,
            elapsed_ms: None,
            summary: None,
        };
        self.pending.push_back((request, item));
    }

    /// The next run to start, unless paused or one is running.
    pub fn start_next(&mut self) -> Option<(RunId, RunRequest)> {
        if self.paused || self.active.is_some() {
            return None;
        }
        let (request, mut item) = self.pending.pop_front()?;
        item.status = RunState::Running;
        item.started_at_ms = Some(now_ms());
        let run = item.run;
        self.active = Some(item);
        Some((run, request))
    }

    /// Records how the running run ended.
    pub fn finish(&mut self, run: RunId, status: RunState, summary: String, elapsed_ms: f64) {
        if let Some(mut item) = self.active.take_if(|item| item.run == run) {
            item.status = status;
            item.summary = Some(summary);
            item.elapsed_ms = Some(elapsed_ms);
            self.finished.push(item);
        }
    }

    /// Sets the running run's status (running, paused, cancelling); false if `run` is not
    /// the running one or nothing changed.
    pub fn set_active_status(&mut self, run: RunId, status: RunState) -> bool {
        match self.active.as_mut() {
            Some(item) if item.run == run && item.status != status => {
                item.status = status;
                true
            }
            _ => false,
        }
    }

    /// Cancels a waiting run, or reports that it is the running one.
    pub fn cancel(&mut self, run: RunId) -> Cancelled {
        if self.active.as_ref().is_some_and(|item| item.run == run) {
            return Cancelled::Running;
        }
        let Some(at) = self.pending.iter().position(|(_, item)| item.run == run) else {
            return Cancelled::NotFound;
        };
        if let Some((_, mut item)) = self.pending.remove(at) {
            item.status = RunState::Cancelled;
            item.summary = Some("Cancelled before it started".to_owned());
            self.finished.push(item);
        }
        Cancelled::Removed
    }

    /// Moves a waiting run; false if it is not waiting or cannot move that way.
    pub fn move_run(&mut self, run: RunId, how: QueueMove) -> bool {
        let Some(at) = self.pending.iter().position(|(_, item)| item.run == run) else {
            return false;
        };
        let to = match how {
            QueueMove::Up if at > 0 => at - 1,
            QueueMove::Down if at + 1 < self.pending.len() => at + 1,
            QueueMove::Next if at > 0 => 0,
            _ => return false,
        };
        if let Some(entry) = self.pending.remove(at) {
            self.pending.insert(to, entry);
        }
        true
    }

    /// Pauses (the running run finishes; nothing new starts) or resumes.
    pub fn set_paused(&mut self, paused: bool) -> bool {
        std::mem::replace(&mut self.paused, paused) != paused
    }

    /// Whether the queue is paused.
    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// Forgets finished items.
    pub fn clear_finished(&mut self) -> bool {
        let had = !self.finished.is_empty();
        self.finished.clear();
        had
    }

    /// Every item: finished ones (oldest first), the running one, then the waiting ones in
    /// the order they will run.
    pub fn items(&self) -> Vec<QueueItem> {
        self.finished
            .iter()
            .cloned()
            .chain(self.active.iter().cloned())
            .chain(self.pending.iter().map(|(_, item)| item.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn request() -> RunRequest {
        RunRequest::new(Arc::new(crate::model::Flow::default()), ".")
    }

    fn runs(queue: &RunQueue) -> Vec<(RunId, RunState)> {
        queue.items().iter().map(|i| (i.run, i.status)).collect()
    }

    #[test]
    fn runs_start_one_at_a_time_in_order() {
        let mut queue = RunQueue::default();
        for run in 1..=3 {
            queue.push(run, request());
        }
        assert_eq!(queue.start_next().map(|r| r.0), Some(1));
        assert!(queue.start_next().is_none(), "one at a time");
        queue.finish(1, RunState::Completed, "ok".into(), 5.0);
        assert_eq!(queue.start_next().map(|r| r.0), Some(2));
        assert_eq!(
            runs(&queue),
            [
                (1, RunState::Completed),
                (2, RunState::Running),
                (3, RunState::Pending)
            ]
        );
    }

    #[test]
    fn waiting_runs_can_be_reordered_and_cancelled() {
        let mut queue = RunQueue::default();
        for run in 1..=4 {
            queue.push(run, request());
        }
        queue.start_next();
        assert!(queue.move_run(4, QueueMove::Next));
        assert!(queue.move_run(2, QueueMove::Down));
        assert!(
            !queue.move_run(1, QueueMove::Up),
            "the running run does not move"
        );
        assert_eq!(
            queue.items().iter().map(|i| i.run).collect::<Vec<_>>(),
            [1, 4, 3, 2]
        );
        assert_eq!(queue.cancel(3), Cancelled::Removed);
        assert_eq!(queue.cancel(1), Cancelled::Running);
        assert_eq!(queue.cancel(9), Cancelled::NotFound);
        assert_eq!(
            runs(&queue),
            [
                (3, RunState::Cancelled),
                (1, RunState::Running),
                (4, RunState::Pending),
                (2, RunState::Pending)
            ]
        );
        assert!(queue.clear_finished());
        assert_eq!(queue.items().len(), 3);
    }

    #[test]
    fn a_paused_queue_starts_nothing_until_resumed() {
        let mut queue = RunQueue::default();
        queue.push(1, request());
        assert!(queue.set_paused(true));
        assert!(queue.start_next().is_none());
        assert!(queue.set_paused(false));
        assert_eq!(queue.start_next().map(|r| r.0), Some(1));
    }
}
