//! The result store kept next to a flow (`FILE.flow.d/`): every node result, content
//! addressed and written the moment the node finishes, each node's result history, and a
//! record of every run. The CLI and the app share it, and several processes may write into
//! it at once. Problems with it (a missing, truncated, edited or garbage file, a full disk, a
//! read-only folder) are reported with the file's name and never touch the `.flow` file.
//!
//! Layout: `results.log` (the journal of history changes, see `journal.rs`), `objects/` (the
//! outputs too large to keep in the journal, named by their SHA-256), `runs/` (one record
//! per run, and a locked `.live` file per run in progress). Stores written before the
//! journal kept one history file per node in `nodes/`; those are read as the start of the
//! history and never written again.

mod fresh;
mod journal;
mod lock;
mod records;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{self, File};
use std::io::{self, Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};

pub use fresh::results_digest;
pub use records::{
    one_line, user_name, Continuation, ContinueHow, Decision, NodeHistory, NodeRecord, ResultEntry,
    RunRecord, RunState, Waiting, TRANSCRIPT_KEPT_BYTES,
};

use crate::fsutil::{atomic_write, atomic_write_unsynced, process_alive};
use crate::model::NodeId;
use crate::nodes::Outputs;
use crate::status::NodeStatus;
use journal::{InlineObject, Line, Op, Replay, Writer};

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// A problem with one file of the store, for people.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct StoreProblem {
    /// The file.
    pub path: PathBuf,
    /// What is wrong with it.
    pub message: String,
}

impl StoreProblem {
    fn new(path: &Path, message: impl std::fmt::Display) -> Self {
        Self {
            path: path.to_path_buf(),
            message: message.to_string(),
        }
    }
}

/// A node's active result, as loaded from the store.
#[derive(Clone, Debug)]
pub struct StoredResult {
    /// The outputs.
    pub outputs: Outputs,
    /// Where it came from.
    pub entry: ResultEntry,
}

/// How far the store's results have been written, to tell whether another process stored
/// results since (compare two with `==`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResultsVersion {
    modified: Option<SystemTime>,
    len: u64,
}

/// The store of one flow. Clones share one open journal and what is known of it.
#[derive(Clone)]
pub struct Store {
    dir: PathBuf,
    shared: Arc<Shared>,
}

/// What clones of a store share.
#[derive(Debug, Default)]
struct Shared {
    writer: Mutex<Writer>,
    /// Where the outputs kept in the journal are, as of the last time it was read.
    inline: Mutex<Arc<FxHashMap<String, InlineObject>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("dir", &self.dir).finish()
    }
}

impl PartialEq for Store {
    fn eq(&self, other: &Self) -> bool {
        self.dir == other.dir
    }
}

impl Eq for Store {}

impl std::hash::Hash for Store {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.dir.hash(state);
    }
}

/// Locks a mutex whose data stays usable after a panic elsewhere (it holds no invariant a
/// half-done update could break beyond what the journal itself tolerates).
fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Store {
    /// The store of the flow saved at `flow_path`: the folder `FILE.flow.d` beside it.
    pub fn for_flow(flow_path: &Path) -> Self {
        let mut dir = flow_path.as_os_str().to_owned();
        dir.push(".d");
        Self::at(PathBuf::from(dir))
    }

    /// The store in `dir`.
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            shared: Arc::default(),
        }
    }

    /// The store's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Refuses `path` when it, or a store folder on the way to it, is a symbolic link.
    fn guard(&self, path: &Path) -> Result<(), StoreProblem> {
        refuse_symlinks(&self.dir, path)
    }

    fn object_path(&self, hash: &str) -> PathBuf {
        self.dir.join("objects").join(format!("{hash}.json"))
    }

    fn journal_path(&self) -> PathBuf {
        self.dir.join(journal::FILE_NAME)
    }

    fn run_path(&self, id: &str) -> PathBuf {
        self.dir.join("runs").join(format!("{id}.json"))
    }

    fn live_path(&self, id: &str) -> PathBuf {
        self.dir.join("runs").join(format!("{id}.live"))
    }

    /// Records a node's new result: its outputs (once per distinct content) and a line that
    /// makes it the node's active result, at the end of its history (a result equal to the
    /// active one updates that entry's run and time instead). One write, no wait for the
    /// disk: a killed process keeps it; [`Store::sync`] makes it survive a power cut.
    pub fn save_result(
        &self,
        node: &NodeId,
        outputs: &Outputs,
        run: &str,
        signature: Option<String>,
    ) -> Result<ResultEntry, StoreProblem> {
        self.save_noted_result(node, outputs, run, signature, Vec::new())
    }

    /// [`Store::save_result`] with notes on how the result was made (the errors of the
    /// failed attempts before it), kept in its history entry.
    pub fn save_noted_result(
        &self,
        node: &NodeId,
        outputs: &Outputs,
        run: &str,
        signature: Option<String>,
        notes: Vec<String>,
    ) -> Result<ResultEntry, StoreProblem> {
        let (hash, bytes) = self.encode(outputs)?;
        let entry = ResultEntry {
            object: hash,
            run: run.to_owned(),
            at_ms: now_ms(),
            signature,
            item: None,
            notes,
        };
        let mut writer = locked(&self.shared.writer);
        let mut line = Vec::with_capacity(bytes.len() + 256);
        let inline = self.place_object(&mut writer, &entry.object, &bytes)?;
        Line {
            op: Op::Add,
            node: Some(node.as_str()),
            entry: Some(&entry),
            index: None,
            run: None,
        }
        .encode(&mut line, inline.then_some(bytes.as_slice()))
        .map_err(|e| StoreProblem::new(&self.journal_path(), e))?;
        writer.append(&self.journal_path(), &line)?;
        if inline {
            writer.known.insert(entry.object.clone());
        }
        Ok(entry)
    }

    /// Adds results to a node's history without making them active (the items of a batch
    /// result, by item number), leaving out those the history holds already. One write for
    /// all of them.
    pub fn add_items_to_history(
        &self,
        node: &NodeId,
        items: &[(usize, Outputs)],
        run: &str,
    ) -> Result<(), StoreProblem> {
        let mut writer = locked(&self.shared.writer);
        let mut lines = Vec::new();
        let mut seen = HashSet::new();
        let mut inlined = Vec::new();
        for (item, outputs) in items {
            let (hash, bytes) = self.encode(outputs)?;
            if !seen.insert(hash.clone()) {
                continue;
            }
            let inline = self.place_object(&mut writer, &hash, &bytes)?;
            let entry = ResultEntry {
                object: hash,
                run: run.to_owned(),
                at_ms: now_ms(),
                signature: None,
                item: Some(*item),
                notes: Vec::new(),
            };
            Line {
                op: Op::Item,
                node: Some(node.as_str()),
                entry: Some(&entry),
                index: None,
                run: None,
            }
            .encode(&mut lines, inline.then_some(bytes.as_slice()))
            .map_err(|e| StoreProblem::new(&self.journal_path(), e))?;
            if inline {
                inlined.push(entry.object);
            }
        }
        if lines.is_empty() {
            return Ok(());
        }
        writer.append(&self.journal_path(), &lines)?;
        writer.known.extend(inlined);
        Ok(())
    }

    /// Where outputs with this hash go: `true` to carry them in their journal line; `false`
    /// when they are stored already or were just written to an object file (too large).
    fn place_object(
        &self,
        writer: &mut Writer,
        hash: &str,
        bytes: &[u8],
    ) -> Result<bool, StoreProblem> {
        if writer.known.contains(hash) || locked(&self.shared.inline).contains_key(hash) {
            return Ok(false);
        }
        if bytes.len() <= journal::INLINE_MAX_BYTES {
            return Ok(true);
        }
        let object = self.object_path(hash);
        self.guard(&object)?;
        if !object.exists() {
            atomic_write_unsynced(&object, bytes).map_err(|e| StoreProblem::new(&object, e))?;
            writer.object_written(object);
        }
        writer.known.insert(hash.to_owned());
        Ok(false)
    }

    /// Outputs as stored: their JSON and its content hash.
    fn encode(&self, outputs: &Outputs) -> Result<(String, Vec<u8>), StoreProblem> {
        let bytes = serde_json::to_vec(outputs).map_err(|e| StoreProblem::new(&self.dir, e))?;
        Ok((hex(&Sha256::digest(&bytes)), bytes))
    }

    /// Forgets a node's active result (it failed in `run`): its history stays, none is
    /// active.
    pub fn clear_active(&self, node: &NodeId, run: &str) -> Result<(), StoreProblem> {
        self.append_line(&Line {
            op: Op::Clear,
            node: Some(node.as_str()),
            entry: None,
            index: None,
            run: Some(run),
        })
    }

    /// Notes that `run` ended: the results it stored become the active ones again where an
    /// overlapping run replaced them meanwhile, so the active results of a flow come from one
    /// run, the one that ended last. Then flushes to the disk.
    pub fn finish_run(&self, run: &str) -> Result<(), StoreProblem> {
        self.append_line(&Line {
            op: Op::Finish,
            node: None,
            entry: None,
            index: None,
            run: Some(run),
        })?;
        self.sync()
    }

    /// Flushes every result written through this store (and its clones) to the disk.
    pub fn sync(&self) -> Result<(), StoreProblem> {
        locked(&self.shared.writer).sync(&self.journal_path())
    }

    fn append_line(&self, line: &Line<'_>) -> Result<(), StoreProblem> {
        let mut bytes = Vec::with_capacity(128);
        line.encode(&mut bytes, None)
            .map_err(|e| StoreProblem::new(&self.journal_path(), e))?;
        locked(&self.shared.writer).append(&self.journal_path(), &bytes)
    }

    /// Reads the journal (on top of any histories kept the older way), and remembers where
    /// its outputs are.
    fn replay(&self, traced: &HashSet<&str>) -> Replay {
        let mut problems = Vec::new();
        let mut base = FxHashMap::default();
        let nodes = self.dir.join("nodes");
        let listed = match self.guard(&nodes) {
            Ok(()) => list_json(&nodes, &mut problems),
            Err(problem) => {
                problems.push(problem);
                Vec::new()
            }
        };
        for path in listed {
            let Some(id) = path
                .file_stem()
                .and_then(|s| s.to_str())
                .filter(|s| NodeId::is_valid(s))
            else {
                continue;
            };
            match self
                .guard(&path)
                .and_then(|()| read_json::<NodeHistory>(&path))
            {
                Ok(Some(history)) => {
                    base.insert(NodeId::from(id), history);
                }
                Ok(None) => {}
                Err(problem) => problems.push(problem),
            }
        }
        let journal = self.journal_path();
        if let Err(problem) = self.guard(&journal) {
            // Nothing is read through a link: the results read as none.
            problems.push(problem);
            let replay = Replay {
                problems,
                ..Replay::default()
            };
            *locked(&self.shared.inline) = replay.inline.clone();
            return replay;
        }
        let mut replay = journal::replay(&journal, base, traced);
        problems.append(&mut replay.problems);
        replay.problems = problems;
        *locked(&self.shared.inline) = replay.inline.clone();
        replay
    }

    /// Every node's result history. Files and lines that cannot be read are reported and
    /// skipped.
    pub fn histories(&self) -> (BTreeMap<NodeId, NodeHistory>, Vec<StoreProblem>) {
        let replay = self.replay(&HashSet::new());
        (replay.histories.into_iter().collect(), replay.problems)
    }

    /// The outputs stored under `hash` (a [`ResultEntry::object`]), checked against it.
    pub fn load_object(&self, hash: &str) -> Result<Outputs, StoreProblem> {
        let known = locked(&self.shared.inline).get(hash).copied();
        let inline = match known {
            Some(found) => Some(found),
            None if !self.object_path(hash).exists() => {
                self.replay(&HashSet::new()).inline.get(hash).copied()
            }
            None => None,
        };
        match inline {
            Some(found) => {
                let path = self.journal_path();
                self.guard(&path)?;
                let mut bytes = vec![0; found.len];
                let mut file = no_follow(fs::OpenOptions::new().read(true))
                    .open(&path)
                    .map_err(|e| open_problem(&path, e))?;
                file.seek(io::SeekFrom::Start(found.start as u64))
                    .and_then(|_| file.read_exact(&mut bytes))
                    .map_err(|e| StoreProblem::new(&path, e))?;
                self.decode(hash, &bytes, &path, Some(found.line))
            }
            None => self.load_object_file(hash),
        }
    }

    /// The outputs of an object file.
    fn load_object_file(&self, hash: &str) -> Result<Outputs, StoreProblem> {
        let object = self.object_path(hash);
        self.guard(&object)?;
        match fs::read(&object) {
            Ok(bytes) => self.decode(hash, &bytes, &object, None),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Err(StoreProblem::new(
                &object,
                "missing: this result of the node is lost",
            )),
            Err(err) => Err(StoreProblem::new(&object, err)),
        }
    }

    /// Checks stored outputs against their hash, then reads them.
    fn decode(
        &self,
        hash: &str,
        bytes: &[u8],
        path: &Path,
        line: Option<usize>,
    ) -> Result<Outputs, StoreProblem> {
        let place = line.map(|n| format!("line {n}: ")).unwrap_or_default();
        if hex(&Sha256::digest(bytes)) != hash {
            return Err(StoreProblem::new(
                path,
                format!(
                    "{place}the result does not match its checksum (the file was edited or damaged); dropped"
                ),
            ));
        }
        serde_json::from_slice(bytes)
            .map_err(|err| StoreProblem::new(path, format!("{place}unreadable ({err}); skipped")))
    }

    /// Every node's active result. Files and lines that cannot be read, and results that
    /// do not match their checksum, are reported and skipped.
    pub fn load_results(&self) -> (HashMap<NodeId, StoredResult>, Vec<StoreProblem>) {
        let mut replay = self.replay(&HashSet::new());
        let mut problems = std::mem::take(&mut replay.problems);
        let histories = std::mem::take(&mut replay.histories);
        // Moved out, not copied: the rest of each history is dropped here.
        let active: Vec<(NodeId, ResultEntry)> = histories
            .into_iter()
            .filter_map(|(id, mut history)| {
                (history.active < history.history.len())
                    .then(|| (id, history.history.swap_remove(history.active)))
            })
            .collect();
        // Each result is checked against its hash and decoded on its own: large stores
        // are read on every core.
        let journal = self.journal_path();
        let decode = |part: &[(NodeId, ResultEntry)]| -> Vec<Result<Outputs, StoreProblem>> {
            part.iter()
                .map(|(_, entry)| match replay.inline.get(&entry.object) {
                    Some(found) => self.decode(
                        &entry.object,
                        replay.inline_bytes(found),
                        &journal,
                        Some(found.line),
                    ),
                    None => self.load_object_file(&entry.object),
                })
                .collect()
        };
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let chunk = active.len().div_ceil(threads).max(PARALLEL_DECODE_MIN);
        let decoded: Vec<Result<Outputs, StoreProblem>> = if active.len() > PARALLEL_DECODE_MIN {
            std::thread::scope(|scope| {
                let workers: Vec<_> = active
                    .chunks(chunk)
                    .map(|part| scope.spawn(|| decode(part)))
                    .collect();
                workers
                    .into_iter()
                    .flat_map(|worker| match worker.join() {
                        Ok(decoded) => decoded,
                        Err(panic) => std::panic::resume_unwind(panic),
                    })
                    .collect()
            })
        } else {
            decode(&active)
        };
        let mut results = HashMap::with_capacity(active.len());
        for ((id, entry), loaded) in active.into_iter().zip(decoded) {
            match loaded {
                Ok(outputs) => {
                    results.insert(id, StoredResult { outputs, entry });
                }
                Err(problem) => problems.push(problem),
            }
        }
        (results, problems)
    }

    /// Makes entry `index` of a node's history its active result (downstream nodes then
    /// use it); returns that result.
    pub fn set_active(&self, node: &NodeId, index: usize) -> Result<StoredResult, StoreProblem> {
        let journal = self.journal_path();
        let replay = self.replay(&HashSet::new());
        let Some(history) = replay.histories.get(node) else {
            return Err(StoreProblem::new(
                &journal,
                format!("`{node}`: this node has no results"),
            ));
        };
        let Some(entry) = history.history.get(index).cloned() else {
            return Err(StoreProblem::new(
                &journal,
                format!(
                    "`{node}`: no result number {} (the node has {})",
                    index + 1,
                    history.history.len()
                ),
            ));
        };
        // Read the outputs first: a lost object must not become the active result.
        let outputs = match replay.inline.get(&entry.object) {
            Some(found) => self.decode(
                &entry.object,
                replay.inline_bytes(found),
                &journal,
                Some(found.line),
            )?,
            None => self.load_object_file(&entry.object)?,
        };
        self.append_line(&Line {
            op: Op::Active,
            node: Some(node.as_str()),
            entry: None,
            index: Some(index),
            run: None,
        })?;
        Ok(StoredResult { outputs, entry })
    }

    /// How far results have been written (the journal's time and length); `None` when
    /// there are none.
    pub fn results_version(&self) -> Option<ResultsVersion> {
        let journal = fs::metadata(self.journal_path());
        let meta = journal
            .or_else(|_| fs::metadata(self.dir.join("nodes")))
            .ok()?;
        Some(ResultsVersion {
            modified: meta.modified().ok(),
            len: meta.len(),
        })
    }

    /// Removes temporary files that writers killed mid-write left in the store (those of
    /// live processes stay). Run when a run starts.
    pub fn remove_stale_temporaries(&self) -> Vec<StoreProblem> {
        let mut problems = Vec::new();
        for sub in ["", "objects", "runs", "nodes"] {
            let dir = self.dir.join(sub);
            if let Err(problem) = self.guard(&dir) {
                if !problems.contains(&problem) {
                    problems.push(problem);
                }
                continue;
            }
            problems.extend(
                crate::fsutil::remove_stale_temporaries(&dir)
                    .into_iter()
                    .map(|(path, err)| {
                        StoreProblem::new(&path, format!("could not remove it: {err}"))
                    }),
            );
        }
        problems
    }

    /// Marks run `id` as live for as long as the returned guard is kept: its `.live` file's
    /// lock is held, and the kernel lets go of it when this process ends, however it ends.
    /// Take it before writing the run's first record.
    pub fn claim_run(&self, id: &str) -> Result<LiveRun, StoreProblem> {
        let path = self.live_path(id);
        self.guard(&path)?;
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| StoreProblem::new(dir, e))?;
        }
        let file = no_follow(
            fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true),
        )
        .open(&path)
        .map_err(|e| open_problem(&path, e))?;
        // Without lock support the record's process id is what tells (see `runs`).
        let _ = lock::try_lock_exclusive(&file);
        Ok(LiveRun { path, _file: file })
    }

    /// Like [`Self::claim_run`], for a run another process may be about to continue too (two
    /// people deciding at one checkpoint): `Ok(None)` when someone holds it already.
    pub fn claim_run_alone(&self, id: &str) -> Result<Option<LiveRun>, StoreProblem> {
        let path = self.live_path(id);
        self.guard(&path)?;
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| StoreProblem::new(dir, e))?;
        }
        let file = no_follow(fs::OpenOptions::new().write(true).create(true))
            .open(&path)
            .map_err(|e| open_problem(&path, e))?;
        match lock::try_lock_exclusive(&file) {
            Ok(false) => Ok(None),
            // Without lock support nothing can tell; the record's state is checked anyway.
            Ok(true) | Err(_) => Ok(Some(LiveRun { path, _file: file })),
        }
    }

    /// The record of run `id`, read afresh (`None`: there is none).
    pub fn run_record(&self, id: &str) -> Result<Option<RunRecord>, StoreProblem> {
        let path = self.run_path(id);
        self.guard(&path)?;
        read_json::<RunRecord>(&path)
    }

    /// Whether the run of a record still marked running is in progress: its `.live` file
    /// is locked (by the process running it). Where locks are not available, whether its
    /// process is.
    fn run_is_live(&self, record: &RunRecord) -> bool {
        let path = self.live_path(&record.id);
        if self.guard(&path).is_err() {
            return process_alive(record.pid);
        }
        match no_follow(fs::OpenOptions::new().read(true)).open(&path) {
            Ok(file) => match lock::try_lock_exclusive(&file) {
                Ok(true) => {
                    // Nobody holds it: the run's process is gone.
                    let _ = fs::remove_file(&path);
                    false
                }
                Ok(false) => true,
                Err(_) => process_alive(record.pid),
            },
            // No live file: the run ended meanwhile (the caller reads the record again),
            // or its process died before or after having one.
            Err(err) if err.kind() == io::ErrorKind::NotFound => false,
            Err(_) => process_alive(record.pid),
        }
    }

    /// Writes (or rewrites) a run record.
    pub fn write_run(&self, record: &RunRecord) -> Result<(), StoreProblem> {
        let path = self.run_path(&record.id);
        self.guard(&path)?;
        write_json(&path, record)
    }

    /// Every run record, oldest first. A run still marked running whose process is gone is
    /// reported as interrupted (and rewritten so), with the steps it finished before that
    /// filled in from the results it stored (succeeded) or cleared (failed).
    pub fn runs(&self) -> (Vec<RunRecord>, Vec<StoreProblem>) {
        let mut problems = Vec::new();
        let mut runs = Vec::new();
        // Records of runs found to have died: filled in and written back once.
        let mut unended: Vec<usize> = Vec::new();
        let dir = self.dir.join("runs");
        if let Err(problem) = self.guard(&dir) {
            return (Vec::new(), vec![problem]);
        }
        for path in list_json(&dir, &mut problems) {
            let mut record = match self
                .guard(&path)
                .and_then(|()| read_json::<RunRecord>(&path))
            {
                Ok(Some(record)) => record,
                Ok(None) => continue,
                Err(problem) => {
                    problems.push(problem);
                    continue;
                }
            };
            let mut turned = false;
            if record.status == RunState::Running && !self.run_is_live(&record) {
                // Read again: the run may have ended (and written its record) meanwhile.
                if let Ok(Some(again)) = read_json::<RunRecord>(&path) {
                    record = again;
                }
                if record.status == RunState::Running {
                    record.status = RunState::Interrupted;
                    turned = true;
                }
            }
            if turned {
                unended.push(runs.len());
            }
            runs.push(record);
        }
        if !unended.is_empty() {
            let traced: HashSet<&str> = unended.iter().map(|&i| runs[i].id.as_str()).collect();
            let mut replay = self.replay(&traced);
            problems.append(&mut replay.problems);
            for i in unended {
                let record = &mut runs[i];
                if let Some(trace) = replay.traces.get(&record.id) {
                    for node in record.nodes.iter_mut().filter(|n| n.status.is_none()) {
                        if trace.stored.contains(&node.node) {
                            node.status = Some(NodeStatus::Succeeded);
                        } else if trace.failed.contains(&node.node) {
                            node.status = Some(NodeStatus::Failed);
                        }
                    }
                }
                if let Err(problem) = self.write_run(record) {
                    problems.push(problem);
                }
            }
        }
        runs.sort_by(|a, b| (a.started_at_ms, &a.id).cmp(&(b.started_at_ms, &b.id)));
        (runs, problems)
    }
}

/// A run in progress, as other processes see it: while this is kept, the run's `.live`
/// file stays locked. Dropping it removes the file.
#[derive(Debug)]
pub struct LiveRun {
    path: PathBuf,
    _file: File,
}

impl Drop for LiveRun {
    fn drop(&mut self) {
        // Removed while still locked, so nobody takes a finished run for a dead one.
        let _ = fs::remove_file(&self.path);
    }
}

/// What the store says of a symbolic link where one of its folders or files should be.
const SYMLINK_REFUSED: &str = "is a symbolic link; results are not written through it";

/// Refuses `path` (inside the store folder `root`, or `root` itself) when `root` or any
/// folder or file between it and `path` is a symbolic link: a downloaded flow could ship
/// its store with links to files or folders elsewhere, and the store must never write (or
/// read) through them. Parts that do not exist yet are fine (they are made as real ones).
pub(crate) fn refuse_symlinks(root: &Path, path: &Path) -> Result<(), StoreProblem> {
    let mut at = root.to_path_buf();
    let rest = path.strip_prefix(root).unwrap_or(Path::new(""));
    let mut parts = rest.components();
    loop {
        match fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(StoreProblem::new(&at, SYMLINK_REFUSED));
            }
            Ok(_) => {}
            Err(_) => return Ok(()),
        }
        match parts.next() {
            Some(part) => at.push(part),
            None => return Ok(()),
        }
    }
}

/// Opening options that do not follow a symbolic link in the last part of the path.
pub(crate) fn no_follow(options: &mut fs::OpenOptions) -> &mut fs::OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(nix::libc::O_NOFOLLOW);
    }
    options
}

/// Maps an error from opening with [`no_follow`]: a link there reads as [`SYMLINK_REFUSED`].
pub(crate) fn open_problem(path: &Path, err: io::Error) -> StoreProblem {
    #[cfg(unix)]
    if err.raw_os_error() == Some(nix::libc::ELOOP) {
        return StoreProblem::new(path, SYMLINK_REFUSED);
    }
    StoreProblem::new(path, err)
}

use crate::hex::encode as hex;

/// Below this many active results, decoding them is not worth a thread.
const PARALLEL_DECODE_MIN: usize = 2048;

/// The `.json` files in `dir`, sorted; a missing folder is simply empty.
fn list_json(dir: &Path, problems: &mut Vec<StoreProblem>) -> Vec<PathBuf> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Vec::new(),
        Err(err) => {
            problems.push(StoreProblem::new(dir, err));
            return Vec::new();
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    paths
}

/// Reads a JSON file: `Ok(None)` when it does not exist, an error naming it when it cannot be
/// read or parsed.
fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>, StoreProblem> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(StoreProblem::new(path, err)),
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|err| StoreProblem::new(path, format!("unreadable ({err}); skipped")))
}

fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), StoreProblem> {
    // Compact: a record of a 100,000-node run is megabytes, and nobody edits these by hand.
    let bytes = serde_json::to_vec(value).map_err(|e| StoreProblem::new(path, e))?;
    atomic_write(path, &bytes).map_err(|e| StoreProblem::new(path, e))
}

#[cfg(test)]
mod tests;
