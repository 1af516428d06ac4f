//! The run page: opened from the Runs drawer or the "waits for your decision" notice, it
//! shows the run's state with the action that fits it, a summary, its steps with Inspect
//! output, its parameters and its transcript.

use std::path::{Path, PathBuf};
use std::process::Command;

use eframe::egui;
use flowcanvas::app::FlowcanvasApp;
use flowcanvas::exec::RunState;
use flowcanvas::session::commands::AppCommand;
use flowcanvas::store::Store;

use crate::support::{click_text, frame, frame_with, open_settled, painted_texts, wait_for};

const BIN: &str = env!("CARGO_BIN_EXE_flowcanvas");

fn write_flow(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn texts(ctx: &egui::Context, app: &mut FlowcanvasApp) -> Vec<(String, egui::Rect)> {
    painted_texts(&frame_with(ctx, app, Vec::new()))
}

fn shows(ctx: &egui::Context, app: &mut FlowcanvasApp, wanted: &str) -> bool {
    texts(ctx, app).iter().any(|(t, _)| t.contains(wanted))
}

#[test]
fn the_notice_of_a_parked_run_opens_its_page_with_the_card_summary_steps_and_tabs() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_flow(
        dir.path(),
        "review.flow",
        r#"Flow(version: 1, nodes: [
    Node(id: "draft", kind: "text", title: "Draft", params: {"text": "Dear team"}, promote: Some(Promotion(label: "Opening"))),
    Node(id: "review", kind: "template", title: "Review", params: {"template": "{x}, reviewed", "vars": ["x"]},
         checkpoint: Some("Read the draft first")),
], edges: ["draft.text -> review.x"])"#,
    );
    let output = Command::new(BIN)
        .args(["run", path.to_str().unwrap(), "--set", "Opening=Hello all"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4));
    let (ctx, mut app) = open_settled(path.clone());
    wait_for(&ctx, &mut app, "the parked run to be read", |app| {
        app.session.awaiting().is_some()
    });
    assert!(shows(
        &ctx,
        &mut app,
        "Run #1 waits for your decision before `Review`."
    ));
    click_text(&ctx, &mut app, "Open its run page");
    assert!(app.run_page.is_some(), "the page opened");
    for wanted in [
        "⏸ paused",
        "Flow paused before `Review` for a decision",
        "whole flow, mode all, checkpoints: Flow defaults (marked steps)",
        "Opening = Hello all",
        "1. Draft",
        "2. Review",
        "not reached",
        "Read the draft first",
    ] {
        assert!(shows(&ctx, &mut app, wanted), "the page shows {wanted:?}");
    }
    // Inspect output: the whole result and its raw JSON.
    click_text(&ctx, &mut app, "Inspect output");
    click_text(&ctx, &mut app, "Raw JSON");
    assert!(
        shows(&ctx, &mut app, "\"text\": \"Hello all\""),
        "the raw JSON"
    );
    click_text(&ctx, &mut app, "Parameters");
    assert!(shows(&ctx, &mut app, "Input “Opening”"));
    click_text(&ctx, &mut app, "Transcript");
    assert!(shows(&ctx, &mut app, "1. Draft — succeeded"));

    // The card on the page decides the run.
    click_text(&ctx, &mut app, "✔ Approve");
    wait_for(&ctx, &mut app, "the run to complete", |_| {
        Store::for_flow(&path)
            .runs()
            .0
            .last()
            .is_some_and(|r| r.status == RunState::Completed)
    });
}

#[test]
fn a_blocked_run_s_page_offers_resume_and_resume_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_flow(
        dir.path(),
        "reads.flow",
        r#"Flow(version: 1, nodes: [
    Node(id: "read", kind: "read_file", title: "Read data", values: {"path": "input.txt"}),
])"#,
    );
    let output = Command::new(BIN).arg("run").arg(&path).output().unwrap();
    assert_eq!(output.status.code(), Some(5));
    let (ctx, mut app) = open_settled(path.clone());
    wait_for(&ctx, &mut app, "the runs to be read", |app| {
        !app.session.catalog.runs.is_empty()
    });
    let id = app.session.catalog.runs[0].id.clone();
    app.push(AppCommand::OpenRunPage(id));
    frame(&ctx, &mut app);
    frame(&ctx, &mut app);
    let shown: Vec<String> = texts(&ctx, &mut app).into_iter().map(|(t, _)| t).collect();
    assert!(shown.iter().any(|t| t.contains("⛔ blocked")), "{shown:?}");
    assert!(shows(
        &ctx,
        &mut app,
        "To go on: put the file there, or change the path, then Resume."
    ));
    std::fs::write(dir.path().join("input.txt"), "now here").unwrap();
    click_text(&ctx, &mut app, "▶ Resume");
    wait_for(&ctx, &mut app, "the resumed run to complete", |_| {
        let runs = Store::for_flow(&path).runs().0;
        runs.len() == 2 && runs[1].status == RunState::Completed
    });
}
