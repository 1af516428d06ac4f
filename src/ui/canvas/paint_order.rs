//! Paint order on the canvas: wires behind node bodies. The editor paints its wires after
//! every node, in the same layer, so they would cross node text. A slot is reserved in the
//! layer before the editor draws; afterwards the wire shapes (and the flowing dots painted
//! right after them) are moved into that slot, under the node bodies. Only wires move: the
//! rest of the paint list is scanned, not rewritten.

use eframe::egui::{self, epaint::ClippedShape, layers::ShapeIdx, LayerId, Shape};

/// The reserved slot: where wires will go.
#[derive(Clone, Copy, Debug)]
pub struct WireSlot {
    layer: LayerId,
    slot: ShapeIdx,
}

/// Reserves the slot for wires, under everything painted after it in `painter`'s layer.
pub fn reserve(painter: &egui::Painter) -> WireSlot {
    WireSlot {
        layer: painter.layer_id(),
        slot: painter.add(Shape::Noop),
    }
}

/// Where the paint list of `layer` ends now (the start of what is painted next).
pub fn mark(ctx: &egui::Context, layer: LayerId) -> usize {
    ctx.graphics(|g| g.get(layer).map_or(0, |list| list.next_idx().0))
}

/// Moves into the reserved slot every wire the editor painted after it (up to `extra`) and
/// everything painted from `extra` on (the flowing dots). With `dragged_wire_on_top`, the
/// editor's first wire (the one being dragged out of a port, which it paints first) goes to
/// the very top instead.
pub fn wires_behind_nodes(
    ctx: &egui::Context,
    slot: WireSlot,
    extra: usize,
    dragged_wire_on_top: bool,
) {
    ctx.graphics_mut(|g| {
        let list = g.entry(slot.layer);
        let end = list.next_idx().0;
        let start = slot.slot.0 + 1;
        let mut clip = None;
        let mut wires = Vec::new();
        for index in start..end {
            let behind = index >= extra;
            list.mutate_shape(ShapeIdx(index), |clipped| {
                if behind || matches!(clipped.shape, Shape::CubicBezier(_)) {
                    clip.get_or_insert(clipped.clip_rect);
                    wires.push(take(clipped));
                }
            });
        }
        let dragged = (dragged_wire_on_top && !wires.is_empty()).then(|| wires.remove(0));
        let clip_rect = clip.unwrap_or(egui::Rect::EVERYTHING);
        let shapes = wires.into_iter().map(|w| w.shape).collect();
        list.set(slot.slot, clip_rect, Shape::Vec(shapes));
        if let Some(wire) = dragged {
            list.add(wire.clip_rect, wire.shape);
        }
    });
}

/// The shape, leaving nothing in its place.
fn take(clipped: &mut ClippedShape) -> ClippedShape {
    ClippedShape {
        clip_rect: clipped.clip_rect,
        shape: std::mem::replace(&mut clipped.shape, Shape::Noop),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::epaint::CubicBezierShape;
    use egui::{Color32, Pos2, Rect, Stroke};

    fn wire() -> Shape {
        Shape::CubicBezier(CubicBezierShape::from_points_stroke(
            [Pos2::ZERO; 4],
            false,
            Color32::TRANSPARENT,
            Stroke::NONE,
        ))
    }

    fn body() -> Shape {
        Shape::rect_filled(
            Rect::from_min_size(Pos2::ZERO, egui::vec2(1.0, 1.0)),
            0.0,
            Color32::WHITE,
        )
    }

    fn dot() -> Shape {
        Shape::circle_filled(Pos2::ZERO, 1.0, Color32::WHITE)
    }

    /// What the layer holds after painting `before`, the slot, `editor`, `after` and
    /// reordering: "W" a wire, "B" a body, "D" a dot, "[..]" the slot's contents.
    fn reordered(editor: Vec<Shape>, after: Vec<Shape>, dragged: bool) -> Vec<String> {
        let ctx = egui::Context::default();
        let mut out = Vec::new();
        let _ = ctx.run(egui::RawInput::default(), |ctx| {
            let painter = ctx.layer_painter(LayerId::background());
            painter.add(body());
            let slot = reserve(&painter);
            for shape in editor.clone() {
                painter.add(shape);
            }
            let extra = mark(ctx, painter.layer_id());
            for shape in after.clone() {
                painter.add(shape);
            }
            wires_behind_nodes(ctx, slot, extra, dragged);
            let name = |shape: &Shape| match shape {
                Shape::CubicBezier(_) => "W".to_owned(),
                Shape::Circle(_) => "D".to_owned(),
                Shape::Rect(_) => "B".to_owned(),
                Shape::Noop => String::new(),
                Shape::Vec(inner) => {
                    let names: Vec<&str> = inner
                        .iter()
                        .map(|s| match s {
                            Shape::CubicBezier(_) => "W",
                            Shape::Circle(_) => "D",
                            _ => "?",
                        })
                        .collect();
                    format!("[{}]", names.join(""))
                }
                _ => "?".to_owned(),
            };
            out = ctx.graphics(|g| {
                (g.get(LayerId::background()).unwrap().all_entries())
                    .map(|c| name(&c.shape))
                    .filter(|n| !n.is_empty())
                    .collect()
            });
        });
        out
    }

    #[test]
    fn wires_and_their_dots_go_under_the_node_bodies() {
        let layer = reordered(vec![body(), body(), wire(), wire()], vec![dot()], false);
        assert_eq!(layer, ["B", "[WWD]", "B", "B"]);
    }

    #[test]
    fn the_wire_being_dragged_stays_on_top() {
        let layer = reordered(vec![body(), wire(), wire()], vec![], true);
        assert_eq!(layer, ["B", "[W]", "B", "W"]);
    }
}
