//! Builds a [`Plan`]: which nodes a scope needs, in what order, which are skipped or reused.

use super::graph::{FlowGraph, PlanRole};
use super::order::{id_ranks, kahn_order};
use super::resolve::{resolve_input, resolve_through, Resolved};
use super::{InputSource, Plan, PlanError, RunMode, Scope, SkippedNode, Step, StepInput};
use crate::model::{Flow, NodeId, Outcome};
use crate::nodes::{PortSpec, Registry};

/// Marks a flow index that is not planned.
const UNPLANNED: u32 = u32::MAX;

/// How a planned node ends up.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fate {
    Run,
    Reuse,
    Skip,
    /// Gathered, but neither downstream of a run-from node nor needed by that part.
    Out,
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
    plan_in(&FlowGraph::new(flow, registry), scope, mode, has_result)
}

/// [`plan`] over a flow already indexed.
#[allow(
    clippy::too_many_lines,
    reason = "the planning passes in order, sharing their tables: split, each pass would need them all"
)]
pub(super) fn plan_in(
    graph: &FlowGraph<'_>,
    scope: &Scope,
    mode: RunMode,
    has_result: &dyn Fn(&NodeId) -> bool,
) -> Result<Plan, PlanError> {
    let mut warnings = Vec::new();
    let (targets, follow_upstream) = match scope {
        Scope::Node(id) => {
            let index = graph
                .index(id.as_str())
                .ok_or_else(|| PlanError::UnknownNode(id.clone()))?;
            if let Some(reason) = not_a_step(graph, index) {
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
                    reason: not_a_step(graph, index).unwrap_or_default(),
                });
            }
            (producers_behind(graph, index, &mut warnings)?, true)
        }
        Scope::FromHere(id) => {
            let index = graph
                .index(id.as_str())
                .ok_or_else(|| PlanError::UnknownNode(id.clone()))?;
            if let Some(reason) = not_a_step(graph, index) {
                return Err(PlanError::NotRunnable {
                    node: id.clone(),
                    reason,
                });
            }
            (wired_downstream(graph, index), true)
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
                targets.extend(producers_behind(graph, end, &mut warnings)?);
            }
            (targets, true)
        }
    };

    // Gather the planned nodes: the targets and, unless the scope is one node, everything
    // they depend on. Iterative, so long chains do not exhaust the stack.
    let mut position = vec![UNPLANNED; graph.len()];
    let mut planned: Vec<usize> = Vec::new();
    let mut inputs: Vec<Vec<(PortSpec, Resolved)>> = Vec::new();
    let mut stack = targets;
    while let Some(index) = stack.pop() {
        if position[index] != UNPLANNED {
            continue;
        }
        position[index] = planned.len() as u32;
        let ports = graph.inputs(index);
        let mut resolved_inputs = Vec::with_capacity(ports.len());
        for port in ports {
            let resolved = resolve_input(graph, index, &port.name)?;
            if let (true, Resolved::Producer { node, .. }) = (follow_upstream, &resolved) {
                stack.push(*node);
            }
            resolved_inputs.push((port, resolved));
        }
        planned.push(index);
        inputs.push(resolved_inputs);
    }
    // Which node last listed each planned node as a dependency: a node fed by thousands
    // of wires lists each producer once without searching its list.
    let mut listed_by = vec![usize::MAX; planned.len()];
    let deps: Vec<Vec<usize>> = inputs
        .iter()
        .enumerate()
        .map(|(p, node_inputs)| {
            let mut deps = Vec::new();
            for (_, resolved) in node_inputs {
                if let Resolved::Producer { node, .. } = resolved {
                    let at = position[*node];
                    if at != UNPLANNED && listed_by[at as usize] != p {
                        listed_by[at as usize] = p;
                        deps.push(at as usize);
                    }
                }
            }
            deps
        })
        .collect();

    let keys: Vec<&NodeId> = planned.iter().map(|&i| &graph.node(i).id).collect();
    // Ties go to the smallest id. A saved file is sorted by id, so there the position in
    // the file is the rank and no sorting is needed.
    let file_sorted = graph
        .flow
        .nodes
        .windows(2)
        .all(|pair| pair[0].id <= pair[1].id);
    let rank: Vec<u32> = if file_sorted {
        planned.iter().map(|&i| i as u32).collect()
    } else {
        id_ranks(&keys)
    };
    let order = kahn_order(&deps, &rank)
        .map_err(|cycle| PlanError::Loop(cycle.iter().map(|&p| keys[p].clone()).collect()))?;
    if matches!(scope, Scope::Flow) {
        refuse_loops_elsewhere(graph, planned.len())?;
    }

    // A run from a node: which planned nodes it forces to run (the node and what its
    // results really reach), and which of the rest that part needs.
    let from_here = match scope {
        Scope::FromHere(id) => Some(from_here_part(graph, id, &planned, &deps, &order)),
        _ => None,
    };

    // Decide each node's fate in dependency order.
    let mut fate = vec![Fate::Run; planned.len()];
    let mut skipped = Vec::new();
    let mut reused = Vec::new();
    for &p in &order {
        let id = keys[p];
        // Outside the part a run from a node covers, a fresh result is used where there
        // is one, whatever the mode.
        let keeps_results = match &from_here {
            Some(part) if !part.needed[p] => {
                fate[p] = Fate::Out;
                continue;
            }
            Some(part) => mode == RunMode::Missing || !part.forced[p],
            None => mode == RunMode::Missing,
        };
        if keeps_results && has_result(id) && deps[p].iter().all(|&d| fate[d] == Fate::Reuse) {
            fate[p] = Fate::Reuse;
            reused.push(id.clone());
            continue;
        }
        let skipped_producer = |node: usize| {
            let at = position[node];
            at != UNPLANNED && fate[at as usize] == Fate::Skip
        };
        if let Some(d) = blocked_by_skip(graph, planned[p], &inputs[p], skipped_producer) {
            let d = position[d] as usize;
            fate[p] = Fate::Skip;
            skipped.push(SkippedNode {
                node: id.clone(),
                reason: format!("upstream {} is skipped", graph.quoted(planned[d])),
            });
            continue;
        }
        let missing = missing_input(graph, planned[p], &inputs[p], follow_upstream, has_result);
        if let Some((port, why)) = missing {
            fate[p] = Fate::Skip;
            warnings.push(format!(
                "{} will be skipped: missing input `{port}` ({why})",
                graph.quoted(planned[p])
            ));
            skipped.push(SkippedNode {
                node: id.clone(),
                reason: format!("missing input `{port}`"),
            });
        }
    }

    // Number the steps that run and wire them to each other.
    let mut step_of = vec![usize::MAX; planned.len()];
    // Which step last listed each step as a dependency (as `listed_by` above).
    let mut step_listed_by = vec![usize::MAX; order.len()];
    let mut steps = Vec::with_capacity(order.len());
    let mut inputs: Vec<Option<Vec<(PortSpec, Resolved)>>> = inputs.into_iter().map(Some).collect();
    let skip_reasons: rustc_hash::FxHashMap<&NodeId, &String> =
        skipped.iter().map(|s| (&s.node, &s.reason)).collect();
    for &p in order.iter().filter(|&&p| fate[p] == Fate::Run) {
        let index = planned[p];
        step_of[p] = steps.len();
        let mut step_deps = Vec::new();
        let step_inputs = inputs[p]
            .take()
            .unwrap_or_default()
            .into_iter()
            .map(|(port, resolved)| {
                let mut outcome = Outcome::Pass;
                let source = match resolved {
                    Resolved::Producer {
                        node: producer,
                        port: out,
                        outcome: wire,
                    } => {
                        outcome = wire;
                        let at = position[producer];
                        let step = (at != UNPLANNED)
                            .then(|| step_of[at as usize])
                            .filter(|&s| s != usize::MAX);
                        let producer_id = &graph.node(producer).id;
                        let producer_skipped = at != UNPLANNED && fate[at as usize] == Fate::Skip;
                        match step {
                            Some(step) => {
                                if step_listed_by[step] != steps.len() {
                                    step_listed_by[step] = steps.len();
                                    step_deps.push(step);
                                }
                                InputSource::Step {
                                    step,
                                    node: producer_id.clone(),
                                    port: out.clone(),
                                }
                            }
                            // A fail or always wire from a node skipped when planning fires.
                            None if producer_skipped => InputSource::Skipped {
                                node: producer_id.clone(),
                                port: out.clone(),
                                reason: skip_reasons
                                    .get(producer_id)
                                    .map(|r| (*r).clone())
                                    .unwrap_or_default(),
                            },
                            None if has_result(producer_id) => InputSource::Result {
                                node: producer_id.clone(),
                                port: out.clone(),
                            },
                            None => match graph.constant(index, &port.name) {
                                Some(value) => InputSource::Value {
                                    value: value.clone(),
                                },
                                None => InputSource::Unset,
                            },
                        }
                    }
                    Resolved::Constant(value) => InputSource::Value {
                        value: value.clone(),
                    },
                    Resolved::Nothing(_) => InputSource::Unset,
                };
                let fallback = match &source {
                    InputSource::Step { .. }
                    | InputSource::Result { .. }
                    | InputSource::Skipped { .. } => graph.constant(index, &port.name).cloned(),
                    InputSource::Value { .. } | InputSource::Unset => None,
                };
                StepInput {
                    required: port.required,
                    port: port.name,
                    ty: port.ty,
                    source,
                    outcome,
                    fallback,
                }
            })
            .collect();
        steps.push(Step {
            order: steps.len() + 1,
            node: keys[p].clone(),
            node_index: index,
            kind: graph.kind(index).map_or("", |kind| kind.info().id),
            inputs: step_inputs,
            deps: step_deps,
        });
    }

    Ok(Plan {
        scope: scope.clone(),
        mode,
        steps,
        skipped,
        reused,
        rerun: Vec::new(),
        warnings,
    })
}

/// A whole-flow run refuses a flow with a loop anywhere, even in a part no end point
/// reaches (a flow that is all loop has no end points at all). Checked only when some
/// nodes were left out of the plan, since a loop among planned nodes is already found.
fn refuse_loops_elsewhere(graph: &FlowGraph<'_>, planned: usize) -> Result<(), PlanError> {
    let runnable = (0..graph.len())
        .filter(|&i| graph.role(i) != PlanRole::Static)
        .count();
    if planned == runnable {
        return Ok(());
    }
    match super::find_loops(graph.flow).into_iter().next() {
        Some(cycle) => Err(PlanError::Loop(cycle)),
        None => Ok(()),
    }
}

/// The step nodes wired downstream of `start` (itself included), seen through viewers,
/// switches and bypassed nodes. Breadth first, so deep chains do not exhaust the stack.
fn wired_downstream(graph: &FlowGraph<'_>, start: usize) -> Vec<usize> {
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); graph.len()];
    for edge in &graph.flow.edges {
        if let (Some(from), Some(to)) = (
            graph.index(edge.from.node.as_str()),
            graph.index(edge.to.node.as_str()),
        ) {
            next[from].push(to);
        }
    }
    let mut seen = vec![false; graph.len()];
    seen[start] = true;
    let mut queue = std::collections::VecDeque::from([start]);
    let mut steps = Vec::new();
    while let Some(index) = queue.pop_front() {
        if graph.role(index) == PlanRole::Step {
            steps.push(index);
        }
        for &to in &next[index] {
            if !seen[to] {
                seen[to] = true;
                queue.push_back(to);
            }
        }
    }
    steps
}

/// What a run from a node covers among the planned nodes (by position in `planned`).
struct FromHerePart {
    /// The node, and every node an output of a forced node really feeds (a switch that
    /// selects another input does not pass it on).
    forced: Vec<bool>,
    /// The forced nodes and everything they depend on.
    needed: Vec<bool>,
}

/// Works out [`FromHerePart`] from the planned nodes, their dependencies and their order.
fn from_here_part(
    graph: &FlowGraph<'_>,
    start: &NodeId,
    planned: &[usize],
    deps: &[Vec<usize>],
    order: &[usize],
) -> FromHerePart {
    let mut forced = vec![false; planned.len()];
    for &p in order {
        forced[p] = graph.node(planned[p]).id == *start || deps[p].iter().any(|&d| forced[d]);
    }
    let mut needed = forced.clone();
    for &p in order.iter().rev() {
        if needed[p] {
            for &d in &deps[p] {
                needed[d] = true;
            }
        }
    }
    FromHerePart { forced, needed }
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

/// The step nodes a target stands for: itself if it runs, or the producer seen through it.
fn producers_behind(
    graph: &FlowGraph<'_>,
    index: usize,
    warnings: &mut Vec<String>,
) -> Result<Vec<usize>, PlanError> {
    if graph.role(index) == PlanRole::Step {
        return Ok(vec![index]);
    }
    Ok(match resolve_through(graph, index)? {
        Resolved::Producer { node, .. } => vec![node],
        Resolved::Constant(_) => Vec::new(),
        Resolved::Nothing(why) => {
            warnings.push(format!("{} shows nothing: {why}", graph.quoted(index)));
            Vec::new()
        }
    })
}

/// The planned producer, skipped when planning, that keeps node `index` from running: a
/// pass wire from it feeds a required input with no constant, or every wire into the node
/// is a pass wire from a skipped node (none of them can fire). Fail and always wires from
/// skipped nodes fire, so they never block. `None` when the node may run.
fn blocked_by_skip(
    graph: &FlowGraph<'_>,
    index: usize,
    inputs: &[(PortSpec, Resolved<'_>)],
    skipped_producer: impl Fn(usize) -> bool,
) -> Option<usize> {
    let mut wires = 0;
    let mut dead = None;
    let mut dead_count = 0;
    for (port, resolved) in inputs {
        let Resolved::Producer { node, outcome, .. } = resolved else {
            continue;
        };
        wires += 1;
        if *outcome != Outcome::Pass || !skipped_producer(*node) {
            continue;
        }
        dead_count += 1;
        dead.get_or_insert(*node);
        if port.required && graph.constant(index, &port.name).is_none() {
            return Some(*node);
        }
    }
    (wires > 0 && dead_count == wires).then_some(dead).flatten()
}

/// The first input that will have no value, and why.
fn missing_input(
    graph: &FlowGraph<'_>,
    index: usize,
    inputs: &[(PortSpec, Resolved<'_>)],
    follow_upstream: bool,
    has_result: &dyn Fn(&NodeId) -> bool,
) -> Option<(String, String)> {
    for (port, resolved) in inputs {
        match resolved {
            Resolved::Nothing(why) if port.required => {
                return Some((port.name.to_string(), why.clone()))
            }
            Resolved::Producer { node, .. } if !follow_upstream => {
                let producer = &graph.node(*node).id;
                if !has_result(producer) && graph.constant(index, &port.name).is_none() {
                    return Some((
                        port.name.to_string(),
                        format!("{} has no result yet", graph.quoted(*node)),
                    ));
                }
            }
            _ => {}
        }
    }
    None
}
