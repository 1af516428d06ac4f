//! The flow document model: nodes, ports, edges, data types and values (no UI). A leaf of
//! the crate: it imports nothing else from it. Checks that need the node kinds live in
//! the `check` module, one layer up.

mod auto_layout;
mod checkpoint;
mod flow;
mod group;
mod ids;
mod image_data;
mod labels;
mod retry;
mod settings;
mod subflow_link;
mod types;
mod value;

pub use auto_layout::place_unplaced;
pub use checkpoint::{CheckpointMode, Verdict};
pub use flow::{Edge, Flow, Layout, Node, Outcome, Promotion, FORMAT_VERSION};
pub use group::{Group, GroupColor};
pub use ids::{NodeId, PortRef};
pub use image_data::ImageData;
pub use labels::{visible_controls, NodeLabels};
pub use retry::{Retry, RetryOn};
pub use settings::Settings;
pub use subflow_link::{LinkedPort, SubflowLink};
pub use types::DataType;
pub use value::{format_number, BatchItem, ParamValue, Value};
