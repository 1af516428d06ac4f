//! The engine handle clients hold: submit runs, stop the active one, read events.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{RecvTimeoutError, Sender};

use super::channel::{event_channel, EventStream, Waker};
use super::events::{Event, RunId};
use super::executor::Executor;
use super::queue::QueueMove;
use crate::model::{CheckpointMode, Flow, NodeId, ParamValue};
use crate::nodes::Registry;
use crate::plan::{RunMode, Scope};
use crate::store::{Continuation, Decision, RunRecord, Store};

/// What to run: a snapshot of the flow, the scope and the mode.
#[derive(Clone, Debug)]
pub struct RunRequest {
    /// The flow as it was when the run was asked for; later edits do not touch it.
    pub flow: Arc<Flow>,
    /// Which part of the flow to run.
    pub scope: Scope,
    /// All or Missing.
    pub mode: RunMode,
    /// A restricted run, for a flow nobody trusted yet: nodes that act outside the flow
    /// (commands, requests, writes, reads outside its folder) are skipped with the reason
    /// `needs trust: …` (see [`crate::trust`]).
    pub restricted: bool,
    /// The folder relative paths are resolved against (the `.flow` file's folder).
    pub base_dir: PathBuf,
    /// The promoted input values the run was asked with, by label (already applied to
    /// `flow`; kept to show with the queued run).
    pub inputs: BTreeMap<String, ParamValue>,
    /// Where results and the run's record are kept (`FILE.flow.d`); `None` keeps them in
    /// memory only.
    pub store: Option<Store>,
    /// Values for "new each run" seed nodes to use instead of rolling new ones (a resumed
    /// run keeps the values its original run rolled).
    pub seeds: BTreeMap<NodeId, u64>,
    /// Nodes whose present results do not count in Missing mode: they run again, and so
    /// does everything downstream of them.
    pub fresh: BTreeSet<NodeId>,
    /// The earlier run this one resumes or retries (kept in the run's record).
    pub continues: Option<Continuation>,
    /// With Node scope on a node that runs once per batch item: run only these items (from
    /// 0), keeping the others from its earlier result (Retry of failed items).
    pub items: Vec<usize>,
    /// When the user asked for the run, if earlier than the executor takes it up (the CLI:
    /// when the command started, so the summary's time includes loading the flow and the
    /// store). `None`: the run's time starts when it leaves the queue.
    pub asked_at: Option<Instant>,
    /// The SHA-256 of the `.flow` text `flow` was read from, when `flow` is exactly that
    /// text's flow (the CLI without `--set`). A Missing run then reuses an earlier
    /// staleness check of the same text and the same stored results (see
    /// `Store::known_fresh`); `None` always checks.
    pub flow_digest: Option<String>,
    /// How many independent steps of this run may work at once; `None` uses the flow's
    /// setting, then the engine's ([`EngineOptions::max_parallel`]). A step starts only once every step it
    /// depends on has ended, so it sees what it would see one step at a time.
    pub max_parallel: Option<usize>,
    /// Stop starting steps after the first failure; `None` uses the flow's setting.
    pub fail_fast: Option<bool>,
    /// The run's time limit: past it running steps are stopped, the rest cancelled, and the
    /// run ends timed out. `None` uses the flow's `settings.timeout_ms` (else no limit).
    pub timeout: Option<Duration>,
    /// A run of a flow nobody trusted yet (the app's restricted mode): when it leaves out a
    /// step that needs trust, it ends `blocked` on it (trust the folder, then Resume) rather
    /// than failed. `run --restricted` leaves this off: there the restriction is the point.
    pub block_on_trust: bool,
    /// Which steps stop for a person's decision before they run (see
    /// [`crate::model::CheckpointMode`]). A run with a checkpoint among its steps runs one
    /// step at a time, whatever its parallelism.
    pub checkpoints: CheckpointMode,
    /// Decisions made at this run's checkpoints before it (re)started: each step named
    /// runs (approve) or is skipped (skip) without stopping again. Recorded in the run's
    /// record.
    pub decisions: Vec<Decision>,
    /// The record of a paused run this request continues after a decision: the run goes on
    /// under the same record (its id, start and earlier steps), rather than a new one.
    pub resumes: Option<Box<RunRecord>>,
    /// The record's live claim, taken when the decision was made (so that nobody else
    /// decides or continues the run meanwhile); the run's recorder keeps it.
    pub claimed: Option<Arc<std::sync::Mutex<Option<crate::store::LiveRun>>>>,
}

impl RunRequest {
    /// A whole-flow run in All mode, resolving paths against `base_dir`.
    pub fn new(flow: Arc<Flow>, base_dir: impl Into<PathBuf>) -> Self {
        Self {
            flow,
            scope: Scope::Flow,
            mode: RunMode::All,
            restricted: false,
            base_dir: base_dir.into(),
            inputs: BTreeMap::new(),
            store: None,
            seeds: BTreeMap::new(),
            fresh: BTreeSet::new(),
            continues: None,
            items: Vec::new(),
            asked_at: None,
            flow_digest: None,
            max_parallel: None,
            fail_fast: None,
            timeout: None,
            block_on_trust: false,
            checkpoints: CheckpointMode::default(),
            decisions: Vec::new(),
            resumes: None,
            claimed: None,
        }
    }

    /// Gives the run a time limit (builder style; see [`RunRequest::timeout`]).
    pub fn timeout(mut self, limit: Duration) -> Self {
        self.timeout = Some(limit);
        self
    }

    /// Lets up to `n` independent steps work at once (builder style; 1 is one at a time).
    pub fn max_parallel(mut self, n: usize) -> Self {
        self.max_parallel = Some(n.max(1));
        self
    }

    /// Makes the run restricted or not (builder style).
    pub fn restricted(mut self, restricted: bool) -> Self {
        self.restricted = restricted;
        self
    }

    /// Sets the scope (builder style).
    pub fn scope(mut self, scope: Scope) -> Self {
        self.scope = scope;
        self
    }

    /// Keeps results and the run record in `store` (builder style).
    pub fn store(mut self, store: Option<Store>) -> Self {
        self.store = store;
        self
    }

    /// Sets which steps stop for a decision (builder style).
    pub fn checkpoints(mut self, mode: CheckpointMode) -> Self {
        self.checkpoints = mode;
        self
    }

    /// Sets the mode (builder style).
    pub fn mode(mut self, mode: RunMode) -> Self {
        self.mode = mode;
        self
    }
}

/// Commands from clients to the executor thread.
pub(crate) enum Command {
    /// Boxed: a request is far larger than any other command.
    Run(RunId, Box<RunRequest>),
    Stop,
    Cancel(RunId),
    PauseRun(RunId, bool),
    /// A decision at the checkpoint the run waits at in place (a run without a store).
    Decide(RunId, Decision),
    Move(RunId, QueueMove),
    Pause(bool),
    ClearFinished,
    SetActive {
        store: Store,
        node: NodeId,
        index: usize,
    },
    Preload(Store),
    Shutdown,
}

/// How to start an engine.
#[derive(Clone)]
pub struct EngineOptions {
    /// The node kinds flows may use.
    pub registry: Arc<Registry>,
    /// Called after events are sent (the GUI asks for a repaint here); must not block.
    pub waker: Option<Waker>,
    /// How many steps may work at once (1: one at a time, in plan order).
    pub max_parallel: usize,
}

impl EngineOptions {
    /// Options with the given registry, no waker, one step at a time.
    pub fn new(registry: Arc<Registry>) -> Self {
        Self {
            registry,
            waker: None,
            max_parallel: 1,
        }
    }
}

/// A clonable handle that can submit and stop runs from any thread (a Ctrl-C handler, say).
#[derive(Clone)]
pub struct EngineHandle {
    commands: Sender<Command>,
    next_run: Arc<AtomicU64>,
}

impl EngineHandle {
    /// Queues a run; returns its id at once. Events for it follow on the event stream.
    pub fn submit(&self, request: RunRequest) -> RunId {
        let run = self.next_run.fetch_add(1, Ordering::Relaxed);
        // If the executor is gone the client sees its event stream end.
        let _ = self.commands.send(Command::Run(run, Box::new(request)));
        run
    }

    /// Stops the active run now: its running steps are killed (processes included) and
    /// the steps not yet run are marked cancelled. Queued runs stay queued.
    pub fn stop(&self) {
        let _ = self.commands.send(Command::Stop);
    }

    /// Cancels a run gracefully. A queued run will not start. The running one starts no new
    /// step; the steps already running finish (none is aborted partway through what it
    /// does), then every step not started is marked cancelled and the run ends cancelled.
    /// A `run_cancelling` event says it was heard.
    pub fn cancel(&self, run: RunId) {
        let _ = self.commands.send(Command::Cancel(run));
    }

    /// Pauses the running run: no new step starts, steps already running finish
    /// (`run_paused`). Nothing happens to a run that is not running.
    pub fn pause_run(&self, run: RunId) {
        let _ = self.commands.send(Command::PauseRun(run, true));
    }

    /// Records a decision at the checkpoint run `run` waits at in place (a run without a
    /// store; a run with one parks instead, and is continued by submitting
    /// [`crate::exec::decide`]'s request). Nothing happens to a run not waiting there.
    pub fn decide(&self, run: RunId, decision: Decision) {
        let _ = self.commands.send(Command::Decide(run, decision));
    }

    /// Lets a paused run go on (`run_resumed`).
    pub fn resume_run(&self, run: RunId) {
        let _ = self.commands.send(Command::PauseRun(run, false));
    }

    /// Moves a queued run up, down, or to the front of the queue.
    pub fn move_run(&self, run: RunId, how: QueueMove) {
        let _ = self.commands.send(Command::Move(run, how));
    }

    /// Pauses the queue (the running run finishes; nothing new starts) or resumes it.
    pub fn set_paused(&self, paused: bool) {
        let _ = self.commands.send(Command::Pause(paused));
    }

    /// Forgets finished runs in the queue.
    pub fn clear_finished(&self) {
        let _ = self.commands.send(Command::ClearFinished);
    }

    /// Makes entry `index` of `node`'s history in `store` its active result: later runs
    /// (and nodes downstream of it) use it. An `active_result_changed` event follows, or a
    /// `store_problem` event naming the file that could not be read or written.
    pub fn set_active(&self, store: Store, node: NodeId, index: usize) {
        let _ = self
            .commands
            .send(Command::SetActive { store, node, index });
    }

    /// Reads a store's results now, while the client prepares a run that will read them
    /// (the CLI parses the flow meanwhile); the run then finds them loaded. Ignored while a
    /// run is active.
    pub fn preload(&self, store: Store) {
        let _ = self.commands.send(Command::Preload(store));
    }
}

/// The executor running on its background thread, and the client's end of its events.
pub struct Engine {
    handle: EngineHandle,
    events: EventStream,
    thread: Option<JoinHandle<()>>,
}

impl Engine {
    /// Starts an executor thread with the built-in defaults of [`EngineOptions::new`].
    pub fn start(registry: Arc<Registry>) -> std::io::Result<Self> {
        Self::with_options(EngineOptions::new(registry))
    }

    /// Starts an executor thread (named `flowcanvas-executor`).
    pub fn with_options(options: EngineOptions) -> std::io::Result<Self> {
        let (commands, command_rx) = crossbeam_channel::unbounded();
        let (sink, events) = event_channel(options.waker.clone());
        let executor = Executor::new(options, command_rx, sink);
        let thread = std::thread::Builder::new()
            .name("flowcanvas-executor".to_owned())
            .spawn(move || executor.run_forever())?;
        Ok(Self {
            handle: EngineHandle {
                commands,
                next_run: Arc::new(AtomicU64::new(1)),
            },
            events,
            thread: Some(thread),
        })
    }

    /// A handle for submitting and stopping runs from elsewhere.
    pub fn handle(&self) -> EngineHandle {
        self.handle.clone()
    }

    /// Queues a run; see [`EngineHandle::submit`].
    pub fn submit(&self, request: RunRequest) -> RunId {
        self.handle.submit(request)
    }

    /// Stops the active run; see [`EngineHandle::stop`].
    pub fn stop(&self) {
        self.handle.stop();
    }

    /// The next event if one is ready; never waits.
    pub fn try_recv(&mut self) -> Option<Event> {
        self.events.try_recv()
    }

    /// The next event, waiting for it; `None` if the executor thread is gone.
    pub fn recv(&mut self) -> Option<Event> {
        self.events.recv()
    }

    /// The next event, waiting at most `timeout`.
    pub fn recv_timeout(&mut self, timeout: Duration) -> Result<Event, RecvTimeoutError> {
        self.events.recv_timeout(timeout)
    }

    /// The events that are ready, within a time budget.
    pub fn drain(&mut self, budget: Duration) -> Vec<Event> {
        self.events.drain(budget)
    }
}

impl Engine {
    /// Stops the active run (its processes are killed, its record in the store says
    /// cancelled), drops the queued ones, ends the executor thread and waits for it. Later
    /// calls do nothing; dropping the engine does the same.
    pub fn shut_down(&mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = self.handle.commands.send(Command::Shutdown);
            let _ = thread.join();
        }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.shut_down();
    }
}
