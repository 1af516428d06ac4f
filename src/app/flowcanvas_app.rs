//! The app shell: owns the engine, the session and the widgets' own state; each frame it
//! drains engine events within a budget, draws the widgets from the session, and applies
//! the commands they emitted (in `commands.rs`).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui;

use super::jobs::{take_answer, Job};
use super::screenshot::ScreenshotJob;
use super::store_sync::StoredResults;
use crate::exec::{Engine, EngineOptions, Event, Waker};
use crate::format;
use crate::model::{Flow, NodeId};
use crate::nodes::Registry;
use crate::plan::Scope;
use crate::session::commands::{AppCommand, DrawerTab};
use crate::session::document::{DocIdentity, Document};
use crate::session::recent::RecentFiles;
use crate::session::run_view::Animation;
use crate::session::Session;
use crate::trust::{FlowEffects, TrustList};
use crate::ui::canvas::{Canvas, CanvasInputs};
use crate::ui::dialogs::ErrorDialog;
use crate::ui::find_bar::FindBar;
use crate::ui::node_data_panel::{NodeDataInputs, NodeDataView};
use crate::ui::results_window::ResultsWindow;
use crate::ui::run_panel::RunPanel;
use crate::ui::theme;
use crate::ui::thumbnails::Thumbnails;
use crate::ui::{app_mode, monitor, top_bar};

/// The flow a first start opens: small, safe, runnable in one click.
pub const WELCOME_FLOW: &str = include_str!("../../assets/welcome.flow");

/// How long one frame may spend applying engine events.
const EVENT_BUDGET: Duration = Duration::from_millis(4);
/// Frame interval while something animates.
const ANIMATION_FRAME: Duration = Duration::from_millis(33);
/// Between frames while running steps only wait (see `Animation::Slow`): a full frame
/// rendered in software costs 40 – 55 ms of CPU, so two frames a second keep a waiting
/// run near a tenth of a core (docs/performance.md).
const WAITING_FRAME: Duration = Duration::from_millis(500);
/// How long a notice stays up.
pub(super) const NOTICE_TIME: Duration = Duration::from_secs(4);

/// What a file dialog was opened for.
pub(super) enum DialogPurpose {
    /// Open the picked flow.
    Open,
    /// Save under the picked name, then carry on with `then`.
    SaveAs { then: Option<AppCommand> },
}

/// The running app.
pub struct FlowcanvasApp {
    /// The executor; `None` when its thread could not start (runs are refused, with a
    /// message, and everything else works).
    pub(super) engine: Option<Engine>,
    /// Wakes the window from other threads.
    pub(super) waker: Waker,
    /// The open flow and everything the app knows about it.
    pub session: Session,
    /// The canvas (the editor graph and its per-frame scratch).
    pub canvas: Canvas,
    /// Textures of image results, shared by every widget that shows images.
    pub(super) textures: Thumbnails,
    /// Order badges of the plan the run panel previews (empty when it is closed).
    pub preview: HashMap<NodeId, usize>,
    pub(super) commands: Vec<AppCommand>,
    pub(super) error: Option<ErrorDialog>,
    /// An action waiting for an answer about unsaved changes.
    pub(super) confirm: Option<AppCommand>,
    pub(super) recent: RecentFiles,
    pub(super) file_dialog: Option<(DialogPurpose, Job<PathBuf>)>,
    /// The Flow Monitor's selected step and fold.
    pub monitor: monitor::MonitorState,
    pub(super) title: String,
    pub(super) allow_close: bool,
    /// Set (from the signal thread) when `SIGTERM`, `SIGHUP` or Ctrl-C asks the app to go.
    pub(super) stop_requested: Arc<AtomicBool>,
    pub(super) screenshot: Option<ScreenshotJob>,
    pub(super) notice: Option<(String, Instant)>,
    /// The run panel (plan preview, inputs form, queue).
    pub run_panel: RunPanel,
    /// The find bar (Ctrl+F).
    pub find: FindBar,
    /// Showing the flow as an app: form, Run, progress and outputs, no graph.
    pub app_mode: bool,
    /// Whether the minimap shows over the canvas (M, or Map in the top bar).
    pub minimap: bool,
    /// The settings folder (recovery copies live in it).
    pub(super) config_dir: Option<PathBuf>,
    /// The document state last copied to the recovery file.
    pub(super) autosaved: Option<DocIdentity>,
    /// When the document last changed (autosave waits a moment after typing stops).
    pub(super) changed_at: Option<(DocIdentity, Instant)>,
    /// Unsaved edits found from an earlier session, waiting for the user's answer.
    pub recovery_offer: Option<Flow>,
    /// The drawer tab showing on the right (Outputs, Runs), if open.
    pub drawer: Option<DrawerTab>,
    /// The results window (a node's history and Compare), if open.
    pub results_window: Option<ResultsWindow>,
    /// The run page, when one is open.
    pub run_page: Option<crate::ui::run_page::RunPage>,
    /// The node data panel's own state (its open flag and node are the session's).
    pub node_data_view: NodeDataView,
    /// What to do once a panel that just opened has taken its room from the canvas.
    pub(super) after_layout: Option<AfterLayout>,
    /// The image shown full size, with its title, if any.
    pub image_viewer: Option<(String, crate::model::ImageData)>,
    /// Unfinished runs whose banner the user dismissed.
    pub(super) dismissed_unfinished: HashSet<String>,
    /// A file picker for a batch node that is open: its choice arrives here.
    pub(super) picked_files: Option<Job<AppCommand>>,
    /// A "Save result" under way: its outcome arrives here.
    pub(super) save_job: Option<Job<Result<PathBuf, String>>>,
    /// The stored results of the open flow, being read (and decoded) off the UI thread.
    pub(super) stored_results: Option<Job<StoredResults>>,
    /// The flows the window went into subflows from, outermost first (empty: the open flow
    /// is the one the window opened).
    pub(super) outer: Vec<super::subflows::OuterFlow>,
    /// The level (see `outer`) each run was asked from: its events go to that level.
    pub(super) run_owners: HashMap<crate::exec::RunId, usize>,
    /// When the store catalog was last asked to read the store again.
    pub(super) catalog_read_at: Option<Instant>,
    /// Results changed since that read (the catalog is behind).
    pub(super) catalog_behind: bool,
    /// The trusted folders, from the settings folder; `None` without a settings folder
    /// (tests, `--screenshot`): nothing to remember trust in, so every flow runs freely.
    pub(super) trust: Option<TrustList>,
    /// What the open flow would do outside itself, for the restricted-mode banner: the
    /// document state and folder it was worked out for.
    pub(super) trust_effects: Option<(DocIdentity, PathBuf, Arc<FlowEffects>)>,
}

/// A view change that waits a frame, until a panel that just opened has shrunk the canvas.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum AfterLayout {
    /// Centre the canvas on this node (the results panel talks about it).
    Focus(NodeId),
    /// Centre the canvas on this node if it is not wholly in view (the node data panel
    /// shows it).
    KeepInView(NodeId),
    /// Fit the flow if its nodes are no longer all in view beside the run panel.
    KeepPlanInView,
    /// Fit the flow if none of its nodes is in view: a flow just opened at a saved view
    /// that shows nothing of it (or with no view at all).
    ShowSomeNodes,
}

/// How the app was started.
#[derive(Clone, Debug, Default)]
pub struct StartOptions {
    /// The flow to open; `None` reopens the last one, or the welcome flow.
    pub file: Option<PathBuf>,
    /// Take a screenshot into this PNG, then exit.
    pub screenshot: Option<PathBuf>,
    /// Run the whole flow first (with `screenshot`: shoot when it ends).
    pub run: bool,
    /// Do not read or write the recent-files list (tests).
    pub no_recent: bool,
    /// Start in app mode (the form and outputs, no graph).
    pub app_mode: bool,
    /// The settings folder (recent files, recovery copies); `None` uses the usual place
    /// (with `no_recent`: none at all).
    pub config_dir: Option<PathBuf>,
}

impl FlowcanvasApp {
    /// The app, drawing into `ctx`. Engine events and finished background jobs wake the
    /// context.
    pub fn new(ctx: &egui::Context, options: StartOptions) -> Self {
        let registry = Arc::new(Registry::builtin());
        let waker_ctx = ctx.clone();
        let waker: Waker = Arc::new(move || waker_ctx.request_repaint());
        let mut engine_options = EngineOptions::new(registry.clone());
        engine_options.waker = Some(waker.clone());
        let (engine, engine_error) = match Engine::with_options(engine_options) {
            Ok(engine) => (Some(engine), None),
            Err(err) => (None, Some(no_executor(&err))),
        };
        let recent = if options.no_recent {
            RecentFiles::default()
        } else if let Some(dir) = &options.config_dir {
            RecentFiles::load(&dir.join("recent.txt"))
        } else {
            RecentFiles::load_default()
        };
        let start_file = options
            .file
            .clone()
            .or_else(|| recent.last().map(Path::to_path_buf));
        let (doc, open_error) = first_document(&registry, start_file);
        let error = open_error.or(engine_error);
        let mut session = Session::new(registry.clone(), doc);
        session.catalog.set_waker(waker.clone());
        let mut app = Self {
            canvas: Canvas::new(registry),
            session,
            engine,
            waker,
            textures: Thumbnails::default(),
            preview: HashMap::new(),
            commands: Vec::new(),
            error,
            confirm: None,
            recent,
            file_dialog: None,
            monitor: Default::default(),
            title: String::new(),
            allow_close: false,
            stop_requested: Arc::new(AtomicBool::new(false)),
            screenshot: options
                .screenshot
                .map(|path| ScreenshotJob::new(path, options.run)),
            notice: None,
            run_panel: RunPanel::default(),
            find: FindBar::default(),
            app_mode: options.app_mode,
            minimap: true,
            // Tests and screenshots (`no_recent`) touch no settings unless given a folder.
            config_dir: if options.no_recent {
                options.config_dir.clone()
            } else {
                options
                    .config_dir
                    .clone()
                    .or_else(crate::session::recent::config_dir)
            },
            autosaved: None,
            changed_at: None,
            recovery_offer: None,
            drawer: None,
            results_window: None,
            run_page: None,
            node_data_view: NodeDataView::default(),
            image_viewer: None,
            after_layout: Some(AfterLayout::ShowSomeNodes),
            dismissed_unfinished: HashSet::new(),
            save_job: None,
            picked_files: None,
            stored_results: None,
            outer: Vec::new(),
            run_owners: HashMap::new(),
            catalog_read_at: None,
            catalog_behind: false,
            trust: None,
            trust_effects: None,
        };
        app.update_restriction();
        app.recovery_offer = app.recovery_file().and_then(|file| {
            let path = app.session.doc.path();
            crate::session::recovery::read(&file, path, &app.session.registry)
                .filter(|flow| flow != app.session.doc.flow())
        });
        if let Some(path) = app.session.doc.path().map(Path::to_path_buf) {
            app.recent.touch(&path);
        }
        app.load_stored_results();
        if options.run {
            app.push(AppCommand::Queue {
                scope: Scope::Flow,
                mode: crate::plan::RunMode::All,
                inputs: Default::default(),
                parallel: None,
                fail_fast: None,
                timeout: None,
                checkpoints: Default::default(),
            });
        }
        app
    }

    /// Queues a command, exactly as a button press would.
    pub fn push(&mut self, command: AppCommand) {
        self.commands.push(command);
    }

    /// The error dialog being shown, if any.
    pub fn error_dialog(&self) -> Option<&ErrorDialog> {
        self.error.as_ref()
    }

    /// Whether the open flow runs restricted (its folder is not trusted).
    pub fn is_restricted(&self) -> bool {
        self.session.doc.is_restricted()
    }

    /// The title the window shows.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The flag a stop signal sets (from any thread; wake the context after setting it):
    /// the next frame keeps unsaved edits as a recovery copy and closes the window, which
    /// stops the active run (see `on_exit`).
    pub fn stop_requested(&self) -> Arc<AtomicBool> {
        self.stop_requested.clone()
    }

    /// Draws one frame and handles everything that happened since the last.
    pub fn ui(&mut self, ctx: &egui::Context) {
        if self.stop_requested.swap(false, Ordering::SeqCst) {
            self.quit_keeping_edits();
        }
        let now = Instant::now();
        let events_left_over = self.apply_engine_events(now);
        // Stale set, fan-out and titles, worked out again only when the document or the
        // results changed; every widget below reads them.
        self.session.update_derived();
        // Coming back to the window (from a terminal running the CLI, say): read the store
        // again, in case results were stored meanwhile.
        if ctx.input(|i| {
            i.events
                .iter()
                .any(|e| matches!(e, egui::Event::WindowFocused(true)))
        }) {
            self.catalog_behind = true;
            // A flow a node runs may have been edited meanwhile.
            self.session.doc.relink();
        }
        self.update_catalog(now);
        self.poll_jobs(now);
        self.shortcuts(ctx);
        self.dropped_files(ctx);

        let bar = top_bar::TopBarState {
            recent: &self.recent.paths,
            running: self.session.run_view.is_running(),
            can_undo: self.session.doc.can_undo(),
            can_redo: self.session.doc.can_redo(),
            has_selection: !self.session.selection.is_empty(),
            app_mode: self.app_mode,
            minimap: self.minimap,
            drawer: self.drawer,
        };
        let commands = top_bar::show(ctx, &bar);
        self.commands.extend(commands);
        if let Some(command) = super::subflows::breadcrumb_bar(ctx, &self.breadcrumb()) {
            self.commands.push(command);
        }
        if !self.app_mode {
            let commands = self.find.show(ctx, self.session.doc.flow());
            self.commands.extend(commands);
        }
        if !self.app_mode {
            // The node data panel and the run panel share the right-hand side, one at a time
            // (opening one closes the other), drawn before the banners so each runs the full
            // height under the top bar.
            self.node_data_panel(ctx);
            let session = &self.session;
            let commands = self.run_panel.show(
                ctx,
                &session.doc,
                &session.registry,
                &session.run_view,
                &session.derived,
            );
            self.commands.extend(commands);
        }
        self.side_panels(ctx);
        if self.app_mode {
            self.app_mode_panel(ctx);
        } else {
            self.canvas_and_panels(ctx, now);
        }
        if let Some(problem) = self.session.run_view.store_problems.pop() {
            self.session.run_view.store_problems.clear();
            self.notice(&format!("Result store: {problem}"));
        }
        self.show_notice(ctx, now);
        self.dialogs(ctx);
        self.close_request(ctx);

        self.keep_in_view();
        for command in std::mem::take(&mut self.commands) {
            self.apply(ctx, command);
        }
        self.update_title(ctx);
        self.autosave_when_idle(ctx, now);
        if let Some(job) = &mut self.screenshot {
            job.frame(ctx, &self.session.run_view);
        }
        match self.session.run_view.animation(now) {
            _ if events_left_over || self.screenshot.is_some() => {
                ctx.request_repaint_after(ANIMATION_FRAME);
            }
            Animation::Smooth => ctx.request_repaint_after(ANIMATION_FRAME),
            Animation::Slow => ctx.request_repaint_after(WAITING_FRAME),
            Animation::Still => {}
        }
        if self
            .notice
            .as_ref()
            .is_some_and(|(_, at)| now.duration_since(*at) < NOTICE_TIME)
        {
            ctx.request_repaint_after(Duration::from_millis(250));
        }
    }

    /// Applies the engine's events to the run view, within the frame's budget; returns
    /// whether some were left for the next frame.
    fn apply_engine_events(&mut self, now: Instant) -> bool {
        let Some(engine) = &mut self.engine else {
            return false;
        };
        let started = Instant::now();
        let events = engine.drain(EVENT_BUDGET);
        for event in events {
            self.route_event(&event, now);
            self.catalog_behind |= matches!(
                event,
                Event::NodeFinished { .. }
                    | Event::NodeFailed { .. }
                    | Event::RunStarted { .. }
                    | Event::RunFinished { .. }
                    | Event::ActiveResultChanged { .. }
            );
        }
        started.elapsed() >= EVENT_BUDGET
    }

    /// Picks up the answers of background jobs that have finished.
    fn poll_jobs(&mut self, now: Instant) {
        if let Some(command) = take_answer(&mut self.picked_files) {
            self.commands.push(command);
        }
        match take_answer(&mut self.save_job) {
            Some(Ok(path)) => self.notice = Some((format!("Saved {}", path.display()), now)),
            Some(Err(problem)) => self.notice = Some((problem, now)),
            None => {}
        }
        self.poll_file_dialog();
        self.poll_stored_results();
    }

    /// The node data panel, when open: it follows the selection (one selected node).
    fn node_data_panel(&mut self, ctx: &egui::Context) {
        let session = &mut self.session;
        session.node_data.follow_selection(&session.selection);
        if !session.node_data.open {
            return;
        }
        let ports = session.node_data.ports(&session.doc, &session.registry);
        let node = session.node_data.node.clone();
        let inputs = NodeDataInputs {
            node: node.as_ref(),
            ports,
            run_view: &session.run_view,
            labels: &session.derived.labels,
            stale: node
                .as_ref()
                .is_some_and(|n| session.derived.stale.contains(n)),
        };
        let (commands, open) = self.node_data_view.show(ctx, &inputs, &mut self.textures);
        self.commands.extend(commands);
        if !open {
            self.session.node_data.close();
        }
    }

    /// App mode: the form, Run, progress and outputs, no graph.
    fn app_mode_panel(&mut self, ctx: &egui::Context) {
        let frame = egui::Frame::central_panel(&ctx.style()).inner_margin(24.0);
        egui::CentralPanel::default().frame(frame).show(ctx, |ui| {
            let commands = app_mode::show(
                ui,
                &self.session.doc,
                &self.session.registry,
                &self.session.run_view,
                &mut self.run_panel,
                &mut self.textures,
            );
            self.commands.extend(commands);
        });
    }

    /// The monitor (bottom) and the canvas, which takes the room the panels leave (the run
    /// panel is drawn earlier, before the banners).
    fn canvas_and_panels(&mut self, ctx: &egui::Context, now: Instant) {
        let session = &mut self.session;
        let awaiting = session.awaiting();
        // The nodes read it from the run view: a run parked by another process too.
        session.run_view.awaiting_node = awaiting.as_ref().map(|a| a.node.clone());
        let commands = monitor::show(
            ctx,
            &monitor::MonitorInput {
                run_view: &session.run_view,
                flow: session.doc.flow(),
                names: &session.derived.labels,
                runs: &session.catalog.runs,
                awaiting: awaiting.as_ref(),
            },
            &mut self.monitor,
            now,
        );
        self.commands.extend(commands);
        // While the panel is open (and until a run is queued from it), the canvas previews
        // the plan's order badges; after that it shows how the run went.
        self.preview = if self.run_panel.shows_plan() {
            match self
                .run_panel
                .preview(&session.doc, &session.registry, &session.run_view)
            {
                Ok(plan) => plan
                    .steps
                    .iter()
                    .map(|s| (s.node.clone(), s.order))
                    .collect(),
                Err(_) => HashMap::new(),
            }
        } else {
            HashMap::new()
        };
        egui::CentralPanel::default()
            .frame(egui::Frame::none().fill(ctx.style().visuals.extreme_bg_color))
            .show(ctx, |ui| {
                let mut inputs = CanvasInputs::of(session, &mut self.textures, &mut self.preview);
                inputs.minimap = self.minimap;
                let commands = self.canvas.show(ui, inputs);
                self.commands.extend(commands);
            });
    }

    /// Applies the view change a panel opened in the last frame asked for, now that the
    /// canvas has its new size.
    fn keep_in_view(&mut self) {
        match self.after_layout.take() {
            Some(AfterLayout::Focus(id)) => self.commands.insert(0, AppCommand::Focus(id)),
            Some(AfterLayout::KeepInView(id)) => {
                // A margin, so the node's ports are not on the canvas's very edge.
                let canvas = self.canvas.rect.shrink(16.0);
                let rect = self.canvas.state.node_rects.get(&id);
                if rect.is_some_and(|rect| !canvas.contains_rect(*rect)) {
                    self.commands.insert(0, AppCommand::Focus(id));
                }
            }
            Some(AfterLayout::ShowSomeNodes) => {
                let canvas = self.canvas.rect;
                let rects = &self.canvas.state.node_rects;
                if !rects.is_empty() && !rects.values().any(|rect| canvas.intersects(*rect)) {
                    self.commands.insert(0, AppCommand::ZoomToFit);
                }
            }
            Some(AfterLayout::KeepPlanInView) => {
                let canvas = self.canvas.rect;
                // Every node, not only the planned steps: the viewers and outputs show
                // what the run makes.
                let hidden = (self.canvas.state.node_rects.values())
                    .any(|rect| !canvas.contains_rect(*rect));
                if hidden {
                    self.commands.insert(0, AppCommand::ZoomToFit);
                }
            }
            None => {}
        }
    }

    /// Shows a short message at the top of the window for a few seconds.
    pub(super) fn notice(&mut self, text: &str) {
        self.notice = Some((text.to_owned(), Instant::now()));
    }

    fn show_notice(&mut self, ctx: &egui::Context, now: Instant) {
        let Some((text, at)) = &self.notice else {
            return;
        };
        if now.duration_since(*at) > NOTICE_TIME {
            self.notice = None;
            return;
        }
        egui::Area::new(egui::Id::new("notice"))
            .anchor(egui::Align2::CENTER_TOP, [0.0, 40.0])
            .show(ctx, |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    ui.label(egui::RichText::new(text).color(theme::NOTICE));
                });
            });
    }

    fn update_title(&mut self, ctx: &egui::Context) {
        let doc = &self.session.doc;
        let marker = if doc.is_dirty() { " •" } else { "" };
        let title = format!("{}{marker} — Flowcanvas", doc.display_name());
        if title != self.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title = title;
        }
    }
}

/// The document the app starts on: `file`, or the welcome flow (with the reason when `file`
/// could not be opened).
fn first_document(
    registry: &Arc<Registry>,
    file: Option<PathBuf>,
) -> (Document, Option<ErrorDialog>) {
    let Some(path) = file else {
        return (welcome(registry), None);
    };
    match format::load(&path, registry) {
        Ok(flow) => (Document::new(flow, Some(path), registry.clone()), None),
        Err(err) => {
            let error = ErrorDialog {
                title: format!("Could not open {}", path.display()),
                lines: err.lines(),
            };
            (welcome(registry), Some(error))
        }
    }
}

/// What the app says when the executor's thread could not start.
fn no_executor(err: &std::io::Error) -> ErrorDialog {
    ErrorDialog {
        title: "Flows cannot run in this window".to_owned(),
        lines: vec![
            format!("The executor's thread could not start: {err}."),
            "Flows can still be opened, edited and saved; restart the app to run them.".to_owned(),
        ],
    }
}

/// The welcome flow, as a new untitled document.
pub(super) fn welcome(registry: &Arc<Registry>) -> Document {
    let flow = format::parse(WELCOME_FLOW, registry).unwrap_or_default();
    Document::new(flow, None, registry.clone())
}

impl eframe::App for FlowcanvasApp {
    fn update(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.ui(ctx);
    }

    /// The window closed: an active run is stopped (its processes killed, its record
    /// cancelled) before the app goes, rather than whenever the app happens to be dropped.
    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        if let Some(engine) = &mut self.engine {
            engine.shut_down();
        }
    }
}
