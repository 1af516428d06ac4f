//! Panels that make room and state at a glance (issue 12): the run panel and the monitor
//! are docked beside the canvas, the monitor's steps focus their node, the node menu closes
//! on a click outside it, stale results are marked, and the run panel's Missing line counts
//! what Missing mode really reruns.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use eframe::egui;
use flowcanvas::app::{FlowcanvasApp, StartOptions};
use flowcanvas::model::{NodeId, ParamValue};
use flowcanvas::plan::{RunMode, Scope};
use flowcanvas::session::commands::AppCommand;
use flowcanvas::session::edit::DocEdit;
use flowcanvas::ui::canvas::node_body::node_menu_id;
use flowcanvas::ui::monitor;
use flowcanvas::ui::run_panel::missing_mode_line;

use crate::support::frame;

const BIN: &str = env!("CARGO_BIN_EXE_flowcanvas");

fn welcome_app() -> (egui::Context, FlowcanvasApp) {
    let ctx = egui::Context::default();
    let options = StartOptions {
        no_recent: true,
        ..Default::default()
    };
    let app = FlowcanvasApp::new(&ctx, options);
    (ctx, app)
}

#[test]
fn the_run_panel_docks_beside_the_canvas_and_the_nodes_stay_in_view() {
    let (ctx, mut app) = welcome_app();
    for _ in 0..3 {
        frame(&ctx, &mut app);
    }
    let before = app.canvas.rect;
    app.push(AppCommand::OpenRunPanel(Scope::Flow));
    for _ in 0..3 {
        frame(&ctx, &mut app);
    }
    let canvas = app.canvas.rect;
    assert!(
        canvas.right() <= before.right() - 290.0,
        "the canvas gave the panel its room: {before:?} → {canvas:?}"
    );
    assert!(!app.preview.is_empty(), "the plan's badges show");
    for (id, rect) in &app.canvas.state.node_rects {
        assert!(
            canvas.contains_rect(*rect),
            "node {id} at {rect:?} is not under the panel, in the canvas {canvas:?}"
        );
    }
    // After the run, the canvas shows how it went, not the plan's badges.
    crate::support::run_flow_in_app(&ctx, &mut app);
    assert!(app.run_panel.open, "the panel stays open");
    assert!(app.preview.is_empty(), "no preview badges after the run");
    // Changing the mode previews again.
    app.run_panel.mode = RunMode::Missing;
    app.push(AppCommand::OpenRunPanel(Scope::Flow));
    frame(&ctx, &mut app);
    frame(&ctx, &mut app);
    assert!(app.run_panel.shows_plan());
}

#[test]
fn a_monitor_step_selects_and_centres_its_node_and_the_monitor_counts_steps() {
    let (ctx, mut app) = welcome_app();
    for _ in 0..3 {
        frame(&ctx, &mut app);
    }
    let monitor_free = app.canvas.rect;
    crate::support::run_flow_in_app(&ctx, &mut app);
    let view = &app.session.run_view;
    assert_eq!(monitor::progress(view), Some((4, 4)));
    assert_eq!(monitor::progress_text(4, 4), "4 / 4 steps");
    // The docked monitor takes its room from the canvas rather than covering nodes.
    assert!(
        app.canvas.rect.bottom() < monitor_free.bottom() - 100.0,
        "{:?}",
        app.canvas.rect
    );

    // What a click on the third row does.
    let third = view.rows[2].clone();
    app.push(AppCommand::Focus(third.clone()));
    frame(&ctx, &mut app);
    frame(&ctx, &mut app);
    assert_eq!(app.session.selection, std::slice::from_ref(&third));
    assert_eq!(app.monitor.selected.as_ref(), Some(&third));
    let rect = app.canvas.state.node_rects[&third];
    let canvas = app.canvas.rect;
    assert!(canvas.contains_rect(rect), "{rect:?} in {canvas:?}");
    assert!(
        (rect.center() - canvas.center()).length() < 2.0,
        "centred: {rect:?} in {canvas:?}"
    );
}

#[test]
fn failed_and_skipped_monitor_rows_give_their_reason() {
    let (_dir, path) = crate::support::example("failing.flow");
    let (ctx, mut app) = crate::support::open_settled(path);
    crate::support::run_flow_in_app(&ctx, &mut app);
    let view = &app.session.run_view;
    let flow = app.session.doc.flow();
    let rows: Vec<String> = view
        .rows
        .iter()
        .map(|id| {
            monitor::row_text(
                view,
                &flowcanvas::model::NodeLabels::of(flow),
                id,
                Instant::now(),
            )
        })
        .collect();
    let failed = rows
        .iter()
        .find(|r| r.starts_with('✖'))
        .expect("a failed row");
    assert!(failed.contains("failed: command failed"), "{failed}");
    let skipped = rows
        .iter()
        .find(|r| r.starts_with('»'))
        .expect("a skipped row");
    assert!(skipped.contains("skipped: upstream"), "{skipped}");

    // Reopened, the monitor shows the last recorded run with the same reasons.
    let path = app.session.doc.path().unwrap().to_path_buf();
    let (ctx, mut app) = crate::support::open_settled(path);
    let deadline = Instant::now() + Duration::from_secs(20);
    while app.session.catalog.runs.is_empty() {
        assert!(Instant::now() < deadline, "the run record never arrived");
        std::thread::sleep(Duration::from_millis(10));
        frame(&ctx, &mut app);
    }
    let record = app.session.catalog.runs.last().unwrap();
    let flow = app.session.doc.flow();
    let recorded: Vec<String> = (0..record.nodes.len())
        .map(|i| monitor::record_row_text(record, &flowcanvas::model::NodeLabels::of(flow), i))
        .collect();
    assert_eq!(recorded.len(), rows.len(), "{recorded:?}");
    assert!(
        recorded
            .iter()
            .any(|r| r.starts_with('»') && r.contains("skipped: upstream")),
        "{recorded:?}"
    );
}

#[test]
fn the_node_menu_closes_on_a_click_outside_it() {
    let (ctx, mut app) = welcome_app();
    for _ in 0..3 {
        frame(&ctx, &mut app);
    }
    let menu = node_menu_id(&NodeId::from("greet"));
    ctx.memory_mut(|m| m.open_popup(menu));
    frame(&ctx, &mut app);
    frame(&ctx, &mut app);
    assert!(ctx.memory(|m| m.is_popup_open(menu)), "the menu stays open");

    // A click on empty canvas, pressed and let go within one frame.
    let canvas = app.canvas.rect;
    let empty = (0..40)
        .flat_map(|i| (0..40).map(move |j| (i, j)))
        .map(|(i, j)| {
            canvas.left_top()
                + egui::vec2(canvas.width() * i as f32, canvas.height() * j as f32) / 40.0
        })
        .find(|pos| {
            canvas.shrink(20.0).contains(*pos)
                && app
                    .canvas
                    .state
                    .node_rects
                    .values()
                    .all(|r| !r.expand(300.0).contains(*pos))
        })
        .expect("an empty spot on the canvas");
    let click = |pressed| egui::Event::PointerButton {
        pos: empty,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: egui::Modifiers::NONE,
    };
    let input = egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1440.0, 900.0),
        )),
        events: vec![egui::Event::PointerMoved(empty), click(true), click(false)],
        ..Default::default()
    };
    let _ = ctx.run(input, |ctx| app.ui(ctx));
    frame(&ctx, &mut app);
    assert!(
        !ctx.memory(|m| m.is_popup_open(menu)),
        "a click outside closed the menu"
    );
}

#[test]
fn a_stale_result_is_marked_and_the_missing_line_counts_what_missing_reruns() {
    let (_dir, path) = crate::support::example("hello.flow");
    let status = Command::new(BIN)
        .arg("run")
        .arg(&path)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let (ctx, mut app) = crate::support::open_settled(path);
    let greet = NodeId::from("greet");
    assert!(
        app.canvas.state.marked_stale.is_empty(),
        "nothing stale yet"
    );

    app.push(AppCommand::Edit(DocEdit::SetField {
        node: greet.clone(),
        field: "template".into(),
        is_param: true,
        value: Some(ParamValue::from("Bye, {name}!")),
    }));
    frame(&ctx, &mut app);
    frame(&ctx, &mut app);
    assert!(app.session.derived.stale.contains(&greet));
    assert!(
        app.canvas.state.marked_stale.contains(&greet),
        "the stale result is marked on the canvas"
    );
    assert!(!app
        .canvas
        .state
        .marked_stale
        .contains(&NodeId::from("name")));

    // The run panel on All: what Missing mode would keep is what its plan leaves out.
    app.push(AppCommand::OpenRunPanel(Scope::Flow));
    frame(&ctx, &mut app);
    let (doc, registry, view) = (
        &app.session.doc,
        &app.session.registry,
        &app.session.run_view,
    );
    let all = app.run_panel.preview(doc, registry, view).unwrap();
    let missing = app.run_panel.missing_preview(doc, registry, view).unwrap();
    assert!(
        missing.steps.iter().any(|s| s.node == greet),
        "Missing reruns the stale node"
    );
    let line = missing_mode_line(&all, &missing, |id| view.has_result(id)).unwrap();
    assert_eq!(
        line,
        "2 of these already have a result. Missing mode would keep 1 and run 1 again \
         (stale, or after a node that runs)."
    );
}

#[test]
fn steps_at_once_from_the_run_panel_runs_independent_steps_together_on_the_canvas() {
    let dir = tempfile::tempdir().unwrap();
    let path = crate::support::waits_flow(dir.path(), 3, 600);
    let (ctx, mut app) = crate::support::open_settled(path);
    app.push(AppCommand::OpenRunPanel(Scope::Flow));
    frame(&ctx, &mut app);
    assert_eq!(
        app.run_panel.schedule.parallel, None,
        "the flow's setting (one at a time)"
    );
    app.push(AppCommand::Queue {
        scope: Scope::Flow,
        mode: RunMode::All,
        inputs: Default::default(),
        parallel: Some(3),
        fail_fast: None,
        timeout: None,
        checkpoints: Default::default(),
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut most_running = 0;
    loop {
        frame(&ctx, &mut app);
        let view = &app.session.run_view;
        let running = ["a", "b", "c"]
            .iter()
            .filter(|id| {
                view.node(&NodeId::from(**id))
                    .is_some_and(|n| n.status == flowcanvas::status::NodeStatus::Running)
            })
            .count();
        most_running = most_running.max(running);
        if view.run.is_some() && !view.is_running() {
            break;
        }
        assert!(Instant::now() < deadline, "the run did not finish");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(most_running, 3, "the three waits ran at the same time");
}
