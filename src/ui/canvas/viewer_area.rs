//! A viewer node's result area: its whole value in a box the user sizes by dragging the
//! corner below its bottom-right (the size is kept in the flow's layout, in graph units,
//! so it scales with zoom). Text scrolls inside and only the rows in view are laid out;
//! an image fits the box.

use eframe::egui::{self, Rect, RichText, Vec2};

use super::graph_types::{CanvasResponse, CanvasState, EditorNode};
use super::node_body::NODE_CONTENT_WIDTH;
use crate::model::Value;
use crate::session::node_data::ValueRef;
use crate::ui::text_rows;

/// A viewer's result area before anyone resized it, in graph units.
pub const DEFAULT_SIZE: (f32, f32) = (NODE_CONTENT_WIDTH, 110.0);
/// The smallest a result area gets, in graph units.
const MIN_SIZE: (f32, f32) = (120.0, 40.0);
/// The largest a result area gets, in graph units.
const MAX_SIZE: (f32, f32) = (2000.0, 2000.0);
/// The side of the resize corner, in graph units.
const GRIP: f32 = 12.0;

/// A result area's size in graph units, kept within bounds.
pub fn clamp_size(size: (f32, f32)) -> (f32, f32) {
    (
        size.0.clamp(MIN_SIZE.0, MAX_SIZE.0),
        size.1.clamp(MIN_SIZE.1, MAX_SIZE.1),
    )
}

/// Draws the result area of viewer `node` showing `value` (or why there is nothing yet);
/// returns a resize (while its corner is dragged) or a request to view an image.
pub fn show(
    ui: &mut egui::Ui,
    node: &EditorNode,
    state: &CanvasState,
    value: Option<ValueRef>,
) -> Vec<CanvasResponse> {
    let mut responses = Vec::new();
    let view = state.view;
    let size_in_graph = clamp_size(
        state
            .view_sizes
            .get(&node.doc_id)
            .copied()
            .unwrap_or(DEFAULT_SIZE),
    );
    let size = view.vec(Vec2::new(size_in_graph.0, size_in_graph.1));
    let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
    state
        .viewer_areas
        .borrow_mut()
        .insert(node.doc_id.clone(), rect);
    ui.painter()
        .rect_filled(rect, view.points(2.0), ui.visuals().extreme_bg_color);
    let inner = rect.shrink(view.points(3.0));
    let mut content = ui.new_child(egui::UiBuilder::new().max_rect(inner));
    content.set_clip_rect(inner.intersect(ui.clip_rect()));
    match value.as_ref().and_then(|v| Some((v, v.value()?))) {
        None => {
            content.label(RichText::new("nothing to show yet").weak());
        }
        Some((_, Value::Image(image))) => {
            let side = inner.width().min(inner.height());
            let response = state
                .thumbnails
                .borrow_mut()
                .show(&mut content, image, side);
            if response
                .on_hover_cursor(egui::CursorIcon::PointingHand)
                .on_hover_text("Click to view it full size")
                .clicked()
            {
                responses.push(CanvasResponse::ShowImage(
                    node.doc_id.clone(),
                    image.clone(),
                ));
            }
        }
        Some((value, _)) => text(&mut content, node, state, value, inner),
    }
    if let Some(size) = grip(ui, node, state, rect, size_in_graph) {
        responses.push(CanvasResponse::ResizeView(node.doc_id.clone(), size));
    }
    responses
}

/// The value's text, wrapped to the area's width, scrolling inside it (the wheel over the
/// area scrolls it rather than zooming the canvas: see `Canvas::draw`).
fn text(ui: &mut egui::Ui, node: &EditorNode, state: &CanvasState, value: &ValueRef, inner: Rect) {
    let width = inner.width() - ui.spacing().scroll.bar_width - 4.0;
    let columns = text_rows::columns_for(ui, width);
    let rows = state.texts.borrow_mut().rows(ui.ctx(), value, columns);
    let Some(rows) = rows else {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(RichText::new("preparing…").weak());
        });
        return;
    };
    let held = (state.held_scroll.as_ref())
        .filter(|(id, _)| *id == node.doc_id)
        .map(|(_, delta)| *delta);
    if let Some(delta) = held {
        ui.input_mut(|i| i.smooth_scroll_delta = delta);
    }
    text_rows::show(ui, ("viewer", node.doc_id.as_str()), &rows, inner.height());
    if held.is_some() {
        ui.input_mut(|i| i.smooth_scroll_delta = Vec2::ZERO);
    }
}

/// The resize corner under the area's bottom-right; returns the new size (graph units)
/// while it is dragged, or `None` inside `Some` to go back to the default on a double-click.
fn grip(
    ui: &mut egui::Ui,
    node: &EditorNode,
    state: &CanvasState,
    area: Rect,
    size_in_graph: (f32, f32),
) -> Option<Option<(f32, f32)>> {
    let view = state.view;
    let side = view.points(GRIP);
    let (strip, _) = ui.allocate_exact_size(Vec2::new(area.width(), side), egui::Sense::hover());
    let corner = Rect::from_min_max(egui::pos2(strip.right() - side, strip.top()), strip.max);
    let response = ui
        .interact(
            corner,
            egui::Id::new(("viewer_grip", node.doc_id.as_str())),
            egui::Sense::click_and_drag(),
        )
        .on_hover_cursor(egui::CursorIcon::ResizeNwSe)
        .on_hover_text("Drag to resize; double-click for the default size");
    let colour = if response.hovered() || response.dragged() {
        ui.visuals().strong_text_color()
    } else {
        ui.visuals().weak_text_color()
    };
    let stroke = egui::Stroke::new(view.points(1.2), colour);
    for step in [0.3, 0.6, 0.9] {
        let from = egui::pos2(corner.right(), corner.bottom() - side * step);
        let to = egui::pos2(corner.right() - side * step, corner.bottom());
        ui.painter().line_segment([from, to], stroke);
    }
    if response.double_clicked() {
        return Some(None);
    }
    let delta = response.drag_delta();
    if !response.dragged() || delta == Vec2::ZERO {
        return None;
    }
    let (dx, dy) = view.graph_offset(delta);
    Some(Some(clamp_size((
        size_in_graph.0 + dx,
        size_in_graph.1 + dy,
    ))))
}
