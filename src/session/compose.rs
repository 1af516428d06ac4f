//! Group into subflow and Inline: the two edits that move nodes between a flow and a
//! subflow, worked out here without a window. Grouping makes the inner flow (wires
//! entering the selection become its promoted inputs, wires leaving it its marked
//! outputs) and the outer change (a subflow node wired the same); inlining puts the inner
//! nodes back, wired to what the subflow node was wired to. The outer flow's outputs are
//! the same either way.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::model::{DataType, Edge, Flow, Node, NodeId, Outcome, ParamValue, PortRef, Promotion};
use crate::nodes::{Params, Registry, Role, SUBFLOW_KIND};

use super::document::fresh_id;

/// What replaces nodes of a flow in one edit (see `DocEdit::Replace`).
#[derive(Clone, Debug, PartialEq)]
pub struct Replacement {
    /// The nodes taken out (with their wires).
    pub remove: Vec<NodeId>,
    /// The nodes put in, each with its place on the canvas.
    pub add: Vec<(Node, (f32, f32))>,
    /// The wires put in.
    pub wires: Vec<Edge>,
}

/// Where the nodes of `ids` sit, top-left first: the smallest x and y.
fn top_left(flow: &Flow, ids: &HashSet<&NodeId>) -> (f32, f32) {
    let mut corner = (f32::MAX, f32::MAX);
    for (id, pos) in &flow.layout.positions {
        if ids.contains(id) {
            corner = (corner.0.min(pos.0), corner.1.min(pos.1));
        }
    }
    if corner.0 == f32::MAX {
        (0.0, 0.0)
    } else {
        corner
    }
}

/// A node's title, else its id.
fn title_of(node: &Node) -> String {
    match node.title.trim() {
        "" => node.id.to_string(),
        title => title.to_owned(),
    }
}

/// The type of output `port` of `node`.
fn output_type(flow: &Flow, registry: &Registry, port: &PortRef) -> DataType {
    let Some(node) = flow.node(port.node.as_str()) else {
        return DataType::Any;
    };
    let Some(kind) = registry.get(&node.kind) else {
        return DataType::Any;
    };
    kind.all_outputs(&Params::new(node, kind.info()))
        .into_iter()
        .find(|p| *p.name == *port.port)
        .map_or(DataType::Any, |p| p.ty)
}

/// A name not in `taken` (adds " 2", " 3"… while it is), remembered as taken.
fn unique_name(wanted: String, taken: &mut HashSet<String>) -> String {
    let wanted = wanted.replace('.', "_");
    let mut name = wanted.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{wanted} {n}");
        n += 1;
    }
    taken.insert(name.clone());
    name
}

/// Group into subflow: the inner flow made of `selection`, and what replaces the
/// selection in `flow`: one subflow node titled `title`, running the file `file` (the
/// path written into its `flow` parameter), wired as the selection was.
pub fn group_into_subflow(
    flow: &Flow,
    registry: &Registry,
    selection: &[NodeId],
    title: &str,
    file: &str,
) -> Result<(Flow, Replacement), String> {
    let chosen: HashSet<&NodeId> = selection
        .iter()
        .filter(|id| flow.node(id.as_str()).is_some())
        .collect();
    if chosen.is_empty() {
        return Err("select the nodes to group first".to_owned());
    }
    let corner = top_left(flow, &chosen);
    let mut grouping = Grouping {
        flow,
        registry,
        chosen: &chosen,
        inner: Flow::default(),
        sub: fresh_id(flow, SUBFLOW_KIND),
        outer_wires: Vec::new(),
        inputs: BTreeMap::new(),
        outputs: BTreeMap::new(),
        input_names: HashSet::new(),
        output_names: HashSet::new(),
        rows: (0.0, 0.0),
    };
    grouping.take_nodes(corner);
    for edge in &flow.edges {
        grouping.wire(edge)?;
    }
    let marked = grouping.keep_marked_outputs();
    let Grouping {
        mut inner,
        sub: sub_id,
        outer_wires,
        ..
    } = grouping;
    inner.normalize();
    let mut sub = Node::new(sub_id, SUBFLOW_KIND);
    sub.title = title.to_owned();
    sub.output = marked;
    sub.params
        .insert("flow".to_owned(), ParamValue::Text(file.to_owned()));
    Ok((
        inner,
        Replacement {
            remove: chosen.into_iter().cloned().collect(),
            add: vec![(sub, corner)],
            wires: outer_wires,
        },
    ))
}

/// The work of one Group into subflow.
struct Grouping<'a> {
    flow: &'a Flow,
    registry: &'a Registry,
    chosen: &'a HashSet<&'a NodeId>,
    /// The flow being made.
    inner: Flow,
    /// The subflow node's id in the outer flow.
    sub: NodeId,
    /// The outer flow's wires to and from the subflow node.
    outer_wires: Vec<Edge>,
    /// Each outer port wired into the selection: its input node inside, and its label.
    inputs: BTreeMap<PortRef, (NodeId, String)>,
    /// Each inner port wired out of the selection: its output's label.
    outputs: BTreeMap<PortRef, String>,
    input_names: HashSet<String>,
    output_names: HashSet<String>,
    /// Where the next input and output nodes go down the inner canvas.
    rows: (f32, f32),
}

impl Grouping<'_> {
    /// Copies the chosen nodes into the inner flow, placed from its top-left.
    fn take_nodes(&mut self, corner: (f32, f32)) {
        for node in self
            .flow
            .nodes
            .iter()
            .filter(|n| self.chosen.contains(&n.id))
        {
            let mut node = node.clone();
            node.subflow = None;
            if let Some(label) = node.promote.as_ref().map(|p| p.label.clone()) {
                self.input_names.insert(label);
            }
            if let Some(pos) = self.flow.layout.positions.get(&node.id) {
                let at = (pos.0 - corner.0 + 300.0, pos.1 - corner.1 + 40.0);
                self.inner.layout.positions.insert(node.id.clone(), at);
            }
            self.inner.nodes.push(node);
        }
    }

    /// Puts one wire of the outer flow where it belongs: inside, crossing in, crossing
    /// out, or untouched.
    fn wire(&mut self, edge: &Edge) -> Result<(), String> {
        let from_in = self.chosen.contains(&edge.from.node);
        let to_in = self.chosen.contains(&edge.to.node);
        if from_in && to_in {
            self.inner.edges.push(edge.clone());
            return Ok(());
        }
        if from_in == to_in {
            return Ok(());
        }
        if edge.outcome != Outcome::Pass || &*edge.from.port == crate::nodes::FAILURE_PORT {
            return Err(format!(
                "the wire `{edge}` fires on failure; such wires cannot cross into or out of a subflow"
            ));
        }
        if to_in {
            let (input, primary) = self.input_for(&edge.from)?;
            self.inner
                .edges
                .push(Edge::new(PortRef::new(input, primary), edge.to.clone()));
        } else {
            let label = self.output_for(&edge.from);
            self.outer_wires.push(Edge::new(
                PortRef::new(self.sub.clone(), label.as_str()),
                edge.to.clone(),
            ));
        }
        Ok(())
    }

    /// The promoted input node standing inside for outer port `from` (made the first time),
    /// and its output's name.
    fn input_for(&mut self, from: &PortRef) -> Result<(NodeId, &'static str), String> {
        let ty = output_type(self.flow, self.registry, from);
        let (kind, primary) = match ty {
            DataType::Number => ("number", "value"),
            DataType::Path => ("path", "path"),
            DataType::Image | DataType::Bytes => {
                return Err(format!(
                    "`{from}` brings {} into the selection; a subflow's inputs take text, numbers and paths",
                    ty.name()
                ))
            }
            _ => ("text", "text"),
        };
        if let Some((id, _)) = self.inputs.get(from) {
            return Ok((id.clone(), primary));
        }
        let source =
            (self.flow.node(from.node.as_str())).map_or_else(|| from.node.to_string(), title_of);
        let label = unique_name(source, &mut self.input_names);
        let id = fresh_id(&self.inner, &format!("in_{}", from.node));
        let mut node = Node::new(id.clone(), kind);
        node.title = label.clone();
        node.promote = Some(Promotion::new(label.clone()));
        self.inner
            .layout
            .positions
            .insert(id.clone(), (20.0, 40.0 + self.rows.0));
        self.rows.0 += 120.0;
        self.inner.nodes.push(node);
        self.outer_wires.push(Edge::new(
            from.clone(),
            PortRef::new(self.sub.clone(), label.as_str()),
        ));
        self.inputs.insert(from.clone(), (id.clone(), label));
        Ok((id, primary))
    }

    /// The marked output (a viewer inside) standing for inner port `from` (made the first
    /// time): its label, the subflow node's port.
    fn output_for(&mut self, from: &PortRef) -> String {
        if let Some(label) = self.outputs.get(from) {
            return label.clone();
        }
        let several = (self.flow.edges.iter())
            .filter(|e| e.from.node == from.node && !self.chosen.contains(&e.to.node))
            .any(|e| e.from.port != from.port);
        let base =
            (self.flow.node(from.node.as_str())).map_or_else(|| from.node.to_string(), title_of);
        let wanted = match several {
            true => format!("{base} {}", from.port),
            false => base,
        };
        let label = unique_name(wanted, &mut self.output_names);
        let id = fresh_id(&self.inner, &format!("out_{}", from.node));
        let mut viewer = Node::new(id.clone(), "viewer");
        viewer.title = label.clone();
        viewer.output = true;
        let right =
            (self.inner.layout.positions.values()).fold(0.0, |right: f32, p| right.max(p.0));
        self.inner
            .layout
            .positions
            .insert(id.clone(), (right + 280.0, 40.0 + self.rows.1));
        self.rows.1 += 120.0;
        self.inner.nodes.push(viewer);
        self.inner
            .edges
            .push(Edge::new(from.clone(), PortRef::new(id, "in")));
        self.outputs.insert(from.clone(), label.clone());
        label
    }

    /// Marked outputs of the outer flow inside the selection stay outputs: each gets an
    /// output of the subflow (unless wired out already), and the subflow node is marked.
    /// Returns whether there were any.
    fn keep_marked_outputs(&mut self) -> bool {
        let marked: Vec<&Node> = (self.flow.nodes.iter())
            .filter(|n| self.chosen.contains(&n.id) && n.output)
            .collect();
        for node in &marked {
            let primary = self.registry.get(&node.kind).and_then(|kind| {
                kind.outputs(&Params::new(node, kind.info()))
                    .into_iter()
                    .next()
            });
            let wired_out = self.outputs.keys().any(|p| p.node == node.id);
            if let (Some(primary), false) = (primary, wired_out) {
                self.output_for(&PortRef::new(node.id.clone(), primary.name.as_ref()));
            }
            if let Some(inner_node) = self.inner.node_mut(node.id.as_str()) {
                inner_node.output = false;
            }
        }
        !marked.is_empty()
    }
}

/// Inline: what replaces subflow node `id` of `flow`: the nodes of the flow it runs
/// (renamed where an id is taken), wired to what the subflow node was wired to. The
/// inner flow's input nodes fed by a wire give way to that wire; its output viewers give
/// way to what they show.
pub fn inline_subflow(
    flow: &Flow,
    registry: &Registry,
    id: &NodeId,
) -> Result<Replacement, String> {
    let sub = flow
        .node(id.as_str())
        .ok_or_else(|| format!("there is no node `{id}`"))?;
    let link = sub.subflow.clone().ok_or_else(|| {
        "its flow is not loaded (check its `flow` file), so there is nothing to inline".to_owned()
    })?;
    let failure_wire = flow.edges.iter().find(|e| {
        (e.from.node == *id && &*e.from.port == crate::nodes::FAILURE_PORT)
            || (e.to.node == *id && e.outcome != Outcome::Pass)
    });
    if let Some(edge) = failure_wire {
        return Err(format!(
            "the wire `{edge}` fires on the subflow's failure; remove it before inlining"
        ));
    }
    let mut inlining = Inlining {
        flow,
        sub,
        inner: &link.flow,
        renamed: renamed_ids(flow, id, &link.flow),
        dropped: HashSet::new(),
        wires: Vec::new(),
        values: HashMap::new(),
        output_sources: HashSet::new(),
    };
    inlining.wire_inputs(&link.inputs);
    inlining.wire_outputs(&link.outputs, registry)?;
    Ok(inlining.finish(registry))
}

/// New ids for the inner nodes: their own, unless taken in the outer flow.
fn renamed_ids(flow: &Flow, sub: &NodeId, inner: &Flow) -> HashMap<NodeId, NodeId> {
    let mut taken = flow.clone();
    taken.nodes.retain(|n| n.id != *sub);
    let mut renamed = HashMap::new();
    for node in &inner.nodes {
        let new = fresh_id(&taken, node.id.as_str());
        taken.nodes.push(Node::new(new.clone(), node.kind.as_str()));
        renamed.insert(node.id.clone(), new);
    }
    renamed
}

/// The work of one Inline.
struct Inlining<'a> {
    flow: &'a Flow,
    sub: &'a Node,
    inner: &'a Flow,
    renamed: HashMap<NodeId, NodeId>,
    /// Inner nodes that give way (input nodes fed from outside, output viewers).
    dropped: HashSet<NodeId>,
    wires: Vec<Edge>,
    /// Values the subflow node gave inputs nothing was wired into, by inner node.
    values: HashMap<NodeId, ParamValue>,
    /// The (renamed) nodes that give what the subflow's outputs gave.
    output_sources: HashSet<NodeId>,
}

impl Inlining<'_> {
    fn port(&self, port: &PortRef) -> PortRef {
        renamed_port(&self.renamed, port)
    }

    /// A wire into an input of the subflow goes straight to what its input node fed; an
    /// input without one keeps its node, with the value the subflow node gave it.
    fn wire_inputs(&mut self, inputs: &[crate::model::LinkedPort]) {
        let id = &self.sub.id;
        for port in inputs {
            let outer =
                (self.flow.edges.iter()).find(|e| e.to.node == *id && *e.to.port == *port.name);
            match outer {
                Some(outer) => {
                    self.dropped.insert(port.node.clone());
                    for edge in self.inner.edges.iter().filter(|e| e.from.node == port.node) {
                        let to = self.port(&edge.to);
                        self.wires.push(Edge::new(outer.from.clone(), to));
                    }
                }
                None => {
                    if let Some(value) = self.sub.values.get(&port.name) {
                        self.values.insert(port.node.clone(), value.clone());
                    }
                }
            }
        }
    }

    /// A wire from an output of the subflow comes from what gave that output: what its
    /// viewer shows, or its step's first output.
    fn wire_outputs(
        &mut self,
        outputs: &[crate::model::LinkedPort],
        registry: &Registry,
    ) -> Result<(), String> {
        let id = &self.sub.id;
        for port in outputs {
            let marked = self
                .inner
                .node(port.node.as_str())
                .ok_or_else(|| format!("`{}` is not in the inner flow", port.node))?;
            let kind = registry
                .get(&marked.kind)
                .ok_or_else(|| format!("unknown node kind `{}`", marked.kind))?;
            let shown = (self.inner.edges.iter()).find(|e| e.to.node == port.node);
            let source = match (kind.info().role == Role::Viewer, shown) {
                (true, Some(shown)) => {
                    self.dropped.insert(port.node.clone());
                    self.port(&shown.from)
                }
                _ => {
                    let primary = kind
                        .outputs(&Params::new(marked, kind.info()))
                        .into_iter()
                        .next()
                        .ok_or_else(|| format!("`{}` has no output", title_of(marked)))?;
                    PortRef::new(self.renamed[&marked.id].clone(), primary.name.as_ref())
                }
            };
            for edge in (self.flow.edges.iter())
                .filter(|e| e.from.node == *id && *e.from.port == *port.name)
            {
                self.wires.push(Edge::new(source.clone(), edge.to.clone()));
            }
            self.output_sources.insert(source.node);
        }
        Ok(())
    }

    /// The replacement: the inner nodes kept (placed where the subflow node was), their
    /// wires, and the wires made above.
    fn finish(mut self, registry: &Registry) -> Replacement {
        let inner = self.inner;
        let corner = top_left(inner, &inner.nodes.iter().map(|n| &n.id).collect());
        let at = (self.flow.layout.positions.get(&self.sub.id))
            .copied()
            .unwrap_or((0.0, 0.0));
        let mut add = Vec::new();
        for node in inner.nodes.iter().filter(|n| !self.dropped.contains(&n.id)) {
            let mut node = node.clone();
            let pos = inner
                .layout
                .positions
                .get(&node.id)
                .copied()
                .unwrap_or(corner);
            if let Some(value) = self.values.get(&node.id) {
                if let Some(param) = registry.get(&node.kind).and_then(|k| k.info().promote) {
                    node.params.insert(param.to_owned(), value.clone());
                }
            }
            node.id = self.renamed[&node.id].clone();
            // The outer flow's inputs and outputs stay what they were: what gave the
            // subflow's outputs is marked only if the subflow node was.
            node.promote = None;
            node.output = self.sub.output && self.output_sources.contains(&node.id);
            add.push((node, (pos.0 - corner.0 + at.0, pos.1 - corner.1 + at.1)));
        }
        for edge in &inner.edges {
            if self.dropped.contains(&edge.from.node) || self.dropped.contains(&edge.to.node) {
                continue;
            }
            let wire = Edge {
                from: self.port(&edge.from),
                to: self.port(&edge.to),
                outcome: edge.outcome,
            };
            self.wires.push(wire);
        }
        Replacement {
            remove: vec![self.sub.id.clone()],
            add,
            wires: self.wires,
        }
    }
}

fn renamed_port(renamed: &HashMap<NodeId, NodeId>, port: &PortRef) -> PortRef {
    PortRef::new(
        renamed
            .get(&port.node)
            .cloned()
            .unwrap_or_else(|| port.node.clone()),
        &*port.port,
    )
}
