//! A run's timeline: one bar per step on a time axis, steps that overlap in time in
//! separate lanes, each bar made of segments (waiting to start, then working). Built
//! from a run's record (`Timeline::of_record`) or from what a client saw of a live run
//! (`Timeline::build`, as the app's run view does), so the app's Timeline view and the Chrome
//! trace export (`trace`) draw from the same data.

mod lanes;
pub mod trace;

use std::collections::BTreeMap;

pub use lanes::assign_lanes;

use crate::model::NodeId;
use crate::status::NodeStatus;
use crate::store::RunRecord;

/// A wait shorter than this (milliseconds) is the executor handing out the steps ready
/// before it (starting a worker thread takes a fraction of a millisecond), not a wait for a
/// slot: no segment is made for it. (Real waits last as long as the step holding the slot.)
pub const MIN_WAIT_MS: f64 = 1.0;

/// What a client knows of one step's times: the input a timeline is built from. Times are
/// milliseconds from the run's start.
#[derive(Clone, Debug, PartialEq)]
pub struct StepTimes {
    /// The node.
    pub node: NodeId,
    /// Its position in the plan, from 1.
    pub order: usize,
    /// How it stands (`None`: the run ended before the step did, as when the process
    /// running it died).
    pub status: Option<NodeStatus>,
    /// When it became ready to start.
    pub ready_ms: Option<f64>,
    /// When it started work.
    pub started_ms: Option<f64>,
    /// When it ended (`None`: still going, or not known).
    pub ended_ms: Option<f64>,
    /// How many bytes each of its outputs holds, by port.
    pub output_bytes: BTreeMap<String, u64>,
    /// Its error, or why it was skipped.
    pub note: Option<String>,
}

/// What a part of a bar shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SegmentKind {
    /// Ready, but waiting to start: no free slot (the run's parallelism or its kind's
    /// limit), or the run was paused.
    Wait,
    /// Working. (When steps can be retried, each attempt will be a segment of its own.)
    Work,
}

/// One part of a bar.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Segment {
    /// Waiting or working.
    pub kind: SegmentKind,
    /// When it began, in milliseconds from the run's start.
    pub start_ms: f64,
    /// When it ended (`None`: it is still going on, in a live run).
    pub end_ms: Option<f64>,
}

impl Segment {
    /// When it ended, or `now_ms` while it goes on.
    pub fn end_or(&self, now_ms: f64) -> f64 {
        self.end_ms.unwrap_or(now_ms).max(self.start_ms)
    }
}

/// One step on the timeline.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// The node.
    pub node: NodeId,
    /// Its position in the plan, from 1.
    pub order: usize,
    /// Its lane, from 0. A step holds its lane from the moment it became ready (even when
    /// its wait was too short to be a segment) until it ended.
    pub lane: usize,
    /// When it became ready, if known.
    pub ready_ms: Option<f64>,
    /// How it stands (`None`: it did not finish before the run ended).
    pub status: Option<NodeStatus>,
    /// Its parts in time order: a wait (when it waited), then its work (none when it never
    /// started).
    pub segments: Vec<Segment>,
    /// How many bytes each of its outputs holds, by port.
    pub output_bytes: BTreeMap<String, u64>,
    /// Its error, or why it was skipped.
    pub note: Option<String>,
}

impl Bar {
    /// When the bar begins (its wait, else its work), in milliseconds from the run's start.
    pub fn start_ms(&self) -> f64 {
        self.segments.first().map_or(0.0, |s| s.start_ms)
    }

    /// Since when it holds its lane: when it became ready, else when it began.
    pub fn lane_start_ms(&self) -> f64 {
        let start = self.start_ms();
        self.ready_ms.map_or(start, |ready| ready.min(start))
    }

    /// When it ends (`None` while it goes on).
    pub fn end_ms(&self) -> Option<f64> {
        self.segments.last().and_then(|s| s.end_ms)
    }

    /// How long it waited to start, in milliseconds (at `now_ms` for a wait going on).
    pub fn waited_ms(&self, now_ms: f64) -> f64 {
        self.total_ms(SegmentKind::Wait, now_ms)
    }

    /// How long it worked, in milliseconds (at `now_ms` for work going on).
    pub fn worked_ms(&self, now_ms: f64) -> f64 {
        self.total_ms(SegmentKind::Work, now_ms)
    }

    fn total_ms(&self, kind: SegmentKind, now_ms: f64) -> f64 {
        (self.segments.iter())
            .filter(|s| s.kind == kind)
            .map(|s| s.end_or(now_ms) - s.start_ms)
            .fold(0.0, |total, ms| total + ms)
    }

    /// When its work began, if it started.
    pub fn work_start_ms(&self) -> Option<f64> {
        (self.segments.iter())
            .find(|s| s.kind == SegmentKind::Work)
            .map(|s| s.start_ms)
    }

    /// The word for its status: `succeeded`, `running`, … or `did not finish`.
    pub fn status_label(&self) -> &'static str {
        status_label(self.status)
    }
}

/// The word for a step's status on a timeline: the status's own, or `did not finish` when
/// the run ended before the step did.
pub fn status_label(status: Option<NodeStatus>) -> &'static str {
    status.map_or("did not finish", NodeStatus::label)
}

/// A planned node with no bar: it neither waited nor worked in this run (skipped before it
/// became ready, reused, or a record from before step times were kept).
#[derive(Clone, Debug, PartialEq)]
pub struct NotRun {
    /// The node.
    pub node: NodeId,
    /// How it stands.
    pub status: Option<NodeStatus>,
    /// Why it was skipped, if it was.
    pub note: Option<String>,
}

/// A run's timeline.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timeline {
    /// The steps that waited or worked, in plan order.
    pub bars: Vec<Bar>,
    /// Each lane's bars (indices into `bars`), in time order.
    pub lanes: Vec<Vec<usize>>,
    /// The run's length in milliseconds (`None` while it goes on).
    pub end_ms: Option<f64>,
    /// The planned nodes that have no bar, in plan order.
    pub not_run: Vec<NotRun>,
}

impl Timeline {
    /// The timeline of steps whose times are known. A step's segments end at its own end,
    /// else at the run's end (`end_ms`: a step stopped with the run), else they go on (a
    /// live run). A step that was never ready has no bar.
    pub fn build(steps: Vec<StepTimes>, end_ms: Option<f64>) -> Self {
        let mut bars = Vec::new();
        let mut not_run = Vec::new();
        for step in steps {
            let segments = segments(&step, end_ms);
            if segments.is_empty() {
                not_run.push(NotRun {
                    node: step.node,
                    status: step.status,
                    note: step.note,
                });
                continue;
            }
            bars.push(Bar {
                node: step.node,
                order: step.order,
                lane: 0,
                ready_ms: step.ready_ms,
                status: step.status,
                segments,
                output_bytes: step.output_bytes,
                note: step.note,
            });
        }
        let intervals: Vec<(f64, Option<f64>)> = bars
            .iter()
            .map(|b| (b.lane_start_ms(), b.end_ms()))
            .collect();
        let lane_of = assign_lanes(&intervals);
        let count = lane_of.iter().max().map_or(0, |n| n + 1);
        let mut lanes = vec![Vec::new(); count];
        for (index, (bar, lane)) in bars.iter_mut().zip(lane_of).enumerate() {
            bar.lane = lane;
            lanes[lane].push(index);
        }
        for lane in &mut lanes {
            lane.sort_by(|a, b| {
                bars[*a]
                    .lane_start_ms()
                    .total_cmp(&bars[*b].lane_start_ms())
            });
        }
        Self {
            bars,
            lanes,
            end_ms,
            not_run,
        }
    }

    /// The timeline of a recorded run. Its steps ended `elapsed_ms` after they started; a
    /// step with no end (stopped with the run) ends with the run. A record written before
    /// step times were kept has no bars: every step is in `not_run`.
    pub fn of_record(record: &RunRecord) -> Self {
        let steps = record
            .nodes
            .iter()
            .enumerate()
            .map(|(index, node)| StepTimes {
                node: node.node.clone(),
                order: index + 1,
                status: node.status,
                ready_ms: node.ready_ms,
                started_ms: node.started_ms,
                ended_ms: node.started_ms.zip(node.elapsed_ms).map(|(s, e)| s + e),
                output_bytes: node.output_bytes.clone(),
                note: node.note.clone(),
            })
            .collect();
        let end_ms = record
            .finished_at_ms
            .map(|end| end.saturating_sub(record.started_at_ms) as f64);
        Self::build(steps, end_ms)
    }

    /// The latest moment the timeline knows of, in milliseconds from the run's start: the
    /// run's end, else the latest end or start of a segment.
    pub fn known_end_ms(&self) -> f64 {
        let latest = (self.bars.iter().flat_map(|b| &b.segments))
            .map(|s| s.end_ms.unwrap_or(s.start_ms))
            .fold(0.0, f64::max);
        self.end_ms.map_or(latest, |end| end.max(latest))
    }

    /// Whether a bar goes on (a live run's running or waiting step).
    pub fn is_open(&self) -> bool {
        self.bars.iter().any(|b| b.end_ms().is_none())
    }
}

/// A step's segments: its wait (when long enough to be one), then its work.
fn segments(step: &StepTimes, run_end_ms: Option<f64>) -> Vec<Segment> {
    let end_ms = step.ended_ms.or(run_end_ms);
    let mut segments = Vec::new();
    match (step.ready_ms, step.started_ms) {
        (ready, Some(started)) => {
            if let Some(ready) = ready.filter(|ready| started - ready >= MIN_WAIT_MS) {
                segments.push(Segment {
                    kind: SegmentKind::Wait,
                    start_ms: ready,
                    end_ms: Some(started),
                });
            }
            segments.push(Segment {
                kind: SegmentKind::Work,
                start_ms: started,
                end_ms: end_ms.map(|end| end.max(started)),
            });
        }
        // Ready but never started: stopped or skipped while it waited.
        (Some(ready), None) => segments.push(Segment {
            kind: SegmentKind::Wait,
            start_ms: ready,
            end_ms: end_ms.map(|end| end.max(ready)),
        }),
        (None, None) => {}
    }
    segments
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NodeRecord;

    fn record() -> RunRecord {
        let node = |id: &str, status, ready, started, elapsed| NodeRecord {
            status: Some(status),
            ready_ms: ready,
            started_ms: started,
            elapsed_ms: elapsed,
            ..NodeRecord::new(NodeId::from(id))
        };
        RunRecord {
            id: "r".to_owned(),
            pid: 1,
            started_at_ms: 1_000,
            finished_at_ms: Some(1_400),
            scope: crate::plan::Scope::Flow,
            mode: crate::plan::RunMode::All,
            inputs: Default::default(),
            seeds: Default::default(),
            status: crate::store::RunState::Failed,
            nodes: vec![
                node(
                    "a",
                    NodeStatus::Succeeded,
                    Some(5.0),
                    Some(5.0),
                    Some(100.0),
                ),
                node(
                    "b",
                    NodeStatus::Succeeded,
                    Some(5.0),
                    Some(5.02),
                    Some(150.0),
                ),
                // Waited for a slot until `a` ended.
                node("c", NodeStatus::Failed, Some(5.0), Some(105.0), Some(50.0)),
                // Stopped while it ran: it ends with the run.
                node("d", NodeStatus::Cancelled, Some(155.0), Some(200.0), None),
                node("e", NodeStatus::Skipped, None, None, None),
            ],
            summary: None,
            continues: None,
            restricted: false,
            checkpoints: Default::default(),
            decisions: Vec::new(),
            waiting: None,
            started_by: String::new(),
        }
    }

    #[test]
    fn a_record_becomes_bars_in_lanes_with_waits_as_segments() {
        let timeline = Timeline::of_record(&record());
        let bars: Vec<(&str, usize, usize)> = (timeline.bars.iter())
            .map(|b| (b.node.as_str(), b.lane, b.segments.len()))
            .collect();
        // `b`'s wait of 0.3 ms is dispatch time, not a wait (no segment), but `b` holds
        // its lane since it was ready, with `a` and `c`: each in a lane of its own, in plan
        // order. `d` begins as `c` ends, when lanes 0 and 2 are free: it takes the lowest.
        assert_eq!(bars, [("a", 0, 1), ("b", 1, 1), ("c", 2, 2), ("d", 0, 2)]);
        let c = &timeline.bars[2];
        assert_eq!(c.segments[0].kind, SegmentKind::Wait);
        assert_eq!((c.waited_ms(0.0), c.worked_ms(0.0)), (100.0, 50.0));
        let d = &timeline.bars[3];
        assert_eq!(d.end_ms(), Some(400.0), "a stopped step ends with the run");
        assert_eq!(timeline.lanes, [vec![0, 3], vec![1], vec![2]]);
        assert_eq!(timeline.not_run.len(), 1);
        assert_eq!(timeline.not_run[0].node.as_str(), "e");
        assert_eq!(timeline.known_end_ms(), 400.0);
        assert!(!timeline.is_open());
    }

    #[test]
    fn a_live_step_goes_on_and_holds_its_lane() {
        let step = |id: &str, started: f64, ended: Option<f64>| StepTimes {
            node: NodeId::from(id),
            order: 1,
            status: Some(if ended.is_some() {
                NodeStatus::Succeeded
            } else {
                NodeStatus::Running
            }),
            ready_ms: Some(started),
            started_ms: Some(started),
            ended_ms: ended,
            output_bytes: BTreeMap::new(),
            note: None,
        };
        let timeline = Timeline::build(
            vec![
                step("a", 0.0, None),
                step("b", 1.0, Some(2.0)),
                step("c", 3.0, None),
            ],
            None,
        );
        let lanes: Vec<usize> = timeline.bars.iter().map(|b| b.lane).collect();
        assert_eq!(lanes, [0, 1, 1]);
        assert!(timeline.is_open());
        assert_eq!(timeline.bars[0].segments[0].end_or(7.5), 7.5);
        assert_eq!(timeline.known_end_ms(), 3.0);
    }

    #[test]
    fn an_old_record_without_times_has_no_bars() {
        let mut old = record();
        for node in &mut old.nodes {
            node.ready_ms = None;
            node.started_ms = None;
        }
        let timeline = Timeline::of_record(&old);
        assert!(timeline.bars.is_empty());
        assert_eq!(timeline.not_run.len(), 5);
    }
}
