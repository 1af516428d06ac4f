//! The result store under real processes: several `flowcanvas run` at once on one flow, a
//! run killed mid-way, records of dead processes whose pid lives on, edited results and
//! temporaries left behind.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value as Json;

use flowcanvas::model::NodeId;
use flowcanvas::store::Store;

use crate::cli::{flowcanvas, json_lines, started_nodes, stderr, stdout};
use crate::support::saves_dir;

const BIN: &str = env!("CARGO_BIN_EXE_flowcanvas");

/// `flow` written as `name` in a fresh folder.
fn flow_file(name: &str, flow: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    std::fs::write(&file, flow).unwrap();
    (dir, file)
}

/// A chain whose results differ every run: a shell prints its pid and the time.
const CHAIN: &str = r#"Flow(
    version: 1,
    nodes: [
        Node(id: "src", kind: "shell", params: {"command": "echo $$-$(date +%s%N)"}),
        Node(id: "t1", kind: "template", params: {"template": "1 {v}", "vars": ["v"]}),
        Node(id: "t2", kind: "template", params: {"template": "2 {v}", "vars": ["v"]}),
        Node(id: "t3", kind: "template", params: {"template": "3 {v}", "vars": ["v"]}),
        Node(id: "t4", kind: "template", params: {"template": "4 {v}", "vars": ["v"]}),
        Node(id: "t5", kind: "template", params: {"template": "5 {v}", "vars": ["v"]}),
        Node(id: "t6", kind: "template", params: {"template": "6 {v}", "vars": ["v"]}),
    ],
    edges: [
        "src.stdout -> t1.v", "t1.text -> t2.v", "t2.text -> t3.v",
        "t3.text -> t4.v", "t4.text -> t5.v", "t5.text -> t6.v",
    ],
)
"#;

const NODES: [&str; 7] = ["src", "t1", "t2", "t3", "t4", "t5", "t6"];

#[test]
fn concurrent_runs_keep_every_result() {
    const PROCESSES: usize = 3;
    const ROUNDS: usize = 10;
    let (_dir, file) = flow_file("chain.flow", CHAIN);
    let deadline = Instant::now() + Duration::from_secs(120);
    std::thread::scope(|scope| {
        for _ in 0..PROCESSES {
            scope.spawn(|| {
                for _ in 0..ROUNDS {
                    let output = flowcanvas(&["run"], &file);
                    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
                    assert!(Instant::now() < deadline, "the runs hang");
                }
            });
        }
    });
    let store = Store::for_flow(&file);
    let (histories, problems) = store.histories();
    assert!(problems.is_empty(), "{problems:?}");
    for node in NODES {
        assert_eq!(
            histories[&NodeId::from(node)].history.len(),
            PROCESSES * ROUNDS,
            "every result of `{node}` is kept"
        );
    }
    let (runs, _) = store.runs();
    assert_eq!(runs.len(), PROCESSES * ROUNDS, "every run is recorded");
    assert!(runs.iter().all(|r| r.status.label() == "completed"));
    let (results, problems) = store.load_results();
    assert!(problems.is_empty(), "{problems:?}");
    let active_runs: Vec<&str> = NODES
        .iter()
        .map(|node| results[&NodeId::from(*node)].entry.run.as_str())
        .collect();
    assert!(
        active_runs.iter().all(|run| *run == active_runs[0]),
        "the active results come from one run: {active_runs:?}"
    );
    // And they fit together: each template's text is made from its producer's.
    let text = |node: &str| {
        results[&NodeId::from(node)]
            .outputs
            .iter()
            .next()
            .map(|(_, value)| value.to_text())
            .unwrap_or_default()
    };
    assert_eq!(text("t6"), format!("6 5 4 3 2 1 {}", text("src")));
}

/// A run record as `flowcanvas run` writes it, for the flow in `file`, after one run.
fn only_record(file: &Path) -> (PathBuf, Json) {
    let runs = PathBuf::from(format!("{}.d/runs", file.display()));
    let path = std::fs::read_dir(&runs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let record = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    (runs, record)
}

#[test]
fn dead_run_with_reused_pid_reads_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hello.flow");
    std::fs::copy(saves_dir().join("hello.flow"), &file).unwrap();
    assert_eq!(flowcanvas(&["run"], &file).status.code(), Some(0));
    // A record left by a process that died mid-run, whose pid (1: init, or a container's
    // first process) is alive.
    let (runs, mut record) = only_record(&file);
    let id = "0000000000001-1-1";
    record["id"] = Json::from(id);
    record["pid"] = Json::from(1);
    let started = record["started_at_ms"].as_u64().unwrap() + 1;
    record["started_at_ms"] = Json::from(started);
    record["status"] = Json::from("running");
    record["finished_at_ms"] = Json::Null;
    record["summary"] = Json::Null;
    for node in record["nodes"].as_array_mut().unwrap() {
        node["status"] = Json::Null;
    }
    std::fs::write(runs.join(format!("{id}.json")), record.to_string()).unwrap();

    let history = stdout(&flowcanvas(&["runs"], &file));
    let last = history.lines().nth(1).unwrap_or_default();
    assert!(
        last.contains(id) && last.contains(" interrupted "),
        "{history}"
    );
    let output = flowcanvas(&["resume", "--json"], &file);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let history = stdout(&flowcanvas(&["runs"], &file));
    assert!(history.contains("(resume of #2)"), "{history}");
}

#[test]
fn runs_json_fills_in_the_steps_a_killed_run_finished() {
    let (dir, file) = flow_file(
        "slow.flow",
        r#"Flow(
    version: 1,
    nodes: [
        Node(id: "a", kind: "text", params: {"text": "first"}),
        Node(id: "b", kind: "template", params: {"template": "{v}!", "vars": ["v"]}),
        Node(id: "c", kind: "shell", params: {"command": "echo $$ > shell.pid; sleep 60"}),
    ],
    edges: ["a.text -> b.v", "b.text -> c.stdin"],
)
"#,
    );
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

    let output = flowcanvas(&["runs", "--json"], &file);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let runs = json_lines(&output);
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["status"], "interrupted");
    let statuses: Vec<(&str, &Json)> = runs[0]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["node"].as_str().unwrap(), &n["status"]))
        .collect();
    assert_eq!(
        statuses,
        [
            ("a", &Json::from("succeeded")),
            ("b", &Json::from("succeeded")),
            ("c", &Json::Null),
        ],
        "what finished is known; what did not is not"
    );
    assert!(
        !PathBuf::from(format!("{}.d/runs", file.display()))
            .read_dir()
            .unwrap()
            .any(|e| e.unwrap().path().extension().is_some_and(|e| e == "live")),
        "the dead run's live file is gone"
    );
}

#[test]
fn edited_object_is_dropped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hello.flow");
    std::fs::copy(saves_dir().join("hello.flow"), &file).unwrap();
    assert_eq!(flowcanvas(&["run"], &file).status.code(), Some(0));
    let journal = dir.path().join("hello.flow.d/results.log");
    let text = std::fs::read_to_string(&journal).unwrap();
    assert!(text.contains("Hello, world!"), "{text}");
    std::fs::write(&journal, text.replace("Hello, world!", "Hello, moon!")).unwrap();

    let output = flowcanvas(&["run", "--json", "--mode", "missing"], &file);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let events = json_lines(&output);
    let problem = events
        .iter()
        .find(|e| e["event"] == "store_problem")
        .expect("a store_problem event");
    let message = problem["message"].as_str().unwrap();
    assert!(
        message.contains("results.log") && message.contains("checksum"),
        "{message}"
    );
    assert_eq!(
        started_nodes(&events),
        ["greet"],
        "the edited result is dropped"
    );
}

#[test]
fn stale_temporaries_are_removed_when_a_store_opens() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hello.flow");
    std::fs::copy(saves_dir().join("hello.flow"), &file).unwrap();
    assert_eq!(flowcanvas(&["run"], &file).status.code(), Some(0));
    let store = dir.path().join("hello.flow.d");
    // A killed writer's leftovers (its pid is free), and a live writer's (this test's).
    let dead = u32::MAX - 7;
    let stale = [
        store.join(format!("runs/.x.json.tmp-{dead}-0")),
        store.join(format!("objects/.y.json.tmp-{dead}-12")),
    ];
    let live = store.join(format!("runs/.z.json.tmp-{}-0", std::process::id()));
    for path in stale.iter().chain([&live]) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "half").unwrap();
    }
    assert_eq!(flowcanvas(&["run"], &file).status.code(), Some(0));
    for path in &stale {
        assert!(!path.exists(), "{} is left", path.display());
    }
    assert!(live.exists(), "a live writer's temporary was removed");
}

#[cfg(unix)]
#[test]
fn symlinked_results_log_is_not_written_through() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hello.flow");
    std::fs::copy(saves_dir().join("hello.flow"), &file).unwrap();
    let store = dir.path().join("hello.flow.d");
    std::fs::create_dir(&store).unwrap();
    // A downloaded flow ships its store with the journal pointing at a file of the user's.
    let target = dir.path().join("bashrc");
    std::fs::write(&target, "# mine\n").unwrap();
    std::os::unix::fs::symlink(&target, store.join("results.log")).unwrap();

    let output = flowcanvas(&["run", "--restricted"], &file);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "# mine\n",
        "written through the link"
    );
    let err = stderr(&output);
    assert!(
        err.contains("results.log") && err.contains("is a symbolic link"),
        "{err}"
    );
    assert!(
        std::fs::symlink_metadata(store.join("results.log"))
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link was replaced"
    );
    // Nor read through: listing the runs or planning reads nothing from it.
    let output = flowcanvas(&["plan", "--mode", "missing"], &file);
    assert!(
        stderr(&output).contains("is a symbolic link"),
        "{}",
        stderr(&output)
    );
}

#[cfg(unix)]
#[test]
fn symlinked_store_folder_creates_nothing_in_its_target() {
    for linked in ["", "runs", "objects"] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("big.flow");
        // Outputs larger than a journal line get an object file.
        let big = "x".repeat(10_000);
        std::fs::write(
            &file,
            format!(
                r#"Flow(version: 1, nodes: [Node(id: "t", kind: "text", params: {{"text": "{big}"}})], edges: [])"#
            ),
        )
        .unwrap();
        let store = dir.path().join("big.flow.d");
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        let link = if linked.is_empty() {
            store.clone()
        } else {
            std::fs::create_dir(&store).unwrap();
            store.join(linked)
        };
        std::os::unix::fs::symlink(&elsewhere, &link).unwrap();

        let output = flowcanvas(&["run", "--restricted"], &file);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let made: Vec<_> = std::fs::read_dir(&elsewhere).unwrap().collect();
        assert!(
            made.is_empty(),
            "`{linked}` link: {made:?} made in its target"
        );
        let err = stderr(&output);
        assert!(
            err.contains(&link.display().to_string()) && err.contains("is a symbolic link"),
            "`{linked}` link: {err}"
        );
        let runs = flowcanvas(&["runs"], &file);
        assert!(
            std::fs::read_dir(&elsewhere).unwrap().next().is_none(),
            "`{linked}` link: `runs` wrote in the target: {}",
            stderr(&runs)
        );
    }
}

#[test]
fn resume_while_a_run_is_live_says_it_is_still_running() {
    let (dir, file) = flow_file(
        "live.flow",
        r#"Flow(
    version: 1,
    nodes: [
        Node(id: "a", kind: "text", params: {"text": "first"}),
        Node(id: "c", kind: "shell", params: {"command": "echo $$ > shell.pid; sleep 30"}),
    ],
    edges: ["a.text -> c.stdin"],
)
"#,
    );
    assert_eq!(
        flowcanvas(&["run", "--node", "a"], &file).status.code(),
        Some(0)
    );
    let mut child = Command::new(BIN)
        .arg("run")
        .arg(&file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let shell_pid = crate::support::read_pid(&dir.path().join("shell.pid"));
    let output = flowcanvas(&["resume"], &file);
    let listed = stdout(&flowcanvas(&["runs"], &file));
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let _ = Command::new("kill")
        .args(["-9", &shell_pid.to_string()])
        .status();

    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains("the latest run (#2) is still running") && !err.contains("completed"),
        "{err}"
    );
    let second = listed.lines().nth(1).unwrap_or_default();
    assert!(
        second.starts_with("#2") && second.contains("running"),
        "{listed}"
    );
}
