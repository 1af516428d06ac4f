//! Stopping for real: signals to `flowcanvas run`, SIGKILL of flowcanvas itself, children in
//! their own session, closing the app's window, readers that go away, and output floods.
//! Every test starts real processes; a survivor is a marker process (`sleep` with a unique
//! duration) still found in /proc.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[cfg(feature = "gui")]
use eframe::egui;
#[cfg(feature = "gui")]
use flowcanvas::app::{FlowcanvasApp, StartOptions};
use flowcanvas::exec::{Engine, Event, RunRequest};
use flowcanvas::model::Value;
use flowcanvas::nodes::Registry;
#[cfg(feature = "gui")]
use flowcanvas::plan::{RunMode, Scope};
#[cfg(feature = "gui")]
use flowcanvas::session::commands::AppCommand;
use serde_json::Value as Json;

#[cfg(feature = "gui")]
use crate::support::frame;
use crate::support::{events_until_finished, flow, output, shell};

const BIN: &str = env!("CARGO_BIN_EXE_flowcanvas");

/// A `sleep` duration no other process on the machine uses: its command line marks the
/// processes a test started.
pub(crate) fn marker() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{}.{}{:04}",
        900_000 + std::process::id() % 90_000,
        nanos,
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Live (not zombie) processes whose command line has `marker` as an argument.
pub(crate) fn running(marker: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if !cmdline
            .split(|&b| b == 0)
            .any(|arg| arg == marker.as_bytes())
        {
            continue;
        }
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat
            .rsplit(')')
            .next()
            .and_then(|rest| rest.split_whitespace().next());
        if matches!(state, Some(s) if s != "Z" && s != "X") {
            found.push(pid);
        }
    }
    found
}

/// Waits (30 s at most, a guard against hangs) until `done` holds.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wait_for_markers(markers: &[String]) {
    for marker in markers {
        wait_until(&format!("sleep {marker} to start"), || {
            !running(marker).is_empty()
        });
    }
}

fn assert_none_survive(markers: &[String], after: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    for marker in markers {
        loop {
            let left = running(marker);
            if left.is_empty() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "sleep {marker} survived {after}: pids {left:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A command starting three marker processes: one in the background, one in a session of
/// its own (out of the process group), and one it waits for.
fn escaping_command(markers: &[String]) -> String {
    format!(
        "sleep {} & setsid sleep {} >/dev/null 2>&1 & echo started; sleep {}",
        markers[0], markers[1], markers[2]
    )
}

/// A flow file in a fresh folder with one shell node `slow` running `command`.
fn flow_file(command: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("slow.flow");
    let text = format!(
        "Flow(\n    version: 1,\n    nodes: [\n        Node(id: \"slow\", kind: \"shell\", params: {{\"command\": {}}}),\n    ],\n)\n",
        serde_json::to_string(command).unwrap()
    );
    std::fs::write(&file, text).unwrap();
    (dir, file)
}

fn start(args: &[&str], file: &Path) -> Child {
    Command::new(BIN)
        .args(args)
        .arg(file)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(status.success(), "kill -{name} {pid}");
}

fn wait_exit(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("flowcanvas did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn stderr_of(child: &mut Child) -> String {
    let mut text = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        pipe.read_to_string(&mut text).unwrap();
    }
    text
}

/// The latest run record of `file`, from `flowcanvas runs --json`.
fn latest_record(file: &Path) -> Json {
    let output = Command::new(BIN)
        .args(["runs", "--json"])
        .arg(file)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let last = text
        .lines()
        .last()
        .unwrap_or_else(|| panic!("no runs: {text}"));
    serde_json::from_str(last).unwrap()
}

/// Sends `name` to a run of `file` once its markers run; checks the exit code, that nothing
/// survived and that the run is recorded cancelled.
fn stop_run_with(args: &[&str], file: &Path, markers: &[String], name: &str, code: i32) {
    let mut child = start(args, file);
    wait_for_markers(markers);
    signal(child.id(), name);
    let status = wait_exit(&mut child);
    let errors = stderr_of(&mut child);
    assert_eq!(status.code(), Some(code), "after SIG{name}: {errors}");
    assert_none_survive(markers, &format!("SIG{name} to flowcanvas"));
    let record = latest_record(file);
    assert_eq!(record["status"], "cancelled", "{record}");
    assert_eq!(record["nodes"][0]["status"], "cancelled", "{record}");
}

#[test]
fn sigterm_stops_run_kills_children_and_exits_143() {
    let markers = [marker(), marker(), marker()];
    let (_dir, file) = flow_file(&escaping_command(&markers));
    stop_run_with(&["run"], &file, &markers, "TERM", 143);

    // Resume starts the step again: one copy of each process, none left from before.
    let mut resumed = start(&["resume"], &file);
    wait_for_markers(&markers);
    for marker in &markers {
        assert_eq!(running(marker).len(), 1, "copies of sleep {marker}");
    }
    signal(resumed.id(), "TERM");
    assert_eq!(wait_exit(&mut resumed).code(), Some(143));
    assert_none_survive(&markers, "SIGTERM to the resumed run");
    let record = latest_record(&file);
    assert_eq!(record["status"], "cancelled", "{record}");
    assert!(record["continues"].is_object(), "{record}");
}

#[test]
fn sighup_stops_run_kills_children_and_exits_129() {
    let markers = [marker(), marker(), marker()];
    let (_dir, file) = flow_file(&escaping_command(&markers));
    stop_run_with(&["run", "--json"], &file, &markers, "HUP", 129);
}

#[test]
fn ctrl_c_kills_children_in_their_own_session_and_exits_130() {
    let markers = [marker(), marker(), marker()];
    let (_dir, file) = flow_file(&escaping_command(&markers));
    stop_run_with(&["run"], &file, &markers, "INT", 130);
}

#[test]
fn sigkill_of_flowcanvas_leaves_no_child_running() {
    let markers = [marker(), marker(), marker()];
    let (_dir, file) = flow_file(&escaping_command(&markers));
    let mut child = start(&["run", "--no-store"], &file);
    wait_for_markers(&markers);
    signal(child.id(), "KILL");
    wait_exit(&mut child);
    assert_none_survive(&markers, "SIGKILL of flowcanvas");
}

#[test]
fn setsid_child_is_killed_on_stop() {
    // Through the engine, with no watchdog: Stop itself must find the escaped processes.
    let markers = [marker(), marker(), marker()];
    let command = format!(
        "setsid sleep {} >/dev/null 2>&1 & nohup sleep {} >/dev/null 2>&1 & sleep {}",
        markers[0], markers[1], markers[2]
    );
    let mut engine = Engine::start(Arc::new(Registry::builtin())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    engine.submit(RunRequest::new(
        Arc::new(flow(vec![shell("slow", &command)], &[])),
        dir.path(),
    ));
    wait_for_markers(&markers);
    engine.stop();
    let events = events_until_finished(&mut engine);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::NodeCancelled { .. })),
        "{events:#?}"
    );
    assert_none_survive(&markers, "Stop");
}

#[cfg(feature = "gui")]
#[test]
fn closing_the_window_stops_the_run_kills_its_processes_and_records_it_cancelled() {
    let markers = [marker(), marker(), marker()];
    let (_dir, file) = flow_file(&escaping_command(&markers));
    let ctx = egui::Context::default();
    let mut app = FlowcanvasApp::new(
        &ctx,
        StartOptions {
            file: Some(file.clone()),
            no_recent: true,
            ..Default::default()
        },
    );
    app.push(AppCommand::Queue {
        scope: Scope::Flow,
        mode: RunMode::All,
        inputs: Default::default(),
        parallel: None,
        fail_fast: None,
        timeout: None,
        checkpoints: Default::default(),
    });
    wait_until("the run to start its processes", || {
        frame(&ctx, &mut app);
        markers.iter().all(|m| !running(m).is_empty())
    });
    // What eframe calls when the window closes.
    eframe::App::on_exit(&mut app, None);
    assert_none_survive(&markers, "closing the window");
    let record = latest_record(&file);
    assert_eq!(record["status"], "cancelled", "{record}");
}

/// A pipe: its read end, then its write end (neither inherited by other children).
fn pipe() -> (std::io::PipeReader, std::io::PipeWriter) {
    std::io::pipe().unwrap()
}

/// Runs `flowcanvas ARGS` with its standard output a pipe whose reader is already gone.
fn with_closed_stdout(args: &[&str]) -> (ExitStatus, String) {
    let (reader, writer) = pipe();
    drop(reader);
    let output = Command::new(BIN)
        .args(args)
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        output.status,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Ended by SIGPIPE, or exited 141: either way what a shell shows as 141, with no message.
fn assert_quiet_closed_pipe_exit(what: &str, status: ExitStatus, errors: &str) {
    use std::os::unix::process::ExitStatusExt;
    assert!(
        status.signal() == Some(13 /* SIGPIPE */) || status.code() == Some(141),
        "{what}: {status:?}: {errors}"
    );
    assert!(errors.is_empty(), "{what} printed: {errors}");
}

#[test]
fn a_closed_stdout_ends_every_printing_command_quietly() {
    let (_dir, file) = flow_file("echo hi");
    let file = file.to_str().unwrap();
    // A record for `runs` to print, and a hand-written file for `fmt --check` to complain of.
    let status = Command::new(BIN)
        .args(["run", "--json", file])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let messy = Path::new(file).with_file_name("messy.flow");
    std::fs::write(
        &messy,
        "Flow(version:1,nodes:[Node(kind:\"text\",id:\"z\"),Node(id:\"a\",kind:\"text\")])",
    )
    .unwrap();
    let messy = messy.to_str().unwrap();
    let commands: [&[&str]; 10] = [
        &["plan", file],
        &["plan", "--json", file],
        &["validate", file],
        &["inputs", file],
        &["inputs", "--json", file],
        &["runs", file],
        &["runs", "--json", file],
        &["kinds"],
        &["kinds", "--json"],
        &["fmt", "--check", messy],
    ];
    for args in commands {
        let (status, errors) = with_closed_stdout(args);
        assert_quiet_closed_pipe_exit(&args.join(" "), status, &errors);
    }

    // Runs of a step that outlasts them: each is stopped by the closed pipe, and recorded
    // cancelled, so there is one to resume.
    let slow = [marker()];
    let (_dir, file) = flow_file(&format!("sleep {}", slow[0]));
    let file = file.to_str().unwrap();
    let runs: [&[&str]; 3] = [&["run", file], &["run", "--json", file], &["resume", file]];
    for args in runs {
        let (status, errors) = with_closed_stdout(args);
        assert_quiet_closed_pipe_exit(&args.join(" "), status, &errors);
    }
    assert_none_survive(&slow, "runs stopped by a closed pipe");
}

#[test]
fn a_run_whose_reader_goes_away_is_stopped_and_recorded_cancelled() {
    let markers = [marker(), marker(), marker()];
    let (_dir, file) = flow_file(&format!(
        "sleep {} & setsid sleep {} >/dev/null 2>&1 & sleep {} & while :; do echo more; sleep 0.05; done",
        markers[0], markers[1], markers[2]
    ));
    let (reader, writer) = pipe();
    let mut child = Command::new(BIN)
        .arg("run")
        .arg(&file)
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_markers(&markers);
    drop(reader);
    let status = wait_exit(&mut child);
    let errors = stderr_of(&mut child);
    assert_quiet_closed_pipe_exit("run", status, &errors);
    assert_none_survive(&markers, "the reader going away");
    assert_eq!(latest_record(&file)["status"], "cancelled");
}

#[test]
fn shell_output_is_capped_keeping_head_and_tail() {
    // 50,000,000 bytes on one line between two short ones: no newline to split on.
    let command = "echo FIRST; head -c 50000000 /dev/zero | tr '\\0' x; echo; echo LAST";
    let mut engine = Engine::start(Arc::new(Registry::builtin())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    engine.submit(RunRequest::new(
        Arc::new(flow(vec![shell("big", command)], &[])),
        dir.path(),
    ));
    let events = events_until_finished(&mut engine);
    let Some(Value::Text(stdout)) = output(&events, "big", "stdout") else {
        panic!("no stdout: {:?}", events.last());
    };
    let kept = flowcanvas::nodes::KEPT_HEAD_BYTES + flowcanvas::nodes::KEPT_TAIL_BYTES;
    let total: usize = 6 + 50_000_000 + 1 + 5;
    let note = flowcanvas::nodes::cut_note((total - kept) as u64);
    assert_eq!(stdout.len(), kept + note.len());
    assert!(stdout.starts_with("FIRST\nxxx"), "{}", &stdout[..20]);
    assert!(stdout.ends_with("xxx\nLAST\n"));
    assert!(stdout.contains(&note), "says how much was cut: {note}");
    // Streamed in pieces, none of them the whole line.
    let longest = events
        .iter()
        .filter_map(|e| match e {
            Event::NodeProgress {
                progress: flowcanvas::nodes::Progress::Output { text, .. },
                ..
            } => Some(text.len()),
            _ => None,
        })
        .max()
        .unwrap();
    assert!(
        longest <= 1024 * 1024,
        "a progress piece of {longest} bytes"
    );
}

/// The peak memory (VmHWM, in KiB) of a process, while it is alive.
fn peak_memory_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn a_shell_output_flood_keeps_flowcanvas_memory_bounded() {
    // 200 MB of output in lines of 1,000 bytes; a later step gives time to read the peak.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("flood.flow");
    std::fs::write(
        &file,
        r#"Flow(
    version: 1,
    nodes: [
        Node(id: "flood", kind: "shell", params: {"command": "head -c 200000000 /dev/zero | tr '\\0' x | fold -w 999"}),
        Node(id: "after", kind: "shell", params: {"command": "wc -c; sleep 3"}),
    ],
    edges: [
        "flood.stdout -> after.stdin",
    ],
)
"#,
    )
    .unwrap();
    let mut child = Command::new(BIN)
        .arg("run")
        .arg(&file)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut peak_kib = 0;
    let deadline = Instant::now() + Duration::from_secs(300);
    let status = loop {
        if let Some(kib) = peak_memory_kib(child.id()) {
            peak_kib = peak_kib.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the flood did not end");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{}", stderr_of(&mut child));
    // Without the cap the output alone is 200 MB, held more than once.
    assert!(
        peak_kib < 150 * 1024,
        "flowcanvas peaked at {} MiB",
        peak_kib / 1024
    );
}
