//! The run panel's schedule: steps at once, stop at first failure and a time limit for the
//! runs queued from the panel, saving those as the flow's defaults, and the flow's limits
//! per kind.

use eframe::egui::{self, RichText};

use crate::model::{CheckpointMode, Settings};
use crate::nodes::{Registry, Role};
use crate::session::commands::AppCommand;
use crate::session::edit::DocEdit;

/// How runs queued from the panel are scheduled, where changed from the flow's settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScheduleChoice {
    /// Steps at once (`None`: the flow's `max_parallel`).
    pub parallel: Option<u32>,
    /// Stop at the first failure (`None`: the flow's `fail_fast`).
    pub fail_fast: Option<bool>,
    /// The run's time limit in seconds, 0 for none (`None`: the flow's `timeout_ms`).
    pub time_limit_s: Option<u32>,
    /// Which steps stop for a decision (a per-run choice; the flow's marks by default).
    pub checkpoints: CheckpointMode,
}

impl ScheduleChoice {
    /// The settings these choices give, starting from the flow's.
    fn applied_to(self, settings: &Settings) -> Settings {
        let mut changed = settings.clone();
        if let Some(parallel) = self.parallel {
            changed.max_parallel = (parallel > 1).then_some(parallel);
        }
        if let Some(fail_fast) = self.fail_fast {
            changed.fail_fast = fail_fast;
        }
        if let Some(seconds) = self.time_limit_s {
            changed.timeout_ms = (seconds > 0).then_some(u64::from(seconds) * 1000);
        }
        changed
    }

    /// The time limit of a run queued from the panel, when chosen here (0 s: the flow's
    /// setting applies, as with no choice).
    pub fn time_limit(self) -> Option<std::time::Duration> {
        self.time_limit_s
            .filter(|seconds| *seconds > 0)
            .map(|seconds| std::time::Duration::from_secs(u64::from(seconds)))
    }
}

/// Draws the section; edits of the flow's settings come back as commands.
pub fn show(
    ui: &mut egui::Ui,
    choice: &mut ScheduleChoice,
    settings: &Settings,
    registry: &Registry,
    commands: &mut Vec<AppCommand>,
) {
    let from_flow = settings.max_parallel.unwrap_or(1).max(1);
    let mut at_once = choice.parallel.unwrap_or(from_flow);
    ui.horizontal(|ui| {
        ui.label("Steps at once");
        let changed = ui
            .add(egui::DragValue::new(&mut at_once).range(1..=64))
            .on_hover_text(
                "How many independent steps may work at the same time in this run \
                 (the flow's max_parallel setting until changed here)",
            )
            .changed();
        if changed {
            choice.parallel = Some(at_once);
        }
        let mut fail_fast = choice.fail_fast.unwrap_or(settings.fail_fast);
        if ui
            .checkbox(&mut fail_fast, "Stop at first failure")
            .on_hover_text(
                "After a step fails, start no new step: running steps finish, the rest are \
                 skipped naming the failure (off: independent branches go on)",
            )
            .changed()
        {
            choice.fail_fast = Some(fail_fast);
        }
    });
    let from_flow_s = settings.timeout_ms.map_or(0, |ms| ms.div_ceil(1000)) as u32;
    let mut limit_s = choice.time_limit_s.unwrap_or(from_flow_s);
    ui.horizontal(|ui| {
        ui.label("Time limit");
        let changed = ui
            .add(
                egui::DragValue::new(&mut limit_s)
                    .range(0..=86_400)
                    .custom_formatter(|seconds, _| match seconds as u64 {
                        0 => "none".to_owned(),
                        s => crate::exec::format_wait_ms(s * 1000),
                    }),
            )
            .on_hover_text(
                "Past this long the run is stopped: running steps are killed, the rest \
                 cancelled, and it ends timed out (the flow's timeout_ms setting until \
                 changed here; none: no limit)",
            )
            .changed();
        if changed {
            choice.time_limit_s = Some(limit_s);
        }
    });
    ui.horizontal(|ui| {
        ui.label("Checkpoints");
        egui::ComboBox::from_id_salt("checkpoint_mode")
            .selected_text(choice.checkpoints.label())
            .show_ui(ui, |ui| {
                for mode in CheckpointMode::ALL {
                    ui.selectable_value(&mut choice.checkpoints, mode, mode.label());
                }
            })
            .response
            .on_hover_text(
                "Which steps stop for your decision before they run: the steps the flow \
                 marks, every step (to walk a new flow one step at a time), or none",
            );
    });
    let wanted = choice.applied_to(settings);
    if wanted != *settings {
        ui.horizontal(|ui| {
            ui.label(RichText::new("For runs from this panel.").weak());
            if ui
                .small_button("Save in the flow")
                .on_hover_text("Make these the flow's own settings (saved in the .flow file)")
                .clicked()
            {
                commands.push(AppCommand::Edit(DocEdit::SetSettings(Box::new(wanted))));
                *choice = ScheduleChoice::default();
            }
            if ui
                .small_button("Flow's")
                .on_hover_text("Back to the flow's settings")
                .clicked()
            {
                *choice = ScheduleChoice::default();
            }
        });
    }
    kind_limits(ui, settings, registry, commands);
}

/// The flow's limits per kind: each with its number and ✖, and a menu to add one.
fn kind_limits(
    ui: &mut egui::Ui,
    settings: &Settings,
    registry: &Registry,
    commands: &mut Vec<AppCommand>,
) {
    let title = match settings.kind_limits.len() {
        0 => "Limits per kind".to_owned(),
        n => format!("Limits per kind ({n})"),
    };
    egui::CollapsingHeader::new(title)
        .id_salt("kind_limits")
        .show(ui, |ui| {
            ui.label(
                RichText::new(
                    "At most this many calls of a kind at once (batch items count one by one); \
                     saved in the flow. Unlisted: web and LLM calls 4, images one per core.",
                )
                .weak(),
            );
            let mut changed = settings.clone();
            for (kind, limit) in &settings.kind_limits {
                ui.horizontal(|ui| {
                    let name = registry.get(kind).map_or(kind.as_str(), |k| k.info().name);
                    ui.label(name);
                    let mut value = *limit;
                    if ui
                        .add(egui::DragValue::new(&mut value).range(1..=64))
                        .changed()
                    {
                        changed.kind_limits.insert(kind.clone(), value);
                    }
                    if ui
                        .small_button("✖")
                        .on_hover_text("Remove this limit")
                        .clicked()
                    {
                        changed.kind_limits.remove(kind);
                    }
                });
            }
            egui::ComboBox::from_id_salt("add_kind_limit")
                .selected_text("Add a limit…")
                .show_ui(ui, |ui| {
                    for kind in registry.kinds() {
                        let info = kind.info();
                        let limited = settings.kind_limits.contains_key(info.id);
                        if limited || !matches!(info.role, Role::Step(_)) {
                            continue;
                        }
                        if ui.selectable_label(false, info.name).clicked() {
                            let start = kind.batch_concurrency().max(1) as u32;
                            changed.kind_limits.insert(info.id.to_owned(), start);
                        }
                    }
                });
            if changed != *settings {
                commands.push(AppCommand::Edit(DocEdit::SetSettings(Box::new(changed))));
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_apply_over_the_flow_settings_and_one_at_a_time_is_the_default() {
        let settings = Settings {
            max_parallel: Some(4),
            ..Settings::default()
        };
        let choice = ScheduleChoice {
            parallel: Some(1),
            fail_fast: Some(true),
            time_limit_s: Some(90),
            checkpoints: CheckpointMode::Every,
        };
        let applied = choice.applied_to(&settings);
        assert_eq!(applied.max_parallel, None, "1 is written as the default");
        assert!(applied.fail_fast);
        assert_eq!(applied.timeout_ms, Some(90_000));
        assert_eq!(
            choice.time_limit(),
            Some(std::time::Duration::from_secs(90))
        );
        assert_eq!(ScheduleChoice::default().applied_to(&settings), settings);
    }
}
