//! Looks through pass-through nodes (viewers, switches, bypassed nodes) to the node that
//! really produces what arrives at an input.

use std::sync::Arc;

use rustc_hash::FxHashSet;

use super::graph::{FlowGraph, PlanRole};
use super::PlanError;
use crate::model::{Outcome, ParamValue};
use crate::nodes::switch_input_name;

/// What arrives at an input once pass-through nodes are seen through.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolved<'a> {
    /// Output `port` of step node `node` (an index into the flow's nodes).
    Producer {
        /// The producing node's index.
        node: usize,
        /// Its output port.
        port: &'a Arc<str>,
        /// When the wire fires: `fail` if any wire on the way is a fail wire, else
        /// `always` if any is, else `pass` (a viewer between a failure port and its
        /// consumer does not change what the wire means).
        outcome: Outcome,
    },
    /// A constant set on the input (or on a pass-through node's input).
    Constant(&'a ParamValue),
    /// Nothing arrives; the text says why.
    Nothing(String),
}

/// Resolves input `port` of node `index`: its wire, seen through pass-through nodes, or its
/// constant when nothing is wired in or the wire leads nowhere.
pub fn resolve_input<'a>(
    graph: &FlowGraph<'a>,
    index: usize,
    port: &str,
) -> Result<Resolved<'a>, PlanError> {
    let resolved = match graph.source_of(index, port) {
        Some((source, from, outcome)) => resolve_source(graph, source, &from.port, outcome)?,
        None => Resolved::Nothing("nothing is wired in".to_owned()),
    };
    Ok(match (resolved, graph.constant(index, port)) {
        (Resolved::Nothing(_), Some(value)) => Resolved::Constant(value),
        (resolved, _) => resolved,
    })
}

/// What a pass-through node passes on from its primary output.
pub fn resolve_through<'a>(graph: &FlowGraph<'a>, index: usize) -> Result<Resolved<'a>, PlanError> {
    let Some(primary) = graph.outputs(index).into_iter().next() else {
        return Ok(Resolved::Nothing(format!(
            "`{}` has no outputs",
            graph.node(index).id
        )));
    };
    match through_input(graph, index, &primary.name) {
        Ok(input) => resolve_input(graph, index, &input),
        Err(why) => Ok(Resolved::Nothing(why)),
    }
}

/// Which input of a pass-through node feeds its output `port`, or why none does.
fn through_input(graph: &FlowGraph<'_>, node: usize, port: &str) -> Result<String, String> {
    let id = &graph.node(node).id;
    match graph.role(node) {
        PlanRole::Switch => {
            let selected = graph.params(node).map_or(1, |p| p.integer("selected"));
            Ok(switch_input_name(selected))
        }
        PlanRole::Viewer | PlanRole::Bypassed => {
            let outputs = graph.outputs(node);
            let inputs = graph.inputs(node);
            match (outputs.first(), inputs.first()) {
                (Some(out), Some(input)) if out.name == port => Ok(input.name.to_string()),
                _ => Err(format!("`{id}` is bypassed and passes nothing to `{port}`")),
            }
        }
        PlanRole::Step | PlanRole::Static => Err(format!("`{id}` produces nothing")),
    }
}

/// Follows output `port` of `node` back through pass-through nodes to its real producer.
fn resolve_source<'a>(
    graph: &FlowGraph<'a>,
    mut node: usize,
    mut port: &'a Arc<str>,
    mut outcome: Outcome,
) -> Result<Resolved<'a>, PlanError> {
    // The pass-through nodes walked so far, in order, and as a set (a long chain of
    // viewers must not cost a scan of the walk at every step).
    let mut passed: Vec<usize> = Vec::new();
    let mut seen: FxHashSet<usize> = FxHashSet::default();
    loop {
        match graph.role(node) {
            PlanRole::Step => {
                return Ok(Resolved::Producer {
                    node,
                    port,
                    outcome,
                })
            }
            PlanRole::Static => {
                let id = &graph.node(node).id;
                return Ok(Resolved::Nothing(format!("`{id}` produces nothing")));
            }
            PlanRole::Switch | PlanRole::Viewer | PlanRole::Bypassed => {}
        }
        let through = match through_input(graph, node, port) {
            Ok(input) => input,
            Err(why) => return Ok(Resolved::Nothing(why)),
        };
        if !seen.insert(node) {
            let at = passed.iter().position(|&n| n == node).unwrap_or(0);
            let ids = passed[at..]
                .iter()
                .rev()
                .map(|&n| graph.node(n).id.clone())
                .collect();
            return Err(PlanError::Loop(ids));
        }
        passed.push(node);
        match graph.source_of(node, &through) {
            Some((source, from, hop)) => {
                node = source;
                port = &from.port;
                outcome = combined(outcome, hop);
            }
            None => {
                let id = &graph.node(node).id;
                return Ok(match graph.constant(node, &through) {
                    Some(value) => Resolved::Constant(value),
                    None => Resolved::Nothing(format!("`{id}` has nothing wired into `{through}`")),
                });
            }
        }
    }
}

/// The outcome of two wires in a row: a fail wire anywhere makes a fail wire, else an
/// always wire makes an always wire.
fn combined(a: Outcome, b: Outcome) -> Outcome {
    match (a, b) {
        (Outcome::Fail, _) | (_, Outcome::Fail) => Outcome::Fail,
        (Outcome::Always, _) | (_, Outcome::Always) => Outcome::Always,
        _ => Outcome::Pass,
    }
}
