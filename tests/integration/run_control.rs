//! Pause, graceful Cancel and Stop of an active run, with real shell steps: Pause holds
//! back new steps and Resume goes on; Cancel lets running steps finish and cancels the
//! rest; Stop kills now.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use flowcanvas::exec::{Engine, Event, RunId, RunRequest, RunState};
use flowcanvas::model::{Flow, Node};
use flowcanvas::store::Store;

use crate::support::{events_until_finished, flow, test_registry};

/// A shell step that waits until the file `gate-ID` exists in its folder, then appends its
/// id to `log`. Tests open the gates, so nothing depends on how long a step takes.
fn gated(id: &str) -> Node {
    let command = format!("while [ ! -f gate-{id} ]; do sleep 0.01; done; echo {id} >> log");
    Node::new(id, "shell").with_param("command", command.as_str())
}

fn open_gate(dir: &Path, id: &str) {
    std::fs::write(dir.join(format!("gate-{id}")), "").unwrap();
}

fn logged(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines.sort();
    lines
}

/// `a`, `b`, `c`, `d` independent gated steps, run `parallel` at a time, with a store.
fn start(dir: &Path, parallel: usize) -> (Engine, RunId, std::path::PathBuf) {
    let flow: Flow = flow(["a", "b", "c", "d"].map(gated).to_vec(), &[]);
    let file = dir.join("control.flow");
    let engine = Engine::start(test_registry()).unwrap();
    let request = RunRequest::new(Arc::new(flow), dir)
        .max_parallel(parallel)
        .store(Some(Store::for_flow(&file)));
    let run = engine.submit(request);
    (engine, run, file)
}

/// Reads events until one matches (10 s at most), returning everything read.
fn until(engine: &mut Engine, what: &str, done: impl Fn(&Event) -> bool) -> Vec<Event> {
    let mut events = Vec::new();
    loop {
        let event = engine
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("no {what} within 10 s: {events:?}"));
        let found = done(&event);
        events.push(event);
        if found {
            return events;
        }
    }
}

fn started(event: &Event, id: &str) -> bool {
    matches!(event, Event::NodeStarted { node, .. } if node.as_str() == id)
}

fn finished_node(event: &Event, id: &str) -> bool {
    matches!(event, Event::NodeFinished { node, .. } if node.as_str() == id)
}

fn run_end(events: &[Event]) -> (RunState, String) {
    match events.last() {
        Some(Event::RunFinished {
            status, summary, ..
        }) => (*status, summary.clone()),
        other => panic!("the run did not finish: {other:?}"),
    }
}

#[test]
fn pause_lets_the_running_step_finish_and_starts_nothing_until_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let (mut engine, run, _) = start(dir.path(), 1);
    until(&mut engine, "start of a", |e| started(e, "a"));
    engine.handle().pause_run(run);
    let events = until(&mut engine, "run_paused", |e| {
        matches!(e, Event::RunPaused { .. })
    });
    assert!(
        matches!(events.last(), Some(Event::RunPaused { running: 1, .. })),
        "{events:?}"
    );
    // The running step is not touched: it finishes once its gate opens.
    for id in ["a", "b", "c", "d"] {
        open_gate(dir.path(), id);
    }
    until(&mut engine, "end of a", |e| finished_node(e, "a"));
    // Paused: every other step could start at once, and none does.
    match engine.recv_timeout(Duration::from_millis(400)) {
        Err(_) => {}
        Ok(event) => panic!("a paused run went on: {event:?}"),
    }
    assert_eq!(logged(dir.path()), ["a"]);
    engine.handle().resume_run(run);
    let events = events_until_finished(&mut engine);
    assert!(
        matches!(events.first(), Some(Event::RunResumed { .. })),
        "{events:?}"
    );
    assert_eq!(run_end(&events).0, RunState::Completed);
    assert_eq!(logged(dir.path()), ["a", "b", "c", "d"]);
}

#[test]
fn cancel_lets_running_steps_finish_and_cancels_the_ones_not_started() {
    let dir = tempfile::tempdir().unwrap();
    let (mut engine, run, file) = start(dir.path(), 2);
    until(&mut engine, "start of b", |e| started(e, "b"));
    engine.handle().cancel(run);
    let events = until(&mut engine, "run_cancelling", |e| {
        matches!(e, Event::RunCancelling { .. })
    });
    assert!(
        matches!(events.last(), Some(Event::RunCancelling { running: 2, .. })),
        "{events:?}"
    );
    for id in ["a", "b", "c", "d"] {
        open_gate(dir.path(), id);
    }
    let events = events_until_finished(&mut engine);
    // No step is aborted partway: both running steps did all their work.
    assert_eq!(logged(dir.path()), ["a", "b"]);
    assert!(events.iter().any(|e| finished_node(e, "a")));
    assert!(events.iter().any(|e| finished_node(e, "b")));
    for id in ["c", "d"] {
        assert!(
            events.iter().any(|e| matches!(e,
                Event::NodeCancelled { node, reason: Some(reason), .. }
                    if node.as_str() == id && reason == "not started: the run was cancelled")),
            "{id} is cancelled with the reason: {events:?}"
        );
    }
    assert!(!events.iter().any(|e| started(e, "c") || started(e, "d")));
    let (status, summary) = run_end(&events);
    assert_eq!(status, RunState::Cancelled);
    assert!(
        summary.starts_with("Flow cancelled: 2 succeeded, 2 cancelled"),
        "{summary}"
    );
    drop(engine);
    let (runs, _) = Store::for_flow(&file).runs();
    let record = runs.last().unwrap();
    assert_eq!(record.status, RunState::Cancelled);
    let note = |id: &str| {
        record
            .nodes
            .iter()
            .find(|n| n.node.as_str() == id)
            .and_then(|n| n.note.clone())
    };
    assert_eq!(
        note("c").as_deref(),
        Some("not started: the run was cancelled")
    );
    assert_eq!(note("a"), None);
}

#[test]
fn stop_kills_the_running_steps_now() {
    let dir = tempfile::tempdir().unwrap();
    let (mut engine, _run, _) = start(dir.path(), 2);
    until(&mut engine, "start of b", |e| started(e, "b"));
    engine.stop();
    let events = events_until_finished(&mut engine);
    for id in ["a", "b"] {
        assert!(
            events.iter().any(|e| matches!(e,
                Event::NodeCancelled { node, reason: None, .. } if node.as_str() == id)),
            "the running {id} is killed: {events:?}"
        );
    }
    let (status, summary) = run_end(&events);
    assert_eq!(status, RunState::Cancelled);
    assert!(
        summary.starts_with("Flow stopped: 4 cancelled"),
        "{summary}"
    );
    // Opening the gates now changes nothing: the processes are gone.
    for id in ["a", "b", "c", "d"] {
        open_gate(dir.path(), id);
    }
    std::thread::sleep(Duration::from_millis(200));
    assert!(logged(dir.path()).is_empty());
}

#[test]
fn a_paused_run_can_be_cancelled_or_stopped_and_a_cancelled_one_is_not_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let (mut engine, run, _) = start(dir.path(), 1);
    until(&mut engine, "start of a", |e| started(e, "a"));
    engine.handle().pause_run(run);
    open_gate(dir.path(), "a");
    until(&mut engine, "end of a", |e| finished_node(e, "a"));
    engine.handle().cancel(run);
    // Resume after Cancel does not undo it.
    engine.handle().resume_run(run);
    let events = events_until_finished(&mut engine);
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::NodeStarted { .. })),
        "{events:?}"
    );
    assert!(
        !events.iter().any(|e| matches!(e, Event::RunResumed { .. })),
        "{events:?}"
    );
    let (status, summary) = run_end(&events);
    assert_eq!(status, RunState::Cancelled);
    assert!(
        summary.starts_with("Flow cancelled: 1 succeeded, 3 cancelled"),
        "{summary}"
    );

    let dir = tempfile::tempdir().unwrap();
    let (mut engine, run, _) = start(dir.path(), 1);
    until(&mut engine, "start of a", |e| started(e, "a"));
    engine.handle().pause_run(run);
    until(&mut engine, "run_paused", |e| {
        matches!(e, Event::RunPaused { .. })
    });
    engine.stop();
    let events = events_until_finished(&mut engine);
    assert!(run_end(&events).1.starts_with("Flow stopped"));
}

#[test]
fn the_queue_shows_the_running_run_paused_then_cancelling() {
    let dir = tempfile::tempdir().unwrap();
    let (mut engine, run, _) = start(dir.path(), 1);
    until(&mut engine, "start of a", |e| started(e, "a"));
    let status_of = |events: &[Event]| {
        events.iter().rev().find_map(|e| match e {
            Event::QueueChanged { items, .. } => {
                items.iter().find(|i| i.run == run).map(|i| i.status)
            }
            _ => None,
        })
    };
    engine.handle().pause_run(run);
    let events = until(&mut engine, "queue change", |e| {
        matches!(e, Event::QueueChanged { .. })
    });
    assert_eq!(status_of(&events), Some(RunState::Paused));
    engine.handle().cancel(run);
    let events = until(&mut engine, "queue change", |e| {
        matches!(e, Event::QueueChanged { .. })
    });
    assert_eq!(status_of(&events), Some(RunState::Cancelling));
    open_gate(dir.path(), "a");
    let events = events_until_finished(&mut engine);
    assert_eq!(run_end(&events).0, RunState::Cancelled);
}
