//! `runs FILE RUN --transcript`: what each step streamed, kept in the run record (standard
//! output and standard error apart, start and end of a long stream with the cut said).

use crate::cli::{flowcanvas, stderr, stdout};

#[test]
fn a_runs_transcript_shows_each_steps_streams_and_cuts_long_ones_in_the_middle() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("talk.flow");
    std::fs::write(
        &file,
        r#"Flow(version: 1, nodes: [
    Node(id: "a", kind: "shell", title: "Talk", params: {"command": "echo hello; echo oops >&2; echo bye"}),
    Node(id: "b", kind: "shell", title: "Flood", params: {"command": "i=0; while [ $i -lt 3000 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done"}),
    Node(id: "c", kind: "text", title: "Quiet", params: {"text": "q"}),
])"#,
    )
    .unwrap();
    let output = flowcanvas(&["run"], &file);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let output = flowcanvas(&["runs", "--transcript"], &file);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    let talk = lines
        .iter()
        .position(|l| l.starts_with("[1] Talk — succeeded"))
        .unwrap();
    assert_eq!(
        &lines[talk + 1..talk + 4],
        ["    │ hello", "    │ bye", "    ! oops"],
        "{text}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("[3] Quiet — succeeded")),
        "{text}"
    );
    // The flood keeps its first and last lines, and says what it cut.
    assert!(text.contains("│ line-0-x"), "{text}");
    assert!(text.contains("│ line-2999-x"), "the end is kept");
    assert!(!text.contains("│ line-1500-x"), "the middle is cut");
    assert!(text.contains("bytes cut here"), "the cut is said");

    // By number, and quiet when the reader stops early.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_flowcanvas"))
        .arg("runs")
        .arg(&file)
        .args(["#1", "--transcript"])
        .output()
        .unwrap();
    assert!(stdout(&output) == text, "run #1 is the latest run");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_flowcanvas"))
        .args(["runs", "--transcript"])
        .arg(&file)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            drop(child.stdout.take());
            child.wait_with_output()
        })
        .unwrap();
    assert!(
        String::from_utf8_lossy(&output.stderr).is_empty(),
        "no noise on a closed pipe"
    );
}

#[test]
fn a_transcript_keeps_http_requests_script_prints_and_decisions_through_the_store() {
    use crate::local_server::{respond, LocalServer};
    let server = LocalServer::start(|_, stream| respond(stream, "200 OK", "text/plain", "pong"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("calls.flow");
    std::fs::write(
        &file,
        format!(
            r#"Flow(version: 1, nodes: [
    Node(id: "call", kind: "http_request", title: "Call", values: {{"url": "{}/ping"}}),
    Node(id: "say", kind: "script", title: "Say", params: {{"script": "print(\"said \" + x); x", "vars": ["x"]}},
         checkpoint: Some("Look at the answer first")),
], edges: ["call.body -> say.x"])"#,
            server.base
        ),
    )
    .unwrap();
    let output = flowcanvas(&["run"], &file);
    assert_eq!(output.status.code(), Some(4), "parked: {}", stderr(&output));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_flowcanvas"))
        .arg("decide")
        .arg(&file)
        .args(["approve", "--comment", "the answer is fine"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    let output = flowcanvas(&["runs", "--transcript"], &file);
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    let call = lines
        .iter()
        .position(|l| l.starts_with("[1] Call — succeeded"))
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(
        lines[call + 1],
        format!("    · → GET {}/ping", server.base),
        "{text}"
    );
    assert!(
        lines[call + 2].starts_with("    · ← 200 OK after "),
        "{text}"
    );
    let say = lines
        .iter()
        .position(|l| l.starts_with("[2] Say — succeeded"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        lines[say + 1].starts_with("    ✔ Approved Say")
            && lines[say + 1].ends_with(": the answer is fine"),
        "{text}"
    );
    assert_eq!(lines[say + 2], "    │ said pong", "{text}");
}
