//! Resume and Retry: a new run that picks up an earlier one that did not complete (it
//! failed, was stopped, or its process died), with the same scope, inputs and seeds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use super::engine::RunRequest;
use crate::check::apply_inputs;
use crate::model::{Flow, NodeId, NodeLabels, Verdict};
use crate::nodes::Registry;
use crate::plan::{Plan, RunMode};
use crate::store::{
    Continuation, ContinueHow, Decision, NodeHistory, RunRecord, RunState, Store, Waiting,
};

/// Why a run cannot be continued.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ContinueError {
    /// Every step of it completed.
    #[error("run {0} completed; there is nothing to {1}")]
    Completed(String, &'static str),
    /// It is still running (in this process or another).
    #[error("run {0} is still running")]
    StillRunning(String),
    /// It is not paused at a checkpoint.
    #[error("run {0} is not waiting for a decision (it is {1})")]
    NotWaiting(String, &'static str),
    /// The store could not be written.
    #[error("{0}")]
    Store(String),
    /// Someone else is deciding or continuing it right now.
    #[error("run {0} is being decided or continued elsewhere right now")]
    Busy(String),
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
/// complete; Retry runs afresh those and every step downstream of them, completed or not.
/// Neither redoes a completed step that does not depend on a step that did not complete.
/// A restricted run continues restricted (the caller may restrict an unrestricted one).
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
        RunState::Completed => {
            return Err(ContinueError::Completed(record.id.clone(), how.label()))
        }
        RunState::Running => return Err(ContinueError::StillRunning(record.id.clone())),
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
        .store(store)
        // Continuing a restricted run must not run what it left out; a run blocked on
        // trust was restricted only for want of it: the client says whether it still is.
        .restricted(record.restricted && record.status != RunState::Blocked);
    request.inputs = record.inputs.clone();
    request.seeds = record.seeds.clone();
    // What depends on what, as the record's scope plans on the flow as it is now.
    let has_result = |_: &NodeId| true;
    let planned = crate::plan::plan(
        &request.flow,
        registry,
        &record.scope,
        RunMode::All,
        &has_result,
    )
    .ok();
    request.fresh = fresh_steps(
        record,
        &record.completed_nodes(histories),
        how,
        planned.as_ref(),
    );
    request.continues = Some(Continuation {
        run: record.id.clone(),
        how,
    });
    Ok(request)
}

/// What a decision at a parked run's checkpoint leads to.
#[derive(Debug)]
pub enum Decided {
    /// Approve or skip: the run goes on, under its own record, when this request runs.
    Continue(Box<RunRequest>),
    /// Reject: the run ended rejected; this is its record as written.
    Rejected(Box<RunRecord>),
}

/// Applies a person's `verdict` (with `comment`) to `record`, a run parked at a
/// checkpoint: the one path the app and `flowcanvas decide` share. Reject ends the run
/// (its record is rewritten at once, the decision in it); approve and skip give the
/// request that continues it (submit it to an engine; its record gets the decision when it
/// starts). `histories` and the rest are as for [`continue_run`].
#[allow(clippy::too_many_arguments)]
pub fn decide(
    flow: &Flow,
    registry: &Registry,
    record: &RunRecord,
    histories: &BTreeMap<NodeId, NodeHistory>,
    verdict: Verdict,
    comment: &str,
    base_dir: impl Into<PathBuf>,
    store: &Store,
) -> Result<Decided, ContinueError> {
    // Only one decision per checkpoint: the run is claimed, then read afresh (another
    // process may have decided it since `record` was read).
    let store_problem =
        |problem: crate::store::StoreProblem| ContinueError::Store(problem.to_string());
    let claim = store
        .claim_run_alone(&record.id)
        .map_err(store_problem)?
        .ok_or_else(|| ContinueError::Busy(record.id.clone()))?;
    let fresh = store.run_record(&record.id).map_err(store_problem)?;
    let record = fresh.as_ref().unwrap_or(record);
    let node = match (&record.waiting, record.status) {
        (Some(Waiting::Checkpoint { node, .. }), RunState::Paused) => node.clone(),
        _ => {
            return Err(ContinueError::NotWaiting(
                record.id.clone(),
                record.status.label(),
            ))
        }
    };
    let decision = Decision::now(node, verdict, comment);
    if verdict == Verdict::Reject {
        let mut rejected = record.clone();
        let title = NodeLabels::of(flow).quoted(&decision.node);
        rejected.summary = Some(match decision.comment.as_str() {
            "" => format!("Flow rejected at {title}"),
            comment => format!("Flow rejected at {title}: {comment}"),
        });
        for line in rejected.nodes.iter_mut().filter(|n| n.status.is_none()) {
            line.status = Some(crate::status::NodeStatus::Cancelled);
            line.note = Some("not started: the run was rejected at a checkpoint".to_owned());
        }
        rejected.status = RunState::Rejected;
        rejected.waiting = None;
        rejected.finished_at_ms = Some(crate::store::now_ms());
        rejected.decisions.push(decision);
        store
            .write_run(&rejected)
            .map_err(|problem| ContinueError::Store(problem.to_string()))?;
        return Ok(Decided::Rejected(Box::new(rejected)));
    }
    let mut request = continue_run(
        flow,
        registry,
        record,
        histories,
        ContinueHow::Resume,
        base_dir,
        Some(store.clone()),
    )?;
    request.continues = None;
    request.checkpoints = record.checkpoints;
    request.decisions = vec![decision];
    request.resumes = Some(Box::new(record.clone()));
    request.claimed = Some(Arc::new(std::sync::Mutex::new(Some(claim))));
    Ok(Decided::Continue(Box::new(request)))
}

/// Cancels `record`, a run that waits (paused at a checkpoint, or blocked): it ends
/// `cancelled`, the steps it had not reached cancelled too; Resume can still continue it
/// (from the step it waited at). Its record is rewritten at once.
pub fn cancel_waiting(
    flow: &Flow,
    record: &RunRecord,
    store: &Store,
) -> Result<RunRecord, ContinueError> {
    let Some(waiting) = record
        .waiting
        .as_ref()
        .filter(|_| matches!(record.status, RunState::Paused | RunState::Blocked))
    else {
        return Err(ContinueError::NotWaiting(
            record.id.clone(),
            record.status.label(),
        ));
    };
    let mut cancelled = record.clone();
    let at = NodeLabels::of(flow).quoted(waiting.node());
    cancelled.summary = Some(format!("Flow cancelled while it waited at {at}"));
    for line in cancelled.nodes.iter_mut().filter(|n| n.status.is_none()) {
        line.status = Some(crate::status::NodeStatus::Cancelled);
        line.note = Some("not started: the run was cancelled".to_owned());
    }
    cancelled.status = RunState::Cancelled;
    cancelled.waiting = None;
    cancelled.finished_at_ms = Some(crate::store::now_ms());
    store
        .write_run(&cancelled)
        .map_err(|problem| ContinueError::Store(problem.to_string()))?;
    Ok(cancelled)
}

/// The latest run parked at a checkpoint, or the run named `wanted` (as [`pick_run`]).
pub fn pick_parked<'a>(runs: &'a [RunRecord], wanted: Option<&str>) -> Option<&'a RunRecord> {
    match wanted {
        Some(_) => pick_run(runs, wanted),
        None => runs.iter().rev().find(|r| r.status == RunState::Paused),
    }
}

/// The steps of `record` that run afresh when it is continued `how`, given those that
/// completed in it and the plan of its scope on the current flow (for what depends on
/// what; without one, Retry resets only the steps that did not complete).
pub fn fresh_steps(
    record: &RunRecord,
    completed: &BTreeSet<NodeId>,
    how: ContinueHow,
    planned: Option<&Plan>,
) -> BTreeSet<NodeId> {
    let mut fresh: BTreeSet<NodeId> = record
        .nodes
        .iter()
        .map(|n| &n.node)
        .filter(|node| !completed.contains(*node))
        .cloned()
        .collect();
    if how == ContinueHow::Retry {
        if let Some(planned) = planned {
            fresh.extend(downstream_of(planned, &fresh));
        }
    }
    fresh
}

/// The steps of `planned` that depend, directly or not, on one of `nodes`.
fn downstream_of(planned: &Plan, nodes: &BTreeSet<NodeId>) -> Vec<NodeId> {
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); planned.steps.len()];
    for (index, step) in planned.steps.iter().enumerate() {
        for &dep in &step.deps {
            if let Some(list) = dependents.get_mut(dep) {
                list.push(index);
            }
        }
    }
    let mut reached = vec![false; planned.steps.len()];
    let mut stack: Vec<usize> = planned
        .steps
        .iter()
        .enumerate()
        .filter(|(_, step)| nodes.contains(&step.node))
        .map(|(index, _)| index)
        .collect();
    while let Some(index) = stack.pop() {
        for &next in &dependents[index] {
            if !reached[next] {
                reached[next] = true;
                stack.push(next);
            }
        }
    }
    planned
        .steps
        .iter()
        .zip(reached)
        .filter(|(_, reached)| *reached)
        .map(|(step, _)| step.node.clone())
        .collect()
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
            status: RunState::Interrupted,
            nodes: statuses
                .iter()
                .map(|(node, status)| NodeRecord {
                    status: *status,
                    ..NodeRecord::new(NodeId::from(*node))
                })
                .collect(),
            summary: None,
            continues: None,
            restricted: false,
            checkpoints: Default::default(),
            decisions: Vec::new(),
            waiting: None,
            started_by: String::new(),
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
            ids(&fresh_steps(&r, &completed, ContinueHow::Resume, None)),
            ["b", "e"]
        );
    }

    #[test]
    fn retry_keeps_completed_steps_that_do_not_depend_on_the_retried_one() {
        // a → b → c, and x on its own; b was cancelled. In id order x comes after b.
        let flow = crate::format::parse(
            r#"Flow(version: 1, nodes: [
                Node(id: "a", kind: "text"),
                Node(id: "b", kind: "template", params: {"template": "{x}", "vars": ["x"]}),
                Node(id: "c", kind: "template", params: {"template": "{x}", "vars": ["x"]}),
                Node(id: "x", kind: "text"),
            ], edges: ["a.text -> b.x", "b.text -> c.x"])"#,
            &Registry::builtin(),
        )
        .unwrap();
        let planned = crate::plan::plan(
            &flow,
            &Registry::builtin(),
            &Scope::Flow,
            RunMode::All,
            &|_| true,
        )
        .unwrap();
        let r = record(&[
            ("a", Some(NodeStatus::Succeeded)),
            ("b", Some(NodeStatus::Cancelled)),
            ("c", Some(NodeStatus::Succeeded)),
            ("x", Some(NodeStatus::Succeeded)),
        ]);
        let completed = r.completed_nodes(&BTreeMap::new());
        assert_eq!(
            ids(&fresh_steps(
                &r,
                &completed,
                ContinueHow::Retry,
                Some(&planned)
            )),
            ["b", "c"],
            "c depends on b and starts clean; x does not"
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
                    notes: Vec::new(),
                }],
            },
        );
        let completed = r.completed_nodes(&histories);
        assert_eq!(
            ids(&fresh_steps(&r, &completed, ContinueHow::Resume, None)),
            ["b"]
        );
    }

    #[test]
    fn completed_and_running_runs_are_refused() {
        let registry = Registry::builtin();
        let mut r = record(&[]);
        r.status = RunState::Completed;
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
        r.status = RunState::Running;
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
        second.status = RunState::Completed;
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
        third.status = RunState::Completed;
        let runs = vec![runs[0].clone(), runs[1].clone(), third];
        assert!(pick_run(&runs, None).is_none(), "run one was resumed");
    }
}
