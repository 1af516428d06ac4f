//! The desktop app's widgets: the canvas, the Flow Monitor, the run panel, app mode, the top
//! bar, banners and dialogs.

pub mod app_mode;
pub mod canvas;
pub mod checkpoint_card;
pub mod dialogs;
pub mod drawer;
pub mod find_bar;
pub mod image_viewer;
pub mod inputs_form;
pub mod json_tree;
pub mod monitor;
pub mod node_data_panel;
pub mod result_buttons;
pub mod results_window;
pub mod run_controls;
pub mod run_page;
pub mod run_panel;
pub mod run_schedule;
pub mod text_rows;
pub mod theme;
pub mod thumbnails;
pub mod timeline;
pub mod top_bar;
pub mod trust_banner;
pub mod value_view;
