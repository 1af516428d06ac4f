//! `flowcanvas runs FILE`: the run history kept in the flow's result store, and with
//! `--trace` one run's timeline as Chrome trace event JSON.

use std::io::Write;
use std::path::Path;

use super::{RunsArgs, EXIT_CLOSED_PIPE, EXIT_INVALID, EXIT_OK};
use crate::exec::{format_duration_ms, pick_run};
use crate::model::{Flow, NodeLabels};
use crate::nodes::Registry;
use crate::store::{now_ms, RunRecord, Store};
use crate::timeline::trace::{write_trace, TraceRun};
use crate::timeline::Timeline;

/// Lists recorded runs, oldest first and numbered; interrupted runs are marked as such.
/// With `--trace`, writes one run's timeline instead.
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
    if let Some(out) = &args.trace {
        return trace(args, &runs, out);
    }
    if args.transcript {
        return transcript(args, &runs);
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
    if pick_run(&runs, None).is_some() {
        println!(
            "Continue the latest unfinished run with `flowcanvas resume {0}` or `flowcanvas retry {0}`.",
            args.file.display()
        );
    }
    EXIT_OK
}

/// `runs FILE [RUN] --trace OUT`: writes the run's timeline as Chrome trace event JSON, to
/// the file `out` (atomically) or to standard output (`-`).
fn trace(args: &RunsArgs, runs: &[RunRecord], out: &Path) -> i32 {
    let Some(record) = chosen_run(args, runs) else {
        return EXIT_INVALID;
    };
    let number = runs.iter().position(|r| r.id == record.id).map(|i| i + 1);
    let labels = labels(&args.file);
    let timeline = Timeline::of_record(record);
    if timeline.bars.is_empty() && !record.nodes.is_empty() {
        eprintln!(
            "warning: run #{} has no step times (it was recorded by an older flowcanvas, or nothing in it started); the trace has no steps",
            number.unwrap_or(0)
        );
    }
    let flow_name = args.file.file_name().map_or_else(
        || args.file.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    );
    let run = TraceRun::of_record(&flow_name, record, number);
    // Steps of a run still going end now.
    let now_ms = now_ms().saturating_sub(record.started_at_ms) as f64;
    if out == Path::new("-") {
        let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
        let written = write_trace(&mut stdout, &timeline, &labels, &run, now_ms)
            .and_then(|()| stdout.flush());
        return match written {
            Ok(()) => EXIT_OK,
            Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => EXIT_CLOSED_PIPE,
            Err(err) => {
                eprintln!("error: could not write the trace: {err}");
                EXIT_INVALID
            }
        };
    }
    let mut bytes = Vec::new();
    // Writing into memory cannot fail.
    let _ = write_trace(&mut bytes, &timeline, &labels, &run, now_ms);
    if let Err(err) = crate::fsutil::atomic_write(out, &bytes) {
        eprintln!("error: could not write {}: {err}", out.display());
        return EXIT_INVALID;
    }
    println!(
        "Wrote the timeline of run #{} ({} steps in {} lanes) to {} (open it in ui.perfetto.dev or chrome://tracing).",
        number.unwrap_or(0),
        timeline.bars.len(),
        timeline.lanes.len(),
        out.display()
    );
    EXIT_OK
}

/// The run RUN names (the latest without one), or `None` after saying why there is none.
fn chosen_run<'r>(args: &RunsArgs, runs: &'r [RunRecord]) -> Option<&'r RunRecord> {
    let file = args.file.display();
    let picked = match &args.run {
        Some(wanted) => pick_run(runs, Some(wanted)),
        None => runs.last(),
    };
    if picked.is_none() {
        match &args.run {
            Some(wanted) => eprintln!(
                "error: {file}: no run `{wanted}` in its history (see `flowcanvas runs {file}`)"
            ),
            None => eprintln!("error: {file}: no runs recorded yet"),
        }
    }
    picked
}

/// `runs FILE [RUN] --transcript`: each step of the run, in plan order, with how it ended
/// and what it streamed: decisions at its checkpoint, failed attempts after `↻`, notes on its
/// work (HTTP requests) after `·`, standard output after `│`, standard error after `!`.
fn transcript(args: &RunsArgs, runs: &[RunRecord]) -> i32 {
    let Some(record) = chosen_run(args, runs) else {
        return EXIT_INVALID;
    };
    let number = runs
        .iter()
        .position(|r| r.id == record.id)
        .map_or(0, |i| i + 1);
    let labels = labels(&args.file);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut lines = vec![format!(
        "Run #{number} ({}): {}",
        record.status.label(),
        record.summary.as_deref().unwrap_or("did not finish")
    )];
    for (index, node) in record.nodes.iter().enumerate() {
        let status = node.status.map_or("did not finish", |s| s.label());
        let mut line = format!("[{}] {} — {status}", index + 1, labels.name(&node.node));
        if let Some(took) = node.elapsed_ms.map(format_duration_ms) {
            line.push_str(&format!(" {took}"));
        }
        if let Some(note) = node.note.as_deref().and_then(|n| n.lines().next()) {
            line.push_str(&format!(": {note}"));
        }
        lines.push(line);
        let name = labels.name(&node.node);
        lines
            .extend((record.step_transcript(node, &name).iter()).map(|line| format!("    {line}")));
    }
    for line in lines {
        if let Err(err) = writeln!(out, "{line}") {
            return match err.kind() {
                std::io::ErrorKind::BrokenPipe => EXIT_CLOSED_PIPE,
                _ => EXIT_INVALID,
            };
        }
    }
    match out.flush() {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => EXIT_CLOSED_PIPE,
        _ => EXIT_OK,
    }
}

/// The names of the flow's nodes, for the trace; ids (with a warning) when the flow cannot
/// be read.
fn labels(file: &Path) -> NodeLabels {
    match crate::format::load(file, &Registry::builtin()) {
        Ok(flow) => NodeLabels::of(&flow),
        Err(err) => {
            let first = err.lines().into_iter().next().unwrap_or_default();
            eprintln!(
                "warning: {}: the flow cannot be read ({first}); steps are named by id",
                file.display()
            );
            NodeLabels::of(&Flow::default())
        }
    }
}
