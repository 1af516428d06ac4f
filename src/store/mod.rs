//! The result store kept next to a flow (`FILE.flow.d/`): every node result, content
//! addressed and written the moment the node finishes, each node's result history, and a
//! record of every run. The CLI and the app share it. Problems with it (a missing, truncated
//! or garbage file, a full disk, a read-only folder) are reported with the file's name and
//! never touch the `.flow` file.

mod records;

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

pub use records::{
    Continuation, ContinueHow, NodeHistory, NodeRecord, RecordStatus, ResultEntry, RunRecord,
};

use crate::fsutil::atomic_write;
use crate::model::NodeId;
use crate::nodes::Outputs;

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

/// The store of one flow.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    /// The store of the flow saved at `flow_path`: the folder `FILE.flow.d` beside it.
    pub fn for_flow(flow_path: &Path) -> Self {
        let mut dir = flow_path.as_os_str().to_owned();
        dir.push(".d");
        Self {
            dir: PathBuf::from(dir),
        }
    }

    /// The store in `dir`.
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The store's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn object_path(&self, hash: &str) -> PathBuf {
        self.dir.join("objects").join(format!("{hash}.json"))
    }

    fn node_path(&self, node: &NodeId) -> PathBuf {
        self.dir.join("nodes").join(format!("{node}.json"))
    }

    fn run_path(&self, id: &str) -> PathBuf {
        self.dir.join("runs").join(format!("{id}.json"))
    }

    /// Records a node's new result: writes its outputs (once per distinct content) and makes
    /// it the node's active result, at the end of its history (a result equal to the active
    /// one updates that entry's run and time instead).
    pub fn save_result(
        &self,
        node: &NodeId,
        outputs: &Outputs,
        run: &str,
        signature: Option<String>,
    ) -> Result<ResultEntry, StoreProblem> {
        let (hash, bytes) = self.encode(outputs)?;
        self.write_object(&hash, &bytes, true)?;
        let node_file = self.node_path(node);
        let mut history = history_or_empty(&node_file);
        let entry = ResultEntry {
            object: hash,
            run: run.to_owned(),
            at_ms: now_ms(),
            signature,
            item: None,
        };
        match history.history.get_mut(history.active) {
            // The same outputs again: the active entry is brought up to date instead of
            // repeating it in the history.
            Some(active) if active.object == entry.object => *active = entry.clone(),
            _ => {
                history.history.push(entry.clone());
                history.active = history.history.len() - 1;
            }
        }
        write_json(&node_file, &history)?;
        Ok(entry)
    }

    /// Adds results to a node's history without making them active (the items of a batch
    /// result, by item number), leaving out those the history holds already. One write of
    /// the history for all of them.
    pub fn add_items_to_history(
        &self,
        node: &NodeId,
        items: &[(usize, Outputs)],
        run: &str,
    ) -> Result<(), StoreProblem> {
        let node_file = self.node_path(node);
        let mut history = history_or_empty(&node_file);
        let mut known: std::collections::HashSet<String> =
            history.history.iter().map(|e| e.object.clone()).collect();
        let before = history.history.len();
        for (item, outputs) in items {
            let (hash, bytes) = self.encode(outputs)?;
            if !known.insert(hash.clone()) {
                continue;
            }
            // Item copies are many and cheap to lose: written without waiting for the disk.
            self.write_object(&hash, &bytes, false)?;
            history.history.push(ResultEntry {
                object: hash,
                run: run.to_owned(),
                at_ms: now_ms(),
                signature: None,
                item: Some(*item),
            });
        }
        if history.history.len() == before {
            return Ok(());
        }
        write_json(&node_file, &history)
    }

    /// Outputs as stored: their JSON and its content hash.
    fn encode(&self, outputs: &Outputs) -> Result<(String, Vec<u8>), StoreProblem> {
        let bytes = serde_json::to_vec(outputs).map_err(|e| StoreProblem::new(&self.dir, e))?;
        Ok((hex(&Sha256::digest(&bytes)), bytes))
    }

    /// Writes an object once (its name is its content's hash), atomically; `sync` waits for
    /// the disk.
    fn write_object(&self, hash: &str, bytes: &[u8], sync: bool) -> Result<(), StoreProblem> {
        let object = self.object_path(hash);
        if object.exists() {
            return Ok(());
        }
        let written = if sync {
            atomic_write(&object, bytes)
        } else {
            crate::fsutil::atomic_write_unsynced(&object, bytes)
        };
        written.map_err(|e| StoreProblem::new(&object, e))
    }

    /// Forgets a node's active result (it failed): its history stays, none is active.
    pub fn clear_active(&self, node: &NodeId) -> Result<(), StoreProblem> {
        let node_file = self.node_path(node);
        let Ok(Some(mut history)) = read_json::<NodeHistory>(&node_file) else {
            return Ok(());
        };
        history.active = usize::MAX;
        write_json(&node_file, &history)
    }

    /// Every node's result history. Files that cannot be read are reported and skipped.
    pub fn histories(&self) -> (BTreeMap<NodeId, NodeHistory>, Vec<StoreProblem>) {
        let mut histories = BTreeMap::new();
        let mut problems = Vec::new();
        for path in list_json(&self.dir.join("nodes"), &mut problems) {
            let Some(id) = path
                .file_stem()
                .and_then(|s| s.to_str())
                .filter(|s| NodeId::is_valid(s))
            else {
                continue;
            };
            match read_json::<NodeHistory>(&path) {
                Ok(Some(history)) => {
                    histories.insert(NodeId::from(id), history);
                }
                Ok(None) => {}
                Err(problem) => problems.push(problem),
            }
        }
        (histories, problems)
    }

    /// The outputs stored under `hash` (a [`ResultEntry::object`]).
    pub fn load_object(&self, hash: &str) -> Result<Outputs, StoreProblem> {
        let object = self.object_path(hash);
        match read_json::<Outputs>(&object) {
            Ok(Some(outputs)) => Ok(outputs),
            Ok(None) => Err(StoreProblem::new(
                &object,
                "missing: this result of the node is lost",
            )),
            Err(problem) => Err(problem),
        }
    }

    /// Every node's active result. Files that cannot be read are reported and skipped.
    pub fn load_results(&self) -> (HashMap<NodeId, StoredResult>, Vec<StoreProblem>) {
        let mut results = HashMap::new();
        let (histories, mut problems) = self.histories();
        for (id, history) in histories {
            let Some(entry) = history.history.get(history.active).cloned() else {
                continue;
            };
            match self.load_object(&entry.object) {
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
        let node_file = self.node_path(node);
        let mut history = match read_json::<NodeHistory>(&node_file)? {
            Some(history) => history,
            None => return Err(StoreProblem::new(&node_file, "this node has no results")),
        };
        let Some(entry) = history.history.get(index).cloned() else {
            return Err(StoreProblem::new(
                &node_file,
                format!(
                    "no result number {} (the node has {})",
                    index + 1,
                    history.history.len()
                ),
            ));
        };
        // Read the outputs first: a lost object must not become the active result.
        let outputs = self.load_object(&entry.object)?;
        history.active = index;
        write_json(&node_file, &history)?;
        Ok(StoredResult { outputs, entry })
    }

    /// When a node's results last changed (the time of the `nodes` folder), to tell whether
    /// another process wrote results since; `None` when there are none.
    pub fn changed_at(&self) -> Option<SystemTime> {
        fs::metadata(self.dir.join("nodes"))
            .and_then(|m| m.modified())
            .ok()
    }

    /// Writes (or rewrites) a run record.
    pub fn write_run(&self, record: &RunRecord) -> Result<(), StoreProblem> {
        write_json(&self.run_path(&record.id), record)
    }

    /// Every run record, oldest first. A run still marked running whose process is gone is
    /// reported as interrupted (and rewritten so).
    pub fn runs(&self) -> (Vec<RunRecord>, Vec<StoreProblem>) {
        let mut problems = Vec::new();
        let mut runs = Vec::new();
        for path in list_json(&self.dir.join("runs"), &mut problems) {
            match read_json::<RunRecord>(&path) {
                Ok(Some(mut record)) => {
                    if record.status == RecordStatus::Running && !process_alive(record.pid) {
                        record.status = RecordStatus::Interrupted;
                        if let Err(problem) = self.write_run(&record) {
                            problems.push(problem);
                        }
                    }
                    runs.push(record);
                }
                Ok(None) => {}
                Err(problem) => problems.push(problem),
            }
        }
        runs.sort_by(|a, b| (a.started_at_ms, &a.id).cmp(&(b.started_at_ms, &b.id)));
        (runs, problems)
    }
}

/// A node's history file, or an empty history (none active) when there is none; a broken
/// history is replaced rather than blocking new results.
fn history_or_empty(node_file: &Path) -> NodeHistory {
    match read_json::<NodeHistory>(node_file) {
        Ok(Some(history)) => history,
        Ok(None) | Err(_) => NodeHistory {
            active: usize::MAX,
            history: Vec::new(),
        },
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

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
    let bytes = serde_json::to_vec_pretty(value).map_err(|e| StoreProblem::new(path, e))?;
    atomic_write(path, &bytes).map_err(|e| StoreProblem::new(path, e))
}

/// Whether process `pid` is still running.
#[cfg(unix)]
#[allow(unsafe_code)] // reason: std cannot ask whether another process exists
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    if pid as u32 == std::process::id() {
        return true;
    }
    // SAFETY: kill(2) with signal 0 only checks that the process exists; it takes no pointers.
    let result = unsafe { libc::kill(pid, 0) };
    result == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn process_alive(pid: u32) -> bool {
    pid == std::process::id()
}

#[cfg(test)]
mod tests;
