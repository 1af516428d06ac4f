//! Seeds rolled when a run starts: every "new each run" seed node gets one random value for
//! the whole run, recorded with the run so it can be reproduced.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::model::{Flow, NodeId, ParamValue};
use crate::nodes::{SEED_KIND, SEED_NEW_EACH_RUN};

/// Gives each "new each run" seed node of `flow` a fresh value (or its value in `fixed`, for
/// a run that continues an earlier one); returns the flow to run (unchanged, and not
/// copied, when there is nothing to roll) and the values used.
pub fn roll_seeds(
    flow: &Arc<Flow>,
    fixed: &BTreeMap<NodeId, u64>,
) -> (Arc<Flow>, BTreeMap<NodeId, u64>) {
    let rolling = |node: &crate::model::Node| {
        node.kind == SEED_KIND
            && node.params.get("mode") == Some(&ParamValue::Text(SEED_NEW_EACH_RUN.to_owned()))
    };
    if !flow.nodes.iter().any(rolling) {
        return (flow.clone(), BTreeMap::new());
    }
    let mut rolled = (**flow).clone();
    let mut seeds = BTreeMap::new();
    for node in rolled.nodes.iter_mut().filter(|n| rolling(n)) {
        let value = match fixed.get(&node.id) {
            Some(value) => *value,
            None => next_random() & u64::from(u32::MAX),
        };
        node.params
            .insert("seed".to_owned(), ParamValue::Number(value as f64));
        seeds.insert(node.id.clone(), value);
    }
    (Arc::new(rolled), seeds)
}

/// A random number (splitmix64 over a state seeded from the clock): plenty for seeds, and
/// no dependency.
fn next_random() -> u64 {
    static STATE: AtomicU64 = AtomicU64::new(0);
    let mut state = STATE.load(Ordering::Relaxed);
    if state == 0 {
        state = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0x9E37_79B9, |d| d.as_nanos() as u64)
            | 1;
    }
    state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    STATE.store(state, Ordering::Relaxed);
    let mut z = state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Node;

    #[test]
    fn only_new_each_run_seeds_roll() {
        let mut flow = Flow::default();
        flow.nodes
            .push(Node::new("fixed", "seed").with_param("seed", 7.0));
        flow.nodes
            .push(Node::new("fresh", "seed").with_param("mode", SEED_NEW_EACH_RUN));
        let flow = Arc::new(flow);
        let (rolled, seeds) = roll_seeds(&flow, &BTreeMap::new());
        assert_eq!(seeds.len(), 1);
        let value = seeds[&NodeId::from("fresh")];
        assert_eq!(
            rolled.node("fresh").unwrap().params["seed"],
            ParamValue::Number(value as f64)
        );
        assert_eq!(
            rolled.node("fixed").unwrap().params["seed"],
            ParamValue::Number(7.0)
        );
        let (_, again) = roll_seeds(&flow, &BTreeMap::new());
        assert_ne!(again[&NodeId::from("fresh")], value, "each run rolls anew");
        let (kept, same) = roll_seeds(&flow, &seeds);
        assert_eq!(same, seeds, "a continued run keeps its seeds");
        assert_eq!(
            kept.node("fresh").unwrap().params["seed"],
            ParamValue::Number(value as f64)
        );
    }
}
