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
