//! The app during a retry: the node's status line and its Flow Monitor row say which
//! attempt comes next and when; the run panel's time limit reaches the run.

use std::time::{Duration, Instant};

use flowcanvas::exec::RunState;
use flowcanvas::model::{NodeId, NodeLabels};
use flowcanvas::plan::{RunMode, Scope};
use flowcanvas::session::commands::AppCommand;
use flowcanvas::ui::monitor::row_text;

use crate::support::{frame, frames_until, open_settled, painted_texts};

fn queue(timeout: Option<Duration>) -> AppCommand {
    AppCommand::Queue {
        scope: Scope::Flow,
        mode: RunMode::All,
        inputs: Default::default(),
        parallel: None,
        fail_fast: None,
        timeout,
        checkpoints: Default::default(),
    }
}

#[test]
fn a_step_waiting_to_retry_shows_its_next_attempt_on_the_node_and_in_the_monitor() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("flaky.flow");
    let text = r#"Flow(version: 1, nodes: [
        Node(id: "s", kind: "shell", title: "Flaky", params: {"command": "echo no >&2; exit 1"},
             retry: Some(Retry(attempts: 3, delay_ms: 30000))),
    ])"#;
    std::fs::write(&file, text).unwrap();
    let (ctx, mut app) = open_settled(file);
    app.push(queue(None));
    let output = frames_until(
        &ctx,
        &mut app,
        "the retry shows on the node",
        |_, output| {
            painted_texts(output)
                .iter()
                .any(|(text, _)| text.contains("attempt 2 / 3, next in"))
        },
    );
    let painted: Vec<String> = painted_texts(&output).into_iter().map(|(t, _)| t).collect();
    assert!(
        painted
            .iter()
            .any(|t| t.contains("attempt 2 / 3, next in 30 s")
                || t.contains("attempt 2 / 3, next in 29 s")),
        "{painted:?}"
    );
    let view = &app.session.run_view;
    let flow = app.session.doc.flow().clone();
    let row = row_text(
        view,
        &NodeLabels::of(&flow),
        &NodeId::from("s"),
        Instant::now(),
    );
    assert!(
        row.contains("Flaky — running, attempt 2 / 3, next in"),
        "{row}"
    );

    // Stop during the wait ends the run at once.
    app.push(AppCommand::Stop);
    let stopped = Instant::now();
    frames_until(&ctx, &mut app, "the run ends", |app, _| {
        !app.session.run_view.is_running()
    });
    assert!(stopped.elapsed() < Duration::from_secs(10));
    assert_eq!(app.session.run_view.status, Some(RunState::Cancelled));
}

#[test]
fn the_run_panel_s_time_limit_ends_the_run_timed_out() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("slow.flow");
    let text = r#"Flow(version: 1, nodes: [
        Node(id: "s", kind: "shell", params: {"command": "sleep 30"}),
    ])"#;
    std::fs::write(&file, text).unwrap();
    let (ctx, mut app) = open_settled(file);
    app.push(queue(Some(Duration::from_millis(300))));
    frame(&ctx, &mut app);
    frames_until(&ctx, &mut app, "the run times out", |app, _| {
        app.session.run_view.status == Some(RunState::TimedOut)
    });
    let summary = app.session.run_view.summary.clone().unwrap_or_default();
    assert!(summary.starts_with("Flow timed out"), "{summary}");
}
