//! Where the user's settings live: the recent-files list, recovery copies, the trusted
//! folders and the extra key variable names, all in one folder shared by the app and the
//! command line.

use std::path::PathBuf;

/// The variable that names the settings folder outright (tests, portable setups).
pub const CONFIG_DIR_VAR: &str = "FLOWCANVAS_CONFIG_DIR";

/// The settings folder: `FLOWCANVAS_CONFIG_DIR` if set, else the platform's config folder
/// for flowcanvas (from `directories`: `$XDG_CONFIG_HOME/flowcanvas` or
/// `~/.config/flowcanvas` on Linux, `~/Library/Application Support/flowcanvas` on macOS,
/// `%APPDATA%\flowcanvas\config` on Windows). `None` when no home folder can be found.
pub fn config_dir() -> Option<PathBuf> {
    std::env::var_os(CONFIG_DIR_VAR)
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            directories::ProjectDirs::from("", "", "flowcanvas")
                .map(|dirs| dirs.config_dir().to_path_buf())
        })
}
