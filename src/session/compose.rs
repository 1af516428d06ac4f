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
    let mut inner = Flow::default();
    let corner = top_left(flow, &chosen);
    for node in flow.nodes.iter().filter(|n| chosen.contains(&n.id)) {
        let mut node = node.clone();
        node.subflow = None;
        if let Some(pos) = flow.layout.positions.get(&node.id) {
            let at = (pos.0 - corner.0 + 300.0, pos.1 - corner.1 + 40.0);
            inner.layout.positions.insert(node.id.clone(), at);
        }
        inner.nodes.push(node);
    }
    let sub_id = fresh_id(flow, SUBFLOW_KIND);
    let mut outer_wires = Vec::new();
    let mut names: HashSet<String> = inner
        .nodes
        .iter()
        .filter_map(|n| n.promote.as_ref().map(|p| p.label.clone()))
        .collect();
    // Wires entering the selection: one promoted input per outer port they come from.
    let mut inputs: BTreeMap<PortRef, (NodeId, String)> = BTreeMap::new();
    let mut rows = 0.0;
    for edge in &flow.edges {
        let (from_in, to_in) = (chosen.contains(&edge.from.node), chosen.contains(&edge.to.node));
        if from_in == to_in {
            if from_in {
                inner.edges.push(edge.clone());
            }
            continue;
        }
        if edge.outcome != Outcome::Pass || &*edge.from.port == crate::nodes::FAILURE_PORT {
            return Err(format!(
                "the wire `{edge}` fires on failure; such wires cannot cross into or out of a subflow"
            ));
        }
        if to_in {
            let (input_id, label) = match inputs.get(&edge.from) {
                Some(known) => known.clone(),
                None => {
                    let ty = output_type(flow, registry, &edge.from);
                    let kind = match ty {
                        DataType::Number => "number",
                        DataType::Path => "path",
                        DataType::Image | DataType::Bytes => {
                            return Err(format!(
                                "`{}` brings {} into the selection; a subflow's inputs take text, numbers and paths",
                                edge.from,
                                ty.name()
                            ))
                        }
                        _ => "text",
                    };
                    let source = flow.node(edge.from.node.as_str()).map_or_else(
                        || edge.from.node.to_string(),
                        title_of,
                    );
                    let label = unique_name(source, &mut names);
                    let id = fresh_id(&inner, &format!("in_{}", edge.from.node));
                    let mut node = Node::new(id.clone(), kind);
                    node.title = label.clone();
                    node.promote = Some(Promotion::new(label.clone()));
                    inner.layout.positions.insert(id.clone(), (20.0, 40.0 + rows));
                    rows += 120.0;
                    inner.nodes.push(node);
                    outer_wires.push(Edge::new(
                        edge.from.clone(),
                        PortRef::new(sub_id.clone(), label.as_str()),
                    ));
                    inputs.insert(edge.from.clone(), (id.clone(), label.clone()));
                    (id, label)
                }
            };
            let primary = match inner.node(input_id.as_str()).map(|n| n.kind.as_str()) {
                Some("number") => "value",
                Some("path") => "path",
                _ => "text",
            };
            debug_assert!(!label.is_empty());
            inner.edges.push(Edge::new(
                PortRef::new(input_id, primary),
                edge.to.clone(),
            ));
        }
    }
    // Wires leaving the selection: one marked output per inner port they come from.
    let mut outputs: BTreeMap<PortRef, String> = BTreeMap::new();
    let leaving: Vec<&Edge> = (flow.edges.iter())
        .filter(|e| chosen.contains(&e.from.node) && !chosen.contains(&e.to.node))
        .collect();
    let ports_per_node = |node: &NodeId| {
        let ports: HashSet<&str> = (leaving.iter())
            .filter(|e| e.from.node == *node)
            .map(|e| &*e.from.port)
            .collect();
        ports.len()
    };
    let mut out_rows = 0.0;
    let mut outer_names: HashSet<String> = HashSet::new();
    let mut add_output = |inner: &mut Flow, from: &PortRef, outer_names: &mut HashSet<String>| {
        let node = flow.node(from.node.as_str());
        let base = node.map_or_else(|| from.node.to_string(), title_of);
        let wanted = match ports_per_node(&from.node) > 1 {
            true => format!("{base} {}", from.port),
            false => base,
        };
        let label = unique_name(wanted, outer_names);
        let id = fresh_id(inner, &format!("out_{}", from.node));
        let mut viewer = Node::new(id.clone(), "viewer");
        viewer.title = label.clone();
        viewer.output = true;
        let right = inner.layout.positions.values().map(|p| p.0).fold(0.0, f32::max);
        inner.layout.positions.insert(id.clone(), (right + 280.0, 40.0 + out_rows));
        out_rows += 120.0;
        inner.nodes.push(viewer);
        inner.edges.push(Edge::new(from.clone(), PortRef::new(id, "in")));
        label
    };
    for edge in &leaving {
        let label = match outputs.get(&edge.from) {
            Some(label) => label.clone(),
            None => {
                let label = add_output(&mut inner, &edge.from, &mut outer_names);
                outputs.insert(edge.from.clone(), label.clone());
                label
            }
        };
        outer_wires.push(Edge::new(
            PortRef::new(sub_id.clone(), label.as_str()),
            edge.to.clone(),
        ));
    }
    // Marked outputs of the outer flow inside the selection stay outputs: through the
    // subflow node, itself marked.
    let mut sub_marked = false;
    for node in flow.nodes.iter().filter(|n| chosen.contains(&n.id) && n.output) {
        sub_marked = true;
        let Some(kind) = registry.get(&node.kind) else {
            continue;
        };
        let primary = kind.outputs(&Params::new(node, kind.info())).into_iter().next();
        let already = outputs.keys().any(|p| p.node == node.id);
        if let (Some(primary), false) = (primary, already) {
            let from = PortRef::new(node.id.clone(), primary.name.as_ref());
            let label = add_output(&mut inner, &from, &mut outer_names);
            outputs.insert(from, label);
        }
        if let Some(inner_node) = inner.node_mut(node.id.as_str()) {
            inner_node.output = false;
        }
    }
    inner.normalize();
    let mut sub = Node::new(sub_id, SUBFLOW_KIND);
    sub.title = title.to_owned();
    sub.output = sub_marked;
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

/// Inline: what replaces subflow node `id` of `flow`: the nodes of the flow it runs
/// (renamed where an id is taken), wired to what the subflow node was wired to. The
/// inner flow's input nodes fed by a wire give way to that wire; its output viewers give
/// way to what they show.
pub fn inline_subflow(flow: &Flow, registry: &Registry, id: &NodeId) -> Result<Replacement, String> {
    let sub = flow
        .node(id.as_str())
        .ok_or_else(|| format!("there is no node `{id}`"))?;
    let link = sub.subflow.clone().ok_or_else(|| {
        "its flow is not loaded (check its `flow` file), so there is nothing to inline".to_owned()
    })?;
    if let Some(edge) = (flow.edges.iter())
        .find(|e| (e.from.node == *id && &*e.from.port == crate::nodes::FAILURE_PORT) || (e.to.node == *id && e.outcome != Outcome::Pass))
    {
        return Err(format!(
            "the wire `{edge}` fires on the subflow's failure; remove it before inlining"
        ));
    }
    let inner = &link.flow;
    let corner = top_left(inner, &inner.nodes.iter().map(|n| &n.id).collect());
    let at = flow.layout.positions.get(id).copied().unwrap_or((0.0, 0.0));
    // New ids: the inner ones, unless taken in the outer flow.
    let mut taken = flow.clone();
    taken.nodes.retain(|n| n.id != *id);
    let mut renamed: HashMap<NodeId, NodeId> = HashMap::new();
    for node in &inner.nodes {
        let new = fresh_id(&taken, node.id.as_str());
        taken.nodes.push(Node::new(new.clone(), node.kind.as_str()));
        renamed.insert(node.id.clone(), new);
    }
    let into = |port: &str| (flow.edges.iter()).find(|e| e.to.node == *id && &*e.to.port == port);
    let mut dropped: HashSet<NodeId> = HashSet::new();
    let mut wires: Vec<Edge> = Vec::new();
    let mut values: HashMap<NodeId, ParamValue> = HashMap::new();
    for port in &link.inputs {
        match into(&port.name) {
            Some(outer) => {
                dropped.insert(port.node.clone());
                for edge in inner.edges.iter().filter(|e| e.from.node == port.node) {
                    wires.push(Edge::new(outer.from.clone(), renamed_port(&renamed, &edge.to)));
                }
            }
            None => {
                if let Some(value) = sub.values.get(&port.name) {
                    values.insert(port.node.clone(), value.clone());
                }
            }
        }
    }
    let mut output_sources: HashSet<NodeId> = HashSet::new();
    for port in &link.outputs {
        let marked = inner.node(port.node.as_str());
        let is_viewer = marked
            .and_then(|n| registry.get(&n.kind))
            .is_some_and(|k| k.info().role == Role::Viewer);
        let source: PortRef = match (is_viewer, inner.edges.iter().find(|e| e.to.node == port.node)) {
            (true, Some(shown)) => {
                dropped.insert(port.node.clone());
                renamed_port(&renamed, &shown.from)
            }
            _ => {
                let node = marked.ok_or_else(|| format!("`{}` is not in the inner flow", port.node))?;
                let kind = registry
                    .get(&node.kind)
                    .ok_or_else(|| format!("unknown node kind `{}`", node.kind))?;
                let primary = kind
                    .outputs(&Params::new(node, kind.info()))
                    .into_iter()
                    .next()
                    .ok_or_else(|| format!("`{}` has no output", title_of(node)))?;
                PortRef::new(renamed[&node.id].clone(), primary.name.as_ref())
            }
        };
        for edge in flow.edges.iter().filter(|e| e.from.node == *id && *e.from.port == *port.name) {
            wires.push(Edge::new(source.clone(), edge.to.clone()));
        }
        output_sources.insert(source.node);
    }
    let mut add = Vec::new();
    for node in inner.nodes.iter().filter(|n| !dropped.contains(&n.id)) {
        let mut node = node.clone();
        let pos = inner.layout.positions.get(&node.id).copied().unwrap_or(corner);
        node.id = renamed[&node.id].clone();
        // The outer flow's inputs and outputs stay what they were.
        node.promote = None;
        node.output = false;
        if let Some(value) = values.get(&node.id) {
            if let Some(param) = registry.get(&node.kind).and_then(|k| k.info().promote) {
                node.params.insert(param.to_owned(), value.clone());
            }
        }
        add.push((node, (pos.0 - corner.0 + at.0, pos.1 - corner.1 + at.1)));
    }
    for edge in &inner.edges {
        if dropped.contains(&edge.from.node) || dropped.contains(&edge.to.node) {
            continue;
        }
        wires.push(Edge {
            from: renamed_port(&renamed, &edge.from),
            to: renamed_port(&renamed, &edge.to),
            outcome: edge.outcome,
        });
    }
    // The subflow node was a marked output: what gave its outputs stays one.
    if sub.output {
        for (node, _) in &mut add {
            node.output |= output_sources.contains(&node.id);
        }
    }
    Ok(Replacement {
        remove: vec![id.clone()],
        add,
        wires,
    })
}

fn renamed_port(renamed: &HashMap<NodeId, NodeId>, port: &PortRef) -> PortRef {
    PortRef::new(
        renamed.get(&port.node).cloned().unwrap_or_else(|| port.node.clone()),
        &*port.port,
    )
}
