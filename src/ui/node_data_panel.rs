//! The node data panel (like n8n's node data view), docked on the right: the node's title
//! and status, what arrives on each of its inputs and what each of its outputs holds, every
//! value whole (long text scrolls, JSON folds as a tree, images fill the panel's width),
//! each with Copy.

use std::sync::Arc;

use eframe::egui::{self, Rect, RichText};

use super::monitor::status_icon;
use super::thumbnails::Thumbnails;
use super::value_view::ValueViews;
use crate::exec::format_duration_ms;
use crate::model::{NodeId, NodeLabels};
use crate::plan::Arrives;
use crate::session::commands::AppCommand;
use crate::session::node_data::{input_value, output_value, NodePorts};
use crate::session::run_view::{NodeStatus, RunView};
use crate::ui::theme;

/// The panel's own state: its value views and where it was drawn.
#[derive(Default)]
pub struct NodeDataView {
    /// The values' views (wrapped texts, Tree/Raw choices, Copy buttons).
    pub values: ValueViews,
    /// The panel's screen rectangle in the last frame it was drawn.
    pub rect: Option<Rect>,
}

/// What the panel shows, lent by the app for one frame.
pub struct NodeDataInputs<'a> {
    /// The node, if one was picked.
    pub node: Option<&'a NodeId>,
    /// Its ports (`None` when the node is not in the document).
    pub ports: Option<Arc<NodePorts>>,
    /// Statuses and results.
    pub run_view: &'a RunView,
    /// Node titles.
    pub labels: &'a NodeLabels,
    /// Whether the node's result is stale.
    pub stale: bool,
}

impl NodeDataView {
    /// Draws the panel; returns the commands chosen and whether it stays open.
    pub fn show(
        &mut self,
        ctx: &egui::Context,
        inputs: &NodeDataInputs<'_>,
        thumbnails: &mut Thumbnails,
    ) -> (Vec<AppCommand>, bool) {
        let mut commands = Vec::new();
        let mut open = true;
        self.values.copy_buttons.clear();
        let panel = egui::SidePanel::right("node_data")
            .resizable(true)
            .default_width(460.0)
            .min_width(320.0)
            .show(ctx, |ui| {
                ui.add_space(4.0);
                let title = inputs.node.map_or("Node data".to_owned(), |id| {
                    inputs.labels.name(id).into_owned()
                });
                ui.horizontal(|ui| {
                    ui.label(RichText::new(title).strong().size(16.0));
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        if ui.small_button("✖").on_hover_text("Close (I)").clicked() {
                            open = false;
                        }
                    });
                });
                let (Some(node), Some(ports)) = (inputs.node, inputs.ports.as_ref()) else {
                    ui.label(RichText::new("Select a node to see its data.").weak());
                    return;
                };
                status(ui, node, inputs);
                ui.separator();
                egui::ScrollArea::vertical()
                    .id_salt("node_data_body")
                    .auto_shrink([false, false])
                    .show(ui, |ui| {
                        self.body(ui, node, ports, inputs, thumbnails, &mut commands);
                    });
            });
        self.rect = Some(panel.response.rect);
        (commands, open)
    }

    fn body(
        &mut self,
        ui: &mut egui::Ui,
        node: &NodeId,
        ports: &NodePorts,
        inputs: &NodeDataInputs<'_>,
        thumbnails: &mut Thumbnails,
        commands: &mut Vec<AppCommand>,
    ) {
        let labels = inputs.labels;
        if ports.inputs.is_empty() && ports.outputs.is_empty() {
            ui.label(RichText::new("This node has no inputs or outputs.").weak());
            return;
        }
        if !ports.inputs.is_empty() {
            ui.heading("Inputs");
            ui.label(
                RichText::new(
                    "What each input gets: the current result of the node that feeds it.",
                )
                .weak(),
            );
            for input in &ports.inputs {
                ui.add_space(6.0);
                let port = &input.arriving.port;
                let source = source_text(input, labels);
                let slot = format!("{node}/in/{port}");
                match input_value(input, inputs.run_view) {
                    Some(value) => {
                        let header = (port.as_str(), Some(source.as_str()));
                        commands.extend(self.values.show(ui, &slot, header, &value, thumbnails));
                    }
                    None => {
                        ui.label(RichText::new(port).strong());
                        ui.label(RichText::new(source).weak());
                        ui.label(RichText::new(empty_input_text(input)).weak().italics());
                    }
                }
            }
            ui.add_space(10.0);
        }
        if ports.outputs.is_empty() {
            return;
        }
        ui.heading("Outputs");
        for (port, ty) in &ports.outputs {
            ui.add_space(6.0);
            let slot = format!("{node}/out/{port}");
            match output_value(node, port, inputs.run_view) {
                Some(value) => {
                    let header = (port.as_str(), None);
                    commands.extend(self.values.show(ui, &slot, header, &value, thumbnails));
                }
                None => {
                    ui.horizontal(|ui| {
                        ui.label(RichText::new(port).strong());
                        ui.label(RichText::new(ty.name()).weak());
                    });
                    ui.label(RichText::new("no result yet").weak().italics());
                }
            }
        }
    }
}

/// The status line: icon, word and time in the status's colour; a stale mark, the error of
/// a failure, the reason for a skip.
fn status(ui: &mut egui::Ui, node: &NodeId, inputs: &NodeDataInputs<'_>) {
    let view = inputs.run_view.node(node);
    let status = view.map_or(NodeStatus::Idle, |v| v.status);
    let mut text = format!("{} {}", status_icon(status), status.label());
    if let Some(ms) = view.and_then(|v| v.elapsed_ms) {
        text.push_str(&format!(" · {}", format_duration_ms(ms)));
    }
    if status == NodeStatus::Idle && view.is_some_and(|v| v.result.is_some()) {
        text.push_str(" · result from an earlier run");
    }
    ui.horizontal(|ui| {
        ui.label(RichText::new(text).color(theme::status(status)));
        if inputs.stale && view.is_some_and(|v| v.result.is_some()) {
            ui.label(RichText::new("⟳ stale: changed since this result").color(theme::STALE));
        }
    });
    if let Some(view) = view {
        if let (NodeStatus::Failed, Some(error)) = (status, &view.error) {
            ui.label(RichText::new(error).color(theme::ERROR_TEXT));
        }
        if let (NodeStatus::Skipped, Some(reason)) = (status, &view.skip_reason) {
            ui.label(RichText::new(format!("skipped: {reason}")).color(theme::status(status)));
        }
    }
}

/// Where an input's value comes from: "from Notes · text", "its constant value".
fn source_text(input: &crate::session::node_data::InputPort, labels: &NodeLabels) -> String {
    match &input.arriving.arrives {
        Arrives::Output(from) => {
            let mut text = format!("from {} · {}", labels.name(&from.node), from.port);
            if let Some(wire) = input.arriving.wire.as_ref().filter(|w| w.node != from.node) {
                text.push_str(&format!(" (through {})", labels.name(&wire.node)));
            }
            text
        }
        Arrives::Constant(_) => "its constant value".to_owned(),
        Arrives::Nothing(_) => "nothing arrives".to_owned(),
    }
}

/// What an input without a value says.
fn empty_input_text(input: &crate::session::node_data::InputPort) -> String {
    match &input.arriving.arrives {
        Arrives::Output(_) => "the node that feeds it has no result yet".to_owned(),
        Arrives::Nothing(why) => why.clone(),
        Arrives::Constant(_) => String::new(),
    }
}
