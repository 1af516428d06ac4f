//! What the canvas and the Flow Monitor show about runs, derived from engine events.
//! UI-free: events in, per-node visual state and monitor rows out.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::exec::{Event, RunId, RunState};
use crate::model::NodeId;
use crate::nodes::{Outputs, Progress};
use crate::timeline::{StepTimes, Timeline};

/// How much streamed output is kept per node for the monitor (the tail is kept).
const MAX_LOG_BYTES: usize = 256 * 1024;
/// How long a wire keeps animating after it delivered a result.
pub const DELIVERY_PULSE: Duration = Duration::from_millis(900);

/// How much moves on screen, which sets how often the window redraws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Animation {
    /// Nothing: the window redraws only on input or engine events.
    Still,
    /// Steps are running and only wait: a slowly breathing ring, slow dots on the wires
    /// feeding them, the elapsed time. A few frames a second are enough.
    Slow,
    /// A result was just delivered: a fast pulse along its wires, for under a second.
    Smooth,
}

pub use crate::status::NodeStatus;

/// Milliseconds from `from` to `to`.
fn ms_between(from: Instant, to: Instant) -> f64 {
    to.saturating_duration_since(from).as_secs_f64() * 1000.0
}

/// What holds back the followed run's new steps, when something does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Held {
    /// Paused: steps already running finish; nothing new starts until Resume.
    Paused,
    /// Being cancelled: steps already running finish, the rest will not start.
    Cancelling,
    /// Waiting in place at a checkpoint for a decision (a run without a store): it is
    /// decided on its card, or cancelled or stopped.
    AtCheckpoint,
}

/// Everything the canvas shows on one node about runs.
#[derive(Clone, Debug)]
pub struct NodeView {
    /// Status in the current (or last) run.
    pub status: NodeStatus,
    /// Position in the current plan, from 1.
    pub order: Option<usize>,
    /// When it started working.
    pub started_at: Option<Instant>,
    /// How long it worked, once done.
    pub elapsed_ms: Option<f64>,
    /// Its latest outputs (kept across runs).
    pub result: Option<Arc<Outputs>>,
    /// The error of its last failure.
    pub error: Option<String>,
    /// Why it was skipped.
    pub skip_reason: Option<String>,
    /// Streamed output of its current (or last) run, tail kept.
    pub log: String,
    /// Reported progress, k of N.
    pub count: Option<(u64, u64)>,
    /// When it last delivered a result (its outgoing wires pulse for a moment).
    pub delivered_at: Option<Instant>,
    /// What its result was made from, when known (results kept in a store).
    pub signature: Option<String>,
    /// Batch items that failed in its last run (index from 0, error).
    pub failed_items: Vec<(usize, String)>,
    /// When it became ready to start in the current (or last) run, in milliseconds from
    /// the run's start (the executor's clock, from `node_started`).
    pub ready_ms: Option<f64>,
    /// When it started work in that run, same clock.
    pub started_ms: Option<f64>,
    /// Its retry policy's latest word in the current run, while it has one.
    pub retry: Option<RetryView>,
    /// For a step that runs another flow (a subflow, a loop): that flow's steps as they
    /// stand in its current (or last) run, in the order they were first heard of.
    pub members: Vec<MemberView>,
    /// For a loop: the iteration running (or last run), from 1, and how many there are
    /// when known.
    pub iteration: Option<(u64, Option<u64>)>,
}

/// One step of the flow a subflow or loop step runs, as the monitor nests it.
#[derive(Clone, Debug, PartialEq)]
pub struct MemberView {
    /// The inner node.
    pub node: NodeId,
    /// Its title, for people.
    pub title: String,
    /// Its status.
    pub status: NodeStatus,
    /// How long it worked, once ended.
    pub elapsed_ms: Option<f64>,
    /// Why it failed or was skipped.
    pub message: Option<String>,
}

impl NodeView {
    /// A loop's progress for people: "iteration 3 / 10", or "iteration 3" when the number
    /// of iterations is not known ahead.
    pub fn iteration_text(&self) -> Option<String> {
        match self.iteration? {
            (k, Some(n)) => Some(format!("iteration {k} / {n}")),
            (k, None) => Some(format!("iteration {k}")),
        }
    }

    /// Progress for people: a loop's iteration, else k / N items.
    pub fn progress_text(&self) -> Option<String> {
        self.iteration_text()
            .or_else(|| self.count.map(|(done, total)| format!("{done} / {total}")))
    }

    fn member(&mut self, member: MemberView) {
        match self.members.iter_mut().find(|m| m.node == member.node) {
            Some(known) => *known = member,
            None => self.members.push(member),
        }
    }
}

/// Where a retrying step stands: which attempt, and when the next one starts.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryView {
    /// The attempt running now or next, from 2.
    pub attempt: u32,
    /// How many attempts the policy allows.
    pub of: u32,
    /// When the next attempt starts, while the step waits for it (`None` once it runs).
    pub next_at: Option<Instant>,
    /// Why the attempt before failed.
    pub error: String,
}

impl NodeView {
    /// While the step is being retried: "attempt 2 / 5, next in 4 s" during the wait,
    /// "attempt 2 / 5" while that attempt runs; `None` otherwise.
    pub fn retry_text(&self, now: Instant) -> Option<String> {
        let retry = self
            .retry
            .as_ref()
            .filter(|_| self.status == NodeStatus::Running)?;
        let attempt = format!("attempt {} / {}", retry.attempt, retry.of);
        Some(match retry.next_at {
            Some(at) => {
                // Whole seconds, counted down (a tenth changing every frame only flickers).
                let left_s = at.saturating_duration_since(now).as_millis().div_ceil(1000);
                let left_ms = u64::try_from(left_s).unwrap_or(u64::MAX / 1000) * 1000;
                let left = crate::exec::format_wait_ms(left_ms);
                format!("{attempt}, next in {left}")
            }
            None => attempt,
        })
    }
}

impl Default for NodeView {
    fn default() -> Self {
        Self {
            status: NodeStatus::Idle,
            order: None,
            started_at: None,
            elapsed_ms: None,
            result: None,
            error: None,
            skip_reason: None,
            log: String::new(),
            count: None,
            delivered_at: None,
            signature: None,
            failed_items: Vec::new(),
            ready_ms: None,
            started_ms: None,
            retry: None,
            members: Vec::new(),
            iteration: None,
        }
    }
}

impl NodeView {
    /// Elapsed time: final once done, ticking while it runs.
    pub fn elapsed_ms_at(&self, now: Instant) -> Option<f64> {
        match (self.status, self.started_at, self.elapsed_ms) {
            (NodeStatus::Running, Some(started), _) => {
                Some(now.duration_since(started).as_secs_f64() * 1000.0)
            }
            (_, _, elapsed) => elapsed,
        }
    }
}

/// A checkpoint a run stopped at, as the `checkpoint_reached` event told it.
#[derive(Clone, Debug, PartialEq)]
pub struct Awaiting {
    /// The run of this window's engine that stopped (`None`: a run recorded earlier, by
    /// this window or another process, found paused in the store).
    pub run: Option<RunId>,
    /// The step that waits.
    pub node: NodeId,
    /// The checkpoint's message.
    pub message: String,
    /// The step whose result is the context for the decision.
    pub previous: Option<NodeId>,
    /// The parked run's record (`None`: the run waits in place, holding the queue).
    pub record: Option<String>,
}

/// Run state for the whole canvas.
#[derive(Default)]
pub struct RunView {
    nodes: HashMap<NodeId, NodeView>,
    /// The run the monitor follows.
    pub run: Option<RunId>,
    /// Monitor rows: the planned nodes in plan order, then those the plan skips.
    pub rows: Vec<NodeId>,
    /// When the followed run started.
    pub started_at: Option<Instant>,
    /// Its total time, once finished.
    pub elapsed_ms: Option<f64>,
    /// Its summary line, once finished.
    pub summary: Option<String>,
    /// How it ended.
    pub status: Option<RunState>,
    /// Paused or being cancelled, while it runs.
    pub held: Option<Held>,
    /// A run that could not start, and why.
    pub rejected: Option<String>,
    /// The checkpoint a run of this window stopped at, waiting for a decision (it stays
    /// while later runs go on, until someone decides).
    pub awaiting: Option<Awaiting>,
    /// What blocked the followed run: the step, the cause and the fix.
    pub blocked: Option<(NodeId, String, String)>,
    /// The store record of the followed run, when it has one.
    pub record: Option<String>,
    /// The step whose checkpoint a run of this flow waits at, whichever process ran it: set
    /// by the app each frame from `Session::awaiting` (which also reads the store), for the
    /// nodes and rows to say so.
    pub awaiting_node: Option<NodeId>,
    /// The decisions made in the followed run, in order.
    pub decisions: Vec<crate::store::Decision>,
    /// The engine's run queue as last reported.
    pub queue: Vec<crate::exec::QueueItem>,
    /// Whether the queue is paused.
    pub queue_paused: bool,
    /// Seeds rolled for the followed run.
    pub seeds: std::collections::BTreeMap<NodeId, u64>,
    /// Bumped whenever a node's result appears or goes (plan previews depend on it).
    pub results_version: u64,
    /// Counts the events applied: anything drawn from the run view and cached can tell it
    /// is out of date.
    pub changes: u64,
    /// Problems with the result store not shown yet (the app shows and clears them).
    pub store_problems: Vec<String>,
    /// Counts the events that change the followed run's timeline (a step starting or
    /// ending, the run starting or ending), so a timeline built from it is built again only
    /// then, not for every line of streamed output.
    pub timeline_version: u64,
    /// How far the executor's run clock (the `at_ms` of events) is ahead of this window's
    /// (`started_at`, when `run_started` arrived): it started counting before planning.
    run_clock_lead_ms: f64,
}

impl RunView {
    /// What blocks `node` in the followed run, if it is the step that blocked it while it
    /// ran (a step left out for want of trust says so as a skip).
    pub fn blocked_at(&self, node: &NodeId) -> Option<&str> {
        let status = self.nodes.get(node).map(|v| v.status);
        match &self.blocked {
            Some((at, cause, _)) if at == node && status == Some(NodeStatus::Blocked) => {
                Some(cause)
            }
            _ => None,
        }
    }

    /// Whether a run of this flow waits at the checkpoint before `node` (this window's, or one
    /// parked by another process).
    pub fn waits_at(&self, node: &NodeId) -> bool {
        self.awaiting.as_ref().is_some_and(|a| &a.node == node)
            || self.awaiting_node.as_ref() == Some(node)
    }

    /// The view of one node (a default, idle view when nothing happened to it).
    pub fn node(&self, id: &NodeId) -> Option<&NodeView> {
        self.nodes.get(id)
    }

    /// Shows results kept in the flow's store (when a flow is opened): each node's active
    /// result, with no status (they come from earlier runs).
    pub fn load_stored(
        &mut self,
        results: impl IntoIterator<Item = (NodeId, Outputs, Option<String>)>,
    ) {
        self.changes += 1;
        for (node, outputs, signature) in results {
            let view = self.nodes.entry(node).or_default();
            view.result = Some(Arc::new(outputs));
            view.signature = signature;
        }
        self.results_version += 1;
    }

    /// The results this window knows, as planning and staleness see them.
    pub fn known_results(&self) -> HashMap<NodeId, crate::plan::KnownResult<'_>> {
        self.nodes
            .iter()
            .filter_map(|(id, view)| {
                let outputs = view.result.as_deref()?;
                let known = crate::plan::KnownResult {
                    outputs,
                    signature: view.signature.as_deref(),
                };
                Some((id.clone(), known))
            })
            .collect()
    }

    /// The nodes whose results are stale against `flow` as it is now.
    pub fn stale(
        &self,
        flow: &crate::model::Flow,
        registry: &crate::nodes::Registry,
    ) -> std::collections::HashSet<NodeId> {
        crate::plan::stale_nodes(flow, registry, &self.known_results())
    }

    /// Whether a node has a result (from any run in this window).
    pub fn has_result(&self, id: &NodeId) -> bool {
        self.nodes.get(id).is_some_and(|n| n.result.is_some())
    }

    /// Whether a run is in progress.
    pub fn is_running(&self) -> bool {
        self.run.is_some() && self.status.is_none() && self.rejected.is_none()
    }

    /// Whether something on screen moves (a pulsing ring, ticking time, a wire pulse).
    pub fn is_animating(&self, now: Instant) -> bool {
        self.animation(now) != Animation::Still
    }

    /// What moves on screen now, and so how often the window redraws.
    pub fn animation(&self, now: Instant) -> Animation {
        let delivering = self.nodes.values().any(|n| {
            n.delivered_at
                .is_some_and(|t| now.duration_since(t) < DELIVERY_PULSE)
        });
        if delivering {
            Animation::Smooth
        } else if self.is_running() {
            Animation::Slow
        } else {
            Animation::Still
        }
    }

    /// Total elapsed time of the followed run, ticking while it runs.
    pub fn total_ms_at(&self, now: Instant) -> Option<f64> {
        match (self.elapsed_ms, self.started_at) {
            (Some(ms), _) => Some(ms),
            (None, Some(started)) => Some(now.duration_since(started).as_secs_f64() * 1000.0),
            _ => None,
        }
    }

    /// Milliseconds from the followed run's start to `now`, on the executor's clock (the
    /// one `node_started` times are on): the run's total once it ended.
    pub fn run_ms_at(&self, now: Instant) -> Option<f64> {
        match (self.elapsed_ms, self.started_at) {
            (Some(ms), _) => Some(ms),
            (None, Some(started)) => Some(ms_between(started, now) + self.run_clock_lead_ms),
            _ => None,
        }
    }

    /// What this window saw of each planned node's times in the followed run, in monitor
    /// order: the input of its timeline.
    pub fn step_times(&self) -> Vec<StepTimes> {
        (self.rows.iter().enumerate())
            .map(|(index, id)| {
                let view = self.nodes.get(id);
                let status = view.map_or(NodeStatus::Idle, |v| v.status);
                let started_ms = view.and_then(|v| v.started_ms);
                let output_bytes = match (status, view.and_then(|v| v.result.as_deref())) {
                    (NodeStatus::Succeeded | NodeStatus::Partial, Some(outputs)) => (outputs
                        .iter())
                    .map(|(port, value)| (port.to_owned(), value.data_bytes()))
                    .collect(),
                    _ => Default::default(),
                };
                StepTimes {
                    node: id.clone(),
                    order: view.and_then(|v| v.order).unwrap_or(index + 1),
                    status: Some(status),
                    ready_ms: view.and_then(|v| v.ready_ms),
                    started_ms,
                    ended_ms: started_ms
                        .zip(view.and_then(|v| v.elapsed_ms))
                        .map(|(start, elapsed)| start + elapsed),
                    output_bytes,
                    note: view.and_then(|v| v.error.clone().or_else(|| v.skip_reason.clone())),
                }
            })
            .collect()
    }

    /// The followed run's timeline as this window saw it (running steps go on).
    pub fn timeline(&self) -> Timeline {
        Timeline::build(self.step_times(), self.elapsed_ms)
    }

    /// Shows on a node what the run of an outer flow reported for it, while this flow is
    /// open as that run's subflow: its status, time and message.
    pub fn show_member(&mut self, member: &MemberView) {
        self.changes += 1;
        let view = self.nodes.entry(member.node.clone()).or_default();
        view.status = member.status;
        view.elapsed_ms = member.elapsed_ms;
        view.started_at = (member.status == NodeStatus::Running).then(Instant::now);
        view.error = None;
        view.skip_reason = None;
        match member.status {
            NodeStatus::Failed => view.error.clone_from(&member.message),
            _ => view.skip_reason.clone_from(&member.message),
        }
    }

    /// Forgets a node (it was deleted).
    pub fn forget(&mut self, id: &NodeId) {
        self.changes += 1;
        self.nodes.remove(id);
        self.rows.retain(|row| row != id);
    }

    /// Updates the view from one engine event.
    #[allow(
        clippy::too_many_lines,
        reason = "one arm per engine event; split in the app rework (issue 11)"
    )]
    pub fn apply(&mut self, event: &Event, now: Instant) {
        self.changes += 1;
        if !matches!(
            event,
            Event::NodeProgress { .. }
                | Event::QueueChanged { .. }
                | Event::RunQueued { .. }
                | Event::StoreProblem { .. }
                | Event::ActiveResultChanged { .. }
        ) {
            self.timeline_version += 1;
        }
        match event {
            Event::RunQueued { .. } => {}
            Event::StoreProblem { message, .. } => {
                self.store_problems.push(message.clone());
            }
            Event::QueueChanged { paused, items } => {
                self.queue = items.clone();
                self.queue_paused = *paused;
            }
            Event::RunRejected { run, error } => {
                self.run = Some(*run);
                self.rejected = Some(error.clone());
                self.summary = Some(format!("Not started: {error}"));
                self.status = Some(RunState::NotStarted);
                self.rows.clear();
            }
            Event::RunStarted {
                run,
                plan,
                seeds,
                record,
            } => {
                self.seeds = seeds.clone();
                self.record = record.clone();
                self.run = Some(*run);
                self.started_at = Some(now);
                self.run_clock_lead_ms = 0.0;
                self.elapsed_ms = None;
                self.summary = None;
                self.status = None;
                self.held = None;
                self.rejected = None;
                self.decisions.clear();
                self.blocked = None;
                for view in self.nodes.values_mut() {
                    view.status = NodeStatus::Idle;
                    view.order = None;
                }
                self.rows = plan.steps.iter().map(|s| s.node.clone()).collect();
                self.rows
                    .extend(plan.skipped.iter().map(|s| s.node.clone()));
                for step in &plan.steps {
                    let view = self.nodes.entry(step.node.clone()).or_default();
                    view.status = NodeStatus::Queued;
                    view.order = Some(step.order);
                    view.started_at = None;
                    view.elapsed_ms = None;
                    view.error = None;
                    view.skip_reason = None;
                    view.log.clear();
                    view.count = None;
                    view.members.clear();
                    view.iteration = None;
                    view.failed_items.clear();
                    view.ready_ms = None;
                    view.started_ms = None;
                    view.retry = None;
                }
                for reused in &plan.reused {
                    self.nodes.entry(reused.clone()).or_default().status = NodeStatus::Reused;
                }
            }
            Event::NodeStarted {
                node,
                at_ms,
                ready_ms,
                ..
            } => {
                let seen_ms = self.started_at.map_or(0.0, |t| ms_between(t, now));
                self.run_clock_lead_ms = self.run_clock_lead_ms.max(at_ms - seen_ms);
                let view = self.nodes.entry(node.clone()).or_default();
                view.status = NodeStatus::Running;
                view.started_at = Some(now);
                view.started_ms = Some(*at_ms);
                view.ready_ms = Some(*ready_ms);
                if let Some(retry) = view.retry.as_mut() {
                    retry.next_at = None;
                }
            }
            Event::NodeRetrying {
                node,
                attempt,
                of,
                delay_ms,
                error,
                ..
            } => {
                let view = self.nodes.entry(node.clone()).or_default();
                view.status = NodeStatus::Running;
                view.retry = Some(RetryView {
                    attempt: *attempt,
                    of: *of,
                    next_at: Some(now + Duration::from_millis(*delay_ms)),
                    error: error.clone(),
                });
            }
            Event::NodeProgress { node, progress, .. } => {
                let view = self.nodes.entry(node.clone()).or_default();
                match progress {
                    Progress::Output { text, .. } => {
                        view.log.push_str(text);
                        if view.log.len() > MAX_LOG_BYTES {
                            let mut cut = view.log.len() - MAX_LOG_BYTES;
                            while !view.log.is_char_boundary(cut) {
                                cut += 1;
                            }
                            view.log.replace_range(..cut, "…");
                        }
                    }
                    Progress::Count { done, total } => view.count = Some((*done, *total)),
                    Progress::Iteration { iteration, total } => {
                        view.iteration = Some((*iteration, *total));
                        // Each iteration's steps start afresh.
                        for member in &mut view.members {
                            member.status = NodeStatus::Queued;
                            member.elapsed_ms = None;
                            member.message = None;
                        }
                    }
                    Progress::Member {
                        node,
                        title,
                        status,
                        elapsed_ms,
                        message,
                        ..
                    } => view.member(MemberView {
                        node: node.clone(),
                        title: title.clone(),
                        status: *status,
                        elapsed_ms: *elapsed_ms,
                        message: message.clone(),
                    }),
                }
            }
            Event::NodeFinished {
                node,
                outputs,
                elapsed_ms,
                signature,
                failed_items,
                ..
            } => {
                let view = self.nodes.entry(node.clone()).or_default();
                view.status = if failed_items.is_empty() {
                    NodeStatus::Succeeded
                } else {
                    NodeStatus::Partial
                };
                view.failed_items = failed_items
                    .iter()
                    .map(|f| (f.index, f.error.clone()))
                    .collect();
                view.elapsed_ms = Some(*elapsed_ms);
                view.result = Some(outputs.clone());
                view.signature = signature.clone();
                view.delivered_at = Some(now);
                self.results_version += 1;
            }
            Event::ActiveResultChanged {
                node,
                outputs,
                signature,
            } => {
                let view = self.nodes.entry(node.clone()).or_default();
                view.result = Some(outputs.clone());
                view.signature = signature.clone();
                view.failed_items.clear();
                view.delivered_at = Some(now);
                self.results_version += 1;
            }
            Event::NodeFailed {
                node,
                error,
                elapsed_ms,
                ..
            } => {
                let view = self.nodes.entry(node.clone()).or_default();
                view.status = NodeStatus::Failed;
                view.elapsed_ms = Some(*elapsed_ms);
                view.error = Some(error.clone());
                view.result = None;
                self.results_version += 1;
            }
            Event::NodeSkipped { node, reason, .. } => {
                let view = self.nodes.entry(node.clone()).or_default();
                view.status = NodeStatus::Skipped;
                view.skip_reason = Some(reason.clone());
                if !self.rows.contains(node) {
                    self.rows.push(node.clone());
                }
            }
            Event::NodeCancelled { node, reason, .. } => {
                let view = self.nodes.entry(node.clone()).or_default();
                if let (Some(started), NodeStatus::Running) = (view.started_at, view.status) {
                    view.elapsed_ms = Some(now.duration_since(started).as_secs_f64() * 1000.0);
                }
                view.status = NodeStatus::Cancelled;
                view.skip_reason.clone_from(reason);
            }
            Event::RunPaused { run, .. } if self.run == Some(*run) => {
                self.held = Some(Held::Paused);
            }
            Event::RunResumed { run } if self.run == Some(*run) => self.held = None,
            Event::RunCancelling { run, .. } if self.run == Some(*run) => {
                self.held = Some(Held::Cancelling);
            }
            Event::RunPaused { .. } | Event::RunResumed { .. } | Event::RunCancelling { .. } => {}
            Event::CheckpointReached {
                run,
                node,
                message,
                previous,
                record,
            } => {
                self.awaiting = Some(Awaiting {
                    run: Some(*run),
                    node: node.clone(),
                    message: message.clone(),
                    previous: previous.clone(),
                    record: record.clone(),
                });
                if self.run == Some(*run) && record.is_none() {
                    self.held = Some(Held::AtCheckpoint);
                }
            }
            Event::RunBlocked {
                run,
                node,
                cause,
                fix,
            } => {
                if self.run == Some(*run) {
                    self.blocked = Some((node.clone(), cause.clone(), fix.clone()));
                    // A step that blocked while it ran waits again (a step left out for
                    // want of trust stays skipped).
                    let view = self.nodes.entry(node.clone()).or_default();
                    if view.status == NodeStatus::Running {
                        view.status = NodeStatus::Blocked;
                        view.started_at = None;
                    }
                }
            }
            Event::Decided { run, decision } => {
                if self
                    .awaiting
                    .as_ref()
                    .is_some_and(|a| a.node == decision.node)
                {
                    self.awaiting = None;
                }
                if self.run == Some(*run) {
                    self.decisions.push(decision.clone());
                    if self.held == Some(Held::AtCheckpoint) {
                        self.held = None;
                    }
                }
            }
            Event::RunFinished {
                status,
                summary,
                elapsed_ms,
                ..
            } => {
                self.status = Some(*status);
                self.held = None;
                self.summary = Some(summary.clone());
                self.elapsed_ms = Some(*elapsed_ms);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_waiting_in_place_at_a_checkpoint_is_held_there_until_decided() {
        let mut view = RunView::default();
        let now = Instant::now();
        view.run = Some(1);
        let node = NodeId::from("review");
        let reached = |record: Option<&str>| Event::CheckpointReached {
            run: 1,
            node: node.clone(),
            message: "Read it first".into(),
            previous: None,
            record: record.map(str::to_owned),
        };
        view.apply(&reached(None), now);
        assert_eq!(view.held, Some(Held::AtCheckpoint));
        assert!(view.waits_at(&node));
        view.apply(
            &Event::Decided {
                run: 1,
                decision: crate::store::Decision::now(
                    node.clone(),
                    crate::model::Verdict::Approve,
                    "",
                ),
            },
            now,
        );
        assert_eq!(view.held, None);
        assert!(view.awaiting.is_none());
        // A parked run (it has a record) is not held: it ended, and the queue went on.
        view.apply(&reached(Some("r1")), now);
        assert_eq!(view.held, None);
        assert!(view.waits_at(&node));
    }

    #[test]
    fn a_retrying_step_says_which_attempt_is_next_and_when() {
        let mut view = RunView::default();
        let now = Instant::now();
        let node = NodeId::from("a");
        view.apply(
            &Event::NodeRetrying {
                run: 1,
                node: node.clone(),
                attempt: 2,
                of: 5,
                delay_ms: 4000,
                error: "exit code 1".into(),
                at_ms: 10.0,
            },
            now,
        );
        let text = |view: &RunView, at| view.node(&NodeId::from("a")).unwrap().retry_text(at);
        assert_eq!(
            text(&view, now).as_deref(),
            Some("attempt 2 / 5, next in 4 s")
        );
        let later = now + Duration::from_millis(1500);
        assert_eq!(
            text(&view, later).as_deref(),
            Some("attempt 2 / 5, next in 3 s")
        );
        view.apply(
            &Event::NodeStarted {
                run: 1,
                node: node.clone(),
                order: 1,
                at_ms: 4010.0,
                ready_ms: 4010.0,
            },
            later,
        );
        assert_eq!(text(&view, later).as_deref(), Some("attempt 2 / 5"));
        view.apply(
            &Event::NodeFailed {
                run: 1,
                node: node.clone(),
                error: "exit code 1".into(),
                elapsed_ms: 1.0,
            },
            later,
        );
        assert_eq!(text(&view, later), None, "nothing once the step has ended");
    }
    use crate::exec::{Counts, NodeOutcome};
    use crate::plan::{Plan, RunMode, Scope, SkippedNode, Step};

    fn plan() -> Arc<Plan> {
        let step = |order: usize, node: &str| Step {
            order,
            node: NodeId::from(node),
            node_index: order - 1,
            kind: "text",
            inputs: Vec::new(),
            deps: Vec::new(),
        };
        Arc::new(Plan {
            scope: Scope::Flow,
            mode: RunMode::All,
            steps: vec![step(1, "a"), step(2, "b")],
            skipped: vec![SkippedNode {
                node: NodeId::from("c"),
                reason: "missing input `x`".into(),
            }],
            reused: Vec::new(),
            rerun: Vec::new(),
            warnings: Vec::new(),
        })
    }

    #[test]
    #[allow(
        clippy::too_many_lines,
        reason = "one scenario followed event by event"
    )]
    fn events_drive_node_states_and_monitor_rows() {
        let mut view = RunView::default();
        let t0 = Instant::now();
        let a = NodeId::from("a");
        view.apply(
            &Event::RunStarted {
                run: 1,
                plan: plan(),
                seeds: Default::default(),
                record: None,
            },
            t0,
        );
        assert_eq!(
            view.rows,
            [NodeId::from("a"), NodeId::from("b"), NodeId::from("c")]
        );
        assert_eq!(view.node(&a).unwrap().status, NodeStatus::Queued);
        assert_eq!(view.node(&a).unwrap().order, Some(1));
        assert!(view.is_running());

        view.apply(
            &Event::NodeStarted {
                run: 1,
                node: a.clone(),
                order: 1,
                at_ms: 2.0,
                ready_ms: 1.0,
            },
            t0,
        );
        assert_eq!(view.node(&a).unwrap().status, NodeStatus::Running);
        let later = t0 + Duration::from_millis(250);
        assert!(view.node(&a).unwrap().elapsed_ms_at(later).unwrap() >= 250.0);

        view.apply(
            &Event::NodeProgress {
                run: 1,
                node: a.clone(),
                progress: Progress::Output {
                    stream: crate::nodes::Stream::Stdout,
                    text: "hi\n".into(),
                },
            },
            later,
        );
        assert_eq!(view.node(&a).unwrap().log, "hi\n");

        let outputs = Arc::new(Outputs::new().with("text", crate::model::Value::Text("a".into())));
        view.apply(
            &Event::NodeFinished {
                run: 1,
                node: a.clone(),
                outputs,
                elapsed_ms: 12.0,
                signature: None,
                failed_items: Vec::new(),
            },
            later,
        );
        let node = view.node(&a).unwrap();
        assert_eq!(node.status, NodeStatus::Succeeded);
        assert_eq!(
            node.elapsed_ms_at(later + Duration::from_secs(5)),
            Some(12.0)
        );
        assert_eq!(
            view.animation(later),
            Animation::Smooth,
            "the delivering wire pulses"
        );
        assert_eq!(
            view.animation(later + DELIVERY_PULSE),
            Animation::Slow,
            "after the pulse a running flow that only waits redraws slowly"
        );

        view.apply(
            &Event::NodeFailed {
                run: 1,
                node: NodeId::from("b"),
                error: "boom".into(),
                elapsed_ms: 1.0,
            },
            later,
        );
        view.apply(
            &Event::NodeSkipped {
                run: 1,
                node: NodeId::from("c"),
                reason: "missing input `x`".into(),
            },
            later,
        );
        assert_eq!(
            view.node(&NodeId::from("b")).unwrap().error.as_deref(),
            Some("boom")
        );
        assert_eq!(
            view.node(&NodeId::from("c"))
                .unwrap()
                .skip_reason
                .as_deref(),
            Some("missing input `x`")
        );

        view.apply(
            &Event::RunFinished {
                run: 1,
                status: RunState::Failed,
                summary: "Flow finished with problems".into(),
                counts: Counts::default(),
                nodes: Vec::<NodeOutcome>::new(),
                elapsed_ms: 20.0,
            },
            later,
        );
        assert!(!view.is_running());
        assert_eq!(view.summary.as_deref(), Some("Flow finished with problems"));
        assert_eq!(
            view.animation(later + DELIVERY_PULSE * 2),
            Animation::Still,
            "idle once done"
        );
    }

    #[test]
    fn the_timeline_follows_the_events_and_a_running_step_goes_on() {
        let mut view = RunView::default();
        let t0 = Instant::now();
        let started = |node: &str, at_ms: f64, ready_ms: f64| Event::NodeStarted {
            run: 1,
            node: NodeId::from(node),
            order: 1,
            at_ms,
            ready_ms,
        };
        view.apply(
            &Event::RunStarted {
                run: 1,
                plan: plan(),
                seeds: Default::default(),
                record: None,
            },
            t0,
        );
        view.apply(&started("a", 0.5, 0.5), t0);
        // `b` waited for a slot from 0.5 ms to 40 ms (the executor's clock runs ahead of
        // the window's: it started before planning).
        view.apply(&started("b", 40.0, 0.5), t0 + Duration::from_millis(30));
        let outputs =
            Arc::new(Outputs::new().with("text", crate::model::Value::Text("abc".into())));
        view.apply(
            &Event::NodeFinished {
                run: 1,
                node: NodeId::from("a"),
                outputs,
                elapsed_ms: 39.0,
                signature: None,
                failed_items: Vec::new(),
            },
            t0 + Duration::from_millis(30),
        );
        // Streamed output does not change the timeline: what was built from it stays.
        let version = view.timeline_version;
        view.apply(
            &Event::NodeProgress {
                run: 1,
                node: NodeId::from("b"),
                progress: Progress::Output {
                    stream: crate::nodes::Stream::Stdout,
                    text: "working\n".into(),
                },
            },
            t0 + Duration::from_millis(31),
        );
        assert_eq!(view.timeline_version, version);
        let timeline = view.timeline();
        let bars: Vec<(&str, usize, usize, Option<f64>)> = (timeline.bars.iter())
            .map(|b| (b.node.as_str(), b.lane, b.segments.len(), b.end_ms()))
            .collect();
        assert_eq!(bars, [("a", 0, 1, Some(39.5)), ("b", 1, 2, None)]);
        assert_eq!(timeline.bars[0].output_bytes["text"], 3);
        assert_eq!(timeline.bars[1].status, Some(NodeStatus::Running));
        assert_eq!(timeline.not_run.len(), 1, "`c` never started");
        let now = view.run_ms_at(t0 + Duration::from_millis(100)).unwrap();
        assert!(now >= 110.0, "the run's clock, not the window's: {now}");
    }

    #[test]
    fn a_new_run_resets_status_but_keeps_results() {
        let mut view = RunView::default();
        let t0 = Instant::now();
        let a = NodeId::from("a");
        view.apply(
            &Event::RunStarted {
                run: 1,
                plan: plan(),
                seeds: Default::default(),
                record: None,
            },
            t0,
        );
        let outputs = Arc::new(Outputs::new());
        view.apply(
            &Event::NodeFinished {
                run: 1,
                node: a.clone(),
                outputs,
                elapsed_ms: 1.0,
                signature: None,
                failed_items: Vec::new(),
            },
            t0,
        );
        view.apply(
            &Event::RunStarted {
                run: 2,
                plan: plan(),
                seeds: Default::default(),
                record: None,
            },
            t0,
        );
        let node = view.node(&a).unwrap();
        assert_eq!(node.status, NodeStatus::Queued);
        assert!(node.result.is_some());
    }
}
