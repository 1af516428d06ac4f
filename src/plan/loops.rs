//! Finds every loop in a flow's wiring (for `validate` and for refusing a wire in the editor).

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::model::{Flow, NodeId};

/// Every loop in the flow's wires, pass-through nodes included: one cycle per group of
/// nodes that reach each other, each listed so that every node feeds the next and the
/// last feeds the first.
pub fn find_loops(flow: &Flow) -> Vec<Vec<NodeId>> {
    let mut graph: DiGraph<&NodeId, ()> =
        DiGraph::with_capacity(flow.nodes.len(), flow.edges.len());
    let mut index = std::collections::HashMap::new();
    for node in &flow.nodes {
        index
            .entry(node.id.as_str())
            .or_insert_with(|| graph.add_node(&node.id));
    }
    for edge in &flow.edges {
        if let (Some(&from), Some(&to)) = (
            index.get(edge.from.node.as_str()),
            index.get(edge.to.node.as_str()),
        ) {
            graph.update_edge(from, to, ());
        }
    }
    let mut loops = Vec::new();
    for component in tarjan_scc(&graph) {
        let is_loop = component.len() > 1
            || component
                .first()
                .is_some_and(|&n| graph.find_edge(n, n).is_some());
        if is_loop {
            loops.push(cycle_in(&graph, &component));
        }
    }
    loops.sort();
    loops
}

/// Walks forward inside a strongly connected component until a node repeats.
fn cycle_in(graph: &DiGraph<&NodeId, ()>, component: &[NodeIndex]) -> Vec<NodeId> {
    let Some(&start) = component.iter().min_by_key(|&&n| graph[n]) else {
        return Vec::new();
    };
    let mut path = vec![start];
    let mut current = start;
    loop {
        let next = graph
            .neighbors(current)
            .filter(|n| component.contains(n))
            .min_by_key(|&n| graph[n]);
        let Some(next) = next else { break };
        if let Some(at) = path.iter().position(|&p| p == next) {
            path.drain(..at);
            break;
        }
        path.push(next);
        current = next;
    }
    path.into_iter().map(|n| graph[n].clone()).collect()
}
