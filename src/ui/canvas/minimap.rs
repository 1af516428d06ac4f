//! The minimap: the whole graph in a corner of the canvas, nodes coloured by their run
//! status, the part the canvas shows outlined; a click or drag on it centres the canvas
//! there. It shows only while part of the graph is out of view. Nodes are binned into cells a couple of points wide, so a 100,000-node flow
//! draws a few thousand rectangles at most.

use eframe::egui::{self, Pos2, Rect, Sense, Shape, Stroke, Vec2};

use super::transform::CanvasTransform;
use super::Canvas;
use crate::model::Flow;
use crate::session::commands::AppCommand;
use crate::session::document::{DocIdentity, Document};
use crate::session::edit::DocEdit;
use crate::session::run_view::{NodeStatus, RunView};
use crate::ui::theme;

/// The largest the minimap gets (screen points).
const MAX_SIZE: Vec2 = Vec2::new(240.0, 160.0);
/// Distance from the canvas's edges.
const MARGIN: f32 = 12.0;
/// Side of one cell nodes are binned into (screen points).
const CELL: f32 = 2.0;

/// What the minimap remembers between frames: the graph's bounds for one document
/// revision (positions change only with it).
#[derive(Default)]
pub struct MinimapCache {
    bounds: Option<(DocIdentity, Rect)>,
    /// The cells, one texture pixel each, and what they were worked out from: the
    /// document, the run view's changes, how many nodes had been measured, and where the
    /// map was. Drawn as one image: a frame costs the same for 100 nodes or 100,000.
    cells: Option<(CellsKey, egui::TextureHandle)>,
    /// The texture's size in cells (columns, rows).
    cell_grid: [usize; 2],
}

/// What the minimap's cells depend on.
type CellsKey = (DocIdentity, u64, usize, [u32; 4]);

impl Canvas {
    /// Draws the minimap over the canvas's bottom-right corner; returns the view change a
    /// click or drag on it asks for.
    pub(super) fn minimap(&mut self, ctx: &egui::Context, doc: &Document) -> Option<AppCommand> {
        let bounds = self.graph_bounds(doc)?;
        let view = self.state.view;
        let size = fitted_size(bounds.size());
        let area = Rect::from_min_size(self.rect.max - size - Vec2::splat(MARGIN), size);
        if area.left() < self.rect.left() || area.top() < self.rect.top() {
            return None;
        }
        let map = MapTransform { bounds, area };
        let shown = Rect::from_min_max(view.to_graph(self.rect.min), view.to_graph(self.rect.max));
        if shown.contains_rect(bounds.shrink(40.0)) {
            // Every node is in view: nothing to find on a map.
            return None;
        }
        let mut command = None;
        egui::Area::new(egui::Id::new("minimap"))
            .fixed_pos(area.min)
            .order(egui::Order::Middle)
            .show(ctx, |ui| {
                let (response, painter) = ui.allocate_painter(size, Sense::click_and_drag());
                painter.rect_filled(area, 4.0, theme::MINIMAP_BACKGROUND);
                let cells = self.cells(ui.ctx(), doc, &map);
                painter.with_clip_rect(area).add(cells);
                let outline = map.to_map(shown.min).max(area.min);
                let outline = Rect::from_min_max(outline, map.to_map(shown.max).min(area.max));
                // What the canvas does not show is dimmed, so the part it shows stands out
                // even where its outline runs along the map's edge.
                for outside in around(area, outline) {
                    painter.rect_filled(outside, 0.0, theme::MINIMAP_OUTSIDE_VIEW);
                }
                painter.rect_stroke(outline, 2.0, Stroke::new(1.5, theme::MINIMAP_VIEWPORT));
                painter.rect_stroke(area, 4.0, Stroke::new(1.0, theme::MINIMAP_BORDER));
                if response.clicked() || response.dragged() {
                    if let Some(pos) = response.interact_pointer_pos() {
                        command = Some(centre_view(view, map.to_graph(pos), self.rect.size()));
                    }
                }
                response.on_hover_text("Minimap: click or drag to move the view (M hides it)");
            });
        command
    }

    /// The cells as a shape, worked out again only when what they show changed.
    fn cells(&mut self, ctx: &egui::Context, doc: &Document, map: &MapTransform) -> Shape {
        let area = map.area;
        let key = (
            doc.identity(),
            self.state.run_view.changes,
            self.state.node_sizes.len(),
            [area.min.x, area.min.y, area.max.x, area.max.y].map(f32::to_bits),
        );
        let image = match &mut self.minimap.cells {
            Some((cached, texture)) if *cached == key => texture.id(),
            _ => {
                let image = cell_image(doc.flow(), &self.state.run_view, map, self);
                let size = image.size;
                let options = egui::TextureOptions::NEAREST;
                match &mut self.minimap.cells {
                    Some((cached, texture)) => {
                        texture.set(image, options);
                        *cached = key;
                    }
                    None => {
                        let texture = ctx.load_texture("minimap", image, options);
                        self.minimap.cells = Some((key, texture));
                    }
                }
                self.minimap.cell_grid = size;
                self.minimap
                    .cells
                    .as_ref()
                    .map_or(egui::TextureId::default(), |c| c.1.id())
            }
        };
        // One cell per pixel of the texture, CELL points each (the last row and column run
        // past the map's edge and are clipped).
        let [columns, rows] = self.minimap.cell_grid;
        let rect = Rect::from_min_size(area.min, Vec2::new(columns as f32, rows as f32) * CELL);
        let uv = Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0));
        Shape::image(image, rect, uv, egui::Color32::WHITE)
    }

    /// The graph's bounds in graph units (every node's box), worked out again only when
    /// the document changes.
    fn graph_bounds(&mut self, doc: &Document) -> Option<Rect> {
        if let Some((identity, bounds)) = self.minimap.bounds {
            if identity == doc.identity() {
                return Some(bounds);
            }
        }
        let mut bounds = Rect::NOTHING;
        for node in &doc.flow().nodes {
            let pos = doc.flow().layout.positions.get(&node.id).copied();
            let pos = pos.unwrap_or((0.0, 0.0));
            let min = Pos2::new(pos.0, pos.1);
            bounds = bounds.union(Rect::from_min_size(min, self.far_size(&node.id)));
        }
        let bounds = bounds.is_positive().then_some(bounds.expand(40.0))?;
        self.minimap.bounds = Some((doc.identity(), bounds));
        Some(bounds)
    }
}

/// The parts of `area` outside `inner` (up to four rectangles: above, below, left, right).
fn around(area: Rect, inner: Rect) -> Vec<Rect> {
    let inner = inner.intersect(area);
    if !inner.is_positive() {
        return vec![area];
    }
    let parts = [
        Rect::from_min_max(area.min, Pos2::new(area.max.x, inner.min.y)),
        Rect::from_min_max(Pos2::new(area.min.x, inner.max.y), area.max),
        Rect::from_min_max(
            Pos2::new(area.min.x, inner.min.y),
            Pos2::new(inner.min.x, inner.max.y),
        ),
        Rect::from_min_max(
            Pos2::new(inner.max.x, inner.min.y),
            Pos2::new(area.max.x, inner.max.y),
        ),
    ];
    parts.into_iter().filter(|r| r.is_positive()).collect()
}

/// The minimap's size for a graph of this shape: as large as allowed, same proportions.
fn fitted_size(graph: Vec2) -> Vec2 {
    let scale = (MAX_SIZE.x / graph.x).min(MAX_SIZE.y / graph.y);
    (graph * scale).max(Vec2::splat(24.0))
}

/// Graph space ↔ the minimap's rectangle on screen.
struct MapTransform {
    bounds: Rect,
    area: Rect,
}

impl MapTransform {
    fn to_map(&self, graph: Pos2) -> Pos2 {
        let t = (graph - self.bounds.min) / self.bounds.size();
        self.area.min + t * self.area.size()
    }

    fn to_graph(&self, map: Pos2) -> Pos2 {
        let t = (map - self.area.min) / self.area.size();
        self.bounds.min + t * self.bounds.size()
    }
}

/// The view that puts graph point `graph` in the middle of a canvas of `size`.
fn centre_view(view: CanvasTransform, graph: Pos2, size: Vec2) -> AppCommand {
    let pan = view.centring(graph, size);
    AppCommand::Edit(DocEdit::SetView {
        pan: (pan.x, pan.y),
        zoom: view.zoom,
    })
}

/// Every node as a filled cell: its run status's colour, or the plain node colour.
fn cell_image(
    flow: &Flow,
    run_view: &RunView,
    map: &MapTransform,
    canvas: &Canvas,
) -> egui::ColorImage {
    let columns = (map.area.width() / CELL).ceil() as usize + 1;
    let rows = (map.area.height() / CELL).ceil() as usize + 1;
    // Per cell: the most telling status of its nodes (failures first), if any node.
    let mut cells: Vec<Option<NodeStatus>> = vec![None; columns * rows];
    for node in &flow.nodes {
        let pos = flow
            .layout
            .positions
            .get(&node.id)
            .copied()
            .unwrap_or((0.0, 0.0));
        let size = canvas.far_size(&node.id);
        let status = run_view
            .node(&node.id)
            .map_or(NodeStatus::Idle, |v| v.status);
        let from = map.to_map(Pos2::new(pos.0, pos.1));
        let to = map.to_map(Pos2::new(pos.0 + size.x, pos.1 + size.y));
        // Rounded to the nearest cell edge, so a box covers the cells it mostly covers
        // and the gaps between nodes stay visible.
        let edge = |p: Pos2| {
            let x = ((p.x - map.area.left()) / CELL)
                .round()
                .clamp(0.0, columns as f32) as usize;
            let y = ((p.y - map.area.top()) / CELL)
                .round()
                .clamp(0.0, rows as f32) as usize;
            (x, y)
        };
        let ((x0, y0), (x1, y1)) = (edge(from), edge(to));
        let (x0, y0) = (x0.min(columns - 1), y0.min(rows - 1));
        let (x1, y1) = (x1.saturating_sub(1).max(x0), y1.saturating_sub(1).max(y0));
        for y in y0..=y1 {
            for x in x0..=x1 {
                let slot = &mut cells[y * columns + x];
                if slot.is_none_or(|s| urgency(status) > urgency(s)) {
                    *slot = Some(status);
                }
            }
        }
    }
    let pixels = cells
        .iter()
        .map(|cell| match cell {
            None => egui::Color32::TRANSPARENT,
            Some(NodeStatus::Idle) => theme::MINIMAP_NODE,
            Some(other) => theme::status(*other),
        })
        .collect();
    egui::ColorImage {
        size: [columns, rows],
        pixels,
    }
}

/// Which status a cell shared by several nodes shows: the one a user most needs to see.
fn urgency(status: NodeStatus) -> u8 {
    match status {
        NodeStatus::Failed | NodeStatus::Blocked => 8,
        NodeStatus::Running => 7,
        NodeStatus::Partial => 6,
        NodeStatus::Cancelled => 5,
        NodeStatus::Skipped => 4,
        NodeStatus::Queued => 3,
        NodeStatus::Succeeded => 2,
        NodeStatus::Reused => 1,
        NodeStatus::Idle => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_and_graph_positions_convert_both_ways() {
        let map = MapTransform {
            bounds: Rect::from_min_size(Pos2::new(-100.0, 50.0), Vec2::new(2000.0, 1000.0)),
            area: Rect::from_min_size(Pos2::new(900.0, 600.0), Vec2::new(200.0, 100.0)),
        };
        let graph = Pos2::new(900.0, 550.0);
        let on_map = map.to_map(graph);
        assert_eq!(on_map, Pos2::new(1000.0, 650.0));
        assert!((map.to_graph(on_map) - graph).length() < 1e-3);
    }

    #[test]
    fn the_minimap_keeps_the_graphs_proportions_within_its_largest_size() {
        let wide = fitted_size(Vec2::new(10_000.0, 1_000.0));
        assert_eq!(wide, Vec2::new(240.0, 24.0));
        let tall = fitted_size(Vec2::new(1_000.0, 2_000.0));
        assert_eq!(tall, Vec2::new(80.0, 160.0));
    }

    #[test]
    fn everything_outside_the_view_is_dimmed_and_nothing_inside() {
        let area = Rect::from_min_size(Pos2::ZERO, Vec2::new(100.0, 50.0));
        let view = Rect::from_min_max(Pos2::new(20.0, 10.0), Pos2::new(60.0, 30.0));
        let parts = around(area, view);
        let dimmed: f32 = parts.iter().map(|r| r.area()).sum();
        assert!((dimmed - (5000.0 - 800.0)).abs() < 1e-3);
        assert!(parts.iter().all(|r| !r.intersects(view.shrink(0.1))));
        assert!(around(area, area).is_empty());
    }

    #[test]
    fn a_failure_shows_over_successes_sharing_its_cell() {
        assert!(urgency(NodeStatus::Failed) > urgency(NodeStatus::Succeeded));
        assert!(urgency(NodeStatus::Running) > urgency(NodeStatus::Idle));
    }
}
