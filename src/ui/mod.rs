//! The desktop app's widgets: the canvas, the Flow Monitor, the run panel, app mode, the top
//! bar and dialogs.

pub mod app_mode;
pub mod canvas;
pub mod dialogs;
pub mod inputs_form;
pub mod monitor;
pub mod run_panel;
pub mod top_bar;
