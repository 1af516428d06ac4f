//! `flowcanvas run FILE`: runs a flow headless through the engine and shows it live.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::human::HumanOutput;
use super::{
    apply_set, base_dir_of, load_or_report, RunArgs, EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK,
    EXIT_RUN_PROBLEMS,
};
use crate::exec::{Engine, Event, RunRequest, RunStatus};
use crate::nodes::{Outputs, Registry};

/// Runs the flow; returns the exit code.
pub fn run(args: &RunArgs) -> i32 {
    let registry = Arc::new(Registry::builtin());
    let Some(flow) = load_or_report(&args.file, &registry) else {
        return EXIT_INVALID;
    };
    let Some((flow, inputs)) = apply_set(&flow, &registry, &args.file, &args.target.set) else {
        return EXIT_INVALID;
    };
    let flow = Arc::new(flow);
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

    let mut request = RunRequest::new(flow.clone(), base_dir_of(&args.file))
        .scope(args.target.scope())
        .mode(args.target.mode.into())
        .store(args.target.store(&args.file));
    request.inputs = inputs;
    let run_id = engine.submit(request);
    let stdout = std::io::stdout();
    let mut human = (!args.json)
        .then(|| HumanOutput::new(args.file.display().to_string(), stdout.is_terminal()));
    let mut produced: HashMap<String, Arc<Outputs>> = HashMap::new();

    let status = loop {
        let Some(event) = engine.recv() else {
            eprintln!("error: the executor stopped unexpectedly");
            return EXIT_RUN_PROBLEMS;
        };
        if event.run() != run_id {
            continue;
        }
        if args.json {
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
                eprintln!("error: {}: {error}", args.file.display());
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
        human.viewers(&flow, &registry, &produced);
    }
    if interrupted.load(Ordering::SeqCst) {
        EXIT_INTERRUPTED
    } else if status == RunStatus::Done {
        EXIT_OK
    } else {
        EXIT_RUN_PROBLEMS
    }
}
