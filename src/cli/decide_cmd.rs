//! `flowcanvas decide FILE [RUN] approve|reject|skip`: the decision at the checkpoint a
//! parked run waits at, through the same path the app takes; approve and skip then run the
//! rest of the run here, as `run` would show it.

use std::sync::Arc;

use super::run_cmd::{execute, start_engine};
use super::{load_or_report, DecideArgs, EXIT_INVALID, EXIT_RUN_PROBLEMS};
use crate::exec::{decide as apply_decision, pick_parked, Decided};
use crate::model::Verdict;
use crate::nodes::Registry;
use crate::store::Store;

/// Records the decision and goes on with the run; returns the exit code (`run`'s, for the
/// run's end; 1 for a run rejected).
pub fn decide(args: &DecideArgs) -> i32 {
    let (run, verdict) = match args.words.as_slice() {
        [verdict] => (None, verdict),
        [run, verdict] => (Some(run.as_str()), verdict),
        _ => return EXIT_INVALID,
    };
    let Some(verdict) = Verdict::from_name(verdict).filter(|_| verdict.len() > 1) else {
        eprintln!("error: `{verdict}` is not a decision: use approve, reject or skip");
        return EXIT_INVALID;
    };
    let registry = Arc::new(Registry::builtin());
    let Some(flow) = load_or_report(&args.file, &registry) else {
        return EXIT_INVALID;
    };
    let store = Store::for_flow(&args.file);
    let (runs, problems) = store.runs();
    for problem in &problems {
        eprintln!("warning: result store: {problem}");
    }
    let Some(record) = pick_parked(&runs, run) else {
        match run {
            Some(wanted) => eprintln!(
                "error: {}: no run `{wanted}` in its history (see `flowcanvas runs`)",
                args.file.display()
            ),
            None => eprintln!(
                "error: {}: no run waits for a decision (see `flowcanvas runs`)",
                args.file.display()
            ),
        }
        return EXIT_INVALID;
    };
    let (histories, problems) = store.histories();
    for problem in &problems {
        eprintln!("warning: result store: {problem}");
    }
    let base_dir = crate::fsutil::flow_folder(&args.file);
    let decided = apply_decision(
        &flow,
        &registry,
        record,
        &histories,
        verdict,
        &args.comment,
        base_dir,
        &store,
    );
    match decided {
        Ok(Decided::Rejected(record)) => {
            if !args.json {
                println!("{}", record.summary.as_deref().unwrap_or("Flow rejected"));
            }
            EXIT_RUN_PROBLEMS
        }
        Ok(Decided::Continue(request)) => {
            let Some(engine) = start_engine(&registry) else {
                return EXIT_RUN_PROBLEMS;
            };
            if !args.json {
                println!(
                    "Continuing run {} ({}, {} at the checkpoint)",
                    record.id,
                    record.scope,
                    verdict.past()
                );
            }
            execute(&args.file, &registry, engine, *request, args.json)
        }
        Err(err) => {
            eprintln!("error: {}: {err}", args.file.display());
            EXIT_INVALID
        }
    }
}
