//! The desktop app: the real UI driven headless through `egui::Context::run`, a real
//! window under Xvfb photographing itself, and the no-display message.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use eframe::egui;
use flowcanvas::app::{FlowcanvasApp, StartOptions};
use flowcanvas::nodes::{Registry, Role};
use flowcanvas::plan::Scope;
use flowcanvas::session::commands::AppCommand;
use flowcanvas::session::edit::DocEdit;
use flowcanvas::session::run_view::NodeStatus;
use flowcanvas::ui::monitor::row_text;

use crate::support::{button, frame, pointer_frame};

const BIN: &str = env!("CARGO_BIN_EXE_flowcanvas");

/// The app on the welcome flow, without touching the recent-files list.
fn welcome_app() -> (egui::Context, FlowcanvasApp) {
    let ctx = egui::Context::default();
    let options = StartOptions {
        no_recent: true,
        ..Default::default()
    };
    let app = FlowcanvasApp::new(&ctx, options);
    (ctx, app)
}

#[test]
fn pressing_run_on_the_welcome_flow_runs_every_node_live() {
    let (ctx, mut app) = welcome_app();
    for _ in 0..3 {
        frame(&ctx, &mut app);
    }
    assert!(
        app.title().starts_with("Untitled — Flowcanvas"),
        "{}",
        app.title()
    );
    let flow = app.session.doc.flow().clone();
    assert!(
        !app.canvas.state.node_rects.is_empty(),
        "the canvas drew its nodes"
    );

    // ▶ Run opens the run panel; nothing runs until Run is pressed in it.
    app.push(AppCommand::OpenRunPanel(Scope::Flow));
    frame(&ctx, &mut app);
    frame(&ctx, &mut app);
    assert!(app.run_panel.open);
    assert!(
        app.session.run_view.run.is_none(),
        "opening the panel runs nothing"
    );
    let registry = Registry::builtin();
    let preview = app
        .run_panel
        .preview(&app.session.doc, &registry, &app.session.run_view)
        .unwrap();
    let previewed: Vec<String> = preview.steps.iter().map(|s| s.node.to_string()).collect();
    assert_eq!(
        app.preview.len(),
        previewed.len(),
        "the canvas shows the preview badges"
    );
    app.push(AppCommand::Queue {
        scope: Scope::Flow,
        mode: flowcanvas::plan::RunMode::All,
        inputs: app.run_panel.values.clone(),
        parallel: None,
        fail_fast: None,
        timeout: None,
        checkpoints: Default::default(),
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut saw_running = false;
    loop {
        frame(&ctx, &mut app);
        let view = &app.session.run_view;
        saw_running |= view.is_running();
        if view.run.is_some() && !view.is_running() {
            break;
        }
        assert!(Instant::now() < deadline, "the run did not finish");
        std::thread::sleep(Duration::from_millis(10));
    }
    frame(&ctx, &mut app);
    assert!(saw_running, "the run was visible while it ran");
    let ran: Vec<String> = app
        .session
        .run_view
        .rows
        .iter()
        .map(|id| id.to_string())
        .collect();
    assert_eq!(ran, previewed, "the run follows the previewed plan");

    let view = &app.session.run_view;
    for node in &flow.nodes {
        let runs = matches!(registry.get(&node.kind).unwrap().info().role, Role::Step(_));
        if runs {
            let status = view.node(&node.id).map(|v| v.status);
            assert_eq!(status, Some(NodeStatus::Succeeded), "node {}", node.id);
            assert!(
                view.node(&node.id).unwrap().order.is_some(),
                "node {} has a badge",
                node.id
            );
        }
    }
    let summary = view.summary.clone().unwrap();
    assert!(
        summary.starts_with("Flow complete: 4 succeeded"),
        "{summary}"
    );
    let rows: Vec<String> = view
        .rows
        .iter()
        .map(|id| {
            row_text(
                view,
                &flowcanvas::model::NodeLabels::of(&flow),
                id,
                Instant::now(),
            )
        })
        .collect();
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert!(rows.iter().all(|row| row.contains("succeeded")), "{rows:?}");
    assert!(rows[0].starts_with("✔ 1. Your name"), "{rows:?}");
}

#[test]
fn opening_an_invalid_file_shows_its_errors_and_keeps_the_flow() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.flow");
    std::fs::write(
        &bad,
        "Flow(version: 1, nodes: [Node(id: \"x\", kind: \"nope\")])",
    )
    .unwrap();
    let (ctx, mut app) = welcome_app();
    frame(&ctx, &mut app);
    let before = app.session.doc.flow().clone();
    app.push(AppCommand::Open(Some(bad.clone())));
    frame(&ctx, &mut app);
    let dialog = app.error_dialog().expect("an error dialog");
    assert!(
        dialog.lines[0].contains("unknown kind `nope`"),
        "{:?}",
        dialog.lines
    );
    assert!(
        dialog.lines[0].starts_with(&format!("{}:1:", bad.display())),
        "{:?}",
        dialog.lines
    );
    assert_eq!(app.session.doc.flow(), &before);
}

#[test]
fn edits_mark_the_title_and_save_writes_the_file() {
    let (_dir, path) = crate::support::example("hello.flow");
    let ctx = egui::Context::default();
    let mut app = FlowcanvasApp::new(
        &ctx,
        StartOptions {
            file: Some(path.clone()),
            no_recent: true,
            ..Default::default()
        },
    );
    frame(&ctx, &mut app);
    assert_eq!(app.title(), "hello.flow — Flowcanvas");
    let ids: Vec<_> = vec![flowcanvas::model::NodeId::from("name")];
    app.session.selection = ids;
    app.push(AppCommand::Duplicate);
    frame(&ctx, &mut app);
    frame(&ctx, &mut app);
    assert_eq!(app.session.doc.flow().nodes.len(), 4);
    assert_eq!(app.title(), "hello.flow • — Flowcanvas");
    app.push(AppCommand::Undo);
    frame(&ctx, &mut app);
    assert_eq!(app.session.doc.flow().nodes.len(), 3);
    app.push(AppCommand::Redo);
    app.push(AppCommand::Save);
    frame(&ctx, &mut app);
    frame(&ctx, &mut app);
    assert_eq!(app.title(), "hello.flow — Flowcanvas");
    let saved = flowcanvas::format::load(&path, &Registry::builtin()).unwrap();
    assert_eq!(saved.nodes.len(), 4);
}

/// A virtual X server for one test, on a display number no one else uses.
struct Xvfb {
    child: Child,
    display: String,
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_xvfb() -> Option<Xvfb> {
    let found = Command::new("sh")
        .args(["-c", "command -v Xvfb"])
        .output()
        .ok()?;
    if !found.status.success() {
        return None;
    }
    let base = 200 + (std::process::id() % 500);
    let number = (base..base + 100).find(|n| !Path::new(&format!("/tmp/.X{n}-lock")).exists())?;
    let display = format!(":{number}");
    let child = Command::new("Xvfb")
        .args([
            display.as_str(),
            "-screen",
            "0",
            "1600x1000x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let socket = PathBuf::from(format!("/tmp/.X11-unix/X{number}"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !socket.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(Xvfb { child, display })
}

/// Runs the app in a real window with `args`, waits for its screenshot, and returns it.
fn photograph(xvfb: &Xvfb, args: &[&str], flow: &Path, shot: &Path) -> image::RgbaImage {
    let mut child = Command::new(BIN)
        .args(args)
        .arg("--screenshot")
        .arg(shot)
        .arg("--run")
        .arg(flow)
        .env("DISPLAY", &xvfb.display)
        .env("LIBGL_ALWAYS_SOFTWARE", "1")
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the window did not take its screenshot within 2 minutes");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = child.wait_with_output().unwrap();
    assert!(
        status.success(),
        "exit {status}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    image::open(shot).unwrap().to_rgba8()
}

fn distinct_colours(image: &image::RgbaImage) -> usize {
    image
        .pixels()
        .step_by(7)
        .map(|p| p.0)
        .collect::<std::collections::HashSet<_>>()
        .len()
}

#[test]
fn a_real_window_runs_the_flow_and_photographs_itself() {
    let Some(xvfb) = start_xvfb() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must provide Xvfb (.ci/run installs it)"
        );
        eprintln!("skipped: Xvfb is not installed here");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let flow = dir.path().join("hello.flow");
    std::fs::copy(crate::support::saves_dir().join("hello.flow"), &flow).unwrap();

    let canvas = photograph(&xvfb, &[], &flow, &dir.path().join("canvas.png"));
    assert_eq!(canvas.dimensions(), (1440, 900));
    assert!(
        distinct_colours(&canvas) > 50,
        "the canvas screenshot looks blank"
    );

    let app = photograph(&xvfb, &["--app"], &flow, &dir.path().join("app.png"));
    assert_eq!(app.dimensions(), (1440, 900));
    assert!(
        distinct_colours(&app) > 20,
        "the app-mode screenshot looks blank"
    );
    assert_ne!(
        canvas, app,
        "app mode shows something other than the canvas"
    );
}

#[test]
fn without_a_display_the_app_says_so_in_one_line() {
    let output = Command::new(BIN)
        .arg(crate::support::saves_dir().join("hello.flow"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("flowcanvas run FILE"), "{stderr}");
}

fn key_frame(
    ctx: &egui::Context,
    app: &mut FlowcanvasApp,
    key: egui::Key,
    modifiers: egui::Modifiers,
) {
    let mut input = egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1440.0, 900.0),
        )),
        modifiers,
        ..Default::default()
    };
    input.events.push(egui::Event::Key {
        key,
        physical_key: Some(key),
        pressed: true,
        repeat: false,
        modifiers,
    });
    let _ = ctx.run(input, |ctx| app.ui(ctx));
}

#[test]
fn keyboard_shortcuts_reach_the_document() {
    let (ctx, mut app) = welcome_app();
    frame(&ctx, &mut app);
    let count = app.session.doc.flow().nodes.len();
    app.session.selection = vec![flowcanvas::model::NodeId::from("name")];
    key_frame(&ctx, &mut app, egui::Key::D, ctrl());
    frame(&ctx, &mut app);
    assert_eq!(
        app.session.doc.flow().nodes.len(),
        count + 1,
        "Ctrl+D duplicates"
    );
    key_frame(&ctx, &mut app, egui::Key::Z, ctrl());
    frame(&ctx, &mut app);
    assert_eq!(app.session.doc.flow().nodes.len(), count, "Ctrl+Z undoes");
    key_frame(&ctx, &mut app, egui::Key::Y, ctrl());
    frame(&ctx, &mut app);
    assert_eq!(
        app.session.doc.flow().nodes.len(),
        count + 1,
        "Ctrl+Y redoes"
    );
    app.session.selection = vec![flowcanvas::model::NodeId::from("name")];
    key_frame(&ctx, &mut app, egui::Key::Delete, egui::Modifiers::NONE);
    frame(&ctx, &mut app);
    assert!(
        app.session.doc.flow().node("name").is_none(),
        "Delete removes the selection"
    );
}

/// Ctrl as egui-winit reports it off macOS: both `ctrl` and `command`.
fn ctrl() -> egui::Modifiers {
    egui::Modifiers::CTRL | egui::Modifiers::COMMAND
}

fn run_until_idle(ctx: &egui::Context, app: &mut FlowcanvasApp, queued: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        frame(ctx, app);
        let view = &app.session.run_view;
        let finished = view.queue.iter().filter(|i| i.summary.is_some()).count();
        if finished >= queued && !view.is_running() {
            return;
        }
        assert!(Instant::now() < deadline, "the queue did not drain");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn queued_runs_keep_the_inputs_and_flow_they_were_queued_with() {
    use flowcanvas::model::ParamValue;
    let (ctx, mut app) = welcome_app();
    frame(&ctx, &mut app);
    // Hold the queue so both runs wait, then change the flow before they start.
    app.push(AppCommand::QueuePause(true));
    frame(&ctx, &mut app);
    for name in ["Ada", "Grace"] {
        app.push(AppCommand::Queue {
            scope: Scope::Flow,
            mode: flowcanvas::plan::RunMode::All,
            inputs: [("Your name".to_owned(), ParamValue::from(name))].into(),
            parallel: None,
            fail_fast: None,
            timeout: None,
            checkpoints: Default::default(),
        });
    }
    frame(&ctx, &mut app);
    app.push(AppCommand::Edit(DocEdit::SetField {
        node: flowcanvas::model::NodeId::from("greet"),
        field: "template".into(),
        is_param: true,
        value: Some(ParamValue::from("Bye, {name}")),
    }));
    app.push(AppCommand::QueuePause(false));
    run_until_idle(&ctx, &mut app, 2);
    let view = &app.session.run_view;
    let inputs: Vec<String> = view
        .queue
        .iter()
        .map(|i| i.inputs["Your name"].to_json().to_string())
        .collect();
    assert_eq!(inputs, ["\"Ada\"", "\"Grace\""]);
    let shown = view
        .node(&flowcanvas::model::NodeId::from("shout"))
        .unwrap()
        .result
        .clone()
        .unwrap();
    assert_eq!(
        shown.get("stdout").unwrap().to_text(),
        "HELLO, GRACE! WELCOME TO FLOWCANVAS.",
        "the last run used its own input and the flow as it was when queued"
    );
}

#[test]
fn promoting_marking_and_app_mode_work_from_the_app() {
    let ctx = egui::Context::default();
    let mut app = FlowcanvasApp::new(
        &ctx,
        StartOptions {
            no_recent: true,
            app_mode: true,
            ..Default::default()
        },
    );
    frame(&ctx, &mut app);
    let greet = flowcanvas::model::NodeId::from("greet");
    let refused = app.session.edit(DocEdit::SetPromotion {
        node: flowcanvas::model::NodeId::from("tips"),
        promotion: Some(flowcanvas::model::Promotion::new("Your name")),
    });
    assert!(refused.is_err(), "labels are unique");
    app.push(AppCommand::Edit(DocEdit::SetOutput {
        node: greet.clone(),
        output: true,
    }));
    frame(&ctx, &mut app);
    let outputs = flowcanvas::ui::app_mode::shown_outputs(&app.session.doc, &Registry::builtin());
    assert_eq!(outputs, std::slice::from_ref(&greet));
    app.push(AppCommand::Queue {
        scope: Scope::Flow,
        mode: flowcanvas::plan::RunMode::All,
        inputs: Default::default(),
        parallel: None,
        fail_fast: None,
        timeout: None,
        checkpoints: Default::default(),
    });
    run_until_idle(&ctx, &mut app, 1);
    let value = flowcanvas::ui::app_mode::output_value(
        &app.session.doc,
        &Registry::builtin(),
        &app.session.run_view,
        &greet,
    );
    assert_eq!(
        value.map(|v| v.to_text()).as_deref(),
        Some("Hello, world! Welcome to Flowcanvas.")
    );
    let rows: Vec<String> = app
        .session
        .run_view
        .rows
        .iter()
        .map(|id| id.to_string())
        .collect();
    assert_eq!(
        rows,
        ["name", "greet"],
        "a marked output runs only what it needs"
    );
}

#[test]
fn the_app_shows_results_the_cli_left_in_the_store() {
    let (_dir, path) = crate::support::example("hello.flow");
    let status = Command::new(BIN)
        .arg("run")
        .arg(&path)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let (ctx, mut app) = crate::support::open_settled(path);
    let greet = flowcanvas::model::NodeId::from("greet");
    let result = app
        .session
        .run_view
        .node(&greet)
        .and_then(|v| v.result.clone())
        .expect("a stored result");
    assert_eq!(result.get("text").unwrap().to_text(), "Hello, world!");
    // Missing mode from the app now has nothing left to run.
    app.run_panel.mode = flowcanvas::plan::RunMode::Missing;
    let preview = app
        .run_panel
        .preview(
            &app.session.doc,
            &Registry::builtin(),
            &app.session.run_view,
        )
        .unwrap();
    assert!(preview.steps.is_empty(), "{:?}", preview.steps);

    // Editing a parameter makes that result and everything after it stale.
    let name = flowcanvas::model::NodeId::from("name");
    app.push(AppCommand::Edit(DocEdit::SetField {
        node: name.clone(),
        field: "text".into(),
        is_param: true,
        value: Some(flowcanvas::model::ParamValue::from("Ada")),
    }));
    frame(&ctx, &mut app);
    frame(&ctx, &mut app);
    let mut stale: Vec<String> = app
        .session
        .derived
        .stale
        .iter()
        .map(ToString::to_string)
        .collect();
    stale.sort();
    assert_eq!(stale, ["greet", "name"]);
    let preview = app
        .run_panel
        .preview(
            &app.session.doc,
            &Registry::builtin(),
            &app.session.run_view,
        )
        .unwrap();
    let steps: Vec<&str> = preview.steps.iter().map(|s| s.node.as_str()).collect();
    assert_eq!(
        steps,
        ["name", "greet"],
        "Missing mode reruns the stale results"
    );
    let rerun: Vec<(&str, &str)> = preview
        .rerun
        .iter()
        .map(|r| (r.node.as_str(), r.reason.as_str()))
        .collect();
    assert_eq!(
        rerun,
        [
            (
                "name",
                "its result is stale: the node changed since it was made"
            ),
            ("greet", "its result is stale: upstream `Name` is stale"),
        ],
        "the preview says why each runs again"
    );
}

#[test]
fn unsaved_edits_are_autosaved_and_offered_back_after_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let path = dir.path().join("hello.flow");
    std::fs::copy(crate::support::saves_dir().join("hello.flow"), &path).unwrap();
    let options = || StartOptions {
        file: Some(path.clone()),
        no_recent: true,
        config_dir: Some(config.clone()),
        ..Default::default()
    };
    let ctx = egui::Context::default();
    let mut app = FlowcanvasApp::new(&ctx, options());
    frame(&ctx, &mut app);
    assert!(app.recovery_offer.is_none());
    let name = flowcanvas::model::NodeId::from("name");
    app.push(AppCommand::Edit(DocEdit::SetField {
        node: name.clone(),
        field: "text".into(),
        is_param: true,
        value: Some(flowcanvas::model::ParamValue::from("unsaved")),
    }));
    frame(&ctx, &mut app);
    app.autosave();
    let edited = app.session.doc.flow().clone();
    let recovery_dir = config.join("recovery");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::fs::read_dir(&recovery_dir).map_or(0, |d| d.count()) == 0 {
        assert!(Instant::now() < deadline, "no recovery copy was written");
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        std::fs::read_to_string(crate::support::saves_dir().join("hello.flow")).unwrap(),
        "the user's file is untouched"
    );
    drop(app); // the "crash": nothing saved

    let ctx = egui::Context::default();
    let mut app = FlowcanvasApp::new(&ctx, options());
    frame(&ctx, &mut app);
    assert_eq!(
        app.recovery_offer.as_ref(),
        Some(&edited),
        "the edits are offered back"
    );
    app.restore_recovery();
    assert_eq!(app.session.doc.flow(), &edited);
    assert!(
        app.session.doc.is_dirty(),
        "restored edits are unsaved until saved"
    );
    app.push(AppCommand::Save);
    frame(&ctx, &mut app);
    assert_eq!(
        std::fs::read_dir(&recovery_dir).unwrap().count(),
        0,
        "saving removes the copy"
    );

    let mut again = FlowcanvasApp::new(&egui::Context::default(), options());
    assert!(again.recovery_offer.is_none(), "nothing left to recover");
    again.discard_recovery();
}

#[test]
fn sigterm_to_the_app_stops_its_run_kills_its_processes_and_exits_143() {
    let Some(xvfb) = start_xvfb() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must provide Xvfb (.ci/run installs it)"
        );
        eprintln!("skipped: Xvfb is not installed here");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let settings = dir.path().join("settings");
    let flows = dir.path().join("flows");
    std::fs::create_dir_all(&flows).unwrap();
    // A number of seconds no other process sleeps for: the marker.
    let marker = format!(
        "{}.{}",
        4000 + std::process::id() % 1000,
        std::process::id()
    );
    let flow = flows.join("slow.flow");
    std::fs::write(
        &flow,
        format!(
            "Flow(\n    version: 1,\n    nodes: [\n        Node(id: \"slow\", kind: \"shell\", params: {{\"command\": \"sleep {marker}\"}}),\n    ],\n)\n"
        ),
    )
    .unwrap();
    // The folder is trusted, as one where the user keeps their own flows.
    let trusted = Command::new(BIN)
        .arg("trust")
        .arg(&flows)
        .env("FLOWCANVAS_CONFIG_DIR", &settings)
        .output()
        .unwrap();
    assert!(trusted.status.success(), "{trusted:?}");

    let mut app = Command::new(BIN)
        .arg("--run")
        .arg(&flow)
        .env("DISPLAY", &xvfb.display)
        .env("LIBGL_ALWAYS_SOFTWARE", "1")
        .env("FLOWCANVAS_CONFIG_DIR", &settings)
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while crate::stopping::running(&marker).is_empty() {
        assert!(
            app.try_wait().unwrap().is_none(),
            "the app ended before its run started"
        );
        assert!(
            Instant::now() < deadline,
            "the run never started its command"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let killed = Command::new("kill")
        .args(["-TERM", &app.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = app.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = app.kill();
            panic!("the app did not close after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = app.wait_with_output().unwrap();
    assert_eq!(
        status.code(),
        Some(143),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while !crate::stopping::running(&marker).is_empty() {
        assert!(
            Instant::now() < deadline,
            "the run's command outlived the app"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let runs = Command::new(BIN)
        .args(["runs", "--json"])
        .arg(&flow)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&runs.stdout);
    let last: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(last["status"], "cancelled", "{last}");
}

/// What the document says the graph is, sorted like `Canvas::shown_graph`.
fn document_graph(
    app: &FlowcanvasApp,
) -> (
    Vec<flowcanvas::model::NodeId>,
    Vec<(flowcanvas::model::PortRef, flowcanvas::model::PortRef)>,
) {
    let flow = app.session.doc.flow();
    let mut nodes: Vec<_> = flow.nodes.iter().map(|n| n.id.clone()).collect();
    nodes.sort();
    let mut wires: Vec<_> = flow
        .edges
        .iter()
        .map(|e| (e.from.clone(), e.to.clone()))
        .collect();
    wires.sort();
    (nodes, wires)
}

#[test]
fn new_and_open_recent_show_the_new_document_not_the_old_graph() {
    let dir = tempfile::tempdir().unwrap();
    let saves = Path::new(env!("CARGO_MANIFEST_DIR")).join("saves");
    let (a, b) = (dir.path().join("a.flow"), dir.path().join("b.flow"));
    std::fs::copy(saves.join("hello.flow"), &a).unwrap();
    std::fs::copy(saves.join("pipeline.flow"), &b).unwrap();
    let ctx = egui::Context::default();
    let options = StartOptions {
        file: Some(a.clone()),
        no_recent: true,
        ..Default::default()
    };
    let mut app = FlowcanvasApp::new(&ctx, options);
    frame(&ctx, &mut app);
    frame(&ctx, &mut app);
    assert_eq!(app.canvas.shown_graph(), document_graph(&app), "a.flow");
    let a_nodes = app.session.doc.flow().nodes.len();

    // What File → Open Recent does: both documents are unedited (revision 0).
    for path in [&b, &a, &b] {
        app.push(AppCommand::Open(Some(path.clone())));
        frame(&ctx, &mut app);
        frame(&ctx, &mut app);
        assert_eq!(app.session.doc.path(), Some(path.as_path()));
        assert_eq!(
            app.canvas.shown_graph(),
            document_graph(&app),
            "after opening {}",
            path.display()
        );
    }
    assert_ne!(app.session.doc.flow().nodes.len(), a_nodes);

    // File → New: an empty canvas, and a run panel previewing the new (empty) flow.
    app.push(AppCommand::New);
    frame(&ctx, &mut app);
    frame(&ctx, &mut app);
    assert!(app.session.doc.flow().nodes.is_empty());
    assert_eq!(app.canvas.shown_graph(), (Vec::new(), Vec::new()), "New");
    app.push(AppCommand::OpenRunPanel(Scope::Flow));
    frame(&ctx, &mut app);
    frame(&ctx, &mut app);
    assert!(app.preview.is_empty(), "no badges of the old flow's plan");
}

#[test]
fn canvas_edits_reach_the_document_and_a_refused_wire_leaves_the_canvas() {
    let (ctx, mut app) = welcome_app();
    frame(&ctx, &mut app);
    let before = document_graph(&app);
    // A wire the editor would draw at once, but which makes a loop: refused.
    let (first, last) = {
        let flow = app.session.doc.flow();
        let edge = flow.edges.first().unwrap().clone();
        (edge.from.clone(), edge.to.clone())
    };
    let outputs_of_last: Vec<_> = app
        .session
        .doc
        .flow()
        .edges
        .iter()
        .filter(|e| e.from.node == last.node)
        .map(|e| e.from.clone())
        .collect();
    if let Some(back) = outputs_of_last.first() {
        app.push(AppCommand::Edit(DocEdit::Connect {
            from: back.clone(),
            to: first.clone(),
        }));
    }
    frame(&ctx, &mut app);
    frame(&ctx, &mut app);
    assert_eq!(document_graph(&app), before, "the loop was refused");
    assert_eq!(app.canvas.shown_graph(), before);

    // Adding a node selects it, and the canvas shows it.
    app.push(AppCommand::Edit(DocEdit::AddNode {
        kind: "number".into(),
        at: (10.0, 10.0),
    }));
    frame(&ctx, &mut app);
    frame(&ctx, &mut app);
    assert_eq!(
        app.session.selection,
        [flowcanvas::model::NodeId::from("number")]
    );
    assert_eq!(app.canvas.shown_graph(), document_graph(&app));
    app.push(AppCommand::Undo);
    frame(&ctx, &mut app);
    frame(&ctx, &mut app);
    assert_eq!(app.canvas.shown_graph(), before, "undo reaches the canvas");
}

/// One frame with these pointer events.
#[test]
fn dragging_a_node_on_the_canvas_moves_it_in_the_document_as_one_undo_step() {
    let (ctx, mut app) = welcome_app();
    for _ in 0..3 {
        frame(&ctx, &mut app);
    }
    let id = flowcanvas::model::NodeId::from("greet");
    let rect = app.canvas.state.node_rects[&id];
    let before = app.session.doc.flow().layout.positions[&id];
    let zoom = app.session.doc.flow().layout.zoom;
    // Grab the title bar (right of the title and its buttons, whose text a drag would select)
    // and drag by (60, 40) screen points over a few frames.
    let start = rect.right_top() + egui::vec2(-45.0, 10.0);
    pointer_frame(&ctx, &mut app, vec![egui::Event::PointerMoved(start)]);
    pointer_frame(&ctx, &mut app, vec![button(start, true)]);
    for step in 1..=4 {
        let at = start + egui::vec2(15.0, 10.0) * step as f32;
        pointer_frame(&ctx, &mut app, vec![egui::Event::PointerMoved(at)]);
    }
    let end = start + egui::vec2(60.0, 40.0);
    pointer_frame(&ctx, &mut app, vec![button(end, false)]);
    frame(&ctx, &mut app);

    let after = app.session.doc.flow().layout.positions[&id];
    let moved = ((after.0 - before.0) * zoom, (after.1 - before.1) * zoom);
    assert!(
        (moved.0 - 60.0).abs() < 1.0 && (moved.1 - 40.0).abs() < 1.0,
        "moved by {moved:?} screen points"
    );
    assert!(app.session.doc.is_dirty());
    // The whole drag is one undo step.
    app.push(AppCommand::Undo);
    frame(&ctx, &mut app);
    assert_eq!(app.session.doc.flow().layout.positions[&id], before);
    assert!(!app.session.doc.can_undo());
}

#[test]
fn a_flow_saved_looking_at_nothing_opens_fitted_and_one_that_shows_nodes_keeps_its_view() {
    let dir = tempfile::tempdir().unwrap();
    let saves = Path::new(env!("CARGO_MANIFEST_DIR")).join("saves");
    let text = std::fs::read_to_string(saves.join("hello.flow")).unwrap();
    let registry = Registry::builtin();
    let mut lost = flowcanvas::format::parse(&text, &registry).unwrap();
    lost.layout.pan = (-50_000.0, -50_000.0);
    let lost_file = dir.path().join("lost.flow");
    flowcanvas::format::save(&lost_file, &lost).unwrap();
    let mut kept = flowcanvas::format::parse(&text, &registry).unwrap();
    kept.layout.pan = (30.0, 20.0);
    kept.layout.zoom = 0.9;
    let kept_file = dir.path().join("kept.flow");
    flowcanvas::format::save(&kept_file, &kept).unwrap();

    let ctx = egui::Context::default();
    let options = StartOptions {
        file: Some(lost_file.clone()),
        no_recent: true,
        ..Default::default()
    };
    let mut app = FlowcanvasApp::new(&ctx, options);
    for _ in 0..3 {
        frame(&ctx, &mut app);
    }
    let canvas = app.canvas.rect;
    let in_view = |app: &FlowcanvasApp| {
        (app.canvas.state.node_rects.values())
            .filter(|r| canvas.intersects(**r))
            .count()
    };
    assert_eq!(
        in_view(&app),
        app.session.doc.flow().nodes.len(),
        "opened fitted: every node in view"
    );

    app.push(AppCommand::Open(Some(kept_file)));
    for _ in 0..3 {
        frame(&ctx, &mut app);
    }
    let layout = &app.session.doc.flow().layout;
    assert_eq!(
        (layout.pan, layout.zoom),
        ((30.0, 20.0), 0.9),
        "its own view kept"
    );
    assert!(in_view(&app) > 0);
}

#[test]
fn ctrl_f_finds_a_node_by_its_title_and_jumps_to_it() {
    let (ctx, mut app) = welcome_app();
    frame(&ctx, &mut app);
    key_frame(&ctx, &mut app, egui::Key::F, ctrl());
    frame(&ctx, &mut app);
    assert!(app.find.open, "Ctrl+F shows the find bar");
    let typed = egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1440.0, 900.0),
        )),
        events: vec![egui::Event::Text("shout".into())],
        ..Default::default()
    };
    let _ = ctx.run(typed, |ctx| app.ui(ctx));
    frame(&ctx, &mut app);
    assert_eq!(app.find.query, "shout", "the field had the keyboard");
    assert_eq!(
        app.session.selection,
        [flowcanvas::model::NodeId::from("shout")],
        "the match is selected"
    );
    let rect = app.canvas.state.node_rects[&flowcanvas::model::NodeId::from("shout")];
    assert!(
        app.canvas.rect.contains(rect.center()),
        "and the canvas moved to it"
    );
    key_frame(&ctx, &mut app, egui::Key::Escape, egui::Modifiers::NONE);
    frame(&ctx, &mut app);
    assert!(!app.find.open, "Esc closes it");
}
