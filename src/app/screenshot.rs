//! `--screenshot OUT.png [--run]`: photograph the real window (after the run, if asked),
//! write a PNG and close. Used by the real-window test and for README pictures.

use std::path::PathBuf;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use eframe::egui;

use crate::session::run_view::RunView;

/// The process exit code a screenshot run ends with (0 once the PNG is written).
pub static SCREENSHOT_EXIT: AtomicI32 = AtomicI32::new(1);

/// Frames to wait after everything settled, so the last state is on screen.
const SETTLE_FRAMES: u32 = 6;
/// Give up waiting for a run after this long and photograph what is there.
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// A screenshot waiting for its moment.
pub struct ScreenshotJob {
    path: PathBuf,
    wait_for_run: bool,
    frames_ready: u32,
    requested: bool,
    started: Instant,
}

impl ScreenshotJob {
    /// A job writing to `path`; with `wait_for_run`, after the run ends.
    pub fn new(path: PathBuf, wait_for_run: bool) -> Self {
        Self {
            path,
            wait_for_run,
            frames_ready: 0,
            requested: false,
            started: Instant::now(),
        }
    }

    /// Called once per frame.
    pub fn frame(&mut self, ctx: &egui::Context, run_view: &RunView) {
        let image = ctx.input(|i| {
            i.raw.events.iter().find_map(|event| match event {
                egui::Event::Screenshot { image, .. } => Some(image.clone()),
                _ => None,
            })
        });
        if let Some(image) = image {
            let [width, height] = image.size;
            let bytes: Vec<u8> = image.pixels.iter().flat_map(|p| p.to_array()).collect();
            match image::save_buffer(
                &self.path,
                &bytes,
                width as u32,
                height as u32,
                image::ColorType::Rgba8,
            ) {
                Ok(()) => {
                    println!("{} ({width}×{height})", self.path.display());
                    SCREENSHOT_EXIT.store(0, Ordering::SeqCst);
                }
                Err(err) => eprintln!("error: could not write {}: {err}", self.path.display()),
            }
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            return;
        }
        if self.requested {
            return;
        }
        let settled = !self.wait_for_run || (run_view.run.is_some() && !run_view.is_running());
        if settled || self.started.elapsed() > RUN_TIMEOUT {
            self.frames_ready += 1;
        }
        if self.frames_ready >= SETTLE_FRAMES {
            ctx.send_viewport_cmd(egui::ViewportCommand::Screenshot);
            self.requested = true;
        }
    }
}
