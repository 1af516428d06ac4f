//! App mode: the flow as a small app. Just the inputs form, Run, progress, and the results of
//! the flow's outputs, without the graph.

use crate::ui::theme;
use crate::ui::thumbnails::Thumbnails;
use eframe::egui::{self, RichText};

use crate::check::{flow_inputs, flow_outputs};
use crate::model::{NodeId, Value};
use crate::nodes::{Registry, Role};
use crate::plan::{producer_of_input, RunMode, Scope};
use crate::session::commands::AppCommand;
use crate::session::document::Document;
use crate::session::run_view::{NodeStatus, RunView};
use crate::ui::run_panel::RunPanel;

/// The nodes whose results app mode shows: the marked outputs, or the flow's end points.
pub fn shown_outputs(doc: &Document, registry: &Registry) -> Vec<NodeId> {
    let flow = doc.flow();
    let marked = flow_outputs(flow);
    if !marked.is_empty() {
        return marked;
    }
    flow.nodes
        .iter()
        .filter(|node| {
            registry
                .get(&node.kind)
                .is_some_and(|k| k.info().role != Role::Static)
                && !flow.edges.iter().any(|e| e.from.node == node.id)
        })
        .map(|node| node.id.clone())
        .collect()
}

/// The value an output node shows: its own result, or for a viewer what arrives at it.
pub fn output_value(
    doc: &Document,
    registry: &Registry,
    run_view: &RunView,
    id: &NodeId,
) -> Option<Value> {
    let flow = doc.flow();
    let node = flow.node(id.as_str())?;
    let is_viewer = registry
        .get(&node.kind)
        .is_some_and(|k| k.info().role == Role::Viewer);
    if is_viewer {
        let source = producer_of_input(flow, registry, id.as_str(), "in")?;
        return run_view
            .node(&source.node)?
            .result
            .as_ref()?
            .get(&source.port)
            .cloned();
    }
    let outputs = run_view.node(id)?.result.as_ref()?;
    outputs
        .iter()
        .find(|(name, value)| {
            *name != "exit_code" && !matches!(value, Value::Text(t) if t.is_empty())
        })
        .map(|(_, value)| value.clone())
}

/// Draws app mode in the central area; returns the commands chosen.
pub fn show(
    ui: &mut egui::Ui,
    doc: &Document,
    registry: &Registry,
    run_view: &RunView,
    panel: &mut RunPanel,
    thumbnails: &mut Thumbnails,
) -> Vec<AppCommand> {
    let mut commands = Vec::new();
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.set_max_width(720.0);
        ui.add_space(12.0);
        ui.heading(doc.display_name().trim_end_matches(".flow"));
        ui.add_space(8.0);
        let inputs = flow_inputs(doc.flow(), registry);
        super::inputs_form::show(ui, &inputs, &mut panel.values, &mut panel.pickers);
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            let run = egui::Button::new(RichText::new("▶ Run").strong().color(theme::GO_TEXT))
                .fill(theme::GO_FILL)
                .min_size(egui::vec2(120.0, 30.0));
            if ui.add(run).clicked() {
                commands.push(AppCommand::Queue {
                    scope: Scope::Flow,
                    mode: RunMode::All,
                    inputs: panel.values.clone(),
                    parallel: None,
                    fail_fast: None,
                    timeout: None,
                    checkpoints: Default::default(),
                });
            }
            if run_view.is_running() {
                let total = run_view.rows.len().max(1);
                let done = run_view
                    .rows
                    .iter()
                    .filter(|id| run_view.node(id).is_some_and(|v| v.status.is_final()))
                    .count();
                ui.add(
                    egui::ProgressBar::new(done as f32 / total as f32)
                        .desired_width(260.0)
                        .text(format!("{done} of {total} steps")),
                );
                if ui.button("⏹ Stop").clicked() {
                    commands.push(AppCommand::Stop);
                }
            } else if let Some(summary) = &run_view.summary {
                ui.label(summary);
            }
        });
        ui.add_space(12.0);
        ui.separator();
        for id in shown_outputs(doc, registry) {
            let node = doc.flow().node(id.as_str());
            let title = node
                .filter(|n| !n.title.is_empty())
                .map_or(id.to_string(), |n| n.title.clone());
            ui.label(RichText::new(title.as_str()).strong());
            let status = run_view.node(&id).map(|v| v.status);
            match output_value(doc, registry, run_view, &id) {
                Some(Value::Image(image)) => {
                    if thumbnails
                        .show(ui, &image, 480.0)
                        .on_hover_text("Click to view it full size")
                        .clicked()
                    {
                        commands.push(AppCommand::ShowImage {
                            title: title.clone(),
                            image: image.clone(),
                        });
                    }
                    ui.label(RichText::new(image.size_text()).weak().small());
                }
                Some(value) => {
                    egui::Frame::group(ui.style()).show(ui, |ui| {
                        ui.set_width(ui.available_width());
                        ui.label(RichText::new(value.to_text()).monospace());
                    });
                }
                None if status == Some(NodeStatus::Failed) => {
                    let error = run_view
                        .node(&id)
                        .and_then(|v| v.error.clone())
                        .unwrap_or_default();
                    ui.label(RichText::new(error).color(theme::ERROR_TEXT));
                }
                None => {
                    ui.label(RichText::new("no result yet").weak());
                }
            }
            ui.add_space(8.0);
        }
    });
    commands
}
