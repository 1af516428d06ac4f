//! The run controls in the app: Pause / Resume and Cancel in the Flow Monitor's header and
//! on the queue's running item act on the running run; Run from here in a node's menu opens
//! the run panel on that scope.

use std::time::Duration;

use eframe::egui;
use flowcanvas::app::FlowcanvasApp;
use flowcanvas::exec::RunState;
use flowcanvas::model::NodeId;
use flowcanvas::plan::{RunMode, Scope};
use flowcanvas::session::commands::AppCommand;
use flowcanvas::session::run_view::Held;
use flowcanvas::status::NodeStatus;

use crate::support::{
    button, click_text, frame, frame_with, open_settled, painted_texts, pointer_frame, wait_for,
};

fn shows(ctx: &egui::Context, app: &mut FlowcanvasApp, label: &str) -> bool {
    let output = frame_with(ctx, app, Vec::new());
    painted_texts(&output).iter().any(|(text, _)| text == label)
}

fn status(app: &FlowcanvasApp, id: &str) -> NodeStatus {
    app.session
        .run_view
        .node(&NodeId::from(id))
        .map_or(NodeStatus::Idle, |v| v.status)
}

#[test]
fn pause_resume_and_cancel_from_the_monitor_hold_back_and_end_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = crate::support::waits_flow(dir.path(), 3, 500);
    let (ctx, mut app) = open_settled(path);
    app.push(AppCommand::Queue {
        scope: Scope::Flow,
        mode: RunMode::All,
        inputs: Default::default(),
        parallel: None,
        fail_fast: None,
        timeout: None,
        checkpoints: Default::default(),
    });
    wait_for(&ctx, &mut app, "a to start", |app| {
        status(app, "a") == NodeStatus::Running
    });
    click_text(&ctx, &mut app, "⏸ Pause");
    wait_for(&ctx, &mut app, "the pause", |app| {
        app.session.run_view.held == Some(Held::Paused)
    });
    // The running wait finishes; the next one does not start.
    wait_for(&ctx, &mut app, "a to finish", |app| {
        status(app, "a") == NodeStatus::Succeeded
    });
    assert!(
        shows(&ctx, &mut app, "⏸ Paused"),
        "the header says the run is paused"
    );
    for _ in 0..20 {
        frame(&ctx, &mut app);
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        status(&app, "b"),
        NodeStatus::Queued,
        "nothing starts while paused"
    );

    click_text(&ctx, &mut app, "▶ Resume");
    wait_for(&ctx, &mut app, "b to start", |app| {
        status(app, "b") == NodeStatus::Running
    });
    assert_eq!(app.session.run_view.held, None);
    click_text(&ctx, &mut app, "Cancel");
    wait_for(&ctx, &mut app, "the run to end", |app| {
        !app.session.run_view.is_running()
    });
    let view = &app.session.run_view;
    assert_eq!(view.status, Some(RunState::Cancelled));
    assert_eq!(
        status(&app, "b"),
        NodeStatus::Succeeded,
        "the running wait finished"
    );
    assert_eq!(status(&app, "c"), NodeStatus::Cancelled);
    let reason = view
        .node(&NodeId::from("c"))
        .and_then(|v| v.skip_reason.clone());
    assert_eq!(
        reason.as_deref(),
        Some("not started: the run was cancelled")
    );
    assert!(
        view.summary
            .as_deref()
            .is_some_and(|s| s.starts_with("Flow cancelled")),
        "{:?}",
        view.summary
    );
}

#[test]
fn the_running_item_of_the_queue_has_the_same_controls() {
    let dir = tempfile::tempdir().unwrap();
    let path = crate::support::waits_flow(dir.path(), 2, 400);
    let (ctx, mut app) = open_settled(path);
    app.push(AppCommand::OpenRunPanel(Scope::Flow));
    app.push(AppCommand::Queue {
        scope: Scope::Flow,
        mode: RunMode::All,
        inputs: Default::default(),
        parallel: None,
        fail_fast: None,
        timeout: None,
        checkpoints: Default::default(),
    });
    wait_for(&ctx, &mut app, "a to start", |app| {
        status(app, "a") == NodeStatus::Running
    });
    // The monitor and the queue both show Stop now; the queue's is the upper one (the
    // monitor is docked at the bottom).
    let output = frame_with(&ctx, &mut app, Vec::new());
    let stops: Vec<egui::Rect> = painted_texts(&output)
        .into_iter()
        .filter(|(text, _)| text == "⏹ Stop now")
        .map(|(_, rect)| rect)
        .collect();
    assert_eq!(
        stops.len(),
        2,
        "in the monitor's header and on the queue item"
    );
    let queue_stop = stops
        .iter()
        .min_by(|a, b| a.top().total_cmp(&b.top()))
        .unwrap()
        .center();
    pointer_frame(&ctx, &mut app, vec![egui::Event::PointerMoved(queue_stop)]);
    pointer_frame(&ctx, &mut app, vec![button(queue_stop, true)]);
    pointer_frame(&ctx, &mut app, vec![button(queue_stop, false)]);
    wait_for(&ctx, &mut app, "the run to end", |app| {
        !app.session.run_view.is_running()
    });
    let view = &app.session.run_view;
    assert_eq!(view.status, Some(RunState::Cancelled));
    assert_eq!(
        status(&app, "a"),
        NodeStatus::Cancelled,
        "Stop cut the running wait short"
    );
    assert!(view
        .summary
        .as_deref()
        .is_some_and(|s| s.starts_with("Flow stopped")));
}

#[test]
fn run_from_here_in_the_node_menu_opens_the_run_panel_on_that_scope() {
    let (_dir, path) = crate::support::example("pipeline.flow");
    let (ctx, mut app) = open_settled(path);
    let flow = app.session.doc.flow().clone();
    // The first step of the flow that feeds another step.
    let plan = flowcanvas::plan::plan(
        &flow,
        &flowcanvas::nodes::Registry::builtin(),
        &Scope::Flow,
        RunMode::All,
        &|_| false,
    )
    .unwrap();
    let start = plan
        .steps
        .iter()
        .find(|s| !s.deps.is_empty())
        .unwrap()
        .node
        .clone();
    let menu = egui::Id::new(("node_menu", start.as_str()));
    ctx.memory_mut(|m| m.open_popup(menu));
    // A popup's first frame only measures it.
    frame(&ctx, &mut app);
    click_text(&ctx, &mut app, "⏭ Run from here…");
    assert!(app.run_panel.open);
    assert_eq!(app.run_panel.scope, Scope::FromHere(start.clone()));
    let title = flowcanvas::model::NodeLabels::of(&flow).quoted(&start);
    assert!(
        shows(&ctx, &mut app, &format!("Run the flow from {title}")),
        "the run panel names the scope by title"
    );
}

#[test]
fn stop_at_first_failure_from_the_run_panel_skips_what_had_not_started_and_can_be_saved() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fails.flow");
    std::fs::write(
        &path,
        r#"Flow(version: 1, nodes: [
            Node(id: "a_bad", kind: "json_parse", title: "Parse", values: {"text": "not json"}),
            Node(id: "b_wait", kind: "delay", title: "Wait", params: {"ms": 50}),
        ])"#,
    )
    .unwrap();
    let (ctx, mut app) = open_settled(path);
    app.push(AppCommand::OpenRunPanel(Scope::Flow));
    frame(&ctx, &mut app);
    click_text(&ctx, &mut app, "Stop at first failure");
    assert_eq!(app.run_panel.schedule.fail_fast, Some(true));
    assert!(
        !app.session.doc.flow().settings.fail_fast,
        "the file is not changed"
    );
    click_text(&ctx, &mut app, "▶ Run");
    wait_for(&ctx, &mut app, "the run to end", |app| {
        app.session.run_view.run.is_some() && !app.session.run_view.is_running()
    });
    assert_eq!(status(&app, "a_bad"), NodeStatus::Failed);
    assert_eq!(status(&app, "b_wait"), NodeStatus::Skipped);
    let reason = app
        .session
        .run_view
        .node(&NodeId::from("b_wait"))
        .and_then(|v| v.skip_reason.clone());
    assert_eq!(
        reason.as_deref(),
        Some("not started: fail fast after `Parse` failed")
    );

    // Saved as the flow's setting: one undo step, and the panel follows the flow again.
    click_text(&ctx, &mut app, "Save in the flow");
    assert!(app.session.doc.flow().settings.fail_fast);
    assert_eq!(app.run_panel.schedule.fail_fast, None);
    assert!(app.session.doc.is_dirty());
    app.push(AppCommand::Undo);
    frame(&ctx, &mut app);
    assert!(!app.session.doc.flow().settings.fail_fast);
}

#[test]
fn limits_per_kind_are_added_changed_and_removed_in_the_run_panel_as_flow_settings() {
    let dir = tempfile::tempdir().unwrap();
    let path = crate::support::waits_flow(dir.path(), 2, 10);
    let (ctx, mut app) = open_settled(path);
    app.push(AppCommand::OpenRunPanel(Scope::Flow));
    frame(&ctx, &mut app);
    click_text(&ctx, &mut app, "Limits per kind");
    click_text(&ctx, &mut app, "Add a limit…");
    // The menu's first frame only measures it.
    frame(&ctx, &mut app);
    click_text(&ctx, &mut app, "Shell command");
    let limits = &app.session.doc.flow().settings.kind_limits;
    assert_eq!(limits.get("shell"), Some(&1), "{limits:?}");
    assert!(shows(&ctx, &mut app, "Limits per kind (1)"));
    click_text(&ctx, &mut app, "✖");
    assert!(app.session.doc.flow().settings.kind_limits.is_empty());
}

#[test]
fn steps_running_side_by_side_do_not_keep_the_window_redrawing() {
    // Three waits at once: the window needs a frame now and then for the ticking times and
    // breathing rings, not one frame after another (the monitor once scrolled back and forth
    // between the running steps, animating without end).
    let dir = tempfile::tempdir().unwrap();
    let path = crate::support::waits_flow(dir.path(), 3, 3000);
    let (ctx, mut app) = open_settled(path);
    app.push(AppCommand::Queue {
        scope: Scope::Flow,
        mode: RunMode::All,
        inputs: Default::default(),
        parallel: Some(3),
        fail_fast: None,
        timeout: None,
        checkpoints: Default::default(),
    });
    wait_for(&ctx, &mut app, "the three to run", |app| {
        ["a", "b", "c"]
            .iter()
            .all(|id| status(app, id) == NodeStatus::Running)
    });
    let mut delays = Vec::new();
    for _ in 0..30 {
        let output = frame_with(&ctx, &mut app, Vec::new());
        let delay = output
            .viewport_output
            .get(&egui::ViewportId::ROOT)
            .map(|v| v.repaint_delay)
            .unwrap();
        delays.push(delay);
    }
    let settled = &delays[10..];
    assert!(
        settled.iter().all(|d| *d >= Duration::from_millis(100)),
        "the window asks to be redrawn at once: {delays:?}"
    );
    app.push(AppCommand::Stop);
}

#[test]
fn a_recorded_runs_step_shows_its_transcript_in_the_monitor() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("talk.flow");
    std::fs::write(
        &path,
        r#"Flow(version: 1, nodes: [
    Node(id: "a", kind: "shell", title: "Talk", params: {"command": "echo hello; echo oops >&2"}),
])"#,
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_flowcanvas"))
        .arg("run")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    // A new window shows the flow's last recorded run; a step's row shows what it said.
    let (ctx, mut app) = open_settled(path);
    wait_for(&ctx, &mut app, "the run history", |app| {
        !app.session.catalog.runs.is_empty()
    });
    let record = app.session.catalog.runs.last().unwrap();
    assert_eq!(
        record.nodes[0].stdout.as_deref(),
        Some("hello\n"),
        "{record:?}"
    );
    app.monitor.selected = Some(NodeId::from("a"));
    let output = frame_with(&ctx, &mut app, Vec::new());
    let texts: Vec<String> = painted_texts(&output).into_iter().map(|(t, _)| t).collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("│ hello") && t.contains("! oops")),
        "the transcript is shown: {texts:?}"
    );
}
