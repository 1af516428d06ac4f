//! Graph space ↔ screen: where the canvas's pan and zoom put things. Node positions are kept
//! in graph space in the document; everything drawn is in screen points. All conversions
//! go through [`CanvasTransform`], never a hand-written `* zoom`.

use eframe::egui::{Pos2, Rect, Vec2};

/// Below this zoom a node's text would be under about 6 points: nodes are drawn simplified
/// (their frame, title bar and status; fields and results are left out).
pub const LOW_DETAIL_ZOOM: f32 = 0.4;

/// How graph space maps onto the canvas this frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CanvasTransform {
    /// Screen points per graph unit.
    pub zoom: f32,
    /// Where the graph's origin lies, from the canvas's top-left corner (screen points).
    pub pan: Vec2,
    /// The canvas's top-left corner on screen.
    pub origin: Pos2,
}

impl Default for CanvasTransform {
    fn default() -> Self {
        Self {
            zoom: 1.0,
            pan: Vec2::ZERO,
            origin: Pos2::ZERO,
        }
    }
}

impl CanvasTransform {
    /// Whether nodes are drawn simplified at this zoom (see [`LOW_DETAIL_ZOOM`]).
    pub fn is_low_detail(self) -> bool {
        self.zoom < LOW_DETAIL_ZOOM
    }

    /// A length in graph units (a node's width, a font size at zoom 1), in screen points.
    pub fn points(self, graph_length: f32) -> f32 {
        graph_length * self.zoom
    }

    /// A graph-space offset, in screen points.
    pub fn vec(self, graph_offset: Vec2) -> Vec2 {
        graph_offset * self.zoom
    }

    /// A length in screen points, in graph units.
    pub fn graph_length(self, points: f32) -> f32 {
        points / self.zoom
    }

    /// A screen offset (a drag), in graph units.
    pub fn graph_offset(self, screen_offset: Vec2) -> (f32, f32) {
        (screen_offset.x / self.zoom, screen_offset.y / self.zoom)
    }

    /// A graph position in the editor's own coordinates (scaled, before its pan).
    pub fn editor_pos(self, graph: (f32, f32)) -> Pos2 {
        Pos2::new(graph.0 * self.zoom, graph.1 * self.zoom)
    }

    /// An editor position (scaled, before its pan) in graph space.
    pub fn graph_of_editor(self, editor: Pos2) -> (f32, f32) {
        (editor.x / self.zoom, editor.y / self.zoom)
    }

    /// A graph position on screen.
    pub fn to_screen(self, graph: Pos2) -> Pos2 {
        self.origin + self.pan + graph.to_vec2() * self.zoom
    }

    /// A screen position in graph space.
    pub fn to_graph(self, screen: Pos2) -> Pos2 {
        ((screen - self.origin - self.pan) / self.zoom).to_pos2()
    }

    /// The same view at another zoom, keeping the graph point under `anchor` (a screen
    /// position) where it is.
    pub fn zoomed_about(self, anchor: Pos2, zoom: f32) -> Self {
        let graph = self.to_graph(anchor);
        let pan = anchor - self.origin - graph.to_vec2() * zoom;
        Self { zoom, pan, ..self }
    }

    /// The pan that puts graph point `graph` at the middle of a canvas of `size`.
    pub fn centring(self, graph: Pos2, size: Vec2) -> Vec2 {
        size / 2.0 - graph.to_vec2() * self.zoom
    }

    /// The zoom at which graph rectangle `bounds` fits in `available` screen points.
    pub fn fitting(bounds: Rect, available: Vec2) -> f32 {
        (available.x / bounds.width()).min(available.y / bounds.height())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> CanvasTransform {
        CanvasTransform {
            zoom: 2.0,
            pan: Vec2::new(10.0, -4.0),
            origin: Pos2::new(100.0, 50.0),
        }
    }

    #[test]
    fn screen_and_graph_positions_convert_both_ways() {
        let view = view();
        let graph = Pos2::new(3.0, 7.0);
        let screen = view.to_screen(graph);
        assert_eq!(screen, Pos2::new(116.0, 60.0));
        assert_eq!(view.to_graph(screen), graph);
        assert_eq!(view.graph_offset(view.vec(Vec2::new(5.0, 6.0))), (5.0, 6.0));
        assert_eq!(
            view.graph_of_editor(view.editor_pos((1.5, 2.5))),
            (1.5, 2.5)
        );
    }

    #[test]
    fn zooming_about_a_point_keeps_it_still() {
        let anchor = Pos2::new(300.0, 200.0);
        let before = view().to_graph(anchor);
        let zoomed = view().zoomed_about(anchor, 0.5);
        assert_eq!(zoomed.zoom, 0.5);
        let after = zoomed.to_graph(anchor);
        assert!((before - after).length() < 1e-4, "{before:?} → {after:?}");
    }
}
