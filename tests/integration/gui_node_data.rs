//! Reading results (issue 12): the node data panel shows a node's inputs and outputs
//! whole (long text, a JSON tree, Copy) docked beside the canvas, and a viewer node's result
//! area is resized from its corner, scrolls, and keeps its size in the file.

use std::path::{Path, PathBuf};

use eframe::egui;
use flowcanvas::app::FlowcanvasApp;
use flowcanvas::model::NodeId;
use flowcanvas::plan::Scope;
use flowcanvas::session::commands::AppCommand;
use flowcanvas::ui::canvas::viewer_area::DEFAULT_SIZE;

use crate::support::{frame, frame_with, frames_until, open_settled, painted_texts};

/// A line of the long text: longer than a node body shows (68 characters a line).
fn long_line(n: usize) -> String {
    format!(
        "line {n}: {}",
        "lorem ipsum dolor sit amet ".repeat(4).trim_end()
    )
}

/// A flow with a long text (200 lines, shown by a viewer) and a JSON value parsed from
/// text, saved in `dir`.
fn reading_flow(dir: &Path) -> PathBuf {
    let long: Vec<String> = (1..=200).map(long_line).collect();
    let text = format!(
        r#"Flow(
    version: 1,
    nodes: [
        Node(id: "doc", kind: "text", params: {{"text": r\#"{{"name": "flowcanvas", "items": [1, 2, 3], "nested": {{"deep": true}}}}"\#}}),
        Node(id: "long", kind: "text", params: {{"text": "{}"}}),
        Node(id: "parse", kind: "json_parse"),
        Node(id: "show", kind: "viewer"),
    ],
    edges: ["doc.text -> parse.text", "long.text -> show.in"],
    layout: Layout(positions: {{"doc": (40.0, 40.0), "long": (40.0, 260.0), "parse": (320.0, 40.0), "show": (320.0, 260.0)}}),
)
"#,
        long.join("\n")
    )
    .replace("r\\#", "r#")
    .replace("\"\\#", "\"#");
    let path = dir.join("reading.flow");
    std::fs::write(&path, text).unwrap();
    path
}

fn shows(output: &egui::FullOutput, text: &str) -> bool {
    painted_texts(output).iter().any(|(t, _)| t == text)
}

/// Rows painted inside `rect`, top to bottom.
fn texts_in(output: &egui::FullOutput, rect: egui::Rect) -> Vec<String> {
    let mut found: Vec<(String, egui::Rect)> = painted_texts(output)
        .into_iter()
        .filter(|(_, r)| rect.contains(r.center()))
        .collect();
    found.sort_by(|a, b| a.1.top().total_cmp(&b.1.top()));
    found.into_iter().map(|(t, _)| t).collect()
}

fn opened(dir: &Path) -> (egui::Context, FlowcanvasApp) {
    let (ctx, mut app) = open_settled(reading_flow(dir));
    crate::support::run_flow_in_app(&ctx, &mut app);
    (ctx, app)
}

#[test]
fn the_node_data_panel_shows_outputs_whole_and_docks_beside_the_canvas() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, mut app) = opened(dir.path());
    // The run panel is open on the right; the node data panel takes its place.
    app.push(AppCommand::OpenRunPanel(Scope::Flow));
    frame(&ctx, &mut app);
    frame(&ctx, &mut app);
    let with_run_panel = app.canvas.rect;
    app.push(AppCommand::Select(vec![NodeId::from("long")]));
    frame(&ctx, &mut app);
    // I (the shortcut) opens it on the selected node.
    let key = egui::Event::Key {
        key: egui::Key::I,
        physical_key: Some(egui::Key::I),
        pressed: true,
        repeat: false,
        modifiers: egui::Modifiers::NONE,
    };
    frame_with(&ctx, &mut app, vec![key]);
    let first = long_line(1);
    let output = frames_until(&ctx, &mut app, "the long text in the panel", |_, out| {
        painted_texts(out)
            .iter()
            .any(|(t, _)| t.starts_with("line 8:"))
    });
    assert!(app.session.node_data.open);
    assert_eq!(app.session.node_data.node, Some(NodeId::from("long")));
    assert!(!app.run_panel.open, "one panel on the right at a time");

    // Docked: the canvas ends where the panel starts, and is narrower than without it.
    let panel = app.node_data_view.rect.unwrap();
    let canvas = app.canvas.rect;
    assert!(
        canvas.right() <= panel.left() + 1.0,
        "{canvas:?} | {panel:?}"
    );
    assert!(panel.width() >= 300.0, "{panel:?}");
    assert!(
        (canvas.width() - with_run_panel.width()).abs() < 200.0,
        "shrunk as the run panel shrank it"
    );
    for (id, rect) in &app.canvas.state.node_rects {
        assert!(!rect.intersects(panel), "node {id} under the panel");
    }

    // The whole value: the first line in full (wrapped into rows, none cut), and lines far
    // past the node body's four; rows out of view are not laid out.
    let rows = texts_in(&output, panel);
    let joined: String = rows.concat();
    assert!(joined.contains(&first), "the first line whole: {rows:?}");
    assert!(joined.contains(&long_line(8)), "{rows:?}");
    assert!(
        !joined.contains("line 200:"),
        "rows out of view are not laid out"
    );
    assert!(shows(&output, "Copy"));

    // Closing gives the canvas its room back.
    app.push(AppCommand::ToggleNodeData);
    frame(&ctx, &mut app);
    frame(&ctx, &mut app);
    assert!(!app.session.node_data.open);
    assert!(app.canvas.rect.width() > canvas.width() + 250.0);
}

#[test]
fn a_json_value_offers_a_tree_that_opens_as_it_is_unfolded_and_its_raw_text() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, mut app) = opened(dir.path());
    // A JSON value offers the tree (top-level keys inline, a nested object folded) and Raw;
    // its input shows where it came from and what arrived.
    app.push(AppCommand::ShowNodeData(NodeId::from("parse")));
    let output = frames_until(&ctx, &mut app, "the JSON tree", |_, out| {
        shows(out, "\"name\": \"flowcanvas\"")
    });
    let texts: Vec<String> = texts_in(&output, app.node_data_view.rect.unwrap());
    for expected in [
        "Tree",
        "Raw",
        "\"nested\": {…} 1 key",
        "\"items\": […] 3 items",
    ] {
        assert!(
            texts.iter().any(|t| t == expected),
            "{expected} in {texts:?}"
        );
    }
    assert!(
        !texts.iter().any(|t| t.starts_with("\"deep\"")),
        "a folded branch is not laid out: {texts:?}"
    );
    // Opening the folded branch lays out its children; Raw shows the JSON as text.
    let click_on = |ctx: &egui::Context, app: &mut FlowcanvasApp, out: &egui::FullOutput, text| {
        let (_, rect) = painted_texts(out)
            .into_iter()
            .find(|(t, _)| t == text)
            .unwrap_or_else(|| panic!("{text} is not shown"));
        let at = rect.center();
        frame_with(
            ctx,
            app,
            vec![egui::Event::PointerMoved(at), button(at, true)],
        );
        frame_with(ctx, app, vec![button(at, false)])
    };
    click_on(&ctx, &mut app, &output, "\"nested\": {…} 1 key");
    let opened = frames_until(&ctx, &mut app, "the nested branch open", |_, out| {
        shows(out, "\"deep\": true")
    });
    click_on(&ctx, &mut app, &opened, "Raw");
    frames_until(&ctx, &mut app, "the raw JSON", |_, out| {
        shows(out, "  \"name\": \"flowcanvas\",")
    });
    assert_eq!(
        app.session.selection,
        [NodeId::from("parse")],
        "clicks in the panel keep the node selected"
    );
    assert!(texts.iter().any(|t| t == "from doc · text"), "{texts:?}");
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("{\"name\": \"flowcanvas\"")),
        "the input's value: {texts:?}"
    );
}

#[test]
fn copy_in_the_node_data_panel_puts_the_whole_value_on_the_clipboard() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, mut app) = opened(dir.path());
    app.push(AppCommand::ShowNodeData(NodeId::from("long")));
    let slot = "long/out/text";
    frames_until(&ctx, &mut app, "the Copy button", |app, _| {
        app.node_data_view.values.copy_buttons.contains_key(slot)
    });
    let at = app.node_data_view.values.copy_buttons[slot].center();
    frame_with(&ctx, &mut app, vec![egui::Event::PointerMoved(at)]);
    frame_with(&ctx, &mut app, vec![button(at, true)]);
    let output = frame_with(&ctx, &mut app, vec![button(at, false)]);
    let whole: Vec<String> = (1..=200).map(long_line).collect();
    assert_eq!(output.platform_output.copied_text, whole.join("\n"));
}

fn button(pos: egui::Pos2, pressed: bool) -> egui::Event {
    egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: egui::Modifiers::NONE,
    }
}

#[test]
fn a_viewer_shows_its_whole_value_scrolls_and_is_resized_from_its_corner_into_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, mut app) = opened(dir.path());
    let show = NodeId::from("show");
    let output = frames_until(&ctx, &mut app, "the viewer's text", |_, out| {
        painted_texts(out)
            .iter()
            .any(|(t, _)| t.starts_with("line 2:"))
    });
    let zoom = app.session.doc.flow().layout.zoom;
    let area = app.canvas.state.viewer_areas_last[&show];
    assert!(
        (area.width() - DEFAULT_SIZE.0 * zoom).abs() < 1.0,
        "{area:?}"
    );
    let rows = texts_in(&output, area);
    assert!(
        rows.concat().contains(&long_line(1)),
        "the first line whole, where a node body cut it at 68 characters: {rows:?}"
    );

    // The wheel over the viewer scrolls its text and leaves the canvas's zoom alone.
    let middle = area.center();
    frame_with(&ctx, &mut app, vec![egui::Event::PointerMoved(middle)]);
    for _ in 0..20 {
        let wheel = egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, -60.0),
            modifiers: egui::Modifiers::NONE,
        };
        frame_with(&ctx, &mut app, vec![wheel]);
    }
    // egui spreads a wheel turn over the next frames: let it finish over the viewer.
    for _ in 0..120 {
        frame_with(&ctx, &mut app, Vec::new());
    }
    let output = frames_until(&ctx, &mut app, "the viewer scrolled", |app, out| {
        let area = app.canvas.state.viewer_areas_last[&NodeId::from("show")];
        !texts_in(out, area).iter().any(|t| t.starts_with("line 1:"))
    });
    assert_eq!(app.session.doc.flow().layout.zoom, zoom, "no zoom");
    let area = app.canvas.state.viewer_areas_last[&show];
    assert!(texts_in(&output, area)
        .iter()
        .any(|t| t.starts_with("line ")));

    // Drag the corner under the area's bottom-right by (120, 80) screen points.
    let side = 12.0 * zoom;
    let grip = egui::pos2(area.right() - side / 2.0, area.bottom() + side / 2.0);
    frame_with(&ctx, &mut app, vec![egui::Event::PointerMoved(grip)]);
    frame_with(&ctx, &mut app, vec![button(grip, true)]);
    for step in 1..=4 {
        let to = grip + egui::vec2(30.0, 20.0) * step as f32;
        frame_with(&ctx, &mut app, vec![egui::Event::PointerMoved(to)]);
    }
    let end = grip + egui::vec2(120.0, 80.0);
    frame_with(&ctx, &mut app, vec![button(end, false)]);
    frame(&ctx, &mut app);
    let size = app.session.doc.flow().layout.sizes[&show];
    let expected = (DEFAULT_SIZE.0 + 120.0 / zoom, DEFAULT_SIZE.1 + 80.0 / zoom);
    assert!(
        (size.0 - expected.0).abs() < 2.0 && (size.1 - expected.1).abs() < 2.0,
        "{size:?}, expected {expected:?}"
    );
    assert!(app.session.doc.is_dirty());
    let grown = app.canvas.state.viewer_areas_last[&show];
    assert!((grown.width() - size.0 * zoom).abs() < 1.0, "{grown:?}");
    app.push(AppCommand::Undo);
    frame(&ctx, &mut app);
    assert!(
        app.session.doc.flow().layout.sizes.is_empty(),
        "the drag was one undo step"
    );
    app.push(AppCommand::Redo);
    app.push(AppCommand::Save);
    frame(&ctx, &mut app);
    frame(&ctx, &mut app);

    // The size is in the file, and a new window shows the viewer at it.
    let path = app.session.doc.path().unwrap().to_path_buf();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("sizes: {"), "{text}");
    drop(app);
    let (ctx, mut again) = open_settled(path);
    frame(&ctx, &mut again);
    assert_eq!(again.session.doc.flow().layout.sizes[&show], size);
    let area = again.canvas.state.viewer_areas_last[&show];
    let zoom = again.session.doc.flow().layout.zoom;
    assert!(
        (area.width() - size.0 * zoom).abs() < 1.0 && (area.height() - size.1 * zoom).abs() < 1.0,
        "{area:?} for {size:?} at zoom {zoom}"
    );
}
