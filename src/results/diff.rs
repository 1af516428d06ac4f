//! Compare's diff: two texts laid out side by side, rows pairing a line of the left text
//! with a line of the right one, unchanged lines aligned, and within a changed line the
//! characters that differ. The line and character diffs are `similar`'s (Myers), bounded in
//! time so a huge pair of results cannot stall the window.

use std::ops::Range;
use std::time::{Duration, Instant};

use similar::{capture_diff_slices_deadline, Algorithm, DiffOp};

/// How the two sides of a row differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    /// The same line on both sides.
    Same,
    /// A line on each side, different.
    Changed,
    /// A line only on the left.
    Removed,
    /// A line only on the right.
    Added,
}

/// One line of one side of a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowLine {
    /// Its number, from 1.
    pub number: usize,
    /// Where it lies in its text (bytes, without the line break).
    pub span: Range<usize>,
    /// In a changed row: the parts of the line (bytes, from the line's start) that differ
    /// from the other side.
    pub marks: Vec<Range<usize>>,
}

/// One row of a side-by-side diff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffRow {
    /// How the sides differ.
    pub kind: RowKind,
    /// The left line, if the row has one.
    pub left: Option<RowLine>,
    /// The right line, if the row has one.
    pub right: Option<RowLine>,
}

/// Two texts compared: worked out once, drawn every frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    left: String,
    right: String,
    /// The rows, top to bottom.
    pub rows: Vec<DiffRow>,
}

/// How long the line diff may take before the rest is shown as changed wholesale.
const LINE_DIFF_TIME: Duration = Duration::from_millis(300);

/// How long marking the characters that differ may take, for all the changed rows.
const CHAR_DIFF_TIME: Duration = Duration::from_millis(200);

/// Changed lines longer than this are marked as a whole rather than character by character.
const MAX_MARKED_LINE: usize = 4_000;

impl Comparison {
    /// Compares `left` with `right`.
    pub fn new(left: String, right: String) -> Self {
        let rows = side_by_side(&left, &right);
        Self { left, right, rows }
    }

    /// The text of a row's left line.
    pub fn left_text(&self, line: &RowLine) -> &str {
        self.left.get(line.span.clone()).unwrap_or("")
    }

    /// The text of a row's right line.
    pub fn right_text(&self, line: &RowLine) -> &str {
        self.right.get(line.span.clone()).unwrap_or("")
    }

    /// How many rows differ.
    pub fn changed_rows(&self) -> usize {
        self.rows.iter().filter(|r| r.kind != RowKind::Same).count()
    }
}

/// Where each line of `text` lies, as `str::lines` splits it (a `\r\n` ending included).
fn line_spans(text: &str) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut start = 0;
    for line in text.lines() {
        spans.push(start..start + line.len());
        start += line.len();
        if text[start..].starts_with("\r\n") {
            start += 2;
        } else if text[start..].starts_with('\n') {
            start += 1;
        }
    }
    spans
}

/// The rows that show `left` and `right` side by side, unchanged lines aligned.
pub fn side_by_side(left: &str, right: &str) -> Vec<DiffRow> {
    let (a_spans, b_spans) = (line_spans(left), line_spans(right));
    let a: Vec<&str> = a_spans.iter().map(|s| &left[s.clone()]).collect();
    let b: Vec<&str> = b_spans.iter().map(|s| &right[s.clone()]).collect();
    let ops = capture_diff_slices_deadline(
        Algorithm::Myers,
        &a,
        &b,
        Some(Instant::now() + LINE_DIFF_TIME),
    );
    let line = |spans: &[Range<usize>], i: usize| RowLine {
        number: i + 1,
        span: spans[i].clone(),
        marks: Vec::new(),
    };
    let mut rows = Vec::with_capacity(a.len().max(b.len()));
    let mark_deadline = Instant::now() + CHAR_DIFF_TIME;
    for op in ops {
        match op {
            DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => rows.extend((0..len).map(|k| DiffRow {
                kind: RowKind::Same,
                left: Some(line(&a_spans, old_index + k)),
                right: Some(line(&b_spans, new_index + k)),
            })),
            DiffOp::Delete {
                old_index, old_len, ..
            } => rows.extend((old_index..old_index + old_len).map(|i| DiffRow {
                kind: RowKind::Removed,
                left: Some(line(&a_spans, i)),
                right: None,
            })),
            DiffOp::Insert {
                new_index, new_len, ..
            } => rows.extend((new_index..new_index + new_len).map(|j| DiffRow {
                kind: RowKind::Added,
                left: None,
                right: Some(line(&b_spans, j)),
            })),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                // Paired while both sides have lines, then the rest on its own side.
                for k in 0..old_len.max(new_len) {
                    let mut left = (k < old_len).then(|| line(&a_spans, old_index + k));
                    let mut right = (k < new_len).then(|| line(&b_spans, new_index + k));
                    let kind = match (&mut left, &mut right) {
                        (Some(l), Some(r)) => {
                            let (lm, rm) =
                                mark_changes(a[l.number - 1], b[r.number - 1], mark_deadline);
                            l.marks = lm;
                            r.marks = rm;
                            RowKind::Changed
                        }
                        (Some(_), None) => RowKind::Removed,
                        _ => RowKind::Added,
                    };
                    rows.push(DiffRow { kind, left, right });
                }
            }
        }
    }
    rows
}

/// The parts of two lines that differ (byte ranges within each line), found by a
/// character diff; the whole of each line when they are long or time is up.
fn mark_changes(a: &str, b: &str, deadline: Instant) -> (Vec<Range<usize>>, Vec<Range<usize>>) {
    let whole = || {
        (
            std::iter::once(0..a.len()).collect(),
            std::iter::once(0..b.len()).collect(),
        )
    };
    if a.len() > MAX_MARKED_LINE || b.len() > MAX_MARKED_LINE || Instant::now() >= deadline {
        return whole();
    }
    let (a_chars, a_at) = chars_of(a);
    let (b_chars, b_at) = chars_of(b);
    let ops = capture_diff_slices_deadline(Algorithm::Myers, &a_chars, &b_chars, Some(deadline));
    let (mut left, mut right) = (Vec::new(), Vec::new());
    for op in ops {
        let (old, new) = (op.old_range(), op.new_range());
        if matches!(op, DiffOp::Equal { .. }) {
            continue;
        }
        push_range(&mut left, a_at[old.start]..a_at[old.end]);
        push_range(&mut right, b_at[new.start]..b_at[new.end]);
    }
    (left, right)
}

/// A line's characters, and the byte offset of each (plus the end).
fn chars_of(line: &str) -> (Vec<char>, Vec<usize>) {
    let chars = line.chars().collect();
    let mut at: Vec<usize> = line.char_indices().map(|(i, _)| i).collect();
    at.push(line.len());
    (chars, at)
}

/// Adds a range, merging it into the last when they touch; empty ranges are dropped.
fn push_range(ranges: &mut Vec<Range<usize>>, range: Range<usize>) {
    if range.is_empty() {
        return;
    }
    match ranges.last_mut() {
        Some(last) if last.end == range.start => last.end = range.end,
        _ => ranges.push(range),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A row's side as (line number, text).
    fn side<'a>(text: &'a str, line: &Option<RowLine>) -> Option<(usize, &'a str)> {
        line.as_ref().map(|l| (l.number, &text[l.span.clone()]))
    }

    fn sides(left: &str, right: &str, rows: &[DiffRow]) -> (Vec<String>, Vec<String>) {
        let l = rows
            .iter()
            .filter_map(|r| side(left, &r.left).map(|(_, t)| t.to_owned()))
            .collect();
        let r = rows
            .iter()
            .filter_map(|r| side(right, &r.right).map(|(_, t)| t.to_owned()))
            .collect();
        (l, r)
    }

    #[test]
    fn a_changed_line_pairs_with_its_replacement() {
        let (left, right) = ("a\nb\nc", "a\nB\nc\nd");
        let rows = side_by_side(left, right);
        let kinds: Vec<RowKind> = rows.iter().map(|r| r.kind).collect();
        assert_eq!(
            kinds,
            [
                RowKind::Same,
                RowKind::Changed,
                RowKind::Same,
                RowKind::Added
            ]
        );
        assert_eq!(side(left, &rows[1].left), Some((2, "b")));
        assert_eq!(side(right, &rows[1].right), Some((2, "B")));
        assert_eq!(rows[3].left, None);
        assert_eq!(side(right, &rows[3].right), Some((4, "d")));
    }

    #[test]
    fn unchanged_lines_in_the_middle_stay_aligned() {
        let (left, right) = ("x\nkeep\ny", "keep\nz");
        let rows = side_by_side(left, right);
        let same: Vec<_> = rows.iter().filter(|r| r.kind == RowKind::Same).collect();
        assert_eq!(same.len(), 1);
        assert_eq!(side(left, &same[0].left), Some((2, "keep")));
        assert_eq!(side(right, &same[0].right), Some((1, "keep")));
    }

    #[test]
    fn identical_texts_are_all_same() {
        let rows = side_by_side("one\ntwo", "one\ntwo");
        assert!(rows.iter().all(|r| r.kind == RowKind::Same));
        assert_eq!(side_by_side("", "").len(), 0);
    }

    #[test]
    fn within_a_changed_line_only_the_differing_characters_are_marked() {
        let compared = Comparison::new("total: 120 ms\n".into(), "total: 135 ms\n".into());
        let row = &compared.rows[0];
        assert_eq!(row.kind, RowKind::Changed);
        let left = row.left.as_ref().unwrap();
        let right = row.right.as_ref().unwrap();
        let marked = |text: &str, line: &RowLine| -> Vec<String> {
            line.marks
                .iter()
                .map(|m| text[m.clone()].to_owned())
                .collect()
        };
        assert_eq!(marked(compared.left_text(left), left), ["20"]);
        assert_eq!(marked(compared.right_text(right), right), ["35"]);
        assert_eq!(compared.changed_rows(), 1);
    }

    #[test]
    fn marks_fall_on_character_boundaries() {
        let compared = Comparison::new("naïve café".into(), "naive cafe".into());
        let left = compared.rows[0].left.as_ref().unwrap();
        let text = compared.left_text(left);
        for mark in &left.marks {
            assert!(
                text.get(mark.clone()).is_some(),
                "{mark:?} splits a character"
            );
        }
        assert_eq!(left.marks.len(), 2);
    }

    #[test]
    fn windows_line_endings_are_not_part_of_a_line() {
        let compared = Comparison::new("a\r\nb\r\n".into(), "a\nb\n".into());
        assert_eq!(compared.changed_rows(), 0);
    }

    proptest! {
        #[test]
        fn the_rows_hold_both_texts_in_order(
            a in prop::collection::vec("[abc]{0,2}", 0..12),
            b in prop::collection::vec("[abc]{0,2}", 0..12),
        ) {
            let (left, right) = (a.join("\n"), b.join("\n"));
            let rows = side_by_side(&left, &right);
            let (got_left, got_right) = sides(&left, &right, &rows);
            let want_left: Vec<String> = left.lines().map(str::to_owned).collect();
            let want_right: Vec<String> = right.lines().map(str::to_owned).collect();
            prop_assert_eq!(got_left, want_left);
            prop_assert_eq!(got_right, want_right);
            for row in &rows {
                if row.kind == RowKind::Same {
                    prop_assert_eq!(
                        side(&left, &row.left).map(|l| l.1),
                        side(&right, &row.right).map(|r| r.1)
                    );
                }
            }
            // Line numbers count up on each side.
            let numbers: Vec<usize> =
                rows.iter().filter_map(|r| r.left.as_ref().map(|l| l.number)).collect();
            prop_assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1));
        }

        #[test]
        fn as_many_lines_are_kept_as_a_longest_common_subsequence(
            a in prop::collection::vec("[ab]", 0..9),
            b in prop::collection::vec("[ab]", 0..9),
        ) {
            let (left, right) = (a.join("\n"), b.join("\n"));
            let rows = side_by_side(&left, &right);
            let kept = rows.iter().filter(|r| r.kind == RowKind::Same).count();
            prop_assert_eq!(kept, naive_lcs(&a, &b));
        }
    }

    fn naive_lcs(a: &[String], b: &[String]) -> usize {
        if a.is_empty() || b.is_empty() {
            return 0;
        }
        if a[0] == b[0] {
            1 + naive_lcs(&a[1..], &b[1..])
        } else {
            naive_lcs(&a[1..], b).max(naive_lcs(a, &b[1..]))
        }
    }
}
