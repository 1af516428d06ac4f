//! Attempts and deadlines of a run: retries after a backoff wait, step time limits, the
//! run's time limit and the wait for a kind's free slot. None of them sleeps the executor
//! thread: each is a deadline in one heap, and the drive loop's `select!` also waits on a
//! timer for the earliest, so commands (Stop, Cancel) and workers are served meanwhile.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::time::{Duration, Instant};

use rustc_hash::{FxHashMap, FxHashSet};

use super::{ActiveRun, Executor, RunEnd, StepState};
use crate::exec::events::Event;
use crate::exec::retry;
use crate::model::Flow;
use crate::nodes::{CancelToken, NodeError, Outputs};

/// What a deadline is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Due {
    /// A step's backoff wait is over: it goes back on the ready heap.
    Retry { step: usize },
    /// The attempt `attempt` of a step reaches its time limit.
    StepLimit { step: usize, attempt: u32 },
    /// A step has waited its queue timeout for a slot of its kind, since `since` (a later
    /// wait of the same step has its own deadline).
    Slot { step: usize, since: Instant },
    /// The run's time limit.
    Run,
}

/// How many attempts started, what waits on what, and the deadlines. Only steps that
/// retry, have a time limit or wait for a slot appear here (a large flow with none pays
/// nothing per step).
pub(super) struct Attempts {
    deadlines: BinaryHeap<Reverse<(Instant, Due)>>,
    /// Attempts started so far, for steps with a retry policy or a time limit.
    started: FxHashMap<usize, u32>,
    /// The queue timeout of each kind that has one, in milliseconds.
    slot_limits_ms: BTreeMap<String, u64>,
    /// Since when a ready step has waited for a slot (only with a queue timeout).
    slot_wait: FxHashMap<usize, Instant>,
    /// The steps waiting out a backoff, with their last error.
    backing_off: FxHashMap<usize, String>,
    /// The steps whose running attempt was stopped at its time limit.
    timed_out: FxHashSet<usize>,
    /// Steps run once per batch item: their items retry on their own.
    per_item: FxHashSet<usize>,
    /// The switches that end batch items' backoff waits without another attempt (Cancel,
    /// fail fast).
    item_retry_stops: Vec<CancelToken>,
    /// Cancel or fail fast has ended every wait; no new one begins after that.
    waits_ended: bool,
}

impl Attempts {
    /// The attempts of a run of `flow`, its time limit counted from now: the request's
    /// `timeout`, else the flow's `settings.timeout_ms`.
    pub(super) fn new(flow: &Flow, run_limit: Option<Duration>) -> Self {
        let run_limit = run_limit.or(flow.settings.timeout_ms.map(Duration::from_millis));
        let mut deadlines = BinaryHeap::new();
        if let Some(limit) = run_limit {
            deadlines.push(Reverse((Instant::now() + limit, Due::Run)));
        }
        Self {
            deadlines,
            started: FxHashMap::default(),
            slot_limits_ms: flow.settings.queue_timeout_ms.clone(),
            slot_wait: FxHashMap::default(),
            backing_off: FxHashMap::default(),
            timed_out: FxHashSet::default(),
            per_item: FxHashSet::default(),
            item_retry_stops: Vec::new(),
            waits_ended: false,
        }
    }

    /// The earliest deadline, if any.
    pub(super) fn next_deadline(&self) -> Option<Instant> {
        self.deadlines.peek().map(|Reverse((at, _))| *at)
    }

    /// Whether Cancel or fail fast has ended the run's waits (see `end_backoffs`).
    pub(super) fn waits_ended(&self) -> bool {
        self.waits_ended
    }

    /// The switch that ends the backoff waits of a batch step's items (see
    /// `BatchJob::retry_stop`); notes that the step's items retry on their own.
    pub(super) fn runs_per_item(&mut self, step: usize) -> CancelToken {
        self.per_item.insert(step);
        let token = CancelToken::new();
        self.item_retry_stops.push(token.clone());
        token
    }

    /// A switch flipped when the run is cancelled or fails fast (at once if it already
    /// was), for a step made of several units (a loop) to start no new one.
    pub(super) fn wind_down_switch(&mut self) -> CancelToken {
        let token = CancelToken::new();
        if self.waits_ended {
            token.cancel();
        } else {
            self.item_retry_stops.push(token.clone());
        }
        token
    }

    /// Whether some step waits out a backoff.
    pub(super) fn backing_off(&self) -> bool {
        !self.backing_off.is_empty()
    }

    /// A step of `kind` could not start for want of a slot: its queue timeout starts.
    pub(super) fn no_slot(&mut self, step: usize, kind: &str) {
        let Some(&limit_ms) = self.slot_limits_ms.get(kind) else {
            return;
        };
        if let std::collections::hash_map::Entry::Vacant(entry) = self.slot_wait.entry(step) {
            let now = Instant::now();
            entry.insert(now);
            let at = now + Duration::from_millis(limit_ms);
            self.deadlines
                .push(Reverse((at, Due::Slot { step, since: now })));
        }
    }
}

impl Executor {
    /// A step's attempt starts: counts it (when it may retry or has a time limit) and arms
    /// its time limit.
    pub(super) fn attempt_started(&mut self, run: &mut ActiveRun, step: usize) {
        let attempts = &mut run.attempts;
        if !attempts.slot_wait.is_empty() {
            attempts.slot_wait.remove(&step);
        }
        let node_index = run.plan.steps[step].node_index;
        let limit_ms = run.request.flow.nodes[node_index].timeout_ms;
        if limit_ms.is_none() && retry::policy_for(&run.request.flow, node_index).is_none() {
            return;
        }
        attempts.timed_out.remove(&step);
        let started = attempts.started.entry(step).or_insert(0);
        *started += 1;
        if let Some(limit_ms) = limit_ms {
            let at = Instant::now() + Duration::from_millis(limit_ms);
            let attempt = *started;
            (attempts.deadlines).push(Reverse((at, Due::StepLimit { step, attempt })));
        }
    }

    /// An attempt ended: a failure its policy retries waits for the next attempt; anything
    /// else completes the step.
    pub(super) fn attempt_ended(
        &mut self,
        run: &mut ActiveRun,
        step: usize,
        result: Result<Outputs, NodeError>,
        elapsed_ms: f64,
    ) {
        let node_index = run.plan.steps[step].node_index;
        let result = match run.request.flow.nodes[node_index].timeout_ms {
            // Stopped at its time limit: whatever it said on the way out, it timed out.
            Some(limit_ms) if run.attempts.timed_out.contains(&step) => {
                Err(retry::timed_out(limit_ms))
            }
            _ => result,
        };
        if let Err(NodeError::Blocked { cause, fix }) = &result {
            if !run.attempts.per_item.contains(&step) {
                let (cause, fix) = (cause.clone(), fix.clone());
                return self.block(run, step, cause, fix);
            }
        }
        let error = match &result {
            Err(error)
                if !(run.cancelling
                    || run.tripped.is_some()
                    || run.attempts.per_item.contains(&step)) =>
            {
                error
            }
            _ => return self.complete(run, step, result, elapsed_ms),
        };
        let failed = run.attempts.started.get(&step).copied().unwrap_or(1);
        let policy = retry::policy_for(&run.request.flow, node_index);
        let Some(policy) = policy.filter(|p| failed < p.attempts && retry::retries(p, error))
        else {
            return self.complete(run, step, result, elapsed_ms);
        };
        let (of, delay_ms) = (policy.attempts, retry::delay_ms(policy, failed, error));
        let message = error.to_string();
        let node = run.plan.steps[step].node.clone();
        self.sink.settle(run.id, &node);
        if let Some(recorder) = run.recorder.as_mut() {
            recorder.attempt_failed(&node, &message);
        }
        self.sink.emit(Event::NodeRetrying {
            run: run.id,
            node,
            attempt: failed + 1,
            of,
            delay_ms,
            error: message.clone(),
            at_ms: run.offset_ms(),
        });
        run.state[step] = StepState::Running;
        run.attempts.backing_off.insert(step, message);
        let at = Instant::now() + Duration::from_millis(delay_ms);
        (run.attempts.deadlines).push(Reverse((at, Due::Retry { step })));
    }

    /// Acts on every deadline that has passed; the run's time limit ends the run.
    pub(super) fn deadlines_passed(&mut self, run: &mut ActiveRun) -> Option<RunEnd> {
        let now = Instant::now();
        while let Some(Reverse((at, due))) = run.attempts.deadlines.peek().copied() {
            if at > now {
                break;
            }
            run.attempts.deadlines.pop();
            match due {
                Due::Run => return Some(RunEnd::TimedOut),
                Due::Retry { step } => {
                    if run.attempts.backing_off.remove(&step).is_some() {
                        run.state[step] = StepState::Waiting;
                        run.ready_ms[step] = run.offset_ms();
                        run.ready.push(Reverse(step));
                    }
                }
                Due::StepLimit { step, attempt } => {
                    let current = run.attempts.started.get(&step) == Some(&attempt);
                    if let Some(token) = run.running.get(&step).filter(|_| current) {
                        run.attempts.timed_out.insert(step);
                        // Kills the step's processes now; its worker reports back.
                        token.cancel();
                    }
                }
                Due::Slot { step, since } => self.slot_wait_over(run, step, since),
            }
        }
        None
    }

    /// A step waited its queue timeout for a slot since `since`: if it still has none, it
    /// fails.
    fn slot_wait_over(&mut self, run: &mut ActiveRun, step: usize, since: Instant) {
        let waiting = run.state[step] == StepState::Waiting
            && run.attempts.slot_wait.get(&step) == Some(&since);
        let kind = run.plan.steps[step].kind;
        let limit_ms = run.attempts.slot_limits_ms.get(kind).copied();
        let Some(limit_ms) = limit_ms.filter(|_| waiting) else {
            return;
        };
        run.attempts.slot_wait.remove(&step);
        run.ready.retain(|Reverse(s)| *s != step);
        let limit = run.kind_limits.get(kind).map_or(1, |limit| limit.limit);
        let name = run.kinds[step].as_ref().map_or(kind, |k| k.info().name);
        let message = format!(
            "no slot within {}: {name} is at its limit of {limit} at once",
            retry::format_wait_ms(limit_ms)
        );
        self.complete(run, step, Err(NodeError::failed(message)), 0.0);
    }

    /// Cancel or fail fast during backoff waits: no new attempt. A cancelled run cancels
    /// the waiting steps; fail fast fails them with their last error. Batch items waiting
    /// to retry end with their last error (their step then ends as usual).
    pub(super) fn end_backoffs(&mut self, run: &mut ActiveRun) {
        run.attempts.waits_ended = true;
        for token in &run.attempts.item_retry_stops {
            token.cancel();
        }
        let mut waiting: Vec<(usize, String)> = run.attempts.backing_off.drain().collect();
        // In plan order, as the steps would have gone on.
        waiting.sort_unstable_by_key(|(step, _)| *step);
        for (step, error) in waiting {
            let result = match run.cancelling {
                true => Err(NodeError::Cancelled),
                false => {
                    // Its last error becomes the step's own, not an earlier attempt's.
                    let node = &run.plan.steps[step].node;
                    if let Some(recorder) = run.recorder.as_mut() {
                        recorder.attempt_not_retried(node);
                    }
                    Err(NodeError::Failed(error))
                }
            };
            self.complete(run, step, result, 0.0);
        }
    }
}
