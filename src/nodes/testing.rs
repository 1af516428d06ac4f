//! Running one node kind in unit tests: a one-node flow, given parameters and inputs.

use std::borrow::Cow;
use std::path::Path;
use std::sync::{Arc, Mutex};

use super::context::{CancelToken, NodeContext, Progress};
use super::kind::{NodeError, NodeKind, Outputs};
use crate::model::{Flow, Node, ParamValue, Value};

/// Runs `kind` once with these parameters and inputs, relative paths resolved against the
/// current folder.
pub fn run_kind<K: NodeKind + Clone>(
    kind: &K,
    params: &[(&str, ParamValue)],
    inputs: &[(&str, Value)],
) -> Result<Outputs, NodeError> {
    run_kind_in(kind, params, inputs, Path::new("."), CancelToken::new()).0
}

/// Runs `kind` with a base folder and a cancel token; returns the outcome and the progress
/// it reported.
pub fn run_kind_in<K: NodeKind + Clone>(
    kind: &K,
    params: &[(&str, ParamValue)],
    inputs: &[(&str, Value)],
    base_dir: &Path,
    cancel: CancelToken,
) -> (Result<Outputs, NodeError>, Vec<Progress>) {
    let mut node = Node::new("n", kind.info().id);
    for (name, value) in params {
        node.params.insert((*name).to_owned(), value.clone());
    }
    let flow = Arc::new(Flow {
        nodes: vec![node],
        ..Flow::default()
    });
    let reported = Arc::new(Mutex::new(Vec::new()));
    let sink = {
        let reported = reported.clone();
        Arc::new(move |progress: Progress| {
            if let Ok(mut list) = reported.lock() {
                list.push(progress);
            }
        })
    };
    let context = NodeContext::new(
        flow,
        0,
        Arc::new(kind.clone()),
        inputs
            .iter()
            .map(|(name, value)| (Cow::Owned((*name).to_owned()), value.clone()))
            .collect(),
        Arc::from(base_dir),
        cancel,
        Some(sink),
    );
    let outcome = kind.run(&context);
    let progress = reported.lock().map(|l| l.clone()).unwrap_or_default();
    (outcome, progress)
}

/// A named pipe at `dir/name` (Unix), for tests that a reader refuses what is not a regular
/// file.
#[cfg(unix)]
pub fn make_fifo(dir: &Path, name: &str) -> std::path::PathBuf {
    let fifo = dir.join(name);
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .map(|status| status.success());
    assert!(matches!(made, Ok(true)), "mkfifo {}", fifo.display());
    fifo
}

/// Checks that `kind`, given `/dev/zero` or a named pipe as its `path` input, fails with a
/// message naming the path and saying it is not a regular file (rather than reading forever).
#[cfg(unix)]
pub fn assert_refuses_special_files<K: NodeKind + Clone>(kind: &K, fifo_name: &str) {
    let dir = tempfile::tempdir().map_err(|err| err.to_string());
    let Ok(dir) = dir else {
        panic!("no temporary folder: {dir:?}");
    };
    let fifo = make_fifo(dir.path(), fifo_name);
    for path in [std::path::PathBuf::from("/dev/zero"), fifo] {
        let (result, _) = run_kind_in(
            kind,
            &[],
            &[("path", Value::Path(path.clone()))],
            dir.path(),
            CancelToken::new(),
        );
        let err = match result {
            Ok(_) => panic!("{} was read", path.display()),
            Err(err) => err.to_string(),
        };
        assert!(
            err.contains(&path.display().to_string()) && err.contains("not a regular file"),
            "{err}"
        );
    }
}
