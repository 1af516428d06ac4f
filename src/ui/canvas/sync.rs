//! Document → editor: builds the editor graph from the flow, and keeps the id map both ways.

use std::collections::HashMap;

use egui_node_graph2::{InputId, InputParamKind, NodeId as EditorNodeId, OutputId};

use super::graph_types::{EditorGraph, EditorNode, FieldInfo, FieldValue, PortRole, PortType};
use crate::model::{DataType, Flow, Node, NodeId, PortRef};
use crate::nodes::{Params, Registry, Role};
use crate::plan::producer_of_input;

/// Ids both ways between the document and the editor graph.
#[derive(Default)]
pub struct IdMap {
    /// Document node → editor node.
    pub to_editor: HashMap<NodeId, EditorNodeId>,
    /// Editor node → document node.
    pub to_doc: HashMap<EditorNodeId, NodeId>,
    /// Editor input → (node, input port), for input ports only.
    pub inputs: HashMap<InputId, PortRef>,
    /// Editor output → (node, output port).
    pub outputs: HashMap<OutputId, PortRef>,
}

/// The editor ids of a node's input ports and output ports, by port name.
pub type PortIds = (Vec<(String, InputId)>, Vec<(String, OutputId)>);

/// Adds a node's parameter fields, input ports and output ports to the editor graph.
pub fn add_fields(
    graph: &mut EditorGraph,
    registry: &Registry,
    id: EditorNodeId,
    node: &Node,
) -> PortIds {
    let mut fields = Vec::new();
    let mut inputs = Vec::new();
    let mut outputs = Vec::new();
    let Some(kind) = registry.get(&node.kind) else {
        return (inputs, outputs);
    };
    let info = kind.info();
    for param in &info.params {
        let value = node.params.get(param.name).unwrap_or(&param.default);
        let field = FieldValue::for_param(param.ty, value);
        graph.add_input_param(
            id,
            param.name.to_owned(),
            PortType(DataType::Any, PortRole::Data),
            field,
            InputParamKind::ConstantOnly,
            true,
        );
        fields.push(FieldInfo {
            label: param.name.to_owned(),
            name: param.name.to_owned(),
            is_param: true,
        });
    }
    let params = Params::new(node, info);
    for port in kind.inputs(&params) {
        let name = port.name.to_string();
        let label = if fields.iter().any(|f| f.label == name) {
            format!("{name} (input)")
        } else {
            name.clone()
        };
        let field = FieldValue::for_input(port.ty, node.values.get(&name));
        let kind = if field == FieldValue::None {
            InputParamKind::ConnectionOnly
        } else {
            InputParamKind::ConnectionOrConstant
        };
        let input = graph.add_input_param(
            id,
            label.clone(),
            PortType(port.ty, PortRole::Data),
            field,
            kind,
            true,
        );
        fields.push(FieldInfo {
            label,
            name: name.clone(),
            is_param: false,
        });
        inputs.push((name, input));
    }
    for port in kind.all_outputs(&params) {
        let name = port.name.to_string();
        let role = match name.as_str() {
            crate::nodes::FAILURE_PORT => PortRole::Failure,
            _ => PortRole::Data,
        };
        let output = graph.add_output_param(id, name.clone(), PortType(port.ty, role));
        outputs.push((name, output));
    }
    graph[id].user_data.fields = fields;
    (inputs, outputs)
}

/// Builds the editor graph for `flow`: nodes in document order, then the wires.
pub fn build(flow: &Flow, registry: &Registry) -> (EditorGraph, Vec<EditorNodeId>, IdMap) {
    let mut graph = EditorGraph::new();
    let mut map = IdMap::default();
    let mut order = Vec::with_capacity(flow.nodes.len());
    let mut input_ids: HashMap<(&str, String), InputId> = HashMap::new();
    let mut output_ids: HashMap<(&str, String), OutputId> = HashMap::new();
    for node in &flow.nodes {
        let role = registry
            .get(&node.kind)
            .map_or(Role::Static, |k| k.info().role);
        let label = if node.title.is_empty() {
            registry
                .get(&node.kind)
                .map_or(node.kind.clone(), |k| k.info().name.to_owned())
        } else {
            node.title.clone()
        };
        let shows = (role == Role::Viewer)
            .then(|| producer_of_input(flow, registry, node.id.as_str(), "in"))
            .flatten();
        let data = EditorNode {
            doc_id: node.id.clone(),
            kind: registry.get(&node.kind).map_or("", |k| k.info().id),
            role,
            fields: Vec::new(),
            bypassed: node.bypassed,
            shows,
            title: node.title.clone(),
            promotable: registry
                .get(&node.kind)
                .is_some_and(|k| k.info().promote.is_some()),
            promote: node.promote.clone(),
            output: node.output,
            concurrency: node.concurrency,
            retry: node.retry.clone(),
            timeout_ms: node.timeout_ms,
            checkpoint: node.checkpoint.clone(),
            runs_flow: registry
                .get(&node.kind)
                .filter(|kind| kind.runs_flow())
                .map(|_| {
                    let file = match node.params.get(crate::format::FLOW_PARAM) {
                        Some(crate::model::ParamValue::Text(file)) => file.clone(),
                        _ => String::new(),
                    };
                    (file, node.subflow.is_some())
                }),
        };
        let mut ports = (Vec::new(), Vec::new());
        let id = graph.add_node(label, data, |graph, id| {
            ports = add_fields(graph, registry, id, node);
        });
        for (name, input) in ports.0 {
            map.inputs
                .insert(input, PortRef::new(node.id.clone(), name.as_str()));
            input_ids.insert((node.id.as_str(), name), input);
        }
        for (name, output) in ports.1 {
            map.outputs
                .insert(output, PortRef::new(node.id.clone(), name.as_str()));
            output_ids.insert((node.id.as_str(), name), output);
        }
        map.to_editor.insert(node.id.clone(), id);
        map.to_doc.insert(id, node.id.clone());
        order.push(id);
    }
    for edge in &flow.edges {
        let output = output_ids.get(&(edge.from.node.as_str(), edge.from.port.to_string()));
        let input = input_ids.get(&(edge.to.node.as_str(), edge.to.port.to_string()));
        if let (Some(&output), Some(&input)) = (output, input) {
            graph.add_connection(output, input, 0);
        }
    }
    (graph, order, map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_editor_graph_mirrors_the_document() {
        let registry = Registry::builtin();
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("saves/pipeline.flow");
        let flow = crate::format::load(&path, &registry).unwrap();
        let (graph, order, map) = build(&flow, &registry);
        assert_eq!(order.len(), flow.nodes.len());
        assert_eq!(graph.iter_connections().count(), flow.edges.len());
        for node in &flow.nodes {
            let id = map.to_editor[&node.id];
            assert_eq!(map.to_doc[&id], node.id);
            assert_eq!(graph[id].user_data.doc_id, node.id);
        }
        for (input, output) in graph.iter_connections() {
            let edge =
                crate::model::Edge::new(map.outputs[&output].clone(), map.inputs[&input].clone());
            assert!(flow.edges.contains(&edge), "{edge}");
        }
        let show = &graph[map.to_editor[&NodeId::from("show")]].user_data;
        assert_eq!(show.shows, Some(PortRef::new("report", "text")));
        let draft = &graph[map.to_editor[&NodeId::from("draft")]].user_data;
        assert!(draft.bypassed);
    }
}
