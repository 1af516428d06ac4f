//! Painted over the editor after it draws: status rings, order badges, stale marks, and the
//! dots that travel along wires while data flows.

use eframe::egui::{self, Align2, FontId, Pos2, Rect, Stroke, Vec2};

use super::graph_types::CanvasState;
use super::transform::CanvasTransform;
use crate::model::Flow;
use crate::session::run_view::{NodeStatus, DELIVERY_PULSE};
use crate::session::wiring::DraggedPort;
use crate::ui::theme;

/// Thinnest status ring, in screen points.
const MIN_RING: f32 = 2.0;

/// Whether a node's result is shown as stale: it has a settled result whose parameters or
/// inputs changed since it was made.
pub fn is_marked_stale(state: &CanvasState, id: &crate::model::NodeId) -> bool {
    state.stale.contains(id)
        && state
            .run_view
            .node(id)
            .is_some_and(|v| v.result.is_some() && v.status.is_final())
}

/// Paints rings, badges and stale marks for this frame, over the nodes.
pub fn paint(painter: &egui::Painter, state: &CanvasState, time_s: f64) {
    let canvas = state.view;
    let visible = painter.clip_rect().expand(canvas.points(20.0));
    for (id, rect) in &state.node_rects {
        if visible.intersects(*rect) && is_marked_stale(state, id) {
            stale_mark(painter, *rect, canvas);
        }
    }
    if !state.preview.is_empty() && !state.run_view.is_running() && !canvas.is_low_detail() {
        // The run panel is open: show where each node would run, as hollow badges.
        for (id, rect) in &state.node_rects {
            if let (Some(order), true) = (state.preview.get(id), visible.intersects(*rect)) {
                let center = rect.left_top() + canvas.vec(Vec2::new(-2.0, -2.0));
                let color = theme::PREVIEW_BADGE;
                painter.circle(
                    center,
                    canvas.points(10.0),
                    theme::BADGE_HOLE,
                    Stroke::new(canvas.points(2.0), color),
                );
                painter.text(
                    center,
                    Align2::CENTER_CENTER,
                    order.to_string(),
                    FontId::proportional(canvas.points(11.0)),
                    color,
                );
            }
        }
        return;
    }
    for (id, rect) in &state.node_rects {
        if !visible.intersects(*rect) {
            continue;
        }
        let Some(view) = state.run_view.node(id) else {
            continue;
        };
        if view.status == NodeStatus::Idle || is_marked_stale(state, id) {
            // A stale result has its own dashed ring instead.
            continue;
        }
        let mut color = theme::status(view.status);
        let mut width = canvas.points(2.5);
        if view.status == NodeStatus::Running {
            // A slow breath (about 3 s): it is drawn a few times a second while steps wait.
            let pulse = (0.5 + 0.5 * (time_s * 2.0).sin()) as f32;
            color = color.gamma_multiply(0.45 + 0.55 * pulse);
            width = canvas.points(2.0 + 2.0 * pulse);
        }
        // Zoomed far out the ring keeps a visible width (it is most of what a node shows).
        painter.rect_stroke(
            rect.expand(canvas.points(3.0).max(1.5)),
            canvas.points(6.0),
            Stroke::new(width.max(MIN_RING), color),
        );
        if let (Some(order), false) = (view.order, canvas.is_low_detail()) {
            let center = rect.left_top() + canvas.vec(Vec2::new(-2.0, -2.0));
            let radius = canvas.points(10.0);
            painter.circle(
                center,
                radius,
                color,
                Stroke::new(canvas.points(1.5), theme::BADGE_OUTLINE),
            );
            painter.text(
                center,
                Align2::CENTER_CENTER,
                order.to_string(),
                FontId::proportional(canvas.points(11.0)),
                theme::BADGE_TEXT,
            );
        }
    }
}

/// A stale result's mark: a dashed ring round the node and a "stale" badge on its top edge.
fn stale_mark(painter: &egui::Painter, rect: Rect, canvas: CanvasTransform) {
    let ring = rect.expand(canvas.points(3.0));
    let corners = [
        ring.left_top(),
        ring.right_top(),
        ring.right_bottom(),
        ring.left_bottom(),
        ring.left_top(),
    ];
    painter.extend(egui::Shape::dashed_line(
        &corners,
        Stroke::new(canvas.points(2.5).max(MIN_RING), theme::STALE),
        canvas.points(8.0).max(4.0),
        canvas.points(5.0).max(3.0),
    ));
    if canvas.is_low_detail() {
        // The badge's word would be unreadably small: the dashed ring says it.
        return;
    }
    let galley = painter.layout_no_wrap(
        "⟳ stale".to_owned(),
        FontId::proportional(canvas.points(12.0)),
        theme::STALE_BADGE_TEXT,
    );
    let size = galley.size() + canvas.vec(Vec2::new(10.0, 2.0));
    let badge = Rect::from_center_size(
        Pos2::new(ring.right() - size.x / 2.0 - canvas.points(8.0), ring.top()),
        size,
    );
    painter.rect_filled(badge, canvas.points(4.0), theme::STALE_BADGE);
    painter.galley(
        badge.center() - galley.size() / 2.0,
        galley,
        theme::STALE_BADGE_TEXT,
    );
}

/// Wires feeding a running node, and wires that just delivered a result, carry moving dots
/// (painted right after the editor's wires, to go under the node bodies with them).
pub fn paint_wires(painter: &egui::Painter, flow: &Flow, state: &CanvasState, time_s: f64) {
    let canvas = state.view;
    for edge in &flow.edges {
        let target = state.run_view.node(&edge.to.node);
        let source = state.run_view.node(&edge.from.node);
        let feeding = target.is_some_and(|t| t.status == NodeStatus::Running);
        let delivered = source
            .and_then(|s| s.delivered_at)
            .is_some_and(|at| state.now.duration_since(at) < DELIVERY_PULSE)
            && target.is_some_and(|t| t.status != NodeStatus::Idle);
        if !feeding && !delivered {
            continue;
        }
        let (Some(from_rect), Some(to_rect)) = (
            state.node_rects.get(&edge.from.node),
            state.node_rects.get(&edge.to.node),
        ) else {
            continue;
        };
        let from_y = state
            .output_rows
            .get(&(edge.from.node.clone(), edge.from.port.to_string()));
        let to_y = state
            .input_rows
            .get(&(edge.to.node.clone(), edge.to.port.to_string()));
        let (Some(&from_y), Some(&to_y)) = (from_y, to_y) else {
            continue;
        };
        let src = Pos2::new(from_rect.right(), from_y);
        let dst = Pos2::new(to_rect.left(), to_y);
        if !painter
            .clip_rect()
            .intersects(Rect::from_two_pos(src, dst).expand(canvas.points(60.0)))
        {
            continue;
        }
        // A wire that just delivered pulses fast (drawn at full frame rate for under a
        // second); one feeding a step that waits creeps (drawn a few times a second).
        let speed = if delivered { 90.0 } else { 12.0 };
        flowing_dots(painter, [src, dst], canvas, time_s, speed);
    }
}

/// The wire dropped on empty canvas, still drawn from its port to the add-node menu while
/// the menu is open, so it is clear what the new node will be wired to.
pub fn pending_wire(painter: &egui::Painter, state: &CanvasState, dragged: &DraggedPort, to: Pos2) {
    let key = (dragged.port.node.clone(), dragged.port.port.to_string());
    let Some(rect) = state.node_rects.get(&dragged.port.node) else {
        return;
    };
    let rows = if dragged.is_output {
        &state.output_rows
    } else {
        &state.input_rows
    };
    let Some(&y) = rows.get(&key) else {
        return;
    };
    let canvas = state.view;
    let (src, dst) = if dragged.is_output {
        (Pos2::new(rect.right(), y), to)
    } else {
        (to, Pos2::new(rect.left(), y))
    };
    let control = canvas
        .points((dst.x - src.x) / 2.0)
        .max(canvas.points(30.0));
    let stroke = Stroke::new(canvas.points(5.0), theme::data_type(dragged.ty));
    painter.add(egui::epaint::CubicBezierShape::from_points_stroke(
        [src, src + Vec2::X * control, dst - Vec2::X * control, dst],
        false,
        egui::Color32::TRANSPARENT,
        stroke,
    ));
}

/// Dots travelling from `src` to `dst` along the same curve the editor draws wires with.
fn flowing_dots(
    painter: &egui::Painter,
    [src, dst]: [Pos2; 2],
    canvas: CanvasTransform,
    time_s: f64,
    speed: f32,
) {
    let control = canvas
        .points((dst.x - src.x) / 2.0)
        .max(canvas.points(30.0));
    let points = [src, src + Vec2::X * control, dst - Vec2::X * control, dst];
    let length = approximate_length(&points);
    if length <= 1.0 {
        return;
    }
    let spacing = canvas.points(28.0);
    let speed = f64::from(canvas.points(speed));
    let offset = ((time_s * speed) % spacing as f64) as f32;
    let mut distance = offset;
    while distance < length {
        let t = distance / length;
        painter.circle_filled(bezier(&points, t), canvas.points(2.6), theme::FLOWING_DOT);
        distance += spacing;
    }
}

fn bezier(p: &[Pos2; 4], t: f32) -> Pos2 {
    let u = 1.0 - t;
    let a = u * u * u;
    let b = 3.0 * u * u * t;
    let c = 3.0 * u * t * t;
    let d = t * t * t;
    Pos2::new(
        a * p[0].x + b * p[1].x + c * p[2].x + d * p[3].x,
        a * p[0].y + b * p[1].y + c * p[2].y + d * p[3].y,
    )
}

fn approximate_length(p: &[Pos2; 4]) -> f32 {
    let mut length = 0.0;
    let mut previous = p[0];
    for i in 1..=16 {
        let point = bezier(p, i as f32 / 16.0);
        length += previous.distance(point);
        previous = point;
    }
    length
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_curve_runs_from_source_to_target() {
        let p = [
            Pos2::new(0.0, 0.0),
            Pos2::new(50.0, 0.0),
            Pos2::new(50.0, 100.0),
            Pos2::new(100.0, 100.0),
        ];
        assert_eq!(bezier(&p, 0.0), p[0]);
        assert_eq!(bezier(&p, 1.0), p[3]);
        assert!(approximate_length(&p) > 141.0);
    }
}
