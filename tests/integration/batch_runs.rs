//! Batch runs: fan-out per item, partial results and per-item retry, Collect Results,
//! chains, concurrency, progress, and items in the node's history.

use std::sync::Arc;

use flowcanvas::exec::{Engine, Event, NodeStatus, RunRequest, RunState};
use flowcanvas::model::{BatchItem, NodeId, Value};
use flowcanvas::nodes::Progress;
use flowcanvas::plan::Scope;

use crate::support::*;

fn parse(text: &str) -> flowcanvas::model::Flow {
    flowcanvas::format::parse(text, &test_registry()).unwrap_or_else(|e| panic!("{e:?}"))
}

fn run_in(engine: &mut Engine, request: RunRequest) -> Vec<Event> {
    engine.submit(request);
    events_until_finished(engine)
}

fn texts(value: Option<Value>) -> Vec<String> {
    match value {
        Some(Value::List(items)) => items.iter().map(Value::to_text).collect(),
        Some(Value::Batch(items)) => items
            .iter()
            .map(|item| match item {
                BatchItem::Ok(value) => value.to_text(),
                BatchItem::Failed(_) => "<failed>".to_owned(),
                BatchItem::Missing => "<missing>".to_owned(),
            })
            .collect(),
        other => panic!("not a list: {other:?}"),
    }
}

fn final_status(events: &[Event], node: &str) -> NodeStatus {
    match events.last() {
        Some(Event::RunFinished { nodes, .. }) => {
            nodes
                .iter()
                .find(|n| n.node.as_str() == node)
                .unwrap()
                .status
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_step_runs_once_per_item_and_collect_gathers_the_results() {
    let dir = tempfile::tempdir().unwrap();
    let flow = parse(
        r#"Flow(version: 1, nodes: [
            Node(id: "items", kind: "batch", params: {"items": "red\ngreen\n\nblue\n"}),
            Node(id: "wrap", kind: "template", params: {"template": "<{x}>", "vars": ["x"]}),
            Node(id: "all", kind: "collect"),
            Node(id: "join", kind: "template", params: {"template": "{list}", "vars": ["list"]}),
        ], edges: ["items.items -> wrap.x", "wrap.text -> all.items", "all.list -> join.list"])"#,
    );
    let mut engine = Engine::start(test_registry()).unwrap();
    let store = flowcanvas::store::Store::at(dir.path().join("x.flow.d"));
    let events = run_in(
        &mut engine,
        RunRequest::new(Arc::new(flow), dir.path()).store(Some(store.clone())),
    );
    assert!(matches!(
        events.last(),
        Some(Event::RunFinished {
            status: RunState::Completed,
            ..
        })
    ));
    assert_eq!(
        texts(output(&events, "wrap", "text")),
        ["<red>", "<green>", "<blue>"]
    );
    assert_eq!(
        texts(output(&events, "all", "list")),
        ["<red>", "<green>", "<blue>"]
    );
    assert_eq!(
        output(&events, "join", "text"),
        Some(Value::Text("<red>\n<green>\n<blue>".into()))
    );
    let counts: Vec<(u64, u64)> = events
        .iter()
        .filter_map(|e| match e {
            Event::NodeProgress {
                node,
                progress: Progress::Count { done, total },
                ..
            } if node.as_str() == "wrap" => Some((*done, *total)),
            _ => None,
        })
        .collect();
    assert_eq!(counts.last(), Some(&(3, 3)), "k / N progress: {counts:?}");
    // Every item's result is in the node's history, the whole batch is the active one.
    let (histories, _) = store.histories();
    let history = &histories[&NodeId::from("wrap")];
    assert_eq!(history.history.len(), 4, "three items and the batch");
    assert_eq!(history.active, 3);
}

#[test]
fn a_failed_item_leaves_the_node_partial_and_can_be_retried_alone() {
    let dir = tempfile::tempdir().unwrap();
    let flow = Arc::new(parse(
        r#"Flow(version: 1, nodes: [
            Node(id: "items", kind: "batch", params: {"items": "one\nbad\nthree"}),
            Node(id: "check", kind: "shell", params: {"command": "read x; if [ \"$x\" = bad ] && [ ! -e fixed ]; then echo \"cannot take $x\" >&2; exit 3; fi; echo \"ok $x\""}),
            Node(id: "all", kind: "collect"),
        ], edges: ["items.items -> check.stdin", "check.stdout -> all.items"])"#,
    ));
    let mut engine = Engine::start(test_registry()).unwrap();
    let events = run_in(&mut engine, RunRequest::new(flow.clone(), dir.path()));
    assert_eq!(final_status(&events, "check"), NodeStatus::Partial);
    let failed = events
        .iter()
        .find_map(|e| match e {
            Event::NodeFinished {
                node, failed_items, ..
            } if node.as_str() == "check" => Some(failed_items.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].index, 1);
    assert!(
        failed[0].error.contains("exit code 3"),
        "{}",
        failed[0].error
    );
    assert_eq!(
        texts(output(&events, "check", "stdout")),
        ["ok one\n", "<failed>", "ok three\n"]
    );
    assert_eq!(
        texts(output(&events, "all", "list")),
        ["ok one\n", "ok three\n"]
    );
    match events.last() {
        Some(Event::RunFinished {
            status, summary, ..
        }) => {
            assert_eq!(*status, RunState::Failed);
            assert!(summary.contains("1 partial"), "{summary}");
        }
        other => panic!("{other:?}"),
    }

    // Retry just the failed item: the other two are kept, not rerun.
    std::fs::write(dir.path().join("fixed"), "").unwrap();
    let mut retry =
        RunRequest::new(flow.clone(), dir.path()).scope(Scope::Node(NodeId::from("check")));
    retry.items = vec![1];
    let events = run_in(&mut engine, retry);
    assert_eq!(final_status(&events, "check"), NodeStatus::Succeeded);
    assert_eq!(
        texts(output(&events, "check", "stdout")),
        ["ok one\n", "ok bad\n", "ok three\n"]
    );
    let lines: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            Event::NodeProgress {
                progress: Progress::Output { text, .. },
                ..
            } => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(lines.len(), 1, "only one item ran: {lines:?}");
}

#[test]
fn batches_chain_through_collect_and_a_wired_list() {
    let dir = tempfile::tempdir().unwrap();
    let flow = parse(
        r#"Flow(version: 1, nodes: [
            Node(id: "first", kind: "batch", params: {"items": "a\nb"}),
            Node(id: "up", kind: "shell", params: {"command": "tr a-z A-Z"}),
            Node(id: "gather", kind: "collect"),
            Node(id: "again", kind: "batch"),
            Node(id: "twice", kind: "template", params: {"template": "{v}{v}", "vars": ["v"]}),
            Node(id: "end", kind: "collect"),
        ], edges: ["first.items -> up.stdin", "up.stdout -> gather.items", "gather.list -> again.list", "again.items -> twice.v", "twice.text -> end.items"])"#,
    );
    let mut engine = Engine::start(test_registry()).unwrap();
    let events = run_in(&mut engine, RunRequest::new(Arc::new(flow), dir.path()));
    assert!(
        matches!(
            events.last(),
            Some(Event::RunFinished {
                status: RunState::Completed,
                ..
            })
        ),
        "{events:#?}"
    );
    assert_eq!(texts(output(&events, "end", "list")), ["AA", "BB"]);
}

#[test]
fn items_run_several_at_a_time_or_one_by_one() {
    let order = |concurrency: u32| {
        let dir = tempfile::tempdir().unwrap();
        let flow = parse(&format!(
            r#"Flow(version: 1, nodes: [
                Node(id: "items", kind: "batch", params: {{"items": "1\n2\n3"}}),
                Node(id: "work", kind: "shell", params: {{"command": "echo start >> log; sleep 0.4; echo end >> log"}}, concurrency: Some({concurrency})),
            ], edges: ["items.items -> work.stdin"])"#
        ));
        let mut engine = Engine::start(test_registry()).unwrap();
        let events = run_in(&mut engine, RunRequest::new(Arc::new(flow), dir.path()));
        assert_eq!(final_status(&events, "work"), NodeStatus::Succeeded);
        std::fs::read_to_string(dir.path().join("log")).unwrap()
    };
    assert_eq!(order(1), "start\nend\nstart\nend\nstart\nend\n");
    assert_eq!(order(3), "start\nstart\nstart\nend\nend\nend\n");
}

#[test]
fn an_empty_batch_and_uneven_batches_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let flow = parse(
        r#"Flow(version: 1, nodes: [
            Node(id: "none", kind: "batch"),
            Node(id: "two", kind: "batch", params: {"items": "a\nb"}),
            Node(id: "three", kind: "batch", params: {"items": "a\nb\nc"}),
            Node(id: "pair", kind: "template", params: {"template": "{x}{y}", "vars": ["x", "y"]}),
        ], edges: ["two.items -> pair.x", "three.items -> pair.y"])"#,
    );
    let mut engine = Engine::start(test_registry()).unwrap();
    let events = run_in(&mut engine, RunRequest::new(Arc::new(flow), dir.path()));
    let error = |node: &str| {
        events
            .iter()
            .find_map(|e| match e {
                Event::NodeFailed { node: n, error, .. } if n.as_str() == node => {
                    Some(error.clone())
                }
                _ => None,
            })
            .unwrap_or_else(|| panic!("{node} did not fail"))
    };
    assert!(error("none").contains("no items"), "{}", error("none"));
    assert!(
        error("pair").contains("different sizes"),
        "{}",
        error("pair")
    );
}
