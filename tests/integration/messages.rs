//! What the CLI tells people matches what it does: the plan preview shows what the run
//! will rerun, retry redoes only what depends on the retried step, `--set` pins a seed,
//! and `fmt` never drops comments without a word.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value as Json;

use crate::support::saves_dir;

fn flowcanvas(args: &[&str], file: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flowcanvas"))
        .args(args)
        .arg(file)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json_lines(output: &Output) -> Vec<Json> {
    text(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn started(output: &Output) -> Vec<String> {
    let mut nodes: Vec<String> = json_lines(output)
        .iter()
        .filter(|e| e["event"] == "node_started")
        .map(|e| e["node"].as_str().unwrap().to_owned())
        .collect();
    nodes.sort();
    nodes
}

#[test]
fn plan_missing_previews_a_stale_node_as_running_again_and_the_run_reruns_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pipeline.flow");
    std::fs::copy(saves_dir().join("pipeline.flow"), &file).unwrap();
    assert_eq!(flowcanvas(&["run"], &file).status.code(), Some(0));
    let original = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        original.replace("\"text\": \"2.3.0\"", "\"text\": \"2.4.0\""),
    )
    .unwrap();

    let preview = flowcanvas(&["plan", "--mode", "missing"], &file);
    let preview = text(&preview.stdout);
    assert!(
        !preview.contains("Version keeps its earlier result"),
        "{preview}"
    );
    assert!(
        preview.contains("↻ Version runs again: its result is stale: the node changed"),
        "{preview}"
    );
    assert!(
        preview.contains("↻ Compose report runs again: its result is stale: upstream"),
        "{preview}"
    );
    let planned: Json =
        serde_json::from_slice(&flowcanvas(&["plan", "--json", "--mode", "missing"], &file).stdout)
            .unwrap();
    let mut steps: Vec<&str> = planned["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["node"].as_str().unwrap())
        .collect();
    steps.sort();
    let mut rerun: Vec<&str> = planned["rerun"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["node"].as_str().unwrap())
        .collect();
    rerun.sort();
    assert_eq!(steps, ["release", "report", "save"]);
    assert_eq!(rerun, steps, "each of them had a result");

    let run = flowcanvas(&["run", "--json", "--mode", "missing"], &file);
    assert_eq!(started(&run), steps, "the run does what the preview said");
}

#[test]
fn retry_keeps_completed_independent_branch() {
    // Two independent branches; `a_fail` fails, and its branch comes first in id order,
    // so every step of the other branch comes after it in the plan.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("branches.flow");
    std::fs::write(
        &file,
        r#"Flow(
    version: 1,
    nodes: [
        Node(id: "a_fail", kind: "shell", params: {"command": "test -e fixed && echo fixed"}),
        Node(id: "b_after", kind: "shell", params: {"command": "cat"}),
        Node(id: "c_ok", kind: "shell", params: {"command": "echo run >> count.txt; echo ok"}),
        Node(id: "d_ok", kind: "shell", params: {"command": "cat"}),
    ],
    edges: ["a_fail.stdout -> b_after.stdin", "c_ok.stdout -> d_ok.stdin"],
)
"#,
    )
    .unwrap();
    let first = flowcanvas(&["run", "--json"], &file);
    assert_eq!(first.status.code(), Some(1), "a_fail fails");
    assert_eq!(started(&first), ["a_fail", "c_ok", "d_ok"]);

    std::fs::write(dir.path().join("fixed"), "").unwrap();
    let retry = flowcanvas(&["retry", "--json"], &file);
    assert_eq!(retry.status.code(), Some(0), "{}", text(&retry.stderr));
    assert_eq!(
        started(&retry),
        ["a_fail", "b_after"],
        "only the failed step and what depends on it run again"
    );
    let count = std::fs::read_to_string(dir.path().join("count.txt")).unwrap();
    assert_eq!(count.lines().count(), 1, "c_ok ran once: {count:?}");
}

#[test]
fn set_on_a_new_each_run_seed_pins_it_for_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("seeded.flow");
    std::fs::write(
        &file,
        r#"Flow(
    version: 1,
    nodes: [
        Node(
            id: "seed",
            kind: "seed",
            params: {"mode": "new each run", "seed": 1},
            promote: Some(Promotion(label: "Seed")),
        ),
        Node(id: "show", kind: "template", params: {"template": "seed {s}", "vars": ["s"]}),
    ],
    edges: ["seed.seed -> show.s"],
)
"#,
    )
    .unwrap();
    for _ in 0..2 {
        let run = flowcanvas(
            &["run", "--json", "--no-store", "--set", "Seed=4242"],
            &file,
        );
        assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
        let events = json_lines(&run);
        let shown = events
            .iter()
            .find(|e| e["event"] == "node_finished" && e["node"] == "show")
            .map(|e| e["outputs"]["text"]["value"].clone());
        assert_eq!(shown, Some(Json::from("seed 4242")), "{events:?}");
    }
    // Without --set it still rolls.
    let run = flowcanvas(&["run", "--json", "--no-store"], &file);
    let rolled = json_lines(&run)
        .iter()
        .find(|e| e["event"] == "run_started")
        .map(|e| e["seeds"]["seed"].clone());
    assert!(
        rolled.is_some_and(|seed| seed.is_u64()),
        "a seed was rolled"
    );
}

#[test]
fn fmt_refuses_to_drop_comments_and_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("commented.flow");
    let written = "Flow(\n    version: 1,\n    nodes: [\n        // the greeting\n        Node(kind: \"text\", id: \"a\"),\n    ],\n)\n";
    std::fs::write(&file, written).unwrap();

    let output = flowcanvas(&["fmt"], &file);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(&format!("{}:4:9:", file.display())) && stderr.contains("comments"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        written,
        "the file is left as it was"
    );

    let check = flowcanvas(&["fmt", "--check"], &file);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        text(&check.stdout).contains("comments"),
        "{}",
        text(&check.stdout)
    );
}
