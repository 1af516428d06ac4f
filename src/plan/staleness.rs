//! Staleness: a result is stale when the node's parameters or anything it consumed changed
//! since it was made. Each result carries a signature (a hash of the node's kind, parameters
//! and constants, and of the input values it consumed); a result whose signature no longer
//! matches, or that is downstream of a stale one, is stale. Moving a node or renaming it
//! changes nothing.

use std::collections::{HashMap, HashSet};

use sha2::{Digest, Sha256};

use super::graph::{FlowGraph, PlanRole};
use super::resolve::{resolve_input, Resolved};
use crate::model::{Flow, Node, NodeId, Value};
use crate::nodes::{Outputs, Registry};

/// The signature of running `node` on `inputs` (input name and value, as converted for it).
pub fn signature<'a>(
    node: &Node,
    inputs: impl IntoIterator<Item = (&'a str, &'a Value)>,
) -> String {
    let mut hasher = Sha256::new();
    hasher.update(node.kind.as_bytes());
    hasher.update([0]);
    hasher.update(serde_json::to_vec(&node.params).unwrap_or_default());
    hasher.update([0]);
    hasher.update(serde_json::to_vec(&node.values).unwrap_or_default());
    let mut inputs: Vec<(&str, &Value)> = inputs.into_iter().collect();
    inputs.sort_by(|a, b| a.0.cmp(b.0));
    for (name, value) in inputs {
        hasher.update([0]);
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(serde_json::to_vec(value).unwrap_or_default());
    }
    // Hex by hand: a `format!` per byte was a tenth of a run's time with the store.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(64);
    for byte in hasher.finalize() {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    text
}

/// A node's result as staleness sees it.
pub struct KnownResult<'a> {
    /// Its outputs.
    pub outputs: &'a Outputs,
    /// The signature it was made with (`None` for results from before signatures: never
    /// stale on their own).
    pub signature: Option<&'a str>,
}

/// The nodes whose results are stale, among those in `results`.
pub fn stale_nodes(
    flow: &Flow,
    registry: &Registry,
    results: &HashMap<NodeId, KnownResult<'_>>,
) -> HashSet<NodeId> {
    let graph = FlowGraph::new(flow, registry);
    let mut stale = HashSet::new();
    // Producers of each node with a result, to pass staleness downstream.
    let mut consumers: HashMap<usize, Vec<usize>> = HashMap::new();
    for (id, known) in results {
        let Some(index) = graph.index(id.as_str()) else {
            continue;
        };
        if graph.role(index) != PlanRole::Step {
            continue;
        }
        let mut inputs: Vec<(String, Value)> = Vec::new();
        let mut upstream_missing = false;
        for port in graph.inputs(index) {
            match resolve_input(&graph, index, &port.name) {
                Ok(Resolved::Producer { node, port: out }) => {
                    consumers.entry(node).or_default().push(index);
                    let producer = &graph.node(node).id;
                    let per_item = graph.kind(index).is_some_and(|k| !k.takes_batches());
                    match results.get(producer).and_then(|r| r.outputs.get(out)) {
                        Some(value) => match value.convert_for_input(&port.name, port.ty, per_item)
                        {
                            Ok(value) => inputs.push((port.name.to_string(), value)),
                            Err(_) => upstream_missing = true,
                        },
                        None => upstream_missing = true,
                    }
                }
                Ok(Resolved::Constant(value)) => match value.to_value().convert_to(port.ty) {
                    Ok(value) => inputs.push((port.name.to_string(), value)),
                    Err(_) => upstream_missing = true,
                },
                Ok(Resolved::Nothing(_)) => {}
                Err(_) => upstream_missing = true,
            }
        }
        let changed = match known.signature {
            Some(stored) => {
                let current = signature(
                    graph.node(index),
                    inputs.iter().map(|(n, v)| (n.as_str(), v)),
                );
                current != stored
            }
            None => false,
        };
        if changed || upstream_missing {
            stale.insert(index);
        }
    }
    // Everything downstream of a stale result is stale too.
    let mut queue: Vec<usize> = stale.iter().copied().collect();
    while let Some(index) = queue.pop() {
        for &next in consumers.get(&index).map(Vec::as_slice).unwrap_or(&[]) {
            if stale.insert(next) {
                queue.push(next);
            }
        }
    }
    stale
        .into_iter()
        .map(|i| graph.node(i).id.clone())
        .collect()
}
