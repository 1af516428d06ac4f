//! An index over a flow for planning: node lookup by id, kinds, and which wire feeds each input.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::model::{Flow, Node, NodeLabels, Outcome, ParamValue, PortRef};
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
    by_id: FxHashMap<&'a str, usize>,
    kinds: Vec<Option<&'a Arc<dyn NodeKind>>>,
    /// Wires into each node: `incoming[incoming_start[i]..incoming_start[i + 1]]` holds
    /// (input port, source node index, source port, outcome) for node `i`.
    incoming_start: Vec<u32>,
    incoming: Vec<(&'a str, usize, &'a PortRef, Outcome)>,
    outgoing_count: Vec<u32>,
    /// What the nodes are called, for messages (worked out when first needed).
    labels: std::sync::OnceLock<NodeLabels>,
}

impl<'a> FlowGraph<'a> {
    /// Indexes `flow`. Edges naming unknown nodes are ignored (validation reports them).
    pub fn new(flow: &'a Flow, registry: &'a Registry) -> Self {
        let count = flow.nodes.len();
        let mut by_id = FxHashMap::with_capacity_and_hasher(count, Default::default());
        for (i, node) in flow.nodes.iter().enumerate() {
            by_id.entry(node.id.as_str()).or_insert(i);
        }
        let kinds = flow
            .nodes
            .iter()
            .map(|node| registry.get(&node.kind))
            .collect();
        let mut wires = Vec::with_capacity(flow.edges.len());
        let mut outgoing_count = vec![0; count];
        let mut incoming_start = vec![0u32; count + 1];
        for edge in &flow.edges {
            let (Some(&from), Some(&to)) = (
                by_id.get(edge.from.node.as_str()),
                by_id.get(edge.to.node.as_str()),
            ) else {
                continue;
            };
            wires.push((to, &*edge.to.port, from, &edge.from, edge.outcome));
            outgoing_count[from] += 1;
            incoming_start[to + 1] += 1;
        }
        for i in 0..count {
            incoming_start[i + 1] += incoming_start[i];
        }
        let mut fill = incoming_start.clone();
        let mut incoming = vec![None; wires.len()];
        for (to, port, from, source, outcome) in wires {
            incoming[fill[to] as usize] = Some((port, from, source, outcome));
            fill[to] += 1;
        }
        let mut incoming: Vec<(&'a str, usize, &'a PortRef, Outcome)> =
            incoming.into_iter().flatten().collect();
        // Each node's wires sorted by input port (stable: of two wires into one input, the
        // first in the file still wins), so finding one is a binary search.
        for i in 0..count {
            let range = incoming_start[i] as usize..incoming_start[i + 1] as usize;
            if range.len() > 1 {
                incoming[range].sort_by(|a, b| a.0.cmp(b.0));
            }
        }
        Self {
            flow,
            by_id,
            kinds,
            incoming_start,
            incoming,
            outgoing_count,
            labels: std::sync::OnceLock::new(),
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

    /// A node's name for messages: `` `Fetch prices` `` (its title; see [`NodeLabels`]).
    pub fn quoted(&self, index: usize) -> String {
        self.labels
            .get_or_init(|| NodeLabels::of(self.flow))
            .quoted(&self.flow.nodes[index].id)
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
            Some(kind) => kind.all_outputs(&Params::new(self.node(index), kind.info())),
            None => Vec::new(),
        }
    }

    /// The node's parameters.
    pub fn params(&self, index: usize) -> Option<Params<'a>> {
        self.kinds[index].map(|kind| Params::new(self.node(index), kind.info()))
    }

    /// The output port wired into input `port` of node `index`, with the source's index and
    /// the wire's outcome.
    pub fn source_of(&self, index: usize, port: &str) -> Option<(usize, &'a PortRef, Outcome)> {
        let range = self.incoming_start[index] as usize..self.incoming_start[index + 1] as usize;
        let wires = &self.incoming[range];
        let at = wires.partition_point(|(input, _, _, _)| *input < port);
        wires
            .get(at)
            .filter(|(input, _, _, _)| *input == port)
            .map(|&(_, from, source, outcome)| (from, source, outcome))
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
