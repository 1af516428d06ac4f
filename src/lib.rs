//! Flowcanvas: build node-graph pipelines and run them, live on a canvas or headless.
//!
//! The engine is UI-free: [`model`] (the flow document, a leaf), [`status`] (a node's status
//! in a run and its words, a leaf), [`check`] (validation and flow inputs, which need the node
//! kinds), [`format`](mod@format) (`.flow` files), [`plan`] (what a run covers, in what order),
//! [`exec`] (the background executor and its events), [`nodes`] (the node kinds), [`store`]
//! (results and run records beside each flow), [`timeline`] (a run's steps on a time axis,
//! and its Chrome trace) and [`trust`] (what a flow does outside itself, and restricted runs
//! of flows nobody trusted yet). The command line ([`cli`]) and the desktop
//! app (`app`, with its window-free state in [`session`], drawn by `ui`) are its two clients.
//! The desktop app is the default cargo feature `gui`; without it the crate is the engine, the
//! session layer and the command line only (the headless build).

#[cfg(feature = "gui")]
pub mod app;
pub mod check;
pub mod cli;
pub mod exec;
pub mod format;
pub mod fsutil;
pub mod hex;
pub mod model;
pub mod nodes;
pub mod plan;
pub mod process_guard;
pub mod results;
pub mod session;
pub mod settings;
pub mod signals;
pub mod status;
pub mod store;
pub mod timeline;
pub mod trust;
#[cfg(feature = "gui")]
pub mod ui;
