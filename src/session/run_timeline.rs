//! Which run a Timeline shows, and its Chrome trace: the Flow Monitor's Timeline tab and
//! the app's Export trace pick the run the same way, here, and draw or write the same
//! `timeline::Timeline`.

use std::time::Instant;

use super::run_view::RunView;
use crate::model::NodeLabels;
use crate::store::{RunRecord, RunState};
use crate::timeline::trace::{trace_text, TraceRun};
use crate::timeline::Timeline;

/// The run a Timeline shows.
#[derive(Clone, Copy, Debug)]
pub enum TimelineRun<'a> {
    /// The run this window follows (going on, or the last one that ended).
    Window,
    /// A recorded run, with its number in the flow's history (from 1).
    Recorded(&'a RunRecord, usize),
}

/// What a built timeline was built from: the same key, the same timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimelineKey {
    /// The window's run, at this `RunView::timeline_version`.
    Window(u64),
    /// A recorded run, as it stood.
    Recorded(String, RunState, Option<u64>),
}

impl<'a> TimelineRun<'a> {
    /// The run to show: the recorded run `wanted` (by id) when there is one; else this
    /// window's run, when it has one; else the flow's newest recorded run (as the monitor
    /// shows it).
    pub fn pick(run_view: &RunView, runs: &'a [RunRecord], wanted: Option<&str>) -> Option<Self> {
        let wanted = wanted.and_then(|id| runs.iter().position(|r| r.id == id));
        if let Some(index) = wanted {
            return Some(Self::Recorded(&runs[index], index + 1));
        }
        if !run_view.rows.is_empty() {
            return Some(Self::Window);
        }
        let last = runs.last()?;
        Some(Self::Recorded(last, runs.len()))
    }

    /// What the timeline is built from (a cached timeline with this key is current).
    pub fn key(&self, run_view: &RunView) -> TimelineKey {
        match self {
            Self::Window => TimelineKey::Window(run_view.timeline_version),
            Self::Recorded(record, _) => {
                TimelineKey::Recorded(record.id.clone(), record.status, record.finished_at_ms)
            }
        }
    }

    /// Its timeline.
    pub fn timeline(&self, run_view: &RunView) -> Timeline {
        match self {
            Self::Window => run_view.timeline(),
            Self::Recorded(record, _) => Timeline::of_record(record),
        }
    }

    /// The recorded run's id (`None` for the window's run).
    pub fn record_id(&self) -> Option<&'a str> {
        match self {
            Self::Window => None,
            Self::Recorded(record, _) => Some(&record.id),
        }
    }

    /// How it stands, in a word (`running` while the window's run goes on).
    pub fn status_label(&self, run_view: &RunView) -> &'static str {
        match self {
            Self::Window => run_view.status.map_or("running", |s| s.label()),
            Self::Recorded(record, _) => record.status.label(),
        }
    }

    /// Milliseconds from the run's start to `now` (where steps still going end), on the
    /// clock its times are on.
    pub fn now_ms(&self, run_view: &RunView, now: Instant, now_epoch_ms: u64) -> f64 {
        match self {
            Self::Window => run_view.run_ms_at(now).unwrap_or(0.0),
            Self::Recorded(record, _) => now_epoch_ms.saturating_sub(record.started_at_ms) as f64,
        }
    }

    /// The file name to suggest for its trace: `FLOW-run3.trace.json`, or
    /// `FLOW.trace.json` for the window's run.
    pub fn trace_file_name(&self, flow_name: &str) -> String {
        let stem = flow_name.strip_suffix(".flow").unwrap_or(flow_name);
        match self {
            Self::Window => format!("{stem}.trace.json"),
            Self::Recorded(_, number) => format!("{stem}-run{number}.trace.json"),
        }
    }

    /// Its Chrome trace (see `timeline::trace`); `flow_name` names the process.
    pub fn trace(
        &self,
        timeline: &Timeline,
        run_view: &RunView,
        labels: &NodeLabels,
        flow_name: &str,
        now_ms: f64,
    ) -> String {
        let run = match self {
            Self::Window => TraceRun {
                flow: flow_name,
                status: Some(self.status_label(run_view)),
                summary: run_view.summary.as_deref(),
                ..TraceRun::default()
            },
            Self::Recorded(record, number) => TraceRun::of_record(flow_name, record, Some(*number)),
        };
        trace_text(timeline, labels, &run, now_ms)
    }
}
