//! Semantic checks of a flow against the node-kind registry: every problem, not just the first.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::fmt;

use crate::model::{Edge, Flow, Node, NodeId, FORMAT_VERSION};
use crate::nodes::{Params, PortSpec, Registry};

/// What a problem is about.
#[derive(Clone, Debug, PartialEq)]
pub enum Subject {
    /// The file as a whole (its version, say).
    Flow,
    /// One node.
    Node(NodeId),
    /// A second node with an id already used.
    DuplicateNode(NodeId),
    /// One edge.
    Edge(Edge),
    /// A layout entry for a node.
    Layout(NodeId),
}

/// One thing wrong with a flow.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// What it is about.
    pub subject: Subject,
    /// What is wrong, for people.
    pub message: String,
}

impl Problem {
    fn node(id: &NodeId, message: impl Into<String>) -> Self {
        Self {
            subject: Subject::Node(id.clone()),
            message: message.into(),
        }
    }

    fn edge(edge: &Edge, message: impl Into<String>) -> Self {
        Self {
            subject: Subject::Edge(edge.clone()),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.subject {
            Subject::Flow => write!(f, "{}", self.message),
            Subject::Node(id) | Subject::DuplicateNode(id) => {
                write!(f, "node `{id}`: {}", self.message)
            }
            Subject::Edge(edge) => write!(f, "edge `{edge}`: {}", self.message),
            Subject::Layout(id) => write!(f, "layout entry `{id}`: {}", self.message),
        }
    }
}

/// The ports of one node, as its kind computes them from its parameters.
#[derive(Clone, Debug, Default)]
pub struct NodePorts {
    /// Input ports.
    pub inputs: Vec<PortSpec>,
    /// Output ports.
    pub outputs: Vec<PortSpec>,
}

impl NodePorts {
    /// The input named `name`.
    pub fn input(&self, name: &str) -> Option<&PortSpec> {
        self.inputs.iter().find(|p| p.name == name)
    }

    /// The output named `name`.
    pub fn output(&self, name: &str) -> Option<&PortSpec> {
        self.outputs.iter().find(|p| p.name == name)
    }
}

/// Computes the ports of every node whose kind is known.
pub fn node_ports(flow: &Flow, registry: &Registry) -> HashMap<NodeId, NodePorts> {
    flow.nodes
        .iter()
        .filter_map(|node| {
            let kind = registry.get(&node.kind)?;
            let params = Params::new(node, kind.info());
            Some((
                node.id.clone(),
                NodePorts {
                    inputs: kind.inputs(&params),
                    outputs: kind.all_outputs(&params),
                },
            ))
        })
        .collect()
}

/// Every semantic problem in `flow`: version, ids, kinds, parameters, constant values,
/// edges (missing nodes or ports, type mismatches, two wires into one input) and layout.
/// Loops are the planner's business (see [`crate::plan::find_loops`]).
pub fn validate(flow: &Flow, registry: &Registry) -> Vec<Problem> {
    let mut problems = Vec::new();
    if flow.version != FORMAT_VERSION {
        problems.push(Problem {
            subject: Subject::Flow,
            message: format!(
                "unsupported version {} (this build reads version {FORMAT_VERSION})",
                flow.version
            ),
        });
    }

    let mut seen = HashSet::default();
    let mut duplicated = HashSet::default();
    let mut labels = HashSet::default();
    for node in &flow.nodes {
        let duplicate = seen.contains(&node.id);
        // Problems of a second node with a used id point at that node, not the first.
        let subject = if duplicate {
            Subject::DuplicateNode(node.id.clone())
        } else {
            Subject::Node(node.id.clone())
        };
        let problem = |message: String| Problem {
            subject: subject.clone(),
            message,
        };
        if !NodeId::is_valid(node.id.as_str()) {
            problems.push(problem(
                "ids are 1 to 64 letters, digits, `_` or `-`".to_owned(),
            ));
        }
        if !seen.insert(node.id.clone()) {
            duplicated.insert(node.id.clone());
            problems.push(Problem {
                subject: Subject::DuplicateNode(node.id.clone()),
                message: "duplicate id".to_owned(),
            });
        }
        check_node(node, &subject, registry, &mut labels, &mut problems);
    }

    check_edges(flow, registry, &seen, &duplicated, &mut problems);

    for id in flow.layout.positions.keys() {
        if !seen.contains(id) {
            problems.push(Problem {
                subject: Subject::Layout(id.clone()),
                message: "position for a node that does not exist".to_owned(),
            });
        }
    }
    check_settings(&flow.settings, registry, &mut problems);
    let mut grouped = std::collections::HashSet::new();
    for group in &flow.layout.groups {
        for id in &group.nodes {
            let message = if !seen.contains(id) {
                format!("group \"{}\" names a node that does not exist", group.title)
            } else if !grouped.insert(id) {
                format!("node is in more than one group (\"{}\" too)", group.title)
            } else {
                continue;
            };
            problems.push(Problem {
                subject: Subject::Layout(id.clone()),
                message,
            });
        }
    }
    for id in flow.layout.sizes.keys() {
        if !seen.contains(id) {
            problems.push(Problem {
                subject: Subject::Layout(id.clone()),
                message: "size for a node that does not exist".to_owned(),
            });
        }
    }
    problems
}

/// The run settings' problems: a limit or time limit of 0, a limit, retry policy or queue
/// timeout for a kind that does not exist, an invalid retry policy.
fn check_settings(
    settings: &crate::model::Settings,
    registry: &Registry,
    problems: &mut Vec<Problem>,
) {
    if settings.max_parallel == Some(0) {
        problems.push(Problem {
            subject: Subject::Flow,
            message: "settings: `max_parallel` must be at least 1".to_owned(),
        });
    }
    for (kind, limit) in &settings.kind_limits {
        let message = if registry.get(kind).is_none() {
            format!("settings: `kind_limits` names `{kind}`, which is not a node kind")
        } else if *limit == 0 {
            format!("settings: the limit for `{kind}` must be at least 1")
        } else {
            continue;
        };
        problems.push(Problem {
            subject: Subject::Flow,
            message,
        });
    }
    let mut flow_problem = |message: String| {
        problems.push(Problem {
            subject: Subject::Flow,
            message,
        })
    };
    if settings.timeout_ms == Some(0) {
        flow_problem("settings: `timeout_ms` must be at least 1".to_owned());
    }
    for (kind, retry) in &settings.retry {
        if registry.get(kind).is_none() {
            flow_problem(format!(
                "settings: `retry` names `{kind}`, which is not a node kind"
            ));
        }
        for message in retry.problems() {
            flow_problem(format!("settings: retry for `{kind}`: {message}"));
        }
    }
    for (kind, timeout_ms) in &settings.queue_timeout_ms {
        if registry.get(kind).is_none() {
            flow_problem(format!(
                "settings: `queue_timeout_ms` names `{kind}`, which is not a node kind"
            ));
        } else if *timeout_ms == 0 {
            flow_problem(format!(
                "settings: the queue timeout for `{kind}` must be at least 1"
            ));
        }
    }
}

/// The problems of one node that its kind can tell: the kind itself, parameters, constant
/// input values, the kind's own checks and a promotion (labels seen so far in `labels`).
fn check_node(
    node: &Node,
    subject: &Subject,
    registry: &Registry,
    labels: &mut HashSet<String>,
    problems: &mut Vec<Problem>,
) {
    let problem = |message: String| Problem {
        subject: subject.clone(),
        message,
    };
    let Some(kind) = registry.get(&node.kind) else {
        problems.push(problem(format!(
            "unknown kind `{}` (known kinds: {})",
            node.kind,
            registry.ids().join(", ")
        )));
        return;
    };
    let info = kind.info();
    for (name, value) in &node.params {
        match info.param(name) {
            None => {
                let known: Vec<_> = info.params.iter().map(|p| p.name).collect();
                problems.push(Problem::node(
                    &node.id,
                    format!(
                        "unknown parameter `{name}` for kind `{}` (it has: {})",
                        node.kind,
                        if known.is_empty() {
                            "none".to_owned()
                        } else {
                            known.join(", ")
                        }
                    ),
                ));
            }
            Some(spec) => {
                if let Err(message) = spec.ty.check(value) {
                    problems.push(Problem::node(
                        &node.id,
                        format!("parameter `{name}` {message}"),
                    ));
                }
            }
        }
    }
    let params = Params::new(node, info);
    let inputs = kind.inputs(&params);
    let input_named = port_lookup(&inputs);
    for (name, value) in &node.values {
        match input_named(name) {
            None => problems.push(problem(format!(
                "`values` names `{name}`, which is not an input of this node"
            ))),
            Some(port) => {
                if let Err(message) = value.to_value().convert_to(port.ty) {
                    problems.push(Problem::node(
                        &node.id,
                        format!("value for input `{name}`: {message}"),
                    ));
                }
            }
        }
    }
    for message in kind.check(&params) {
        problems.push(problem(message));
    }
    if let Some(retry) = &node.retry {
        for message in retry.problems() {
            problems.push(problem(format!("retry: {message}")));
        }
    }
    if node.timeout_ms == Some(0) {
        problems.push(problem("`timeout_ms` must be at least 1".to_owned()));
    }
    if let Some(promotion) = &node.promote {
        if info.promote.is_none() {
            problems.push(problem(format!(
                "a `{}` node cannot be promoted as an input",
                node.kind
            )));
        }
        if promotion.label.trim().is_empty() {
            problems.push(problem("a promoted input needs a label".to_owned()));
        } else if !labels.insert(promotion.label.clone()) {
            problems.push(problem(format!(
                "the input label `{}` is used twice",
                promotion.label
            )));
        }
        if let (Some(min), Some(max)) = (promotion.min, promotion.max) {
            if min > max {
                problems.push(problem(format!(
                    "promoted input `{}`: min {min} is above max {max}",
                    promotion.label
                )));
            }
        }
    }
}

/// The problems of the wires: missing nodes or ports, type mismatches and two wires into
/// one input. `seen` holds every node id, `duplicated` those used twice.
fn check_edges(
    flow: &Flow,
    registry: &Registry,
    seen: &HashSet<NodeId>,
    duplicated: &HashSet<NodeId>,
    problems: &mut Vec<Problem>,
) {
    let ports = node_ports(flow, registry);
    // Every port by node and name, so checking a wire costs the same however many ports
    // its node has (a node fed by thousands of wires).
    let mut outputs_by_name: HashMap<(&str, &str), &PortSpec> = HashMap::default();
    let mut inputs_by_name: HashMap<(&str, &str), &PortSpec> = HashMap::default();
    for (id, node_ports) in &ports {
        for port in &node_ports.outputs {
            outputs_by_name
                .entry((id.as_str(), &port.name))
                .or_insert(port);
        }
        for port in &node_ports.inputs {
            inputs_by_name
                .entry((id.as_str(), &port.name))
                .or_insert(port);
        }
    }
    let mut wired_inputs = HashSet::default();
    for edge in &flow.edges {
        let from = ports.get(&edge.from.node);
        let to = ports.get(&edge.to.node);
        let mut ok = true;
        for (end, side) in [(&edge.from, "source"), (&edge.to, "target")] {
            if !seen.contains(&end.node) {
                problems.push(Problem::edge(
                    edge,
                    format!("{side} node `{}` does not exist", end.node),
                ));
                ok = false;
            }
        }
        // With two nodes of one id, which one the edge means is unknowable: the duplicate
        // is reported once, not again as a port problem.
        if !ok || duplicated.contains(&edge.from.node) || duplicated.contains(&edge.to.node) {
            continue;
        }
        let out_port = outputs_by_name
            .get(&(edge.from.node.as_str(), &*edge.from.port))
            .copied();
        let in_port = inputs_by_name
            .get(&(edge.to.node.as_str(), &*edge.to.port))
            .copied();
        if from.is_some() && out_port.is_none() {
            problems.push(Problem::edge(
                edge,
                format!(
                    "node `{}` has no output `{}`{}",
                    edge.from.node,
                    edge.from.port,
                    list_ports(from.map(|p| &p.outputs))
                ),
            ));
        }
        if to.is_some() && in_port.is_none() {
            problems.push(Problem::edge(
                edge,
                format!(
                    "node `{}` has no input `{}`{}",
                    edge.to.node,
                    edge.to.port,
                    list_ports(to.map(|p| &p.inputs))
                ),
            ));
        }
        if let (Some(out_port), Some(in_port)) = (out_port, in_port) {
            if !out_port.ty.connects_to(in_port.ty) {
                problems.push(Problem::edge(
                    edge,
                    format!(
                        "type mismatch: {} output into {} input",
                        out_port.ty, in_port.ty
                    ),
                ));
            }
        }
        if !wired_inputs.insert(&edge.to) {
            problems.push(Problem::edge(
                edge,
                format!(
                    "input `{}` already has a wire (an input takes one)",
                    edge.to
                ),
            ));
        }
    }
}

/// Finds a port by name among `ports`: a search for a few, a hash map for many.
fn port_lookup<'p>(ports: &'p [PortSpec]) -> impl Fn(&str) -> Option<&'p PortSpec> {
    let by_name: HashMap<&str, &PortSpec> = if ports.len() > 16 {
        ports.iter().rev().map(|p| (&*p.name, p)).collect()
    } else {
        HashMap::default()
    };
    move |name| {
        if by_name.is_empty() {
            ports.iter().find(|p| p.name == name)
        } else {
            by_name.get(name).copied()
        }
    }
}

fn list_ports(ports: Option<&Vec<PortSpec>>) -> String {
    match ports {
        Some(ports) if !ports.is_empty() => {
            let names: Vec<_> = ports.iter().map(|p| format!("`{}`", p.name)).collect();
            format!(" (it has {})", names.join(", "))
        }
        _ => " (it has none)".to_owned(),
    }
}
