//! Time limits: a step past its `timeout_ms` is killed and fails "timed out after …" (and
//! may be retried), a run past its limit ends timed out (status, summary, exit code 124),
//! and a step that waits too long for a slot of its kind fails "no slot within …".

use std::sync::Arc;
use std::time::{Duration, Instant};

use flowcanvas::exec::{Engine, Event, NodeStatus, RunRequest, RunState};
use flowcanvas::model::{Retry, RetryOn};

use crate::cli::{flowcanvas, json_lines};
use crate::support::{events_until_finished, failure, flow, read_pid, shell, test_registry};

fn finished(events: &[Event]) -> (RunState, String, Vec<(String, NodeStatus)>) {
    match events.last() {
        Some(Event::RunFinished {
            status,
            summary,
            nodes,
            ..
        }) => (
            *status,
            summary.clone(),
            nodes
                .iter()
                .map(|n| (n.node.to_string(), n.status))
                .collect(),
        ),
        other => panic!("no run_finished: {other:?}"),
    }
}

/// Whether process `pid` is gone (or a zombie nobody reaped yet).
fn gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

#[test]
fn a_step_past_its_time_limit_is_killed_and_fails_timed_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut node = shell("slow", "echo $$ > pid; sleep 30");
    node.timeout_ms = Some(300);
    let mut engine = Engine::start(test_registry()).unwrap();
    let started = Instant::now();
    engine.submit(RunRequest::new(Arc::new(flow(vec![node], &[])), dir.path()));
    let pid = read_pid(&dir.path().join("pid"));
    let events = events_until_finished(&mut engine);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "waited for the sleep"
    );
    assert_eq!(failure(&events, "slow"), "timed out after 300 ms");
    assert_eq!(finished(&events).0, RunState::Failed);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !gone(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(gone(pid), "the shell {pid} still runs");
}

#[test]
fn a_timed_out_step_is_retried_when_its_policy_says_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let mut node = shell("slow", "sleep 30");
    node.timeout_ms = Some(200);
    node.retry = Some(Retry {
        delay_ms: 10,
        on: vec![RetryOn::Timeout],
        ..Retry::new(2)
    });
    let mut engine = Engine::start(test_registry()).unwrap();
    engine.submit(RunRequest::new(Arc::new(flow(vec![node], &[])), dir.path()));
    let events = events_until_finished(&mut engine);
    let retried: Vec<&String> = events
        .iter()
        .filter_map(|e| match e {
            Event::NodeRetrying { error, .. } => Some(error),
            _ => None,
        })
        .collect();
    assert_eq!(retried, ["timed out after 200 ms"]);
    assert_eq!(failure(&events, "slow"), "timed out after 200 ms");
}

#[test]
fn a_run_past_its_time_limit_stops_running_steps_and_cancels_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let slow = shell("slow", "sleep 30");
    let after = shell("after", "echo never");
    let flow = flow(vec![slow, after], &[("slow.stdout", "after.stdin")]);
    let mut engine = Engine::start(test_registry()).unwrap();
    let started = Instant::now();
    let request = RunRequest::new(Arc::new(flow), dir.path()).timeout(Duration::from_millis(300));
    engine.submit(request);
    let events = events_until_finished(&mut engine);
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(250), "ended after {took:?}");
    assert!(took < Duration::from_secs(20), "waited for the sleep");
    let (status, summary, nodes) = finished(&events);
    assert_eq!(status, RunState::TimedOut);
    assert!(summary.starts_with("Flow timed out"), "{summary}");
    assert_eq!(
        nodes,
        [
            ("slow".to_owned(), NodeStatus::Cancelled),
            ("after".to_owned(), NodeStatus::Cancelled)
        ]
    );
}

#[test]
fn the_flow_s_timeout_setting_limits_its_runs_and_the_cli_exits_124() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("slow.flow");
    let text = r#"Flow(version: 1,
        nodes: [Node(id: "slow", kind: "shell", params: {"command": "sleep 30"})],
        settings: Settings(timeout_ms: Some(300)),
    )"#;
    std::fs::write(&file, text).unwrap();
    let output = flowcanvas(&["run", "--json"], &file);
    assert_eq!(output.status.code(), Some(124));
    let events = json_lines(&output);
    let last = events.last().unwrap();
    assert_eq!(last["event"], "run_finished");
    assert_eq!(last["status"], "timed_out");

    // --timeout wins over the setting.
    std::fs::write(&file, text.replace("Some(300)", "Some(60000)")).unwrap();
    let started = Instant::now();
    let output = flowcanvas(&["run", "--timeout", "300ms"], &file);
    assert_eq!(output.status.code(), Some(124));
    assert!(started.elapsed() < Duration::from_secs(20));
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(said.contains("Flow timed out"), "{said}");

    let output = flowcanvas(&["run", "--timeout", "soon"], &file);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_step_waiting_too_long_for_a_slot_of_its_kind_fails_no_slot_within() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"Flow(version: 1,
        nodes: [
            Node(id: "first", kind: "shell", title: "First", params: {"command": "sleep 3"}),
            Node(id: "second", kind: "shell", title: "Second", params: {"command": "echo hi"}),
        ],
        settings: Settings(max_parallel: Some(2), kind_limits: {"shell": 1},
                           queue_timeout_ms: {"shell": 200}),
    )"#;
    let registry = test_registry();
    let flow = flowcanvas::format::parse(text, &registry).unwrap();
    let mut engine = Engine::start(registry).unwrap();
    engine.submit(RunRequest::new(Arc::new(flow), dir.path()));
    let events = events_until_finished(&mut engine);
    let error = failure(&events, "second");
    assert_eq!(
        error,
        "no slot within 200 ms: Shell command is at its limit of 1 at once"
    );
    let nodes = finished(&events).2;
    assert!(
        nodes.contains(&("first".to_owned(), NodeStatus::Succeeded)),
        "{nodes:?}"
    );
    // It failed while the first still ran, not after.
    let failed_before_first_ended = events
        .iter()
        .position(|e| matches!(e, Event::NodeFailed { node, .. } if node.as_str() == "second"))
        < events.iter().position(
            |e| matches!(e, Event::NodeFinished { node, .. } if node.as_str() == "first"),
        );
    assert!(failed_before_first_ended, "{events:#?}");
}

#[test]
fn a_fail_wire_routes_around_a_step_that_found_no_slot() {
    // The execution model's "AI degrades before the graph does": a saturated kind fails a
    // step quickly, and its failure port carries why to a fallback.
    let dir = tempfile::tempdir().unwrap();
    let text = r#"Flow(version: 1,
        nodes: [
            Node(id: "a_busy", kind: "shell", params: {"command": "sleep 2"}),
            Node(id: "b_ask", kind: "shell", title: "Ask", params: {"command": "echo answer"}),
            Node(id: "fallback", kind: "template", title: "Fallback",
                 params: {"template": "fell back: {why}", "vars": ["why"]}),
        ],
        edges: ["b_ask.failure -> fallback.why"],
        settings: Settings(max_parallel: Some(2), kind_limits: {"shell": 1},
                           queue_timeout_ms: {"shell": 200}),
    )"#;
    let events = crate::support::run_ron(text, dir.path());
    // Plan order puts the long step first; the other waits for the one shell slot.
    let error = failure(&events, "b_ask");
    assert!(error.starts_with("no slot within 200 ms"), "{error}");
    let said = crate::support::output(&events, "fallback", "text")
        .unwrap()
        .to_text();
    assert!(said.contains("no slot within 200 ms"), "{said}");
    let (status, summary, _) = finished(&events);
    assert_eq!(status, RunState::Completed, "a handled failure: {summary}");
}
