//! Where the user's settings live: the recent-files list, recovery copies, the trusted
//! folders and the extra key variable names, all in one folder shared by the app and the
//! command line.

use std::path::PathBuf;

/// The settings folder: `FLOWCANVAS_CONFIG_DIR`, else `$XDG_CONFIG_HOME/flowcanvas`, else
/// `~/.config/flowcanvas`. `None` when none of them is set.
pub fn config_dir() -> Option<PathBuf> {
    std::env::var_os("FLOWCANVAS_CONFIG_DIR")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("XDG_CONFIG_HOME")
                .filter(|dir| !dir.is_empty())
                .map(|d| PathBuf::from(d).join("flowcanvas"))
        })
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config/flowcanvas")))
}
