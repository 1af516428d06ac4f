//! Staleness: a result is stale when the node's parameters or anything it consumed changed
//! since it was made. Each result carries a signature (a hash of the node's kind, parameters
//! and constants, and of the input values it consumed); a result whose signature no longer
//! matches, or that is downstream of a stale one, is stale. Moving a node or renaming it
//! changes nothing.

use std::collections::{BTreeSet, HashMap, HashSet};

use sha2::{Digest, Sha256};

use super::graph::{FlowGraph, PlanRole};
use super::planner::plan_in;
use super::resolve::{resolve_input, Resolved};
use super::{Plan, PlanError, RerunNode, RunMode, Scope};
use crate::model::{Flow, Node, NodeId, Value};
use crate::nodes::{Outputs, Registry};

/// The signature of running `node` on `inputs` (input name and value, as converted for it).
pub fn signature<'a>(
    node: &Node,
    inputs: impl IntoIterator<Item = (&'a str, &'a Value)>,
) -> String {
    let mut hasher = Sha256::new();
    let mut buffer = Vec::new();
    hasher.update(node.kind.as_bytes());
    hasher.update([0]);
    json_into(&mut hasher, &mut buffer, &node.params);
    hasher.update([0]);
    json_into(&mut hasher, &mut buffer, &node.values);
    // A node that runs another flow is made from that flow's content too.
    if let Some(link) = &node.subflow {
        hasher.update([1]);
        hasher.update(link.digest.as_bytes());
    }
    let mut inputs: Vec<(&str, &Value)> = inputs.into_iter().collect();
    inputs.sort_by(|a, b| a.0.cmp(b.0));
    for (name, value) in inputs {
        hasher.update([0]);
        hasher.update(name.as_bytes());
        hasher.update([0]);
        json_into(&mut hasher, &mut buffer, value);
    }
    crate::hex::encode(&hasher.finalize())
}

/// Hashes `value` as JSON through `buffer` (one buffer for a whole signature rather than
/// one per value: 100,000 results are checked at scale). A value that cannot be written as
/// JSON adds nothing, as before.
fn json_into(hasher: &mut Sha256, buffer: &mut Vec<u8>, value: &impl serde::Serialize) {
    buffer.clear();
    if serde_json::to_writer(&mut *buffer, value).is_ok() {
        hasher.update(&buffer[..]);
    }
}

/// A node's result as staleness sees it.
pub struct KnownResult<'a> {
    /// Its outputs.
    pub outputs: &'a Outputs,
    /// The signature it was made with (`None` for results from before signatures: never
    /// stale on their own).
    pub signature: Option<&'a str>,
}

/// The nodes whose results are stale, among those in `results`.
pub fn stale_nodes(
    flow: &Flow,
    registry: &Registry,
    results: &HashMap<NodeId, KnownResult<'_>>,
) -> HashSet<NodeId> {
    stale_reasons(flow, registry, results).into_keys().collect()
}

/// The nodes whose results are stale, among those in `results`, each with why, for people:
/// it changed since its result was made, a result it consumed is gone, or something
/// upstream of it is stale.
pub fn stale_reasons(
    flow: &Flow,
    registry: &Registry,
    results: &HashMap<NodeId, KnownResult<'_>>,
) -> HashMap<NodeId, String> {
    stale_reasons_in(&FlowGraph::new(flow, registry), results)
}

/// [`stale_reasons`] over a flow already indexed.
fn stale_reasons_in(
    graph: &FlowGraph<'_>,
    results: &HashMap<NodeId, KnownResult<'_>>,
) -> HashMap<NodeId, String> {
    let known: Vec<(usize, &KnownResult<'_>)> = results
        .iter()
        .filter_map(|(id, known)| Some((graph.index(id.as_str())?, known)))
        .filter(|(index, _)| graph.role(*index) == PlanRole::Step)
        .collect();
    // Each result is checked on its own (a signature to compute), so large stores are
    // checked on every core.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = known.len().div_ceil(threads).max(PARALLEL_CHUNK_MIN);
    let checked: Vec<Checked> = if known.len() > PARALLEL_CHUNK_MIN {
        std::thread::scope(|scope| {
            let workers: Vec<_> = known
                .chunks(chunk)
                .map(|part| scope.spawn(|| check_results(graph, results, part)))
                .collect();
            workers
                .into_iter()
                .map(|worker| match worker.join() {
                    Ok(checked) => checked,
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        })
    } else {
        vec![check_results(graph, results, &known)]
    };
    let mut stale: HashMap<usize, String> = HashMap::new();
    // Consumers of each producer with a result, to pass staleness downstream.
    let mut consumers: HashMap<usize, Vec<usize>> = HashMap::new();
    for part in checked {
        stale.extend(part.stale);
        for (producer, consumer) in part.wires {
            consumers.entry(producer).or_default().push(consumer);
        }
    }
    // Everything downstream of a stale result is stale too.
    let mut queue: Vec<usize> = stale.keys().copied().collect();
    while let Some(index) = queue.pop() {
        for &next in consumers.get(&index).map(Vec::as_slice).unwrap_or(&[]) {
            if let std::collections::hash_map::Entry::Vacant(entry) = stale.entry(next) {
                entry.insert(format!(
                    "its result is stale: upstream {} is stale",
                    graph.quoted(index)
                ));
                queue.push(next);
            }
        }
    }
    stale
        .into_iter()
        .map(|(i, reason)| (graph.node(i).id.clone(), reason))
        .collect()
}

/// Below this many results a check is not worth a thread.
const PARALLEL_CHUNK_MIN: usize = 2048;

/// What checking some results found: the stale ones with why, and the wires (producer,
/// consumer) along which staleness passes downstream.
struct Checked {
    stale: Vec<(usize, String)>,
    wires: Vec<(usize, usize)>,
}

/// Checks each result in `part` against the node and the inputs it would consume now.
fn check_results(
    graph: &FlowGraph<'_>,
    results: &HashMap<NodeId, KnownResult<'_>>,
    part: &[(usize, &KnownResult<'_>)],
) -> Checked {
    let mut checked = Checked {
        stale: Vec::new(),
        wires: Vec::new(),
    };
    for &(index, known) in part {
        let mut inputs: Vec<(std::borrow::Cow<'static, str>, Value)> = Vec::new();
        let mut upstream_missing = false;
        for port in graph.inputs(index) {
            match resolve_input(graph, index, &port.name) {
                // Fail and always wires are left out of a result's signature (see the
                // executor): what they carried depends on how the run went.
                Ok(Resolved::Producer { outcome, .. })
                    if outcome != crate::model::Outcome::Pass => {}
                Ok(Resolved::Producer {
                    node, port: out, ..
                }) => {
                    checked.wires.push((node, index));
                    let producer = &graph.node(node).id;
                    let per_item = graph.kind(index).is_some_and(|k| !k.takes_batches());
                    match results.get(producer).and_then(|r| r.outputs.get(out)) {
                        Some(value) => match value.convert_for_input(&port.name, port.ty, per_item)
                        {
                            Ok(value) => inputs.push((port.name.clone(), value)),
                            Err(_) => upstream_missing = true,
                        },
                        None => upstream_missing = true,
                    }
                }
                Ok(Resolved::Constant(value)) => match value.to_value().convert_to(port.ty) {
                    Ok(value) => inputs.push((port.name.clone(), value)),
                    Err(_) => upstream_missing = true,
                },
                Ok(Resolved::Nothing(_)) => {}
                Err(_) => upstream_missing = true,
            }
        }
        // A result whose input is gone cannot be compared: that it is gone is the reason
        // (its signature would differ only because the input is missing).
        if upstream_missing {
            checked.stale.push((
                index,
                "its result is stale: an input it was made from is gone".to_owned(),
            ));
            continue;
        }
        let changed = match known.signature {
            Some(stored) => {
                let current = signature(
                    graph.node(index),
                    inputs.iter().map(|(n, v)| (n.as_ref(), v)),
                );
                current != stored
            }
            None => false,
        };
        if changed {
            checked.stale.push((
                index,
                "its result is stale: the node changed since it was made".to_owned(),
            ));
        }
    }
    checked
}

/// Plans a run the way the executor runs it, from the results known before it starts: the
/// one decision shared by the run, `flowcanvas plan` and the app's preview.
///
/// A node counts as having a result when it is in `results`, unless it is in `fresh` (a
/// resume or retry runs it afresh) or, in Missing mode, its result is stale. Steps that
/// have a result and run again anyway are listed in [`Plan::rerun`] with the reason.
pub fn plan_with_results(
    flow: &Flow,
    registry: &Registry,
    scope: &Scope,
    mode: RunMode,
    results: &HashMap<NodeId, KnownResult<'_>>,
    fresh: &BTreeSet<NodeId>,
) -> Result<Plan, PlanError> {
    plan_with_staleness(
        flow,
        registry,
        scope,
        mode,
        results,
        fresh,
        Staleness::Check,
    )
    .map(|(plan, _)| plan)
}

/// Whether a Missing-mode plan checks its results for staleness.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Staleness {
    /// Check every result (a signature each).
    Check,
    /// An earlier check of this very flow and these very results found none stale (see
    /// `Store::known_fresh`): skip it.
    KnownFresh,
}

/// [`plan_with_results`], told whether the results are already known to be fresh. Also
/// says whether a check was made and found no stale result (worth remembering).
pub fn plan_with_staleness(
    flow: &Flow,
    registry: &Registry,
    scope: &Scope,
    mode: RunMode,
    results: &HashMap<NodeId, KnownResult<'_>>,
    fresh: &BTreeSet<NodeId>,
    staleness: Staleness,
) -> Result<(Plan, bool), PlanError> {
    // One index of the flow serves both the staleness check and the planning.
    let graph = FlowGraph::new(flow, registry);
    let checked = scope.checks_staleness(mode) && staleness == Staleness::Check;
    let mut discounted: HashMap<NodeId, String> = match checked {
        true => stale_reasons_in(&graph, results),
        false => HashMap::new(),
    };
    let found_all_fresh = checked && discounted.is_empty();
    for node in fresh {
        discounted.insert(
            node.clone(),
            "it did not complete in the run being continued".to_owned(),
        );
    }
    let has_result = |node: &NodeId| results.contains_key(node) && !discounted.contains_key(node);
    let mut planned = plan_in(&graph, scope, mode, &has_result)?;
    planned.rerun = planned
        .steps
        .iter()
        .filter(|step| results.contains_key(&step.node))
        .filter_map(|step| {
            let reason = discounted.get(&step.node)?;
            Some(RerunNode {
                node: step.node.clone(),
                reason: reason.clone(),
            })
        })
        .collect();
    Ok((planned, found_all_fresh))
}
