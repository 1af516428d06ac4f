//! The node data panel's state, kept in one place: whether it is open, which node it shows,
//! and that node's ports with where each input's value comes from (worked out once per
//! change of the document, not per frame). Values themselves are looked up in the run view
//! each frame, so a new result shows at once.

use std::sync::Arc;

use super::document::{DocIdentity, Document};
use super::run_view::RunView;
use crate::model::{DataType, NodeId};
use crate::nodes::{Outputs, Params, Registry};
use crate::plan::{arriving_inputs, Arrives, ArrivingInput};

/// Whether the node data panel is open and which node it shows.
#[derive(Default)]
pub struct NodeDataPanel {
    /// The panel is showing.
    pub open: bool,
    /// The node it shows: the selection when one node is selected, else the last one shown.
    pub node: Option<NodeId>,
    /// The shown node's ports, and the document state they were worked out for.
    ports: Option<(DocIdentity, NodeId, Arc<NodePorts>)>,
}

/// A node's ports as the panel lists them.
#[derive(Debug, Default)]
pub struct NodePorts {
    /// Each input, what arrives there, and a constant's value ready to show.
    pub inputs: Vec<InputPort>,
    /// Each output's name and type, in the kind's order.
    pub outputs: Vec<(String, DataType)>,
}

/// One input of the shown node.
#[derive(Debug)]
pub struct InputPort {
    /// The port and what arrives there.
    pub arriving: ArrivingInput,
    /// When a constant arrives: its value, held like a result so it shows the same way.
    pub constant: Option<ValueRef>,
}

/// One value on show: a port of a result (kept alive by the reference, so its address
/// names it for caches as long as it is held).
#[derive(Clone, Debug)]
pub struct ValueRef {
    /// The outputs the value is part of.
    pub outputs: Arc<Outputs>,
    /// The port.
    pub port: String,
}

impl ValueRef {
    /// The value, if the outputs have this port.
    pub fn value(&self) -> Option<&crate::model::Value> {
        self.outputs.get(&self.port)
    }

    /// Whether two references name the same value (same outputs, same port).
    pub fn same(&self, other: &ValueRef) -> bool {
        Arc::ptr_eq(&self.outputs, &other.outputs) && self.port == other.port
    }
}

impl NodeDataPanel {
    /// Opens the panel on `node`.
    pub fn show_node(&mut self, node: NodeId) {
        self.open = true;
        self.node = Some(node);
    }

    /// Closes the panel (it remembers the node).
    pub fn close(&mut self) {
        self.open = false;
    }

    /// Opens the panel on the selected node (or the last one shown; with neither it opens
    /// asking for a selection), or closes it if it is open.
    pub fn toggle(&mut self, selection: &[NodeId]) {
        if self.open {
            self.close();
            return;
        }
        self.open = true;
        if let Some(node) = selection.first() {
            self.node = Some(node.clone());
        }
    }

    /// Follows the selection: when exactly one node is selected, the panel shows it.
    pub fn follow_selection(&mut self, selection: &[NodeId]) {
        if let [only] = selection {
            if self.node.as_ref() != Some(only) {
                self.node = Some(only.clone());
            }
        }
    }

    /// Forgets the node when it is gone (deleted, another document opened).
    pub fn forget(&mut self, node: &NodeId) {
        if self.node.as_ref() == Some(node) {
            self.node = None;
        }
    }

    /// The shown node's ports, worked out again only when the document or the node changed.
    pub fn ports(&mut self, doc: &Document, registry: &Registry) -> Option<Arc<NodePorts>> {
        let node = self.node.clone()?;
        let identity = doc.identity();
        if let Some((at, of, ports)) = &self.ports {
            if *at == identity && *of == node {
                return Some(ports.clone());
            }
        }
        let ports = Arc::new(node_ports(doc, registry, &node)?);
        self.ports = Some((identity, node, ports.clone()));
        Some(ports)
    }
}

/// The ports of `node` in the document (`None` when it is not there).
fn node_ports(doc: &Document, registry: &Registry, node: &NodeId) -> Option<NodePorts> {
    let flow = doc.flow();
    let doc_node = flow.node(node.as_str())?;
    let outputs = registry.get(&doc_node.kind).map_or_else(Vec::new, |kind| {
        kind.outputs(&Params::new(doc_node, kind.info()))
            .into_iter()
            .map(|spec| (spec.name.to_string(), spec.ty))
            .collect()
    });
    let inputs = arriving_inputs(flow, registry, node.as_str())
        .into_iter()
        .map(|arriving| {
            let constant = match &arriving.arrives {
                Arrives::Constant(value) => Some(ValueRef {
                    outputs: Arc::new(Outputs::new().with(arriving.port.clone(), value.to_value())),
                    port: arriving.port.clone(),
                }),
                _ => None,
            };
            InputPort { arriving, constant }
        })
        .collect();
    Some(NodePorts { inputs, outputs })
}

/// The value that arrives at an input: the producer's current result on that port (what
/// the node consumed when it last ran, unless the producer ran again since), or a constant.
pub fn input_value(input: &InputPort, run_view: &RunView) -> Option<ValueRef> {
    match &input.arriving.arrives {
        Arrives::Output(from) => output_value(&from.node, &from.port, run_view),
        Arrives::Constant(_) => input.constant.clone(),
        Arrives::Nothing(_) => None,
    }
}

/// A node's current result on `port`, if it has one.
pub fn output_value(node: &NodeId, port: &str, run_view: &RunView) -> Option<ValueRef> {
    let outputs = run_view.node(node)?.result.clone()?;
    outputs.get(port)?;
    Some(ValueRef {
        outputs,
        port: port.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Value;

    fn doc() -> (Document, Arc<Registry>) {
        let registry = Arc::new(Registry::builtin());
        let flow = crate::format::parse(
            r#"Flow(version: 1, nodes: [
                Node(id: "a", kind: "text"),
                Node(id: "t", kind: "template", params: {"template": "{x}{y}", "vars": ["x", "y"]}, values: {"y": "!"}),
            ], edges: ["a.text -> t.x"])"#,
            &registry,
        )
        .unwrap();
        (Document::new(flow, None, registry.clone()), registry)
    }

    #[test]
    fn inputs_show_the_producers_result_and_constants_and_ports_are_kept() {
        let (doc, registry) = doc();
        let mut panel = NodeDataPanel::default();
        assert!(panel.ports(&doc, &registry).is_none(), "no node, no ports");
        panel.toggle(&[NodeId::from("t")]);
        assert!(panel.open);
        let ports = panel.ports(&doc, &registry).unwrap();
        assert!(Arc::ptr_eq(&ports, &panel.ports(&doc, &registry).unwrap()));
        assert_eq!(ports.outputs, vec![("text".to_owned(), DataType::Text)]);

        let mut run_view = RunView::default();
        assert!(input_value(&ports.inputs[0], &run_view).is_none());
        let produced = Outputs::new().with("text", Value::Text("hello".into()));
        run_view.load_stored([(NodeId::from("a"), produced, None)]);
        let x = input_value(&ports.inputs[0], &run_view).unwrap();
        assert_eq!(x.value(), Some(&Value::Text("hello".into())));
        let y = input_value(&ports.inputs[1], &run_view).unwrap();
        assert_eq!(y.value(), Some(&Value::Text("!".into())));
        assert!(y.same(&input_value(&ports.inputs[1], &run_view).unwrap()));
    }

    #[test]
    fn the_panel_follows_a_single_selection_and_forgets_deleted_nodes() {
        let mut panel = NodeDataPanel::default();
        panel.show_node(NodeId::from("a"));
        panel.follow_selection(&[NodeId::from("a"), NodeId::from("t")]);
        assert_eq!(panel.node, Some(NodeId::from("a")), "two selected: kept");
        panel.follow_selection(&[]);
        assert_eq!(panel.node, Some(NodeId::from("a")), "none selected: kept");
        panel.follow_selection(&[NodeId::from("t")]);
        assert_eq!(panel.node, Some(NodeId::from("t")));
        panel.forget(&NodeId::from("t"));
        assert_eq!(panel.node, None);
        panel.toggle(&[]);
        assert!(!panel.open, "open: the toggle closes it");
        panel.toggle(&[]);
        assert!(panel.open, "opening with nothing to show still opens");
        panel.toggle(&[]);
        assert!(!panel.open);
    }
}
