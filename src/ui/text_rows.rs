//! Long text on screen without laying all of it out: a value's text split into rows of at
//! most a given count of characters (prepared on a named helper thread when the value is
//! big), drawn a screenful at a time with `ScrollArea::show_rows`. The node data panel and
//! viewer nodes show whole values this way.

use std::ops::Range;
use std::sync::Arc;

use crossbeam_channel::Receiver;
use eframe::egui::{self, RichText};

use crate::model::Value;
use crate::session::node_data::ValueRef;

/// A text split into display rows: each line of the text, wrapped at `columns` characters
/// (at a space when one is near the end of the row).
#[derive(Debug)]
pub struct TextRows {
    /// The whole text.
    pub text: Arc<str>,
    /// Each row's byte range in `text`.
    rows: Vec<Range<usize>>,
    /// The row length it was wrapped at, in characters.
    pub columns: usize,
}

impl TextRows {
    /// Splits `text` into rows of at most `columns` characters (at least 1).
    pub fn wrap(text: Arc<str>, columns: usize) -> Self {
        let columns = columns.max(1);
        let mut rows = Vec::new();
        let mut start = 0;
        for raw in text.split('\n') {
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            wrap_line(line, start, columns, &mut rows);
            start += raw.len() + 1;
        }
        Self {
            text,
            rows,
            columns,
        }
    }

    /// How many rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no rows (never: an empty text is one empty row).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Row `index`'s text.
    pub fn row(&self, index: usize) -> &str {
        self.rows
            .get(index)
            .and_then(|range| self.text.get(range.clone()))
            .unwrap_or_default()
    }
}

/// Appends the rows of one line (starting at byte `offset` of the whole text).
fn wrap_line(line: &str, offset: usize, columns: usize, rows: &mut Vec<Range<usize>>) {
    let mut row_start = 0;
    let mut count = 0;
    let mut last_space: Option<usize> = None;
    for (at, ch) in line.char_indices() {
        if count == columns {
            // Break after a space in the row's second half, else at the row's end.
            let cut = match last_space {
                Some(space) if space > row_start => space,
                _ => at,
            };
            rows.push(offset + row_start..offset + cut);
            count = line[cut..at].chars().count();
            row_start = cut;
            last_space = None;
        }
        count += 1;
        if ch == ' ' && count > columns / 2 {
            last_space = Some(at + 1);
        }
    }
    rows.push(offset + row_start..offset + line.len());
}

/// Whether a value's text is quick to make and wrap on the UI thread.
fn is_small(value: &Value) -> bool {
    const SMALL_BYTES: usize = 64 * 1024;
    match value {
        Value::Text(text) => text.len() < SMALL_BYTES,
        Value::Path(path) => path.as_os_str().len() < SMALL_BYTES,
        Value::Bytes(bytes) => bytes.len() < SMALL_BYTES,
        Value::Number(_) | Value::Bool(_) | Value::Image(_) => true,
        Value::Json(json) => json_nodes_within(json, &mut 2_000),
        Value::List(items) => items.len() < 50 && items.iter().all(is_small),
        Value::Batch(items) => {
            items.len() < 50 && items.iter().all(|item| item.value().is_none_or(is_small))
        }
    }
}

/// Whether `json` has at most `budget` nodes and short strings (counts the budget down).
fn json_nodes_within(json: &serde_json::Value, budget: &mut usize) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    match json {
        serde_json::Value::Array(items) => items.iter().all(|v| json_nodes_within(v, budget)),
        serde_json::Value::Object(map) => map.values().all(|v| json_nodes_within(v, budget)),
        serde_json::Value::String(text) => text.len() < 4096,
        _ => true,
    }
}

/// How many wrapped texts are kept.
const KEEP: usize = 24;

/// Wrapped texts of the values on show, by value and row length; big ones are prepared on
/// a helper thread.
#[derive(Default)]
pub struct TextRowsCache {
    entries: Vec<Entry>,
    clock: u64,
}

struct Entry {
    value: ValueRef,
    columns: usize,
    state: EntryState,
    used: u64,
}

enum EntryState {
    Ready(Arc<TextRows>),
    Pending(Receiver<TextRows>),
    /// The helper ended without an answer (it could not start, or panicked).
    Failed,
}

impl TextRowsCache {
    /// The rows of `value` wrapped at `columns`. Small values are wrapped at once; big
    /// ones on a helper thread (the window is woken when they are ready): until then this
    /// gives the same value wrapped at another width if there is one, else `None`.
    pub fn rows(
        &mut self,
        ctx: &egui::Context,
        value: &ValueRef,
        columns: usize,
    ) -> Option<Arc<TextRows>> {
        self.clock += 1;
        let clock = self.clock;
        let mut pending = false;
        let mut fallback = None;
        for entry in self.entries.iter_mut().filter(|e| e.value.same(value)) {
            if let EntryState::Pending(rx) = &entry.state {
                match rx.try_recv() {
                    Ok(rows) => entry.state = EntryState::Ready(Arc::new(rows)),
                    Err(crossbeam_channel::TryRecvError::Empty) => pending = true,
                    Err(crossbeam_channel::TryRecvError::Disconnected) => {
                        entry.state = EntryState::Failed;
                    }
                }
            }
            if let EntryState::Ready(rows) = &entry.state {
                entry.used = clock;
                if entry.columns == columns {
                    return Some(rows.clone());
                }
                fallback = Some(rows.clone());
            }
        }
        // A helper that sent nothing leaves a dead entry: drop it, to try again.
        self.entries
            .retain(|e| !matches!(e.state, EntryState::Failed));
        let full = value.value()?;
        if is_small(full) {
            let rows = Arc::new(TextRows::wrap(full.to_text().into(), columns));
            self.insert(value, columns, EntryState::Ready(rows.clone()));
            return Some(rows);
        }
        if !pending {
            if let Some(rx) = prepare(ctx, value.clone(), columns) {
                self.insert(value, columns, EntryState::Pending(rx));
            }
        }
        fallback
    }

    /// The whole text of `value`, if it was made already (at any width).
    pub fn text_of(&self, value: &ValueRef) -> Option<Arc<str>> {
        self.entries.iter().find_map(|e| match &e.state {
            EntryState::Ready(rows) if e.value.same(value) => Some(rows.text.clone()),
            _ => None,
        })
    }

    /// Whether the text of `value` is being prepared.
    pub fn is_preparing(&self, value: &ValueRef) -> bool {
        self.entries
            .iter()
            .any(|e| e.value.same(value) && matches!(e.state, EntryState::Pending(_)))
    }

    fn insert(&mut self, value: &ValueRef, columns: usize, state: EntryState) {
        if self.entries.len() >= KEEP {
            let oldest = (self.entries.iter().enumerate())
                .filter(|(_, e)| matches!(e.state, EntryState::Ready(_)))
                .min_by_key(|(_, e)| e.used)
                .map(|(at, _)| at);
            if let Some(at) = oldest {
                self.entries.swap_remove(at);
            }
        }
        self.entries.push(Entry {
            value: value.clone(),
            columns,
            state,
            used: self.clock,
        });
    }
}

/// Makes and wraps a value's text on a helper thread; wakes `ctx` when done.
fn prepare(ctx: &egui::Context, value: ValueRef, columns: usize) -> Option<Receiver<TextRows>> {
    let (tx, rx) = crossbeam_channel::bounded(1);
    let ctx = ctx.clone();
    std::thread::Builder::new()
        .name("flowcanvas-text-rows".to_owned())
        .spawn(move || {
            let text = value.value().map(Value::to_text).unwrap_or_default();
            let _ = tx.send(TextRows::wrap(text.into(), columns));
            ctx.request_repaint();
        })
        .ok()?;
    Some(rx)
}

/// How many monospace characters fit in `width` points.
pub fn columns_for(ui: &egui::Ui, width: f32) -> usize {
    let font = egui::TextStyle::Monospace.resolve(ui.style());
    let glyph = ui.fonts(|f| f.glyph_width(&font, '0')).max(1.0);
    // Whole tens of columns, so a small change of width does not wrap it again.
    let columns = ((width / glyph).floor() as usize / 10 * 10).max(10);
    columns.min(400)
}

/// Draws `rows` in a scroll area at most `max_height` high, laying out only the rows in
/// view.
pub fn show(ui: &mut egui::Ui, id_salt: impl std::hash::Hash, rows: &TextRows, max_height: f32) {
    ui.scope(|ui| {
        ui.spacing_mut().item_spacing.y = 0.0;
        let row_height = ui.text_style_height(&egui::TextStyle::Monospace);
        egui::ScrollArea::both()
            .id_salt(id_salt)
            .max_height(max_height)
            .auto_shrink([false, true])
            .show_rows(ui, row_height, rows.len(), |ui, range| {
                for index in range {
                    let label =
                        egui::Label::new(RichText::new(rows.row(index)).monospace()).extend();
                    ui.add(label);
                }
            });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str, columns: usize) -> Vec<String> {
        let wrapped = TextRows::wrap(text.into(), columns);
        (0..wrapped.len())
            .map(|i| wrapped.row(i).to_owned())
            .collect()
    }

    #[test]
    fn lines_wrap_at_the_column_preferring_a_late_space() {
        assert_eq!(rows("", 10), [""]);
        assert_eq!(rows("a\n\nb\r\nc", 10), ["a", "", "b", "c"]);
        assert_eq!(rows("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(rows("hello world again", 8), ["hello ", "world ", "again"]);
        // Multi-byte characters count as one column and are never split.
        assert_eq!(rows("éééé漢字", 3), ["ééé", "é漢字"]);
        let text = "word ".repeat(1000);
        let wrapped = TextRows::wrap(text.as_str().into(), 37);
        let joined: String = (0..wrapped.len()).map(|i| wrapped.row(i)).collect();
        assert_eq!(joined, text, "rows keep every character");
        assert!((0..wrapped.len()).all(|i| wrapped.row(i).chars().count() <= 37));
    }

    #[test]
    fn big_values_are_prepared_off_the_ui_thread() {
        let ctx = egui::Context::default();
        let big = "line\n".repeat(100_000);
        let value = ValueRef {
            outputs: Arc::new(crate::nodes::Outputs::new().with("text", Value::Text(big))),
            port: "text".into(),
        };
        let mut cache = TextRowsCache::default();
        assert!(cache.rows(&ctx, &value, 40).is_none(), "not ready at once");
        assert!(cache.is_preparing(&value));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let rows = loop {
            if let Some(rows) = cache.rows(&ctx, &value, 40) {
                break rows;
            }
            assert!(std::time::Instant::now() < deadline, "never prepared");
            std::thread::sleep(std::time::Duration::from_millis(5));
        };
        assert_eq!(rows.len(), 100_001);
        // Another width: the old rows stand in while the new ones are made.
        let stand_in = cache.rows(&ctx, &value, 60).unwrap();
        assert_eq!(stand_in.columns, 40);
        let small = ValueRef {
            outputs: Arc::new(crate::nodes::Outputs::new().with("n", Value::Number(4.0))),
            port: "n".into(),
        };
        assert_eq!(cache.rows(&ctx, &small, 40).unwrap().row(0), "4");
    }
}
