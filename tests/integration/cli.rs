//! The `flowcanvas` binary on the example flows: order, statuses, outputs, exit codes,
//! the JSON event stream, plan, validate, fmt, and Ctrl-C.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value as Json;

use crate::support::{example, saves_dir};

const BIN: &str = env!("CARGO_BIN_EXE_flowcanvas");

pub(crate) fn flowcanvas(args: &[&str], file: &Path) -> Output {
    Command::new(BIN).args(args).arg(file).output().unwrap()
}

pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub(crate) fn json_lines(output: &Output) -> Vec<Json> {
    stdout(output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect()
}

pub(crate) fn started_nodes(events: &[Json]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["event"] == "node_started")
        .map(|e| e["node"].as_str().unwrap().to_owned())
        .collect()
}

fn final_statuses(events: &[Json]) -> Vec<(String, String)> {
    let last = events.last().unwrap();
    assert_eq!(
        last["event"], "run_finished",
        "the last line must be run_finished"
    );
    last["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["node"].as_str().unwrap().to_owned(),
                n["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn hello_prints_the_greeting_and_succeeds() {
    let (_dir, file) = example("hello.flow");
    let output = flowcanvas(&["run"], &file);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("[1/2] ✓ Name"),
        "steps are named by title: {text}"
    );
    assert!(text.contains("[2/2] ✓ Greeting"), "{text}");
    assert!(text.contains("Flow complete: 2 succeeded"), "{text}");
    assert!(text.trim_end().ends_with("Result: Hello, world!"), "{text}");
}

#[test]
fn pipeline_runs_the_selected_branch_through_the_bypassed_node() {
    let (dir, file) = example("pipeline.flow");
    let output = flowcanvas(&["run", "--json"], &file);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let events = json_lines(&output);
    assert_eq!(
        started_nodes(&events),
        ["notes", "count", "release", "upper", "report", "save"]
    );
    assert!(final_statuses(&events)
        .iter()
        .all(|(_, status)| status == "succeeded"));
    let progress = events
        .iter()
        .filter(|e| e["event"] == "node_progress")
        .count();
    assert!(
        progress >= 6,
        "shell output should stream line by line ({progress} chunks)"
    );
    let report = std::fs::read_to_string(dir.path().join("out/report.txt")).unwrap();
    assert_eq!(
        report,
        "Release 2.3.0 (3 changes)\nFASTER STARTUP\nFIXED THE CRASH ON EMPTY FILES\nNEW EXPORT MENU\n"
    );
    let summary = events.last().unwrap()["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("Flow complete: 6 succeeded in "),
        "{summary}"
    );
}

#[test]
fn pipeline_shows_live_progress_for_people() {
    let (_dir, file) = example("pipeline.flow");
    let output = flowcanvas(&["run"], &file);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    let started = text.find("[2/6] ▶ Count lines").expect(&text);
    let streamed = text.find("│ checked: Faster startup").expect(&text);
    let done = text.find("[2/6] ✓ Count lines").expect(&text);
    assert!(started < streamed && streamed < done, "{text}");
    assert!(text.contains("Flow complete: 6 succeeded"), "{text}");
}

#[test]
fn failing_skips_the_broken_branch_and_finishes_the_other() {
    let (dir, file) = example("failing.flow");
    let output = flowcanvas(&["run", "--json"], &file);
    assert_eq!(output.status.code(), Some(1));
    let events = json_lines(&output);
    let statuses = final_statuses(&events);
    let expect = [
        ("fetch", "failed"),
        ("greeting", "succeeded"),
        ("parse", "skipped"),
        ("publish", "skipped"),
        ("shout", "succeeded"),
        ("shout_file", "succeeded"),
    ];
    for (node, status) in expect {
        assert!(
            statuses.contains(&(node.to_owned(), status.to_owned())),
            "{node} {status}: {statuses:?}"
        );
    }
    let failure = events.iter().find(|e| e["event"] == "node_failed").unwrap();
    assert_eq!(
        failure["error"],
        "command failed with exit code 3:\nerror: the mirror did not answer"
    );
    let skip = events
        .iter()
        .find(|e| e["event"] == "node_skipped")
        .unwrap();
    assert_eq!(
        skip["reason"], "upstream `Fetch prices` failed",
        "named by title"
    );
    let last = events.last().unwrap();
    assert_eq!(last["status"], "failed");
    assert!(last["summary"]
        .as_str()
        .unwrap()
        .starts_with("Flow finished with problems: 3 succeeded, 1 failed, 2 skipped"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out/shout.txt")).unwrap(),
        "THE INDEPENDENT BRANCH STILL RUNS"
    );
    assert!(!dir.path().join("out/prices.txt").exists());
}

#[test]
fn every_json_line_is_one_event_with_a_type() {
    let (_dir, file) = example("failing.flow");
    let events = json_lines(&flowcanvas(&["run", "--json"], &file));
    let known = [
        "run_queued",
        "run_started",
        "node_started",
        "node_progress",
        "node_finished",
        "node_failed",
        "node_skipped",
        "node_cancelled",
        "run_finished",
    ];
    for event in &events {
        assert!(known.contains(&event["event"].as_str().unwrap()), "{event}");
        assert_eq!(event["run"], 1);
    }
    let started = events.iter().find(|e| e["event"] == "run_started").unwrap();
    assert_eq!(started["plan"]["steps"].as_array().unwrap().len(), 6);
    let finished = events
        .iter()
        .find(|e| e["event"] == "node_finished")
        .unwrap();
    assert!(finished["elapsed_ms"].is_number());
    assert!(finished["outputs"].is_object());
}

#[test]
fn to_here_and_node_scopes() {
    let (_dir, file) = example("pipeline.flow");
    let output = flowcanvas(&["run", "--json", "--to", "report"], &file);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        started_nodes(&json_lines(&output)),
        ["notes", "count", "release", "upper", "report"]
    );

    // Without the store, a fresh process has no earlier results: `report` alone lacks inputs.
    let output = flowcanvas(&["run", "--json", "--no-store", "--node", "report"], &file);
    assert_eq!(output.status.code(), Some(1));
    let events = json_lines(&output);
    assert!(started_nodes(&events).is_empty());
    assert_eq!(
        final_statuses(&events),
        [("report".to_owned(), "skipped".to_owned())]
    );

    let output = flowcanvas(&["run", "--json", "--node", "notes"], &file);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(started_nodes(&json_lines(&output)), ["notes"]);
}

#[test]
fn bad_scopes_exit_2_with_a_reason() {
    let (_dir, file) = example("pipeline.flow");
    let output = flowcanvas(&["run", "--node", "ghost"], &file);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no node `ghost`"),
        "{}",
        stderr(&output)
    );
    let output = flowcanvas(&["run", "--node", "show"], &file);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("a viewer shows its input and does not run"));
    let output = Command::new(BIN)
        .args(["run", "--node", "a", "--to", "b"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn plan_shows_the_order_without_running() {
    let (dir, file) = example("pipeline.flow");
    let output = flowcanvas(&["plan", "--json"], &file);
    assert_eq!(output.status.code(), Some(0));
    let plan: Json = serde_json::from_str(&stdout(&output)).unwrap();
    let order: Vec<&str> = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["node"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        ["notes", "count", "release", "upper", "report", "save"]
    );
    assert!(
        !dir.path().join("out").exists(),
        "plan must not run anything"
    );
    let human = stdout(&flowcanvas(&["plan"], &file));
    assert!(human.contains("5. Compose report"), "{human}");
}

#[test]
fn validate_reports_every_problem_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.flow");
    std::fs::write(
        &file,
        "Flow(\n    version: 1,\n    nodes: [\n        Node(id: \"a\", kind: \"txet\"),\n        Node(id: \"b\", kind: \"text\", params: {\"colour\": 1}),\n    ],\n    edges: [\"a.text -> nowhere.in\"],\n)\n",
    )
    .unwrap();
    let output = flowcanvas(&["validate"], &file);
    assert_eq!(output.status.code(), Some(2));
    let errors = stderr(&output);
    let name = file.display().to_string();
    assert!(
        errors.contains(&format!("{name}:4:14: node `a`: unknown kind `txet`")),
        "{errors}"
    );
    assert!(
        errors.contains(&format!(
            "{name}:5:14: node `b`: unknown parameter `colour`"
        )),
        "{errors}"
    );
    assert!(
        errors.contains(&format!(
            "{name}:7:13: edge `a.text -> nowhere.in`: target node `nowhere` does not exist"
        )),
        "{errors}"
    );
    // run refuses the same file the same way, without running anything.
    let output = flowcanvas(&["run"], &file);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn syntax_errors_point_at_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("typo.flow");
    std::fs::write(&file, "Flow(\n    version: 1\n    nodes: [],\n)\n").unwrap();
    let output = flowcanvas(&["run"], &file);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with(&format!("error: {}:3:", file.display())),
        "{}",
        stderr(&output)
    );
}

#[test]
fn loops_exit_2_naming_the_nodes() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("loop.flow");
    std::fs::write(
        &file,
        r#"Flow(
    version: 1,
    nodes: [
        Node(id: "a", kind: "template", params: {"template": "{v}", "vars": ["v"]}),
        Node(id: "b", kind: "template", params: {"template": "{v}", "vars": ["v"]}),
    ],
    edges: ["a.text -> b.v", "b.text -> a.v"],
)
"#,
    )
    .unwrap();
    let output = flowcanvas(&["validate"], &file);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("the flow has a loop: `a` → `b` → `a`"),
        "{}",
        stderr(&output)
    );
    let output = flowcanvas(&["run", "--to", "a"], &file);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("loop"), "{}", stderr(&output));
}

#[test]
fn a_missing_file_exits_2() {
    let output = flowcanvas(&["run"], Path::new("/no/such.flow"));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("/no/such.flow"));
}

#[test]
fn fmt_check_accepts_the_examples_and_fmt_rewrites_hand_edits() {
    for name in [
        "hello.flow",
        "pipeline.flow",
        "failing.flow",
        "parallel.flow",
    ] {
        let output = flowcanvas(&["fmt", "--check"], &saves_dir().join(name));
        assert_eq!(output.status.code(), Some(0), "{name}: {}", stdout(&output));
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("messy.flow");
    std::fs::write(
        &file,
        "Flow(version:1,nodes:[Node(kind:\"text\",id:\"z\"),Node(id:\"a\",kind:\"text\")])",
    )
    .unwrap();
    assert_eq!(
        flowcanvas(&["fmt", "--check"], &file).status.code(),
        Some(1)
    );
    assert_eq!(flowcanvas(&["fmt"], &file).status.code(), Some(0));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.find("\"a\"").unwrap() < text.find("\"z\"").unwrap(),
        "{text}"
    );
    assert_eq!(
        flowcanvas(&["fmt", "--check"], &file).status.code(),
        Some(0)
    );
}

#[cfg(unix)]
#[test]
fn fmt_keeps_the_file_mode_and_symlinks() {
    use std::os::unix::fs::PermissionsExt;
    const MESSY: &str = "Flow(version:1,nodes:[Node(kind:\"text\",id:\"z\")])";
    let dir = tempfile::tempdir().unwrap();
    let private = dir.path().join("p.flow");
    std::fs::write(&private, MESSY).unwrap();
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(flowcanvas(&["fmt"], &private).status.code(), Some(0));
    assert_ne!(
        std::fs::read_to_string(&private).unwrap(),
        MESSY,
        "not formatted"
    );
    let mode = std::fs::metadata(&private).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "mode {mode:o}");

    let target = dir.path().join("tgt.flow");
    std::fs::write(&target, MESSY).unwrap();
    let link = dir.path().join("l.flow");
    std::os::unix::fs::symlink("tgt.flow", &link).unwrap();
    assert_eq!(flowcanvas(&["fmt"], &link).status.code(), Some(0));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link became a file"
    );
    assert_eq!(
        flowcanvas(&["fmt", "--check"], &target).status.code(),
        Some(0)
    );
}

#[cfg(unix)]
#[test]
fn validate_refuses_dev_zero_and_fifos_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.flow");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    for path in [PathBuf::from("/dev/zero"), fifo] {
        let started = Instant::now();
        let output = flowcanvas(&["validate"], &path);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        let err = stderr(&output);
        assert!(
            err.contains(&path.display().to_string()) && err.contains("is not a regular file"),
            "{err}"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}

#[test]
fn ctrl_c_stops_the_run_kills_the_command_and_exits_130() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("slow.flow");
    std::fs::write(
        &file,
        r#"Flow(
    version: 1,
    nodes: [
        Node(id: "slow", kind: "shell", params: {"command": "echo $$ > shell.pid; echo started; sleep 60"}),
    ],
)
"#,
    )
    .unwrap();
    let mut child = Command::new(BIN)
        .args(["run", "--json"])
        .arg(&file)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let pid_file = dir.path().join("shell.pid");
    let shell_pid = crate::support::read_pid(&pid_file);
    send_sigint(child.id());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("flowcanvas did not exit after Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status.code(), Some(130));
    let output = child.wait_with_output().unwrap();
    let last = stdout(&output)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned();
    let last: Json = serde_json::from_str(&last).unwrap();
    assert_eq!(last["status"], "cancelled");
    assert!(
        !Path::new(&format!("/proc/{shell_pid}")).exists() || is_zombie(shell_pid),
        "the shell survived Ctrl-C"
    );
}

fn is_zombie(pid: i32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    matches!(
        stat.rsplit(')')
            .next()
            .and_then(|r| r.split_whitespace().next()),
        None | Some("Z") | Some("X")
    )
}

fn send_sigint(pid: u32) {
    let status = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn promoted_inputs_are_set_from_the_command_line() {
    let (_dir, file) = example("hello.flow");
    let output = flowcanvas(&["run", "--set", "Name=Ada"], &file);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).trim_end().ends_with("Result: Hello, Ada!"),
        "{}",
        stdout(&output)
    );

    let output = flowcanvas(&["run", "--set", "Nmae=Ada"], &file);
    assert_eq!(output.status.code(), Some(2));
    let errors = stderr(&output);
    assert!(errors.contains("no input labelled `Nmae`"), "{errors}");
    assert!(
        errors.contains("Name  (long text)"),
        "the valid inputs are listed: {errors}"
    );

    let output = flowcanvas(&["run", "--set", "Name"], &file);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("write LABEL=VALUE"));
}

#[test]
fn a_number_input_of_the_wrong_type_is_refused_listing_the_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("count.flow");
    std::fs::write(
        &file,
        r#"Flow(version: 1, nodes: [
    Node(id: "n", kind: "number", params: {"value": 3.0}, promote: Some(Promotion(label: "Count", min: Some(1.0), max: Some(9.0)))),
    Node(id: "t", kind: "template", params: {"template": "{x} items", "vars": ["x"]}),
], edges: ["n.value -> t.x"])"#,
    )
    .unwrap();
    let output = flowcanvas(&["run", "--set", "Count=many"], &file);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("`Count` takes a number, not \"many\""),
        "{}",
        stderr(&output)
    );
    assert!(
        stderr(&output).contains("Count  (number 1..9)"),
        "{}",
        stderr(&output)
    );
    let output = flowcanvas(&["run", "--set", "Count=12"], &file);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("must be number 1..9, not 12"),
        "{}",
        stderr(&output)
    );
    let output = flowcanvas(&["run", "--json", "--set", "Count=7"], &file);
    assert_eq!(output.status.code(), Some(0));
    let events = json_lines(&output);
    let finished = events
        .iter()
        .find(|e| e["event"] == "node_finished" && e["node"] == "t")
        .unwrap();
    assert_eq!(finished["outputs"]["text"]["value"], "7 items");

    let listing = flowcanvas(&["inputs", "--json"], &file);
    let listing: Json = serde_json::from_str(&stdout(&listing)).unwrap();
    assert_eq!(listing["inputs"][0]["label"], "Count");
    assert_eq!(listing["inputs"][0]["kind"]["type"], "number");
    assert_eq!(listing["inputs"][0]["default"], 3.0);
}

#[test]
fn letter_uses_its_inputs_and_records_the_rolled_seed() {
    let (_dir, file) = example("letter.flow");
    let output = flowcanvas(
        &[
            "run",
            "--json",
            "--set",
            "Greeting=Dear",
            "--set",
            "Name=Grace",
        ],
        &file,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let events = json_lines(&output);
    let started = events.iter().find(|e| e["event"] == "run_started").unwrap();
    let seed = started["seeds"]["seed"]
        .as_u64()
        .expect("the rolled seed is recorded");
    let letter = events
        .iter()
        .find(|e| e["event"] == "node_finished" && e["node"] == "letter")
        .unwrap();
    let text = letter["outputs"]["text"]["value"].as_str().unwrap();
    assert_eq!(
        text,
        format!("Dear, Grace!\nYour lucky number today is {}.", seed % 100)
    );

    let output = flowcanvas(&["run", "--set", "Greeting=Yo"], &file);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("`Greeting` is one of: Hello, Dear, Hey, not \"Yo\""),
        "{}",
        stderr(&output)
    );

    let listing = stdout(&flowcanvas(&["inputs"], &file));
    assert!(
        listing.contains("Greeting  one of: Hello, Dear, Hey"),
        "{listing}"
    );
    assert!(listing.contains("Outputs: `letter`"), "{listing}");
}

#[test]
fn runs_share_results_through_the_store_beside_the_flow() {
    let (dir, file) = example("pipeline.flow");
    let output = flowcanvas(&["run", "--json", "--to", "report"], &file);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        dir.path().join("pipeline.flow.d/runs").is_dir(),
        "the store sits beside the flow"
    );

    // A later process sees those results: Node scope reads them, Missing mode keeps them.
    let output = flowcanvas(&["run", "--json", "--node", "report"], &file);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(started_nodes(&json_lines(&output)), ["report"]);
    let output = flowcanvas(&["run", "--json", "--mode", "missing"], &file);
    assert_eq!(
        started_nodes(&json_lines(&output)),
        ["save"],
        "only what never ran"
    );
    let plan: Json = serde_json::from_str(&stdout(&flowcanvas(
        &["plan", "--json", "--mode", "missing"],
        &file,
    )))
    .unwrap();
    assert_eq!(
        plan["steps"].as_array().unwrap().len(),
        0,
        "everything has a result now"
    );

    let history = stdout(&flowcanvas(&["runs"], &file));
    assert_eq!(history.lines().count(), 3, "{history}");
    assert!(
        history.lines().all(|line| line.contains(" completed ")),
        "{history}"
    );

    // The .flow file itself is never touched by running.
    let original = std::fs::read_to_string(saves_dir().join("pipeline.flow")).unwrap();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), original);
}

#[test]
fn a_broken_store_file_is_reported_and_skipped() {
    let (dir, file) = example("hello.flow");
    assert_eq!(flowcanvas(&["run"], &file).status.code(), Some(0));
    let journal = dir.path().join("hello.flow.d/results.log");
    let text = std::fs::read_to_string(&journal).unwrap();
    // Break the line that stored `greet`'s result.
    let broken: Vec<String> = text
        .split('\n')
        .map(|line| {
            if line.contains("\"greet\"") {
                line.replacen('{', "{ broken", 1)
            } else {
                line.to_owned()
            }
        })
        .collect();
    std::fs::write(&journal, broken.join("\n")).unwrap();
    let output = flowcanvas(&["run", "--mode", "missing"], &file);
    assert_eq!(output.status.code(), Some(0));
    let errors = stderr(&output);
    assert!(
        errors.contains("results.log: line") && errors.contains("unreadable"),
        "{errors}"
    );
    let output = flowcanvas(&["run", "--json", "--mode", "missing"], &file);
    let events = json_lines(&output);
    let problem = events
        .iter()
        .find(|e| e["event"] == "store_problem")
        .expect("a store_problem event");
    assert!(problem["message"].as_str().unwrap().contains("results.log"));
    assert_eq!(
        started_nodes(&events),
        Vec::<String>::new(),
        "the result stored by the second run is read"
    );
}

#[test]
fn a_killed_run_is_interrupted_and_keeps_finished_results() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("slow.flow");
    std::fs::write(
        &file,
        r#"Flow(
    version: 1,
    nodes: [
        Node(id: "a", kind: "text", params: {"text": "first"}),
        Node(id: "b", kind: "shell", params: {"command": "if [ -e quick ]; then cat; else echo $$ > shell.pid; sleep 60; fi"}),
    ],
    edges: ["a.text -> b.stdin"],
)
"#,
    )
    .unwrap();
    let mut child = Command::new(BIN)
        .arg("run")
        .arg(&file)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let pid_file = dir.path().join("shell.pid");
    let shell_pid = crate::support::read_pid(&pid_file);
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    child.wait().unwrap();
    let _ = Command::new("kill")
        .args(["-9", &shell_pid.to_string()])
        .status();

    let history = stdout(&flowcanvas(&["runs"], &file));
    assert!(history.contains(" interrupted "), "{history}");
    assert!(history.contains("flowcanvas resume"), "{history}");
    std::fs::write(dir.path().join("quick"), "").unwrap();
    let output = flowcanvas(&["resume", "--json"], &file);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let events = json_lines(&output);
    let started: Vec<String> = started_nodes(&events);
    assert_eq!(started, ["b"], "the finished node kept its result");
    let history = stdout(&flowcanvas(&["runs"], &file));
    let last = history.lines().nth(1).unwrap_or_default();
    assert!(
        last.contains(" completed ") && last.contains("(resume of #1)"),
        "{history}"
    );
    let output = flowcanvas(&["resume"], &file);
    assert_eq!(output.status.code(), Some(2), "nothing left to resume");
    assert!(
        stderr(&output).contains("nothing to resume"),
        "{}",
        stderr(&output)
    );
    let _ = std::fs::remove_file(&pid_file);
}

#[test]
fn resume_reruns_what_did_not_complete_and_retry_what_depends_on_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("partial.flow");
    std::fs::write(
        &file,
        r#"Flow(
    version: 1,
    nodes: [
        Node(id: "a", kind: "shell", params: {"command": "echo first"}),
        Node(id: "b", kind: "shell", params: {"command": "test -e fixed && cat"}),
        Node(id: "c", kind: "shell", params: {"command": "echo independent"}),
    ],
    edges: ["a.stdout -> b.stdin"],
)
"#,
    )
    .unwrap();
    let output = flowcanvas(&["run", "--json"], &file);
    assert_eq!(output.status.code(), Some(1), "b fails");
    assert_eq!(started_nodes(&json_lines(&output)), ["a", "b", "c"]);

    let continue_run = |how: &str, run: &str| {
        Command::new(BIN)
            .args([how, "--json"])
            .arg(&file)
            .arg(run)
            .output()
            .unwrap()
    };
    let output = continue_run("resume", "1");
    assert_eq!(
        started_nodes(&json_lines(&output)),
        ["b"],
        "resume runs only the step that did not complete"
    );
    std::fs::write(dir.path().join("fixed"), "").unwrap();
    let output = continue_run("retry", "#1");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        started_nodes(&json_lines(&output)),
        ["b"],
        "retry reruns the unfinished step and what depends on it, not the independent `c`"
    );
    let output = continue_run("retry", "9");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no run `9`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn missing_mode_reruns_stale_results_but_not_moved_nodes() {
    let (_dir, file) = example("pipeline.flow");
    assert_eq!(flowcanvas(&["run"], &file).status.code(), Some(0));
    let original = std::fs::read_to_string(&file).unwrap();
    let missing = |file: &Path| {
        let mut started = started_nodes(&json_lines(&flowcanvas(
            &["run", "--json", "--mode", "missing"],
            file,
        )));
        started.sort();
        started
    };

    // Moving a node and renaming it change nothing.
    let moved = original
        .replace("\"release\": (600.0, 0.0)", "\"release\": (640.0, 80.0)")
        .replace("title: \"Version\"", "title: \"Release version\"");
    assert_ne!(moved, original);
    std::fs::write(&file, &moved).unwrap();
    assert!(missing(&file).is_empty(), "a move is not a change");

    // A parameter change reruns the node and what depends on it.
    std::fs::write(
        &file,
        moved.replace("\"text\": \"2.3.0\"", "\"text\": \"2.4.0\""),
    )
    .unwrap();
    assert_eq!(missing(&file), ["release", "report", "save"]);

    // An upstream change reaches everything downstream of it.
    let edited = std::fs::read_to_string(&file)
        .unwrap()
        .replace("New export menu", "New import menu");
    std::fs::write(&file, edited).unwrap();
    assert_eq!(
        missing(&file),
        ["count", "notes", "report", "save", "upper"]
    );
}

#[test]
fn a_full_disk_is_reported_by_file_name_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.flow");
    let flow = r#"Flow(
    version: 1,
    nodes: [
        Node(id: "big", kind: "shell", params: {"command": "head -c 6000 /dev/zero | tr '\\0' x"}),
    ],
    edges: [],
)
"#;
    std::fs::write(&file, flow).unwrap();
    // A file size limit makes writes past 1 KiB fail the way a full disk does (with the
    // signal that would otherwise end the process ignored, as it is for ENOSPC).
    let output = Command::new("bash")
        .arg("-c")
        .arg(r#"trap '' XFSZ; ulimit -f 1; exec "$0" run "$1""#)
        .arg(BIN)
        .arg(&file)
        .output()
        .unwrap();
    let errors = stderr(&output);
    assert_eq!(
        output.status.code(),
        Some(0),
        "the run itself succeeds: {errors}"
    );
    assert!(
        errors.contains("warning: result store:") && errors.contains("objects/"),
        "the store problem names the file: {errors}"
    );
    assert!(errors.contains("too large"), "{errors}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        flow,
        "the .flow is untouched"
    );
    let objects = dir.path().join("big.flow.d/objects");
    let leftovers: Vec<_> = std::fs::read_dir(&objects)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name())
                .collect()
        })
        .unwrap_or_default();
    assert!(leftovers.is_empty(), "no half-written files: {leftovers:?}");
    // Later runs read what the store has and do not trip over what it lacks.
    let output = flowcanvas(&["run", "--mode", "missing"], &file);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn the_image_and_batch_examples_run_offline() {
    let (dir, file) = example("images.flow");
    let output = flowcanvas(&["run"], &file);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(dir.path().join("out/noise.png").is_file());
    assert!(dir.path().join("out/stripes.webp").is_file());

    let (_dir, file) = example("batch.flow");
    let output = flowcanvas(&["run"], &file);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("6 images generated"), "{text}");
    assert!(text.contains("6 / 6"), "batch progress is shown: {text}");
}

#[test]
fn the_http_example_reads_json_from_a_local_server() {
    let (_dir, file) = example("http_json.flow");
    let url = format!("URL={}/data/release.json", crate::web_nodes::server().base);
    let output = flowcanvas(&["run", "--set", &url], &file);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("Release 0.1.0") && text.contains("- fixed: Stop ends HTTP requests at once"),
        "{text}"
    );
}

#[test]
fn the_llm_example_asks_the_server_in_its_input_or_says_nobody_answers() {
    let (_dir, file) = example("llm.flow");
    let server = format!("Server={}/v1", crate::web_nodes::server().base);
    let output = flowcanvas(&["run", "--set", &server, "--set", "Question=ping"], &file);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("You said: ping"),
        "{}",
        stdout(&output)
    );

    let output = flowcanvas(&["run", "--set", "Server=http://127.0.0.1:1/v1"], &file);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.contains("nothing answers at http://127.0.0.1:1/v1")
            && text.contains("is the server running?"),
        "{text}"
    );
}

#[test]
fn every_node_kind_is_documented() {
    let docs = std::fs::read_to_string(saves_dir().join("../docs/nodes.md")).unwrap();
    let output = Command::new(BIN)
        .args(["kinds", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let kinds = json_lines(&output);
    assert!(kinds.len() >= 30, "{} kinds", kinds.len());
    for kind in kinds {
        let id = kind["id"].as_str().unwrap();
        assert!(
            docs.contains(&format!("`{id}`")),
            "docs/nodes.md does not describe `{id}`"
        );
        for param in kind["params"].as_array().unwrap() {
            let name = param["name"].as_str().unwrap();
            assert!(
                docs.contains(&format!("`{name}`")),
                "docs/nodes.md does not mention `{id}`'s parameter `{name}`"
            );
        }
    }
}

#[test]
fn failed_batch_items_are_retried_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("items.flow");
    std::fs::write(
        &file,
        r#"Flow(version: 1, nodes: [
    Node(id: "items", kind: "batch", params: {"items": "a\nb\nc"}),
    Node(id: "check", kind: "shell", params: {"command": "read x; if [ \"$x\" = b ] && [ ! -e fixed ]; then exit 4; fi; echo \"ran $x\" >> ran.log; echo $x"}),
], edges: ["items.items -> check.stdin"])
"#,
    )
    .unwrap();
    let output = flowcanvas(&["run"], &file);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.contains("partial, 1 of 3 items failed") && text.contains("item 2:"),
        "{text}"
    );
    std::fs::write(dir.path().join("fixed"), "").unwrap();
    let output = Command::new(BIN)
        .args(["run", "--node", "check", "--items", "2"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let ran = std::fs::read_to_string(dir.path().join("ran.log")).unwrap();
    assert_eq!(ran, "ran a\nran c\nran b\n", "only item 2 ran again");
}

#[test]
fn parallel_runs_independent_steps_at_once_with_the_same_outcome_as_one_at_a_time() {
    // failing.flow has two independent branches, one of which fails and skips its
    // dependents: the outcome must not depend on how many steps work at once.
    let (_dir, file) = example("failing.flow");
    let one = flowcanvas(&["run", "--json", "--no-store"], &file);
    let four = flowcanvas(&["run", "--json", "--no-store", "--parallel", "4"], &file);
    assert_eq!(one.status.code(), four.status.code());
    let (mut a, mut b) = (
        final_statuses(&json_lines(&one)),
        final_statuses(&json_lines(&four)),
    );
    a.sort();
    b.sort();
    assert_eq!(a, b);

    // Three independent waits of 400 ms: with --parallel 3 all start before any ends.
    let dir = tempfile::tempdir().unwrap();
    let waits = crate::support::waits_flow(dir.path(), 3, 400);
    let output = flowcanvas(&["run", "--json", "--parallel", "3"], &waits);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let events = json_lines(&output);
    let first_end = events
        .iter()
        .position(|e| e["event"] == "node_finished")
        .unwrap();
    let started = started_nodes(&events[..first_end]);
    assert_eq!(
        started.len(),
        3,
        "all three started before one ended: {events:?}"
    );

    let zero = flowcanvas(&["run", "--parallel", "0"], &waits);
    assert_eq!(zero.status.code(), Some(2));
    assert!(stderr(&zero).contains("--parallel"), "{}", stderr(&zero));
}
