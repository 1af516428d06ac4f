//! The find bar (Ctrl+F): finds nodes by title, id, kind or what is written in them, and
//! jumps to each match in turn (Enter for the next, Shift+Enter for the one before, Esc to
//! close).

use eframe::egui::{self, Key, RichText};

use crate::model::Flow;
use crate::session::commands::AppCommand;
use crate::session::find::find_nodes;

/// The find bar's own state: whether it shows, what is typed, which match is current.
#[derive(Debug, Default)]
pub struct FindBar {
    /// Whether the bar is shown.
    pub open: bool,
    /// What is being searched for.
    pub query: String,
    /// The match jumped to last, counted from 0.
    current: usize,
    /// The text field takes the keyboard on the next frame.
    focus: bool,
}

impl FindBar {
    /// Shows the bar with its text field ready for typing.
    pub fn open(&mut self) {
        self.open = true;
        self.focus = true;
    }

    /// Draws the bar under the top bar; returns the jumps asked for (`Focus` selects a node
    /// and centres the canvas on it).
    pub fn show(&mut self, ctx: &egui::Context, flow: &Flow) -> Vec<AppCommand> {
        let mut commands = Vec::new();
        if !self.open {
            return commands;
        }
        egui::Area::new(egui::Id::new("find_bar"))
            .anchor(egui::Align2::CENTER_TOP, [0.0, 30.0])
            .show(ctx, |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    ui.horizontal(|ui| self.contents(ui, flow, &mut commands));
                });
            });
        commands
    }

    fn contents(&mut self, ui: &mut egui::Ui, flow: &Flow, commands: &mut Vec<AppCommand>) {
        ui.label(RichText::new("Find").strong());
        let field = ui.add(
            egui::TextEdit::singleline(&mut self.query)
                .hint_text("title, id, kind or text")
                .desired_width(260.0),
        );
        if std::mem::take(&mut self.focus) {
            field.request_focus();
        }
        let matches = find_nodes(flow, &self.query);
        let entered = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
        let backwards = ui.input(|i| i.modifiers.shift);
        let mut jump = None;
        if field.changed() {
            self.current = 0;
            jump = Some(0);
        } else if entered && !matches.is_empty() {
            let len = matches.len();
            self.current = if backwards {
                (self.current + len - 1) % len
            } else {
                (self.current + 1) % len
            };
            jump = Some(self.current);
            // Enter takes the focus away from a one-line field; give it back for the next.
            field.request_focus();
        }
        if ui.input(|i| i.key_pressed(Key::Escape)) {
            self.open = false;
        }
        let count = if self.query.trim().is_empty() {
            String::new()
        } else if matches.is_empty() {
            "no match".to_owned()
        } else {
            format!(
                "{} of {}",
                self.current.min(matches.len() - 1) + 1,
                matches.len()
            )
        };
        ui.label(RichText::new(count).weak());
        let step = |ui: &mut egui::Ui, label: &str, hint: &str| {
            ui.add_enabled(!matches.is_empty(), egui::Button::new(label))
                .on_hover_text(hint)
                .clicked()
        };
        if step(ui, "Previous", "The match before (Shift+Enter)") {
            let len = matches.len();
            self.current = (self.current + len - 1) % len;
            jump = Some(self.current);
        }
        if step(ui, "Next", "The next match (Enter)") {
            self.current = (self.current + 1) % matches.len();
            jump = Some(self.current);
        }
        if ui.button("✖").on_hover_text("Close (Esc)").clicked() {
            self.open = false;
        }
        if let Some(id) = jump.and_then(|i| matches.get(i)) {
            commands.push(AppCommand::Focus(id.clone()));
        }
    }
}
