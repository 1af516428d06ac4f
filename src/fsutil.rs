//! File system helpers shared by the engine: atomic writes, and removing the temporaries
//! of writers that were killed before they could.

use std::fs;
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

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

fn write_replacing(path: &Path, bytes: &[u8], sync: bool) -> io::Result<()> {
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
pub fn remove_stale_temporaries(dir: &Path) -> Vec<(std::path::PathBuf, io::Error)> {
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
#[allow(unsafe_code)] // reason: std cannot ask whether another process exists
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
    // SAFETY: kill(2) with signal 0 only checks that the process exists; it takes no pointers.
    let result = unsafe { libc::kill(pid, 0) };
    result == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
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
