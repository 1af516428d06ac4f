//! The flow document: nodes, edges and layout, exactly what a `.flow` file holds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{NodeId, ParamValue, PortRef};

/// The `.flow` format version this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// A flow: nodes wired by edges, plus where they sit on the canvas.
///
/// Semantics (nodes, edges) and layout are kept apart so that moving a node on the canvas
/// never rewrites a node definition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    /// The format version; see [`FORMAT_VERSION`].
    pub version: u32,
    /// The nodes, kept sorted by id when saved.
    #[serde(default)]
    pub nodes: Vec<Node>,
    /// Wires from an output port to an input port, kept sorted when saved.
    #[serde(default)]
    pub edges: Vec<Edge>,
    /// Canvas layout: node positions and view sizes, pan and zoom.
    #[serde(default)]
    pub layout: Layout,
    /// How runs are scheduled (left out of the file while every setting is the default).
    #[serde(default, skip_serializing_if = "super::Settings::is_default")]
    pub settings: super::Settings,
}

impl Default for Flow {
    fn default() -> Self {
        Self {
            version: FORMAT_VERSION,
            nodes: Vec::new(),
            edges: Vec::new(),
            layout: Layout::default(),
            settings: super::Settings::default(),
        }
    }
}

impl Flow {
    /// The node with this id, if any (a linear scan: build an index for hot paths).
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|node| node.id.as_str() == id)
    }

    /// The node with this id, mutably.
    pub fn node_mut(&mut self, id: &str) -> Option<&mut Node> {
        self.nodes.iter_mut().find(|node| node.id.as_str() == id)
    }

    /// Puts nodes, edges and layout into the canonical order used when saving.
    pub fn normalize(&mut self) {
        self.nodes.sort_by(|a, b| a.id.cmp(&b.id));
        self.edges.sort();
        self.edges.dedup();
    }
}

/// One node of a flow.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    /// Stable id, unique within the flow.
    pub id: NodeId,
    /// The node kind's id in the registry, e.g. `shell`.
    pub kind: String,
    /// A title for people; empty means the kind's name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// The kind's parameters by name; missing ones take the kind's default.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, ParamValue>,
    /// Constant values for input ports, used when the input has no wire.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, ParamValue>,
    /// A bypassed node does not run: its primary input passes to its primary output.
    #[serde(default, skip_serializing_if = "is_false")]
    pub bypassed: bool,
    /// Marked as an output of the flow: a whole-flow run runs what it needs.
    #[serde(default, skip_serializing_if = "is_false")]
    pub output: bool,
    /// Promoted as an input of the flow: its value becomes a field of the run form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promote: Option<Promotion>,
    /// For a batch: how many items this node works on at once (`None`: its kind's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<u32>,
    /// How the node's step is tried again when it fails (`None`: the flow's setting for
    /// its kind, else no retry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<super::Retry>,
    /// The longest one attempt of the node's step may work, in milliseconds; past it the
    /// step is stopped and fails "timed out after …" (`None`: no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// A checkpoint before the node's step: with the checkpoint mode `marked` (the
    /// default) a run stops here for a person to approve, reject or skip the step. The text
    /// is the message they read ("Sign off before the upload"); empty means a plain
    /// "Approve before this step runs".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<String>,
    /// For a node that runs another flow (a subflow, a loop): that flow, linked when the
    /// outer flow is loaded (see `crate::subflow`). Not part of the file.
    #[serde(skip)]
    pub subflow: Option<std::sync::Arc<super::SubflowLink>>,
}

/// How a node appears as an input of the flow (a field of the run form, a `--set` label).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Promotion {
    /// The field's label; unique within the flow.
    pub label: String,
    /// Fields are shown by ascending order, then label.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub order: i32,
    /// For numbers: the smallest value allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// For numbers: the largest value allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

impl Promotion {
    /// A promotion with this label and order 0.
    pub fn new(label: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            order: 0,
            min: None,
            max: None,
        }
    }
}

fn is_zero(n: &i32) -> bool {
    *n == 0
}

impl Node {
    /// A node of `kind` with default parameters.
    pub fn new(id: impl Into<NodeId>, kind: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            kind: kind.into(),
            title: String::new(),
            params: BTreeMap::new(),
            values: BTreeMap::new(),
            bypassed: false,
            output: false,
            promote: None,
            concurrency: None,
            retry: None,
            timeout_ms: None,
            checkpoint: None,
            subflow: None,
        }
    }

    /// Sets a parameter (builder style).
    pub fn with_param(mut self, name: &str, value: impl Into<ParamValue>) -> Self {
        self.params.insert(name.to_owned(), value.into());
        self
    }

    /// Sets a constant input value (builder style).
    pub fn with_value(mut self, input: &str, value: impl Into<ParamValue>) -> Self {
        self.values.insert(input.to_owned(), value.into());
        self
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// When a wire fires, by how its source ended: the wire's outcome.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// When the source succeeded (or kept an earlier result): the usual data wire.
    #[default]
    Pass,
    /// When the source failed or was skipped: a failure branch.
    Fail,
    /// Whatever way the source ended: a cleanup step.
    Always,
}

impl Outcome {
    /// The word used in files and for people: `pass`, `fail`, `always`.
    pub fn word(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Always => "always",
        }
    }

    /// The outcome named by `word`.
    pub fn from_word(word: &str) -> Option<Self> {
        match word {
            "pass" => Some(Outcome::Pass),
            "fail" => Some(Outcome::Fail),
            "always" => Some(Outcome::Always),
            _ => None,
        }
    }

    /// What a wire leaving output `port` fires on unless told otherwise: `fail` from the
    /// failure port (it carries something only when its node did not succeed), else `pass`.
    pub fn default_for(port: &str) -> Self {
        match port {
            crate::nodes::FAILURE_PORT => Outcome::Fail,
            _ => Outcome::Pass,
        }
    }

    /// The next outcome in the order a click on a wire's pill goes through them.
    pub fn next(self) -> Self {
        match self {
            Outcome::Pass => Outcome::Fail,
            Outcome::Fail => Outcome::Always,
            Outcome::Always => Outcome::Pass,
        }
    }
}

/// A wire from an output port to an input port, written `"node.port -> node.port"`, with its
/// outcome after it in brackets when it is not `pass`: `"check.failure -> notify.in [fail]"`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Edge {
    /// The output port the data comes from.
    pub from: PortRef,
    /// The input port it goes to.
    pub to: PortRef,
    /// When it fires (see [`Outcome`]).
    pub outcome: Outcome,
}

impl Edge {
    /// A wire from `from` to `to` that fires when `from`'s node succeeds.
    pub fn new(from: PortRef, to: PortRef) -> Self {
        let outcome = Outcome::default_for(&from.port);
        Self { from, to, outcome }
    }

    /// The same wire with another outcome (builder style).
    pub fn with_outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }

    /// Parses `"node.port -> node.port"`, optionally followed by ` [fail]`, ` [always]` or
    /// ` [pass]`.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (text, outcome) = match text.strip_suffix(']').and_then(|t| t.rsplit_once('[')) {
            Some((wire, word)) => (wire, Some(Outcome::from_word(word.trim())?)),
            None => (text, None),
        };
        let (from, to) = text.split_once("->")?;
        let edge = Self::new(PortRef::parse(from.trim())?, PortRef::parse(to.trim())?);
        Some(match outcome {
            Some(outcome) => edge.with_outcome(outcome),
            None => edge,
        })
    }
}

impl Serialize for Edge {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Edge {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Edge::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "expected an edge written \"node.port -> node.port\" (optionally followed by \
                 [fail] or [always]), found \"{text}\""
            ))
        })
    }
}

impl std::fmt::Display for Edge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} -> {}", self.from, self.to)?;
        // Written only when it differs from what a wire from that port gets by default.
        if self.outcome != Outcome::default_for(&self.from.port) {
            write!(f, " [{}]", self.outcome.word())?;
        }
        Ok(())
    }
}

/// Where things are on the canvas. Not part of a flow's meaning.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    /// Canvas pan, in screen points.
    #[serde(default)]
    pub pan: (f32, f32),
    /// Canvas zoom factor (1.0 is 100 %).
    #[serde(default = "default_zoom")]
    pub zoom: f32,
    /// Node positions in graph space, by node id.
    #[serde(default)]
    pub positions: BTreeMap<NodeId, (f32, f32)>,
    /// Frames around nodes (not written when there are none, so older files stay as they
    /// were).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<super::Group>,
    /// The size a node's view area was resized to (a viewer's result area), width and
    /// height in graph units, by node id. Nodes not listed use their kind's default size;
    /// left out of the file when empty, so older files read unchanged.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sizes: BTreeMap<NodeId, (f32, f32)>,
}

impl Default for Layout {
    fn default() -> Self {
        Self {
            pan: (0.0, 0.0),
            zoom: default_zoom(),
            positions: BTreeMap::new(),
            groups: Vec::new(),
            sizes: BTreeMap::new(),
        }
    }
}

fn default_zoom() -> f32 {
    1.0
}
