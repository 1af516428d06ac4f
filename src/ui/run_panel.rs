//! The run panel: the one place a multi-step run is launched from. It shows the plan before
//! anything runs (order, skips and why, missing inputs, results Missing mode keeps), the run
//! mode, the inputs form, and the run queue with its controls.

use std::collections::BTreeMap;
use std::sync::Arc;

use eframe::egui::{self, RichText};

use super::theme;
use crate::check::{apply_inputs, flow_inputs};
use crate::exec::{format_duration_ms, QueueItem, QueueMove, RunState};
use crate::model::{NodeLabels, ParamValue};
use crate::nodes::Registry;
use crate::plan::{plan_with_results, Plan, RunMode, Scope};
use crate::session::commands::AppCommand;
use crate::session::document::Document;
use crate::session::run_view::{NodeStatus, RunView};
use crate::session::Derived;

/// What the cached preview was computed from.
#[derive(Clone, PartialEq)]
struct PreviewKey {
    document: crate::session::document::DocIdentity,
    scope: Scope,
    mode: RunMode,
    values: BTreeMap<String, ParamValue>,
    results: u64,
    restricted: bool,
}

/// The panel's state (kept while it is closed: the queue lives in the engine).
pub struct RunPanel {
    /// Whether the panel is shown.
    pub open: bool,
    /// What Run in the panel will run.
    pub scope: Scope,
    /// All or Missing.
    pub mode: RunMode,
    /// Input values typed into the form, by label.
    pub values: BTreeMap<String, ParamValue>,
    /// Steps at once and stop at first failure for runs queued from the panel, where
    /// changed from the flow's settings.
    pub schedule: super::run_schedule::ScheduleChoice,
    /// File dialogs opened from the form's path fields.
    pub pickers: super::inputs_form::FilePickers,
    cache: Option<(PreviewKey, Result<Arc<Plan>, String>)>,
    missing_cache: Option<(PreviewKey, Result<Arc<Plan>, String>)>,
    showing_plan: bool,
}

impl Default for RunPanel {
    fn default() -> Self {
        Self {
            open: false,
            scope: Scope::Flow,
            mode: RunMode::All,
            values: BTreeMap::new(),
            schedule: Default::default(),
            pickers: Default::default(),
            cache: None,
            missing_cache: None,
            showing_plan: false,
        }
    }
}

impl RunPanel {
    /// Opens the panel for `scope`.
    pub fn open_for(&mut self, scope: Scope) {
        self.open = true;
        self.scope = scope;
        self.showing_plan = true;
    }

    /// The plan a Run from the panel would follow now (cached until something it depends on
    /// changes).
    pub fn preview(
        &mut self,
        doc: &Document,
        registry: &Registry,
        run_view: &RunView,
    ) -> Result<Arc<Plan>, String> {
        let key = PreviewKey {
            document: doc.identity(),
            scope: self.scope.clone(),
            mode: self.mode,
            values: self.values.clone(),
            results: run_view.results_version,
            restricted: doc.is_restricted(),
        };
        if let Some((cached, preview)) = &self.cache {
            if *cached == key {
                return preview.clone();
            }
        }
        let preview = apply_inputs(doc.flow(), registry, &self.values)
            .map_err(|err| err.to_string())
            .and_then(|flow| {
                // The run's own decision, so the preview keeps exactly what the run keeps; a
                // restricted document previews what its restricted run will do.
                plan_with_results(
                    &flow,
                    registry,
                    &self.scope,
                    self.mode,
                    &run_view.known_results(),
                    &Default::default(),
                )
                .map(|plan| match doc.is_restricted() {
                    true => crate::trust::restrict(plan, &flow, registry, &doc.base_dir()),
                    false => plan,
                })
                .map(Arc::new)
                .map_err(|err| err.to_string())
            });
        self.cache = Some((key, preview.clone()));
        preview
    }

    /// Whether the canvas should show the previewed plan's order badges: the panel is open
    /// and nothing was queued from it since it opened or its mode or inputs changed (after
    /// a run, the canvas shows how the run went instead).
    pub fn shows_plan(&self) -> bool {
        self.open && self.showing_plan
    }

    /// A run was queued: the canvas shows how it goes rather than the plan's badges.
    pub fn plan_queued(&mut self) {
        self.showing_plan = false;
    }

    /// The plan a Missing-mode run would follow now (to say what Missing mode would keep
    /// while the panel is on All).
    pub fn missing_preview(
        &mut self,
        doc: &Document,
        registry: &Registry,
        run_view: &RunView,
    ) -> Result<Arc<Plan>, String> {
        let mode = std::mem::replace(&mut self.mode, RunMode::Missing);
        let cache = self.cache.take();
        self.cache = self.missing_cache.take();
        let plan = self.preview(doc, registry, run_view);
        self.missing_cache = std::mem::replace(&mut self.cache, cache);
        self.mode = mode;
        plan
    }

    /// Draws the panel docked on the right (the canvas takes the room it leaves); returns
    /// the commands chosen. The title, mode and Run button sit in a fixed header, so Run
    /// stays in one place whatever the plan below says.
    pub fn show(
        &mut self,
        ctx: &egui::Context,
        doc: &Document,
        registry: &Registry,
        run_view: &RunView,
        derived: &Derived,
    ) -> Vec<AppCommand> {
        let mut commands = Vec::new();
        if !self.open {
            return commands;
        }
        let before = (self.mode, self.values.clone());
        let preview = self.preview(doc, registry, run_view);
        let missing = match self.mode {
            RunMode::All => Some(self.missing_preview(doc, registry, run_view)),
            RunMode::Missing => None,
        };
        let inputs = flow_inputs(doc.flow(), registry);
        let labels = &derived.labels;
        egui::SidePanel::right("run_panel")
            .resizable(true)
            .default_width(380.0)
            .min_width(300.0)
            .show(ctx, |ui| {
                ui.add_space(4.0);
                ui.horizontal(|ui| {
                    let scope = self.scope.describe(labels);
                    ui.label(RichText::new(format!("Run the {scope}")).strong());
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        if ui.small_button("✖").on_hover_text("Close").clicked() {
                            self.open = false;
                        }
                    });
                });
                ui.horizontal(|ui| {
                    ui.label("Mode");
                    ui.radio_value(&mut self.mode, RunMode::All, "All")
                        .on_hover_text("Run every planned node, even those with a result");
                    ui.radio_value(&mut self.mode, RunMode::Missing, "Missing")
                        .on_hover_text(
                            "Run only nodes without a current result (stale ones run again), \
                             and everything after them",
                        );
                });
                ui.horizontal(|ui| {
                    let ready = preview.is_ok();
                    let run =
                        egui::Button::new(RichText::new("▶ Run").strong().color(theme::GO_TEXT))
                            .fill(theme::GO_FILL)
                            .min_size(egui::vec2(96.0, 26.0));
                    if ui
                        .add_enabled(ready, run)
                        .on_hover_text("Queue this run; it starts when the runs before it are done")
                        .clicked()
                    {
                        commands.push(AppCommand::Queue {
                            scope: self.scope.clone(),
                            mode: self.mode,
                            inputs: self.values.clone(),
                            parallel: self.schedule.parallel,
                            fail_fast: self.schedule.fail_fast,
                            timeout: self.schedule.time_limit(),
                            checkpoints: self.schedule.checkpoints,
                        });
                    }
                    if !self.values.is_empty() && ui.button("Reset inputs").clicked() {
                        self.values.clear();
                    }
                });
                // Below Run, so the Run button stays where it always is.
                super::run_schedule::show(
                    ui,
                    &mut self.schedule,
                    &doc.flow().settings,
                    registry,
                    &mut commands,
                );
                ui.separator();
                egui::ScrollArea::vertical()
                    .id_salt("run_panel_body")
                    .auto_shrink([false, false])
                    .show(ui, |ui| {
                        ui.label(RichText::new("Inputs").strong());
                        super::inputs_form::show(ui, &inputs, &mut self.values, &mut self.pickers);
                        ui.separator();
                        plan_preview(
                            ui,
                            &preview,
                            missing.as_ref(),
                            &PreviewContext {
                                flow: doc.flow(),
                                labels,
                                run_view,
                                fan_out: &derived.fan_out,
                                checkpoints: self.schedule.checkpoints,
                            },
                        );
                        ui.separator();
                        queue_list(ui, run_view, labels, &mut commands);
                    });
            });
        if before != (self.mode, self.values.clone()) {
            self.showing_plan = true;
        }
        commands
    }
}

/// What Missing mode would do with the results of an All-mode plan's steps: how many it
/// keeps and how many it runs again (stale results, and those after a node that runs).
/// `None` when no step has a result.
pub fn missing_mode_line(
    all: &Plan,
    missing: &Plan,
    has_result: impl Fn(&crate::model::NodeId) -> bool,
) -> Option<String> {
    let runs_in_missing = |id: &crate::model::NodeId| missing.steps.iter().any(|s| s.node == *id);
    let with_result: Vec<_> = all.steps.iter().filter(|s| has_result(&s.node)).collect();
    if with_result.is_empty() {
        return None;
    }
    let kept = all
        .steps
        .iter()
        .filter(|s| !runs_in_missing(&s.node))
        .count();
    let rerun = with_result
        .iter()
        .filter(|s| runs_in_missing(&s.node))
        .count();
    let have = with_result.len();
    let mut line = format!(
        "{have} of these already ha{} a result. Missing mode would keep {kept}",
        if have == 1 { "s" } else { "ve" }
    );
    if rerun > 0 {
        line.push_str(&format!(
            " and run {rerun} again (stale, or after a node that runs)"
        ));
    }
    line.push('.');
    Some(line)
}

/// When a step on a branch runs, for the preview: "only if `Check` fails", "whatever
/// `Check` does", or "if `Check` succeeds" for a step on the success side of a node that
/// also has a failure branch. `None` for steps off any branch.
fn branch_condition(
    plan: &Plan,
    step: &crate::plan::Step,
    labels: &NodeLabels,
) -> Option<(String, egui::Color32)> {
    use crate::model::Outcome;
    use crate::plan::InputSource;
    let source_of = |input: &crate::plan::StepInput| match &input.source {
        InputSource::Step { node, .. }
        | InputSource::Result { node, .. }
        | InputSource::Skipped { node, .. } => Some(node.clone()),
        InputSource::Value { .. } | InputSource::Unset => None,
    };
    let mut fails = Vec::new();
    let mut always = Vec::new();
    let mut succeeds = Vec::new();
    for input in &step.inputs {
        let Some(node) = source_of(input) else {
            continue;
        };
        let name = labels.quoted(&node);
        let list = match input.outcome {
            Outcome::Fail => &mut fails,
            Outcome::Always => &mut always,
            // On the success side only when that node also has a failure branch.
            Outcome::Pass => {
                let branches = plan.steps.iter().flat_map(|s| &s.inputs).any(|other| {
                    other.outcome == Outcome::Fail && source_of(other).as_ref() == Some(&node)
                });
                if !branches {
                    continue;
                }
                &mut succeeds
            }
        };
        if !list.contains(&name) {
            list.push(name);
        }
    }
    if !fails.is_empty() {
        let when = format!("only if {} fails", fails.join(" or "));
        return Some((when, theme::FAIL_WIRE));
    }
    if !succeeds.is_empty() {
        let when = format!("if {} succeeds", succeeds.join(" and "));
        return Some((when, theme::PASS_WIRE));
    }
    (!always.is_empty()).then(|| {
        let when = format!("whatever {} does", always.join(" and "));
        (when, theme::ALWAYS_WIRE)
    })
}

/// What the plan preview needs besides the plans.
struct PreviewContext<'a> {
    flow: &'a crate::model::Flow,
    labels: &'a NodeLabels,
    run_view: &'a RunView,
    fan_out: &'a std::collections::HashMap<crate::model::NodeId, usize>,
    checkpoints: crate::model::CheckpointMode,
}

fn plan_preview(
    ui: &mut egui::Ui,
    preview: &Result<Arc<Plan>, String>,
    missing: Option<&Result<Arc<Plan>, String>>,
    context: &PreviewContext<'_>,
) {
    let PreviewContext {
        labels,
        run_view,
        fan_out,
        ..
    } = *context;
    let plan = match preview {
        Ok(plan) => plan,
        Err(error) => {
            ui.label(RichText::new(format!("Cannot run: {error}")).color(theme::ERROR_TEXT));
            return;
        }
    };
    let checkpoints = crate::plan::checkpoints(context.flow, plan, context.checkpoints);
    let steps = plan.steps.len();
    ui.label(
        RichText::new(format!(
            "Plan: {steps} step{}",
            if steps == 1 { "" } else { "s" }
        ))
        .strong(),
    );
    for step in &plan.steps {
        let items = match fan_out.get(&step.node) {
            Some(n) => format!("  · runs {n} items"),
            None => String::new(),
        };
        ui.label(format!(
            "{}. {}  ({}){items}",
            step.order,
            labels.name(&step.node),
            step.kind
        ));
        if let Some((when, color)) = branch_condition(plan, step, labels) {
            ui.label(RichText::new(format!("    ↳ {when}")).color(color));
        }
        if let Some((_, message)) = checkpoints.iter().find(|(node, _)| *node == step.node) {
            ui.label(
                RichText::new(format!("    ⏸ stops for your decision: {message}"))
                    .color(theme::WARNING_TEXT),
            );
        }
    }
    if !checkpoints.is_empty() {
        ui.label(
            RichText::new(
                "⏸ This run stops at its checkpoints for a decision, and runs one step at a time (whatever Steps at once says).",
            )
            .color(theme::WARNING_TEXT),
        );
    }
    for skipped in &plan.skipped {
        let text = format!(
            "» {} will be skipped: {}",
            labels.name(&skipped.node),
            skipped.reason
        );
        ui.label(RichText::new(text).color(theme::status(NodeStatus::Skipped)));
    }
    for reused in &plan.reused {
        let text = format!(
            "= {} has a result and will not run again",
            labels.name(reused)
        );
        ui.label(RichText::new(text).color(theme::status(NodeStatus::Reused)));
    }
    for rerun in &plan.rerun {
        ui.label(format!(
            "↻ {} runs again: {}",
            labels.name(&rerun.node),
            rerun.reason
        ));
    }
    if let Some(Ok(missing)) = missing {
        if let Some(line) = missing_mode_line(plan, missing, |id| run_view.has_result(id)) {
            ui.label(RichText::new(line).color(theme::status(NodeStatus::Reused)));
        }
    }
    for warning in &plan.warnings {
        ui.label(RichText::new(format!("⚠ {warning}")).color(theme::WARNING_TEXT));
    }
}

fn queue_list(
    ui: &mut egui::Ui,
    run_view: &RunView,
    labels: &NodeLabels,
    commands: &mut Vec<AppCommand>,
) {
    ui.horizontal(|ui| {
        ui.label(RichText::new("Queue").strong());
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let finished = run_view.queue.iter().any(|i| {
                !matches!(
                    i.status,
                    RunState::Pending | RunState::Running | RunState::Paused | RunState::Cancelling
                )
            });
            if ui
                .add_enabled(finished, egui::Button::new("Clear finished"))
                .clicked()
            {
                commands.push(AppCommand::QueueClearFinished);
            }
            let (label, paused) = if run_view.queue_paused {
                ("Resume queue", false)
            } else {
                ("Pause queue", true)
            };
            if ui
                .button(label)
                .on_hover_text(
                    "A paused queue lets the running run finish and starts no queued run \
                     (to hold back the running run's steps, use its own Pause)",
                )
                .clicked()
            {
                commands.push(AppCommand::QueuePause(paused));
            }
        });
    });
    if run_view.queue_paused {
        ui.label(
            RichText::new("Paused: queued runs wait until you resume.").color(theme::WARNING_TEXT),
        );
    }
    if run_view.queue.is_empty() {
        ui.label(RichText::new("Nothing queued.").weak());
        return;
    }
    egui::ScrollArea::vertical()
        .id_salt("queue")
        .max_height(180.0)
        .show(ui, |ui| {
            let queued: Vec<u64> = run_view
                .queue
                .iter()
                .filter(|i| i.status == RunState::Pending)
                .map(|i| i.run)
                .collect();
            let waiting = (run_view.awaiting.as_ref())
                .filter(|a| a.record.is_none())
                .and_then(|a| a.run);
            for item in &run_view.queue {
                queue_row(ui, item, &queued, labels, waiting, commands);
            }
        });
}

/// A queue item's line: number, scope by title, status, inputs, time, when it started.
fn queue_item_text(item: &QueueItem, labels: &NodeLabels) -> String {
    // A paused item that is over in the queue is a run parked at a checkpoint.
    let parked = item.status == RunState::Paused && item.elapsed_ms.is_some();
    let status = match parked {
        true => "paused for a decision (see the Flow Monitor)",
        false => item.status.label(),
    };
    let mut text = format!("#{} {} — {status}", item.run, item.scope.describe(labels));
    if !item.inputs.is_empty() {
        let shown: Vec<String> = item
            .inputs
            .iter()
            .map(|(label, value)| {
                let value = match value {
                    ParamValue::Text(t) => t.clone(),
                    other => other.to_json().to_string(),
                };
                format!(
                    "{label}={}",
                    crate::ui::canvas::node_body::snippet(&value, 1, 16)
                )
            })
            .collect();
        text.push_str(&format!(" · {}", shown.join(", ")));
    }
    if let Some(ms) = item.elapsed_ms {
        text.push_str(&format!(" in {}", format_duration_ms(ms)));
    }
    if let Some(started) = item.started_at_ms {
        text.push_str(&format!(
            " · started {}",
            crate::results::local_clock(started)
        ));
    }
    text
}

/// One queue item; `waiting` is the run that waits in place at a checkpoint, if any.
fn queue_row(
    ui: &mut egui::Ui,
    item: &QueueItem,
    queued: &[u64],
    labels: &NodeLabels,
    waiting: Option<crate::exec::RunId>,
    commands: &mut Vec<AppCommand>,
) {
    ui.horizontal(|ui| {
        let (_, color) = theme::run_state(item.status);
        let response = ui.label(RichText::new(queue_item_text(item, labels)).color(color));
        let inputs: Vec<String> = item
            .inputs
            .iter()
            .map(|(k, v)| format!("{k} = {}", v.to_json()))
            .collect();
        let mut hover = if inputs.is_empty() {
            "default inputs".to_owned()
        } else {
            inputs.join("\n")
        };
        if let Some(summary) = &item.summary {
            hover = format!("{summary}\n{hover}");
        }
        response.on_hover_text(hover);
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let over = item.elapsed_ms.is_some();
            if !over
                && matches!(
                    item.status,
                    RunState::Running | RunState::Paused | RunState::Cancelling
                )
            {
                // Right to left: the buttons read Pause, Cancel, Stop from the left.
                let mut controls = Vec::new();
                ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
                    super::run_controls::show(
                        ui,
                        item.run,
                        match waiting == Some(item.run) {
                            true => Some(crate::session::run_view::Held::AtCheckpoint),
                            false => super::run_controls::held_of(item.status),
                        },
                        &mut controls,
                    );
                });
                commands.extend(controls);
                return;
            }
            if item.status != RunState::Pending {
                return;
            }
            if ui
                .small_button("✖")
                .on_hover_text("Cancel this run")
                .clicked()
            {
                commands.push(AppCommand::CancelRun(item.run));
            }
            let first = queued.first() == Some(&item.run);
            let last = queued.last() == Some(&item.run);
            if ui
                .add_enabled(!last, egui::Button::new("⏷").small())
                .on_hover_text("Move down")
                .clicked()
            {
                commands.push(AppCommand::QueueMove(item.run, QueueMove::Down));
            }
            if ui
                .add_enabled(!first, egui::Button::new("⏶").small())
                .on_hover_text("Move up")
                .clicked()
            {
                commands.push(AppCommand::QueueMove(item.run, QueueMove::Up));
            }
            if ui
                .add_enabled(!first, egui::Button::new("Run next").small())
                .clicked()
            {
                commands.push(AppCommand::QueueMove(item.run, QueueMove::Next));
            }
        });
    });
}
