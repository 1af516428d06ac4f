//! An index over a flow for planning: node lookup by id, kinds, and which wire feeds each input.

use std::collections::HashMap;
use std::sync::Arc;

use crate::model::{Flow, Node, ParamValue, PortRef};
use crate::nodes::{NodeKind, Params, PortSpec, Registry, Role};

/// How a node behaves when planning, bypass taken into account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanRole {
    /// Runs.
    Step,
    /// Shows its input, passes it through.
    Viewer,
    /// Passes its selected input through.
    Switch,
    /// Bypassed: passes its primary input to its primary output.
    Bypassed,
    /// Never planned (notes), or of an unknown kind.
    Static,
}

/// Lookup tables built once per planning.
pub struct FlowGraph<'a> {
    pub flow: &'a Flow,
    by_id: HashMap<&'a str, usize>,
    kinds: Vec<Option<&'a Arc<dyn NodeKind>>>,
    incoming: HashMap<(usize, &'a str), &'a PortRef>,
    outgoing_count: Vec<u32>,
}

impl<'a> FlowGraph<'a> {
    /// Indexes `flow`. Edges naming unknown nodes are ignored (validation reports them).
    pub fn new(flow: &'a Flow, registry: &'a Registry) -> Self {
        let by_id: HashMap<&str, usize> = flow
            .nodes
            .iter()
            .enumerate()
            .map(|(i, node)| (node.id.as_str(), i))
            .collect();
        let kinds = flow
            .nodes
            .iter()
            .map(|node| registry.get(&node.kind))
            .collect();
        let mut incoming = HashMap::with_capacity(flow.edges.len());
        let mut outgoing_count = vec![0; flow.nodes.len()];
        for edge in &flow.edges {
            let (Some(&from), Some(&to)) = (
                by_id.get(edge.from.node.as_str()),
                by_id.get(edge.to.node.as_str()),
            ) else {
                continue;
            };
            incoming.insert((to, edge.to.port.as_str()), &edge.from);
            outgoing_count[from] += 1;
        }
        Self {
            flow,
            by_id,
            kinds,
            incoming,
            outgoing_count,
        }
    }

    /// How many nodes the flow has.
    pub fn len(&self) -> usize {
        self.flow.nodes.len()
    }

    /// The index of the node with this id.
    pub fn index(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// The node at `index`.
    pub fn node(&self, index: usize) -> &'a Node {
        &self.flow.nodes[index]
    }

    /// The node's kind, if the registry knows it.
    pub fn kind(&self, index: usize) -> Option<&'a Arc<dyn NodeKind>> {
        self.kinds[index]
    }

    /// How the node takes part in planning.
    pub fn role(&self, index: usize) -> PlanRole {
        let Some(kind) = self.kinds[index] else {
            return PlanRole::Static;
        };
        match kind.info().role {
            Role::Static => PlanRole::Static,
            _ if self.flow.nodes[index].bypassed => PlanRole::Bypassed,
            Role::Step(_) => PlanRole::Step,
            Role::Viewer => PlanRole::Viewer,
            Role::Switch => PlanRole::Switch,
        }
    }

    /// The node's input ports.
    pub fn inputs(&self, index: usize) -> Vec<PortSpec> {
        match self.kinds[index] {
            Some(kind) => kind.inputs(&Params::new(self.node(index), kind.info())),
            None => Vec::new(),
        }
    }

    /// The node's output ports.
    pub fn outputs(&self, index: usize) -> Vec<PortSpec> {
        match self.kinds[index] {
            Some(kind) => kind.outputs(&Params::new(self.node(index), kind.info())),
            None => Vec::new(),
        }
    }

    /// The node's parameters.
    pub fn params(&self, index: usize) -> Option<Params<'a>> {
        self.kinds[index].map(|kind| Params::new(self.node(index), kind.info()))
    }

    /// The output port wired into input `port` of node `index`.
    pub fn source_of(&self, index: usize, port: &str) -> Option<(usize, &'a PortRef)> {
        let from = *self.incoming.get(&(index, port))?;
        Some((self.by_id[from.node.as_str()], from))
    }

    /// The constant value set on input `port` of node `index`.
    pub fn constant(&self, index: usize, port: &str) -> Option<&'a ParamValue> {
        self.flow.nodes[index].values.get(port)
    }

    /// Whether any wire leaves the node.
    pub fn has_outgoing(&self, index: usize) -> bool {
        self.outgoing_count[index] > 0
    }
}
