//! The checkpoint card: where a person decides at a checkpoint a run stopped at. It says
//! what waits and why, shows the previous step's result, takes a comment, and offers
//! Approve, Skip and Reject; the decision goes out as a command.

use eframe::egui::{self, RichText};

use super::theme;
use crate::model::{NodeLabels, Verdict};
use crate::session::commands::AppCommand;
use crate::session::run_view::Awaiting;

/// What the card shows besides the checkpoint itself.
pub struct CardContext<'a> {
    /// The flow's node names.
    pub names: &'a NodeLabels,
    /// The previous step's result, as text (its first lines), when there is one.
    pub previous_result: Option<String>,
}

/// How many lines of the previous step's result the card shows.
const CONTEXT_LINES: usize = 4;

/// Draws the card for `awaiting`; `comment` is the comment being typed. Pushes
/// [`AppCommand::Decide`] (and Show results) when clicked.
pub fn show(
    ui: &mut egui::Ui,
    awaiting: &Awaiting,
    context: &CardContext<'_>,
    comment: &mut String,
    commands: &mut Vec<AppCommand>,
) {
    let step = context.names.quoted(&awaiting.node);
    egui::Frame::group(ui.style())
        .stroke(egui::Stroke::new(2.0, theme::WARNING_TEXT))
        .fill(theme::WARNING_STRIP)
        .inner_margin(egui::Margin::same(10.0))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(
                RichText::new(format!("⏸ Checkpoint before {step}: your decision"))
                    .strong()
                    .size(16.0)
                    .color(theme::WARNING_TEXT),
            );
            ui.label(RichText::new(&awaiting.message).size(15.0).strong());
            if let Some(previous) = &awaiting.previous {
                previous_result(ui, context, previous, commands);
            }
            if awaiting.record.is_none() {
                ui.label(
                    RichText::new(
                        "This run holds the queue while it waits: the flow is not saved, so the run cannot park.",
                    )
                    .weak(),
                );
            }
            ui.add_space(4.0);
            ui.horizontal(|ui| {
                ui.label("Comment:");
                ui.add(
                    egui::TextEdit::singleline(comment)
                        .hint_text("optional; kept with the decision (a rejection's reason)")
                        .desired_width(ui.available_width().min(420.0)),
                );
            });
            ui.add_space(4.0);
            ui.horizontal(|ui| {
                let approve = egui::Button::new(
                    RichText::new("✔ Approve").strong().color(theme::GO_TEXT),
                )
                .fill(theme::GO_FILL)
                .min_size(egui::vec2(110.0, 28.0));
                let buttons = [
                    (
                        ui.add(approve),
                        Verdict::Approve,
                        format!("Run {step} and go on"),
                    ),
                    (
                        ui.add(
                            egui::Button::new("» Skip this step")
                                .min_size(egui::vec2(110.0, 28.0)),
                        ),
                        Verdict::Skip,
                        format!("Leave {step} out and go on: steps that need its result are skipped too"),
                    ),
                    (
                        ui.add(
                            egui::Button::new(
                                RichText::new("✋ Reject run").color(theme::ERROR_TEXT),
                            )
                            .min_size(egui::vec2(110.0, 28.0)),
                        ),
                        Verdict::Reject,
                        "End the run as rejected; the comment is recorded as the reason".to_owned(),
                    ),
                ];
                for (response, verdict, hint) in buttons {
                    if response.on_hover_text(hint).clicked() {
                        commands.push(AppCommand::Decide {
                            verdict,
                            comment: std::mem::take(comment).trim().to_owned(),
                        });
                    }
                }
            });
        });
}

/// The previous step's result: its first lines and a link to all of it.
fn previous_result(
    ui: &mut egui::Ui,
    context: &CardContext<'_>,
    previous: &crate::model::NodeId,
    commands: &mut Vec<AppCommand>,
) {
    ui.add_space(2.0);
    ui.horizontal(|ui| {
        ui.label(RichText::new(format!("After {}:", context.names.quoted(previous))).strong());
        if ui
            .link("Show its result")
            .on_hover_text("Open the step's full result and its history")
            .clicked()
        {
            commands.push(AppCommand::ShowResults(previous.clone()));
        }
    });
    let text = match &context.previous_result {
        Some(text) => text,
        None => {
            ui.label(RichText::new("(its result is not loaded here)").weak());
            return;
        }
    };
    let mut lines: Vec<&str> = text.lines().take(CONTEXT_LINES).collect();
    let more = text.lines().count() > CONTEXT_LINES;
    if lines.is_empty() {
        lines.push("(empty)");
    }
    let lines: Vec<String> = lines
        .into_iter()
        .map(crate::trust::visible_controls)
        .collect();
    let mut shown = lines.join("\n");
    if more {
        shown.push_str("\n…");
    }
    ui.label(RichText::new(shown).monospace());
}
