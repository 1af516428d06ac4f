//! Lanes for a timeline: interval partitioning, so bars that overlap in time get separate
//! lanes and each bar takes the lowest lane free when it begins.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A time in whole nanoseconds, for ordering (an open end is `u64::MAX`). Rounding to the
/// nanosecond also keeps a bar that begins the instant another ends in that bar's lane.
fn nanos(ms: f64) -> u64 {
    (ms * 1e6).round().max(0.0) as u64
}

/// The lane of each interval (`start_ms`, `end_ms`; `None`: still going, so it holds its
/// lane for good), from 0. Intervals are taken in order of their start (ties: in the order
/// given); each goes to the lowest lane whose last interval has ended by then, or to a new
/// lane when none has. An interval that ends when another begins does not overlap it. As
/// few lanes are used as the most intervals going on at one moment.
pub fn assign_lanes(intervals: &[(f64, Option<f64>)]) -> Vec<usize> {
    let mut by_start: Vec<usize> = (0..intervals.len()).collect();
    by_start.sort_by_key(|&i| (nanos(intervals[i].0), i));
    let mut lanes = vec![0; intervals.len()];
    // Lanes in use, by when they come free; lanes free again, lowest first.
    let mut busy: BinaryHeap<Reverse<(u64, usize)>> = BinaryHeap::new();
    let mut free: BinaryHeap<Reverse<usize>> = BinaryHeap::new();
    let mut count = 0;
    for i in by_start {
        let (start_ms, end_ms) = intervals[i];
        let start = nanos(start_ms);
        while let Some(&Reverse((end, lane))) = busy.peek() {
            if end > start {
                break;
            }
            busy.pop();
            free.push(Reverse(lane));
        }
        let lane = match free.pop() {
            Some(Reverse(lane)) => lane,
            None => {
                count += 1;
                count - 1
            }
        };
        lanes[i] = lane;
        let end = end_ms.map_or(u64::MAX, |end| nanos(end).max(start));
        busy.push(Reverse((end, lane)));
    }
    lanes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_intervals_get_separate_lanes_and_the_lowest_free_lane_is_reused() {
        let lanes = assign_lanes(&[
            (0.0, Some(10.0)),  // a: lane 0
            (0.0, Some(5.0)),   // b: overlaps a, lane 1
            (5.0, Some(7.0)),   // c: begins as b ends, so b's lane 1
            (6.0, Some(12.0)),  // d: 0 and 1 busy, a new lane 2
            (11.0, Some(20.0)), // e: lanes 0 (free at 10) and 1 (free at 7): the lowest, 0
            (13.0, Some(14.0)), // f: lanes 1 and 2 free: 1
        ]);
        assert_eq!(lanes, [0, 1, 1, 2, 0, 1]);
    }

    #[test]
    fn a_chain_stays_in_one_lane_and_an_open_interval_keeps_its_lane() {
        assert_eq!(
            assign_lanes(&[(0.0, Some(1.5)), (1.5, Some(3.0)), (3.0, Some(3.2))]),
            [0, 0, 0]
        );
        // `a` is still going: nothing after it may use its lane.
        assert_eq!(
            assign_lanes(&[(0.0, None), (1.0, Some(2.0)), (5.0, Some(6.0))]),
            [0, 1, 1]
        );
    }

    #[test]
    fn the_order_given_breaks_ties_and_the_input_order_is_kept_in_the_answer() {
        // Given out of order of start: the answer is still per input position.
        assert_eq!(
            assign_lanes(&[(4.0, Some(6.0)), (0.0, Some(5.0)), (0.0, Some(1.0))]),
            [1, 0, 1]
        );
    }

    #[test]
    fn no_two_intervals_of_a_lane_overlap() {
        // A deterministic scatter of intervals (a linear congruential sequence).
        let mut seed: u64 = 7;
        let mut next = || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) as f64 / f64::from(1u32 << 31)
        };
        let intervals: Vec<(f64, Option<f64>)> = (0..300)
            .map(|_| {
                let start = next() * 100.0;
                (start, Some(start + next() * 10.0))
            })
            .collect();
        let lanes = assign_lanes(&intervals);
        for (i, a) in intervals.iter().enumerate() {
            for (j, b) in intervals.iter().enumerate().skip(i + 1) {
                if lanes[i] == lanes[j] {
                    let (a_end, b_end) = (a.1.unwrap(), b.1.unwrap());
                    assert!(a_end <= b.0 || b_end <= a.0, "{a:?} and {b:?} share a lane");
                }
            }
        }
        // As many lanes as intervals going on at the busiest moment (some interval's start).
        let busiest = intervals
            .iter()
            .map(|(at, _)| {
                intervals
                    .iter()
                    .filter(|(s, e)| s <= at && e.unwrap() > *at)
                    .count()
            })
            .max()
            .unwrap();
        assert_eq!(lanes.iter().max().unwrap() + 1, busiest);
    }
}
