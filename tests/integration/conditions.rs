//! Conditions that route: an `if` node sends its value to `then` or `else`, a switch by
//! value to the output of the case it equals; what hangs off a branch not taken is skipped
//! ("condition false"), counted as a branch not taken, and the run completes. Missing mode
//! remembers which branch ran.

use serde_json::Value as Json;

use crate::cli::{flowcanvas, json_lines, stderr};

fn flow_file(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("route.flow");
    std::fs::write(&file, text).unwrap();
    (dir, file)
}

/// Amount → `Big order?` (greater than 100) → `Ship by freight` / `Ship by post`.
fn routed(amount: &str) -> String {
    format!(
        r#"Flow(version: 1, nodes: [
    Node(id: "amount", kind: "text", title: "Amount", params: {{"text": "{amount}"}}),
    Node(id: "big", kind: "if", title: "Big order?", params: {{"test": "greater", "operand": "100"}}),
    Node(id: "freight", kind: "template", title: "Ship by freight", params: {{"template": "freight for {{x}}", "vars": ["x"]}}),
    Node(id: "post", kind: "template", title: "Ship by post", params: {{"template": "post for {{x}}", "vars": ["x"]}}),
    Node(id: "label", kind: "template", title: "Label", params: {{"template": "label: {{x}}", "vars": ["x"]}}),
], edges: ["amount.text -> big.value", "big.then -> freight.x", "big.else -> post.x", "post.text -> label.x"])"#
    )
}

fn last(events: &[Json]) -> &Json {
    events.last().unwrap()
}

fn status_of(events: &[Json], node: &str) -> String {
    last(events)["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["node"] == node)
        .map(|n| n["status"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("{node} not in {}", last(events)))
}

fn skip_reason(events: &[Json], node: &str) -> Option<String> {
    events
        .iter()
        .find(|e| e["event"] == "node_skipped" && e["node"] == node)
        .map(|e| e["reason"].as_str().unwrap().to_owned())
}

fn run(file: &std::path::Path, extra: &[&str]) -> (Option<i32>, Vec<Json>) {
    let mut args = vec!["run", "--json"];
    args.extend_from_slice(extra);
    let output = flowcanvas(&args, file);
    assert!(output.status.code().is_some(), "{}", stderr(&output));
    (output.status.code(), json_lines(&output))
}

#[test]
fn an_if_node_runs_one_branch_and_skips_the_other_as_not_taken() {
    let (_dir, file) = flow_file(&routed("250"));
    let (code, events) = run(&file, &["--no-store"]);
    assert_eq!(code, Some(0), "{}", last(&events));
    assert_eq!(status_of(&events, "freight"), "succeeded");
    assert_eq!(status_of(&events, "post"), "skipped");
    assert_eq!(
        status_of(&events, "label"),
        "skipped",
        "what follows a branch not taken"
    );
    assert_eq!(
        skip_reason(&events, "post").as_deref(),
        Some("condition false: `Big order?` took `then`")
    );
    let end = last(&events);
    assert_eq!(end["status"], "completed", "{end}");
    assert_eq!(end["counts"]["failed"], 0);
    assert_eq!(end["counts"]["not_taken"], 2);

    let (_dir, file) = flow_file(&routed("40"));
    let (code, events) = run(&file, &["--no-store"]);
    assert_eq!(code, Some(0));
    assert_eq!(status_of(&events, "freight"), "skipped");
    assert_eq!(status_of(&events, "label"), "succeeded");
    let label = events
        .iter()
        .find(|e| e["event"] == "node_finished" && e["node"] == "label")
        .unwrap();
    assert_eq!(label["outputs"]["text"]["value"], "label: post for 40");
}

#[test]
fn a_switch_by_value_takes_the_case_it_equals_or_default() {
    let flow = |size: &str| {
        format!(
            r#"Flow(version: 1, nodes: [
    Node(id: "size", kind: "text", title: "Size", params: {{"text": "{size}"}}),
    Node(id: "by", kind: "switch_value", title: "By size", params: {{"cases": ["small", "large"]}}),
    Node(id: "s", kind: "template", title: "Small box", params: {{"template": "S {{x}}", "vars": ["x"]}}),
    Node(id: "l", kind: "template", title: "Large box", params: {{"template": "L {{x}}", "vars": ["x"]}}),
    Node(id: "d", kind: "template", title: "Ask", params: {{"template": "? {{x}}", "vars": ["x"]}}),
], edges: ["size.text -> by.value", "by.small -> s.x", "by.large -> l.x", "by.default -> d.x"])"#
        )
    };
    for (size, ran) in [("large", "l"), ("small", "s"), ("huge", "d")] {
        let (_dir, file) = flow_file(&flow(size));
        let (code, events) = run(&file, &["--no-store"]);
        assert_eq!(code, Some(0), "{}", last(&events));
        for node in ["s", "l", "d"] {
            let wanted = if node == ran { "succeeded" } else { "skipped" };
            assert_eq!(status_of(&events, node), wanted, "{size}: {node}");
        }
    }
}

#[test]
fn missing_mode_remembers_which_branch_ran() {
    let (dir, file) = flow_file(&routed("250"));
    let (code, _) = run(&file, &[]);
    assert_eq!(code, Some(0));
    // Nothing changed: nothing runs, and the branch not taken stays skipped.
    let (code, events) = run(&file, &["--mode", "missing"]);
    assert_eq!(code, Some(0), "{}", last(&events));
    let started: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "node_started")
        .map(|e| e["node"].as_str().unwrap())
        .collect();
    assert!(started.is_empty(), "nothing ran again: {started:?}");
    assert_eq!(status_of(&events, "freight"), "reused");
    assert_eq!(status_of(&events, "post"), "skipped");
    assert_eq!(
        skip_reason(&events, "post").as_deref(),
        Some("condition false: `Big order?` took `then`")
    );
    assert_eq!(last(&events)["status"], "completed");
    // The amount changes: the condition runs again and takes the other branch.
    std::fs::write(&file, routed("40")).unwrap();
    let (code, events) = run(&file, &["--mode", "missing"]);
    assert_eq!(code, Some(0));
    assert_eq!(status_of(&events, "post"), "succeeded");
    assert_eq!(status_of(&events, "freight"), "skipped");
    drop(dir);
}

#[test]
fn a_test_that_cannot_be_told_fails_the_node_and_a_bad_operand_is_a_load_error() {
    let (_dir, file) = flow_file(&routed("many"));
    let (code, events) = run(&file, &["--no-store"]);
    assert_eq!(code, Some(1));
    assert_eq!(status_of(&events, "big"), "failed");
    let (_dir, file) = flow_file(
        &routed("1")
            .replace("\"greater\"", "\"matches\"")
            .replace("\"100\"", "\"(\""),
    );
    let output = flowcanvas(&["validate"], &file);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains("big") && err.contains("regular expression"),
        "{err}"
    );
}
