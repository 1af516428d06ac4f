//! The panels and dialogs around the canvas: the trust banner and restricted mode, the
//! unfinished-run banner, the drawer, the image viewer, the results window, and the
//! questions about unsaved edits and recovered copies.

use std::path::Path;

use eframe::egui;

use super::flowcanvas_app::{DialogPurpose, FlowcanvasApp};
use crate::session::commands::AppCommand;
use crate::trust::{FlowEffects, TrustList};
use crate::ui::dialogs::{self, UnsavedChoice};
use crate::ui::{drawer, trust_banner};

impl FlowcanvasApp {
    /// Restricts the open document when its file lies in a folder nobody trusted. New
    /// flows, the welcome flow and recovered untitled edits are the user's own: never
    /// restricted.
    pub(super) fn update_restriction(&mut self) {
        // Read again: `flowcanvas trust` or another window may have added folders.
        if let Some(dir) = &self.config_dir {
            self.trust = Some(TrustList::load(dir));
        }
        let restricted = match (&self.trust, self.session.doc.path()) {
            (Some(list), Some(path)) => !list.is_flow_trusted(path),
            _ => false,
        };
        self.session.doc.set_restricted(restricted);
        self.trust_effects = None;
    }

    /// Trusts the open flow's folder (the banner's button) and lifts the restriction.
    pub(super) fn trust_folder(&mut self) {
        let folder = self.session.doc.base_dir();
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

    /// Trusts the folder a flow of the user's own was just saved in.
    pub(super) fn trust_saved_folder(&mut self, path: &Path) {
        let (Some(list), Some(dir)) = (&mut self.trust, path.parent()) else {
            return;
        };
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
            self.notice(&format!("Could not trust {}: {err}", dir.display()));
        }
    }

    /// The restricted-mode banner, when the open flow is restricted and would do something
    /// outside itself.
    fn trust_banner(&mut self, ctx: &egui::Context) {
        let doc = &self.session.doc;
        if !doc.is_restricted() {
            return;
        }
        if self.trust_effects.as_ref().map(|(at, ..)| *at) != Some(doc.identity()) {
            let folder = doc.base_dir();
            let effects = FlowEffects::of(doc.flow(), &self.session.registry, &folder);
            self.trust_effects = Some((doc.identity(), folder, std::sync::Arc::new(effects)));
        }
        if let Some((_, folder, effects)) = &self.trust_effects {
            if trust_banner::has_something_to_say(effects) {
                let commands = trust_banner::show(ctx, folder, effects);
                self.commands.extend(commands);
            }
        }
    }

    /// The trust banner, the unfinished-run banner, the drawer (Outputs, Runs), the image
    /// viewer and the results window: drawn before the central panel, which takes the room
    /// they leave.
    pub(super) fn side_panels(&mut self, ctx: &egui::Context) {
        self.trust_banner(ctx);
        let session = &self.session;
        let catalog = &session.catalog;
        if let Some(run) = catalog
            .unfinished_run()
            .filter(|run| !self.dismissed_unfinished.contains(&run.id))
            .filter(|_| !session.run_view.is_running())
            // While restricted, continuing would block the same nodes again: the trust
            // banner is the question to answer first.
            .filter(|_| !session.doc.is_restricted())
        {
            let commands = drawer::unfinished_banner(ctx, session.doc.flow(), catalog, run);
            self.commands.extend(commands);
        }
        // The notice that a run waits for a decision, with the way to its page.
        if let Some(record) = awaiting_record(session) {
            let commands = drawer::decision_banner(ctx, catalog, &record.0, &record.1);
            self.commands.extend(commands);
        }
        if let Some(tab) = self.drawer {
            let commands = drawer::show(
                ctx,
                tab,
                session.doc.flow(),
                catalog,
                &session.doc.base_dir(),
                &mut self.textures,
            );
            self.commands.extend(commands);
        }
        if let Some((title, image)) = &self.image_viewer {
            let open = crate::ui::image_viewer::show(ctx, title, image, &mut self.textures);
            if !open {
                self.image_viewer = None;
            }
        }
        let awaiting = session.awaiting();
        if let Some(page) = &mut self.run_page {
            let live = session.run_view.run.filter(|_| {
                session.run_view.is_running()
                    && session.run_view.record.as_deref() == Some(page.run.as_str())
            });
            let input = crate::ui::run_page::RunPageInput {
                flow: session.doc.flow(),
                names: &session.derived.labels,
                catalog,
                awaiting: awaiting.as_ref(),
                live,
                base_dir: &session.doc.base_dir(),
                previous_result: (awaiting.as_ref())
                    .and_then(|a| {
                        session
                            .run_view
                            .node(a.previous.as_ref()?)?
                            .result
                            .as_deref()
                    })
                    .map(crate::results::main_text),
            };
            let (commands, open) =
                crate::ui::run_page::show(ctx, page, &input, &mut self.monitor.decision_comment);
            self.commands.extend(commands);
            if !open {
                self.run_page = None;
            }
        }
        if let Some(window) = &mut self.results_window {
            let (commands, open) = window.show(
                ctx,
                session.doc.flow(),
                catalog,
                &session.doc.base_dir(),
                &mut self.textures,
            );
            self.commands.extend(commands);
            if !open {
                self.results_window = None;
            }
        }
    }

    /// The modal questions: restore recovered edits, an error, unsaved changes.
    pub(super) fn dialogs(&mut self, ctx: &egui::Context) {
        if self.recovery_offer.is_some() {
            match dialogs::recovery(ctx, &self.session.doc.display_name()) {
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
        let Some(pending) = self.confirm.clone() else {
            return;
        };
        let action = match pending {
            AppCommand::New => "start a new flow",
            AppCommand::Open(_) => "open another file",
            _ => "quit",
        };
        match dialogs::unsaved(ctx, &self.session.doc.display_name(), action) {
            Some(UnsavedChoice::Save) => {
                self.confirm = None;
                match self.session.doc.path().map(Path::to_path_buf) {
                    Some(path) => {
                        self.save(&path);
                        if !self.session.doc.is_dirty() {
                            self.commands.push(pending);
                        }
                    }
                    None => self.start_file_dialog(DialogPurpose::SaveAs {
                        then: Some(pending),
                    }),
                }
            }
            Some(UnsavedChoice::Discard) => {
                self.confirm = None;
                self.discard_edits();
                self.commands.push(pending);
            }
            Some(UnsavedChoice::Cancel) => self.confirm = None,
            None => {}
        }
    }

    /// The window's close button: asks first about unsaved edits.
    pub(super) fn close_request(&mut self, ctx: &egui::Context) {
        let closing = ctx.input(|i| i.viewport().close_requested());
        if closing && self.session.doc.is_dirty() && !self.allow_close {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            if self.confirm.is_none() {
                self.confirm = Some(AppCommand::Quit);
            }
        }
    }
}

/// The record of the run waiting for a decision, and the step it waits at (named).
fn awaiting_record(session: &crate::session::Session) -> Option<(String, String)> {
    let awaiting = session.awaiting()?;
    let record = awaiting.record?;
    Some((record, session.derived.labels.quoted(&awaiting.node)))
}
