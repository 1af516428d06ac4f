//! Builds a [`Plan`]: which nodes a scope needs, in what order, which are skipped or reused.

use std::collections::HashMap;

use super::graph::{FlowGraph, PlanRole};
use super::order::kahn_order;
use super::resolve::{resolve_input, resolve_output, Resolved};
use super::{InputSource, Plan, PlanError, RunMode, Scope, SkippedNode, Step, StepInput};
use crate::model::{Flow, NodeId};
use crate::nodes::{PortSpec, Registry};

/// Marks a flow index that is not planned.
const UNPLANNED: u32 = u32::MAX;

/// One planned node while the plan is worked out.
struct Planned<'a> {
    index: usize,
    inputs: Vec<(PortSpec, Resolved<'a>)>,
    /// Planned positions of the producers it depends on.
    deps: Vec<usize>,
}

/// How a planned node ends up.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fate {
    Run,
    Reuse,
    Skip,
}

/// Works out the plan for running `scope` of `flow` in `mode`.
///
/// `has_result` tells which nodes already hold a result from an earlier run: Node scope
/// reads its inputs from them, and Missing mode does not rerun them.
pub fn plan(
    flow: &Flow,
    registry: &Registry,
    scope: &Scope,
    mode: RunMode,
    has_result: &dyn Fn(&NodeId) -> bool,
) -> Result<Plan, PlanError> {
    let graph = FlowGraph::new(flow, registry);
    let mut warnings = Vec::new();
    let (targets, follow_upstream) = match scope {
        Scope::Node(id) => {
            let index = graph
                .index(id.as_str())
                .ok_or_else(|| PlanError::UnknownNode(id.clone()))?;
            if let Some(reason) = not_a_step(&graph, index) {
                return Err(PlanError::NotRunnable {
                    node: id.clone(),
                    reason,
                });
            }
            (vec![index], false)
        }
        Scope::ToHere(id) => {
            let index = graph
                .index(id.as_str())
                .ok_or_else(|| PlanError::UnknownNode(id.clone()))?;
            if graph.role(index) == PlanRole::Static {
                return Err(PlanError::NotRunnable {
                    node: id.clone(),
                    reason: not_a_step(&graph, index).unwrap_or_default(),
                });
            }
            (producers_behind(&graph, index, &mut warnings)?, true)
        }
        Scope::Flow => {
            let marked: Vec<usize> = (0..graph.len())
                .filter(|&i| graph.node(i).output && graph.role(i) != PlanRole::Static)
                .collect();
            let ends = if marked.is_empty() {
                (0..graph.len())
                    .filter(|&i| graph.role(i) != PlanRole::Static && !graph.has_outgoing(i))
                    .collect()
            } else {
                marked
            };
            let mut targets = Vec::new();
            for end in ends {
                targets.extend(producers_behind(&graph, end, &mut warnings)?);
            }
            (targets, true)
        }
    };

    // Gather the planned nodes: the targets and, unless the scope is one node, everything
    // they depend on. Iterative, so long chains do not exhaust the stack.
    let mut position = vec![UNPLANNED; graph.len()];
    let mut planned: Vec<Planned> = Vec::new();
    let mut stack = targets;
    while let Some(index) = stack.pop() {
        if position[index] != UNPLANNED {
            continue;
        }
        position[index] = planned.len() as u32;
        let mut inputs = Vec::new();
        for port in graph.inputs(index) {
            let resolved = resolve_input(&graph, index, &port.name)?;
            if let (true, Resolved::Producer { node, .. }) = (follow_upstream, &resolved) {
                stack.push(*node);
            }
            inputs.push((port, resolved));
        }
        planned.push(Planned {
            index,
            inputs,
            deps: Vec::new(),
        });
    }
    for item in &mut planned {
        for (_, resolved) in &item.inputs {
            if let Resolved::Producer { node, .. } = resolved {
                let at = position[*node];
                if at != UNPLANNED && !item.deps.contains(&(at as usize)) {
                    item.deps.push(at as usize);
                }
            }
        }
    }

    let deps: Vec<Vec<usize>> = planned.iter().map(|p| p.deps.clone()).collect();
    let keys: Vec<&NodeId> = planned.iter().map(|p| &graph.node(p.index).id).collect();
    let order = kahn_order(&deps, &keys)
        .map_err(|cycle| PlanError::Loop(cycle.iter().map(|&p| keys[p].clone()).collect()))?;

    // Decide each node's fate in dependency order.
    let mut fate = vec![Fate::Run; planned.len()];
    let mut skipped = Vec::new();
    let mut reused = Vec::new();
    let mut dirty = vec![true; planned.len()];
    for &p in &order {
        let item = &planned[p];
        let id = &graph.node(item.index).id;
        if mode == RunMode::Missing {
            dirty[p] = !has_result(id)
                || item
                    .deps
                    .iter()
                    .any(|&d| dirty[d] && fate[d] != Fate::Reuse);
            if !dirty[p] {
                fate[p] = Fate::Reuse;
                reused.push(id.clone());
                continue;
            }
        }
        if let Some(&d) = item.deps.iter().find(|&&d| fate[d] == Fate::Skip) {
            fate[p] = Fate::Skip;
            skipped.push(SkippedNode {
                node: id.clone(),
                reason: format!("upstream `{}` is skipped", keys[d]),
            });
            continue;
        }
        if let Some((port, why)) = missing_input(&graph, item, follow_upstream, has_result) {
            fate[p] = Fate::Skip;
            warnings.push(format!(
                "`{id}` will be skipped: missing input `{port}` ({why})"
            ));
            skipped.push(SkippedNode {
                node: id.clone(),
                reason: format!("missing input `{port}`"),
            });
        }
    }

    // Number the steps that run and wire them to each other.
    let mut step_of = HashMap::new();
    let mut steps = Vec::new();
    for &p in order.iter().filter(|&&p| fate[p] == Fate::Run) {
        let item = &planned[p];
        let node = graph.node(item.index);
        step_of.insert(p, steps.len());
        let mut step_deps = Vec::new();
        let inputs = item
            .inputs
            .iter()
            .map(|(port, resolved)| {
                let source = match resolved {
                    Resolved::Producer {
                        node: producer,
                        port: out,
                    } => {
                        let producer_id = graph.node(*producer).id.clone();
                        let at = position[*producer];
                        match (at != UNPLANNED)
                            .then(|| step_of.get(&(at as usize)))
                            .flatten()
                        {
                            Some(&step) => {
                                if !step_deps.contains(&step) {
                                    step_deps.push(step);
                                }
                                InputSource::Step {
                                    step,
                                    node: producer_id,
                                    port: (*out).to_owned(),
                                }
                            }
                            None if has_result(&producer_id) => InputSource::Result {
                                node: producer_id,
                                port: (*out).to_owned(),
                            },
                            None => match graph.constant(item.index, &port.name) {
                                Some(value) => InputSource::Value {
                                    value: value.clone(),
                                },
                                None => InputSource::Unset,
                            },
                        }
                    }
                    Resolved::Constant(value) => InputSource::Value {
                        value: (*value).clone(),
                    },
                    Resolved::Nothing(_) => InputSource::Unset,
                };
                StepInput {
                    port: port.name.to_string(),
                    ty: port.ty,
                    source,
                }
            })
            .collect();
        steps.push(Step {
            order: steps.len() + 1,
            node: node.id.clone(),
            node_index: item.index,
            kind: node.kind.clone(),
            inputs,
            deps: step_deps,
        });
    }

    Ok(Plan {
        scope: scope.clone(),
        mode,
        steps,
        skipped,
        reused,
        warnings,
    })
}

/// Why a node cannot run by itself, or `None` when it is a step.
fn not_a_step(graph: &FlowGraph<'_>, index: usize) -> Option<String> {
    let kind = &graph.node(index).kind;
    match graph.role(index) {
        PlanRole::Step => None,
        PlanRole::Viewer => Some(
            "a viewer shows its input and does not run (run the flow to it instead)".to_owned(),
        ),
        PlanRole::Switch => Some("a switch routes its selected input and does not run".to_owned()),
        PlanRole::Bypassed => Some("it is bypassed".to_owned()),
        PlanRole::Static if graph.kind(index).is_none() => Some(format!("unknown kind `{kind}`")),
        PlanRole::Static => Some(format!("a {kind} never runs")),
    }
}

/// The step nodes a target stands for: itself if it runs, or the producers seen through it.
fn producers_behind(
    graph: &FlowGraph<'_>,
    index: usize,
    warnings: &mut Vec<String>,
) -> Result<Vec<usize>, PlanError> {
    if graph.role(index) == PlanRole::Step {
        return Ok(vec![index]);
    }
    let mut producers = Vec::new();
    if let Some(first) = graph.outputs(index).first() {
        match resolve_output(graph, index, &first.name)? {
            Resolved::Producer { node, .. } => producers.push(node),
            Resolved::Constant(_) => {}
            Resolved::Nothing(why) => {
                warnings.push(format!("`{}` shows nothing: {why}", graph.node(index).id))
            }
        }
    }
    Ok(producers)
}

/// The first input that will have no value, and why.
fn missing_input(
    graph: &FlowGraph<'_>,
    item: &Planned<'_>,
    follow_upstream: bool,
    has_result: &dyn Fn(&NodeId) -> bool,
) -> Option<(String, String)> {
    for (port, resolved) in &item.inputs {
        match resolved {
            Resolved::Nothing(why) if port.required => {
                return Some((port.name.to_string(), why.clone()))
            }
            Resolved::Producer { node, .. } if !follow_upstream => {
                let producer = &graph.node(*node).id;
                if !has_result(producer) && graph.constant(item.index, &port.name).is_none() {
                    return Some((
                        port.name.to_string(),
                        format!("`{producer}` has no result yet"),
                    ));
                }
            }
            _ => {}
        }
    }
    None
}
