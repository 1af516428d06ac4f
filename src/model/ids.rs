//! Identifiers: node ids and references to a node's port.

use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A node's stable id, unique within a flow (letters, digits, `_` and `-`).
///
/// Cheap to clone: events and plans carry it freely.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeId(Arc<str>);

impl NodeId {
    /// Wraps a string as a node id without checking it (see [`NodeId::is_valid`]).
    pub fn new(id: impl Into<Arc<str>>) -> Self {
        Self(id.into())
    }

    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `text` is a well-formed id: 1 to 64 letters, digits, `_` or `-`.
    pub fn is_valid(text: &str) -> bool {
        !text.is_empty()
            && text.len() <= 64
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    }
}

impl Borrow<str> for NodeId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", &*self.0)
    }
}

impl From<&str> for NodeId {
    fn from(id: &str) -> Self {
        Self::new(id)
    }
}

/// One port of one node, written `node.port` in `.flow` files.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortRef {
    /// The node that owns the port.
    pub node: NodeId,
    /// The port's name within that node.
    pub port: Arc<str>,
}

impl PortRef {
    /// A reference to `port` on `node`.
    pub fn new(node: impl Into<NodeId>, port: impl Into<Arc<str>>) -> Self {
        Self {
            node: node.into(),
            port: port.into(),
        }
    }

    /// Parses `node.port`; the node id is everything before the last dot.
    pub fn parse(text: &str) -> Option<Self> {
        let (node, port) = text.rsplit_once('.')?;
        if node.is_empty() || port.is_empty() {
            return None;
        }
        Some(Self::new(node, port))
    }
}

impl fmt::Display for PortRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.node, self.port)
    }
}

impl Serialize for PortRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PortRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        PortRef::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "expected a port written `node.port`, found `{text}`"
            ))
        })
    }
}
