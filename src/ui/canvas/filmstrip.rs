//! A node's filmstrip: its recent results as small chips (run number), the active one
//! highlighted; clicking a chip makes that result active, "…" opens the results window with
//! the whole history and Compare.

use eframe::egui::{self, RichText};

use super::graph_types::{CanvasResponse, CanvasState};
use super::node_body::snippet;
use crate::model::{NodeId, Value};
use crate::results::{local_date_time, main_text};

/// How many chips a node shows (the active result is always among them).
const CHIPS: usize = 5;

/// Below this zoom the filmstrip stops shrinking, so its chips stay legible.
const MIN_READABLE_ZOOM: f32 = 0.6;

/// The entries a filmstrip shows, oldest first: the newest few, plus the active one if it is
/// older than those.
pub fn shown_entries(len: usize, active: usize) -> Vec<usize> {
    let first = len.saturating_sub(CHIPS);
    let mut shown: Vec<usize> = (first..len).collect();
    if active < first {
        shown[0] = active;
    }
    shown
}

/// Draws the filmstrip of `node` when it has more than one stored result.
pub fn show(ui: &mut egui::Ui, node: &NodeId, state: &CanvasState) -> Vec<CanvasResponse> {
    let mut responses = Vec::new();
    let catalog = &state.catalog;
    let Some(history) = catalog.histories.get(node) else {
        return responses;
    };
    if history.history.len() < 2 {
        return responses;
    }
    let size = state.view.points(10.0).max(10.0 * MIN_READABLE_ZOOM);
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 3.0;
        ui.label(RichText::new("history").size(size).weak());
        for index in shown_entries(history.history.len(), history.active) {
            let entry = &history.history[index];
            let number = catalog
                .run_number(&entry.run)
                .map_or_else(|| format!("{}", index + 1), |n| format!("#{n}"));
            let number = match entry.item {
                Some(item) => format!("{number}·{}", item + 1),
                None => number,
            };
            let active = index == history.active;
            let loaded = catalog.object(&entry.object);
            let picture = match &loaded {
                Some(Ok(outputs)) => match crate::results::main_value(outputs) {
                    Some((_, Value::Image(image))) => Some(image.clone()),
                    _ => None,
                },
                _ => None,
            };
            let chip = match &picture {
                Some(image) => {
                    let response = state.thumbnails.borrow_mut().show(
                        ui,
                        image,
                        state.view.points(26.0).max(26.0 * MIN_READABLE_ZOOM),
                    );
                    if active {
                        ui.painter().rect_stroke(
                            response.rect.expand(1.5),
                            2.0,
                            ui.visuals().selection.stroke,
                        );
                    }
                    response
                }
                None => ui.selectable_label(active, RichText::new(number.clone()).size(size)),
            };
            let chip = chip.on_hover_ui(|ui| {
                ui.label(format!(
                    "Run {number} · {}{}",
                    local_date_time(entry.at_ms),
                    if active { " · active" } else { "" }
                ));
                match &loaded {
                    Some(Ok(outputs)) => match crate::results::main_value(outputs) {
                        Some((_, Value::Image(image))) => {
                            state.thumbnails.borrow_mut().show(ui, image, 160.0);
                        }
                        _ => {
                            ui.label(
                                RichText::new(snippet(&main_text(outputs), 6, 48))
                                    .monospace()
                                    .small(),
                            );
                        }
                    },
                    Some(Err(problem)) => {
                        ui.label(RichText::new(problem).weak());
                    }
                    None => {
                        ui.label(RichText::new("loading…").weak());
                    }
                }
                if !active {
                    ui.label(RichText::new("Click to make it the active result").weak());
                }
            });
            if chip.clicked() && !active {
                responses.push(CanvasResponse::SetActiveResult(node.clone(), index));
            }
        }
        if ui
            .small_button(RichText::new("…").size(size))
            .on_hover_text("All results of this node, and Compare")
            .clicked()
        {
            responses.push(CanvasResponse::ShowResults(node.clone()));
        }
    });
    responses
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_chips_show_and_an_older_active_one_too() {
        assert_eq!(shown_entries(3, 2), [0, 1, 2]);
        assert_eq!(shown_entries(8, 7), [3, 4, 5, 6, 7]);
        assert_eq!(shown_entries(8, 1), [1, 4, 5, 6, 7]);
    }
}
