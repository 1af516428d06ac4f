//! A flow seen from outside, as a subflow node shows it: one input port per promoted input
//! and one output port per marked output, each typed by the node behind it.

use crate::model::{DataType, Flow, LinkedPort, NodeId};
use crate::nodes::{Params, Registry, Role};

use super::{flow_inputs, flow_outputs};

/// The ports a node that runs `flow` shows: its promoted inputs (form order; named by
/// label) and its marked outputs (named by title, else id). Names are made fit for a port
/// (no `.`) and unique.
pub fn flow_interface(flow: &Flow, registry: &Registry) -> (Vec<LinkedPort>, Vec<LinkedPort>) {
    let mut inputs = Vec::new();
    for input in flow_inputs(flow, registry) {
        let name = unique_port_name(&input.label, &inputs);
        let ty = primary_output_type(flow, registry, &input.node);
        inputs.push(LinkedPort {
            name,
            ty,
            node: input.node,
        });
    }
    let mut outputs = Vec::new();
    for id in flow_outputs(flow) {
        let Some(node) = flow.node(id.as_str()) else {
            continue;
        };
        let title = if node.title.trim().is_empty() {
            id.as_str()
        } else {
            node.title.trim()
        };
        let name = unique_port_name(title, &outputs);
        let ty = primary_output_type(flow, registry, &id);
        outputs.push(LinkedPort { name, ty, node: id });
    }
    (inputs, outputs)
}

/// The type of the first output of a step, or `any` for what passes a value through (a
/// viewer, a switch) or is not known.
fn primary_output_type(flow: &Flow, registry: &Registry, id: &NodeId) -> DataType {
    let Some(node) = flow.node(id.as_str()) else {
        return DataType::Any;
    };
    let Some(kind) = registry.get(&node.kind) else {
        return DataType::Any;
    };
    if !matches!(kind.info().role, Role::Step(_)) || node.bypassed {
        return DataType::Any;
    }
    kind.outputs(&Params::new(node, kind.info()))
        .first()
        .map_or(DataType::Any, |port| port.ty)
}

/// `wanted` made fit for a port name (`.` separates node and port in a wire, so it becomes
/// `_`; an empty name becomes `value`), with " 2", " 3"… added while it is taken.
fn unique_port_name(wanted: &str, taken: &[LinkedPort]) -> String {
    let base = match wanted.trim().replace('.', "_") {
        name if name.is_empty() => "value".to_owned(),
        name => name,
    };
    let mut name = base.clone();
    let mut n = 2;
    while taken.iter().any(|port| port.name == name) {
        name = format!("{base} {n}");
        n += 1;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dots_and_repeats_make_distinct_port_names() {
        let port = |name: &str| LinkedPort {
            name: name.to_owned(),
            ty: DataType::Text,
            node: NodeId::from("x"),
        };
        assert_eq!(unique_port_name("v1.2", &[]), "v1_2");
        assert_eq!(unique_port_name("  ", &[]), "value");
        assert_eq!(
            unique_port_name("topic", &[port("topic"), port("topic 2")]),
            "topic 3"
        );
    }
}
