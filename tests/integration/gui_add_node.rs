//! The add-node menu, driven headless with real pointer and key events: right-click opens
//! it with the search box focused, it lists every kind under group headings, typing filters,
//! the arrows move the highlight, Enter adds the kind where the menu opened (at any zoom),
//! Esc or an outside click closes it, it stays inside the window, and a wire dropped on
//! empty canvas opens it filtered to kinds that take the wire, adding a wired node as one
//! undo step.

use eframe::egui::{self, Pos2, Vec2};
use flowcanvas::app::{FlowcanvasApp, StartOptions};
use flowcanvas::model::{NodeId, PortRef};
use flowcanvas::nodes::{groups, Registry};
use flowcanvas::session::commands::AppCommand;
use flowcanvas::session::edit::DocEdit;
use flowcanvas::ui::canvas::add_node_menu::AddNodeMenu;
use flowcanvas::ui::canvas::transform::CanvasTransform;

use crate::support::frame;

/// The app on the welcome flow, drawn a few times so the canvas knows its nodes.
fn welcome_app() -> (egui::Context, FlowcanvasApp) {
    let ctx = egui::Context::default();
    let options = StartOptions {
        no_recent: true,
        ..Default::default()
    };
    let mut app = FlowcanvasApp::new(&ctx, options);
    for _ in 0..3 {
        frame(&ctx, &mut app);
    }
    (ctx, app)
}

/// One frame with these events.
fn events_frame(ctx: &egui::Context, app: &mut FlowcanvasApp, events: Vec<egui::Event>) {
    let input = egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            Pos2::ZERO,
            egui::vec2(1440.0, 900.0),
        )),
        events,
        ..Default::default()
    };
    let _ = ctx.run(input, |ctx| app.ui(ctx));
}

fn button(pos: Pos2, button: egui::PointerButton, pressed: bool) -> egui::Event {
    egui::Event::PointerButton {
        pos,
        button,
        pressed,
        modifiers: egui::Modifiers::NONE,
    }
}

fn key(key: egui::Key) -> egui::Event {
    egui::Event::Key {
        key,
        physical_key: Some(key),
        pressed: true,
        repeat: false,
        modifiers: egui::Modifiers::NONE,
    }
}

/// A right-click at `at`, as a user makes it (move, press, release), then one more frame.
fn right_click(ctx: &egui::Context, app: &mut FlowcanvasApp, at: Pos2) {
    use egui::PointerButton::Secondary;
    events_frame(ctx, app, vec![egui::Event::PointerMoved(at)]);
    events_frame(ctx, app, vec![button(at, Secondary, true)]);
    events_frame(ctx, app, vec![button(at, Secondary, false)]);
    frame(ctx, app);
}

/// A left click at `at`.
fn left_click(ctx: &egui::Context, app: &mut FlowcanvasApp, at: Pos2) {
    use egui::PointerButton::Primary;
    events_frame(ctx, app, vec![egui::Event::PointerMoved(at)]);
    events_frame(ctx, app, vec![button(at, Primary, true)]);
    events_frame(ctx, app, vec![button(at, Primary, false)]);
    frame(ctx, app);
}

/// A point on the canvas at least `clearance` points from every node.
fn empty_spot(app: &FlowcanvasApp, clearance: f32) -> Pos2 {
    let canvas = app.canvas.rect.shrink(clearance);
    let rects: Vec<egui::Rect> = app.canvas.state.node_rects.values().copied().collect();
    let step = 20.0;
    let mut y = canvas.top();
    while y < canvas.bottom() {
        let mut x = canvas.left();
        while x < canvas.right() {
            let at = Pos2::new(x, y);
            if rects.iter().all(|r| !r.expand(clearance).contains(at)) {
                return at;
            }
            x += step;
        }
        y += step;
    }
    panic!("no empty spot on the canvas");
}

/// The view the canvas draws with now.
fn view(app: &FlowcanvasApp) -> CanvasTransform {
    let layout = &app.session.doc.flow().layout;
    CanvasTransform {
        zoom: layout.zoom,
        pan: Vec2::new(layout.pan.0, layout.pan.1),
        origin: app.canvas.rect.min,
    }
}

fn listed_ids(app: &FlowcanvasApp) -> Vec<&'static str> {
    (app.canvas.add_menu.listed().into_iter())
        .flat_map(|(_, ids)| ids)
        .collect()
}

#[test]
fn right_click_opens_the_menu_focused_with_every_kind_under_its_heading() {
    let (ctx, mut app) = welcome_app();
    let at = empty_spot(&app, 30.0);
    right_click(&ctx, &mut app, at);
    let menu = &app.canvas.add_menu;
    assert!(menu.is_open(), "right-click opens the add-node menu");
    assert!(
        app.canvas.editor.node_finder.is_none(),
        "the crate's finder never shows"
    );
    assert_eq!(menu.query(), Some(""));
    assert_eq!(
        ctx.memory(|m| m.focused()),
        Some(AddNodeMenu::search_id()),
        "the search box has the keyboard"
    );
    let headings: Vec<&str> = menu.listed().iter().map(|(group, _)| *group).collect();
    assert_eq!(
        headings,
        groups::ORDER,
        "every group, as a heading, in order"
    );
    let mut listed = listed_ids(&app);
    listed.sort_unstable();
    assert_eq!(listed, Registry::builtin().ids(), "every kind at once");
    let registry = Registry::builtin();
    for (group, ids) in app.canvas.add_menu.listed() {
        for id in ids {
            assert_eq!(registry.get(id).unwrap().info().category, group);
        }
    }
}

#[test]
fn typing_filters_and_enter_adds_the_best_match_where_the_menu_opened_at_any_zoom() {
    let (ctx, mut app) = welcome_app();
    app.push(AppCommand::Edit(DocEdit::SetView {
        pan: (40.0, -10.0),
        zoom: 0.6,
    }));
    for _ in 0..2 {
        frame(&ctx, &mut app);
    }
    let at = empty_spot(&app, 30.0);
    right_click(&ctx, &mut app, at);
    events_frame(&ctx, &mut app, vec![egui::Event::Text("blur".into())]);
    frame(&ctx, &mut app);
    assert_eq!(app.canvas.add_menu.query(), Some("blur"));
    assert_eq!(
        app.canvas.add_menu.listed(),
        vec![(groups::IMAGES, vec!["image_blur"])]
    );
    let short = app.canvas.add_menu.rect.unwrap();
    assert!(
        short.height() < 150.0,
        "the menu fits its one match: {short:?}"
    );
    // A search that also matches descriptions puts the best name match under the highlight.
    events_frame(&ctx, &mut app, vec![key(egui::Key::Backspace); 4]);
    events_frame(&ctx, &mut app, vec![egui::Event::Text("json".into())]);
    frame(&ctx, &mut app);
    let listed = listed_ids(&app);
    assert!(listed.contains(&"json_parse") && listed.contains(&"json_pick"));
    assert!(!listed.contains(&"image_blur"));
    assert_eq!(app.canvas.add_menu.highlighted(), Some("json_parse"));

    let nodes_before = app.session.doc.flow().nodes.len();
    let expected = view(&app).to_graph(at);
    events_frame(&ctx, &mut app, vec![key(egui::Key::Enter)]);
    frame(&ctx, &mut app);
    assert!(!app.canvas.add_menu.is_open(), "choosing closes the menu");
    let flow = app.session.doc.flow();
    assert_eq!(flow.nodes.len(), nodes_before + 1);
    let id = NodeId::from("json_parse");
    assert_eq!(flow.node("json_parse").unwrap().kind, "json_parse");
    let pos = flow.layout.positions[&id];
    assert!(
        (pos.0 - expected.x).abs() < 0.5 && (pos.1 - expected.y).abs() < 0.5,
        "placed at {pos:?}, where the menu opened ({expected:?} in graph space)"
    );
    assert_eq!(
        app.session.selection,
        vec![id.clone()],
        "the new node is selected"
    );
    assert!(
        app.canvas.state.node_rects.contains_key(&id),
        "the canvas shows it"
    );
}

#[test]
fn arrows_move_the_highlight_and_esc_or_a_click_outside_closes_without_adding() {
    let (ctx, mut app) = welcome_app();
    let before = app.session.doc.flow().clone();
    let at = empty_spot(&app, 30.0);
    right_click(&ctx, &mut app, at);
    let first = listed_ids(&app);
    assert_eq!(app.canvas.add_menu.highlighted(), Some(first[0]));
    events_frame(&ctx, &mut app, vec![key(egui::Key::ArrowDown)]);
    events_frame(&ctx, &mut app, vec![key(egui::Key::ArrowDown)]);
    assert_eq!(app.canvas.add_menu.highlighted(), Some(first[2]));
    events_frame(&ctx, &mut app, vec![key(egui::Key::ArrowUp)]);
    assert_eq!(app.canvas.add_menu.highlighted(), Some(first[1]));
    assert_eq!(
        ctx.memory(|m| m.focused()),
        Some(AddNodeMenu::search_id()),
        "the arrows leave the keyboard in the search box"
    );
    events_frame(&ctx, &mut app, vec![key(egui::Key::Escape)]);
    frame(&ctx, &mut app);
    assert!(!app.canvas.add_menu.is_open(), "Esc closes the menu");
    assert_eq!(*app.session.doc.flow(), before);

    right_click(&ctx, &mut app, at);
    assert!(app.canvas.add_menu.is_open());
    let menu = app.canvas.add_menu.rect.unwrap();
    // A click on the canvas beside the menu (left of it, or above it when there is no room).
    let outside = if menu.left() - app.canvas.rect.left() > 40.0 {
        Pos2::new(menu.left() - 20.0, menu.center().y)
    } else {
        Pos2::new(menu.right() + 20.0, menu.center().y)
    };
    left_click(&ctx, &mut app, outside);
    assert!(!app.canvas.add_menu.is_open(), "a click outside closes it");
    assert_eq!(app.session.doc.flow().nodes, before.nodes, "nothing added");
}

#[test]
fn the_menu_opened_in_the_bottom_right_corner_stays_inside_the_window() {
    let (ctx, mut app) = welcome_app();
    let canvas = app.canvas.rect;
    let corner = canvas.right_bottom() - Vec2::splat(6.0);
    right_click(&ctx, &mut app, corner);
    for _ in 0..3 {
        frame(&ctx, &mut app);
    }
    assert!(app.canvas.add_menu.is_open());
    let menu = app.canvas.add_menu.rect.unwrap();
    let screen = ctx.screen_rect();
    assert!(screen.contains_rect(menu), "{menu:?} inside {screen:?}");
    assert!(
        canvas.contains_rect(menu),
        "{menu:?} inside the canvas {canvas:?}"
    );
    assert!(menu.width() > 300.0, "{menu:?}");
    // The whole list is taller than the canvas: the menu moved up to use all of its height.
    assert!(
        menu.height() > canvas.height() - 16.0,
        "{menu:?} in {canvas:?}"
    );
    // Every kind is still there (the list scrolls).
    assert_eq!(listed_ids(&app).len(), Registry::builtin().ids().len());
}

/// Drags a wire from `from` to `to` over a few frames and lets go.
fn drag_wire(ctx: &egui::Context, app: &mut FlowcanvasApp, from: Pos2, to: Pos2) {
    use egui::PointerButton::Primary;
    events_frame(ctx, app, vec![egui::Event::PointerMoved(from)]);
    events_frame(ctx, app, vec![button(from, Primary, true)]);
    for step in 1..=6 {
        let at = from + (to - from) * (step as f32 / 6.0);
        events_frame(ctx, app, vec![egui::Event::PointerMoved(at)]);
    }
    assert!(
        app.canvas.editor.connection_in_progress.is_some(),
        "a wire is being dragged"
    );
    events_frame(ctx, app, vec![button(to, Primary, false)]);
    frame(ctx, app);
}

#[test]
fn a_wire_dropped_on_empty_canvas_offers_kinds_that_take_it_and_adds_a_wired_node_in_one_undo_step()
{
    let (ctx, mut app) = welcome_app();
    let before = app.session.doc.flow().clone();
    let name = NodeId::from("name");
    let port = Pos2::new(
        app.canvas.state.node_rects[&name].right(),
        app.canvas.state.output_rows[&(name.clone(), "text".to_owned())],
    );
    let drop = empty_spot(&app, 40.0);
    drag_wire(&ctx, &mut app, port, drop);
    assert!(
        app.canvas.add_menu.is_open(),
        "dropping a wire on empty canvas opens the menu"
    );
    let listed = listed_ids(&app);
    assert!(listed.contains(&"json_parse") && listed.contains(&"viewer"));
    assert!(
        !listed.contains(&"image_blur") && !listed.contains(&"number"),
        "only kinds with an input that takes text: {listed:?}"
    );
    assert!(listed.len() < Registry::builtin().ids().len());

    events_frame(&ctx, &mut app, vec![egui::Event::Text("parse json".into())]);
    events_frame(&ctx, &mut app, vec![key(egui::Key::Enter)]);
    frame(&ctx, &mut app);
    let flow = app.session.doc.flow();
    assert_eq!(flow.nodes.len(), before.nodes.len() + 1);
    assert!(
        flow.edges
            .iter()
            .any(|e| e.from == PortRef::new("name", "text")
                && e.to == PortRef::new("json_parse", "text")),
        "the new node is wired to the dragged port: {:?}",
        flow.edges
    );
    let drop_graph = view(&app).to_graph(drop);
    let pos = flow.layout.positions[&NodeId::from("json_parse")];
    assert!((pos.0 - drop_graph.x).abs() < 0.5 && (pos.1 - drop_graph.y).abs() < 0.5);

    app.push(AppCommand::Undo);
    frame(&ctx, &mut app);
    assert_eq!(
        app.session.doc.flow(),
        &before,
        "one undo takes the node and its wire"
    );
}

#[test]
fn a_wire_dropped_on_a_node_opens_no_menu() {
    let (ctx, mut app) = welcome_app();
    let name = NodeId::from("name");
    let port = Pos2::new(
        app.canvas.state.node_rects[&name].right(),
        app.canvas.state.output_rows[&(name.clone(), "text".to_owned())],
    );
    let tips = app.canvas.state.node_rects[&NodeId::from("tips")];
    drag_wire(&ctx, &mut app, port, tips.center());
    assert!(!app.canvas.add_menu.is_open());
}

#[test]
fn shift_a_opens_the_menu_under_the_pointer() {
    let (ctx, mut app) = welcome_app();
    let at = empty_spot(&app, 30.0);
    events_frame(&ctx, &mut app, vec![egui::Event::PointerMoved(at)]);
    let shift = egui::Modifiers::SHIFT;
    let input = egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            Pos2::ZERO,
            egui::vec2(1440.0, 900.0),
        )),
        modifiers: shift,
        events: vec![egui::Event::Key {
            key: egui::Key::A,
            physical_key: Some(egui::Key::A),
            pressed: true,
            repeat: false,
            modifiers: shift,
        }],
        ..Default::default()
    };
    let _ = ctx.run(input, |ctx| app.ui(ctx));
    frame(&ctx, &mut app);
    frame(&ctx, &mut app);
    assert!(app.canvas.add_menu.is_open(), "Shift+A opens the menu");
    assert_eq!(app.canvas.add_menu.query(), Some(""), "the A is not typed");
    assert_eq!(ctx.memory(|m| m.focused()), Some(AddNodeMenu::search_id()));
    let menu = app.canvas.add_menu.rect.unwrap();
    assert!(
        at.x + menu.width() < app.canvas.rect.right(),
        "room on the right"
    );
    assert!(
        (menu.left() - at.x).abs() < 1.0 && menu.top() <= at.y,
        "opened at the pointer {at:?} (only moved up to fit): {menu:?}"
    );
}

#[test]
fn a_wire_dragged_from_an_input_offers_kinds_that_feed_it_and_the_new_node_goes_left() {
    let (ctx, mut app) = welcome_app();
    let spot = empty_spot(&app, 40.0);
    let at = view(&app).to_graph(spot);
    app.push(AppCommand::Edit(DocEdit::AddNode {
        kind: "image_blur".into(),
        at: (at.x, at.y),
    }));
    for _ in 0..3 {
        frame(&ctx, &mut app);
    }
    let blur = NodeId::from("image_blur");
    let rect = app.canvas.state.node_rects[&blur];
    let port = Pos2::new(
        rect.left(),
        app.canvas.state.input_rows[&(blur.clone(), "image".to_owned())],
    );
    let before = app.session.doc.flow().clone();
    let drop = empty_spot(&app, 40.0);
    drag_wire(&ctx, &mut app, port, drop);
    assert!(app.canvas.add_menu.is_open());
    let listed = listed_ids(&app);
    assert!(listed.contains(&"image_load") && listed.contains(&"image_resize"));
    assert!(
        !listed.contains(&"number") && !listed.contains(&"image_save"),
        "only kinds with an output that gives an image: {listed:?}"
    );
    events_frame(&ctx, &mut app, vec![egui::Event::Text("load image".into())]);
    events_frame(&ctx, &mut app, vec![key(egui::Key::Enter)]);
    frame(&ctx, &mut app);
    let flow = app.session.doc.flow();
    assert!(flow.edges.iter().any(|e| {
        e.from == PortRef::new("image_load", "image") && e.to == PortRef::new("image_blur", "image")
    }));
    let drop_graph = view(&app).to_graph(drop);
    let pos = flow.layout.positions[&NodeId::from("image_load")];
    assert!(
        pos.0 < drop_graph.x,
        "a feeding node ends at the drop point"
    );
    app.push(AppCommand::Undo);
    frame(&ctx, &mut app);
    assert_eq!(app.session.doc.flow(), &before);
}

#[test]
fn a_wire_pulled_off_an_input_and_dropped_on_empty_canvas_only_disconnects() {
    let (ctx, mut app) = welcome_app();
    let wait = NodeId::from("wait");
    let port = Pos2::new(
        app.canvas.state.node_rects[&wait].left(),
        app.canvas.state.input_rows[&(wait.clone(), "in".to_owned())],
    );
    let drop = empty_spot(&app, 40.0);
    drag_wire(&ctx, &mut app, port, drop);
    frame(&ctx, &mut app);
    assert!(
        !app.canvas.add_menu.is_open(),
        "no menu for a detached wire"
    );
    let flow = app.session.doc.flow();
    assert!(
        !flow
            .edges
            .iter()
            .any(|e| e.to == PortRef::new("wait", "in")),
        "the wire is gone"
    );
}
