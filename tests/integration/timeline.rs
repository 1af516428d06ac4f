//! A run's timeline (issue 13): the times runs record for each step, and
//! `flowcanvas runs FILE RUN --trace OUT` writing them as Chrome trace event JSON.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value as Json;

use crate::cli::{flowcanvas, json_lines, stderr, stdout};

const BIN: &str = env!("CARGO_BIN_EXE_flowcanvas");

/// `flowcanvas runs FILE ARGS…`.
fn runs(file: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("runs")
        .arg(file)
        .args(args)
        .output()
        .unwrap()
}

/// Two independent `sleep` steps and one after both, titled.
const PARALLEL: &str = r#"Flow(
    version: 1,
    nodes: [
        Node(id: "left", kind: "shell", title: "Left sleep", params: {"command": "sleep 0.3; echo left"}),
        Node(id: "right", kind: "shell", title: "Right sleep", params: {"command": "sleep 0.3; echo right"}),
        Node(id: "join", kind: "template", title: "Join both", params: {"template": "{a} {b}", "vars": ["a", "b"]}),
    ],
    edges: ["left.stdout -> join.a", "right.stdout -> join.b"],
)
"#;

fn flow_file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("par.flow");
    std::fs::write(&file, text).unwrap();
    (dir, file)
}

/// A complete event of a trace: its name, category, thread, start and end (µs).
#[derive(Debug)]
struct Slice {
    name: String,
    cat: String,
    tid: u64,
    start: f64,
    end: f64,
    args: Json,
}

fn slices(trace: &Json) -> Vec<Slice> {
    (trace["traceEvents"].as_array().unwrap().iter())
        .filter(|e| e["ph"] == "X")
        .map(|e| {
            let start = e["ts"].as_f64().unwrap();
            Slice {
                name: e["name"].as_str().unwrap().to_owned(),
                cat: e["cat"].as_str().unwrap().to_owned(),
                tid: e["tid"].as_u64().unwrap(),
                start,
                end: start + e["dur"].as_f64().unwrap(),
                args: e["args"].clone(),
            }
        })
        .collect()
}

fn step<'a>(slices: &'a [Slice], name: &str) -> &'a Slice {
    (slices.iter())
        .find(|s| s.cat == "step" && s.name == name)
        .unwrap_or_else(|| panic!("no step `{name}` in {slices:#?}"))
}

fn metadata(trace: &Json, name: &str) -> Vec<(u64, String)> {
    (trace["traceEvents"].as_array().unwrap().iter())
        .filter(|e| e["ph"] == "M" && e["name"] == name)
        .map(|e| {
            let tid = e["tid"].as_u64().unwrap();
            (tid, e["args"]["name"].as_str().unwrap().to_owned())
        })
        .collect()
}

fn read_trace(path: &Path) -> Json {
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn timeline_trace_of_a_parallel_run_has_overlapping_lanes_titles_and_statuses() {
    let (dir, file) = flow_file(PARALLEL);
    let run = flowcanvas(&["run", "--json", "--parallel", "2"], &file);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    // Each node_started says when the step started and since when it was ready.
    for event in json_lines(&run)
        .iter()
        .filter(|e| e["event"] == "node_started")
    {
        let (at, ready) = (event["at_ms"].as_f64(), event["ready_ms"].as_f64());
        assert!(
            matches!((at, ready), (Some(at), Some(ready)) if ready <= at),
            "{event}"
        );
    }

    let out = dir.path().join("out.json");
    let traced = runs(&file, &["1", "--trace", out.to_str().unwrap()]);
    assert_eq!(traced.status.code(), Some(0), "{}", stderr(&traced));
    assert!(
        stdout(&traced).contains("3 steps in 2 lanes"),
        "{}",
        stdout(&traced)
    );
    let trace = read_trace(&out);
    let all = slices(&trace);
    let (left, right, join) = (
        step(&all, "Left sleep"),
        step(&all, "Right sleep"),
        step(&all, "Join both"),
    );
    assert_ne!(left.tid, right.tid, "the parallel steps are in two lanes");
    assert!(
        left.start < right.end && right.start < left.end,
        "the parallel steps overlap: {left:?} {right:?}"
    );
    assert!(
        join.start >= left.end && join.start >= right.end,
        "the dependent step starts after both: {join:?}"
    );
    for slice in [left, right, join] {
        assert_eq!(slice.args["status"], "succeeded", "{slice:?}");
    }
    assert_eq!(left.args["node"], "left");
    assert_eq!(
        left.args["output_bytes"]["stdout"], 5,
        "`left` and a newline"
    );
    assert_eq!(join.args["output_bytes"]["text"], 12);
    assert_eq!(
        metadata(&trace, "process_name"),
        [(0, "par.flow".to_owned())]
    );
    assert_eq!(
        metadata(&trace, "thread_name"),
        [(1, "lane 1".to_owned()), (2, "lane 2".to_owned())]
    );
    assert_eq!(trace["otherData"]["run_number"], 1);
    assert_eq!(trace["otherData"]["status"], "completed");

    // `#1`, the run's id and no RUN at all (the latest) name the same run; `-` writes the
    // same trace to standard output.
    let id = trace["otherData"]["run"].as_str().unwrap().to_owned();
    for run in [vec!["#1"], vec![id.as_str()], vec![]] {
        let output = runs(&file, &[&run[..], &["--trace", "-"]].concat());
        assert_eq!(
            output.status.code(),
            Some(0),
            "{run:?}: {}",
            stderr(&output)
        );
        let piped: Json = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(piped, trace, "{run:?}");
    }
}

#[test]
fn timeline_trace_shows_a_step_waiting_for_the_only_slot() {
    let (dir, file) = flow_file(PARALLEL);
    let run = flowcanvas(&["run", "--parallel", "1"], &file);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let out = dir.path().join("waits.json");
    let traced = runs(&file, &["--trace", out.to_str().unwrap()]);
    assert_eq!(traced.status.code(), Some(0), "{}", stderr(&traced));
    let all = slices(&read_trace(&out));
    let (left, right) = (step(&all, "Left sleep"), step(&all, "Right sleep"));
    assert!(right.start >= left.end, "one at a time: {left:?} {right:?}");
    // `right` was ready when the run began, and waited for `left` to free the slot: its
    // wait is a slice of its own, in its lane, ending where its work starts.
    let wait = (all.iter())
        .find(|s| s.cat == "wait" && s.name == "Right sleep (waiting)")
        .unwrap_or_else(|| panic!("no wait in {all:#?}"));
    assert_eq!(wait.tid, right.tid);
    assert!(wait.start <= left.start, "{wait:?} {left:?}");
    assert!((wait.end - right.start).abs() < 0.01, "{wait:?} {right:?}");
    assert!(right.args["waited_ms"].as_f64().unwrap() > 0.0);
    assert!(
        !all.iter()
            .any(|s| s.cat == "wait" && s.name.starts_with("Left")),
        "the first step did not wait"
    );
}

#[test]
fn timeline_trace_refuses_an_unknown_run_and_a_run_without_trace() {
    let (dir, file) = flow_file(PARALLEL);
    let out = dir.path().join("none.json");
    let none = runs(&file, &["--trace", out.to_str().unwrap()]);
    assert_eq!(none.status.code(), Some(2));
    assert!(
        stderr(&none).contains("no runs recorded yet"),
        "{}",
        stderr(&none)
    );
    assert!(flowcanvas(&["run"], &file).status.success());
    let unknown = runs(&file, &["7", "--trace", out.to_str().unwrap()]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("no run `7`"),
        "{}",
        stderr(&unknown)
    );
    assert!(
        !out.exists(),
        "nothing is written for a run that is not there"
    );
    let without = runs(&file, &["1"]);
    assert_eq!(without.status.code(), Some(2), "RUN needs --trace");
}
