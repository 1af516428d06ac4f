//! The node menu's run policy rows: a checkpoint before the step (and its message), how
//! many attempts a failing step gets and how long it waits between them, and how long one
//! attempt may take before it is stopped.

use eframe::egui;

use super::graph_types::{CanvasResponse, EditorNode};
use crate::model::Retry;

/// Draws the rows for `node`; changes come back as responses.
pub fn show(ui: &mut egui::Ui, node: &EditorNode, responses: &mut Vec<CanvasResponse>) {
    let id = node.doc_id.clone();
    checkpoint(ui, node, responses);
    ui.horizontal(|ui| {
        let mut on = node.retry.is_some();
        if ui
            .checkbox(&mut on, "Retry on failure")
            .on_hover_text(
                "Try the step again when it fails, waiting longer each time (off: the \
                 flow's policy for its kind, if any, else no retry)",
            )
            .changed()
        {
            let retry = on.then(|| Retry::new(3));
            responses.push(CanvasResponse::SetRetry(id.clone(), retry));
        }
    });
    if let Some(retry) = &node.retry {
        let mut changed = retry.clone();
        ui.horizontal(|ui| {
            ui.label("Attempts");
            ui.add(
                egui::DragValue::new(&mut changed.attempts)
                    .range(1..=100)
                    .speed(0.1),
            )
            .on_hover_text("Attempts in all, the first included");
            ui.label("first wait");
            let mut seconds = changed.delay_ms as f64 / 1000.0;
            if ui
                .add(
                    egui::DragValue::new(&mut seconds)
                        .range(0.0..=3600.0)
                        .speed(0.1)
                        .suffix(" s"),
                )
                .changed()
            {
                changed.delay_ms = (seconds * 1000.0).round() as u64;
                changed.max_delay_ms = changed.max_delay_ms.max(changed.delay_ms);
            }
            ui.label("×");
            ui.add(
                egui::DragValue::new(&mut changed.factor)
                    .range(1.0..=10.0)
                    .speed(0.05),
            )
            .on_hover_text("Each further wait is the previous one times this");
        });
        if changed != *retry {
            responses.push(CanvasResponse::SetRetry(id.clone(), Some(changed)));
        }
    }
    ui.horizontal(|ui| {
        let mut on = node.timeout_ms.is_some();
        if ui
            .checkbox(&mut on, "Time limit")
            .on_hover_text("Stop an attempt that runs longer, and fail it with \"timed out\"")
            .changed()
        {
            responses.push(CanvasResponse::SetTimeLimit(
                id.clone(),
                on.then_some(30_000),
            ));
        }
        if let Some(ms) = node.timeout_ms {
            let mut seconds = ms as f64 / 1000.0;
            if ui
                .add(
                    egui::DragValue::new(&mut seconds)
                        .range(0.1..=86_400.0)
                        .speed(0.5)
                        .suffix(" s"),
                )
                .changed()
            {
                let ms = (seconds * 1000.0).round().max(1.0) as u64;
                responses.push(CanvasResponse::SetTimeLimit(id.clone(), Some(ms)));
            }
        }
    });
}

/// The checkpoint row: the mark, and the message people read when the run stops here.
fn checkpoint(ui: &mut egui::Ui, node: &EditorNode, responses: &mut Vec<CanvasResponse>) {
    let id = node.doc_id.clone();
    let mut on = node.checkpoint.is_some();
    if ui
        .checkbox(&mut on, "⏸ Checkpoint before this step")
        .on_hover_text(
            "Runs stop before this step and wait for someone to approve, reject or skip it \
             (with the run panel's Checkpoints on \"Flow defaults\")",
        )
        .changed()
    {
        let checkpoint = on.then(String::new);
        responses.push(CanvasResponse::SetCheckpoint(id.clone(), checkpoint));
    }
    if let Some(message) = &node.checkpoint {
        let mut typed = message.clone();
        ui.horizontal(|ui| {
            ui.label("Message");
            let edit = egui::TextEdit::singleline(&mut typed)
                .hint_text("Approve before this step runs")
                .desired_width(220.0);
            if ui.add(edit).changed() {
                responses.push(CanvasResponse::SetCheckpoint(id, Some(typed)));
            }
        });
    }
}
