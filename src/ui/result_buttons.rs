//! One stored result in a list (the Outputs drawer, the results window): a one-line preview
//! (or a thumbnail), and the actions on it: set active, copy, save to a file, open the
//! containing folder.

use std::path::Path;

use eframe::egui;

use crate::model::NodeId;
use crate::nodes::Outputs;
use crate::results::{file_of, main_text};
use crate::session::commands::{AppCommand, SaveContent};
use crate::session::result_actions::{folder_of, suggested_name};

/// One result and what is known of it.
pub struct ResultRef<'a> {
    /// Its node.
    pub node: &'a NodeId,
    /// Its place in the node's history.
    pub index: usize,
    /// Whether it is the node's active result.
    pub active: bool,
    /// The run number that produced it.
    pub run: Option<usize>,
    /// Its outputs, once read.
    pub outputs: Option<&'a Outputs>,
}

/// A result's preview: the first line of its value (at most `chars` characters), or a
/// thumbnail `image_side` points high for an image; "…" while it is read. Returns the image
/// when its thumbnail was clicked.
pub fn preview(
    ui: &mut egui::Ui,
    outputs: Option<&Result<std::sync::Arc<Outputs>, String>>,
    thumbnails: &mut crate::ui::thumbnails::Thumbnails,
    image_side: f32,
    chars: usize,
) -> Option<crate::model::ImageData> {
    match outputs {
        Some(Ok(outputs)) => match crate::results::main_value(outputs) {
            Some((_, crate::model::Value::Image(image))) => thumbnails
                .show(ui, image, image_side)
                .on_hover_text("Click to view it full size")
                .clicked()
                .then(|| image.clone()),
            _ => {
                let first: String = main_text(outputs)
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .chars()
                    .take(chars)
                    .collect();
                ui.label(egui::RichText::new(first).monospace().small());
                None
            }
        },
        Some(Err(problem)) => {
            ui.label(
                egui::RichText::new(problem.as_str())
                    .small()
                    .color(super::theme::ERROR_TEXT),
            );
            None
        }
        None => {
            ui.label(egui::RichText::new("…").weak());
            None
        }
    }
}

/// Draws the buttons for `result` in a row; `base_dir` resolves relative file results.
pub fn show(
    ui: &mut egui::Ui,
    result: &ResultRef<'_>,
    base_dir: &Path,
    commands: &mut Vec<AppCommand>,
) {
    if ui
        .add_enabled(!result.active, egui::Button::new("Set active").small())
        .on_hover_text("Make this the node's result: nodes downstream use it from now on")
        .on_disabled_hover_text("This is the node's active result")
        .clicked()
    {
        commands.push(AppCommand::SetActiveResult {
            node: result.node.clone(),
            index: result.index,
        });
    }
    let Some(outputs) = result.outputs else {
        return;
    };
    // Images are saved, not copied (the clipboard takes text here).
    let is_image = matches!(
        crate::results::main_value(outputs),
        Some((_, crate::model::Value::Image(_)))
    );
    if !is_image
        && ui
            .small_button("Copy")
            .on_hover_text("Copy the value")
            .clicked()
    {
        commands.push(AppCommand::CopyText(main_text(outputs)));
    }
    let file = file_of(outputs, base_dir);
    let content = match &file {
        Some(path) => SaveContent::File(path.clone()),
        None => match crate::results::main_value(outputs) {
            Some((_, crate::model::Value::Image(image))) => SaveContent::Image(image.clone()),
            _ => SaveContent::Text(main_text(outputs)),
        },
    };
    if ui
        .small_button("Save…")
        .on_hover_text("Save it to a file")
        .clicked()
    {
        commands.push(AppCommand::SaveResult {
            name: suggested_name(result.node.as_str(), result.run, &content),
            content,
        });
    }
    if let Some(path) = file {
        if ui
            .small_button("Open folder")
            .on_hover_text(format!("Show {} in the file manager", path.display()))
            .clicked()
        {
            commands.push(AppCommand::OpenFolder(folder_of(&path)));
        }
    }
}
