//! One value in the node data panel: a header line (port, type, size, Tree/Raw for JSON,
//! Copy), then the value whole: its text a screenful of rows at a time, a JSON tree that
//! builds as it is opened, or an image fitted to the panel's width (scaled off the UI
//! thread).

use std::collections::{HashMap, HashSet};

use eframe::egui::{self, Rect, RichText};

use super::text_rows::{self, TextRowsCache};
use super::thumbnails::Thumbnails;
use crate::model::{ImageData, Value};
use crate::session::commands::AppCommand;
use crate::session::node_data::ValueRef;

/// The tallest a value's text or tree gets before it scrolls, in points.
const MAX_VALUE_HEIGHT: f32 = 420.0;
/// How much larger than its own size an image is drawn at most.
const MAX_IMAGE_UPSCALE: f32 = 2.0;

/// What the value views keep between frames.
#[derive(Default)]
pub struct ValueViews {
    /// The values' texts, wrapped for the panel's width.
    pub texts: TextRowsCache,
    /// The JSON values shown as raw text rather than a tree, by slot.
    raw: HashSet<String>,
    /// Where each Copy button was drawn in the last frame, by slot (the headless tests
    /// click them).
    pub copy_buttons: HashMap<String, Rect>,
}

impl ValueViews {
    /// Draws `value` under the header `label` (with `note` under it, weak); `slot` names the
    /// place it is shown in (it keeps the Tree/Raw choice and the scroll position). Returns
    /// a command when Copy or the image is clicked.
    pub fn show(
        &mut self,
        ui: &mut egui::Ui,
        slot: &str,
        (label, note): (&str, Option<&str>),
        value: &ValueRef,
        thumbnails: &mut Thumbnails,
    ) -> Option<AppCommand> {
        let full = value.value()?;
        let mut command = None;
        let is_json = matches!(full, Value::Json(_));
        let mut raw = self.raw.contains(slot);
        ui.horizontal(|ui| {
            ui.label(RichText::new(label).strong());
            ui.label(RichText::new(size_text(full)).weak());
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if !matches!(full, Value::Image(_)) {
                    let copy = ui
                        .small_button("Copy")
                        .on_hover_text("Copy the whole value to the clipboard");
                    self.copy_buttons.insert(slot.to_owned(), copy.rect);
                    if copy.clicked() {
                        let text = self
                            .texts
                            .text_of(value)
                            .map_or_else(|| full.to_text(), |text| text.to_string());
                        command = Some(AppCommand::CopyText(text));
                    }
                }
                if is_json {
                    ui.selectable_value(&mut raw, true, "Raw")
                        .on_hover_text("The JSON as text");
                    ui.selectable_value(&mut raw, false, "Tree")
                        .on_hover_text("Objects and arrays fold open level by level");
                }
            });
        });
        if let Some(note) = note {
            ui.label(RichText::new(note).weak());
        }
        match raw {
            true => self.raw.insert(slot.to_owned()),
            false => self.raw.remove(slot),
        };
        match full {
            Value::Image(image) => {
                if image_fitted(ui, image, thumbnails) {
                    command = Some(AppCommand::ShowImage {
                        title: label.to_owned(),
                        image: image.clone(),
                    });
                }
            }
            Value::Json(json) if !raw => {
                egui::ScrollArea::vertical()
                    .id_salt(("json_tree", slot))
                    .max_height(MAX_VALUE_HEIGHT)
                    .auto_shrink([false, true])
                    .show(ui, |ui| {
                        super::json_tree::show(ui, egui::Id::new(("json", slot)), json);
                    });
            }
            _ => {
                // Leave room for the scroll bar, so rows are not cut under it.
                let width = ui.available_width() - ui.spacing().scroll.bar_width - 8.0;
                let columns = text_rows::columns_for(ui, width);
                match self.texts.rows(ui.ctx(), value, columns) {
                    Some(rows) => text_rows::show(ui, ("text", slot), &rows, MAX_VALUE_HEIGHT),
                    None => preparing(ui, "Preparing the text…"),
                }
            }
        }
        command
    }
}

/// A spinner and a word while something is made on a helper thread.
fn preparing(ui: &mut egui::Ui, text: &str) {
    ui.horizontal(|ui| {
        ui.spinner();
        ui.label(RichText::new(text).weak());
    });
}

/// An image as wide as the panel (not blown up past twice its size); returns true when
/// clicked (to view it full size).
fn image_fitted(ui: &mut egui::Ui, image: &ImageData, thumbnails: &mut Thumbnails) -> bool {
    let width_pt = ui.available_width();
    let natural = egui::vec2(image.width() as f32, image.height() as f32);
    let scale = (width_pt / natural.x.max(1.0)).min(MAX_IMAGE_UPSCALE);
    let size = natural * scale;
    // Texture sides in steps of 256 pixels: resizing the panel does not rescale every frame.
    let wanted = (size.x.max(size.y) * ui.ctx().pixels_per_point()).ceil() as u32;
    let pixels = (wanted.div_ceil(256) * 256).clamp(256, 4096);
    let response = match thumbnails.texture_async(ui.ctx(), image, pixels) {
        Some(texture) => ui.add(egui::Image::new((texture.id(), size)).sense(egui::Sense::click())),
        None => {
            let (rect, response) = ui.allocate_exact_size(size, egui::Sense::click());
            ui.put(rect, egui::Spinner::new());
            response
        }
    };
    response
        .on_hover_cursor(egui::CursorIcon::PointingHand)
        .on_hover_text("Click to view it full size")
        .clicked()
}

/// The value's type and size: "text · 12.4 KB", "json · 3 keys", "image · 640×480".
pub fn size_text(value: &Value) -> String {
    let ty = value.data_type().name();
    let size = match value {
        Value::Text(text) => bytes_text(text.len()),
        Value::Bytes(bytes) => bytes_text(bytes.len()),
        Value::Json(serde_json::Value::Object(map)) => count_text(map.len(), "key"),
        Value::Json(serde_json::Value::Array(items)) => count_text(items.len(), "item"),
        Value::List(items) => count_text(items.len(), "item"),
        Value::Batch(items) => count_text(items.len(), "item"),
        Value::Image(image) => image.size_text(),
        _ => return ty.to_owned(),
    };
    format!("{ty} · {size}")
}

fn count_text(count: usize, what: &str) -> String {
    format!("{count} {what}{}", if count == 1 { "" } else { "s" })
}

/// A size for people: `12 B`, `12.4 KB`, `3.1 MB`.
pub fn bytes_text(bytes: usize) -> String {
    match bytes {
        0..=999 => format!("{bytes} B"),
        1_000..=999_999 => format!("{:.1} KB", bytes as f64 / 1e3),
        _ => format!("{:.1} MB", bytes as f64 / 1e6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_well() {
        assert_eq!(size_text(&Value::Text("abc".into())), "text · 3 B");
        assert_eq!(
            size_text(&Value::Text("x".repeat(12_400))),
            "text · 12.4 KB"
        );
        assert_eq!(
            size_text(&Value::Json(serde_json::json!({"a": 1}))),
            "json · 1 key"
        );
        assert_eq!(size_text(&Value::Number(2.0)), "number");
    }
}
