//! The trusted folders: a flow in one of them, or in a folder below one, runs without
//! restriction in the app. Kept as one absolute path per line in `trusted-folders.txt` in
//! the settings folder, shared by the app and `flowcanvas trust`.

use std::path::{Path, PathBuf};

/// The file in the settings folder that lists the trusted folders.
pub const TRUST_FILE: &str = "trusted-folders.txt";

/// The folders the user trusts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrustList {
    /// Where the list is kept; `None` keeps it in memory only.
    file: Option<PathBuf>,
    /// The folders, canonical, in the order they were added.
    folders: Vec<PathBuf>,
}

impl TrustList {
    /// The list kept in `settings_dir` (empty when the file is missing or unreadable).
    pub fn load(settings_dir: &Path) -> Self {
        let file = settings_dir.join(TRUST_FILE);
        let folders = read_folders(&file);
        Self {
            file: Some(file),
            folders,
        }
    }

    /// The folders, in the order they were added.
    pub fn folders(&self) -> &[PathBuf] {
        &self.folders
    }

    /// Whether `folder` is trusted: it, or a folder above it, is in the list.
    pub fn is_trusted(&self, folder: &Path) -> bool {
        let folder = folder
            .canonicalize()
            .unwrap_or_else(|_| folder.to_path_buf());
        self.folders
            .iter()
            .any(|trusted| folder.starts_with(trusted))
    }

    /// Whether a flow file's folder is trusted.
    pub fn is_flow_trusted(&self, flow_file: &Path) -> bool {
        self.is_trusted(&crate::fsutil::flow_folder(flow_file))
    }

    /// Adds `folder` (made absolute, links resolved) and stores the list, keeping what
    /// another process added meanwhile. Returns the folder as stored. The folder must
    /// exist.
    pub fn add(&mut self, folder: &Path) -> std::io::Result<PathBuf> {
        let folder = folder.canonicalize()?;
        if !folder.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{} is not a folder", folder.display()),
            ));
        }
        if let Some(file) = &self.file {
            // Another process (the CLI, another window) may have added folders since.
            for other in read_folders(file) {
                if !self.folders.contains(&other) {
                    self.folders.push(other);
                }
            }
        }
        if !self.folders.contains(&folder) {
            self.folders.push(folder.clone());
        }
        if let Some(file) = &self.file {
            if let Some(dir) = file.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let text: String = self
                .folders
                .iter()
                .map(|f| format!("{}\n", f.display()))
                .collect();
            crate::fsutil::atomic_write(file, text.as_bytes())?;
        }
        Ok(folder)
    }
}

/// The absolute paths listed in `file`, one per line (`#` lines and relative paths are
/// left out).
fn read_folders(file: &Path) -> Vec<PathBuf> {
    std::fs::read_to_string(file)
        .map(|text| {
            text.lines()
                .map(str::trim)
                .filter(|line| !line.is_empty() && !line.starts_with('#'))
                .map(PathBuf::from)
                .filter(|path| path.is_absolute())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trusted_folder_covers_its_subfolders_and_is_kept() {
        let settings = tempfile::tempdir().unwrap();
        let work = tempfile::tempdir().unwrap();
        let sub = work.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        let mut list = TrustList::load(settings.path());
        assert!(!list.is_trusted(&sub));
        list.add(&work.path().join("a")).unwrap();
        assert!(list.is_trusted(&sub));
        assert!(list.is_flow_trusted(&sub.join("x.flow")));
        assert!(!list.is_trusted(work.path()));
        let again = TrustList::load(settings.path());
        assert!(again.is_trusted(&sub), "{:?}", again.folders());
        assert!(list.add(&work.path().join("missing")).is_err());
    }
}
