//! Image results on screen: textures made from image values once and kept while they are
//! shown (a node's thumbnail, the filmstrip, the Outputs drawer, the image viewer).

use std::collections::HashMap;

use eframe::egui::{self, TextureHandle, TextureOptions};

use crate::model::ImageData;

/// How many textures are kept before the least recently used go.
const KEEP: usize = 256;

/// Textures by (image, size limit).
#[derive(Default)]
pub struct Thumbnails {
    textures: HashMap<(u64, u32), (TextureHandle, u64)>,
    clock: u64,
}

impl Thumbnails {
    /// The texture of `image` at most `max` pixels on a side, made on first use.
    pub fn texture(&mut self, ctx: &egui::Context, image: &ImageData, max: u32) -> TextureHandle {
        self.clock += 1;
        let key = (image.id(), max);
        if let Some((texture, used)) = self.textures.get_mut(&key) {
            *used = self.clock;
            return texture.clone();
        }
        let (width, height, rgba) = image.thumbnail(max);
        let color =
            egui::ColorImage::from_rgba_unmultiplied([width as usize, height as usize], &rgba);
        let texture = ctx.load_texture(
            format!("image-{}-{max}", key.0),
            color,
            TextureOptions::LINEAR,
        );
        if self.textures.len() >= KEEP {
            if let Some(oldest) = self
                .textures
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(key, _)| *key)
            {
                self.textures.remove(&oldest);
            }
        }
        self.textures.insert(key, (texture.clone(), self.clock));
        texture
    }

    /// Draws `image` fitted in `max_side` points; returns the response (clickable).
    pub fn show(&mut self, ui: &mut egui::Ui, image: &ImageData, max_side: f32) -> egui::Response {
        let pixels = (max_side * ui.ctx().pixels_per_point()).ceil().max(8.0) as u32;
        let texture = self.texture(ui.ctx(), image, pixels);
        let scale = (max_side / image.width().max(image.height()) as f32).min(1.0);
        let size = egui::vec2(image.width() as f32 * scale, image.height() as f32 * scale);
        ui.add(egui::Image::new((texture.id(), size)).sense(egui::Sense::click()))
    }
}
