//! The desktop app: a client of the engine that edits flows on a canvas and runs them live.
//! State that needs no window (document, run view, commands) is kept apart from drawing.

pub mod commands;
pub mod document;
pub mod flowcanvas_app;
pub mod recent;
pub mod recovery;
pub mod result_actions;
pub mod run_view;
pub mod screenshot;
pub mod store_catalog;

use std::sync::atomic::Ordering;

pub use flowcanvas_app::{FlowcanvasApp, StartOptions};

/// Whether a window can be opened here.
fn display_available() -> bool {
    if cfg!(any(
        target_os = "linux",
        target_os = "freebsd",
        target_os = "openbsd"
    )) {
        std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty())
            || std::env::var_os("WAYLAND_DISPLAY").is_some_and(|d| !d.is_empty())
    } else {
        true
    }
}

/// Opens the window and runs the app until it closes; returns the exit code.
pub fn run_gui(options: StartOptions) -> i32 {
    if !display_available() {
        eprintln!(
            "flowcanvas: no display to open a window on (DISPLAY and WAYLAND_DISPLAY are unset); run flows headless with `flowcanvas run FILE`"
        );
        return 2;
    }
    let screenshot = options.screenshot.is_some();
    let native = eframe::NativeOptions {
        viewport: eframe::egui::ViewportBuilder::default()
            .with_inner_size([1440.0, 900.0])
            .with_min_inner_size([640.0, 400.0])
            .with_title("Flowcanvas")
            .with_app_id("flowcanvas")
            .with_drag_and_drop(true),
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    let result = eframe::run_native(
        "Flowcanvas",
        native,
        Box::new(move |cc| Ok(Box::new(FlowcanvasApp::new(&cc.egui_ctx, options)))),
    );
    match result {
        Ok(()) if screenshot => screenshot::SCREENSHOT_EXIT.load(Ordering::SeqCst),
        Ok(()) => 0,
        Err(err) => {
            eprintln!("flowcanvas: could not open a window ({err}); run flows headless with `flowcanvas run FILE`");
            2
        }
    }
}
