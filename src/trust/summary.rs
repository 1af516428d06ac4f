//! The side-effect summary of a flow: every node that acts outside the flow, and the
//! commands, hosts, paths outside its folder and environment variables they use.

use std::collections::BTreeSet;
use std::path::Path;

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::restrict::needs_trust;
use crate::model::{Flow, Node, NodeId, ParamValue};
use crate::nodes::{is_inside_folder, KnownInput, Params, Registry, Role, SideEffect};

/// What one node would do outside the flow.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeEffects {
    /// The node.
    pub node: NodeId,
    /// Its title (its kind's name when it has none).
    pub title: String,
    /// Its kind's id.
    pub kind: String,
    /// What it does outside the flow.
    pub effects: Vec<SideEffect>,
    /// Why a restricted run leaves it out (`needs trust: …`); `None` when it may run.
    pub needs_trust: Option<String>,
}

/// Whether a path is read or written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Read.
    Read,
    /// Written.
    Write,
}

/// A path outside the flow's folder that a node reads or writes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct OutsidePath {
    /// The path as written in the flow.
    pub path: String,
    /// Read or written.
    pub access: Access,
}

/// Everything a flow would do outside itself, by node and gathered by sort.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FlowEffects {
    /// Each node with effects outside the flow, in file order (bypassed nodes left out:
    /// they do not run).
    pub nodes: Vec<NodeEffects>,
    /// The shell command lines, in node order.
    pub commands: Vec<String>,
    /// The hosts requests go to, sorted (`host` or `host:port`).
    pub hosts: Vec<String>,
    /// The URLs requests go to (LLM nodes: their base URL), sorted.
    pub urls: Vec<String>,
    /// Paths outside the flow's folder that are read or written, sorted.
    pub outside_paths: Vec<OutsidePath>,
    /// The environment variables used, sorted.
    pub env_vars: Vec<String>,
    /// How many nodes take values from wires that are known only at run time (URLs and
    /// paths); the summary cannot name those.
    pub known_at_run_time: usize,
}

impl FlowEffects {
    /// The summary of `flow`, whose relative paths are relative to `base_dir`.
    pub fn of(flow: &Flow, registry: &Registry, base_dir: &Path) -> Self {
        let wiring = Wiring::new(flow);
        let mut summary = FlowEffects::default();
        let mut hosts = BTreeSet::new();
        let mut urls = BTreeSet::new();
        let mut outside = BTreeSet::new();
        let mut env_vars = BTreeSet::new();
        for node in &flow.nodes {
            if node.bypassed {
                continue;
            }
            let Some(kind) = registry.get(&node.kind) else {
                continue;
            };
            if !matches!(kind.info().role, Role::Step(_)) {
                continue;
            }
            let effects = wiring.effects_of(node, registry);
            if effects.is_empty() {
                continue;
            }
            let mut at_run_time = false;
            for effect in &effects {
                match effect {
                    SideEffect::Command { command } => summary.commands.push(command.clone()),
                    SideEffect::Request { url: Some(url) } => {
                        hosts.insert(host_of(url));
                        urls.insert(url.clone());
                    }
                    SideEffect::Request { url: None }
                    | SideEffect::Read { path: None }
                    | SideEffect::Write { path: None } => at_run_time = true,
                    SideEffect::Read { path: Some(path) } => {
                        if !is_inside_folder(base_dir, Path::new(path)) {
                            outside.insert(OutsidePath {
                                path: path.clone(),
                                access: Access::Read,
                            });
                        }
                    }
                    SideEffect::Write { path: Some(path) } => {
                        if !is_inside_folder(base_dir, Path::new(path)) {
                            outside.insert(OutsidePath {
                                path: path.clone(),
                                access: Access::Write,
                            });
                        }
                    }
                    SideEffect::EnvVar { name, .. } => {
                        env_vars.insert(name.clone());
                    }
                    SideEffect::Other { .. } => {}
                }
            }
            summary.known_at_run_time += usize::from(at_run_time);
            summary.nodes.push(NodeEffects {
                node: node.id.clone(),
                title: if node.title.trim().is_empty() {
                    kind.info().name.to_owned()
                } else {
                    node.title.clone()
                },
                kind: node.kind.clone(),
                needs_trust: needs_trust(&effects, base_dir),
                effects,
            });
        }
        summary.hosts = hosts.into_iter().collect();
        summary.urls = urls.into_iter().collect();
        summary.outside_paths = outside.into_iter().collect();
        summary.env_vars = env_vars.into_iter().collect();
        summary
    }

    /// Whether the flow does nothing outside itself.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The nodes a restricted run leaves out.
    pub fn needing_trust(&self) -> impl Iterator<Item = &NodeEffects> {
        self.nodes.iter().filter(|n| n.needs_trust.is_some())
    }

    /// The summary for people, one line per sort of effect (empty when there is none):
    /// `commands: …`, `hosts: …`, `outside the flow's folder: …`, `environment variables: …`.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if !self.commands.is_empty() {
            let quoted: Vec<String> = self
                .commands
                .iter()
                .map(|c| quote_command(c, " ↵ ", 80))
                .collect();
            lines.push(format!("commands: {}", quoted.join(", ")));
        }
        if !self.hosts.is_empty() {
            lines.push(format!(
                "hosts: {}",
                visible_controls(&self.hosts.join(", "))
            ));
        }
        if !self.outside_paths.is_empty() {
            let paths: Vec<String> = self
                .outside_paths
                .iter()
                .map(|p| match p.access {
                    Access::Read => format!("reads {}", visible_controls(&p.path)),
                    Access::Write => format!("writes {}", visible_controls(&p.path)),
                })
                .collect();
            lines.push(format!("outside the flow's folder: {}", paths.join(", ")));
        }
        if !self.env_vars.is_empty() {
            lines.push(format!(
                "environment variables: {}",
                visible_controls(&self.env_vars.join(", "))
            ));
        }
        if self.known_at_run_time > 0 {
            lines.push(format!(
                "{} node{} take{} a URL or path from a wire, known only when it runs",
                self.known_at_run_time,
                if self.known_at_run_time == 1 { "" } else { "s" },
                if self.known_at_run_time == 1 { "s" } else { "" },
            ));
        }
        lines
    }
}

/// A command line on one line, in backticks: its lines kept apart by `separator` (so a script
/// reads as the lines it has), runs of spaces made one, other control characters made visible
/// (see [`visible_controls`]), cut with `…` past `max_chars`.
pub fn quote_command(command: &str, separator: &str, max_chars: usize) -> String {
    let one_line = command
        .lines()
        .map(|line| visible_controls(&line.split_whitespace().collect::<Vec<_>>().join(" ")))
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(separator);
    if one_line.chars().count() > max_chars {
        let cut: String = one_line.chars().take(max_chars.saturating_sub(1)).collect();
        format!("`{cut}…`")
    } else {
        format!("`{one_line}`")
    }
}

pub use crate::model::visible_controls;

/// The flow's wiring, indexed once, to tell what is known of each input before a run.
pub(super) struct Wiring<'a> {
    wired: FxHashMap<(&'a str, &'a str), &'a str>,
    index: FxHashMap<&'a str, &'a Node>,
}

impl<'a> Wiring<'a> {
    /// Indexes `flow`'s wires and nodes.
    pub(super) fn new(flow: &'a Flow) -> Self {
        Self {
            wired: flow
                .edges
                .iter()
                .map(|e| ((e.to.node.as_str(), &*e.to.port), e.from.node.as_str()))
                .collect(),
            index: flow.nodes.iter().map(|n| (n.id.as_str(), n)).collect(),
        }
    }

    /// What `node`'s kind says it would do outside the flow (nothing for unknown kinds).
    pub(super) fn effects_of(&self, node: &Node, registry: &Registry) -> Vec<SideEffect> {
        let Some(kind) = registry.get(&node.kind) else {
            return Vec::new();
        };
        if kind.runs_flow() {
            // What the flow it runs does (subflows nest a bounded number of levels).
            return node
                .subflow
                .as_ref()
                .map_or_else(Vec::new, |link| inner_effects(&link.flow, registry));
        }
        let input = |port: &str| self.known_input(node, port);
        kind.side_effects(&Params::new(node, kind.info()), &input)
    }

    /// What is known before a run of the value reaching input `port` of `node`: its
    /// constant, the text of a Text or File path node wired straight into it, or only that
    /// a wire brings it.
    fn known_input(&self, node: &Node, port: &str) -> KnownInput {
        if let Some(producer) = self.wired.get(&(node.id.as_str(), port)) {
            let typed = self.index.get(producer).and_then(|producer| {
                let param = match producer.kind.as_str() {
                    "text" => "text",
                    "path" => "path",
                    _ => return None,
                };
                match producer.params.get(param) {
                    Some(ParamValue::Text(text)) => Some(text.clone()),
                    _ => None,
                }
            });
            return typed.map_or(KnownInput::FromWire, KnownInput::Value);
        }
        match node.values.get(port) {
            Some(ParamValue::Text(text)) => KnownInput::Value(text.clone()),
            Some(other) => KnownInput::Value(other.to_json().to_string()),
            None => KnownInput::Unset,
        }
    }
}

/// The host (with its port, if any) a URL names; the URL itself when it names none.
pub fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    if host.is_empty() {
        url.to_owned()
    } else {
        host.to_ascii_lowercase()
    }
}

/// Every side effect of the steps of `flow` (a subflow's inner flow), each once.
fn inner_effects(flow: &Flow, registry: &Registry) -> Vec<SideEffect> {
    let wiring = Wiring::new(flow);
    let mut effects: Vec<SideEffect> = Vec::new();
    for node in flow.nodes.iter().filter(|node| !node.bypassed) {
        for effect in wiring.effects_of(node, registry) {
            if !effects.contains(&effect) {
                effects.push(effect);
            }
        }
    }
    effects
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nodes::{Effects, KindInfo, NodeKind, Placement, PortSpec};

    #[test]
    fn control_characters_from_the_flow_are_shown_not_sent() {
        assert_eq!(visible_controls("plain ünïcode"), "plain ünïcode");
        assert_eq!(
            visible_controls("a\u{1b}[8mb\tc\nd\u{7}\u{9b}e\u{202e}f"),
            r"a\e[8mb\tc\nd\x07\u{9b}e\u{202e}f"
        );
        assert_eq!(
            quote_command("echo hi\u{1b}[8m; curl x | sh\u{1b}[0m\nls", " ↵ ", 80),
            r"`echo hi\e[8m; curl x | sh\e[0m ↵ ls`"
        );
    }

    #[test]
    fn host_of_keeps_the_port_and_drops_user_and_path() {
        assert_eq!(host_of("https://api.example.com/v1?q=1"), "api.example.com");
        assert_eq!(
            host_of("http://me:pw@Example.COM:8080/x"),
            "example.com:8080"
        );
        assert_eq!(host_of("example.org/path"), "example.org");
    }

    /// A kind with side effects that does not say what they are.
    struct Mystery(KindInfo);

    impl NodeKind for Mystery {
        fn info(&self) -> &KindInfo {
            &self.0
        }
        fn inputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
            Vec::new()
        }
        fn outputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
            Vec::new()
        }
    }

    #[test]
    fn a_side_effect_kind_that_says_nothing_more_still_needs_trust() {
        let mut registry = Registry::new();
        registry.register(Mystery(KindInfo::step(
            "mystery",
            "Mystery",
            "Test",
            "Does something.",
            Placement::Worker,
            Effects::SideEffects,
        )));
        let flow = Flow {
            nodes: vec![Node::new("m", "mystery")],
            ..Default::default()
        };
        let effects = FlowEffects::of(&flow, &registry, Path::new("/tmp"));
        assert_eq!(effects.nodes.len(), 1);
        assert_eq!(
            effects.nodes[0].needs_trust.as_deref(),
            Some("needs trust: a Mystery node acts outside the flow")
        );
    }
}
