//! The canvas: the node-graph editor showing the document, with our own zoom, the run
//! overlay, and every edit routed into the document (the editor graph is only a view).

pub mod add_node_menu;
pub mod far_view;
pub mod filmstrip;
pub mod graph_types;
pub mod groups;
pub mod minimap;
pub mod node_body;
pub mod node_policy;
pub mod overlay;
pub mod paint_order;
pub mod sync;
pub mod transform;
pub mod viewer_area;
pub mod wire_pills;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use eframe::egui::{self, Pos2, Rect, Vec2};
use egui_node_graph2::{AnyParameterId, NodeId as EditorNodeId, NodeResponse, PanZoom};

use crate::model::{NodeId, PortRef};
use crate::nodes::{Params, Registry};
use crate::plan::Scope;
use crate::session::commands::AppCommand;
use crate::session::document::{DocIdentity, Document};
use crate::session::edit::{DocEdit, DragId, NewWire};
use crate::session::run_view::RunView;
use crate::session::store_catalog::StoreCatalog;
use crate::session::wiring::DraggedPort;
use crate::session::Session;
use crate::ui::thumbnails::Thumbnails;
use add_node_menu::{AddNodeMenu, MenuChoice};
use graph_types::{AllKinds, CanvasResponse, CanvasState, EditorState};
use sync::IdMap;
use transform::CanvasTransform;

/// About how wide a new node is, in graph units (its content and the frame around it).
const NEW_NODE_WIDTH: f32 = node_body::NODE_CONTENT_WIDTH + 30.0;

/// Smallest and largest zoom (below [`transform::LOW_DETAIL_ZOOM`] nodes are drawn
/// simplified).
pub const ZOOM_RANGE: (f32, f32) = (0.05, 2.0);

/// The graph canvas: the editor (a view of the document) and its per-frame scratch.
pub struct Canvas {
    /// The editor's state (a view of the document).
    pub editor: EditorState,
    /// Per-frame geometry the node widgets record, and what the app lends them while the
    /// canvas draws.
    pub state: CanvasState,
    map: IdMap,
    kinds: AllKinds,
    /// The document the editor graph was built from, at which revision.
    synced: Option<DocIdentity>,
    /// Edits emitted last frame that the editor shows already: when the document moved by
    /// exactly these, the editor graph needs no rebuild.
    shown: Vec<ShownEdit>,
    /// The drag under way, if any (its moves are one undo step).
    drag: Option<DragId>,
    /// What a drag on the far view moves, while it lasts.
    far_drag: Option<far_view::FarDrag>,
    /// The minimap's remembered graph bounds.
    minimap: minimap::MinimapCache,
    drags: u64,
    /// The canvas's screen rectangle in the last frame.
    pub rect: Rect,
    /// The add-node menu (right-click, or a wire dropped on empty canvas).
    pub add_menu: AddNodeMenu,
    /// The add-node menu was open last frame (its "My flows" are read as it opens).
    add_menu_was_open: bool,
    /// The wire being dragged was pulled off an input it fed: dropping it on empty canvas
    /// only disconnects it.
    wire_detached: bool,
}

/// An edit the editor made on its own graph before the document had it.
enum ShownEdit {
    /// A wire, a move: nothing to check.
    Plain,
    /// A field value typed into a node: shown unless the node's ports changed with it.
    Field {
        node: NodeId,
        ports_before: Vec<String>,
    },
}

/// What the canvas draws from, for one frame. The app owns all of it; the canvas holds the
/// mutable parts only while it draws (see [`Canvas::show`]).
pub struct CanvasInputs<'a> {
    /// The open document.
    pub doc: &'a Document,
    /// The selected nodes.
    pub selection: &'a [NodeId],
    /// Run statuses and results.
    pub run_view: &'a mut RunView,
    /// The result store's histories (filmstrips).
    pub catalog: &'a mut StoreCatalog,
    /// Image textures.
    pub thumbnails: &'a mut Thumbnails,
    /// Nodes showing their whole result.
    pub expanded: &'a mut HashSet<NodeId>,
    /// Nodes whose result is stale.
    pub stale: &'a mut HashSet<NodeId>,
    /// Steps that run once per batch item.
    pub fan_out: &'a mut HashMap<NodeId, usize>,
    /// Order badges of the plan the run panel previews.
    pub preview: &'a mut HashMap<NodeId, usize>,
    /// Whether the minimap shows.
    pub minimap: bool,
}

impl<'a> CanvasInputs<'a> {
    /// What the canvas draws from: the session's document, selection, run view, catalog
    /// and derived facts (bring them up to date first), the app's textures and the run
    /// panel's preview badges.
    pub fn of(
        session: &'a mut Session,
        thumbnails: &'a mut Thumbnails,
        preview: &'a mut HashMap<NodeId, usize>,
    ) -> Self {
        Self {
            doc: &session.doc,
            selection: &session.selection,
            run_view: &mut session.run_view,
            catalog: &mut session.catalog,
            thumbnails,
            expanded: &mut session.expanded,
            stale: &mut session.derived.stale,
            fan_out: &mut session.derived.fan_out,
            preview,
            minimap: true,
        }
    }

    /// Swaps the lent parts with the canvas state's: once to lend them for the draw, once
    /// more to give them back. (The editor hands its node widgets only its user state,
    /// which cannot hold a borrow, so the parts travel in it for the length of the draw.)
    fn swap_with(&mut self, state: &mut CanvasState) {
        std::mem::swap(self.run_view, &mut state.run_view);
        std::mem::swap(self.catalog, &mut state.catalog);
        std::mem::swap(self.thumbnails, state.thumbnails.get_mut());
        std::mem::swap(self.expanded, &mut state.expanded);
        std::mem::swap(self.stale, &mut state.stale);
        std::mem::swap(self.fan_out, &mut state.fan_out);
        std::mem::swap(self.preview, &mut state.preview);
    }
}

impl Canvas {
    /// A canvas for these node kinds.
    pub fn new(registry: Arc<Registry>) -> Self {
        Self {
            editor: EditorState::new(1.0),
            kinds: AllKinds::of(&registry),
            add_menu: AddNodeMenu::new(&registry),
            add_menu_was_open: false,
            wire_detached: false,
            state: CanvasState::new(registry),
            map: IdMap::default(),
            synced: None,
            shown: Vec::new(),
            drag: None,
            far_drag: None,
            minimap: minimap::MinimapCache::default(),
            drags: 0,
            rect: Rect::from_min_size(Pos2::ZERO, Vec2::new(1280.0, 800.0)),
        }
    }

    /// Rebuilds the editor graph from the document.
    fn rebuild(&mut self, doc: &Document) {
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
        self.editor.connection_in_progress = None;
        self.editor.node_finder = None;
        self.wire_detached = false;
        self.map = map;
        self.synced = Some(doc.identity());
    }

    /// Rebuilds the editor graph unless it shows the document as it is now: the same
    /// document, moved on only by the edits the editor made itself.
    fn sync(&mut self, doc: &Document) {
        let shown = std::mem::take(&mut self.shown);
        let expected = self.synced.map(|s| DocIdentity {
            revision: s.revision + shown.len() as u64,
            ..s
        });
        let ports_kept = shown.iter().all(|edit| match edit {
            ShownEdit::Plain => true,
            ShownEdit::Field { node, ports_before } => self.ports_of(doc, node) == *ports_before,
        });
        if expected == Some(doc.identity()) && ports_kept {
            self.synced = Some(doc.identity());
        } else {
            self.rebuild(doc);
        }
    }

    /// The nodes and wires the editor graph shows, in document terms (sorted), to check it
    /// against the document.
    pub fn shown_graph(&self) -> (Vec<NodeId>, Vec<(PortRef, PortRef)>) {
        let mut nodes: Vec<NodeId> = self
            .editor
            .graph
            .iter_nodes()
            .filter_map(|id| self.map.to_doc.get(&id).cloned())
            .collect();
        nodes.sort();
        let mut wires: Vec<(PortRef, PortRef)> = self
            .editor
            .graph
            .iter_connections()
            .filter_map(|(input, output)| {
                Some((
                    self.map.outputs.get(&output)?.clone(),
                    self.map.inputs.get(&input)?.clone(),
                ))
            })
            .collect();
        wires.sort();
        (nodes, wires)
    }

    /// Whether the editor graph was built from this document (any revision of it).
    pub fn shows(&self, doc: &Document) -> bool {
        self.synced
            .is_some_and(|s| s.generation == doc.identity().generation)
    }

    /// Writes every node's position into the editor (which keeps them scaled by zoom).
    fn place_nodes(&mut self, doc: &Document, view: CanvasTransform) {
        let positions = &doc.flow().layout.positions;
        for (doc_id, &id) in &self.map.to_editor {
            let pos = positions.get(doc_id).copied().unwrap_or((0.0, 0.0));
            self.editor.node_positions.insert(id, view.editor_pos(pos));
        }
    }

    /// The view the document asks for, on the canvas drawn at `rect`.
    fn view_of(doc: &Document, rect: Rect) -> CanvasTransform {
        let layout = &doc.flow().layout;
        CanvasTransform {
            zoom: layout.zoom.clamp(ZOOM_RANGE.0, ZOOM_RANGE.1),
            pan: Vec2::new(layout.pan.0, layout.pan.1),
            origin: rect.min,
        }
    }

    /// Draws the canvas in `ui` and returns what the user asked for: edits of the document
    /// and other commands. The document itself is not touched.
    pub fn show(&mut self, ui: &mut egui::Ui, mut inputs: CanvasInputs<'_>) -> Vec<AppCommand> {
        let doc = inputs.doc;
        self.sync(doc);
        inputs.swap_with(&mut self.state);
        let mut commands = self.draw(ui, doc, inputs.selection);
        if inputs.minimap {
            commands.extend(self.minimap(ui.ctx(), doc));
        }
        inputs.swap_with(&mut self.state);
        commands
    }

    fn draw(&mut self, ui: &mut egui::Ui, doc: &Document, selection: &[NodeId]) -> Vec<AppCommand> {
        let rect = ui.max_rect();
        self.rect = rect;
        let mut commands = Vec::new();

        // Zoom is ours: the editor would rescale stored positions (see docs/architecture.md).
        let layout = &doc.flow().layout;
        self.state.viewer_areas_last = std::mem::take(self.state.viewer_areas.get_mut());
        self.state.held_scroll = None;
        let view = if let Some(node) = self.viewer_under_pointer(ui) {
            // The wheel over a viewer scrolls its text: held from the editor (which would
            // zoom) and handed to the viewer's scroll area while it is drawn.
            self.state.held_scroll = Some((node, take_scroll(ui)));
            Self::view_of(doc, rect)
        } else {
            wheel_zoom(ui, Self::view_of(doc, rect))
        };
        self.state.view_sizes.clone_from(&layout_sizes(doc));
        self.apply_view(ui, view);
        if view.is_low_detail() {
            return self.draw_far(ui, doc, selection, view);
        }
        self.place_nodes(doc, view);

        self.state.now = Instant::now();
        self.state.view = view;
        self.state.node_rects_last = std::mem::take(&mut self.state.node_rects);
        self.state.input_rows.clear();
        self.state.output_rows.clear();
        // The session's selection is the truth: the editor forgets it on outside clicks.
        self.editor.selected_nodes = selection
            .iter()
            .filter_map(|id| self.map.to_editor.get(id).copied())
            .collect();
        // Docked panels share the canvas's layer: a click in one (the node data panel, say)
        // is not a click on the canvas and keeps the selection.
        let click_on_canvas = ui.input(|i| i.pointer.any_click())
            && ui.input(|i| i.pointer.interact_pos()).is_some_and(|pos| {
                rect.contains(pos) && ui.ctx().layer_id_at(pos) == Some(ui.layer_id())
            });
        let frames = self.group_frames(doc.flow(), view, ui.clip_rect());
        groups::paint_groups(ui.painter(), doc.flow(), &frames);
        let wire_slot = paint_order::reserve(ui.painter());
        let wire_before = self.editor.connection_in_progress;
        let response = self
            .editor
            .draw_graph_editor(ui, &self.kinds, &mut self.state, Vec::new());
        self.open_add_menu(ui, doc, wire_before, &response.node_responses);
        let time_s = ui.input(|i| i.time);
        let dots = paint_order::mark(ui.ctx(), ui.layer_id());
        overlay::paint_wires(ui.painter(), doc.flow(), &self.state, time_s);
        for edit in wire_pills::show(ui, doc.flow(), &self.state) {
            commands.push(AppCommand::Edit(edit));
        }
        let dragging_wire = self.editor.connection_in_progress.is_some();
        paint_order::wires_behind_nodes(ui.ctx(), wire_slot, dots, dragging_wire);
        let pan_after = self.editor.pan_zoom.pan;
        if (pan_after.x, pan_after.y) != layout.pan || view.zoom != layout.zoom {
            commands.push(AppCommand::Edit(DocEdit::SetView {
                pan: (pan_after.x, pan_after.y),
                zoom: view.zoom,
            }));
        }

        self.group_headers(ui, doc.flow(), &frames, view, &mut commands);
        let pointer_down = ui.input(|i| i.pointer.primary_down());
        let mut selected =
            self.handle_responses(response.node_responses, doc, selection, view, &mut commands);
        if !pointer_down {
            // A drag ends when the button is let go (pauses while holding it do not split it).
            self.drag = None;
        }
        if self.editor.ongoing_box_selection.is_some()
            || !self.editor.selected_nodes.is_empty()
            || click_on_canvas
        {
            selected = Some(
                self.editor
                    .selected_nodes
                    .iter()
                    .filter_map(|id| self.map.to_doc.get(id).cloned())
                    .collect(),
            );
        }
        if let Some(selected) = selected.filter(|s| s.as_slice() != selection) {
            commands.push(AppCommand::Select(selected));
        }

        if let Some(node) = self.double_clicked_flow_node(ui, doc) {
            commands.push(AppCommand::OpenSubflow(node));
        }
        overlay::paint(ui.painter(), &self.state, time_s);
        self.state.marked_stale = (self.state.node_rects.keys())
            .filter(|id| overlay::is_marked_stale(&self.state, id))
            .cloned()
            .collect();
        if let Some((dragged, at)) = self.add_menu.pending_wire() {
            overlay::pending_wire(ui.painter(), &self.state, dragged, at);
        }
        self.list_my_flows(doc);
        if let Some(choice) = self.add_menu.show(ui.ctx(), rect.shrink(4.0)) {
            commands.push(AppCommand::Edit(Self::add_edit(doc, choice, view)));
        }
        commands
    }

    /// The node that runs another flow (a subflow, a loop) double-clicked this frame, if
    /// any: double-clicking it opens that flow.
    fn double_clicked_flow_node(&self, ui: &egui::Ui, doc: &Document) -> Option<NodeId> {
        let double = ui.input(|i| {
            i.pointer
                .button_double_clicked(egui::PointerButton::Primary)
        });
        if !double {
            return None;
        }
        let at = ui.input(|i| i.pointer.interact_pos())?;
        if !self.rect.contains(at) || ui.ctx().layer_id_at(at) != Some(ui.layer_id()) {
            return None;
        }
        let (id, _) = self
            .state
            .node_rects
            .iter()
            .find(|(_, rect)| rect.contains(at))?;
        let node = doc.flow().node(id.as_str())?;
        let runs_flow = doc
            .registry()
            .get(&node.kind)
            .is_some_and(|k| k.runs_flow());
        runs_flow.then(|| id.clone())
    }

    /// The viewer whose result area (as drawn last frame) is under the pointer, if any.
    fn viewer_under_pointer(&self, ui: &egui::Ui) -> Option<NodeId> {
        let pointer = ui.input(|i| i.pointer.hover_pos())?;
        if !ui.max_rect().contains(pointer) {
            return None;
        }
        (self.state.viewer_areas_last.iter())
            .find(|(_, rect)| rect.contains(pointer))
            .map(|(id, _)| id.clone())
    }

    /// Opens the add-node menu where the editor would have opened its node finder (a
    /// right-click), or where a wire was dropped on empty canvas.
    fn open_add_menu(
        &mut self,
        ui: &egui::Ui,
        doc: &Document,
        wire_before: Option<(EditorNodeId, AnyParameterId)>,
        responses: &[NodeResponse<CanvasResponse, graph_types::EditorNode>],
    ) {
        // The crate's finder is never drawn: it opened at the end of this draw.
        if let Some(finder) = self.editor.node_finder.take() {
            let at = finder.position.unwrap_or(self.rect.center());
            self.add_menu.open_at(at, None);
            return;
        }
        let detached = responses
            .iter()
            .any(|r| matches!(r, NodeResponse::DisconnectEvent { .. }));
        if detached && self.editor.connection_in_progress.is_some() {
            self.wire_detached = true;
        }
        let Some((_, param)) = wire_before else {
            return;
        };
        if self.editor.connection_in_progress.is_some() {
            return;
        }
        let detached = std::mem::take(&mut self.wire_detached);
        let connected = responses
            .iter()
            .any(|r| matches!(r, NodeResponse::ConnectEventEnded { .. }));
        let dropped_at = ui.input(|i| i.pointer.interact_pos());
        let Some(at) = dropped_at.filter(|at| {
            self.rect.contains(*at)
                && ui.ctx().layer_id_at(*at) == Some(ui.layer_id())
                && !self.state.node_rects.values().any(|r| r.contains(*at))
        }) else {
            return;
        };
        if connected || detached {
            return;
        }
        if let Some(wire) = self.dragged_port(doc, param) {
            self.add_menu.open_at(at, Some(wire));
        }
    }

    /// The port a wire is dragged from, in document terms, with words for it
    /// ("Greeting › text").
    fn dragged_port(&self, doc: &Document, param: AnyParameterId) -> Option<(DraggedPort, String)> {
        let (port, is_output) = match param {
            AnyParameterId::Output(output) => (self.map.outputs.get(&output)?.clone(), true),
            AnyParameterId::Input(input) => (self.map.inputs.get(&input)?.clone(), false),
        };
        let ty = self.editor.graph.any_param_type(param).ok()?.0;
        let title = doc
            .flow()
            .node(port.node.as_str())
            .filter(|n| !n.title.is_empty())
            .map_or_else(|| port.node.to_string(), |n| n.title.clone());
        let label = format!("{title} › {}", port.port);
        Some((
            DraggedPort {
                port,
                is_output,
                ty,
            },
            label,
        ))
    }

    /// Opens the add-node menu under the pointer when it is over the canvas, else in the
    /// canvas's upper middle (Edit → Add node…, Shift+A).
    pub fn open_add_menu_here(&mut self, ctx: &egui::Context) {
        let pointer = ctx.input(|i| i.pointer.hover_pos());
        let at = pointer
            .filter(|at| self.rect.contains(*at))
            .unwrap_or(self.rect.center_top() + Vec2::new(-150.0, 60.0));
        self.add_menu.open_at(at, None);
        ctx.request_repaint();
    }

    /// Reads the flows offered under "My flows" as the add-node menu opens.
    fn list_my_flows(&mut self, doc: &Document) {
        let open = self.add_menu.is_open();
        if open && !self.add_menu_was_open {
            let library = crate::session::my_flows::library_folder();
            let flows = crate::session::my_flows::my_flows(doc.path(), library.as_deref());
            let subflow = doc.registry().get(crate::nodes::SUBFLOW_KIND);
            self.add_menu.set_my_flows(subflow, flows);
        }
        self.add_menu_was_open = open;
    }

    /// The document edit for a kind chosen in the add-node menu: the node where the menu
    /// was opened (a node feeding a dropped input ends there instead of starting there).
    /// One of "My flows" is a subflow node running that flow, titled by it.
    fn add_edit(doc: &Document, choice: MenuChoice, view: CanvasTransform) -> DocEdit {
        let mut at = view.to_graph(choice.at_screen);
        if let Some(NewWire::IntoInput { .. }) = choice.wire {
            at.x -= NEW_NODE_WIDTH;
        }
        let at = (at.x, at.y);
        if let Some(flow) = choice.my_flow {
            let id = crate::session::document::fresh_id(doc.flow(), &flow.name);
            let mut node = crate::model::Node::new(id, crate::nodes::SUBFLOW_KIND)
                .with_param(crate::format::FLOW_PARAM, flow.file.as_str());
            node.title = flow.name;
            return DocEdit::Replace(crate::session::compose::Replacement {
                remove: Vec::new(),
                add: vec![(node, at)],
                wires: Vec::new(),
            });
        }
        let kind = choice.kind.to_owned();
        match choice.wire {
            Some(wire) => DocEdit::AddWiredNode { kind, at, wire },
            None => DocEdit::AddNode { kind, at },
        }
    }

    /// Turns the editor's responses into commands; returns the selection the editor asked
    /// for, if any.
    fn handle_responses(
        &mut self,
        responses: Vec<NodeResponse<CanvasResponse, graph_types::EditorNode>>,
        doc: &Document,
        selection: &[NodeId],
        view: CanvasTransform,
        commands: &mut Vec<AppCommand>,
    ) -> Option<Vec<NodeId>> {
        let mut selected: Option<Vec<NodeId>> = None;
        for node_response in responses {
            match node_response {
                NodeResponse::ConnectEventEnded { output, input, .. } => {
                    let (Some(from), Some(to)) = (
                        self.map.outputs.get(&output).cloned(),
                        self.map.inputs.get(&input).cloned(),
                    ) else {
                        continue;
                    };
                    // The editor drew the wire already; a refusal rebuilds it away.
                    self.shown.push(ShownEdit::Plain);
                    commands.push(AppCommand::Edit(DocEdit::Connect { from, to }));
                }
                NodeResponse::DisconnectEvent { output, input } => {
                    if let (Some(from), Some(to)) = (
                        self.map.outputs.get(&output).cloned(),
                        self.map.inputs.get(&input).cloned(),
                    ) {
                        self.shown.push(ShownEdit::Plain);
                        commands.push(AppCommand::Edit(DocEdit::Disconnect { from, to }));
                    }
                }
                NodeResponse::DeleteNodeFull { node, .. } => {
                    let id = node.user_data.doc_id.clone();
                    commands.push(AppCommand::Edit(DocEdit::RemoveNodes(vec![id])));
                }
                NodeResponse::MoveNode { node, drag_delta } => {
                    let Some(id) = self.map.to_doc.get(&node).cloned() else {
                        continue;
                    };
                    let ids = if selection.contains(&id) && selection.len() > 1 {
                        selection.to_vec()
                    } else {
                        vec![id]
                    };
                    let drag = *self.drag.get_or_insert_with(|| {
                        self.drags += 1;
                        DragId(self.drags)
                    });
                    self.shown.push(ShownEdit::Plain);
                    commands.push(AppCommand::Edit(DocEdit::MoveNodes {
                        ids,
                        delta: view.graph_offset(drag_delta),
                        drag,
                    }));
                }
                NodeResponse::SelectNode(node) => {
                    if let Some(id) = self.map.to_doc.get(&node) {
                        selected = Some(vec![id.clone()]);
                    }
                }
                NodeResponse::User(user) => self.user_response(user, doc, commands),
                _ => {}
            }
        }
        selected
    }

    fn user_response(
        &mut self,
        response: CanvasResponse,
        doc: &Document,
        commands: &mut Vec<AppCommand>,
    ) {
        let edit = |edit| AppCommand::Edit(edit);
        let command = match response {
            CanvasResponse::FieldEdited {
                node,
                field,
                is_param,
                value,
            } => {
                // The widget shows the new value already.
                let ports_before = self.ports_of(doc, &node);
                self.shown.push(ShownEdit::Field {
                    node: node.clone(),
                    ports_before,
                });
                edit(DocEdit::SetField {
                    node,
                    field,
                    is_param,
                    value,
                })
            }
            CanvasResponse::RunNode(node) => AppCommand::Run(Scope::Node(node)),
            CanvasResponse::RunToHere(node) => AppCommand::OpenRunPanel(Scope::ToHere(node)),
            CanvasResponse::RunFromHere(node) => AppCommand::OpenRunPanel(Scope::FromHere(node)),
            CanvasResponse::Promote(node, promotion) => {
                edit(DocEdit::SetPromotion { node, promotion })
            }
            CanvasResponse::SetOutput(node, output) => edit(DocEdit::SetOutput { node, output }),
            CanvasResponse::SetBypassed(node, bypassed) => {
                edit(DocEdit::SetBypassed { node, bypassed })
            }
            CanvasResponse::Rename(node, title) => edit(DocEdit::SetTitle { node, title }),
            CanvasResponse::RetryItems(node, items) => AppCommand::RetryItems { node, items },
            CanvasResponse::SetConcurrency(node, concurrency) => {
                edit(DocEdit::SetConcurrency { node, concurrency })
            }
            CanvasResponse::SetRetry(node, retry) => edit(DocEdit::SetRetry { node, retry }),
            CanvasResponse::SetTimeLimit(node, timeout_ms) => {
                edit(DocEdit::SetTimeLimit { node, timeout_ms })
            }
            CanvasResponse::SetCheckpoint(node, checkpoint) => {
                edit(DocEdit::SetCheckpoint { node, checkpoint })
            }
            CanvasResponse::AddFiles(node) => AppCommand::AddFiles(node),
            CanvasResponse::SetActiveResult(node, index) => {
                AppCommand::SetActiveResult { node, index }
            }
            CanvasResponse::ShowResults(node) => AppCommand::ShowResults(node),
            CanvasResponse::ShowImage(node, image) => {
                let title = doc
                    .flow()
                    .node(node.as_str())
                    .filter(|n| !n.title.is_empty())
                    .map_or_else(|| node.to_string(), |n| n.title.clone());
                AppCommand::ShowImage { title, image }
            }
            CanvasResponse::ToggleExpanded(node) => AppCommand::ToggleExpanded(node),
            CanvasResponse::ShowData(node) => AppCommand::ShowNodeData(node),
            CanvasResponse::OpenSubflow(node) => AppCommand::OpenSubflow(node),
            CanvasResponse::InlineSubflow(node) => AppCommand::InlineSubflow(node),
            CanvasResponse::GroupIntoSubflow => AppCommand::GroupIntoSubflow,
            CanvasResponse::ResizeView(node, size_in_graph) => {
                // The frames of one drag of the corner are one undo step, as moves are.
                let drag = *self.drag.get_or_insert_with(|| {
                    self.drags += 1;
                    DragId(self.drags)
                });
                edit(DocEdit::ResizeView {
                    node,
                    size_in_graph,
                    drag,
                })
            }
        };
        commands.push(command);
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
            .chain(kind.all_outputs(&params).iter())
            .map(|p| p.name.to_string())
            .collect()
    }

    fn apply_view(&mut self, ui: &egui::Ui, view: CanvasTransform) {
        let zoom = view.zoom;
        let pan_zoom: &mut PanZoom = &mut self.editor.pan_zoom;
        pan_zoom.pan = view.pan;
        if !pan_zoom.started || (pan_zoom.zoom - zoom).abs() > f32::EPSILON {
            let delta = zoom / pan_zoom.zoom;
            pan_zoom.zoom(ui.clip_rect(), ui.style(), delta);
            pan_zoom.zoom = zoom;
            pan_zoom.started = true;
        }
    }

    /// The view that shows every node.
    pub fn zoom_to_fit(&self, doc: &Document) -> Option<DocEdit> {
        let view = Self::view_of(doc, self.rect);
        let mut bounds = Rect::NOTHING;
        for (id, pos) in &doc.flow().layout.positions {
            let size = self
                .state
                .node_rects
                .get(id)
                .map_or_else(|| self.far_size(id), |r| r.size() / view.points(1.0));
            bounds = bounds.union(Rect::from_min_size(Pos2::new(pos.0, pos.1), size));
        }
        if !bounds.is_positive() {
            return None;
        }
        let margin = 40.0;
        let available = self.rect.size() - Vec2::splat(2.0 * margin);
        let new_zoom = CanvasTransform::fitting(bounds, available).clamp(ZOOM_RANGE.0, 1.0);
        let fitted = CanvasTransform {
            zoom: new_zoom,
            ..view
        };
        let new_pan = fitted.centring(bounds.center(), self.rect.size());
        Some(DocEdit::SetView {
            pan: (new_pan.x, new_pan.y),
            zoom: new_zoom,
        })
    }

    /// The view with a node in the middle of the canvas.
    pub fn centre_on(&self, doc: &Document, id: &NodeId) -> Option<DocEdit> {
        let pos = doc.flow().layout.positions.get(id).copied()?;
        let view = Self::view_of(doc, self.rect);
        let size = self
            .state
            .node_rects
            .get(id)
            .map_or(Vec2::new(200.0, 120.0), |r| r.size());
        let middle = Pos2::new(pos.0, pos.1)
            + Vec2::new(view.graph_length(size.x), view.graph_length(size.y)) / 2.0;
        let pan = view.centring(middle, self.rect.size());
        Some(DocEdit::SetView {
            pan: (pan.x, pan.y),
            zoom: view.zoom,
        })
    }
}

/// The viewers' result area sizes the document keeps, by node.
fn layout_sizes(doc: &Document) -> HashMap<NodeId, (f32, f32)> {
    let sizes = &doc.flow().layout.sizes;
    sizes.iter().map(|(id, size)| (id.clone(), *size)).collect()
}

/// Takes this frame's wheel scroll away from everything else, and returns it.
fn take_scroll(ui: &mut egui::Ui) -> Vec2 {
    ui.input_mut(|i| {
        let delta = i.smooth_scroll_delta;
        i.smooth_scroll_delta = Vec2::ZERO;
        i.raw_scroll_delta = Vec2::ZERO;
        delta
    })
}

/// The mouse wheel zooms around the pointer (and is used up, so the editor does not zoom too).
fn wheel_zoom(ui: &mut egui::Ui, view: CanvasTransform) -> CanvasTransform {
    let rect = ui.max_rect();
    if !ui.rect_contains_pointer(rect) {
        return view;
    }
    let scroll = ui.input(|i| i.smooth_scroll_delta.y);
    if scroll == 0.0 {
        return view;
    }
    let cursor = ui.input(|i| i.pointer.hover_pos()).unwrap_or(rect.center());
    let zoom = (view.zoom * (scroll * 0.002).exp()).clamp(ZOOM_RANGE.0, ZOOM_RANGE.1);
    ui.input_mut(|i| {
        i.smooth_scroll_delta = Vec2::ZERO;
        i.raw_scroll_delta = Vec2::ZERO;
    });
    view.zoomed_about(cursor, zoom)
}
