//! The open document: the flow being edited, its file, unsaved changes, and undo/redo.
//! UI-free, so every edit is testable without a window.

use std::path::{Path, PathBuf};

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
    /// The field last edited, so typing into one field makes one undo step, not one per key.
    last_field: Option<(NodeId, String)>,
    /// Bumped on every change; views rebuild when it moves.
    revision: u64,
    /// Runs are restricted: the file lies in a folder nobody trusted (see `crate::trust`).
    restricted: bool,
}

impl Document {
    /// A document for `flow`, saved at `path` if it has one.
    pub fn new(mut flow: Flow, path: Option<PathBuf>) -> Self {
        // Nodes without a position (a hand-written flow) are laid out rather than stacked.
        crate::model::place_unplaced(&mut flow);
        Self {
            flow,
            path,
            dirty: false,
            undo: Vec::new(),
            redo: Vec::new(),
            last_field: None,
            revision: 0,
            restricted: false,
        }
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
    pub fn recovered(flow: Flow, path: Option<PathBuf>) -> Self {
        let mut doc = Self::new(flow, path);
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
        Ok(())
    }

    fn begin_edit(&mut self) {
        self.last_field = None;
        self.snapshot();
    }

    fn snapshot(&mut self) {
        self.undo.push(self.flow.clone());
        if self.undo.len() > UNDO_DEPTH {
            self.undo.remove(0);
        }
        self.redo.clear();
    }

    fn changed(&mut self) {
        self.dirty = true;
        self.revision += 1;
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
        self.last_field = None;
        self.changed();
        true
    }

    /// Redoes the last undone edit.
    pub fn redo(&mut self) -> bool {
        let Some(next) = self.redo.pop() else {
            return false;
        };
        self.undo.push(std::mem::replace(&mut self.flow, next));
        self.last_field = None;
        self.changed();
        true
    }

    /// An id not used yet, made from `stem` (`shell`, `shell_2`, …).
    pub fn fresh_id(&self, stem: &str) -> NodeId {
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
        let taken = |id: &str| self.flow.node(id).is_some();
        if !taken(&stem) {
            return NodeId::from(stem.as_str());
        }
        (2..)
            .map(|n| format!("{stem}_{n}"))
            .find(|id| !taken(id))
            .map(|id| NodeId::from(id.as_str()))
            .unwrap_or_else(|| NodeId::from(stem.as_str()))
    }

    /// Adds a node at a graph-space position.
    pub fn add_node(&mut self, node: Node, pos_in_graph: (f32, f32)) {
        self.begin_edit();
        self.flow
            .layout
            .positions
            .insert(node.id.clone(), pos_in_graph);
        self.flow.nodes.push(node);
        self.changed();
    }

    /// Removes nodes and every wire touching them.
    pub fn remove_nodes(&mut self, ids: &[NodeId]) {
        if ids.is_empty() {
            return;
        }
        self.begin_edit();
        self.flow.nodes.retain(|node| !ids.contains(&node.id));
        self.flow
            .edges
            .retain(|edge| !ids.contains(&edge.from.node) && !ids.contains(&edge.to.node));
        for id in ids {
            self.flow.layout.positions.remove(id);
        }
        self.changed();
    }

    /// Checks a new wire the way the engine would: types and loops. `Err` says why not.
    pub fn check_connection(
        &self,
        registry: &Registry,
        from: &PortRef,
        to: &PortRef,
    ) -> Result<(), String> {
        if from.node == to.node {
            return Err(format!("`{}` cannot feed itself", from.node));
        }
        let mut candidate = self.flow.clone();
        candidate.edges.retain(|edge| edge.to != *to);
        candidate.edges.push(Edge::new(from.clone(), to.clone()));
        let edge_problems: Vec<String> = validate(&candidate, registry)
            .into_iter()
            .filter(|p| matches!(&p.subject, crate::check::Subject::Edge(e) if e.to == *to))
            .map(|p| p.message)
            .collect();
        if let Some(problem) = edge_problems.into_iter().next() {
            return Err(problem);
        }
        if let Some(cycle) = find_loops(&candidate)
            .into_iter()
            .find(|cycle| cycle.contains(&from.node) && cycle.contains(&to.node))
        {
            let names: Vec<String> = cycle.iter().map(|id| format!("`{id}`")).collect();
            return Err(format!(
                "this wire would make a loop: {} → `{}`",
                names.join(" → "),
                cycle[0]
            ));
        }
        Ok(())
    }

    /// Wires `from` into `to`, replacing the wire `to` had. Checked first; `Err` says why not.
    pub fn connect(
        &mut self,
        registry: &Registry,
        from: PortRef,
        to: PortRef,
    ) -> Result<(), String> {
        self.check_connection(registry, &from, &to)?;
        if self.flow.edges.iter().any(|e| e.from == from && e.to == to) {
            return Ok(());
        }
        self.begin_edit();
        self.flow.edges.retain(|edge| edge.to != to);
        self.flow.edges.push(Edge::new(from, to));
        self.changed();
        Ok(())
    }

    /// Removes the wire from `from` to `to`.
    pub fn disconnect(&mut self, from: &PortRef, to: &PortRef) {
        if !self
            .flow
            .edges
            .iter()
            .any(|e| e.from == *from && e.to == *to)
        {
            return;
        }
        self.begin_edit();
        self.flow
            .edges
            .retain(|edge| !(edge.from == *from && edge.to == *to));
        self.changed();
    }

    /// Moves nodes by a graph-space offset. Consecutive moves of the same nodes are one undo
    /// step when `continuing` is true (one drag).
    pub fn move_nodes(&mut self, ids: &[NodeId], delta_in_graph: (f32, f32), continuing: bool) {
        if !continuing {
            self.begin_edit();
        }
        for id in ids {
            let pos = self
                .flow
                .layout
                .positions
                .entry(id.clone())
                .or_insert((0.0, 0.0));
            pos.0 += delta_in_graph.0;
            pos.1 += delta_in_graph.1;
        }
        self.changed();
    }

    /// Sets pan and zoom (layout only: no undo step, but unsaved).
    pub fn set_view(&mut self, pan: (f32, f32), zoom: f32) {
        if self.flow.layout.pan != pan || self.flow.layout.zoom != zoom {
            self.flow.layout.pan = pan;
            self.flow.layout.zoom = zoom;
            self.dirty = true;
        }
    }

    /// Sets a parameter (`is_param`) or an input's constant value; `None` clears it.
    /// Typing into one field is one undo step.
    pub fn set_field(
        &mut self,
        node: &NodeId,
        field: &str,
        is_param: bool,
        value: Option<ParamValue>,
    ) {
        let key = (node.clone(), field.to_owned());
        if self.last_field.as_ref() != Some(&key) {
            self.snapshot();
            self.last_field = Some(key);
        }
        if let Some(target) = self.flow.node_mut(node.as_str()) {
            let map = if is_param {
                &mut target.params
            } else {
                &mut target.values
            };
            match value {
                Some(value) => map.insert(field.to_owned(), value),
                None => map.remove(field),
            };
        }
        self.changed();
    }

    /// Renames a node's title.
    pub fn set_title(&mut self, node: &NodeId, title: String) {
        let key = (node.clone(), "\u{0}title".to_owned());
        if self.last_field.as_ref() != Some(&key) {
            self.snapshot();
            self.last_field = Some(key);
        }
        if let Some(target) = self.flow.node_mut(node.as_str()) {
            target.title = title;
        }
        self.changed();
    }

    /// Promotes a node as a flow input, changes its promotion, or (`None`) removes it.
    /// Labels must be unique and not empty.
    pub fn set_promotion(
        &mut self,
        node: &NodeId,
        promotion: Option<crate::model::Promotion>,
    ) -> Result<(), String> {
        if let Some(promotion) = &promotion {
            let label = promotion.label.trim();
            if label.is_empty() {
                return Err("An input needs a label".to_owned());
            }
            let taken = self
                .flow
                .nodes
                .iter()
                .any(|n| n.id != *node && n.promote.as_ref().is_some_and(|p| p.label == label));
            if taken {
                return Err(format!("The input label `{label}` is already used"));
            }
        }
        let key = (node.clone(), "\u{0}promote".to_owned());
        if self.last_field.as_ref() != Some(&key) {
            self.snapshot();
            self.last_field = Some(key);
        }
        if let Some(target) = self.flow.node_mut(node.as_str()) {
            target.promote = promotion;
        }
        self.changed();
        Ok(())
    }

    /// Marks or unmarks a node as a flow output.
    pub fn set_output(&mut self, node: &NodeId, output: bool) {
        self.begin_edit();
        if let Some(target) = self.flow.node_mut(node.as_str()) {
            target.output = output;
        }
        self.changed();
    }

    /// Turns bypass on or off.
    pub fn set_bypassed(&mut self, node: &NodeId, bypassed: bool) {
        self.begin_edit();
        if let Some(target) = self.flow.node_mut(node.as_str()) {
            target.bypassed = bypassed;
        }
        self.changed();
    }

    /// Sets how many batch items a node works on at once (`None`: its kind's default).
    pub fn set_concurrency(&mut self, node: &NodeId, concurrency: Option<u32>) {
        if self.flow.node(node.as_str()).map(|n| n.concurrency) == Some(concurrency) {
            return;
        }
        self.begin_edit();
        if let Some(target) = self.flow.node_mut(node.as_str()) {
            target.concurrency = concurrency;
        }
        self.changed();
    }

    /// Adds file paths to a batch node's items (one per line) and makes its items paths.
    /// Paths inside the flow's folder are written relative to it.
    pub fn add_batch_files(&mut self, node: &NodeId, files: &[PathBuf]) {
        let Some(target) = self.flow.node(node.as_str()) else {
            return;
        };
        let base = self.base_dir();
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
        self.begin_edit();
        if let Some(target) = self.flow.node_mut(node.as_str()) {
            target
                .params
                .insert("items".to_owned(), ParamValue::Text(items));
            target
                .params
                .insert("item_type".to_owned(), ParamValue::Text("path".to_owned()));
        }
        self.changed();
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
        }
        copy
    }

    /// Pastes copied nodes (fresh ids, wires among them kept) shifted by an offset; returns
    /// the new ids.
    pub fn paste(&mut self, clip: &Flow, offset_in_graph: (f32, f32)) -> Vec<NodeId> {
        if clip.nodes.is_empty() {
            return Vec::new();
        }
        self.begin_edit();
        let mut renamed = std::collections::HashMap::new();
        let mut new_ids = Vec::new();
        for node in &clip.nodes {
            let stem = node
                .id
                .as_str()
                .trim_end_matches(|c: char| c.is_ascii_digit() || c == '_');
            let id = self.fresh_id(if stem.is_empty() { &node.kind } else { stem });
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
        self.changed();
        new_ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> Registry {
        Registry::builtin()
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
        Document::new(flow, None)
    }

    #[test]
    fn edits_mark_dirty_and_undo_redo_restore() {
        let mut doc = sample();
        assert!(!doc.is_dirty());
        let original = doc.flow().clone();
        doc.remove_nodes(&[NodeId::from("t")]);
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
            doc.set_field(&a, "text", true, Some(ParamValue::from(text)));
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
    fn refused_connections_say_why_and_change_nothing() {
        let mut doc = sample();
        let before = doc.flow().clone();
        let loop_back = doc.connect(
            &registry(),
            PortRef::new("t", "text"),
            PortRef::new("t", "x"),
        );
        assert!(loop_back.unwrap_err().contains("cannot feed itself"));
        // a viewer's output back into the template makes a loop through the viewer.
        let err = doc
            .connect(
                &registry(),
                PortRef::new("v", "out"),
                PortRef::new("t", "x"),
            )
            .unwrap_err();
        assert!(err.contains("loop"), "{err}");
        assert_eq!(doc.flow(), &before);
        assert!(!doc.is_dirty());
    }

    #[test]
    fn a_wire_into_a_used_input_replaces_the_old_one() {
        let mut doc = sample();
        doc.connect(
            &registry(),
            PortRef::new("n", "value"),
            PortRef::new("t", "x"),
        )
        .unwrap();
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
    fn paste_gives_fresh_ids_and_keeps_inner_wires() {
        let mut doc = sample();
        let clip = doc.copy_nodes(&[NodeId::from("a"), NodeId::from("t")]);
        assert_eq!(clip.edges.len(), 1, "only the wire between copied nodes");
        let new_ids = doc.paste(&clip, (10.0, 10.0));
        assert_eq!(new_ids.len(), 2);
        assert!(new_ids
            .iter()
            .all(|id| id.as_str() != "a" && id.as_str() != "t"));
        assert_eq!(doc.flow().nodes.len(), 6);
        assert_eq!(doc.flow().edges.len(), 3);
        assert!(validate(doc.flow(), &registry()).is_empty());
        let pos = doc.flow().layout.positions[&new_ids[1]];
        assert_eq!(pos, (110.0, 10.0));
    }

    #[test]
    fn moves_of_one_drag_are_one_undo_step() {
        let mut doc = sample();
        let ids = [NodeId::from("a")];
        doc.move_nodes(&ids, (5.0, 0.0), false);
        doc.move_nodes(&ids, (5.0, 0.0), true);
        assert_eq!(doc.flow().layout.positions[&ids[0]], (10.0, 0.0));
        doc.undo();
        assert_eq!(doc.flow().layout.positions[&ids[0]], (0.0, 0.0));
    }

    #[test]
    fn saving_clears_the_unsaved_marker() {
        let dir = tempfile::tempdir().unwrap();
        let mut doc = sample();
        doc.set_title(&NodeId::from("a"), "Alpha".into());
        assert!(doc.is_dirty());
        doc.save_to(&dir.path().join("x.flow")).unwrap();
        assert!(!doc.is_dirty());
        assert_eq!(doc.display_name(), "x.flow");
    }
}
