//! `for_each`: runs a flow once per item of a list, one item at a time: it waits for each
//! iteration to finish before it hands over the next item, can carry a value from one
//! iteration to the next (an accumulator), and collects every iteration's outputs.
//! (Batch is the parallel map without carried state.)

use super::context::{Progress, Stream};
use super::prelude::*;
use super::subflow::{inner_inputs, link_of, linked, passed_inputs, runs_flow_info};
use crate::model::{LinkedPort, SubflowLink};

/// Runs the flow in `flow` for each item of `list`, in order.
pub struct ForEachKind {
    info: KindInfo,
}

impl ForEachKind {
    /// The kind with its description.
    pub fn new() -> Self {
        let info = runs_flow_info(
            "for_each",
            "For each",
            "Runs another flow once per item of a list, one after another. It can carry a value from each run to the next, and collects the outputs as a list.",
        )
        .with_param(
            "item",
            ParamType::Text,
            "",
            "The inner flow's input that takes each item (empty: its first input).",
        )
        .with_param(
            "carry",
            ParamType::Text,
            "",
            "The inner flow's input that takes the carried value: `initial` the first time, then what the last run left in `carry_from` (empty: nothing is carried).",
        )
        .with_param(
            "carry_from",
            ParamType::Text,
            "",
            "The inner flow's output whose value is carried to the next run (empty: the output named like `carry`, else the first).",
        );
        Self { info }
    }
}

/// The inner inputs the loop fills itself: the item's, and the carried value's.
struct LoopPorts<'a> {
    item: &'a LinkedPort,
    carry: Option<&'a LinkedPort>,
    carry_from: Option<&'a LinkedPort>,
}

impl<'a> LoopPorts<'a> {
    fn of(params: &Params<'_>, link: &'a SubflowLink) -> Result<Self, String> {
        let input = |name: &str| -> Result<&'a LinkedPort, String> {
            (link.inputs.iter())
                .find(|p| p.name == name)
                .ok_or_else(|| {
                    format!(
                        "{} has no input `{name}` (its inputs: {})",
                        link.path.display(),
                        names(&link.inputs)
                    )
                })
        };
        let item = match params.text("item").trim() {
            "" => link.inputs.first().ok_or_else(|| {
                format!(
                    "{} has no promoted input to take each item (promote one)",
                    link.path.display()
                )
            })?,
            name => input(name)?,
        };
        let carry = match params.text("carry").trim() {
            "" => None,
            name => Some(input(name)?),
        };
        let carry_from = match (carry, params.text("carry_from").trim()) {
            (None, _) => None,
            (Some(carry), "") => Some(
                (link.outputs.iter())
                    .find(|p| p.name == carry.name)
                    .or(link.outputs.first())
                    .ok_or_else(|| {
                        format!(
                            "{} has no marked output to carry (mark one)",
                            link.path.display()
                        )
                    })?,
            ),
            (Some(_), name) => Some((link.outputs.iter()).find(|p| p.name == name).ok_or_else(
                || {
                    format!(
                        "{} has no output `{name}` (its outputs: {})",
                        link.path.display(),
                        names(&link.outputs)
                    )
                },
            )?),
        };
        Ok(Self {
            item,
            carry,
            carry_from,
        })
    }

    fn taken(&self) -> Vec<&'a str> {
        let mut taken = vec![self.item.name.as_str()];
        taken.extend(self.carry.map(|p| p.name.as_str()));
        taken
    }
}

/// Port names for a message.
fn names(ports: &[LinkedPort]) -> String {
    match ports.is_empty() {
        true => "none".to_owned(),
        false => (ports.iter())
            .map(|p| format!("`{}`", p.name))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// The items of a list value: a list's entries, a JSON array's elements, a text's lines.
pub(super) fn items_of(value: &Value) -> Result<Vec<Value>, String> {
    match value {
        Value::List(items) => Ok(items.clone()),
        Value::Json(serde_json::Value::Array(items)) => {
            Ok(items.iter().cloned().map(Value::Json).collect())
        }
        Value::Text(text) => Ok(text
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| Value::Text(line.to_owned()))
            .collect()),
        other => Err(format!(
            "`list` must be a list, a JSON array or lines of text, not {}",
            other.data_type().name()
        )),
    }
}

/// A value on one line, for a transcript line (JSON compact, not pretty).
pub(super) fn one_line_excerpt(value: &Value) -> String {
    let text = match value {
        Value::Json(json) => json.to_string(),
        other => other.excerpt(120),
    };
    match text.char_indices().nth(120) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// One run's outputs as one value: the value itself when the flow has one output, else a
/// JSON object by output name.
pub(super) fn as_one_value(outputs: &Outputs) -> Value {
    let mut iter = outputs.iter();
    match (iter.next(), iter.next()) {
        (Some((_, value)), None) => value.clone(),
        (None, _) => Value::Json(serde_json::Value::Null),
        _ => Value::Json(serde_json::Value::Object(
            outputs
                .iter()
                .map(|(name, value)| (name.to_owned(), value.to_json()))
                .collect(),
        )),
    }
}

impl NodeKind for ForEachKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn inputs(&self, params: &Params<'_>) -> Vec<PortSpec> {
        let mut ports = vec![PortSpec::new("list", DataType::Any)];
        let Some(link) = link_of(params) else {
            return ports;
        };
        let Ok(loop_ports) = LoopPorts::of(params, link) else {
            return ports;
        };
        if loop_ports.carry.is_some() {
            ports.push(PortSpec::optional("initial", DataType::Any));
        }
        ports.extend(inner_inputs(params, &loop_ports.taken()));
        ports
    }

    fn outputs(&self, params: &Params<'_>) -> Vec<PortSpec> {
        let mut ports = vec![PortSpec::new("results", DataType::List)];
        if !params.text("carry").trim().is_empty() {
            ports.push(PortSpec::new("carried", DataType::Any));
        }
        ports
    }

    fn runs_flow(&self) -> bool {
        true
    }

    fn check(&self, params: &Params<'_>) -> Vec<String> {
        match link_of(params) {
            Some(link) => LoopPorts::of(params, link).err().into_iter().collect(),
            None => Vec::new(),
        }
    }

    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        let link = linked(ctx)?;
        let params = ctx.params();
        let ports = LoopPorts::of(&params, &link).map_err(NodeError::Failed)?;
        let list = ctx
            .input("list")
            .ok_or_else(|| NodeError::failed("input `list` has no value"))?;
        let items = items_of(list).map_err(NodeError::Failed)?;
        let fixed = passed_inputs(ctx, &link, &ports.taken());
        let total = items.len() as u64;
        let mut carried = ctx.input("initial").cloned();
        let mut results = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let iteration = index as u64 + 1;
            if ctx.cancel().is_cancelled() || ctx.winding_down().is_cancelled() {
                return Err(NodeError::Cancelled);
            }
            ctx.progress(Progress::Iteration {
                iteration,
                total: Some(total),
            });
            let mut inputs = fixed.clone();
            inputs.push((ports.item.name.clone(), item.clone()));
            if let (Some(carry), Some(value)) = (ports.carry, &carried) {
                inputs.push((carry.name.clone(), value.clone()));
            }
            let outputs = ctx
                .run_flow(&link, &inputs, Some(iteration))
                .map_err(|err| in_iteration(err, iteration, Some(total), &item))?;
            if let Some(from) = ports.carry_from {
                carried = outputs.get(&from.name).cloned();
            }
            let value = as_one_value(&outputs);
            ctx.progress(Progress::Output {
                stream: Stream::Info,
                text: format!("{iteration}/{total} → {}\n", one_line_excerpt(&value)),
            });
            results.push(value);
        }
        let mut outputs = Outputs::new().with("results", Value::List(results));
        if ports.carry.is_some() {
            outputs = outputs.with(
                "carried",
                carried.unwrap_or(Value::Json(serde_json::Value::Null)),
            );
        }
        Ok(outputs)
    }
}

/// An iteration's failure as the loop's: which iteration (and item) it was.
pub(super) fn in_iteration(
    err: NodeError,
    iteration: u64,
    total: Option<u64>,
    item: &Value,
) -> NodeError {
    let at = match total {
        Some(total) => format!(
            "iteration {iteration} of {total} (item {})",
            item.excerpt(60)
        ),
        None => format!("iteration {iteration}"),
    };
    match err {
        NodeError::Failed(message) => NodeError::Failed(format!("{at}: {message}")),
        NodeError::FailedWith { message, cause } => NodeError::FailedWith {
            message: format!("{at}: {message}"),
            cause,
        },
        NodeError::Blocked { cause, fix } => NodeError::Blocked {
            cause: format!("{at}: {cause}"),
            fix,
        },
        NodeError::Cancelled => NodeError::Cancelled,
    }
}
