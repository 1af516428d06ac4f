//! Drawing the add-node menu: the search box, the group headings and one row per kind
//! (name, then its one-line summary; the whole description on hover).

use eframe::egui::{self, RichText, Sense, TextStyle, Vec2};

use super::{AddNodeMenu, KindEntry, OpenMenu};

/// About how tall the search box and what is above it are, before they are first drawn.
pub(super) const HEADER_HEIGHT_GUESS: f32 = 30.0;
/// A group heading's height, and the first one's (no gap above it), in screen points.
const HEADING_HEIGHT: (f32, f32) = (28.0, 22.0);

/// Where a row's summary starts, from the row's left edge, in screen points.
const NAME_COLUMN: f32 = 178.0;
/// Space left and right inside a row, in screen points.
const ROW_PADDING: f32 = 8.0;

impl AddNodeMenu {
    /// The menu's inside: what a dropped wire comes from, the search box and the list.
    /// Returns the entry clicked, if any.
    pub(super) fn contents(
        &self,
        ui: &mut egui::Ui,
        menu: &mut OpenMenu,
        size: Vec2,
    ) -> Option<usize> {
        let chrome = ui.style().spacing.menu_margin.sum() + Vec2::splat(2.0);
        ui.set_width(size.x - chrome.x);
        // The area would keep last frame's size: take the size worked out for this one.
        ui.set_min_height(size.y - chrome.y);
        let top = ui.cursor().top();
        if let Some((dragged, _)) = &menu.wire {
            let text = if dragged.is_output {
                format!("Add a node fed by {}", menu.wire_label)
            } else {
                format!("Add a node feeding {}", menu.wire_label)
            };
            ui.label(RichText::new(text).weak());
        }
        let field = ui.add(
            egui::TextEdit::singleline(&mut menu.query)
                .id(Self::search_id())
                .hint_text("Search nodes…")
                .desired_width(f32::INFINITY),
        );
        if menu.focus_pending {
            if field.has_focus() {
                menu.focus_pending = false;
            } else {
                field.request_focus();
                ui.ctx().request_repaint();
            }
        }
        if field.changed() {
            menu.highlight = self.best(menu);
            menu.scroll_to_highlight = true;
        }
        ui.add_space(4.0);
        menu.header_height = ui.cursor().top() - top;
        // The list scrolls when the menu would be taller than the canvas.
        let max_height = (size.y - chrome.y - menu.header_height).max(40.0);
        let visible = self.visible(menu);
        egui::ScrollArea::vertical()
            .max_height(max_height)
            .auto_shrink([false, true])
            .show(ui, |ui| self.rows(ui, menu, &visible))
            .inner
    }

    /// The headings and rows; returns the entry clicked.
    fn rows(&self, ui: &mut egui::Ui, menu: &mut OpenMenu, visible: &[usize]) -> Option<usize> {
        ui.spacing_mut().item_spacing.y = 0.0;
        if visible.is_empty() {
            let text = if menu.wire.is_some() && menu.query.trim().is_empty() {
                "No node kind can take this wire".to_owned()
            } else {
                format!("No node kind matches “{}”", menu.query.trim())
            };
            let size = egui::vec2(ui.available_width(), 2.0 * row_height(ui.style()));
            ui.allocate_ui_with_layout(
                size,
                egui::Layout::left_to_right(egui::Align::Center),
                |ui| {
                    ui.add_space(ROW_PADDING);
                    ui.label(RichText::new(text).weak());
                },
            );
            return None;
        }
        let pointer_moved = ui.input(|i| i.pointer.delta() != Vec2::ZERO);
        let mut clicked = None;
        let mut group = None;
        for &index in visible {
            let entry: &KindEntry = &self.entries[index];
            if group != Some(entry.group()) {
                heading(ui, entry.group(), group.is_none());
                group = Some(entry.group());
            }
            let highlighted = menu.highlight == Some(index);
            let response = kind_row(
                ui,
                entry.name(),
                &entry.summary(),
                &entry.description(),
                highlighted,
            );
            if highlighted && menu.scroll_to_highlight {
                response.scroll_to_me(None);
            }
            if response.hovered() && pointer_moved {
                menu.highlight = Some(index);
            }
            if response.clicked() {
                clicked = Some(index);
            }
        }
        menu.scroll_to_highlight = false;
        clicked
    }
}

/// The list's height for these entries, as [`AddNodeMenu::rows`] draws them.
pub(super) fn list_height<'a>(
    style: &egui::Style,
    entries: impl Iterator<Item = &'a KindEntry>,
) -> f32 {
    let mut height = 0.0;
    let mut group = None;
    for entry in entries {
        if group != Some(entry.group()) {
            height += if group.is_none() {
                HEADING_HEIGHT.1
            } else {
                HEADING_HEIGHT.0
            };
            group = Some(entry.group());
        }
        height += row_height(style);
    }
    if group.is_none() {
        // "No node kind matches".
        height = 2.0 * row_height(style);
    }
    height
}

fn row_height(style: &egui::Style) -> f32 {
    style.spacing.interact_size.y + 4.0
}

/// A group's heading: its name, on the bottom of a band with room above it.
fn heading(ui: &mut egui::Ui, group: &str, first: bool) {
    let height = if first {
        HEADING_HEIGHT.1
    } else {
        HEADING_HEIGHT.0
    };
    let (rect, _) =
        ui.allocate_exact_size(egui::vec2(ui.available_width(), height), Sense::hover());
    let font = egui::FontId::proportional(12.0);
    let color = ui.visuals().text_color();
    ui.painter().text(
        egui::pos2(rect.left() + ROW_PADDING / 2.0, rect.bottom() - 3.0),
        egui::Align2::LEFT_BOTTOM,
        group.to_uppercase(),
        font,
        color,
    );
}

/// One kind's row: its name, then its summary cut to the row's width.
fn kind_row(
    ui: &mut egui::Ui,
    name: &str,
    summary: &str,
    description: &str,
    highlighted: bool,
) -> egui::Response {
    let height = row_height(ui.style());
    let (rect, response) =
        ui.allocate_exact_size(egui::vec2(ui.available_width(), height), Sense::click());
    if ui.is_rect_visible(rect) {
        let visuals = ui.visuals();
        let (fill, name_color, summary_color) = if highlighted {
            let text = visuals.selection.stroke.color;
            (Some(visuals.selection.bg_fill), text, text)
        } else if response.hovered() {
            let fill = visuals.widgets.hovered.weak_bg_fill;
            (
                Some(fill),
                visuals.strong_text_color(),
                visuals.text_color(),
            )
        } else {
            (None, visuals.strong_text_color(), visuals.weak_text_color())
        };
        let painter = ui.painter();
        if let Some(fill) = fill {
            painter.rect_filled(rect, visuals.widgets.hovered.rounding, fill);
        }
        let font = TextStyle::Body.resolve(ui.style());
        let name = painter.layout_no_wrap(name.to_owned(), font.clone(), name_color);
        let name_pos = egui::pos2(
            rect.left() + ROW_PADDING,
            rect.center().y - name.size().y / 2.0,
        );
        painter.galley(name_pos, name, name_color);
        let summary_left = rect.left() + NAME_COLUMN;
        // Parameter names are quoted with backticks for the docs and the CLI; not here.
        let mut job =
            egui::text::LayoutJob::simple_singleline(summary.replace('`', ""), font, summary_color);
        job.wrap =
            egui::text::TextWrapping::truncate_at_width(rect.right() - ROW_PADDING - summary_left);
        let summary = ui.fonts(|fonts| fonts.layout_job(job));
        let summary_pos = egui::pos2(summary_left, rect.center().y - summary.size().y / 2.0);
        painter.galley(summary_pos, summary, summary_color);
    }
    if summary == description {
        response
    } else {
        response.on_hover_text(description)
    }
}
