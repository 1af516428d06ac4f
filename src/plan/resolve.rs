//! Looks through pass-through nodes (viewers, switches, bypassed nodes) to the node that
//! really produces what arrives at an input.

use super::graph::{FlowGraph, PlanRole};
use super::PlanError;
use crate::model::ParamValue;
use crate::nodes::switch_input_name;

/// What arrives at an input once pass-through nodes are seen through.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolved<'a> {
    /// Output `port` of step node `node` (an index into the flow's nodes).
    Producer {
        /// The producing node's index.
        node: usize,
        /// Its output port.
        port: &'a str,
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
    let constant = graph.constant(index, port);
    let resolved = match graph.source_of(index, port) {
        Some((source, from)) => resolve_output(graph, source, &from.port)?,
        None => Resolved::Nothing("nothing is wired in".to_owned()),
    };
    Ok(match (resolved, constant) {
        (Resolved::Nothing(_), Some(value)) => Resolved::Constant(value),
        (resolved, _) => resolved,
    })
}

/// Resolves output `port` of node `node` to its real producer.
pub fn resolve_output<'a>(
    graph: &FlowGraph<'a>,
    mut node: usize,
    mut port: &'a str,
) -> Result<Resolved<'a>, PlanError> {
    let mut passed: Vec<usize> = Vec::new();
    loop {
        let role = graph.role(node);
        let id = &graph.node(node).id;
        let through = match role {
            PlanRole::Step => return Ok(Resolved::Producer { node, port }),
            PlanRole::Static => {
                return Ok(Resolved::Nothing(format!("`{id}` produces nothing")));
            }
            PlanRole::Switch => {
                let selected = graph.params(node).map_or(1, |p| p.integer("selected"));
                switch_input_name(selected)
            }
            PlanRole::Viewer | PlanRole::Bypassed => {
                let outputs = graph.outputs(node);
                let inputs = graph.inputs(node);
                match (outputs.first(), inputs.first()) {
                    (Some(primary_out), Some(primary_in)) if primary_out.name == port => {
                        primary_in.name.to_string()
                    }
                    _ => {
                        return Ok(Resolved::Nothing(format!(
                            "`{id}` is bypassed and passes nothing to `{port}`"
                        )))
                    }
                }
            }
        };
        if let Some(at) = passed.iter().position(|&n| n == node) {
            let ids = passed[at..]
                .iter()
                .rev()
                .map(|&n| graph.node(n).id.clone())
                .collect();
            return Err(PlanError::Loop(ids));
        }
        passed.push(node);
        match graph.source_of(node, &through) {
            Some((source, from)) => {
                node = source;
                port = &from.port;
            }
            None => {
                return Ok(match graph.constant(node, &through) {
                    Some(value) => Resolved::Constant(value),
                    None => Resolved::Nothing(format!("`{id}` has nothing wired into `{through}`")),
                })
            }
        }
    }
}
