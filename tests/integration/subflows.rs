//! Subflows: a node that runs another `.flow` file as one unit. Its ports are the inner
//! flow's promoted inputs and marked outputs; a failure of any inner step fails the unit,
//! and its retry policy reruns the whole unit; editing the inner file makes its result
//! stale; a flow that includes itself, or an inner file that is missing or invalid, is a
//! load error naming the files.

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use crate::cli::{flowcanvas, json_lines, stderr};

/// Writes `text` as `name` under `dir` (creating folders), returning its path.
pub(crate) fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

/// The inner flow: `Name` and `Times` (promoted) → `Greeting` (marked, a template) and
/// `Echo` (a marked viewer of the name).
pub(crate) const GREET: &str = r#"Flow(version: 1, nodes: [
    Node(id: "name", kind: "text", title: "Name", params: {"text": "nobody"}, promote: Some(Promotion(label: "Name"))),
    Node(id: "times", kind: "number", title: "Times", params: {"value": 1}, promote: Some(Promotion(label: "Times", order: 1))),
    Node(id: "greet", kind: "template", title: "Greeting", params: {"template": "hello {who} x{n}", "vars": ["who", "n"]}, output: true),
    Node(id: "echo", kind: "viewer", title: "Echo", output: true),
], edges: ["name.text -> greet.who", "times.value -> greet.n", "name.text -> echo.in"])"#;

/// Runs `file` with `--json` and `extra`: the exit code and the events.
pub(crate) fn run(file: &Path, extra: &[&str]) -> (Option<i32>, Vec<Json>) {
    let mut args = vec!["run", "--json"];
    args.extend_from_slice(extra);
    let output = flowcanvas(&args, file);
    assert!(output.status.code().is_some(), "{}", stderr(&output));
    (output.status.code(), json_lines(&output))
}

/// The outputs of `node`'s last `node_finished` event.
pub(crate) fn outputs_of<'a>(events: &'a [Json], node: &str) -> &'a Json {
    &events
        .iter()
        .rfind(|e| e["event"] == "node_finished" && e["node"] == node)
        .unwrap_or_else(|| panic!("{node} did not finish: {events:?}"))["outputs"]
}

/// The nodes started, in order.
pub(crate) fn started(events: &[Json]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["event"] == "node_started")
        .map(|e| e["node"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_subflow_node_takes_the_inner_flows_inputs_and_gives_its_marked_outputs() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "parts/greet.flow", GREET);
    let outer = write(
        dir.path(),
        "main.flow",
        r#"Flow(version: 1, nodes: [
    Node(id: "who", kind: "text", title: "Who", params: {"text": "Ada"}),
    Node(id: "sub", kind: "subflow", title: "Greet", params: {"flow": "parts/greet.flow"}, values: {"Times": 3}),
    Node(id: "both", kind: "template", title: "Both", params: {"template": "{g} / {e}", "vars": ["g", "e"]}),
], edges: ["who.text -> sub.Name", "sub.Greeting -> both.g", "sub.Echo -> both.e"])"#,
    );
    let (code, events) = run(&outer, &["--no-store"]);
    assert_eq!(code, Some(0), "{events:?}");
    let sub = outputs_of(&events, "sub");
    assert_eq!(sub["Greeting"]["value"], "hello Ada x3", "{sub}");
    assert_eq!(sub["Echo"]["value"], "Ada", "{sub}");
    assert_eq!(
        outputs_of(&events, "both")["text"]["value"],
        "hello Ada x3 / Ada"
    );
    // In the outer plan it is one step; its inner steps are reported under it.
    assert_eq!(started(&events), ["who", "sub", "both"]);
    let members: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e["event"] == "node_progress" && e["progress"]["type"] == "member")
        .map(|e| {
            (
                e["progress"]["title"].as_str().unwrap(),
                e["progress"]["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(members.contains(&("Greeting", "succeeded")), "{members:?}");
    assert!(members.iter().all(|(_, status)| *status != "failed"));
}

/// An inner flow whose `Flaky` step fails until it has run `fail_times` times; `Count`
/// runs before it and leaves a mark each time, so reruns of the whole unit can be told.
fn flaky_inner(dir: &Path, fail_times: u32) -> String {
    let marks = dir.join("marks.txt");
    let tries = dir.join("tries.txt");
    format!(
        r#"Flow(version: 1, nodes: [
    Node(id: "count", kind: "shell", title: "Count", params: {{"command": "echo x >> '{marks}'; echo counted"}}),
    Node(id: "flaky", kind: "shell", title: "Flaky", params: {{"command": "echo t >> '{tries}'; n=$(wc -l < '{tries}'); [ $n -gt {fail_times} ] && echo ok || {{ echo not yet >&2; exit 7; }}"}}, output: true),
], edges: ["count.stdout -> flaky.stdin"])"#,
        marks = marks.display(),
        tries = tries.display(),
    )
}

fn lines_in(path: &Path) -> usize {
    std::fs::read_to_string(path).map_or(0, |text| text.lines().count())
}

#[test]
fn a_failure_inside_reruns_the_whole_unit_up_to_its_retry_count() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "flaky.flow", &flaky_inner(dir.path(), 1));
    let outer = write(
        dir.path(),
        "main.flow",
        r#"Flow(version: 1, nodes: [
    Node(id: "unit", kind: "subflow", title: "Unit", params: {"flow": "flaky.flow"}, retry: Some(Retry(attempts: 3, delay_ms: 10))),
    Node(id: "after", kind: "template", title: "After", params: {"template": "got {x}", "vars": ["x"]}),
], edges: ["unit.Flaky -> after.x"])"#,
    );
    let (code, events) = run(&outer, &["--no-store"]);
    assert_eq!(code, Some(0), "{events:?}");
    let retries: Vec<&Json> = events
        .iter()
        .filter(|e| e["event"] == "node_retrying")
        .collect();
    assert_eq!(retries.len(), 1, "{retries:?}");
    assert_eq!(retries[0]["node"], "unit");
    assert!(
        retries[0]["error"]
            .as_str()
            .unwrap()
            .contains("`Flaky` failed"),
        "{}",
        retries[0]["error"]
    );
    // The whole unit ran again: the step before the flaky one too.
    assert_eq!(lines_in(&dir.path().join("marks.txt")), 2);
    assert_eq!(outputs_of(&events, "after")["text"]["value"], "got ok\n");
}

#[test]
fn a_unit_that_keeps_failing_fails_once_its_retries_run_out_and_gates_its_wires() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "flaky.flow", &flaky_inner(dir.path(), 10));
    let outer = write(
        dir.path(),
        "main.flow",
        r#"Flow(version: 1, nodes: [
    Node(id: "unit", kind: "subflow", title: "Unit", params: {"flow": "flaky.flow"}, retry: Some(Retry(attempts: 2, delay_ms: 10))),
    Node(id: "after", kind: "template", title: "After", params: {"template": "got {x}", "vars": ["x"]}),
    Node(id: "alarm", kind: "template", title: "Alarm", params: {"template": "alarm: {why}", "vars": ["why"]}),
], edges: ["unit.Flaky -> after.x", "unit.failure -> alarm.why"])"#,
    );
    let (code, events) = run(&outer, &["--no-store"]);
    assert_eq!(code, Some(0), "a handled failure: {events:?}");
    assert_eq!(lines_in(&dir.path().join("marks.txt")), 2, "two attempts");
    let failed = events
        .iter()
        .find(|e| e["event"] == "node_failed" && e["node"] == "unit")
        .unwrap();
    let error = failed["error"].as_str().unwrap();
    assert!(
        error.contains("flaky.flow") && error.contains("`Flaky` failed"),
        "{error}"
    );
    assert!(events
        .iter()
        .any(|e| e["event"] == "node_skipped" && e["node"] == "after"));
    assert!(outputs_of(&events, "alarm")["text"]["value"]
        .as_str()
        .unwrap()
        .contains("Flaky"));
}

#[test]
fn editing_the_inner_file_makes_the_subflow_node_stale() {
    let dir = tempfile::tempdir().unwrap();
    let inner = write(dir.path(), "greet.flow", GREET);
    let outer = write(
        dir.path(),
        "main.flow",
        r#"Flow(version: 1, nodes: [
    Node(id: "sub", kind: "subflow", title: "Greet", params: {"flow": "greet.flow"}),
    Node(id: "end", kind: "template", title: "End", params: {"template": "[{x}]", "vars": ["x"]}),
], edges: ["sub.Greeting -> end.x"])"#,
    );
    let (code, _) = run(&outer, &[]);
    assert_eq!(code, Some(0));
    let (_, events) = run(&outer, &["--mode", "missing"]);
    assert!(started(&events).is_empty(), "nothing changed: {events:?}");
    // The outer file is untouched; the inner one changes.
    std::fs::write(&inner, GREET.replace("hello {who}", "good day {who}")).unwrap();
    let (code, events) = run(&outer, &["--mode", "missing"]);
    assert_eq!(code, Some(0));
    assert_eq!(started(&events), ["sub", "end"]);
    assert_eq!(
        outputs_of(&events, "end")["text"]["value"],
        "[good day nobody x1]"
    );
}

#[test]
fn a_flow_that_includes_itself_is_refused_with_the_chain_named() {
    let dir = tempfile::tempdir().unwrap();
    let sub = |to: &str| {
        format!(
            r#"Flow(version: 1, nodes: [
    Node(id: "again", kind: "subflow", title: "Again", params: {{"flow": "{to}"}}),
])"#
        )
    };
    let a = write(dir.path(), "a.flow", &sub("parts/b.flow"));
    write(dir.path(), "parts/b.flow", &sub("../a.flow"));
    let output = flowcanvas(&["run"], &a);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("includes itself"), "{err}");
    assert!(
        err.contains("a.flow → ") && err.contains("b.flow → "),
        "{err}"
    );
    assert!(err.contains("a.flow:2:"), "the outer node's place: {err}");
    // Directly.
    let me = write(dir.path(), "me.flow", &sub("me.flow"));
    let output = flowcanvas(&["validate"], &me);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(
        err.contains("me.flow → ") && err.contains("includes itself"),
        "{err}"
    );
}

#[test]
fn a_missing_or_invalid_inner_file_is_a_load_error_naming_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let outer = write(
        dir.path(),
        "main.flow",
        r#"Flow(version: 1, nodes: [
    Node(id: "who", kind: "text", params: {"text": "x"}),
    Node(id: "sub", kind: "subflow", title: "Greet", params: {"flow": "gone.flow"}),
], edges: ["who.text -> sub.Name"])"#,
    );
    let output = flowcanvas(&["run"], &outer);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("main.flow:3:"), "the outer place: {err}");
    assert!(err.contains("gone.flow"), "the inner file: {err}");
    // One message, not one per wire into the unlinked node.
    assert!(!err.contains("who.text"), "{err}");
    write(
        dir.path(),
        "gone.flow",
        "Flow(version: 1, nodes: [\n    Node(id: \"x\", kind: \"no_such_kind\"),\n])",
    );
    let output = flowcanvas(&["run"], &outer);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("main.flow:3:"), "{err}");
    assert!(err.contains("gone.flow:2:"), "the inner place: {err}");
    assert!(err.contains("no_such_kind"), "{err}");
}

/// The values of the marked outputs of `file` as the CLI prints them after a run (each
/// line after the summary, without its label), sorted.
fn printed_outputs(file: &Path) -> Vec<String> {
    let output = flowcanvas(&["run", "--no-store"], file);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let after = text.split_once("Flow complete").unwrap().1;
    let mut values: Vec<String> = after
        .lines()
        .skip(1)
        .map(|line| {
            line.split_once(": ")
                .map_or(line, |(_, v)| v)
                .trim()
                .to_owned()
        })
        .collect();
    values.sort();
    values
}

#[test]
fn grouping_into_a_subflow_and_inlining_it_again_keep_the_flows_outputs() {
    use flowcanvas::model::NodeId;
    use flowcanvas::nodes::Registry;
    use flowcanvas::session::compose::{group_into_subflow, inline_subflow};
    use flowcanvas::session::document::Document;
    use flowcanvas::session::edit::DocEdit;
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "main.flow",
        r#"Flow(version: 1, nodes: [
    Node(id: "name", kind: "text", title: "Name", params: {"text": "Ada"}),
    Node(id: "count", kind: "number", title: "Count", params: {"value": 2}),
    Node(id: "hello", kind: "template", title: "Hello", params: {"template": "hello {n} x{c}", "vars": ["n", "c"]}),
    Node(id: "loud", kind: "script", title: "Loud", params: {"script": "s.to_upper()", "vars": ["s"]}, output: true),
    Node(id: "frame", kind: "template", title: "Frame", params: {"template": "[{x}] by {n}", "vars": ["x", "n"]}),
    Node(id: "show", kind: "viewer", title: "Show", output: true),
], edges: ["name.text -> hello.n", "count.value -> hello.c", "hello.text -> loud.s", "loud.result -> frame.x", "name.text -> frame.n", "frame.text -> show.in"])"#,
    );
    let before = printed_outputs(&file);
    assert_eq!(before, ["HELLO ADA X2", "[HELLO ADA X2] by Ada"]);

    let registry = Arc::new(Registry::builtin());
    let flow = flowcanvas::format::load(&file, &registry).unwrap();
    let mut doc = Document::new(flow, Some(file.clone()), registry.clone());
    let selection = [NodeId::from("hello"), NodeId::from("loud")];
    let (inner, replacement) = group_into_subflow(
        doc.flow(),
        &registry,
        &selection,
        "Shout",
        "flows/shout.flow",
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("flows")).unwrap();
    flowcanvas::format::save(&dir.path().join("flows/shout.flow"), &inner).unwrap();
    doc.apply(DocEdit::Replace(replacement)).unwrap();
    let sub = NodeId::from("subflow");
    let node = doc.flow().node("subflow").unwrap();
    assert!(node.subflow.is_some(), "linked once the file is written");
    assert!(doc.flow().node("hello").is_none() && doc.flow().node("loud").is_none());
    // One undo step takes it all back; redo again.
    let grouped = doc.flow().clone();
    assert!(doc.undo());
    assert!(doc.flow().node("hello").is_some() && doc.flow().node("subflow").is_none());
    assert!(doc.redo());
    assert_eq!(*doc.flow(), grouped);
    doc.save_to(&file).unwrap();
    let inner_text = std::fs::read_to_string(dir.path().join("flows/shout.flow")).unwrap();
    assert!(inner_text.contains("promote"), "{inner_text}");
    assert_eq!(printed_outputs(&file), before, "grouped: the same outputs");

    let replacement = inline_subflow(doc.flow(), &registry, &sub).unwrap();
    doc.apply(DocEdit::Replace(replacement)).unwrap();
    assert!(doc.flow().node("subflow").is_none());
    assert!(doc.flow().node("hello").is_some() && doc.flow().node("loud").is_some());
    assert_eq!(
        doc.flow().nodes.len(),
        6,
        "the helper input and output nodes went"
    );
    assert!(
        doc.flow().node("loud").unwrap().output,
        "still a marked output"
    );
    doc.save_to(&file).unwrap();
    assert_eq!(printed_outputs(&file), before, "inlined: the same outputs");
    assert!(doc.undo(), "inlining is one undo step");
    assert!(doc.flow().node("subflow").is_some());
}

#[test]
fn a_flow_named_without_a_folder_runs_its_subflow_in_the_subflows_folder() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "parts/where.flow",
        r#"Flow(version: 1, nodes: [
    Node(id: "pwd", kind: "shell", title: "Where", params: {"command": "pwd"}, output: true),
])"#,
    );
    write(
        dir.path(),
        "main.flow",
        r#"Flow(version: 1, nodes: [
    Node(id: "sub", kind: "subflow", title: "Sub", params: {"flow": "parts/where.flow"}),
])"#,
    );
    // `run main.flow` from the flow's own folder: the path has no folder part.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_flowcanvas"))
        .args(["run", "--no-store", "--json", "main.flow"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let events = json_lines(&output);
    let printed = outputs_of(&events, "sub")["Where"]["value"]
        .as_str()
        .unwrap()
        .trim()
        .to_owned();
    let expected = dir.path().join("parts").canonicalize().unwrap();
    assert_eq!(Path::new(&printed).canonicalize().unwrap(), expected);
}
