//! What a node that runs another flow knows of that flow once it is linked: the inner flow
//! itself, its interface (promoted inputs and marked outputs, as ports) and a digest of its
//! content, so that editing the inner file makes the outer node's result stale.

use std::path::PathBuf;
use std::sync::Arc;

use super::{DataType, Flow, NodeId};

/// The flow a subflow node (or a loop) refers to, read and checked. Never written to a
/// file: it is made again from the inner file each time the outer flow is loaded.
#[derive(Clone, Debug)]
pub struct SubflowLink {
    /// The inner file, as found (the node's path joined to the outer flow's folder).
    pub path: PathBuf,
    /// The inner flow, its own subflows linked too.
    pub flow: Arc<Flow>,
    /// One input port per promoted input of the inner flow, in its form order.
    pub inputs: Vec<LinkedPort>,
    /// One output port per marked output of the inner flow.
    pub outputs: Vec<LinkedPort>,
    /// SHA-256 (hex) of the inner file's text and of every flow it nests in turn.
    pub digest: String,
}

/// One port of a linked flow's interface.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkedPort {
    /// The port's name: the input's label or the output node's title.
    pub name: String,
    /// The value it carries: the type of the node behind it.
    pub ty: DataType,
    /// The inner node behind the port.
    pub node: NodeId,
}

impl PartialEq for SubflowLink {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path && self.digest == other.digest
    }
}
