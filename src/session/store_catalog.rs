//! What the app knows of the open flow's result store: every node's history, the run
//! records, and the outputs of results someone looked at. A helper thread reads the store;
//! the UI thread only polls for what it has read, so it never waits on the disk.

use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::thread;

use crossbeam_channel::{Receiver, Sender};

use crate::exec::Waker;
use crate::model::NodeId;
use crate::nodes::Outputs;
use crate::store::{NodeHistory, ResultEntry, RunRecord, Store, StoreProblem};

/// One stored result, as the Outputs drawer lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputItem {
    /// The node that produced it.
    pub node: NodeId,
    /// Its place in the node's history.
    pub index: usize,
    /// Whether it is the node's active result.
    pub active: bool,
    /// Where and when it came from.
    pub entry: ResultEntry,
}

enum Request {
    Refresh(Store),
    Object(Store, String),
}

enum Reply {
    Snapshot {
        store: Store,
        histories: BTreeMap<NodeId, NodeHistory>,
        runs: Vec<RunRecord>,
        problems: Vec<StoreProblem>,
    },
    Object {
        store: Store,
        hash: String,
        outputs: Result<Outputs, StoreProblem>,
    },
}

/// The store's contents as last read, and the reads under way.
pub struct StoreCatalog {
    store: Option<Store>,
    /// Every node's result history.
    pub histories: BTreeMap<NodeId, NodeHistory>,
    /// Every recorded run, oldest first.
    pub runs: Vec<RunRecord>,
    /// Results, newest first (rebuilt on each read).
    pub items: Vec<OutputItem>,
    objects: HashMap<String, Result<Arc<Outputs>, String>>,
    /// Objects asked for and not yet read (drawing code asks through `&self`).
    wanted: RefCell<HashSet<String>>,
    /// The helper thread's channels, started on the first read.
    reader: OnceCell<Option<(Sender<Request>, Receiver<Reply>)>>,
    waker: Option<Waker>,
    refreshing: bool,
    refresh_again: bool,
    /// Counts reads applied, so views can tell when to rebuild.
    pub version: u64,
    /// Whether a read of the current store has come back yet.
    pub loaded: bool,
}

impl StoreCatalog {
    /// An empty catalog; `waker` is called when a read finishes (the app repaints).
    pub fn new(waker: Option<Waker>) -> Self {
        Self {
            store: None,
            histories: BTreeMap::new(),
            runs: Vec::new(),
            items: Vec::new(),
            objects: HashMap::new(),
            wanted: RefCell::new(HashSet::new()),
            reader: OnceCell::new(),
            waker,
            refreshing: false,
            refresh_again: false,
            version: 0,
            loaded: false,
        }
    }

    /// Sets the function called when a read finishes (before the first read).
    pub fn set_waker(&mut self, waker: Waker) {
        self.waker = Some(waker);
    }

    /// The store being shown.
    pub fn store(&self) -> Option<&Store> {
        self.store.as_ref()
    }

    /// Switches to another store (another file), forgetting what was read, and reads it.
    pub fn set_store(&mut self, store: Option<Store>) {
        if self.store == store {
            return;
        }
        self.store = store;
        self.histories.clear();
        self.runs.clear();
        self.items.clear();
        self.objects.clear();
        self.wanted.borrow_mut().clear();
        self.loaded = false;
        self.refreshing = false;
        self.version += 1;
        self.refresh();
    }

    /// Reads the histories and runs again (once the read under way, if any, is back).
    pub fn refresh(&mut self) {
        let Some(store) = self.store.clone() else {
            return;
        };
        if self.refreshing {
            self.refresh_again = true;
            return;
        }
        if self.send(Request::Refresh(store)) {
            self.refreshing = true;
        }
    }

    /// Whether a read is under way.
    pub fn is_busy(&self) -> bool {
        self.refreshing || !self.wanted.borrow().is_empty()
    }

    /// Applies what the helper thread has read; returns the problems it met.
    pub fn poll(&mut self) -> Vec<StoreProblem> {
        let mut problems = Vec::new();
        let Some(Some((_, replies))) = self.reader.get() else {
            return problems;
        };
        let replies = replies.clone();
        while let Ok(reply) = replies.try_recv() {
            match reply {
                Reply::Snapshot {
                    store,
                    histories,
                    runs,
                    problems: found,
                } if Some(&store) == self.store.as_ref() => {
                    self.histories = histories;
                    self.runs = runs;
                    self.items = output_items(&self.histories);
                    self.refreshing = false;
                    self.loaded = true;
                    self.version += 1;
                    problems.extend(found);
                    if std::mem::take(&mut self.refresh_again) {
                        self.refresh();
                    }
                }
                Reply::Object {
                    store,
                    hash,
                    outputs,
                } if Some(&store) == self.store.as_ref() => {
                    self.wanted.borrow_mut().remove(&hash);
                    let outputs = outputs.map(Arc::new).map_err(|problem| {
                        let message = problem.to_string();
                        problems.push(problem);
                        message
                    });
                    self.objects.insert(hash, outputs);
                    self.version += 1;
                }
                // Replies about a store no longer shown.
                _ => {}
            }
        }
        problems
    }

    /// The outputs stored under `hash`: `None` while they are being read (the read starts
    /// on the first ask), `Some(Err)` when they cannot be read.
    pub fn object(&self, hash: &str) -> Option<Result<Arc<Outputs>, String>> {
        if let Some(found) = self.objects.get(hash) {
            return Some(found.clone());
        }
        let store = self.store.clone()?;
        if self.wanted.borrow_mut().insert(hash.to_owned()) {
            let sent = self.send(Request::Object(store, hash.to_owned()));
            if !sent {
                self.wanted.borrow_mut().remove(hash);
                return Some(Err("the store cannot be read".to_owned()));
            }
        }
        None
    }

    /// The number of run `id` in the history, from 1 (as `flowcanvas runs` shows it).
    pub fn run_number(&self, id: &str) -> Option<usize> {
        self.runs.iter().position(|r| r.id == id).map(|i| i + 1)
    }

    /// The run record `id`.
    pub fn run(&self, id: &str) -> Option<&RunRecord> {
        self.runs.iter().find(|r| r.id == id)
    }

    /// Notes that run `id`, paused at a checkpoint, was decided here and goes on: until the
    /// store is read again it no longer reads as waiting.
    pub fn mark_continuing(&mut self, id: &str) {
        if let Some(record) = self.runs.iter_mut().find(|r| r.id == id) {
            record.status = crate::store::RunState::Pending;
            record.waiting = None;
        }
    }

    /// Puts `record` in place of the run with its id (a record this window just wrote).
    pub fn replace_run(&mut self, record: RunRecord) {
        if let Some(old) = self.runs.iter_mut().find(|r| r.id == record.id) {
            *old = record;
        }
    }

    /// The latest run that did not complete and that nothing continued yet (an app or CLI
    /// that died mid-run leaves one).
    pub fn unfinished_run(&self) -> Option<&RunRecord> {
        crate::exec::pick_run(&self.runs, None)
    }

    fn send(&self, request: Request) -> bool {
        let reader = self.reader.get_or_init(|| start_reader(self.waker.clone()));
        reader
            .as_ref()
            .is_some_and(|(requests, _)| requests.send(request).is_ok())
    }
}

/// Starts the helper thread that reads the store; `None` if the OS refuses a thread (the
/// catalog then stays empty and says the store cannot be read).
fn start_reader(waker: Option<Waker>) -> Option<(Sender<Request>, Receiver<Reply>)> {
    let (request_tx, request_rx) = crossbeam_channel::unbounded::<Request>();
    let (reply_tx, reply_rx) = crossbeam_channel::unbounded::<Reply>();
    thread::Builder::new()
        .name("flowcanvas-store-reader".to_owned())
        .spawn(move || read_forever(&request_rx, &reply_tx, waker.as_ref()))
        .ok()?;
    Some((request_tx, reply_rx))
}

/// Serves read requests until the catalog is dropped.
fn read_forever(requests: &Receiver<Request>, replies: &Sender<Reply>, waker: Option<&Waker>) {
    while let Ok(request) = requests.recv() {
        let reply = match request {
            Request::Refresh(store) => {
                let (histories, mut problems) = store.histories();
                let (runs, run_problems) = store.runs();
                problems.extend(run_problems);
                Reply::Snapshot {
                    store,
                    histories,
                    runs,
                    problems,
                }
            }
            Request::Object(store, hash) => {
                let outputs = store.load_object(&hash);
                Reply::Object {
                    store,
                    hash,
                    outputs,
                }
            }
        };
        if replies.send(reply).is_err() {
            return;
        }
        if let Some(wake) = waker {
            wake();
        }
    }
}

/// Every stored result, newest first.
fn output_items(histories: &BTreeMap<NodeId, NodeHistory>) -> Vec<OutputItem> {
    let mut items: Vec<OutputItem> = histories
        .iter()
        .flat_map(|(node, history)| {
            history
                .history
                .iter()
                .enumerate()
                .map(move |(index, entry)| OutputItem {
                    node: node.clone(),
                    index,
                    active: index == history.active,
                    entry: entry.clone(),
                })
        })
        .collect();
    items.sort_by(|a, b| (b.entry.at_ms, &b.node, b.index).cmp(&(a.entry.at_ms, &a.node, a.index)));
    items
}
