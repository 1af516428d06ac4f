//! The pill at the middle of each wire: green ✔ for a wire that fires when its source
//! succeeds, red ✖ fail for one that fires on failure, grey "always" for one that always
//! fires. A click moves it to the next outcome; a right click offers all three and removing
//! the wire.

use eframe::egui::{self, Color32, Pos2, Rect, RichText, Vec2};

use super::graph_types::CanvasState;
use crate::model::{Edge, Flow, Outcome};
use crate::session::edit::DocEdit;
use crate::ui::theme;

/// What a pill shows for each outcome: its text and colour.
pub fn look(outcome: Outcome) -> (&'static str, Color32) {
    match outcome {
        Outcome::Pass => ("✔", theme::PASS_WIRE),
        Outcome::Fail => ("✖ fail", theme::FAIL_WIRE),
        Outcome::Always => ("always", theme::ALWAYS_WIRE),
    }
}

/// Where each wire's pill goes this frame: the middle of the curve the editor draws, for
/// wires whose two ends are on screen and whose middle is not under a node.
pub fn places(flow: &Flow, state: &CanvasState, clip: Rect) -> Vec<(usize, Pos2)> {
    let canvas = state.view;
    let mut places = Vec::new();
    for (index, edge) in flow.edges.iter().enumerate() {
        let (Some(from_rect), Some(to_rect)) = (
            state.node_rects.get(&edge.from.node),
            state.node_rects.get(&edge.to.node),
        ) else {
            continue;
        };
        let from_y = (state.output_rows).get(&(edge.from.node.clone(), edge.from.port.to_string()));
        let to_y = (state.input_rows).get(&(edge.to.node.clone(), edge.to.port.to_string()));
        let (Some(&from_y), Some(&to_y)) = (from_y, to_y) else {
            continue;
        };
        // The editor's curve leaves and enters horizontally with control points mirrored
        // about the middle, so its point halfway is the midpoint of its two ends.
        let middle = Pos2::new(
            (from_rect.right() + to_rect.left()) / 2.0,
            (from_y + to_y) / 2.0,
        );
        if !clip.contains(middle) {
            continue;
        }
        let covered = state
            .node_rects
            .values()
            .any(|rect| rect.expand(canvas.points(6.0)).contains(middle));
        if !covered {
            places.push((index, middle));
        }
    }
    places
}

/// Draws the pills and turns clicks on them into edits.
pub fn show(ui: &mut egui::Ui, flow: &Flow, state: &CanvasState) -> Vec<DocEdit> {
    let mut edits = Vec::new();
    if state.view.is_low_detail() {
        return edits;
    }
    let canvas = state.view;
    let font = egui::FontId::proportional(canvas.points(12.0).max(10.0));
    for (index, middle) in places(flow, state, ui.clip_rect()) {
        let edge = &flow.edges[index];
        let (text, color) = look(edge.outcome);
        let galley = ui
            .painter()
            .layout_no_wrap(text.to_owned(), font.clone(), Color32::WHITE);
        let size = galley.size() + Vec2::new(canvas.points(10.0), canvas.points(4.0));
        let rect = Rect::from_center_size(middle, size);
        let id = egui::Id::new(("wire_pill", index, &edge.from, &edge.to));
        let response = ui.interact(rect, id, egui::Sense::click());
        let fill = if response.hovered() {
            color
        } else {
            color.gamma_multiply(0.85)
        };
        ui.painter().rect_filled(rect, rect.height() / 2.0, fill);
        ui.painter().rect_stroke(
            rect,
            rect.height() / 2.0,
            egui::Stroke::new(1.0, theme::PILL_OUTLINE),
        );
        let at = rect.center() - galley.size() / 2.0;
        ui.painter().galley(at, galley, theme::BADGE_TEXT);
        let response = response.on_hover_text(hover_text(flow, edge));
        if response.clicked() {
            edits.push(DocEdit::SetOutcome {
                edge: edge.clone(),
                outcome: edge.outcome.next(),
            });
        }
        response.context_menu(|ui| {
            for (outcome, label) in [
                (Outcome::Pass, "✔ When it succeeds (pass)"),
                (Outcome::Fail, "✖ When it fails or is skipped (fail)"),
                (Outcome::Always, "Always"),
            ] {
                let chosen = edge.outcome == outcome;
                if ui.selectable_label(chosen, RichText::new(label)).clicked() {
                    if !chosen {
                        edits.push(DocEdit::SetOutcome {
                            edge: edge.clone(),
                            outcome,
                        });
                    }
                    ui.close_menu();
                }
            }
            ui.separator();
            if ui.button("Remove wire").clicked() {
                edits.push(DocEdit::Disconnect {
                    from: edge.from.clone(),
                    to: edge.to.clone(),
                });
                ui.close_menu();
            }
        });
    }
    edits
}

/// What a wire's pill says on hover, naming the nodes by title.
fn hover_text(flow: &Flow, edge: &Edge) -> String {
    let title = |id: &crate::model::NodeId| {
        flow.node(id.as_str())
            .map(|n| n.title.trim())
            .filter(|t| !t.is_empty())
            .map_or_else(|| id.to_string(), str::to_owned)
    };
    let when = match edge.outcome {
        Outcome::Pass => "when its source succeeds",
        Outcome::Fail => "when its source fails or is skipped",
        Outcome::Always => "whatever its source does",
    };
    format!(
        "The wire from `{}` ({}) to `{}` ({}) fires {when}.\nClick for the next outcome (pass → fail → always); right-click for all.",
        title(&edge.from.node),
        edge.from.port,
        title(&edge.to.node),
        edge.to.port
    )
}
