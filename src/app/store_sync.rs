//! Keeping the app in step with the result store: the results a flow has when it opens
//! (read and decoded off the UI thread), and results other processes store while it is open.

use std::time::{Duration, Instant};

use super::flowcanvas_app::FlowcanvasApp;
use super::jobs::{take_answer, Job};
use crate::model::NodeId;
use crate::nodes::Outputs;

/// How often the store is read again while a run produces results.
const CATALOG_READ_INTERVAL: Duration = Duration::from_secs(1);

/// A flow's stored results, read for the document of one generation.
pub struct StoredResults {
    /// The document they were read for (another may be open by the time they arrive).
    generation: u64,
    /// Each node's active result and its signature.
    results: Vec<(NodeId, Outputs, Option<String>)>,
    /// The first problem the store reported, if any.
    problem: Option<String>,
}

impl FlowcanvasApp {
    /// Starts reading the results an earlier session or the CLI left in the open flow's
    /// store; they show on the nodes when the read is done.
    pub(super) fn load_stored_results(&mut self) {
        let store = self.session.store();
        self.session.catalog.set_store(store.clone());
        self.session.catalog.refresh();
        self.stored_results = None;
        let Some(store) = store else { return };
        let generation = self.session.doc.identity().generation;
        self.stored_results = Job::start("stored-results", self.waker.clone(), move || {
            let (results, problems) = store.load_results();
            let results = results
                .into_iter()
                .map(|(node, stored)| (node, stored.outputs, stored.entry.signature))
                .collect();
            let problem = problems.first().map(ToString::to_string);
            Some(StoredResults {
                generation,
                results,
                problem,
            })
        });
    }

    /// Shows the stored results once read, on nodes that have no result of this window's
    /// runs yet.
    pub(super) fn poll_stored_results(&mut self) {
        let Some(stored) = take_answer(&mut self.stored_results) else {
            return;
        };
        if stored.generation != self.session.doc.identity().generation {
            return;
        }
        let run_view = &mut self.session.run_view;
        let fresh: Vec<_> = stored
            .results
            .into_iter()
            .filter(|(node, ..)| !run_view.has_result(node))
            .collect();
        run_view.load_stored(fresh);
        if let Some(problem) = stored.problem {
            self.notice(&format!("Result store: {problem}"));
        }
    }

    /// Whether the open flow's stored results are still being read.
    pub fn loading_stored_results(&self) -> bool {
        self.stored_results.is_some()
    }

    /// Reads the store again after results changed: at once when a run ends or a result
    /// was made active, at most once a second while a run goes on. Active results another
    /// process stored (the CLI, say) replace what the nodes show.
    pub(super) fn update_catalog(&mut self, now: Instant) {
        let catalog = &mut self.session.catalog;
        let version = catalog.version;
        let problems = catalog.poll();
        let changed = catalog.version != version;
        if let Some(problem) = problems.first() {
            self.notice(&format!("Result store: {problem}"));
        }
        if changed {
            self.adopt_stored_results();
        }
        if !self.catalog_behind {
            return;
        }
        let running = self.session.run_view.is_running();
        let recently = self
            .catalog_read_at
            .is_some_and(|at| now.duration_since(at) < CATALOG_READ_INTERVAL);
        if running && recently {
            return;
        }
        self.catalog_behind = false;
        self.catalog_read_at = Some(now);
        self.session.catalog.refresh();
    }

    /// Shows on the nodes the active results that the store has and the nodes do not (made
    /// by another process since the flow was opened): their outputs are read first.
    fn adopt_stored_results(&mut self) {
        let session = &mut self.session;
        if session.run_view.is_running() {
            return;
        }
        let mut adopted = Vec::new();
        for (node, history) in &session.catalog.histories {
            let Some(entry) = history.history.get(history.active) else {
                continue;
            };
            let view = session.run_view.node(node);
            let same = view.is_some_and(|v| {
                v.result.is_some() && v.signature.is_some() && v.signature == entry.signature
            });
            if same || entry.signature.is_none() {
                continue;
            }
            // Not read yet: asked for now, adopted on a later read.
            if let Some(Ok(outputs)) = session.catalog.object(&entry.object) {
                adopted.push((node.clone(), (*outputs).clone(), entry.signature.clone()));
            }
        }
        if !adopted.is_empty() {
            session.run_view.load_stored(adopted);
        }
    }
}
