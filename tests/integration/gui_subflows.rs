//! Subflows in the window: a run shows the inner steps under the subflow step (on the
//! node and in the monitor); double-clicking the node opens the inner flow with its run's
//! results and a breadcrumb, Esc comes back; Group into subflow is one undo step; the
//! add-node menu offers the flows in `flows/` under "My flows".

use std::path::{Path, PathBuf};

use eframe::egui;
use flowcanvas::app::FlowcanvasApp;
use flowcanvas::model::NodeId;
use flowcanvas::session::commands::AppCommand;
use flowcanvas::session::run_view::NodeStatus;

use crate::support::{
    button, frame, frame_with, open_settled, painted_texts, pointer_frame, run_flow_in_app,
    saves_dir, wait_for,
};

/// The subflow example and its inner flow, copied into a fresh folder.
fn subflow_example() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("subflow.flow");
    std::fs::copy(saves_dir().join("subflow.flow"), &path).unwrap();
    std::fs::create_dir_all(dir.path().join("flows")).unwrap();
    for name in ["headline.flow", "tally.flow"] {
        std::fs::copy(
            saves_dir().join("flows").join(name),
            dir.path().join("flows").join(name),
        )
        .unwrap();
    }
    (dir, path)
}

fn texts(ctx: &egui::Context, app: &mut FlowcanvasApp) -> Vec<String> {
    painted_texts(&frame_with(ctx, app, Vec::new()))
        .into_iter()
        .map(|(text, _)| text)
        .collect()
}

fn rect_of(ctx: &egui::Context, app: &mut FlowcanvasApp, starts: &str) -> egui::Rect {
    painted_texts(&frame_with(ctx, app, Vec::new()))
        .into_iter()
        .find(|(text, _)| text.starts_with(starts))
        .map(|(_, rect)| rect)
        .unwrap_or_else(|| panic!("no text starting {starts:?}: {:?}", texts(ctx, app)))
}

fn double_click(ctx: &egui::Context, app: &mut FlowcanvasApp, at: egui::Pos2) {
    pointer_frame(ctx, app, vec![egui::Event::PointerMoved(at)]);
    for _ in 0..2 {
        pointer_frame(ctx, app, vec![button(at, true)]);
        pointer_frame(ctx, app, vec![button(at, false)]);
    }
    frame(ctx, app);
}

fn key(ctx: &egui::Context, app: &mut FlowcanvasApp, key: egui::Key) {
    let press = |pressed| egui::Event::Key {
        key,
        physical_key: None,
        pressed,
        repeat: false,
        modifiers: egui::Modifiers::NONE,
    };
    pointer_frame(ctx, app, vec![press(true)]);
    pointer_frame(ctx, app, vec![press(false)]);
    frame(ctx, app);
}

#[test]
fn a_run_nests_the_inner_steps_and_double_click_opens_the_inner_flow_and_esc_comes_back() {
    let (_dir, path) = subflow_example();
    let (ctx, mut app) = open_settled(path);
    run_flow_in_app(&ctx, &mut app);
    let make = NodeId::from("make");
    let view = app.session.run_view.node(&make).unwrap();
    assert_eq!(view.status, NodeStatus::Succeeded);
    let titles: Vec<&str> = view.members.iter().map(|m| m.title.as_str()).collect();
    assert_eq!(titles, ["Topic", "Words", "Headline"]);
    // The monitor nests them under the subflow step.
    let shown = texts(&ctx, &mut app);
    assert!(
        shown
            .iter()
            .any(|t| t.starts_with("✔ Headline — succeeded")),
        "{shown:?}"
    );
    // Double-clicking the node opens its flow, with a way back.
    let line = rect_of(&ctx, &mut app, "↗ runs flows/headline.flow");
    double_click(&ctx, &mut app, line.center());
    assert_eq!(app.subflow_depth(), 1, "the inner flow is open");
    assert_eq!(
        app.session.doc.display_name(),
        "headline.flow",
        "{:?}",
        app.breadcrumb()
    );
    assert_eq!(
        app.breadcrumb(),
        ["subflow.flow", "Make a headline (headline.flow)"]
    );
    let shown = texts(&ctx, &mut app);
    assert!(shown.iter().any(|t| t == "⬅ Back"), "{shown:?}");
    // Its nodes show what the unit's run did: the inner run kept its results.
    wait_for(&ctx, &mut app, "the inner results", |app| {
        app.session
            .run_view
            .node(&NodeId::from("headline"))
            .is_some_and(|v| v.result.is_some())
    });
    let headline = app
        .session
        .run_view
        .node(&NodeId::from("headline"))
        .unwrap();
    let text = format!("{:?}", headline.result);
    assert!(text.contains("LIGHTHOUSE KEEPER FINDS A"), "{text}");
    key(&ctx, &mut app, egui::Key::Escape);
    assert_eq!(app.subflow_depth(), 0, "Esc went back");
    assert_eq!(app.session.doc.display_name(), "subflow.flow");
    // The outer flow's run view is as it was.
    assert_eq!(
        app.session.run_view.node(&make).map(|v| v.status),
        Some(NodeStatus::Succeeded)
    );
}

#[test]
fn group_into_subflow_writes_the_flow_and_is_one_undo_step() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("main.flow");
    std::fs::write(
        &path,
        r#"Flow(version: 1, nodes: [
    Node(id: "a", kind: "text", title: "A", params: {"text": "x"}),
    Node(id: "b", kind: "template", title: "B", params: {"template": "<{v}>", "vars": ["v"]}),
    Node(id: "c", kind: "template", title: "C", params: {"template": "({v})", "vars": ["v"]}, output: true),
], edges: ["a.text -> b.v", "b.text -> c.v"])"#,
    )
    .unwrap();
    let (ctx, mut app) = open_settled(path);
    app.push(AppCommand::Select(vec![NodeId::from("b")]));
    app.push(AppCommand::GroupIntoSubflow);
    frame(&ctx, &mut app);
    frame(&ctx, &mut app);
    let flow = app.session.doc.flow();
    assert!(flow.node("b").is_none());
    let sub = flow.node("subflow").expect("a subflow node");
    assert!(sub.subflow.is_some(), "linked to the new file");
    assert!(Path::new(&dir.path().join("flows/b-steps.flow")).exists());
    run_flow_in_app(&ctx, &mut app);
    let c = app.session.run_view.node(&NodeId::from("c")).unwrap();
    assert!(format!("{:?}", c.result).contains("(<x>)"));
    app.push(AppCommand::Undo);
    frame(&ctx, &mut app);
    let flow = app.session.doc.flow();
    assert!(flow.node("b").is_some() && flow.node("subflow").is_none());
}

#[test]
fn the_add_node_menu_lists_my_flows_and_adds_a_subflow_running_one() {
    let (dir, path) = subflow_example();
    let (ctx, mut app) = open_settled(path);
    app.push(AppCommand::AddNodeMenu);
    frame(&ctx, &mut app);
    frame(&ctx, &mut app);
    assert_eq!(app.canvas.add_menu.my_flow_names(), ["headline", "tally"]);
    let shown = texts(&ctx, &mut app);
    assert!(shown.iter().any(|t| t == "MY FLOWS"), "{shown:?}");
    // Searching finds it; Enter adds it.
    pointer_frame(&ctx, &mut app, vec![egui::Event::Text("tally".to_owned())]);
    frame(&ctx, &mut app);
    let shown = texts(&ctx, &mut app);
    assert!(
        shown
            .iter()
            .any(|t| t == "A subflow running flows/tally.flow"),
        "{shown:?}"
    );
    key(&ctx, &mut app, egui::Key::Enter);
    frame(&ctx, &mut app);
    let added = app
        .session
        .doc
        .flow()
        .nodes
        .iter()
        .find(|n| n.title == "tally")
        .expect("a node running tally.flow");
    assert_eq!(added.kind, "subflow");
    let link = added.subflow.as_ref().expect("linked");
    let ports: Vec<&str> = link.inputs.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(ports, ["Line", "Total"]);
    drop(dir);
}
