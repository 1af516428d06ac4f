//! Blocked runs: a step that needs something only a person can supply (an input file that
//! is not there, a key variable not set) parks the run blocked, saying the cause and the
//! fix; `resume` goes on from that step once it is fixed.

use std::process::Command;
use std::sync::Arc;

use flowcanvas::exec::{Engine, Event, NodeStatus, RunRequest, RunState};
use flowcanvas::store::{Store, Waiting};

use crate::cli::{stderr, stdout};
use crate::support::{events_until_finished, test_registry};

const BIN: &str = env!("CARGO_BIN_EXE_flowcanvas");

const READS_A_FILE: &str = r#"Flow(version: 1, nodes: [
    Node(id: "read", kind: "read_file", title: "Read data", values: {"path": "data/input.txt"}),
    Node(id: "shout", kind: "template", title: "Shout", params: {"template": "{x}!", "vars": ["x"]}),
    Node(id: "side", kind: "text", title: "Side", params: {"text": "independent"}),
], edges: ["read.content -> shout.x"])"#;

#[test]
fn a_missing_input_file_blocks_the_run_and_resume_goes_on_once_it_is_there() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("reads.flow");
    std::fs::write(&file, READS_A_FILE).unwrap();
    let path = file.to_str().unwrap();
    let output = Command::new(BIN).args(["run", path]).output().unwrap();
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.contains("⛔ Blocked at Read data: cannot read"),
        "{out}"
    );
    assert!(out.contains("input.txt: no such file"), "{out}");
    assert!(
        out.contains("To go on: put the file there, or change the path, then `flowcanvas resume"),
        "{out}"
    );
    let (runs, _) = Store::for_flow(&file).runs();
    assert_eq!(runs[0].status, RunState::Blocked);
    match &runs[0].waiting {
        Some(Waiting::Blocked { node, cause, fix }) => {
            assert_eq!(node.as_str(), "read");
            assert!(cause.ends_with("input.txt: no such file"), "{cause}");
            assert_eq!(fix, "put the file there, or change the path");
        }
        other => panic!("the record says what blocks it: {other:?}"),
    }
    let statuses: Vec<(&str, Option<NodeStatus>)> = (runs[0].nodes.iter())
        .map(|n| (n.node.as_str(), n.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("read", Some(NodeStatus::Blocked)),
            ("shout", None),
            ("side", None)
        ],
        "the blocked step says so; nothing after it started"
    );

    std::fs::create_dir(dir.path().join("data")).unwrap();
    std::fs::write(dir.path().join("data/input.txt"), "hello").unwrap();
    let output = Command::new(BIN).args(["resume", path]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("Flow complete: 3 succeeded"));
    let (runs, _) = Store::for_flow(&file).runs();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[1].status, RunState::Completed);
    assert_eq!(
        runs[1].continues.as_ref().map(|c| c.run.as_str()),
        Some(runs[0].id.as_str())
    );
}

#[test]
fn a_key_variable_not_set_blocks_the_run_while_running_steps_finish() {
    let dir = tempfile::tempdir().unwrap();
    let flow = flowcanvas::format::parse(
        r#"Flow(version: 1, nodes: [
    Node(id: "call", kind: "http_request", title: "Call API",
         params: {"headers": {"Authorization": "Bearer ${env:FLOWCANVAS_NEVER_SET_TOKEN}"}},
         values: {"url": "http://127.0.0.1:9/never"}),
    Node(id: "wait", kind: "shell", title: "Wait", params: {"command": "sleep 0.3; echo waited"}),
    Node(id: "after", kind: "template", title: "After", params: {"template": "{x}", "vars": ["x"]}),
], edges: ["wait.stdout -> after.x"])"#,
        &test_registry(),
    )
    .unwrap();
    let mut engine = Engine::start(test_registry()).unwrap();
    engine.submit(
        RunRequest::new(Arc::new(flow), dir.path())
            .store(Some(Store::at(dir.path().join("store"))))
            .max_parallel(2),
    );
    let events = events_until_finished(&mut engine);
    let blocked = events.iter().find_map(|e| match e {
        Event::RunBlocked {
            node, cause, fix, ..
        } => Some((node.clone(), cause.clone(), fix.clone())),
        _ => None,
    });
    let (node, cause, fix) = blocked.expect("a run_blocked event");
    assert_eq!(node.as_str(), "call");
    assert!(
        cause.contains("environment variable `FLOWCANVAS_NEVER_SET_TOKEN` is not set"),
        "{cause}"
    );
    assert_eq!(
        fix,
        "set FLOWCANVAS_NEVER_SET_TOKEN in the environment flowcanvas runs in"
    );
    let finished = |id: &str| {
        events
            .iter()
            .any(|e| matches!(e, Event::NodeFinished { node, .. } if node.as_str() == id))
    };
    assert!(finished("wait"), "the step already running finished");
    assert!(!finished("after"), "nothing new started after the block");
    match events.last() {
        Some(Event::RunFinished {
            status, summary, ..
        }) => {
            assert_eq!(*status, RunState::Blocked);
            assert!(
                summary.starts_with("Flow blocked at `Call API`"),
                "{summary}"
            );
        }
        other => panic!("{other:?}"),
    }
}
