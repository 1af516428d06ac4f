//! The actions offered on one stored result, in the Outputs drawer and the results window:
//! set active, copy, save to a file, open the containing folder.

use std::path::Path;

use eframe::egui;

use crate::app::commands::{AppCommand, SaveContent};
use crate::app::result_actions::{folder_of, suggested_name};
use crate::model::NodeId;
use crate::nodes::Outputs;
use crate::results::{file_of, main_text};

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
    if ui
        .small_button("Copy")
        .on_hover_text("Copy the value")
        .clicked()
    {
        commands.push(AppCommand::CopyText(main_text(outputs)));
    }
    let file = file_of(outputs, base_dir);
    let content = match &file {
        Some(path) => SaveContent::File(path.clone()),
        None => SaveContent::Text(main_text(outputs)),
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
