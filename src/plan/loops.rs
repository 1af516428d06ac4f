//! Finds every loop in a flow's wiring (for `validate` and for refusing a wire in the editor).
//!
//! Nothing here recurses on the depth of the graph: strongly connected components come from
//! petgraph's Kosaraju search, which keeps its own stack, so a chain of a million nodes is
//! as safe as a chain of three.

use std::hash::Hash;

use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use rustc_hash::FxHashMap;

use crate::model::{Flow, NodeId};

/// Every loop in the flow's wires, pass-through nodes included: one cycle per group of
/// nodes that reach each other, each listed so that every node feeds the next and the
/// last feeds the first.
pub fn find_loops(flow: &Flow) -> Vec<Vec<NodeId>> {
    let mut graph: DiGraph<&NodeId, ()> =
        DiGraph::with_capacity(flow.nodes.len(), flow.edges.len());
    let mut index: FxHashMap<&str, NodeIndex> =
        FxHashMap::with_capacity_and_hasher(flow.nodes.len(), Default::default());
    for node in &flow.nodes {
        index
            .entry(node.id.as_str())
            .or_insert_with(|| graph.add_node(&node.id));
    }
    // A node wired to itself is a loop of one; remember those as the wires go in (an edge
    // added twice does no harm to the search, and checking for it would cost a scan of the
    // node's wires each time).
    let mut wired_to_itself = vec![false; graph.node_count()];
    for edge in &flow.edges {
        if let (Some(&from), Some(&to)) = (
            index.get(edge.from.node.as_str()),
            index.get(edge.to.node.as_str()),
        ) {
            if from == to {
                wired_to_itself[from.index()] = true;
            }
            graph.add_edge(from, to, ());
        }
    }
    // Which component each node is in, for the walk that names a cycle.
    let mut component_of = vec![usize::MAX; graph.node_count()];
    let mut loops = Vec::new();
    for (number, component) in kosaraju_scc(&graph).into_iter().enumerate() {
        let is_loop = component.len() > 1
            || component
                .first()
                .is_some_and(|n| wired_to_itself[n.index()]);
        if is_loop {
            for n in &component {
                component_of[n.index()] = number;
            }
            loops.push(cycle_in(&graph, &component, number, &component_of));
        }
    }
    loops.sort();
    loops
}

/// Walks forward inside a strongly connected component, from its smallest id and always to
/// the smallest next id, until a node repeats; the stretch from that node on is a cycle.
fn cycle_in(
    graph: &DiGraph<&NodeId, ()>,
    component: &[NodeIndex],
    number: usize,
    component_of: &[usize],
) -> Vec<NodeId> {
    let Some(&start) = component.iter().min_by_key(|&&n| graph[n]) else {
        return Vec::new();
    };
    walk_to_cycle(start, |current| {
        graph
            .neighbors(current)
            .filter(|n| component_of[n.index()] == number)
            .min_by_key(|&n| graph[n])
    })
    .into_iter()
    .map(|n| graph[n].clone())
    .collect()
}

/// The crate's one cycle walk: follows `next` from `start` until an item repeats, and
/// returns the stretch from that item's first visit on (a cycle, in walking order). If
/// `next` gives nothing first, returns the whole path walked. Linear in the path's length.
pub(crate) fn walk_to_cycle<T: Copy + Eq + Hash>(
    start: T,
    mut next: impl FnMut(T) -> Option<T>,
) -> Vec<T> {
    // Where each item sits on the path walked so far.
    let mut on_path: FxHashMap<T, usize> = FxHashMap::default();
    let mut path = vec![start];
    on_path.insert(start, 0);
    let mut current = start;
    while let Some(following) = next(current) {
        if let Some(&at) = on_path.get(&following) {
            path.drain(..at);
            break;
        }
        on_path.insert(following, path.len());
        path.push(following);
        current = following;
    }
    path
}
