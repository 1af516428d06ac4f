//! Tests of the result store.

use super::*;
use crate::model::Value;

fn outputs(text: &str) -> Outputs {
    Outputs::new().with("text", Value::Text(text.to_owned()))
}

/// Outputs too large to travel in the journal: they get an object file.
fn big(text: &str) -> Outputs {
    outputs(&text.repeat(journal::INLINE_MAX_BYTES))
}

fn journal_text(store: &Store) -> String {
    fs::read_to_string(store.journal_path()).unwrap()
}

fn record(id: &str, pid: u32) -> RunRecord {
    RunRecord {
        id: id.to_owned(),
        pid,
        started_at_ms: 1,
        finished_at_ms: None,
        scope: crate::plan::Scope::Flow,
        mode: crate::plan::RunMode::All,
        inputs: Default::default(),
        seeds: Default::default(),
        status: RunState::Running,
        nodes: ["a", "b", "c"]
            .into_iter()
            .map(|node| NodeRecord::new(NodeId::from(node)))
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

#[test]
fn results_round_trip_and_keep_history() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    let node = NodeId::from("a");
    store
        .save_result(&node, &outputs("one"), "r1", None)
        .unwrap();
    let second = store
        .save_result(&node, &outputs("two"), "r2", None)
        .unwrap();
    let (results, problems) = store.load_results();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(results[&node].outputs, outputs("two"));
    assert_eq!(results[&node].entry, second);
    let history = &store.histories().0[&node];
    assert_eq!(history.history.len(), 2);
    let again = Store::at(dir.path()).load_results().0;
    assert_eq!(
        again[&node].outputs,
        outputs("two"),
        "another process reads it"
    );
}

#[test]
fn equal_results_share_one_object() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    store
        .save_result(&NodeId::from("a"), &outputs("same"), "r1", None)
        .unwrap();
    store
        .save_result(&NodeId::from("b"), &outputs("same"), "r1", None)
        .unwrap();
    assert_eq!(journal_text(&store).matches("\"same\"").count(), 1);
    assert!(
        !dir.path().join("objects").exists(),
        "small results need no file"
    );
    let (results, problems) = Store::at(dir.path()).load_results();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(results[&NodeId::from("b")].outputs, outputs("same"));
}

#[test]
fn broken_files_are_reported_by_name_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    store
        .save_result(&NodeId::from("good"), &outputs("ok"), "r1", None)
        .unwrap();
    let entry = store
        .save_result(&NodeId::from("lost"), &big("gone"), "r1", None)
        .unwrap();
    fs::remove_file(store.object_path(&entry.object)).unwrap();
    let truncated = store
        .save_result(&NodeId::from("cut"), &big("long text"), "r1", None)
        .unwrap();
    fs::write(
        store.object_path(&truncated.object),
        "{\"text\": {\"type\": \"te",
    )
    .unwrap();
    let mut journal = fs::OpenOptions::new()
        .append(true)
        .open(store.journal_path())
        .unwrap();
    io::Write::write_all(&mut journal, b"\n{not json}").unwrap();
    let (results, problems) = Store::at(dir.path()).load_results();
    assert_eq!(results.len(), 1, "only the intact result loads");
    assert!(results.contains_key(&NodeId::from("good")));
    assert_eq!(problems.len(), 3, "{problems:?}");
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(
        text.iter()
            .any(|p| p.contains("results.log") && p.contains("line 5: unreadable")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|p| p.contains(&entry.object) && p.contains("missing")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|p| p.contains(&truncated.object) && p.contains("checksum")),
        "{text:?}"
    );
}

#[test]
fn edited_object_is_dropped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    store
        .save_result(&NodeId::from("small"), &outputs("original"), "r1", None)
        .unwrap();
    let large = store
        .save_result(&NodeId::from("large"), &big("original"), "r1", None)
        .unwrap();
    // Edits that keep the JSON valid: only the checksum tells.
    let edited = journal_text(&store).replace("\"original\"", "\"tampered\"");
    fs::write(store.journal_path(), edited).unwrap();
    let object = store.object_path(&large.object);
    let text = fs::read_to_string(&object)
        .unwrap()
        .replacen("original", "tampered", 1);
    fs::write(&object, text).unwrap();

    let reader = Store::at(dir.path());
    let (results, problems) = reader.load_results();
    assert!(results.is_empty(), "both edited results are dropped");
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(text.len(), 2, "{text:?}");
    assert!(
        text.iter().any(
            |p| p.contains("results.log: line 2:") && p.contains("does not match its checksum")
        ),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|p| p.contains(&large.object) && p.contains("does not match its checksum")),
        "{text:?}"
    );
    let problem = reader.set_active(&NodeId::from("large"), 0).unwrap_err();
    assert!(problem.message.contains("checksum"), "{problem}");
}

#[test]
fn an_unfinished_journal_line_is_skipped_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    store
        .save_result(&NodeId::from("a"), &outputs("kept"), "r1", None)
        .unwrap();
    // A writer killed mid-line, then a later writer's line.
    let mut journal = fs::OpenOptions::new()
        .append(true)
        .open(store.journal_path())
        .unwrap();
    io::Write::write_all(&mut journal, b"\n{\"op\":\"add\",\"node\":\"b\",\"ent").unwrap();
    store
        .save_result(&NodeId::from("c"), &outputs("after"), "r2", None)
        .unwrap();
    let (results, problems) = Store::at(dir.path()).load_results();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(results.len(), 2);
    assert_eq!(results[&NodeId::from("c")].outputs, outputs("after"));
}

#[test]
fn the_run_that_ends_last_owns_the_active_results() {
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = (Store::at(dir.path()), Store::at(dir.path()));
    let (a, b) = (NodeId::from("a"), NodeId::from("b"));
    // Two runs of the chain a → b overlap: r1's `b` lands after r2's.
    one.save_result(&a, &outputs("a1"), "r1", None).unwrap();
    two.save_result(&a, &outputs("a2"), "r2", None).unwrap();
    two.save_result(&b, &outputs("b2"), "r2", None).unwrap();
    one.save_result(&b, &outputs("b1"), "r1", None).unwrap();
    two.finish_run("r2").unwrap();
    one.finish_run("r1").unwrap();
    let (results, _) = Store::at(dir.path()).load_results();
    assert_eq!(results[&a].entry.run, "r1");
    assert_eq!(results[&b].entry.run, "r1");
    let (histories, _) = one.histories();
    assert_eq!(histories[&a].history.len(), 2, "both results kept");
    assert_eq!(histories[&b].history.len(), 2, "both results kept");
}

#[test]
fn a_read_only_store_fails_with_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("store");
    fs::write(&blocker, "a file where the folder should be").unwrap();
    let store = Store::at(&blocker);
    let err = store
        .save_result(&NodeId::from("a"), &outputs("x"), "r1", None)
        .unwrap_err();
    assert!(err.path.starts_with(&blocker), "{err}");
}

#[test]
fn dead_run_with_reused_pid_reads_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    let live = store.claim_run("live").unwrap();
    store.write_run(&record("live", 1)).unwrap();
    // The pids of live processes (this one, init), but no live run behind them.
    store
        .write_run(&record("mine", std::process::id()))
        .unwrap();
    store.write_run(&record("init", 1)).unwrap();
    store.write_run(&record("dead", u32::MAX - 7)).unwrap();
    let (runs, problems) = store.runs();
    assert!(problems.is_empty(), "{problems:?}");
    let status = |runs: &[RunRecord], id: &str| runs.iter().find(|r| r.id == id).unwrap().status;
    assert_eq!(status(&runs, "live"), RunState::Running);
    for id in ["mine", "init", "dead"] {
        assert_eq!(status(&runs, id), RunState::Interrupted, "{id}");
    }
    drop(live);
    let (runs, _) = store.runs();
    assert_eq!(
        status(&runs, "live"),
        RunState::Interrupted,
        "ended without its final record"
    );
}

#[test]
fn an_interrupted_record_tells_what_its_steps_did() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    store.write_run(&record("r1", u32::MAX - 7)).unwrap();
    store
        .save_result(&NodeId::from("a"), &outputs("done"), "r1", None)
        .unwrap();
    store.clear_active(&NodeId::from("b"), "r1").unwrap();
    let (runs, _) = store.runs();
    let statuses: Vec<Option<NodeStatus>> = runs[0].nodes.iter().map(|n| n.status).collect();
    assert_eq!(
        statuses,
        [Some(NodeStatus::Succeeded), Some(NodeStatus::Failed), None]
    );
    let on_disk: RunRecord = read_json(&store.run_path("r1")).unwrap().unwrap();
    assert_eq!(on_disk, runs[0], "rewritten so");
}

#[test]
fn stale_temporaries_are_removed_when_a_run_starts() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    let dead = u32::MAX - 7;
    let stale = [
        dir.path().join(format!("objects/.x.json.tmp-{dead}-3")),
        dir.path().join(format!("runs/.r.json.tmp-{dead}-0")),
    ];
    let live = dir
        .path()
        .join(format!("runs/.r.json.tmp-{}-0", std::process::id()));
    for path in stale.iter().chain([&live]) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, "half").unwrap();
    }
    assert!(store.remove_stale_temporaries().is_empty());
    assert!(stale.iter().all(|p| !p.exists()), "stale ones removed");
    assert!(live.exists(), "a live writer's temporary stays");
}

#[test]
fn the_store_sits_beside_the_flow() {
    assert_eq!(
        Store::for_flow(Path::new("saves/x.flow")).dir(),
        Path::new("saves/x.flow.d")
    );
}

#[test]
fn the_same_result_again_updates_the_active_entry() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    let node = NodeId::from("a");
    store
        .save_result(&node, &outputs("one"), "r1", None)
        .unwrap();
    store
        .save_result(&node, &outputs("two"), "r2", None)
        .unwrap();
    store
        .save_result(&node, &outputs("two"), "r3", None)
        .unwrap();
    let (histories, _) = store.histories();
    let runs: Vec<&str> = histories[&node]
        .history
        .iter()
        .map(|e| e.run.as_str())
        .collect();
    assert_eq!(runs, ["r1", "r3"]);
    // After going back to an earlier result, a new equal one is not a new entry either.
    store.set_active(&node, 0).unwrap();
    store
        .save_result(&node, &outputs("one"), "r4", None)
        .unwrap();
    let (histories, _) = store.histories();
    assert_eq!(histories[&node].history.len(), 2);
    assert_eq!(histories[&node].active, 0);
    assert_eq!(histories[&node].history[0].run, "r4");
}

#[test]
fn an_earlier_result_can_be_made_active_but_not_a_lost_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    let node = NodeId::from("a");
    let first = store.save_result(&node, &big("one"), "r1", None).unwrap();
    store
        .save_result(&node, &outputs("two"), "r2", None)
        .unwrap();
    let stored = store.set_active(&node, 0).unwrap();
    assert_eq!(stored.outputs, big("one"));
    assert_eq!(store.load_results().0[&node].entry, first);
    fs::remove_file(store.object_path(&first.object)).unwrap();
    store.set_active(&node, 1).unwrap();
    let problem = store.set_active(&node, 0).unwrap_err();
    assert!(problem.to_string().contains("missing"), "{problem}");
    assert_eq!(
        store.histories().0[&node].active,
        1,
        "the lost one did not become active"
    );
    let problem = store.set_active(&NodeId::from("nobody"), 0).unwrap_err();
    assert!(problem.to_string().contains("no results"), "{problem}");
}

#[test]
fn histories_written_before_the_journal_are_read_and_added_to() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    // The older layout: a history file per node, outputs in objects/.
    let old = outputs("old");
    let bytes = serde_json::to_vec(&old).unwrap();
    let hash = hex(&Sha256::digest(&bytes));
    fs::create_dir_all(dir.path().join("objects")).unwrap();
    fs::write(store.object_path(&hash), &bytes).unwrap();
    let history = NodeHistory {
        active: 0,
        history: vec![ResultEntry {
            object: hash,
            run: "r0".to_owned(),
            at_ms: 1,
            signature: None,
            item: None,
            notes: Vec::new(),
        }],
    };
    fs::create_dir_all(dir.path().join("nodes")).unwrap();
    fs::write(
        dir.path().join("nodes/a.json"),
        serde_json::to_vec(&history).unwrap(),
    )
    .unwrap();
    let node = NodeId::from("a");
    assert_eq!(store.load_results().0[&node].outputs, old);
    store
        .save_result(&node, &outputs("new"), "r1", None)
        .unwrap();
    store
        .clear_active(&NodeId::from("never-ran"), "r1")
        .unwrap();
    let (histories, problems) = Store::at(dir.path()).histories();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(histories[&node].history.len(), 2);
    assert_eq!(histories[&node].active, 1);
    assert_eq!(histories.len(), 1, "a failure alone makes no history");
}

/// A store large enough to be read on several threads drops exactly its damaged results,
/// and each remaining node keeps its own outputs.
#[test]
fn a_large_store_read_on_every_core_drops_only_its_damaged_results() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    let count = 3 * PARALLEL_DECODE_MIN;
    for i in 0..count {
        let node = NodeId::from(format!("n{i}").as_str());
        store
            .save_result(&node, &outputs(&format!("value {i}")), "r1", None)
            .unwrap();
    }
    let edited = journal_text(&store)
        .replace("\"value 7\"", "\"value x\"")
        .replace(&format!("\"value {}\"", count - 1), "\"value y\"");
    fs::write(store.journal_path(), edited).unwrap();

    let (results, problems) = Store::at(dir.path()).load_results();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(results.len(), count - 2);
    for (node, stored) in &results {
        let expected = outputs(&format!("value {}", &node.as_str()[1..]));
        assert_eq!(stored.outputs, expected, "{node}");
    }
    assert!(!results.contains_key("n7"));
}
