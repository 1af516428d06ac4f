//! What a running node sees: its node, inputs, the flow's folder, Stop, and a progress sink.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::kind::{NodeError, NodeKind, Outputs, Params};
use super::secrets::{check_key_variable, Secrets};
use crate::model::{Flow, Node, Value};

/// Something a node reports while it works.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Progress {
    /// A chunk of streamed output (a line of a shell command's output, say).
    Output {
        /// Which stream it came from.
        stream: Stream,
        /// The text, usually one line with its newline.
        text: String,
    },
    /// `done` of `total` units of work are finished.
    Count {
        /// Units finished.
        done: u64,
        /// Units in all.
        total: u64,
    },
    /// A step of the flow this node runs (a subflow, a loop's body) changed status.
    Member {
        /// The loop's iteration, from 1 (`None`: a subflow run once).
        #[serde(skip_serializing_if = "Option::is_none")]
        iteration: Option<u64>,
        /// The inner step's node, in the inner flow.
        node: crate::model::NodeId,
        /// Its title (else its id), for people.
        title: String,
        /// Its status now.
        status: crate::status::NodeStatus,
        /// How long it worked, once it ended.
        #[serde(skip_serializing_if = "Option::is_none")]
        elapsed_ms: Option<f64>,
        /// Why it failed or was skipped.
        #[serde(skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    /// A loop began iteration `iteration` (from 1) of `total` (`None`: not known ahead, a
    /// repeat-until).
    Iteration {
        /// The iteration, from 1.
        iteration: u64,
        /// How many there will be, when known.
        #[serde(skip_serializing_if = "Option::is_none")]
        total: Option<u64>,
    },
}

/// Runs a linked flow as one unit for a node (a subflow, a loop's body); the executor
/// provides it (see `crate::exec`), so node kinds need not know the engine.
pub trait FlowRunner: Send + Sync {
    /// Runs `link`'s flow with `inputs` (by port name) set as its promoted inputs; returns
    /// its marked outputs by port name. The inner steps' statuses are reported through
    /// `ctx` as [`Progress::Member`] (tagged with `iteration`); Stop on `ctx` stops the
    /// inner run, its wind-down (Cancel) cancels it.
    fn run_flow(
        &self,
        ctx: &NodeContext,
        link: &crate::model::SubflowLink,
        inputs: &[(String, Value)],
        iteration: Option<u64>,
    ) -> Result<Outputs, NodeError>;
}

/// Which stream a chunk of output came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
    /// Notes on the work itself, not its output: the request an HTTP step sent and the
    /// answer's status line.
    Info,
}

/// Where a node's progress goes (the executor turns it into events).
pub type ProgressSink = Arc<dyn Fn(Progress) + Send + Sync>;

/// A one-way switch that tells running work to stop, and runs kill hooks when it flips.
#[derive(Clone, Default)]
pub struct CancelToken {
    inner: Arc<CancelInner>,
}

#[derive(Default)]
struct CancelInner {
    state: Mutex<CancelState>,
    changed: Condvar,
}

#[derive(Default)]
struct CancelState {
    cancelled: bool,
    hooks: Vec<Box<dyn FnOnce() + Send>>,
}

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Flips the token, runs every registered hook on this thread and wakes waiters.
    pub fn cancel(&self) {
        let hooks = {
            let mut state = lock(&self.inner.state);
            if state.cancelled {
                return;
            }
            state.cancelled = true;
            std::mem::take(&mut state.hooks)
        };
        for hook in hooks {
            hook();
        }
        self.inner.changed.notify_all();
    }

    /// Whether the token was cancelled.
    pub fn is_cancelled(&self) -> bool {
        lock(&self.inner.state).cancelled
    }

    /// Starts something that cancelling must stop (a process), leaving no moment between
    /// the start and the registration of its stop: `start` runs while the token is held, so
    /// a concurrent [`cancel`](Self::cancel) waits for it and then runs the returned stop
    /// hook. `None` (and nothing started) when the token is already cancelled.
    pub fn start_unless_cancelled<T, E>(
        &self,
        start: impl FnOnce() -> Result<(T, Box<dyn FnOnce() + Send>), E>,
    ) -> Option<Result<T, E>> {
        let mut state = lock(&self.inner.state);
        if state.cancelled {
            return None;
        }
        Some(start().map(|(started, stop)| {
            state.hooks.push(stop);
            started
        }))
    }

    /// Registers work to do at the moment of cancelling (kill a process, say). Runs it now
    /// if the token is already cancelled.
    pub fn on_cancel(&self, hook: impl FnOnce() + Send + 'static) {
        let mut state = lock(&self.inner.state);
        if state.cancelled {
            drop(state);
            hook();
        } else {
            state.hooks.push(Box::new(hook));
        }
    }

    /// Sleeps up to `duration`; returns true if cancelled before it elapsed.
    pub fn wait_timeout(&self, duration: Duration) -> bool {
        let deadline = Instant::now() + duration;
        let mut state = lock(&self.inner.state);
        while !state.cancelled {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            state = match self.inner.changed.wait_timeout(state, deadline - now) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
        true
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A hook that panicked cannot leave the flag half-written: keep going with the data.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Everything one execution of one node gets.
pub struct NodeContext {
    flow: Arc<Flow>,
    node_index: usize,
    kind: Arc<dyn NodeKind>,
    inputs: Vec<(Cow<'static, str>, Value)>,
    base_dir: Arc<Path>,
    cancel: CancelToken,
    progress: Option<ProgressSink>,
    /// A restricted run (a flow from a folder nobody trusted): reads outside the flow's
    /// folder are refused.
    restricted: bool,
    /// Key values read from the environment, kept out of everything the node reports.
    secrets: Secrets,
    /// Runs inner flows (subflows, loops), when the node runs inside an engine.
    runner: Option<Arc<dyn FlowRunner>>,
    /// Flipped when the run is cancelled (or fails fast): work made of several units (a
    /// loop) starts no new unit.
    winding_down: CancelToken,
}

impl NodeContext {
    /// A context for `flow.nodes[node_index]`, whose kind is `kind`.
    pub fn new(
        flow: Arc<Flow>,
        node_index: usize,
        kind: Arc<dyn NodeKind>,
        inputs: Vec<(Cow<'static, str>, Value)>,
        base_dir: Arc<Path>,
        cancel: CancelToken,
        progress: Option<ProgressSink>,
    ) -> Self {
        Self {
            flow,
            node_index,
            kind,
            inputs,
            base_dir,
            cancel,
            progress,
            restricted: false,
            secrets: Secrets::new(),
            runner: None,
            winding_down: CancelToken::new(),
        }
    }

    /// Gives the node a way to run inner flows (builder style).
    pub fn with_runner(mut self, runner: Arc<dyn FlowRunner>) -> Self {
        self.runner = Some(runner);
        self
    }

    /// Sets the switch that says the run is being cancelled (builder style).
    pub fn winding_down_on(mut self, token: CancelToken) -> Self {
        self.winding_down = token;
        self
    }

    /// Flipped when the run is cancelled: start no new unit of work.
    pub fn winding_down(&self) -> &CancelToken {
        &self.winding_down
    }

    /// Runs `link`'s flow as one unit (see [`FlowRunner::run_flow`]).
    pub fn run_flow(
        &self,
        link: &crate::model::SubflowLink,
        inputs: &[(String, Value)],
        iteration: Option<u64>,
    ) -> Result<Outputs, NodeError> {
        match &self.runner {
            Some(runner) => runner.run_flow(self, link, inputs, iteration),
            None => Err(NodeError::failed(
                "inner flows can only run inside a flow run",
            )),
        }
    }

    /// Marks the context as part of a restricted run (builder style).
    pub fn restricted(mut self, restricted: bool) -> Self {
        self.restricted = restricted;
        self
    }

    /// Whether the run is restricted.
    pub fn is_restricted(&self) -> bool {
        self.restricted
    }

    /// Refuses, in a restricted run, to read `path` when it lies outside the flow's folder
    /// (the path may have arrived over a wire, so this is checked as the node runs).
    pub fn check_read(&self, path: &Path) -> Result<(), NodeError> {
        if self.restricted && !super::side_effects::is_inside_folder(&self.base_dir, path) {
            return Err(NodeError::failed(format!(
                "{}: reads a file outside the flow's folder ({})",
                super::side_effects::NEEDS_TRUST,
                path.display()
            )));
        }
        Ok(())
    }

    /// The value of environment variable `name`, read as a key: the name must be one meant
    /// for keys (see [`check_key_variable`]); `None` when it is not set. The value is kept
    /// out of the node's outputs, errors and streamed output.
    pub fn key_from_env(&self, name: &str) -> Result<Option<String>, NodeError> {
        check_key_variable(name).map_err(NodeError::Failed)?;
        match std::env::var(name) {
            Ok(value) if !value.is_empty() => {
                self.secrets.add(name, &value);
                Ok(Some(value))
            }
            _ => Ok(None),
        }
    }

    /// The key values this node read, for redacting what it reports.
    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    /// A node's result with every key value it read taken out (outputs and error message).
    pub fn redact_result(&self, result: Result<Outputs, NodeError>) -> Result<Outputs, NodeError> {
        if self.secrets.is_empty() {
            return result;
        }
        match result {
            Ok(outputs) => Ok(self.secrets.redact_outputs(outputs)),
            Err(NodeError::Failed(message)) => Err(NodeError::Failed(
                self.secrets.redact_text(&message).into_owned(),
            )),
            Err(NodeError::FailedWith { message, cause }) => Err(NodeError::FailedWith {
                message: self.secrets.redact_text(&message).into_owned(),
                cause,
            }),
            Err(other) => Err(other),
        }
    }

    /// The node being run.
    pub fn node(&self) -> &Node {
        &self.flow.nodes[self.node_index]
    }

    /// Its parameters, with defaults filled in.
    pub fn params(&self) -> Params<'_> {
        Params::new(self.node(), self.kind.info())
    }

    /// The value arriving at an input (from a wire or the node's constant), converted to the
    /// input's type.
    pub fn input(&self, name: &str) -> Option<&Value> {
        self.inputs
            .iter()
            .find(|(port, _)| port == name)
            .map(|(_, value)| value)
    }

    /// Resolves a path the way every node does: relative paths are relative to the folder
    /// of the `.flow` file, so the CLI and the app agree wherever they were started.
    pub fn resolve_path(&self, path: impl AsRef<Path>) -> PathBuf {
        let path = path.as_ref();
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.base_dir.join(path)
        }
    }

    /// The folder relative paths are resolved against.
    pub fn base_dir(&self) -> &Path {
        &self.base_dir
    }

    /// The run's Stop switch.
    pub fn cancel(&self) -> &CancelToken {
        &self.cancel
    }

    /// The progress sink, for helper threads of the node that report on their own.
    pub fn progress_sink(&self) -> Option<ProgressSink> {
        self.progress.clone()
    }

    /// Reports progress (streamed output or k of N); key values are taken out of output.
    pub fn progress(&self, progress: Progress) {
        if let Some(sink) = &self.progress {
            match progress {
                Progress::Output { stream, text } if !self.secrets.is_empty() => {
                    let text = self.secrets.redact_text(&text).into_owned();
                    sink(Progress::Output { stream, text });
                }
                other => sink(other),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// What a start hands back to stop what it started.
    type StopHook = Box<dyn FnOnce() + Send>;

    #[test]
    fn a_cancel_during_a_start_waits_for_it_and_then_stops_what_started() {
        let token = CancelToken::new();
        let stopped = Arc::new(AtomicBool::new(false));
        let (entered_tx, entered_rx) = std::sync::mpsc::channel();
        let canceller = {
            let token = token.clone();
            std::thread::Builder::new()
                .name("test-canceller".to_owned())
                .spawn(move || {
                    entered_rx.recv().unwrap();
                    token.cancel();
                })
                .unwrap()
        };
        let seen = stopped.clone();
        let started = token.start_unless_cancelled(|| {
            // The canceller runs now, while the start is still going on.
            entered_tx.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(50));
            let stop: StopHook = Box::new(move || seen.store(true, Ordering::SeqCst));
            Ok::<_, ()>(("process", stop))
        });
        assert_eq!(started, Some(Ok("process")));
        canceller.join().unwrap();
        assert!(
            stopped.load(Ordering::SeqCst),
            "the stop hook ran after the start"
        );
        // Once cancelled, nothing starts.
        let again = token.start_unless_cancelled(|| -> Result<((), StopHook), ()> {
            panic!("started after a cancel")
        });
        assert!(again.is_none());
    }

    #[test]
    fn cancel_runs_hooks_and_wakes_waiters() {
        let token = CancelToken::new();
        let hooked = Arc::new(AtomicBool::new(false));
        let flag = hooked.clone();
        token.on_cancel(move || flag.store(true, Ordering::SeqCst));
        let waiter = {
            let token = token.clone();
            std::thread::Builder::new()
                .name("waiter".to_owned())
                .spawn(move || token.wait_timeout(Duration::from_secs(30)))
                .unwrap()
        };
        std::thread::sleep(Duration::from_millis(20));
        token.cancel();
        assert!(waiter.join().unwrap());
        assert!(hooked.load(Ordering::SeqCst));
        assert!(token.is_cancelled());
    }

    #[test]
    fn wait_times_out_when_not_cancelled() {
        assert!(!CancelToken::new().wait_timeout(Duration::from_millis(5)));
    }

    #[test]
    fn hook_after_cancel_runs_at_once() {
        let token = CancelToken::new();
        token.cancel();
        let hooked = Arc::new(AtomicBool::new(false));
        let flag = hooked.clone();
        token.on_cancel(move || flag.store(true, Ordering::SeqCst));
        assert!(hooked.load(Ordering::SeqCst));
    }
}
