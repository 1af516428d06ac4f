//! Tests of the result store.

use super::*;
use crate::model::Value;

fn outputs(text: &str) -> Outputs {
    Outputs::new().with("text", Value::Text(text.to_owned()))
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
    let history: NodeHistory = read_json(&store.node_path(&node)).unwrap().unwrap();
    assert_eq!(history.history.len(), 2);
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
    assert_eq!(fs::read_dir(dir.path().join("objects")).unwrap().count(), 1);
}

#[test]
fn broken_files_are_reported_by_name_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    store
        .save_result(&NodeId::from("good"), &outputs("ok"), "r1", None)
        .unwrap();
    let entry = store
        .save_result(&NodeId::from("lost"), &outputs("gone"), "r1", None)
        .unwrap();
    fs::remove_file(store.object_path(&entry.object)).unwrap();
    fs::write(dir.path().join("nodes/garbage.json"), "{not json").unwrap();
    let truncated = store
        .save_result(&NodeId::from("cut"), &outputs("long text"), "r1", None)
        .unwrap();
    fs::write(
        store.object_path(&truncated.object),
        "{\"text\": {\"type\": \"te",
    )
    .unwrap();
    let (results, problems) = store.load_results();
    assert_eq!(results.len(), 1, "only the intact result loads");
    assert!(results.contains_key(&NodeId::from("good")));
    assert_eq!(problems.len(), 3, "{problems:?}");
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(
        text.iter()
            .any(|p| p.contains("garbage.json") && p.contains("unreadable")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|p| p.contains(&entry.object) && p.contains("missing")),
        "{text:?}"
    );
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
fn a_running_record_of_a_dead_process_reads_as_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    let record = |id: &str, pid: u32| RunRecord {
        id: id.to_owned(),
        pid,
        started_at_ms: 1,
        finished_at_ms: None,
        scope: crate::plan::Scope::Flow,
        mode: crate::plan::RunMode::All,
        inputs: Default::default(),
        seeds: Default::default(),
        status: RecordStatus::Running,
        nodes: Vec::new(),
        summary: None,
        continues: None,
    };
    store
        .write_run(&record("mine", std::process::id()))
        .unwrap();
    store.write_run(&record("dead", u32::MAX - 7)).unwrap();
    let (runs, problems) = store.runs();
    assert!(problems.is_empty());
    let status = |id: &str| runs.iter().find(|r| r.id == id).unwrap().status;
    assert_eq!(status("mine"), RecordStatus::Running);
    assert_eq!(status("dead"), RecordStatus::Interrupted);
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
    let first = store
        .save_result(&node, &outputs("one"), "r1", None)
        .unwrap();
    store
        .save_result(&node, &outputs("two"), "r2", None)
        .unwrap();
    let stored = store.set_active(&node, 0).unwrap();
    assert_eq!(stored.outputs, outputs("one"));
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
