//! Paint order on the canvas: wires behind node bodies. The editor paints its wires after
//! every node, in the same layer, so they would cross node text; after it draws, the wire
//! shapes are moved to the front of the paint list (drawn first, so underneath).

use eframe::egui::{self, epaint::ClippedShape, layers::ShapeIdx, LayerId, Shape};

/// Where the paint list of `layer` ends now: remember it before drawing what is to be
/// reordered.
pub fn mark(ctx: &egui::Context, layer: LayerId) -> usize {
    ctx.graphics(|g| g.get(layer).map_or(0, |list| list.next_idx().0))
}

/// What was painted since a mark, in three parts: the editor's shapes (nodes, then wires)
/// from `editor` up to `extra`, then more wire decoration (flowing dots) from `extra` to the
/// end of the list.
#[derive(Clone, Copy, Debug)]
pub struct Painted {
    /// Where the editor's shapes start.
    pub editor: usize,
    /// Where the extra wire decoration starts (the editor's shapes end).
    pub extra: usize,
    /// Keep the editor's first wire on top: it is the wire being dragged out of a port.
    pub dragged_wire_on_top: bool,
}

/// Reorders what was painted so wires (and their decoration) lie under the node bodies:
/// the editor's wires first, then the decoration, then the node bodies, then the wire being
/// dragged, if any. Shapes of each part keep their order.
pub fn wires_behind_nodes(ctx: &egui::Context, layer: LayerId, painted: Painted) {
    ctx.graphics_mut(|g| {
        let list = g.entry(layer);
        let end = list.next_idx().0;
        if painted.editor >= end {
            return;
        }
        let mut shapes: Vec<ClippedShape> = (painted.editor..end).map(|i| take(list, i)).collect();
        let order = behind_first(&shapes, painted.extra - painted.editor, painted);
        for (slot, index) in order.into_iter().enumerate() {
            let shape = std::mem::replace(&mut shapes[index].shape, Shape::Noop);
            list.set(
                ShapeIdx(painted.editor + slot),
                shapes[index].clip_rect,
                shape,
            );
        }
    });
}

fn take(list: &mut egui::layers::PaintList, index: usize) -> ClippedShape {
    let mut taken = None;
    list.mutate_shape(ShapeIdx(index), |clipped| {
        taken = Some(ClippedShape {
            clip_rect: clipped.clip_rect,
            shape: std::mem::replace(&mut clipped.shape, Shape::Noop),
        });
    });
    taken.unwrap_or(ClippedShape {
        clip_rect: egui::Rect::NOTHING,
        shape: Shape::Noop,
    })
}

/// The new order, as indices into `shapes`: wires among the first `editor_len` shapes,
/// then every shape after them, then the rest of the editor's shapes, then the dragged
/// wire.
fn behind_first(shapes: &[ClippedShape], editor_len: usize, painted: Painted) -> Vec<usize> {
    let is_wire = |i: &usize| matches!(shapes[*i].shape, Shape::CubicBezier(_));
    let editor = 0..editor_len.min(shapes.len());
    let mut wires: Vec<usize> = editor.clone().filter(is_wire).collect();
    let dragged = if painted.dragged_wire_on_top && !wires.is_empty() {
        Some(wires.remove(0))
    } else {
        None
    };
    let mut order = wires;
    order.extend(editor.end..shapes.len());
    order.extend(editor.filter(|i| !is_wire(i)));
    order.extend(dragged);
    order
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

    fn body(x: f32) -> Shape {
        Shape::rect_filled(
            Rect::from_min_size(Pos2::new(x, 0.0), egui::vec2(1.0, 1.0)),
            0.0,
            Color32::WHITE,
        )
    }

    fn clipped(shapes: Vec<Shape>) -> Vec<ClippedShape> {
        shapes
            .into_iter()
            .map(|shape| ClippedShape {
                clip_rect: Rect::EVERYTHING,
                shape,
            })
            .collect()
    }

    #[test]
    fn wires_and_their_dots_go_under_the_node_bodies() {
        // Two node bodies, two wires (editor), then one dot painted after the editor.
        let shapes = clipped(vec![body(0.0), body(1.0), wire(), wire(), body(9.0)]);
        let painted = Painted {
            editor: 0,
            extra: 4,
            dragged_wire_on_top: false,
        };
        assert_eq!(behind_first(&shapes, 4, painted), vec![2, 3, 4, 0, 1]);
    }

    #[test]
    fn the_wire_being_dragged_stays_on_top() {
        let shapes = clipped(vec![body(0.0), wire(), wire()]);
        let painted = Painted {
            editor: 0,
            extra: 3,
            dragged_wire_on_top: true,
        };
        assert_eq!(behind_first(&shapes, 3, painted), vec![2, 0, 1]);
    }

    #[test]
    fn reordering_a_layer_moves_the_wires_in_it() {
        let ctx = egui::Context::default();
        let layer = LayerId::background();
        ctx.graphics_mut(|g| {
            let list = g.entry(layer);
            list.add(Rect::EVERYTHING, body(0.0));
            list.add(Rect::EVERYTHING, wire());
        });
        wires_behind_nodes(
            &ctx,
            layer,
            Painted {
                editor: 0,
                extra: 2,
                dragged_wire_on_top: false,
            },
        );
        let kinds: Vec<bool> = ctx.graphics(|g| {
            g.get(layer)
                .unwrap()
                .all_entries()
                .map(|c| matches!(c.shape, Shape::CubicBezier(_)))
                .collect()
        });
        assert_eq!(kinds, vec![true, false]);
    }
}
