//! Checkpoints on the command line: without a terminal `run` parks the run and exits 4
//! saying how to decide; `decide` records the decision and runs the rest; in a terminal
//! `run` asks (tested through a pseudo-terminal).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value as Json;

use crate::cli::{stderr, stdout};

const BIN: &str = env!("CARGO_BIN_EXE_flowcanvas");

/// The example flow with a checkpoint, copied into a fresh folder.
fn checkpoint_flow() -> (tempfile::TempDir, PathBuf) {
    crate::support::example("checkpoint.flow")
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn records(file: &Path) -> Vec<Json> {
    stdout(&run(&["runs", "--json", file.to_str().unwrap()]))
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn published(dir: &Path) -> Option<String> {
    std::fs::read_to_string(dir.join("out/release-notes.txt")).ok()
}

#[test]
fn without_a_terminal_the_run_parks_and_decide_approves_it() {
    let (dir, file) = checkpoint_flow();
    let path = file.to_str().unwrap();
    let output = run(&["run", path]);
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains("paused: `Publish notes` waits for a decision: Sign off before the release notes are published"),
        "{err}"
    );
    assert!(err.contains("decide with: flowcanvas decide "), "{err}");
    assert!(
        stdout(&output).contains("Flow paused before `Publish notes` for a decision"),
        "{}",
        stdout(&output)
    );
    assert_eq!(published(dir.path()), None, "the marked step did not run");
    let parked = records(&file);
    assert_eq!(parked.len(), 1);
    assert_eq!(parked[0]["status"], "paused");
    assert_eq!(parked[0]["waiting"]["for"], "checkpoint");
    assert_eq!(parked[0]["waiting"]["node"], "publish");

    let output = run(&[
        "decide",
        path,
        "approve",
        "--comment",
        "Looks good, ship it",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("Approved Publish notes"),
        "{}",
        stdout(&output)
    );
    assert!(published(dir.path()).unwrap().contains("Flowcanvas 1.4.0"));
    let done = records(&file);
    assert_eq!(done.len(), 1, "the same run went on");
    assert_eq!(done[0]["id"], parked[0]["id"]);
    assert_eq!(done[0]["status"], "completed");
    assert_eq!(done[0]["decisions"][0]["verdict"], "approve");
    assert_eq!(done[0]["decisions"][0]["comment"], "Looks good, ship it");
    assert!(done[0].get("waiting").is_none());

    let output = run(&["decide", path, "approve"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no run waits for a decision"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn decide_reject_ends_the_run_rejected_and_skip_leaves_the_step_out() {
    let (dir, file) = checkpoint_flow();
    let path = file.to_str().unwrap();
    assert_eq!(run(&["run", path]).status.code(), Some(4));
    let output = run(&["decide", path, "1", "reject", "-m", "wrong version"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(
        stdout(&output).trim(),
        "Flow rejected at `Publish notes`: wrong version"
    );
    let record = &records(&file)[0];
    assert_eq!(record["status"], "rejected");
    assert_eq!(record["decisions"][0]["comment"], "wrong version");
    assert_eq!(published(dir.path()), None);

    assert_eq!(run(&["run", path]).status.code(), Some(4));
    let output = run(&["decide", path, "skip", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let events: Vec<Json> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(events
        .iter()
        .any(|e| e["event"] == "decided" && e["decision"]["verdict"] == "skip"));
    let last = events.last().unwrap();
    assert_eq!(last["status"], "completed", "{last}");
    assert_eq!(published(dir.path()), None, "skipped");
}

#[test]
fn a_bad_decision_word_is_refused() {
    let (_dir, file) = checkpoint_flow();
    let output = run(&["decide", file.to_str().unwrap(), "maybe"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("`maybe` is not a decision"));
}

#[test]
fn checkpoints_none_runs_straight_through() {
    let (dir, file) = checkpoint_flow();
    let output = run(&["run", file.to_str().unwrap(), "--checkpoints", "none"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(published(dir.path()).is_some());
}

#[cfg(unix)]
#[test]
fn in_a_terminal_run_asks_and_goes_on() {
    let (dir, file) = checkpoint_flow();
    let pty = nix::pty::openpty(None, None).unwrap();
    let child = Command::new(BIN)
        .args(["run", file.to_str().unwrap()])
        .stdin(Stdio::from(pty.slave))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Typed ahead: the terminal keeps the lines until the prompt reads them. First an
    // answer that is not one, which is asked again.
    let mut master = std::fs::File::from(pty.master);
    master.write_all(b"maybe\na\nship it\n").unwrap();
    let output = child.wait_with_output().unwrap();
    drop(master);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "⏸ Checkpoint before `Publish notes`: Sign off before the release notes are published"
        ),
        "{err}"
    );
    assert!(
        err.contains("`Draft notes` gave: Flowcanvas 1.4.0"),
        "{err}"
    );
    assert!(err.contains("Approve, reject or skip? [a/r/s]"), "{err}");
    assert!(
        err.contains("type a (approve), r (reject) or s (skip)"),
        "{err}"
    );
    assert!(stdout(&output).contains("Approved Publish notes"));
    assert!(published(dir.path()).is_some());
    let record = &records(&file)[0];
    assert_eq!(record["status"], "completed");
    assert_eq!(record["decisions"][0]["comment"], "ship it");
}

#[cfg(unix)]
#[test]
fn a_signal_at_the_prompt_ends_the_process_and_leaves_the_run_parked() {
    use std::io::Read;
    let (dir, file) = checkpoint_flow();
    let pty = nix::pty::openpty(None, None).unwrap();
    let mut child = Command::new(BIN)
        .args(["run", file.to_str().unwrap()])
        .stdin(Stdio::from(pty.slave))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = child.stderr.take().unwrap();
    let said = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let reader = {
        let said = said.clone();
        std::thread::Builder::new()
            .name("stderr-reader".to_owned())
            .spawn(move || {
                let mut buf = [0u8; 256];
                while let Ok(n) = err.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    said.lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            })
            .unwrap()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !said.lock().unwrap().contains("[a/r/s]") {
        assert!(
            std::time::Instant::now() < deadline,
            "no prompt: {}",
            said.lock().unwrap()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let status = child.wait().unwrap();
    reader.join().unwrap();
    drop(pty.master);
    assert_eq!(status.code(), Some(143), "{}", said.lock().unwrap());
    let record = &records(&file)[0];
    assert_eq!(record["status"], "paused", "the run still waits: {record}");
    assert_eq!(published(dir.path()), None);
    // And can be decided later.
    let output = run(&["decide", file.to_str().unwrap(), "approve"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}
