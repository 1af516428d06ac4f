//! A run's timeline in the app (issue 13): the Runs drawer opens a recorded run's Timeline
//! in the Flow Monitor, its bars are drawn in lanes, Export trace writes the same trace the
//! command line writes, and this window's own run has a timeline as it goes.

use std::path::{Path, PathBuf};
use std::process::Command;

use eframe::egui;
use flowcanvas::plan::{RunMode, Scope};
use flowcanvas::session::commands::{AppCommand, DrawerTab};
use flowcanvas::ui::monitor::MonitorTab;
use serde_json::Value as Json;

use crate::support::{button, frame, frames_until, open_settled, painted_texts, pointer_frame};

const BIN: &str = env!("CARGO_BIN_EXE_flowcanvas");

/// Two independent `sleep` steps and one after both, titled.
const PARALLEL: &str = r#"Flow(
    version: 1,
    nodes: [
        Node(id: "left", kind: "shell", title: "Left sleep", params: {"command": "sleep 0.2; echo left"}),
        Node(id: "right", kind: "shell", title: "Right sleep", params: {"command": "sleep 0.2; echo right"}),
        Node(id: "join", kind: "template", title: "Join both", params: {"template": "{a} {b}", "vars": ["a", "b"]}),
    ],
    edges: ["left.stdout -> join.a", "right.stdout -> join.b"],
)
"#;

fn flow_file(dir: &Path) -> PathBuf {
    let path = dir.join("par.flow");
    std::fs::write(&path, PARALLEL).unwrap();
    path
}

/// Where a text was painted (the first such text whose centre `inside` accepts).
fn painted_at(
    output: &egui::FullOutput,
    text: &str,
    inside: impl Fn(egui::Pos2) -> bool,
) -> Option<egui::Rect> {
    painted_texts(output)
        .into_iter()
        .find(|(t, rect)| t == text && inside(rect.center()))
        .map(|(_, rect)| rect)
}

/// The bars' labels (status icon and title) and where they were painted.
fn bar_labels(output: &egui::FullOutput) -> Option<[egui::Rect; 3]> {
    let anywhere = |_: egui::Pos2| true;
    Some([
        painted_at(output, "✔ Left sleep", anywhere)?,
        painted_at(output, "✔ Right sleep", anywhere)?,
        painted_at(output, "✔ Join both", anywhere)?,
    ])
}

fn trace_events(trace: &Json) -> Vec<(String, u64)> {
    (trace["traceEvents"].as_array().unwrap().iter())
        .filter(|e| e["ph"] == "X" && e["cat"] == "step")
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_owned(),
                e["tid"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn gui_timeline_of_a_recorded_run_opens_from_the_drawer_and_exports_the_cli_trace() {
    let dir = tempfile::tempdir().unwrap();
    let path = flow_file(dir.path());
    let ran = Command::new(BIN)
        .args(["run", "--parallel", "2"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let (ctx, mut app) = open_settled(path.clone());
    frames_until(&ctx, &mut app, "the run history to be read", |app, _| {
        app.session.catalog.runs.len() == 1
    });
    let id = app.session.catalog.runs[0].id.clone();

    // The Runs drawer's Timeline button, clicked where it is painted.
    app.push(AppCommand::ToggleDrawer(DrawerTab::Runs));
    let drawer_left = 1440.0 - 400.0;
    let output = frames_until(
        &ctx,
        &mut app,
        "the drawer's Timeline button",
        |_, output| painted_at(output, "Timeline", |at| at.x > drawer_left).is_some(),
    );
    let at = painted_at(&output, "Timeline", |at| at.x > drawer_left)
        .unwrap()
        .center();
    pointer_frame(&ctx, &mut app, vec![egui::Event::PointerMoved(at)]);
    pointer_frame(&ctx, &mut app, vec![button(at, true)]);
    pointer_frame(&ctx, &mut app, vec![button(at, false)]);
    frame(&ctx, &mut app);
    assert_eq!(app.monitor.tab, MonitorTab::Timeline);
    assert_eq!(app.monitor.timeline_run.as_deref(), Some(id.as_str()));

    // One bar per step: the two sleeps in two lanes (one above the other, overlapping in
    // time), the step after both to the right of both.
    let output = frames_until(&ctx, &mut app, "the bars of the run", |_, output| {
        bar_labels(output).is_some()
    });
    let [left, right, join] = bar_labels(&output).unwrap();
    assert!(
        (left.center().y - right.center().y).abs() > 10.0,
        "two lanes: {left:?} {right:?}"
    );
    assert!(left.left() < right.right() && right.left() < left.right() + 200.0);
    assert!(
        join.left() > left.left() && join.left() > right.left(),
        "{join:?}"
    );
    assert!(
        painted_texts(&output)
            .iter()
            .any(|(t, _)| t.starts_with("Run #1, ")),
        "the header names the run"
    );
    assert!(
        painted_texts(&output)
            .iter()
            .any(|(t, _)| t == "Export trace…"),
        "the export button is there"
    );

    // Hovering a bar shows the step's times.
    let over = left.center();
    let _ = crate::support::frame_with(&ctx, &mut app, vec![egui::Event::PointerMoved(over)]);
    let output = frames_until(&ctx, &mut app, "the hovered bar's times", |_, output| {
        painted_texts(output)
            .iter()
            .any(|(t, _)| t.starts_with("started at "))
    });
    let texts: Vec<String> = painted_texts(&output).into_iter().map(|(t, _)| t).collect();
    assert!(texts.iter().any(|t| t == "Left sleep"), "{texts:?}");
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("outputs: ") && t.contains("stdout 5 B")),
        "{texts:?}"
    );

    // Export trace writes what `flowcanvas runs FILE 1 --trace -` prints.
    let out = dir.path().join("exported.json");
    app.push(AppCommand::ExportTrace {
        run: Some(id.clone()),
        to: Some(out.clone()),
    });
    frames_until(&ctx, &mut app, "the trace to be written", |_, _| {
        out.exists()
    });
    let exported: Json = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let cli = Command::new(BIN)
        .arg("runs")
        .arg(&path)
        .args(["1", "--trace", "-"])
        .output()
        .unwrap();
    let from_cli: Json = serde_json::from_slice(&cli.stdout).unwrap();
    assert_eq!(exported, from_cli, "one timeline, one trace");
    let steps = trace_events(&exported);
    assert_eq!(steps.len(), 3, "{steps:?}");
    assert_ne!(steps[0].1, steps[1].1, "the sleeps are in two lanes");
}

#[test]
fn gui_timeline_of_this_windows_run_draws_its_lanes() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, mut app) = open_settled(flow_file(dir.path()));
    app.push(AppCommand::ShowTimeline(None));
    let output = frames_until(&ctx, &mut app, "the empty timeline", |_, output| {
        painted_texts(output)
            .iter()
            .any(|(t, _)| t.starts_with("No run yet"))
    });
    assert!(bar_labels(&output).is_none());
    app.push(AppCommand::Queue {
        scope: Scope::Flow,
        mode: RunMode::All,
        inputs: Default::default(),
        parallel: Some(2),
        fail_fast: None,
        timeout: None,
        checkpoints: Default::default(),
    });
    frames_until(&ctx, &mut app, "the run to end", |app, _| {
        let view = &app.session.run_view;
        view.run.is_some() && !view.is_running()
    });
    let timeline = app.session.run_view.timeline();
    assert_eq!(timeline.lanes.len(), 2, "{timeline:#?}");
    let output = frames_until(&ctx, &mut app, "the bars of the run", |_, output| {
        bar_labels(output).is_some()
    });
    let [left, right, _] = bar_labels(&output).unwrap();
    assert!((left.center().y - right.center().y).abs() > 10.0);
    assert!(
        painted_texts(&output)
            .iter()
            .any(|(t, _)| t == "This window's run"),
        "the window's own run is shown"
    );
}
