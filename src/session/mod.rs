//! The desktop app's state, without a window: the open document and its undo history, what
//! runs show, the store's catalog, the selection, recent files, recovery copies and the
//! commands widgets emit. Nothing here draws or knows the GUI toolkit; `ui/` draws from it and `app/`
//! applies commands to it.

pub mod commands;
pub mod compose;
pub mod document;
pub mod edit;
pub mod find;
pub mod my_flows;
pub mod node_data;
pub mod recent;
pub mod recovery;
pub mod result_actions;
pub mod run_timeline;
pub mod run_view;
pub mod store_catalog;
pub mod wiring;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::model::{Flow, NodeId, NodeLabels};
use crate::nodes::Registry;
use crate::store::{RunState, Store};
use document::{DocIdentity, Document};
use edit::{Applied, DocEdit, EditRefused};
use run_view::RunView;
use store_catalog::StoreCatalog;

/// The open flow and everything the app knows about it.
pub struct Session {
    /// The node kinds.
    pub registry: Arc<Registry>,
    /// The open document.
    pub doc: Document,
    /// What runs in this window showed: statuses, results, the queue.
    pub run_view: RunView,
    /// The result store's histories and runs, read in the background.
    pub catalog: StoreCatalog,
    /// The selected nodes, by document id.
    pub selection: Vec<NodeId>,
    /// Nodes showing their whole result on the canvas.
    pub expanded: HashSet<NodeId>,
    /// Nodes copied with Copy, for Paste.
    pub clipboard: Option<Flow>,
    /// Facts worked out from the document and the results (see [`Derived`]).
    pub derived: Derived,
    /// The node data panel: open or not, and which node it shows.
    pub node_data: node_data::NodeDataPanel,
    /// When the flow is open as the subflow of a node of another flow: the values that
    /// node's last run set as its promoted inputs (by label). Its results were made with
    /// them, so they are stale only against them.
    pub run_with: Option<std::collections::BTreeMap<String, crate::model::ParamValue>>,
}

/// Facts about the open flow that take work to find, worked out once per change of the
/// document or of the results rather than once per frame.
#[derive(Debug, Default)]
pub struct Derived {
    /// What they were worked out for: the document and the results version.
    key: Option<(DocIdentity, u64)>,
    /// Nodes whose result is stale (parameters or inputs changed since it was made).
    pub stale: HashSet<NodeId>,
    /// Steps that run once per batch item, with the number of items.
    pub fan_out: HashMap<NodeId, usize>,
    /// What the nodes are called in messages and lists (their titles).
    pub labels: NodeLabels,
}

impl Session {
    /// A session on `doc`.
    pub fn new(registry: Arc<Registry>, doc: Document) -> Self {
        Self {
            registry,
            doc,
            run_view: RunView::default(),
            catalog: StoreCatalog::new(None),
            selection: Vec::new(),
            expanded: HashSet::new(),
            clipboard: None,
            derived: Derived::default(),
            node_data: node_data::NodeDataPanel::default(),
            run_with: None,
        }
    }

    /// Makes `doc` the open document: the selection, the run view and what was derived
    /// from the old one are forgotten (the clipboard stays, to paste across flows).
    pub fn replace_document(&mut self, doc: Document) {
        self.doc = doc;
        self.selection.clear();
        self.expanded.clear();
        self.run_view = RunView::default();
        self.derived = Derived::default();
        self.node_data.node = None;
    }

    /// Applies an edit to the document. Nodes it creates become the selection; nodes it
    /// removes leave the selection and the run view.
    pub fn edit(&mut self, edit: DocEdit) -> Result<Applied, EditRefused> {
        let removed = match &edit {
            DocEdit::RemoveNodes(ids) => ids.clone(),
            _ => Vec::new(),
        };
        let applied = self.doc.apply(edit)?;
        if !removed.is_empty() {
            self.selection.retain(|id| !removed.contains(id));
            for id in &removed {
                self.run_view.forget(id);
                self.expanded.remove(id);
                self.node_data.forget(id);
            }
        }
        if !applied.created.is_empty() {
            self.selection = applied.created.clone();
        }
        Ok(applied)
    }

    /// Shows or hides a node's whole result.
    pub fn toggle_expanded(&mut self, node: NodeId) {
        if !self.expanded.remove(&node) {
            self.expanded.insert(node);
        }
    }

    /// The checkpoint a run of this flow waits at for a decision, if any: one this window
    /// ran (as its events told), else the latest recorded run found paused in the store.
    pub fn awaiting(&self) -> Option<run_view::Awaiting> {
        if let Some(awaiting) = &self.run_view.awaiting {
            return Some(awaiting.clone());
        }
        let record = self.catalog.runs.last()?;
        match (&record.waiting, record.status) {
            (
                Some(crate::store::Waiting::Checkpoint {
                    node,
                    message,
                    previous,
                }),
                RunState::Paused,
            ) => Some(run_view::Awaiting {
                run: None,
                node: node.clone(),
                message: message.clone(),
                previous: previous.clone(),
                record: Some(record.id.clone()),
            }),
            _ => None,
        }
    }

    /// The result store beside the open file (a new, unsaved flow has none).
    pub fn store(&self) -> Option<Store> {
        self.doc.path().map(Store::for_flow)
    }

    /// Works out the stale set and the batch fan-out again if the document or the results
    /// changed since they were last worked out.
    pub fn update_derived(&mut self) {
        let key = (self.doc.identity(), self.run_view.results_version);
        if self.derived.key == Some(key) {
            return;
        }
        let flow = self.doc.flow();
        let run_view = &self.run_view;
        let known = |id: &NodeId| crate::exec::batch_len(run_view.node(id)?.result.as_ref()?);
        let with_inputs = (self.run_with.as_ref())
            .and_then(|values| crate::check::apply_inputs(flow, &self.registry, values).ok());
        self.derived = Derived {
            key: Some(key),
            stale: run_view.stale(with_inputs.as_ref().unwrap_or(flow), &self.registry),
            fan_out: crate::plan::fan_out(flow, &self.registry, &known),
            labels: NodeLabels::of(flow),
        };
    }

    /// The title shown for a node: its own, or its id when it has none.
    pub fn node_title(&self, id: &NodeId) -> String {
        self.doc
            .flow()
            .node(id.as_str())
            .filter(|n| !n.title.is_empty())
            .map_or_else(|| id.to_string(), |n| n.title.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PortRef;

    fn session() -> Session {
        let registry = Arc::new(Registry::builtin());
        let flow = crate::format::parse(
            r#"Flow(version: 1, nodes: [
                Node(id: "a", kind: "text"),
                Node(id: "v", kind: "viewer"),
            ], edges: ["a.text -> v.in"])"#,
            &registry,
        )
        .unwrap();
        let doc = Document::new(flow, None, registry.clone());
        Session::new(registry, doc)
    }

    #[test]
    fn created_nodes_are_selected_and_removed_ones_are_forgotten() {
        let mut session = session();
        session
            .edit(DocEdit::AddNode {
                kind: "number".into(),
                at: (0.0, 0.0),
            })
            .unwrap();
        assert_eq!(session.selection, vec![NodeId::from("number")]);
        session.expanded.insert(NodeId::from("number"));
        session
            .edit(DocEdit::RemoveNodes(vec![NodeId::from("number")]))
            .unwrap();
        assert!(session.selection.is_empty());
        assert!(session.expanded.is_empty());
    }

    #[test]
    fn derived_facts_follow_the_document() {
        let mut session = session();
        session.update_derived();
        let first = session.derived.key;
        session.update_derived();
        assert_eq!(
            session.derived.key, first,
            "nothing changed, nothing redone"
        );
        session
            .edit(DocEdit::Disconnect {
                from: PortRef::new("a", "text"),
                to: PortRef::new("v", "in"),
            })
            .unwrap();
        session.update_derived();
        assert_ne!(session.derived.key, first);
    }
}
