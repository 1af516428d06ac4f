//! The run page: one recorded run on its own. Its state and the action that fits it in the
//! header, a summary card (who started it and when, how long, scope, mode, checkpoints,
//! inputs, the resume and retry chain), and tabs: Timeline (the steps with their outputs,
//! and the Gantt), Parameters and Transcript. Each step's output can be inspected whole.

use std::path::Path;
use std::sync::Arc;

use eframe::egui::{self, RichText};

use super::theme;
use crate::exec::{continued_by, format_duration_ms, RunId};
use crate::model::{Flow, NodeId, NodeLabels};
use crate::nodes::Outputs;
use crate::results::{local_date_time, main_text, outputs_text};
use crate::session::commands::AppCommand;
use crate::session::run_view::Awaiting;
use crate::session::store_catalog::StoreCatalog;
use crate::status::{NodeStatus, RunState};
use crate::store::{ContinueHow, NodeRecord, RunRecord, Waiting};
use crate::timeline::Timeline;

/// Which tab of the run page shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RunPageTab {
    /// The steps, their outputs and the Gantt.
    #[default]
    Timeline,
    /// The inputs, seeds and choices the run started with.
    Parameters,
    /// Everything each step said.
    Transcript,
}

/// The open run page: which run, which tab, which step's output is inspected.
#[derive(Debug)]
pub struct RunPage {
    /// The run's record id.
    pub run: String,
    /// The tab shown.
    pub tab: RunPageTab,
    /// The step whose output is shown whole.
    pub inspect: Option<NodeId>,
    /// The Gantt last built, and the record state it was built from.
    gantt: Option<((String, RunState, usize), Arc<Timeline>)>,
}

impl RunPage {
    /// The page of run `run` (its record id), on its Timeline.
    pub fn new(run: impl Into<String>) -> Self {
        Self {
            run: run.into(),
            tab: RunPageTab::Timeline,
            inspect: None,
            gantt: None,
        }
    }
}

/// What the page draws from.
pub struct RunPageInput<'a> {
    /// The open flow.
    pub flow: &'a Flow,
    /// Its nodes' names.
    pub names: &'a NodeLabels,
    /// The flow's store: its runs, histories and results.
    pub catalog: &'a StoreCatalog,
    /// The checkpoint a run waits at, if any (its card shows on the page of that run).
    pub awaiting: Option<&'a Awaiting>,
    /// The engine's run behind this record, while this window runs it.
    pub live: Option<RunId>,
    /// The flow's folder (files named by results are relative to it).
    pub base_dir: &'a Path,
    /// The result of the step before the checkpoint the run waits at, as text.
    pub previous_result: Option<String>,
}

/// Draws the page as a window; returns the commands chosen and whether it stays open.
pub fn show(
    ctx: &egui::Context,
    page: &mut RunPage,
    input: &RunPageInput<'_>,
    comment: &mut String,
) -> (Vec<AppCommand>, bool) {
    let mut commands = Vec::new();
    let mut open = true;
    let catalog = input.catalog;
    let Some(record) = catalog.run(&page.run) else {
        return (commands, catalog.loaded);
    };
    let number = catalog.run_number(&record.id).unwrap_or(0);
    // Kept below the menu bar and banners, and never taller than the room under them: its
    // lists scroll inside it rather than pushing it off the screen.
    let screen = ctx.screen_rect();
    egui::Window::new(format!("Run #{number}"))
        .id(egui::Id::new("run_page"))
        .open(&mut open)
        .default_pos(screen.left_top() + egui::vec2(24.0, 72.0))
        .default_size(egui::vec2(820.0, 600.0))
        .max_height((screen.height() - 140.0).max(300.0))
        .constrain_to(screen.with_min_y(screen.top() + 60.0))
        .collapsible(false)
        .show(ctx, |ui| {
            header(ui, record, input, comment, &mut commands);
            ui.add_space(4.0);
            summary_card(ui, record, input, page);
            ui.add_space(4.0);
            ui.horizontal(|ui| {
                for (tab, label) in [
                    (RunPageTab::Timeline, "Timeline"),
                    (RunPageTab::Parameters, "Parameters"),
                    (RunPageTab::Transcript, "Transcript"),
                ] {
                    if ui.selectable_label(page.tab == tab, label).clicked() {
                        page.tab = tab;
                    }
                }
            });
            ui.separator();
            match page.tab {
                RunPageTab::Timeline => timeline_tab(ui, record, input, page, &mut commands),
                RunPageTab::Parameters => parameters_tab(ui, record, input),
                RunPageTab::Transcript => transcript_tab(ui, record, input.names),
            }
        });
    (commands, open)
}

/// The run's state as a badge, and the action that fits it: Resume for a blocked or
/// cancelled run, Retry for a failed or interrupted one, Cancel for one running or waiting;
/// a run paused at a checkpoint is decided on its card, right here.
fn header(
    ui: &mut egui::Ui,
    record: &RunRecord,
    input: &RunPageInput<'_>,
    comment: &mut String,
    commands: &mut Vec<AppCommand>,
) {
    let (mark, color) = theme::run_state(record.status);
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(format!("{mark} {}", record.status.label()))
                .size(18.0)
                .strong()
                .color(color),
        )
        .on_hover_text(record.status.description());
        if let Some(summary) = &record.summary {
            ui.label(RichText::new(summary).strong());
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            action(ui, record, input, commands);
        });
    });
    match &record.waiting {
        Some(Waiting::Blocked { node, cause, fix }) if record.status == RunState::Blocked => {
            ui.label(
                RichText::new(format!(
                    "⛔ Blocked at {}: {cause}. To go on: {fix}, then Resume.",
                    input.names.quoted(node)
                ))
                .strong()
                .color(theme::WARNING_TEXT),
            );
        }
        _ => {}
    }
    let card = input
        .awaiting
        .filter(|a| a.record.as_deref() == Some(record.id.as_str()));
    if let Some(awaiting) = card {
        let context = super::checkpoint_card::CardContext {
            names: input.names,
            previous_result: input.previous_result.clone(),
        };
        super::checkpoint_card::show(ui, awaiting, &context, comment, commands);
    }
}

/// The one action button that fits the run's state.
fn action(
    ui: &mut egui::Ui,
    record: &RunRecord,
    input: &RunPageInput<'_>,
    commands: &mut Vec<AppCommand>,
) {
    if let Some(later) = continued_by(&input.catalog.runs, &record.id) {
        let number = input.catalog.run_number(&later.id).unwrap_or(0);
        ui.label(RichText::new(format!("continued by run #{number}")).weak());
        return;
    }
    let continue_with = |how: ContinueHow| AppCommand::ContinueRun {
        run: record.id.clone(),
        how,
    };
    match record.status {
        RunState::Running | RunState::Cancelling | RunState::Pending => {
            if let Some(run) = input.live {
                if ui
                    .button("■ Cancel")
                    .on_hover_text("Let running steps finish; start nothing more")
                    .clicked()
                {
                    commands.push(AppCommand::CancelRun(run));
                }
            }
        }
        RunState::Paused | RunState::Blocked => {
            if ui
                .button("■ Cancel run")
                .on_hover_text("End this run as cancelled; Resume can still continue it later")
                .clicked()
            {
                commands.push(AppCommand::CancelWaiting(record.id.clone()));
            }
            if record.status == RunState::Blocked
                && ui
                    .button(RichText::new("▶ Resume").strong())
                    .on_hover_text("Run the blocked step again, and what follows it")
                    .clicked()
            {
                commands.push(continue_with(ContinueHow::Resume));
            }
        }
        RunState::Cancelled => {
            if ui
                .button(RichText::new("▶ Resume").strong())
                .on_hover_text("Run the steps that did not complete; keep every result that did")
                .clicked()
            {
                commands.push(continue_with(ContinueHow::Resume));
            }
        }
        RunState::Failed | RunState::Interrupted | RunState::TimedOut => {
            if ui
                .button(RichText::new("↻ Retry").strong())
                .on_hover_text(
                    "Rerun the steps that did not complete and everything that depends on them",
                )
                .clicked()
            {
                commands.push(continue_with(ContinueHow::Retry));
            }
        }
        RunState::Completed | RunState::Rejected | RunState::NotStarted => {}
    }
}

/// Who started the run and when, how long it took, what it covered and how, its inputs,
/// and the runs it continues or that continue it (links).
fn summary_card(
    ui: &mut egui::Ui,
    record: &RunRecord,
    input: &RunPageInput<'_>,
    page: &mut RunPage,
) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        egui::Grid::new("run_summary")
            .num_columns(2)
            .spacing([16.0, 4.0])
            .show(ui, |ui| {
                let mut started = local_date_time(record.started_at_ms);
                if !record.started_by.is_empty() {
                    started.push_str(&format!(" by {}", record.started_by));
                }
                row(ui, "Started", &started);
                let duration = match record.finished_at_ms {
                    Some(end) => {
                        format_duration_ms(end.saturating_sub(record.started_at_ms) as f64)
                    }
                    None => "not ended".to_owned(),
                };
                row(ui, "Duration", &duration);
                let what = format!(
                    "{}, mode {}, checkpoints: {}{}",
                    record.scope.describe(input.names),
                    record.mode,
                    record.checkpoints.label(),
                    if record.restricted {
                        ", restricted"
                    } else {
                        ""
                    }
                );
                row(ui, "Ran", &what);
                let inputs: Vec<String> = (record.inputs.iter())
                    .map(|(label, value)| format!("{label} = {}", value.to_value().to_text()))
                    .collect();
                let inputs = match inputs.is_empty() {
                    true => "the flow's own values".to_owned(),
                    false => crate::ui::canvas::node_body::snippet(&inputs.join(", "), 1, 90),
                };
                row(ui, "Inputs", &inputs);
                if !record.seeds.is_empty() {
                    let seeds: Vec<String> = (record.seeds.iter())
                        .map(|(node, seed)| format!("{} = {seed}", input.names.quoted(node)))
                        .collect();
                    row(ui, "Seeds rolled", &seeds.join(", "));
                }
                if !record.decisions.is_empty() {
                    let decisions: Vec<String> = (record.decisions.iter())
                        .map(|d| d.describe(&input.names.quoted(&d.node)))
                        .collect();
                    row(ui, "Decisions", &decisions.join("; "));
                }
                chain(ui, record, input.catalog, page);
                row(ui, "Run id", &record.id);
            });
    });
}

fn row(ui: &mut egui::Ui, name: &str, value: &str) {
    ui.label(RichText::new(name).weak());
    ui.label(value);
    ui.end_row();
}

/// The resume and retry chain: the run this one continues and the one that continues it,
/// as links that open their pages.
fn chain(ui: &mut egui::Ui, record: &RunRecord, catalog: &StoreCatalog, page: &mut RunPage) {
    let earlier = record
        .continues
        .as_ref()
        .map(|c| (c.how.label(), c.run.clone()));
    let later = continued_by(&catalog.runs, &record.id)
        .and_then(|r| Some((r.continues.as_ref()?.how.label(), r.id.clone())));
    if earlier.is_none() && later.is_none() {
        return;
    }
    ui.label(RichText::new("Chain").weak());
    ui.horizontal(|ui| {
        if let Some((how, id)) = earlier {
            let number = catalog.run_number(&id).unwrap_or(0);
            if ui.link(format!("{how} of run #{number}")).clicked() {
                *page = RunPage::new(id);
            }
        }
        if let Some((how, id)) = later {
            let number = catalog.run_number(&id).unwrap_or(0);
            if ui
                .link(format!("continued ({how}) by run #{number}"))
                .clicked()
            {
                *page = RunPage::new(id);
            }
        }
    });
    ui.end_row();
}

/// This run's result of `node`, when the store has it (`None` while it is read).
fn step_result(
    catalog: &StoreCatalog,
    record: &RunRecord,
    node: &NodeId,
) -> Option<Result<Arc<Outputs>, String>> {
    let history = catalog.histories.get(node)?;
    let entry = (history.history.iter())
        .rev()
        .find(|e| e.run == record.id && e.item.is_none())?;
    catalog.object(&entry.object)
}

/// The steps in order, each with its status, time and output, under the Gantt.
fn timeline_tab(
    ui: &mut egui::Ui,
    record: &RunRecord,
    input: &RunPageInput<'_>,
    page: &mut RunPage,
    commands: &mut Vec<AppCommand>,
) {
    let key = (record.id.clone(), record.status, record.nodes.len());
    if page.gantt.as_ref().is_none_or(|(built, _)| *built != key) {
        page.gantt = Some((key, Arc::new(Timeline::of_record(record))));
    }
    let gantt = page.gantt.as_ref().map(|(_, g)| g.clone());
    egui::ScrollArea::vertical()
        .id_salt("run_page_steps")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            if let Some(gantt) = gantt.filter(|g| !g.bars.is_empty()) {
                let now_ms = match record.finished_at_ms {
                    Some(end) => end.saturating_sub(record.started_at_ms) as f64,
                    None => crate::store::now_ms().saturating_sub(record.started_at_ms) as f64,
                };
                let height = (48.0 + 26.0 * gantt.lanes.len() as f32).min(220.0);
                ui.allocate_ui(egui::vec2(ui.available_width(), height), |ui| {
                    let inputs = super::timeline::TimelineInputs {
                        timeline: &gantt,
                        labels: input.names,
                        now_ms,
                        selected: page.inspect.as_ref(),
                    };
                    commands.extend(super::timeline::show(ui, &inputs));
                });
                ui.separator();
            }
            for (index, line) in record.nodes.iter().enumerate() {
                step_row(ui, index, line, record, input, page);
            }
        });
}

/// One step: icon, number, title, status, time, its output's first line, Inspect output.
fn step_row(
    ui: &mut egui::Ui,
    index: usize,
    line: &NodeRecord,
    record: &RunRecord,
    input: &RunPageInput<'_>,
    page: &mut RunPage,
) {
    let status = line.status.map_or("not reached", NodeStatus::label);
    let color = line
        .status
        .map_or(theme::status(NodeStatus::Queued), theme::status);
    let icon = line.status.map_or("○", super::monitor::status_icon);
    let result = line
        .status
        .filter(|s| *s == NodeStatus::Succeeded)
        .and_then(|_| step_result(input.catalog, record, &line.node));
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(format!(
                "{icon} {}. {}",
                index + 1,
                input.names.name(&line.node)
            ))
            .strong()
            .color(color),
        );
        ui.label(RichText::new(status).color(color));
        if let Some(ms) = line.elapsed_ms {
            ui.label(RichText::new(format_duration_ms(ms)).monospace());
        }
        let shown = match &result {
            Some(Ok(outputs)) => main_text(outputs)
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned(),
            Some(Err(problem)) => format!("(result unreadable: {problem})"),
            None => line
                .note
                .as_deref()
                .and_then(|n| n.lines().next())
                .unwrap_or_default()
                .to_owned(),
        };
        ui.label(RichText::new(crate::ui::canvas::node_body::snippet(&shown, 1, 60)).weak());
        if result.is_some() {
            let open = page.inspect.as_ref() == Some(&line.node);
            let label = if open {
                "Hide output"
            } else {
                "Inspect output"
            };
            if ui.small_button(label).clicked() {
                page.inspect = (!open).then(|| line.node.clone());
            }
        }
    });
    if page.inspect.as_ref() == Some(&line.node) {
        if let Some(Ok(outputs)) = &result {
            inspector(ui, outputs, input.base_dir);
        }
    }
}

/// A step's output whole: every output as text, the files it names as paths, and the raw
/// JSON.
fn inspector(ui: &mut egui::Ui, outputs: &Outputs, base_dir: &Path) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        egui::ScrollArea::vertical()
            .id_salt("run_page_output")
            .max_height(180.0)
            .show(ui, |ui| {
                ui.label(RichText::new(outputs_text(outputs)).monospace());
            });
        let files: Vec<String> = (outputs.iter())
            .filter_map(|(_, value)| match value {
                crate::model::Value::Path(path) => Some(base_dir.join(path).display().to_string()),
                _ => None,
            })
            .collect();
        if !files.is_empty() {
            ui.label(RichText::new(format!("Files: {}", files.join(", "))).monospace());
        }
        egui::CollapsingHeader::new("Raw JSON")
            .id_salt("run_page_raw")
            .show(ui, |ui| {
                let json: serde_json::Map<String, serde_json::Value> = (outputs.iter())
                    .map(|(port, value)| (port.to_owned(), value.to_json()))
                    .collect();
                let text = serde_json::to_string_pretty(&json).unwrap_or_default();
                egui::ScrollArea::vertical()
                    .max_height(180.0)
                    .show(ui, |ui| {
                        ui.label(RichText::new(text).monospace());
                    });
            });
    });
}

/// The inputs, seeds and choices the run started with.
fn parameters_tab(ui: &mut egui::Ui, record: &RunRecord, input: &RunPageInput<'_>) {
    egui::Grid::new("run_parameters")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            row(ui, "Scope", &record.scope.describe(input.names));
            row(ui, "Mode", &record.mode.to_string());
            row(ui, "Checkpoints", record.checkpoints.label());
            row(
                ui,
                "Restricted",
                if record.restricted { "yes" } else { "no" },
            );
            for (label, value) in &record.inputs {
                row(ui, &format!("Input “{label}”"), &value.to_value().to_text());
            }
            for (node, seed) in &record.seeds {
                row(
                    ui,
                    &format!("Seed of {}", input.names.quoted(node)),
                    &seed.to_string(),
                );
            }
        });
    if record.inputs.is_empty() {
        ui.label(
            RichText::new("No input was set for this run: it used the flow's own values.").weak(),
        );
    }
}

/// Everything each step said, in order.
fn transcript_tab(ui: &mut egui::Ui, record: &RunRecord, names: &NodeLabels) {
    egui::ScrollArea::vertical()
        .id_salt("run_page_transcript")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for (index, line) in record.nodes.iter().enumerate() {
                let status = line.status.map_or("not reached", NodeStatus::label);
                let mut head = format!("{}. {} — {status}", index + 1, names.name(&line.node));
                if let Some(ms) = line.elapsed_ms {
                    head.push_str(&format!(" {}", format_duration_ms(ms)));
                }
                ui.label(RichText::new(head).strong());
                let mut lines: Vec<String> = line.note.iter().cloned().collect();
                lines.extend(record.step_transcript(line, &names.name(&line.node)));
                if lines.is_empty() {
                    ui.label(RichText::new("    (nothing said)").weak());
                } else {
                    let text: Vec<String> = lines.iter().map(|l| format!("    {l}")).collect();
                    ui.label(RichText::new(text.join("\n")).monospace());
                }
            }
        });
}
