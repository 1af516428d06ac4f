//! What is drawn inside a node: field editors, the header actions, and the footer with the
//! latest result, errors, skip reasons and the "Run node" bar.

use eframe::egui::{self, RichText, TextEdit};

use super::graph_types::{CanvasResponse, CanvasState, EditorNode, FieldValue};
use super::transform::CanvasTransform;
use crate::exec::format_duration_ms;
use crate::model::Value;
use crate::nodes::{Outputs, Role};
use crate::session::run_view::NodeStatus;
use crate::ui::theme;

/// Width of a node's content at zoom 1.
pub const NODE_CONTENT_WIDTH: f32 = 170.0;

/// Whether a text field is being edited, and what happened to it this frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TextFieldState {
    /// The field shows a text editor (otherwise a cheap label that looks like one).
    pub editing: bool,
    /// The editor should take keyboard focus now (it was just opened).
    pub focus_now: bool,
}

/// What a field widget reports back.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FieldOutcome {
    /// The value changed.
    pub changed: bool,
    /// The user clicked the field to start editing it.
    pub start_editing: bool,
    /// The user finished editing (focus left the editor).
    pub stop_editing: bool,
}

/// Draws the editor for one field. Text fields show as a label until clicked: a text editor
/// costs far more to lay out than a label, and a flow shows many fields but edits one.
pub fn field_widget(
    ui: &mut egui::Ui,
    label: &str,
    value: &mut FieldValue,
    view: CanvasTransform,
    text_state: TextFieldState,
) -> FieldOutcome {
    let width = view.points(NODE_CONTENT_WIDTH);
    let mut outcome = FieldOutcome::default();
    match value {
        FieldValue::None => {
            ui.label(label);
        }
        FieldValue::Text(text) | FieldValue::List(text) => {
            ui.label(label);
            outcome = text_field(ui, text, false, width, view, text_state);
        }
        FieldValue::LongText(text) | FieldValue::Map(text) => {
            ui.label(label);
            outcome = text_field(ui, text, true, width, view, text_state);
        }
        FieldValue::Number(n) => {
            outcome.changed = ui
                .horizontal(|ui| {
                    ui.label(label);
                    ui.add(egui::DragValue::new(n).speed(1.0)).changed()
                })
                .inner;
        }
        FieldValue::Integer(n, min, max) => {
            let range = *min..=*max;
            outcome.changed = ui
                .horizontal(|ui| {
                    ui.label(label);
                    ui.add(egui::DragValue::new(n).range(range).speed(0.05))
                        .changed()
                })
                .inner;
        }
        FieldValue::Bool(b) => outcome.changed = ui.checkbox(b, label).changed(),
        FieldValue::Choice(current, choices) => {
            ui.label(label);
            egui::ComboBox::from_id_salt(("choice", label, ui.id()))
                .width(width)
                .selected_text(current.as_str())
                .show_ui(ui, |ui| {
                    for choice in choices.iter() {
                        if ui.selectable_label(current == choice, *choice).clicked()
                            && current != choice
                        {
                            *current = (*choice).to_owned();
                            outcome.changed = true;
                        }
                    }
                });
        }
    }
    outcome
}

/// Lines of a long text shown while it is not being edited (each wrapped at the node's
/// width); a longer text ends in "…" and shows whole when clicked for editing.
const PREVIEW_LINES: usize = 12;
/// Characters of each of those lines.
const PREVIEW_LINE_CHARS: usize = 400;

fn text_field(
    ui: &mut egui::Ui,
    text: &mut String,
    multiline: bool,
    width: f32,
    view: CanvasTransform,
    state: TextFieldState,
) -> FieldOutcome {
    let mut outcome = FieldOutcome::default();
    if state.editing {
        let response = if multiline {
            egui::ScrollArea::vertical()
                .id_salt("long_text")
                .max_height(view.points(120.0))
                .show(ui, |ui| {
                    ui.add(
                        TextEdit::multiline(text)
                            .desired_rows(3)
                            .desired_width(width)
                            .font(egui::TextStyle::Monospace),
                    )
                })
                .inner
        } else {
            ui.add(TextEdit::singleline(text).desired_width(width))
        };
        if state.focus_now {
            response.request_focus();
        }
        outcome.changed = response.changed();
        outcome.stop_editing = response.lost_focus();
        return outcome;
    }
    // Long texts show their lines wrapped at the node's width; one-line texts are cut by egui.
    let shown = if multiline {
        snippet(text, PREVIEW_LINES, PREVIEW_LINE_CHARS)
    } else {
        text.clone()
    };
    let font = if multiline {
        egui::TextStyle::Monospace
    } else {
        egui::TextStyle::Body
    };
    let frame = egui::Frame::none()
        .fill(ui.visuals().extreme_bg_color)
        .rounding(view.points(2.0))
        .inner_margin(egui::Margin::symmetric(view.points(4.0), view.points(2.0)));
    let response = frame
        .show(ui, |ui| {
            ui.set_width(width - view.points(8.0));
            let label =
                egui::Label::new(RichText::new(shown).text_style(font)).sense(egui::Sense::click());
            ui.add(if multiline {
                label.wrap()
            } else {
                label.truncate()
            })
        })
        .inner
        .on_hover_cursor(egui::CursorIcon::Text);
    outcome.start_editing = response.clicked();
    outcome
}

/// The header actions: "Run flow to here".
pub fn header(ui: &mut egui::Ui, node: &EditorNode, state: &CanvasState) -> Vec<CanvasResponse> {
    let mut responses = Vec::new();
    if node.role == Role::Static {
        return responses;
    }
    let button = egui::Button::new(RichText::new("⏩").size(state.view.points(11.0)))
        .small()
        .frame(false);
    let response = ui.add(button).on_hover_text(
        "Run flow to here: everything this node needs, then the node (opens the run panel)",
    );
    if response.clicked() {
        responses.push(CanvasResponse::RunToHere(node.doc_id.clone()));
    }
    let mut marks = String::new();
    if node.promote.is_some() {
        marks.push_str(" in");
    }
    if node.output {
        marks.push_str(" out");
    }
    let data = egui::Button::new(RichText::new("👁").size(state.view.points(13.0)))
        .small()
        .frame(false);
    if ui
        .add(data)
        .on_hover_text("Node data: what arrives on its inputs and its outputs, whole (I)")
        .clicked()
    {
        responses.push(CanvasResponse::ShowData(node.doc_id.clone()));
    }
    let button =
        egui::Button::new(RichText::new(format!("…{marks}")).size(state.view.points(11.0)));
    let response = ui
        .add(button)
        .on_hover_text("Title, promote as input, mark as output, bypass");
    let popup = node_menu_id(&node.doc_id);
    if response.clicked() {
        ui.memory_mut(|m| m.toggle_popup(popup));
    }
    // A popup, not an egui menu: it closes on any click outside it (a menu waits for the
    // button to be held down a frame), and egui shows one popup at a time, in front.
    egui::popup_below_widget(
        ui,
        popup,
        &response,
        egui::PopupCloseBehavior::CloseOnClickOutside,
        |ui| node_menu(ui, node, &mut responses),
    );
    responses
}

/// The id of a node's "…" menu (a popup: open while `egui::Memory::is_popup_open` says so).
pub fn node_menu_id(node: &crate::model::NodeId) -> egui::Id {
    egui::Id::new(("node_menu", node.as_str()))
}

/// The node's menu: title, promotion as a flow input, output mark, bypass.
#[allow(
    clippy::too_many_lines,
    reason = "drawn top to bottom in one place; split in the app rework (issue 11)"
)]
fn node_menu(ui: &mut egui::Ui, node: &EditorNode, responses: &mut Vec<CanvasResponse>) {
    ui.set_min_width(240.0);
    ui.label(RichText::new(format!("node `{}` · {}", node.doc_id, node.kind)).weak());
    if matches!(node.role, Role::Step(_)) {
        ui.horizontal(|ui| {
            if ui
                .button("⏩ Run flow to here…")
                .on_hover_text("Everything this node needs, then the node (opens the run panel)")
                .clicked()
            {
                responses.push(CanvasResponse::RunToHere(node.doc_id.clone()));
                ui.memory_mut(|m| m.close_popup());
            }
            if ui
                .button("⏭ Run from here…")
                .on_hover_text(
                    "This node and everything downstream of it; side inputs use their \
                     stored results where fresh (opens the run panel)",
                )
                .clicked()
            {
                responses.push(CanvasResponse::RunFromHere(node.doc_id.clone()));
                ui.memory_mut(|m| m.close_popup());
            }
        });
    }
    if ui
        .button("Node data…")
        .on_hover_text("What arrives on its inputs and its outputs, whole, in the side panel (I)")
        .clicked()
    {
        responses.push(CanvasResponse::ShowData(node.doc_id.clone()));
        ui.memory_mut(|m| m.close_popup());
    }
    subflow_menu_rows(ui, node, responses);
    let title_id = egui::Id::new(("menu_title", node.doc_id.as_str()));
    let mut title = ui
        .data_mut(|d| d.get_temp::<String>(title_id))
        .unwrap_or_else(|| node.title.clone());
    ui.horizontal(|ui| {
        ui.label("Title");
        if ui.text_edit_singleline(&mut title).changed() {
            responses.push(CanvasResponse::Rename(node.doc_id.clone(), title.clone()));
        }
    });
    ui.data_mut(|d| d.insert_temp(title_id, title.clone()));
    if matches!(node.role, Role::Step(_))
        && ui
            .button("Results and history…")
            .on_hover_text("Every stored result of this node; make one active; compare two")
            .clicked()
    {
        responses.push(CanvasResponse::ShowResults(node.doc_id.clone()));
        ui.memory_mut(|m| m.close_popup());
    }
    if matches!(node.role, Role::Step(_)) {
        super::node_policy::show(ui, node, responses);
        ui.horizontal(|ui| {
            ui.label("Batch items at once");
            let mut auto = node.concurrency.is_none();
            if ui
                .checkbox(&mut auto, "auto")
                .on_hover_text("The kind's default: 4 for web and LLM calls, one per core for images, 1 otherwise")
                .changed()
            {
                let value = if auto { None } else { Some(2) };
                responses.push(CanvasResponse::SetConcurrency(node.doc_id.clone(), value));
            }
            if let Some(mut n) = node.concurrency {
                if ui
                    .add(egui::DragValue::new(&mut n).range(1..=64).speed(0.1))
                    .changed()
                {
                    responses.push(CanvasResponse::SetConcurrency(node.doc_id.clone(), Some(n)));
                }
            }
        });
    }
    if node.promotable {
        ui.separator();
        let label_id = egui::Id::new(("menu_label", node.doc_id.as_str()));
        let fallback = if title.is_empty() {
            node.doc_id.to_string()
        } else {
            title.clone()
        };
        let mut promotion = node
            .promote
            .clone()
            .or_else(|| ui.data_mut(|d| d.get_temp::<crate::model::Promotion>(label_id)))
            .unwrap_or_else(|| crate::model::Promotion::new(fallback));
        let mut changed = false;
        ui.horizontal(|ui| {
            ui.label("Input label");
            changed |= ui.text_edit_singleline(&mut promotion.label).changed();
        });
        ui.horizontal(|ui| {
            ui.label("Order");
            changed |= ui
                .add(egui::DragValue::new(&mut promotion.order).range(-99..=99))
                .changed();
        });
        if node.kind == "number" {
            for (label, bound) in [("Min", &mut promotion.min), ("Max", &mut promotion.max)] {
                ui.horizontal(|ui| {
                    let mut on = bound.is_some();
                    if ui.checkbox(&mut on, label).changed() {
                        *bound = on.then_some(0.0);
                        changed = true;
                    }
                    if let Some(value) = bound.as_mut() {
                        changed |= ui.add(egui::DragValue::new(value).speed(0.1)).changed();
                    }
                });
            }
        }
        match &node.promote {
            Some(_) => {
                if changed {
                    responses.push(CanvasResponse::Promote(
                        node.doc_id.clone(),
                        Some(promotion.clone()),
                    ));
                }
                if ui.button("Remove from inputs").clicked() {
                    responses.push(CanvasResponse::Promote(node.doc_id.clone(), None));
                }
            }
            None => {
                ui.data_mut(|d| d.insert_temp(label_id, promotion.clone()));
                if ui
                    .button("Promote as input")
                    .on_hover_text("Its value becomes a field of the run form and of app mode")
                    .clicked()
                {
                    responses.push(CanvasResponse::Promote(
                        node.doc_id.clone(),
                        Some(promotion),
                    ));
                }
            }
        }
    }
    ui.separator();
    if matches!(node.role, Role::Step(_) | Role::Viewer) {
        let mut output = node.output;
        if ui
            .checkbox(&mut output, "Mark as output")
            .on_hover_text("A whole-flow run runs what every marked output needs")
            .changed()
        {
            responses.push(CanvasResponse::SetOutput(node.doc_id.clone(), output));
        }
    }
    if matches!(node.role, Role::Step(_)) {
        let mut bypassed = node.bypassed;
        if ui
            .checkbox(&mut bypassed, "Bypass")
            .on_hover_text("Pass the first input straight to the first output instead of running")
            .changed()
        {
            responses.push(CanvasResponse::SetBypassed(node.doc_id.clone(), bypassed));
        }
    }
}

/// How many inner steps a subflow node lists under it (the monitor lists them all).
const MEMBER_LINES: usize = 6;

/// The footer: status, the latest result (expandable), errors with Retry, and the
/// "Run node" bar for nodes that run.
#[allow(
    clippy::too_many_lines,
    reason = "drawn top to bottom in one place; split in the app rework (issue 11)"
)]
pub fn footer(ui: &mut egui::Ui, node: &EditorNode, state: &CanvasState) -> Vec<CanvasResponse> {
    let mut responses = Vec::new();
    let canvas = state.view;
    ui.set_min_width(canvas.points(NODE_CONTENT_WIDTH));
    // Off-screen nodes skip their result text: layout still runs, formatting does not.
    let visible = ui.is_rect_visible(ui.min_rect().expand(canvas.points(400.0)));
    let view = state.run_view.node(&node.doc_id);
    let status = view.map_or(NodeStatus::Idle, |v| v.status);

    if node.bypassed {
        ui.label(
            RichText::new("bypassed: passes its input through")
                .italics()
                .weak(),
        );
    }
    if let Some(message) = &node.checkpoint {
        let text = match message.trim() {
            "" => "⏸ checkpoint: runs stop here for a decision".to_owned(),
            message => format!("⏸ checkpoint: {message}"),
        };
        ui.label(RichText::new(text).strong().color(theme::WARNING_TEXT))
            .on_hover_text("Runs stop before this step for someone to approve, reject or skip it");
    }
    runs_flow_lines(ui, node, view, &mut responses);
    match node.role {
        Role::Viewer if visible => {
            let shown = node.shows.as_ref().and_then(|source| {
                crate::session::node_data::output_value(&source.node, &source.port, &state.run_view)
            });
            responses.extend(super::viewer_area::show(ui, node, state, shown));
        }
        Role::Step(_) if !node.bypassed => {
            if state.run_view.waits_at(&node.doc_id) {
                ui.label(
                    RichText::new("⏸ waiting for your decision")
                        .strong()
                        .color(theme::WARNING_TEXT),
                )
                .on_hover_text("Decide on the checkpoint card in the Flow Monitor");
            } else if let Some(cause) = state.run_view.blocked_at(&node.doc_id) {
                ui.label(
                    RichText::new(format!("⛔ blocked: {cause}"))
                        .strong()
                        .color(theme::WARNING_TEXT),
                )
                .on_hover_text("Fix it, then Resume the run (the banner above the canvas)");
            } else if let Some(view) = view {
                if visible {
                    let exit_code = match view.result.as_ref().and_then(|r| r.get("exit_code")) {
                        Some(Value::Number(code)) => Some(*code),
                        _ => None,
                    };
                    status_line(
                        ui,
                        status,
                        view.elapsed_ms_at(state.now),
                        view.progress_text(),
                        exit_code,
                        view.retry_text(state.now),
                    );
                }
                if status == NodeStatus::Running && visible && !view.log.is_empty() {
                    // Streamed output (a command's lines, a model's tokens) as it arrives.
                    ui.label(RichText::new(log_tail(&view.log, 4, 34)).monospace().weak());
                }
                let settled = !matches!(status, NodeStatus::Running | NodeStatus::Queued);
                if settled && view.result.is_some() && state.stale.contains(&node.doc_id) {
                    ui.label(
                        RichText::new("⟳ stale: changed since this result")
                            .size(state.view.points(12.0))
                            .color(theme::STALE),
                    )
                    .on_hover_text(
                        "Its parameters or something upstream changed; Missing mode reruns it",
                    );
                }
                match status {
                    NodeStatus::Failed => {
                        if let Some(error) = &view.error {
                            let first: String =
                                error.lines().take(4).collect::<Vec<_>>().join("\n");
                            ui.label(RichText::new(first).color(theme::ERROR_TEXT));
                        }
                        if ui
                            .add(egui::Button::new("↻ Retry"))
                            .on_hover_text("Run this node again")
                            .clicked()
                        {
                            responses.push(CanvasResponse::RunNode(node.doc_id.clone()));
                        }
                    }
                    NodeStatus::Skipped => {
                        if let Some(reason) = &view.skip_reason {
                            let text = if crate::nodes::is_needs_trust(reason) {
                                format!("🔒 blocked: {reason}")
                            } else {
                                format!("skipped: {reason}")
                            };
                            ui.label(RichText::new(text).color(theme::status(NodeStatus::Skipped)));
                        }
                    }
                    _ => {}
                }
                // While output streams in, it stands in for the previous result.
                let streaming = status == NodeStatus::Running && !view.log.is_empty();
                if let (Some(outputs), true) = (&view.result, visible && !streaming) {
                    // A stale result is dimmed: it no longer matches the node as it is.
                    let dim = settled && state.stale.contains(&node.doc_id);
                    ui.scope(|ui| {
                        if dim {
                            ui.multiply_opacity(0.5);
                        }
                        let main = crate::results::main_value(outputs).map(|(_, value)| value);
                        match (main, main.and_then(image_items)) {
                            (Some(Value::Image(image)), _) => {
                                if image_result(ui, image, state, canvas) {
                                    responses.push(CanvasResponse::ShowImage(
                                        node.doc_id.clone(),
                                        image.clone(),
                                    ));
                                }
                            }
                            (_, Some((values, count))) => {
                                if let Some(image) = image_strip(ui, &values, count, state, canvas)
                                {
                                    responses.push(CanvasResponse::ShowImage(
                                        node.doc_id.clone(),
                                        image,
                                    ));
                                }
                            }
                            _ => {
                                let expanded = state.expanded.contains(&node.doc_id);
                                if result_summary(ui, outputs, expanded, canvas) {
                                    responses
                                        .push(CanvasResponse::ToggleExpanded(node.doc_id.clone()));
                                }
                            }
                        }
                    });
                }
            }
            if let Some(view) = view.filter(|v| !v.failed_items.is_empty()) {
                failed_items(ui, node, &view.failed_items, &mut responses);
            }
            if node.kind == crate::nodes::BATCH_KIND
                && ui
                    .small_button("Add files…")
                    .on_hover_text("Pick files to add as items (or drop files on this node)")
                    .clicked()
            {
                responses.push(CanvasResponse::AddFiles(node.doc_id.clone()));
            }
            if visible {
                responses.extend(super::filmstrip::show(ui, &node.doc_id, state));
            }
            let label = match (status, state.fan_out.get(&node.doc_id)) {
                (NodeStatus::Running, _) => "Running…".to_owned(),
                (_, Some(items)) => format!("▶ Run {items}×"),
                _ => "▶ Run node".to_owned(),
            };
            let bar = egui::Button::new(label)
                .min_size(egui::vec2(canvas.points(NODE_CONTENT_WIDTH), 0.0));
            if ui
                .add(bar)
                .on_hover_text(match state.fan_out.get(&node.doc_id) {
                    Some(items) => {
                        format!("Run just this node, once for each of its {items} batch items")
                    }
                    None => "Run just this node with its current inputs".to_owned(),
                })
                .clicked()
            {
                responses.push(CanvasResponse::RunNode(node.doc_id.clone()));
            }
        }
        _ => {}
    }
    responses
}

fn status_line(
    ui: &mut egui::Ui,
    status: NodeStatus,
    elapsed_ms: Option<f64>,
    progress: Option<String>,
    exit_code: Option<f64>,
    retry: Option<String>,
) {
    if matches!(status, NodeStatus::Idle | NodeStatus::Skipped) {
        return;
    }
    // The icon and the word, so the status is not told by colour alone.
    let mut text = format!(
        "{} {}",
        crate::ui::monitor::status_icon(status),
        status.label()
    );
    if let Some(retry) = retry {
        text.push_str(&format!(" · {retry}"));
    }
    if let Some(progress) = progress {
        text.push_str(&format!(" · {progress}"));
    }
    if let Some(ms) = elapsed_ms {
        text.push_str(&format!(" · {}", format_duration_ms(ms)));
    }
    if let Some(code) = exit_code {
        text.push_str(&format!(" · exit {}", crate::model::format_number(code)));
    }
    ui.label(RichText::new(text).color(theme::status(status)));
}

/// A compact view of a step's main output; clicking it shows everything (returns true).
fn result_summary(
    ui: &mut egui::Ui,
    outputs: &Outputs,
    expanded: bool,
    view: CanvasTransform,
) -> bool {
    match crate::results::main_value(outputs) {
        Some((_, value)) => result_text(ui, value, expanded, view),
        None => false,
    }
}

/// The failed items of a partial batch node, each with Retry, and Retry for all of them.
fn failed_items(
    ui: &mut egui::Ui,
    node: &EditorNode,
    failed: &[(usize, String)],
    responses: &mut Vec<CanvasResponse>,
) {
    let red = theme::ERROR_TEXT;
    ui.label(
        RichText::new(format!(
            "{} item{} failed",
            failed.len(),
            if failed.len() == 1 { "" } else { "s" }
        ))
        .color(red),
    );
    for (index, error) in failed.iter().take(4) {
        ui.horizontal(|ui| {
            if ui
                .small_button("↻")
                .on_hover_text(format!("Retry item {}", index + 1))
                .clicked()
            {
                responses.push(CanvasResponse::RetryItems(
                    node.doc_id.clone(),
                    vec![*index],
                ));
            }
            let first = error.lines().next().unwrap_or_default();
            ui.label(
                RichText::new(snippet(&format!("item {}: {first}", index + 1), 1, 30)).color(red),
            )
            .on_hover_text(error.as_str());
        });
    }
    if failed.len() > 4 {
        ui.label(
            RichText::new(format!("… and {} more", failed.len() - 4))
                .small()
                .weak(),
        );
    }
    if failed.len() > 1
        && ui
            .small_button("↻ Retry failed items")
            .on_hover_text("Run the failed items again; the others keep their results")
            .clicked()
    {
        let items = failed.iter().map(|(index, _)| *index).collect();
        responses.push(CanvasResponse::RetryItems(node.doc_id.clone(), items));
    }
}

/// The images of a batch or list of images (its first value is one), and its item count.
fn image_items(value: &Value) -> Option<(Vec<&Value>, usize)> {
    let (values, count): (Vec<&Value>, usize) = match value {
        Value::Batch(items) => (
            items
                .iter()
                .filter_map(crate::model::BatchItem::value)
                .collect(),
            items.len(),
        ),
        Value::List(items) => (items.iter().collect(), items.len()),
        _ => return None,
    };
    matches!(values.first(), Some(Value::Image(_))).then_some((values, count))
}

/// Images (of a batch or a list of `count` items) as a strip of thumbnails; returns the
/// one clicked.
fn image_strip(
    ui: &mut egui::Ui,
    items: &[&Value],
    count: usize,
    state: &CanvasState,
    view: CanvasTransform,
) -> Option<crate::model::ImageData> {
    let mut clicked = None;
    let side = view.points(38.0);
    ui.horizontal_wrapped(|ui| {
        ui.set_max_width(view.points(NODE_CONTENT_WIDTH));
        for item in items.iter().take(12) {
            if let Value::Image(image) = item {
                let response = state.thumbnails.borrow_mut().show(ui, image, side);
                if response
                    .on_hover_text("Click to view it full size")
                    .clicked()
                {
                    clicked = Some(image.clone());
                }
            }
        }
    });
    ui.label(RichText::new(format!("{count} items")).small().weak());
    clicked
}

/// Shows an image result as a thumbnail; returns true when clicked (to view it full size).
fn image_result(
    ui: &mut egui::Ui,
    image: &crate::model::ImageData,
    state: &CanvasState,
    view: CanvasTransform,
) -> bool {
    let response = state
        .thumbnails
        .borrow_mut()
        .show(ui, image, view.points(NODE_CONTENT_WIDTH));
    ui.label(RichText::new(image.size_text()).small().weak());
    response
        .on_hover_cursor(egui::CursorIcon::PointingHand)
        .on_hover_text("Click to view it full size")
        .clicked()
}

/// How many lines of a result a node shows before "…" (clicking shows all of it).
const RESULT_LINES: usize = 4;
/// How many characters of each of those lines (they wrap at the node's width).
const RESULT_LINE_CHARS: usize = 68;

/// Shows a value: a few lines, or all of it (scrollable) when expanded. Returns true when
/// clicked (to expand or collapse).
fn result_text(ui: &mut egui::Ui, value: &Value, expanded: bool, view: CanvasTransform) -> bool {
    let text = if expanded {
        value.to_text()
    } else {
        snippet(&value.to_text(), RESULT_LINES, RESULT_LINE_CHARS)
    };
    // Body-sized (it scales with zoom like everything on a node) and wrapped to the node's
    // width rather than cut at a fixed count of characters.
    let label = egui::Label::new(RichText::new(text).monospace())
        .wrap()
        .sense(egui::Sense::click());
    let response = if expanded {
        egui::ScrollArea::vertical()
            .max_height(view.points(220.0))
            .max_width(view.points(NODE_CONTENT_WIDTH))
            .id_salt("full_result")
            .show(ui, |ui| ui.add(label))
            .inner
    } else {
        ui.add(label)
    };
    response
        .on_hover_cursor(egui::CursorIcon::PointingHand)
        .on_hover_text(if expanded {
            "Click to show less"
        } else {
            "Click to show the full result"
        })
        .clicked()
}

/// The end of a streamed log: its last `lines` lines of at most `width` characters (long
/// lines, like a model's reply, are wrapped first).
pub fn log_tail(log: &str, lines: usize, width: usize) -> String {
    let mut rows: Vec<String> = Vec::new();
    for line in log.lines() {
        let chars: Vec<char> = line.chars().collect();
        if chars.is_empty() {
            rows.push(String::new());
        }
        for chunk in chars.chunks(width.max(1)) {
            rows.push(chunk.iter().collect());
        }
    }
    let start = rows.len().saturating_sub(lines);
    rows[start..].join("\n")
}

/// The first `lines` lines of `text`, each cut to `width` characters.
pub fn snippet(text: &str, lines: usize, width: usize) -> String {
    let mut out: Vec<String> = text
        .lines()
        .take(lines)
        .map(|line| {
            if line.chars().count() > width {
                let cut: String = line.chars().take(width.saturating_sub(1)).collect();
                format!("{cut}…")
            } else {
                line.to_owned()
            }
        })
        .collect();
    if text.lines().count() > lines {
        out.push("…".to_owned());
    }
    if out.is_empty() {
        out.push(String::new());
    }
    out.join("\n")
}

/// The node menu's rows for a node that runs another flow: open that flow; for a subflow,
/// put its nodes in its place. For any other node: put the selection in a new subflow.
fn subflow_menu_rows(ui: &mut egui::Ui, node: &EditorNode, responses: &mut Vec<CanvasResponse>) {
    let mut row = |ui: &mut egui::Ui, label: &str, hover: &str, response: CanvasResponse| {
        if ui.button(label).on_hover_text(hover).clicked() {
            responses.push(response);
            ui.memory_mut(|m| m.close_popup());
        }
    };
    let id = node.doc_id.clone();
    match &node.runs_flow {
        Some(_) => {
            row(
                ui,
                "↗ Open its flow",
                "Show the flow this node runs, with what its last run did (double-click the node; Esc comes back)",
                CanvasResponse::OpenSubflow(id.clone()),
            );
            if node.kind == crate::nodes::SUBFLOW_KIND {
                row(
                    ui,
                    "⤵ Inline subflow",
                    "Put the nodes of its flow here in its place, wired the same (one undo step)",
                    CanvasResponse::InlineSubflow(id),
                );
            }
        }
        None => row(
            ui,
            "⤴ Group into subflow",
            "Write the selected nodes to a new flow in flows/ and put a subflow node running it in their place (one undo step)",
            CanvasResponse::GroupIntoSubflow,
        ),
    }
}

/// For a node that runs another flow: which file (double-click opens it) and the inner
/// steps of its current or last run.
fn runs_flow_lines(
    ui: &mut egui::Ui,
    node: &EditorNode,
    view: Option<&crate::session::run_view::NodeView>,
    responses: &mut Vec<CanvasResponse>,
) {
    let Some((file, linked)) = &node.runs_flow else {
        return;
    };
    {
        let (text, color) = match (file.trim(), linked) {
            ("", _) => (
                "⚠ choose the flow it runs (its `flow` field)".to_owned(),
                theme::WARNING_TEXT,
            ),
            (file, true) => (
                format!("↗ runs {file} · double-click to open"),
                ui.visuals().text_color(),
            ),
            (file, false) => (format!("⚠ cannot read {file}"), theme::WARNING_TEXT),
        };
        if ui
            .add(egui::Label::new(RichText::new(text).color(color)).sense(egui::Sense::click()))
            .on_hover_text(
                "Double-click the node (or this line) to open the flow it runs; Esc comes back",
            )
            .double_clicked()
        {
            responses.push(CanvasResponse::OpenSubflow(node.doc_id.clone()));
        }
        if let Some(members) = view.map(|v| &v.members).filter(|m| !m.is_empty()) {
            // The inner steps of its current (or last) run, one line each.
            for member in members.iter().take(MEMBER_LINES) {
                ui.label(
                    RichText::new(format!("  {} {}", member.status.icon(), member.title))
                        .color(theme::status(member.status)),
                );
            }
            if members.len() > MEMBER_LINES {
                ui.label(
                    RichText::new(format!("  … {} more", members.len() - MEMBER_LINES)).weak(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_tail_keeps_the_last_wrapped_lines() {
        assert_eq!(log_tail("one\ntwo\nthree\n", 2, 10), "two\nthree");
        assert_eq!(log_tail("abcdefghij", 2, 4), "efgh\nij");
        assert_eq!(log_tail("", 3, 4), "");
    }
}
