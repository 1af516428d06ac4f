//! Run from here (`run --from ID`): the node and everything downstream of it run, side
//! inputs come from fresh stored results or run again, and the rest of the flow is left out.

use std::path::Path;

use crate::cli::{flowcanvas, json_lines, started_nodes, stderr, stdout};

/// up → src → mid ← side, mid → out; `other` alone. Each shell step appends its name to
/// `log` when it runs.
fn write_flow(dir: &Path, side_word: &str) -> std::path::PathBuf {
    let log = dir.join("log");
    let step = |id: &str, title: &str, command: String| {
        format!(
            r#"Node(id: "{id}", kind: "shell", title: "{title}", params: {{"command": "{}"}})"#,
            command.replace('\\', "\\\\").replace('"', "\\\"")
        )
    };
    let log = log.display();
    let nodes = [
        step("up", "Upstream", format!("echo up >> '{log}'; printf U")),
        step("src", "Source", format!("echo src >> '{log}'; cat")),
        step("side", "Side", format!("echo side >> '{log}'; printf {side_word}")),
        r#"Node(id: "mid", kind: "template", title: "Join", params: {"template": "{a}+{b}", "vars": ["a", "b"]})"#.to_owned(),
        step("out", "Result", format!("echo out >> '{log}'; cat")),
        step("other", "Unrelated", format!("echo other >> '{log}'")),
    ];
    let text = format!(
        r#"Flow(version: 1, nodes: [{}], edges: ["up.stdout -> src.stdin", "src.stdout -> mid.a", "side.stdout -> mid.b", "mid.text -> out.stdin"])"#,
        nodes.join(", ")
    );
    let file = dir.join("from.flow");
    std::fs::write(&file, text).unwrap();
    file
}

fn ran(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
    std::fs::remove_file(dir.join("log")).ok();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines.sort();
    lines
}

#[test]
fn run_from_a_node_runs_it_and_its_downstream_and_reuses_fresh_side_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_flow(dir.path(), "S");
    let output = flowcanvas(&["run"], &file);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(ran(dir.path()), ["other", "out", "side", "src", "up"]);

    // Everything has a fresh result: only the node and what it reaches run.
    let output = flowcanvas(&["run", "--json", "--from", "src"], &file);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(started_nodes(&json_lines(&output)), ["src", "mid", "out"]);
    assert_eq!(ran(dir.path()), ["out", "src"]);
    let finished = json_lines(&output)
        .into_iter()
        .find(|e| e["event"] == "node_finished" && e["node"] == "out")
        .unwrap();
    assert_eq!(finished["outputs"]["stdout"]["value"], "U+S");

    // The side input changed since its result was made: it runs again, the rest of the
    // upstream does not, and the unrelated step never does.
    let file = write_flow(dir.path(), "T");
    let output = flowcanvas(&["plan", "--from", "src"], &file);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    // The steps and what is kept, before the flow's side-effect summary.
    let plan = text.split("Side effects").next().unwrap();
    assert!(plan.contains("flow from `Source`"), "{plan}");
    assert!(plan.contains("Side"), "{plan}");
    assert!(!plan.contains("Unrelated"), "{plan}");
    let output = flowcanvas(&["run", "--json", "--from", "src"], &file);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(ran(dir.path()), ["out", "side", "src"]);
    let events = json_lines(&output);
    let out = events
        .iter()
        .find(|e| e["event"] == "node_finished" && e["node"] == "out")
        .unwrap();
    assert_eq!(out["outputs"]["stdout"]["value"], "U+T");
}

#[test]
fn run_from_a_node_without_stored_results_runs_the_side_inputs_it_needs() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_flow(dir.path(), "S");
    let output = flowcanvas(&["run", "--json", "--no-store", "--from", "side"], &file);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(ran(dir.path()), ["out", "side", "src", "up"]);
}

#[test]
fn run_from_refuses_a_node_that_does_not_run_and_conflicts_with_other_scopes() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_flow(dir.path(), "S");
    let output = flowcanvas(&["run", "--from", "mid"], &file);
    assert_eq!(
        output.status.code(),
        Some(0),
        "a template runs: {}",
        stderr(&output)
    );
    let output = flowcanvas(&["run", "--from", "ghost"], &file);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no node `ghost`"),
        "{}",
        stderr(&output)
    );
    let output = flowcanvas(&["run", "--from", "up", "--node", "src"], &file);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}
