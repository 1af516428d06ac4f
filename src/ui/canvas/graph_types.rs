//! The types the node-graph editor is built from: node data, port types, field values,
//! node templates (the crate's node finder needs them, though the canvas never lets it show:
//! see `add_node_menu`), and the state the node widgets read while drawing.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use eframe::egui::{self, Color32, Rect};
use egui_node_graph2::{
    CategoryTrait, DataTypeTrait, Graph, GraphEditorState, NodeDataTrait, NodeId as EditorNodeId,
    NodeResponse, NodeTemplateIter, NodeTemplateTrait, UserResponseTrait, WidgetValueTrait,
};

use crate::model::{DataType, NodeId, ParamValue};
use crate::nodes::{ParamType, Registry, Role};
use crate::session::run_view::RunView;
use crate::session::store_catalog::StoreCatalog;

use super::node_body;
use super::transform::CanvasTransform;

/// The editor's graph type.
pub type EditorGraph = Graph<EditorNode, PortType, FieldValue>;
/// The editor's state type.
pub type EditorState =
    GraphEditorState<EditorNode, PortType, FieldValue, KindTemplate, CanvasState>;

/// What the editor keeps on each node: which document node it shows and its fields.
#[derive(Clone, Debug)]
pub struct EditorNode {
    /// The document node.
    pub doc_id: NodeId,
    /// Its kind's id.
    pub kind: &'static str,
    /// Its role in runs.
    pub role: Role,
    /// One entry per editor input, in order: parameters first, then input ports.
    pub fields: Vec<FieldInfo>,
    /// Bypassed: passes its primary input through instead of running.
    pub bypassed: bool,
    /// For a viewer: the step output it shows.
    pub shows: Option<crate::model::PortRef>,
    /// The node's title as the document has it ("" for the kind's name).
    pub title: String,
    /// Whether its kind can be promoted as a flow input.
    pub promotable: bool,
    /// Its promotion, if promoted.
    pub promote: Option<crate::model::Promotion>,
    /// Marked as an output of the flow.
    pub output: bool,
    /// Batch items it works on at once (`None`: its kind's default).
    pub concurrency: Option<u32>,
    /// Its own retry policy (`None`: its kind's from the flow settings, else none).
    pub retry: Option<crate::model::Retry>,
    /// Its own time limit per attempt, in milliseconds.
    pub timeout_ms: Option<u64>,
    /// Its checkpoint message, when runs stop before it for a decision.
    pub checkpoint: Option<String>,
    /// For a node that runs another flow (a subflow, a loop): that flow's file as the node
    /// names it, and whether it was read (linked).
    pub runs_flow: Option<(String, bool)>,
}

impl EditorNode {
    /// The field drawn under `label`.
    pub fn field(&self, label: &str) -> Option<&FieldInfo> {
        self.fields.iter().find(|f| f.label == label)
    }
}

/// One editable row of a node: a parameter, or an input port with an optional constant.
#[derive(Clone, Debug)]
pub struct FieldInfo {
    /// The row's label (unique within the node).
    pub label: String,
    /// The parameter's or input's name in the document.
    pub name: String,
    /// A parameter (true) or an input port (false).
    pub is_param: bool,
}

/// A port's data type in the editor. Two types are "equal" (may be wired in the editor)
/// when the engine converts between them in either direction; the document then checks
/// the direction and refuses with a reason.
#[derive(Clone, Copy, Debug)]
pub struct PortType(pub DataType, pub PortRole);

/// What a port is for, beside its data type: the failure port is drawn red.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortRole {
    /// A usual input or output.
    Data,
    /// The output that carries what went wrong (wires from it fire on failure).
    Failure,
}

impl PartialEq for PortType {
    fn eq(&self, other: &Self) -> bool {
        self.0.connects_to(other.0) || other.0.connects_to(self.0)
    }
}

impl Eq for PortType {}

/// The colour of wires and ports carrying `ty`.
pub fn type_color(ty: DataType) -> Color32 {
    crate::ui::theme::data_type(ty)
}

impl DataTypeTrait<CanvasState> for PortType {
    fn data_type_color(&self, _state: &mut CanvasState) -> Color32 {
        match self.1 {
            PortRole::Data => type_color(self.0),
            PortRole::Failure => crate::ui::theme::FAIL_WIRE,
        }
    }

    fn name(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.0.name())
    }
}

/// The value behind a field's editor widget.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum FieldValue {
    /// Nothing to edit (a port that only takes wires).
    #[default]
    None,
    /// One line of text.
    Text(String),
    /// Several lines of text.
    LongText(String),
    /// A number.
    Number(f64),
    /// A whole number within bounds.
    Integer(i64, i64, i64),
    /// True or false.
    Bool(bool),
    /// A list of names, edited as `a, b, c`.
    List(String),
    /// A map, edited as `KEY=value` lines.
    Map(String),
    /// One of a fixed set of texts (a dropdown).
    Choice(String, &'static [&'static str]),
}

impl FieldValue {
    /// The editor value for a parameter of type `ty` holding `value`.
    pub fn for_param(ty: ParamType, value: &ParamValue) -> Self {
        match (ty, value) {
            (ParamType::Text | ParamType::Path, ParamValue::Text(t)) => FieldValue::Text(t.clone()),
            (ParamType::LongText, ParamValue::Text(t)) => FieldValue::LongText(t.clone()),
            (ParamType::Choice(choices), ParamValue::Text(t)) => {
                FieldValue::Choice(t.clone(), choices)
            }
            (ParamType::Number { .. }, ParamValue::Number(n)) => FieldValue::Number(*n),
            (ParamType::Integer { min, max }, ParamValue::Number(n)) => {
                FieldValue::Integer(*n as i64, min.unwrap_or(i64::MIN), max.unwrap_or(i64::MAX))
            }
            (ParamType::Bool, ParamValue::Bool(b)) => FieldValue::Bool(*b),
            (ParamType::TextList, ParamValue::List(items)) => FieldValue::List(
                items
                    .iter()
                    .filter_map(|i| match i {
                        ParamValue::Text(t) => Some(t.as_str()),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            (ParamType::TextMap, ParamValue::Map(map)) => FieldValue::Map(
                map.iter()
                    .map(|(k, v)| match v {
                        ParamValue::Text(t) => format!("{k}={t}"),
                        other => format!("{k}={}", other.to_json()),
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            (ParamType::Text | ParamType::LongText, other) => {
                FieldValue::Text(format!("{}", other.to_json()))
            }
            _ => FieldValue::None,
        }
    }

    /// The editor value for an input port of type `ty` with constant `value`.
    pub fn for_input(ty: DataType, value: Option<&ParamValue>) -> Self {
        match (ty, value) {
            (DataType::Number, Some(ParamValue::Number(n))) => FieldValue::Number(*n),
            (DataType::Number, _) => FieldValue::Number(0.0),
            (DataType::Bool, Some(ParamValue::Bool(b))) => FieldValue::Bool(*b),
            (DataType::Bool, _) => FieldValue::Bool(false),
            (DataType::Image | DataType::List | DataType::Bytes, _) => FieldValue::None,
            (_, Some(ParamValue::Text(t))) => FieldValue::Text(t.clone()),
            (_, Some(other)) => FieldValue::Text(other.to_json().to_string()),
            (_, None) => FieldValue::Text(String::new()),
        }
    }

    /// The document value: `None` clears an input's constant (an empty text).
    pub fn to_param(&self, is_param: bool) -> Option<ParamValue> {
        match self {
            FieldValue::None => None,
            FieldValue::Text(t) | FieldValue::LongText(t) if t.is_empty() && !is_param => None,
            FieldValue::Text(t) | FieldValue::LongText(t) | FieldValue::Choice(t, _) => {
                Some(ParamValue::Text(t.clone()))
            }
            FieldValue::Number(n) => Some(ParamValue::Number(*n)),
            FieldValue::Integer(n, _, _) => Some(ParamValue::Number(*n as f64)),
            FieldValue::Bool(b) => Some(ParamValue::Bool(*b)),
            FieldValue::List(text) => Some(ParamValue::List(
                text.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| ParamValue::Text(s.to_owned()))
                    .collect(),
            )),
            FieldValue::Map(text) => Some(ParamValue::Map(
                text.lines()
                    .filter_map(|line| line.split_once('='))
                    .map(|(k, v)| (k.trim().to_owned(), ParamValue::Text(v.to_owned())))
                    .filter(|(k, _)| !k.is_empty())
                    .collect(),
            )),
        }
    }
}

/// What node widgets ask the app to do.
#[derive(Clone, Debug)]
pub enum CanvasResponse {
    /// A field's value was edited.
    FieldEdited {
        /// The node.
        node: NodeId,
        /// The parameter or input name.
        field: String,
        /// A parameter (true) or an input constant (false).
        is_param: bool,
        /// The new value; `None` clears it.
        value: Option<ParamValue>,
    },
    /// "Run node".
    RunNode(NodeId),
    /// "Run flow to here".
    RunToHere(NodeId),
    /// "Run from here": the node and everything downstream of it.
    RunFromHere(NodeId),
    /// Show or hide a node's full result.
    ToggleExpanded(NodeId),
    /// Promote a node as a flow input (`Some`) or stop (`None`).
    Promote(NodeId, Option<crate::model::Promotion>),
    /// Mark or unmark a node as a flow output.
    SetOutput(NodeId, bool),
    /// Bypass a node or stop bypassing it.
    SetBypassed(NodeId, bool),
    /// Rename a node.
    Rename(NodeId, String),
    /// Make an earlier result of a node its active one (filmstrip).
    SetActiveResult(NodeId, usize),
    /// Open a node's results window (history and Compare).
    ShowResults(NodeId),
    /// Show an image result full size.
    ShowImage(NodeId, crate::model::ImageData),
    /// Run these failed batch items of a node again.
    RetryItems(NodeId, Vec<usize>),
    /// Set how many batch items a node works on at once (`None`: its kind's default).
    SetConcurrency(NodeId, Option<u32>),
    /// Set or clear a node's retry policy.
    SetRetry(NodeId, Option<crate::model::Retry>),
    /// Set or clear a node's time limit per attempt, in milliseconds.
    SetTimeLimit(NodeId, Option<u64>),
    /// Mark a node as a checkpoint with this message, or clear the mark.
    SetCheckpoint(NodeId, Option<String>),
    /// Pick files to add to a batch node.
    AddFiles(NodeId),
    /// Open the node data panel on a node.
    ShowData(NodeId),
    /// Resize a viewer's result area (graph units; `None`: back to the default size).
    ResizeView(NodeId, Option<(f32, f32)>),
    /// Open the flow a subflow or loop node runs.
    OpenSubflow(NodeId),
    /// Put a subflow node's inner nodes in its place.
    InlineSubflow(NodeId),
    /// Write the selection to a new subflow.
    GroupIntoSubflow,
}

impl UserResponseTrait for CanvasResponse {}

/// What the node widgets read and record while the canvas is drawn: per-frame scratch,
/// plus the app's run view, catalog, textures and derived facts, lent for the length of the
/// draw (see `Canvas::show`; between frames these hold empty stand-ins).
pub struct CanvasState {
    /// The node kinds.
    pub registry: Arc<Registry>,
    /// Run state, from engine events (lent).
    pub run_view: RunView,
    /// Nodes showing their full result (lent).
    pub expanded: HashSet<NodeId>,
    /// The frame's time, for animations.
    pub now: Instant,
    /// Where graph space lies on screen this frame.
    pub view: CanvasTransform,
    /// Screen rectangles of the nodes drawn this frame.
    pub node_rects: HashMap<NodeId, Rect>,
    /// Each node's size in graph units when last drawn in full (the far view draws nodes
    /// this size).
    pub node_sizes: HashMap<NodeId, egui::Vec2>,
    /// Screen rectangles of the group headers drawn this frame, by group index.
    pub group_headers: Vec<(usize, Rect)>,
    /// Screen rectangles of the nodes drawn last frame (to tell which are on screen).
    pub node_rects_last: HashMap<NodeId, Rect>,
    /// Screen y of each input row drawn this frame, by (node, input name).
    pub input_rows: HashMap<(NodeId, String), f32>,
    /// Screen y of each output row drawn this frame, by (node, output name).
    pub output_rows: HashMap<(NodeId, String), f32>,
    /// Whether the node being drawn right now is on screen (set by its header, which the
    /// editor draws first). Off-screen nodes get cheap stand-ins of the same size.
    pub node_visible: bool,
    /// Heights (at zoom 1) of fields and footers as last drawn, so stand-ins match them.
    pub heights: HashMap<(EditorNodeId, usize), f32>,
    /// Nodes whose result is stale (lent).
    pub stale: HashSet<NodeId>,
    /// Nodes drawn this frame with the stale mark (dashed ring and badge).
    pub marked_stale: HashSet<NodeId>,
    /// Steps that run once per batch item, with the number of items (lent).
    pub fan_out: HashMap<NodeId, usize>,
    /// Order badges of the plan the run panel previews, empty when it is closed (lent).
    pub preview: HashMap<NodeId, usize>,
    /// The text field being edited, if any (node, field index).
    pub editing: Option<(EditorNodeId, usize)>,
    /// The edited field still has to take keyboard focus.
    pub focus_pending: bool,
    /// The result store's histories and runs, for the filmstrips (lent).
    pub catalog: StoreCatalog,
    /// Textures of image results (lent).
    pub thumbnails: std::cell::RefCell<crate::ui::thumbnails::Thumbnails>,
    /// Viewers' result area sizes from the document's layout (graph units), this frame.
    pub view_sizes: HashMap<NodeId, (f32, f32)>,
    /// Viewers' result areas drawn this frame (screen rectangles).
    pub viewer_areas: std::cell::RefCell<HashMap<NodeId, Rect>>,
    /// Viewers' result areas drawn last frame: the wheel over one scrolls it.
    pub viewer_areas_last: HashMap<NodeId, Rect>,
    /// The wheel's scroll this frame, held back from the editor (which would zoom) for
    /// the viewer under the pointer.
    pub held_scroll: Option<(NodeId, egui::Vec2)>,
    /// The viewers' texts, wrapped to their widths.
    pub texts: std::cell::RefCell<crate::ui::text_rows::TextRowsCache>,
}

/// The `heights` slot of a node's footer.
const FOOTER_SLOT: usize = usize::MAX;

impl CanvasState {
    /// Draws `draw` when the current node is on screen and remembers its height; otherwise
    /// takes up the remembered height without drawing anything.
    pub fn measured<R: Default>(
        &mut self,
        ui: &mut egui::Ui,
        slot: (EditorNodeId, usize),
        draw: impl FnOnce(&mut egui::Ui, &mut Self) -> R,
    ) -> R {
        let view = self.view;
        if !self.node_visible {
            let height = view.points(self.heights.get(&slot).copied().unwrap_or(24.0));
            ui.allocate_space(egui::vec2(
                ui.available_width()
                    .min(view.points(node_body::NODE_CONTENT_WIDTH)),
                height,
            ));
            return R::default();
        }
        let top = ui.min_rect().bottom();
        let result = draw(ui, self);
        let height = ui.min_rect().bottom() - top;
        self.heights.insert(slot, view.graph_length(height));
        result
    }
}

impl CanvasState {
    /// Fresh state for these kinds.
    pub fn new(registry: Arc<Registry>) -> Self {
        Self {
            registry,
            run_view: RunView::default(),
            expanded: HashSet::new(),
            now: Instant::now(),
            view: CanvasTransform::default(),
            node_rects: HashMap::new(),
            node_rects_last: HashMap::new(),
            node_sizes: HashMap::new(),
            group_headers: Vec::new(),
            input_rows: HashMap::new(),
            output_rows: HashMap::new(),
            node_visible: true,
            heights: HashMap::new(),
            stale: HashSet::new(),
            marked_stale: HashSet::new(),
            fan_out: HashMap::new(),
            preview: HashMap::new(),
            editing: None,
            focus_pending: false,
            catalog: StoreCatalog::new(None),
            thumbnails: Default::default(),
            view_sizes: HashMap::new(),
            viewer_areas: Default::default(),
            viewer_areas_last: HashMap::new(),
            held_scroll: None,
            texts: Default::default(),
        }
    }
}

impl WidgetValueTrait for FieldValue {
    type Response = CanvasResponse;
    type UserState = CanvasState;
    type NodeData = EditorNode;

    fn value_widget(
        &mut self,
        param_name: &str,
        node_id: EditorNodeId,
        ui: &mut egui::Ui,
        state: &mut CanvasState,
        node: &EditorNode,
    ) -> Vec<CanvasResponse> {
        let top = ui.min_rect().bottom();
        let Some(index) = node.fields.iter().position(|f| f.label == param_name) else {
            return Vec::new();
        };
        let field = &node.fields[index];
        let slot = (node_id, index);
        let outcome = state.measured(ui, slot, |ui, state| {
            let text_state = node_body::TextFieldState {
                editing: state.editing == Some(slot),
                focus_now: state.editing == Some(slot) && state.focus_pending,
            };
            node_body::field_widget(ui, param_name, self, state.view, text_state)
        });
        if outcome.start_editing {
            state.editing = Some(slot);
            state.focus_pending = true;
            ui.ctx().request_repaint();
        } else if state.editing == Some(slot) {
            state.focus_pending = false;
            if outcome.stop_editing {
                state.editing = None;
            }
        }
        let changed = outcome.changed;
        let bottom = ui.min_rect().bottom();
        if !field.is_param {
            state.input_rows.insert(
                (node.doc_id.clone(), field.name.clone()),
                (top + bottom) / 2.0,
            );
        }
        if changed {
            vec![CanvasResponse::FieldEdited {
                node: node.doc_id.clone(),
                field: field.name.clone(),
                is_param: field.is_param,
                value: self.to_param(field.is_param),
            }]
        } else {
            Vec::new()
        }
    }

    fn value_widget_connected(
        &mut self,
        param_name: &str,
        _node_id: EditorNodeId,
        ui: &mut egui::Ui,
        state: &mut CanvasState,
        node: &EditorNode,
    ) -> Vec<CanvasResponse> {
        let top = ui.min_rect().bottom();
        ui.label(param_name);
        let bottom = ui.min_rect().bottom();
        if let Some(field) = node.field(param_name) {
            state.input_rows.insert(
                (node.doc_id.clone(), field.name.clone()),
                (top + bottom) / 2.0,
            );
        }
        Vec::new()
    }
}

impl NodeDataTrait for EditorNode {
    type Response = CanvasResponse;
    type UserState = CanvasState;
    type DataType = PortType;
    type ValueType = FieldValue;

    fn top_bar_ui(
        &self,
        ui: &mut egui::Ui,
        _node_id: EditorNodeId,
        _graph: &EditorGraph,
        state: &mut CanvasState,
    ) -> Vec<NodeResponse<CanvasResponse, EditorNode>> {
        // The header is drawn first: decide here whether this node is on screen.
        let view = state.view;
        let height = state
            .node_rects_last
            .get(&self.doc_id)
            .map_or(view.points(700.0), |r| r.height());
        let probe = Rect::from_min_size(
            ui.max_rect().min - view.vec(egui::vec2(24.0, 24.0)),
            egui::vec2(view.points(240.0), height + view.points(48.0)),
        );
        state.node_visible = ui.is_rect_visible(probe);
        if !state.node_visible {
            ui.allocate_space(view.vec(egui::vec2(14.0, 14.0)));
            return Vec::new();
        }
        node_body::header(ui, self, state)
            .into_iter()
            .map(NodeResponse::User)
            .collect()
    }

    fn output_ui(
        &self,
        ui: &mut egui::Ui,
        _node_id: EditorNodeId,
        _graph: &EditorGraph,
        state: &mut CanvasState,
        param_name: &str,
    ) -> Vec<NodeResponse<CanvasResponse, EditorNode>> {
        let top = ui.min_rect().bottom();
        let row = egui::vec2(ui.available_width(), ui.spacing().interact_size.y);
        if state.node_visible {
            ui.allocate_ui_with_layout(
                row,
                egui::Layout::right_to_left(egui::Align::Center),
                |ui| {
                    ui.label(param_name);
                },
            );
        } else {
            ui.allocate_space(row);
        }
        let bottom = ui.min_rect().bottom();
        state.output_rows.insert(
            (self.doc_id.clone(), param_name.to_owned()),
            (top + bottom) / 2.0,
        );
        Vec::new()
    }

    fn bottom_ui(
        &self,
        ui: &mut egui::Ui,
        node_id: EditorNodeId,
        _graph: &EditorGraph,
        state: &mut CanvasState,
    ) -> Vec<NodeResponse<CanvasResponse, EditorNode>> {
        let responses = state.measured(ui, (node_id, FOOTER_SLOT), |ui, state| {
            node_body::footer(ui, self, state)
        });
        let margin = state.view.vec(egui::vec2(15.0, 5.0));
        let rect = ui.min_rect().expand2(margin);
        if state.node_visible {
            let size = rect.size() / state.view.points(1.0);
            state.node_sizes.insert(self.doc_id.clone(), size);
        }
        state.node_rects.insert(self.doc_id.clone(), rect);
        responses.into_iter().map(NodeResponse::User).collect()
    }

    fn titlebar_color(
        &self,
        ui: &egui::Ui,
        _node_id: EditorNodeId,
        _graph: &EditorGraph,
        _state: &mut CanvasState,
    ) -> Option<Color32> {
        let dark = ui.visuals().dark_mode;
        let tint = crate::ui::theme::role_fill(self.role);
        Some(if dark {
            tint
        } else {
            tint.gamma_multiply(0.35)
        })
    }
}

/// One entry of the crate's node finder (never shown; see `add_node_menu`): a node kind.
#[derive(Clone, Debug)]
pub struct KindTemplate {
    /// The kind's id.
    pub kind: &'static str,
    /// Its display name.
    pub name: &'static str,
    /// Its finder group.
    pub category: &'static str,
}

/// The crate's finder's list of kinds.
pub struct AllKinds(pub Vec<KindTemplate>);

impl AllKinds {
    /// Every kind in the registry.
    pub fn of(registry: &Registry) -> Self {
        Self(
            registry
                .kinds()
                .map(|kind| {
                    let info = kind.info();
                    KindTemplate {
                        kind: info.id,
                        name: info.name,
                        category: info.category,
                    }
                })
                .collect(),
        )
    }
}

impl NodeTemplateIter for &AllKinds {
    type Item = KindTemplate;

    fn all_kinds(&self) -> Vec<KindTemplate> {
        self.0.clone()
    }
}

/// A finder category.
#[derive(Clone, Debug)]
pub struct Category(pub &'static str);

impl CategoryTrait for Category {
    fn name(&self) -> String {
        self.0.to_owned()
    }
}

impl NodeTemplateTrait for KindTemplate {
    type NodeData = EditorNode;
    type DataType = PortType;
    type ValueType = FieldValue;
    type UserState = CanvasState;
    type CategoryType = Category;

    fn node_finder_label(&self, _state: &mut CanvasState) -> Cow<'_, str> {
        Cow::Borrowed(self.name)
    }

    fn node_finder_categories(&self, _state: &mut CanvasState) -> Vec<Category> {
        vec![Category(self.category)]
    }

    fn node_graph_label(&self, _state: &mut CanvasState) -> String {
        self.name.to_owned()
    }

    fn user_data(&self, state: &mut CanvasState) -> EditorNode {
        // The document id is assigned when the app sees the node created.
        let role = state
            .registry
            .get(self.kind)
            .map_or(Role::Static, |kind| kind.info().role);
        EditorNode {
            doc_id: NodeId::from(""),
            kind: self.kind,
            role,
            fields: Vec::new(),
            bypassed: false,
            shows: None,
            title: String::new(),
            promotable: false,
            promote: None,
            output: false,
            concurrency: None,
            retry: None,
            timeout_ms: None,
            checkpoint: None,
            runs_flow: None,
        }
    }

    fn build_node(&self, graph: &mut EditorGraph, state: &mut CanvasState, node_id: EditorNodeId) {
        let node = crate::model::Node::new("new", self.kind);
        super::sync::add_fields(graph, &state.registry, node_id, &node);
    }
}
