//! Resume and Retry: a new run that picks up an earlier one that did not complete (it
//! failed, was stopped, or its process died), with the same scope, inputs and seeds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use super::engine::RunRequest;
use crate::model::{apply_inputs, Flow, NodeId};
use crate::nodes::Registry;
use crate::plan::RunMode;
use crate::store::{Continuation, ContinueHow, NodeHistory, RecordStatus, RunRecord, Store};

/// Why a run cannot be continued.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ContinueError {
    /// Every step of it completed.
    #[error("run {0} completed; there is nothing to {1}")]
    Completed(String, &'static str),
    /// It is still running (in this process or another).
    #[error("run {0} is still running")]
    StillRunning(String),
    /// Its input values no longer fit the flow.
    #[error("run {run}'s inputs no longer fit the flow: {problems}")]
    Inputs {
        /// The run.
        run: String,
        /// What does not fit.
        problems: String,
    },
}

/// The request that resumes or retries `record` on the current `flow`; `histories` are the
/// nodes' result histories from the store (they tell which steps of a run that never ended
/// completed).
///
/// Both run in Missing mode over the record's scope with its input values and seeds, so
/// results that are still valid are kept. Resume runs afresh the steps that did not
/// complete; Retry runs afresh every step from the first one (in plan order) that did not
/// complete, completed or not.
pub fn continue_run(
    flow: &Flow,
    registry: &Registry,
    record: &RunRecord,
    histories: &BTreeMap<NodeId, NodeHistory>,
    how: ContinueHow,
    base_dir: impl Into<PathBuf>,
    store: Option<Store>,
) -> Result<RunRequest, ContinueError> {
    match record.status {
        RecordStatus::Done => return Err(ContinueError::Completed(record.id.clone(), how.label())),
        RecordStatus::Running => return Err(ContinueError::StillRunning(record.id.clone())),
        _ => {}
    }
    let applied =
        apply_inputs(flow, registry, &record.inputs).map_err(|err| ContinueError::Inputs {
            run: record.id.clone(),
            problems: err.problems.join("; "),
        })?;
    let mut request = RunRequest::new(Arc::new(applied), base_dir)
        .scope(record.scope.clone())
        .mode(RunMode::Missing)
        .store(store);
    request.inputs = record.inputs.clone();
    request.seeds = record.seeds.clone();
    request.fresh = fresh_steps(record, &record.completed_nodes(histories), how);
    request.continues = Some(Continuation {
        run: record.id.clone(),
        how,
    });
    Ok(request)
}

/// The steps of `record` that run afresh when it is continued `how`, given those that
/// completed in it.
pub fn fresh_steps(
    record: &RunRecord,
    completed: &BTreeSet<NodeId>,
    how: ContinueHow,
) -> BTreeSet<NodeId> {
    let incomplete = |node: &NodeId| !completed.contains(node);
    match how {
        ContinueHow::Resume => record
            .nodes
            .iter()
            .map(|n| &n.node)
            .filter(|node| incomplete(node))
            .cloned()
            .collect(),
        ContinueHow::Retry => record
            .nodes
            .iter()
            .map(|n| &n.node)
            .skip_while(|node| !incomplete(node))
            .cloned()
            .collect(),
    }
}

/// The run to continue: the one named `wanted` (its id, or its number in the history from
/// 1), or else the latest run that did not complete and that no later run continues.
pub fn pick_run<'a>(runs: &'a [RunRecord], wanted: Option<&str>) -> Option<&'a RunRecord> {
    match wanted {
        Some(wanted) => {
            let wanted = wanted.trim_start_matches('#');
            runs.iter().find(|r| r.id == wanted).or_else(|| {
                let number: usize = wanted.parse().ok()?;
                runs.get(number.checked_sub(1)?)
            })
        }
        None => runs
            .iter()
            .rev()
            .find(|r| r.is_unfinished() && continued_by(runs, &r.id).is_none()),
    }
}

/// The later run that resumes or retries run `id`, if any (the latest one).
pub fn continued_by<'a>(runs: &'a [RunRecord], id: &str) -> Option<&'a RunRecord> {
    runs.iter()
        .rev()
        .find(|r| r.continues.as_ref().is_some_and(|c| c.run == id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::NodeStatus;
    use crate::plan::Scope;
    use crate::store::NodeRecord;

    fn record(statuses: &[(&str, Option<NodeStatus>)]) -> RunRecord {
        RunRecord {
            id: "r".to_owned(),
            pid: 1,
            started_at_ms: 0,
            finished_at_ms: None,
            scope: Scope::Flow,
            mode: RunMode::All,
            inputs: Default::default(),
            seeds: Default::default(),
            status: RecordStatus::Interrupted,
            nodes: statuses
                .iter()
                .map(|(node, status)| NodeRecord {
                    node: NodeId::from(*node),
                    status: *status,
                    elapsed_ms: None,
                    note: None,
                })
                .collect(),
            summary: None,
            continues: None,
        }
    }

    fn ids(set: &BTreeSet<NodeId>) -> Vec<&str> {
        set.iter().map(|n| n.as_str()).collect()
    }

    #[test]
    fn resume_reruns_only_what_did_not_complete() {
        let r = record(&[
            ("a", Some(NodeStatus::Succeeded)),
            ("b", None),
            ("c", Some(NodeStatus::Succeeded)),
            ("d", Some(NodeStatus::Reused)),
            ("e", Some(NodeStatus::Failed)),
        ]);
        let completed = r.completed_nodes(&BTreeMap::new());
        assert_eq!(
            ids(&fresh_steps(&r, &completed, ContinueHow::Resume)),
            ["b", "e"]
        );
    }

    #[test]
    fn retry_reruns_everything_from_the_first_incomplete_step() {
        let r = record(&[
            ("a", Some(NodeStatus::Succeeded)),
            ("b", Some(NodeStatus::Cancelled)),
            ("c", Some(NodeStatus::Succeeded)),
        ]);
        let completed = r.completed_nodes(&BTreeMap::new());
        assert_eq!(
            ids(&fresh_steps(&r, &completed, ContinueHow::Retry)),
            ["b", "c"]
        );
    }

    #[test]
    fn a_run_that_never_ended_counts_the_results_its_nodes_stored() {
        let r = record(&[("a", None), ("b", None)]);
        let mut histories = BTreeMap::new();
        histories.insert(
            NodeId::from("a"),
            NodeHistory {
                active: 0,
                history: vec![crate::store::ResultEntry {
                    object: "x".to_owned(),
                    run: "r".to_owned(),
                    at_ms: 1,
                    signature: None,
                    item: None,
                }],
            },
        );
        let completed = r.completed_nodes(&histories);
        assert_eq!(
            ids(&fresh_steps(&r, &completed, ContinueHow::Resume)),
            ["b"]
        );
    }

    #[test]
    fn completed_and_running_runs_are_refused() {
        let registry = Registry::builtin();
        let mut r = record(&[]);
        r.status = RecordStatus::Done;
        let err = continue_run(
            &Flow::default(),
            &registry,
            &r,
            &BTreeMap::new(),
            ContinueHow::Resume,
            ".",
            None,
        );
        assert_eq!(
            err.unwrap_err().to_string(),
            "run r completed; there is nothing to resume"
        );
        r.status = RecordStatus::Running;
        let err = continue_run(
            &Flow::default(),
            &registry,
            &r,
            &BTreeMap::new(),
            ContinueHow::Retry,
            ".",
            None,
        );
        assert!(matches!(err, Err(ContinueError::StillRunning(_))));
    }

    #[test]
    fn runs_are_picked_by_id_number_or_latest_unfinished() {
        let mut first = record(&[]);
        first.id = "one".to_owned();
        let mut second = record(&[]);
        second.id = "two".to_owned();
        second.status = RecordStatus::Done;
        let runs = vec![first, second];
        assert_eq!(pick_run(&runs, None).unwrap().id, "one");
        assert_eq!(pick_run(&runs, Some("two")).unwrap().id, "two");
        assert_eq!(pick_run(&runs, Some("#2")).unwrap().id, "two");
        assert!(pick_run(&runs, Some("3")).is_none());
        let mut third = record(&[]);
        third.continues = Some(Continuation {
            run: "one".to_owned(),
            how: ContinueHow::Resume,
        });
        third.status = RecordStatus::Done;
        let runs = vec![runs[0].clone(), runs[1].clone(), third];
        assert!(pick_run(&runs, None).is_none(), "run one was resumed");
    }
}
