//! The executor thread: takes runs from a queue, plans each, dispatches steps as they become
//! ready (quick kinds inline, the rest on worker threads), and streams events.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::{select, Receiver, Sender, TryRecvError};
use rustc_hash::FxHashMap;

use super::channel::EventSink;
use super::engine::{Command, EngineOptions, RunRequest};
use super::events::{
    summary_line_for, Counts, Ending, Event, NodeOutcome, NodeStatus, RunId, RunState,
};
use super::queue::{Cancelled, RunQueue};
use super::recording::RunRecorder;
use crate::model::{NodeId, NodeLabels, Value};
use crate::nodes::{
    CancelToken, NodeContext, NodeError, NodeKind, Outputs, Placement, Progress, ProgressSink,
    Registry, Role,
};
use crate::plan::{Plan, Scope};
use crate::store::{Store, StoreProblem};

mod attempts;
mod checkpoints;
mod limits;
mod outcomes;

use limits::{kind_limits, KindLimit};

/// A message from a worker thread (or a node's helper thread) to the executor.
enum WorkerMsg {
    Progress {
        run: RunId,
        step: usize,
        progress: Progress,
    },
    Done {
        run: RunId,
        step: usize,
        result: Result<Outputs, NodeError>,
        elapsed_ms: f64,
    },
}

/// The state of one step during a run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum StepState {
    Waiting,
    Running,
    Ended(NodeStatus),
}

/// What ended a run's loop.
enum RunEnd {
    Finished,
    Stopped,
    /// Cancelled gracefully: running steps finished, the rest were marked cancelled.
    Cancelled,
    /// The run's time limit passed.
    TimedOut,
    /// Parked at a checkpoint (`ActiveRun::parked_at`): it goes on when someone decides.
    Parked,
    /// Rejected at the checkpoint it waited at in place.
    Rejected,
    /// A step needs a person (`ActiveRun::blocked_at`).
    Blocked,
    Shutdown,
}

/// The executor thread's state.
pub(crate) struct Executor {
    registry: Arc<Registry>,
    max_parallel: usize,
    commands: Receiver<Command>,
    worker_tx: Sender<WorkerMsg>,
    worker_rx: Receiver<WorkerMsg>,
    sink: EventSink,
    queue: RunQueue,
    /// The latest outputs of every node that succeeded in this session, by node id.
    results: FxHashMap<NodeId, Arc<Outputs>>,
    /// The store `results` were loaded from, if any, and when its results last changed as
    /// far as this executor knows (a later change is another process's: reload).
    store_loaded: Option<(Store, Option<crate::store::ResultsVersion>)>,
    /// Problems a preload found, told to the next run that reads that store.
    preload_problems: Vec<StoreProblem>,
    /// The signature each result was made with (kept only when runs use a store).
    signatures: FxHashMap<NodeId, String>,
    /// A digest of `results` as loaded from the store (see `store::results_digest`), while
    /// they are exactly what was loaded and the load found no problem.
    results_digest: Option<String>,
    shutting_down: bool,
}

/// One run in progress.
struct ActiveRun {
    id: RunId,
    request: RunRequest,
    /// Fail fast tripped: why the steps not started yet are skipped.
    tripped: Option<String>,
    /// Why each step failed or was skipped (what its failure port carries).
    notes: Vec<Option<String>>,
    /// Steps skipped because no wire into them fired.
    no_fire: Vec<bool>,
    /// Steps a person skipped at their checkpoint (a branch not taken, by decision).
    skipped_by_decision: Vec<bool>,
    /// The routing nodes this run reads from (its `if` and switch-by-value steps, and
    /// those whose kept results it uses): see `firing::Sources::not_taken`.
    routed: rustc_hash::FxHashSet<NodeId>,
    /// For a failed step, the first step a fail wire from it started (it handled it).
    handled_by: Vec<Option<usize>>,
    /// Paused: no new step starts until resumed.
    paused: bool,
    /// The step whose checkpoint the run waits at in place for a decision (a run without
    /// a store): nothing starts meanwhile.
    waiting_at: Option<usize>,
    /// The step whose checkpoint the run parked at (it ends, its record waiting).
    parked_at: Option<usize>,
    /// The step that blocked the run: nothing new starts, and once the running steps end
    /// the run ends blocked.
    blocked_at: Option<usize>,
    /// Cancelled gracefully: no new step starts; once the running steps end, the rest are
    /// cancelled.
    cancelling: bool,
    base_dir: Arc<Path>,
    plan: Arc<Plan>,
    kinds: Vec<Option<Arc<dyn NodeKind>>>,
    state: Vec<StepState>,
    waiting_on: Vec<u32>,
    dependents: Vec<Vec<usize>>,
    outputs: Vec<Option<Arc<Outputs>>>,
    ready: BinaryHeap<Reverse<usize>>,
    /// When each step became ready, in milliseconds from `started` (for its timeline).
    ready_ms: Vec<f64>,
    running: FxHashMap<usize, CancelToken>,
    /// The slots of its kind's limit each step holds while it runs: 1, or a batch step's
    /// items at once.
    slots: Vec<usize>,
    /// The kind limits in force for this run (see [`kind_limits`]).
    kind_limits: FxHashMap<&'static str, KindLimit>,
    /// Shared by the run's inline steps, which finish before Stop is read anyway.
    inline_cancel: CancelToken,
    started: Instant,
    /// Keeps the run's record and results in the flow's store, when it has one.
    recorder: Option<RunRecorder>,
    /// Each step's signature, computed when it starts (only when a store is used).
    signatures: Vec<Option<String>>,
    /// What the flow's nodes are called, for messages (worked out when first needed).
    labels: std::cell::OnceCell<NodeLabels>,
    /// Attempts, backoff waits and time limits (see `attempts.rs`).
    attempts: attempts::Attempts,
}

impl Executor {
    pub(crate) fn new(
        options: EngineOptions,
        commands: Receiver<Command>,
        sink: EventSink,
    ) -> Self {
        let (worker_tx, worker_rx) = crossbeam_channel::unbounded();
        Self {
            registry: options.registry,
            max_parallel: options.max_parallel.max(1),
            commands,
            worker_tx,
            worker_rx,
            sink,
            queue: RunQueue::default(),
            results: FxHashMap::default(),
            store_loaded: None,
            results_digest: None,
            preload_problems: Vec::new(),
            signatures: FxHashMap::default(),
            shutting_down: false,
        }
    }

    /// Serves commands until told to shut down or every client is gone.
    pub(crate) fn run_forever(mut self) {
        loop {
            if self.shutting_down {
                break;
            }
            if let Some((id, request)) = self.queue.start_next() {
                self.queue_changed();
                self.execute(id, request);
                continue;
            }
            self.sink.flush();
            match self.commands.recv() {
                Ok(command) => self.accept(command),
                Err(_) => break,
            }
        }
        self.sink.flush();
    }

    /// Handles a command while no run is active.
    fn accept(&mut self, command: Command) {
        if let Some(RunEnd::Shutdown) = self.queue_command(command, None) {
            self.shutting_down = true;
        }
    }

    /// Applies a command to the queue; returns how the active run (`active`) must end, if it
    /// must.
    fn queue_command(&mut self, command: Command, active: Option<RunId>) -> Option<RunEnd> {
        let end = match command {
            Command::Run(id, request) => {
                self.sink.emit(Event::RunQueued { run: id });
                self.queue.push(id, *request);
                None
            }
            Command::Stop => return active.map(|_| RunEnd::Stopped),
            // Only the running run can be paused (handled while it runs).
            Command::PauseRun(..) | Command::Decide(..) => return None,
            Command::Cancel(id) => match self.queue.cancel(id) {
                Cancelled::Running => return Some(RunEnd::Stopped),
                Cancelled::NotFound => return None,
                Cancelled::Removed => {
                    let summary = "Run cancelled before it started".to_owned();
                    self.sink.emit(Event::RunFinished {
                        run: id,
                        status: RunState::Cancelled,
                        summary,
                        counts: Counts::default(),
                        nodes: Vec::new(),
                        elapsed_ms: 0.0,
                    });
                    None
                }
            },
            Command::Move(id, how) => {
                if !self.queue.move_run(id, how) {
                    return None; // nothing changed
                }
                None
            }
            Command::Pause(paused) => {
                if !self.queue.set_paused(paused) {
                    return None; // nothing changed
                }
                None
            }
            Command::ClearFinished => {
                if !self.queue.clear_finished() {
                    return None; // nothing changed
                }
                None
            }
            Command::SetActive { store, node, index } => {
                self.set_active(&store, node, index);
                return None; // the queue is as it was
            }
            Command::Preload(store) => {
                // During a run its results are the run's own: a later run loads what it needs.
                if active.is_none() {
                    self.preload_problems = self.read_store(&store);
                }
                return None; // the queue is as it was
            }
            Command::Shutdown => Some(RunEnd::Shutdown),
        };
        self.queue_changed();
        end
    }

    /// Makes the session's results those of `store` when a run uses a store other than the
    /// one loaded, or another process (the CLI, another window) wrote results into it since.
    fn load_store(&mut self, run: RunId, store: Option<&Store>) {
        let Some(store) = store else { return };
        let changed_at = store.results_version();
        let problems = match &self.store_loaded {
            Some((loaded, seen)) if loaded == store && *seen == changed_at => {
                std::mem::take(&mut self.preload_problems)
            }
            _ => self.read_store(store),
        };
        for problem in problems {
            self.store_problem(run, Some(problem));
        }
    }

    /// Reads a store's active results into the session; returns the problems found.
    fn read_store(&mut self, store: &Store) -> Vec<StoreProblem> {
        let changed_at = store.results_version();
        let (results, problems) = store.load_results();
        self.results_digest = problems
            .is_empty()
            .then(|| crate::store::results_digest(&results));
        // One pass, each signature moved rather than copied (100,000 results at scale).
        self.signatures = FxHashMap::with_capacity_and_hasher(results.len(), Default::default());
        self.results = FxHashMap::with_capacity_and_hasher(results.len(), Default::default());
        for (node, stored) in results {
            if let Some(signature) = stored.entry.signature {
                self.signatures.insert(node.clone(), signature);
            }
            self.results.insert(node, Arc::new(stored.outputs));
        }
        self.preload_problems.clear();
        self.store_loaded = Some((store.clone(), changed_at));
        problems
    }

    /// Notes that this executor's own writes are in the store (so they do not read as
    /// another process's).
    fn store_written(&mut self) {
        if let Some((store, seen)) = &mut self.store_loaded {
            *seen = store.results_version();
        }
    }

    /// Makes an earlier result of `node` its active one, in the store and for later runs.
    fn set_active(&mut self, store: &Store, node: NodeId, index: usize) {
        self.load_store(0, Some(store));
        match store.set_active(&node, index) {
            Ok(stored) => {
                let outputs = Arc::new(stored.outputs);
                self.results.insert(node.clone(), outputs.clone());
                self.results_digest = None;
                match &stored.entry.signature {
                    Some(signature) => {
                        self.signatures.insert(node.clone(), signature.clone());
                    }
                    None => {
                        self.signatures.remove(&node);
                    }
                }
                self.store_written();
                self.sink.emit(Event::ActiveResultChanged {
                    node,
                    outputs,
                    signature: stored.entry.signature,
                });
            }
            Err(problem) => self.store_problem(0, Some(problem)),
        }
    }

    fn store_problem(&mut self, run: RunId, problem: Option<StoreProblem>) {
        if let Some(problem) = problem {
            self.sink.emit(Event::StoreProblem {
                run,
                message: problem.to_string(),
            });
        }
    }

    /// Tells clients how the queue stands.
    fn queue_changed(&mut self) {
        self.sink.emit(Event::QueueChanged {
            paused: self.queue.is_paused(),
            items: self.queue.items(),
        });
    }

    /// The store, flow digest and results digest under which a Missing run's staleness
    /// check may be remembered or skipped: only when the flow is exactly the text the
    /// digest was made from (no seed rolled, no input set) and the session's results are
    /// exactly those loaded from that store, without a problem.
    fn fresh_memo_key(
        &self,
        request: &RunRequest,
        seeds: &BTreeMap<NodeId, u64>,
    ) -> Option<(Store, String, String)> {
        if request.mode != crate::plan::RunMode::Missing
            || !seeds.is_empty()
            || !request.inputs.is_empty()
        {
            return None;
        }
        let store = request.store.as_ref()?;
        let (loaded, _) = self.store_loaded.as_ref()?;
        if loaded != store {
            return None;
        }
        Some((
            store.clone(),
            request.flow_digest.clone()?,
            self.results_digest.clone()?,
        ))
    }

    /// Plans and runs one request to its end.
    fn execute(&mut self, id: RunId, mut request: RunRequest) {
        let started = request.asked_at.unwrap_or_else(Instant::now);
        let (flow, seeds) = super::seeds::roll_seeds(&request.flow, &request.seeds);
        request.flow = flow;
        // A whole-flow or up-to-here run in All mode runs everything it plans, upstream
        // included, so it reads no stored result: loading them would only cost time.
        let reads_results = request.scope.reads_results(request.mode);
        if reads_results {
            self.load_store(id, request.store.as_ref());
        } else if request.store.is_some() {
            // What the session holds is no longer the store's whole picture: load it next time.
            self.store_loaded = None;
        }
        // The same decision `flowcanvas plan` and the app's preview make: in Missing mode a
        // stale result does not count, nor do those a resume or retry asks to run afresh.
        let known = match reads_results {
            true => self
                .results
                .iter()
                .map(|(node, outputs)| {
                    let known = crate::plan::KnownResult {
                        outputs,
                        signature: self.signatures.get(node).map(String::as_str),
                    };
                    (node.clone(), known)
                })
                .collect(),
            false => Default::default(),
        };
        // An earlier check of this very flow text and these very results may have found
        // them all fresh (a no-op run repeated): then there is nothing to check again.
        let memo = self.fresh_memo_key(&request, &seeds);
        let staleness = match &memo {
            Some((store, flow, results)) if store.known_fresh(flow, results) => {
                crate::plan::Staleness::KnownFresh
            }
            _ => crate::plan::Staleness::Check,
        };
        let planned = crate::plan::plan_with_staleness(
            &request.flow,
            &self.registry,
            &request.scope,
            request.mode,
            &known,
            &request.fresh,
            staleness,
        );
        drop(known);
        let planned = planned.map(|(plan, found_all_fresh)| {
            if let (true, Some((store, flow, results))) = (found_all_fresh, &memo) {
                let problem = store.remember_fresh(flow, results).err();
                self.store_problem(id, problem);
            }
            plan
        });
        // A restricted run leaves out the nodes that need trust (as previews show it).
        let planned = planned.map(|plan| match request.restricted {
            true => crate::trust::restrict(plan, &request.flow, &self.registry, &request.base_dir),
            false => plan,
        });
        let planned = planned
            .map_err(|err| err.to_string())
            .and_then(something_to_run);
        let plan = match planned {
            Ok(plan) => Arc::new(plan),
            Err(error) => {
                // It never started: told apart from a run that ran and failed.
                self.queue.finish(
                    id,
                    RunState::NotStarted,
                    format!("Not started: {error}"),
                    0.0,
                );
                self.sink.emit(Event::RunRejected { run: id, error });
                self.queue_changed();
                return;
            }
        };
        let recorder = request.store.clone().map(|store| {
            let (recorder, problems) = RunRecorder::start(store, id, &request, &plan, &seeds);
            for problem in problems {
                self.store_problem(id, Some(problem));
            }
            recorder
        });
        self.sink.emit(Event::RunStarted {
            run: id,
            plan: plan.clone(),
            seeds,
            record: recorder.as_ref().map(|r| r.id().to_owned()),
        });
        // A run continued after a decision says which, before its steps go on.
        for decision in (request.decisions.iter()).filter(|_| request.resumes.is_some()) {
            self.sink.emit(Event::Decided {
                run: id,
                decision: decision.clone(),
            });
        }
        for skipped in &plan.skipped {
            self.sink.emit(Event::NodeSkipped {
                run: id,
                node: skipped.node.clone(),
                reason: skipped.reason.clone(),
            });
        }
        let mut run = ActiveRun::new(id, request, plan, &self.registry, started);
        run.recorder = recorder;
        self.skip_branches_not_taken_at_start(&mut run);
        let end = self.drive(&mut run);
        self.end_run(&mut run, &end);
    }

    /// Settles a run whose loop ended: Stop (and shutting down) kill what still runs;
    /// then the run's outcome is recorded and told.
    fn end_run(&mut self, run: &mut ActiveRun, end: &RunEnd) {
        if matches!(end, RunEnd::Stopped | RunEnd::Shutdown | RunEnd::TimedOut) {
            self.cancel_remaining(run);
        }
        if matches!(end, RunEnd::Rejected) {
            self.cancel_unstarted(run, "not started: the run was rejected at a checkpoint");
        }
        let ending = match end {
            RunEnd::Finished => Ending::Finished,
            RunEnd::Parked => Ending::Parked,
            RunEnd::Rejected => Ending::Rejected,
            RunEnd::Blocked => Ending::Blocked,
            RunEnd::Cancelled => Ending::Cancelled,
            RunEnd::TimedOut => Ending::TimedOut,
            RunEnd::Stopped | RunEnd::Shutdown => Ending::Stopped,
        };
        self.finish(run, ending);
        if matches!(end, RunEnd::Shutdown) {
            self.shutting_down = true;
        }
    }

    /// Dispatches ready steps and reacts to workers and commands until the run ends.
    fn drive(&mut self, run: &mut ActiveRun) -> RunEnd {
        let settings = &run.request.flow.settings;
        let limit = (run.request.max_parallel)
            .or(settings.max_parallel.map(|n| n as usize))
            .unwrap_or(self.max_parallel)
            .max(1);
        // A run that stops at checkpoints goes one step at a time: when it stops, nothing
        // else is running, and each decision is made on everything before it.
        let limit = if run.has_checkpoints() { 1 } else { limit };
        loop {
            let mut deferred = Vec::new();
            while run.running.len() < limit && !run.holds_back() {
                let Some(Reverse(step)) = run.ready.pop() else {
                    break;
                };
                if run.at_kind_limit(step) {
                    run.attempts.no_slot(step, run.plan.steps[step].kind);
                    deferred.push(Reverse(step));
                    continue;
                }
                match run.gate(step) {
                    checkpoints::Gate::Open => {}
                    checkpoints::Gate::Skip(reason) => {
                        run.notes[step] = Some(reason.clone());
                        run.skipped_by_decision[step] = true;
                        self.mark_skipped(run, step, &reason);
                        self.release_dependents(run, step);
                        continue;
                    }
                    checkpoints::Gate::Stop(_) if !run.running.is_empty() => {
                        run.ready.push(Reverse(step));
                        break;
                    }
                    checkpoints::Gate::Stop(message) => {
                        match self.stop_at_checkpoint(run, step, message) {
                            Some(end) => return end,
                            None => break,
                        }
                    }
                }
                self.dispatch(run, step);
                match self.commands.try_recv() {
                    Ok(command) => {
                        if let Some(end) = self.command_during_run(command, run) {
                            return end;
                        }
                    }
                    Err(TryRecvError::Empty) => {}
                    Err(TryRecvError::Disconnected) => return RunEnd::Shutdown,
                }
            }
            run.ready.extend(deferred);
            if (run.cancelling || run.tripped.is_some()) && !run.attempts.waits_ended() {
                self.end_backoffs(run);
            }
            if run.running.is_empty() && !run.attempts.backing_off() && run.blocked_at.is_some() {
                return RunEnd::Blocked;
            }
            if run.running.is_empty() && !run.attempts.backing_off() {
                // Fail fast and Cancel wait for the running steps, then settle the rest: fail
                // fast skips them naming the failure, Cancel cancels them.
                if let Some(reason) = run.tripped.clone() {
                    self.skip_unstarted(run, &reason);
                    return RunEnd::Finished;
                }
                if run.cancelling {
                    self.cancel_unstarted(run, "not started: the run was cancelled");
                    return RunEnd::Cancelled;
                }
                // A paused run with steps ready waits here for Resume, Cancel or Stop.
                if run.ready.is_empty() {
                    return RunEnd::Finished;
                }
            }
            self.sink.flush();
            let deadline = (run.attempts.next_deadline())
                .map_or_else(crossbeam_channel::never, crossbeam_channel::at);
            select! {
                recv(self.commands) -> command => match command {
                    Ok(command) => {
                        if let Some(end) = self.command_during_run(command, run) {
                            return end;
                        }
                    }
                    Err(_) => return RunEnd::Shutdown,
                },
                recv(self.worker_rx) -> message => {
                    if let Ok(message) = message {
                        self.worker_message(run, message);
                    }
                }
                recv(deadline) -> _ => {
                    if let Some(end) = self.deadlines_passed(run) {
                        return end;
                    }
                }
            }
        }
    }

    /// Handles a command while `run` is active: Pause, Resume and Cancel of this run change
    /// how it dispatches; everything else goes to the queue.
    fn command_during_run(&mut self, command: Command, run: &mut ActiveRun) -> Option<RunEnd> {
        match command {
            Command::PauseRun(id, paused) if id == run.id => {
                if run.cancelling || run.paused == paused {
                    return None;
                }
                run.paused = paused;
                let (event, status) = match paused {
                    true => (
                        Event::RunPaused {
                            run: id,
                            running: run.running.len(),
                        },
                        RunState::Paused,
                    ),
                    false => (Event::RunResumed { run: id }, RunState::Running),
                };
                self.sink.emit(event);
                if self.queue.set_active_status(id, status) {
                    self.queue_changed();
                }
                None
            }
            Command::Cancel(id) if id == run.id => {
                if !run.cancelling {
                    run.cancelling = true;
                    self.sink.emit(Event::RunCancelling {
                        run: id,
                        running: run.running.len(),
                    });
                    if self.queue.set_active_status(id, RunState::Cancelling) {
                        self.queue_changed();
                    }
                }
                None
            }
            Command::Decide(id, decision) if id == run.id => self.decide_in_place(run, decision),
            // Pausing a run that is not the running one changes nothing.
            Command::PauseRun(..) => None,
            command => self.queue_command(command, Some(run.id)),
        }
    }

    fn worker_message(&mut self, run: &mut ActiveRun, message: WorkerMsg) {
        match message {
            WorkerMsg::Progress {
                run: run_id,
                step,
                progress,
            } if run_id == run.id && run.state[step] == StepState::Running => {
                let node = run.plan.steps[step].node.clone();
                if let Some(recorder) = run.recorder.as_mut() {
                    recorder.streamed(step, &progress);
                }
                self.sink.progress(run.id, node, progress);
            }
            WorkerMsg::Done {
                run: run_id,
                step,
                result,
                elapsed_ms,
            } if run_id == run.id && run.state[step] == StepState::Running => {
                run.running.remove(&step);
                self.attempt_ended(run, step, result, elapsed_ms);
            }
            // Late news from a run that was stopped: already reported as cancelled.
            _ => {}
        }
    }

    /// Starts one step: inline kinds run right here, others on a worker thread.
    fn dispatch(&mut self, run: &mut ActiveRun, step: usize) {
        let node = run.plan.steps[step].node.clone();
        self.attempt_started(run, step);
        let started = Instant::now();
        let (at_ms, ready_ms) = (run.offset_ms_at(started), run.ready_ms[step]);
        if let Some(recorder) = run.recorder.as_mut() {
            recorder.step_started(step, ready_ms, at_ms);
        }
        self.sink.emit(Event::NodeStarted {
            run: run.id,
            node: node.clone(),
            order: run.plan.steps[step].order,
            at_ms,
            ready_ms,
        });
        let Some(kind) = run.kinds[step].clone() else {
            let kind_id = &run.plan.steps[step].kind;
            let error = NodeError::failed(format!("unknown node kind `{kind_id}`"));
            self.complete(run, step, Err(error), 0.0);
            return;
        };
        let inputs = match self.gather_inputs(run, step, kind.takes_batches()) {
            Ok(inputs) if run.recorder.is_some() => {
                let node = &run.request.flow.nodes[run.plan.steps[step].node_index];
                // What fail and always wires carried depends on how a run went, not on
                // what the flow says: a result is made from its pass wires and constants.
                let failure_wired = |name: &str| {
                    (run.plan.steps[step].inputs.iter())
                        .any(|i| i.port == name && i.outcome != crate::model::Outcome::Pass)
                };
                let named = (inputs.iter())
                    .filter(|(name, _)| !failure_wired(name))
                    .map(|(name, value)| (name.as_ref(), value));
                run.signatures[step] = Some(crate::plan::signature(node, named));
                inputs
            }
            Ok(inputs) => inputs,
            Err(message) => {
                self.complete(run, step, Err(NodeError::Failed(message)), 0.0);
                return;
            }
        };
        if !kind.takes_batches() {
            match super::batch::split_items(&inputs) {
                Some(Ok(items)) => {
                    self.dispatch_batch(run, step, kind, items, started);
                    return;
                }
                Some(Err(message)) => {
                    self.complete(run, step, Err(NodeError::Failed(message)), 0.0);
                    return;
                }
                None => {}
            }
        }
        let placement = match kind.info().role {
            Role::Step(placement) => placement,
            _ => Placement::Inline,
        };
        // Inline steps finish before Stop is read: they share the run's token and report no
        // progress. Worker steps get their own token (Stop kills through it) and a sink.
        let (cancel, progress) = match placement {
            Placement::Inline => (run.inline_cancel.clone(), None),
            Placement::Worker => (CancelToken::new(), Some(self.progress_sink(run.id, step))),
        };
        let context = NodeContext::new(
            run.request.flow.clone(),
            run.plan.steps[step].node_index,
            kind.clone(),
            inputs,
            run.base_dir.clone(),
            cancel.clone(),
            progress,
        )
        .restricted(run.request.restricted);
        let context = match kind.runs_flow() {
            true => context
                .with_runner(self.unit_runner(run))
                .winding_down_on(run.attempts.wind_down_switch()),
            false => context,
        };
        match placement {
            Placement::Inline => {
                let result = run_guarded(kind.as_ref(), &context);
                let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
                self.attempt_ended(run, step, result, elapsed_ms);
            }
            Placement::Worker => {
                let name = format!("flowcanvas-node-{node}");
                self.spawn_step(run, step, name, cancel, started, move || {
                    run_guarded(kind.as_ref(), &context)
                });
            }
        }
    }

    /// What runs inner flows for the steps of `run` (subflows, loops).
    fn unit_runner(&self, run: &ActiveRun) -> Arc<dyn crate::nodes::FlowRunner> {
        Arc::new(super::unit::UnitRunner {
            registry: self.registry.clone(),
            keep_results: run.request.store.is_some(),
        })
    }

    /// Where a worker step's progress goes: to the executor, which turns it into events.
    fn progress_sink(&self, run: RunId, step: usize) -> ProgressSink {
        let tx = self.worker_tx.clone();
        Arc::new(move |progress: Progress| {
            let _ = tx.send(WorkerMsg::Progress {
                run,
                step,
                progress,
            });
        })
    }

    /// Runs a step's work on a worker thread, which reports back when it ends; the step is
    /// running until then (Stop cancels it through `cancel`).
    fn spawn_step(
        &mut self,
        run: &mut ActiveRun,
        step: usize,
        name: String,
        cancel: CancelToken,
        started: Instant,
        work: impl FnOnce() -> Result<Outputs, NodeError> + Send + 'static,
    ) {
        let (run_id, tx) = (run.id, self.worker_tx.clone());
        let stopped = cancel.clone();
        let spawned = std::thread::Builder::new().name(name).spawn(move || {
            // Stopped before this thread got going (a busy machine): start nothing, so no
            // command begins its work after the run has ended.
            let result = match stopped.is_cancelled() {
                true => Err(NodeError::Cancelled),
                false => work(),
            };
            let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
            let _ = tx.send(WorkerMsg::Done {
                run: run_id,
                step,
                result,
                elapsed_ms,
            });
        });
        match spawned {
            Ok(_) => {
                run.state[step] = StepState::Running;
                run.running.insert(step, cancel);
            }
            Err(err) => {
                let error = NodeError::failed(format!("could not start a worker thread: {err}"));
                self.complete(run, step, Err(error), 0.0);
            }
        }
    }

    /// Starts a step that runs once per item of a batch, on a worker thread.
    fn dispatch_batch(
        &mut self,
        run: &mut ActiveRun,
        step: usize,
        kind: Arc<dyn NodeKind>,
        items: Vec<super::batch::ItemInputs>,
        started: Instant,
    ) {
        let node_index = run.plan.steps[step].node_index;
        let node = run.plan.steps[step].node.clone();
        let chosen = run.request.flow.nodes[node_index].concurrency;
        let mut concurrency = chosen
            .map_or_else(|| kind.batch_concurrency(), |n| n as usize)
            .max(1);
        // Items count against the kind's limit one by one: the batch takes the slots left
        // (at least one). A node's own "items at once" goes past a default limit, not past
        // one the flow sets.
        let step_kind = run.plan.steps[step].kind;
        if let Some(limit) = run.kind_limits.get(step_kind).copied() {
            if limit.explicit || chosen.is_none() {
                let left = limit.limit.saturating_sub(run.kind_slots_in_use(step_kind));
                concurrency = concurrency.min(left).max(1);
            }
        }
        run.slots[step] = concurrency;
        let retry_stop = run.attempts.runs_per_item(step);
        let retrying_items = matches!(&run.request.scope, Scope::Node(id) if *id == node);
        let only = if retrying_items {
            run.request.items.clone()
        } else {
            Vec::new()
        };
        let sink = self.progress_sink(run.id, step);
        let cancel = CancelToken::new();
        let kind_runs_flow = kind.runs_flow();
        let job = super::batch::BatchJob {
            kind,
            flow: run.request.flow.clone(),
            node_index,
            base_dir: run.base_dir.clone(),
            items,
            previous: (!only.is_empty())
                .then(|| self.results.get(&node).cloned())
                .flatten(),
            only,
            concurrency,
            cancel: cancel.clone(),
            progress: Some(sink),
            restricted: run.request.restricted,
            retry: super::retry::policy_for(&run.request.flow, node_index).cloned(),
            retry_stop,
            runner: kind_runs_flow.then(|| self.unit_runner(run)),
        };
        let name = format!("flowcanvas-batch-{node}");
        self.spawn_step(run, step, name, cancel, started, move || {
            super::batch::run_batch(job, run_guarded)
        });
    }

    /// The values for a step's inputs, converted to the input types: what each wire that
    /// fired carries, else the input's constant; inputs with neither stay unset.
    fn gather_inputs(
        &self,
        run: &ActiveRun,
        step: usize,
        takes_batches: bool,
    ) -> Result<Vec<(Cow<'static, str>, Value)>, String> {
        use super::firing::Arrival;
        let title = |node: &NodeId| run.title_of(node);
        let sources = run.sources(&self.results, &title);
        let mut inputs = Vec::with_capacity(run.plan.steps[step].inputs.len());
        for input in &run.plan.steps[step].inputs {
            let value = match sources.arrival(input, |s| run.status_of(s)) {
                Arrival::Output(value) => value.clone(),
                Arrival::Failure(value) => value,
                Arrival::Constant(value) => value.to_value(),
                Arrival::Nothing => continue,
                Arrival::Missing(why) => return Err(format!("input `{}`: {why}", input.port)),
            };
            // Each batch item converts on its own: one that does not fit fails alone.
            let value = value
                .convert_for_input(&input.port, input.ty, !takes_batches)
                .map_err(|message| format!("input `{}`: {message}", input.port))?;
            inputs.push((input.port.clone(), value));
        }
        Ok(inputs)
    }

    /// Records how a step ended, reports it, and releases or skips its dependents.
    fn complete(
        &mut self,
        run: &mut ActiveRun,
        step: usize,
        result: Result<Outputs, NodeError>,
        elapsed_ms: f64,
    ) {
        let node = run.plan.steps[step].node.clone();
        self.sink.settle(run.id, &node);
        match result {
            Ok(outputs) => {
                let outputs = Arc::new(outputs);
                let failed_items: Vec<super::events::ItemFailure> =
                    super::batch::failed_items(&outputs)
                        .into_iter()
                        .map(|(index, error)| super::events::ItemFailure { index, error })
                        .collect();
                let status = if failed_items.is_empty() {
                    NodeStatus::Succeeded
                } else {
                    NodeStatus::Partial
                };
                run.state[step] = StepState::Ended(status);
                run.outputs[step] = Some(outputs.clone());
                self.results.insert(node.clone(), outputs.clone());
                self.results_digest = None;
                let signature = run.signatures[step].take();
                if let Some(recorder) = run.recorder.as_mut() {
                    recorder.note(&node, Some(elapsed_ms), None);
                    if let Some(signature) = &signature {
                        self.signatures.insert(node.clone(), signature.clone());
                    }
                    let per_item = run.kinds[step]
                        .as_ref()
                        .is_some_and(|kind| !kind.takes_batches());
                    let problem =
                        recorder.node_succeeded(&node, &outputs, signature.clone(), per_item);
                    self.store_problem(run.id, problem);
                }
                self.sink.emit(Event::NodeFinished {
                    run: run.id,
                    node,
                    outputs,
                    elapsed_ms,
                    signature,
                    failed_items,
                });
                self.release_dependents(run, step);
            }
            Err(error) => {
                let status = match error {
                    // A block where the run cannot park on it (one batch item's) is a failure.
                    NodeError::Failed(message)
                    | NodeError::FailedWith { message, .. }
                    | NodeError::Blocked { cause: message, .. } => {
                        self.results.remove(&node);
                        self.results_digest = None;
                        if let Some(recorder) = run.recorder.as_mut() {
                            recorder.note(&node, Some(elapsed_ms), Some(message.clone()));
                            let problem = recorder.node_failed(&node);
                            self.store_problem(run.id, problem);
                        }
                        run.notes[step] = Some(message.clone());
                        self.sink.emit(Event::NodeFailed {
                            run: run.id,
                            node: node.clone(),
                            error: message,
                            elapsed_ms,
                        });
                        let fail_fast =
                            (run.request.fail_fast).unwrap_or(run.request.flow.settings.fail_fast);
                        if fail_fast && run.tripped.is_none() {
                            run.tripped = Some(format!(
                                "not started: fail fast after {} failed",
                                run.quoted(&node)
                            ));
                        }
                        NodeStatus::Failed
                    }
                    NodeError::Cancelled => {
                        self.sink.emit(Event::NodeCancelled {
                            run: run.id,
                            node: node.clone(),
                            reason: None,
                        });
                        NodeStatus::Cancelled
                    }
                };
                run.state[step] = StepState::Ended(status);
                self.release_dependents(run, step);
            }
        }
    }

    /// Fail fast: every step not started yet is skipped with `reason`.
    fn skip_unstarted(&mut self, run: &mut ActiveRun, reason: &str) {
        run.ready.clear();
        for step in 0..run.plan.steps.len() {
            if run.state[step] == StepState::Waiting {
                self.mark_skipped(run, step, reason);
            }
        }
    }

    /// Marks a step that has not started skipped, recording and announcing why.
    fn mark_skipped(&mut self, run: &mut ActiveRun, step: usize, reason: &str) {
        run.state[step] = StepState::Ended(NodeStatus::Skipped);
        if let Some(recorder) = run.recorder.as_mut() {
            recorder.note(&run.plan.steps[step].node, None, Some(reason.to_owned()));
        }
        self.sink.emit(Event::NodeSkipped {
            run: run.id,
            node: run.plan.steps[step].node.clone(),
            reason: reason.to_owned(),
        });
    }

    /// After `step` ended: each dependent whose sources have all ended either becomes
    /// ready (one of its wires fired, and every required input has a value) or is skipped
    /// saying why, which may settle its own dependents in turn (a worklist, not recursion:
    /// chains are long).
    fn release_dependents(&mut self, run: &mut ActiveRun, step: usize) {
        let mut ended = vec![step];
        // The clock is read once, and only when a dependent becomes ready.
        let mut ready_ms = None;
        while let Some(done) = ended.pop() {
            for i in 0..run.dependents[done].len() {
                let next = run.dependents[done][i];
                run.waiting_on[next] -= 1;
                if run.waiting_on[next] != 0 || run.state[next] != StepState::Waiting {
                    continue;
                }
                match run.may_start(next, &self.results) {
                    Ok(()) => {
                        run.note_handled(next);
                        run.ready.push(Reverse(next));
                        run.ready_ms[next] = *ready_ms.get_or_insert_with(|| run.offset_ms());
                    }
                    Err((reason, no_fire)) => {
                        run.no_fire[next] = no_fire;
                        run.notes[next] = Some(reason.clone());
                        self.mark_skipped(run, next, &reason);
                        ended.push(next);
                    }
                }
            }
        }
    }

    /// Steps ready from the start that read a kept result of a routing node through the
    /// branch it did not take (Missing mode, after an `if` ran): skipped as not taken, as a
    /// step fed by one that ran in this run would be.
    fn skip_branches_not_taken_at_start(&mut self, run: &mut ActiveRun) {
        if run.routed.is_empty() {
            return;
        }
        let reads_a_router = |run: &ActiveRun, step: usize| {
            (run.plan.steps[step].inputs.iter()).any(|input| match &input.source {
                crate::plan::InputSource::Result { node, .. } => run.routed.contains(node),
                _ => false,
            })
        };
        let ready: Vec<usize> = run.ready.iter().map(|Reverse(step)| *step).collect();
        let mut kept = BinaryHeap::with_capacity(ready.len());
        for step in ready {
            if !reads_a_router(run, step) {
                kept.push(Reverse(step));
                continue;
            }
            match run.may_start(step, &self.results) {
                Ok(()) => kept.push(Reverse(step)),
                Err((reason, no_fire)) => {
                    run.no_fire[step] = no_fire;
                    run.notes[step] = Some(reason.clone());
                    self.mark_skipped(run, step, &reason);
                    run.ready = std::mem::take(&mut kept);
                    self.release_dependents(run, step);
                    kept = std::mem::take(&mut run.ready);
                }
            }
        }
        run.ready = kept;
    }

    /// After a graceful Cancel (or a rejection at a checkpoint), once no step runs: every
    /// step not started is cancelled, `reason` saying why.
    fn cancel_unstarted(&mut self, run: &mut ActiveRun, reason: &str) {
        run.ready.clear();
        for step in 0..run.plan.steps.len() {
            if run.state[step] == StepState::Waiting {
                run.state[step] = StepState::Ended(NodeStatus::Cancelled);
                let node = run.plan.steps[step].node.clone();
                if let Some(recorder) = run.recorder.as_mut() {
                    recorder.note(&node, None, Some(reason.to_owned()));
                }
                self.sink.emit(Event::NodeCancelled {
                    run: run.id,
                    node,
                    reason: Some(reason.to_owned()),
                });
            }
        }
    }

    /// After Stop: cancels running steps (killing their processes now) and every step that
    /// has not run.
    fn cancel_remaining(&mut self, run: &mut ActiveRun) {
        for (_, token) in run.running.drain() {
            token.cancel();
        }
        for step in 0..run.plan.steps.len() {
            if matches!(run.state[step], StepState::Waiting | StepState::Running) {
                run.state[step] = StepState::Ended(NodeStatus::Cancelled);
                let node = run.plan.steps[step].node.clone();
                self.sink.settle(run.id, &node);
                self.sink.emit(Event::NodeCancelled {
                    run: run.id,
                    node,
                    reason: None,
                });
            }
        }
        run.ready.clear();
    }

    fn finish(&mut self, run: &mut ActiveRun, ending: Ending) {
        let mut nodes: Vec<NodeOutcome> = run
            .plan
            .steps
            .iter()
            .zip(&run.state)
            .enumerate()
            .map(|(index, (step, state))| NodeOutcome {
                node: step.node.clone(),
                status: match state {
                    // The step that blocked the run says so.
                    StepState::Waiting if run.blocked_at == Some(index) => NodeStatus::Blocked,
                    StepState::Ended(status) => *status,
                    // A parked run's steps not reached yet wait for it to go on.
                    StepState::Waiting if matches!(ending, Ending::Parked | Ending::Blocked) => {
                        NodeStatus::Queued
                    }
                    // Unreachable once the loop ends; counted as cancelled to stay honest.
                    StepState::Waiting | StepState::Running => NodeStatus::Cancelled,
                },
            })
            .collect();
        nodes.extend(run.plan.skipped.iter().map(|s| NodeOutcome {
            node: s.node.clone(),
            status: NodeStatus::Skipped,
        }));
        // A run continued after a decision counts the steps its earlier part ran as they
        // ended then, not as reused.
        let earlier = |node: &NodeId| {
            let parked = run.request.resumes.as_ref()?;
            let line = parked.nodes.iter().find(|line| &line.node == node)?;
            line.status.filter(|status| status.has_result())
        };
        nodes.extend(run.plan.reused.iter().map(|node| NodeOutcome {
            node: node.clone(),
            status: earlier(node).unwrap_or(NodeStatus::Reused),
        }));
        let mut counts = Counts::of(&nodes);
        let handlers = run.count_handling(&mut counts);
        let blocked_on_trust = ending == Ending::Finished && self.blocked_on_trust(run);
        let status = match ending {
            _ if blocked_on_trust => RunState::Blocked,
            Ending::TimedOut => RunState::TimedOut,
            Ending::Parked => RunState::Paused,
            Ending::Rejected => RunState::Rejected,
            Ending::Blocked => RunState::Blocked,
            _ => counts.status(ending != Ending::Finished),
        };
        let elapsed_ms = run.started.elapsed().as_secs_f64() * 1000.0;
        let mut summary = summary_line_for(ending, status, &counts, elapsed_ms, &handlers);
        // A run that stops to wait for a person before any step ended says so.
        if matches!(ending, Ending::Parked | Ending::Blocked) {
            if let Some(at) = summary.find(": nothing to run in ") {
                summary.truncate(at);
                summary.push_str(": nothing ran yet");
            }
        }
        if let Some(step) = run.blocked_at.filter(|_| ending == Ending::Blocked) {
            let at = run.quoted(&run.plan.steps[step].node);
            summary = summary.replacen("Flow blocked", &format!("Flow blocked at {at}"), 1);
        }
        if let Some(step) = run.parked_at.filter(|_| ending == Ending::Parked) {
            let at = run.quoted(&run.plan.steps[step].node);
            summary = summary.replacen(
                "Flow paused",
                &format!("Flow paused before {at} for a decision"),
                1,
            );
        }
        if let Some(recorder) = run.recorder.take() {
            let problem = recorder.finish(status, &summary, &nodes);
            self.store_problem(run.id, problem);
            self.store_written();
        }
        self.queue
            .finish(run.id, status, summary.clone(), elapsed_ms);
        self.sink.emit(Event::RunFinished {
            run: run.id,
            status,
            summary,
            counts,
            nodes,
            elapsed_ms,
        });
        self.queue_changed();
        self.sink.flush();
    }
}

impl ActiveRun {
    fn new(
        id: RunId,
        request: RunRequest,
        plan: Arc<Plan>,
        registry: &Registry,
        started: Instant,
    ) -> Self {
        let count = plan.steps.len();
        let mut dependents = vec![Vec::new(); count];
        let mut waiting_on = vec![0u32; count];
        for (i, step) in plan.steps.iter().enumerate() {
            waiting_on[i] = step.deps.len() as u32;
            for &dep in &step.deps {
                dependents[dep].push(i);
            }
        }
        let ready = (0..count)
            .filter(|&i| waiting_on[i] == 0)
            .map(Reverse)
            .collect();
        let kinds: Vec<Option<Arc<dyn NodeKind>>> = plan
            .steps
            .iter()
            .map(|step| registry.get(step.kind).cloned())
            .collect();
        let base_dir: Arc<Path> = Arc::from(request.base_dir.as_path());
        let kind_limits = kind_limits(&plan, &kinds, &request.flow.settings.kind_limits);
        let attempts = attempts::Attempts::new(&request.flow, request.timeout);
        // The steps that depend on nothing are ready now; the others when their last
        // dependency ends.
        let ready_ms = vec![started.elapsed().as_secs_f64() * 1000.0; count];
        let routed = routed_nodes(&plan, &request.flow, registry);
        Self {
            id,
            request,
            tripped: None,
            notes: vec![None; count],
            no_fire: vec![false; count],
            skipped_by_decision: vec![false; count],
            routed,
            handled_by: vec![None; count],
            paused: false,
            waiting_at: None,
            parked_at: None,
            blocked_at: None,
            cancelling: false,
            base_dir,
            plan,
            kinds,
            state: vec![StepState::Waiting; count],
            waiting_on,
            dependents,
            outputs: vec![None; count],
            ready,
            ready_ms,
            running: FxHashMap::default(),
            slots: vec![1; count],
            kind_limits,
            inline_cancel: CancelToken::new(),
            recorder: None,
            signatures: vec![None; count],
            started,
            labels: std::cell::OnceCell::new(),
            attempts,
        }
    }

    /// Whether no new step may start now: paused, being cancelled, or fail fast tripped.
    fn holds_back(&self) -> bool {
        self.paused
            || self.cancelling
            || self.tripped.is_some()
            || self.waiting_at.is_some()
            || self.blocked_at.is_some()
    }

    /// Milliseconds from the run's start to now.
    fn offset_ms(&self) -> f64 {
        self.offset_ms_at(Instant::now())
    }

    /// Milliseconds from the run's start to `at`.
    fn offset_ms_at(&self, at: Instant) -> f64 {
        at.saturating_duration_since(self.started).as_secs_f64() * 1000.0
    }

    /// A node's name for messages: `` `Fetch prices` `` (its title; see [`NodeLabels`]).
    fn quoted(&self, node: &NodeId) -> String {
        self.labels
            .get_or_init(|| NodeLabels::of(&self.request.flow))
            .quoted(node)
    }
}

/// The routing nodes `plan` reads from: its steps whose kind routes, and the nodes whose
/// kept results it uses that are of such a kind.
fn routed_nodes(
    plan: &Plan,
    flow: &crate::model::Flow,
    registry: &Registry,
) -> rustc_hash::FxHashSet<NodeId> {
    let routes = |kind: &str| registry.get(kind).is_some_and(|k| k.routes());
    let mut routed: rustc_hash::FxHashSet<NodeId> = (plan.steps.iter())
        .filter(|step| routes(step.kind))
        .map(|step| step.node.clone())
        .collect();
    for step in &plan.steps {
        for input in &step.inputs {
            if let crate::plan::InputSource::Result { node, .. } = &input.source {
                if flow.node(node.as_str()).is_some_and(|n| routes(&n.kind)) {
                    routed.insert(node.clone());
                }
            }
        }
    }
    routed
}

/// `plan`, unless it has no step at all: then the run does not start (a plan whose steps
/// all kept their results is a run, complete at once).
fn something_to_run(plan: Plan) -> Result<Plan, String> {
    match plan.steps.is_empty() && plan.reused.is_empty() && plan.skipped.is_empty() {
        true => Err("nothing to run: no step in the flow does work \
             (add a node that runs, such as text, template or shell)"
            .to_owned()),
        false => Ok(plan),
    }
}

/// Whether this thread is inside a node's work right now. A panic hook can use it to stay
/// quiet about panics the executor reports as node failures.
pub fn is_running_node() -> bool {
    crate::nodes::is_running_node()
}

/// Runs a node, turning a panic into a failure with the panic's message.
fn run_guarded(kind: &dyn NodeKind, context: &NodeContext) -> Result<Outputs, NodeError> {
    let outcome =
        crate::nodes::as_node_work(|| catch_unwind(AssertUnwindSafe(|| kind.run(context))));
    // Key values the node read never leave it: not in its outputs, not in its error.
    context.redact_result(match outcome {
        Ok(result) => result,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            Err(NodeError::Failed(format!("the node crashed: {message}")))
        }
    })
}
