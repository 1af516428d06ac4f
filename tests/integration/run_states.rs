//! Runs that never start are told apart from runs that ran and failed: they say why before
//! anything runs, exit 2, and show as "not started" in the queue.

use std::process::Command;

use flowcanvas::exec::{Engine, Event, RunRequest, RunState};

use crate::cli::{stderr, stdout};
use crate::support::test_registry;

const BIN: &str = env!("CARGO_BIN_EXE_flowcanvas");

#[test]
fn a_flow_with_nothing_to_run_is_not_started() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.flow");
    std::fs::write(
        &file,
        r#"Flow(version: 1, nodes: [Node(id: "n", kind: "note", params: {"text": "just a note"})])"#,
    )
    .unwrap();
    let output = Command::new(BIN).arg("run").arg(&file).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("notes.flow: not started: nothing to run"),
        "{}",
        stderr(&output)
    );
    assert!(
        stdout(&output).is_empty(),
        "nothing ran: {}",
        stdout(&output)
    );
    let (runs, _) = flowcanvas::store::Store::for_flow(&file).runs();
    assert!(runs.is_empty(), "a run that never started leaves no record");

    let output = Command::new(BIN)
        .args(["run", "--node", "nope"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("not started: no node `nope`"));
}

#[test]
fn the_queue_shows_a_run_that_could_not_be_planned_as_not_started() {
    let flow = crate::support::flow(vec![], &[]);
    let mut engine = Engine::start(test_registry()).unwrap();
    let run = engine.submit(RunRequest::new(std::sync::Arc::new(flow), "."));
    let mut rejected = None;
    let mut queued = None;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::time::Instant::now() < deadline && (rejected.is_none() || queued.is_none()) {
        match engine
            .recv_timeout(std::time::Duration::from_secs(10))
            .unwrap()
        {
            Event::RunRejected { error, .. } => rejected = Some(error),
            Event::QueueChanged { items, .. } => {
                queued = items
                    .iter()
                    .find(|i| i.run == run && i.status.is_over())
                    .map(|i| (i.status, i.summary.clone()));
            }
            _ => {}
        }
    }
    assert!(rejected.unwrap().starts_with("nothing to run"));
    let (status, summary) = queued.expect("the queue reported the run's end");
    assert_eq!(status, RunState::NotStarted);
    assert!(summary.unwrap().starts_with("Not started: nothing to run"));
}
