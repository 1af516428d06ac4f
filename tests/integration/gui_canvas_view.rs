//! The canvas's view of big flows, headless: zoomed far out (nodes drawn simplified, in
//! proportion, never overlapping), moving nodes there, and the minimap.

use std::path::PathBuf;

use eframe::egui;
use flowcanvas::app::FlowcanvasApp;
use flowcanvas::model::{Flow, NodeId};
use flowcanvas::session::commands::AppCommand;
use flowcanvas::session::edit::DocEdit;

use crate::support::{button, flow, frame, open_settled, pointer_frame, template, text};

/// A grid of chains: `rows` text nodes, each feeding a chain of `columns` templates, laid
/// out 320 × 260 graph units apart (room for each node at zoom 1).
fn grid(rows: usize, columns: usize) -> Flow {
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    for r in 0..rows {
        nodes.push(text(&format!("s{r}")));
        for c in 1..=columns {
            nodes.push(template(&format!("t{r}_{c}"), &["x"]));
            let from = if c == 1 {
                format!("s{r}.text")
            } else {
                format!("t{r}_{}.text", c - 1)
            };
            edges.push((from, format!("t{r}_{c}.x")));
        }
    }
    let edges: Vec<(&str, &str)> = edges
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let mut flow = flow(nodes, &edges);
    for r in 0..rows {
        for c in 0..=columns {
            let id = if c == 0 {
                format!("s{r}")
            } else {
                format!("t{r}_{c}")
            };
            let pos = (c as f32 * 320.0, r as f32 * 260.0);
            flow.layout.positions.insert(NodeId::from(id.as_str()), pos);
        }
    }
    flow.layout.zoom = 1.0;
    flow
}

fn open_grid(rows: usize, columns: usize) -> (tempfile::TempDir, egui::Context, FlowcanvasApp) {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("grid.flow");
    flowcanvas::format::save(&path, &grid(rows, columns)).unwrap();
    let (ctx, app) = open_settled(path);
    (dir, ctx, app)
}

fn set_view(ctx: &egui::Context, app: &mut FlowcanvasApp, pan: (f32, f32), zoom: f32) {
    app.push(AppCommand::Edit(DocEdit::SetView { pan, zoom }));
    for _ in 0..3 {
        frame(ctx, app);
    }
}

#[test]
fn zoomed_far_out_nodes_keep_their_proportions_and_never_overlap() {
    let (_dir, ctx, mut app) = open_grid(4, 6);
    // At zoom 1 every node of the top-left part is drawn in full and measured.
    set_view(&ctx, &mut app, (10.0, 10.0), 1.0);
    let measured = app.canvas.state.node_sizes.clone();
    assert!(
        measured.len() >= 4,
        "some nodes were measured: {measured:?}"
    );

    // The editor cannot draw a node smaller than its port rows; zoomed out to 5 % the
    // canvas draws the boxes itself, each its measured size at that zoom.
    // Asked for less than 5 %, the canvas stays at 5 %.
    set_view(&ctx, &mut app, (10.0, 10.0), 0.01);
    assert_eq!(app.session.doc.flow().layout.zoom, 0.05);
    let rects = app.canvas.state.node_rects.clone();
    assert_eq!(rects.len(), 4 * 7, "every node is on screen");
    for (id, size) in &measured {
        let drawn = rects[id].size();
        assert!(
            (drawn - *size * 0.05).length() < 0.5,
            "{id}: {drawn:?} is not {size:?} at 5 %"
        );
    }
    let all: Vec<_> = rects.iter().collect();
    for (i, (a, ra)) in all.iter().enumerate() {
        for (b, rb) in &all[i + 1..] {
            assert!(!ra.intersects(**rb), "{a} and {b} overlap at 5 %");
        }
    }
}

#[test]
fn a_node_dragged_in_the_far_view_moves_in_the_document_as_one_undo_step() {
    let (_dir, ctx, mut app) = open_grid(2, 3);
    set_view(&ctx, &mut app, (40.0, 40.0), 0.25);
    let id = NodeId::from("t1_2");
    // A click selects the node under the pointer.
    let at = app.canvas.state.node_rects[&id].center();
    pointer_frame(&ctx, &mut app, vec![egui::Event::PointerMoved(at)]);
    pointer_frame(&ctx, &mut app, vec![button(at, true)]);
    pointer_frame(&ctx, &mut app, vec![button(at, false)]);
    frame(&ctx, &mut app);
    assert_eq!(app.session.selection, vec![id.clone()]);
    let before = app.session.doc.flow().layout.positions[&id];
    let start = app.canvas.state.node_rects[&id].center();
    pointer_frame(&ctx, &mut app, vec![egui::Event::PointerMoved(start)]);
    pointer_frame(&ctx, &mut app, vec![button(start, true)]);
    for step in 1..=4 {
        let at = start + egui::vec2(10.0, 5.0) * step as f32;
        pointer_frame(&ctx, &mut app, vec![egui::Event::PointerMoved(at)]);
    }
    pointer_frame(
        &ctx,
        &mut app,
        vec![button(start + egui::vec2(40.0, 20.0), false)],
    );
    frame(&ctx, &mut app);

    let after = app.session.doc.flow().layout.positions[&id];
    let moved = ((after.0 - before.0) * 0.25, (after.1 - before.1) * 0.25);
    assert!(
        (moved.0 - 40.0).abs() < 1.0 && (moved.1 - 20.0).abs() < 1.0,
        "moved by {moved:?} screen points"
    );
    assert_eq!(
        app.session.selection,
        vec![id.clone()],
        "a drag is not a click"
    );
    app.push(AppCommand::Undo);
    frame(&ctx, &mut app);
    assert_eq!(app.session.doc.flow().layout.positions[&id], before);
}

#[test]
fn a_click_on_the_minimap_centres_the_canvas_on_that_part_of_the_graph() {
    let (_dir, ctx, mut app) = open_grid(6, 12);
    set_view(&ctx, &mut app, (0.0, 0.0), 1.0);
    let canvas = app.canvas.rect;
    // The minimap sits in the canvas's bottom-right corner; its bottom-right part is the
    // graph's far corner (the last row's last nodes).
    let click = canvas.max - egui::vec2(16.0, 16.0);
    pointer_frame(&ctx, &mut app, vec![egui::Event::PointerMoved(click)]);
    pointer_frame(&ctx, &mut app, vec![button(click, true)]);
    pointer_frame(&ctx, &mut app, vec![button(click, false)]);
    frame(&ctx, &mut app);
    let layout = &app.session.doc.flow().layout;
    let centre = egui::pos2(
        (canvas.width() / 2.0 - layout.pan.0) / layout.zoom,
        (canvas.height() / 2.0 - layout.pan.1) / layout.zoom,
    );
    assert!(
        centre.x > 11.0 * 320.0 && centre.y > 5.0 * 260.0,
        "the canvas now shows the far corner, centred on {centre:?}"
    );
    assert!(
        app.session.selection.is_empty(),
        "the click did not reach the nodes"
    );

    // Hidden (M), it takes no clicks.
    app.push(AppCommand::ToggleMinimap);
    set_view(&ctx, &mut app, (0.0, 0.0), 1.0);
    pointer_frame(&ctx, &mut app, vec![egui::Event::PointerMoved(click)]);
    pointer_frame(&ctx, &mut app, vec![button(click, true)]);
    pointer_frame(&ctx, &mut app, vec![button(click, false)]);
    frame(&ctx, &mut app);
    assert_eq!(app.session.doc.flow().layout.pan, (0.0, 0.0));
}

#[test]
fn grouped_nodes_get_a_frame_whose_header_moves_them_all_as_one_undo_step() {
    let (_dir, ctx, mut app) = open_grid(2, 3);
    set_view(&ctx, &mut app, (60.0, 80.0), 0.8);
    let members = vec![NodeId::from("t0_1"), NodeId::from("t0_2")];
    app.push(AppCommand::Select(members.clone()));
    app.push(AppCommand::GroupSelection);
    for _ in 0..3 {
        frame(&ctx, &mut app);
    }
    let groups = app.session.doc.flow().layout.groups.clone();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].nodes, members);
    assert_eq!(groups[0].title, "Group 1");
    let header = app.canvas.state.group_headers[0].1;
    for id in &members {
        let node = app.canvas.state.node_rects[id];
        assert!(header.bottom() <= node.top(), "the header is above {id}");
        assert!(header.left() <= node.left() && node.right() <= header.right());
    }

    let before: Vec<_> = members
        .iter()
        .map(|id| app.session.doc.flow().layout.positions[id])
        .collect();
    let outsider = app.session.doc.flow().layout.positions[&NodeId::from("t1_1")];
    let start = header.center();
    pointer_frame(&ctx, &mut app, vec![egui::Event::PointerMoved(start)]);
    pointer_frame(&ctx, &mut app, vec![button(start, true)]);
    for step in 1..=4 {
        let at = start + egui::vec2(8.0, 12.0) * step as f32;
        pointer_frame(&ctx, &mut app, vec![egui::Event::PointerMoved(at)]);
    }
    pointer_frame(
        &ctx,
        &mut app,
        vec![button(start + egui::vec2(32.0, 48.0), false)],
    );
    frame(&ctx, &mut app);
    let layout = &app.session.doc.flow().layout;
    for (id, was) in members.iter().zip(&before) {
        let now = layout.positions[id];
        let moved = ((now.0 - was.0) * 0.8, (now.1 - was.1) * 0.8);
        assert!(
            (moved.0 - 32.0).abs() < 1.0 && (moved.1 - 48.0).abs() < 1.0,
            "{id} moved by {moved:?} screen points"
        );
    }
    assert_eq!(layout.positions[&NodeId::from("t1_1")], outsider);

    app.push(AppCommand::Undo);
    frame(&ctx, &mut app);
    for (id, was) in members.iter().zip(&before) {
        assert_eq!(app.session.doc.flow().layout.positions[id], *was);
    }
    // Deleting a member takes it out of the group; deleting the last one removes the group.
    app.push(AppCommand::Edit(DocEdit::RemoveNodes(vec![
        members[0].clone()
    ])));
    frame(&ctx, &mut app);
    assert_eq!(
        app.session.doc.flow().layout.groups[0].nodes,
        vec![members[1].clone()]
    );
    app.push(AppCommand::Edit(DocEdit::RemoveNodes(vec![
        members[1].clone()
    ])));
    frame(&ctx, &mut app);
    assert!(app.session.doc.flow().layout.groups.is_empty());
}
