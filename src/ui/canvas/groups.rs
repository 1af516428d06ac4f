//! Group frames on the canvas: a coloured frame around each group's nodes, as large as they
//! need, with the title in a header. Dragging the header moves the group's nodes; clicking it
//! selects them and opens a small editor (title, colour, ungroup).

use eframe::egui::{self, FontId, Pos2, Rect, RichText, Sense, Stroke, Vec2};

use super::transform::CanvasTransform;
use super::{Canvas, ShownEdit};
use crate::model::{Flow, GroupColor};
use crate::session::commands::AppCommand;
use crate::session::edit::{DocEdit, DragId};
use crate::ui::theme;

/// Space between a frame and the nodes in it (graph units).
const PADDING: f32 = 24.0;

/// One group's frame on screen this frame.
pub struct GroupFrame {
    /// The group's place in the layout's list.
    pub index: usize,
    /// The whole frame.
    pub rect: Rect,
    /// Its header (title bar), where it is dragged and clicked.
    pub header: Rect,
    /// The title's size (screen points).
    pub title_size: f32,
}

impl Canvas {
    /// The frames of `flow`'s groups that are on screen, from their nodes' boxes.
    pub(super) fn group_frames(
        &self,
        flow: &Flow,
        view: CanvasTransform,
        clip: Rect,
    ) -> Vec<GroupFrame> {
        // Titles stay readable zoomed out: a frame is how a far-out flow is found around.
        let title_size = view.points(18.0).max(11.0);
        let header_height = title_size + 10.0;
        let mut frames = Vec::new();
        for (index, group) in flow.layout.groups.iter().enumerate() {
            let mut bounds = Rect::NOTHING;
            for id in &group.nodes {
                let Some(pos) = flow.layout.positions.get(id) else {
                    continue;
                };
                let min = Pos2::new(pos.0, pos.1);
                bounds = bounds.union(Rect::from_min_size(min, self.far_size(id)));
            }
            if !bounds.is_positive() {
                continue;
            }
            let inner = Rect::from_min_max(
                view.to_screen(bounds.min - Vec2::splat(PADDING)),
                view.to_screen(bounds.max + Vec2::splat(PADDING)),
            );
            let rect = Rect::from_min_max(inner.min - Vec2::new(0.0, header_height), inner.max);
            if !clip.intersects(rect) {
                continue;
            }
            let header = Rect::from_min_size(rect.min, Vec2::new(rect.width(), header_height));
            frames.push(GroupFrame {
                index,
                rect,
                header,
                title_size,
            });
        }
        frames
    }

    /// Makes each header draggable and clickable (call after the editor draws, so the
    /// headers get the pointer rather than the canvas background under them).
    pub(super) fn group_headers(
        &mut self,
        ui: &mut egui::Ui,
        flow: &Flow,
        frames: &[GroupFrame],
        view: CanvasTransform,
        commands: &mut Vec<AppCommand>,
    ) {
        self.state.group_headers = frames.iter().map(|f| (f.index, f.header)).collect();
        for frame in frames {
            let Some(group) = flow.layout.groups.get(frame.index) else {
                continue;
            };
            let id = egui::Id::new(("group_header", frame.index));
            let response = ui
                .interact(frame.header, id, Sense::click_and_drag())
                .on_hover_text("Drag to move the group; click to rename, recolour or ungroup it");
            if response.dragged() && response.drag_delta() != Vec2::ZERO {
                let drag = *self.drag.get_or_insert_with(|| {
                    self.drags += 1;
                    DragId(self.drags)
                });
                self.shown.push(ShownEdit::Plain);
                commands.push(AppCommand::Edit(DocEdit::MoveNodes {
                    ids: group.nodes.clone(),
                    delta: view.graph_offset(response.drag_delta()),
                    drag,
                }));
            }
            let popup = egui::Id::new(("group_editor", frame.index));
            if response.clicked() {
                commands.push(AppCommand::Select(group.nodes.clone()));
                ui.memory_mut(|m| m.toggle_popup(popup));
            }
            egui::popup_below_widget(
                ui,
                popup,
                &response,
                egui::PopupCloseBehavior::CloseOnClickOutside,
                |ui| group_editor(ui, frame.index, group, commands),
            );
        }
    }
}

/// Paints the frames (before the nodes, so they lie underneath).
pub fn paint_groups(painter: &egui::Painter, flow: &Flow, frames: &[GroupFrame]) {
    for frame in frames {
        let Some(group) = flow.layout.groups.get(frame.index) else {
            continue;
        };
        let rounding = 8.0;
        painter.rect_filled(frame.rect, rounding, theme::group_fill(group.color));
        painter.rect_stroke(
            frame.rect,
            rounding,
            Stroke::new(1.5, theme::group_edge(group.color)),
        );
        let mut job = egui::text::LayoutJob::simple_singleline(
            group.title.clone(),
            FontId::proportional(frame.title_size),
            theme::GROUP_TITLE,
        );
        job.wrap = egui::text::TextWrapping::truncate_at_width(frame.header.width() - 16.0);
        let galley = painter.layout_job(job);
        let at = Pos2::new(
            frame.header.left() + 8.0,
            frame.header.center().y - galley.size().y / 2.0,
        );
        painter.galley(at, galley, theme::GROUP_TITLE);
    }
}

/// The header's popup: the title, the colour, and Ungroup.
fn group_editor(
    ui: &mut egui::Ui,
    index: usize,
    group: &crate::model::Group,
    commands: &mut Vec<AppCommand>,
) {
    ui.set_min_width(220.0);
    ui.label(RichText::new("Group").strong());
    let mut title = group.title.clone();
    if ui
        .add(egui::TextEdit::singleline(&mut title).hint_text("Title"))
        .changed()
    {
        commands.push(AppCommand::Edit(DocEdit::SetGroup {
            index,
            title: title.clone(),
            color: group.color,
        }));
    }
    ui.horizontal_wrapped(|ui| {
        for color in GroupColor::ALL {
            let swatch = egui::Button::new(RichText::new(color.name()).color(theme::GROUP_TITLE))
                .fill(theme::group_edge(color))
                .selected(color == group.color);
            if ui.add(swatch).clicked() && color != group.color {
                commands.push(AppCommand::Edit(DocEdit::SetGroup {
                    index,
                    title: title.clone(),
                    color,
                }));
            }
        }
    });
    if ui
        .button("Ungroup")
        .on_hover_text("Remove the frame; the nodes stay where they are")
        .clicked()
    {
        commands.push(AppCommand::Edit(DocEdit::Ungroup(index)));
        ui.memory_mut(|m| m.close_popup());
    }
}
