//! Attempts and deadlines of a run: retries after a backoff wait, step time limits, the
//! run's time limit and the wait for a kind's free slot. None of them sleeps the executor
//! thread: each is a deadline in one heap, and the drive loop's `select!` also waits on a
//! timer for the earliest, so commands (Stop, Cancel) and workers are served meanwhile.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

use super::{ActiveRun, Executor, RunEnd, StepState};
use crate::exec::events::Event;
use crate::exec::retry;
use crate::model::{Flow, Retry};
use crate::nodes::{CancelToken, NodeError, Outputs};
use crate::plan::Plan;

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

/// Per step, how many attempts started and what waits on what; plus the deadlines.
pub(super) struct Attempts {
    deadlines: BinaryHeap<Reverse<(Instant, Due)>>,
    /// Attempts started so far, by step.
    started: Vec<u32>,
    /// The retry policy in force, by step.
    policies: Vec<Option<Retry>>,
    /// The step time limit, by step, in milliseconds.
    limits_ms: Vec<Option<u64>>,
    /// The queue timeout of the step's kind, in milliseconds.
    slot_limits_ms: Vec<Option<u64>>,
    /// Since when a ready step has waited for a slot (only with a queue timeout).
    slot_wait: Vec<Option<Instant>>,
    /// The steps waiting out a backoff, with their last error.
    backing_off: Vec<Option<String>>,
    /// How many steps wait out a backoff (asked on every pass of the drive loop, so kept
    /// rather than counted).
    backing_off_count: usize,
    /// The steps whose running attempt was stopped at its time limit.
    timed_out: Vec<bool>,
    /// Steps run once per batch item: their items retry on their own.
    per_item: Vec<bool>,
    /// Per batch step, the switch that ends its items' backoff waits without another
    /// attempt (Cancel, fail fast).
    item_retry_stops: Vec<Option<CancelToken>>,
    /// Cancel or fail fast has ended every wait; no new one begins after that.
    waits_ended: bool,
}

impl Attempts {
    /// The attempts of a run of `plan` (of `flow`), its time limit counted from now: the
    /// request's `timeout`, else the flow's `settings.timeout_ms`.
    pub(super) fn new(flow: &Flow, plan: &Plan, run_limit: Option<Duration>) -> Self {
        let steps = &plan.steps;
        let run_limit = run_limit.or(flow.settings.timeout_ms.map(Duration::from_millis));
        let mut deadlines = BinaryHeap::new();
        if let Some(limit) = run_limit {
            deadlines.push(Reverse((Instant::now() + limit, Due::Run)));
        }
        Self {
            deadlines,
            started: vec![0; steps.len()],
            policies: (steps.iter())
                .map(|step| retry::policy_for(flow, step.node_index).cloned())
                .collect(),
            limits_ms: (steps.iter())
                .map(|step| flow.nodes[step.node_index].timeout_ms)
                .collect(),
            slot_limits_ms: (steps.iter())
                .map(|step| flow.settings.queue_timeout_ms.get(step.kind).copied())
                .collect(),
            slot_wait: vec![None; steps.len()],
            backing_off: vec![None; steps.len()],
            backing_off_count: 0,
            timed_out: vec![false; steps.len()],
            per_item: vec![false; steps.len()],
            item_retry_stops: vec![None; steps.len()],
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
    /// `BatchJob::retry_stop`).
    pub(super) fn item_retry_stop(&mut self, step: usize) -> CancelToken {
        let token = CancelToken::new();
        self.item_retry_stops[step] = Some(token.clone());
        token
    }

    /// Whether some step waits out a backoff.
    pub(super) fn backing_off(&self) -> bool {
        self.backing_off_count > 0
    }

    /// Takes a step out of its backoff wait, returning its last error if it was in one.
    fn take_backoff(&mut self, step: usize) -> Option<String> {
        let error = self.backing_off[step].take()?;
        self.backing_off_count -= 1;
        Some(error)
    }

    /// A step could not start for want of a slot of its kind: its queue timeout starts.
    pub(super) fn no_slot(&mut self, step: usize) {
        if let (Some(limit_ms), None) = (self.slot_limits_ms[step], self.slot_wait[step]) {
            let now = Instant::now();
            self.slot_wait[step] = Some(now);
            let at = now + Duration::from_millis(limit_ms);
            let due = Due::Slot { step, since: now };
            self.deadlines.push(Reverse((at, due)));
        }
    }

    /// Notes that a step runs its items one by one (each item retries on its own).
    pub(super) fn runs_per_item(&mut self, step: usize) {
        self.per_item[step] = true;
    }

    /// The retry policy for the items of a step run per batch item.
    pub(super) fn item_policy(&self, step: usize) -> Option<Retry> {
        self.policies[step].clone()
    }
}

impl Executor {
    /// A step's attempt starts: counts it and arms its time limit.
    pub(super) fn attempt_started(&mut self, run: &mut ActiveRun, step: usize) {
        let attempts = &mut run.attempts;
        attempts.started[step] += 1;
        attempts.slot_wait[step] = None;
        attempts.timed_out[step] = false;
        if let Some(limit_ms) = attempts.limits_ms[step] {
            let at = Instant::now() + Duration::from_millis(limit_ms);
            let attempt = attempts.started[step];
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
        let result = match (run.attempts.timed_out[step], run.attempts.limits_ms[step]) {
            // Stopped at its time limit: whatever it said on the way out, it timed out.
            (true, Some(limit_ms)) => Err(retry::timed_out(limit_ms)),
            _ => result,
        };
        let error = match &result {
            Err(error)
                if !(run.cancelling || run.tripped.is_some() || run.attempts.per_item[step]) =>
            {
                error
            }
            _ => return self.complete(run, step, result, elapsed_ms),
        };
        let attempts = &run.attempts;
        let (failed, policy) = (attempts.started[step], attempts.policies[step].as_ref());
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
        run.attempts.backing_off[step] = Some(message);
        run.attempts.backing_off_count += 1;
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
                    if run.attempts.take_backoff(step).is_some() {
                        run.state[step] = StepState::Waiting;
                        run.ready_ms[step] = run.offset_ms();
                        run.ready.push(Reverse(step));
                    }
                }
                Due::StepLimit { step, attempt } => {
                    let current = run.attempts.started[step] == attempt;
                    if let Some(token) = run.running.get(&step).filter(|_| current) {
                        run.attempts.timed_out[step] = true;
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
        let waiting =
            run.state[step] == StepState::Waiting && run.attempts.slot_wait[step] == Some(since);
        let Some(limit_ms) = run.attempts.slot_limits_ms[step].filter(|_| waiting) else {
            return;
        };
        run.attempts.slot_wait[step] = None;
        run.ready.retain(|Reverse(s)| *s != step);
        let kind = run.plan.steps[step].kind;
        let limit = run.kind_limits.get(kind).map_or(1, |limit| limit.limit);
        let message = format!(
            "no slot within {}: `{kind}` steps already run {limit} at once (its limit)",
            retry::format_wait_ms(limit_ms)
        );
        self.complete(run, step, Err(NodeError::failed(message)), 0.0);
    }

    /// Cancel or fail fast during backoff waits: no new attempt. A cancelled run cancels
    /// the waiting steps; fail fast fails them with their last error. Batch items waiting
    /// to retry end with their last error (their step then ends as usual).
    pub(super) fn end_backoffs(&mut self, run: &mut ActiveRun) {
        run.attempts.waits_ended = true;
        for token in run.attempts.item_retry_stops.iter().flatten() {
            token.cancel();
        }
        for step in 0..run.plan.steps.len() {
            let Some(error) = run.attempts.take_backoff(step) else {
                continue;
            };
            let result = match run.cancelling {
                true => Err(NodeError::Cancelled),
                false => Err(NodeError::Failed(error)),
            };
            self.complete(run, step, result, 0.0);
        }
    }
}
