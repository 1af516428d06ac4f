//! Wire outcomes on the canvas: every step has a failure port, every wire a pill that says
//! when it fires, and a click on the pill changes it as one undo step.

use eframe::egui;
use flowcanvas::model::{NodeId, Outcome};
use flowcanvas::session::commands::AppCommand;

use crate::support::{button, frame, frame_with, open_settled, painted_texts, pointer_frame};

#[test]
fn a_click_on_a_wire_pill_moves_the_wire_to_the_next_outcome_and_undo_brings_it_back() {
    let (_dir, path) = crate::support::example("failure-branch.flow");
    let (ctx, mut app) = open_settled(path);
    frame(&ctx, &mut app);
    assert!(
        app.canvas
            .state
            .output_rows
            .contains_key(&(NodeId::from("parse"), "failure".to_owned())),
        "steps show their failure port"
    );
    let outcome_of = |app: &flowcanvas::app::FlowcanvasApp| {
        app.session
            .doc
            .flow()
            .edges
            .iter()
            .find(|e| e.from.node.as_str() == "parse" && &*e.from.port == "failure")
            .map(|e| e.outcome)
            .unwrap()
    };
    assert_eq!(outcome_of(&app), Outcome::Fail);
    let output = frame_with(&ctx, &mut app, Vec::new());
    let texts = painted_texts(&output);
    let pills: Vec<&(String, egui::Rect)> = texts.iter().filter(|(t, _)| t == "✖ fail").collect();
    assert_eq!(pills.len(), 1, "one fail wire, one fail pill");
    assert_eq!(texts.iter().filter(|(t, _)| t == "always").count(), 1);
    assert!(
        texts.iter().filter(|(t, _)| t == "✔").count() >= 3,
        "pass wires show ✔"
    );
    let at = pills[0].1.center();
    pointer_frame(&ctx, &mut app, vec![egui::Event::PointerMoved(at)]);
    pointer_frame(&ctx, &mut app, vec![button(at, true)]);
    pointer_frame(&ctx, &mut app, vec![button(at, false)]);
    frame(&ctx, &mut app);
    assert_eq!(outcome_of(&app), Outcome::Always);
    let saved = flowcanvas::format::to_text(app.session.doc.flow());
    assert!(
        saved.contains(r#""parse.failure -> notify.problem [always]""#),
        "{saved}"
    );
    app.push(AppCommand::Undo);
    frame(&ctx, &mut app);
    assert_eq!(outcome_of(&app), Outcome::Fail);
}

#[test]
fn the_run_panel_says_which_steps_run_on_success_and_which_on_failure() {
    let (_dir, path) = crate::support::example("failure-branch.flow");
    let (ctx, mut app) = open_settled(path);
    app.push(AppCommand::OpenRunPanel(flowcanvas::plan::Scope::Flow));
    frame(&ctx, &mut app);
    let output = frame_with(&ctx, &mut app, Vec::new());
    let texts: Vec<String> = painted_texts(&output).into_iter().map(|(t, _)| t).collect();
    for line in [
        "    ↳ only if `Parse order` fails",
        "    ↳ if `Parse order` succeeds",
        "    ↳ whatever `Parse order` does",
    ] {
        assert!(texts.iter().any(|t| t == line), "no {line:?} in {texts:?}");
    }
}

#[test]
fn a_steps_menu_sets_its_retries_and_time_limit_as_one_undo_step_each() {
    let (_dir, path) = crate::support::example("failure-branch.flow");
    let (ctx, mut app) = open_settled(path);
    let node = |app: &flowcanvas::app::FlowcanvasApp| {
        app.session.doc.flow().node("parse").cloned().unwrap()
    };
    let menu = egui::Id::new(("node_menu", "parse"));
    ctx.memory_mut(|m| m.open_popup(menu));
    frame(&ctx, &mut app);
    click(&ctx, &mut app, "Retry on failure");
    assert_eq!(node(&app).retry.map(|r| r.attempts), Some(3));
    // The menu now offers the policy's numbers.
    let output = frame_with(&ctx, &mut app, Vec::new());
    assert!(painted_texts(&output).iter().any(|(t, _)| t == "Attempts"));
    click(&ctx, &mut app, "Time limit");
    assert_eq!(node(&app).timeout_ms, Some(30_000));
    let saved = flowcanvas::format::to_text(app.session.doc.flow());
    assert!(saved.contains("timeout_ms: Some(30000)"), "{saved}");
    app.push(AppCommand::Undo);
    frame(&ctx, &mut app);
    assert_eq!(node(&app).timeout_ms, None);
    assert!(node(&app).retry.is_some(), "one undo step each");
}

/// Clicks the painted text `label`.
fn click(ctx: &egui::Context, app: &mut flowcanvas::app::FlowcanvasApp, label: &str) {
    let output = frame_with(ctx, app, Vec::new());
    let texts = painted_texts(&output);
    let Some((_, rect)) = texts.iter().find(|(t, _)| t == label) else {
        panic!("no `{label}` on screen");
    };
    let at = rect.center();
    pointer_frame(ctx, app, vec![egui::Event::PointerMoved(at)]);
    pointer_frame(ctx, app, vec![button(at, true)]);
    pointer_frame(ctx, app, vec![button(at, false)]);
    frame(ctx, app);
}

#[test]
fn steps_fed_by_fail_and_always_wires_are_not_stale_right_after_their_run() {
    let (_dir, path) = crate::support::example("failure-branch.flow");
    let (ctx, mut app) = open_settled(path);
    crate::support::run_flow_in_app(&ctx, &mut app);
    let view = &app.session.run_view;
    let status = |id: &str| view.node(&NodeId::from(id)).map(|v| v.status);
    assert_eq!(
        status("notify"),
        Some(flowcanvas::status::NodeStatus::Succeeded)
    );
    assert_eq!(
        status("log"),
        Some(flowcanvas::status::NodeStatus::Succeeded)
    );
    let stale = view.stale(app.session.doc.flow(), &app.session.registry);
    assert!(
        !stale.contains(&NodeId::from("notify")) && !stale.contains(&NodeId::from("log")),
        "what a fail or always wire carried is not part of a result's signature: {stale:?}"
    );
}
