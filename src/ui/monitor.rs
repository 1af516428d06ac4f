//! The Flow Monitor, docked along the bottom so it never covers a node: the run's steps in
//! order with status, reason and elapsed time, "k / N steps" and a progress bar, the total
//! time, the summary line, and the streamed output of the selected step. With no run in
//! this window it shows the flow's last recorded run. Clicking a step selects its node and
//! pans the canvas to it. While a run goes, the header holds its Pause / Resume, Cancel and
//! Stop buttons and says when it is paused or being cancelled. Its Timeline tab draws a
//! run's steps on a time axis (`ui::timeline`): this window's run, or a recorded one picked
//! in the Runs drawer.

use std::time::Instant;

use eframe::egui::{self, RichText};

use super::theme;
use super::timeline::{self, TimelineInputs, TimelineView};
use crate::exec::format_duration_ms;
use crate::model::{Flow, NodeId, NodeLabels};
use crate::session::commands::AppCommand;
use crate::session::run_timeline::TimelineRun;
use crate::session::run_view::{MemberView, NodeStatus, NodeView, RunView};
use crate::store::RunRecord;

/// The symbol shown for a status (so a status is never told by colour alone).
pub fn status_icon(status: NodeStatus) -> &'static str {
    status.icon()
}

/// The Timeline tab's first height: its header, the axis and about six lanes.
const TIMELINE_HEIGHT: f32 = 290.0;

/// Below this width the selected step's output goes under the steps, not beside them.
const NARROW_WIDTH: f32 = 640.0;

/// What the monitor shows below its header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MonitorTab {
    /// The steps in order, and the selected step's output.
    #[default]
    Steps,
    /// The run's timeline.
    Timeline,
}

/// The monitor's own state, kept by the app.
#[derive(Debug, Default)]
pub struct MonitorState {
    /// The comment being typed on the checkpoint card.
    pub decision_comment: String,
    /// Steps or Timeline.
    pub tab: MonitorTab,
    /// The recorded run the Timeline shows (its id); `None`: this window's run, else the
    /// latest recorded run.
    pub timeline_run: Option<String>,
    /// The Timeline's own state.
    pub timeline: TimelineView,
    /// The step whose output is shown (and whose row is highlighted).
    pub selected: Option<NodeId>,
    /// Folded down to its header line.
    pub collapsed: bool,
    /// The running step the rows were last scrolled to: the list follows the latest one
    /// to start, once (scrolling on every frame, or between steps running side by side,
    /// would keep the scroll animation, and so the window's redraws, going).
    pub followed: Option<NodeId>,
}

/// What a step's row says about how it stands: the status word, with the reason (first
/// line) for a failed, skipped or cancelled step. A step a restricted run left out is
/// "blocked", not merely skipped.
fn state_text(status: NodeStatus, note: Option<&str>) -> String {
    let note = note
        .and_then(|n| n.lines().next())
        .map(str::trim)
        .filter(|n| !n.is_empty());
    match (status, note) {
        (NodeStatus::Skipped, Some(note)) if crate::nodes::is_needs_trust(note) => {
            format!("blocked, {note}")
        }
        (
            NodeStatus::Failed | NodeStatus::Skipped | NodeStatus::Cancelled | NodeStatus::Partial,
            Some(note),
        ) => format!("{}: {note}", status.label()),
        _ => status.label().to_owned(),
    }
}

/// One monitor row as text (what a row says, for tests and for the panel): icon, order,
/// title, status word, the reason for a failed or skipped step, and the time.
pub fn row_text(run_view: &RunView, names: &NodeLabels, id: &NodeId, now: Instant) -> String {
    let view = run_view.node(id);
    let status = view.map_or(NodeStatus::Idle, |v| v.status);
    let order = view
        .and_then(|v| v.order)
        .map_or("–".to_owned(), |o| o.to_string());
    let mut elapsed = view
        .and_then(|v| v.elapsed_ms_at(now))
        .map(format_duration_ms)
        .unwrap_or_default();
    if let Some(progress) = view.and_then(NodeView::progress_text) {
        elapsed = format!("{progress}  {elapsed}");
    }
    let note = view.and_then(|v| match status {
        NodeStatus::Failed | NodeStatus::Partial => v.error.as_deref(),
        _ => v.skip_reason.as_deref(),
    });
    let mut state = state_text(status, note);
    if let Some(retry) = view.and_then(|v| v.retry_text(now)) {
        state = format!("{state}, {retry}");
    }
    if let Some(cause) = run_view.blocked_at(id) {
        return format!("⛔ {order}. {} — blocked: {cause}", names.name(id));
    }
    if run_view.waits_at(id) {
        return format!("⏸ {order}. {} — waiting for your decision", names.name(id));
    }
    format!(
        "{} {order}. {} — {state} {elapsed}",
        status_icon(status),
        names.name(id)
    )
    .trim_end()
    .to_owned()
}

/// One nested row: a step of the flow a subflow or loop step runs, under that step.
pub fn member_row_text(member: &MemberView) -> String {
    let took = member
        .elapsed_ms
        .map(format_duration_ms)
        .unwrap_or_default();
    let state = state_text(member.status, member.message.as_deref());
    format!("{} {} — {state} {took}", member.status.icon(), member.title)
        .trim_end()
        .to_owned()
}

/// One row of a recorded run as text.
pub fn record_row_text(record: &RunRecord, names: &NodeLabels, index: usize) -> String {
    let Some(node) = record.nodes.get(index) else {
        return String::new();
    };
    let status = node.status.unwrap_or(NodeStatus::Idle);
    let mut state = match node.status {
        Some(status) => state_text(status, node.note.as_deref()),
        None => "did not finish".to_owned(),
    };
    // Earlier attempts' errors are in the record; the row counts them.
    match node.attempts.len() {
        0 => {}
        1 => state.push_str(" after 1 retry"),
        n => state.push_str(&format!(" after {n} retries")),
    }
    let elapsed = node.elapsed_ms.map(format_duration_ms).unwrap_or_default();
    format!(
        "{} {}. {} — {state} {elapsed}",
        status_icon(status),
        index + 1,
        names.name(&node.node)
    )
    .trim_end()
    .to_owned()
}

/// How far the run in this window is: steps done and steps planned (`None` with no run).
pub fn progress(run_view: &RunView) -> Option<(usize, usize)> {
    if run_view.rows.is_empty() {
        return None;
    }
    let done = run_view
        .rows
        .iter()
        .filter(|id| {
            run_view
                .node(id)
                .is_some_and(|v| v.status.is_final() && v.status != NodeStatus::Idle)
        })
        .count();
    Some((done, run_view.rows.len()))
}

/// The "k / N steps" line of the header.
pub fn progress_text(done: usize, total: usize) -> String {
    format!("{done} / {total} steps")
}

/// One row in the list: readable when selected (the status colour is kept for the icon
/// only, the text takes the strong colour), and with its icon and word in any case.
fn row(ui: &mut egui::Ui, status: NodeStatus, text: String, selected: bool) -> egui::Response {
    let text = if selected {
        RichText::new(text)
            .strong()
            .color(ui.visuals().strong_text_color())
    } else {
        RichText::new(text).color(theme::status(status))
    };
    ui.add(egui::SelectableLabel::new(selected, text))
}

/// What the monitor shows.
#[derive(Clone, Copy)]
pub struct MonitorInput<'a> {
    /// This window's runs.
    pub run_view: &'a RunView,
    /// The open flow.
    pub flow: &'a Flow,
    /// Its node names.
    pub names: &'a NodeLabels,
    /// The flow's recorded runs, oldest first.
    pub runs: &'a [RunRecord],
    /// The checkpoint a run waits at, if any (its card shows above the steps).
    pub awaiting: Option<&'a crate::session::run_view::Awaiting>,
}

/// Draws the monitor docked at the bottom of the window; returns commands (Focus, Export
/// trace). `runs` are the flow's recorded runs, oldest first: the newest is shown when this
/// window has no run of its own.
pub fn show(
    ctx: &egui::Context,
    input: &MonitorInput<'_>,
    state: &mut MonitorState,
    now: Instant,
) -> Vec<AppCommand> {
    let MonitorInput {
        run_view,
        flow,
        names,
        runs,
        awaiting,
    } = *input;
    let mut commands = Vec::new();
    let last_run = runs.last();
    let record = last_run.filter(|_| run_view.rows.is_empty() && run_view.rejected.is_none());
    let empty = record.is_none() && run_view.rows.is_empty() && awaiting.is_none();
    // The folded panel and the open one keep their sizes apart, so unfolding (or the first
    // run) brings back the open panel's height rather than the header's.
    let panel = if state.collapsed || empty {
        egui::TopBottomPanel::bottom("monitor_folded").resizable(false)
    } else if state.tab == MonitorTab::Timeline {
        // The Timeline keeps a height of its own: taller, so a few lanes show at once.
        egui::TopBottomPanel::bottom("monitor_timeline")
            .resizable(true)
            .default_height(TIMELINE_HEIGHT)
            .min_height(150.0)
    } else {
        egui::TopBottomPanel::bottom("monitor")
            .resizable(true)
            .default_height(190.0)
            .min_height(110.0)
    };
    panel.show(ctx, |ui| {
        header(ui, run_view, record, state, now, &mut commands);
        // A decision to make shows even on a folded monitor: the run waits for it.
        if let Some(awaiting) = awaiting {
            let previous_result = (awaiting.previous.as_ref())
                .and_then(|p| run_view.node(p)?.result.as_deref())
                .map(crate::results::main_text);
            let context = super::checkpoint_card::CardContext {
                names,
                previous_result,
            };
            super::checkpoint_card::show(
                ui,
                awaiting,
                &context,
                &mut state.decision_comment,
                &mut commands,
            );
        }
        if state.collapsed || empty {
            return;
        }
        ui.separator();
        if state.tab == MonitorTab::Timeline {
            let inputs = TimelineTab {
                run_view,
                runs,
                names,
                now,
            };
            timeline_tab(ui, &inputs, state, &mut commands);
            return;
        }
        let mut rows = |ui: &mut egui::Ui, state: &mut MonitorState| match record {
            Some(record) => recorded_rows(ui, record, flow, names, state, &mut commands),
            None => live_rows(ui, run_view, names, state, now, &mut commands),
        };
        if ui.available_width() >= NARROW_WIDTH {
            // Steps on the left, the selected step's output on the right.
            ui.columns(2, |columns| {
                rows(&mut columns[0], state);
                selected_output(&mut columns[1], run_view, record, names, state);
            });
        } else {
            // A narrow canvas: the output under the steps, when one is selected.
            let height = ui.available_height();
            let split = if state.selected.is_some() { 0.55 } else { 1.0 };
            ui.allocate_ui(egui::vec2(ui.available_width(), height * split), |ui| {
                rows(ui, state);
            });
            if state.selected.is_some() {
                ui.separator();
                selected_output(ui, run_view, record, names, state);
            }
        }
    });
    commands
}

/// The header: fold toggle, "k / N steps", the progress bar, the total time and summary.
fn header(
    ui: &mut egui::Ui,
    run_view: &RunView,
    record: Option<&RunRecord>,
    state: &mut MonitorState,
    now: Instant,
    commands: &mut Vec<AppCommand>,
) {
    ui.horizontal_wrapped(|ui| {
        let arrow = if state.collapsed { "⏶" } else { "⏷" };
        if ui
            .selectable_label(
                false,
                RichText::new(format!("{arrow} Flow Monitor")).strong(),
            )
            .on_hover_text(if state.collapsed {
                "Show the steps"
            } else {
                "Fold"
            })
            .clicked()
        {
            state.collapsed = !state.collapsed;
        }
        tabs(ui, state);
        ui.separator();
        let (done, total, summary, total_ms) = match record {
            Some(record) => {
                let done = record.nodes.iter().filter(|n| n.status.is_some()).count();
                let total_ms = record
                    .finished_at_ms
                    .map(|end| end.saturating_sub(record.started_at_ms) as f64);
                let summary = format!(
                    "Last run, {}: {}",
                    crate::results::local_clock(record.started_at_ms),
                    record
                        .summary
                        .clone()
                        .unwrap_or_else(|| format!("{:?}", record.status).to_lowercase())
                );
                (done, record.nodes.len(), Some(summary), total_ms)
            }
            None => {
                let (done, total) = progress(run_view).unwrap_or((0, 0));
                (
                    done,
                    total,
                    run_view.summary.clone(),
                    run_view.total_ms_at(now),
                )
            }
        };
        if total == 0 {
            ui.label(RichText::new("No run yet. Press ▶ Run (top right).").weak());
            return;
        }
        ui.label(RichText::new(progress_text(done, total)).strong());
        let fraction = done as f32 / total as f32;
        ui.add(
            egui::ProgressBar::new(fraction)
                .desired_width(180.0)
                .show_percentage(),
        );
        let total_ms = total_ms
            .map(format_duration_ms)
            .unwrap_or_else(|| "—".to_owned());
        ui.label(RichText::new(format!("⏱ {total_ms}")).monospace());
        if let Some(summary) = summary {
            ui.separator();
            ui.label(RichText::new(summary).strong());
        }
        let page_of = record
            .map(|r| r.id.clone())
            .or_else(|| run_view.record.clone());
        if let Some(id) = page_of {
            if ui
                .small_button("Run page…")
                .on_hover_text("This run on its own: state, summary, steps, parameters, transcript")
                .clicked()
            {
                commands.push(AppCommand::OpenRunPage(id));
            }
        }
        if let (None, Some(run), true) = (record, run_view.run, run_view.is_running()) {
            ui.separator();
            if let Some(held) = run_view.held {
                let running = run_view
                    .rows
                    .iter()
                    .filter(|id| run_view.node(id).map(|v| v.status) == Some(NodeStatus::Running))
                    .count();
                let text = super::run_controls::held_text(held, running);
                ui.label(RichText::new(text).strong().color(theme::WARNING_TEXT));
            }
            super::run_controls::show(ui, run, run_view.held, commands);
        }
    });
}

/// The Steps and Timeline tabs' buttons.
fn tabs(ui: &mut egui::Ui, state: &mut MonitorState) {
    for (tab, label) in [
        (MonitorTab::Steps, "Steps"),
        (MonitorTab::Timeline, "Timeline"),
    ] {
        let hint = match tab {
            MonitorTab::Steps => "The steps in order, with the selected step's output",
            MonitorTab::Timeline => "The steps on a time axis: what ran at once, and what waited",
        };
        if ui
            .selectable_label(state.tab == tab && !state.collapsed, label)
            .on_hover_text(hint)
            .clicked()
        {
            state.tab = tab;
            state.collapsed = false;
        }
    }
}

fn live_rows(
    ui: &mut egui::Ui,
    run_view: &RunView,
    names: &NodeLabels,
    state: &mut MonitorState,
    now: Instant,
    commands: &mut Vec<AppCommand>,
) {
    egui::ScrollArea::vertical()
        .id_salt("monitor_rows")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            // Of the steps running now, the one furthest along the plan.
            let latest = run_view
                .rows
                .iter()
                .filter(|id| run_view.node(id).map(|v| v.status) == Some(NodeStatus::Running))
                .max_by_key(|id| run_view.node(id).and_then(|v| v.order));
            let follow = latest
                .filter(|id| state.followed.as_ref() != Some(*id))
                .cloned();
            for id in &run_view.rows {
                let status = run_view.node(id).map_or(NodeStatus::Idle, |v| v.status);
                let is_selected = state.selected.as_ref() == Some(id);
                let response = row(ui, status, row_text(run_view, names, id, now), is_selected);
                if follow.as_ref() == Some(id) {
                    response.scroll_to_me(Some(egui::Align::Center));
                    state.followed = Some(id.clone());
                }
                if response
                    .on_hover_text("Select this node and show it on the canvas")
                    .clicked()
                {
                    state.selected = Some(id.clone());
                    commands.push(AppCommand::Focus(id.clone()));
                }
                // The steps of the flow it runs, nested under it.
                let members = run_view.node(id).map_or(&[][..], |v| &v.members[..]);
                if !members.is_empty() {
                    ui.indent(("members", id.as_str()), |ui| {
                        for member in members {
                            let text = RichText::new(member_row_text(member))
                                .color(theme::status(member.status));
                            ui.label(text);
                        }
                    });
                }
            }
        });
}

fn recorded_rows(
    ui: &mut egui::Ui,
    record: &RunRecord,
    flow: &Flow,
    names: &NodeLabels,
    state: &mut MonitorState,
    commands: &mut Vec<AppCommand>,
) {
    egui::ScrollArea::vertical()
        .id_salt("monitor_rows")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for (index, node) in record.nodes.iter().enumerate() {
                let status = node.status.unwrap_or(NodeStatus::Idle);
                let is_selected = state.selected.as_ref() == Some(&node.node);
                let text = record_row_text(record, names, index);
                if row(ui, status, text, is_selected).clicked()
                    && flow.node(node.node.as_str()).is_some()
                {
                    state.selected = Some(node.node.clone());
                    commands.push(AppCommand::Focus(node.node.clone()));
                }
            }
        });
}

/// The selected step's output, error or skip reason in full.
fn selected_output(
    ui: &mut egui::Ui,
    run_view: &RunView,
    record: Option<&RunRecord>,
    names: &NodeLabels,
    state: &MonitorState,
) {
    let Some(id) = state.selected.as_ref() else {
        ui.label(RichText::new("Click a step to select its node and see its output.").weak());
        return;
    };
    let text = match record {
        // A recorded run: why it ended so (when it says), then its transcript.
        Some(record) => record
            .nodes
            .iter()
            .find(|n| n.node == *id)
            .map(|n| {
                let mut lines: Vec<String> = n.note.iter().cloned().collect();
                lines.extend(record.step_transcript(n, &names.name(&n.node)));
                lines.join("\n")
            })
            .unwrap_or_default(),
        None => match run_view.node(id) {
            Some(view) if !view.log.is_empty() => view.log.clone(),
            Some(view) => match (&view.error, &view.skip_reason) {
                (Some(error), _) => error.clone(),
                (None, Some(reason)) => format!("skipped: {reason}"),
                _ => String::new(),
            },
            None => String::new(),
        },
    };
    ui.label(RichText::new(format!("Output of {}", names.name(id))).strong());
    if text.is_empty() {
        ui.label(RichText::new("Nothing written.").weak());
        return;
    }
    egui::ScrollArea::vertical()
        .id_salt("monitor_log")
        .auto_shrink([false, false])
        .stick_to_bottom(true)
        .show(ui, |ui| {
            ui.label(RichText::new(text).monospace());
        });
}

/// What the Timeline tab draws from.
struct TimelineTab<'a> {
    run_view: &'a RunView,
    runs: &'a [RunRecord],
    names: &'a NodeLabels,
    now: Instant,
}

/// The Timeline tab: which run it is, Export trace and the legend, then the timeline.
fn timeline_tab(
    ui: &mut egui::Ui,
    inputs: &TimelineTab<'_>,
    state: &mut MonitorState,
    commands: &mut Vec<AppCommand>,
) {
    let (run_view, runs) = (inputs.run_view, inputs.runs);
    let Some(run) = TimelineRun::pick(run_view, runs, state.timeline_run.as_deref()) else {
        ui.label(RichText::new("No run yet: its timeline shows here once it starts.").weak());
        return;
    };
    let built = state.timeline.timeline(&run, run_view);
    let now_ms = run.now_ms(run_view, inputs.now, crate::store::now_ms());
    ui.horizontal_wrapped(|ui| {
        let title = match run {
            TimelineRun::Window => "This window's run".to_owned(),
            TimelineRun::Recorded(record, number) => format!(
                "Run #{number}, {}",
                crate::results::local_date_time(record.started_at_ms)
            ),
        };
        ui.label(RichText::new(title).strong());
        ui.label(format!(
            "· {} · {} steps in {} lanes",
            run.status_label(run_view),
            built.bars.len(),
            built.lanes.len()
        ));
        if !built.not_run.is_empty() {
            ui.label(format!("· {} did not run", built.not_run.len()))
                .on_hover_text("Skipped before they were ready, reused, or never started");
        }
        if state.timeline_run.is_some() && ui.button("Show the latest run").clicked() {
            state.timeline_run = None;
        }
        let export = ui
            .add_enabled(!built.bars.is_empty(), egui::Button::new("Export trace…"))
            .on_hover_text(
                "Save this timeline as Chrome trace JSON (opens in ui.perfetto.dev or chrome://tracing)",
            );
        if export.clicked() {
            commands.push(AppCommand::ExportTrace {
                run: run.record_id().map(str::to_owned),
                to: None,
            });
        }
        ui.separator();
        timeline::legend(ui);
    });
    if built.bars.is_empty() {
        let text = match run {
            TimelineRun::Window => "No step has started yet.",
            TimelineRun::Recorded(..) => {
                "No step times in this run's record: it was recorded by an older Flowcanvas, its process died before it ended, or no step started."
            }
        };
        ui.label(RichText::new(text).weak());
        return;
    }
    let timeline_inputs = TimelineInputs {
        timeline: &built,
        labels: inputs.names,
        now_ms,
        selected: state.selected.as_ref(),
    };
    let clicked = timeline::show(ui, &timeline_inputs);
    for command in clicked {
        if let AppCommand::Focus(node) = &command {
            state.selected = Some(node.clone());
        }
        commands.push(command);
    }
}
