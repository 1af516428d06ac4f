//! Pause / Resume, Cancel and Stop for the running run: one set of buttons, shown in the
//! Flow Monitor's header and on the running item of the queue.

use eframe::egui::{self, RichText};

use super::theme;
use crate::exec::{RunId, RunState};
use crate::session::commands::AppCommand;
use crate::session::run_view::Held;

/// What holds back a queue item's run, read from its queue status.
pub fn held_of(status: RunState) -> Option<Held> {
    match status {
        RunState::Paused => Some(Held::Paused),
        RunState::Cancelling => Some(Held::Cancelling),
        _ => None,
    }
}

/// The state of a held run in words, with how many steps are still finishing:
/// "Paused", "Pausing: 2 steps finishing", "Cancelling: 1 step finishing".
pub fn held_text(held: Held, running: usize) -> String {
    let finishing = match running {
        0 => String::new(),
        1 => ": 1 step finishing".to_owned(),
        n => format!(": {n} steps finishing"),
    };
    match (held, running) {
        (Held::Paused, 0) => "⏸ Paused".to_owned(),
        (Held::Paused, _) => format!("⏸ Pausing{finishing}"),
        (Held::Cancelling, _) => format!("■ Cancelling{finishing}"),
        (Held::AtCheckpoint, _) => "⏸ Waiting for your decision (the card below)".to_owned(),
    }
}

/// The buttons for `run`, which is running and held by `held`; pushes what is clicked.
pub fn show(ui: &mut egui::Ui, run: RunId, held: Option<Held>, commands: &mut Vec<AppCommand>) {
    let cancelling = held == Some(Held::Cancelling);
    if held == Some(Held::AtCheckpoint) {
        // Decided on its card: neither Pause nor Resume means anything here.
    } else if held == Some(Held::Paused) {
        let resume =
            egui::Button::new(RichText::new("▶ Resume").color(theme::GO_TEXT)).fill(theme::GO_FILL);
        if ui
            .add(resume)
            .on_hover_text("Go on: ready steps start again")
            .clicked()
        {
            commands.push(AppCommand::PauseRun(run, false));
        }
    } else if ui
        .add_enabled(!cancelling, egui::Button::new("⏸ Pause"))
        .on_hover_text("Start no new step; steps already running finish. Resume goes on.")
        .on_disabled_hover_text("The run is being cancelled")
        .clicked()
    {
        commands.push(AppCommand::PauseRun(run, true));
    }
    if ui
        .add_enabled(!cancelling, egui::Button::new("Cancel"))
        .on_hover_text(
            "End the run gracefully: steps already running finish (none is cut off \
             partway), the steps not started are cancelled",
        )
        .on_disabled_hover_text("Already cancelling: the running steps are finishing")
        .clicked()
    {
        commands.push(AppCommand::CancelRun(run));
    }
    let stop = egui::Button::new(RichText::new("⏹ Stop now").color(theme::ERROR_TEXT));
    if ui
        .add(stop)
        .on_hover_text("Kill the running steps now (their processes too) and cancel the rest")
        .clicked()
    {
        commands.push(AppCommand::Stop);
    }
}
