//! Checks of a flow that need the node kinds (the registry): validation of a whole flow, the
//! ports each node has, and the flow's interface (promoted inputs, marked outputs). One layer
//! above [`crate::model`], which knows no node kind.

mod inputs;
mod interface;
mod validate;

pub use inputs::{apply_inputs, flow_inputs, flow_outputs, parse_input, FlowInput, InputKind};
pub use interface::flow_interface;
pub use validate::{node_ports, validate, NodePorts, Problem, Subject};
