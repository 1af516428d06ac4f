//! HTTP request and LLM chat nodes against a server the test starts on 127.0.0.1 (never the
//! internet); files, JSON and script nodes in one flow.

use std::io;
use std::net::TcpStream;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::Duration;

use flowcanvas::exec::{Engine, Event, NodeStatus, RunRequest, RunState};
use flowcanvas::model::Value;
use serde_json::json;

use crate::local_server::{event, respond, start_events, LocalServer, Received};
use crate::support::*;

fn routes(req: &Received, s: &mut TcpStream) -> io::Result<()> {
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/items") => respond(
            s,
            "200 OK",
            "application/json",
            r#"{"items": [{"name": "one"}, {"name": "two"}]}"#,
        ),
        ("GET", "/data/release.json") => {
            let path = saves_dir().join("data/release.json");
            let body = std::fs::read_to_string(path).unwrap_or_default();
            respond(s, "200 OK", "application/json", &body)
        }
        ("GET", "/missing") => respond(s, "404 Not Found", "text/plain", "no such thing here"),
        ("POST", "/echo") => {
            let doc = json!({"body": req.body, "type": req.header("content-type"), "x": req.header("x-flow")});
            respond(s, "200 OK", "application/json", &doc.to_string())
        }
        ("GET", "/stall") => {
            thread::sleep(Duration::from_secs(20));
            Ok(())
        }
        ("POST", "/v1/chat/completions") => chat(req, s),
        ("POST", "/slow/v1/chat/completions") => {
            start_events(s)?;
            loop {
                event(
                    s,
                    &json!({"choices": [{"delta": {"content": "tick "}}]}).to_string(),
                )?;
                thread::sleep(Duration::from_millis(100));
            }
        }
        _ => respond(s, "404 Not Found", "text/plain", "unknown route"),
    }
}

fn chat(req: &Received, s: &mut TcpStream) -> io::Result<()> {
    let body: serde_json::Value = serde_json::from_str(&req.body).unwrap_or_default();
    let error = |s: &mut TcpStream, status: &str, message: &str| {
        let doc = json!({"error": {"message": message, "type": "invalid_request_error"}});
        respond(s, status, "application/json", &doc.to_string())
    };
    match body["model"].as_str() {
        Some("missing") => return error(s, "404 Not Found", "model 'missing' not found"),
        Some("needs-key") if req.header("authorization") != Some("Bearer sekrit") => {
            return error(s, "401 Unauthorized", "invalid API key")
        }
        _ => {}
    }
    let prompt = body["messages"][1]["content"].as_str().unwrap_or_default();
    start_events(s)?;
    for token in ["You ", "said: ", prompt] {
        event(
            s,
            &json!({"choices": [{"delta": {"content": token}}]}).to_string(),
        )?;
        thread::sleep(Duration::from_millis(20));
    }
    event(s, "[DONE]")
}

/// The shared test server (its routes are above).
pub fn server() -> &'static LocalServer {
    static SERVER: OnceLock<LocalServer> = OnceLock::new();
    SERVER.get_or_init(|| LocalServer::start(routes))
}

/// Runs a flow written in RON (`{base}` replaced by the server's address) in `dir`.
fn run(text: &str, dir: &Path) -> Vec<Event> {
    run_ron(&text.replace("{base}", &server().base), dir)
}

fn status(events: &[Event]) -> RunState {
    match events.last() {
        Some(Event::RunFinished { status, .. }) => *status,
        other => panic!("no run_finished: {other:?}"),
    }
}

#[test]
fn http_json_goes_through_pick_and_template() {
    let dir = tempfile::tempdir().unwrap();
    let events = run(
        r#"Flow(version: 1, nodes: [
            Node(id: "get", kind: "http_request", values: {"url": "{base}/items"}),
            Node(id: "pick", kind: "json_pick", params: {"pointer": "/items/1/name"}),
            Node(id: "say", kind: "template", params: {"template": "Second: {name}", "vars": ["name"]}),
        ], edges: ["get.json -> pick.json", "pick.text -> say.name"])"#,
        dir.path(),
    );
    assert_eq!(status(&events), RunState::Completed, "{events:#?}");
    assert_eq!(output(&events, "get", "status"), Some(Value::Number(200.0)));
    assert_eq!(
        output(&events, "say", "text"),
        Some(Value::Text("Second: two".into()))
    );
}

#[test]
fn a_failing_status_fails_the_node_unless_told_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let events = run(
        r#"Flow(version: 1, nodes: [
            Node(id: "strict", kind: "http_request", values: {"url": "{base}/missing"}),
            Node(id: "lenient", kind: "http_request", params: {"fail_on_error": false}, values: {"url": "{base}/missing"}),
        ], edges: [])"#,
        dir.path(),
    );
    let error = failure(&events, "strict");
    assert!(
        error.contains("HTTP 404 Not Found: no such thing here"),
        "{error}"
    );
    assert_eq!(
        output(&events, "lenient", "status"),
        Some(Value::Number(404.0))
    );
    assert_eq!(
        output(&events, "lenient", "body"),
        Some(Value::Text("no such thing here".into()))
    );
}

#[test]
fn a_json_body_is_sent_as_json_with_the_headers() {
    let dir = tempfile::tempdir().unwrap();
    let events = run(
        r#"Flow(version: 1, nodes: [
            Node(id: "doc", kind: "json_object", params: {"keys": ["a"]}, values: {"a": "x"}),
            Node(id: "post", kind: "http_request", params: {"method": "POST", "headers": {"X-Flow": "yes"}}, values: {"url": "{base}/echo"}),
        ], edges: ["doc.json -> post.body"])"#,
        dir.path(),
    );
    assert_eq!(status(&events), RunState::Completed, "{events:#?}");
    let Some(Value::Json(echo)) = output(&events, "post", "json") else {
        panic!("no json output")
    };
    assert_eq!(echo["body"], json!(r#"{"a":"x"}"#));
    assert_eq!(echo["type"], json!("application/json"));
    assert_eq!(echo["x"], json!("yes"));
}

#[test]
fn timeouts_refusals_and_stop_end_a_request_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let events = run(
        r#"Flow(version: 1, nodes: [
            Node(id: "slow", kind: "http_request", params: {"timeout_s": 0.5}, values: {"url": "{base}/stall"}),
            Node(id: "nobody", kind: "http_request", values: {"url": "http://127.0.0.1:1/"}),
        ], edges: [])"#,
        dir.path(),
    );
    let error = failure(&events, "slow");
    assert!(
        error.contains("no answer within the timeout (0.5 s)"),
        "{error}"
    );
    let error = failure(&events, "nobody");
    assert!(error.contains("connection refused"), "{error}");

    // Stop while the server stalls: the node is cancelled, not left waiting 20 s.
    let registry = test_registry();
    let text = r#"Flow(version: 1, nodes: [
        Node(id: "slow", kind: "http_request", values: {"url": "{base}/stall"}),
    ], edges: [])"#
        .replace("{base}", &server().base);
    let flow = flowcanvas::format::parse(&text, &registry).unwrap();
    let mut engine = Engine::start(registry).unwrap();
    engine.submit(RunRequest::new(Arc::new(flow), dir.path()));
    loop {
        match engine.recv_timeout(Duration::from_secs(10)).unwrap() {
            Event::NodeStarted { .. } => break,
            _ => continue,
        }
    }
    engine.stop();
    let events = events_until_finished(&mut engine);
    assert_eq!(status(&events), RunState::Cancelled);
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::NodeCancelled { node, .. } if node.as_str() == "slow")));
}

#[test]
fn llm_tokens_stream_in_and_the_seed_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let events = run(
        r#"Flow(version: 1, nodes: [
            Node(id: "ask", kind: "text", params: {"text": "hello there"}),
            Node(id: "seed", kind: "seed", params: {"seed": 42}),
            Node(id: "llm", kind: "llm_chat", params: {"model": "tiny", "api_key_env": "FLOWCANVAS_TEST_NO_SUCH_KEY"}, values: {"base_url": "{base}/v1"}),
        ], edges: ["ask.text -> llm.prompt", "seed.seed -> llm.seed"])"#,
        dir.path(),
    );
    assert_eq!(status(&events), RunState::Completed, "{events:#?}");
    let streamed: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            Event::NodeProgress {
                node,
                progress:
                    flowcanvas::nodes::Progress::Output {
                        text,
                        stream: flowcanvas::nodes::Stream::Stdout,
                    },
                ..
            } if node.as_str() == "llm" => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert!(
        streamed.len() >= 2,
        "tokens arrive one by one: {streamed:?}"
    );
    assert_eq!(streamed.concat(), "You said: hello there");
    assert_eq!(
        output(&events, "llm", "text"),
        Some(Value::Text("You said: hello there".into()))
    );
    let request = server()
        .received()
        .into_iter()
        .rev()
        .find(|r| r.path == "/v1/chat/completions" && r.body.contains("hello there"))
        .expect("the server got the request");
    let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(body["seed"], json!(42));
    assert_eq!(body["stream"], json!(true));
    assert_eq!(body["model"], json!("tiny"));
    assert_eq!(body["messages"][0]["role"], json!("system"));
    assert!(
        request.header("authorization").is_none(),
        "no key, no header"
    );
}

#[test]
fn the_api_key_comes_from_the_environment_and_is_never_stored() {
    let dir = tempfile::tempdir().unwrap();
    // A variable only this test uses.
    std::env::set_var("FLOWCANVAS_TEST_STORE_KEY", "sekrit");
    let text = r#"Flow(version: 1, nodes: [
        Node(id: "ask", kind: "text", params: {"text": "key test"}),
        Node(id: "llm", kind: "llm_chat", params: {"model": "needs-key", "api_key_env": "FLOWCANVAS_TEST_STORE_KEY"}, values: {"base_url": "{base}/v1"}),
    ], edges: ["ask.text -> llm.prompt"])"#
        .replace("{base}", &server().base);
    let file = dir.path().join("llm.flow");
    std::fs::write(&file, &text).unwrap();
    let registry = test_registry();
    let flow = flowcanvas::format::load(&file, &registry).unwrap();
    let mut engine = Engine::start(registry).unwrap();
    engine.submit(
        RunRequest::new(Arc::new(flow), dir.path())
            .store(Some(flowcanvas::store::Store::for_flow(&file))),
    );
    let events = events_until_finished(&mut engine);
    assert_eq!(status(&events), RunState::Completed, "{events:#?}");
    assert_eq!(
        output(&events, "llm", "text"),
        Some(Value::Text("You said: key test".into()))
    );
    for entry in walk(dir.path()) {
        let content = std::fs::read_to_string(&entry).unwrap_or_default();
        assert!(
            !content.contains("sekrit"),
            "the key leaked into {}",
            entry.display()
        );
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn llm_server_errors_are_shown_as_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let events = run(
        r#"Flow(version: 1, nodes: [
            Node(id: "ask", kind: "text", params: {"text": "hi"}),
            Node(id: "bad_model", kind: "llm_chat", params: {"model": "missing"}, values: {"base_url": "{base}/v1"}),
            Node(id: "bad_key", kind: "llm_chat", params: {"model": "needs-key", "api_key_env": "FLOWCANVAS_TEST_NO_SUCH_KEY"}, values: {"base_url": "{base}/v1"}),
            Node(id: "nobody", kind: "llm_chat", values: {"base_url": "http://127.0.0.1:1/v1"}),
        ], edges: ["ask.text -> bad_model.prompt", "ask.text -> bad_key.prompt", "ask.text -> nobody.prompt"])"#,
        dir.path(),
    );
    let error = failure(&events, "bad_model");
    assert!(
        error.contains("HTTP 404") && error.contains("model 'missing' not found"),
        "{error}"
    );
    let error = failure(&events, "bad_key");
    assert!(
        error.contains("HTTP 401")
            && error.contains("invalid API key")
            && error.contains("api_key_env"),
        "{error}"
    );
    let error = failure(&events, "nobody");
    assert!(
        error.contains("nothing answers at http://127.0.0.1:1/v1")
            && error.contains("llama-server"),
        "{error}"
    );
}

#[test]
fn stop_ends_a_stream_mid_way() {
    let dir = tempfile::tempdir().unwrap();
    let registry = test_registry();
    let text = r#"Flow(version: 1, nodes: [
        Node(id: "ask", kind: "text", params: {"text": "go"}),
        Node(id: "llm", kind: "llm_chat", values: {"base_url": "{base}/slow/v1"}),
    ], edges: ["ask.text -> llm.prompt"])"#
        .replace("{base}", &server().base);
    let flow = flowcanvas::format::parse(&text, &registry).unwrap();
    let mut engine = Engine::start(registry).unwrap();
    engine.submit(RunRequest::new(Arc::new(flow), dir.path()));
    loop {
        match engine.recv_timeout(Duration::from_secs(10)).unwrap() {
            Event::NodeProgress { node, .. } if node.as_str() == "llm" => break,
            _ => continue,
        }
    }
    engine.stop();
    let events = events_until_finished(&mut engine);
    let (_, _, nodes) = match events.last() {
        Some(Event::RunFinished {
            status,
            summary,
            nodes,
            ..
        }) => (status, summary, nodes),
        other => panic!("{other:?}"),
    };
    let llm = nodes.iter().find(|n| n.node.as_str() == "llm").unwrap();
    assert_eq!(llm.status, NodeStatus::Cancelled);
}

#[test]
fn a_file_read_parsed_and_scripted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("data.json"), r#"{"scores": [3, 4, 5]}"#).unwrap();
    let events = run(
        r#"Flow(version: 1, nodes: [
            Node(id: "read", kind: "read_file", values: {"path": "data.json"}),
            Node(id: "parse", kind: "json_parse"),
            Node(id: "sum", kind: "script", params: {"vars": ["doc"], "script": "let total = 0;\nfor s in doc.scores { total += s; }\ntotal"}),
        ], edges: ["read.content -> parse.text", "parse.json -> sum.doc"])"#,
        dir.path(),
    );
    assert_eq!(status(&events), RunState::Completed, "{events:#?}");
    assert_eq!(output(&events, "sum", "result"), Some(Value::Number(12.0)));
}
