//! The canvas: the node-graph editor showing the document, with our own zoom, the run
//! overlay, and every edit routed into the document (the editor graph is only a view).

pub mod filmstrip;
pub mod graph_types;
pub mod node_body;
pub mod overlay;
pub mod sync;

use std::sync::Arc;
use std::time::Instant;

use eframe::egui::{self, Pos2, Rect, Vec2};
use egui_node_graph2::{NodeResponse, PanZoom};

use crate::app::commands::AppCommand;
use crate::app::document::Document;
use crate::model::{Node, NodeId};
use crate::nodes::{Params, Registry};
use crate::plan::Scope;
use graph_types::{AllKinds, CanvasResponse, CanvasState, EditorState};
use sync::IdMap;

/// Smallest and largest zoom.
const ZOOM_RANGE: (f32, f32) = (0.2, 2.0);

/// The graph canvas and what it draws from.
pub struct Canvas {
    /// The editor's state (a view of the document).
    pub editor: EditorState,
    /// Run state and per-frame geometry the node widgets use.
    pub state: CanvasState,
    map: IdMap,
    kinds: AllKinds,
    synced_revision: Option<u64>,
    dragging: bool,
    /// The selected nodes, by document id (kept here: the editor forgets on outside clicks).
    pub selected: Vec<NodeId>,
    /// The canvas's screen rectangle in the last frame.
    pub rect: Rect,
    /// A message for the user from the last edit (a refused wire, say).
    pub notice: Option<String>,
}

impl Canvas {
    /// A canvas for these node kinds.
    pub fn new(registry: Arc<Registry>) -> Self {
        Self {
            editor: EditorState::new(1.0),
            kinds: AllKinds::of(&registry),
            state: CanvasState::new(registry),
            map: IdMap::default(),
            synced_revision: None,
            dragging: false,
            selected: Vec::new(),
            rect: Rect::from_min_size(Pos2::ZERO, Vec2::new(1280.0, 800.0)),
            notice: None,
        }
    }

    /// Rebuilds the editor graph from the document, keeping the selection.
    pub fn rebuild(&mut self, doc: &Document) {
        // A field being edited stays in edit mode across the rebuild (typing into `vars`
        // changes the ports, which rebuilds the graph on every key).
        let editing = self
            .state
            .editing
            .and_then(|(node, field)| Some((self.map.to_doc.get(&node)?.clone(), field)));
        let (graph, order, map) = sync::build(doc.flow(), &self.state.registry);
        self.state.editing =
            editing.and_then(|(doc_id, field)| Some((*map.to_editor.get(&doc_id)?, field)));
        self.state.focus_pending |= self.state.editing.is_some();
        self.state.heights.clear();
        self.editor.graph = graph;
        self.editor.node_order = order;
        self.editor.node_positions = Default::default();
        self.selected.retain(|id| map.to_editor.contains_key(id));
        self.editor.selected_nodes = self
            .selected
            .iter()
            .filter_map(|id| map.to_editor.get(id).copied())
            .collect();
        self.editor.connection_in_progress = None;
        self.editor.node_finder = None;
        self.map = map;
        self.synced_revision = Some(doc.revision());
    }

    /// Writes every node's position (graph space × zoom) into the editor.
    fn place_nodes(&mut self, doc: &Document, zoom: f32) {
        let positions = &doc.flow().layout.positions;
        for (doc_id, &id) in &self.map.to_editor {
            let pos = positions.get(doc_id).copied().unwrap_or((0.0, 0.0));
            self.editor
                .node_positions
                .insert(id, Pos2::new(pos.0 * zoom, pos.1 * zoom));
        }
    }

    /// Whether the editor shows the document as it is now.
    pub fn is_synced(&self, doc: &Document) -> bool {
        self.synced_revision == Some(doc.revision())
    }

    fn mark_synced(&mut self, doc: &Document) {
        self.synced_revision = Some(doc.revision());
    }

    /// Draws the canvas in `ui`, applies edits to `doc`, and returns the commands asked for.
    #[allow(
        clippy::too_many_lines,
        reason = "drawn top to bottom in one place; split in the app rework (issue 11)"
    )]
    pub fn show(&mut self, ui: &mut egui::Ui, doc: &mut Document) -> Vec<AppCommand> {
        if !self.is_synced(doc) {
            self.rebuild(doc);
        }
        let rect = ui.max_rect();
        self.rect = rect;
        let mut commands = Vec::new();

        // Zoom is ours: the editor would rescale stored positions (see docs/architecture.md).
        let layout = &doc.flow().layout;
        let mut zoom = layout.zoom.clamp(ZOOM_RANGE.0, ZOOM_RANGE.1);
        let mut pan = Vec2::new(layout.pan.0, layout.pan.1);
        let finder_open = self.editor.node_finder.is_some();
        if ui.rect_contains_pointer(rect) && !finder_open {
            let scroll = ui.input(|i| i.smooth_scroll_delta.y);
            if scroll != 0.0 {
                let cursor = ui.input(|i| i.pointer.hover_pos()).unwrap_or(rect.center());
                let new_zoom = (zoom * (scroll * 0.002).exp()).clamp(ZOOM_RANGE.0, ZOOM_RANGE.1);
                let graph_point = (cursor - rect.min - pan) / zoom;
                pan = cursor - rect.min - graph_point * new_zoom;
                zoom = new_zoom;
                ui.input_mut(|i| {
                    i.smooth_scroll_delta = Vec2::ZERO;
                    i.raw_scroll_delta = Vec2::ZERO;
                });
            }
        }
        self.apply_view(ui, pan, zoom);
        self.place_nodes(doc, zoom);

        self.state.now = Instant::now();
        self.state.zoom = zoom;
        self.state.node_rects_last = std::mem::take(&mut self.state.node_rects);
        self.state.input_rows.clear();
        self.state.output_rows.clear();
        // Our selection is the truth: the editor forgets it on clicks outside the canvas.
        self.editor.selected_nodes = self
            .selected
            .iter()
            .filter_map(|id| self.map.to_editor.get(id).copied())
            .collect();
        let click_on_canvas = ui.input(|i| i.pointer.any_click())
            && ui
                .input(|i| i.pointer.interact_pos())
                .is_some_and(|pos| ui.ctx().layer_id_at(pos) == Some(ui.layer_id()));
        let response = self
            .editor
            .draw_graph_editor(ui, &self.kinds, &mut self.state, Vec::new());
        if finder_open && self.editor.node_finder.is_none() {
            // The finder's search box held keyboard focus; one more frame lets egui notice it
            // is gone, so the next shortcut is not swallowed.
            ui.ctx().request_repaint();
        }
        let pan_after = self.editor.pan_zoom.pan;
        doc.set_view((pan_after.x, pan_after.y), zoom);

        let pointer_down = ui.input(|i| i.pointer.primary_down());
        let mut moved = false;
        for node_response in response.node_responses {
            match node_response {
                NodeResponse::ConnectEventEnded { output, input, .. } => {
                    let (Some(from), Some(to)) = (
                        self.map.outputs.get(&output).cloned(),
                        self.map.inputs.get(&input).cloned(),
                    ) else {
                        continue;
                    };
                    match doc.connect(&self.state.registry, from, to) {
                        Ok(()) => self.mark_synced(doc),
                        Err(reason) => {
                            self.notice = Some(format!("Wire refused: {reason}"));
                            // The editor added it already; rebuilding drops it.
                            self.synced_revision = None;
                        }
                    }
                }
                NodeResponse::DisconnectEvent { output, input } => {
                    if let (Some(from), Some(to)) = (
                        self.map.outputs.get(&output).cloned(),
                        self.map.inputs.get(&input).cloned(),
                    ) {
                        doc.disconnect(&from, &to);
                        self.mark_synced(doc);
                    }
                }
                NodeResponse::DeleteNodeFull { node, .. } => {
                    let id = node.user_data.doc_id.clone();
                    doc.remove_nodes(std::slice::from_ref(&id));
                    self.state.run_view.forget(&id);
                    self.selected.retain(|s| *s != id);
                }
                NodeResponse::CreatedNode(id) => {
                    let kind = self.editor.graph[id].user_data.kind;
                    let doc_id = doc.fresh_id(kind);
                    let pos = self
                        .editor
                        .node_positions
                        .get(id)
                        .copied()
                        .unwrap_or_default();
                    doc.add_node(
                        Node::new(doc_id.clone(), kind),
                        (pos.x / zoom, pos.y / zoom),
                    );
                    self.selected = vec![doc_id];
                }
                NodeResponse::MoveNode { node, drag_delta } => {
                    let Some(id) = self.map.to_doc.get(&node).cloned() else {
                        continue;
                    };
                    let ids = if self.selected.contains(&id) && self.selected.len() > 1 {
                        self.selected.clone()
                    } else {
                        vec![id]
                    };
                    doc.move_nodes(
                        &ids,
                        (drag_delta.x / zoom, drag_delta.y / zoom),
                        self.dragging,
                    );
                    self.mark_synced(doc);
                    moved = true;
                }
                NodeResponse::SelectNode(node) => {
                    if let Some(id) = self.map.to_doc.get(&node) {
                        self.selected = vec![id.clone()];
                    }
                }
                NodeResponse::User(user) => self.user_response(user, doc, &mut commands),
                _ => {}
            }
        }
        self.dragging = moved && pointer_down;
        if self.editor.ongoing_box_selection.is_some()
            || !self.editor.selected_nodes.is_empty()
            || click_on_canvas
        {
            self.selected = self
                .editor
                .selected_nodes
                .iter()
                .filter_map(|id| self.map.to_doc.get(id).cloned())
                .collect();
        }

        let time_s = ui.input(|i| i.time);
        overlay::paint(ui.painter(), doc.flow(), &self.state, time_s);
        commands
    }

    fn user_response(
        &mut self,
        response: CanvasResponse,
        doc: &mut Document,
        commands: &mut Vec<AppCommand>,
    ) {
        match response {
            CanvasResponse::FieldEdited {
                node,
                field,
                is_param,
                value,
            } => {
                let ports_before = self.ports_of(doc, &node);
                doc.set_field(&node, &field, is_param, value);
                if self.ports_of(doc, &node) == ports_before {
                    // The widget already shows the new value: no rebuild needed.
                    self.mark_synced(doc);
                }
            }
            CanvasResponse::RunNode(node) => commands.push(AppCommand::Run(Scope::Node(node))),
            CanvasResponse::RunToHere(node) => {
                commands.push(AppCommand::OpenRunPanel(Scope::ToHere(node)))
            }
            CanvasResponse::Promote(node, promotion) => {
                if let Err(reason) = doc.set_promotion(&node, promotion) {
                    self.notice = Some(reason);
                }
            }
            CanvasResponse::SetOutput(node, output) => doc.set_output(&node, output),
            CanvasResponse::SetBypassed(node, bypassed) => doc.set_bypassed(&node, bypassed),
            CanvasResponse::Rename(node, title) => doc.set_title(&node, title),
            CanvasResponse::RetryItems(node, items) => {
                commands.push(AppCommand::RetryItems { node, items })
            }
            CanvasResponse::SetConcurrency(node, concurrency) => {
                doc.set_concurrency(&node, concurrency)
            }
            CanvasResponse::AddFiles(node) => commands.push(AppCommand::AddFiles(node)),
            CanvasResponse::SetActiveResult(node, index) => {
                commands.push(AppCommand::SetActiveResult { node, index })
            }
            CanvasResponse::ShowResults(node) => commands.push(AppCommand::ShowResults(node)),
            CanvasResponse::ShowImage(node, image) => {
                let title = doc
                    .flow()
                    .node(node.as_str())
                    .filter(|n| !n.title.is_empty())
                    .map_or_else(|| node.to_string(), |n| n.title.clone());
                commands.push(AppCommand::ShowImage { title, image });
            }
            CanvasResponse::ToggleExpanded(node) => {
                if !self.state.expanded.remove(&node) {
                    self.state.expanded.insert(node);
                }
            }
        }
    }

    /// The names of a node's ports, to tell whether an edit changed them.
    fn ports_of(&self, doc: &Document, id: &NodeId) -> Vec<String> {
        let Some(node) = doc.flow().node(id.as_str()) else {
            return Vec::new();
        };
        let Some(kind) = self.state.registry.get(&node.kind) else {
            return Vec::new();
        };
        let params = Params::new(node, kind.info());
        kind.inputs(&params)
            .iter()
            .chain(kind.outputs(&params).iter())
            .map(|p| p.name.to_string())
            .collect()
    }

    fn apply_view(&mut self, ui: &egui::Ui, pan: Vec2, zoom: f32) {
        let pan_zoom: &mut PanZoom = &mut self.editor.pan_zoom;
        pan_zoom.pan = pan;
        if !pan_zoom.started || (pan_zoom.zoom - zoom).abs() > f32::EPSILON {
            let delta = zoom / pan_zoom.zoom;
            pan_zoom.zoom(ui.clip_rect(), ui.style(), delta);
            pan_zoom.zoom = zoom;
            pan_zoom.started = true;
        }
    }

    /// Sets the view so every node is visible.
    pub fn zoom_to_fit(&mut self, doc: &mut Document) {
        let zoom = doc.flow().layout.zoom.max(ZOOM_RANGE.0);
        let pan = doc.flow().layout.pan;
        let mut bounds = Rect::NOTHING;
        for (id, pos) in &doc.flow().layout.positions {
            let size = self
                .state
                .node_rects
                .get(id)
                .map_or(Vec2::new(200.0, 120.0), |r| r.size() / zoom);
            bounds = bounds.union(Rect::from_min_size(Pos2::new(pos.0, pos.1), size));
        }
        let _ = pan;
        if !bounds.is_positive() {
            return;
        }
        let margin = 40.0;
        let available = self.rect.size() - Vec2::splat(2.0 * margin);
        let fit = (available.x / bounds.width()).min(available.y / bounds.height());
        let new_zoom = fit.clamp(ZOOM_RANGE.0, 1.0);
        let center_screen = self.rect.size() / 2.0;
        let new_pan = center_screen - bounds.center().to_vec2() * new_zoom;
        doc.set_view((new_pan.x, new_pan.y), new_zoom);
    }

    /// Selects a node and pans so it sits in the middle of the canvas.
    pub fn focus(&mut self, doc: &mut Document, id: &NodeId) {
        let Some(pos) = doc.flow().layout.positions.get(id).copied() else {
            return;
        };
        let zoom = doc.flow().layout.zoom;
        let size = self
            .state
            .node_rects
            .get(id)
            .map_or(Vec2::new(200.0, 120.0), |r| r.size());
        let center = Vec2::new(pos.0, pos.1) * zoom + size / 2.0;
        let pan = self.rect.size() / 2.0 - center;
        doc.set_view((pan.x, pan.y), zoom);
        self.selected = vec![id.clone()];
        self.editor.selected_nodes = self.map.to_editor.get(id).copied().into_iter().collect();
    }
}
