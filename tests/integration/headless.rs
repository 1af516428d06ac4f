//! The command line on its own: the build without the desktop app, the settings folder it
//! finds, and its environment (no window needed for any of these).

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_flowcanvas");

/// `flowcanvas ARGS` with the settings variables cleared, then `env` set.
fn flowcanvas_with(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .env_remove("FLOWCANVAS_CONFIG_DIR")
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

/// Regression: without the `gui` feature, asking for the app must say so and how to run
/// flows, not fail obscurely.
#[cfg(not(feature = "gui"))]
#[test]
fn the_headless_build_says_it_has_no_app_and_how_to_run_flows() {
    let home = tempfile::tempdir().unwrap();
    for args in [&[][..], &["saves/pipeline.flow"], &["--app"]] {
        let output = flowcanvas_with(args, &[("HOME", home.path())]);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let errors = String::from_utf8_lossy(&output.stderr);
        assert!(errors.contains("no desktop app"), "{errors}");
        assert!(errors.contains("flowcanvas run"), "{errors}");
        assert!(output.stdout.is_empty());
    }
    // The command line itself is all there.
    let output = flowcanvas_with(&["validate", "saves/pipeline.flow"], &[]);
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn the_no_app_message_names_the_way_to_run_flows() {
    assert!(flowcanvas::cli::NO_APP_MESSAGE.contains("flowcanvas run FILE.flow"));
}

#[test]
fn the_settings_folder_follows_the_override_then_xdg_then_home() {
    let root = tempfile::tempdir().unwrap();
    let (home, xdg, own) = (
        root.path().join("home"),
        root.path().join("xdg"),
        root.path().join("own"),
    );
    let folder = root.path().join("flows");
    for dir in [&home, &xdg, &own, &folder] {
        std::fs::create_dir_all(dir).unwrap();
    }
    let trust = ["trust", folder.to_str().unwrap()];
    let list = "trusted-folders.txt";

    let output = flowcanvas_with(&trust, &[("HOME", &home)]);
    assert!(output.status.success(), "{output:?}");
    assert!(home.join(".config/flowcanvas").join(list).is_file());

    let output = flowcanvas_with(&trust, &[("HOME", &home), ("XDG_CONFIG_HOME", &xdg)]);
    assert!(output.status.success(), "{output:?}");
    assert!(xdg.join("flowcanvas").join(list).is_file());

    let output = flowcanvas_with(
        &trust,
        &[
            ("HOME", &home),
            ("XDG_CONFIG_HOME", &xdg),
            ("FLOWCANVAS_CONFIG_DIR", &own),
        ],
    );
    assert!(output.status.success(), "{output:?}");
    assert!(own.join(list).is_file());
}
