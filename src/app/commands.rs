//! Applying commands: every button, menu, shortcut and widget asks through an
//! [`AppCommand`]; this is the one place they are carried out, once per frame.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use eframe::egui;

use super::flowcanvas_app::{AfterLayout, DialogPurpose, FlowcanvasApp};
use crate::check::apply_inputs;
use crate::exec::{continue_run, EngineHandle, RunRequest};
use crate::format;
use crate::model::Flow;
use crate::plan::Scope;
use crate::session::commands::{AppCommand, SaveContent};
use crate::session::document::Document;
use crate::session::edit::DocEdit;
use crate::session::run_timeline::TimelineRun;
use crate::ui::monitor::MonitorTab;
use crate::ui::results_window::ResultsWindow;

/// Where pasted and duplicated nodes land, from the originals (graph space).
const PASTE_OFFSET: (f32, f32) = (40.0, 40.0);

impl FlowcanvasApp {
    /// Carries out one command. (Every command is listed here, so a new one cannot be
    /// forgotten; each group's own match ignores the others.)
    pub(super) fn apply(&mut self, ctx: &egui::Context, command: AppCommand) {
        match command {
            AppCommand::Edit(..)
            | AppCommand::Select(..)
            | AppCommand::ToggleExpanded(..)
            | AppCommand::Undo
            | AppCommand::Redo
            | AppCommand::Copy
            | AppCommand::Paste
            | AppCommand::Duplicate
            | AppCommand::Delete
            | AppCommand::ZoomToFit
            | AppCommand::GroupSelection
            | AppCommand::Focus(..) => self.apply_editing(ctx, command),
            AppCommand::Run(..)
            | AppCommand::OpenRunPanel(..)
            | AppCommand::Queue { .. }
            | AppCommand::CancelRun(..)
            | AppCommand::PauseRun(..)
            | AppCommand::QueueMove(..)
            | AppCommand::QueuePause(..)
            | AppCommand::QueueClearFinished
            | AppCommand::Stop
            | AppCommand::SetActiveResult { .. }
            | AppCommand::ContinueRun { .. }
            | AppCommand::Decide { .. }
            | AppCommand::CancelWaiting(..)
            | AppCommand::RetryItems { .. }
            | AppCommand::AddFiles(..)
            | AppCommand::TrustFolder => self.apply_running(command),
            AppCommand::New
            | AppCommand::Open(..)
            | AppCommand::Save
            | AppCommand::SaveAs
            | AppCommand::Quit => self.apply_file(ctx, command),
            AppCommand::ToggleAppMode
            | AppCommand::ToggleMinimap
            | AppCommand::Find
            | AppCommand::AddNodeMenu
            | AppCommand::ShowImage { .. }
            | AppCommand::ShowResults(..)
            | AppCommand::ShowNodeData(..)
            | AppCommand::ToggleNodeData
            | AppCommand::ToggleDrawer(..)
            | AppCommand::CopyText(..)
            | AppCommand::SaveResult { .. }
            | AppCommand::OpenFolder(..)
            | AppCommand::DismissInterrupted(..)
            | AppCommand::ShowTimeline(..)
            | AppCommand::ExportTrace { .. }
            | AppCommand::OpenRunPage(..) => self.apply_window(ctx, command),
            AppCommand::OpenSubflow(..)
            | AppCommand::LeaveSubflow(..)
            | AppCommand::GroupIntoSubflow
            | AppCommand::InlineSubflow(..) => self.apply_subflow(command),
        }
    }

    /// Edits, selection, undo and the clipboard.
    fn apply_editing(&mut self, ctx: &egui::Context, command: AppCommand) {
        match command {
            AppCommand::Edit(edit) => self.edit(edit),
            AppCommand::Select(nodes) => self.session.selection = nodes,
            AppCommand::ToggleExpanded(node) => self.session.toggle_expanded(node),
            AppCommand::Undo => {
                self.session.doc.undo();
            }
            AppCommand::Redo => {
                self.session.doc.redo();
            }
            AppCommand::Copy => {
                let clip = self.session.doc.copy_nodes(&self.session.selection);
                if !clip.nodes.is_empty() {
                    ctx.copy_text(format::to_text(&clip));
                    self.session.clipboard = Some(clip);
                }
            }
            AppCommand::Paste => {
                if let Some(clip) = self.session.clipboard.clone() {
                    self.edit(DocEdit::Paste {
                        clip: Box::new(clip),
                        offset: PASTE_OFFSET,
                    });
                }
            }
            AppCommand::Duplicate => {
                let clip = self.session.doc.copy_nodes(&self.session.selection);
                if !clip.nodes.is_empty() {
                    self.edit(DocEdit::Paste {
                        clip: Box::new(clip),
                        offset: PASTE_OFFSET,
                    });
                }
            }
            AppCommand::Delete => {
                let selected = self.session.selection.clone();
                if !selected.is_empty() {
                    self.edit(DocEdit::RemoveNodes(selected));
                }
            }
            AppCommand::GroupSelection => {
                let nodes = self.session.selection.clone();
                if !nodes.is_empty() {
                    let title =
                        format!("Group {}", self.session.doc.flow().layout.groups.len() + 1);
                    self.edit(DocEdit::Group { nodes, title });
                }
            }
            AppCommand::ZoomToFit => {
                if let Some(view) = self.canvas.zoom_to_fit(&self.session.doc) {
                    self.edit(view);
                }
            }
            AppCommand::Focus(id) => {
                self.monitor.selected = Some(id.clone());
                if let Some(view) = self.canvas.centre_on(&self.session.doc, &id) {
                    self.edit(view);
                }
                self.session.selection = vec![id];
            }
            _ => {}
        }
    }

    /// Runs, the queue, result history, trust, and picking files for a batch.
    fn apply_running(&mut self, command: AppCommand) {
        // A run uses the flows its nodes run as they are on disk now.
        self.session.doc.relink();
        match command {
            AppCommand::Run(scope) => {
                let doc = &self.session.doc;
                let request = RunRequest::new(Arc::new(doc.flow().clone()), doc.base_dir())
                    .scope(scope)
                    .store(self.session.store());
                self.submit(request);
            }
            AppCommand::OpenRunPanel(scope) => {
                // One panel on the right at a time: the run panel takes the node data's place.
                self.session.node_data.close();
                self.run_panel.open_for(scope);
                self.after_layout = Some(AfterLayout::KeepPlanInView);
            }
            AppCommand::Queue {
                scope,
                mode,
                inputs,
                parallel,
                fail_fast,
                timeout,
                checkpoints,
            } => {
                self.run_panel.plan_queued();
                // The queued run is a snapshot: later edits and input changes do not touch it.
                let doc = &self.session.doc;
                match apply_inputs(doc.flow(), &self.session.registry, &inputs) {
                    Ok(flow) => {
                        let mut request = RunRequest::new(Arc::new(flow), doc.base_dir())
                            .scope(scope)
                            .mode(mode)
                            .store(self.session.store());
                        request.inputs = inputs;
                        request.max_parallel = parallel.map(|n| n.max(1) as usize);
                        request.fail_fast = fail_fast;
                        request.timeout = timeout;
                        request.checkpoints = checkpoints;
                        self.submit(request);
                    }
                    Err(err) => self.notice(&format!("Cannot run: {err}")),
                }
            }
            AppCommand::CancelRun(run) => self.with_engine(|engine| engine.cancel(run)),
            AppCommand::PauseRun(run, true) => self.with_engine(|engine| engine.pause_run(run)),
            AppCommand::PauseRun(run, false) => self.with_engine(|engine| engine.resume_run(run)),
            AppCommand::QueueMove(run, how) => self.with_engine(|engine| engine.move_run(run, how)),
            AppCommand::QueuePause(paused) => self.with_engine(|engine| engine.set_paused(paused)),
            AppCommand::QueueClearFinished => self.with_engine(|engine| engine.clear_finished()),
            AppCommand::Stop => self.with_engine(|engine| engine.stop()),
            AppCommand::SetActiveResult { node, index } => match self.session.store() {
                Some(store) => self.with_engine(|engine| engine.set_active(store, node, index)),
                None => self.notice("Save the flow first: results are kept beside the file"),
            },
            AppCommand::ContinueRun { run, how } => self.continue_run(&run, how),
            AppCommand::Decide { verdict, comment } => self.decide(verdict, &comment),
            AppCommand::CancelWaiting(run) => self.cancel_waiting(&run),
            AppCommand::RetryItems { node, items } => {
                let doc = &self.session.doc;
                let mut request = RunRequest::new(Arc::new(doc.flow().clone()), doc.base_dir())
                    .scope(Scope::Node(node))
                    .store(self.session.store());
                request.items = items;
                self.submit(request);
            }
            AppCommand::AddFiles(node) => self.pick_files_for(node),
            AppCommand::TrustFolder => self.trust_folder(),

            _ => {}
        }
    }

    /// New, Open, Save and Quit (asking first about unsaved edits).
    fn apply_file(&mut self, ctx: &egui::Context, command: AppCommand) {
        match command {
            AppCommand::New | AppCommand::Open(_) | AppCommand::Quit
                if self.session.doc.is_dirty() && self.confirm.is_none() =>
            {
                self.confirm = Some(command);
            }
            AppCommand::New => {
                let registry = self.session.registry.clone();
                self.replace_document(Document::new(Flow::default(), None, registry));
            }
            AppCommand::Open(None) => self.start_file_dialog(DialogPurpose::Open),
            AppCommand::Open(Some(path)) => self.open(&path),
            AppCommand::Save => match self.session.doc.path().map(Path::to_path_buf) {
                Some(path) => self.save(&path),
                None => self.start_file_dialog(DialogPurpose::SaveAs { then: None }),
            },
            AppCommand::SaveAs => self.start_file_dialog(DialogPurpose::SaveAs { then: None }),
            AppCommand::Quit => {
                self.allow_close = true;
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            _ => {}
        }
    }

    /// Windows, panels, the clipboard and the file manager.
    fn apply_window(&mut self, ctx: &egui::Context, command: AppCommand) {
        match command {
            AppCommand::ToggleAppMode => self.app_mode = !self.app_mode,
            AppCommand::ToggleMinimap => self.minimap = !self.minimap,
            AppCommand::Find => self.find.open(),
            AppCommand::AddNodeMenu if !self.app_mode => self.canvas.open_add_menu_here(ctx),
            AppCommand::ShowImage { title, image } => self.image_viewer = Some((title, image)),
            AppCommand::ShowResults(node) => {
                self.after_layout = Some(AfterLayout::Focus(node.clone()));
                self.results_window = Some(ResultsWindow::new(node, &self.session.catalog));
            }
            AppCommand::ShowNodeData(node) => {
                self.session.node_data.show_node(node.clone());
                self.session.selection = vec![node.clone()];
                self.node_data_opened(node);
            }
            AppCommand::ToggleNodeData => {
                self.session.node_data.toggle(&self.session.selection);
                if let Some(node) = self.session.node_data.node.clone() {
                    if self.session.node_data.open {
                        self.node_data_opened(node);
                    }
                }
            }
            AppCommand::ToggleDrawer(tab) => {
                self.drawer = if self.drawer == Some(tab) {
                    None
                } else {
                    Some(tab)
                };
            }
            AppCommand::CopyText(text) => {
                ctx.copy_text(text);
                self.notice("Copied");
            }
            AppCommand::SaveResult { name, content } => self.save_result(name, content),
            AppCommand::OpenFolder(folder) => {
                if let Err(problem) = super::files::open_folder(&folder) {
                    self.notice(&problem);
                }
            }
            AppCommand::DismissInterrupted(run) => {
                self.dismissed_unfinished.insert(run);
            }
            AppCommand::OpenRunPage(run) => {
                self.run_page = Some(crate::ui::run_page::RunPage::new(run));
            }
            AppCommand::ShowTimeline(run) => {
                // The Timeline is a tab of the monitor, which app mode does not show.
                self.app_mode = false;
                self.monitor.tab = MonitorTab::Timeline;
                self.monitor.collapsed = false;
                self.monitor.timeline_run = run;
            }
            AppCommand::ExportTrace { run, to } => self.export_trace(run.as_deref(), to),
            _ => {}
        }
    }

    /// Writes a run's timeline as Chrome trace JSON to `to`, or asks where (the text is
    /// made here, quickly; the file is written on a helper thread).
    fn export_trace(&mut self, run: Option<&str>, to: Option<PathBuf>) {
        let session = &self.session;
        let picked = TimelineRun::pick(&session.run_view, &session.catalog.runs, run);
        let picked = picked.filter(|picked| run.is_none() || picked.record_id() == run);
        let Some(picked) = picked else {
            self.notice(match run {
                Some(_) => "That run is no longer in the store",
                None => "No run to export yet",
            });
            return;
        };
        let run_view = &session.run_view;
        let timeline = picked.timeline(run_view);
        let flow_name = session.doc.display_name();
        let now_ms = picked.now_ms(run_view, Instant::now(), crate::store::now_ms());
        let labels = &session.derived.labels;
        let text = picked.trace(&timeline, run_view, labels, &flow_name, now_ms);
        let content = SaveContent::Text(text);
        match to {
            Some(path) => self.write_result_to(path, content),
            None => self.save_result(picked.trace_file_name(&flow_name), content),
        }
    }

    /// The node data panel opened on `node`: it takes the run panel's place on the right,
    /// and once the canvas has shrunk the node is brought into view if it went out of it.
    fn node_data_opened(&mut self, node: crate::model::NodeId) {
        self.run_panel.open = false;
        self.after_layout = Some(AfterLayout::KeepInView(node));
    }

    /// Applies an edit to the document; a refused one is explained in a notice.
    pub(super) fn edit(&mut self, edit: DocEdit) {
        let wire = matches!(edit, DocEdit::Connect { .. });
        if let Err(refused) = self.session.edit(edit) {
            let text = if wire {
                format!("Wire refused: {refused}")
            } else {
                refused.to_string()
            };
            self.notice(&text);
        }
    }

    /// Calls `act` with the engine, or says why nothing can run.
    fn with_engine(&mut self, act: impl FnOnce(EngineHandle)) {
        match &self.engine {
            Some(engine) => act(engine.handle()),
            None => self.notice("Flows cannot run in this window: the executor did not start"),
        }
    }

    /// Submits a run of the open document: restricted when its folder is not trusted, or
    /// when it continues a restricted run (a Resume or Retry never lifts a restriction).
    pub(super) fn submit(&mut self, request: RunRequest) -> Option<crate::exec::RunId> {
        let restricted = request.restricted || self.session.doc.is_restricted();
        let mut request = request.restricted(restricted);
        // In the app, a step left out for want of trust blocks the run on it.
        request.block_on_trust = self.session.doc.is_restricted();
        let mut run = None;
        self.with_engine(|engine| run = Some(engine.submit(request)));
        if let Some(run) = run {
            self.run_owners.insert(run, self.outer.len());
        }
        run
    }

    /// Resumes or retries a recorded run on the current flow.
    fn continue_run(&mut self, run: &str, how: crate::store::ContinueHow) {
        let session = &self.session;
        let Some(record) = session.catalog.run(run) else {
            self.notice("That run is no longer in the store");
            return;
        };
        let request = continue_run(
            session.doc.flow(),
            &session.registry,
            record,
            &session.catalog.histories,
            how,
            session.doc.base_dir(),
            session.store(),
        );
        match request {
            Ok(request) => {
                self.dismissed_unfinished.insert(run.to_owned());
                self.submit(request);
            }
            Err(err) => self.notice(&format!("Cannot {}: {err}", how.label())),
        }
    }

    /// Applies a decision to the checkpoint a run waits at: through the engine for a run
    /// waiting in place, else through the store (the path `flowcanvas decide` takes): a
    /// parked run goes on next in the queue, or ends rejected.
    fn decide(&mut self, verdict: crate::model::Verdict, comment: &str) {
        let Some(awaiting) = self.session.awaiting() else {
            self.notice("No run waits for a decision");
            return;
        };
        let Some(record_id) = awaiting.record.clone() else {
            if let Some(run) = awaiting.run {
                let decision = crate::store::Decision::now(awaiting.node, verdict, comment);
                self.with_engine(|engine| engine.decide(run, decision));
            }
            return;
        };
        let session = &self.session;
        let (Some(store), Some(record)) = (session.store(), session.catalog.run(&record_id)) else {
            self.notice("That run is no longer in the store");
            return;
        };
        let decided = crate::exec::decide(
            session.doc.flow(),
            &session.registry,
            record,
            &session.catalog.histories,
            verdict,
            comment,
            session.doc.base_dir(),
            &store,
        );
        self.session.run_view.awaiting = None;
        match decided {
            Ok(crate::exec::Decided::Continue(request)) => {
                // Until the store says it runs, the card must not offer the decision again.
                self.session.catalog.mark_continuing(&record_id);
                let run = self.submit(*request);
                if let Some(run) = run {
                    self.with_engine(|engine| engine.move_run(run, crate::exec::QueueMove::Next));
                }
            }
            Ok(crate::exec::Decided::Rejected(record)) => {
                let summary = record.summary.clone().unwrap_or_default();
                self.session.catalog.replace_run(*record);
                self.notice(&summary);
            }
            Err(err) => self.notice(&format!("Cannot decide: {err}")),
        }
    }

    /// Cancels a recorded run that waits (paused at a checkpoint, or blocked).
    fn cancel_waiting(&mut self, run: &str) {
        let session = &self.session;
        let (Some(store), Some(record)) = (session.store(), session.catalog.run(run)) else {
            self.notice("That run is no longer in the store");
            return;
        };
        match crate::exec::cancel_waiting(session.doc.flow(), record, &store) {
            Ok(record) => {
                if self
                    .session
                    .run_view
                    .awaiting
                    .as_ref()
                    .and_then(|a| a.record.as_deref())
                    == Some(record.id.as_str())
                {
                    self.session.run_view.awaiting = None;
                }
                self.session.catalog.replace_run(record);
            }
            Err(err) => self.notice(&format!("Cannot cancel: {err}")),
        }
    }
}
