//! Places nodes that have no position (a flow written by hand, or by a script): in columns
//! by their depth along the wires, left to right, below any nodes already placed.

use std::collections::HashMap;

use super::{Flow, NodeId};

/// Horizontal distance between columns, in graph units.
const COLUMN: f32 = 280.0;
/// Vertical distance between nodes of a column.
const ROW: f32 = 240.0;

/// Gives every node of `flow` without a position one; returns whether any was placed.
pub fn place_unplaced(flow: &mut Flow) -> bool {
    let unplaced: Vec<&NodeId> = flow
        .nodes
        .iter()
        .map(|n| &n.id)
        .filter(|id| !flow.layout.positions.contains_key(*id))
        .collect();
    if unplaced.is_empty() {
        return false;
    }
    let depth = depths(flow);
    // Below whatever is placed already.
    let top = flow
        .layout
        .positions
        .values()
        .map(|p| p.1 + ROW)
        .fold(0.0f32, f32::max);
    let mut next_row: HashMap<usize, usize> = HashMap::new();
    let mut placed = Vec::with_capacity(unplaced.len());
    for id in unplaced {
        let column = depth.get(id).copied().unwrap_or(0);
        let row = next_row.entry(column).or_insert(0);
        placed.push((
            id.clone(),
            (column as f32 * COLUMN, top + *row as f32 * ROW),
        ));
        *row += 1;
    }
    flow.layout.positions.extend(placed);
    true
}

/// Each node's depth: the longest chain of wires leading into it. Works in dependency order
/// (Kahn's algorithm), so it is linear in the size of the flow; nodes on a loop keep the
/// depth their placed producers gave them.
fn depths(flow: &Flow) -> HashMap<NodeId, usize> {
    let index: HashMap<&NodeId, usize> = flow
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (&n.id, i))
        .collect();
    let count = flow.nodes.len();
    let mut feeds: Vec<Vec<usize>> = vec![Vec::new(); count];
    let mut waiting = vec![0usize; count];
    for edge in &flow.edges {
        if let (Some(&from), Some(&to)) = (index.get(&edge.from.node), index.get(&edge.to.node)) {
            feeds[from].push(to);
            waiting[to] += 1;
        }
    }
    let mut depth = vec![0usize; count];
    let mut ready: Vec<usize> = (0..count).filter(|&i| waiting[i] == 0).collect();
    while let Some(node) = ready.pop() {
        for &next in &feeds[node] {
            depth[next] = depth[next].max(depth[node] + 1);
            waiting[next] -= 1;
            if waiting[next] == 0 {
                ready.push(next);
            }
        }
    }
    flow.nodes
        .iter()
        .zip(depth)
        .map(|(node, depth)| (node.id.clone(), depth))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Edge, Node, PortRef};

    fn edge(from: &str, to: &str) -> Edge {
        Edge::new(PortRef::parse(from).unwrap(), PortRef::parse(to).unwrap())
    }

    #[test]
    fn unplaced_nodes_go_in_columns_by_depth() {
        let mut flow = Flow::default();
        for id in ["a", "b", "c", "d"] {
            flow.nodes.push(Node::new(id, "text"));
        }
        flow.edges = vec![edge("a.text", "b.in")];
        flow.edges.push(edge("b.out", "c.in"));
        flow.edges.push(edge("a.text", "d.in"));
        assert!(place_unplaced(&mut flow));
        let at = |id: &str| flow.layout.positions[&NodeId::from(id)];
        assert_eq!(at("a"), (0.0, 0.0));
        assert_eq!(at("b"), (COLUMN, 0.0));
        assert_eq!(at("c"), (2.0 * COLUMN, 0.0));
        assert_eq!(at("d"), (COLUMN, ROW));
        assert!(!place_unplaced(&mut flow), "nothing left to place");
    }

    #[test]
    fn placed_nodes_stay_and_loops_end() {
        let mut flow = Flow::default();
        flow.nodes.push(Node::new("x", "text"));
        flow.nodes.push(Node::new("y", "text"));
        flow.nodes.push(Node::new("z", "text"));
        flow.layout
            .positions
            .insert(NodeId::from("x"), (500.0, 100.0));
        flow.edges = vec![edge("y.out", "z.in"), edge("z.out", "y.in")];
        place_unplaced(&mut flow);
        assert_eq!(flow.layout.positions[&NodeId::from("x")], (500.0, 100.0));
        let y = flow.layout.positions[&NodeId::from("y")];
        assert!(y.1 >= 100.0 + ROW, "below the placed node: {y:?}");
    }
}
