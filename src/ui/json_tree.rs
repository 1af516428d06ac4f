//! A JSON value as a tree: objects and arrays fold open one level at a time (a folded
//! level's children are never laid out, and long arrays and objects open in pages of at
//! most 100), scalars inline beside their key.

use eframe::egui::{self, text::LayoutJob, RichText, TextFormat};
use serde_json::Value as Json;

use crate::model::DataType;
use crate::ui::theme;

/// Children shown per page.
const PAGE: usize = 100;
/// Characters of a string shown inline (Raw shows all of it).
const INLINE_CHARS: usize = 300;

/// Draws `json` as a tree; `id` keeps which branches are open apart from other trees.
pub fn show(ui: &mut egui::Ui, id: egui::Id, json: &Json) {
    match json {
        Json::Object(map) if !map.is_empty() => entries(ui, id, json, 0..map.len()),
        Json::Array(items) if !items.is_empty() => entries(ui, id, json, 0..items.len()),
        scalar => {
            ui.add(egui::Label::new(scalar_job(ui, None, scalar)).wrap());
        }
    }
}

/// The children `range` of an object or array: each one, or pages of them when there are
/// more than [`PAGE`].
fn entries(ui: &mut egui::Ui, id: egui::Id, parent: &Json, range: std::ops::Range<usize>) {
    let len = range.len();
    if len <= PAGE {
        match parent {
            // Skipping to a page walks the keys before it: only opened pages pay for it.
            Json::Object(map) => {
                for (index, (key, child)) in map.iter().enumerate().skip(range.start).take(len) {
                    entry(ui, id.with(index), &format!("{key:?}"), child);
                }
            }
            Json::Array(items) => {
                for index in range {
                    entry(ui, id.with(index), &format!("[{index}]"), &items[index]);
                }
            }
            _ => {}
        }
        return;
    }
    let mut step = PAGE;
    while len.div_ceil(step) > PAGE {
        step *= PAGE;
    }
    for start in range.clone().step_by(step) {
        let end = (start + step).min(range.end);
        egui::CollapsingHeader::new(RichText::new(format!("[{start} … {}]", end - 1)).monospace())
            .id_salt(id.with(("page", start, end)))
            .show(ui, |ui| entries(ui, id, parent, start..end));
    }
}

/// One child: a folded branch, or a scalar with its key.
fn entry(ui: &mut egui::Ui, id: egui::Id, key: &str, child: &Json) {
    let summary = match child {
        Json::Object(map) if !map.is_empty() => format!("{key}: {{…}} {}", count(map.len(), "key")),
        Json::Array(items) if !items.is_empty() => {
            format!("{key}: […] {}", count(items.len(), "item"))
        }
        scalar => {
            ui.add(egui::Label::new(scalar_job(ui, Some(key), scalar)).wrap());
            return;
        }
    };
    egui::CollapsingHeader::new(RichText::new(summary).monospace())
        .id_salt(id)
        .show(ui, |ui| show(ui, id, child));
}

/// `key: value` for a scalar, the value coloured by its type (and a long string cut).
fn scalar_job(ui: &egui::Ui, key: Option<&str>, scalar: &Json) -> LayoutJob {
    let font = egui::TextStyle::Monospace.resolve(ui.style());
    let plain = TextFormat::simple(font.clone(), ui.visuals().text_color());
    let mut job = LayoutJob::default();
    if let Some(key) = key {
        job.append(&format!("{key}: "), 0.0, plain.clone());
    }
    let (text, ty) = match scalar {
        Json::String(text) => {
            let count = text.chars().count();
            let shown = if count > INLINE_CHARS {
                let cut: String = text.chars().take(INLINE_CHARS).collect();
                format!("{cut:?}… ({count} characters: Raw shows all)")
            } else {
                format!("{text:?}")
            };
            (shown, DataType::Text)
        }
        Json::Number(n) => (n.to_string(), DataType::Number),
        Json::Bool(b) => (b.to_string(), DataType::Bool),
        Json::Null => ("null".to_owned(), DataType::Any),
        Json::Object(_) => ("{}".to_owned(), DataType::Json),
        Json::Array(_) => ("[]".to_owned(), DataType::List),
    };
    job.append(&text, 0.0, TextFormat::simple(font, theme::data_type(ty)));
    job
}

/// "1 key", "3 keys".
fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}
