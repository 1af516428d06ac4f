//! The canvas zoomed far out (below [`LOW_DETAIL_ZOOM`](super::transform::LOW_DETAIL_ZOOM)).
//! The editor cannot draw nodes smaller than its fixed port rows (15 points each, whatever
//! the zoom), so nodes would overlap; here the canvas draws each node itself as a box of its
//! real size in proportion (title bar, status ring, title and status written at a readable
//! size when the box is wide enough), wires as plain curves, and only what is on screen.
//! Clicking selects, dragging a node moves it (the selection with it), dragging the
//! background pans, and double-clicking a node zooms in on it.

use eframe::egui::{self, FontId, Pos2, Rect, Sense, Shape, Stroke, Vec2};

use super::graph_types::CanvasState;
use super::node_body::NODE_CONTENT_WIDTH;
use super::overlay;
use super::transform::CanvasTransform;
use super::Canvas;
use crate::model::{Flow, NodeId};
use crate::session::commands::AppCommand;
use crate::session::document::Document;
use crate::session::edit::{DocEdit, DragId};
use crate::session::run_view::NodeStatus;
use crate::ui::monitor::status_icon;
use crate::ui::theme;

/// Narrowest box (screen points) that still gets its title written.
const MIN_TITLED_WIDTH: f32 = 36.0;
/// Size of the written title (screen points, whatever the zoom).
const TITLE_SIZE: f32 = 12.0;
/// Height of the title bar, in graph units (as the editor draws it at zoom 1).
const TITLE_BAR: f32 = 26.0;

/// What a drag that started on the far view moves.
#[derive(Clone, Debug)]
pub enum FarDrag {
    /// These nodes.
    Nodes(Vec<NodeId>),
    /// The view.
    Pan,
}

/// A node on screen this frame.
struct Placed<'a> {
    id: &'a NodeId,
    node: &'a crate::model::Node,
    rect: Rect,
}

impl Canvas {
    /// Draws the far view and returns what the user asked for.
    pub(super) fn draw_far(
        &mut self,
        ui: &mut egui::Ui,
        doc: &Document,
        selection: &[NodeId],
        view: CanvasTransform,
    ) -> Vec<AppCommand> {
        let mut commands = Vec::new();
        let flow = doc.flow();
        self.state.now = std::time::Instant::now();
        self.state.view = view;
        self.state.node_rects_last = std::mem::take(&mut self.state.node_rects);
        let response = ui.interact(
            ui.max_rect(),
            ui.id().with("far_view"),
            Sense::click_and_drag(),
        );
        let clip = ui.clip_rect();
        let placed = self.place_far(flow, view, clip);
        for node in &placed {
            self.state.node_rects.insert(node.id.clone(), node.rect);
        }
        let frames = self.group_frames(flow, view, clip);
        let painter = ui.painter();
        super::groups::paint_groups(painter, flow, &frames);
        paint_wires(painter, flow, &self.state, view);
        for node in &placed {
            paint_node(painter, node, &self.state, selection.contains(node.id));
        }
        overlay::paint(painter, &self.state, ui.input(|i| i.time));

        self.group_headers(ui, flow, &frames, view, &mut commands);
        let hovered = |pos: Option<Pos2>| {
            let pos = pos?;
            placed
                .iter()
                .rev()
                .find(|n| n.rect.contains(pos))
                .map(|n| n.id.clone())
        };
        let pointer = ui.input(|i| i.pointer.interact_pos());
        if response.double_clicked() {
            if let Some(id) = hovered(pointer) {
                commands.push(zoom_in_on(&self.state, &id, view, self.rect));
            }
        } else if response.clicked() {
            let add = ui.input(|i| i.modifiers.shift || i.modifiers.command);
            commands.push(AppCommand::Select(clicked_selection(
                hovered(pointer),
                selection,
                add,
            )));
        }
        if response.drag_started() {
            let origin = ui.input(|i| i.pointer.press_origin());
            self.far_drag = Some(match hovered(origin) {
                Some(id) if selection.contains(&id) => FarDrag::Nodes(selection.to_vec()),
                Some(id) => FarDrag::Nodes(vec![id]),
                None => FarDrag::Pan,
            });
        }
        let delta = response.drag_delta();
        match &self.far_drag {
            Some(FarDrag::Nodes(ids)) if delta != Vec2::ZERO => {
                let drag = *self.drag.get_or_insert_with(|| {
                    self.drags += 1;
                    DragId(self.drags)
                });
                self.shown.push(super::ShownEdit::Plain);
                commands.push(AppCommand::Edit(DocEdit::MoveNodes {
                    ids: ids.clone(),
                    delta: view.graph_offset(delta),
                    drag,
                }));
            }
            _ => {}
        }
        let pan = match self.far_drag {
            Some(FarDrag::Pan) => view.pan + delta,
            _ => view.pan,
        };
        let layout = &flow.layout;
        if (pan.x, pan.y) != layout.pan || view.zoom != layout.zoom {
            commands.push(AppCommand::Edit(DocEdit::SetView {
                pan: (pan.x, pan.y),
                zoom: view.zoom,
            }));
        }
        if !ui.input(|i| i.pointer.any_down()) {
            self.far_drag = None;
            self.drag = None;
        }
        // Right-click adds a node here too (the editor, which would open its finder, is not
        // drawn in this view).
        if response.secondary_clicked() {
            if let Some(at) = pointer {
                self.add_menu.open_at(at, None);
            }
        }
        self.list_my_flows(doc);
        if let Some(choice) = self.add_menu.show(ui.ctx(), ui.max_rect().shrink(4.0)) {
            commands.push(AppCommand::Edit(Self::add_edit(doc, choice, view)));
        }
        commands
    }

    /// Every node whose box is on screen, in the document's order (later ones on top).
    fn place_far<'a>(&self, flow: &'a Flow, view: CanvasTransform, clip: Rect) -> Vec<Placed<'a>> {
        let positions = &flow.layout.positions;
        flow.nodes
            .iter()
            .filter_map(|node| {
                let pos = positions.get(&node.id).copied().unwrap_or((0.0, 0.0));
                let size = self.far_size(&node.id);
                let min = view.to_screen(Pos2::new(pos.0, pos.1));
                let rect = Rect::from_min_size(min, view.vec(size));
                clip.intersects(rect).then_some(Placed {
                    id: &node.id,
                    node,
                    rect,
                })
            })
            .collect()
    }

    /// A node's size in graph units: as last drawn in full, or estimated from its rows.
    pub(super) fn far_size(&self, id: &NodeId) -> Vec2 {
        if let Some(size) = self.state.node_sizes.get(id) {
            return *size;
        }
        let rows = self.map.to_editor.get(id).map_or(2, |&editor_id| {
            let node = &self.editor.graph[editor_id];
            node.inputs.len() + node.outputs.len()
        });
        Vec2::new(
            NODE_CONTENT_WIDTH + 30.0,
            TITLE_BAR + 30.0 + 26.0 * rows as f32,
        )
    }
}

/// The selection after a click on `hit` (a node, or the background).
fn clicked_selection(hit: Option<NodeId>, selection: &[NodeId], add: bool) -> Vec<NodeId> {
    match (hit, add) {
        (None, true) => selection.to_vec(),
        (None, false) => Vec::new(),
        (Some(id), false) => vec![id],
        (Some(id), true) if selection.contains(&id) => {
            selection.iter().filter(|s| **s != id).cloned().collect()
        }
        (Some(id), true) => {
            let mut ids = selection.to_vec();
            ids.push(id);
            ids
        }
    }
}

/// The view at zoom 1 centred on node `id`.
fn zoom_in_on(state: &CanvasState, id: &NodeId, view: CanvasTransform, canvas: Rect) -> AppCommand {
    let centre = state
        .node_rects
        .get(id)
        .map_or(canvas.center(), |r| r.center());
    let graph = view.to_graph(centre);
    let near = CanvasTransform { zoom: 1.0, ..view };
    let pan = near.centring(graph, canvas.size());
    AppCommand::Edit(DocEdit::SetView {
        pan: (pan.x, pan.y),
        zoom: 1.0,
    })
}

/// Every wire with an end on screen, as a plain curve between the two boxes.
fn paint_wires(painter: &egui::Painter, flow: &Flow, state: &CanvasState, view: CanvasTransform) {
    let stroke = Stroke::new(1.5, theme::FAR_WIRE);
    let clip = painter.clip_rect();
    for edge in &flow.edges {
        let (Some(from), Some(to)) = (
            state.node_rects.get(&edge.from.node),
            state.node_rects.get(&edge.to.node),
        ) else {
            // A wire between two boxes both off screen can still cross it: rare at this
            // zoom, and skipping them keeps a 100,000-node flow cheap.
            continue;
        };
        let src = Pos2::new(from.right(), from.center().y);
        let dst = Pos2::new(to.left(), to.center().y);
        if !clip.intersects(Rect::from_two_pos(src, dst)) {
            continue;
        }
        let control = ((dst.x - src.x) / 2.0).max(view.points(30.0));
        painter.add(Shape::CubicBezier(
            egui::epaint::CubicBezierShape::from_points_stroke(
                [src, src + Vec2::X * control, dst - Vec2::X * control, dst],
                false,
                egui::Color32::TRANSPARENT,
                stroke,
            ),
        ));
    }
}

/// One node: body, title bar, selection outline, and the title and status when it fits.
fn paint_node(painter: &egui::Painter, node: &Placed<'_>, state: &CanvasState, selected: bool) {
    let rect = node.rect;
    let view = state.view;
    let rounding = view.points(6.0);
    painter.rect_filled(rect, rounding, theme::FAR_NODE_BODY);
    let kind = state.registry.get(&node.node.kind).map(|kind| kind.info());
    if let Some(role) = kind.map(|k| k.role) {
        let bar = Rect::from_min_size(rect.min, egui::vec2(rect.width(), view.points(TITLE_BAR)));
        painter.rect_filled(bar, rounding, theme::role_fill(role));
    }
    if selected {
        let stroke = painter.ctx().style().visuals.selection.stroke;
        painter.rect_stroke(rect.expand(1.0), rounding, Stroke::new(2.0, stroke.color));
    }
    if rect.width() < MIN_TITLED_WIDTH {
        return;
    }
    let title = match (node.node.title.trim(), kind) {
        ("", Some(kind)) => kind.name,
        ("", None) => node.id.as_str(),
        (title, _) => title,
    };
    let status = state
        .run_view
        .node(node.id)
        .map_or(NodeStatus::Idle, |v| v.status);
    let mut lines = vec![title.to_owned()];
    if status != NodeStatus::Idle && rect.height() >= 2.5 * TITLE_SIZE {
        // A cut word ("su…") says less than the icon alone.
        lines.push(if rect.width() >= 90.0 {
            format!("{} {}", status_icon(status), status.label())
        } else {
            status_icon(status).to_owned()
        });
    }
    write_lines(painter, rect, &lines);
}

/// `lines`, centred on `rect` over a dark plate, each cut with "…" to the box's width.
fn write_lines(painter: &egui::Painter, rect: Rect, lines: &[String]) {
    let font = FontId::proportional(TITLE_SIZE);
    let color = painter.ctx().style().visuals.strong_text_color();
    let galleys: Vec<_> = lines
        .iter()
        .map(|line| {
            let mut job =
                egui::text::LayoutJob::simple_singleline(line.clone(), font.clone(), color);
            job.wrap = egui::text::TextWrapping::truncate_at_width(rect.width() - 8.0);
            painter.layout_job(job)
        })
        .collect();
    let height: f32 = galleys.iter().map(|g| g.size().y).sum();
    let width = galleys.iter().map(|g| g.size().x).fold(0.0, f32::max);
    let plate = Rect::from_center_size(rect.center(), egui::vec2(width + 6.0, height + 2.0))
        .intersect(rect);
    painter.rect_filled(plate, 3.0, theme::FAR_TITLE_PLATE);
    let clipped = painter.with_clip_rect(rect.intersect(painter.clip_rect()));
    let mut y = plate.top() + 1.0;
    for galley in galleys {
        let size = galley.size();
        clipped.galley(Pos2::new(rect.center().x - size.x / 2.0, y), galley, color);
        y += size.y;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_click_selects_one_node_and_a_modified_click_adds_or_removes_it() {
        let a = NodeId::from("a");
        let b = NodeId::from("b");
        let both = vec![a.clone(), b.clone()];
        let only_a = vec![a.clone()];
        assert_eq!(
            clicked_selection(Some(b.clone()), &only_a, false),
            vec![b.clone()]
        );
        assert_eq!(clicked_selection(Some(b.clone()), &only_a, true), both);
        assert_eq!(
            clicked_selection(Some(b.clone()), &both, true),
            vec![a.clone()]
        );
        assert_eq!(clicked_selection(None, &both, false), Vec::<NodeId>::new());
        assert_eq!(clicked_selection(None, &both, true), both);
    }
}
