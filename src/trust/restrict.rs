//! Restricted runs: which nodes need trust, and the plan with them (and what depends on
//! them) left out.

use std::path::Path;

use super::summary::{host_of, Wiring};
use crate::model::{Flow, NodeId, NodeLabels};
use crate::nodes::{is_inside_folder, Effects, Registry, SideEffect, NEEDS_TRUST};
use crate::plan::{InputSource, Plan, SkippedNode};

/// Why a node with these effects cannot run until its flow's folder is trusted
/// (`needs trust: runs a shell command`), or `None` when it may run restricted: pure
/// nodes, reads inside `base_dir`, and reads whose path is known only at run time (those
/// are checked as the node runs).
pub fn needs_trust(effects: &[SideEffect], base_dir: &Path) -> Option<String> {
    effects.iter().find_map(|effect| {
        let why = match effect {
            SideEffect::Command { .. } => "runs a shell command".to_owned(),
            SideEffect::Request { url: Some(url) } => {
                format!("sends a request to {}", host_of(url))
            }
            SideEffect::Request { url: None } => "sends an HTTP request".to_owned(),
            SideEffect::Write { path: Some(path) } => format!("writes a file ({path})"),
            SideEffect::Write { path: None } => "writes a file".to_owned(),
            SideEffect::Read { path: Some(path) }
                if !is_inside_folder(base_dir, Path::new(path)) =>
            {
                format!("reads a file outside the flow's folder ({path})")
            }
            SideEffect::Read { .. } | SideEffect::EnvVar { .. } => return None,
            SideEffect::Other { what } => what.clone(),
        };
        Some(format!("{NEEDS_TRUST}: {why}"))
    })
}

/// `plan` as a restricted run follows it: every step that needs trust becomes a skipped
/// node with the reason, and so does every step depending on one (``upstream `Title` needs
/// trust``); the remaining steps are renumbered. `flow` is the flow `plan` was made from.
pub fn restrict(plan: Plan, flow: &Flow, registry: &Registry, base_dir: &Path) -> Plan {
    let Plan {
        scope,
        mode,
        steps,
        mut skipped,
        reused,
        mut rerun,
        mut warnings,
    } = plan;
    // Steps come in dependency order, so a step's dependencies are decided before it.
    let mut new_index: Vec<Option<usize>> = vec![None; steps.len()];
    let mut kept = Vec::with_capacity(steps.len());
    let mut blocked_because: Vec<Option<NodeId>> = vec![None; steps.len()];
    let mut blocked = 0usize;
    // Indexed only when some step has side effects (most plans have none to look at).
    let mut wiring: Option<Wiring<'_>> = None;
    let mut labels: Option<NodeLabels> = None;
    for (i, mut step) in steps.into_iter().enumerate() {
        let reason = flow.nodes.get(step.node_index).and_then(|node| {
            let kind = registry.get(&node.kind)?;
            if kind.info().effects == Effects::Pure {
                return None;
            }
            let wiring = wiring.get_or_insert_with(|| Wiring::new(flow));
            needs_trust(&wiring.effects_of(node, registry), base_dir)
        });
        if let Some(reason) = reason {
            blocked += 1;
            blocked_because[i] = Some(step.node.clone());
            skipped.push(SkippedNode {
                node: step.node.clone(),
                reason,
            });
            continue;
        }
        if let Some(&dep) = step.deps.iter().find(|&&d| blocked_because[d].is_some()) {
            let root = blocked_because[dep].clone();
            if let Some(root) = &root {
                skipped.push(SkippedNode {
                    node: step.node.clone(),
                    reason: format!(
                        "upstream {} needs trust",
                        labels
                            .get_or_insert_with(|| NodeLabels::of(flow))
                            .quoted(root)
                    ),
                });
            }
            blocked_because[i] = root;
            continue;
        }
        new_index[i] = Some(kept.len());
        step.order = kept.len() + 1;
        // Every dependency was kept (a left-out one would have left this step out).
        step.deps = step.deps.iter().filter_map(|&d| new_index[d]).collect();
        for input in &mut step.inputs {
            if let InputSource::Step { step: from, .. } = &mut input.source {
                if let Some(to) = new_index[*from] {
                    *from = to;
                }
            }
        }
        kept.push(step);
    }
    if blocked > 0 {
        warnings.push(format!(
            "restricted: {blocked} node{} that act{} outside the flow will not run",
            if blocked == 1 { "" } else { "s" },
            if blocked == 1 { "s" } else { "" },
        ));
    }
    // Only steps that still run can run again.
    if !rerun.is_empty() {
        let running: std::collections::HashSet<&NodeId> = kept.iter().map(|s| &s.node).collect();
        rerun.retain(|r| running.contains(&r.node));
    }
    Plan {
        scope,
        mode,
        steps: kept,
        skipped,
        reused,
        rerun,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Edge, Node, PortRef};
    use crate::plan::{plan, RunMode, Scope};

    #[test]
    fn blocked_steps_and_their_downstream_leave_the_plan_which_is_renumbered() {
        let wire = |from: &str, port: &str, to: &str, input: &str| {
            Edge::new(PortRef::new(from, port), PortRef::new(to, input))
        };
        let flow = Flow {
            nodes: vec![
                Node::new("a", "text").with_param("text", "x"),
                Node::new("b", "shell").with_param("command", "true"),
                Node::new("c", "template")
                    .with_param("template", "{v}")
                    .with_param("vars", crate::model::ParamValue::List(vec!["v".into()])),
                Node::new("d", "template")
                    .with_param("template", "{v}")
                    .with_param("vars", crate::model::ParamValue::List(vec!["v".into()])),
            ],
            edges: vec![wire("b", "stdout", "c", "v"), wire("a", "text", "d", "v")],
            ..Default::default()
        };
        let registry = Registry::builtin();
        let planned = plan(&flow, &registry, &Scope::Flow, RunMode::All, &|_| false).unwrap();
        assert_eq!(planned.steps.len(), 4);
        let restricted = restrict(planned, &flow, &registry, Path::new("/tmp"));
        let kept: Vec<(&str, usize)> = restricted
            .steps
            .iter()
            .map(|s| (s.node.as_str(), s.order))
            .collect();
        assert_eq!(kept, vec![("a", 1), ("d", 2)]);
        assert_eq!(restricted.steps[1].deps, vec![0]);
        assert!(matches!(
            restricted.steps[1].inputs[0].source,
            InputSource::Step { step: 0, .. }
        ));
        let skipped: Vec<(&str, &str)> = restricted
            .skipped
            .iter()
            .map(|s| (s.node.as_str(), s.reason.as_str()))
            .collect();
        assert_eq!(
            skipped,
            vec![
                ("b", "needs trust: runs a shell command"),
                ("c", "upstream `b` needs trust")
            ]
        );
        assert_eq!(restricted.warnings.len(), 1);
    }
}
