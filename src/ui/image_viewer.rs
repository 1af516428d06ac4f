//! The image viewer: an image result full size (scrolling when it is larger than the
//! window), with its size.

use eframe::egui::{self, RichText};

use super::thumbnails::Thumbnails;
use crate::model::ImageData;

/// The largest texture side used for viewing (bigger images are shown scaled down).
const MAX_SIDE: u32 = 4096;

/// Draws the viewer for `image`; returns whether it stays open.
pub fn show(
    ctx: &egui::Context,
    title: &str,
    image: &ImageData,
    thumbnails: &mut Thumbnails,
) -> bool {
    let mut open = true;
    egui::Window::new(format!("{title} — {}", image.size_text()))
        .id(egui::Id::new("image_viewer"))
        .open(&mut open)
        .default_size([640.0, 520.0])
        .resizable(true)
        .show(ctx, |ui| {
            let texture = thumbnails.texture(ctx, image, MAX_SIDE);
            let [w, h] = texture.size();
            let size = egui::vec2(w as f32, h as f32) / ctx.pixels_per_point();
            egui::ScrollArea::both()
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    ui.add(egui::Image::new((texture.id(), size)));
                });
            if image.width().max(image.height()) > MAX_SIDE {
                ui.label(
                    RichText::new(format!(
                        "shown scaled down to {MAX_SIDE} pixels on its longer side"
                    ))
                    .weak()
                    .small(),
                );
            }
        });
    open
}
