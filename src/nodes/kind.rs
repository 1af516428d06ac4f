//! The node-kind trait every kind implements, and the helpers kinds use to read parameters.

use std::borrow::Cow;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::context::NodeContext;
use super::side_effects::{KnownInput, SideEffect};
use super::spec::{Effects, KindInfo, PortSpec};
use crate::model::{Node, ParamValue, Value};

/// One kind of node: its description, its ports and, for steps, the work it does.
///
/// Each kind lives in its own file and is listed once in [`super::Registry::builtin`].
pub trait NodeKind: Send + Sync + 'static {
    /// Static facts: id, name, category, role, parameters.
    fn info(&self) -> &KindInfo;

    /// The input ports of a node of this kind with these parameters.
    fn inputs(&self, params: &Params<'_>) -> Vec<PortSpec>;

    /// The output ports of a node of this kind with these parameters.
    fn outputs(&self, params: &Params<'_>) -> Vec<PortSpec>;

    /// Every output port a node of this kind shows and can be wired from: its
    /// [`outputs`](Self::outputs), then, for kinds that run as steps, the failure port
    /// ([`FAILURE_PORT`](super::FAILURE_PORT)), which carries what went wrong when the
    /// node fails or is skipped.
    fn all_outputs(&self, params: &Params<'_>) -> Vec<PortSpec> {
        let mut outputs = self.outputs(params);
        if matches!(self.info().role, super::Role::Step(_)) {
            outputs.push(PortSpec::new(
                super::FAILURE_PORT,
                crate::model::DataType::Json,
            ));
        }
        outputs
    }

    /// Problems with the parameters beyond their types (an unknown placeholder, say).
    fn check(&self, _params: &Params<'_>) -> Vec<String> {
        Vec::new()
    }

    /// How many items of a batch a node of this kind works on at once, unless the node
    /// says otherwise (1: one after another).
    fn batch_concurrency(&self) -> usize {
        1
    }

    /// Whether a node of this kind routes: it passes its value on through one of its
    /// outputs only (the branch taken), and a pass wire from an output it left empty does
    /// not fire (what it feeds is skipped, "condition false", a branch not taken).
    fn routes(&self) -> bool {
        false
    }

    /// Whether a node of this kind runs another flow, named by its `flow` parameter (a
    /// path relative to the outer flow's folder): a subflow or a loop. Such a node is
    /// linked to that flow when the outer flow is loaded, and its ports are that flow's
    /// interface (see `crate::format::link_subflows`).
    fn runs_flow(&self) -> bool {
        false
    }

    /// Whether the kind takes a batch whole (Collect Results, Batch) rather than running
    /// once per item.
    fn takes_batches(&self) -> bool {
        false
    }

    /// What a node of this kind would do outside its flow, judged before any run from its
    /// parameters and what `input` knows of its inputs. Pure kinds do nothing outside; a
    /// kind with side effects that says no more is reported as one [`SideEffect::Other`].
    fn side_effects(
        &self,
        _params: &Params<'_>,
        _input: &dyn Fn(&str) -> KnownInput,
    ) -> Vec<SideEffect> {
        match self.info().effects {
            Effects::Pure => Vec::new(),
            Effects::SideEffects => vec![SideEffect::Other {
                what: format!("a {} node acts outside the flow", self.info().name),
            }],
        }
    }

    /// Does the node's work. Only called for kinds whose role is a step.
    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        Err(NodeError::Failed(format!(
            "node kind `{}` does not run",
            ctx.node().kind
        )))
    }
}

/// Why a node's work did not produce outputs.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum NodeError {
    /// The work failed; the message is for the user.
    #[error("{0}")]
    Failed(String),
    /// The work failed for a reason a retry policy can match; the message is for the user.
    #[error("{message}")]
    FailedWith {
        /// What went wrong, for people.
        message: String,
        /// Why, for the executor (see [`FailureCause`]).
        cause: FailureCause,
    },
    /// The run was stopped while the node worked.
    #[error("cancelled")]
    Cancelled,
    /// The node needs something only a person can supply (a key variable that is not set,
    /// an input file that does not exist): the run parks, blocked, rather than failing, and
    /// Resume runs the node again once it is fixed.
    #[error("{cause}")]
    Blocked {
        /// What is missing, for people: "environment variable `API_KEY` is not set".
        cause: String,
        /// How to fix it: "set API_KEY in the environment flowcanvas runs in".
        fix: String,
    },
}

/// Why a node's work failed, when the kind can say: what a retry policy matches on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureCause {
    /// The step ran past its time limit and was stopped.
    Timeout,
    /// A command exited with this code.
    Exit(i32),
    /// An HTTP server answered with this status.
    Http {
        /// The status code, e.g. 503.
        status: u16,
        /// How long the server asked to wait before trying again (`Retry-After`), in
        /// milliseconds.
        retry_after_ms: Option<u64>,
    },
}

impl NodeError {
    /// A failure with this message.
    pub fn failed(message: impl Into<String>) -> Self {
        NodeError::Failed(message.into())
    }

    /// A failure with this message and a cause a retry policy can match.
    pub fn failed_with(message: impl Into<String>, cause: FailureCause) -> Self {
        NodeError::FailedWith {
            message: message.into(),
            cause,
        }
    }

    /// A block: the node needs `cause` fixed (how: `fix`) by a person.
    pub fn blocked(cause: impl Into<String>, fix: impl Into<String>) -> Self {
        NodeError::Blocked {
            cause: cause.into(),
            fix: fix.into(),
        }
    }

    /// The failure's cause, when it has one.
    pub fn cause(&self) -> Option<FailureCause> {
        match self {
            NodeError::FailedWith { cause, .. } => Some(*cause),
            NodeError::Failed(_) | NodeError::Cancelled | NodeError::Blocked { .. } => None,
        }
    }
}

/// A node's parameters with the kind's defaults filled in.
#[derive(Clone, Copy)]
pub struct Params<'a> {
    node: &'a Node,
    info: &'a KindInfo,
}

impl<'a> Params<'a> {
    /// The parameters of `node`, whose kind is described by `info`.
    pub fn new(node: &'a Node, info: &'a KindInfo) -> Self {
        Self { node, info }
    }

    /// The node these parameters belong to.
    pub fn node(&self) -> &'a Node {
        self.node
    }

    /// The raw value: the node's own, else the kind's default, else `None` for unknown names.
    pub fn get(&self, name: &str) -> Option<&'a ParamValue> {
        self.node
            .params
            .get(name)
            .or_else(|| self.info.param(name).map(|spec| &spec.default))
    }

    /// A text parameter ("" when absent or of another shape).
    pub fn text(&self, name: &str) -> &'a str {
        match self.get(name) {
            Some(ParamValue::Text(text)) => text,
            _ => "",
        }
    }

    /// A number parameter (0 when absent or of another shape).
    pub fn number(&self, name: &str) -> f64 {
        match self.get(name) {
            Some(ParamValue::Number(n)) => *n,
            _ => 0.0,
        }
    }

    /// A whole-number parameter, saturating at the bounds of `i64`.
    pub fn integer(&self, name: &str) -> i64 {
        self.number(name) as i64
    }

    /// A boolean parameter (false when absent).
    pub fn bool(&self, name: &str) -> bool {
        matches!(self.get(name), Some(ParamValue::Bool(true)))
    }

    /// A list-of-texts parameter; other items are left out.
    pub fn text_list(&self, name: &str) -> Vec<&'a str> {
        match self.get(name) {
            Some(ParamValue::List(items)) => items
                .iter()
                .filter_map(|item| match item {
                    ParamValue::Text(text) => Some(text.as_str()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A map-of-texts parameter; other values are left out.
    pub fn text_map(&self, name: &str) -> Vec<(&'a str, &'a str)> {
        match self.get(name) {
            Some(ParamValue::Map(map)) => map
                .iter()
                .filter_map(|(key, value)| match value {
                    ParamValue::Text(text) => Some((key.as_str(), text.as_str())),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// The values a node produced, by output port name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outputs(Vec<(Cow<'static, str>, Value)>);

impl Outputs {
    /// No outputs.
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// Adds (or replaces) a port's value, builder style.
    pub fn with(mut self, port: impl Into<Cow<'static, str>>, value: Value) -> Self {
        self.insert(port, value);
        self
    }

    /// Sets a port's value.
    pub fn insert(&mut self, port: impl Into<Cow<'static, str>>, value: Value) {
        let port = port.into();
        match self.0.iter_mut().find(|(name, _)| *name == port) {
            Some(slot) => slot.1 = value,
            None => self.0.push((port, value)),
        }
    }

    /// The value on a port.
    pub fn get(&self, port: &str) -> Option<&Value> {
        self.0
            .iter()
            .find(|(name, _)| name == port)
            .map(|(_, value)| value)
    }

    /// Ports and values in the order they were produced.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(name, value)| (name.as_ref(), value))
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl IntoIterator for Outputs {
    type Item = (Cow<'static, str>, Value);
    type IntoIter = std::vec::IntoIter<(Cow<'static, str>, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl Serialize for Outputs {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name.as_ref(), value)?;
        }
        map.end()
    }
}

impl<'de> serde::Deserialize<'de> for Outputs {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// Reads the ports straight into the list (a store load reads 100,000 of these; going
        /// through a JSON map and back cost a tenth of it).
        struct Ports;

        impl<'de> serde::de::Visitor<'de> for Ports {
            type Value = Outputs;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a map from port names to values")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Outputs, A::Error> {
                // Port order is kept: entries are read in file order (a repeated port keeps
                // its first place and its last value).
                let mut outputs = Outputs(Vec::with_capacity(map.size_hint().unwrap_or(1)));
                while let Some((name, value)) = map.next_entry::<String, Value>()? {
                    outputs.insert(name, value);
                }
                Ok(outputs)
            }
        }

        deserializer.deserialize_map(Ports)
    }
}
