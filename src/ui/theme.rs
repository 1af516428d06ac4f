//! The app's colours, named by what they mean: one palette for statuses, panels, banners
//! and the canvas, so no widget picks a colour of its own.

use eframe::egui::Color32;

/// Text that warns (a run that did not complete, a flow that needs trust).
pub const WARNING_TEXT: Color32 = Color32::from_rgb(240, 170, 90);

/// The fill of a strip that asks for a decision before it goes away.
pub const WARNING_STRIP: Color32 = Color32::from_rgb(58, 46, 30);

/// The fill of a button that goes ahead (Run, Trust this folder).
pub const GO_FILL: Color32 = Color32::from_rgb(40, 120, 70);

/// Text on a [`GO_FILL`] button.
pub const GO_TEXT: Color32 = Color32::WHITE;

/// A passing notice at the top of the window.
pub const NOTICE: Color32 = WARNING_TEXT;
