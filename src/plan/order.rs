//! Dependency order (Kahn's algorithm, ties broken by node id) and loop reporting.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::model::NodeId;

/// Orders `count` items so each comes after its `deps` (indices), breaking ties between
/// ready items by the smallest `key`. On a loop, returns the items of one cycle, in
/// dependency order (each item feeds the next, and the last feeds the first).
pub fn kahn_order(deps: &[Vec<usize>], keys: &[&NodeId]) -> Result<Vec<usize>, Vec<usize>> {
    let count = deps.len();
    let mut waiting: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); count];
    for (item, item_deps) in deps.iter().enumerate() {
        for &dep in item_deps {
            dependents[dep].push(item);
        }
    }
    let mut ready: BinaryHeap<Reverse<(&NodeId, usize)>> = (0..count)
        .filter(|&i| waiting[i] == 0)
        .map(|i| Reverse((keys[i], i)))
        .collect();
    let mut order = Vec::with_capacity(count);
    while let Some(Reverse((_, item))) = ready.pop() {
        order.push(item);
        for &next in &dependents[item] {
            waiting[next] -= 1;
            if waiting[next] == 0 {
                ready.push(Reverse((keys[next], next)));
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
    let mut path = vec![start];
    let mut current = start;
    loop {
        let Some(&dep) = deps[current].iter().find(|&&d| waiting[d] > 0) else {
            return Err(path);
        };
        if let Some(at) = path.iter().position(|&p| p == dep) {
            let mut cycle = path.split_off(at);
            cycle.reverse();
            return Err(cycle);
        }
        path.push(dep);
        current = dep;
    }
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
        let order = kahn_order(&[vec![], vec![], vec![]], &keys).unwrap();
        assert_eq!(order, vec![1, 2, 0]);
    }

    #[test]
    fn dependencies_come_first() {
        let names = ids(&["a", "b", "c"]);
        let keys: Vec<&NodeId> = names.iter().collect();
        // a needs c, b needs a.
        let order = kahn_order(&[vec![2], vec![0], vec![]], &keys).unwrap();
        assert_eq!(order, vec![2, 0, 1]);
    }

    #[test]
    fn a_loop_is_reported_in_flow_order() {
        let names = ids(&["a", "b", "c", "d"]);
        let keys: Vec<&NodeId> = names.iter().collect();
        // a -> b -> c -> a, and d needs c.
        let cycle = kahn_order(&[vec![2], vec![0], vec![1], vec![2]], &keys).unwrap_err();
        let mut rotated = cycle.clone();
        let start = rotated.iter().position(|&i| i == 0).unwrap();
        rotated.rotate_left(start);
        assert_eq!(rotated, vec![0, 1, 2]);
    }
}
