//! `flowcanvas runs FILE`: the run history kept in the flow's result store.

use super::{RunsArgs, EXIT_INVALID, EXIT_OK};
use crate::exec::format_duration_ms;
use crate::store::Store;

/// Lists recorded runs, oldest first and numbered; interrupted runs are marked as such.
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
    for (index, run) in runs.iter().enumerate() {
        let took = run
            .finished_at_ms
            .map(|end| format_duration_ms(end.saturating_sub(run.started_at_ms) as f64))
            .unwrap_or_default();
        let summary = run.summary.clone().unwrap_or_default();
        let continues = run
            .continues
            .as_ref()
            .and_then(|c| {
                let number = runs.iter().position(|r| r.id == c.run)? + 1;
                Some(format!("  ({} of #{number})", c.how.label()))
            })
            .unwrap_or_default();
        println!(
            "#{:<3} {}  {:<11} {}, mode {}  {took}  {summary}{continues}",
            index + 1,
            run.id,
            run.status.label(),
            run.scope,
            run.mode
        );
    }
    if crate::exec::pick_run(&runs, None).is_some() {
        println!(
            "Continue the latest unfinished run with `flowcanvas resume {0}` or `flowcanvas retry {0}`.",
            args.file.display()
        );
    }
    EXIT_OK
}
