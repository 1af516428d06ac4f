//! Flows far larger than anyone draws: a chain a million nodes deep goes through validate,
//! plan and run without exhausting any thread's stack (nothing recurses on graph depth).

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use flowcanvas::check::validate;
use flowcanvas::exec::{Engine, Event, RunRequest, RunState};
use flowcanvas::model::{Flow, Node};
use flowcanvas::nodes::Registry;
use flowcanvas::plan::{find_loops, plan, RunMode, Scope};

use crate::support::{edge, template};

/// A text node `n0000000` feeding `n0000001`, which feeds `n0000002`, … up to `n - 1`
/// (marked as the flow's output), plus a node `stray` that nothing needs: a whole-flow run
/// then leaves it out of the plan, which makes the planner search the whole wiring for
/// loops (where a recursive search overflowed the executor's stack at ~25,000 nodes).
fn chain(n: usize) -> Flow {
    let id = |i: usize| format!("n{i:07}");
    let mut nodes = Vec::with_capacity(n + 1);
    nodes.push(Node::new(id(0).as_str(), "text").with_param("text", "x"));
    for i in 1..n {
        nodes.push(template(&id(i), &["x"]));
    }
    if let Some(last) = nodes.last_mut() {
        last.output = true;
    }
    nodes.push(Node::new("stray", "text"));
    let edges = (1..n)
        .map(|i| edge(&format!("{}.text", id(i - 1)), &format!("{}.x", id(i))))
        .collect();
    Flow {
        nodes,
        edges,
        ..Flow::default()
    }
}

#[test]
fn validate_plan_and_run_a_million_node_chain_without_stack_overflow() {
    const NODES: usize = 1_000_000;
    let flow = Arc::new(chain(NODES));
    let registry = Arc::new(Registry::builtin());
    assert_eq!(validate(&flow, &registry), []);
    assert!(find_loops(&flow).is_empty());
    let planned = plan(&flow, &registry, &Scope::Flow, RunMode::All, &|_| false).unwrap();
    assert_eq!(planned.steps.len(), NODES, "the stray node is left out");

    let mut engine = Engine::start(registry).unwrap();
    engine.submit(RunRequest::new(flow, "."));
    let finished = loop {
        match engine.recv_timeout(Duration::from_secs(120)) {
            Ok(Event::RunFinished { status, counts, .. }) => break (status, counts),
            Ok(Event::RunRejected { error, .. }) => panic!("rejected: {error}"),
            Ok(_) => {}
            Err(err) => panic!("no event: {err}"),
        }
    };
    assert_eq!(finished.0, RunState::Completed);
    assert_eq!(finished.1.succeeded, NODES);
}

#[test]
fn cli_validates_plans_and_runs_a_deep_chain_without_stack_overflow() {
    // Deep enough to have crashed every command (validate at ~90,000 nodes, run at ~25,000),
    // small enough to parse quickly in a debug build; the million-node test above covers
    // the engine itself.
    const NODES: usize = 100_000;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deep.flow");
    std::fs::write(&file, flowcanvas::format::to_text(&chain(NODES))).unwrap();
    let flowcanvas = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_flowcanvas"))
            .args(args)
            .arg(&file)
            .output()
            .unwrap()
    };

    let validate = flowcanvas(&["validate"]);
    assert_eq!(
        validate.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&validate.stderr)
    );
    let planned = flowcanvas(&["plan", "--json", "--no-store"]);
    assert_eq!(planned.status.code(), Some(0));
    let planned: serde_json::Value = serde_json::from_slice(&planned.stdout).unwrap();
    assert_eq!(planned["steps"].as_array().map(Vec::len), Some(NODES));
    let run = flowcanvas(&["run", "--no-store"]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        String::from_utf8_lossy(&run.stdout).contains(&format!("{NODES} succeeded")),
        "{}",
        String::from_utf8_lossy(&run.stdout)
    );
}
