//! Integration tests: the CLI on the example flows, engine scenarios, and properties of
//! plans over random graphs. One test binary, one module per area.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot set up should stop right there"
)]

mod batch_runs;
mod blocked;
mod checkpoint_cli;
mod checkpoints;
mod cli;
mod conditions;
mod dag_props;
mod engine;
mod fresh_check;
#[cfg(feature = "gui")]
mod gui;
#[cfg(feature = "gui")]
mod gui_add_node;
#[cfg(feature = "gui")]
mod gui_canvas_view;
#[cfg(feature = "gui")]
mod gui_checkpoints;
#[cfg(feature = "gui")]
mod gui_node_data;
#[cfg(feature = "gui")]
mod gui_outcomes;
#[cfg(feature = "gui")]
mod gui_panels;
#[cfg(feature = "gui")]
mod gui_results;
#[cfg(feature = "gui")]
mod gui_retries;
#[cfg(feature = "gui")]
mod gui_run_control;
#[cfg(feature = "gui")]
mod gui_run_page;
#[cfg(feature = "gui")]
mod gui_subflows;
#[cfg(feature = "gui")]
mod gui_timeline;
mod headless;
mod image_nodes;
mod local_server;
mod loops;
mod messages;
mod outcomes;
mod retries;
mod run_control;
mod run_from_here;
mod run_states;
mod scale;
mod script_limits;
mod stopping;
mod store;
mod subflows;
mod support;
mod timeline;
mod timeouts;
mod transcript;
mod trust;
mod web_nodes;
