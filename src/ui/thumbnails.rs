//! Image results on screen: textures made from image values once and kept while they are
//! shown (a node's thumbnail, the filmstrip, the Outputs drawer, the image viewer). Large
//! ones (the node data panel's) are scaled on a helper thread.

use std::collections::HashMap;

use eframe::egui::{self, TextureHandle, TextureOptions};

use crate::model::ImageData;

/// How many textures are kept before the least recently used go.
const KEEP: usize = 256;

/// Scaled pixels (width, height, RGBA) coming from a helper thread.
type Scaled = crossbeam_channel::Receiver<(u32, u32, Vec<u8>)>;

/// Textures by (image, size limit).
#[derive(Default)]
pub struct Thumbnails {
    textures: HashMap<(u64, u32), (TextureHandle, u64)>,
    /// Images being scaled on a helper thread, by (image, size limit).
    scaling: HashMap<(u64, u32), Scaled>,
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
        self.load(ctx, key, image.thumbnail(max))
    }

    /// Makes a texture from scaled pixels and keeps it (the least recently used one goes
    /// when there are too many).
    fn load(
        &mut self,
        ctx: &egui::Context,
        key: (u64, u32),
        (width, height, rgba): (u32, u32, Vec<u8>),
    ) -> TextureHandle {
        let max = key.1;
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

    /// The texture of `image` at most `max` pixels on a side, scaled on a helper thread
    /// (the window is woken when it is ready). Until then: the largest texture of the same
    /// image made so far, if any.
    pub fn texture_async(
        &mut self,
        ctx: &egui::Context,
        image: &ImageData,
        max: u32,
    ) -> Option<TextureHandle> {
        self.clock += 1;
        let key = (image.id(), max);
        if let Some((texture, used)) = self.textures.get_mut(&key) {
            *used = self.clock;
            return Some(texture.clone());
        }
        match self.scaling.get(&key).map(|rx| rx.try_recv()) {
            Some(Ok(scaled)) => {
                self.scaling.remove(&key);
                return Some(self.load(ctx, key, scaled));
            }
            Some(Err(crossbeam_channel::TryRecvError::Empty)) => {}
            Some(Err(crossbeam_channel::TryRecvError::Disconnected)) | None => {
                self.scaling.remove(&key);
                let (tx, rx) = crossbeam_channel::bounded(1);
                let (pixels, wake) = (image.clone(), ctx.clone());
                let started = std::thread::Builder::new()
                    .name("flowcanvas-image-scale".to_owned())
                    .spawn(move || {
                        let _ = tx.send(pixels.thumbnail(max));
                        wake.request_repaint();
                    });
                if started.is_ok() {
                    self.scaling.insert(key, rx);
                }
            }
        }
        (self.textures.iter())
            .filter(|((id, _), _)| *id == image.id())
            .max_by_key(|((_, side), _)| *side)
            .map(|(_, (texture, _))| texture.clone())
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
