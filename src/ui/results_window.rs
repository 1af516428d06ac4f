//! A node's results window: its whole history, newest first, with the actions on each, and
//! Compare: two results side by side with the lines that differ marked.

use std::path::Path;

use eframe::egui::{self, RichText};

use super::result_buttons::{self, ResultRef};
use crate::model::{Flow, NodeId, Value};
use crate::results::{local_date_time, main_value, outputs_text, Comparison, RowKind};
use crate::session::commands::AppCommand;
use crate::session::store_catalog::StoreCatalog;
use crate::ui::thumbnails::Thumbnails;

/// Which node the window shows and which two results it compares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResultsWindow {
    /// The node.
    pub node: NodeId,
    /// The history entry on the left of Compare (A).
    pub left: Option<usize>,
    /// The history entry on the right of Compare (B).
    pub right: Option<usize>,
    /// The last comparison worked out, with the two stored objects it compares: worked
    /// out again only when A or B changes, never per frame.
    compared: Option<((String, String), Comparison)>,
}

impl ResultsWindow {
    /// The window for `node`, comparing its active result (B) with the one before it (A).
    pub fn new(node: NodeId, catalog: &StoreCatalog) -> Self {
        let (left, right) = match catalog.histories.get(&node) {
            Some(h) if h.history.len() >= 2 => {
                let b = h.active.min(h.history.len() - 1);
                let a = if b == 0 { 1 } else { b - 1 };
                (Some(a), Some(b))
            }
            Some(h) if !h.history.is_empty() => (None, Some(0)),
            _ => (None, None),
        };
        Self {
            node,
            left,
            right,
            compared: None,
        }
    }

    /// Draws the window; returns the commands chosen and whether it stays open.
    pub fn show(
        &mut self,
        ctx: &egui::Context,
        flow: &Flow,
        catalog: &StoreCatalog,
        base_dir: &Path,
        thumbnails: &mut Thumbnails,
    ) -> (Vec<AppCommand>, bool) {
        let mut commands = Vec::new();
        let mut open = true;
        let title = flow
            .node(self.node.as_str())
            .filter(|n| !n.title.is_empty())
            .map_or_else(|| self.node.to_string(), |n| n.title.clone());
        // Docked on the right, so the node it talks about stays in view (the app pans the
        // canvas to the node once the panel has taken its room).
        egui::SidePanel::right("results_window")
            .resizable(true)
            .default_width(480.0)
            .min_width(360.0)
            .show(ctx, |ui| {
                ui.add_space(4.0);
                ui.horizontal(|ui| {
                    ui.label(RichText::new(format!("Results of {title}")).strong());
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        if ui.small_button("✖").on_hover_text("Close").clicked() {
                            open = false;
                        }
                    });
                });
                ui.separator();
                self.contents(ui, catalog, base_dir, thumbnails, &mut commands);
            });
        (commands, open)
    }

    fn contents(
        &mut self,
        ui: &mut egui::Ui,
        catalog: &StoreCatalog,
        base_dir: &Path,
        thumbnails: &mut Thumbnails,
        commands: &mut Vec<AppCommand>,
    ) {
        let Some(history) = catalog.histories.get(&self.node) else {
            let text = if catalog.store().is_none() {
                "Save the flow to keep its results: they are stored beside the file."
            } else if catalog.loaded {
                "No stored results for this node yet."
            } else {
                "Reading the result store…"
            };
            ui.label(RichText::new(text).weak());
            return;
        };
        ui.label(
            RichText::new("Pick A and B to compare two results. The active result is what nodes downstream use.")
                .weak()
                .small(),
        );
        egui::ScrollArea::vertical()
            .id_salt("results_history")
            .max_height(170.0)
            .show(ui, |ui| {
                egui::Grid::new("results_history_grid")
                    .striped(true)
                    .num_columns(6)
                    .show(ui, |ui| {
                        for (index, entry) in history.history.iter().enumerate().rev() {
                            let run = catalog.run_number(&entry.run);
                            ui.radio_value(&mut self.left, Some(index), "A");
                            ui.radio_value(&mut self.right, Some(index), "B");
                            let active = index == history.active;
                            let mut label = format!(
                                "{}  {}",
                                run.map_or_else(|| "run ?".to_owned(), |n| format!("run #{n}")),
                                local_date_time(entry.at_ms)
                            );
                            match entry.notes.len() {
                                0 => {}
                                1 => label.push_str("  · after 1 failed attempt"),
                                n => label.push_str(&format!("  · after {n} failed attempts")),
                            }
                            let response = ui.label(if active {
                                RichText::new(format!("{label}  · active")).strong()
                            } else {
                                RichText::new(label)
                            });
                            if !entry.notes.is_empty() {
                                response.on_hover_text(entry.notes.join("\n"));
                            }
                            let outputs = catalog.object(&entry.object);
                            if let Some(image) =
                                result_buttons::preview(ui, outputs.as_ref(), thumbnails, 28.0, 40)
                            {
                                commands.push(AppCommand::ShowImage {
                                    title: format!(
                                        "{} (run {})",
                                        self.node,
                                        run.map_or_else(|| "?".to_owned(), |n| format!("#{n}"))
                                    ),
                                    image,
                                });
                            }
                            let outputs = outputs.and_then(Result::ok);
                            ui.horizontal(|ui| {
                                result_buttons::show(
                                    ui,
                                    &ResultRef {
                                        node: &self.node,
                                        index,
                                        active,
                                        run,
                                        outputs: outputs.as_deref(),
                                    },
                                    base_dir,
                                    commands,
                                );
                            });
                            ui.end_row();
                        }
                    });
            });
        ui.separator();
        if !self.compare_images(ui, catalog, thumbnails) {
            self.compare(ui, catalog);
        }
    }

    /// Compare for two image results: the two side by side. Returns false when A and B are
    /// not both images.
    fn compare_images(
        &self,
        ui: &mut egui::Ui,
        catalog: &StoreCatalog,
        thumbnails: &mut Thumbnails,
    ) -> bool {
        let Some(history) = catalog.histories.get(&self.node) else {
            return false;
        };
        let image_of = |index: Option<usize>| {
            let entry = history.history.get(index?)?;
            let outputs = catalog.object(&entry.object)?.ok()?;
            match main_value(&outputs) {
                Some((_, Value::Image(image))) => {
                    Some((image.clone(), catalog.run_number(&entry.run)))
                }
                _ => None,
            }
        };
        let (Some((left, a)), Some((right, b))) = (image_of(self.left), image_of(self.right))
        else {
            return false;
        };
        let side = ((ui.available_width() - 16.0) / 2.0).clamp(80.0, 480.0);
        let label = |run: Option<usize>, image: &crate::model::ImageData| {
            format!(
                "run {} · {}",
                run.map_or_else(|| "?".to_owned(), |n| format!("#{n}")),
                image.size_text()
            )
        };
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.label(RichText::new(format!("A: {}", label(a, &left))).strong());
                thumbnails.show(ui, &left, side);
            });
            ui.vertical(|ui| {
                ui.label(RichText::new(format!("B: {}", label(b, &right))).strong());
                thumbnails.show(ui, &right, side);
            });
        });
        if left == right {
            ui.label(RichText::new("identical pixels").weak());
        }
        true
    }

    /// Compare: A and B side by side, changed lines marked.
    fn compare(&mut self, ui: &mut egui::Ui, catalog: &StoreCatalog) {
        let Some(history) = catalog.histories.get(&self.node) else {
            return;
        };
        let entry = |index: Option<usize>| history.history.get(index?);
        let name = |index: Option<usize>| {
            entry(index)
                .and_then(|e| catalog.run_number(&e.run))
                .map_or_else(|| "?".to_owned(), |n| format!("#{n}"))
        };
        let (Some(a), Some(b)) = (entry(self.left), entry(self.right)) else {
            ui.label(RichText::new("Pick two results (A and B) to compare them.").weak());
            return;
        };
        let key = (a.object.clone(), b.object.clone());
        if self.compared.as_ref().map(|(k, _)| k) != Some(&key) {
            let (left, right) = match (catalog.object(&a.object), catalog.object(&b.object)) {
                (Some(Ok(left)), Some(Ok(right))) => (outputs_text(&left), outputs_text(&right)),
                (Some(Err(problem)), _) | (_, Some(Err(problem))) => {
                    ui.label(RichText::new(problem).color(super::theme::ERROR_TEXT));
                    return;
                }
                _ => {
                    ui.label(RichText::new("Reading results…").weak());
                    return;
                }
            };
            self.compared = Some((key, Comparison::new(left, right)));
        }
        let Some((_, compared)) = &self.compared else {
            return;
        };
        let changed = compared.changed_rows();
        ui.horizontal(|ui| {
            ui.label(RichText::new(format!("A: run {}", name(self.left))).strong());
            ui.label(RichText::new("vs").weak());
            ui.label(RichText::new(format!("B: run {}", name(self.right))).strong());
            ui.label(
                RichText::new(if changed == 0 {
                    "identical".to_owned()
                } else {
                    format!("{changed} of {} lines differ", compared.rows.len())
                })
                .weak(),
            );
        });
        diff_rows(ui, compared);
    }
}

/// Draws the side-by-side rows (only the visible ones), each half with its own background
/// and the characters that differ within a changed line marked more strongly.
fn diff_rows(ui: &mut egui::Ui, compared: &Comparison) {
    let font = egui::TextStyle::Monospace.resolve(ui.style());
    let row_height = ui.fonts(|f| f.row_height(&font)) + 2.0;
    let dark = ui.visuals().dark_mode;
    let text_color = ui.visuals().text_color();
    let changed_text = ui.visuals().strong_text_color();
    let weak = ui.visuals().weak_text_color();
    let rows = &compared.rows;
    egui::ScrollArea::both()
        .id_salt("compare_rows")
        .auto_shrink([false, true])
        .show_rows(ui, row_height, rows.len(), |ui, range| {
            let width = ui.available_width().max(400.0);
            let half = width / 2.0;
            for row in &rows[range] {
                let (rect, _) =
                    ui.allocate_exact_size(egui::vec2(width, row_height), egui::Sense::hover());
                let painter = ui.painter_at(rect);
                let left_rect =
                    egui::Rect::from_min_size(rect.min, egui::vec2(half - 2.0, row_height));
                let right_rect = egui::Rect::from_min_size(
                    rect.min + egui::vec2(half + 2.0, 0.0),
                    egui::vec2(half - 2.0, row_height),
                );
                let sides = [
                    (
                        row.left.as_ref().map(|l| (l, compared.left_text(l))),
                        false,
                        left_rect,
                    ),
                    (
                        row.right.as_ref().map(|r| (r, compared.right_text(r))),
                        true,
                        right_rect,
                    ),
                ];
                for (side, added, cell) in sides {
                    let Some((line, text)) = side else { continue };
                    if row.kind != RowKind::Same {
                        painter.rect_filled(cell, 0.0, super::theme::diff_line(added, dark));
                    }
                    let clip = painter.with_clip_rect(cell);
                    clip.text(
                        cell.left_center() + egui::vec2(4.0, 0.0),
                        egui::Align2::LEFT_CENTER,
                        format!("{:>4}", line.number),
                        font.clone(),
                        weak,
                    );
                    let text_start = cell.left_top() + egui::vec2(44.0, 0.0);
                    for mark in &line.marks {
                        let x = |end: usize| {
                            let before = text.get(..end).unwrap_or(text).to_owned();
                            ui.fonts(|f| f.layout_no_wrap(before, font.clone(), weak).size().x)
                        };
                        let marked = egui::Rect::from_min_max(
                            text_start + egui::vec2(x(mark.start), 1.0),
                            text_start + egui::vec2(x(mark.end), row_height - 1.0),
                        );
                        clip.rect_filled(marked, 2.0, super::theme::diff_word(added, dark));
                    }
                    clip.text(
                        cell.left_center() + egui::vec2(44.0, 0.0),
                        egui::Align2::LEFT_CENTER,
                        text,
                        font.clone(),
                        if row.kind == RowKind::Same {
                            text_color
                        } else {
                            changed_text
                        },
                    );
                }
            }
        });
}
