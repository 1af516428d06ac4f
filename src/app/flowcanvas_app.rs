//! The desktop app: owns the engine, the document and the canvas; drains engine events each
//! frame within a budget; applies commands from every widget in one place.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use eframe::egui::{self, Key, KeyboardShortcut, Modifiers};

use super::commands::{AppCommand, DrawerTab, SaveContent};
use super::document::Document;
use super::recent::RecentFiles;
use super::screenshot::ScreenshotJob;
use crate::check::apply_inputs;
use crate::exec::{continue_run, Engine, EngineOptions, Event, RunRequest};
use crate::format;
use crate::model::{Flow, NodeId};
use crate::nodes::Registry;
use crate::plan::Scope;
use crate::trust::{FlowEffects, TrustList};
use crate::ui::canvas::Canvas;
use crate::ui::dialogs::{self, ErrorDialog, UnsavedChoice};
use crate::ui::results_window::ResultsWindow;
use crate::ui::run_panel::RunPanel;
use crate::ui::{app_mode, drawer, monitor, top_bar, trust_banner};

/// The flow a first start opens: small, safe, runnable in one click.
pub const WELCOME_FLOW: &str = include_str!("../../assets/welcome.flow");

/// How long one frame may spend applying engine events.
const EVENT_BUDGET: Duration = Duration::from_millis(4);
/// Frame interval while something animates.
const ANIMATION_FRAME: Duration = Duration::from_millis(33);

/// What a file dialog was opened for.
enum DialogPurpose {
    Open,
    SaveAs { then: Option<AppCommand> },
}

/// The running app.
pub struct FlowcanvasApp {
    registry: Arc<Registry>,
    engine: Engine,
    /// The open document.
    pub doc: Document,
    /// The canvas (and the run view inside it).
    pub canvas: Canvas,
    commands: Vec<AppCommand>,
    error: Option<ErrorDialog>,
    /// An action waiting for an answer about unsaved changes.
    confirm: Option<AppCommand>,
    recent: RecentFiles,
    file_dialog: Option<(DialogPurpose, Receiver<Option<PathBuf>>)>,
    monitor_selected: Option<NodeId>,
    clipboard: Option<Flow>,
    title: String,
    allow_close: bool,
    /// Set (from the signal thread) when `SIGTERM`, `SIGHUP` or Ctrl-C asks the app to go.
    stop_requested: Arc<AtomicBool>,
    screenshot: Option<ScreenshotJob>,
    notice: Option<(String, Instant)>,
    /// The run panel (plan preview, inputs form, queue).
    pub run_panel: RunPanel,
    /// Showing the flow as an app: form, Run, progress and outputs, no graph.
    pub app_mode: bool,
    /// What the stale set was last computed for (document revision, results version).
    stale_key: Option<(u64, u64)>,
    /// The settings folder (recovery copies live in it).
    config_dir: Option<PathBuf>,
    /// The document revision last copied to the recovery file.
    autosaved_revision: Option<u64>,
    /// When the document last changed (autosave waits a moment after typing stops).
    changed_at: Option<(u64, Instant)>,
    /// Unsaved edits found from an earlier session, waiting for the user's answer.
    pub recovery_offer: Option<Flow>,
    /// The drawer tab showing on the right (Outputs, Runs), if open.
    pub drawer: Option<DrawerTab>,
    /// The results window (a node's history and Compare), if open.
    pub results_window: Option<ResultsWindow>,
    /// The image shown full size, with its title, if any.
    pub image_viewer: Option<(String, crate::model::ImageData)>,
    /// Unfinished runs whose banner the user dismissed.
    dismissed_unfinished: HashSet<String>,
    /// A file picker for a batch node that is open: its choice arrives here.
    picked_files: Option<Receiver<AppCommand>>,
    /// A "Save result" under way: its outcome arrives here.
    save_job: Option<Receiver<Result<PathBuf, String>>>,
    /// When the store catalog was last asked to read the store again.
    catalog_read_at: Option<Instant>,
    /// Results changed since that read (the catalog is behind).
    catalog_behind: bool,
    /// The trusted folders, from the settings folder; `None` without a settings folder
    /// (tests, `--screenshot`): nothing to remember trust in, so every flow runs freely.
    trust: Option<TrustList>,
    /// What the open flow would do outside itself, for the restricted-mode banner: the
    /// document revision and folder it was worked out for.
    trust_effects: Option<(u64, PathBuf, Arc<FlowEffects>)>,
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
    /// The app, drawing into `ctx`. Engine events wake the context.
    pub fn new(ctx: &egui::Context, options: StartOptions) -> Self {
        let registry = Arc::new(Registry::builtin());
        let mut engine_options = EngineOptions::new(registry.clone());
        let waker_ctx = ctx.clone();
        engine_options.waker = Some(Arc::new(move || waker_ctx.request_repaint()));
        let engine = match Engine::with_options(engine_options) {
            Ok(engine) => engine,
            // Without a thread for the executor nothing can run; say so and give up.
            Err(err) => panic!("could not start the executor thread: {err}"),
        };
        let recent = if options.no_recent {
            RecentFiles::default()
        } else if let Some(dir) = &options.config_dir {
            RecentFiles::load(&dir.join("recent.txt"))
        } else {
            RecentFiles::load_default()
        };
        let mut error = None;
        let doc = match options
            .file
            .clone()
            .or_else(|| recent.last().map(Path::to_path_buf))
        {
            Some(path) => match format::load(&path, &registry) {
                Ok(flow) => Document::new(flow, Some(path)),
                Err(err) => {
                    error = Some(ErrorDialog {
                        title: format!("Could not open {}", path.display()),
                        lines: err.lines(),
                    });
                    welcome(&registry)
                }
            },
            None => welcome(&registry),
        };
        let mut app = Self {
            canvas: Canvas::new(registry.clone()),
            registry,
            engine,
            doc,
            commands: Vec::new(),
            error,
            confirm: None,
            recent,
            file_dialog: None,
            monitor_selected: None,
            clipboard: None,
            title: String::new(),
            allow_close: false,
            stop_requested: Arc::new(AtomicBool::new(false)),
            screenshot: options
                .screenshot
                .map(|path| ScreenshotJob::new(path, options.run)),
            notice: None,
            run_panel: RunPanel::default(),
            app_mode: options.app_mode,
            stale_key: None,
            // Tests and screenshots (`no_recent`) touch no settings unless given a folder.
            config_dir: if options.no_recent {
                options.config_dir.clone()
            } else {
                options
                    .config_dir
                    .clone()
                    .or_else(super::recent::config_dir)
            },
            autosaved_revision: None,
            changed_at: None,
            recovery_offer: None,
            drawer: None,
            results_window: None,
            image_viewer: None,
            dismissed_unfinished: HashSet::new(),
            save_job: None,
            picked_files: None,
            catalog_read_at: None,
            catalog_behind: false,
            trust: None,
            trust_effects: None,
        };
        app.update_restriction();
        let catalog_ctx = ctx.clone();
        app.canvas
            .state
            .catalog
            .set_waker(Arc::new(move || catalog_ctx.request_repaint()));
        app.recovery_offer = app.recovery_file().and_then(|file| {
            super::recovery::read(&file, &app.registry).filter(|flow| flow != app.doc.flow())
        });
        if let Some(path) = app.doc.path().map(Path::to_path_buf) {
            app.recent.touch(&path);
        }
        app.load_stored_results();
        if options.run {
            app.push(AppCommand::Queue {
                scope: Scope::Flow,
                mode: crate::plan::RunMode::All,
                inputs: Default::default(),
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

    /// Draws one frame and handles everything that happened since the last.
    #[allow(
        clippy::too_many_lines,
        reason = "one frame's steps in order; split in the app rework (issue 11)"
    )]
    pub fn ui(&mut self, ctx: &egui::Context) {
        if self.stop_requested.swap(false, Ordering::SeqCst) {
            self.quit_keeping_edits();
        }
        let now = Instant::now();
        let started = Instant::now();
        for event in self.engine.drain(EVENT_BUDGET) {
            self.canvas.state.run_view.apply(&event, now);
            self.catalog_behind |= matches!(
                event,
                Event::NodeFinished { .. }
                    | Event::NodeFailed { .. }
                    | Event::RunStarted { .. }
                    | Event::RunFinished { .. }
                    | Event::ActiveResultChanged { .. }
            );
        }
        // Coming back to the window (from a terminal running the CLI, say): read the store
        // again, in case results were stored meanwhile.
        if ctx.input(|i| {
            i.events
                .iter()
                .any(|e| matches!(e, egui::Event::WindowFocused(true)))
        }) {
            self.catalog_behind = true;
        }
        self.update_catalog(now);
        self.poll_save_job(now);
        if let Some(rx) = &self.picked_files {
            match rx.try_recv() {
                Ok(command) => {
                    self.commands.push(command);
                    self.picked_files = None;
                }
                Err(crossbeam_channel::TryRecvError::Disconnected) => self.picked_files = None,
                Err(crossbeam_channel::TryRecvError::Empty) => {}
            }
        }
        let events_left_over = started.elapsed() >= EVENT_BUDGET;
        self.poll_file_dialog();
        self.shortcuts(ctx);
        self.dropped_files(ctx);

        let bar = top_bar::TopBarState {
            recent: &self.recent.paths,
            running: self.canvas.state.run_view.is_running(),
            can_undo: self.doc.can_undo(),
            can_redo: self.doc.can_redo(),
            has_selection: !self.canvas.selected.is_empty(),
            app_mode: self.app_mode,
            drawer: self.drawer,
        };
        let commands = top_bar::show(ctx, &bar);
        self.commands.extend(commands);
        self.side_panels(ctx);
        if self.app_mode {
            let frame = egui::Frame::central_panel(&ctx.style()).inner_margin(24.0);
            egui::CentralPanel::default().frame(frame).show(ctx, |ui| {
                let commands = app_mode::show(
                    ui,
                    &self.doc,
                    &self.registry,
                    &self.canvas.state.run_view,
                    &mut self.run_panel,
                    &mut self.canvas.state.thumbnails.borrow_mut(),
                );
                self.commands.extend(commands);
            });
        } else {
            let commands = monitor::show(
                ctx,
                &self.canvas.state.run_view,
                self.doc.flow(),
                &mut self.monitor_selected,
                now,
            );
            self.commands.extend(commands);
            let commands =
                self.run_panel
                    .show(ctx, &self.doc, &self.registry, &self.canvas.state.run_view);
            self.commands.extend(commands);
            let key = (
                self.doc.revision(),
                self.canvas.state.run_view.results_version,
            );
            if self.stale_key != Some(key) {
                self.stale_key = Some(key);
                self.canvas.state.stale = self
                    .canvas
                    .state
                    .run_view
                    .stale(self.doc.flow(), &self.registry);
                let run_view = &self.canvas.state.run_view;
                let known =
                    |id: &NodeId| crate::exec::batch_len(run_view.node(id)?.result.as_ref()?);
                self.canvas.state.fan_out =
                    crate::plan::fan_out(self.doc.flow(), &self.registry, &known);
            }
            // While the panel is open, the canvas previews the plan's order badges.
            self.canvas.state.preview = if self.run_panel.open {
                match self
                    .run_panel
                    .preview(&self.doc, &self.registry, &self.canvas.state.run_view)
                {
                    Ok(plan) => plan
                        .steps
                        .iter()
                        .map(|s| (s.node.clone(), s.order))
                        .collect(),
                    Err(_) => Default::default(),
                }
            } else {
                Default::default()
            };
            egui::CentralPanel::default()
                .frame(egui::Frame::none().fill(ctx.style().visuals.extreme_bg_color))
                .show(ctx, |ui| {
                    let commands = self.canvas.show(ui, &mut self.doc);
                    self.commands.extend(commands);
                });
        }
        if let Some(notice) = self.canvas.notice.take() {
            self.notice = Some((notice, now));
        }
        if let Some(problem) = self.canvas.state.run_view.store_problems.pop() {
            self.canvas.state.run_view.store_problems.clear();
            self.notice = Some((format!("Result store: {problem}"), now));
        }
        self.show_notice(ctx, now);
        self.dialogs(ctx);
        self.close_request(ctx);

        for command in std::mem::take(&mut self.commands) {
            self.apply(ctx, command);
        }
        self.update_title(ctx);
        self.autosave_when_idle(ctx, now);
        if let Some(job) = &mut self.screenshot {
            job.frame(ctx, &self.canvas.state.run_view);
        }
        if events_left_over
            || self.canvas.state.run_view.is_animating(now)
            || self.screenshot.is_some()
        {
            ctx.request_repaint_after(ANIMATION_FRAME);
        }
        if self
            .notice
            .as_ref()
            .is_some_and(|(_, at)| now.duration_since(*at) < NOTICE_TIME)
        {
            ctx.request_repaint_after(Duration::from_millis(250));
        }
    }

    #[allow(
        clippy::too_many_lines,
        reason = "one arm per app command; split in the app rework (issue 11)"
    )]
    fn apply(&mut self, ctx: &egui::Context, command: AppCommand) {
        match command {
            AppCommand::Run(scope) => {
                let request =
                    RunRequest::new(Arc::new(self.doc.flow().clone()), self.doc.base_dir())
                        .scope(scope)
                        .store(self.store());
                self.submit(request);
            }
            AppCommand::OpenRunPanel(scope) => self.run_panel.open_for(scope),
            AppCommand::Queue {
                scope,
                mode,
                inputs,
            } => {
                // The queued run is a snapshot: later edits and input changes do not touch it.
                match apply_inputs(self.doc.flow(), &self.registry, &inputs) {
                    Ok(flow) => {
                        let mut request = RunRequest::new(Arc::new(flow), self.doc.base_dir())
                            .scope(scope)
                            .mode(mode)
                            .store(self.store());
                        request.inputs = inputs;
                        self.submit(request);
                    }
                    Err(err) => self.notice = Some((format!("Cannot run: {err}"), Instant::now())),
                }
            }
            AppCommand::QueueCancel(run) => self.engine.handle().cancel(run),
            AppCommand::QueueMove(run, how) => self.engine.handle().move_run(run, how),
            AppCommand::QueuePause(paused) => self.engine.handle().set_paused(paused),
            AppCommand::QueueClearFinished => self.engine.handle().clear_finished(),
            AppCommand::ToggleAppMode => self.app_mode = !self.app_mode,
            AppCommand::Stop => self.engine.stop(),
            AppCommand::New | AppCommand::Open(_) | AppCommand::Quit
                if self.doc.is_dirty() && self.confirm.is_none() =>
            {
                self.confirm = Some(command);
            }
            AppCommand::New => {
                self.replace_document(Document::new(Flow::default(), None));
            }
            AppCommand::Open(None) => self.start_file_dialog(ctx, DialogPurpose::Open),
            AppCommand::Open(Some(path)) => self.open(&path),
            AppCommand::Save => match self.doc.path().map(Path::to_path_buf) {
                Some(path) => self.save(&path),
                None => self.start_file_dialog(ctx, DialogPurpose::SaveAs { then: None }),
            },
            AppCommand::SaveAs => self.start_file_dialog(ctx, DialogPurpose::SaveAs { then: None }),
            AppCommand::Undo => {
                self.doc.undo();
            }
            AppCommand::Redo => {
                self.doc.redo();
            }
            AppCommand::Copy => {
                let clip = self.doc.copy_nodes(&self.canvas.selected);
                if !clip.nodes.is_empty() {
                    ctx.copy_text(format::to_text(&clip));
                    self.clipboard = Some(clip);
                }
            }
            AppCommand::Paste => {
                if let Some(clip) = self.clipboard.clone() {
                    self.canvas.selected = self.doc.paste(&clip, (40.0, 40.0));
                }
            }
            AppCommand::Duplicate => {
                let clip = self.doc.copy_nodes(&self.canvas.selected);
                self.canvas.selected = self.doc.paste(&clip, (40.0, 40.0));
            }
            AppCommand::Delete => {
                let selected = std::mem::take(&mut self.canvas.selected);
                for id in &selected {
                    self.canvas.state.run_view.forget(id);
                }
                self.doc.remove_nodes(&selected);
            }
            AppCommand::ZoomToFit => self.canvas.zoom_to_fit(&mut self.doc),
            AppCommand::Focus(id) => {
                self.monitor_selected = Some(id.clone());
                self.canvas.focus(&mut self.doc, &id);
            }
            AppCommand::Quit => {
                self.allow_close = true;
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            AppCommand::SetActiveResult { node, index } => match self.store() {
                Some(store) => self.engine.handle().set_active(store, node, index),
                None => self.notice("Save the flow first: results are kept beside the file"),
            },
            AppCommand::ShowImage { title, image } => self.image_viewer = Some((title, image)),
            AppCommand::ShowResults(node) => {
                self.results_window = Some(ResultsWindow::new(node, &self.canvas.state.catalog));
            }
            AppCommand::ToggleDrawer(tab) => {
                self.drawer = if self.drawer == Some(tab) {
                    None
                } else {
                    Some(tab)
                };
            }
            AppCommand::ContinueRun { run, how } => self.continue_run(&run, how),
            AppCommand::CopyText(text) => {
                ctx.copy_text(text);
                self.notice("Copied");
            }
            AppCommand::SaveResult { name, content } => self.save_result(ctx, name, content),
            AppCommand::OpenFolder(folder) => {
                if let Err(problem) = super::result_actions::open_folder(&folder) {
                    self.notice(&problem);
                }
            }
            AppCommand::RetryItems { node, items } => {
                let mut request =
                    RunRequest::new(Arc::new(self.doc.flow().clone()), self.doc.base_dir())
                        .scope(Scope::Node(node))
                        .store(self.store());
                request.items = items;
                self.submit(request);
            }
            AppCommand::AddFiles(node) => self.pick_files_for(ctx, node),
            AppCommand::AddFilesTo(node, files) => self.doc.add_batch_files(&node, &files),
            AppCommand::DismissInterrupted(run) => {
                self.dismissed_unfinished.insert(run);
            }
            AppCommand::TrustFolder => self.trust_folder(),
        }
    }

    /// Submits a run of the open document: restricted when its folder is not trusted, or
    /// when it continues a restricted run (a Resume or Retry never lifts a restriction).
    fn submit(&mut self, request: RunRequest) {
        let restricted = request.restricted || self.doc.is_restricted();
        self.engine.submit(request.restricted(restricted));
    }

    /// Restricts the open document when its file lies in a folder nobody trusted. New
    /// flows, the welcome flow and recovered untitled edits are the user's own: never
    /// restricted.
    fn update_restriction(&mut self) {
        // Read again: `flowcanvas trust` or another window may have added folders.
        if let Some(dir) = &self.config_dir {
            self.trust = Some(TrustList::load(dir));
        }
        let restricted = match (&self.trust, self.doc.path()) {
            (Some(list), Some(path)) => !list.is_flow_trusted(path),
            _ => false,
        };
        self.doc.set_restricted(restricted);
        self.trust_effects = None;
    }

    /// Trusts the open flow's folder (the banner's button) and lifts the restriction.
    fn trust_folder(&mut self) {
        let folder = self.doc.base_dir();
        if let Some(list) = &mut self.trust {
            match list.add(&folder) {
                Ok(folder) => self.notice(&format!("Trusted {}", folder.display())),
                Err(err) => {
                    self.notice(&format!("Could not trust {}: {err}", folder.display()));
                    return;
                }
            }
        }
        self.update_restriction();
    }

    /// The restricted-mode banner, when the open flow is restricted and would do something
    /// outside itself.
    fn trust_banner(&mut self, ctx: &egui::Context) {
        if !self.doc.is_restricted() {
            return;
        }
        let revision = self.doc.revision();
        if self.trust_effects.as_ref().map(|(r, ..)| *r) != Some(revision) {
            let folder = self.doc.base_dir();
            let effects = FlowEffects::of(self.doc.flow(), &self.registry, &folder);
            self.trust_effects = Some((revision, folder, Arc::new(effects)));
        }
        if let Some((_, folder, effects)) = &self.trust_effects {
            if trust_banner::has_something_to_say(effects) {
                let commands = trust_banner::show(ctx, folder, effects);
                self.commands.extend(commands);
            }
        }
    }

    /// Whether the open flow runs restricted (its folder is not trusted).
    pub fn is_restricted(&self) -> bool {
        self.doc.is_restricted()
    }

    fn notice(&mut self, text: &str) {
        self.notice = Some((text.to_owned(), Instant::now()));
    }

    /// The drawer (Outputs, Runs), the unfinished-run banner and the results window: drawn
    /// before the central panel, which takes the room they leave.
    fn side_panels(&mut self, ctx: &egui::Context) {
        self.trust_banner(ctx);
        let catalog = &self.canvas.state.catalog;
        if let Some(run) = catalog
            .unfinished_run()
            .filter(|run| !self.dismissed_unfinished.contains(&run.id))
            .filter(|_| !self.canvas.state.run_view.is_running())
            // While restricted, continuing would block the same nodes again: the trust
            // banner is the question to answer first.
            .filter(|_| !self.doc.is_restricted())
        {
            let commands = drawer::unfinished_banner(ctx, catalog, run);
            self.commands.extend(commands);
        }
        if let Some(tab) = self.drawer {
            let commands = drawer::show(
                ctx,
                tab,
                self.doc.flow(),
                catalog,
                &self.doc.base_dir(),
                &mut self.canvas.state.thumbnails.borrow_mut(),
            );
            self.commands.extend(commands);
        }
        if let Some((title, image)) = &self.image_viewer {
            let open = crate::ui::image_viewer::show(
                ctx,
                title,
                image,
                &mut self.canvas.state.thumbnails.borrow_mut(),
            );
            if !open {
                self.image_viewer = None;
            }
        }
        if let Some(window) = &mut self.results_window {
            let (commands, open) = window.show(
                ctx,
                self.doc.flow(),
                catalog,
                &self.doc.base_dir(),
                &mut self.canvas.state.thumbnails.borrow_mut(),
            );
            self.commands.extend(commands);
            if !open {
                self.results_window = None;
            }
        }
    }

    /// Reads the store again after results changed: at once when a run ends or a result
    /// was made active, at most once a second while a run goes on. Active results another
    /// process stored (the CLI, say) replace what the nodes show.
    fn update_catalog(&mut self, now: Instant) {
        let version = self.canvas.state.catalog.version;
        let problems = self.canvas.state.catalog.poll();
        if let Some(problem) = problems.first() {
            self.notice(&format!("Result store: {problem}"));
        }
        if self.canvas.state.catalog.version != version {
            self.adopt_stored_results();
        }
        if !self.catalog_behind {
            return;
        }
        let running = self.canvas.state.run_view.is_running();
        let recently = self
            .catalog_read_at
            .is_some_and(|at| now.duration_since(at) < CATALOG_READ_INTERVAL);
        if running && recently {
            return;
        }
        self.catalog_behind = false;
        self.catalog_read_at = Some(now);
        self.canvas.state.catalog.refresh();
    }

    /// Shows on the nodes the active results that the store has and the nodes do not (made
    /// by another process since the flow was opened): their outputs are read first.
    fn adopt_stored_results(&mut self) {
        if self.canvas.state.run_view.is_running() {
            return;
        }
        let catalog = &self.canvas.state.catalog;
        let run_view = &self.canvas.state.run_view;
        let mut adopted = Vec::new();
        for (node, history) in &catalog.histories {
            let Some(entry) = history.history.get(history.active) else {
                continue;
            };
            let view = run_view.node(node);
            let same = view.is_some_and(|v| {
                v.result.is_some() && v.signature.is_some() && v.signature == entry.signature
            });
            if same || entry.signature.is_none() {
                continue;
            }
            // Not read yet: asked for now, adopted on a later read.
            if let Some(Ok(outputs)) = catalog.object(&entry.object) {
                adopted.push((node.clone(), (*outputs).clone(), entry.signature.clone()));
            }
        }
        if !adopted.is_empty() {
            self.canvas.state.run_view.load_stored(adopted);
        }
    }

    /// Resumes or retries a recorded run on the current flow.
    fn continue_run(&mut self, run: &str, how: crate::store::ContinueHow) {
        let catalog = &self.canvas.state.catalog;
        let Some(record) = catalog.run(run) else {
            self.notice("That run is no longer in the store");
            return;
        };
        let request = continue_run(
            self.doc.flow(),
            &self.registry,
            record,
            &catalog.histories,
            how,
            self.doc.base_dir(),
            self.store(),
        );
        match request {
            Ok(request) => {
                self.dismissed_unfinished.insert(run.to_owned());
                self.submit(request);
            }
            Err(err) => self.notice(&format!("Cannot {}: {err}", how.label())),
        }
    }

    /// Asks for files (on a helper thread) to add to a batch node.
    fn pick_files_for(&mut self, ctx: &egui::Context, node: NodeId) {
        if self.picked_files.is_some() {
            return;
        }
        let (tx, rx) = crossbeam_channel::bounded(1);
        let dir = self.doc.base_dir();
        let ctx = ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("flowcanvas-pick-files".to_owned())
            .spawn(move || {
                if let Some(files) = rfd::FileDialog::new().set_directory(dir).pick_files() {
                    let _ = tx.send(AppCommand::AddFilesTo(node, files));
                }
                ctx.request_repaint();
            });
        if spawned.is_ok() {
            self.picked_files = Some(rx);
        }
    }

    /// Asks where to save a result (on a helper thread), then writes it there.
    fn save_result(&mut self, ctx: &egui::Context, name: String, content: SaveContent) {
        if self.save_job.is_some() {
            return;
        }
        let (tx, rx) = crossbeam_channel::bounded(1);
        let dir = self.doc.base_dir();
        let ctx = ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("flowcanvas-save-result".to_owned())
            .spawn(move || {
                let picked = rfd::FileDialog::new()
                    .set_directory(dir)
                    .set_file_name(name)
                    .save_file();
                if let Some(path) = picked {
                    let outcome =
                        super::result_actions::write_result(&path, &content).map(|()| path);
                    let _ = tx.send(outcome);
                }
                ctx.request_repaint();
            });
        if spawned.is_ok() {
            self.save_job = Some(rx);
        }
    }

    fn poll_save_job(&mut self, now: Instant) {
        let Some(rx) = &self.save_job else { return };
        match rx.try_recv() {
            Ok(Ok(path)) => {
                self.notice = Some((format!("Saved {}", path.display()), now));
                self.save_job = None;
            }
            Ok(Err(problem)) => {
                self.notice = Some((problem, now));
                self.save_job = None;
            }
            Err(crossbeam_channel::TryRecvError::Disconnected) => self.save_job = None,
            Err(crossbeam_channel::TryRecvError::Empty) => {}
        }
    }

    fn open(&mut self, path: &Path) {
        match format::load(path, &self.registry) {
            Ok(flow) => {
                self.replace_document(Document::new(flow, Some(path.to_path_buf())));
                self.recent.touch(path);
            }
            Err(err) => {
                // The current flow stays as it is.
                self.error = Some(ErrorDialog {
                    title: format!("Could not open {}", path.display()),
                    lines: err.lines(),
                });
            }
        }
    }

    fn save(&mut self, path: &Path) {
        let recovery = self.recovery_file();
        match self.doc.save_to(path) {
            Ok(()) => {
                // A flow of the user's own (not restricted) trusts the folder it is saved
                // in; a restricted one saved elsewhere is trusted only if that folder is.
                if !self.doc.is_restricted() {
                    if let (Some(list), Some(dir)) = (&mut self.trust, path.parent()) {
                        let dir = if dir.as_os_str().is_empty() {
                            Path::new(".")
                        } else {
                            dir
                        };
                        let added = match list.is_trusted(dir) {
                            true => Ok(()),
                            false => list.add(dir).map(|_| ()),
                        };
                        if let Err(err) = added {
                            self.notice = Some((
                                format!("Could not trust {}: {err}", dir.display()),
                                Instant::now(),
                            ));
                        }
                    }
                }
                self.update_restriction();
                self.recent.touch(path);
                self.canvas.state.catalog.set_store(self.store());
                if let Some(file) = recovery {
                    super::recovery::remove(&file);
                }
            }
            Err(err) => {
                self.error = Some(ErrorDialog {
                    title: format!("Could not save {}", path.display()),
                    lines: vec![
                        err.to_string(),
                        "The previous file, if any, is unchanged.".to_owned(),
                    ],
                })
            }
        }
    }

    fn replace_document(&mut self, doc: Document) {
        self.doc = doc;
        self.update_restriction();
        self.canvas.selected.clear();
        self.monitor_selected = None;
        self.canvas.state.run_view = Default::default();
        self.canvas.state.expanded.clear();
        self.load_stored_results();
    }

    /// The result store beside the open file (a new, unsaved flow has none).
    fn store(&self) -> Option<crate::store::Store> {
        self.doc.path().map(crate::store::Store::for_flow)
    }

    /// Shows the results an earlier session or the CLI left in the store.
    fn load_stored_results(&mut self) {
        self.canvas.state.catalog.set_store(self.store());
        self.canvas.state.catalog.refresh();
        self.results_window = None;
        let Some(store) = self.store() else { return };
        let (results, problems) = store.load_results();
        self.canvas.state.run_view.load_stored(
            results
                .into_iter()
                .map(|(node, stored)| (node, stored.outputs, stored.entry.signature)),
        );
        if let Some(problem) = problems.first() {
            self.notice = Some((format!("Result store: {problem}"), Instant::now()));
        }
    }

    fn start_file_dialog(&mut self, ctx: &egui::Context, purpose: DialogPurpose) {
        if self.file_dialog.is_some() {
            return;
        }
        let (tx, rx) = crossbeam_channel::bounded(1);
        let ctx = ctx.clone();
        let saving = matches!(purpose, DialogPurpose::SaveAs { .. });
        let name = format!(
            "{}{}",
            self.doc.display_name().trim_end_matches(".flow"),
            ".flow"
        );
        let dir = self.doc.base_dir();
        // The dialog blocks its own thread, never the UI thread.
        let spawned = std::thread::Builder::new()
            .name("flowcanvas-file-dialog".to_owned())
            .spawn(move || {
                let dialog = rfd::FileDialog::new()
                    .add_filter("Flow", &["flow"])
                    .set_directory(dir);
                let picked = if saving {
                    dialog.set_file_name(name).save_file()
                } else {
                    dialog.pick_file()
                };
                let picked = picked.map(|path| {
                    if saving && path.extension().is_none() {
                        path.with_extension("flow")
                    } else {
                        path
                    }
                });
                let _ = tx.send(picked);
                ctx.request_repaint();
            });
        if spawned.is_ok() {
            self.file_dialog = Some((purpose, rx));
        }
    }

    fn poll_file_dialog(&mut self) {
        let Some((_, rx)) = &self.file_dialog else {
            return;
        };
        let Ok(picked) = rx.try_recv() else { return };
        let Some((purpose, _)) = self.file_dialog.take() else {
            return;
        };
        let Some(path) = picked else { return };
        match purpose {
            DialogPurpose::Open => self.open(&path),
            DialogPurpose::SaveAs { then } => {
                self.save(&path);
                if let (Some(then), false) = (then, self.doc.is_dirty()) {
                    self.commands.push(then);
                }
            }
        }
    }

    fn shortcuts(&mut self, ctx: &egui::Context) {
        let typing = ctx.wants_keyboard_input();
        let command = Modifiers::COMMAND;
        let command_shift = Modifiers::COMMAND | Modifiers::SHIFT;
        let mut found = Vec::new();
        ctx.input_mut(|input| {
            let mut shortcut = |mods: Modifiers, key: Key, cmd: AppCommand| {
                if input.consume_shortcut(&KeyboardShortcut::new(mods, key)) {
                    found.push(cmd);
                }
            };
            shortcut(command_shift, Key::S, AppCommand::SaveAs);
            shortcut(command, Key::S, AppCommand::Save);
            shortcut(command, Key::N, AppCommand::New);
            shortcut(command, Key::O, AppCommand::Open(None));
            if !typing {
                shortcut(command_shift, Key::Z, AppCommand::Redo);
                shortcut(command, Key::Z, AppCommand::Undo);
                shortcut(command, Key::Y, AppCommand::Redo);
                shortcut(command, Key::D, AppCommand::Duplicate);
                shortcut(Modifiers::NONE, Key::Delete, AppCommand::Delete);
                shortcut(Modifiers::NONE, Key::F, AppCommand::ZoomToFit);
                for event in &input.events {
                    match event {
                        egui::Event::Copy => found.push(AppCommand::Copy),
                        egui::Event::Paste(_) => found.push(AppCommand::Paste),
                        _ => {}
                    }
                }
            }
        });
        if !typing {
            // A paste of .flow text copied elsewhere becomes the clipboard.
            let pasted = ctx.input(|i| {
                i.events.iter().find_map(|e| match e {
                    egui::Event::Paste(text) => Some(text.clone()),
                    _ => None,
                })
            });
            if let Some(flow) = pasted.and_then(|text| format::parse(&text, &self.registry).ok()) {
                self.clipboard = Some(flow);
            }
        }
        self.commands.extend(found);
    }

    fn dropped_files(&mut self, ctx: &egui::Context) {
        let (dropped, at): (Vec<PathBuf>, Option<egui::Pos2>) = ctx.input(|i| {
            let files = i
                .raw
                .dropped_files
                .iter()
                .filter_map(|f| f.path.clone())
                .collect();
            (files, i.pointer.hover_pos().or(i.pointer.latest_pos()))
        });
        if dropped.is_empty() {
            return;
        }
        if let Some(path) = dropped
            .iter()
            .find(|p| p.extension().is_some_and(|e| e == "flow"))
        {
            self.commands.push(AppCommand::Open(Some(path.clone())));
            return;
        }
        // Other files go to the batch node they were dropped on (or the selected one).
        let is_batch = |id: &NodeId| {
            self.doc
                .flow()
                .node(id.as_str())
                .is_some_and(|n| n.kind == crate::nodes::BATCH_KIND)
        };
        let under = at.and_then(|pos| {
            self.canvas
                .state
                .node_rects_last
                .iter()
                .find(|(id, rect)| rect.contains(pos) && is_batch(id))
                .map(|(id, _)| id.clone())
        });
        let target = under.or_else(|| self.canvas.selected.iter().find(|id| is_batch(id)).cloned());
        match target {
            Some(node) => self.commands.push(AppCommand::AddFilesTo(node, dropped)),
            None => self.notice("Drop files onto a Batch node to add them as its items"),
        }
    }

    fn dialogs(&mut self, ctx: &egui::Context) {
        if self.recovery_offer.is_some() {
            match dialogs::recovery(ctx, &self.doc.display_name()) {
                Some(true) => self.restore_recovery(),
                Some(false) => self.discard_recovery(),
                None => {}
            }
        }
        if let Some(error) = &self.error {
            if dialogs::error(ctx, error) {
                self.error = None;
            }
        }
        if let Some(pending) = self.confirm.clone() {
            let action = match pending {
                AppCommand::New => "start a new flow",
                AppCommand::Open(_) => "open another file",
                _ => "quit",
            };
            match dialogs::unsaved(ctx, &self.doc.display_name(), action) {
                Some(UnsavedChoice::Save) => {
                    self.confirm = None;
                    match self.doc.path().map(Path::to_path_buf) {
                        Some(path) => {
                            self.save(&path);
                            if !self.doc.is_dirty() {
                                self.commands.push(pending);
                            }
                        }
                        None => self.start_file_dialog(
                            ctx,
                            DialogPurpose::SaveAs {
                                then: Some(pending),
                            },
                        ),
                    }
                }
                Some(UnsavedChoice::Discard) => {
                    self.confirm = None;
                    if let Some(file) = self.recovery_file() {
                        super::recovery::remove(&file);
                    }
                    self.doc = Document::new(
                        self.doc.flow().clone(),
                        self.doc.path().map(Path::to_path_buf),
                    );
                    self.update_restriction();
                    self.commands.push(pending);
                }
                Some(UnsavedChoice::Cancel) => self.confirm = None,
                None => {}
            }
        }
    }

    fn close_request(&mut self, ctx: &egui::Context) {
        if ctx.input(|i| i.viewport().close_requested()) && self.doc.is_dirty() && !self.allow_close
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            if self.confirm.is_none() {
                self.confirm = Some(AppCommand::Quit);
            }
        }
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
                    ui.label(
                        egui::RichText::new(text).color(egui::Color32::from_rgb(240, 170, 90)),
                    );
                });
            });
    }

    fn update_title(&mut self, ctx: &egui::Context) {
        let marker = if self.doc.is_dirty() { " •" } else { "" };
        let title = format!("{}{marker} — Flowcanvas", self.doc.display_name());
        if title != self.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title = title;
        }
    }

    /// The flag a stop signal sets (from any thread; wake the context after setting it):
    /// the next frame keeps unsaved edits as a recovery copy and closes the window, which
    /// stops the active run (see `on_exit`).
    pub fn stop_requested(&self) -> Arc<AtomicBool> {
        self.stop_requested.clone()
    }

    /// Closes without asking about unsaved edits (nobody may be there to answer): they are
    /// written to the recovery copy first, and offered back at the next start.
    fn quit_keeping_edits(&mut self) {
        if self.doc.is_dirty() {
            if let Some(file) = self.recovery_file() {
                // Written here, not on a helper thread: the process is about to end.
                if let Err(err) = super::recovery::write(&file, self.doc.path(), self.doc.flow()) {
                    eprintln!(
                        "flowcanvas: could not keep unsaved edits in {}: {err}",
                        file.display()
                    );
                }
            }
        }
        self.commands.push(AppCommand::Quit);
    }

    /// The recovery copy's file for the open document.
    fn recovery_file(&self) -> Option<PathBuf> {
        let dir = self.config_dir.as_deref()?;
        Some(super::recovery::recovery_path(dir, self.doc.path()))
    }

    /// Copies unsaved edits to the recovery file (on a helper thread: the UI never waits on
    /// the disk).
    pub fn autosave(&mut self) {
        let Some(file) = self.recovery_file() else {
            return;
        };
        if !self.doc.is_dirty() || self.autosaved_revision == Some(self.doc.revision()) {
            return;
        }
        self.autosaved_revision = Some(self.doc.revision());
        let flow = self.doc.flow().clone();
        let origin = self.doc.path().map(Path::to_path_buf);
        let _ = std::thread::Builder::new()
            .name("flowcanvas-autosave".to_owned())
            .spawn(move || {
                // A failed recovery copy only matters after a crash; nothing to tell now.
                let _ = super::recovery::write(&file, origin.as_deref(), &flow);
            });
    }

    /// Autosaves a few seconds after the last edit.
    fn autosave_when_idle(&mut self, ctx: &egui::Context, now: Instant) {
        if !self.doc.is_dirty() || self.autosaved_revision == Some(self.doc.revision()) {
            return;
        }
        let revision = self.doc.revision();
        let since = match self.changed_at {
            Some((seen, at)) if seen == revision => at,
            _ => {
                self.changed_at = Some((revision, now));
                now
            }
        };
        let waited = now.duration_since(since);
        if waited >= AUTOSAVE_DELAY {
            self.autosave();
        } else {
            ctx.request_repaint_after(AUTOSAVE_DELAY - waited);
        }
    }

    /// Replaces the document with the recovered edits (the "Restore" answer).
    pub fn restore_recovery(&mut self) {
        if let Some(flow) = self.recovery_offer.take() {
            let path = self.doc.path().map(Path::to_path_buf);
            self.replace_document(Document::recovered(flow, path));
        }
    }

    /// Forgets the recovered edits (the "Discard" answer).
    pub fn discard_recovery(&mut self) {
        self.recovery_offer = None;
        if let Some(file) = self.recovery_file() {
            super::recovery::remove(&file);
        }
    }

    /// The title the window shows.
    pub fn title(&self) -> &str {
        &self.title
    }
}

/// How long after the last edit unsaved changes are copied to the recovery file.
const AUTOSAVE_DELAY: Duration = Duration::from_secs(3);

/// How often the store is read again while a run produces results.
const CATALOG_READ_INTERVAL: Duration = Duration::from_secs(1);

/// How long a notice stays up.
const NOTICE_TIME: Duration = Duration::from_secs(4);

fn welcome(registry: &Registry) -> Document {
    let flow = format::parse(WELCOME_FLOW, registry).unwrap_or_default();
    Document::new(flow, None)
}

impl eframe::App for FlowcanvasApp {
    fn update(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.ui(ctx);
    }

    /// The window closed: an active run is stopped (its processes killed, its record
    /// cancelled) before the app goes, rather than whenever the app happens to be dropped.
    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.engine.shut_down();
    }
}
