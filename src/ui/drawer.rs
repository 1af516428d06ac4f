//! The drawer on the right (opened from the top right): Outputs, everything the flow has
//! produced, newest first, with the actions on each; and Runs, the recorded runs with their
//! steps, and Resume / Retry for those that did not complete.

use std::path::Path;

use eframe::egui::{self, RichText};

use super::result_buttons::{self, ResultRef};
use crate::exec::{continued_by, format_duration_ms, NodeStatus};
use crate::model::{Flow, NodeId};
use crate::results::local_date_time;
use crate::session::commands::{AppCommand, DrawerTab};
use crate::session::store_catalog::StoreCatalog;
use crate::ui::theme;
use crate::ui::thumbnails::Thumbnails;

/// Height of an image preview in the Outputs list (other results take a line of text).
const PREVIEW: f32 = 40.0;
use crate::store::{ContinueHow, RunRecord, RunState};

/// A node's title, or its id when it has none (or is gone from the flow).
pub fn node_title(flow: &Flow, id: &NodeId) -> String {
    flow.node(id.as_str())
        .filter(|n| !n.title.is_empty())
        .map_or_else(|| id.to_string(), |n| n.title.clone())
}

/// Draws the drawer on `tab`; returns the commands chosen.
pub fn show(
    ctx: &egui::Context,
    tab: DrawerTab,
    flow: &Flow,
    catalog: &StoreCatalog,
    base_dir: &Path,
    thumbnails: &mut Thumbnails,
) -> Vec<AppCommand> {
    let mut commands = Vec::new();
    egui::SidePanel::right("drawer")
        .resizable(true)
        .default_width(360.0)
        .min_width(260.0)
        .show(ctx, |ui| {
            ui.horizontal(|ui| {
                for (which, label) in [(DrawerTab::Outputs, "Outputs"), (DrawerTab::Runs, "Runs")] {
                    if ui.selectable_label(tab == which, RichText::new(label).strong()).clicked()
                        && tab != which
                    {
                        commands.push(AppCommand::ToggleDrawer(which));
                    }
                }
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    if ui.small_button("✖").on_hover_text("Close").clicked() {
                        commands.push(AppCommand::ToggleDrawer(tab));
                    }
                    if catalog.is_busy() {
                        ui.spinner();
                    }
                });
            });
            ui.separator();
            if catalog.store().is_none() {
                ui.label(
                    RichText::new(
                        "This flow is not saved yet. Save it to keep its results and run history beside the file.",
                    )
                    .weak(),
                );
                return;
            }
            match tab {
                DrawerTab::Outputs => outputs(ui, flow, catalog, base_dir, thumbnails, &mut commands),
                DrawerTab::Runs => runs(ui, flow, catalog, &mut commands),
            }
        });
    commands
}

fn outputs(
    ui: &mut egui::Ui,
    flow: &Flow,
    catalog: &StoreCatalog,
    base_dir: &Path,
    thumbnails: &mut Thumbnails,
    commands: &mut Vec<AppCommand>,
) {
    if catalog.items.is_empty() {
        let text = if catalog.loaded {
            "Nothing produced yet. Run the flow, and every result lands here, newest first."
        } else {
            "Reading the result store…"
        };
        ui.label(RichText::new(text).weak());
        return;
    }
    ui.label(
        RichText::new(format!("{} results, newest first", catalog.items.len()))
            .weak()
            .small(),
    );
    let line = ui.text_style_height(&egui::TextStyle::Body);
    let row_height = line * 3.0 + ui.spacing().item_spacing.y * 4.0 + 8.0 + PREVIEW;
    egui::ScrollArea::vertical()
        .id_salt("drawer_outputs")
        .auto_shrink([false, false])
        .show_rows(ui, row_height, catalog.items.len(), |ui, range| {
            for item in &catalog.items[range] {
                let run = catalog.run_number(&item.entry.run);
                ui.allocate_ui(egui::vec2(ui.available_width(), row_height), |ui| {
                    ui.set_min_height(row_height - ui.spacing().item_spacing.y);
                    ui.horizontal(|ui| {
                        ui.label(RichText::new(node_title(flow, &item.node)).strong());
                        let mut meta = format!(
                            "{} · {}",
                            run.map_or_else(|| "run ?".to_owned(), |n| format!("run #{n}")),
                            local_date_time(item.entry.at_ms)
                        );
                        if item.active {
                            meta.push_str(" · active");
                        }
                        ui.label(RichText::new(meta).weak().small());
                    });
                    let outputs = catalog.object(&item.entry.object);
                    if let Some(image) =
                        result_buttons::preview(ui, outputs.as_ref(), thumbnails, PREVIEW, 60)
                    {
                        commands.push(AppCommand::ShowImage {
                            title: node_title(flow, &item.node),
                            image,
                        });
                    }
                    ui.horizontal(|ui| {
                        let gone = flow.node(item.node.as_str()).is_none();
                        if ui
                            .add_enabled(!gone, egui::Button::new("Locate").small())
                            .on_hover_text("Select the node and centre the canvas on it")
                            .on_disabled_hover_text("This node is no longer in the flow")
                            .clicked()
                        {
                            commands.push(AppCommand::Focus(item.node.clone()));
                        }
                        let outputs = outputs.and_then(Result::ok);
                        result_buttons::show(
                            ui,
                            &ResultRef {
                                node: &item.node,
                                index: item.index,
                                active: item.active,
                                run,
                                outputs: outputs.as_deref(),
                            },
                            base_dir,
                            commands,
                        );
                    });
                });
                ui.separator();
            }
        });
}

fn runs(ui: &mut egui::Ui, flow: &Flow, catalog: &StoreCatalog, commands: &mut Vec<AppCommand>) {
    if catalog.runs.is_empty() {
        let text = if catalog.loaded {
            "No runs recorded yet."
        } else {
            "Reading the result store…"
        };
        ui.label(RichText::new(text).weak());
        return;
    }
    egui::ScrollArea::vertical()
        .id_salt("drawer_runs")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for (index, run) in catalog.runs.iter().enumerate().rev() {
                run_entry(ui, flow, catalog, index + 1, run, commands);
            }
        });
}

fn run_entry(
    ui: &mut egui::Ui,
    flow: &Flow,
    catalog: &StoreCatalog,
    number: usize,
    run: &RunRecord,
    commands: &mut Vec<AppCommand>,
) {
    let (mark, color) = theme::run_state(run.status);
    let took = run
        .finished_at_ms
        .map(|end| format_duration_ms(end.saturating_sub(run.started_at_ms) as f64))
        .unwrap_or_default();
    let header = RichText::new(format!(
        "#{number} {mark} {} · {} · {}",
        run.status.label(),
        local_date_time(run.started_at_ms),
        took
    ))
    .color(color);
    egui::CollapsingHeader::new(header)
        .id_salt(("run", &run.id))
        .default_open(number == catalog.runs.len())
        .show(ui, |ui| {
            ui.label(RichText::new(format!("{}, mode {}", run.scope, run.mode)).small());
            if let Some(summary) = &run.summary {
                ui.label(RichText::new(summary).small());
            }
            if let Some(how) = &run.continues {
                let of = catalog
                    .run_number(&how.run)
                    .map_or_else(|| how.run.clone(), |n| format!("#{n}"));
                ui.label(
                    RichText::new(format!("{} of run {of}", how.how.label()))
                        .weak()
                        .small(),
                );
            }
            let later = continued_by(&catalog.runs, &run.id);
            if let Some(later) = later {
                let by = catalog
                    .run_number(&later.id)
                    .map_or_else(|| later.id.clone(), |n| format!("#{n}"));
                ui.label(
                    RichText::new(format!("continued by run {by}"))
                        .weak()
                        .small(),
                );
            }
            if !run.inputs.is_empty() {
                let inputs: Vec<String> = run
                    .inputs
                    .iter()
                    .map(|(label, value)| format!("{label} = {}", value.to_value().to_text()))
                    .collect();
                ui.label(RichText::new(format!("inputs: {}", inputs.join(", "))).small());
            }
            if !run.seeds.is_empty() {
                let seeds: Vec<String> = run
                    .seeds
                    .iter()
                    .map(|(node, seed)| format!("{} = {seed}", node_title(flow, node)))
                    .collect();
                ui.label(RichText::new(format!("seeds: {}", seeds.join(", "))).small());
            }
            let completed = run.completed_nodes(&catalog.histories);
            egui::Grid::new(("run_steps", &run.id))
                .num_columns(3)
                .striped(true)
                .show(ui, |ui| {
                    for step in &run.nodes {
                        let status = match step.status {
                            Some(status) => status_word(status),
                            None if completed.contains(&step.node) => "succeeded",
                            None if run.status == RunState::Running => "…",
                            None => "did not finish",
                        };
                        if ui
                            .link(node_title(flow, &step.node))
                            .on_hover_text("Locate the node")
                            .clicked()
                        {
                            commands.push(AppCommand::Focus(step.node.clone()));
                        }
                        ui.label(RichText::new(status).small());
                        let mut detail =
                            step.elapsed_ms.map(format_duration_ms).unwrap_or_default();
                        if let Some(note) = &step.note {
                            detail
                                .push_str(&format!(" {}", note.lines().next().unwrap_or_default()));
                        }
                        ui.label(RichText::new(detail).small().weak());
                        ui.end_row();
                    }
                });
            run_actions(ui, run, commands);
        });
}

/// A recorded run's buttons: its page, its timeline, and Resume / Retry when it did not
/// complete.
fn run_actions(ui: &mut egui::Ui, run: &RunRecord, commands: &mut Vec<AppCommand>) {
    ui.horizontal(|ui| {
        if ui
            .button("Run page")
            .on_hover_text("This run on its own: state, summary, steps, parameters, transcript")
            .clicked()
        {
            commands.push(AppCommand::OpenRunPage(run.id.clone()));
        }
        if ui
            .button("Timeline")
            .on_hover_text("Show this run's steps on a time axis in the Flow Monitor")
            .clicked()
        {
            commands.push(AppCommand::ShowTimeline(Some(run.id.clone())));
        }
        if run.is_unfinished() {
            continue_buttons(ui, run, commands);
        }
    });
}

/// The notice that a run waits for a decision at the checkpoint before `step`, with the
/// way to its page (the card itself is in the Flow Monitor and on the page).
pub fn decision_banner(
    ctx: &egui::Context,
    catalog: &StoreCatalog,
    record: &str,
    step: &str,
) -> Vec<AppCommand> {
    let mut commands = Vec::new();
    let number = catalog
        .run_number(record)
        .map_or_else(|| "A run".to_owned(), |n| format!("Run #{n}"));
    egui::TopBottomPanel::top("decision_banner").show(ctx, |ui| {
        ui.horizontal(|ui| {
            ui.label(
                RichText::new(format!("⏸ {number} waits for your decision before {step}."))
                    .strong()
                    .color(theme::WARNING_TEXT),
            );
            if ui
                .button("Open its run page")
                .on_hover_text("Decide there (or on the card in the Flow Monitor)")
                .clicked()
            {
                commands.push(AppCommand::OpenRunPage(record.to_owned()));
            }
        });
    });
    commands
}

/// The action that fits a run that did not complete: Resume for one that stopped cleanly
/// (blocked, now fixed, or cancelled), Retry for one that went wrong (failed, interrupted,
/// timed out). The command line has both for every such run (`resume`, `retry`).
pub fn continue_buttons(ui: &mut egui::Ui, run: &RunRecord, commands: &mut Vec<AppCommand>) {
    let (how, label, hint) = match run.status {
        RunState::Blocked | RunState::Cancelled => (
            ContinueHow::Resume,
            "▶ Resume",
            "Run the steps that did not complete; keep every result that did (same inputs and seeds)",
        ),
        _ => (
            ContinueHow::Retry,
            "↻ Retry",
            "Rerun the steps that did not complete and everything that depends on them; other results are kept",
        ),
    };
    if ui.button(label).on_hover_text(hint).clicked() {
        commands.push(AppCommand::ContinueRun {
            run: run.id.clone(),
            how,
        });
    }
}

fn status_word(status: NodeStatus) -> &'static str {
    status.label()
}

/// The banner shown when the flow's latest run did not complete and nothing continued it
/// (typically: the app or the CLI died mid-run). Returns the commands chosen.
pub fn unfinished_banner(
    ctx: &egui::Context,
    flow: &Flow,
    catalog: &StoreCatalog,
    run: &RunRecord,
) -> Vec<AppCommand> {
    let mut commands = Vec::new();
    let number = catalog
        .run_number(&run.id)
        .map_or_else(|| run.id.clone(), |n| format!("#{n}"));
    let completed = run.completed_nodes(&catalog.histories).len();
    let steps = run.nodes.len();
    if let Some(crate::store::Waiting::Blocked { node, cause, fix }) = &run.waiting {
        egui::TopBottomPanel::top("unfinished_run").show(ctx, |ui| {
            ui.horizontal_wrapped(|ui| {
                let names = crate::model::NodeLabels::of(flow);
                ui.label(
                    RichText::new(format!(
                        "⛔ Run {number} is blocked at {}: {cause}.",
                        names.quoted(node)
                    ))
                    .strong()
                    .color(theme::WARNING_TEXT),
                );
                ui.label(format!("To go on: {fix}, then Resume."));
                continue_buttons(ui, run, &mut commands);
                if ui.small_button("Dismiss").clicked() {
                    commands.push(AppCommand::DismissInterrupted(run.id.clone()));
                }
            });
        });
        return commands;
    }
    let what = match run.status {
        RunState::Interrupted => "was interrupted: the program running it stopped mid-run",
        RunState::Cancelled => "was stopped",
        RunState::TimedOut => "ran past its time limit",
        _ => "did not complete",
    };
    egui::TopBottomPanel::top("unfinished_run").show(ctx, |ui| {
        ui.horizontal(|ui| {
            ui.label(
                RichText::new(format!(
                    "⚠ Run {number} ({}) {what}; {completed} of {steps} steps completed.",
                    local_date_time(run.started_at_ms)
                ))
                .color(theme::WARNING_TEXT),
            );
            continue_buttons(ui, run, &mut commands);
            if ui.button("Runs…").clicked() {
                commands.push(AppCommand::ToggleDrawer(DrawerTab::Runs));
            }
            if ui.small_button("Dismiss").clicked() {
                commands.push(AppCommand::DismissInterrupted(run.id.clone()));
            }
        });
    });
    commands
}
