//! Wire outcomes: pass, fail and always wires decide which steps run; the failure port
//! carries what went wrong; a failure a fail wire handles leaves the run complete.

use serde_json::Value as Json;

use crate::cli::{flowcanvas, json_lines, stderr, stdout};

/// Writes `text` as `flow.flow` in a fresh folder.
fn flow_file(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("flow.flow");
    std::fs::write(&file, text).unwrap();
    (dir, file)
}

/// `check` parses `input` as JSON; on success `next` runs, on failure `notify` gets the
/// failure; `cleanup` runs after `check` whatever happens.
fn branching(input: &str) -> String {
    format!(
        r#"Flow(version: 1, nodes: [
    Node(id: "check", kind: "json_parse", title: "Check", values: {{"text": "{input}"}}),
    Node(id: "next", kind: "template", title: "Use it", params: {{"template": "got {{j}}", "vars": ["j"]}}),
    Node(id: "notify", kind: "template", title: "Notify failure", params: {{"template": "{{f}}", "vars": ["f"]}}),
    Node(id: "cleanup", kind: "template", title: "Clean up", params: {{"template": "cleaned [{{v}}]", "vars": ["v"]}}, values: {{"v": "none"}}),
], edges: [
    "check.json -> next.j",
    "check.failure -> notify.f",
    "check.json -> cleanup.v [always]",
])"#
    )
}

fn events_of(file: &std::path::Path, extra: &[&str]) -> (Option<i32>, Vec<Json>) {
    let mut args = vec!["run", "--json", "--no-store"];
    args.extend_from_slice(extra);
    let output = flowcanvas(&args, file);
    (output.status.code(), json_lines(&output))
}

fn status_of(events: &[Json], node: &str) -> String {
    let last = events.last().unwrap();
    last["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["node"] == node)
        .map(|n| n["status"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("{node} not in the run: {last}"))
}

fn text_output(events: &[Json], node: &str) -> Option<String> {
    events
        .iter()
        .find(|e| e["event"] == "node_finished" && e["node"] == node)
        .map(|e| e["outputs"]["text"]["value"].as_str().unwrap().to_owned())
}

fn skip_reason(events: &[Json], node: &str) -> Option<String> {
    events
        .iter()
        .find(|e| e["event"] == "node_skipped" && e["node"] == node)
        .map(|e| e["reason"].as_str().unwrap().to_owned())
}

#[test]
fn a_failure_takes_the_fail_branch_and_a_handled_failure_completes_the_run() {
    let (_dir, file) = flow_file(&branching("not json"));
    let (code, events) = events_of(&file, &[]);
    assert_eq!(code, Some(0), "a handled failure exits 0: {events:?}");
    assert_eq!(status_of(&events, "check"), "failed");
    assert_eq!(status_of(&events, "next"), "skipped");
    assert_eq!(status_of(&events, "notify"), "succeeded");
    let failure: Json = serde_json::from_str(&text_output(&events, "notify").unwrap()).unwrap();
    assert_eq!(failure["node"], "check");
    assert_eq!(failure["title"], "Check");
    assert_eq!(failure["status"], "failed");
    assert!(
        failure["message"].as_str().unwrap().contains("JSON"),
        "{failure}"
    );
    // The cleanup runs; its wire carries nothing from a failed step, so its constant applies.
    assert_eq!(
        text_output(&events, "cleanup").as_deref(),
        Some("cleaned [none]")
    );
    let last = events.last().unwrap();
    assert_eq!(last["status"], "completed");
    let summary = last["summary"].as_str().unwrap();
    assert!(summary.starts_with("Flow complete"), "{summary}");
    assert!(
        summary.contains("1 failed, handled by `Notify failure`"),
        "{summary}"
    );
    assert_eq!(last["counts"]["handled"], 1);
    assert_eq!(last["counts"]["not_taken"], 1);
    let reason = skip_reason(&events, "next").unwrap();
    assert!(reason.contains("`Check` failed"), "{reason}");
}

#[test]
fn a_success_takes_the_pass_branch_and_skips_the_failure_branch_without_a_problem() {
    let (_dir, file) = flow_file(&branching(r#"{\"a\": 1}"#));
    let (code, events) = events_of(&file, &[]);
    assert_eq!(code, Some(0), "{events:?}");
    assert_eq!(status_of(&events, "next"), "succeeded");
    assert_eq!(status_of(&events, "notify"), "skipped");
    let reason = skip_reason(&events, "notify").unwrap();
    assert_eq!(
        reason,
        "no wire into it fired: `Check` succeeded (fail wire)"
    );
    // The always wire carries the value when there is one.
    let cleanup = text_output(&events, "cleanup").unwrap();
    assert!(cleanup.contains(r#""a": 1"#), "{cleanup}");
    let last = events.last().unwrap();
    assert_eq!(last["status"], "completed");
    assert!(last["summary"]
        .as_str()
        .unwrap()
        .contains("1 skipped (1 not taken)"));
}

#[test]
fn an_unhandled_failure_still_fails_the_run_even_with_a_cleanup_step() {
    let text = branching("not json").replace("    \"check.failure -> notify.f\",\n", "");
    let (_dir, file) = flow_file(&text);
    let (code, events) = events_of(&file, &[]);
    assert_eq!(code, Some(1), "{events:?}");
    assert_eq!(status_of(&events, "cleanup"), "succeeded");
    let last = events.last().unwrap();
    assert_eq!(last["status"], "failed");
    assert_eq!(last["counts"]["handled"], 0);
}

#[test]
fn a_skipped_step_fires_its_fail_wires_with_its_skip_reason() {
    // `check` fails; `use` (pass) is skipped; `use`'s failure reaches `report`.
    let (_dir, file) = flow_file(
        r#"Flow(version: 1, nodes: [
    Node(id: "check", kind: "json_parse", title: "Check", values: {"text": "nope"}),
    Node(id: "use", kind: "json_pick", title: "Use", params: {"pointer": "/a"}),
    Node(id: "report", kind: "template", title: "Report", params: {"template": "{f}", "vars": ["f"]}),
    Node(id: "idle", kind: "template", title: "Idle", params: {"template": "{x}", "vars": ["x"]}),
    Node(id: "after", kind: "template", title: "After", params: {"template": "{f}", "vars": ["f"]}),
], edges: [
    "check.json -> use.json",
    "use.failure -> report.f",
    "idle.failure -> after.f",
])"#,
    );
    let (_code, events) = events_of(&file, &[]);
    assert_eq!(status_of(&events, "use"), "skipped");
    let failure: Json = serde_json::from_str(&text_output(&events, "report").unwrap()).unwrap();
    assert_eq!(failure["status"], "skipped");
    assert_eq!(failure["title"], "Use");
    assert!(
        failure["message"]
            .as_str()
            .unwrap()
            .contains("`Check` failed"),
        "{failure}"
    );
    // A node skipped when planning (its input is missing) fires its fail wires too.
    let failure: Json = serde_json::from_str(&text_output(&events, "after").unwrap()).unwrap();
    assert_eq!(failure["status"], "skipped");
    assert!(
        failure["message"]
            .as_str()
            .unwrap()
            .contains("missing input `x`"),
        "{failure}"
    );
}

#[test]
fn a_step_runs_when_any_of_its_wires_fires_and_unfired_inputs_fall_back_to_constants() {
    // `join` takes a value from `good` (succeeds) and from `bad` (fails): its pass wire from
    // `good` fires, so it runs; the input from `bad` gets its constant.
    let (_dir, file) = flow_file(
        r#"Flow(version: 1, nodes: [
    Node(id: "bad", kind: "json_parse", title: "Bad", values: {"text": "nope"}),
    Node(id: "good", kind: "text", title: "Good", params: {"text": "fine"}),
    Node(id: "join", kind: "template", title: "Join", params: {"template": "{a}+{b}", "vars": ["a", "b"]}, values: {"b": "fallback"}),
    Node(id: "handle", kind: "template", title: "Handle", params: {"template": "{f}", "vars": ["f"]}),
], edges: [
    "good.text -> join.a",
    "bad.json -> join.b",
    "bad.failure -> handle.f",
])"#,
    );
    let (code, events) = events_of(&file, &[]);
    assert_eq!(
        text_output(&events, "join").as_deref(),
        Some("fine+fallback")
    );
    assert_eq!(code, Some(0), "the failure is handled: {events:?}");
}

#[test]
fn the_plan_says_which_branch_runs_on_failure() {
    let (_dir, file) = flow_file(&branching("x"));
    let output = flowcanvas(&["plan", "--no-store"], &file);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("f ← failure of Check, only if it fails"),
        "{text}"
    );
    assert!(
        text.contains("v ← json of Check, whether it succeeds or not"),
        "{text}"
    );
}
