//! The results journal (`results.log`): every change to the nodes' result histories, one
//! JSON line each, only ever appended. Replaying it from the start gives every node's
//! history and active result.
//!
//! Why a journal: a history file per node had to be read, changed and written back for every
//! result, which loses results when two processes do it at once and costs several file
//! operations (and a wait for the disk) per node. An append needs neither: each process adds
//! its lines under the journal's lock and the order of the lines is the order of the changes.
//!
//! Each line is written as `\n{...}` (the newline first): a process killed in the middle of
//! a write leaves an unfinished line that the next line still starts after, and a strict
//! prefix of a JSON object never parses, so the unfinished line is recognised and skipped.
//! Small outputs travel inside their line (`outputs`, last), so most results cost no file of
//! their own; larger ones are `objects/<sha256>.json` files. Either way the bytes are checked
//! against their SHA-256 when read.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use rustc_hash::FxHashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::lock;
use super::{NodeHistory, ResultEntry, StoreProblem};
use crate::model::NodeId;

/// The journal's file name in the store's folder.
pub(crate) const FILE_NAME: &str = "results.log";

/// Outputs up to this size (as JSON) are kept in their journal line; larger ones get an
/// object file.
pub(crate) const INLINE_MAX_BYTES: usize = 4096;

/// The longest a written result waits before the journal is flushed to the disk (when the
/// next result comes, or at the end of the run, whichever is first).
pub(crate) const SYNC_INTERVAL: Duration = Duration::from_millis(100);

/// What a line does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Op {
    /// A node's new result, made active; a result equal to the active one updates that
    /// entry's run and time instead.
    Add,
    /// A result added to a node's history without becoming active (one item of a batch),
    /// unless the history holds it already.
    Item,
    /// The node failed in `run`: none of its results is active.
    Clear,
    /// Entry `index` of the node's history becomes the active one.
    Active,
    /// Run `run` ended: what it stored (or cleared) becomes active again, so after runs that
    /// overlapped the active results are all those of the run that ended last.
    Finish,
}

/// One line, as written.
#[derive(Serialize)]
pub(crate) struct Line<'a> {
    pub(crate) op: Op,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) node: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) entry: Option<&'a ResultEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) run: Option<&'a str>,
}

impl Line<'_> {
    /// Appends the line to `buf`, with `outputs` (JSON text) as its last field.
    pub(crate) fn encode(&self, buf: &mut Vec<u8>, outputs: Option<&[u8]>) -> io::Result<()> {
        buf.push(b'\n');
        serde_json::to_writer(&mut *buf, self)?;
        if let Some(outputs) = outputs {
            // The line is a JSON object, so it ends with `}`: reopen it for one more field.
            buf.pop();
            buf.extend_from_slice(b",\"outputs\":");
            buf.extend_from_slice(outputs);
            buf.push(b'}');
        }
        Ok(())
    }
}

/// One line, as read (borrowing from the journal's bytes).
#[derive(Deserialize)]
struct LineIn<'a> {
    op: Op,
    #[serde(default, borrow)]
    node: Option<Cow<'a, str>>,
    #[serde(default)]
    entry: Option<ResultEntry>,
    #[serde(default)]
    index: Option<usize>,
    #[serde(default)]
    run: Option<String>,
    #[serde(default, borrow)]
    outputs: Option<&'a RawValue>,
}

/// Where a result's outputs sit inside the journal.
#[derive(Clone, Copy, Debug)]
pub(crate) struct InlineObject {
    /// Byte offset of the outputs' JSON.
    pub(crate) start: usize,
    /// Its length in bytes.
    pub(crate) len: usize,
    /// The line (from 1), for messages.
    pub(crate) line: usize,
}

/// What one run left in the journal (for filling in the record of a run that never ended).
#[derive(Debug, Default)]
pub(crate) struct RunTrace {
    /// Nodes that stored a result in the run.
    pub(crate) stored: HashSet<NodeId>,
    /// Nodes that failed in the run.
    pub(crate) failed: HashSet<NodeId>,
}

/// The journal read from the start.
#[derive(Debug, Default)]
pub(crate) struct Replay {
    /// Every node's history.
    pub(crate) histories: FxHashMap<NodeId, NodeHistory>,
    /// The journal as read.
    pub(crate) bytes: Vec<u8>,
    /// Outputs kept in the journal, by content hash.
    pub(crate) inline: Arc<FxHashMap<String, InlineObject>>,
    /// Damaged lines.
    pub(crate) problems: Vec<StoreProblem>,
    /// What the runs asked about did.
    pub(crate) traces: HashMap<String, RunTrace>,
}

impl Replay {
    /// The bytes of an inline object.
    pub(crate) fn inline_bytes(&self, object: &InlineObject) -> &[u8] {
        self.bytes
            .get(object.start..object.start + object.len)
            .unwrap_or_default()
    }
}

/// Reads the journal at `path` on top of `base` (histories kept the older way, one file per
/// node). `traced` names runs whose doings are wanted in [`Replay::traces`].
pub(crate) fn replay(
    path: &Path,
    base: FxHashMap<NodeId, NodeHistory>,
    traced: &HashSet<&str>,
) -> Replay {
    let mut replay = Replay::default();
    let mut histories: FxHashMap<NodeId, NodeHistory> = base;
    let read = super::no_follow(OpenOptions::new().read(true))
        .open(path)
        .and_then(|mut file| {
            let mut bytes = Vec::new();
            io::Read::read_to_end(&mut file, &mut bytes).map(|_| bytes)
        });
    let bytes = match read {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(err) => {
            replay.problems.push(super::open_problem(path, err));
            Vec::new()
        }
    };
    // What each run stored or cleared, by node, until its `finish` line.
    let mut by_run: FxHashMap<String, Vec<(NodeId, Option<usize>)>> = FxHashMap::default();
    let mut inline = FxHashMap::default();
    let mut offset = 0usize;
    for (number, text) in bytes.split(|b| *b == b'\n').enumerate() {
        let start = offset;
        offset += text.len() + 1;
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let line = match serde_json::from_slice::<LineIn>(text) {
            Ok(line) => line,
            // An unfinished line: the process writing it was killed; nothing was lost that
            // had been reported as stored.
            Err(err) if err.is_eof() => continue,
            Err(err) => {
                replay.problems.push(StoreProblem::new(
                    path,
                    format!("line {}: unreadable ({err}); skipped", number + 1),
                ));
                continue;
            }
        };
        if let (Some(entry), Some(outputs)) = (&line.entry, line.outputs) {
            let at = outputs.get().as_ptr() as usize - text.as_ptr() as usize;
            inline.insert(
                entry.object.clone(),
                InlineObject {
                    start: start + at,
                    len: outputs.get().len(),
                    line: number + 1,
                },
            );
        }
        let complete = apply(&mut histories, &mut replay, &mut by_run, line, traced);
        if !complete {
            replay.problems.push(StoreProblem::new(
                path,
                format!("line {}: incomplete; skipped", number + 1),
            ));
        }
    }
    replay.bytes = bytes;
    replay.inline = Arc::new(inline);
    replay.histories = histories;
    replay
}

/// Applies one line; `false` when it lacks what its operation needs.
fn apply(
    histories: &mut FxHashMap<NodeId, NodeHistory>,
    replay: &mut Replay,
    by_run: &mut FxHashMap<String, Vec<(NodeId, Option<usize>)>>,
    line: LineIn<'_>,
    traced: &HashSet<&str>,
) -> bool {
    match line.op {
        Op::Add => {
            let (Some(node), Some(entry)) = (line.node, line.entry) else {
                return false;
            };
            let (id, history) = history_of(histories, &node);
            let run = entry.run.clone();
            let index = match history.history.get_mut(history.active) {
                Some(active) if active.object == entry.object => {
                    *active = entry;
                    history.active
                }
                _ => {
                    history.history.push(entry);
                    history.history.len() - 1
                }
            };
            history.active = index;
            if traced.contains(run.as_str()) {
                let trace = replay.traces.entry(run.clone()).or_default();
                trace.stored.insert(id.clone());
            }
            by_run.entry(run).or_default().push((id, Some(index)));
        }
        Op::Item => {
            let (Some(node), Some(entry)) = (line.node, line.entry) else {
                return false;
            };
            let (_, history) = history_of(histories, &node);
            if !history.history.iter().any(|e| e.object == entry.object) {
                history.history.push(entry);
            }
        }
        Op::Clear => {
            let Some(node) = line.node else { return false };
            let id = NodeId::from(node.as_ref());
            if let Some(history) = histories.get_mut(&id) {
                history.active = usize::MAX;
            }
            if let Some(run) = line.run {
                if traced.contains(run.as_str()) {
                    let trace = replay.traces.entry(run.clone()).or_default();
                    trace.failed.insert(id.clone());
                }
                by_run.entry(run).or_default().push((id, None));
            }
        }
        Op::Active => {
            let (Some(node), Some(index)) = (line.node, line.index) else {
                return false;
            };
            if let Some(history) = histories.get_mut(node.as_ref()) {
                if index < history.history.len() {
                    history.active = index;
                }
            }
        }
        Op::Finish => {
            let Some(run) = line.run else { return false };
            for (node, index) in by_run.remove(&run).unwrap_or_default() {
                if let Some(history) = histories.get_mut(&node) {
                    history.active = index
                        .filter(|&i| i < history.history.len())
                        .unwrap_or(usize::MAX);
                }
            }
        }
    }
    true
}

/// Writes all of `bytes` at the end of `file` (opened for appending, its lock held); if that
/// fails part-way, cuts what did get written back off, so the next line does not follow a
/// partial one.
fn write_or_take_back(file: &mut File, bytes: &[u8]) -> io::Result<()> {
    let mut done = 0;
    while done < bytes.len() {
        match file.write(&bytes[done..]) {
            Ok(0) => {
                let err = io::Error::new(io::ErrorKind::WriteZero, "nothing was written");
                return Err(take_back(file, done, err));
            }
            Ok(n) => done += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(take_back(file, done, err)),
        }
    }
    Ok(())
}

/// Cuts the last `written` bytes off `file`; returns `err`.
fn take_back(file: &File, written: usize, err: io::Error) -> io::Error {
    if written > 0 {
        if let Ok(meta) = file.metadata() {
            let _ = file.set_len(meta.len().saturating_sub(written as u64));
        }
    }
    err
}

/// A node's history, made empty if it has none yet.
fn history_of<'a>(
    histories: &'a mut FxHashMap<NodeId, NodeHistory>,
    node: &str,
) -> (NodeId, &'a mut NodeHistory) {
    let id = NodeId::from(node);
    let history = histories.entry(id.clone()).or_insert_with(empty_history);
    (id, history)
}

/// A history with no results.
pub(crate) fn empty_history() -> NodeHistory {
    NodeHistory {
        active: usize::MAX,
        history: Vec::new(),
    }
}

/// This process's side of the journal: the open file, what is stored already, and what
/// still waits for the disk.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    file: Option<File>,
    /// When the journal was last flushed to the disk (or first written, if never since).
    last_sync: Option<Instant>,
    /// Whether lines were written since.
    unsynced: bool,
    /// Object files written since.
    unsynced_objects: Vec<PathBuf>,
    /// Content hashes whose outputs this process put in the journal or an object file.
    pub(crate) known: HashSet<String>,
}

impl Writer {
    /// Appends `bytes` (whole lines) to the journal at `path` in one write, under the
    /// journal's lock; a write that fails is taken back. Flushes to the disk when the last
    /// flush is [`SYNC_INTERVAL`] old.
    pub(crate) fn append(&mut self, path: &Path, bytes: &[u8]) -> Result<(), StoreProblem> {
        let file = match &mut self.file {
            Some(file) => file,
            slot => {
                if let Some(dir) = path.parent() {
                    // The journal sits at the top of the store's folder.
                    super::refuse_symlinks(dir, path)?;
                    fs::create_dir_all(dir).map_err(|e| StoreProblem::new(dir, e))?;
                }
                let file = super::no_follow(OpenOptions::new().append(true).create(true))
                    .open(path)
                    .map_err(|e| super::open_problem(path, e))?;
                slot.insert(file)
            }
        };
        // Without lock support (some network file systems) appends still go through: each
        // is a single write to a file opened for appending.
        let locked = lock::lock_exclusive(file).is_ok();
        let written = write_or_take_back(file, bytes);
        if locked {
            let _ = lock::unlock(file);
        }
        written.map_err(|e| StoreProblem::new(path, e))?;
        self.unsynced = true;
        match self.last_sync {
            Some(at) if at.elapsed() >= SYNC_INTERVAL => self.sync(path),
            Some(_) => Ok(()),
            None => {
                self.last_sync = Some(Instant::now());
                Ok(())
            }
        }
    }

    /// Notes an object file written without waiting for the disk (flushed with the journal).
    pub(crate) fn object_written(&mut self, path: PathBuf) {
        self.unsynced_objects.push(path);
        self.unsynced = true;
    }

    /// Flushes what was written since the last flush to the disk: object files first, so a
    /// journal line on the disk never names an object that is not.
    pub(crate) fn sync(&mut self, path: &Path) -> Result<(), StoreProblem> {
        if !self.unsynced {
            return Ok(());
        }
        let mut folders = Vec::new();
        for object in self.unsynced_objects.drain(..) {
            File::open(&object)
                .and_then(|file| file.sync_all())
                .map_err(|e| StoreProblem::new(&object, e))?;
            if let Some(folder) = object.parent() {
                if !folders.iter().any(|f: &PathBuf| f == folder) {
                    folders.push(folder.to_path_buf());
                }
            }
        }
        for folder in folders {
            // Makes the renames durable where folders can be synced; a failure leaves the
            // files in place.
            if let Ok(dir) = File::open(&folder) {
                let _ = dir.sync_all();
            }
        }
        if let Some(file) = &self.file {
            file.sync_data().map_err(|e| StoreProblem::new(path, e))?;
        }
        self.unsynced = false;
        self.last_sync = Some(Instant::now());
        Ok(())
    }
}
