//! The app's colours, named by what they mean: one palette for statuses, panels, banners
//! and the canvas, so no widget picks a colour of its own. (Clippy refuses colour
//! constructors anywhere else: see clippy.toml.)
#![allow(clippy::disallowed_methods)]

use eframe::egui::Color32;

use crate::model::DataType;
use crate::model::GroupColor;
use crate::nodes::Role;
use crate::session::run_view::NodeStatus;
use crate::status::RunState;

/// Text that warns (a run that did not complete, a flow that needs trust, a stale result).
pub const WARNING_TEXT: Color32 = Color32::from_rgb(240, 170, 90);

/// Text that reports an error (a failed node's message, a refused value).
pub const ERROR_TEXT: Color32 = Color32::from_rgb(235, 110, 100);

/// Wires that fire when their source succeeds (their pill), and the pass handle.
pub const PASS_WIRE: Color32 = Color32::from_rgb(80, 180, 100);

/// Wires that fire on failure, and the failure port.
pub const FAIL_WIRE: Color32 = Color32::from_rgb(225, 85, 75);

/// The thin outline that sets a wire's pill off from the wire under it.
pub const PILL_OUTLINE: Color32 = Color32::from_black_alpha(140);

/// Wires that fire whatever their source did (their pill).
pub const ALWAYS_WIRE: Color32 = Color32::from_gray(150);

/// The fill of a strip that asks for a decision before it goes away.
pub const WARNING_STRIP: Color32 = Color32::from_rgb(58, 46, 30);

/// The fill of a button that goes ahead (Run, Trust this folder).
pub const GO_FILL: Color32 = Color32::from_rgb(40, 120, 70);

/// Text on a [`GO_FILL`] button.
pub const GO_TEXT: Color32 = Color32::WHITE;

/// A passing notice at the top of the window.
pub const NOTICE: Color32 = WARNING_TEXT;

/// A run that stopped before its end without being asked to (the process died).
pub const INTERRUPTED: Color32 = Color32::from_rgb(240, 150, 60);

/// The colour of a status: its ring and badge on the canvas, its text in the monitor, the
/// run panel and the drawer. Each reads at WCAG AA (4.5:1) on the dark theme's panels and
/// canvas (a unit test checks), and is always shown with an icon or word too. Skipped is a
/// neutral grey-blue, apart from the orange of warnings ("did not complete").
pub fn status(status: NodeStatus) -> Color32 {
    match status {
        NodeStatus::Idle => Color32::from_gray(150),
        NodeStatus::Queued => Color32::from_rgb(140, 150, 170),
        NodeStatus::Running => Color32::from_rgb(80, 170, 255),
        NodeStatus::Succeeded => Color32::from_rgb(80, 200, 120),
        NodeStatus::Failed => Color32::from_rgb(235, 90, 80),
        NodeStatus::Skipped => Color32::from_rgb(165, 180, 205),
        NodeStatus::Cancelled => Color32::from_rgb(190, 120, 220),
        NodeStatus::Reused => Color32::from_rgb(110, 170, 150),
        NodeStatus::Partial => Color32::from_rgb(230, 180, 80),
        NodeStatus::Blocked => Color32::from_rgb(240, 150, 60),
    }
}

/// The symbol and colour of a run's state, wherever a run is listed (the queue, the Runs
/// drawer, the run page): the node statuses' colours for the states they match, the
/// warning orange for the states that wait for a person.
pub fn run_state(state: RunState) -> (&'static str, Color32) {
    match state {
        RunState::Pending => ("…", status(NodeStatus::Queued)),
        RunState::Running => ("▶", status(NodeStatus::Running)),
        RunState::Cancelling => ("■", status(NodeStatus::Running)),
        RunState::Paused => ("⏸", WARNING_TEXT),
        RunState::Blocked => ("⛔", WARNING_TEXT),
        RunState::Completed => ("✔", status(NodeStatus::Succeeded)),
        RunState::Failed => ("✖", status(NodeStatus::Failed)),
        RunState::Rejected => ("✋", status(NodeStatus::Failed)),
        RunState::Cancelled => ("■", status(NodeStatus::Cancelled)),
        RunState::TimedOut => ("⏱", status(NodeStatus::Failed)),
        RunState::Interrupted => ("⚠", INTERRUPTED),
        RunState::NotStarted => ("⊘", status(NodeStatus::Skipped)),
    }
}

/// A step's title written on its bar in a timeline (the bar is filled with its status
/// colour, or [`INTERRUPTED`] for a step the run ended before).
pub const TIMELINE_BAR_TEXT: Color32 = Color32::from_gray(15);

/// A step's wait to start (no free slot, or the run paused) in a timeline: a thin bar before
/// its work, told apart by
/// its shape as well as its colour.
pub const TIMELINE_WAIT: Color32 = Color32::from_gray(150);

/// The tick lines of a timeline's time axis.
pub const TIMELINE_GRID: Color32 = Color32::from_gray(62);

/// The line at "now" in the timeline of a run going on.
pub const TIMELINE_NOW: Color32 = Color32::from_rgb(245, 245, 255);

/// A result made before its parameters or inputs changed: its dashed ring, its badge and
/// its line on the node.
pub const STALE: Color32 = Color32::from_rgb(255, 200, 120);

/// The fill of the "stale" badge on a node (text in [`STALE_BADGE_TEXT`]).
pub const STALE_BADGE: Color32 = STALE;

/// The word on the "stale" badge.
pub const STALE_BADGE_TEXT: Color32 = Color32::from_gray(15);

/// The order badges of a previewed plan (hollow, before anything runs).
pub const PREVIEW_BADGE: Color32 = Color32::from_rgb(120, 190, 255);

/// The inside of a hollow preview badge.
pub const BADGE_HOLE: Color32 = Color32::from_gray(25);

/// The outline of a status badge.
pub const BADGE_OUTLINE: Color32 = Color32::from_gray(20);

/// The number on a filled status badge.
pub const BADGE_TEXT: Color32 = Color32::from_gray(15);

/// The dots that travel along a wire while data flows.
pub const FLOWING_DOT: Color32 = Color32::from_rgb(245, 245, 255);

/// The colour of a port and of the wires leaving it, by the data it carries.
pub fn data_type(data_type: DataType) -> Color32 {
    match data_type {
        DataType::Text => Color32::from_rgb(110, 190, 120),
        DataType::Number => Color32::from_rgb(90, 150, 230),
        DataType::Bool => Color32::from_rgb(230, 160, 70),
        DataType::Json => Color32::from_rgb(180, 120, 220),
        DataType::Path => Color32::from_rgb(70, 190, 190),
        DataType::Image => Color32::from_rgb(230, 110, 160),
        DataType::Bytes => Color32::from_rgb(150, 130, 110),
        DataType::List => Color32::from_rgb(220, 200, 80),
        DataType::Any => Color32::from_rgb(160, 160, 160),
    }
}

/// A node's body in the far view (the editor's own node colour on the dark theme).
pub const FAR_NODE_BODY: Color32 = Color32::from_gray(63);

/// The plate under a title written on a node in the far view.
pub const FAR_TITLE_PLATE: Color32 = Color32::from_black_alpha(170);

/// A wire in the far view.
pub const FAR_WIRE: Color32 = Color32::from_gray(140);

/// The minimap's background.
pub const MINIMAP_BACKGROUND: Color32 = Color32::from_rgba_premultiplied(12, 12, 14, 230);

/// The minimap's border.
pub const MINIMAP_BORDER: Color32 = Color32::from_gray(90);

/// A node on the minimap that is not part of a run.
pub const MINIMAP_NODE: Color32 = Color32::from_gray(120);

/// Over the parts of the minimap the canvas does not show.
pub const MINIMAP_OUTSIDE_VIEW: Color32 = Color32::from_black_alpha(120);

/// The outline of the part of the graph the canvas shows, on the minimap.
pub const MINIMAP_VIEWPORT: Color32 = Color32::from_rgb(230, 230, 240);

/// A group frame's title.
pub const GROUP_TITLE: Color32 = Color32::from_gray(235);

/// A group frame's edge (and its colour swatch), by its colour.
pub fn group_edge(color: GroupColor) -> Color32 {
    match color {
        GroupColor::Blue => Color32::from_rgb(70, 110, 170),
        GroupColor::Green => Color32::from_rgb(60, 130, 80),
        GroupColor::Yellow => Color32::from_rgb(150, 130, 40),
        GroupColor::Orange => Color32::from_rgb(170, 100, 40),
        GroupColor::Red => Color32::from_rgb(160, 60, 60),
        GroupColor::Purple => Color32::from_rgb(120, 80, 160),
        GroupColor::Grey => Color32::from_gray(100),
    }
}

/// A group frame's fill: its edge colour, faint, so nodes read on it.
pub fn group_fill(color: GroupColor) -> Color32 {
    group_edge(color).gamma_multiply(0.22)
}

/// A node's title bar, by its role in runs.
pub fn role_fill(role: Role) -> Color32 {
    match role {
        Role::Step(_) => Color32::from_rgb(58, 74, 96),
        Role::Viewer => Color32::from_rgb(60, 84, 70),
        Role::Switch => Color32::from_rgb(88, 74, 52),
        Role::Static => Color32::from_rgb(84, 80, 60),
    }
}

/// The background of a line that a comparison shows as removed (left) or added (right),
/// light enough to read text over in either theme.
pub fn diff_line(added: bool, dark_mode: bool) -> Color32 {
    let alpha = if dark_mode { 40 } else { 70 };
    if added {
        Color32::from_rgba_unmultiplied(90, 190, 100, alpha)
    } else {
        Color32::from_rgba_unmultiplied(220, 80, 70, alpha)
    }
}

/// The part of a changed line that differs, marked over [`diff_line`].
pub fn diff_word(added: bool, dark_mode: bool) -> Color32 {
    let alpha = if dark_mode { 90 } else { 130 };
    if added {
        Color32::from_rgba_unmultiplied(90, 190, 100, alpha)
    } else {
        Color32::from_rgba_unmultiplied(220, 80, 70, alpha)
    }
}

/// Relative luminance (WCAG 2.x) of an opaque colour, from 0 (black) to 1 (white).
fn luminance(color: Color32) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(color.r()) + 0.7152 * channel(color.g()) + 0.0722 * channel(color.b())
}

/// The WCAG contrast ratio of two opaque colours, from 1 to 21 (AA asks 4.5 for text).
pub fn contrast_ratio(a: Color32, b: Color32) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;
    use eframe::egui::Visuals;

    #[test]
    fn contrast_is_worked_out_as_wcag_says() {
        assert!((contrast_ratio(Color32::WHITE, Color32::BLACK) - 21.0).abs() < 1e-9);
        assert!((contrast_ratio(Color32::from_gray(118), Color32::WHITE) - 4.54).abs() < 0.01);
    }

    #[test]
    fn every_status_colour_reads_at_wcag_aa_on_the_dark_panels_and_canvas() {
        let dark = Visuals::dark();
        let backgrounds = [
            ("panel", dark.panel_fill),
            ("canvas", dark.extreme_bg_color),
            ("window", dark.window_fill),
        ];
        for status in NodeStatus::ALL {
            for (name, background) in backgrounds {
                let ratio = contrast_ratio(super::status(status), background);
                assert!(
                    ratio >= 4.5,
                    "{} on the {name}: {ratio:.2}:1, below 4.5:1",
                    status.label()
                );
            }
        }
        for (what, color) in [
            ("warning", WARNING_TEXT),
            ("error", ERROR_TEXT),
            ("stale", STALE),
        ] {
            for (name, background) in backgrounds {
                let ratio = contrast_ratio(color, background);
                assert!(ratio >= 4.5, "{what} on the {name}: {ratio:.2}:1");
            }
        }
        assert!(contrast_ratio(STALE_BADGE_TEXT, STALE_BADGE) >= 4.5);
        // A selected monitor row: strong text on the selection fill.
        let selected = contrast_ratio(dark.strong_text_color(), dark.selection.bg_fill);
        assert!(selected >= 4.5, "a selected row: {selected:.2}:1");
    }

    #[test]
    fn timeline_bars_read_and_waits_stand_out() {
        let fills = NodeStatus::ALL.map(status);
        for fill in fills.iter().chain([&INTERRUPTED]) {
            let ratio = contrast_ratio(TIMELINE_BAR_TEXT, *fill);
            assert!(ratio >= 4.5, "a title on a {fill:?} bar: {ratio:.2}:1");
        }
        // Graphics ask 3:1 (WCAG 1.4.11): the wait and the now line on the panel.
        let panel = Visuals::dark().panel_fill;
        for (what, color) in [("wait", TIMELINE_WAIT), ("now", TIMELINE_NOW)] {
            let ratio = contrast_ratio(color, panel);
            assert!(ratio >= 3.0, "{what} on the panel: {ratio:.2}:1");
        }
    }

    #[test]
    fn skipped_nodes_and_unfinished_run_banners_do_not_share_a_colour() {
        let skipped = status(NodeStatus::Skipped);
        for banner in [WARNING_TEXT, INTERRUPTED] {
            let distance = [
                (skipped.r(), banner.r()),
                (skipped.g(), banner.g()),
                (skipped.b(), banner.b()),
            ]
            .iter()
            .map(|(a, b)| (f32::from(*a) - f32::from(*b)).abs())
            .sum::<f32>();
            assert!(distance > 120.0, "{skipped:?} is close to {banner:?}");
        }
    }
}
