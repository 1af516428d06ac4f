//! `flowcanvas run FILE` (and `resume`/`retry`): runs a flow headless through the engine
//! and shows it live.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::human::HumanOutput;
use super::{
    apply_set, base_dir_of, load_or_report, ContinueArgs, RunArgs, EXIT_INTERRUPTED, EXIT_INVALID,
    EXIT_OK, EXIT_RUN_PROBLEMS,
};
use crate::exec::{continue_run, pick_run, Engine, Event, RunRequest, RunStatus};
use crate::nodes::{Outputs, Registry};
use crate::store::{ContinueHow, Store};

/// Runs the flow; returns the exit code.
pub fn run(args: &RunArgs) -> i32 {
    let asked_at = std::time::Instant::now();
    let registry = Arc::new(Registry::builtin());
    let Some(flow) = load_or_report(&args.file, &registry) else {
        return EXIT_INVALID;
    };
    let Some((flow, inputs)) = apply_set(&flow, &registry, &args.file, &args.target.set) else {
        return EXIT_INVALID;
    };
    let flow = Arc::new(flow);
    let mut request = RunRequest::new(flow, base_dir_of(&args.file))
        .scope(args.target.scope())
        .mode(args.target.mode.into())
        .store(args.target.store(&args.file));
    request.inputs = inputs;
    if args.target.items.contains(&0) {
        eprintln!("error: --items counts from 1");
        return EXIT_INVALID;
    }
    request.items = args.target.items.iter().map(|n| n - 1).collect();
    request.asked_at = Some(asked_at);
    execute(&args.file, &registry, request, args.json)
}

/// Resumes or retries a recorded run that did not complete; returns the exit code.
pub fn continue_cmd(args: &ContinueArgs, how: ContinueHow) -> i32 {
    let asked_at = std::time::Instant::now();
    let registry = Arc::new(Registry::builtin());
    let Some(flow) = load_or_report(&args.file, &registry) else {
        return EXIT_INVALID;
    };
    let store = Store::for_flow(&args.file);
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
            None => eprintln!(
                "error: {}: every recorded run completed; there is nothing to {}",
                args.file.display(),
                how.label()
            ),
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
        base_dir_of(&args.file),
        Some(store.clone()),
    ) {
        Ok(mut request) => {
            request.asked_at = Some(asked_at);
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
            execute(&args.file, &registry, request, args.json)
        }
        Err(err) => {
            eprintln!("error: {}: {err}", args.file.display());
            EXIT_INVALID
        }
    }
}

/// Runs one request to its end, showing it live (or as JSON lines); returns the exit code.
fn execute(file: &Path, registry: &Arc<Registry>, request: RunRequest, json: bool) -> i32 {
    let flow = request.flow.clone();
    let mut engine = match Engine::start(registry.clone()) {
        Ok(engine) => engine,
        Err(err) => {
            eprintln!("error: could not start the executor: {err}");
            return EXIT_RUN_PROBLEMS;
        }
    };

    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let (handle, interrupted) = (engine.handle(), interrupted.clone());
        // Only one handler per process: a second `run` in the same process keeps the first.
        let _ = ctrlc::set_handler(move || {
            interrupted.store(true, Ordering::SeqCst);
            handle.stop();
        });
    }

    let run_id = engine.submit(request);
    let stdout = std::io::stdout();
    let mut human =
        (!json).then(|| HumanOutput::new(file.display().to_string(), stdout.is_terminal()));
    let mut produced: HashMap<String, Arc<Outputs>> = HashMap::new();

    let status = loop {
        let Some(event) = engine.recv() else {
            eprintln!("error: the executor stopped unexpectedly");
            return EXIT_RUN_PROBLEMS;
        };
        if event.run() != run_id {
            continue;
        }
        if json {
            let mut out = stdout.lock();
            match serde_json::to_string(&event) {
                Ok(line) => {
                    let _ = writeln!(out, "{line}");
                    let _ = out.flush();
                }
                Err(err) => eprintln!("error: could not write an event as JSON: {err}"),
            }
        } else if let Some(human) = human.as_mut() {
            human.event(&event);
        }
        match event {
            Event::RunRejected { error, .. } => {
                eprintln!("error: {}: {error}", file.display());
                return EXIT_INVALID;
            }
            Event::NodeFinished { node, outputs, .. } => {
                produced.insert(node.to_string(), outputs);
            }
            Event::RunFinished { status, .. } => break status,
            _ => {}
        }
    };
    if let Some(human) = human.as_mut() {
        human.viewers(&flow, registry, &produced);
    }
    if interrupted.load(Ordering::SeqCst) {
        EXIT_INTERRUPTED
    } else if status == RunStatus::Done {
        EXIT_OK
    } else {
        EXIT_RUN_PROBLEMS
    }
}
