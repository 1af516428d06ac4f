//! Node kinds: one file per kind behind the [`NodeKind`] trait, gathered in a [`Registry`].

mod context;
mod kind;
mod node_work;
mod registry;
mod secrets;
mod side_effects;
mod spec;

mod batch;
mod capped;
mod choice;
mod collect;
mod condition;
mod delay;
mod for_each;
mod http_client;
mod http_request;
mod if_kind;
mod image_adjust;
mod image_blur;
mod image_crop;
mod image_generate;
mod image_grayscale;
mod image_invert;
mod image_load;
mod image_resize;
mod image_rotate;
mod image_save;
mod images;
mod json_object;
mod json_parse;
mod json_pick;
mod llm_chat;
mod note;
mod number;
mod path;
mod read_file;
mod repeat_until;
mod script;
mod seed;
mod shell;
mod subflow;
mod switch;
mod switch_value;
mod template;
mod text;
mod viewer;
mod write_file;

#[cfg(test)]
pub(crate) mod testing;

pub use batch::{typed_items, BATCH_KIND};
pub use capped::{cut_note, HeadTail};
pub use context::{CancelToken, FlowRunner, NodeContext, Progress, ProgressSink, Stream};
pub use kind::{FailureCause, NodeError, NodeKind, Outputs, Params};
pub use node_work::{as_node_work, is_running_node};
pub use registry::Registry;
pub use seed::{SEED_FIXED, SEED_KIND, SEED_NEW_EACH_RUN};
pub use shell::{KEPT_HEAD_BYTES, KEPT_TAIL_BYTES};
pub use spec::{
    groups, Effects, KindInfo, ParamSpec, ParamType, Placement, PortSpec, Role, SUMMARY_MAX_CHARS,
};
pub use subflow::SUBFLOW_KIND;
pub use switch::switch_input_name;

// Trust: what nodes do outside the flow, and keys kept out of results.
pub use secrets::{
    check_key_variable, env_placeholders, expand_env_placeholders, Secrets, KEY_SUFFIXES,
    KEY_VARS_FILE,
};
pub use side_effects::{is_inside_folder, is_needs_trust, KnownInput, SideEffect, NEEDS_TRUST};

/// The output every step has beside its own: when the node fails or is skipped it carries
/// what went wrong (`{"node", "title", "status", "message"}`); wires from it fire on
/// failure (see `model::Outcome`).
pub const FAILURE_PORT: &str = "failure";

/// What every kind file needs.
mod prelude {
    pub use super::context::NodeContext;
    pub use super::kind::{FailureCause, NodeError, NodeKind, Outputs, Params};
    pub use super::side_effects::{KnownInput, SideEffect};
    pub use super::spec::{
        groups, named_inputs, Effects, KindInfo, ParamSpec, ParamType, Placement, PortSpec, Role,
    };
    pub use crate::model::{DataType, ParamValue, Value};
}
