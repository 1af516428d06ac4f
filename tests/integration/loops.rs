//! Loops: For each runs a flow once per item, one after another, carrying a value from
//! each iteration to the next and collecting the outputs; Repeat until runs it again,
//! feeding an output back, until a test holds, failing at its most runs.

use std::path::Path;

use serde_json::Value as Json;

use crate::subflows::{outputs_of, run, write};

/// Appends `Item` to `Acc`: `Acc` (marked) is carried; `Seen` (marked) is the item alone.
const APPEND: &str = r#"Flow(version: 1, nodes: [
    Node(id: "item", kind: "text", title: "Item", params: {"text": ""}, promote: Some(Promotion(label: "Item"))),
    Node(id: "acc", kind: "text", title: "Acc in", params: {"text": ""}, promote: Some(Promotion(label: "Acc", order: 1))),
    Node(id: "join", kind: "template", title: "Acc", params: {"template": "{a}{i}", "vars": ["a", "i"]}, output: true),
    Node(id: "seen", kind: "viewer", title: "Seen", output: true),
], edges: ["acc.text -> join.a", "item.text -> join.i", "item.text -> seen.in"])"#;

fn for_each_flow(dir: &Path, list: &str) -> std::path::PathBuf {
    write(dir, "parts/append.flow", APPEND);
    write(
        dir,
        "main.flow",
        &format!(
            r#"Flow(version: 1, nodes: [
    Node(id: "list", kind: "text", title: "List", params: {{"text": "{list}"}}),
    Node(id: "each", kind: "for_each", title: "Each", params: {{"flow": "parts/append.flow", "item": "Item", "carry": "Acc"}}, values: {{"initial": ">"}}),
], edges: ["list.text -> each.list"])"#
        ),
    )
}

fn iterations(events: &[Json]) -> Vec<(u64, Option<u64>)> {
    events
        .iter()
        .filter(|e| e["event"] == "node_progress" && e["progress"]["type"] == "iteration")
        .map(|e| {
            (
                e["progress"]["iteration"].as_u64().unwrap(),
                e["progress"]["total"].as_u64(),
            )
        })
        .collect()
}

#[test]
fn for_each_runs_the_items_in_order_carrying_a_value_and_collects_the_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let file = for_each_flow(dir.path(), "a\\nb\\nc");
    let (code, events) = run(&file, &["--no-store"]);
    assert_eq!(code, Some(0), "{:?}", events);
    let out = outputs_of(&events, "each");
    assert_eq!(out["carried"]["value"], ">abc", "{out}");
    let results: Vec<Json> = out["results"]["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["value"].clone())
        .collect();
    let accs: Vec<&str> = results.iter().map(|r| r["Acc"].as_str().unwrap()).collect();
    assert_eq!(accs, [">a", ">ab", ">abc"], "{results:?}");
    let seen: Vec<&str> = results
        .iter()
        .map(|r| r["Seen"].as_str().unwrap())
        .collect();
    assert_eq!(seen, ["a", "b", "c"]);
    assert_eq!(
        iterations(&events),
        [(1, Some(3)), (2, Some(3)), (3, Some(3))]
    );
    // One at a time: every inner step of an iteration ends before the next begins.
    let mut last_iteration = 0;
    let mut running = 0i32;
    for event in &events {
        if event["event"] != "node_progress" {
            continue;
        }
        let progress = &event["progress"];
        match progress["type"].as_str().unwrap() {
            "iteration" => {
                assert_eq!(running, 0, "an iteration began while another ran");
                last_iteration = progress["iteration"].as_u64().unwrap();
            }
            "member" => {
                assert_eq!(progress["iteration"].as_u64(), Some(last_iteration));
                match progress["status"].as_str().unwrap() {
                    "running" => running += 1,
                    _ => running -= 1,
                }
            }
            _ => {}
        }
    }
}

#[test]
fn for_each_over_no_items_gives_an_empty_list_and_the_initial_value() {
    let dir = tempfile::tempdir().unwrap();
    let file = for_each_flow(dir.path(), "");
    let (code, events) = run(&file, &["--no-store"]);
    assert_eq!(code, Some(0), "{:?}", events);
    let out = outputs_of(&events, "each");
    assert_eq!(out["results"]["value"], Json::Array(Vec::new()));
    assert_eq!(out["carried"]["value"], ">");
}

/// Adds one to `N`; `N` is marked and fed back.
const COUNT_UP: &str = r#"Flow(version: 1, nodes: [
    Node(id: "n", kind: "number", title: "N in", params: {"value": 0}, promote: Some(Promotion(label: "N"))),
    Node(id: "add", kind: "script", title: "N", params: {"script": "n + 1", "vars": ["n"]}, output: true),
], edges: ["n.value -> add.n"])"#;

fn repeat_flow(dir: &Path, test: &str, operand: &str, max: u32) -> std::path::PathBuf {
    write(dir, "count_up.flow", COUNT_UP);
    write(
        dir,
        "main.flow",
        &format!(
            r#"Flow(version: 1, nodes: [
    Node(id: "loop", kind: "repeat_until", title: "Count up", params: {{"flow": "count_up.flow", "test": "{test}", "operand": "{operand}", "max_iterations": {max}}}, values: {{"start": 0}}),
], edges: [])"#
        ),
    )
}

#[test]
fn repeat_until_feeds_its_output_back_and_stops_when_the_test_holds() {
    let dir = tempfile::tempdir().unwrap();
    let file = repeat_flow(dir.path(), "greater_or_equal", "4", 10);
    let (code, events) = run(&file, &["--no-store"]);
    assert_eq!(code, Some(0), "{:?}", events);
    let out = outputs_of(&events, "loop");
    assert_eq!(out["result"]["value"], 4.0, "{out}");
    assert_eq!(out["iterations"]["value"], 4.0);
    let history: Vec<f64> = out["history"]["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["value"].as_f64().unwrap())
        .collect();
    assert_eq!(history, [1.0, 2.0, 3.0, 4.0]);
    assert_eq!(
        iterations(&events),
        [(1, None), (2, None), (3, None), (4, None)]
    );
}

#[test]
fn repeat_until_fails_clearly_at_its_most_runs() {
    let dir = tempfile::tempdir().unwrap();
    let file = repeat_flow(dir.path(), "greater", "100", 5);
    let (code, events) = run(&file, &["--no-store"]);
    assert_eq!(code, Some(1), "{events:?}");
    let failed = events
        .iter()
        .find(|e| e["event"] == "node_failed" && e["node"] == "loop")
        .unwrap();
    let error = failed["error"].as_str().unwrap();
    assert!(error.contains("most runs allowed (5)"), "{error}");
    assert!(error.contains("last value: 5"), "{error}");
    assert_eq!(iterations(&events).len(), 5);
}

/// A For each over three items whose inner step runs `command` (then echoes the item).
fn slow_loop(command: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let inner = r#"Flow(version: 1, nodes: [
    Node(id: "item", kind: "text", title: "Item", params: {"text": ""}, promote: Some(Promotion(label: "Item"))),
    Node(id: "wait", kind: "shell", title: "Wait", params: {"command": "COMMAND; cat"}, output: true),
], edges: ["item.text -> wait.stdin"])"#;
    write(dir.path(), "slow.flow", &inner.replace("COMMAND", command));
    let file = write(
        dir.path(),
        "main.flow",
        r#"Flow(version: 1, nodes: [
    Node(id: "list", kind: "text", title: "List", params: {"text": "a\nb\nc"}),
    Node(id: "each", kind: "for_each", title: "Each", params: {"flow": "slow.flow"}),
], edges: ["list.text -> each.list"])"#,
    );
    (dir, file)
}

#[test]
fn a_run_time_limit_stops_a_loop_within_its_iteration() {
    let (_dir, file) = slow_loop("sleep 30");
    let (code, events) = run(&file, &["--no-store", "--timeout", "1s"]);
    assert_ne!(code, Some(0));
    let end = events.last().unwrap();
    assert_eq!(end["status"], "timed_out", "{end}");
    assert_eq!(
        iterations(&events),
        [(1, Some(3))],
        "no iteration after the stop"
    );
}

#[test]
fn cancel_lets_the_running_iteration_finish_and_starts_no_other() {
    use flowcanvas::exec::{Engine, Event, NodeStatus, RunRequest, RunState};
    use flowcanvas::nodes::{Progress, Registry};
    use std::sync::Arc;

    let (dir, file) = slow_loop("sleep 0.5");
    let registry = Arc::new(Registry::builtin());
    let flow = Arc::new(flowcanvas::format::load(&file, &registry).unwrap());
    let mut engine = Engine::start(registry).unwrap();
    let run = engine.submit(RunRequest::new(flow, dir.path()));
    let mut iterations = 0;
    let mut inner_wait = Vec::new();
    let status = loop {
        match engine.recv().unwrap() {
            Event::NodeProgress { progress, .. } => match progress {
                Progress::Iteration { .. } => iterations += 1,
                Progress::Member { node, status, .. } if node.as_str() == "wait" => {
                    // Cancel once the first iteration's step is at work: it finishes.
                    if status == NodeStatus::Running && inner_wait.is_empty() {
                        engine.handle().cancel(run);
                    }
                    inner_wait.push(status);
                }
                _ => {}
            },
            Event::RunFinished { status, .. } => break status,
            _ => {}
        }
    };
    assert_eq!(status, RunState::Cancelled);
    assert_eq!(iterations, 1, "no iteration after Cancel");
    assert_eq!(
        inner_wait.last(),
        Some(&NodeStatus::Succeeded),
        "the running iteration's step finished: {inner_wait:?}"
    );
}
