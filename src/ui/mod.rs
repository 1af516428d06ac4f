//! The desktop app's widgets: the canvas, the Flow Monitor, the top bar and dialogs.

pub mod canvas;
pub mod dialogs;
pub mod monitor;
pub mod top_bar;
