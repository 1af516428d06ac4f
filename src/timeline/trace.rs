//! A run's timeline as Chrome trace event JSON, which Perfetto (ui.perfetto.dev) and
//! chrome://tracing open: one thread per lane, a complete event (`"ph": "X"`, microseconds)
//! per segment, named by the step's title, with its status, plan position, wait and output
//! sizes as arguments; metadata events (`"ph": "M"`) name the process after the flow file
//! and the threads `lane 1`, `lane 2`, …. The format is described in docs/cli.md.

use std::io::{self, Write};

use serde_json::{json, Map, Value as Json};

use super::{Bar, SegmentKind, Timeline};
use crate::model::NodeLabels;
use crate::store::RunRecord;

/// The trace's one process id (a trace holds one run).
const PID: u32 = 1;

/// What a trace says about the run besides its timeline.
#[derive(Clone, Copy, Debug, Default)]
pub struct TraceRun<'a> {
    /// The process's name: the flow's file name.
    pub flow: &'a str,
    /// The run's id, when it was recorded.
    pub run: Option<&'a str>,
    /// The run's number in the flow's history (`flowcanvas runs`), from 1.
    pub number: Option<usize>,
    /// When it started, in milliseconds since the Unix epoch.
    pub started_at_ms: Option<u64>,
    /// How it stands (`completed`, `failed`, `running`, …).
    pub status: Option<&'a str>,
    /// Its summary line.
    pub summary: Option<&'a str>,
}

impl<'a> TraceRun<'a> {
    /// What a trace says about a recorded run: `flow` is the flow's file name, `number` the
    /// run's number in the flow's history.
    pub fn of_record(flow: &'a str, record: &'a RunRecord, number: Option<usize>) -> Self {
        Self {
            flow,
            run: Some(&record.id),
            number,
            started_at_ms: Some(record.started_at_ms),
            status: Some(record.status.label()),
            summary: record.summary.as_deref(),
        }
    }
}

/// Microseconds from milliseconds, to the nanosecond.
fn micros(ms: f64) -> f64 {
    (ms * 1e6).round() / 1e3
}

/// Milliseconds, to the microsecond.
fn millis(ms: f64) -> f64 {
    (ms * 1e3).round() / 1e3
}

/// The thread of a lane (0 is left to the process).
fn tid(lane: usize) -> usize {
    lane + 1
}

/// The trace's events: the metadata, then each bar's segments in plan order. Segments still
/// going on (a live run) end at `now_ms`, in milliseconds from the run's start.
pub fn trace_events(
    timeline: &Timeline,
    labels: &NodeLabels,
    run: &TraceRun<'_>,
    now_ms: f64,
) -> Vec<Json> {
    let mut events = vec![json!({
        "ph": "M", "pid": PID, "tid": 0, "name": "process_name",
        "args": {"name": run.flow},
    })];
    for lane in 0..timeline.lanes.len() {
        events.push(json!({
            "ph": "M", "pid": PID, "tid": tid(lane), "name": "thread_name",
            "args": {"name": format!("lane {}", lane + 1)},
        }));
        events.push(json!({
            "ph": "M", "pid": PID, "tid": tid(lane), "name": "thread_sort_index",
            "args": {"sort_index": lane + 1},
        }));
    }
    for bar in &timeline.bars {
        bar_events(bar, labels, now_ms, &mut events);
    }
    events
}

/// A bar's complete events: its wait, then its work.
fn bar_events(bar: &Bar, labels: &NodeLabels, now_ms: f64, events: &mut Vec<Json>) {
    let name = labels.name(&bar.node);
    for segment in &bar.segments {
        let end_ms = segment.end_or(now_ms);
        let mut args = Map::new();
        args.insert("node".into(), json!(bar.node.as_str()));
        args.insert("order".into(), json!(bar.order));
        args.insert("status".into(), json!(bar.status_label()));
        let (name, category) = match segment.kind {
            SegmentKind::Wait => {
                args.insert(
                    "waiting".into(),
                    json!("ready, but not started: no free slot (the run's parallelism or its kind's limit), or the run was paused"),
                );
                (format!("{name} (waiting)"), "wait")
            }
            SegmentKind::Work => {
                args.insert("waited_ms".into(), json!(millis(bar.waited_ms(now_ms))));
                if !bar.output_bytes.is_empty() {
                    args.insert("output_bytes".into(), json!(bar.output_bytes));
                }
                if let Some(note) = &bar.note {
                    args.insert("note".into(), json!(note));
                }
                (name.to_string(), "step")
            }
        };
        events.push(json!({
            "ph": "X", "pid": PID, "tid": tid(bar.lane),
            "name": name, "cat": category,
            "ts": micros(segment.start_ms),
            "dur": micros(end_ms - segment.start_ms),
            "args": args,
        }));
    }
}

/// The trace's `otherData`: the run, and the planned nodes that are not on the timeline.
fn other_data(timeline: &Timeline, labels: &NodeLabels, run: &TraceRun<'_>) -> Json {
    let not_run: Vec<Json> = (timeline.not_run.iter())
        .map(|n| {
            json!({
                "node": n.node.as_str(),
                "name": labels.name(&n.node),
                "status": super::status_label(n.status),
                "note": n.note,
            })
        })
        .collect();
    json!({
        "flow": run.flow,
        "run": run.run,
        "run_number": run.number,
        "started_at_ms": run.started_at_ms,
        "status": run.status,
        "summary": run.summary,
        "lanes": timeline.lanes.len(),
        "not_run": not_run,
    })
}

/// Writes the trace as one JSON object (`traceEvents`, `displayTimeUnit`, `otherData`), one
/// event per line, so a large trace streams and `head` shows its start.
pub fn write_trace(
    out: &mut impl Write,
    timeline: &Timeline,
    labels: &NodeLabels,
    run: &TraceRun<'_>,
    now_ms: f64,
) -> io::Result<()> {
    out.write_all(b"{\"traceEvents\":[\n")?;
    let events = trace_events(timeline, labels, run, now_ms);
    for (index, event) in events.iter().enumerate() {
        serde_json::to_writer(&mut *out, event)?;
        out.write_all(if index + 1 < events.len() {
            b",\n"
        } else {
            b"\n"
        })?;
    }
    out.write_all(b"],\n\"displayTimeUnit\":\"ms\",\n\"otherData\":")?;
    serde_json::to_writer(&mut *out, &other_data(timeline, labels, run))?;
    out.write_all(b"}\n")
}

/// The trace as text (see [`write_trace`]).
pub fn trace_text(
    timeline: &Timeline,
    labels: &NodeLabels,
    run: &TraceRun<'_>,
    now_ms: f64,
) -> String {
    let mut out = Vec::new();
    // Writing into memory cannot fail.
    let _ = write_trace(&mut out, timeline, labels, run, now_ms);
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Flow, Node, NodeId};
    use crate::status::NodeStatus;
    use crate::timeline::StepTimes;

    fn step(id: &str, ready: f64, started: f64, ended: Option<f64>) -> StepTimes {
        StepTimes {
            node: NodeId::from(id),
            order: 1,
            status: Some(match ended {
                Some(_) => NodeStatus::Succeeded,
                None => NodeStatus::Running,
            }),
            ready_ms: Some(ready),
            started_ms: Some(started),
            ended_ms: ended,
            output_bytes: [("stdout".to_owned(), 12)].into_iter().collect(),
            note: None,
        }
    }

    #[test]
    fn the_trace_parses_with_a_thread_per_lane_and_an_event_per_segment() {
        let timeline = Timeline::build(
            vec![
                step("a", 0.0, 0.0, Some(2.0)),
                step("b", 0.0, 2.0, Some(3.5)),
                step("c", 1.0, 1.0, None),
            ],
            None,
        );
        let mut flow = Flow::default();
        let mut node = Node::new("a", "shell");
        node.title = "Fetch prices".into();
        flow.nodes.push(node);
        let labels = NodeLabels::of(&flow);
        let run = TraceRun {
            flow: "prices.flow",
            ..TraceRun::default()
        };
        let text = trace_text(&timeline, &labels, &run, 4.0);
        let trace: Json = serde_json::from_str(&text).unwrap();
        let events = trace["traceEvents"].as_array().unwrap();
        let named = |name: &str| {
            (events.iter())
                .filter(|e| e["name"] == name)
                .map(|e| e["args"]["name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(named("process_name"), ["prices.flow"]);
        assert_eq!(named("thread_name"), ["lane 1", "lane 2", "lane 3"]);
        let complete: Vec<(&str, &str, u64, f64, f64)> = (events.iter())
            .filter(|e| e["ph"] == "X")
            .map(|e| {
                (
                    e["name"].as_str().unwrap(),
                    e["cat"].as_str().unwrap(),
                    e["tid"].as_u64().unwrap(),
                    e["ts"].as_f64().unwrap(),
                    e["dur"].as_f64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            complete,
            [
                ("Fetch prices", "step", 1, 0.0, 2000.0),
                ("b (waiting)", "wait", 2, 0.0, 2000.0),
                ("b", "step", 2, 2000.0, 1500.0),
                // Still running: it ends at `now`.
                ("c", "step", 3, 1000.0, 3000.0),
            ]
        );
        let b = &events.iter().find(|e| e["name"] == "b").unwrap()["args"];
        assert_eq!(b["status"], "succeeded");
        assert_eq!(b["waited_ms"], 2.0);
        assert_eq!(b["output_bytes"]["stdout"], 12);
        assert_eq!(trace["otherData"]["lanes"], 3);
        assert_eq!(trace["displayTimeUnit"], "ms");
        // One event per line: the first lines are whole objects.
        assert!(text.lines().nth(1).unwrap().starts_with("{\"ph\":\"M\""));
    }
}
