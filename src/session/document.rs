//! The open document: the flow being edited, its file, unsaved changes, undo/redo, and the
//! one way to change it ([`Document::apply`]). UI-free, so every edit is testable without a
//! window.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::edit::{Applied, DocEdit, EditRefused, NewWire, UndoGroup};
use crate::check::validate;
use crate::model::{Edge, Flow, Node, NodeId, ParamValue, PortRef};
use crate::nodes::Registry;
use crate::plan::find_loops;

/// How many edits undo remembers.
const UNDO_DEPTH: usize = 200;

/// The flow being edited and everything about it that is not the canvas's business.
pub struct Document {
    flow: Flow,
    path: Option<PathBuf>,
    dirty: bool,
    undo: Vec<Flow>,
    redo: Vec<Flow>,
    /// The group of the last edit, so typing into one field (or one drag) makes one undo
    /// step, not one per key or per frame.
    last_group: Option<UndoGroup>,
    /// Bumped on every change; views rebuild when it moves.
    revision: u64,
    /// Different for every document made: views showing another document rebuild even when
    /// the revisions happen to match.
    generation: u64,
    /// The node kinds, to check wires.
    registry: Arc<Registry>,
    /// Nodes that run another flow whose flow could not be linked, and why.
    link_problems: Vec<(NodeId, String)>,
    /// Runs are restricted: the file lies in a folder nobody trusted (see `crate::trust`).
    restricted: bool,
}

impl Document {
    /// A document for `flow`, saved at `path` if it has one.
    pub fn new(mut flow: Flow, path: Option<PathBuf>, registry: Arc<Registry>) -> Self {
        // Nodes without a position (a hand-written flow) are laid out rather than stacked.
        crate::model::place_unplaced(&mut flow);
        let mut doc = Self {
            flow,
            path,
            dirty: false,
            undo: Vec::new(),
            redo: Vec::new(),
            last_group: None,
            revision: 0,
            generation: NEXT_GENERATION.fetch_add(1, Ordering::Relaxed),
            registry,
            restricted: false,
            link_problems: Vec::new(),
        };
        doc.relink();
        doc
    }

    /// Links the nodes that run another flow (subflows, loops) to that flow as it is on
    /// disk now: their ports follow its interface, their staleness its content. Not an
    /// edit (nothing to save or undo); the revision moves when a link changed, so views
    /// rebuild. Returns whether something changed.
    pub fn relink(&mut self) -> bool {
        let runs_flow = |node: &Node| {
            self.registry
                .get(&node.kind)
                .is_some_and(|kind| kind.runs_flow())
        };
        if !self.flow.nodes.iter().any(runs_flow) {
            let changed = !self.link_problems.is_empty();
            self.link_problems.clear();
            return changed;
        }
        let before: Vec<Option<Arc<crate::model::SubflowLink>>> =
            self.flow.nodes.iter().map(|n| n.subflow.clone()).collect();
        let dir = self.base_dir();
        let problems = crate::format::link_subflows(
            &mut self.flow,
            self.path.as_deref(),
            &dir,
            &self.registry,
        );
        let after = self.flow.nodes.iter().map(|n| &n.subflow);
        let changed = problems != self.link_problems || !before.iter().eq(after);
        self.link_problems = problems;
        if changed {
            self.revision += 1;
        }
        changed
    }

    /// Why a node that runs another flow has none (its file is missing, invalid, or
    /// includes the flow itself), if so.
    pub fn link_problem(&self, node: &NodeId) -> Option<&str> {
        (self.link_problems.iter())
            .find(|(id, _)| id == node)
            .map(|(_, why)| why.as_str())
    }

    /// Whether runs of this document are restricted (its folder is not trusted): nodes
    /// that act outside the flow are left out with "needs trust".
    pub fn is_restricted(&self) -> bool {
        self.restricted
    }

    /// Restricts the document's runs, or lifts the restriction.
    pub fn set_restricted(&mut self, restricted: bool) {
        self.restricted = restricted;
    }

    /// A document restored from a recovery copy: it has unsaved changes.
    pub fn recovered(flow: Flow, path: Option<PathBuf>, registry: Arc<Registry>) -> Self {
        let mut doc = Self::new(flow, path, registry);
        doc.dirty = true;
        doc
    }

    /// The flow.
    pub fn flow(&self) -> &Flow {
        &self.flow
    }

    /// The file the document is saved in, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Whether there are unsaved changes.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// Changes whenever the flow's content changes.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Which document this is, and which revision of it: views compare it to tell whether
    /// they show what is open now (a new or opened document never matches an old one).
    pub fn identity(&self) -> DocIdentity {
        DocIdentity {
            generation: self.generation,
            revision: self.revision,
        }
    }

    /// The node kinds the document is checked against.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// The same flow and file with no unsaved changes and no undo history (after the user
    /// chose to discard their edits): a new document, so views rebuild.
    pub fn reopened(&self, flow: Flow) -> Self {
        Self::new(flow, self.path.clone(), self.registry.clone())
    }

    /// The folder relative paths in the flow are resolved against.
    pub fn base_dir(&self) -> PathBuf {
        match self.path.as_deref() {
            Some(path) => crate::fsutil::flow_folder(path),
            None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        }
    }

    /// The name shown in the title bar: the file name, or "Untitled".
    pub fn display_name(&self) -> String {
        self.path
            .as_deref()
            .and_then(Path::file_name)
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "Untitled".to_owned())
    }

    /// Saves to `path` (atomically) and makes it the document's file.
    pub fn save_to(&mut self, path: &Path) -> std::io::Result<()> {
        crate::format::save(path, &self.flow)?;
        self.path = Some(path.to_path_buf());
        self.dirty = false;
        // Paths inside are relative to the file's folder, which may have changed.
        self.relink();
        Ok(())
    }

    /// Carries out an edit: the one way the flow changes. Checks it first (a refused edit
    /// changes nothing and says why), records the undo step (grouping the keys of one field
    /// and the frames of one drag), and moves the revision.
    pub fn apply(&mut self, edit: DocEdit) -> Result<Applied, EditRefused> {
        let group = match &edit {
            DocEdit::SetField { node, field, .. } => {
                Some(UndoGroup::Field(node.clone(), field.clone()))
            }
            DocEdit::SetTitle { node, .. } => Some(UndoGroup::Title(node.clone())),
            DocEdit::SetPromotion { node, .. } => Some(UndoGroup::Promotion(node.clone())),
            DocEdit::MoveNodes { drag, .. } | DocEdit::ResizeView { drag, .. } => {
                Some(UndoGroup::Drag(*drag))
            }
            DocEdit::SetGroup { index, .. } => Some(UndoGroup::GroupTitle(*index)),
            DocEdit::SetSettings(_) => Some(UndoGroup::Settings),
            DocEdit::SetRetry { node, .. } => Some(UndoGroup::Retry(node.clone())),
            DocEdit::SetTimeLimit { node, .. } => Some(UndoGroup::TimeLimit(node.clone())),
            // Typing a message is one undo step; turning the mark on or off is one of its own.
            DocEdit::SetCheckpoint {
                node,
                checkpoint: Some(_),
            } if self
                .flow
                .node(node.as_str())
                .is_some_and(|n| n.checkpoint.is_some()) =>
            {
                Some(UndoGroup::Checkpoint(node.clone()))
            }
            _ => None,
        };
        if let DocEdit::SetView { pan, zoom } = edit {
            // The view only: not an undo step, not a change to save on its own (it is
            // written with the next save, as positions are).
            let layout = &mut self.flow.layout;
            let changed = layout.pan != pan || layout.zoom != zoom;
            if changed {
                layout.pan = pan;
                layout.zoom = zoom;
            }
            return Ok(Applied {
                changed,
                ..Applied::default()
            });
        }
        self.check(&edit)?;
        let mut created = Vec::new();
        let continues = group.is_some() && group == self.last_group;
        if continues {
            // The undo step taken at the group's first edit covers this one too (no copy
            // per key or per drag frame: flows can be large).
            self.carry_out(edit, &mut created);
        } else {
            let before = self.flow.clone();
            self.carry_out(edit, &mut created);
            if self.flow == before {
                return Ok(Applied::default());
            }
            self.undo.push(before);
            if self.undo.len() > UNDO_DEPTH {
                self.undo.remove(0);
            }
        }
        self.redo.clear();
        let dragged = matches!(group, Some(UndoGroup::Drag(_)));
        self.last_group = group;
        self.dirty = true;
        self.revision += 1;
        if !dragged {
            self.relink();
        }
        Ok(Applied {
            created,
            changed: true,
        })
    }

    /// Refuses an edit that would make the flow wrong, saying why.
    fn check(&self, edit: &DocEdit) -> Result<(), EditRefused> {
        match edit {
            DocEdit::Connect { from, to } => self.check_connection(from, to),
            DocEdit::AddNode { kind, .. } if self.registry.get(kind).is_none() => {
                Err(EditRefused(format!("there is no node kind `{kind}`")))
            }
            DocEdit::AddWiredNode { kind, at, wire } => self.check_wired_node(kind, *at, wire),
            DocEdit::SetOutcome { edge, .. } => {
                let exists = (self.flow.edges.iter())
                    .any(|wire| wire.from == edge.from && wire.to == edge.to);
                match exists {
                    true => Ok(()),
                    false => Err(EditRefused(format!("There is no wire `{edge}`"))),
                }
            }
            DocEdit::SetSettings(settings) => {
                if settings.max_parallel == Some(0) {
                    return Err(EditRefused("Steps at once must be at least 1".to_owned()));
                }
                for (kind, &limit) in &settings.kind_limits {
                    if self.registry.get(kind).is_none() {
                        return Err(EditRefused(format!("there is no node kind `{kind}`")));
                    }
                    if limit == 0 {
                        return Err(EditRefused(format!(
                            "The limit for {kind} must be at least 1"
                        )));
                    }
                }
                Ok(())
            }
            DocEdit::SetPromotion {
                node,
                promotion: Some(promotion),
            } => {
                let label = promotion.label.trim();
                if label.is_empty() {
                    return Err(EditRefused("An input needs a label".to_owned()));
                }
                let taken =
                    self.flow.nodes.iter().any(|n| {
                        n.id != *node && n.promote.as_ref().is_some_and(|p| p.label == label)
                    });
                if taken {
                    return Err(EditRefused(format!(
                        "The input label `{label}` is already used"
                    )));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Changes the flow as the (checked) edit says.
    /// Sets when the wire `edge` (found by its ends) fires.
    fn set_outcome(&mut self, edge: &Edge, outcome: crate::model::Outcome) {
        if let Some(wire) =
            (self.flow.edges.iter_mut()).find(|wire| wire.from == edge.from && wire.to == edge.to)
        {
            wire.outcome = outcome;
        }
    }

    /// Sets one of a node's own properties (title, promotion, output mark, bypass, retry
    /// policy, time limit, batch items at once).
    fn set_node_property(&mut self, edit: DocEdit) {
        match edit {
            DocEdit::SetTitle { node, title } => {
                if let Some(target) = self.flow.node_mut(node.as_str()) {
                    target.title = title;
                }
            }
            DocEdit::SetPromotion { node, promotion } => {
                if let Some(target) = self.flow.node_mut(node.as_str()) {
                    target.promote = promotion;
                }
            }
            DocEdit::SetOutput { node, output } => {
                if let Some(target) = self.flow.node_mut(node.as_str()) {
                    target.output = output;
                }
            }
            DocEdit::SetBypassed { node, bypassed } => {
                if let Some(target) = self.flow.node_mut(node.as_str()) {
                    target.bypassed = bypassed;
                }
            }
            DocEdit::SetRetry { node, retry } => {
                if let Some(target) = self.flow.node_mut(node.as_str()) {
                    target.retry = retry;
                }
            }
            DocEdit::SetTimeLimit { node, timeout_ms } => {
                if let Some(target) = self.flow.node_mut(node.as_str()) {
                    target.timeout_ms = timeout_ms;
                }
            }
            DocEdit::SetCheckpoint { node, checkpoint } => {
                if let Some(target) = self.flow.node_mut(node.as_str()) {
                    target.checkpoint = checkpoint;
                }
            }
            DocEdit::SetConcurrency { node, concurrency } => {
                if let Some(target) = self.flow.node_mut(node.as_str()) {
                    target.concurrency = concurrency;
                }
            }
            _ => {}
        }
    }

    fn carry_out(&mut self, edit: DocEdit, created: &mut Vec<NodeId>) {
        match edit {
            DocEdit::Connect { from, to } => Self::connect(&mut self.flow, from, to),
            DocEdit::Disconnect { from, to } => self
                .flow
                .edges
                .retain(|edge| !(edge.from == from && edge.to == to)),
            DocEdit::AddNode { kind, at } => {
                created.push(Self::add_node(&mut self.flow, &kind, at))
            }
            DocEdit::AddWiredNode { kind, at, wire } => {
                let id = Self::add_node(&mut self.flow, &kind, at);
                let (from, to) = wire.ends(&id);
                Self::connect(&mut self.flow, from, to);
                created.push(id);
            }
            DocEdit::RemoveNodes(ids) => self.remove_nodes(&ids),
            DocEdit::Replace(replacement) => {
                self.remove_nodes(&replacement.remove);
                for (node, at) in replacement.add {
                    self.flow.layout.positions.insert(node.id.clone(), at);
                    created.push(node.id.clone());
                    self.flow.nodes.push(node);
                }
                for wire in replacement.wires {
                    self.flow.edges.retain(|edge| edge.to != wire.to);
                    self.flow.edges.push(wire);
                }
            }
            DocEdit::MoveNodes { ids, delta, .. } => {
                for id in ids {
                    let pos = self.flow.layout.positions.entry(id).or_insert((0.0, 0.0));
                    pos.0 += delta.0;
                    pos.1 += delta.1;
                }
            }
            DocEdit::ResizeView {
                node,
                size_in_graph,
                ..
            } => {
                if self.flow.node(node.as_str()).is_some() {
                    match size_in_graph {
                        Some(size) => self.flow.layout.sizes.insert(node, size),
                        None => self.flow.layout.sizes.remove(&node),
                    };
                }
            }
            DocEdit::SetView { .. } => {}
            DocEdit::SetField {
                node,
                field,
                is_param,
                value,
            } => {
                if let Some(target) = self.flow.node_mut(node.as_str()) {
                    let map = if is_param {
                        &mut target.params
                    } else {
                        &mut target.values
                    };
                    match value {
                        Some(value) => map.insert(field, value),
                        None => map.remove(&field),
                    };
                }
            }
            DocEdit::SetTitle { .. }
            | DocEdit::SetPromotion { .. }
            | DocEdit::SetOutput { .. }
            | DocEdit::SetBypassed { .. }
            | DocEdit::SetRetry { .. }
            | DocEdit::SetTimeLimit { .. }
            | DocEdit::SetCheckpoint { .. }
            | DocEdit::SetConcurrency { .. } => self.set_node_property(edit),
            DocEdit::SetSettings(settings) => self.flow.settings = *settings,
            DocEdit::SetOutcome { edge, outcome } => self.set_outcome(&edge, outcome),
            DocEdit::AddBatchFiles { node, files } => self.add_batch_files(&node, &files),
            DocEdit::Paste { clip, offset } => created.extend(self.paste(&clip, offset)),
            DocEdit::Group { nodes, title } => self.group(nodes, title),
            DocEdit::SetGroup {
                index,
                title,
                color,
            } => {
                if let Some(group) = self.flow.layout.groups.get_mut(index) {
                    group.title = title;
                    group.color = color;
                }
            }
            DocEdit::Ungroup(index) => {
                if index < self.flow.layout.groups.len() {
                    self.flow.layout.groups.remove(index);
                }
            }
        }
    }

    /// Adds a node of `kind` at `at` (graph space) with a fresh id, and returns the id.
    fn add_node(flow: &mut Flow, kind: &str, at: (f32, f32)) -> NodeId {
        let id = fresh_id(flow, kind);
        flow.layout.positions.insert(id.clone(), at);
        flow.nodes.push(Node::new(id.clone(), kind));
        id
    }

    /// Wires `from` into `to`, replacing the wire `to` had.
    fn connect(flow: &mut Flow, from: PortRef, to: PortRef) {
        if !flow.edges.iter().any(|e| e.from == from && e.to == to) {
            flow.edges.retain(|edge| edge.to != to);
            flow.edges.push(Edge::new(from, to));
        }
    }

    /// Refuses a new wired node whose kind is unknown or whose wire the engine would not
    /// take, checking the wire against the flow with the node in it.
    fn check_wired_node(
        &self,
        kind: &str,
        at: (f32, f32),
        wire: &NewWire,
    ) -> Result<(), EditRefused> {
        if self.registry.get(kind).is_none() {
            return Err(EditRefused(format!("there is no node kind `{kind}`")));
        }
        let mut candidate = self.flow.clone();
        let id = Self::add_node(&mut candidate, kind, at);
        let (from, to) = wire.ends(&id);
        self.check_connection_in(&candidate, &from, &to)
            .map_err(|refused| EditRefused(format!("Wire refused: {refused}")))
    }

    /// Whether there is an edit to undo.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// Whether there is an undone edit to redo.
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Undoes the last edit.
    pub fn undo(&mut self) -> bool {
        let Some(previous) = self.undo.pop() else {
            return false;
        };
        self.redo.push(std::mem::replace(&mut self.flow, previous));
        self.undone_or_redone();
        true
    }

    /// Redoes the last undone edit.
    pub fn redo(&mut self) -> bool {
        let Some(next) = self.redo.pop() else {
            return false;
        };
        self.undo.push(std::mem::replace(&mut self.flow, next));
        self.undone_or_redone();
        true
    }

    fn undone_or_redone(&mut self) {
        self.last_group = None;
        self.dirty = true;
        self.revision += 1;
        self.relink();
    }

    fn remove_nodes(&mut self, ids: &[NodeId]) {
        let gone: std::collections::HashSet<&NodeId> = ids.iter().collect();
        self.flow.nodes.retain(|node| !gone.contains(&node.id));
        self.flow
            .edges
            .retain(|edge| !gone.contains(&edge.from.node) && !gone.contains(&edge.to.node));
        for id in ids {
            self.flow.layout.positions.remove(id);
            self.flow.layout.sizes.remove(id);
        }
        self.leave_groups(&gone);
    }

    /// Frames `nodes` (those that exist) in a new group titled `title`.
    fn group(&mut self, nodes: Vec<NodeId>, title: String) {
        let existing: std::collections::HashSet<&NodeId> =
            self.flow.nodes.iter().map(|n| &n.id).collect();
        let nodes: Vec<NodeId> = nodes
            .into_iter()
            .filter(|id| existing.contains(id))
            .collect();
        if nodes.is_empty() {
            return;
        }
        self.leave_groups(&nodes.iter().collect());
        self.flow.layout.groups.push(crate::model::Group {
            title,
            color: crate::model::GroupColor::default(),
            nodes,
        });
    }

    /// Takes `ids` out of every group; a group left empty goes.
    fn leave_groups(&mut self, ids: &std::collections::HashSet<&NodeId>) {
        let groups = &mut self.flow.layout.groups;
        for group in groups.iter_mut() {
            group.nodes.retain(|id| !ids.contains(id));
        }
        groups.retain(|group| !group.nodes.is_empty());
    }

    /// Checks a new wire the way the engine would: types and loops. `Err` says why not.
    pub fn check_connection(&self, from: &PortRef, to: &PortRef) -> Result<(), EditRefused> {
        self.check_connection_in(&self.flow, from, to)
    }

    /// Checks a new wire in `flow` (the document's, or one about to be).
    fn check_connection_in(
        &self,
        flow: &Flow,
        from: &PortRef,
        to: &PortRef,
    ) -> Result<(), EditRefused> {
        if from.node == to.node {
            return Err(EditRefused(format!("`{}` cannot feed itself", from.node)));
        }
        let mut candidate = flow.clone();
        candidate.edges.retain(|edge| edge.to != *to);
        candidate.edges.push(Edge::new(from.clone(), to.clone()));
        let edge_problem = validate(&candidate, &self.registry)
            .into_iter()
            .find(|p| matches!(&p.subject, crate::check::Subject::Edge(e) if e.to == *to));
        if let Some(problem) = edge_problem {
            return Err(EditRefused(problem.message));
        }
        if let Some(cycle) = find_loops(&candidate)
            .into_iter()
            .find(|cycle| cycle.contains(&from.node) && cycle.contains(&to.node))
        {
            let names: Vec<String> = cycle.iter().map(|id| format!("`{id}`")).collect();
            return Err(EditRefused(format!(
                "this wire would make a loop: {} → `{}`",
                names.join(" → "),
                cycle[0]
            )));
        }
        Ok(())
    }

    /// Adds file paths to a batch node's items (one per line) and makes its items paths.
    /// Paths inside the flow's folder are written relative to it.
    fn add_batch_files(&mut self, node: &NodeId, files: &[PathBuf]) {
        let base = self.base_dir();
        let Some(target) = self.flow.node_mut(node.as_str()) else {
            return;
        };
        let mut items = match target.params.get("items") {
            Some(ParamValue::Text(text)) => text.trim_end().to_owned(),
            _ => String::new(),
        };
        for file in files {
            let shown = file.strip_prefix(&base).unwrap_or(file);
            if !items.is_empty() {
                items.push('\n');
            }
            items.push_str(&shown.display().to_string());
        }
        target
            .params
            .insert("items".to_owned(), ParamValue::Text(items));
        target
            .params
            .insert("item_type".to_owned(), ParamValue::Text("path".to_owned()));
    }

    /// Copies nodes and the wires among them, for the clipboard.
    pub fn copy_nodes(&self, ids: &[NodeId]) -> Flow {
        let mut copy = Flow {
            nodes: self
                .flow
                .nodes
                .iter()
                .filter(|n| ids.contains(&n.id))
                .cloned()
                .collect(),
            edges: self
                .flow
                .edges
                .iter()
                .filter(|e| ids.contains(&e.from.node) && ids.contains(&e.to.node))
                .cloned()
                .collect(),
            ..Flow::default()
        };
        for id in ids {
            if let Some(pos) = self.flow.layout.positions.get(id) {
                copy.layout.positions.insert(id.clone(), *pos);
            }
            if let Some(size) = self.flow.layout.sizes.get(id) {
                copy.layout.sizes.insert(id.clone(), *size);
            }
        }
        copy
    }

    /// Pastes copied nodes (fresh ids, wires among them kept) shifted by an offset; returns
    /// the new ids.
    fn paste(&mut self, clip: &Flow, offset_in_graph: (f32, f32)) -> Vec<NodeId> {
        let mut renamed = std::collections::HashMap::new();
        let mut new_ids = Vec::new();
        for node in &clip.nodes {
            let stem = node
                .id
                .as_str()
                .trim_end_matches(|c: char| c.is_ascii_digit() || c == '_');
            let id = fresh_id(&self.flow, if stem.is_empty() { &node.kind } else { stem });
            let mut copy = node.clone();
            copy.id = id.clone();
            // A copy is not a second flow input or output (input labels must stay unique).
            copy.output = false;
            copy.promote = None;
            let pos = clip
                .layout
                .positions
                .get(&node.id)
                .copied()
                .unwrap_or((0.0, 0.0));
            self.flow.layout.positions.insert(
                id.clone(),
                (pos.0 + offset_in_graph.0, pos.1 + offset_in_graph.1),
            );
            if let Some(size) = clip.layout.sizes.get(&node.id) {
                self.flow.layout.sizes.insert(id.clone(), *size);
            }
            self.flow.nodes.push(copy);
            renamed.insert(node.id.clone(), id.clone());
            new_ids.push(id);
        }
        for edge in &clip.edges {
            if let (Some(from), Some(to)) =
                (renamed.get(&edge.from.node), renamed.get(&edge.to.node))
            {
                self.flow.edges.push(Edge::new(
                    PortRef::new(from.clone(), edge.from.port.clone()),
                    PortRef::new(to.clone(), edge.to.port.clone()),
                ));
            }
        }
        new_ids
    }
}

/// Makes every document's generation different.
static NEXT_GENERATION: AtomicU64 = AtomicU64::new(1);

/// An id not used yet, made from `stem` (`shell`, `shell_2`, …).
pub(crate) fn fresh_id(flow: &Flow, stem: &str) -> NodeId {
    let stem: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(48)
        .collect();
    let taken = |id: &str| flow.node(id).is_some();
    if !taken(&stem) {
        return NodeId::from(stem.as_str());
    }
    (2..)
        .map(|n| format!("{stem}_{n}"))
        .find(|id| !taken(id))
        .map(|id| NodeId::from(id.as_str()))
        .unwrap_or_else(|| NodeId::from(stem.as_str()))
}

/// Which document, at which revision: what a view of the document syncs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DocIdentity {
    /// Different for every document made (New, Open, a recovered copy).
    pub generation: u64,
    /// Moves with every change of the flow's content.
    pub revision: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::edit::DragId;

    fn registry() -> Arc<Registry> {
        Arc::new(Registry::builtin())
    }

    fn sample() -> Document {
        let flow = crate::format::parse(
            r#"Flow(version: 1, nodes: [
                Node(id: "a", kind: "text"),
                Node(id: "n", kind: "number"),
                Node(id: "t", kind: "template", params: {"template": "{x}", "vars": ["x"]}),
                Node(id: "v", kind: "viewer"),
            ], edges: ["a.text -> t.x", "t.text -> v.in"],
            layout: Layout(positions: {"a": (0.0, 0.0), "t": (100.0, 0.0)}))"#,
            &registry(),
        )
        .unwrap();
        Document::new(flow, None, registry())
    }

    fn connect(from: (&str, &str), to: (&str, &str)) -> DocEdit {
        DocEdit::Connect {
            from: PortRef::new(from.0, from.1),
            to: PortRef::new(to.0, to.1),
        }
    }

    #[test]
    fn edits_mark_dirty_and_undo_redo_restore() {
        let mut doc = sample();
        assert!(!doc.is_dirty());
        let original = doc.flow().clone();
        doc.apply(DocEdit::RemoveNodes(vec![NodeId::from("t")]))
            .unwrap();
        assert!(doc.is_dirty());
        assert!(
            doc.flow().edges.is_empty(),
            "wires of a deleted node go too"
        );
        assert!(doc.undo());
        assert_eq!(doc.flow(), &original);
        assert!(doc.redo());
        assert!(doc.flow().node("t").is_none());
    }

    #[test]
    fn typing_into_one_field_is_one_undo_step() {
        let mut doc = sample();
        let a = NodeId::from("a");
        for text in ["h", "he", "hel", "hello"] {
            doc.apply(DocEdit::SetField {
                node: a.clone(),
                field: "text".into(),
                is_param: true,
                value: Some(ParamValue::from(text)),
            })
            .unwrap();
        }
        assert_eq!(
            doc.flow().node("a").unwrap().params["text"],
            ParamValue::from("hello")
        );
        doc.undo();
        assert!(!doc.flow().node("a").unwrap().params.contains_key("text"));
        assert!(!doc.can_undo());
    }

    #[test]
    fn typing_into_another_field_starts_a_new_undo_step() {
        let mut doc = sample();
        let set = |field: &str, text: &str| DocEdit::SetField {
            node: NodeId::from("t"),
            field: field.into(),
            is_param: true,
            value: Some(ParamValue::from(text)),
        };
        doc.apply(set("template", "{x}!")).unwrap();
        doc.apply(DocEdit::SetTitle {
            node: NodeId::from("t"),
            title: "Greeting".into(),
        })
        .unwrap();
        doc.apply(set("template", "{x}!!")).unwrap();
        doc.undo();
        assert_eq!(
            doc.flow().node("t").unwrap().params["template"],
            ParamValue::from("{x}!")
        );
        doc.undo();
        assert_eq!(doc.flow().node("t").unwrap().title, "");
    }

    #[test]
    fn refused_connections_say_why_and_change_nothing() {
        let mut doc = sample();
        let before = doc.flow().clone();
        let revision = doc.revision();
        let loop_back = doc.apply(connect(("t", "text"), ("t", "x")));
        assert!(loop_back.unwrap_err().0.contains("cannot feed itself"));
        // a viewer's output back into the template makes a loop through the viewer.
        let err = doc.apply(connect(("v", "out"), ("t", "x"))).unwrap_err();
        assert!(err.0.contains("loop"), "{err}");
        assert_eq!(doc.flow(), &before);
        assert!(!doc.is_dirty());
        assert_eq!(doc.revision(), revision, "a refused edit moves nothing");
    }

    #[test]
    fn a_wire_into_a_used_input_replaces_the_old_one() {
        let mut doc = sample();
        doc.apply(connect(("n", "value"), ("t", "x"))).unwrap();
        let into_x: Vec<_> = doc
            .flow()
            .edges
            .iter()
            .filter(|e| e.to == PortRef::new("t", "x"))
            .collect();
        assert_eq!(into_x.len(), 1);
        assert_eq!(into_x[0].from, PortRef::new("n", "value"));
    }

    #[test]
    fn an_edit_that_changes_nothing_is_no_undo_step() {
        let mut doc = sample();
        let applied = doc.apply(connect(("a", "text"), ("t", "x"))).unwrap();
        assert!(!applied.changed);
        assert!(!doc.can_undo());
        assert!(!doc.is_dirty());
    }

    #[test]
    fn added_nodes_get_fresh_ids_and_unknown_kinds_are_refused() {
        let mut doc = sample();
        let add = |kind: &str| DocEdit::AddNode {
            kind: kind.into(),
            at: (5.0, 6.0),
        };
        let first = doc.apply(add("text")).unwrap().created;
        let second = doc.apply(add("text")).unwrap().created;
        assert_eq!(first, vec![NodeId::from("text")]);
        assert_eq!(second, vec![NodeId::from("text_2")]);
        assert_eq!(doc.flow().layout.positions[&second[0]], (5.0, 6.0));
        let refused = doc.apply(add("no_such_kind")).unwrap_err();
        assert!(refused.0.contains("no_such_kind"), "{refused}");
    }

    #[test]
    fn a_wired_node_is_added_and_connected_in_one_undo_step() {
        let mut doc = sample();
        let before = doc.flow().clone();
        let applied = doc
            .apply(DocEdit::AddWiredNode {
                kind: "viewer".into(),
                at: (300.0, 40.0),
                wire: NewWire::FromOutput {
                    from: PortRef::new("n", "value"),
                    input: "in".into(),
                },
            })
            .unwrap();
        assert_eq!(applied.created, vec![NodeId::from("viewer")]);
        assert!(doc.flow().edges.contains(&Edge::new(
            PortRef::new("n", "value"),
            PortRef::new("viewer", "in")
        )));
        assert_eq!(
            doc.flow().layout.positions[&NodeId::from("viewer")],
            (300.0, 40.0)
        );
        assert!(doc.undo());
        assert_eq!(*doc.flow(), before, "one undo removes node and wire");
        assert!(!doc.can_undo());

        // Into an existing input: the new node's output replaces the wire it had.
        doc.apply(DocEdit::AddWiredNode {
            kind: "text".into(),
            at: (0.0, 0.0),
            wire: NewWire::IntoInput {
                output: "text".into(),
                to: PortRef::new("t", "x"),
            },
        })
        .unwrap();
        let into_x: Vec<_> = (doc.flow().edges.iter())
            .filter(|e| e.to == PortRef::new("t", "x"))
            .collect();
        assert_eq!(into_x.len(), 1);
        assert_eq!(into_x[0].from, PortRef::new("text", "text"));
    }

    #[test]
    fn a_wired_node_whose_wire_the_engine_refuses_is_not_added() {
        let mut doc = sample();
        let before = doc.flow().clone();
        // An image input cannot take a number.
        let refused = doc
            .apply(DocEdit::AddWiredNode {
                kind: "image_blur".into(),
                at: (0.0, 0.0),
                wire: NewWire::FromOutput {
                    from: PortRef::new("n", "value"),
                    input: "image".into(),
                },
            })
            .unwrap_err();
        assert!(refused.0.starts_with("Wire refused"), "{refused}");
        let unknown_port = doc.apply(DocEdit::AddWiredNode {
            kind: "viewer".into(),
            at: (0.0, 0.0),
            wire: NewWire::FromOutput {
                from: PortRef::new("n", "value"),
                input: "nope".into(),
            },
        });
        assert!(unknown_port.is_err());
        assert_eq!(*doc.flow(), before);
        assert!(!doc.can_undo());
    }

    #[test]
    fn paste_gives_fresh_ids_and_keeps_inner_wires() {
        let mut doc = sample();
        let clip = doc.copy_nodes(&[NodeId::from("a"), NodeId::from("t")]);
        assert_eq!(clip.edges.len(), 1, "only the wire between copied nodes");
        let new_ids = doc
            .apply(DocEdit::Paste {
                clip: Box::new(clip),
                offset: (10.0, 10.0),
            })
            .unwrap()
            .created;
        assert_eq!(new_ids.len(), 2);
        assert!(new_ids
            .iter()
            .all(|id| id.as_str() != "a" && id.as_str() != "t"));
        assert_eq!(doc.flow().nodes.len(), 6);
        assert_eq!(doc.flow().edges.len(), 3);
        assert!(validate(doc.flow(), &registry()).is_empty());
        let pos = doc.flow().layout.positions[&new_ids[1]];
        assert_eq!(pos, (110.0, 10.0));
        doc.undo();
        assert_eq!(doc.flow().nodes.len(), 4, "a paste is one undo step");
    }

    #[test]
    fn moves_of_one_drag_are_one_undo_step() {
        let mut doc = sample();
        let ids = vec![NodeId::from("a")];
        let step = |drag| DocEdit::MoveNodes {
            ids: ids.clone(),
            delta: (5.0, 0.0),
            drag: DragId(drag),
        };
        doc.apply(step(1)).unwrap();
        doc.apply(step(1)).unwrap();
        doc.apply(step(2)).unwrap();
        assert_eq!(doc.flow().layout.positions[&ids[0]], (15.0, 0.0));
        doc.undo();
        assert_eq!(doc.flow().layout.positions[&ids[0]], (10.0, 0.0));
        doc.undo();
        assert_eq!(doc.flow().layout.positions[&ids[0]], (0.0, 0.0));
    }

    #[test]
    fn resizing_a_view_is_one_undo_step_per_drag_and_goes_with_its_node() {
        let mut doc = sample();
        let v = NodeId::from("v");
        let resize = |w: f32, drag| DocEdit::ResizeView {
            node: NodeId::from("v"),
            size_in_graph: Some((w, 150.0)),
            drag: DragId(drag),
        };
        doc.apply(resize(200.0, 7)).unwrap();
        doc.apply(resize(260.0, 7)).unwrap();
        assert!(doc.is_dirty(), "a new size is saved with the flow");
        assert_eq!(doc.flow().layout.sizes[&v], (260.0, 150.0));
        // Copied and pasted nodes keep their size.
        let clip = doc.copy_nodes(std::slice::from_ref(&v));
        let pasted = doc
            .apply(DocEdit::Paste {
                clip: Box::new(clip),
                offset: (10.0, 10.0),
            })
            .unwrap()
            .created;
        assert_eq!(doc.flow().layout.sizes[&pasted[0]], (260.0, 150.0));
        doc.undo();
        doc.undo();
        assert!(
            doc.flow().layout.sizes.is_empty(),
            "one drag, one undo step"
        );
        doc.apply(resize(300.0, 8)).unwrap();
        doc.apply(DocEdit::RemoveNodes(vec![v.clone()])).unwrap();
        assert!(doc.flow().layout.sizes.is_empty(), "removed with its node");
        assert!(validate(doc.flow(), &registry()).is_empty());
    }

    #[test]
    fn promotion_labels_must_be_unique_and_not_empty() {
        let mut doc = sample();
        let promote = |node: &str, label: &str| DocEdit::SetPromotion {
            node: NodeId::from(node),
            promotion: Some(crate::model::Promotion::new(label)),
        };
        doc.apply(promote("a", "Name")).unwrap();
        assert!(doc.apply(promote("n", "Name")).is_err());
        assert!(doc.apply(promote("n", "  ")).is_err());
    }

    #[test]
    fn panning_is_no_unsaved_change_no_undo_step_and_no_new_revision() {
        let mut doc = sample();
        let revision = doc.revision();
        doc.apply(DocEdit::SetView {
            pan: (3.0, 4.0),
            zoom: 0.5,
        })
        .unwrap();
        assert!(!doc.is_dirty());
        assert!(!doc.can_undo());
        assert_eq!(doc.revision(), revision);
        assert_eq!(doc.flow().layout.zoom, 0.5, "kept for the next save");
    }

    #[test]
    fn every_new_document_has_its_own_identity() {
        let one = sample();
        let two = sample();
        assert_eq!(one.revision(), two.revision());
        assert_ne!(one.identity(), two.identity());
        assert_ne!(one.identity(), one.reopened(one.flow().clone()).identity());
    }

    #[test]
    fn saving_clears_the_unsaved_marker() {
        let dir = tempfile::tempdir().unwrap();
        let mut doc = sample();
        doc.apply(DocEdit::SetTitle {
            node: NodeId::from("a"),
            title: "Alpha".into(),
        })
        .unwrap();
        assert!(doc.is_dirty());
        doc.save_to(&dir.path().join("x.flow")).unwrap();
        assert!(!doc.is_dirty());
        assert_eq!(doc.display_name(), "x.flow");
    }

    #[test]
    fn groups_take_nodes_from_other_groups_retitle_in_one_step_and_survive_a_save() {
        let dir = tempfile::tempdir().unwrap();
        let mut doc = sample();
        let ids = |names: &[&str]| names.iter().map(|n| NodeId::from(*n)).collect::<Vec<_>>();
        doc.apply(DocEdit::Group {
            nodes: ids(&["a", "t"]),
            title: "First".into(),
        })
        .unwrap();
        // A node joins one group at a time; ids that do not exist are left out.
        doc.apply(DocEdit::Group {
            nodes: ids(&["t", "v", "ghost"]),
            title: "Second".into(),
        })
        .unwrap();
        let groups = &doc.flow().layout.groups;
        assert_eq!(groups[0].nodes, ids(&["a"]));
        assert_eq!(groups[1].nodes, ids(&["t", "v"]));

        let undo_depth = doc.undo.len();
        for title in ["S", "Se", "Sec"] {
            doc.apply(DocEdit::SetGroup {
                index: 1,
                title: title.into(),
                color: crate::model::GroupColor::Green,
            })
            .unwrap();
        }
        assert_eq!(
            doc.undo.len(),
            undo_depth + 1,
            "typing a title is one undo step"
        );

        let path = dir.path().join("g.flow");
        doc.save_to(&path).unwrap();
        let reread = crate::format::load(&path, &registry()).unwrap();
        assert_eq!(reread.layout.groups, doc.flow().layout.groups);

        doc.apply(DocEdit::Ungroup(0)).unwrap();
        assert_eq!(doc.flow().layout.groups.len(), 1);
        assert_eq!(doc.flow().layout.groups[0].title, "Sec");
    }
}
