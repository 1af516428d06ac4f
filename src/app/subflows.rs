//! Subflows in the window: opening the flow a subflow (or loop) node runs in place of the
//! outer one, with a breadcrumb back (Esc goes back one level); the inner flow shows the
//! outer run's inner steps live on its nodes. Also Group into subflow and Inline.

use std::path::{Path, PathBuf};

use eframe::egui;

use super::flowcanvas_app::{AfterLayout, FlowcanvasApp};
use crate::exec::{Event, RunId};
use crate::format;
use crate::model::NodeId;
use crate::nodes::Progress;
use crate::session::commands::AppCommand;
use crate::session::compose;
use crate::session::document::Document;
use crate::session::edit::DocEdit;
use crate::session::Session;

/// A flow the window went into a subflow from: kept whole (its edits, undo, run view and
/// results), to come back to.
pub struct OuterFlow {
    /// The outer flow's session.
    pub session: Session,
    /// The node whose flow was opened.
    pub via: NodeId,
    /// That node's title, for the breadcrumb.
    pub via_title: String,
}

impl FlowcanvasApp {
    /// Opening, leaving, grouping and inlining subflows.
    pub(super) fn apply_subflow(&mut self, command: AppCommand) {
        match command {
            AppCommand::OpenSubflow(node) => self.open_subflow(&node),
            AppCommand::LeaveSubflow(depth) => self.leave_subflow(depth),
            AppCommand::GroupIntoSubflow => self.group_into_subflow(),
            AppCommand::InlineSubflow(node) => {
                let session = &self.session;
                match compose::inline_subflow(session.doc.flow(), &session.registry, &node) {
                    Ok(replacement) => self.edit(DocEdit::Replace(replacement)),
                    Err(why) => self.notice(&format!("Cannot inline: {why}")),
                }
            }
            _ => {}
        }
    }

    /// The breadcrumb's names: each outer flow's file and the node gone through, then the
    /// open flow's.
    pub fn breadcrumb(&self) -> Vec<String> {
        let mut crumbs: Vec<String> = (self.outer.iter())
            .map(|outer| outer.session.doc.display_name())
            .collect();
        if let Some(last) = self.outer.last() {
            crumbs.push(format!(
                "{} ({})",
                last.via_title,
                self.session.doc.display_name()
            ));
        }
        crumbs
    }

    /// How deep in subflows the window is (0: the flow it opened).
    pub fn subflow_depth(&self) -> usize {
        self.outer.len()
    }

    fn open_subflow(&mut self, node: &NodeId) {
        let doc = &self.session.doc;
        let Some(found) = doc.flow().node(node.as_str()) else {
            return;
        };
        let title = self.session.derived.labels.name(node).into_owned();
        let Some(link) = found.subflow.clone() else {
            let why = doc
                .link_problem(node)
                .unwrap_or("its flow is not set")
                .to_owned();
            self.notice(&format!("Cannot open `{title}`: {why}"));
            return;
        };
        let path: PathBuf = link.path.clone();
        let flow = match format::load(&path, &self.session.registry) {
            Ok(flow) => flow,
            Err(err) => {
                self.notice(&format!(
                    "Cannot open `{title}`: {}",
                    err.lines().join("; ")
                ));
                return;
            }
        };
        let registry = self.session.registry.clone();
        let run_with = self.values_run_with(node, &link);
        let mut inner = Session::new(registry.clone(), Document::new(flow, Some(path), registry));
        inner.run_with = run_with;
        let mut outer = std::mem::replace(&mut self.session, inner);
        outer.selection = vec![node.clone()];
        self.outer.push(OuterFlow {
            session: outer,
            via: node.clone(),
            via_title: title,
        });
        self.document_shown();
        // What the outer run did inside so far, on the inner nodes.
        self.show_members_of_outer_run();
    }

    /// The values the last run of subflow node `node` set as its flow's promoted inputs:
    /// what its producers' results (as this window knows them) and its constants give.
    fn values_run_with(
        &self,
        node: &NodeId,
        link: &crate::model::SubflowLink,
    ) -> Option<std::collections::BTreeMap<String, crate::model::ParamValue>> {
        let session = &self.session;
        let flow = session.doc.flow();
        let sub = flow.node(node.as_str())?;
        let mut inputs = Vec::new();
        for port in &link.inputs {
            let wired =
                crate::plan::producer_of_input(flow, &session.registry, node.as_str(), &port.name);
            let value = match wired {
                Some(source) => session
                    .run_view
                    .node(&source.node)
                    .and_then(|view| view.result.as_ref())
                    .and_then(|outputs| outputs.get(&source.port).cloned()),
                None => sub
                    .values
                    .get(&port.name)
                    .map(crate::model::ParamValue::to_value),
            };
            if let Some(value) = value {
                inputs.push((port.name.clone(), value));
            }
        }
        crate::exec::input_values(link, &inputs, &session.registry).ok()
    }

    /// Goes back out to the flow at `depth`. The flows left keep no unsaved edits: leaving
    /// one with some is refused with a word on how to keep them.
    fn leave_subflow(&mut self, depth: usize) {
        while self.outer.len() > depth {
            if self.session.doc.is_dirty() {
                let name = self.session.doc.display_name();
                self.notice(&format!(
                    "{name} has unsaved changes: save them (Ctrl+S) or undo them before going back"
                ));
                return;
            }
            let Some(outer) = self.outer.pop() else {
                return;
            };
            self.session = outer.session;
        }
        // The inner file may have changed while it was open.
        self.session.doc.relink();
        self.document_shown();
    }

    /// The aftercare of showing another document: the canvas, trust, stored results.
    fn document_shown(&mut self) {
        self.after_layout = Some(AfterLayout::ShowSomeNodes);
        self.update_restriction();
        self.monitor.selected = None;
        self.results_window = None;
        self.run_page = None;
        self.load_stored_results();
    }

    /// Gives the inner steps the statuses the outer run reported for them.
    fn show_members_of_outer_run(&mut self) {
        let Some(outer) = self.outer.last() else {
            return;
        };
        let Some(view) = outer.session.run_view.node(&outer.via) else {
            return;
        };
        for member in &view.members {
            self.session.run_view.show_member(member);
        }
    }

    /// Which session an event of run `run` belongs to: the depth it was asked from (the
    /// open flow's when not known).
    pub(super) fn owner_depth(&self, run: RunId) -> usize {
        self.run_owners
            .get(&run)
            .copied()
            .unwrap_or(self.outer.len())
            .min(self.outer.len())
    }

    /// Applies one engine event to the session it belongs to; queue-wide events go to every
    /// open level. A step of the subflow shown, reported by the outer run, shows on its
    /// node.
    pub(super) fn route_event(&mut self, event: &Event, now: std::time::Instant) {
        let run = event.run();
        if run == 0 {
            for outer in &mut self.outer {
                outer.session.run_view.apply(event, now);
            }
            self.session.run_view.apply(event, now);
            return;
        }
        let depth = self.owner_depth(run);
        if depth == self.outer.len() {
            self.session.run_view.apply(event, now);
            return;
        }
        self.outer[depth].session.run_view.apply(event, now);
        let parent = self.outer.len() - 1;
        if depth != parent {
            return;
        }
        if let Event::NodeProgress {
            node,
            progress:
                Progress::Member {
                    node: inner,
                    title,
                    status,
                    elapsed_ms,
                    message,
                    ..
                },
            ..
        } = event
        {
            if *node == self.outer[parent].via {
                self.session
                    .run_view
                    .show_member(&crate::session::run_view::MemberView {
                        node: inner.clone(),
                        title: title.clone(),
                        status: *status,
                        elapsed_ms: *elapsed_ms,
                        message: message.clone(),
                    });
            }
        }
    }

    /// Group into subflow: the selection goes to a new file in `flows/` beside the flow,
    /// and a subflow node running it takes its place.
    fn group_into_subflow(&mut self) {
        let Some(folder) = self.session.doc.path().map(crate::fsutil::flow_folder) else {
            self.notice("Save the flow first: the subflow is written beside it, in flows/");
            return;
        };
        let selection = self.session.selection.clone();
        if selection.is_empty() {
            self.notice("Select the nodes to put in a subflow first");
            return;
        }
        let title = group_title(&self.session, &selection);
        let (relative, path) = free_file(&folder, &title);
        let session = &self.session;
        let grouped = compose::group_into_subflow(
            session.doc.flow(),
            &session.registry,
            &selection,
            &title,
            &relative,
        );
        let (inner, replacement) = match grouped {
            Ok(grouped) => grouped,
            Err(why) => {
                self.notice(&format!("Cannot group into a subflow: {why}"));
                return;
            }
        };
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| format::save(&path, &inner));
        if let Err(err) = written {
            self.notice(&format!("Could not write {}: {err}", path.display()));
            return;
        }
        self.edit(DocEdit::Replace(replacement));
        self.notice(&format!("Grouped into {relative}"));
    }
}

/// The new subflow's title: the group the nodes are framed in, else the first node's
/// title, followed by "steps".
fn group_title(session: &Session, selection: &[NodeId]) -> String {
    let flow = session.doc.flow();
    if let Some(group) = (flow.layout.groups.iter())
        .find(|g| selection.iter().all(|id| g.nodes.contains(id)) && !g.title.trim().is_empty())
    {
        return group.title.trim().to_owned();
    }
    let first = session.derived.labels.name(&selection[0]);
    format!("{first} steps")
}

/// A file name in `flows/` under `folder` not taken yet, from `title`: the path written
/// into the node (relative, with `/`) and the full path.
fn free_file(folder: &Path, title: &str) -> (String, PathBuf) {
    let stem: String = title
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let stem = if stem.is_empty() {
        "subflow".to_owned()
    } else {
        stem
    };
    let mut n = 1;
    loop {
        let name = match n {
            1 => format!("{stem}.flow"),
            n => format!("{stem}-{n}.flow"),
        };
        let path = folder.join("flows").join(&name);
        if !path.exists() {
            return (format!("flows/{name}"), path);
        }
        n += 1;
    }
}

/// Draws the breadcrumb bar while a subflow is open; returns the level clicked.
pub fn breadcrumb_bar(ctx: &egui::Context, crumbs: &[String]) -> Option<AppCommand> {
    if crumbs.len() < 2 {
        return None;
    }
    let mut chosen = None;
    egui::TopBottomPanel::top("subflow_breadcrumb").show(ctx, |ui| {
        ui.horizontal(|ui| {
            if ui
                .button("⬅ Back")
                .on_hover_text("Back to the flow this one runs in (Esc)")
                .clicked()
            {
                chosen = Some(AppCommand::LeaveSubflow(crumbs.len() - 2));
            }
            ui.label(egui::RichText::new("Subflow:").strong());
            for (depth, crumb) in crumbs.iter().enumerate() {
                if depth > 0 {
                    ui.label("›");
                }
                if depth + 1 == crumbs.len() {
                    ui.label(egui::RichText::new(crumb).strong());
                    ui.label(
                        egui::RichText::new(
                            "  results and rings: its runs as this subflow, with the values wired in",
                        )
                        .weak(),
                    );
                } else if ui
                    .link(crumb)
                    .on_hover_text("Go back to this flow")
                    .clicked()
                {
                    chosen = Some(AppCommand::LeaveSubflow(depth));
                }
            }
        });
    });
    chosen
}
