//! Running a linked flow as one unit for a node (a subflow, an iteration of a loop): an
//! engine of its own runs the inner flow to its marked outputs with the node's inputs set
//! as its promoted inputs, and the inner steps' statuses go to the node's progress, so the
//! monitor can nest them under the node.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::engine::{Engine, EngineOptions, RunRequest};
use super::events::{Event, RunState};
use crate::check::{apply_inputs, flow_inputs, FlowInput, InputKind};
use crate::model::{CheckpointMode, Flow, NodeId, ParamValue, SubflowLink, Value};
use crate::nodes::{FlowRunner, NodeContext, NodeError, Outputs, Progress, Registry, Role};
use crate::status::NodeStatus;
use crate::store::Store;

/// Runs inner flows for the steps of one run.
pub(crate) struct UnitRunner {
    /// The node kinds.
    pub registry: Arc<Registry>,
    /// Whether the outer run keeps results: the inner run then keeps its own beside the
    /// inner file (`FILE.flow.d`), so opening that flow shows what its last run made.
    pub keep_results: bool,
}

impl FlowRunner for UnitRunner {
    fn run_flow(
        &self,
        ctx: &NodeContext,
        link: &SubflowLink,
        inputs: &[(String, Value)],
        iteration: Option<u64>,
    ) -> Result<Outputs, NodeError> {
        let flow =
            with_inputs(&link.flow, link, inputs, &self.registry).map_err(NodeError::Failed)?;
        let flow = Arc::new(flow);
        // The inner flow's folder (".", not "", for a file named without one).
        let dir = crate::fsutil::flow_folder(&link.path);
        let store = self.keep_results.then(|| Store::for_flow(&link.path));
        let mut engine = Engine::with_options(EngineOptions::new(self.registry.clone()))
            .map_err(|err| NodeError::failed(format!("could not start the inner run: {err}")))?;
        // Inner checkpoints do not stop the unit: the subflow node's own checkpoint is
        // where a person decides (see docs/nodes.md).
        let request = RunRequest::new(flow.clone(), dir)
            .store(store)
            .restricted(ctx.is_restricted())
            .checkpoints(CheckpointMode::None);
        let run = engine.submit(request);
        let handle = engine.handle();
        ctx.cancel().on_cancel(move || handle.stop());
        let handle = engine.handle();
        ctx.winding_down().on_cancel(move || handle.cancel(run));
        let mut watch = Watch {
            ctx,
            flow: &flow,
            iteration,
            results: HashMap::new(),
            first_failure: None,
            blocked: None,
        };
        let state = loop {
            match engine.recv() {
                Some(Event::RunFinished { run: r, status, .. }) if r == run => break status,
                Some(Event::RunRejected { run: r, error }) if r == run => {
                    return Err(NodeError::failed(format!(
                        "{} could not run: {error}",
                        link.path.display()
                    )));
                }
                Some(event) if event.run() == run => watch.event(event),
                Some(_) => {}
                None => break RunState::Failed,
            }
        };
        engine.shut_down();
        watch.ending(state, link, &self.registry)
    }
}

/// Follows the inner run's events.
struct Watch<'a> {
    ctx: &'a NodeContext,
    flow: &'a Flow,
    iteration: Option<u64>,
    results: HashMap<NodeId, Arc<Outputs>>,
    first_failure: Option<String>,
    blocked: Option<(String, String)>,
}

impl Watch<'_> {
    fn title(&self, node: &NodeId) -> String {
        match self.flow.node(node.as_str()) {
            Some(n) if !n.title.trim().is_empty() => n.title.trim().to_owned(),
            _ => node.to_string(),
        }
    }

    fn report(
        &self,
        node: &NodeId,
        status: NodeStatus,
        elapsed_ms: Option<f64>,
        message: Option<String>,
    ) {
        self.ctx.progress(Progress::Member {
            iteration: self.iteration,
            node: node.clone(),
            title: self.title(node),
            status,
            elapsed_ms,
            message,
        });
    }

    fn event(&mut self, event: Event) {
        match event {
            Event::NodeStarted { node, .. } => self.report(&node, NodeStatus::Running, None, None),
            Event::NodeFinished {
                node,
                outputs,
                elapsed_ms,
                ..
            } => {
                self.report(&node, NodeStatus::Succeeded, Some(elapsed_ms), None);
                self.results.insert(node, outputs);
            }
            Event::NodeFailed {
                node,
                error,
                elapsed_ms,
                ..
            } => {
                if self.first_failure.is_none() {
                    self.first_failure = Some(format!("`{}` failed: {error}", self.title(&node)));
                }
                self.report(&node, NodeStatus::Failed, Some(elapsed_ms), Some(error));
            }
            Event::NodeSkipped { node, reason, .. } => {
                self.report(&node, NodeStatus::Skipped, None, Some(reason));
            }
            Event::NodeCancelled { node, reason, .. } => {
                self.report(&node, NodeStatus::Cancelled, None, reason);
            }
            Event::RunBlocked {
                node, cause, fix, ..
            } => {
                self.blocked = Some((format!("`{}`: {cause}", self.title(&node)), fix));
                self.report(&node, NodeStatus::Blocked, None, None);
            }
            _ => {}
        }
    }

    /// The unit's result, by how the inner run ended.
    fn ending(
        self,
        state: RunState,
        link: &SubflowLink,
        registry: &Registry,
    ) -> Result<Outputs, NodeError> {
        let file = link.path.display();
        match state {
            RunState::Completed => Ok(self.outputs(link, registry)),
            RunState::Blocked => {
                let (cause, fix) = self.blocked.unwrap_or_default();
                Err(NodeError::blocked(format!("in {file}, {cause}"), fix))
            }
            RunState::Cancelled | RunState::Cancelling => Err(NodeError::Cancelled),
            RunState::TimedOut => Err(NodeError::failed(format!("{file} ran past its time limit"))),
            _ => Err(NodeError::failed(match self.first_failure {
                Some(failure) => format!("in {file}, {failure}"),
                None => format!("{file} did not complete ({})", state.label()),
            })),
        }
    }

    /// The marked outputs' values, by port: a step's first output, or for a viewer (or
    /// anything that passes a value through) what arrives at it. An output whose step did
    /// not run (a branch not taken) is left empty.
    fn outputs(&self, link: &SubflowLink, registry: &Registry) -> Outputs {
        let mut outputs = Outputs::new();
        for port in &link.outputs {
            if let Some(value) = self.value_of(&port.node, registry) {
                outputs = outputs.with(port.name.clone(), value);
            }
        }
        outputs
    }

    fn value_of(&self, id: &NodeId, registry: &Registry) -> Option<Value> {
        let node = self.flow.node(id.as_str())?;
        let kind = registry.get(&node.kind)?;
        let is_step = matches!(kind.info().role, Role::Step(_)) && !node.bypassed;
        if is_step {
            let outputs = self.results.get(id)?;
            let primary = kind
                .outputs(&crate::nodes::Params::new(node, kind.info()))
                .into_iter()
                .next()?;
            return outputs.get(&primary.name).cloned();
        }
        let primary_input = kind
            .inputs(&crate::nodes::Params::new(node, kind.info()))
            .into_iter()
            .next()?;
        let source =
            crate::plan::producer_of_input(self.flow, registry, id.as_str(), &primary_input.name)?;
        self.results.get(&source.node)?.get(&source.port).cloned()
    }
}

/// A copy of `flow` with the promoted inputs behind `link`'s input ports set to `inputs`
/// (by port name).
fn with_inputs(
    flow: &Flow,
    link: &SubflowLink,
    inputs: &[(String, Value)],
    registry: &Registry,
) -> Result<Flow, String> {
    if inputs.is_empty() {
        return Ok(flow.clone());
    }
    let values = input_values(link, inputs, registry)?;
    apply_inputs(flow, registry, &values).map_err(|err| err.to_string())
}

/// The values of the inner flow's promoted inputs (by label) that `inputs` (values by the
/// subflow node's port names) set, as a run of the unit sets them.
pub fn input_values(
    link: &SubflowLink,
    inputs: &[(String, Value)],
    registry: &Registry,
) -> Result<BTreeMap<String, ParamValue>, String> {
    let form = flow_inputs(&link.flow, registry);
    let mut values = BTreeMap::new();
    for (name, value) in inputs {
        let Some(port) = link.inputs.iter().find(|p| p.name == *name) else {
            continue;
        };
        let Some(input) = form.iter().find(|i| i.node == port.node) else {
            continue;
        };
        values.insert(input.label.clone(), param_value(input, value)?);
    }
    Ok(values)
}

/// A wired value as the value of a promoted input (a text, a number, a choice).
fn param_value(input: &FlowInput, value: &Value) -> Result<ParamValue, String> {
    let label = &input.label;
    match &input.kind {
        InputKind::Number { .. } | InputKind::Integer { .. } | InputKind::Choice { .. } => {
            match value.convert_to(crate::model::DataType::Number) {
                Ok(Value::Number(n)) => Ok(ParamValue::Number(n)),
                _ => Err(format!(
                    "input `{label}` takes a number; {} is not one",
                    value.excerpt(40)
                )),
            }
        }
        _ => match value {
            Value::Image(_) | Value::Bytes(_) | Value::Batch(_) => Err(format!(
                "input `{label}` takes text; a {} cannot be passed into a flow",
                value.data_type().name()
            )),
            Value::Json(serde_json::Value::String(text)) => Ok(ParamValue::Text(text.clone())),
            Value::Json(_) | Value::List(_) => Ok(ParamValue::Text(value.to_json().to_string())),
            other => Ok(ParamValue::Text(other.to_text())),
        },
    }
}
