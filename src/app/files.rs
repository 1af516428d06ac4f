//! Files: New, Open, Save, the file dialogs, saving a result, picking batch files, and the
//! recovery copy of unsaved edits (autosave, restore, keep on a stop signal).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use eframe::egui;

use super::flowcanvas_app::{AfterLayout, DialogPurpose, FlowcanvasApp};
use super::jobs::{take_answer, Job};
use crate::format;
use crate::model::NodeId;
use crate::session::commands::{AppCommand, SaveContent};
use crate::session::document::Document;
use crate::session::edit::DocEdit;
use crate::session::{recovery, result_actions};
use crate::ui::dialogs::ErrorDialog;

/// How long after the last edit unsaved changes are copied to the recovery file.
const AUTOSAVE_DELAY: Duration = Duration::from_secs(3);

impl FlowcanvasApp {
    /// Opens a flow file; on failure the current flow stays and the errors are shown.
    pub(super) fn open(&mut self, path: &Path) {
        match format::load(path, &self.session.registry) {
            Ok(flow) => {
                let registry = self.session.registry.clone();
                self.replace_document(Document::new(flow, Some(path.to_path_buf()), registry));
                self.recent.touch(path);
            }
            Err(err) => {
                self.error = Some(ErrorDialog {
                    title: format!("Could not open {}", path.display()),
                    lines: err.lines(),
                });
            }
        }
    }

    /// Saves the document to `path` (atomically); a failure leaves the old file as it was.
    pub(super) fn save(&mut self, path: &Path) {
        let recovery = self.recovery_file();
        if let Err(err) = self.session.doc.save_to(path) {
            self.error = Some(ErrorDialog {
                title: format!("Could not save {}", path.display()),
                lines: vec![
                    err.to_string(),
                    "The previous file, if any, is unchanged.".to_owned(),
                ],
            });
            return;
        }
        // A flow of the user's own (not restricted) trusts the folder it is saved in; a
        // restricted one saved elsewhere is trusted only if that folder is.
        if !self.session.doc.is_restricted() {
            self.trust_saved_folder(path);
        }
        self.update_restriction();
        self.recent.touch(path);
        self.session.catalog.set_store(self.session.store());
        if let Some(file) = recovery {
            recovery::remove(&file);
        }
    }

    /// Makes `doc` the open document: a new canvas graph, a new run view, its own store.
    pub(super) fn replace_document(&mut self, doc: Document) {
        self.session.replace_document(doc);
        self.after_layout = Some(AfterLayout::ShowSomeNodes);
        self.update_restriction();
        self.monitor.selected = None;
        self.results_window = None;
        self.load_stored_results();
    }

    /// Opens a file dialog on a helper thread (it blocks its thread, never the UI's).
    pub(super) fn start_file_dialog(&mut self, purpose: DialogPurpose) {
        if self.file_dialog.is_some() {
            return;
        }
        let saving = matches!(purpose, DialogPurpose::SaveAs { .. });
        let doc = &self.session.doc;
        let name = format!("{}.flow", doc.display_name().trim_end_matches(".flow"));
        let dir = doc.base_dir();
        let job = Job::start("file-dialog", self.waker.clone(), move || {
            let dialog = rfd::FileDialog::new()
                .add_filter("Flow", &["flow"])
                .set_directory(dir);
            let picked = if saving {
                dialog.set_file_name(name).save_file()
            } else {
                dialog.pick_file()
            };
            picked.map(|path| {
                if saving && path.extension().is_none() {
                    path.with_extension("flow")
                } else {
                    path
                }
            })
        });
        self.file_dialog = job.map(|job| (purpose, job));
    }

    /// Acts on the file the dialog picked, once it is closed.
    pub(super) fn poll_file_dialog(&mut self) {
        let Some((purpose, job)) = self.file_dialog.take() else {
            return;
        };
        let mut slot = Some(job);
        let picked = take_answer(&mut slot);
        if let Some(job) = slot {
            self.file_dialog = Some((purpose, job));
            return;
        }
        let Some(path) = picked else { return };
        match purpose {
            DialogPurpose::Open => self.open(&path),
            DialogPurpose::SaveAs { then } => {
                self.save(&path);
                if let (Some(then), false) = (then, self.session.doc.is_dirty()) {
                    self.commands.push(then);
                }
            }
        }
    }

    /// Asks where to save a result (on a helper thread), then writes it there.
    pub(super) fn save_result(&mut self, name: String, content: SaveContent) {
        if self.save_job.is_some() {
            return;
        }
        let dir = self.session.doc.base_dir();
        self.save_job = Job::start("save-result", self.waker.clone(), move || {
            let path = rfd::FileDialog::new()
                .set_directory(dir)
                .set_file_name(name)
                .save_file()?;
            Some(result_actions::write_result(&path, &content).map(|()| path))
        });
    }

    /// Writes a result (or an export) to `path` on a helper thread; the outcome shows as
    /// a notice, as after "Save result".
    pub(super) fn write_result_to(&mut self, path: PathBuf, content: SaveContent) {
        if self.save_job.is_some() {
            self.notice("A file is being saved; try again in a moment");
            return;
        }
        self.save_job = Job::start("save-result", self.waker.clone(), move || {
            Some(result_actions::write_result(&path, &content).map(|()| path))
        });
    }

    /// Asks for files (on a helper thread) to add to a batch node.
    pub(super) fn pick_files_for(&mut self, node: NodeId) {
        if self.picked_files.is_some() {
            return;
        }
        let dir = self.session.doc.base_dir();
        self.picked_files = Job::start("pick-files", self.waker.clone(), move || {
            let files = rfd::FileDialog::new().set_directory(dir).pick_files()?;
            Some(AppCommand::Edit(DocEdit::AddBatchFiles { node, files }))
        });
    }

    /// Closes without asking about unsaved edits (nobody may be there to answer): they are
    /// written to the recovery copy first, and offered back at the next start.
    pub(super) fn quit_keeping_edits(&mut self) {
        let doc = &self.session.doc;
        if doc.is_dirty() {
            if let Some(file) = self.recovery_file() {
                // Written here, not on a helper thread: the process is about to end.
                if let Err(err) = recovery::write(&file, doc.path(), doc.flow()) {
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
    pub(super) fn recovery_file(&self) -> Option<PathBuf> {
        let dir = self.config_dir.as_deref()?;
        Some(recovery::recovery_path(dir, self.session.doc.path()))
    }

    /// Copies unsaved edits to the recovery file (on a helper thread: the UI never waits on
    /// the disk).
    pub fn autosave(&mut self) {
        let Some(file) = self.recovery_file() else {
            return;
        };
        let doc = &self.session.doc;
        if !doc.is_dirty() || self.autosaved == Some(doc.identity()) {
            return;
        }
        self.autosaved = Some(doc.identity());
        let flow = doc.flow().clone();
        let origin = doc.path().map(Path::to_path_buf);
        // A failed recovery copy only matters after a crash; nothing to tell now.
        let _ = Job::<()>::start("autosave", std::sync::Arc::new(|| {}), move || {
            let _ = recovery::write(&file, origin.as_deref(), &flow);
            None
        });
    }

    /// Autosaves a few seconds after the last edit.
    pub(super) fn autosave_when_idle(&mut self, ctx: &egui::Context, now: Instant) {
        let doc = &self.session.doc;
        let identity = doc.identity();
        if !doc.is_dirty() || self.autosaved == Some(identity) {
            return;
        }
        let since = match self.changed_at {
            Some((seen, at)) if seen == identity => at,
            _ => {
                self.changed_at = Some((identity, now));
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
            let path = self.session.doc.path().map(Path::to_path_buf);
            let registry = self.session.registry.clone();
            self.replace_document(Document::recovered(flow, path, registry));
        }
    }

    /// Forgets the recovered edits (the "Discard" answer).
    pub fn discard_recovery(&mut self) {
        self.recovery_offer = None;
        if let Some(file) = self.recovery_file() {
            recovery::remove(&file);
        }
    }

    /// Forgets unsaved edits (the user chose Discard before New, Open or Quit): the file's
    /// own content comes back and the recovery copy goes.
    pub(super) fn discard_edits(&mut self) {
        if let Some(file) = self.recovery_file() {
            recovery::remove(&file);
        }
        let doc = &self.session.doc;
        let reopened = doc.reopened(doc.flow().clone());
        self.session.doc = reopened;
        self.update_restriction();
    }
}

/// Opens `folder` in the system's file manager (without waiting for it).
pub(super) fn open_folder(folder: &Path) -> Result<(), String> {
    if !folder.is_dir() {
        return Err(format!("{} does not exist (any more)", folder.display()));
    }
    opener::open(folder).map_err(|err| format!("could not show {}: {err}", folder.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn showing_a_folder_that_is_gone_says_so() {
        let problem = open_folder(Path::new("/no/such/folder")).unwrap_err();
        assert!(problem.contains("does not exist"), "{problem}");
    }
}
