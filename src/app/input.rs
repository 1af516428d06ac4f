//! Input that is not a widget's: keyboard shortcuts, pasted `.flow` text, dropped files.

use std::path::PathBuf;

use eframe::egui::{self, Key, KeyboardShortcut, Modifiers};

use super::flowcanvas_app::FlowcanvasApp;
use crate::format;
use crate::model::NodeId;
use crate::session::commands::AppCommand;
use crate::session::edit::DocEdit;

impl FlowcanvasApp {
    /// Keyboard shortcuts, and `.flow` text pasted from elsewhere.
    pub(super) fn shortcuts(&mut self, ctx: &egui::Context) {
        let typing = ctx.wants_keyboard_input();
        let command = Modifiers::COMMAND;
        let command_shift = Modifiers::COMMAND | Modifiers::SHIFT;
        let mut found = Vec::new();
        ctx.input_mut(|input| {
            let mut shortcut = |mods: Modifiers, key: Key, cmd: AppCommand| {
                if input.consume_shortcut(&KeyboardShortcut::new(mods, key)) {
                    found.push(cmd);
                }
            };
            shortcut(command_shift, Key::S, AppCommand::SaveAs);
            shortcut(command, Key::S, AppCommand::Save);
            shortcut(command, Key::N, AppCommand::New);
            shortcut(command, Key::O, AppCommand::Open(None));
            shortcut(command, Key::F, AppCommand::Find);
            if !typing {
                shortcut(command_shift, Key::Z, AppCommand::Redo);
                shortcut(command, Key::Z, AppCommand::Undo);
                shortcut(command, Key::Y, AppCommand::Redo);
                shortcut(command, Key::D, AppCommand::Duplicate);
                shortcut(command, Key::G, AppCommand::GroupSelection);
                shortcut(Modifiers::NONE, Key::Delete, AppCommand::Delete);
                shortcut(Modifiers::NONE, Key::F, AppCommand::ZoomToFit);
                shortcut(Modifiers::NONE, Key::M, AppCommand::ToggleMinimap);
                shortcut(Modifiers::NONE, Key::I, AppCommand::ToggleNodeData);
                shortcut(Modifiers::SHIFT, Key::A, AppCommand::AddNodeMenu);
                for event in &input.events {
                    match event {
                        egui::Event::Copy => found.push(AppCommand::Copy),
                        egui::Event::Paste(_) => found.push(AppCommand::Paste),
                        _ => {}
                    }
                }
            }
        });
        // Esc goes back out of an opened subflow, when nothing else takes it (a menu, the
        // find bar, a dialog).
        let esc_free = !typing
            && !self.outer.is_empty()
            && !self.find.open
            && !self.canvas.add_menu.is_open()
            && self.error.is_none()
            && self.confirm.is_none();
        if esc_free && ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Escape)) {
            found.push(AppCommand::LeaveSubflow(self.outer.len() - 1));
        }
        if !typing {
            // A paste of .flow text copied elsewhere becomes the clipboard.
            let pasted = ctx.input(|i| {
                i.events.iter().find_map(|e| match e {
                    egui::Event::Paste(text) => Some(text.clone()),
                    _ => None,
                })
            });
            if let Some(flow) =
                pasted.and_then(|text| format::parse(&text, &self.session.registry).ok())
            {
                self.session.clipboard = Some(flow);
            }
        }
        self.commands.extend(found);
    }

    /// Files dropped on the window: a `.flow` opens; others join a batch node's items.
    pub(super) fn dropped_files(&mut self, ctx: &egui::Context) {
        let (dropped, at): (Vec<PathBuf>, Option<egui::Pos2>) = ctx.input(|i| {
            let files = i
                .raw
                .dropped_files
                .iter()
                .filter_map(|f| f.path.clone())
                .collect();
            (files, i.pointer.hover_pos().or(i.pointer.latest_pos()))
        });
        if dropped.is_empty() {
            return;
        }
        if let Some(path) = dropped
            .iter()
            .find(|p| p.extension().is_some_and(|e| e == "flow"))
        {
            self.commands.push(AppCommand::Open(Some(path.clone())));
            return;
        }
        // Other files go to the batch node they were dropped on (or the selected one).
        let is_batch = |id: &NodeId| {
            self.session
                .doc
                .flow()
                .node(id.as_str())
                .is_some_and(|n| n.kind == crate::nodes::BATCH_KIND)
        };
        let under = at.and_then(|pos| {
            self.canvas
                .state
                .node_rects_last
                .iter()
                .find(|(id, rect)| rect.contains(pos) && is_batch(id))
                .map(|(id, _)| id.clone())
        });
        let target = under.or_else(|| {
            self.session
                .selection
                .iter()
                .find(|id| is_batch(id))
                .cloned()
        });
        match target {
            Some(node) => self.commands.push(AppCommand::Edit(DocEdit::AddBatchFiles {
                node,
                files: dropped,
            })),
            None => self.notice("Drop files onto a Batch node to add them as its items"),
        }
    }
}
