//! Results that last, in the app: the store catalog, the filmstrip's "make active", the
//! results window, the drawer, and resuming a run the CLI left interrupted.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use eframe::egui;
use flowcanvas::app::{FlowcanvasApp, StartOptions};
use flowcanvas::model::NodeId;
use flowcanvas::plan::Scope;
use flowcanvas::session::commands::{AppCommand, DrawerTab};
use flowcanvas::store::{ContinueHow, RunState};

use crate::support::{frame, settle};

const BIN: &str = env!("CARGO_BIN_EXE_flowcanvas");

fn open(path: &Path) -> (egui::Context, FlowcanvasApp) {
    let ctx = egui::Context::default();
    let options = StartOptions {
        file: Some(path.to_path_buf()),
        no_recent: true,
        ..Default::default()
    };
    let mut app = FlowcanvasApp::new(&ctx, options);
    settle(&ctx, &mut app);
    (ctx, app)
}

/// Draws frames until `done` holds (30 s at most).
fn frames_until(
    ctx: &egui::Context,
    app: &mut FlowcanvasApp,
    what: &str,
    mut done: impl FnMut(&FlowcanvasApp) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        frame(ctx, app);
        if done(app) {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn cli(args: &[&str], file: &Path) {
    let status = Command::new(BIN)
        .args(args)
        .arg(file)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.code().is_some(), "the CLI ran");
}

fn copy_example(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::copy(crate::support::saves_dir().join(name), &path).unwrap();
    path
}

fn result_text(app: &FlowcanvasApp, node: &str, port: &str) -> Option<String> {
    let view = app.session.run_view.node(&NodeId::from(node))?;
    Some(view.result.as_ref()?.get(port)?.to_text())
}

#[test]
fn an_earlier_result_made_active_in_the_app_feeds_the_next_step() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_example(dir.path(), "hello.flow");
    cli(&["run"], &path);
    cli(&["run", "--set", "Name=Ada"], &path);
    let (ctx, mut app) = open(&path);
    frames_until(&ctx, &mut app, "the store to be read", |app| {
        app.session.catalog.loaded
    });
    let name = NodeId::from("name");
    let catalog = &app.session.catalog;
    assert_eq!(catalog.histories[&name].history.len(), 2);
    assert_eq!(catalog.runs.len(), 2);
    let newest = &catalog.items[0];
    assert!(
        newest.active,
        "the newest results come first and are active"
    );
    assert_eq!(
        result_text(&app, "greet", "text").as_deref(),
        Some("Hello, Ada!")
    );

    // Clicking the first chip of the filmstrip: the earlier result becomes active...
    app.push(AppCommand::SetActiveResult {
        node: name.clone(),
        index: 0,
    });
    frames_until(&ctx, &mut app, "the earlier result to be active", |app| {
        result_text(app, "name", "text").as_deref() == Some("world")
    });
    frames_until(&ctx, &mut app, "the history to say so", |app| {
        app.session.catalog.histories[&NodeId::from("name")].active == 0
    });
    // ...and the next step uses it.
    app.push(AppCommand::Run(Scope::Node(NodeId::from("greet"))));
    frames_until(&ctx, &mut app, "greet to run", |app| {
        result_text(app, "greet", "text").as_deref() == Some("Hello, world!")
            && !app.session.run_view.is_running()
    });

    // The results window compares two results of a node once their outputs are read.
    app.push(AppCommand::ShowResults(NodeId::from("greet")));
    frame(&ctx, &mut app);
    let window = app
        .results_window
        .clone()
        .expect("the results window opened");
    assert_eq!(window.node.as_str(), "greet");
    assert!(window.left.is_some() && window.right.is_some() && window.left != window.right);
    frames_until(&ctx, &mut app, "both results to be read", |app| {
        let catalog = &app.session.catalog;
        let history = &catalog.histories[&NodeId::from("greet")];
        [window.left, window.right].iter().all(|index| {
            let entry = &history.history[index.unwrap()];
            matches!(catalog.object(&entry.object), Some(Ok(_)))
        })
    });

    // The drawer opens on either tab and closes again.
    app.push(AppCommand::ToggleDrawer(DrawerTab::Outputs));
    frame(&ctx, &mut app);
    assert_eq!(app.drawer, Some(DrawerTab::Outputs));
    app.push(AppCommand::ToggleDrawer(DrawerTab::Runs));
    frame(&ctx, &mut app);
    assert_eq!(app.drawer, Some(DrawerTab::Runs));
    app.push(AppCommand::ToggleDrawer(DrawerTab::Runs));
    frame(&ctx, &mut app);
    assert_eq!(app.drawer, None);
}

#[test]
fn a_run_killed_mid_way_is_resumed_from_the_app() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("slow.flow");
    std::fs::write(
        &path,
        r#"Flow(
    version: 1,
    nodes: [
        Node(id: "a", kind: "text", params: {"text": "first"}),
        Node(id: "b", kind: "shell", params: {"command": "if [ -e quick ]; then cat; else echo $$ > shell.pid; sleep 60; fi"}),
        Node(id: "c", kind: "shell", params: {"command": "tr a-z A-Z"}),
    ],
    edges: ["a.text -> b.stdin", "b.stdout -> c.stdin"],
)
"#,
    )
    .unwrap();
    let mut child = Command::new(BIN)
        .arg("run")
        .arg(&path)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let pid_file = dir.path().join("shell.pid");
    let shell_pid = crate::support::read_pid(&pid_file);
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = Command::new("kill")
        .args(["-9", &shell_pid.to_string()])
        .status();
    std::fs::write(dir.path().join("quick"), "").unwrap();

    let (ctx, mut app) = open(&path);
    frames_until(&ctx, &mut app, "the store to be read", |app| {
        app.session.catalog.loaded
    });
    let interrupted = app
        .session
        .catalog
        .unfinished_run()
        .expect("the killed run shows as unfinished")
        .clone();
    assert_eq!(interrupted.status, RunState::Interrupted);
    assert_eq!(
        result_text(&app, "a", "text").as_deref(),
        Some("first"),
        "the step that finished kept its result"
    );

    app.push(AppCommand::ContinueRun {
        run: interrupted.id.clone(),
        how: ContinueHow::Resume,
    });
    frames_until(&ctx, &mut app, "the resumed run to finish", |app| {
        result_text(app, "c", "stdout").as_deref() == Some("FIRST")
            && !app.session.run_view.is_running()
    });
    frames_until(
        &ctx,
        &mut app,
        "the run history to show the resume",
        |app| {
            let catalog = &app.session.catalog;
            catalog.runs.len() == 2
                && catalog.runs[1].status != RunState::Running
                && catalog.unfinished_run().is_none()
        },
    );
    let catalog = &app.session.catalog;
    let resumed = &catalog.runs[1];
    assert_eq!(resumed.status, RunState::Completed);
    assert_eq!(
        resumed.continues.as_ref().map(|c| (c.run.as_str(), c.how)),
        Some((interrupted.id.as_str(), ContinueHow::Resume))
    );
    let reran: Vec<&str> = resumed
        .nodes
        .iter()
        .filter(|n| n.status == Some(flowcanvas::exec::NodeStatus::Succeeded))
        .map(|n| n.node.as_str())
        .collect();
    assert_eq!(reran, ["b", "c"], "the finished step was not run again");
    let _ = std::fs::remove_file(&pid_file);
}

#[test]
fn batches_in_the_app_show_their_size_run_and_take_dropped_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_example(dir.path(), "batch.flow");
    let (ctx, mut app) = open(&path);
    frame(&ctx, &mut app);
    frame(&ctx, &mut app);
    let make = NodeId::from("make");
    assert_eq!(
        app.session.derived.fan_out.get(&make),
        Some(&6),
        "Run 6× before anything ran"
    );
    assert_eq!(
        app.session.derived.fan_out.get(&NodeId::from("count")),
        None
    );

    app.push(AppCommand::Run(Scope::Flow));
    frames_until(&ctx, &mut app, "the batch run to finish", |app| {
        let view = &app.session.run_view;
        !view.is_running() && view.summary.is_some()
    });
    let view = app.session.run_view.node(&make).unwrap();
    assert_eq!(view.count, Some((6, 6)), "k / N on the node");
    assert_eq!(
        result_text(&app, "count", "result").as_deref(),
        Some("6 images generated")
    );
    let image = match view.result.as_ref().and_then(|r| r.get("image")).cloned() {
        Some(flowcanvas::model::Value::Batch(items)) => match items[0].value() {
            Some(flowcanvas::model::Value::Image(image)) => image.clone(),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    };
    // Clicking a thumbnail opens the image viewer.
    app.push(AppCommand::ShowImage {
        title: "One image per seed".into(),
        image,
    });
    frame(&ctx, &mut app);
    assert!(app.image_viewer.is_some());

    // Files dropped on (or picked for) a batch node become its items, as paths.
    let picked = vec![dir.path().join("a.png"), dir.path().join("b.png")];
    app.push(AppCommand::Edit(
        flowcanvas::session::edit::DocEdit::AddBatchFiles {
            node: NodeId::from("seeds"),
            files: picked,
        },
    ));
    frame(&ctx, &mut app);
    frame(&ctx, &mut app);
    let seeds = app.session.doc.flow().node("seeds").unwrap();
    let items = seeds.params["items"].to_value().to_text();
    assert!(items.ends_with("19\n23\n42\na.png\nb.png"), "{items}");
    assert_eq!(seeds.params["item_type"].to_value().to_text(), "path");
    assert_eq!(app.session.derived.fan_out.get(&make), Some(&8));
}

#[test]
fn results_the_cli_stores_while_the_app_is_open_show_when_it_is_focused_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_example(dir.path(), "hello.flow");
    let (ctx, mut app) = open(&path);
    frames_until(&ctx, &mut app, "the store to be read", |app| {
        app.session.catalog.loaded
    });
    assert_eq!(result_text(&app, "greet", "text"), None);
    cli(&["run", "--set", "Name=Grace"], &path);
    let focused = egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1440.0, 900.0),
        )),
        events: vec![egui::Event::WindowFocused(true)],
        ..Default::default()
    };
    let _ = ctx.run(focused, |ctx| app.ui(ctx));
    frames_until(&ctx, &mut app, "the CLI's result on the node", |app| {
        result_text(app, "greet", "text").as_deref() == Some("Hello, Grace!")
    });
}
