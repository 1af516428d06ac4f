//! Helpers shared by the integration tests: flows built in code and test-only node kinds.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[cfg(feature = "gui")]
use eframe::egui;
#[cfg(feature = "gui")]
use flowcanvas::app::FlowcanvasApp;
use flowcanvas::exec::{Engine, Event, RunRequest};
use flowcanvas::model::{DataType, Edge, Flow, Node, ParamValue, PortRef, Value};
use flowcanvas::nodes::{
    Effects, KindInfo, NodeContext, NodeError, NodeKind, Outputs, Params, Placement, PortSpec,
    Registry, Role,
};

/// The repository's example flows folder.
pub fn saves_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("saves")
}

/// An edge from `a.b` to `c.d`.
pub fn edge(from: &str, to: &str) -> Edge {
    Edge::new(PortRef::parse(from).unwrap(), PortRef::parse(to).unwrap())
}

/// A text node outputting its own id.
pub fn text(id: &str) -> Node {
    Node::new(id, "text").with_param("text", id)
}

/// A template node with one input per var, joining them.
pub fn template(id: &str, vars: &[&str]) -> Node {
    let body: String = vars.iter().map(|v| format!("{{{v}}}")).collect();
    let mut node = Node::new(id, "template").with_param("template", body.as_str());
    node.params.insert(
        "vars".into(),
        ParamValue::List(vars.iter().map(|v| (*v).into()).collect()),
    );
    node
}

/// A shell node running `command`.
pub fn shell(id: &str, command: &str) -> Node {
    Node::new(id, "shell").with_param("command", command)
}

/// A flow of these nodes and edges.
pub fn flow(nodes: Vec<Node>, edges: &[(&str, &str)]) -> Flow {
    Flow {
        nodes,
        edges: edges.iter().map(|(a, b)| edge(a, b)).collect(),
        ..Flow::default()
    }
}

/// Reads events until the run finishes (or 30 s pass, which fails the test).
pub fn events_until_finished(engine: &mut Engine) -> Vec<Event> {
    let mut events = Vec::new();
    loop {
        let event = engine
            .recv_timeout(Duration::from_secs(30))
            .expect("the run did not finish within 30 s");
        let done = matches!(event, Event::RunFinished { .. } | Event::RunRejected { .. });
        events.push(event);
        if done {
            return events;
        }
    }
}

/// A node kind that panics when run: on the executor thread (`inline`) or a worker.
pub struct PanicKind {
    info: KindInfo,
}

impl PanicKind {
    pub fn new(id: &'static str, placement: Placement) -> Self {
        Self {
            info: KindInfo {
                id,
                name: "Panics",
                category: "Test",
                description: "Panics when run.",
                role: Role::Step(placement),
                effects: Effects::Pure,
                params: Vec::new(),
                promote: None,
            },
        }
    }
}

impl NodeKind for PanicKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }
    fn inputs(&self, _: &Params<'_>) -> Vec<PortSpec> {
        Vec::new()
    }
    fn outputs(&self, _: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::new("out", DataType::Text)]
    }
    fn run(&self, _: &NodeContext) -> Result<Outputs, NodeError> {
        panic!("boom in a test node");
    }
}

/// The built-in kinds plus the panicking test kinds `panic_inline` and `panic_worker`.
pub fn test_registry() -> Arc<Registry> {
    let mut registry = Registry::builtin();
    registry.register(PanicKind::new("panic_inline", Placement::Inline));
    registry.register(PanicKind::new("panic_worker", Placement::Worker));
    Arc::new(registry)
}

/// Waits (10 s at most) for a process id written to `path` by a shell node.
pub fn read_pid(path: &Path) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(text) = std::fs::read_to_string(path) {
            if let Ok(pid) = text.trim().parse() {
                return pid;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no pid written to {}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Runs a flow written in RON, with the test kinds, relative paths resolved against `dir`;
/// returns its events up to `run_finished`.
pub fn run_ron(text: &str, dir: &Path) -> Vec<Event> {
    let registry = test_registry();
    let flow = flowcanvas::format::parse(text, &registry).unwrap_or_else(|e| panic!("{e:?}"));
    let mut engine = Engine::start(registry).unwrap();
    engine.submit(RunRequest::new(Arc::new(flow), dir));
    events_until_finished(&mut engine)
}

/// What `node` output on `port`, if it finished.
pub fn output(events: &[Event], node: &str, port: &str) -> Option<Value> {
    events.iter().find_map(|e| match e {
        Event::NodeFinished {
            node: n, outputs, ..
        } if n.as_str() == node => outputs.get(port).cloned(),
        _ => None,
    })
}

/// The error `node` failed with (the test fails if it did not).
pub fn failure(events: &[Event], node: &str) -> String {
    events
        .iter()
        .find_map(|e| match e {
            Event::NodeFailed { node: n, error, .. } if n.as_str() == node => Some(error.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{node} did not fail: {events:#?}"))
}

/// Draws one frame of the app headless in a 1440 × 900 window.
#[cfg(feature = "gui")]
pub fn frame(ctx: &egui::Context, app: &mut FlowcanvasApp) {
    let output = ctx.run(window_input(Vec::new()), |ctx| app.ui(ctx));
    let primitives = ctx.tessellate(output.shapes, output.pixels_per_point);
    assert!(!primitives.is_empty(), "a frame drew nothing");
}

/// Draws one frame of the app headless in a 1440 × 900 window, with these input events
/// (pointer moves and presses, keys).
#[cfg(feature = "gui")]
pub fn pointer_frame(ctx: &egui::Context, app: &mut FlowcanvasApp, events: Vec<egui::Event>) {
    let _ = ctx.run(window_input(events), |ctx| app.ui(ctx));
}

/// One frame's input for a 1440 × 900 window: these events and nothing else.
#[cfg(feature = "gui")]
fn window_input(events: Vec<egui::Event>) -> egui::RawInput {
    egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1440.0, 900.0),
        )),
        events,
        ..Default::default()
    }
}

/// The primary button pressed or let go at `pos`.
#[cfg(feature = "gui")]
pub fn button(pos: egui::Pos2, pressed: bool) -> egui::Event {
    egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: egui::Modifiers::NONE,
    }
}

/// Draws frames until the results stored for the app's flow have been read (they load off
/// the UI thread), as a user would wait for them to appear.
#[cfg(feature = "gui")]
pub fn settle(ctx: &egui::Context, app: &mut FlowcanvasApp) {
    let deadline = Instant::now() + Duration::from_secs(20);
    frame(ctx, app);
    while app.loading_stored_results() {
        assert!(Instant::now() < deadline, "stored results never arrived");
        std::thread::sleep(Duration::from_millis(5));
        frame(ctx, app);
    }
    frame(ctx, app);
}

/// Copies an example flow from `saves/` into a fresh folder (examples write files next to
/// themselves); the folder goes when the returned guard is dropped.
pub fn example(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::copy(saves_dir().join(name), &path).unwrap();
    (dir, path)
}

/// The app on `path` (touching no recent-files list), once the flow's stored results are
/// read.
#[cfg(feature = "gui")]
pub fn open_settled(path: PathBuf) -> (egui::Context, FlowcanvasApp) {
    let ctx = egui::Context::default();
    let options = flowcanvas::app::StartOptions {
        file: Some(path),
        no_recent: true,
        ..Default::default()
    };
    let mut app = FlowcanvasApp::new(&ctx, options);
    settle(&ctx, &mut app);
    (ctx, app)
}

/// One frame with these input events (pointer, wheel, keys) in a 1440 × 900 window; returns
/// what egui gave back (the shapes painted, the clipboard text, …).
#[cfg(feature = "gui")]
pub fn frame_with(
    ctx: &egui::Context,
    app: &mut FlowcanvasApp,
    events: Vec<egui::Event>,
) -> egui::FullOutput {
    let input = egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1440.0, 900.0),
        )),
        events,
        ..Default::default()
    };
    ctx.run(input, |ctx| app.ui(ctx))
}

/// Every text a frame painted, each with the rectangle it was painted in.
#[cfg(feature = "gui")]
pub fn painted_texts(output: &egui::FullOutput) -> Vec<(String, egui::Rect)> {
    fn walk(shape: &egui::Shape, out: &mut Vec<(String, egui::Rect)>) {
        match shape {
            egui::Shape::Text(text) => {
                let rect = text.visual_bounding_rect();
                out.push((text.galley.text().to_owned(), rect));
            }
            egui::Shape::Vec(shapes) => shapes.iter().for_each(|s| walk(s, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for clipped in &output.shapes {
        walk(&clipped.shape, &mut out);
    }
    out
}

/// Writes `waits.flow` into `dir`: `count` independent `delay` steps of `ms` each (ids a, b,
/// c, …), for runs whose steps may overlap.
pub fn waits_flow(dir: &Path, count: usize, ms: u32) -> PathBuf {
    let nodes: Vec<String> = (0..count)
        .map(|i| {
            let id = char::from(b'a' + i as u8);
            format!(r#"Node(id: "{id}", kind: "delay", params: {{"ms": {ms}}})"#)
        })
        .collect();
    let path = dir.join("waits.flow");
    std::fs::write(
        &path,
        format!("Flow(version: 1, nodes: [{}])", nodes.join(", ")),
    )
    .unwrap();
    path
}

/// Queues the whole flow through the app's command path, with the run panel's input
/// values, and draws frames until the run has ended (30 s at most).
#[cfg(feature = "gui")]
pub fn run_flow_in_app(ctx: &egui::Context, app: &mut FlowcanvasApp) {
    app.push(flowcanvas::session::commands::AppCommand::Queue {
        scope: flowcanvas::plan::Scope::Flow,
        mode: flowcanvas::plan::RunMode::All,
        inputs: app.run_panel.values.clone(),
        parallel: None,
        fail_fast: None,
        timeout: None,
        checkpoints: Default::default(),
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        frame(ctx, app);
        let view = &app.session.run_view;
        if view.run.is_some() && !view.is_running() {
            break;
        }
        assert!(Instant::now() < deadline, "the run did not finish");
        std::thread::sleep(Duration::from_millis(5));
    }
    frame(ctx, app);
}

/// Draws frames (at most 10 s) until `done`; returns the last frame's output (the test
/// fails naming `what`, and what was painted, if it never comes).
#[cfg(feature = "gui")]
pub fn frames_until(
    ctx: &egui::Context,
    app: &mut FlowcanvasApp,
    what: &str,
    done: impl Fn(&FlowcanvasApp, &egui::FullOutput) -> bool,
) -> egui::FullOutput {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let output = frame_with(ctx, app, Vec::new());
        if done(app, &output) {
            return output;
        }
        if Instant::now() >= deadline {
            let texts: Vec<String> = painted_texts(&output).into_iter().map(|(t, _)| t).collect();
            panic!("never: {what}; painted {texts:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Draws frames until `done` holds (20 s at most; then the test fails naming `what`).
#[cfg(feature = "gui")]
pub fn wait_for(
    ctx: &egui::Context,
    app: &mut FlowcanvasApp,
    what: &str,
    done: impl Fn(&FlowcanvasApp) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        frame(ctx, app);
        if done(app) {
            return;
        }
        assert!(Instant::now() < deadline, "waited in vain for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Where the painted text equal to `label` is (the lowest on screen when there are
/// several); fails the test, listing what is painted, when none is shown.
#[cfg(feature = "gui")]
pub fn find_text(ctx: &egui::Context, app: &mut FlowcanvasApp, label: &str) -> egui::Rect {
    let output = frame_with(ctx, app, Vec::new());
    let texts = painted_texts(&output);
    let lowest = texts
        .iter()
        .filter(|(text, _)| text == label)
        .max_by(|a, b| a.1.top().total_cmp(&b.1.top()));
    match lowest {
        Some((_, rect)) => *rect,
        None => {
            let shown: Vec<&String> = texts.iter().map(|(t, _)| t).collect();
            panic!("no `{label}` on screen: {shown:?}");
        }
    }
}

/// Clicks at `at` (move, press, release) and draws a frame after.
#[cfg(feature = "gui")]
pub fn click_at(ctx: &egui::Context, app: &mut FlowcanvasApp, at: egui::Pos2) {
    pointer_frame(ctx, app, vec![egui::Event::PointerMoved(at)]);
    pointer_frame(ctx, app, vec![button(at, true)]);
    pointer_frame(ctx, app, vec![button(at, false)]);
    frame(ctx, app);
}

/// Clicks the painted text equal to `label` (see [`find_text`]).
#[cfg(feature = "gui")]
pub fn click_text(ctx: &egui::Context, app: &mut FlowcanvasApp, label: &str) {
    let at = find_text(ctx, app, label).center();
    click_at(ctx, app, at);
}
