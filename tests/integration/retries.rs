//! Retries with backoff: a local HTTP server that fails N times then answers (with and
//! without `Retry-After`), shell steps that fail before they succeed, waits measured from
//! the events, causes a policy is limited to, batch items retrying alone, and Stop and
//! Cancel during a backoff wait.

use std::collections::HashMap;
use std::io::Write;
use std::net::TcpStream;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use flowcanvas::exec::{Engine, Event, NodeStatus, RunRequest, RunState};
use flowcanvas::model::{Retry, RetryOn};

use crate::local_server::{respond, LocalServer, Received};
use crate::support::{events_until_finished, flow, run_ron, shell, test_registry};

/// How many requests each flaky route has seen, by its key.
fn counts() -> &'static Mutex<HashMap<String, u32>> {
    static COUNTS: OnceLock<Mutex<HashMap<String, u32>>> = OnceLock::new();
    COUNTS.get_or_init(Mutex::default)
}

/// `/flaky/KEY/FAILS/STATUS/RETRY_AFTER`: the first FAILS requests with KEY get STATUS
/// (with `Retry-After: RETRY_AFTER` unless it is `-`), the later ones 200 and their count.
fn routes(request: &Received, stream: &mut TcpStream) -> std::io::Result<()> {
    let parts: Vec<&str> = request.path.trim_start_matches('/').split('/').collect();
    let ["flaky", key, fails, status, retry_after] = parts[..] else {
        return respond(stream, "404 Not Found", "text/plain", "no such route");
    };
    let seen = {
        let mut counts = counts().lock().unwrap();
        let seen = counts.entry(key.to_owned()).or_insert(0);
        *seen += 1;
        *seen
    };
    if seen > fails.parse::<u32>().unwrap() {
        return respond(
            stream,
            "200 OK",
            "application/json",
            &format!("{{\"seen\": {seen}}}"),
        );
    }
    let header = match retry_after {
        "-" => String::new(),
        value => format!("Retry-After: {value}\r\n"),
    };
    let body = "try later";
    write!(
        stream,
        "HTTP/1.1 {status} Busy\r\n{header}Content-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}

fn server() -> &'static LocalServer {
    static SERVER: OnceLock<LocalServer> = OnceLock::new();
    SERVER.get_or_init(|| LocalServer::start(routes))
}

/// A flow with one `http_request` node `get` fetching `path` of the local server, retried
/// as `retry` says (RON).
fn http_flow(path: &str, retry: &str) -> String {
    format!(
        r#"Flow(version: 1, nodes: [
            Node(id: "get", kind: "http_request", title: "Fetch", values: {{"url": "{}{path}"}},
                 retry: Some({retry})),
        ])"#,
        server().base
    )
}

fn status(events: &[Event]) -> RunState {
    match events.last() {
        Some(Event::RunFinished { status, .. }) => *status,
        other => panic!("no run_finished: {other:?}"),
    }
}

/// Every `node_retrying` event: (attempt, of, delay_ms, error, at_ms).
fn retrying(events: &[Event]) -> Vec<(u32, u32, u64, String, f64)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::NodeRetrying {
                attempt,
                of,
                delay_ms,
                error,
                at_ms,
                ..
            } => Some((*attempt, *of, *delay_ms, error.clone(), *at_ms)),
            _ => None,
        })
        .collect()
}

/// When each attempt of `node` started, in ms from the run's start.
fn starts(events: &[Event], node: &str) -> Vec<f64> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::NodeStarted { node: n, at_ms, .. } if n.as_str() == node => Some(*at_ms),
            _ => None,
        })
        .collect()
}

#[test]
fn an_http_step_that_fails_twice_with_503_succeeds_on_its_third_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let text = http_flow(
        "/flaky/three/2/503/-",
        "Retry(attempts: 4, delay_ms: 50, factor: 2.0, max_delay_ms: 1000, on: [Http5xx])",
    );
    let events = run_ron(&text, dir.path());
    assert_eq!(status(&events), RunState::Completed, "{events:#?}");
    let retries = retrying(&events);
    let attempts: Vec<(u32, u32, u64)> = retries.iter().map(|r| (r.0, r.1, r.2)).collect();
    assert_eq!(attempts, [(2, 4, 50), (3, 4, 100)]);
    assert!(retries[0].3.contains("HTTP 503"), "{}", retries[0].3);
    assert_eq!(starts(&events, "get").len(), 3);
    let hits = server()
        .received()
        .iter()
        .filter(|r| r.path.contains("/three/"))
        .count();
    assert_eq!(hits, 3);
}

#[test]
fn retry_after_from_a_429_sets_the_wait() {
    let dir = tempfile::tempdir().unwrap();
    // The policy's own wait is 10 ms; the server asks for 1 s.
    let text = http_flow(
        "/flaky/after/1/429/1",
        "Retry(attempts: 3, delay_ms: 10, on: [Http429])",
    );
    let events = run_ron(&text, dir.path());
    assert_eq!(status(&events), RunState::Completed, "{events:#?}");
    let retries = retrying(&events);
    assert_eq!(retries.len(), 1, "{retries:?}");
    assert_eq!(retries[0].2, 1000);
    let second = starts(&events, "get")[1];
    let waited = second - retries[0].4;
    assert!(
        (950.0..10_000.0).contains(&waited),
        "the second attempt started {waited} ms after the first failed"
    );
}

#[test]
fn a_failure_outside_the_chosen_causes_is_not_retried() {
    let dir = tempfile::tempdir().unwrap();
    let text = http_flow(
        "/flaky/notfound/5/404/-",
        "Retry(attempts: 4, delay_ms: 10, on: [Http5xx, Http429, Timeout])",
    );
    let events = run_ron(&text, dir.path());
    assert_eq!(status(&events), RunState::Failed);
    assert!(retrying(&events).is_empty(), "{events:#?}");
}

#[test]
fn backoff_waits_grow_by_the_factor_measured_from_events() {
    let dir = tempfile::tempdir().unwrap();
    let mut node = shell("s", "echo nope >&2; exit 3");
    node.retry = Some(Retry {
        delay_ms: 100,
        factor: 3.0,
        max_delay_ms: 10_000,
        on: vec![RetryOn::Exit(3)],
        ..Retry::new(3)
    });
    let mut engine = Engine::start(test_registry()).unwrap();
    engine.submit(RunRequest::new(Arc::new(flow(vec![node], &[])), dir.path()));
    let events = events_until_finished(&mut engine);
    assert_eq!(status(&events), RunState::Failed);
    let retries = retrying(&events);
    let waits: Vec<u64> = retries.iter().map(|r| r.2).collect();
    assert_eq!(waits, [100, 300]);
    let starts = starts(&events, "s");
    assert_eq!(starts.len(), 3, "three attempts in all");
    for (retry, started) in retries.iter().zip(&starts[1..]) {
        let waited = started - retry.4;
        let wanted = retry.2 as f64;
        assert!(
            (wanted - 5.0..wanted + 5000.0).contains(&waited),
            "attempt {} started {waited} ms after the failure, the wait was {wanted} ms",
            retry.0
        );
    }
    assert!(retries[0].3.contains("exit code 3"), "{}", retries[0].3);
}

#[test]
fn a_shell_step_that_fails_twice_then_succeeds_keeps_every_error_in_its_record() {
    let dir = tempfile::tempdir().unwrap();
    // A counter file beside the flow: the command fails until it has been run three times.
    let command = "n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; \
                   if [ $n -lt 3 ]; then echo \"try $n failed\" >&2; exit 1; fi; echo ok";
    let mut node = shell("s", command);
    node.title = "Flaky".to_owned();
    node.retry = Some(Retry {
        delay_ms: 20,
        ..Retry::new(5)
    });
    let store = flowcanvas::store::Store::at(dir.path().join("x.flow.d"));
    let mut engine = Engine::start(test_registry()).unwrap();
    let request = RunRequest::new(Arc::new(flow(vec![node], &[])), dir.path()).store(Some(store));
    engine.submit(request);
    let events = events_until_finished(&mut engine);
    assert_eq!(status(&events), RunState::Completed, "{events:#?}");
    assert_eq!(retrying(&events).len(), 2);
    let store = flowcanvas::store::Store::at(dir.path().join("x.flow.d"));
    let record = store.runs().0.pop().unwrap();
    let line = record
        .nodes
        .iter()
        .find(|n| n.node.as_str() == "s")
        .unwrap();
    assert_eq!(line.status, Some(NodeStatus::Succeeded));
    assert_eq!(line.attempts.len(), 2, "{line:?}");
    assert!(line.attempts[0].contains("try 1 failed"), "{line:?}");
    assert!(line.attempts[1].contains("try 2 failed"), "{line:?}");
    // The result's history entry says how it was made too.
    let (histories, _) = store.histories();
    let entry = histories[&flowcanvas::model::NodeId::from("s")]
        .history
        .last()
        .cloned()
        .unwrap();
    assert_eq!(entry.notes.len(), 2, "{entry:?}");
    assert!(
        entry.notes[0].starts_with("attempt 1 failed: "),
        "{entry:?}"
    );
    assert!(entry.notes[1].contains("try 2 failed"), "{entry:?}");
}

/// Starts a run whose only step fails at once and then waits 30 s to retry; returns the
/// engine, the run and when the retry was announced.
fn run_into_a_long_backoff(dir: &Path) -> (Engine, u64, Instant) {
    let mut node = shell("s", "exit 1");
    node.retry = Some(Retry {
        delay_ms: 30_000,
        ..Retry::new(3)
    });
    let after = shell("after", "echo later");
    let flow = flow(vec![node, after], &[("s.stdout", "after.stdin")]);
    let mut engine = Engine::start(test_registry()).unwrap();
    let run = engine.submit(RunRequest::new(Arc::new(flow), dir));
    loop {
        let event = engine.recv_timeout(Duration::from_secs(20)).unwrap();
        if matches!(event, Event::NodeRetrying { .. }) {
            return (engine, run, Instant::now());
        }
    }
}

#[test]
fn stop_during_a_backoff_wait_ends_the_run_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (mut engine, _, asked) = run_into_a_long_backoff(dir.path());
    engine.stop();
    let events = events_until_finished(&mut engine);
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "waited out the backoff"
    );
    assert_eq!(status(&events), RunState::Cancelled);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::NodeCancelled { node, .. } if node.as_str() == "s")),
        "{events:#?}"
    );
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::NodeStarted { .. })),
        "no new attempt"
    );
}

#[test]
fn cancel_during_a_backoff_wait_ends_the_run_at_once_without_a_new_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let (mut engine, run, asked) = run_into_a_long_backoff(dir.path());
    engine.handle().cancel(run);
    let events = events_until_finished(&mut engine);
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "waited out the backoff"
    );
    assert_eq!(status(&events), RunState::Cancelled);
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::NodeStarted { .. })),
        "no new attempt"
    );
    let Some(Event::RunFinished { nodes, .. }) = events.last() else {
        unreachable!()
    };
    assert!(
        nodes
            .iter()
            .all(|n| n.status == NodeStatus::Cancelled || n.status == NodeStatus::Skipped),
        "{nodes:?}"
    );
}

#[test]
fn a_flow_setting_gives_every_node_of_a_kind_a_policy() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        r#"Flow(version: 1,
            nodes: [Node(id: "get", kind: "http_request", values: {{"url": "{}/flaky/kind/1/500/-"}})],
            settings: Settings(retry: {{"http_request": Retry(attempts: 2, delay_ms: 10)}}),
        )"#,
        server().base
    );
    let events = run_ron(&text, dir.path());
    assert_eq!(status(&events), RunState::Completed, "{events:#?}");
    assert_eq!(retrying(&events).len(), 1);
}

#[test]
fn batch_items_retry_one_by_one_with_the_node_s_policy() {
    let dir = tempfile::tempdir().unwrap();
    // Three items; only the one that says "flaky" fails, and only its first time.
    let text = r#"Flow(version: 1,
        nodes: [
            Node(id: "items", kind: "batch", params: {"items": "a\nflaky\nc\n"}),
            Node(id: "each", kind: "shell",
                 params: {"command": "read x; if [ \"$x\" = flaky ] && [ ! -f seen ]; then touch seen; exit 1; fi; echo $x"},
                 retry: Some(Retry(attempts: 3, delay_ms: 10))),
        ],
        edges: ["items.items -> each.stdin"],
    )"#;
    let events = run_ron(text, dir.path());
    assert_eq!(status(&events), RunState::Completed, "{events:#?}");
    assert!(retrying(&events).is_empty(), "items retry inside the step");
    let said: String = events
        .iter()
        .filter_map(|e| match e {
            Event::NodeProgress {
                progress: flowcanvas::nodes::Progress::Output { text, .. },
                ..
            } => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert!(said.contains("item 2 of 3: attempt 2 / 3"), "{said}");
}

#[test]
fn the_retries_example_fails_twice_then_succeeds_and_says_so_in_both_outputs() {
    let (_dir, file) = crate::support::example("retries.flow");
    let output = crate::cli::flowcanvas(&["run", "--json", "--no-store"], &file);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        crate::cli::stderr(&output)
    );
    let events = crate::cli::json_lines(&output);
    let retrying: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["event"] == "node_retrying")
        .collect();
    assert_eq!(retrying.len(), 2, "{events:#?}");
    assert_eq!(retrying[0]["node"], "fetch");
    assert_eq!(retrying[0]["attempt"], 2);
    assert_eq!(retrying[1]["attempt"], 3);
    assert_eq!(retrying[0]["of"], 4);
    // 500 ms and then 1 s, each moved by up to 10 % (the jitter).
    let delay = |i: usize| retrying[i]["delay_ms"].as_u64().unwrap();
    assert!((450..=550).contains(&delay(0)), "{}", delay(0));
    assert!((900..=1100).contains(&delay(1)), "{}", delay(1));
    let error = retrying[0]["error"].as_str().unwrap();
    assert!(error.contains("exit code 75"), "{error}");
    assert!(retrying[0]["at_ms"].as_f64().is_some());

    // The counter file was removed by the successful attempt: the human run retries too.
    let output = crate::cli::flowcanvas(&["run", "--no-store"], &file);
    let said = crate::cli::stdout(&output);
    assert!(
        said.contains("↻ Fetch rates: attempt 2 / 4 in ")
            && said
                .contains("command failed with exit code 75: the rate mirror is busy (attempt 1)"),
        "{said}"
    );
    assert!(said.contains("Today's rate: EUR/USD 1.08"), "{said}");
}

/// Starts a batch of two items that always fail, whose node retries after 30 s; returns
/// once an item waits to retry.
fn run_batch_into_a_long_backoff(dir: &Path) -> (Engine, u64) {
    let text = r#"Flow(version: 1,
        nodes: [
            Node(id: "items", kind: "batch", params: {"items": "a\nb\n"}),
            Node(id: "each", kind: "shell", params: {"command": "exit 1"},
                 retry: Some(Retry(attempts: 3, delay_ms: 30000))),
        ],
        edges: ["items.items -> each.stdin"],
    )"#;
    let registry = test_registry();
    let flow = flowcanvas::format::parse(text, &registry).unwrap();
    let mut engine = Engine::start(registry).unwrap();
    let run = engine.submit(RunRequest::new(Arc::new(flow), dir));
    loop {
        let event = engine.recv_timeout(Duration::from_secs(20)).unwrap();
        if let Event::NodeProgress {
            progress: flowcanvas::nodes::Progress::Output { text, .. },
            ..
        } = &event
        {
            if text.contains("attempt 2 / 3 in 30 s") {
                return (engine, run);
            }
        }
    }
}

#[test]
fn stop_during_a_batch_item_s_backoff_wait_ends_the_run_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (mut engine, _) = run_batch_into_a_long_backoff(dir.path());
    let asked = Instant::now();
    engine.stop();
    let events = events_until_finished(&mut engine);
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "waited out the backoff"
    );
    assert_eq!(status(&events), RunState::Cancelled);
}

#[test]
fn cancel_during_a_batch_item_s_backoff_wait_ends_the_items_without_a_new_attempt() {
    // Cancel lets running steps finish: the batch step must not sit out its items' waits.
    let dir = tempfile::tempdir().unwrap();
    let (mut engine, run) = run_batch_into_a_long_backoff(dir.path());
    let asked = Instant::now();
    engine.handle().cancel(run);
    let events = events_until_finished(&mut engine);
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "waited out the backoff"
    );
    assert_eq!(status(&events), RunState::Cancelled);
    let said: String = events
        .iter()
        .filter_map(|e| match e {
            Event::NodeProgress {
                progress: flowcanvas::nodes::Progress::Output { text, .. },
                ..
            } => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert!(!said.contains("attempt 3 / 3"), "{said}");
}

#[test]
fn fail_fast_ends_a_backoff_wait_with_the_step_s_last_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut waiting = shell("waiting", "echo first try failed >&2; exit 1");
    waiting.retry = Some(Retry {
        delay_ms: 30_000,
        ..Retry::new(3)
    });
    // Fails only once the other step waits to retry.
    let other = shell("other", "sleep 0.3; exit 2");
    let mut flow = flow(vec![waiting, other], &[]);
    flow.settings.max_parallel = Some(2);
    flow.settings.fail_fast = true;
    let mut engine = Engine::start(test_registry()).unwrap();
    let started = Instant::now();
    engine.submit(RunRequest::new(Arc::new(flow), dir.path()));
    let events = events_until_finished(&mut engine);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "waited out the backoff"
    );
    assert_eq!(retrying(&events).len(), 1, "{events:#?}");
    let error = crate::support::failure(&events, "waiting");
    assert!(error.contains("first try failed"), "{error}");
    assert_eq!(starts(&events, "waiting").len(), 1, "no new attempt");
}

#[test]
fn a_retried_step_s_fail_wire_fires_only_after_its_last_attempt() {
    let text = |attempts: u32| {
        format!(
            r#"Flow(version: 1,
            nodes: [
                Node(id: "flaky", kind: "shell",
                     params: {{"command": "n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; [ $n -ge 3 ]"}},
                     retry: Some(Retry(attempts: {attempts}, delay_ms: 10))),
                Node(id: "notify", kind: "template", params: {{"template": "{{why}}", "vars": ["why"]}}),
            ],
            edges: ["flaky.failure -> notify.why"],
        )"#
        )
    };
    // Three attempts: the third succeeds, so the failure branch is not taken.
    let dir = tempfile::tempdir().unwrap();
    let events = run_ron(&text(3), dir.path());
    assert_eq!(retrying(&events).len(), 2);
    assert_eq!(status(&events), RunState::Completed, "{events:#?}");
    assert!(crate::support::output(&events, "notify", "text").is_none());
    // Two attempts: both fail, and only then does the failure branch run, once.
    let dir = tempfile::tempdir().unwrap();
    let events = run_ron(&text(2), dir.path());
    assert_eq!(retrying(&events).len(), 1);
    let notified = events
        .iter()
        .filter(|e| matches!(e, Event::NodeStarted { node, .. } if node.as_str() == "notify"))
        .count();
    assert_eq!(notified, 1);
    let position = |wanted: &dyn Fn(&Event) -> bool| events.iter().position(wanted).unwrap();
    let last_failure =
        position(&|e| matches!(e, Event::NodeFailed { node, .. } if node.as_str() == "flaky"));
    let notify_started =
        position(&|e| matches!(e, Event::NodeStarted { node, .. } if node.as_str() == "notify"));
    assert!(last_failure < notify_started);
}

#[test]
fn the_transcript_of_a_run_lists_a_step_s_failed_attempts() {
    let (_dir, file) = crate::support::example("retries.flow");
    let output = crate::cli::flowcanvas(&["run"], &file);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        crate::cli::stderr(&output)
    );
    let output = crate::cli::flowcanvas(&["runs", "--transcript"], &file);
    let said = crate::cli::stdout(&output);
    assert!(
        said.contains("    ↻ attempt 1 failed: command failed with exit code 75: the rate mirror is busy (attempt 1)")
            && said.contains("    ↻ attempt 2 failed: command failed with exit code 75: the rate mirror is busy (attempt 2)"),
        "{said}"
    );
    assert!(!said.contains("attempt 3 failed"), "{said}");
}
