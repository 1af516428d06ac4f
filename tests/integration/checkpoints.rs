//! Checkpoints in the engine: a run stops before a marked step, parks (with a store) so the
//! queue goes on, and continues under the same record after approve or skip; reject ends
//! it; every decision is in the record with its comment.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use flowcanvas::exec::NodeStatus;
use flowcanvas::exec::{decide, Decided, Engine, Event, RunRequest, RunState};
use flowcanvas::model::{CheckpointMode, Flow, NodeId, Verdict};
use flowcanvas::store::{RunRecord, Store, Waiting};

use crate::support::{events_until_finished, flow, template, test_registry, text};

/// fetch → review → upload, with a checkpoint before `review`.
fn reviewed_flow() -> Flow {
    let mut review = template("review", &["x"]);
    review.title = "Review".to_owned();
    review.checkpoint = Some("Sign off before the upload".to_owned());
    let mut fetch = text("fetch");
    fetch.title = "Fetch".to_owned();
    flow(
        vec![fetch, review, template("upload", &["y"])],
        &[("fetch.text", "review.x"), ("review.text", "upload.y")],
    )
}

fn request(flow: &Flow, dir: &Path) -> RunRequest {
    RunRequest::new(Arc::new(flow.clone()), dir).store(Some(Store::at(dir.join("store"))))
}

fn finished(events: &[Event]) -> (RunState, String) {
    match events.last() {
        Some(Event::RunFinished {
            status, summary, ..
        }) => (*status, summary.clone()),
        other => panic!("the run did not finish: {other:?}"),
    }
}

fn only_run(dir: &Path) -> RunRecord {
    let (mut runs, problems) = Store::at(dir.join("store")).runs();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(runs.len(), 1, "one record, continued in place: {runs:#?}");
    runs.remove(0)
}

fn status_in(record: &RunRecord, node: &str) -> Option<NodeStatus> {
    (record.nodes.iter())
        .find(|n| n.node.as_str() == node)
        .and_then(|n| n.status)
}

/// Runs the flow until it parks, checking it parked before `review` after `fetch`.
fn run_until_parked(engine: &mut Engine, flow: &Flow, dir: &Path) -> RunRecord {
    engine.submit(request(flow, dir));
    let events = events_until_finished(engine);
    let reached = events.iter().find_map(|e| match e {
        Event::CheckpointReached {
            node,
            message,
            previous,
            record,
            ..
        } => Some((
            node.clone(),
            message.clone(),
            previous.clone(),
            record.clone(),
        )),
        _ => None,
    });
    let (node, message, previous, record) = reached.expect("a checkpoint_reached event");
    assert_eq!(node.as_str(), "review");
    assert_eq!(message, "Sign off before the upload");
    assert_eq!(previous.as_ref().map(NodeId::as_str), Some("fetch"));
    let (status, summary) = finished(&events);
    assert_eq!(status, RunState::Paused, "{summary}");
    assert!(
        summary.starts_with("Flow paused before `Review` for a decision"),
        "{summary}"
    );
    let parked = only_run(dir);
    assert_eq!(Some(parked.id.clone()), record);
    assert_eq!(parked.status, RunState::Paused);
    assert!(matches!(
        &parked.waiting,
        Some(Waiting::Checkpoint { node, .. }) if node.as_str() == "review"
    ));
    assert_eq!(status_in(&parked, "fetch"), Some(NodeStatus::Succeeded));
    assert_eq!(status_in(&parked, "review"), None, "not reached yet");
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::NodeStarted { node, .. } if node.as_str() == "review")),
        "the marked step did not start"
    );
    parked
}

fn decided(
    flow: &Flow,
    dir: &Path,
    record: &RunRecord,
    verdict: Verdict,
    comment: &str,
) -> Decided {
    let store = Store::at(dir.join("store"));
    let (histories, _) = store.histories();
    decide(
        flow,
        &test_registry(),
        record,
        &histories,
        verdict,
        comment,
        dir,
        &store,
    )
    .unwrap()
}

fn continue_run(engine: &mut Engine, decided: Decided) -> Vec<Event> {
    let Decided::Continue(request) = decided else {
        panic!("approve and skip continue the run");
    };
    engine.submit(*request);
    events_until_finished(engine)
}

#[test]
fn approve_continues_the_same_run_from_the_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let flow = reviewed_flow();
    let mut engine = Engine::start(test_registry()).unwrap();
    let parked = run_until_parked(&mut engine, &flow, dir.path());

    let verdict = decided(
        &flow,
        dir.path(),
        &parked,
        Verdict::Approve,
        " Looks good, ship it ",
    );
    let events = continue_run(&mut engine, verdict);
    let started: Vec<&str> = (events.iter())
        .filter_map(|e| match e {
            Event::NodeStarted { node, .. } => Some(node.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(started, ["review", "upload"], "fetch is not run again");
    assert!(events.iter().any(|e| matches!(
        e,
        Event::Decided { decision, .. } if decision.verdict == Verdict::Approve
    )));
    assert_eq!(finished(&events).0, RunState::Completed);

    let record = only_run(dir.path());
    assert_eq!(record.id, parked.id, "the same run went on");
    assert_eq!(record.status, RunState::Completed);
    assert_eq!(record.waiting, None);
    assert_eq!(record.decisions.len(), 1);
    let decision = &record.decisions[0];
    assert_eq!(decision.node.as_str(), "review");
    assert_eq!(decision.verdict, Verdict::Approve);
    assert_eq!(decision.comment, "Looks good, ship it");
    assert!(decision.at_ms >= parked.started_at_ms);
    for node in ["fetch", "review", "upload"] {
        assert_eq!(
            status_in(&record, node),
            Some(NodeStatus::Succeeded),
            "{node}"
        );
    }
}

#[test]
fn reject_ends_the_run_rejected_with_the_comment_as_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let flow = reviewed_flow();
    let mut engine = Engine::start(test_registry()).unwrap();
    let parked = run_until_parked(&mut engine, &flow, dir.path());

    let Decided::Rejected(record) =
        decided(&flow, dir.path(), &parked, Verdict::Reject, "wrong numbers")
    else {
        panic!("reject does not continue");
    };
    assert_eq!(record.status, RunState::Rejected);
    let stored = only_run(dir.path());
    assert_eq!(stored, *record, "written to the store");
    assert_eq!(
        stored.summary.as_deref(),
        Some("Flow rejected at `Review`: wrong numbers")
    );
    assert_eq!(stored.decisions[0].verdict, Verdict::Reject);
    assert_eq!(stored.decisions[0].comment, "wrong numbers");
    assert_eq!(status_in(&stored, "review"), Some(NodeStatus::Cancelled));
    assert_eq!(status_in(&stored, "upload"), Some(NodeStatus::Cancelled));
    assert_eq!(status_in(&stored, "fetch"), Some(NodeStatus::Succeeded));

    // A rejected run is over: no second decision.
    let store = Store::at(dir.path().join("store"));
    let again = decide(
        &flow,
        &test_registry(),
        &stored,
        &BTreeMap::new(),
        Verdict::Approve,
        "",
        dir.path(),
        &store,
    );
    assert_eq!(
        again.unwrap_err().to_string(),
        format!(
            "run {} is not waiting for a decision (it is rejected)",
            stored.id
        )
    );
}

#[test]
fn skip_leaves_the_step_out_and_its_dependents_follow_the_wire_rules() {
    let dir = tempfile::tempdir().unwrap();
    let mut flow = reviewed_flow();
    // `notify` hears about review whatever it does; `upload` only when it succeeds.
    let mut notify = template("notify", &["s"]);
    notify.values.insert("s".into(), "none".into());
    flow.nodes.push(notify);
    let mut always = crate::support::edge("review.text", "notify.s");
    always.outcome = flowcanvas::model::Outcome::Always;
    flow.edges.push(always);
    let mut engine = Engine::start(test_registry()).unwrap();
    let parked = run_until_parked(&mut engine, &flow, dir.path());

    let events = continue_run(
        &mut engine,
        decided(&flow, dir.path(), &parked, Verdict::Skip, "not this time"),
    );
    let skipped = events.iter().find_map(|e| match e {
        Event::NodeSkipped { node, reason, .. } if node.as_str() == "review" => Some(reason),
        _ => None,
    });
    assert_eq!(
        skipped.map(String::as_str),
        Some("skipped at its checkpoint: not this time")
    );
    let (status, summary) = finished(&events);
    assert_eq!(
        status,
        RunState::Completed,
        "a skip a person chose is not a failure: {summary}"
    );
    let record = only_run(dir.path());
    assert_eq!(status_in(&record, "review"), Some(NodeStatus::Skipped));
    assert_eq!(status_in(&record, "upload"), Some(NodeStatus::Skipped));
    assert_eq!(status_in(&record, "notify"), Some(NodeStatus::Succeeded));
    assert_eq!(record.decisions[0].verdict, Verdict::Skip);
}

#[test]
fn a_parked_run_does_not_hold_up_the_queue() {
    let dir = tempfile::tempdir().unwrap();
    let flow = reviewed_flow();
    let mut engine = Engine::start(test_registry()).unwrap();
    engine.submit(request(&flow, dir.path()));
    let other_dir = tempfile::tempdir().unwrap();
    let other = crate::support::flow(vec![text("solo")], &[]);
    engine.submit(request(&other, other_dir.path()));
    let first = events_until_finished(&mut engine);
    assert_eq!(finished(&first).0, RunState::Paused);
    let second = events_until_finished(&mut engine);
    assert_eq!(
        finished(&second).0,
        RunState::Completed,
        "the next queued run ran while the first waits"
    );
    // The first still waits, and goes on when decided.
    let parked = only_run(dir.path());
    assert_eq!(parked.status, RunState::Paused);
    let events = continue_run(
        &mut engine,
        decided(&flow, dir.path(), &parked, Verdict::Approve, ""),
    );
    assert_eq!(finished(&events).0, RunState::Completed);
}

#[test]
fn checkpoint_modes_choose_which_steps_stop() {
    let dir = tempfile::tempdir().unwrap();
    let flow = reviewed_flow();
    let mut engine = Engine::start(test_registry()).unwrap();

    engine.submit(request(&flow, dir.path()).checkpoints(CheckpointMode::None));
    let events = events_until_finished(&mut engine);
    assert_eq!(
        finished(&events).0,
        RunState::Completed,
        "none: straight through"
    );

    engine.submit(request(&flow, dir.path()).checkpoints(CheckpointMode::Every));
    let events = events_until_finished(&mut engine);
    let at = events.iter().find_map(|e| match e {
        Event::CheckpointReached { node, message, .. } => Some((node.clone(), message.clone())),
        _ => None,
    });
    assert_eq!(
        at,
        Some((
            NodeId::from("fetch"),
            "Approve before `Fetch` runs".to_owned()
        )),
        "every: the first step stops too, with a plain message"
    );
}

#[test]
fn without_a_store_the_run_waits_in_place_for_the_decision() {
    let flow = reviewed_flow();
    let mut engine = Engine::start(test_registry()).unwrap();
    let run = engine.submit(RunRequest::new(Arc::new(flow), "."));
    let reached = loop {
        match engine
            .recv_timeout(std::time::Duration::from_secs(30))
            .unwrap()
        {
            Event::CheckpointReached { node, record, .. } => break (node, record),
            Event::RunFinished { .. } => panic!("the run ended instead of waiting"),
            _ => {}
        }
    };
    assert_eq!(reached, (NodeId::from("review"), None));
    engine.handle().decide(
        run,
        flowcanvas::store::Decision::now(NodeId::from("review"), Verdict::Approve, "ok"),
    );
    let events = events_until_finished(&mut engine);
    assert!(events.iter().any(|e| matches!(e, Event::Decided { .. })));
    assert_eq!(finished(&events).0, RunState::Completed);
}

#[test]
fn rejecting_a_run_waiting_in_place_ends_it_rejected() {
    let flow = reviewed_flow();
    let mut engine = Engine::start(test_registry()).unwrap();
    let run = engine.submit(RunRequest::new(Arc::new(flow), "."));
    while !matches!(
        engine
            .recv_timeout(std::time::Duration::from_secs(30))
            .unwrap(),
        Event::CheckpointReached { .. }
    ) {}
    engine.handle().decide(
        run,
        flowcanvas::store::Decision::now(NodeId::from("review"), Verdict::Reject, "no"),
    );
    let events = events_until_finished(&mut engine);
    let (status, summary) = finished(&events);
    assert_eq!(status, RunState::Rejected, "{summary}");
    assert!(summary.starts_with("Flow rejected"), "{summary}");
}

#[test]
fn two_deciders_at_one_checkpoint_cannot_both_continue_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let flow = reviewed_flow();
    let mut engine = Engine::start(test_registry()).unwrap();
    let parked = run_until_parked(&mut engine, &flow, dir.path());
    // The first decision holds the run until its continuation runs.
    let first = decided(&flow, dir.path(), &parked, Verdict::Approve, "first");
    let store = Store::at(dir.path().join("store"));
    let second = decide(
        &flow,
        &test_registry(),
        &parked,
        &BTreeMap::new(),
        Verdict::Reject,
        "second",
        dir.path(),
        &store,
    );
    assert_eq!(
        second.unwrap_err().to_string(),
        format!(
            "run {} is being decided or continued elsewhere right now",
            parked.id
        )
    );
    let events = continue_run(&mut engine, first);
    assert_eq!(finished(&events).0, RunState::Completed);
    // Afterwards the stale copy of the record is refused: the store's says completed.
    let late = decide(
        &flow,
        &test_registry(),
        &parked,
        &BTreeMap::new(),
        Verdict::Reject,
        "late",
        dir.path(),
        &store,
    );
    assert_eq!(
        late.unwrap_err().to_string(),
        format!(
            "run {} is not waiting for a decision (it is completed)",
            parked.id
        )
    );
    let record = only_run(dir.path());
    assert_eq!(record.decisions.len(), 1, "{:?}", record.decisions);
    assert_eq!(record.decisions[0].comment, "first");
}
