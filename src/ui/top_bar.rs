//! The top bar: File and Edit menus; on the right the Run button, App mode, and the
//! Outputs and Runs drawer tabs.

use std::path::PathBuf;

use eframe::egui::{self, RichText};

use crate::plan::Scope;
use crate::session::commands::{AppCommand, DrawerTab};

/// What the top bar needs to know.
pub struct TopBarState<'a> {
    /// Recently opened files, newest first.
    pub recent: &'a [PathBuf],
    /// Whether a run is in progress.
    pub running: bool,
    /// Whether undo and redo have something to do.
    pub can_undo: bool,
    /// See `can_undo`.
    pub can_redo: bool,
    /// Whether nodes are selected.
    pub has_selection: bool,
    /// Whether app mode is on.
    pub app_mode: bool,
    /// Whether the minimap shows.
    pub minimap: bool,
    /// The drawer tab showing, if the drawer is open.
    pub drawer: Option<DrawerTab>,
}

/// Draws the bar; returns the commands chosen.
#[allow(
    clippy::too_many_lines,
    reason = "drawn top to bottom in one place; split in the app rework (issue 11)"
)]
pub fn show(ctx: &egui::Context, state: &TopBarState<'_>) -> Vec<AppCommand> {
    let mut commands = Vec::new();
    egui::TopBottomPanel::top("top_bar").show(ctx, |ui| {
        egui::menu::bar(ui, |ui| {
            ui.menu_button("File", |ui| {
                item(ui, &mut commands, "New", "Ctrl+N", true, AppCommand::New);
                item(
                    ui,
                    &mut commands,
                    "Open…",
                    "Ctrl+O",
                    true,
                    AppCommand::Open(None),
                );
                ui.menu_button("Open Recent", |ui| {
                    if state.recent.is_empty() {
                        ui.label(RichText::new("Nothing yet").weak());
                    }
                    for path in state.recent {
                        if ui.button(path.display().to_string()).clicked() {
                            commands.push(AppCommand::Open(Some(path.clone())));
                            ui.close_menu();
                        }
                    }
                });
                ui.separator();
                item(ui, &mut commands, "Save", "Ctrl+S", true, AppCommand::Save);
                item(
                    ui,
                    &mut commands,
                    "Save As…",
                    "Ctrl+Shift+S",
                    true,
                    AppCommand::SaveAs,
                );
                ui.separator();
                item(ui, &mut commands, "Quit", "", true, AppCommand::Quit);
            });
            ui.menu_button("Edit", |ui| {
                item(
                    ui,
                    &mut commands,
                    "Undo",
                    "Ctrl+Z",
                    state.can_undo,
                    AppCommand::Undo,
                );
                item(
                    ui,
                    &mut commands,
                    "Redo",
                    "Ctrl+Shift+Z",
                    state.can_redo,
                    AppCommand::Redo,
                );
                ui.separator();
                item(
                    ui,
                    &mut commands,
                    "Copy",
                    "Ctrl+C",
                    state.has_selection,
                    AppCommand::Copy,
                );
                item(
                    ui,
                    &mut commands,
                    "Paste",
                    "Ctrl+V",
                    true,
                    AppCommand::Paste,
                );
                item(
                    ui,
                    &mut commands,
                    "Duplicate",
                    "Ctrl+D",
                    state.has_selection,
                    AppCommand::Duplicate,
                );
                item(
                    ui,
                    &mut commands,
                    "Delete",
                    "Del",
                    state.has_selection,
                    AppCommand::Delete,
                );
                item(
                    ui,
                    &mut commands,
                    "Group selection",
                    "Ctrl+G",
                    state.has_selection,
                    AppCommand::GroupSelection,
                );
                ui.separator();
                item(
                    ui,
                    &mut commands,
                    "Add node…",
                    "Shift+A",
                    !state.app_mode,
                    AppCommand::AddNodeMenu,
                );
                item(
                    ui,
                    &mut commands,
                    "Zoom to fit",
                    "F",
                    true,
                    AppCommand::ZoomToFit,
                );
                let minimap = if state.minimap {
                    "Hide minimap"
                } else {
                    "Show minimap"
                };
                item(
                    ui,
                    &mut commands,
                    minimap,
                    "M",
                    !state.app_mode,
                    AppCommand::ToggleMinimap,
                );
                item(
                    ui,
                    &mut commands,
                    "Find…",
                    "Ctrl+F",
                    !state.app_mode,
                    AppCommand::Find,
                );
            });
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if state.app_mode {
                    // App mode has its own Run button on the page.
                } else if state.running {
                    if ui.button(RichText::new("⏹ Stop").strong()).on_hover_text("Kill the running steps now; the Flow Monitor also has Pause and Cancel").clicked() {
                        commands.push(AppCommand::Stop);
                    }
                } else {
                    let run = egui::Button::new(
                        RichText::new("▶ Run").strong().color(super::theme::GO_TEXT),
                    )
                    .fill(super::theme::GO_FILL);
                    if ui
                        .add(run)
                        .on_hover_text("Run the whole flow up to its outputs: opens the run panel")
                        .clicked()
                    {
                        commands.push(AppCommand::OpenRunPanel(Scope::Flow));
                    }
                }
                for (tab, label, hint) in [
                    (
                        DrawerTab::Runs,
                        "Runs",
                        "The recorded runs of this flow; resume or retry one that did not complete",
                    ),
                    (
                        DrawerTab::Outputs,
                        "Outputs",
                        "Everything this flow has produced, newest first",
                    ),
                ] {
                    let mut open = state.drawer == Some(tab);
                    if ui
                        .toggle_value(&mut open, label)
                        .on_hover_text(hint)
                        .clicked()
                    {
                        commands.push(AppCommand::ToggleDrawer(tab));
                    }
                }
                let mut app_mode = state.app_mode;
                if ui
                    .toggle_value(&mut app_mode, "App mode")
                    .on_hover_text("Show just the inputs, Run and the outputs, without the graph")
                    .clicked()
                {
                    commands.push(AppCommand::ToggleAppMode);
                }
                let mut minimap = state.minimap;
                if !state.app_mode
                    && ui
                        .toggle_value(&mut minimap, "Map")
                        .on_hover_text("Show or hide the minimap (M)")
                        .clicked()
                {
                    commands.push(AppCommand::ToggleMinimap);
                }
                if !state.app_mode
                    && ui
                        .button("Fit")
                        .on_hover_text("Show every node (F)")
                        .clicked()
                {
                    commands.push(AppCommand::ZoomToFit);
                }
                if !state.app_mode {
                    ui.label(
                        // Body size: a hint too small to read helps no one.
                        RichText::new("Right-click or Shift+A to add a node").weak(),
                    );
                }
            });
        });
    });
    commands
}

fn item(
    ui: &mut egui::Ui,
    commands: &mut Vec<AppCommand>,
    label: &str,
    shortcut: &str,
    enabled: bool,
    command: AppCommand,
) {
    if ui
        .add_enabled(enabled, egui::Button::new(label).shortcut_text(shortcut))
        .clicked()
    {
        commands.push(command);
        ui.close_menu();
    }
}
