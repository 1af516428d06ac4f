//! The flow document model: nodes, ports, edges, data types and values (no UI).

mod auto_layout;
mod flow;
mod ids;
mod image_data;
mod inputs;
mod types;
mod validate;
mod value;

pub use auto_layout::place_unplaced;
pub use flow::{Edge, Flow, Layout, Node, Promotion, FORMAT_VERSION};
pub use ids::{NodeId, PortRef};
pub use image_data::ImageData;
pub use inputs::{apply_inputs, flow_inputs, flow_outputs, parse_input, FlowInput, InputKind};
pub use types::DataType;
pub use validate::{node_ports, validate, NodePorts, Problem, Subject};
pub use value::{format_number, BatchItem, ParamValue, Value};
