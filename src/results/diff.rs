//! A line diff laid out side by side: rows pair a line of the left text with a line of the
//! right one, so Compare can show two results next to each other with changes marked.

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

/// One row of a side-by-side diff: line numbers count from 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffRow<'a> {
    /// How the sides differ.
    pub kind: RowKind,
    /// The left line and its number, if the row has one.
    pub left: Option<(usize, &'a str)>,
    /// The right line and its number, if the row has one.
    pub right: Option<(usize, &'a str)>,
}

/// Above this many cells (left lines × right lines of the part that differs) the middle is
/// shown as changed wholesale instead of finding the longest common subsequence.
const MAX_TABLE_CELLS: usize = 4_000_000;

/// The rows that show `left` and `right` side by side, unchanged lines aligned.
pub fn side_by_side<'a>(left: &'a str, right: &'a str) -> Vec<DiffRow<'a>> {
    let a: Vec<&str> = left.lines().collect();
    let b: Vec<&str> = right.lines().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (mid_a, mid_b) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);

    let mut rows = Vec::with_capacity(a.len().max(b.len()));
    for (i, line) in a[..prefix].iter().enumerate() {
        rows.push(same(i, i, line));
    }
    let ops = if mid_a.len().saturating_mul(mid_b.len()) <= MAX_TABLE_CELLS {
        lcs_ops(mid_a, mid_b)
    } else {
        let mut ops = vec![Op::Remove; mid_a.len()];
        ops.extend(std::iter::repeat_n(Op::Add, mid_b.len()));
        ops
    };
    let (mut i, mut j) = (prefix, prefix);
    let mut removed: Vec<usize> = Vec::new();
    let mut added: Vec<usize> = Vec::new();
    for op in ops {
        match op {
            Op::Keep => {
                pair_up(&mut rows, &a, &b, &mut removed, &mut added);
                rows.push(same(i, j, a[i]));
                i += 1;
                j += 1;
            }
            Op::Remove => {
                removed.push(i);
                i += 1;
            }
            Op::Add => {
                added.push(j);
                j += 1;
            }
        }
    }
    pair_up(&mut rows, &a, &b, &mut removed, &mut added);
    for k in 0..suffix {
        rows.push(same(i + k, j + k, a[i + k]));
    }
    rows
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Keep,
    Remove,
    Add,
}

fn same(i: usize, j: usize, line: &str) -> DiffRow<'_> {
    DiffRow {
        kind: RowKind::Same,
        left: Some((i + 1, line)),
        right: Some((j + 1, line)),
    }
}

/// Turns a run of removed and added lines into rows: paired while both sides have lines,
/// then the rest on its own side.
fn pair_up<'a>(
    rows: &mut Vec<DiffRow<'a>>,
    a: &[&'a str],
    b: &[&'a str],
    removed: &mut Vec<usize>,
    added: &mut Vec<usize>,
) {
    let n = removed.len().max(added.len());
    for k in 0..n {
        let left = removed.get(k).map(|&i| (i + 1, a[i]));
        let right = added.get(k).map(|&j| (j + 1, b[j]));
        let kind = match (left, right) {
            (Some(_), Some(_)) => RowKind::Changed,
            (Some(_), None) => RowKind::Removed,
            _ => RowKind::Added,
        };
        rows.push(DiffRow { kind, left, right });
    }
    removed.clear();
    added.clear();
}

/// Edit operations turning `a` into `b` through a longest common subsequence.
fn lcs_ops(a: &[&str], b: &[&str]) -> Vec<Op> {
    let (n, m) = (a.len(), b.len());
    // table[i][j]: length of the LCS of a[i..] and b[j..].
    let width = m + 1;
    let mut table = vec![0u32; (n + 1) * width];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            table[i * width + j] = if a[i] == b[j] {
                table[(i + 1) * width + j + 1] + 1
            } else {
                table[(i + 1) * width + j].max(table[i * width + j + 1])
            };
        }
    }
    let mut ops = Vec::with_capacity(n + m);
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if a[i] == b[j] {
            ops.push(Op::Keep);
            i += 1;
            j += 1;
        } else if table[(i + 1) * width + j] >= table[i * width + j + 1] {
            ops.push(Op::Remove);
            i += 1;
        } else {
            ops.push(Op::Add);
            j += 1;
        }
    }
    ops.extend(std::iter::repeat_n(Op::Remove, n - i));
    ops.extend(std::iter::repeat_n(Op::Add, m - j));
    ops
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sides(rows: &[DiffRow<'_>]) -> (Vec<String>, Vec<String>) {
        let left = rows
            .iter()
            .filter_map(|r| r.left.map(|(_, l)| l.to_owned()))
            .collect();
        let right = rows
            .iter()
            .filter_map(|r| r.right.map(|(_, l)| l.to_owned()))
            .collect();
        (left, right)
    }

    #[test]
    fn a_changed_line_pairs_with_its_replacement() {
        let rows = side_by_side("a\nb\nc", "a\nB\nc\nd");
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
        assert_eq!(rows[1].left, Some((2, "b")));
        assert_eq!(rows[1].right, Some((2, "B")));
        assert_eq!(rows[3].left, None);
        assert_eq!(rows[3].right, Some((4, "d")));
    }

    #[test]
    fn unchanged_lines_in_the_middle_stay_aligned() {
        let rows = side_by_side("x\nkeep\ny", "keep\nz");
        let same: Vec<_> = rows.iter().filter(|r| r.kind == RowKind::Same).collect();
        assert_eq!(same.len(), 1);
        assert_eq!(same[0].left, Some((2, "keep")));
        assert_eq!(same[0].right, Some((1, "keep")));
    }

    #[test]
    fn identical_texts_are_all_same() {
        let rows = side_by_side("one\ntwo", "one\ntwo");
        assert!(rows.iter().all(|r| r.kind == RowKind::Same));
        assert_eq!(side_by_side("", "").len(), 0);
    }

    proptest! {
        #[test]
        fn the_rows_hold_both_texts_in_order(
            a in prop::collection::vec("[abc]{0,2}", 0..12),
            b in prop::collection::vec("[abc]{0,2}", 0..12),
        ) {
            let (left, right) = (a.join("\n"), b.join("\n"));
            let rows = side_by_side(&left, &right);
            let (got_left, got_right) = sides(&rows);
            let want_left: Vec<String> = left.lines().map(str::to_owned).collect();
            let want_right: Vec<String> = right.lines().map(str::to_owned).collect();
            prop_assert_eq!(got_left, want_left);
            prop_assert_eq!(got_right, want_right);
            for row in &rows {
                if row.kind == RowKind::Same {
                    prop_assert_eq!(row.left.map(|l| l.1), row.right.map(|r| r.1));
                }
            }
            // Line numbers count up on each side.
            let numbers: Vec<usize> = rows.iter().filter_map(|r| r.left.map(|l| l.0)).collect();
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
