//! Dialogs: errors (an invalid file, a failed save) and "unsaved changes" questions.

use eframe::egui::{self, Align2, RichText};

/// An error to show until dismissed.
#[derive(Clone, Debug)]
pub struct ErrorDialog {
    /// What failed, e.g. "Could not open pipeline.flow".
    pub title: String,
    /// The problems, one per line.
    pub lines: Vec<String>,
}

/// Draws an error dialog; returns true when it is dismissed.
pub fn error(ctx: &egui::Context, dialog: &ErrorDialog) -> bool {
    let mut close = false;
    egui::Window::new(RichText::new(&dialog.title).strong())
        .id(egui::Id::new("error_dialog"))
        .anchor(Align2::CENTER_CENTER, [0.0, 0.0])
        .collapsible(false)
        .resizable(false)
        .default_width(560.0)
        .show(ctx, |ui| {
            egui::ScrollArea::vertical()
                .max_height(320.0)
                .show(ui, |ui| {
                    for line in &dialog.lines {
                        ui.label(RichText::new(line).monospace());
                    }
                });
            ui.separator();
            if ui.button("OK").clicked() || ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                close = true;
            }
        });
    close
}

/// The answer to "save changes?".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnsavedChoice {
    /// Save, then go on.
    Save,
    /// Go on without saving.
    Discard,
    /// Stay.
    Cancel,
}

/// Asks what to do with unsaved changes before `action`; `None` until answered.
pub fn unsaved(ctx: &egui::Context, name: &str, action: &str) -> Option<UnsavedChoice> {
    let mut choice = None;
    egui::Window::new("Unsaved changes")
        .anchor(Align2::CENTER_CENTER, [0.0, 0.0])
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            ui.label(format!(
                "{name} has changes that are not saved. Save them before you {action}?"
            ));
            ui.horizontal(|ui| {
                if ui.button("Save").clicked() {
                    choice = Some(UnsavedChoice::Save);
                }
                if ui.button("Don't save").clicked() {
                    choice = Some(UnsavedChoice::Discard);
                }
                if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                    choice = Some(UnsavedChoice::Cancel);
                }
            });
        });
    choice
}

/// Offers edits recovered from an earlier session: `Some(true)` restores them, `Some(false)`
/// discards them, `None` until answered.
pub fn recovery(ctx: &egui::Context, name: &str) -> Option<bool> {
    let mut answer = None;
    egui::Window::new("Recover unsaved changes")
        .anchor(Align2::CENTER_CENTER, [0.0, 0.0])
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            ui.label(format!(
                "{name} has changes from an earlier session that were never saved (the app may have closed unexpectedly)."
            ));
            ui.horizontal(|ui| {
                if ui.button("Restore them").clicked() {
                    answer = Some(true);
                }
                if ui.button("Discard them").clicked() {
                    answer = Some(false);
                }
            });
        });
    answer
}
