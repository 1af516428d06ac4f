//! `flowcanvas runs FILE`: the run history kept in the flow's result store.

use super::{RunsArgs, EXIT_INVALID, EXIT_OK};
use crate::exec::format_duration_ms;
use crate::store::{RecordStatus, Store};

/// Lists recorded runs, oldest first; interrupted runs are marked as such.
pub fn runs(args: &RunsArgs) -> i32 {
    if !args.file.exists() {
        eprintln!("error: {}: no such file", args.file.display());
        return EXIT_INVALID;
    }
    let store = Store::for_flow(&args.file);
    let (runs, problems) = store.runs();
    for problem in &problems {
        eprintln!("warning: result store: {problem}");
    }
    if args.json {
        for run in &runs {
            match serde_json::to_string(run) {
                Ok(line) => println!("{line}"),
                Err(err) => eprintln!("error: could not write a run as JSON: {err}"),
            }
        }
        return EXIT_OK;
    }
    if runs.is_empty() {
        println!("No runs recorded for {} yet.", args.file.display());
        return EXIT_OK;
    }
    for run in &runs {
        let status = match run.status {
            RecordStatus::Running => "running",
            RecordStatus::Done => "done",
            RecordStatus::Partial => "partial",
            RecordStatus::Failed => "failed",
            RecordStatus::Cancelled => "cancelled",
            RecordStatus::Interrupted => "interrupted",
        };
        let took = run
            .finished_at_ms
            .map(|end| format_duration_ms(end.saturating_sub(run.started_at_ms) as f64))
            .unwrap_or_default();
        let summary = run.summary.clone().unwrap_or_default();
        println!(
            "{}  {status:<11} {}, mode {}  {took}  {summary}",
            run.id, run.scope, run.mode
        );
    }
    EXIT_OK
}
