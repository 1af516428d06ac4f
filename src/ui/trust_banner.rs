//! The strip above the canvas for a flow from a folder nobody trusted: what the flow would
//! do outside itself (commands, hosts, paths outside its folder, environment variables) and
//! the **Trust this folder** button. A top panel, so the canvas shrinks rather than being
//! covered.

use std::path::Path;

use eframe::egui::{self, RichText};

use super::theme;
use crate::nodes::SideEffect;
use crate::session::commands::AppCommand;
use crate::trust::{visible_controls, Access, FlowEffects};

/// How many commands the strip names before it says how many more there are.
const MAX_COMMANDS_SHOWN: usize = 3;

/// Whether the strip has anything to say: some node is blocked, or takes a URL or path
/// known only when it runs.
pub fn has_something_to_say(effects: &FlowEffects) -> bool {
    effects.needing_trust().next().is_some() || effects.known_at_run_time > 0
}

/// Draws the strip; returns the commands chosen (Trust this folder).
pub fn show(ctx: &egui::Context, folder: &Path, effects: &FlowEffects) -> Vec<AppCommand> {
    let mut commands = Vec::new();
    let blocked = effects.needing_trust().count();
    let frame = egui::Frame::side_top_panel(&ctx.style()).fill(theme::WARNING_STRIP);
    egui::TopBottomPanel::top("trust_banner")
        .frame(frame)
        .show(ctx, |ui| {
            ui.add_space(2.0);
            ui.horizontal_wrapped(|ui| {
                ui.label(
                    RichText::new(format!(
                        "🔒 Restricted: this flow is in a folder you have not trusted ({}). Pure nodes run; {blocked} node{} that act{} outside the flow {} blocked.",
                        folder.display(),
                        if blocked == 1 { "" } else { "s" },
                        if blocked == 1 { "s" } else { "" },
                        if blocked == 1 { "is" } else { "are" },
                    ))
                    .color(theme::WARNING_TEXT)
                    .strong(),
                );
                let trust = egui::Button::new(
                    RichText::new("Trust this folder").strong().color(theme::GO_TEXT),
                )
                .fill(theme::GO_FILL);
                if ui
                    .add(trust)
                    .on_hover_text(
                        "Run everything in this flow, and in every flow in this folder and below it",
                    )
                    .clicked()
                {
                    commands.push(AppCommand::TrustFolder);
                }
            });
            for (what, list) in summary_lines(effects) {
                ui.horizontal_wrapped(|ui| {
                    ui.label(RichText::new(what).strong());
                    ui.label(list);
                });
            }
            ui.add_space(2.0);
        });
    commands
}

/// What the flow would do, one line per sort of effect: what, then the list.
fn summary_lines(effects: &FlowEffects) -> Vec<(&'static str, String)> {
    let mut lines = Vec::new();
    if !effects.commands.is_empty() {
        let mut shown: Vec<String> = effects
            .commands
            .iter()
            .take(MAX_COMMANDS_SHOWN)
            .map(|c| {
                // A middle dot between a script's lines: the UI font has no ↵.
                crate::trust::quote_command(c, " · ", 60)
            })
            .collect();
        let more = effects.commands.len().saturating_sub(MAX_COMMANDS_SHOWN);
        if more > 0 {
            shown.push(format!("and {more} more"));
        }
        lines.push(("Runs commands:", shown.join(", ")));
    }
    if !effects.hosts.is_empty() {
        lines.push(("Contacts:", visible_controls(&effects.hosts.join(", "))));
    }
    if !effects.outside_paths.is_empty() {
        let paths: Vec<String> = effects
            .outside_paths
            .iter()
            .map(|p| match p.access {
                Access::Read => format!("reads {}", visible_controls(&p.path)),
                Access::Write => format!("writes {}", visible_controls(&p.path)),
            })
            .collect();
        lines.push(("Outside its folder:", paths.join(", ")));
    }
    // Writes inside the folder need trust too (they change files beside the flow).
    let inside_writes: Vec<&str> = effects
        .nodes
        .iter()
        .flat_map(|node| &node.effects)
        .filter_map(|effect| match effect {
            SideEffect::Write { path: Some(path) } => Some(path.as_str()),
            _ => None,
        })
        .filter(|path| {
            !effects
                .outside_paths
                .iter()
                .any(|outside| outside.path == *path && outside.access == Access::Write)
        })
        .collect();
    if !inside_writes.is_empty() {
        lines.push((
            "Writes in its folder:",
            visible_controls(&inside_writes.join(", ")),
        ));
    }
    if !effects.env_vars.is_empty() {
        lines.push((
            "Environment variables:",
            visible_controls(&effects.env_vars.join(", ")),
        ));
    }
    if effects.known_at_run_time > 0 {
        lines.push((
            "Known when it runs:",
            format!(
                "{} node{} take{} a URL or path from a wire",
                effects.known_at_run_time,
                if effects.known_at_run_time == 1 {
                    ""
                } else {
                    "s"
                },
                if effects.known_at_run_time == 1 {
                    "s"
                } else {
                    ""
                },
            ),
        ));
    }
    lines
}
