//! The form built from a flow's promoted inputs: text fields, numeric fields with bounds,
//! dropdowns for choices. Shared by the run panel and app mode.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use crossbeam_channel::Receiver;
use eframe::egui::{self, RichText};

use crate::check::{FlowInput, InputKind};
use crate::model::ParamValue;

/// File dialogs opened from path fields, by input label (each runs on its own thread, so the
/// UI keeps drawing).
#[derive(Default)]
pub struct FilePickers {
    pending: HashMap<String, Receiver<Option<PathBuf>>>,
}

impl FilePickers {
    fn open(&mut self, ctx: &egui::Context, label: &str) {
        if self.pending.contains_key(label) {
            return;
        }
        let (tx, rx) = crossbeam_channel::bounded(1);
        let ctx = ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("flowcanvas-file-picker".to_owned())
            .spawn(move || {
                let _ = tx.send(rfd::FileDialog::new().pick_file());
                ctx.request_repaint();
            });
        if spawned.is_ok() {
            self.pending.insert(label.to_owned(), rx);
        }
    }

    /// Moves picked files into the form's values.
    fn poll(&mut self, values: &mut BTreeMap<String, ParamValue>) {
        self.pending.retain(|label, rx| match rx.try_recv() {
            Ok(picked) => {
                if let Some(path) = picked {
                    values.insert(label.clone(), ParamValue::Text(path.display().to_string()));
                }
                false
            }
            Err(crossbeam_channel::TryRecvError::Empty) => true,
            Err(crossbeam_channel::TryRecvError::Disconnected) => false,
        });
    }
}

/// Draws one field per input. `values` holds what the user typed; an input not in it shows
/// (and runs with) the node's own value.
pub fn show(
    ui: &mut egui::Ui,
    inputs: &[FlowInput],
    values: &mut BTreeMap<String, ParamValue>,
    pickers: &mut FilePickers,
) {
    pickers.poll(values);
    if inputs.is_empty() {
        ui.label(
            RichText::new("This flow has no promoted inputs (a node's … menu promotes one).")
                .weak(),
        );
        return;
    }
    egui::Grid::new("inputs_form")
        .num_columns(2)
        .spacing([10.0, 6.0])
        .show(ui, |ui| {
            for input in inputs {
                ui.label(&input.label)
                    .on_hover_text(format!("sets node `{}` ({})", input.node, input.kind));
                let mut value = values
                    .get(&input.label)
                    .cloned()
                    .unwrap_or_else(|| input.default.clone());
                let changed = field(ui, input, &mut value, pickers);
                if changed {
                    values.insert(input.label.clone(), value);
                }
                ui.end_row();
            }
        });
}

fn field(
    ui: &mut egui::Ui,
    input: &FlowInput,
    value: &mut ParamValue,
    pickers: &mut FilePickers,
) -> bool {
    match (&input.kind, value) {
        (InputKind::Path, ParamValue::Text(text)) => {
            ui.horizontal(|ui| {
                let changed = ui
                    .add(egui::TextEdit::singleline(text).desired_width(190.0))
                    .changed();
                if ui.button("Browse…").clicked() {
                    pickers.open(ui.ctx(), &input.label);
                }
                changed
            })
            .inner
        }
        (InputKind::Text { multiline }, ParamValue::Text(text)) => {
            let long = *multiline && (text.len() > 40 || text.contains('\n'));
            let editor = if long {
                egui::TextEdit::multiline(text).desired_rows(3)
            } else {
                egui::TextEdit::singleline(text)
            };
            ui.add(editor.desired_width(260.0)).changed()
        }
        (InputKind::Number { min, max }, ParamValue::Number(n)) => {
            let range = min.unwrap_or(f64::MIN)..=max.unwrap_or(f64::MAX);
            ui.add(egui::DragValue::new(n).range(range).speed(0.1))
                .changed()
        }
        (InputKind::Integer { min, max }, ParamValue::Number(n)) => ui
            .add(
                egui::DragValue::new(n)
                    .range(*min as f64..=*max as f64)
                    .speed(1.0)
                    .fixed_decimals(0),
            )
            .changed(),
        (InputKind::Options { options }, ParamValue::Text(text)) => {
            let before = text.clone();
            egui::ComboBox::from_id_salt(&input.label)
                .selected_text(text.as_str())
                .show_ui(ui, |ui| {
                    for option in options {
                        ui.selectable_value(text, option.clone(), option);
                    }
                });
            *text != before
        }
        (InputKind::Choice { choices }, ParamValue::Number(n)) => {
            let mut selected = (*n as usize).clamp(1, choices.len().max(1));
            let label = choices.get(selected - 1).cloned().unwrap_or_default();
            egui::ComboBox::from_id_salt(&input.label)
                .selected_text(label)
                .show_ui(ui, |ui| {
                    for (i, choice) in choices.iter().enumerate() {
                        ui.selectable_value(&mut selected, i + 1, choice);
                    }
                });
            let changed = selected as f64 != *n;
            *n = selected as f64;
            changed
        }
        (_, other) => {
            ui.label(RichText::new(other.to_json().to_string()).monospace());
            false
        }
    }
}
