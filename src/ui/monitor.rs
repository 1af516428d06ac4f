//! The Flow Monitor (bottom left): the run's steps in order with status and elapsed time,
//! the total time, Stop, the summary line, and the streamed output of the selected step.

use std::time::Instant;

use eframe::egui::{self, Align2, RichText};

use super::theme;
use crate::exec::format_duration_ms;
use crate::model::{Flow, NodeId};
use crate::session::commands::AppCommand;
use crate::session::run_view::{NodeStatus, RunView};

/// The symbol shown for a status.
pub fn status_icon(status: NodeStatus) -> &'static str {
    match status {
        NodeStatus::Idle => "·",
        NodeStatus::Queued => "○",
        NodeStatus::Running => "▶",
        NodeStatus::Succeeded => "✔",
        NodeStatus::Failed => "✖",
        NodeStatus::Skipped => "»",
        NodeStatus::Cancelled => "■",
        NodeStatus::Reused => "=",
        NodeStatus::Partial => "⚠",
    }
}

/// One monitor row as text (what a row says, for tests and for the window).
pub fn row_text(run_view: &RunView, flow: &Flow, id: &NodeId, now: Instant) -> String {
    let view = run_view.node(id);
    let status = view.map_or(NodeStatus::Idle, |v| v.status);
    let order = view
        .and_then(|v| v.order)
        .map_or("–".to_owned(), |o| o.to_string());
    let title = flow
        .node(id.as_str())
        .map(|n| {
            if n.title.is_empty() {
                n.id.to_string()
            } else {
                n.title.clone()
            }
        })
        .unwrap_or_else(|| id.to_string());
    let mut elapsed = view
        .and_then(|v| v.elapsed_ms_at(now))
        .map(format_duration_ms)
        .unwrap_or_default();
    if let Some((done, total)) = view.and_then(|v| v.count) {
        elapsed = format!("{done} / {total}  {elapsed}");
    }
    // A node a restricted run left out says why: it is blocked, not merely skipped.
    let state = match view.and_then(|v| v.skip_reason.as_deref()) {
        Some(reason) if status == NodeStatus::Skipped && crate::nodes::is_needs_trust(reason) => {
            format!("blocked, {reason}")
        }
        _ => status.label().to_owned(),
    };
    format!(
        "{} {order}. {title} — {state} {elapsed}",
        status_icon(status)
    )
}

/// Draws the monitor; returns commands (Stop, Focus) and updates the selected step.
pub fn show(
    ctx: &egui::Context,
    run_view: &RunView,
    flow: &Flow,
    selected: &mut Option<NodeId>,
    now: Instant,
) -> Vec<AppCommand> {
    let mut commands = Vec::new();
    egui::Window::new("Flow Monitor")
        .anchor(Align2::LEFT_BOTTOM, [10.0, -10.0])
        .default_width(380.0)
        .resizable(false)
        .collapsible(true)
        .show(ctx, |ui| {
            ui.horizontal(|ui| {
                let total = run_view
                    .total_ms_at(now)
                    .map(format_duration_ms)
                    .unwrap_or_else(|| "—".to_owned());
                ui.label(RichText::new(format!("⏱ {total}")).monospace());
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    if ui
                        .add_enabled(run_view.is_running(), egui::Button::new("■ Stop"))
                        .on_hover_text(
                            "Stop the run: the running step is cancelled, the rest will not start",
                        )
                        .clicked()
                    {
                        commands.push(AppCommand::Stop);
                    }
                });
            });
            ui.separator();
            if run_view.rows.is_empty() && run_view.rejected.is_none() {
                ui.label(RichText::new("No run yet. Press ▶ Run (top right).").weak());
            }
            egui::ScrollArea::vertical()
                .id_salt("monitor_rows")
                .max_height(200.0)
                .show(ui, |ui| {
                    for id in &run_view.rows {
                        let status = run_view.node(id).map_or(NodeStatus::Idle, |v| v.status);
                        let text = RichText::new(row_text(run_view, flow, id, now))
                            .color(theme::status(status));
                        let is_selected = selected.as_ref() == Some(id);
                        if ui.selectable_label(is_selected, text).clicked() {
                            *selected = Some(id.clone());
                            commands.push(AppCommand::Focus(id.clone()));
                        }
                    }
                });
            if let Some(summary) = &run_view.summary {
                ui.separator();
                ui.label(RichText::new(summary).strong());
            }
            if let Some(id) = selected.as_ref() {
                if let Some(view) = run_view.node(id) {
                    let text = if !view.log.is_empty() {
                        view.log.clone()
                    } else if let Some(error) = &view.error {
                        error.clone()
                    } else if let Some(reason) = &view.skip_reason {
                        format!("skipped: {reason}")
                    } else {
                        String::new()
                    };
                    if !text.is_empty() {
                        ui.separator();
                        let title = flow
                            .node(id.as_str())
                            .filter(|n| !n.title.is_empty())
                            .map_or(id.to_string(), |n| n.title.clone());
                        ui.label(RichText::new(format!("Output of {title}")).small());
                        egui::ScrollArea::vertical()
                            .id_salt("monitor_log")
                            .max_height(140.0)
                            .stick_to_bottom(true)
                            .show(ui, |ui| {
                                ui.label(RichText::new(text).monospace().small());
                            });
                    }
                }
            }
        });
    commands
}
