//! `flowcanvas run FILE` (and `resume`/`retry`): runs a flow headless through the engine
//! and shows it live.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

use super::checkpoint_prompt::Prompt;
use super::human::HumanOutput;
use super::{
    apply_set, load_or_report, ContinueArgs, RunArgs, EXIT_CLOSED_PIPE, EXIT_INVALID, EXIT_OK,
    EXIT_RUN_PROBLEMS,
};
use crate::exec::{
    continue_run, decide, pick_parked, pick_run, Decided, Engine, Event, RunRequest, RunState,
};
use crate::model::{Flow, NodeId, Verdict};
use crate::nodes::{Outputs, Registry};
use crate::plan::RunMode;
use crate::signals::{self, StopSignal};
use crate::store::{ContinueHow, Decision, Store};

/// Runs the flow; returns the exit code.
pub fn run(args: &RunArgs) -> i32 {
    let asked_at = std::time::Instant::now();
    let registry = Arc::new(Registry::builtin());
    let Some(engine) = start_engine(&registry) else {
        return EXIT_RUN_PROBLEMS;
    };
    let scope = args.target.scope();
    let mode: RunMode = args.target.mode.into();
    // A run that reads stored results has them read on the executor's thread while this one
    // parses the flow (both take a while for a large flow).
    if let Some(store) = args.target.store(&args.file) {
        if scope.reads_results(mode) {
            engine.handle().preload(store);
        }
    }
    let (flow, digest) = match crate::format::load_with_digest(&args.file, &registry) {
        Ok(loaded) => loaded,
        Err(err) => {
            for line in err.lines() {
                eprintln!("error: {line}");
            }
            return EXIT_INVALID;
        }
    };
    // With no `--set` the flow runs as read: copying a large flow only kept the user waiting.
    let (flow, inputs) = if args.target.set.is_empty() {
        (flow, Default::default())
    } else {
        let Some(applied) = apply_set(&flow, &registry, &args.file, &args.target.set) else {
            return EXIT_INVALID;
        };
        applied
    };
    let flow = Arc::new(flow);
    let mut request = RunRequest::new(flow, crate::fsutil::flow_folder(&args.file))
        .scope(scope)
        .mode(mode)
        .store(args.target.store(&args.file))
        .restricted(args.target.restricted);
    request.max_parallel = args.parallel.map(usize::from);
    request.fail_fast = args.fail_fast.then_some(true);
    request.timeout = args.timeout;
    request.checkpoints = args.target.checkpoints;
    request.inputs = inputs;
    if args.target.items.contains(&0) {
        eprintln!("error: --items counts from 1");
        return EXIT_INVALID;
    }
    request.items = args.target.items.iter().map(|n| n - 1).collect();
    request.asked_at = Some(asked_at);
    // The flow is exactly the file's text only when no `--set` changed it.
    request.flow_digest = args.target.set.is_empty().then_some(digest);
    execute(&args.file, &registry, engine, request, args.json)
}

/// Starts the engine, or says why it could not.
pub(super) fn start_engine(registry: &Arc<Registry>) -> Option<Engine> {
    match Engine::start(registry.clone()) {
        Ok(engine) => Some(engine),
        Err(err) => {
            report(format_args!("error: could not start the executor: {err}"));
            None
        }
    }
}

/// Resumes or retries a recorded run that did not complete; returns the exit code.
pub fn continue_cmd(args: &ContinueArgs, how: ContinueHow) -> i32 {
    let asked_at = std::time::Instant::now();
    let registry = Arc::new(Registry::builtin());
    let Some(engine) = start_engine(&registry) else {
        return EXIT_RUN_PROBLEMS;
    };
    let store = Store::for_flow(&args.file);
    // Resume and retry read stored results: read them while the flow is parsed.
    engine.handle().preload(store.clone());
    let Some(flow) = load_or_report(&args.file, &registry) else {
        return EXIT_INVALID;
    };
    let (runs, problems) = store.runs();
    for problem in &problems {
        eprintln!("warning: result store: {problem}");
    }
    let Some(record) = pick_run(&runs, args.run.as_deref()) else {
        match &args.run {
            Some(wanted) => eprintln!(
                "error: {}: no run `{wanted}` in its history (see `flowcanvas runs`)",
                args.file.display()
            ),
            None => match runs
                .iter()
                .rposition(|r| r.status == RunState::Running)
            {
                // The run to continue may be the one still going: say so, not "completed".
                Some(index) => eprintln!(
                    "error: {}: {} (#{}) is still running; there is nothing to {} yet (wait for it to end, or stop it)",
                    args.file.display(),
                    if index + 1 == runs.len() { "the latest run" } else { "a run" },
                    index + 1,
                    how.label()
                ),
                None => eprintln!(
                    "error: {}: every recorded run completed; there is nothing to {}",
                    args.file.display(),
                    how.label()
                ),
            },
        }
        return EXIT_INVALID;
    };
    let (histories, problems) = store.histories();
    for problem in &problems {
        eprintln!("warning: result store: {problem}");
    }
    match continue_run(
        &flow,
        &registry,
        record,
        &histories,
        how,
        crate::fsutil::flow_folder(&args.file),
        Some(store.clone()),
    ) {
        Ok(mut request) => {
            request.asked_at = Some(asked_at);
            request.restricted |= args.restricted;
            if !args.json {
                let verb = match how {
                    ContinueHow::Resume => "Resuming",
                    ContinueHow::Retry => "Retrying",
                };
                println!(
                    "{verb} run {} ({}, {})",
                    record.id,
                    record.scope,
                    record.status.label()
                );
            }
            execute(&args.file, &registry, engine, request, args.json)
        }
        Err(err) => {
            eprintln!("error: {}: {err}", args.file.display());
            EXIT_INVALID
        }
    }
}

/// Runs one request to its end, showing it live (or as JSON lines); returns the exit code.
///
/// Ctrl-C, `SIGTERM` and `SIGHUP` stop the run (its processes are killed and its record
/// says cancelled) and exit 130, 143 or 129; so does a closed standard output, with 141.
pub(super) fn execute(
    file: &Path,
    registry: &Arc<Registry>,
    mut engine: Engine,
    request: RunRequest,
    json: bool,
) -> i32 {
    let flow = request.flow.clone();
    let labels = crate::model::NodeLabels::of(&flow);
    // From here on a closed pipe must not end the process before the run is stopped.
    signals::notice_closed_pipe();

    let stopped_by = stop_on_signals(&engine);

    let store = request.store.clone();
    let base_dir = request.base_dir.clone();
    let mut run_id = engine.submit(request);
    // A signal that came before the run was submitted had nothing to stop yet.
    if lock(&stopped_by).is_some() {
        engine.stop();
    }
    let mut human = (!json).then(|| {
        HumanOutput::new(file.display().to_string(), std::io::stdout().is_terminal()).naming(&flow)
    });
    let mut json_closed = false;
    let mut produced: HashMap<String, Arc<Outputs>> = HashMap::new();
    let mut needs_trust = 0usize;
    let mut prompt = Prompt::default();
    let stopped = || lock(&stopped_by).is_some();
    // The checkpoint the run parked at.
    let mut at_checkpoint: Option<Checkpoint> = None;

    let status = loop {
        let Some(event) = engine.recv() else {
            report(format_args!("error: the executor stopped unexpectedly"));
            return EXIT_RUN_PROBLEMS;
        };
        if event.run() != run_id {
            continue;
        }
        if show(&event, json, &mut json_closed, human.as_mut()) {
            // Nobody reads what the run says any more: stop it.
            engine.stop();
        }
        match event {
            Event::RunRejected { error, .. } => return not_started(file, &error),
            Event::NodeFinished { node, outputs, .. } => {
                produced.insert(node.to_string(), outputs);
            }
            Event::NodeSkipped { ref reason, .. } if crate::nodes::is_needs_trust(reason) => {
                needs_trust += 1;
            }
            Event::NodeFailed { ref error, .. } if crate::nodes::is_needs_trust(error) => {
                needs_trust += 1;
            }
            Event::CheckpointReached {
                node,
                message,
                previous,
                record,
                ..
            } => {
                let context = previous
                    .as_ref()
                    .and_then(|p| result_line(&flow, p, &produced));
                let at = Checkpoint {
                    name: crate::trust::visible_controls(&labels.quoted(&node)),
                    node,
                    message: crate::trust::visible_controls(&message),
                    context,
                };
                match record {
                    // The run parks; it is asked about once it has (`run_finished`).
                    Some(_) => at_checkpoint = Some(at),
                    // No store: the run waits in place for the answer, or is stopped.
                    None => decide_in_place(&engine, run_id, at, &mut prompt, &stopped, file),
                }
            }
            Event::RunFinished { status, .. } => {
                let parked = at_checkpoint.take().filter(|_| status == RunState::Paused);
                let (Some(at), Some(store)) = (parked, store.as_ref()) else {
                    break status;
                };
                let here = Parked {
                    flow: &flow,
                    registry,
                    store,
                    base_dir: &base_dir,
                    file,
                };
                match here.ask_and_decide(at, &mut prompt, &stopped) {
                    Ok(request) => run_id = engine.submit(request),
                    Err(Ok(summary)) => {
                        if let Some(human) = human.as_mut() {
                            human.summary(&summary);
                        }
                        break RunState::Rejected;
                    }
                    Err(Err(())) => break status,
                }
            }
            _ => {}
        }
    };
    if let Some(human) = human.as_mut() {
        human.viewers(&flow, registry, &produced);
    }
    // The run is over and recorded (its record is written before `run_finished` is sent),
    // and the process ends next: freeing a large flow's results one by one would only keep
    // the user waiting (a few hundred ms at 100,000 nodes). The executor thread ends with
    // the process.
    std::mem::forget(engine);
    std::mem::forget(produced);
    let output_closed = json_closed || human.as_ref().is_some_and(HumanOutput::output_closed);
    let stopped_by = *lock(&stopped_by);
    exit_code(file, status, stopped_by, output_closed, needs_trust)
}

/// Shows one event as a JSON line or for people; true when that found standard output
/// closed just now.
fn show(
    event: &Event,
    json: bool,
    json_closed: &mut bool,
    human: Option<&mut HumanOutput>,
) -> bool {
    if json {
        if *json_closed {
            return false;
        }
        *json_closed = !write_json_line(event);
        return *json_closed;
    }
    let Some(human) = human else {
        return false;
    };
    let was_closed = human.output_closed();
    human.event(event);
    human.output_closed() && !was_closed
}

/// Says why a run did not start (before anything ran); returns the exit code, 2.
fn not_started(file: &Path, error: &str) -> i32 {
    report(format_args!(
        "error: {}: not started: {error}",
        file.display()
    ));
    EXIT_INVALID
}

/// Stops the engine's run on Ctrl-C, `SIGTERM` or `SIGHUP`; tells which came.
fn stop_on_signals(engine: &Engine) -> Arc<Mutex<Option<StopSignal>>> {
    let stopped_by: Arc<Mutex<Option<StopSignal>>> = Arc::default();
    let (handle, seen) = (engine.handle(), stopped_by.clone());
    let installed = signals::on_stop_signal(move |signal| {
        lock(&seen).get_or_insert(signal);
        handle.stop();
    });
    if let Err(err) = installed {
        report(format_args!(
            "warning: a signal will end flowcanvas without stopping the run first: {err}"
        ));
    }
    stopped_by
}

/// The exit code of a run that ended `status` (see docs/cli.md, "Exit codes").
fn exit_code(
    file: &Path,
    status: RunState,
    stopped_by: Option<StopSignal>,
    output_closed: bool,
    needs_trust: usize,
) -> i32 {
    if let Some(signal) = stopped_by {
        signal.exit_code()
    } else if output_closed {
        EXIT_CLOSED_PIPE
    } else if status == RunState::Completed {
        EXIT_OK
    } else if status == RunState::TimedOut {
        super::EXIT_TIMED_OUT
    } else if status == RunState::Paused {
        super::EXIT_PAUSED
    } else if status == RunState::Blocked {
        super::EXIT_BLOCKED
    } else if needs_trust > 0 {
        // A restricted run that left nodes out (a stop keeps its own exit code).
        eprintln!(
            "restricted: {needs_trust} node{} that act{} outside the flow did not run; `flowcanvas plan {}` lists what the flow does",
            if needs_trust == 1 { "" } else { "s" },
            if needs_trust == 1 { "s" } else { "" },
            file.display()
        );
        super::trust_cmd::EXIT_NEEDS_TRUST
    } else {
        EXIT_RUN_PROBLEMS
    }
}

/// A checkpoint the run stopped at, as the prompt shows it.
struct Checkpoint {
    node: NodeId,
    /// The step's name for people.
    name: String,
    message: String,
    /// The previous step's result in a line.
    context: Option<String>,
}

/// Asks about the checkpoint a run without a store waits at, and tells the engine; with
/// no terminal (or a stop) the run is stopped.
fn decide_in_place(
    engine: &Engine,
    run: crate::exec::RunId,
    at: Checkpoint,
    prompt: &mut Prompt,
    stopped: &dyn Fn() -> bool,
    file: &Path,
) {
    let answer = super::checkpoint_prompt::can_ask()
        .then(|| prompt.ask(&at.name, &at.message, at.context.as_deref(), stopped))
        .flatten();
    match answer {
        Some((verdict, comment)) => {
            (engine.handle()).decide(run, Decision::now(at.node, verdict, comment));
        }
        None => {
            report(format_args!(
                "error: {}: the run stopped at the checkpoint before {}, with no terminal to ask and no store to park it in (--no-store); it was stopped",
                file.display(),
                at.name
            ));
            engine.stop();
        }
    }
}

/// Where a parked run is decided.
struct Parked<'a> {
    flow: &'a Flow,
    registry: &'a Registry,
    store: &'a Store,
    base_dir: &'a Path,
    file: &'a Path,
}

impl Parked<'_> {
    /// Asks about the checkpoint the run parked at and applies the answer: the request
    /// that continues the run, or `Err(Ok(summary))` for a run rejected, or `Err(Err(()))`
    /// when no answer came (no terminal: how to decide later is said) or it failed.
    #[allow(
        clippy::result_unit_err,
        reason = "the caller only ends the loop on it"
    )]
    fn ask_and_decide(
        &self,
        at: Checkpoint,
        prompt: &mut Prompt,
        stopped: &dyn Fn() -> bool,
    ) -> Result<RunRequest, Result<String, ()>> {
        let answer = super::checkpoint_prompt::can_ask()
            .then(|| prompt.ask(&at.name, &at.message, at.context.as_deref(), stopped))
            .flatten();
        let Some((verdict, comment)) = answer else {
            if !stopped() {
                report(format_args!(
                    "paused: {} waits for a decision: {}\n  decide with: flowcanvas decide {} approve|reject|skip [--comment TEXT]",
                    at.name,
                    at.message,
                    shell_word(&self.file.display().to_string())
                ));
            }
            return Err(Err(()));
        };
        let decided = decide_parked(
            self.flow,
            self.registry,
            self.store,
            self.base_dir,
            verdict,
            &comment,
        );
        match decided {
            Ok(Decided::Continue(request)) => Ok(*request),
            Ok(Decided::Rejected(record)) => Err(Ok(record.summary.unwrap_or_default())),
            Err(err) => {
                report(format_args!("error: {}: {err}", self.file.display()));
                Err(Err(()))
            }
        }
    }
}

/// Applies a decision to the run parked in `store` (its latest paused run).
fn decide_parked(
    flow: &Flow,
    registry: &Registry,
    store: &Store,
    base_dir: &Path,
    verdict: Verdict,
    comment: &str,
) -> Result<Decided, String> {
    let (runs, _) = store.runs();
    let record = pick_parked(&runs, None).ok_or("the paused run's record is gone")?;
    let (histories, _) = store.histories();
    let decided = decide(
        flow, registry, record, &histories, verdict, comment, base_dir, store,
    );
    decided.map_err(|err| err.to_string())
}

/// The previous step's result in one line, for the context of a decision: `Fetch gave:
/// …` (its main value, cut short).
fn result_line(
    flow: &Flow,
    node: &NodeId,
    produced: &HashMap<String, Arc<Outputs>>,
) -> Option<String> {
    let outputs = produced.get(node.as_str())?;
    let text = crate::results::main_text(outputs);
    let first = text.lines().next().unwrap_or_default();
    let mut shown: String = first.chars().take(200).collect();
    if shown.len() < text.trim_end().len() {
        shown.push('…');
    }
    let name = crate::model::NodeLabels::of(flow).quoted(node);
    Some(format!(
        "  {name} gave: {}",
        crate::trust::visible_controls(&shown)
    ))
}

/// A path as a shell word: quoted when it has anything but plain characters.
fn shell_word(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+,:@".contains(c);
    match text.chars().all(plain) && !text.is_empty() {
        true => text.to_owned(),
        false => format!("'{}'", text.replace('\'', r"'\''")),
    }
}

/// Writes one event as a JSON line; false if standard output is a closed pipe.
fn write_json_line(event: &Event) -> bool {
    let line = match serde_json::to_string(event) {
        Ok(line) => line,
        Err(err) => {
            report(format_args!(
                "error: could not write an event as JSON: {err}"
            ));
            return true;
        }
    };
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{line}").and_then(|()| out.flush()) {
        Err(err) => err.kind() != std::io::ErrorKind::BrokenPipe,
        Ok(()) => true,
    }
}

/// Writes a line to standard error; a closed standard error is no reason to panic mid-run.
fn report(text: std::fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Only an Option is kept inside: a panic elsewhere cannot leave it half-written.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
