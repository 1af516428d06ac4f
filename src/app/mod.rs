//! The desktop app: the thin eframe shell around the engine. It owns the engine handle and
//! the [`Session`](crate::session::Session), draws the widgets of [`ui`](crate::ui) from it,
//! applies the commands they emit, and runs background jobs.

mod commands;
mod files;
pub mod flowcanvas_app;
mod input;
pub mod jobs;
mod panels;
pub mod screenshot;
mod store_sync;
mod subflows;

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;

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
    // A stop signal closes the window as the close button would (the run is stopped and
    // recorded cancelled), keeps unsaved edits as a recovery copy, and sets the exit code.
    let signalled = Arc::new(AtomicI32::new(0));
    let signal_code = signalled.clone();
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
        Box::new(move |cc| {
            let app = FlowcanvasApp::new(&cc.egui_ctx, options);
            let (flag, ctx) = (app.stop_requested(), cc.egui_ctx.clone());
            let installed = crate::signals::on_stop_signal(move |signal| {
                signal_code.store(signal.exit_code(), Ordering::SeqCst);
                flag.store(true, Ordering::SeqCst);
                ctx.request_repaint();
            });
            if let Err(err) = installed {
                eprintln!("flowcanvas: stop signals will end the app abruptly: {err}");
            }
            Ok(Box::new(app))
        }),
    );
    match result {
        Ok(()) if signalled.load(Ordering::SeqCst) != 0 => signalled.load(Ordering::SeqCst),
        Ok(()) if screenshot => screenshot::SCREENSHOT_EXIT.load(Ordering::SeqCst),
        Ok(()) => 0,
        Err(err) => {
            eprintln!("flowcanvas: could not open a window ({err}); run flows headless with `flowcanvas run FILE`");
            2
        }
    }
}
