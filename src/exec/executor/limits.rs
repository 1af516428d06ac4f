//! Kind limits in a run: how many calls of a kind may work at once (batch items counted one
//! by one), from the flow's `kind_limits` or the kind's default, and whether a step's kind
//! has a free slot.

use std::collections::BTreeMap;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::ActiveRun;
use crate::nodes::NodeKind;
use crate::plan::Plan;

/// How many steps (batch items counted one by one) of one kind may work at once in a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct KindLimit {
    pub(super) limit: usize,
    /// Set in the flow's `kind_limits` (else the kind's default: its batch items at once).
    pub(super) explicit: bool,
}

/// The limit of each kind the plan runs: the flow's `kind_limits` entry, else, for kinds
/// whose batch items run several at once by default (web and LLM calls, images), that
/// number. Other kinds have no limit of their own.
pub(super) fn kind_limits(
    plan: &Plan,
    kinds: &[Option<Arc<dyn NodeKind>>],
    flow_limits: &BTreeMap<String, u32>,
) -> FxHashMap<&'static str, KindLimit> {
    let mut limits = FxHashMap::default();
    for (step, kind) in plan.steps.iter().zip(kinds) {
        if limits.contains_key(step.kind) {
            continue;
        }
        let limit = match (flow_limits.get(step.kind), kind) {
            (Some(&limit), _) => Some(KindLimit {
                limit: limit.max(1) as usize,
                explicit: true,
            }),
            (None, Some(kind)) if kind.batch_concurrency() > 1 => Some(KindLimit {
                limit: kind.batch_concurrency(),
                explicit: false,
            }),
            _ => None,
        };
        if let Some(limit) = limit {
            limits.insert(step.kind, limit);
        }
    }
    limits
}

impl ActiveRun {
    /// The slots steps of `kind` hold now: one per running step, or its items at once for a
    /// batch step.
    pub(super) fn kind_slots_in_use(&self, kind: &str) -> usize {
        (self.running.keys())
            .filter(|s| self.plan.steps[**s].kind == kind)
            .map(|&s| self.slots[s])
            .sum()
    }

    /// Whether `step`'s kind already uses all the slots its limit allows.
    pub(super) fn at_kind_limit(&self, step: usize) -> bool {
        if self.kind_limits.is_empty() {
            return false;
        }
        let kind = self.plan.steps[step].kind;
        self.kind_limits
            .get(kind)
            .is_some_and(|limit| self.kind_slots_in_use(kind) >= limit.limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Flow, Node};
    use crate::nodes::Registry;
    use crate::plan::Scope;

    #[test]
    fn kinds_with_several_batch_items_at_once_get_that_limit_unless_the_flow_sets_one() {
        let registry = Registry::builtin();
        let flow = Flow {
            nodes: vec![
                Node::new("fetch", "http_request").with_value("url", "http://localhost/"),
                Node::new("ask", "llm_chat").with_value("prompt", "hi"),
                Node::new("cmd", "shell").with_param("command", "true"),
            ],
            ..Flow::default()
        };
        let plan = crate::plan::plan(
            &flow,
            &registry,
            &Scope::Flow,
            crate::plan::RunMode::All,
            &|_| false,
        )
        .unwrap();
        let kinds: Vec<_> = plan
            .steps
            .iter()
            .map(|s| registry.get(s.kind).cloned())
            .collect();
        let mut set = BTreeMap::new();
        set.insert("llm_chat".to_owned(), 1);
        let limits = kind_limits(&plan, &kinds, &set);
        let default = KindLimit {
            limit: 4,
            explicit: false,
        };
        assert_eq!(limits.get("http_request"), Some(&default));
        let one = KindLimit {
            limit: 1,
            explicit: true,
        };
        assert_eq!(limits.get("llm_chat"), Some(&one));
        assert_eq!(
            limits.get("shell"),
            None,
            "one item at a time: no limit of its own"
        );
    }
}
