//! Dependency order (Kahn's algorithm, ties broken by node id) and loop reporting.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::loops::walk_to_cycle;
use crate::model::NodeId;

/// Each item's rank among `ids` sorted ascending: the tie-break key for [`kahn_order`].
pub fn id_ranks(ids: &[&NodeId]) -> Vec<u32> {
    let mut sorted: Vec<u32> = (0..ids.len() as u32).collect();
    sorted.sort_unstable_by(|&a, &b| ids[a as usize].cmp(ids[b as usize]));
    let mut ranks = vec![0; ids.len()];
    for (rank, &item) in sorted.iter().enumerate() {
        ranks[item as usize] = rank as u32;
    }
    ranks
}

/// Orders items so each comes after its `deps` (indices), breaking ties between ready
/// items by the smallest `rank` (see [`id_ranks`]). On a loop, returns the items of one
/// cycle, in dependency order (each item feeds the next, and the last feeds the first).
pub fn kahn_order(deps: &[Vec<usize>], rank: &[u32]) -> Result<Vec<usize>, Vec<usize>> {
    let count = deps.len();
    let mut waiting: Vec<usize> = deps.iter().map(Vec::len).collect();
    // Dependents of item `i` are `dependents[start[i]..start[i + 1]]` (one flat array).
    let mut start = vec![0usize; count + 1];
    for item_deps in deps {
        for &dep in item_deps {
            start[dep + 1] += 1;
        }
    }
    for i in 0..count {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut dependents = vec![0usize; start[count]];
    for (item, item_deps) in deps.iter().enumerate() {
        for &dep in item_deps {
            dependents[fill[dep]] = item;
            fill[dep] += 1;
        }
    }
    let mut ready: BinaryHeap<Reverse<(u32, usize)>> = (0..count)
        .filter(|&i| waiting[i] == 0)
        .map(|i| Reverse((rank[i], i)))
        .collect();
    let mut order = Vec::with_capacity(count);
    while let Some(Reverse((_, item))) = ready.pop() {
        order.push(item);
        for &next in &dependents[start[item]..start[item + 1]] {
            waiting[next] -= 1;
            if waiting[next] == 0 {
                ready.push(Reverse((rank[next], next)));
            }
        }
    }
    if order.len() == count {
        return Ok(order);
    }
    // Every item left has a dependency that is also left: walking dependencies from any of
    // them must come back to an item already seen, and that stretch is a cycle.
    let Some(start) = (0..count).find(|&i| waiting[i] > 0) else {
        return Ok(order);
    };
    let mut cycle = walk_to_cycle(start, |current| {
        deps[current].iter().copied().find(|&d| waiting[d] > 0)
    });
    // Walked along dependencies: reversed, each item feeds the next.
    cycle.reverse();
    Err(cycle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(names: &[&str]) -> Vec<NodeId> {
        names.iter().map(|n| NodeId::from(*n)).collect()
    }

    #[test]
    fn ties_go_to_the_smallest_id() {
        let names = ids(&["c", "a", "b"]);
        let keys: Vec<&NodeId> = names.iter().collect();
        let keys = id_ranks(&keys);
        let order = kahn_order(&[vec![], vec![], vec![]], &keys).unwrap();
        assert_eq!(order, vec![1, 2, 0]);
    }

    #[test]
    fn dependencies_come_first() {
        let names = ids(&["a", "b", "c"]);
        let keys: Vec<&NodeId> = names.iter().collect();
        let keys = id_ranks(&keys);
        // a needs c, b needs a.
        let order = kahn_order(&[vec![2], vec![0], vec![]], &keys).unwrap();
        assert_eq!(order, vec![2, 0, 1]);
    }

    #[test]
    fn a_loop_is_reported_in_flow_order() {
        let names = ids(&["a", "b", "c", "d"]);
        let keys: Vec<&NodeId> = names.iter().collect();
        let keys = id_ranks(&keys);
        // a -> b -> c -> a, and d needs c.
        let cycle = kahn_order(&[vec![2], vec![0], vec![1], vec![2]], &keys).unwrap_err();
        let mut rotated = cycle.clone();
        let start = rotated.iter().position(|&i| i == 0).unwrap();
        rotated.rotate_left(start);
        assert_eq!(rotated, vec![0, 1, 2]);
    }
}
