//! The Timeline view, a tab of the Flow Monitor: a run's steps as bars on a time axis, one
//! row per lane, each bar its wait (a thin bar) then its work (filled with its status
//! colour, its status icon and title written on it), a line at "now" while the run goes on,
//! and the times on hover. It draws a `timeline::Timeline`; which run, and the header with
//! Export trace, are the monitor's.

use std::sync::Arc;

use eframe::egui::{self, Align2, FontId, Pos2, Rect, Sense, Stroke, Vec2};

use super::monitor::status_icon;
use super::theme;
use super::value_view::bytes_text;
use crate::exec::format_duration_ms;
use crate::model::{NodeId, NodeLabels};
use crate::session::commands::AppCommand;
use crate::session::run_timeline::{TimelineKey, TimelineRun};
use crate::session::run_view::RunView;
use crate::status::NodeStatus;
use crate::timeline::{Bar, SegmentKind, Timeline};

/// Height of one lane, in points.
pub const LANE_HEIGHT: f32 = 28.0;
/// Height of the time axis above the lanes.
const AXIS_HEIGHT: f32 = 22.0;
/// Size of the text on bars and on the axis (points; 12 or more reads on every screen).
const TEXT_SIZE: f32 = 13.0;
/// A bar is never drawn narrower than this, so even the shortest step can be hovered.
const MIN_BAR_WIDTH: f32 = 3.0;
/// Height of a wait's thin bar.
const WAIT_HEIGHT: f32 = 6.0;
/// At most this much room is kept after the run's end for the last steps' names.
const LABEL_ROOM: f32 = 180.0;
/// About how far apart the axis's ticks are, in points.
const TICK_SPACING: f32 = 110.0;

/// The Timeline's own state: the timeline last built, and what from (built again only when
/// the run it shows changed, never per frame).
#[derive(Debug, Default)]
pub struct TimelineView {
    built: Option<(TimelineKey, Arc<Timeline>)>,
}

impl TimelineView {
    /// The timeline of `run`.
    pub fn timeline(&mut self, run: &TimelineRun<'_>, run_view: &RunView) -> Arc<Timeline> {
        let key = run.key(run_view);
        match &self.built {
            Some((built_key, timeline)) if *built_key == key => timeline.clone(),
            _ => {
                let timeline = Arc::new(run.timeline(run_view));
                self.built = Some((key, timeline.clone()));
                timeline
            }
        }
    }
}

/// What the Timeline draws.
pub struct TimelineInputs<'a> {
    /// The timeline.
    pub timeline: &'a Timeline,
    /// The nodes' names.
    pub labels: &'a NodeLabels,
    /// Milliseconds from the run's start to now: where steps going on end.
    pub now_ms: f64,
    /// The selected node, outlined.
    pub selected: Option<&'a NodeId>,
}

/// Maps run time (milliseconds from the run's start) to the screen's x.
#[derive(Clone, Copy, Debug)]
struct TimeAxis {
    left_x: f32,
    width: f32,
    span_ms: f64,
}

impl TimeAxis {
    fn x_from_ms(&self, ms: f64) -> f32 {
        self.left_x + (ms / self.span_ms) as f32 * self.width
    }
}

/// A tick's time: as durations read elsewhere, but with the decimals ticks under a
/// millisecond apart need to differ ("0.2 ms", not "0 ms" twice).
fn tick_label(at_ms: f64, step_ms: f64) -> String {
    if step_ms >= 1.0 || at_ms == 0.0 {
        return format_duration_ms(at_ms);
    }
    let decimals = (-step_ms.log10()).ceil().clamp(1.0, 3.0) as usize;
    format!("{at_ms:.decimals$} ms")
}

/// The step between ticks: 1, 2 or 5 times a power of ten milliseconds, at least `raw_ms`.
fn tick_step_ms(raw_ms: f64) -> f64 {
    let raw_ms = raw_ms.max(1e-3);
    let power = 10f64.powf(raw_ms.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|step| *step >= raw_ms)
        .unwrap_or(10.0 * power)
}

/// A bar's status icon (a step the run ended before gets the warning sign).
fn icon(status: Option<NodeStatus>) -> &'static str {
    status.map_or("⚠", status_icon)
}

/// A bar's fill.
fn fill(status: Option<NodeStatus>) -> egui::Color32 {
    status.map_or(theme::INTERRUPTED, theme::status)
}

/// The text written on (or beside) a bar: its status icon and name.
pub fn bar_label(bar: &Bar, labels: &NodeLabels) -> String {
    format!("{} {}", icon(bar.status), labels.name(&bar.node))
}

/// Draws the timeline in the room `ui` has left: the axis, then the lanes (scrolling when
/// they do not fit). Returns `Focus` for a bar clicked.
pub fn show(ui: &mut egui::Ui, inputs: &TimelineInputs<'_>) -> Vec<AppCommand> {
    let mut commands = Vec::new();
    let timeline = inputs.timeline;
    let end_ms = if timeline.is_open() {
        inputs.now_ms.max(timeline.known_end_ms())
    } else {
        timeline.known_end_ms()
    };
    // Room after the run's end for the names of the last steps, which are often too short
    // to carry their name on the bar (a report, a write).
    let label_room = (ui.available_width() * 0.15).clamp(60.0, LABEL_ROOM);
    let width = (ui.available_width() - label_room).max(40.0);
    let axis = TimeAxis {
        left_x: ui.available_rect_before_wrap().left() + 4.0,
        width,
        span_ms: end_ms.max(1.0),
    };
    let (axis_rect, _) =
        ui.allocate_exact_size(Vec2::new(ui.available_width(), AXIS_HEIGHT), Sense::hover());
    let step_ms = tick_step_ms(axis.span_ms / f64::from((width / TICK_SPACING).max(1.0)));
    paint_axis(ui, axis_rect, &axis, step_ms);
    // Where bars going on end, and the now line (only while something goes on).
    let ends = Ends {
        now_ms: end_ms,
        now_line: timeline.is_open(),
    };
    ui.scope(|ui| {
        ui.spacing_mut().item_spacing.y = 0.0;
        egui::ScrollArea::vertical()
            .id_salt("timeline_lanes")
            .auto_shrink([false, false])
            .show_rows(ui, LANE_HEIGHT, timeline.lanes.len(), |ui, lanes| {
                for lane in lanes {
                    let clicked = lane_row(ui, inputs, &axis, step_ms, ends, lane);
                    commands.extend(clicked.map(AppCommand::Focus));
                }
            });
    });
    commands
}

/// The axis: a tick and its time every `step_ms`.
fn paint_axis(ui: &egui::Ui, rect: Rect, axis: &TimeAxis, step_ms: f64) {
    let painter = ui.painter_at(rect.expand2(Vec2::new(8.0, 0.0)));
    let font = FontId::proportional(TEXT_SIZE);
    let color = ui.visuals().text_color();
    let mut at_ms = 0.0;
    while at_ms <= axis.span_ms {
        let x = axis.x_from_ms(at_ms);
        painter.line_segment(
            [
                Pos2::new(x, rect.bottom() - 5.0),
                Pos2::new(x, rect.bottom()),
            ],
            Stroke::new(1.0, theme::TIMELINE_GRID),
        );
        let align = if at_ms == 0.0 {
            Align2::LEFT_CENTER
        } else {
            Align2::CENTER_CENTER
        };
        // The last label would be cut at the edge: the tick alone says enough there.
        if x + 30.0 > rect.right() && at_ms > 0.0 {
            break;
        }
        painter.text(
            Pos2::new(x, rect.center().y - 2.0),
            align,
            tick_label(at_ms, step_ms),
            font.clone(),
            color,
        );
        at_ms += step_ms;
    }
}

/// Where the bars that go on end, and whether to draw the now line there.
#[derive(Clone, Copy, Debug)]
struct Ends {
    now_ms: f64,
    now_line: bool,
}

/// One lane: its grid, its bars, the now line; the tooltip of the bar under the pointer.
/// Returns the node of a bar clicked.
fn lane_row(
    ui: &mut egui::Ui,
    inputs: &TimelineInputs<'_>,
    axis: &TimeAxis,
    step_ms: f64,
    ends: Ends,
    lane: usize,
) -> Option<NodeId> {
    let now = ends.now_ms;
    let timeline = inputs.timeline;
    let (rect, response) =
        ui.allocate_exact_size(Vec2::new(ui.available_width(), LANE_HEIGHT), Sense::click());
    if !ui.is_rect_visible(rect) {
        return None;
    }
    let painter = ui.painter_at(rect);
    let mut at_ms = 0.0;
    while at_ms <= axis.span_ms {
        let x = axis.x_from_ms(at_ms);
        painter.vline(x, rect.y_range(), Stroke::new(1.0, theme::TIMELINE_GRID));
        at_ms += step_ms;
    }
    let bars = &timeline.lanes[lane];
    // The bar rectangles as drawn, for hovering: bars that would fall in the pixel of the
    // one before are not drawn again (a chain of thousands of tiny steps).
    let mut drawn: Vec<(usize, Rect)> = Vec::with_capacity(bars.len());
    let mut last_right = f32::NEG_INFINITY;
    for (position, &index) in bars.iter().enumerate() {
        let bar = &timeline.bars[index];
        let left = axis.x_from_ms(bar.start_ms());
        let right = axis
            .x_from_ms(bar.end_ms().unwrap_or(now))
            .max(left + MIN_BAR_WIDTH);
        if right <= last_right + 0.5 || right < rect.left() || left > rect.right() {
            continue;
        }
        last_right = right;
        let bar_rect = Rect::from_x_y_ranges(left..=right, rect.y_range().shrink(3.0));
        // The label may run past a bar that is too narrow for it, up to the next bar.
        let room_right = bars.get(position + 1).map_or(rect.right(), |&next| {
            axis.x_from_ms(timeline.bars[next].start_ms()) - 4.0
        });
        let selected = inputs.selected == Some(&bar.node);
        paint_bar(
            &painter,
            bar,
            bar_rect,
            axis,
            now,
            room_right,
            inputs.labels,
            selected,
        );
        drawn.push((index, bar_rect));
    }
    if ends.now_line {
        let x = axis.x_from_ms(now);
        painter.vline(x, rect.y_range(), Stroke::new(1.5, theme::TIMELINE_NOW));
    }
    let pointer = response.hover_pos()?;
    let (index, _) = *drawn
        .iter()
        .find(|(_, r)| r.x_range().expand(2.0).contains(pointer.x))?;
    let bar = &timeline.bars[index];
    // Times are from the run's start, as on the axis; a click shows the node.
    let response = response
        .on_hover_ui_at_pointer(|ui| tooltip(ui, bar, inputs.labels, now))
        .on_hover_cursor(egui::CursorIcon::PointingHand);
    response.clicked().then(|| bar.node.clone())
}

/// One bar: the wait as a thin bar with end marks, the work filled, the label on it (or
/// beside it when it does not fit, up to `room_right`).
#[allow(
    clippy::too_many_arguments,
    reason = "one bar's geometry and what it shows; a struct would only rename them"
)]
fn paint_bar(
    painter: &egui::Painter,
    bar: &Bar,
    bar_rect: Rect,
    axis: &TimeAxis,
    now_ms: f64,
    room_right: f32,
    labels: &NodeLabels,
    selected: bool,
) {
    let y = bar_rect.center().y;
    let mut work_left = bar_rect.left();
    for segment in &bar.segments {
        let left = axis.x_from_ms(segment.start_ms);
        let right = axis.x_from_ms(segment.end_or(now_ms)).max(left + 1.0);
        match segment.kind {
            SegmentKind::Wait => {
                let thin = Rect::from_x_y_ranges(
                    left..=right,
                    (y - WAIT_HEIGHT / 2.0)..=(y + WAIT_HEIGHT / 2.0),
                );
                painter.rect_filled(thin, 1.0, theme::TIMELINE_WAIT);
                let marks = (y - 7.0)..=(y + 7.0);
                painter.vline(left, marks.clone(), Stroke::new(1.5, theme::TIMELINE_WAIT));
                painter.vline(right, marks, Stroke::new(1.5, theme::TIMELINE_WAIT));
            }
            SegmentKind::Work => {
                work_left = left;
                let right = right.max(left + MIN_BAR_WIDTH);
                let work = Rect::from_x_y_ranges(left..=right, bar_rect.y_range());
                painter.rect_filled(work, 3.0, fill(bar.status));
                if selected {
                    painter.rect_stroke(
                        work.expand(1.5),
                        3.0,
                        Stroke::new(2.0, theme::TIMELINE_NOW),
                    );
                }
            }
        }
    }
    let font = FontId::proportional(TEXT_SIZE);
    let text = bar_label(bar, labels);
    let galley = painter.layout_no_wrap(text, font, theme::TIMELINE_BAR_TEXT);
    let inside = bar_rect.right() - work_left - 10.0;
    let has_work = bar.work_start_ms().is_some();
    if has_work && galley.size().x <= inside {
        let at = Pos2::new(work_left + 5.0, y - galley.size().y / 2.0);
        painter.galley(at, galley, theme::TIMELINE_BAR_TEXT);
    } else if galley.size().x <= room_right - bar_rect.right() - 6.0 {
        // Beside the bar, in its status colour (which reads on the panel).
        let at = Pos2::new(bar_rect.right() + 5.0, y - galley.size().y / 2.0);
        let color = fill(bar.status);
        painter.galley_with_override_text_color(at, galley, color);
    }
}

/// What hovering a bar shows: the step, its status, and its times.
fn tooltip(ui: &mut egui::Ui, bar: &Bar, labels: &NodeLabels, now_ms: f64) {
    let clock = |ms: f64| format_duration_ms(ms);
    ui.label(egui::RichText::new(labels.name(&bar.node)).strong());
    ui.label(format!(
        "{} {} · step {}",
        icon(bar.status),
        bar.status_label(),
        bar.order
    ));
    for segment in &bar.segments {
        let end_ms = segment.end_or(now_ms);
        let took = clock(end_ms - segment.start_ms);
        let line = match (segment.kind, segment.end_ms) {
            (SegmentKind::Wait, Some(_)) => format!(
                "ready at {}, waited {took} to start (no free slot, or paused)",
                clock(segment.start_ms)
            ),
            (SegmentKind::Wait, None) => format!(
                "ready at {}, waiting to start ({took} so far)",
                clock(segment.start_ms)
            ),
            (SegmentKind::Work, Some(end)) => format!(
                "started at {}, worked {took}, ended at {}",
                clock(segment.start_ms),
                clock(end)
            ),
            (SegmentKind::Work, None) => {
                format!("started at {}, working for {took}", clock(segment.start_ms))
            }
        };
        ui.label(line);
    }
    if !bar.output_bytes.is_empty() {
        let sizes: Vec<String> = (bar.output_bytes.iter())
            .map(|(port, bytes)| {
                let bytes = usize::try_from(*bytes).unwrap_or(usize::MAX);
                format!("{port} {}", bytes_text(bytes))
            })
            .collect();
        ui.label(format!("outputs: {}", sizes.join(", ")));
    }
    if let Some(note) = bar.note.as_deref().and_then(|n| n.lines().next()) {
        ui.label(egui::RichText::new(note).color(theme::ERROR_TEXT));
    }
}

/// The legend: what a wait and a step's work look like.
pub fn legend(ui: &mut egui::Ui) {
    let (rect, _) = ui.allocate_exact_size(Vec2::new(26.0, 16.0), Sense::hover());
    let y = rect.center().y;
    let thin = Rect::from_x_y_ranges(rect.x_range(), (y - 3.0)..=(y + 3.0));
    ui.painter().rect_filled(thin, 1.0, theme::TIMELINE_WAIT);
    ui.label("waiting to start");
    let (rect, _) = ui.allocate_exact_size(Vec2::new(26.0, 16.0), Sense::hover());
    ui.painter()
        .rect_filled(rect, 3.0, theme::status(NodeStatus::Succeeded));
    ui.label("working, coloured by status");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_under_a_millisecond_apart_keep_their_decimals() {
        assert_eq!(tick_label(0.0, 0.2), "0 ms");
        assert_eq!(tick_label(0.4, 0.2), "0.4 ms");
        assert_eq!(tick_label(0.05, 0.05), "0.05 ms");
        assert_eq!(tick_label(2000.0, 1000.0), "2.0 s");
    }

    #[test]
    fn ticks_fall_on_round_times() {
        assert_eq!(tick_step_ms(0.7), 1.0);
        assert_eq!(tick_step_ms(130.0), 200.0);
        assert_eq!(tick_step_ms(450.0), 500.0);
        assert_eq!(tick_step_ms(501.0), 1000.0);
        assert_eq!(tick_step_ms(2000.0), 2000.0);
    }
}
