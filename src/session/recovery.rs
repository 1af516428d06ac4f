//! Autosave and recovery: unsaved edits are copied every few seconds to a recovery file in the
//! settings folder (never over the user's file); after a crash the app offers to restore them.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::format;
use crate::model::Flow;
use crate::nodes::Registry;

/// The first line of a recovery file names the flow it belongs to.
const HEADER: &str = "// flowcanvas recovery of: ";

/// Where the recovery copy of a document lives.
pub fn recovery_path(dir: &Path, flow_path: Option<&Path>) -> PathBuf {
    let name = match flow_path {
        Some(path) => {
            let absolute = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
            let digest = Sha256::digest(absolute.to_string_lossy().as_bytes());
            let hash = crate::hex::encode(&digest[..6]);
            let stem = path
                .file_stem()
                .map_or("flow".into(), |s| s.to_string_lossy().into_owned());
            format!("{stem}-{hash}.flow")
        }
        None => "untitled.flow".to_owned(),
    };
    dir.join("recovery").join(name)
}

/// Writes the recovery copy (atomically).
pub fn write(file: &Path, flow_path: Option<&Path>, flow: &Flow) -> std::io::Result<()> {
    let origin = flow_path.map_or("(untitled)".to_owned(), |p| p.display().to_string());
    let text = format!("{HEADER}{origin}\n{}", format::to_text(flow));
    crate::fsutil::atomic_write(file, text.as_bytes())
}

/// The recovered flow in `file`, if there is one that loads. `flow_path` is the file the
/// copy was made from: the flows its subflow nodes run are found beside it.
pub fn read(file: &Path, flow_path: Option<&Path>, registry: &Registry) -> Option<Flow> {
    let text = std::fs::read_to_string(file).ok()?;
    match flow_path {
        Some(path) => format::parse_at(&text, registry, path).ok(),
        None => format::parse(&text, registry).ok(),
    }
}

/// Forgets the recovery copy (after a save, or when the user discards it).
pub fn remove(file: &Path) {
    // Nothing to recover is the goal; a copy that is already gone is fine.
    let _ = std::fs::remove_file(file);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Node;

    #[test]
    fn a_recovery_copy_round_trips_and_names_its_flow() {
        let dir = tempfile::tempdir().unwrap();
        let flow_path = dir.path().join("work.flow");
        let file = recovery_path(dir.path(), Some(&flow_path));
        assert!(file.starts_with(dir.path().join("recovery")));
        assert_ne!(
            file,
            recovery_path(dir.path(), Some(&dir.path().join("other/work.flow")))
        );
        let mut flow = Flow::default();
        flow.nodes
            .push(Node::new("a", "text").with_param("text", "unsaved"));
        write(&file, Some(&flow_path), &flow).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.starts_with(HEADER), "{text}");
        assert_eq!(read(&file, None, &Registry::builtin()), Some(flow));
        remove(&file);
        assert!(read(&file, None, &Registry::builtin()).is_none());
    }
}
