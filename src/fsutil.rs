//! File system helpers shared by the engine: atomic writes, and removing the temporaries
//! of writers that were killed before they could.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The folder of the flow saved at `flow_file`, the crate's one answer to "where is this flow":
/// relative paths in the flow are resolved against it and trust is given to it. The file's
/// own folder (`.` for a bare file name), made absolute with links resolved where it exists.
pub fn flow_folder(flow_file: &Path) -> PathBuf {
    let dir = match flow_file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    dir.canonicalize().unwrap_or(dir)
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder is written,
/// flushed to disk and renamed over `path`, so a crash never leaves a half-written file.
/// Missing parent folders are created.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_replacing(path, bytes, true)
}

/// Like [`atomic_write`] but without waiting for the disk: a crash of the program still never
/// leaves a half-written file, but a power cut may lose the write. For many small files whose
/// loss costs little (each item of a batch in a node's history).
pub fn atomic_write_unsynced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_replacing(path, bytes, false)
}

/// Saves a document (a `.flow` the user keeps) atomically like [`atomic_write`], but as an
/// editor would: when `path` is a symbolic link, the file it finally points to is the one
/// rewritten (the link stays a link), and the file's permission bits are kept (a `chmod 600`
/// flow stays 600). Only for the user's own files: the result store never follows links.
pub fn atomic_save(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let target = final_target(path)?;
    let permissions = match fs::metadata(&target) {
        Ok(meta) => Some(meta.permissions()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => None,
        Err(err) => return Err(err),
    };
    write_replacing_with(&target, bytes, true, permissions)
}

/// Where `path` leads once every symbolic link in its last part is followed (the target may
/// not exist yet: a link to a file to be made).
fn final_target(path: &Path) -> io::Result<PathBuf> {
    /// As many links as the kernel follows before it gives up (`ELOOP`).
    const MAX_LINKS: usize = 40;
    let mut at = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = fs::read_link(&at)?;
                at = match at.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            Ok(_) => return Ok(at),
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(at),
            Err(err) => return Err(err),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{}: too many levels of symbolic links", path.display()),
    ))
}

fn write_replacing(path: &Path, bytes: &[u8], sync: bool) -> io::Result<()> {
    write_replacing_with(path, bytes, sync, None)
}

/// Writes a temporary beside `path` (with `permissions`, when given), then renames it over.
fn write_replacing_with(
    path: &Path,
    bytes: &[u8],
    sync: bool,
    permissions: Option<fs::Permissions>,
) -> io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir)?;
    let file_name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name"))?;
    let temp = dir.join(format!(
        ".{}.tmp-{}-{}",
        file_name.to_string_lossy(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = fs::File::create(&temp)?;
        file.write_all(bytes)?;
        if let Some(permissions) = permissions {
            file.set_permissions(permissions)?;
        }
        if sync {
            file.sync_all()?;
        }
        drop(file);
        fs::rename(&temp, path)?;
        #[cfg(unix)]
        if let (true, Ok(dir)) = (sync, fs::File::open(dir)) {
            // Make the rename itself durable; a failure here leaves the new file in place.
            let _ = dir.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// The process that made `name`, when it is the name of one of [`atomic_write`]'s
/// temporaries (`.NAME.tmp-PID-N`).
pub fn temporary_owner(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?;
    let (_, tail) = rest.rsplit_once(".tmp-")?;
    let (pid, count) = tail.split_once('-')?;
    if count.is_empty() || !count.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

/// Removes the temporaries in `dir` left by writers that are no longer running (killed
/// between writing and renaming). A live process's temporaries, this one's included, are
/// left alone. Returns the files that could not be removed, with why.
pub fn remove_stale_temporaries(dir: &Path) -> Vec<(PathBuf, io::Error)> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let me = std::process::id();
    let mut failures = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let Some(owner) = name.to_str().and_then(temporary_owner) else {
            continue;
        };
        if owner == me || process_alive(owner) {
            continue;
        }
        let path = entry.path();
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => failures.push((path, err)),
        }
    }
    failures
}

/// Whether process `pid` is running (on this machine, in this process's view of them).
#[cfg(unix)]
pub fn process_alive(pid: u32) -> bool {
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    if pid as u32 == std::process::id() {
        return true;
    }
    // kill(2) with no signal only checks that the process exists; EPERM: it does, as
    // another user's.
    match nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None) {
        Ok(()) | Err(nix::errno::Errno::EPERM) => true,
        Err(_) => false,
    }
}

/// Whether process `pid` is running; without a way to ask, only this process is.
#[cfg(not(unix))]
pub fn process_alive(pid: u32) -> bool {
    pid == std::process::id()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_replaces_without_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/out.txt");
        atomic_write(&path, b"one").unwrap();
        atomic_write(&path, b"two").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "two");
        let names: Vec<_> = fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(names.len(), 1, "temporary files left behind");
    }

    #[cfg(unix)]
    #[test]
    fn save_keeps_the_file_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.flow");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        atomic_save(&path, b"new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "mode {mode:o}");
    }

    #[cfg(unix)]
    #[test]
    fn save_through_a_symlink_keeps_the_link_and_rewrites_its_target() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("real")).unwrap();
        let target = dir.path().join("real/tgt.flow");
        fs::write(&target, "old").unwrap();
        // A relative link, through a second link.
        let first = dir.path().join("l1.flow");
        std::os::unix::fs::symlink("real/tgt.flow", &first).unwrap();
        let link = dir.path().join("l.flow");
        std::os::unix::fs::symlink(&first, &link).unwrap();
        atomic_save(&link, b"new").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(fs::symlink_metadata(&first)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
    }

    #[test]
    fn temporaries_are_recognised_by_name() {
        assert_eq!(temporary_owner(".a.json.tmp-123-4"), Some(123));
        assert_eq!(temporary_owner(".x.tmp-y.tmp-9-0"), Some(9));
        assert_eq!(temporary_owner("a.json.tmp-123-4"), None);
        assert_eq!(temporary_owner(".a.json.tmp-123-"), None);
        assert_eq!(temporary_owner(".a.json"), None);
    }

    #[test]
    fn stale_temporaries_go_and_live_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        let dead = dir.path().join(format!(".r.json.tmp-{}-0", u32::MAX - 7));
        let mine = dir
            .path()
            .join(format!(".r.json.tmp-{}-0", std::process::id()));
        let keep = dir.path().join("r.json");
        for path in [&dead, &mine, &keep] {
            fs::write(path, "x").unwrap();
        }
        assert!(remove_stale_temporaries(dir.path()).is_empty());
        assert!(!dead.exists(), "a dead writer's temporary is removed");
        assert!(mine.exists(), "a live writer's temporary stays");
        assert!(keep.exists());
    }
}
