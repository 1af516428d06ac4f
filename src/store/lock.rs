//! Advisory whole-file locks (`flock(2)`), the store's one way of keeping processes apart:
//! appends to the results journal take the journal's lock for the length of one write, and
//! a live run holds the lock of its own `.live` file until it ends, so a run whose process
//! died (whatever its pid became since) is seen as interrupted.
//!
//! On systems without `flock` the functions report [`io::ErrorKind::Unsupported`] and the
//! callers fall back to weaker checks.

use std::fs::File;
use std::io;

/// Takes `file`'s exclusive lock, waiting for other holders.
pub(crate) fn lock_exclusive(file: &File) -> io::Result<()> {
    imp::flock(file, imp::LOCK_EX)
}

/// Releases `file`'s lock.
pub(crate) fn unlock(file: &File) -> io::Result<()> {
    imp::flock(file, imp::LOCK_UN)
}

/// Takes `file`'s exclusive lock if nobody holds it; `Ok(false)` when someone does.
pub(crate) fn try_lock_exclusive(file: &File) -> io::Result<bool> {
    match imp::flock(file, imp::LOCK_EX | imp::LOCK_NB) {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == io::ErrorKind::WouldBlock => Ok(false),
        Err(err) => Err(err),
    }
}

#[cfg(unix)]
mod imp {
    use std::fs::File;
    use std::io;
    use std::os::unix::io::AsRawFd;

    pub(super) use libc::{LOCK_EX, LOCK_NB, LOCK_UN};

    #[allow(unsafe_code)] // reason: std has no file locks at the crate's minimum Rust version
    pub(super) fn flock(file: &File, operation: i32) -> io::Result<()> {
        loop {
            // SAFETY: flock(2) takes a descriptor (kept open by `file` for the whole call)
            // and a flag word; it touches no memory of ours.
            let result = unsafe { libc::flock(file.as_raw_fd(), operation) };
            if result == 0 {
                return Ok(());
            }
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                return Err(err);
            }
        }
    }
}

#[cfg(not(unix))]
mod imp {
    use std::fs::File;
    use std::io;

    pub(super) const LOCK_EX: i32 = 2;
    pub(super) const LOCK_NB: i32 = 4;
    pub(super) const LOCK_UN: i32 = 8;

    pub(super) fn flock(_file: &File, _operation: i32) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "file locks are not available here",
        ))
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_is_busy_for_another_open_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock");
        let first = File::create(&path).unwrap();
        let second = File::open(&path).unwrap();
        assert!(try_lock_exclusive(&first).unwrap());
        assert!(!try_lock_exclusive(&second).unwrap(), "held by the first");
        unlock(&first).unwrap();
        assert!(try_lock_exclusive(&second).unwrap(), "released");
        drop(second);
        lock_exclusive(&first).unwrap();
    }
}
