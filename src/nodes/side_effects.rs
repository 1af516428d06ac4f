//! What a node would do outside its flow: the commands, requests, files and environment
//! variables a kind declares, read before any run (for the side-effect summary and for
//! restricted runs of flows from folders nobody trusted).

use std::path::{Component, Path, PathBuf};

use serde::Serialize;

/// How every reason for leaving a node out of a restricted run starts
/// (`needs trust: runs a shell command`).
pub const NEEDS_TRUST: &str = "needs trust";

/// Whether a skip or failure reason says the node was blocked for want of trust.
pub fn is_needs_trust(reason: &str) -> bool {
    reason.starts_with(NEEDS_TRUST)
}

/// What is known of an input's value before a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KnownInput {
    /// The value, as text: the input's constant, or the text typed into a Text or File
    /// path node wired straight into it.
    Value(String),
    /// It comes from a wire; the value exists only at run time.
    FromWire,
    /// Nothing is set.
    Unset,
}

impl KnownInput {
    /// The value, if known and not blank.
    pub fn value(&self) -> Option<&str> {
        match self {
            KnownInput::Value(text) if !text.trim().is_empty() => Some(text.trim()),
            _ => None,
        }
    }
}

/// One thing a node would do outside its flow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum SideEffect {
    /// Runs a command line with the platform shell.
    Command {
        /// The command line.
        command: String,
    },
    /// Sends an HTTP request.
    Request {
        /// Where to; `None` when the URL arrives over a wire at run time.
        url: Option<String>,
    },
    /// Reads a file (inside the flow's folder this needs no trust).
    Read {
        /// The path as written (relative to the flow's folder); `None` when it arrives
        /// over a wire at run time.
        path: Option<String>,
    },
    /// Writes a file.
    Write {
        /// The path as written; `None` when it arrives over a wire at run time.
        path: Option<String>,
    },
    /// Uses an environment variable: sets it for a command, or sends its value as a key.
    EnvVar {
        /// The variable's name.
        name: String,
        /// What it is used for ("API key", "header `Authorization`", "set for the command").
        purpose: String,
    },
    /// Something else outside the flow, described for people.
    Other {
        /// What it does.
        what: String,
    },
}

/// Whether `path` (absolute, or relative to `folder`) lies in `folder` or one of its
/// subfolders. `..` is followed, and so are symbolic links as far as the path exists (a
/// link inside the folder that points outside is outside).
pub fn is_inside_folder(folder: &Path, path: &Path) -> bool {
    let folder = real_path(folder);
    real_path(&folder.join(path)).starts_with(&folder)
}

/// The path with symbolic links resolved as far as it exists, and `.` and `..` folded
/// for the part that does not exist yet.
fn real_path(path: &Path) -> PathBuf {
    if let Ok(real) = path.canonicalize() {
        return real;
    }
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                normal.pop();
            }
            Component::CurDir => {}
            other => normal.push(other),
        }
    }
    let mut existing = normal.as_path();
    let mut missing = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            return missing.iter().rev().fold(real, |mut out, name| {
                out.push(name);
                out
            });
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                missing.push(name.to_owned());
                existing = parent;
            }
            _ => return normal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inside_follows_dot_dot_and_links() {
        let dir = tempfile::tempdir().unwrap();
        let flow_dir = dir.path().join("flow");
        std::fs::create_dir_all(flow_dir.join("data")).unwrap();
        std::fs::write(dir.path().join("secret.txt"), "x").unwrap();
        assert!(is_inside_folder(&flow_dir, Path::new("data/a.txt")));
        assert!(is_inside_folder(&flow_dir, Path::new("new/deeper/b.txt")));
        assert!(!is_inside_folder(&flow_dir, Path::new("../secret.txt")));
        assert!(!is_inside_folder(&flow_dir, Path::new("data/../../x")));
        assert!(!is_inside_folder(&flow_dir, Path::new("/etc/passwd")));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("secret.txt"), flow_dir.join("link"))
                .unwrap();
            assert!(!is_inside_folder(&flow_dir, Path::new("link")));
        }
    }
}
