//! Linking subflows: each node that runs another flow (a subflow, a loop) gets that flow,
//! read and checked, and its interface. A flow that includes itself, directly or through
//! others, is refused with the chain of files named; a missing or invalid inner file is a
//! problem of the outer node that names both files.
//!
//! Files nest at most [`MAX_NESTING`] deep, so linking recurses on the nesting of files
//! (bounded), never on the depth of a graph. Within one load each inner file is read once,
//! however many nodes refer to it.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::check::flow_interface;
use crate::model::{Flow, NodeId, SubflowLink};
use crate::nodes::Registry;

/// How deep subflows may nest in one another.
pub const MAX_NESTING: usize = 32;

/// The parameter naming the flow a node runs.
pub const FLOW_PARAM: &str = "flow";

/// Reads inner flows for one load, remembering each.
pub(super) struct Linker<'r> {
    registry: &'r Registry,
    /// Each inner file read so far (by its normalized path): its link, or what is wrong.
    done: HashMap<PathBuf, Result<Arc<SubflowLink>, String>>,
    /// The files being read, outermost first: a file met again here includes itself.
    chain: Vec<PathBuf>,
}

impl<'r> Linker<'r> {
    /// A linker for a load of the flow at `path` (`None`: a flow not saved to a file).
    pub(super) fn new(registry: &'r Registry, path: Option<&Path>) -> Self {
        Self {
            registry,
            done: HashMap::new(),
            chain: path.map(normalize).into_iter().collect(),
        }
    }

    /// Links every node of `flow` that runs another flow (paths relative to `dir`); returns
    /// each node's problem.
    pub(super) fn link(&mut self, flow: &mut Flow, dir: &Path) -> Vec<(NodeId, String)> {
        let mut problems = Vec::new();
        for node in &mut flow.nodes {
            let Some(kind) = self.registry.get(&node.kind) else {
                continue;
            };
            if !kind.runs_flow() {
                continue;
            }
            node.subflow = None;
            let relative = match node.params.get(FLOW_PARAM) {
                Some(crate::model::ParamValue::Text(text)) if !text.trim().is_empty() => {
                    text.trim().to_owned()
                }
                _ => {
                    problems.push((
                        node.id.clone(),
                        "choose the flow it runs (its `flow` parameter is empty)".to_owned(),
                    ));
                    continue;
                }
            };
            match self.linked(&dir.join(&relative)) {
                Ok(link) => node.subflow = Some(link),
                Err(message) => problems.push((node.id.clone(), message)),
            }
        }
        problems
    }

    /// The link to the flow at `path`, read now or earlier in this load.
    fn linked(&mut self, path: &Path) -> Result<Arc<SubflowLink>, String> {
        let key = normalize(path);
        if self.chain.contains(&key) {
            let mut names: Vec<String> = self.chain.iter().map(|p| shown(p)).collect();
            let start = self.chain.iter().position(|p| *p == key).unwrap_or(0);
            names.drain(..start);
            names.push(shown(&key));
            return Err(format!(
                "it includes itself: {} (a flow cannot run itself)",
                names.join(" → ")
            ));
        }
        if let Some(done) = self.done.get(&key) {
            return done.clone();
        }
        if self.chain.len() > MAX_NESTING {
            return Err(format!(
                "subflows nest more than {MAX_NESTING} deep at {}",
                shown(&key)
            ));
        }
        self.chain.push(key.clone());
        let result = self.read(&key);
        self.chain.pop();
        self.done.insert(key, result.clone());
        result
    }

    /// Reads, links and checks the inner flow at `path`.
    fn read(&mut self, path: &Path) -> Result<Arc<SubflowLink>, String> {
        let text = super::read_text(path).map_err(|err| match err {
            super::LoadError::Io { source, .. } => {
                format!("cannot read {}: {}", shown(path), source)
            }
            other => format!("cannot read {}", other),
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let flow =
            super::parse_linking(&text, self.registry, dir, self).map_err(|diagnostics| {
                let lines: Vec<String> = diagnostics.iter().map(|d| d.with_path(path)).collect();
                format!("{} is not a valid flow: {}", shown(path), lines.join("; "))
            })?;
        let mut hasher = Sha256::new();
        hasher.update(text.as_bytes());
        for node in &flow.nodes {
            if let Some(inner) = &node.subflow {
                hasher.update([0]);
                hasher.update(inner.digest.as_bytes());
            }
        }
        let (inputs, outputs) = flow_interface(&flow, self.registry);
        Ok(Arc::new(SubflowLink {
            path: path.to_path_buf(),
            flow: Arc::new(flow),
            inputs,
            outputs,
            digest: crate::hex::encode(&hasher.finalize()),
        }))
    }
}

/// A path with `.` and `a/..` taken out (without touching the disk, so a file that does
/// not exist still has a name), used to tell whether two references are the same file.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// A path as people read it in a message.
fn shown(path: &Path) -> String {
    path.display().to_string()
}

/// Links the subflows of `flow`, a flow kept at `path` (or not saved, `None`, its paths
/// then relative to `dir`): each node that runs another flow gets it, or a problem for
/// people ("cannot read flows/x.flow: …", "it includes itself: a.flow → b.flow → a.flow").
/// The app calls this when a node's `flow` changes or an inner file changes on disk.
pub fn link_subflows(
    flow: &mut Flow,
    path: Option<&Path>,
    dir: &Path,
    registry: &Registry,
) -> Vec<(NodeId, String)> {
    Linker::new(registry, path).link(flow, dir)
}
