//! The remembered staleness check (`FILE.flow.d/fresh-check`): a no-op Missing run that
//! repeats skips the check, but an edited node, a damaged result or another process's
//! results are still seen.

use std::path::{Path, PathBuf};

use crate::cli::{flowcanvas, json_lines, started_nodes, stderr};

/// A text feeding a template feeding another.
const FLOW: &str = r#"Flow(
    version: 1,
    nodes: [
        Node(id: "a", kind: "text", params: {"text": "Hello"}),
        Node(id: "b", kind: "template", params: {"template": "{x}, world", "vars": ["x"]}),
        Node(id: "c", kind: "template", params: {"template": "<{x}>", "vars": ["x"]}),
    ],
    edges: ["a.text -> b.x", "b.text -> c.x"],
)
"#;

fn flow_file() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("three.flow");
    std::fs::write(&file, FLOW).unwrap();
    (dir, file)
}

/// The nodes a Missing run started.
fn missing_run(file: &Path) -> Vec<String> {
    let output = flowcanvas(&["run", "--json", "--mode", "missing"], file);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    started_nodes(&json_lines(&output))
}

fn memo(file: &Path) -> PathBuf {
    PathBuf::from(format!("{}.d/fresh-check", file.display()))
}

/// Runs the flow, then a no-op Missing run that leaves the memo behind.
fn run_and_remember(file: &Path) {
    assert_eq!(flowcanvas(&["run"], file).status.code(), Some(0));
    assert!(missing_run(file).is_empty());
    assert!(memo(file).is_file(), "the fresh check is remembered");
    assert!(missing_run(file).is_empty(), "and the memo is used");
}

#[test]
fn an_edited_node_reruns_although_a_fresh_check_is_remembered() {
    let (_dir, file) = flow_file();
    run_and_remember(&file);
    let edited = FLOW.replace("{x}, world", "{x}, moon");
    std::fs::write(&file, edited).unwrap();
    assert_eq!(missing_run(&file), ["b", "c"], "b changed, c is downstream");
    assert!(missing_run(&file).is_empty());
}

#[test]
fn a_damaged_result_is_dropped_although_a_fresh_check_is_remembered() {
    let (dir, file) = flow_file();
    run_and_remember(&file);
    let journal = dir.path().join("three.flow.d/results.log");
    let text = std::fs::read_to_string(&journal).unwrap();
    assert!(text.contains("Hello, world"), "{text}");
    std::fs::write(&journal, text.replace("Hello, world", "Hello, there")).unwrap();
    let output = flowcanvas(&["run", "--json", "--mode", "missing"], &file);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let events = json_lines(&output);
    assert!(
        events.iter().any(|e| e["event"] == "store_problem"),
        "the damage is reported"
    );
    assert_eq!(
        started_nodes(&events),
        ["b", "c"],
        "the damaged result is dropped, and what was made from it is stale"
    );
}

/// The memo's text for a flow text and a results line (as `Store::remember_fresh` writes).
fn memo_for(text: &str, results_line: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest: String = Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!(
        "flowcanvas fresh-check 1\nbuild {}\nflow {digest}\n{results_line}\n",
        env!("CARGO_PKG_VERSION")
    )
}

#[test]
fn the_memo_counts_only_for_its_flow_text_and_its_results() {
    let (_dir, file) = flow_file();
    run_and_remember(&file);
    let edited = FLOW.replace("<{x}>", "({x})");
    std::fs::write(&file, &edited).unwrap();

    // A memo for this text but other results: checked, `c` is stale.
    let other_results = format!("results {}", "0".repeat(64));
    std::fs::write(memo(&file), memo_for(&edited, &other_results)).unwrap();
    assert_eq!(missing_run(&file), ["c"]);

    // The memo is what lets a repeated no-op run skip the check: one (wrongly) naming the
    // edited text with the present results is believed. (Only this build writes memos,
    // and only after a check found everything fresh.)
    let (_dir, file) = flow_file();
    run_and_remember(&file);
    let remembered = std::fs::read_to_string(memo(&file)).unwrap();
    let results_line = remembered
        .lines()
        .find(|line| line.starts_with("results "))
        .unwrap()
        .to_owned();
    std::fs::write(&file, &edited).unwrap();
    std::fs::write(memo(&file), memo_for(&edited, &results_line)).unwrap();
    assert!(missing_run(&file).is_empty(), "the memo was used");
}

#[test]
fn a_flow_made_invalid_is_still_reported_with_its_place() {
    let (_dir, file) = flow_file();
    run_and_remember(&file);
    // The memo names the text run before: a text with a problem is checked in full.
    std::fs::write(
        &file,
        FLOW.replace("\"b.text -> c.x\"", "\"b.text -> d.x\""),
    )
    .unwrap();
    let output = flowcanvas(&["run", "--mode", "missing"], &file);
    assert_eq!(output.status.code(), Some(2));
    let errors = stderr(&output);
    assert!(
        errors.contains("three.flow:8:") && errors.contains("`d`"),
        "{errors}"
    );
}
