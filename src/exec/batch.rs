//! Batch fan-out: a step whose inputs hold a batch runs once per item, several items at a
//! time, and its outputs are batches in item order. A failed item does not stop the others;
//! an item whose input failed upstream is left out (missing).

use std::borrow::Cow;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use crate::exec::format_duration_ms;
use crate::model::{BatchItem, Flow, Value};
use crate::nodes::{
    CancelToken, NodeContext, NodeError, NodeKind, Outputs, Params, Progress, ProgressSink, Stream,
};

/// A step's inputs, by port.
pub type Inputs = Vec<(Cow<'static, str>, Value)>;

/// One item's inputs, or `None` when an input of the item failed upstream.
pub type ItemInputs = Option<Inputs>;

/// Splits inputs holding batches into one set of inputs per item: `None` when no input is
/// a batch, an error when two batches differ in size.
pub fn split_items(inputs: &Inputs) -> Option<Result<Vec<ItemInputs>, String>> {
    let batches: Vec<(&str, usize)> = inputs
        .iter()
        .filter_map(|(name, value)| match value {
            Value::Batch(items) => Some((name.as_ref(), items.len())),
            _ => None,
        })
        .collect();
    let &(first, count) = batches.first()?;
    if let Some((other, size)) = batches.iter().find(|(_, size)| *size != count) {
        return Some(Err(format!(
            "inputs `{first}` ({count} items) and `{other}` ({size} items) are batches of different sizes"
        )));
    }
    let items = (0..count)
        .map(|index| {
            inputs
                .iter()
                .map(|(name, value)| match value {
                    Value::Batch(items) => match &items[index] {
                        BatchItem::Ok(value) => Some((name.clone(), value.clone())),
                        _ => None,
                    },
                    other => Some((name.clone(), other.clone())),
                })
                .collect::<Option<Inputs>>()
        })
        .collect();
    Some(Ok(items))
}

/// Everything needed to run one step over the items of a batch.
pub struct BatchJob {
    /// The step's kind.
    pub kind: Arc<dyn NodeKind>,
    /// The flow being run, and the step's node in it.
    pub flow: Arc<Flow>,
    /// The index of the step's node in `flow`.
    pub node_index: usize,
    /// The folder relative paths resolve against.
    pub base_dir: Arc<Path>,
    /// Each item's inputs.
    pub items: Vec<ItemInputs>,
    /// Run only these items, keeping the others from `previous` (Retry of failed items).
    pub only: Vec<usize>,
    /// The step's earlier batch result, for `only`.
    pub previous: Option<Arc<Outputs>>,
    /// How many items run at once.
    pub concurrency: usize,
    /// The step's Stop switch.
    pub cancel: CancelToken,
    /// Where k-of-N progress and per-item lines go.
    pub progress: Option<ProgressSink>,
    /// Part of a restricted run (reads outside the flow's folder are refused).
    pub restricted: bool,
    /// How each item is tried again when it fails (the node's retry policy).
    pub retry: Option<crate::model::Retry>,
    /// Ends the items' backoff waits without another attempt (Cancel, fail fast); `cancel`
    /// (Stop) ends them too.
    pub retry_stop: CancelToken,
    /// Runs inner flows, for a kind that runs one (a subflow, a loop).
    pub runner: Option<Arc<dyn crate::nodes::FlowRunner>>,
}

/// What one item's run of the step sees.
fn item_context(job: &BatchJob, inputs: Inputs) -> NodeContext {
    let context = NodeContext::new(
        job.flow.clone(),
        job.node_index,
        job.kind.clone(),
        inputs,
        job.base_dir.clone(),
        job.cancel.clone(),
        None,
    )
    .restricted(job.restricted)
    .winding_down_on(job.retry_stop.clone());
    match &job.runner {
        Some(runner) => context.with_runner(runner.clone()),
        None => context,
    }
}

/// Runs the items; the outputs are batches by port. Fails only when every item that ran
/// failed (or on Stop).
pub fn run_batch(
    job: BatchJob,
    run_item: fn(&dyn NodeKind, &NodeContext) -> Result<Outputs, NodeError>,
) -> Result<Outputs, NodeError> {
    let total = job.items.len();
    let node = &job.flow.nodes[job.node_index];
    let ports: Vec<String> = job
        .kind
        .outputs(&Params::new(node, job.kind.info()))
        .into_iter()
        .map(|p| p.name.into_owned())
        .collect();
    // Which items run now; the others come from the earlier result.
    let previous_item = |index: usize| -> Option<Result<Outputs, String>> {
        let previous = job.previous.as_ref()?;
        let mut outputs = Outputs::new();
        for port in &ports {
            match previous.get(port) {
                Some(Value::Batch(items)) if items.len() == total => match &items[index] {
                    BatchItem::Ok(value) => outputs = outputs.with(port.clone(), value.clone()),
                    BatchItem::Failed(error) => return Some(Err(error.clone())),
                    BatchItem::Missing => return None,
                },
                _ => return None,
            }
        }
        Some(Ok(outputs))
    };
    let mut results: Vec<Option<Result<Outputs, String>>> = vec![None; total];
    let mut to_run = Vec::new();
    for (index, inputs) in job.items.iter().enumerate() {
        let rerun = job.only.is_empty() || job.only.contains(&index);
        match (inputs, rerun) {
            (None, _) => {}
            (Some(_), true) => to_run.push(index),
            (Some(_), false) => results[index] = previous_item(index),
        }
    }
    let results = Mutex::new(results);
    let done = AtomicUsize::new(total - to_run.len());
    let next = AtomicUsize::new(0);
    let report = |progress: Progress| {
        if let Some(sink) = &job.progress {
            sink(progress);
        }
    };
    report(Progress::Count {
        done: done.load(Ordering::Relaxed) as u64,
        total: total as u64,
    });
    // Stop ends the items' backoff waits as well.
    let retry_stop = job.retry_stop.clone();
    job.cancel.on_cancel(move || retry_stop.cancel());
    let workers = job.concurrency.clamp(1, to_run.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                if job.cancel.is_cancelled() {
                    return;
                }
                let Some(&index) = to_run.get(next.fetch_add(1, Ordering::Relaxed)) else {
                    return;
                };
                let Some(inputs) = job.items[index].clone() else {
                    continue;
                };
                let context = item_context(&job, inputs);
                let started = Instant::now();
                let outcome = run_with_retries(&job, index, total, &context, run_item, &report);
                let took = format_duration_ms(started.elapsed().as_secs_f64() * 1000.0);
                let line = match &outcome {
                    Ok(_) => format!("item {} of {total}: done in {took}\n", index + 1),
                    Err(NodeError::Cancelled) => return,
                    Err(error) => format!("item {} of {total} failed: {error}\n", index + 1),
                };
                // Counting and reporting under the lock keeps the counts in order: two items
                // finishing at once must not leave "5 of 6" as the last word.
                let mut results = results.lock().unwrap_or_else(PoisonError::into_inner);
                results[index] = Some(outcome.map_err(|e| e.to_string()));
                let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                report(Progress::Output {
                    stream: Stream::Stdout,
                    text: line,
                });
                report(Progress::Count {
                    done: finished as u64,
                    total: total as u64,
                });
                drop(results);
            });
        }
    });
    if job.cancel.is_cancelled() {
        return Err(NodeError::Cancelled);
    }
    batch_outputs(&take_results(results), &ports)
}

/// The batch's outputs from its items' results (`None`: missing), one batch per port; an
/// error when every item that ran failed.
fn batch_outputs(
    results: &[Option<Result<Outputs, String>>],
    ports: &[String],
) -> Result<Outputs, NodeError> {
    let ran = results.iter().filter(|r| r.is_some()).count();
    let failures: Vec<(usize, &String)> = results
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match r {
            Some(Err(error)) => Some((i, error)),
            _ => None,
        })
        .collect();
    if ran > 0 && failures.len() == ran {
        let (index, error) = failures[0];
        return Err(NodeError::failed(format!(
            "all {ran} items failed; item {}: {error}",
            index + 1
        )));
    }
    let mut outputs = Outputs::new();
    for port in ports {
        let items = results
            .iter()
            .map(|result| match result {
                Some(Ok(item)) => item
                    .get(port)
                    .cloned()
                    .map_or(BatchItem::Missing, BatchItem::Ok),
                Some(Err(error)) => BatchItem::Failed(error.clone()),
                None => BatchItem::Missing,
            })
            .collect();
        outputs = outputs.with(port.clone(), Value::Batch(items));
    }
    Ok(outputs)
}

/// The items' results out of their lock. A lock poisoned by a panic while it was held still
/// holds every result recorded before the panic (each is written whole), so they are kept:
/// dropping them would report every item as missing.
fn take_results<T>(results: Mutex<Vec<T>>) -> Vec<T> {
    results.into_inner().unwrap_or_else(PoisonError::into_inner)
}

/// The failed items of a batch result (its first batch output), with their errors.
pub fn failed_items(outputs: &Outputs) -> Vec<(usize, String)> {
    outputs
        .iter()
        .find_map(|(_, value)| match value {
            Value::Batch(items) => Some(
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, item)| match item {
                        BatchItem::Failed(error) => Some((i, error.clone())),
                        _ => None,
                    })
                    .collect(),
            ),
            _ => None,
        })
        .unwrap_or_default()
}

/// The outputs of item `index` of a batch result, if it succeeded.
pub fn item_outputs(outputs: &Outputs, index: usize) -> Option<Outputs> {
    let mut item = Outputs::new();
    for (port, value) in outputs.iter() {
        match value {
            Value::Batch(items) => {
                item = item.with(port.to_owned(), items.get(index)?.value()?.clone())
            }
            _ => return None,
        }
    }
    Some(item)
}

/// How many items a batch result has (its first batch output), if it is one.
pub fn batch_len(outputs: &Outputs) -> Option<usize> {
    outputs.iter().find_map(|(_, value)| match value {
        Value::Batch(items) => Some(items.len()),
        _ => None,
    })
}

/// Runs one item, trying it again as the node's retry policy says; each wait is told as a
/// line of the step's output and ends at once on Stop.
fn run_with_retries(
    job: &BatchJob,
    index: usize,
    total: usize,
    context: &NodeContext,
    run_item: fn(&dyn NodeKind, &NodeContext) -> Result<Outputs, NodeError>,
    report: &dyn Fn(Progress),
) -> Result<Outputs, NodeError> {
    let mut failed = 0;
    loop {
        let outcome = run_item(job.kind.as_ref(), context);
        failed += 1;
        let Err(error) = &outcome else {
            return outcome;
        };
        let policy = (job.retry.as_ref())
            .filter(|policy| failed < policy.attempts && super::retry::retries(policy, error));
        let Some(policy) = policy else {
            return outcome;
        };
        let wait_ms = super::retry::delay_ms(policy, failed, error);
        let first = error.to_string();
        let first = first.lines().next().unwrap_or_default();
        report(Progress::Output {
            stream: Stream::Stdout,
            text: format!(
                "item {} of {total}: attempt {} / {} in {}: {first}\n",
                index + 1,
                failed + 1,
                policy.attempts,
                super::retry::format_wait_ms(wait_ms)
            ),
        });
        if (job.retry_stop).wait_timeout(std::time::Duration::from_millis(wait_ms)) {
            return match job.cancel.is_cancelled() {
                true => Err(NodeError::Cancelled),
                false => outcome,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: a poisoned lock in batch results turned every item into "missing".
    #[test]
    fn poisoned_batch_results_keep_their_items() {
        let results = Mutex::new(vec![Some(1), None, Some(3)]);
        let poisoner = std::thread::scope(|scope| {
            std::thread::Builder::new()
                .name("poisoner".into())
                .spawn_scoped(scope, || {
                    let _held = results.lock().unwrap();
                    panic!("a panic while the lock is held");
                })
                .unwrap()
                .join()
        });
        assert!(poisoner.is_err());
        assert!(results.is_poisoned());
        assert_eq!(take_results(results), vec![Some(1), None, Some(3)]);
    }
}
