//! Advisory whole-file locks (std's `File::lock`, `flock(2)` on Unix), the store's one way of
//! keeping processes apart: appends to the results journal take the journal's lock for the
//! length of one write, and a live run holds the lock of its own `.live` file until it ends,
//! so a run whose process died (whatever its pid became since) is seen as interrupted.
//!
//! On systems without file locks the functions report [`io::ErrorKind::Unsupported`] and the
//! callers fall back to weaker checks.

use std::fs::{File, TryLockError};
use std::io;

/// Takes `file`'s exclusive lock, waiting for other holders.
pub(crate) fn lock_exclusive(file: &File) -> io::Result<()> {
    file.lock()
}

/// Releases `file`'s lock.
pub(crate) fn unlock(file: &File) -> io::Result<()> {
    file.unlock()
}

/// Takes `file`'s exclusive lock if nobody holds it; `Ok(false)` when someone does.
pub(crate) fn try_lock_exclusive(file: &File) -> io::Result<bool> {
    match file.try_lock() {
        Ok(()) => Ok(true),
        Err(TryLockError::WouldBlock) => Ok(false),
        Err(TryLockError::Error(err)) => Err(err),
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
