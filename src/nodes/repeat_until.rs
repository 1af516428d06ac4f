//! `repeat_until`: runs a flow again and again, feeding one of its outputs back into one of
//! its inputs, until a test on an output says stop; a most-runs limit turns a loop that
//! never ends into a clear failure.

use super::condition::{check_operand, holds, TESTS};
use super::context::{Progress, Stream};
use super::for_each::{as_one_value, in_iteration, one_line_excerpt};
use super::prelude::*;
use super::subflow::{inner_inputs, link_of, linked, passed_inputs, runs_flow_info};
use crate::model::{LinkedPort, SubflowLink};

/// Whether the loop stops when the test holds, or goes on while it holds.
const REPEAT: &[&str] = &["until_true", "while_true"];

/// Runs the flow in `flow` until its output passes the test.
pub struct RepeatUntilKind {
    info: KindInfo,
}

impl RepeatUntilKind {
    /// The kind with its description.
    pub fn new() -> Self {
        let info = runs_flow_info(
            "repeat_until",
            "Repeat until",
            "Runs another flow again and again until a test on its output says stop. An output is fed back into an input; reaching the most runs allowed is a failure.",
        )
        .with_param(
            "test",
            ParamType::Choice(TESTS),
            "truthy",
            "The test on the checked output (as the If node tests its value).",
        )
        .with_param(
            "operand",
            ParamType::Text,
            "",
            "What the test compares with (see the If node).",
        )
        .with_param(
            "repeat",
            ParamType::Choice(REPEAT),
            "until_true",
            "until_true: stop once the test holds; while_true: go on while it holds.",
        )
        .with_param(
            "check",
            ParamType::Text,
            "",
            "The inner flow's output the test looks at (empty: its first output).",
        )
        .with_param(
            "feed",
            ParamType::Text,
            "",
            "The inner flow's input that gets the fed-back value: `start` the first time, then the last run's `feed_from` output (empty: its first input).",
        )
        .with_param(
            "feed_from",
            ParamType::Text,
            "",
            "The inner flow's output fed back (empty: the checked output).",
        )
        .with_param(
            "max_iterations",
            ParamType::Integer {
                min: Some(1),
                max: Some(1_000_000),
            },
            ParamValue::Number(10.0),
            "The most runs: reaching it without the test saying stop is a failure.",
        );
        Self { info }
    }
}

/// The inner ports the loop uses.
struct RepeatPorts<'a> {
    check: &'a LinkedPort,
    feed: Option<&'a LinkedPort>,
    feed_from: &'a LinkedPort,
}

impl<'a> RepeatPorts<'a> {
    fn of(params: &Params<'_>, link: &'a SubflowLink) -> Result<Self, String> {
        let pick =
            |ports: &'a [LinkedPort], name: &str, what: &str| -> Result<&'a LinkedPort, String> {
                let found = match name.trim() {
                    "" => ports.first(),
                    name => ports.iter().find(|p| p.name == name),
                };
                found.ok_or_else(|| match name.trim() {
                    "" => format!(
                        "{} has no {what} (mark or promote one)",
                        link.path.display()
                    ),
                    name => format!("{} has no {what} `{name}`", link.path.display()),
                })
            };
        let check = pick(&link.outputs, params.text("check"), "marked output")?;
        let feed_from = match params.text("feed_from").trim() {
            "" => check,
            name => pick(&link.outputs, name, "marked output")?,
        };
        let feed = match (params.text("feed").trim(), link.inputs.is_empty()) {
            ("", true) => None,
            (name, _) => Some(pick(&link.inputs, name, "promoted input")?),
        };
        Ok(Self {
            check,
            feed,
            feed_from,
        })
    }

    fn taken(&self) -> Vec<&'a str> {
        self.feed.map(|p| p.name.as_str()).into_iter().collect()
    }
}

impl NodeKind for RepeatUntilKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn inputs(&self, params: &Params<'_>) -> Vec<PortSpec> {
        let mut ports = vec![PortSpec::optional("start", DataType::Any)];
        if let Some(link) = link_of(params) {
            if let Ok(repeat) = RepeatPorts::of(params, link) {
                ports.extend(inner_inputs(params, &repeat.taken()));
            }
        }
        ports
    }

    fn outputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![
            PortSpec::new("result", DataType::Any),
            PortSpec::new("iterations", DataType::Number),
            PortSpec::new("history", DataType::List),
        ]
    }

    fn runs_flow(&self) -> bool {
        true
    }

    fn check(&self, params: &Params<'_>) -> Vec<String> {
        let mut problems: Vec<String> = check_operand(params.text("test"), params.text("operand"))
            .err()
            .into_iter()
            .collect();
        if let Some(link) = link_of(params) {
            problems.extend(RepeatPorts::of(params, link).err());
        }
        problems
    }

    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        let link = linked(ctx)?;
        let params = ctx.params();
        let ports = RepeatPorts::of(&params, &link).map_err(NodeError::Failed)?;
        let fixed = passed_inputs(ctx, &link, &ports.taken());
        let max = params.integer("max_iterations").max(1) as u64;
        let stop_when = params.text("repeat") != "while_true";
        let (test, operand) = (params.text("test"), params.text("operand"));
        let mut fed = ctx.input("start").cloned();
        let mut history = Vec::new();
        for iteration in 1..=max {
            if ctx.cancel().is_cancelled() || ctx.winding_down().is_cancelled() {
                return Err(NodeError::Cancelled);
            }
            ctx.progress(Progress::Iteration {
                iteration,
                total: None,
            });
            let mut inputs = fixed.clone();
            if let (Some(feed), Some(value)) = (ports.feed, &fed) {
                inputs.push((feed.name.clone(), value.clone()));
            }
            let item = fed.clone().unwrap_or(Value::Json(serde_json::Value::Null));
            let outputs = ctx
                .run_flow(&link, &inputs, Some(iteration))
                .map_err(|err| in_iteration(err, iteration, None, &item))?;
            let checked = outputs.get(&ports.check.name).cloned().ok_or_else(|| {
                NodeError::failed(format!(
                    "iteration {iteration}: output `{}` has no value",
                    ports.check.name
                ))
            })?;
            let value = as_one_value(&outputs);
            ctx.progress(Progress::Output {
                stream: Stream::Info,
                text: format!("iteration {iteration} → {}\n", one_line_excerpt(&value)),
            });
            history.push(value);
            let passed = holds(test, &checked, operand)
                .map_err(|why| NodeError::failed(format!("iteration {iteration}: {why}")))?;
            if passed == stop_when {
                return Ok(Outputs::new()
                    .with("result", checked)
                    .with("iterations", Value::Number(iteration as f64))
                    .with("history", Value::List(history)));
            }
            fed = outputs.get(&ports.feed_from.name).cloned();
        }
        let how = match stop_when {
            true => "the test never held",
            false => "the test still held",
        };
        Err(NodeError::failed(format!(
            "reached the most runs allowed ({max}) and {how}: `{}` {test} {operand} (last value: {}); raise max_iterations or change the test",
            ports.check.name,
            history.last().map_or_else(String::new, |v| v.excerpt(60)),
        )))
    }
}
