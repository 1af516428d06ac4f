//! How many times each step will run because of batches upstream: a step fed (directly, or
//! through other per-item steps) by a Batch node runs once per item, until Collect Results.
//! The app labels Run buttons with it ("Run 6×") and the run panel notes it.

use std::collections::HashMap;

use super::graph::{FlowGraph, PlanRole};
use super::resolve::{resolve_input, Resolved};
use crate::model::{Flow, NodeId};
use crate::nodes::{typed_items, Params, Registry, BATCH_KIND};

/// Each step that runs once per batch item, with the number of items. `known_len` gives
/// the number of items of a node's current result when that result is a batch (the only
/// way to know the size of a batch built from a wired-in list before it runs).
pub fn fan_out(
    flow: &Flow,
    registry: &Registry,
    known_len: &dyn Fn(&NodeId) -> Option<usize>,
) -> HashMap<NodeId, usize> {
    let graph = FlowGraph::new(flow, registry);
    let mut sizes = vec![Size::Unknown; graph.len()];
    let mut out = HashMap::new();
    for index in 0..graph.len() {
        if graph.role(index) != PlanRole::Step {
            continue;
        }
        let n = size(&graph, index, known_len, &mut sizes);
        let takes_batches = graph.kind(index).is_some_and(|k| k.takes_batches());
        if n > 0 && !takes_batches {
            out.insert(graph.node(index).id.clone(), n);
        }
    }
    out
}

/// What is known of a node's batch size while sizes are worked out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Size {
    /// Not looked at yet.
    Unknown,
    /// Being worked out (its producers first); met again, it is in a loop and counts as 0.
    Pending,
    /// Worked out.
    Known(usize),
}

/// How many items the outputs of node `root` carry (0: not a batch). Walks the producers
/// with its own stack (a chain of any length is safe) and remembers every size in `sizes`.
fn size(
    graph: &FlowGraph<'_>,
    root: usize,
    known_len: &dyn Fn(&NodeId) -> Option<usize>,
    sizes: &mut [Size],
) -> usize {
    // (node, whether its producers were already pushed)
    let mut stack = vec![(root, false)];
    while let Some((index, expanded)) = stack.pop() {
        if !expanded {
            if sizes[index] != Size::Unknown {
                continue;
            }
            sizes[index] = Size::Pending;
            stack.push((index, true));
            if passes_items_on(graph, index) {
                for producer in producers(graph, index) {
                    if sizes[producer] == Size::Unknown {
                        stack.push((producer, false));
                    }
                }
            }
            continue;
        }
        let node = graph.node(index);
        let n = match graph.kind(index) {
            None => 0,
            Some(kind) if kind.info().id == BATCH_KIND => {
                let wired = matches!(
                    resolve_input(graph, index, "list"),
                    Ok(Resolved::Producer { .. })
                );
                if wired {
                    known_len(&node.id).unwrap_or(0)
                } else {
                    typed_items(&Params::new(node, kind.info())).len()
                }
            }
            Some(kind) if kind.takes_batches() => 0,
            Some(_) => {
                let from_inputs = producers(graph, index)
                    .map(|producer| match sizes[producer] {
                        Size::Known(n) => n,
                        // A loop is refused when run; here it just ends the walk.
                        Size::Unknown | Size::Pending => 0,
                    })
                    .max()
                    .unwrap_or(0);
                if from_inputs > 0 {
                    from_inputs
                } else {
                    known_len(&node.id).unwrap_or(0)
                }
            }
        };
        sizes[index] = Size::Known(n);
    }
    match sizes[root] {
        Size::Known(n) => n,
        Size::Unknown | Size::Pending => 0,
    }
}

/// Whether a node's size comes from its producers (a per-item step, not a batch source
/// or a kind that takes batches whole).
fn passes_items_on(graph: &FlowGraph<'_>, index: usize) -> bool {
    graph
        .kind(index)
        .is_some_and(|kind| kind.info().id != BATCH_KIND && !kind.takes_batches())
}

/// The step nodes that feed node `index`'s inputs, seen through pass-through nodes.
fn producers<'g>(graph: &'g FlowGraph<'_>, index: usize) -> impl Iterator<Item = usize> + 'g {
    graph.inputs(index).into_iter().filter_map(move |port| {
        match resolve_input(graph, index, &port.name) {
            Ok(Resolved::Producer { node, .. }) => Some(node),
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_below_a_batch_fan_out_until_collect() {
        let flow = crate::format::parse(
            r#"Flow(version: 1, nodes: [
                Node(id: "items", kind: "batch", params: {"items": "a\nb\nc"}),
                Node(id: "one", kind: "template", params: {"template": "{x}", "vars": ["x"]}),
                Node(id: "two", kind: "template", params: {"template": "{x}", "vars": ["x"]}),
                Node(id: "all", kind: "collect"),
                Node(id: "after", kind: "template", params: {"template": "{x}", "vars": ["x"]}),
                Node(id: "again", kind: "batch"),
                Node(id: "per", kind: "template", params: {"template": "{x}", "vars": ["x"]}),
            ], edges: ["items.items -> one.x", "one.text -> two.x", "two.text -> all.items", "all.list -> after.x", "all.list -> again.list", "again.items -> per.x"])"#,
            &Registry::builtin(),
        )
        .unwrap();
        let unknown = |_: &NodeId| None;
        let fan = fan_out(&flow, &Registry::builtin(), &unknown);
        let get = |id: &str| fan.get(&NodeId::from(id)).copied();
        assert_eq!(get("one"), Some(3));
        assert_eq!(get("two"), Some(3));
        assert_eq!(get("all"), None, "collect runs once");
        assert_eq!(get("after"), None);
        assert_eq!(get("per"), None, "a wired list's size is known once it ran");
        let known = |id: &NodeId| (id.as_str() == "again").then_some(5);
        let fan = fan_out(&flow, &Registry::builtin(), &known);
        assert_eq!(fan.get(&NodeId::from("per")).copied(), Some(5));
    }
}
