//! The recent-files list, kept in the user's config folder (newest first).

use std::path::{Path, PathBuf};

pub use crate::settings::config_dir;

/// How many recent files are remembered.
const MAX_RECENT: usize = 10;

/// Recently opened or saved flows.
#[derive(Debug, Default)]
pub struct RecentFiles {
    file: Option<PathBuf>,
    /// Newest first.
    pub paths: Vec<PathBuf>,
}

impl RecentFiles {
    /// The list stored at `$XDG_CONFIG_HOME/flowcanvas/recent.txt` (or `~/.config/…`).
    /// `FLOWCANVAS_CONFIG_DIR` overrides the folder (tests use it).
    pub fn load_default() -> Self {
        match config_dir() {
            Some(dir) => Self::load(&dir.join("recent.txt")),
            None => Self::default(),
        }
    }

    /// The list stored in `file` (empty when missing or unreadable).
    pub fn load(file: &Path) -> Self {
        let paths = std::fs::read_to_string(file)
            .map(|text| {
                text.lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(PathBuf::from)
                    .collect()
            })
            .unwrap_or_default();
        Self {
            file: Some(file.to_path_buf()),
            paths,
        }
    }

    /// The most recent file, if any.
    pub fn last(&self) -> Option<&Path> {
        self.paths.first().map(PathBuf::as_path)
    }

    /// Moves `path` to the front and stores the list. Failing to store it is not worth
    /// bothering the user about: the list is a convenience.
    pub fn touch(&mut self, path: &Path) {
        let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        self.paths.retain(|p| *p != path);
        self.paths.insert(0, path);
        self.paths.truncate(MAX_RECENT);
        if let Some(file) = &self.file {
            let text: String = self
                .paths
                .iter()
                .map(|p| format!("{}\n", p.display()))
                .collect();
            let _ = crate::fsutil::atomic_write(file, text.as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_first_without_duplicates_and_stored() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("cfg/recent.txt");
        let (a, b) = (dir.path().join("a.flow"), dir.path().join("b.flow"));
        std::fs::write(&a, "").unwrap();
        std::fs::write(&b, "").unwrap();
        let mut recent = RecentFiles::load(&store);
        recent.touch(&a);
        recent.touch(&b);
        recent.touch(&a);
        let again = RecentFiles::load(&store);
        assert_eq!(again.paths.len(), 2);
        assert!(again.last().unwrap().ends_with("a.flow"));
    }
}
