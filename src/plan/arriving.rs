//! What arrives at each input of one node: the wire plugged into it and, seen through
//! viewers, switches and bypassed nodes, the step output or constant that really feeds
//! it. The node data panel lists it; runs do not keep the values a node consumed, so this
//! is how a client finds them (the producer's current result is what the node used).

use super::graph::FlowGraph;
use super::resolve::{resolve_input, Resolved};
use crate::model::{DataType, Flow, ParamValue, PortRef};
use crate::nodes::Registry;

/// One input of a node and what arrives there.
#[derive(Clone, Debug, PartialEq)]
pub struct ArrivingInput {
    /// The input port's name.
    pub port: String,
    /// The data it takes.
    pub ty: DataType,
    /// The output wired straight into it, if any.
    pub wire: Option<PortRef>,
    /// What arrives once pass-through nodes are seen through.
    pub arrives: Arrives,
}

/// Where an input's value comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum Arrives {
    /// Output `port` of a step node: its result there is what the input gets.
    Output(PortRef),
    /// A constant set on the input (or on a pass-through node's input).
    Constant(ParamValue),
    /// Nothing arrives; the text says why.
    Nothing(String),
}

/// Every input of node `node` (in the kind's order) and what arrives there; empty when the
/// node or its kind is unknown. Builds the flow's graph once (linear in the flow's size):
/// call it when the flow changes, not per frame.
pub fn arriving_inputs(flow: &Flow, registry: &Registry, node: &str) -> Vec<ArrivingInput> {
    let graph = FlowGraph::new(flow, registry);
    let Some(index) = graph.index(node) else {
        return Vec::new();
    };
    graph
        .inputs(index)
        .into_iter()
        .map(|spec| {
            let wire = graph
                .source_of(index, &spec.name)
                .map(|(_, from, _)| from.clone());
            let arrives = match resolve_input(&graph, index, &spec.name) {
                Ok(Resolved::Producer { node, port, .. }) => {
                    Arrives::Output(PortRef::new(graph.node(node).id.clone(), port.clone()))
                }
                Ok(Resolved::Constant(value)) => Arrives::Constant(value.clone()),
                Ok(Resolved::Nothing(why)) => Arrives::Nothing(why),
                Err(err) => Arrives::Nothing(err.to_string()),
            };
            ArrivingInput {
                port: spec.name.to_string(),
                ty: spec.ty,
                wire,
                arrives,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_seen_through_pass_through_nodes_to_their_producer_or_constant() {
        let registry = Registry::builtin();
        let flow = crate::format::parse(
            r#"Flow(version: 1, nodes: [
                Node(id: "a", kind: "text"),
                Node(id: "v", kind: "viewer"),
                Node(id: "t", kind: "template", params: {"template": "{x}{y}{z}", "vars": ["x", "y", "z"]}, values: {"y": "why"}),
                Node(id: "w", kind: "viewer"),
            ], edges: ["a.text -> v.in", "t.text -> w.in", "a.text -> t.x"])"#,
            &registry,
        )
        .unwrap();
        let inputs = arriving_inputs(&flow, &registry, "t");
        let ports: Vec<&str> = inputs.iter().map(|i| i.port.as_str()).collect();
        assert_eq!(ports, ["x", "y", "z"]);
        assert_eq!(inputs[0].wire, Some(PortRef::new("a", "text")));
        assert_eq!(
            inputs[0].arrives,
            Arrives::Output(PortRef::new("a", "text"))
        );
        assert_eq!(
            inputs[1].arrives,
            Arrives::Constant(ParamValue::Text("why".into()))
        );
        assert!(matches!(inputs[2].arrives, Arrives::Nothing(_)));
        let viewer = arriving_inputs(&flow, &registry, "w");
        assert_eq!(
            viewer[0].arrives,
            Arrives::Output(PortRef::new("t", "text"))
        );
        assert!(arriving_inputs(&flow, &registry, "ghost").is_empty());
    }
}
