//! Checkpoints in the app: a run parks at a marked step, the Flow Monitor shows the
//! checkpoint card, and its buttons (clicked, with a typed comment) approve, skip or reject.

use std::path::{Path, PathBuf};

use eframe::egui;
use flowcanvas::app::FlowcanvasApp;
use flowcanvas::exec::RunState;
use flowcanvas::model::Verdict;
use flowcanvas::store::{RunRecord, Store};

use crate::support::{click_at, find_text, frame, frame_with, open_settled, wait_for};

/// Draft → Review (a checkpoint) → Send, nothing outside the flow.
fn reviewed_flow(dir: &Path) -> PathBuf {
    let path = dir.join("review.flow");
    std::fs::write(
        &path,
        r#"Flow(version: 1, nodes: [
    Node(id: "draft", kind: "text", title: "Draft", params: {"text": "Dear team, the release is ready."}),
    Node(id: "review", kind: "template", title: "Review", params: {"template": "{x} (reviewed)", "vars": ["x"]},
         checkpoint: Some("Read the draft before it goes out")),
    Node(id: "send", kind: "template", title: "Send", params: {"template": "sent: {x}", "vars": ["x"]}),
], edges: ["draft.text -> review.x", "review.text -> send.x"])"#,
    )
    .unwrap();
    path
}

fn records(path: &Path) -> Vec<RunRecord> {
    Store::for_flow(path).runs().0
}

/// Runs the flow from the top bar's Run and waits until it parks at Review.
fn park(ctx: &egui::Context, app: &mut FlowcanvasApp, path: &Path) {
    app.push(flowcanvas::session::commands::AppCommand::Run(
        flowcanvas::plan::Scope::Flow,
    ));
    wait_for(ctx, app, "the run to park", |app| {
        app.session
            .awaiting()
            .is_some_and(|a| a.node.as_str() == "review")
    });
    wait_for(ctx, app, "the record to say paused", |_| {
        records(path)
            .last()
            .is_some_and(|r| r.status == RunState::Paused)
    });
    find_text(ctx, app, "⏸ Checkpoint before `Review`: your decision");
    find_text(ctx, app, "Read the draft before it goes out");
    find_text(ctx, app, "Dear team, the release is ready.");
}

/// Types `text` into the card's comment box.
fn type_comment(ctx: &egui::Context, app: &mut FlowcanvasApp, text: &str) {
    let hint = find_text(
        ctx,
        app,
        "optional; kept with the decision (a rejection's reason)",
    );
    click_at(ctx, app, hint.center());
    frame_with(ctx, app, vec![egui::Event::Text(text.to_owned())]);
    frame(ctx, app);
}

#[test]
fn approve_on_the_card_runs_the_step_and_records_the_comment() {
    let dir = tempfile::tempdir().unwrap();
    let path = reviewed_flow(dir.path());
    let (ctx, mut app) = open_settled(path.clone());
    park(&ctx, &mut app, &path);
    type_comment(&ctx, &mut app, "reads well");
    let approve = find_text(&ctx, &mut app, "✔ Approve");
    click_at(&ctx, &mut app, approve.center());
    wait_for(&ctx, &mut app, "the run to complete", |_| {
        records(&path)
            .last()
            .is_some_and(|r| r.status == RunState::Completed)
    });
    let record = records(&path).pop().unwrap();
    assert_eq!(records(&path).len(), 1, "the same run went on");
    assert_eq!(record.decisions.len(), 1);
    assert_eq!(record.decisions[0].verdict, Verdict::Approve);
    assert_eq!(record.decisions[0].comment, "reads well");
    wait_for(&ctx, &mut app, "the card to go", |app| {
        app.session.awaiting().is_none()
    });
}

#[test]
fn reject_on_the_card_ends_the_run_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = reviewed_flow(dir.path());
    let (ctx, mut app) = open_settled(path.clone());
    park(&ctx, &mut app, &path);
    type_comment(&ctx, &mut app, "too short");
    let reject = find_text(&ctx, &mut app, "✋ Reject run");
    click_at(&ctx, &mut app, reject.center());
    let record = records(&path).pop().unwrap();
    assert_eq!(record.status, RunState::Rejected);
    assert_eq!(record.decisions[0].comment, "too short");
    wait_for(&ctx, &mut app, "the card to go", |app| {
        app.session.awaiting().is_none()
    });
}

#[test]
fn skip_on_the_card_leaves_the_step_out_and_the_run_completes() {
    let dir = tempfile::tempdir().unwrap();
    let path = reviewed_flow(dir.path());
    let (ctx, mut app) = open_settled(path.clone());
    park(&ctx, &mut app, &path);
    let skip = find_text(&ctx, &mut app, "» Skip this step");
    click_at(&ctx, &mut app, skip.center());
    wait_for(&ctx, &mut app, "the run to end", |_| {
        records(&path).last().is_some_and(|r| r.status.is_over())
    });
    let record = records(&path).pop().unwrap();
    assert_eq!(record.status, RunState::Completed, "{:?}", record.summary);
    assert_eq!(record.decisions[0].verdict, Verdict::Skip);
}

#[test]
fn a_run_parked_by_another_process_shows_its_card_when_the_flow_opens() {
    let dir = tempfile::tempdir().unwrap();
    let path = reviewed_flow(dir.path());
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_flowcanvas"))
        .args(["run", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4));
    let (ctx, mut app) = open_settled(path.clone());
    wait_for(&ctx, &mut app, "the parked run to be read", |app| {
        app.session.awaiting().is_some()
    });
    find_text(
        &ctx,
        &mut app,
        "⏸ Checkpoint before `Review`: your decision",
    );
    // The step says so on the canvas too, though another process ran it.
    find_text(&ctx, &mut app, "⏸ waiting for your decision");
    let approve = find_text(&ctx, &mut app, "✔ Approve");
    click_at(&ctx, &mut app, approve.center());
    wait_for(&ctx, &mut app, "the run to complete", |_| {
        records(&path)
            .last()
            .is_some_and(|r| r.status == RunState::Completed)
    });
}
