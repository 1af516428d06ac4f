//! Engine scenarios: events and their order, failures and skips, panics, Stop, results kept
//! between runs, the run queue and the wake-up callback.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use flowcanvas::exec::{Engine, EngineOptions, Event, NodeStatus, RunRequest, RunState};
use flowcanvas::model::{Node, NodeId, Value};
use flowcanvas::nodes::Registry;
use flowcanvas::plan::{RunMode, Scope};

use crate::support::*;

fn engine() -> Engine {
    Engine::start(test_registry()).unwrap()
}

fn request(flow: flowcanvas::model::Flow, dir: &Path) -> RunRequest {
    RunRequest::new(Arc::new(flow), dir)
}

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
        other => panic!("last event is not run_finished: {other:?}"),
    }
}

fn started_order(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::NodeStarted { node, .. } => Some(node.to_string()),
            _ => None,
        })
        .collect()
}

fn output_text(events: &[Event], node: &str, port: &str) -> Option<String> {
    events.iter().find_map(|e| match e {
        Event::NodeFinished {
            node: n, outputs, ..
        } if n.as_str() == node => outputs.get(port).map(Value::to_text),
        _ => None,
    })
}

#[test]
fn a_run_streams_its_events_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = engine();
    let flow = flow(
        vec![
            text("name"),
            template("greet", &["name"]).with_param("template", "Hi {name}"),
        ],
        &[("name.text", "greet.name")],
    );
    let run = engine.submit(request(flow, dir.path()));
    let events: Vec<Event> = events_until_finished(&mut engine)
        .into_iter()
        .filter(|e| !matches!(e, Event::QueueChanged { .. }))
        .collect();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| match e {
            Event::RunQueued { .. } => "queued",
            Event::RunStarted { .. } => "started",
            Event::NodeStarted { .. } => "node_started",
            Event::NodeFinished { .. } => "node_finished",
            Event::RunFinished { .. } => "finished",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "queued",
            "started",
            "node_started",
            "node_finished",
            "node_started",
            "node_finished",
            "finished"
        ]
    );
    assert!(events.iter().all(|e| e.run() == run));
    assert_eq!(
        output_text(&events, "greet", "text").as_deref(),
        Some("Hi name")
    );
    let (status, summary, nodes) = finished(&events);
    assert_eq!(status, RunState::Completed);
    assert!(
        summary.starts_with("Flow complete: 2 succeeded"),
        "{summary}"
    );
    assert_eq!(
        nodes,
        [
            ("name".into(), NodeStatus::Succeeded),
            ("greet".into(), NodeStatus::Succeeded)
        ]
    );
}

#[test]
fn a_failure_skips_its_dependents_and_independent_branches_finish() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = engine();
    let flow = flow(
        vec![
            shell("bad", "echo partial; echo 'it broke' >&2; exit 4"),
            template("after", &["v"]),
            template("later", &["v"]),
            text("good"),
            template("also_good", &["v"]),
        ],
        &[
            ("bad.stdout", "after.v"),
            ("after.text", "later.v"),
            ("good.text", "also_good.v"),
        ],
    );
    engine.submit(request(flow, dir.path()));
    let events = events_until_finished(&mut engine);
    let error = events.iter().find_map(|e| match e {
        Event::NodeFailed { node, error, .. } if node.as_str() == "bad" => Some(error.clone()),
        _ => None,
    });
    assert_eq!(
        error.as_deref(),
        Some("command failed with exit code 4:\nit broke")
    );
    let skips: Vec<(String, String)> = events
        .iter()
        .filter_map(|e| match e {
            Event::NodeSkipped { node, reason, .. } => Some((node.to_string(), reason.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(skips.len(), 2);
    assert!(
        skips
            .iter()
            .all(|(_, reason)| reason == "upstream `bad` failed"),
        "{skips:?}"
    );
    let (status, summary, nodes) = finished(&events);
    assert_eq!(status, RunState::Failed);
    assert!(
        summary.starts_with("Flow finished with problems: 2 succeeded, 1 failed, 2 skipped"),
        "{summary}"
    );
    assert!(nodes.contains(&("also_good".into(), NodeStatus::Succeeded)));
}

#[test]
fn nothing_succeeding_is_a_failed_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = engine();
    engine.submit(request(flow(vec![shell("bad", "exit 1")], &[]), dir.path()));
    let (status, _, _) = finished(&events_until_finished(&mut engine));
    assert_eq!(status, RunState::Failed);
}

#[test]
fn a_panicking_node_fails_and_the_executor_lives_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = engine();
    for kind in ["panic_inline", "panic_worker"] {
        let flow = flow(vec![Node::new("p", kind), text("ok")], &[]);
        engine.submit(request(flow, dir.path()));
        let events = events_until_finished(&mut engine);
        let error = events.iter().find_map(|e| match e {
            Event::NodeFailed { error, .. } => Some(error.clone()),
            _ => None,
        });
        assert_eq!(
            error.as_deref(),
            Some("the node crashed: boom in a test node"),
            "{kind}"
        );
        assert_eq!(finished(&events).0, RunState::Failed, "{kind}");
    }
    engine.submit(request(flow(vec![text("after")], &[]), dir.path()));
    assert_eq!(
        finished(&events_until_finished(&mut engine)).0,
        RunState::Completed
    );
}

fn process_alive(pid: i32) -> bool {
    // Signal 0 checks for existence; a zombie (killed, not yet reaped) counts as gone.
    let status = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let state = status
        .rsplit(')')
        .next()
        .and_then(|rest| rest.split_whitespace().next());
    !matches!(state, None | Some("Z") | Some("X"))
}

#[test]
fn stop_kills_a_long_shell_command_and_its_children_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = engine();
    let command = "sleep 60 & echo $! > child.pid; echo $$ > shell.pid; echo waiting; wait";
    let flow = flow(
        vec![
            shell("long", command),
            template("after", &["v"]),
            text("other"),
        ],
        &[("long.stdout", "after.v")],
    );
    engine.submit(request(flow, dir.path()));
    let shell_pid = read_pid(&dir.path().join("shell.pid"));
    let child_pid = read_pid(&dir.path().join("child.pid"));
    assert!(process_alive(child_pid));
    let stopped_at = Instant::now();
    engine.stop();
    let events = events_until_finished(&mut engine);
    assert!(
        stopped_at.elapsed() < Duration::from_secs(5),
        "stop took {:?}",
        stopped_at.elapsed()
    );
    let (status, summary, nodes) = finished(&events);
    assert_eq!(status, RunState::Cancelled);
    assert!(summary.starts_with("Flow stopped"), "{summary}");
    assert!(
        nodes
            .iter()
            .all(|(_, s)| matches!(s, NodeStatus::Cancelled | NodeStatus::Succeeded)),
        "{nodes:?}"
    );
    assert!(nodes.contains(&("long".into(), NodeStatus::Cancelled)));
    assert!(nodes.contains(&("after".into(), NodeStatus::Cancelled)));
    let deadline = Instant::now() + Duration::from_secs(5);
    while (process_alive(shell_pid) || process_alive(child_pid)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!process_alive(shell_pid), "the shell survived Stop");
    assert!(!process_alive(child_pid), "the shell's child survived Stop");
}

#[test]
fn stop_interrupts_a_delay() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = engine();
    let flow = flow(
        vec![Node::new("wait", "delay").with_param("ms", 60_000.0)],
        &[],
    );
    engine.submit(request(flow, dir.path()));
    loop {
        if let Event::NodeStarted { .. } = engine.recv_timeout(Duration::from_secs(10)).unwrap() {
            break;
        }
    }
    let stopped_at = Instant::now();
    engine.stop();
    let (status, _, _) = finished(&events_until_finished(&mut engine));
    assert_eq!(status, RunState::Cancelled);
    assert!(stopped_at.elapsed() < Duration::from_secs(5));
}

#[test]
fn shell_output_streams_as_progress_before_the_node_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = engine();
    let flow = flow(
        vec![shell("talk", "echo one; echo two >&2; echo three")],
        &[],
    );
    engine.submit(request(flow, dir.path()));
    let events = events_until_finished(&mut engine);
    let chunks: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            Event::NodeProgress {
                progress: flowcanvas::nodes::Progress::Output { text, .. },
                ..
            } => Some(text.clone()),
            _ => None,
        })
        .collect();
    let mut sorted = chunks.clone();
    sorted.sort();
    assert_eq!(sorted, ["one\n", "three\n", "two\n"]);
    let finished_at = events
        .iter()
        .position(|e| matches!(e, Event::NodeFinished { .. }))
        .unwrap();
    let last_chunk = events
        .iter()
        .rposition(|e| matches!(e, Event::NodeProgress { .. }))
        .unwrap();
    assert!(last_chunk < finished_at);
    assert_eq!(
        output_text(&events, "talk", "stdout").as_deref(),
        Some("one\nthree\n")
    );
    assert_eq!(
        output_text(&events, "talk", "exit_code").as_deref(),
        Some("0")
    );
}

#[test]
fn shell_reads_stdin_env_and_runs_in_the_flow_folder() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = engine();
    let mut node = shell("s", "cat; printf ' %s ' \"$GREETING\"; pwd");
    node.params.insert(
        "env".into(),
        flowcanvas::model::ParamValue::Map([("GREETING".to_owned(), "hey".into())].into()),
    );
    let flow = flow(vec![text("input"), node], &[("input.text", "s.stdin")]);
    engine.submit(request(flow, dir.path()));
    let events = events_until_finished(&mut engine);
    let stdout = output_text(&events, "s", "stdout").unwrap();
    let cwd = dir.path().canonicalize().unwrap();
    assert_eq!(stdout, format!("input hey {}\n", cwd.display()));
}

#[test]
fn write_file_creates_folders_relative_to_the_flow() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = engine();
    let flow = flow(
        vec![
            text("content"),
            Node::new("save", "write_file").with_value("path", "deep/er/out.txt"),
        ],
        &[("content.text", "save.content")],
    );
    engine.submit(request(flow, dir.path()));
    let events = events_until_finished(&mut engine);
    assert_eq!(finished(&events).0, RunState::Completed);
    let written = std::fs::read_to_string(dir.path().join("deep/er/out.txt")).unwrap();
    assert_eq!(written, "content");
}

#[test]
fn a_later_node_run_uses_results_from_an_earlier_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = engine();
    let flow = Arc::new(flow(
        vec![
            text("a"),
            template("b", &["v"]).with_param("template", "got {v}"),
        ],
        &[("a.text", "b.v")],
    ));
    let node_b = Scope::Node(NodeId::from("b"));
    // Before anything ran, `b` alone has no input.
    engine.submit(RunRequest::new(flow.clone(), dir.path()).scope(node_b.clone()));
    let events = events_until_finished(&mut engine);
    assert_eq!(finished(&events).2, [("b".into(), NodeStatus::Skipped)]);
    // After `a` ran, `b` alone runs on its result, and `a` does not run again.
    engine.submit(RunRequest::new(flow.clone(), dir.path()).scope(Scope::Node(NodeId::from("a"))));
    events_until_finished(&mut engine);
    engine.submit(RunRequest::new(flow.clone(), dir.path()).scope(node_b));
    let events = events_until_finished(&mut engine);
    assert_eq!(started_order(&events), ["b"]);
    assert_eq!(output_text(&events, "b", "text").as_deref(), Some("got a"));
}

#[test]
fn missing_mode_runs_only_nodes_without_results_and_their_downstream() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = engine();
    let first = flow(vec![text("a"), template("c", &["v"])], &[("a.text", "c.v")]);
    engine.submit(request(first, dir.path()).scope(Scope::Node(NodeId::from("a"))));
    events_until_finished(&mut engine);
    let full = flow(
        vec![
            text("a"),
            text("b"),
            template("c", &["v"]),
            template("d", &["v"]),
        ],
        &[("a.text", "c.v"), ("b.text", "d.v")],
    );
    engine.submit(request(full.clone(), dir.path()).mode(RunMode::Missing));
    let events = events_until_finished(&mut engine);
    assert_eq!(started_order(&events), ["b", "c", "d"]);
    let (_, summary, nodes) = finished(&events);
    assert!(nodes.contains(&("a".into(), NodeStatus::Reused)));
    assert!(summary.contains("1 reused"), "{summary}");
    // Everything has a result now: nothing to run.
    engine.submit(request(full, dir.path()).mode(RunMode::Missing));
    let events = events_until_finished(&mut engine);
    assert!(started_order(&events).is_empty());
    assert_eq!(finished(&events).0, RunState::Completed);
}

#[test]
fn a_failed_node_loses_its_result_so_missing_mode_reruns_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = engine();
    let marker = dir.path().join("fail-now");
    let flow = flow(
        vec![shell("s", "if [ -e fail-now ]; then exit 1; fi; echo ok")],
        &[],
    );
    engine.submit(request(flow.clone(), dir.path()));
    events_until_finished(&mut engine);
    std::fs::write(&marker, "").unwrap();
    engine.submit(request(flow.clone(), dir.path()));
    assert_eq!(
        finished(&events_until_finished(&mut engine)).0,
        RunState::Failed
    );
    std::fs::remove_file(&marker).unwrap();
    engine.submit(request(flow, dir.path()).mode(RunMode::Missing));
    assert_eq!(started_order(&events_until_finished(&mut engine)), ["s"]);
}

#[test]
fn queued_runs_go_one_at_a_time_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = engine();
    let slow = flow(
        vec![Node::new("wait", "delay").with_param("ms", 100.0)],
        &[],
    );
    let first = engine.submit(request(slow.clone(), dir.path()));
    let second = engine.submit(request(slow, dir.path()));
    let mut sequence = Vec::new();
    while sequence.len() < 2
        || !matches!(sequence.last(), Some((_, "finished")))
        || sequence.iter().filter(|(_, k)| *k == "finished").count() < 2
    {
        let event = engine.recv_timeout(Duration::from_secs(10)).unwrap();
        let kind = match event {
            Event::RunStarted { .. } => "started",
            Event::RunFinished { .. } => "finished",
            _ => continue,
        };
        sequence.push((event.run(), kind));
    }
    assert_eq!(
        sequence,
        [
            (first, "started"),
            (first, "finished"),
            (second, "started"),
            (second, "finished")
        ]
    );
}

#[test]
fn a_loop_rejects_the_run_and_names_the_nodes() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = engine();
    let flow = flow(
        vec![template("a", &["v"]), template("b", &["v"])],
        &[("a.text", "b.v"), ("b.text", "a.v")],
    );
    engine.submit(request(flow, dir.path()).scope(Scope::ToHere(NodeId::from("a"))));
    let events = events_until_finished(&mut engine);
    match events.last() {
        Some(Event::RunRejected { error, .. }) => assert!(
            error.contains("loop") && error.contains("`a`") && error.contains("`b`"),
            "{error}"
        ),
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[test]
fn a_bad_conversion_fails_the_node_naming_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = engine();
    let flow = flow(
        vec![
            Node::new("n", "number").with_param("value", 3.0),
            Node::new("save", "write_file").with_value("content", "x"),
        ],
        &[],
    );
    // A number constant where a path is expected is caught by validation; at run time a
    // wired `any` value that cannot become a path fails the node instead.
    let mut flow = flow;
    flow.nodes
        .push(Node::new("d", "delay").with_param("ms", 0.0));
    flow.edges.push(edge("n.value", "d.in"));
    flow.edges.push(edge("d.out", "save.path"));
    engine.submit(request(flow, dir.path()));
    let events = events_until_finished(&mut engine);
    let error = events.iter().find_map(|e| match e {
        Event::NodeFailed { node, error, .. } if node.as_str() == "save" => Some(error.clone()),
        _ => None,
    });
    assert_eq!(
        error.as_deref(),
        Some("input `path`: expected path, got number 3")
    );
}

#[test]
fn the_waker_is_called_when_events_are_sent() {
    let dir = tempfile::tempdir().unwrap();
    let wakes = Arc::new(AtomicUsize::new(0));
    let counter = wakes.clone();
    let mut options = EngineOptions::new(Arc::new(Registry::builtin()));
    options.waker = Some(Arc::new(move || {
        counter.fetch_add(1, Ordering::SeqCst);
    }));
    let mut engine = Engine::with_options(options).unwrap();
    engine.submit(request(flow(vec![text("a")], &[]), dir.path()));
    events_until_finished(&mut engine);
    // The waker is called just after a batch of events is sent, so the test can read the
    // last event a moment before that call: wait for it (it must come).
    let deadline = Instant::now() + Duration::from_secs(10);
    while wakes.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "the waker was never called");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn parallel_steps_overlap_when_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = EngineOptions::new(Arc::new(Registry::builtin()));
    options.max_parallel = 3;
    let mut engine = Engine::with_options(options).unwrap();
    let nodes = (0..3)
        .map(|i| Node::new(format!("w{i}").as_str(), "delay").with_param("ms", 200.0))
        .collect();
    engine.submit(request(flow(nodes, &[]), dir.path()));
    let events = events_until_finished(&mut engine);
    assert_eq!(finished(&events).0, RunState::Completed);
    let first_finish = events
        .iter()
        .position(|e| matches!(e, Event::NodeFinished { .. }))
        .unwrap();
    let starts_before = events[..first_finish]
        .iter()
        .filter(|e| matches!(e, Event::NodeStarted { .. }))
        .count();
    assert_eq!(
        starts_before, 3,
        "all three steps should start before any ends"
    );
}

fn queue_of(event: &Event) -> Option<Vec<(u64, RunState)>> {
    match event {
        Event::QueueChanged { items, .. } => {
            Some(items.iter().map(|i| (i.run, i.status)).collect())
        }
        _ => None,
    }
}

/// Reads events until `done` says so (30 s at most).
fn events_until(engine: &mut Engine, mut done: impl FnMut(&Event) -> bool) -> Vec<Event> {
    let mut events = Vec::new();
    loop {
        let event = engine
            .recv_timeout(Duration::from_secs(30))
            .expect("timed out waiting for an event");
        let stop = done(&event);
        events.push(event);
        if stop {
            return events;
        }
    }
}

#[test]
fn the_queue_can_be_reordered_cancelled_paused_and_resumed() {
    use flowcanvas::exec::{QueueMove, RunState};
    let dir = tempfile::tempdir().unwrap();
    let mut engine = engine();
    let slow = flow(
        vec![Node::new("wait", "delay").with_param("ms", 300.0)],
        &[],
    );
    let first = engine.submit(request(slow.clone(), dir.path()));
    events_until(&mut engine, |e| matches!(e, Event::RunStarted { .. }));
    let second = engine.submit(request(slow.clone(), dir.path()));
    let third = engine.submit(request(slow.clone(), dir.path()));
    let fourth = engine.submit(request(slow.clone(), dir.path()));
    let handle = engine.handle();
    handle.move_run(fourth, QueueMove::Next);
    handle.cancel(third);
    handle.set_paused(true);
    // The running run finishes; nothing new starts while paused.
    let events = events_until(
        &mut engine,
        |e| matches!(e, Event::RunFinished { run, .. } if *run == first),
    );
    assert!(events.iter().any(|e| matches!(e, Event::RunFinished { run, status: RunState::Cancelled, .. } if *run == third)));
    let waited = engine.recv_timeout(Duration::from_millis(500));
    let queue_only = waited
        .as_ref()
        .map_or(true, |e| matches!(e, Event::QueueChanged { .. }));
    assert!(queue_only, "a paused queue started a run: {waited:?}");
    handle.set_paused(false);
    let events = events_until(
        &mut engine,
        |e| matches!(e, Event::RunFinished { run, .. } if *run == second),
    );
    let started: Vec<u64> = events
        .iter()
        .filter_map(|e| match e {
            Event::RunStarted { run, .. } => Some(*run),
            _ => None,
        })
        .collect();
    assert_eq!(
        started,
        [fourth, second],
        "moved to the front, the fourth ran before the second"
    );
    let after = events_until(&mut engine, |e| matches!(e, Event::QueueChanged { .. }));
    // Finished items are listed in the order they finished.
    assert_eq!(
        queue_of(after.last().unwrap()).unwrap(),
        [
            (third, RunState::Cancelled),
            (first, RunState::Completed),
            (fourth, RunState::Completed),
            (second, RunState::Completed)
        ]
    );
    handle.clear_finished();
    let events = events_until(&mut engine, |e| matches!(e, Event::QueueChanged { .. }));
    assert_eq!(queue_of(events.last().unwrap()).unwrap(), []);
}

#[test]
fn cancelling_the_running_item_lets_its_step_finish_and_starts_no_other() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = engine();
    let slow = flow(
        vec![
            Node::new("a_wait", "delay").with_param("ms", 200.0),
            Node::new("b_wait", "delay").with_param("ms", 200.0),
        ],
        &[],
    );
    let run = engine.submit(request(slow, dir.path()));
    events_until(&mut engine, |e| matches!(e, Event::NodeStarted { .. }));
    engine.handle().cancel(run);
    let events = events_until(&mut engine, |e| matches!(e, Event::RunFinished { .. }));
    let (status, _, nodes) = finished(&events);
    assert_eq!(status, RunState::Cancelled);
    assert_eq!(
        nodes,
        [
            ("a_wait".to_owned(), NodeStatus::Succeeded),
            ("b_wait".to_owned(), NodeStatus::Cancelled)
        ]
    );
}

#[test]
fn a_queued_run_keeps_its_snapshot_when_the_flow_changes_later() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = engine();
    let mut flow_now = flow(
        vec![
            Node::new("wait", "delay").with_param("ms", 200.0),
            text("t"),
        ],
        &[],
    );
    engine.submit(request(flow_now.clone(), dir.path()));
    let queued = engine.submit(request(flow_now.clone(), dir.path()));
    // The user edits the text after queueing: the queued run still has the old value.
    flow_now
        .node_mut("t")
        .unwrap()
        .params
        .insert("text".into(), "edited".into());
    let events = events_until(
        &mut engine,
        |e| matches!(e, Event::RunFinished { run, .. } if *run == queued),
    );
    let texts: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            Event::NodeFinished {
                run, node, outputs, ..
            } if *run == queued && node.as_str() == "t" => outputs.get("text").map(Value::to_text),
            _ => None,
        })
        .collect();
    assert_eq!(texts, ["t"]);
}

#[test]
fn a_seed_rolls_once_per_run_and_is_shared_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = engine();
    let make = |mode: &str| {
        flow(
            vec![
                Node::new("s", "seed")
                    .with_param("mode", mode)
                    .with_param("seed", 42.0),
                template("a", &["v"]).with_param("template", "a{v}"),
                template("b", &["v"]).with_param("template", "b{v}"),
            ],
            &[("s.seed", "a.v"), ("s.seed", "b.v")],
        )
    };
    let mut rolled = Vec::new();
    for _ in 0..2 {
        engine.submit(request(make("new each run"), dir.path()));
        let events = events_until_finished(&mut engine);
        let seeds = events
            .iter()
            .find_map(|e| match e {
                Event::RunStarted { seeds, .. } => Some(seeds.clone()),
                _ => None,
            })
            .unwrap();
        let value = seeds[&NodeId::from("s")];
        assert_eq!(output_text(&events, "a", "text"), Some(format!("a{value}")));
        assert_eq!(
            output_text(&events, "b", "text"),
            Some(format!("b{value}")),
            "both consumers share one roll"
        );
        rolled.push(value);
    }
    assert_ne!(rolled[0], rolled[1], "a new value each run");
    for _ in 0..2 {
        engine.submit(request(make("fixed"), dir.path()));
        let events = events_until_finished(&mut engine);
        assert_eq!(
            output_text(&events, "a", "text").as_deref(),
            Some("a42"),
            "a fixed seed repeats"
        );
    }
}

#[test]
fn an_earlier_result_made_active_is_what_downstream_uses() {
    let dir = tempfile::tempdir().unwrap();
    let store = flowcanvas::store::Store::at(dir.path().join("x.flow.d"));
    let mut engine = engine();
    let with_text = |value: &str| {
        Arc::new(flow(
            vec![
                text("a").with_param("text", value),
                template("b", &["v"]).with_param("template", "got {v}"),
            ],
            &[("a.text", "b.v")],
        ))
    };
    for value in ["first", "second"] {
        engine.submit(
            RunRequest::new(with_text(value), dir.path())
                .scope(Scope::Node(NodeId::from("a")))
                .store(Some(store.clone())),
        );
        events_until_finished(&mut engine);
    }
    let (histories, _) = store.histories();
    assert_eq!(histories[&NodeId::from("a")].history.len(), 2);

    engine
        .handle()
        .set_active(store.clone(), NodeId::from("a"), 0);
    let changed = events_until(&mut engine, |e| {
        matches!(
            e,
            Event::ActiveResultChanged { .. } | Event::StoreProblem { .. }
        )
    });
    match changed.last() {
        Some(Event::ActiveResultChanged { node, outputs, .. }) => {
            assert_eq!(node.as_str(), "a");
            assert_eq!(
                outputs.get("text").map(Value::to_text).as_deref(),
                Some("first")
            );
        }
        other => panic!("expected active_result_changed, got {other:?}"),
    }
    engine.submit(
        RunRequest::new(with_text("second"), dir.path())
            .scope(Scope::Node(NodeId::from("b")))
            .store(Some(store.clone())),
    );
    let events = events_until_finished(&mut engine);
    assert_eq!(
        output_text(&events, "b", "text").as_deref(),
        Some("got first")
    );
    let (results, _) = store.load_results();
    assert_eq!(
        results[&NodeId::from("a")].entry.run,
        histories[&NodeId::from("a")].history[0].run
    );

    // A result that is not there is a store problem, not a crash.
    engine.handle().set_active(store, NodeId::from("a"), 9);
    let problem = events_until(&mut engine, |e| matches!(e, Event::StoreProblem { .. }));
    match problem.last() {
        Some(Event::StoreProblem { message, .. }) => {
            assert!(
                message.contains("`a`") && message.contains("no result number 10"),
                "{message}"
            )
        }
        other => panic!("expected a store problem, got {other:?}"),
    }
}

#[test]
fn results_another_process_stores_meanwhile_count_for_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let store = flowcanvas::store::Store::at(dir.path().join("x.flow.d"));
    let flow = Arc::new(flow(vec![text("a"), text("b")], &[]));
    let node = |id: &str| Scope::Node(NodeId::from(id));
    // The app's engine runs `a`; then "the CLI" (another engine) runs `b` into the same store.
    let mut app = engine();
    app.submit(
        RunRequest::new(flow.clone(), dir.path())
            .scope(node("a"))
            .store(Some(store.clone())),
    );
    events_until_finished(&mut app);
    let mut cli = engine();
    cli.submit(
        RunRequest::new(flow.clone(), dir.path())
            .scope(node("b"))
            .store(Some(store.clone())),
    );
    events_until_finished(&mut cli);
    // The app's Missing run sees both results: nothing left to run.
    app.submit(
        RunRequest::new(flow, dir.path())
            .mode(RunMode::Missing)
            .store(Some(store)),
    );
    let events = events_until_finished(&mut app);
    assert!(started_order(&events).is_empty(), "{events:#?}");
}

/// A shell step that, while it works, has a file in `running/`; it appends how many files
/// are there (itself included) to `counts`.
fn counted_shell(id: &str) -> Node {
    let command = format!(
        "mkdir -p running && touch running/{id} && ls running | wc -l >> counts \
         && sleep 0.3 && rm running/{id}"
    );
    Node::new(id, "shell").with_param("command", command.as_str())
}

#[test]
fn a_kind_limit_caps_how_many_steps_of_that_kind_run_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut flow = flow(
        (0..6).map(|i| counted_shell(&format!("s{i}"))).collect(),
        &[],
    );
    flow.settings.max_parallel = Some(4);
    flow.settings.kind_limits.insert("shell".into(), 2);
    let mut engine = engine();
    engine.submit(request(flow, dir.path()));
    let events = events_until_finished(&mut engine);
    assert_eq!(finished(&events).0, RunState::Completed);
    let counts = std::fs::read_to_string(dir.path().join("counts")).unwrap();
    let most = counts
        .split_whitespace()
        .map(|n| n.parse::<usize>().unwrap())
        .max()
        .unwrap();
    assert!(
        most <= 2,
        "at most two shell steps at once, saw {most}: {counts}"
    );

    // Without the kind limit the same flow runs four at once (the run's `max_parallel`).
    let dir = tempfile::tempdir().unwrap();
    let mut flow = flow_of_counted(6);
    flow.settings.max_parallel = Some(4);
    engine.submit(request(flow, dir.path()));
    events_until_finished(&mut engine);
    let counts = std::fs::read_to_string(dir.path().join("counts")).unwrap();
    let most = counts
        .split_whitespace()
        .map(|n| n.parse::<usize>().unwrap())
        .max();
    assert!(
        most > Some(2),
        "more than two at once without the limit: {counts}"
    );
}

fn flow_of_counted(n: usize) -> flowcanvas::model::Flow {
    flow(
        (0..n).map(|i| counted_shell(&format!("s{i}"))).collect(),
        &[],
    )
}

#[test]
fn fail_fast_starts_nothing_after_a_failure_and_lets_running_steps_finish() {
    let dir = tempfile::tempdir().unwrap();
    let mut flow = flow(
        vec![
            Node::new("a_boom", "shell").with_param("command", "exit 1"),
            Node::new("b_slow", "delay").with_param("ms", 300.0),
            template("d_after", &["x"]),
            Node::new("c_later", "delay").with_param("ms", 10.0),
        ],
        &[("b_slow.out", "d_after.x")],
    );
    flow.settings.max_parallel = Some(2);
    let mut engine = engine();
    engine.submit(request(flow.clone(), dir.path()).max_parallel(2));
    let events = events_until_finished(&mut engine);
    let statuses = finished(&events).2;
    let status = |id: &str| statuses.iter().find(|(n, _)| n == id).map(|(_, s)| *s);
    // Independent branches go on by default.
    assert_eq!(status("d_after"), Some(NodeStatus::Succeeded));
    assert_eq!(status("c_later"), Some(NodeStatus::Succeeded));

    flow.settings.fail_fast = true;
    engine.submit(request(flow, dir.path()));
    let events = events_until_finished(&mut engine);
    let statuses = finished(&events).2;
    let status = |id: &str| statuses.iter().find(|(n, _)| n == id).map(|(_, s)| *s);
    assert_eq!(status("a_boom"), Some(NodeStatus::Failed));
    assert_eq!(
        status("b_slow"),
        Some(NodeStatus::Succeeded),
        "a running step is not stopped"
    );
    assert_eq!(status("d_after"), Some(NodeStatus::Skipped));
    assert_eq!(status("c_later"), Some(NodeStatus::Skipped));
    let reason = events.iter().find_map(|e| match e {
        Event::NodeSkipped { node, reason, .. } if node.as_str() == "c_later" => {
            Some(reason.clone())
        }
        _ => None,
    });
    assert_eq!(
        reason.as_deref(),
        Some("not started: fail fast after `a_boom` failed")
    );
}

#[test]
fn batch_items_count_one_by_one_against_their_kind_limit() {
    // A batch of six shell items (asking for four at once) beside two single shell steps,
    // with room for four steps at once but a shell limit of 2: never more than two shell
    // commands run at the same time, items included.
    let dir = tempfile::tempdir().unwrap();
    let count = "mkdir -p running && touch running/$$ && ls running | wc -l >> counts \
                 && sleep 0.2 && rm running/$$";
    let mut batched = Node::new("each", "shell").with_param("command", count);
    batched.concurrency = Some(4);
    let mut flow = flow(
        vec![
            Node::new("items", "batch").with_param("items", "1\n2\n3\n4\n5\n6"),
            batched,
            Node::new("solo1", "shell").with_param("command", count),
            Node::new("solo2", "shell").with_param("command", count),
        ],
        &[("items.items", "each.stdin")],
    );
    flow.settings.max_parallel = Some(4);
    flow.settings.kind_limits.insert("shell".into(), 2);
    let mut engine = engine();
    engine.submit(request(flow.clone(), dir.path()));
    let events = events_until_finished(&mut engine);
    assert_eq!(finished(&events).0, RunState::Completed, "{events:?}");
    let most = |dir: &Path| {
        std::fs::read_to_string(dir.join("counts"))
            .unwrap()
            .split_whitespace()
            .map(|n| n.parse::<usize>().unwrap())
            .max()
            .unwrap()
    };
    assert!(most(dir.path()) <= 2, "at most two shell commands at once");

    // Without the limit the batch's own four at once show.
    let dir = tempfile::tempdir().unwrap();
    flow.settings.kind_limits.clear();
    engine.submit(request(flow, dir.path()));
    let events = events_until_finished(&mut engine);
    assert_eq!(finished(&events).0, RunState::Completed);
    assert!(most(dir.path()) > 2, "more than two without the limit");
}
