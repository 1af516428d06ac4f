//! A flow's interface: its promoted inputs (the run form, `--set LABEL=VALUE`) and marked
//! outputs, and applying input values to a snapshot of the flow before it runs.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::model::{format_number, Flow, NodeId, ParamValue};
use crate::nodes::{ParamType, Params, Registry, Role, SEED_FIXED, SEED_KIND};

/// What kind of value a flow input takes.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InputKind {
    /// Text; `multiline` for long texts (a text area in the form).
    Text {
        /// Shown as several lines.
        multiline: bool,
    },
    /// A number within optional bounds.
    Number {
        /// Smallest allowed.
        min: Option<f64>,
        /// Largest allowed.
        max: Option<f64>,
    },
    /// A whole number within bounds.
    Integer {
        /// Smallest allowed.
        min: i64,
        /// Largest allowed.
        max: i64,
    },
    /// One of a list of choices (a switch's branches); the value is the 1-based choice.
    Choice {
        /// The choices, in order.
        choices: Vec<String>,
    },
    /// A file path (a file picker in the form).
    Path,
    /// One of a list of texts (a choice node); the value is the text.
    Options {
        /// The texts to pick from.
        options: Vec<String>,
    },
}

impl fmt::Display for InputKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputKind::Text { multiline: false } => f.write_str("text"),
            InputKind::Text { multiline: true } => f.write_str("long text"),
            InputKind::Number { min, max } => {
                f.write_str("number")?;
                match (min, max) {
                    (Some(min), Some(max)) => {
                        write!(f, " {}..{}", format_number(*min), format_number(*max))
                    }
                    (Some(min), None) => write!(f, " ≥ {}", format_number(*min)),
                    (None, Some(max)) => write!(f, " ≤ {}", format_number(*max)),
                    (None, None) => Ok(()),
                }
            }
            InputKind::Integer { min, max } => write!(f, "whole number {min}..{max}"),
            InputKind::Choice { choices } => write!(f, "one of: {}", choices.join(", ")),
            InputKind::Options { options } => write!(f, "one of: {}", options.join(", ")),
            InputKind::Path => f.write_str("file path"),
        }
    }
}

/// One promoted input of a flow.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FlowInput {
    /// The node it sets.
    pub node: NodeId,
    /// Its label.
    pub label: String,
    /// Its place in the form.
    pub order: i32,
    /// The node parameter it sets.
    pub param: &'static str,
    /// The kind of value.
    pub kind: InputKind,
    /// The node's own value: the default.
    pub default: ParamValue,
}

/// The flow's promoted inputs, in form order (by order, then label).
pub fn flow_inputs(flow: &Flow, registry: &Registry) -> Vec<FlowInput> {
    let mut inputs: Vec<FlowInput> = flow
        .nodes
        .iter()
        .filter_map(|node| {
            let promotion = node.promote.as_ref()?;
            let kind = registry.get(&node.kind)?;
            let info = kind.info();
            let param = info.promote?;
            let spec = info.param(param)?;
            let params = Params::new(node, info);
            let default = params
                .get(param)
                .cloned()
                .unwrap_or(ParamValue::Text(String::new()));
            let options = params.text_list("choices");
            let input_kind = if info.param("choices").is_some() {
                InputKind::Options {
                    options: options.iter().map(|s| (*s).to_owned()).collect(),
                }
            } else if info.role == Role::Switch {
                InputKind::Choice {
                    choices: switch_choices(flow, node.id.as_str(), params.integer("inputs")),
                }
            } else {
                match spec.ty {
                    ParamType::LongText => InputKind::Text { multiline: true },
                    ParamType::Path => InputKind::Path,
                    ParamType::Choice(options) => InputKind::Options {
                        options: options.iter().map(|s| (*s).to_owned()).collect(),
                    },
                    ParamType::Number { min, max } => InputKind::Number {
                        min: promotion.min.or(min),
                        max: promotion.max.or(max),
                    },
                    ParamType::Integer { min, max } => InputKind::Integer {
                        min: promotion.min.map_or(min.unwrap_or(i64::MIN), |m| m as i64),
                        max: promotion.max.map_or(max.unwrap_or(i64::MAX), |m| m as i64),
                    },
                    _ => InputKind::Text { multiline: false },
                }
            };
            Some(FlowInput {
                node: node.id.clone(),
                label: promotion.label.clone(),
                order: promotion.order,
                param,
                kind: input_kind,
                default,
            })
        })
        .collect();
    inputs.sort_by(|a, b| (a.order, &a.label).cmp(&(b.order, &b.label)));
    inputs
}

/// A switch's branches, named after the node wired into each (or `inN`).
fn switch_choices(flow: &Flow, switch: &str, count: i64) -> Vec<String> {
    (1..=count.clamp(2, 16))
        .map(|n| {
            let port = crate::nodes::switch_input_name(n);
            flow.edges
                .iter()
                .find(|e| e.to.node.as_str() == switch && *e.to.port == *port)
                .and_then(|e| flow.node(e.from.node.as_str()))
                .map(|source| {
                    if source.title.is_empty() {
                        source.id.to_string()
                    } else {
                        source.title.clone()
                    }
                })
                .unwrap_or(port)
        })
        .collect()
}

/// The nodes marked as outputs.
pub fn flow_outputs(flow: &Flow) -> Vec<NodeId> {
    flow.nodes
        .iter()
        .filter(|n| n.output)
        .map(|n| n.id.clone())
        .collect()
}

/// Reads a typed-in value for an input (`--set LABEL=VALUE`).
pub fn parse_input(input: &FlowInput, text: &str) -> Result<ParamValue, String> {
    match &input.kind {
        InputKind::Text { .. } | InputKind::Path => Ok(ParamValue::Text(text.to_owned())),
        InputKind::Options { options } => {
            if options.iter().any(|o| o == text) {
                Ok(ParamValue::Text(text.to_owned()))
            } else {
                Err(format!(
                    "`{}` is one of: {}, not \"{text}\"",
                    input.label,
                    options.join(", ")
                ))
            }
        }
        InputKind::Number { .. } => text
            .trim()
            .parse::<f64>()
            .map(ParamValue::Number)
            .map_err(|_| format!("`{}` takes a number, not \"{text}\"", input.label)),
        InputKind::Integer { .. } => text
            .trim()
            .parse::<i64>()
            .map(|n| ParamValue::Number(n as f64))
            .map_err(|_| format!("`{}` takes a whole number, not \"{text}\"", input.label)),
        InputKind::Choice { choices } => {
            let text = text.trim();
            let index = choices
                .iter()
                .position(|c| c == text)
                .map(|i| i + 1)
                .or_else(|| {
                    text.strip_prefix("in")
                        .unwrap_or(text)
                        .parse::<usize>()
                        .ok()
                })
                .filter(|n| (1..=choices.len()).contains(n));
            index.map(|n| ParamValue::Number(n as f64)).ok_or_else(|| {
                format!(
                    "`{}` is one of: {} (or their number), not \"{text}\"",
                    input.label,
                    choices.join(", ")
                )
            })
        }
    }
}

/// Why input values could not be applied.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}", .problems.join("; "))]
pub struct InputError {
    /// Each problem, for people.
    pub problems: Vec<String>,
}

/// A copy of `flow` with the promoted inputs set to `values` (by label). Unknown labels and
/// values of the wrong type or out of bounds are errors; inputs not given keep their default.
/// A seed given a value is pinned to it for this copy, even in "new each run" mode.
pub fn apply_inputs(
    flow: &Flow,
    registry: &Registry,
    values: &BTreeMap<String, ParamValue>,
) -> Result<Flow, InputError> {
    let inputs = flow_inputs(flow, registry);
    let mut problems = Vec::new();
    let mut applied = flow.clone();
    for (label, value) in values {
        let Some(input) = inputs.iter().find(|i| i.label == *label) else {
            problems.push(format!("no input labelled `{label}`"));
            continue;
        };
        if let Err(problem) = check_value(input, value) {
            problems.push(problem);
            continue;
        }
        if let Some(node) = applied.node_mut(input.node.as_str()) {
            node.params.insert(input.param.to_owned(), value.clone());
            // A seed the user sets is the seed of this run: it must not be rolled over.
            if node.kind == SEED_KIND {
                node.params
                    .insert("mode".to_owned(), ParamValue::Text(SEED_FIXED.to_owned()));
            }
        }
    }
    if problems.is_empty() {
        Ok(applied)
    } else {
        Err(InputError { problems })
    }
}

fn check_value(input: &FlowInput, value: &ParamValue) -> Result<(), String> {
    let label = &input.label;
    match (&input.kind, value) {
        (InputKind::Text { .. } | InputKind::Path, ParamValue::Text(_)) => Ok(()),
        (InputKind::Options { options }, ParamValue::Text(text)) => {
            if options.contains(text) {
                Ok(())
            } else {
                Err(format!("`{label}` is {}, not \"{text}\"", input.kind))
            }
        }
        (InputKind::Number { min, max }, ParamValue::Number(n)) => {
            if min.is_some_and(|min| *n < min) || max.is_some_and(|max| *n > max) || !n.is_finite()
            {
                Err(format!(
                    "`{label}` must be {}, not {}",
                    input.kind,
                    format_number(*n)
                ))
            } else {
                Ok(())
            }
        }
        (InputKind::Integer { min, max }, ParamValue::Number(n)) => {
            if n.fract() != 0.0 || *n < *min as f64 || *n > *max as f64 {
                Err(format!(
                    "`{label}` must be a {}, not {}",
                    input.kind,
                    format_number(*n)
                ))
            } else {
                Ok(())
            }
        }
        (InputKind::Choice { choices }, ParamValue::Number(n)) => {
            if n.fract() == 0.0 && *n >= 1.0 && *n <= choices.len() as f64 {
                Ok(())
            } else {
                Err(format!(
                    "`{label}` is {}, not choice {}",
                    input.kind,
                    format_number(*n)
                ))
            }
        }
        (kind, other) => Err(format!("`{label}` takes {kind}, not a {}", other.shape())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Node, Promotion};

    fn flow() -> Flow {
        let text = |id: &str, label: &str, order: i32| {
            let mut node = Node::new(id, "text").with_param("text", "default");
            node.promote = Some(Promotion {
                order,
                ..Promotion::new(label)
            });
            node
        };
        let mut number = Node::new("n", "number").with_param("value", 5.0);
        number.promote = Some(Promotion {
            min: Some(1.0),
            max: Some(10.0),
            ..Promotion::new("Count")
        });
        let mut switch = Node::new("pick", "switch");
        switch.promote = Some(Promotion::new("Style"));
        let mut flow = Flow {
            nodes: vec![
                text("b", "Prompt", 1),
                text("a", "Name", 0),
                number,
                switch,
                Node::new("plain", "text"),
            ],
            ..Flow::default()
        };
        flow.edges.push(crate::model::Edge::new(
            crate::model::PortRef::new("a", "text"),
            crate::model::PortRef::new("pick", "in1"),
        ));
        flow
    }

    #[test]
    fn inputs_come_in_form_order_with_their_types() {
        let inputs = flow_inputs(&flow(), &Registry::builtin());
        let labels: Vec<&str> = inputs.iter().map(|i| i.label.as_str()).collect();
        assert_eq!(labels, ["Count", "Name", "Style", "Prompt"]);
        assert_eq!(
            inputs[0].kind,
            InputKind::Number {
                min: Some(1.0),
                max: Some(10.0)
            }
        );
        assert_eq!(
            inputs[2].kind,
            InputKind::Choice {
                choices: vec!["a".into(), "in2".into()]
            }
        );
        assert_eq!(inputs[1].default, ParamValue::Text("default".into()));
    }

    #[test]
    fn values_apply_to_a_copy_and_bad_ones_are_refused() {
        let flow = flow();
        let registry = Registry::builtin();
        let inputs = flow_inputs(&flow, &registry);
        let style = inputs.iter().find(|i| i.label == "Style").unwrap();
        assert_eq!(parse_input(style, "in2"), Ok(ParamValue::Number(2.0)));
        assert_eq!(parse_input(style, "a"), Ok(ParamValue::Number(1.0)));
        assert!(parse_input(style, "3").is_err());
        let values = BTreeMap::from([
            ("Name".to_owned(), ParamValue::from("Ada")),
            ("Style".to_owned(), ParamValue::Number(2.0)),
        ]);
        let applied = apply_inputs(&flow, &registry, &values).unwrap();
        assert_eq!(
            applied.node("a").unwrap().params["text"],
            ParamValue::from("Ada")
        );
        assert_eq!(
            applied.node("pick").unwrap().params["selected"],
            ParamValue::Number(2.0)
        );
        assert_eq!(
            flow.node("a").unwrap().params["text"],
            ParamValue::from("default"),
            "the flow itself is untouched"
        );

        let bad = BTreeMap::from([
            ("Count".to_owned(), ParamValue::Number(11.0)),
            ("Nope".to_owned(), ParamValue::from("x")),
            ("Name".to_owned(), ParamValue::Number(1.0)),
        ]);
        let err = apply_inputs(&flow, &registry, &bad).unwrap_err();
        assert_eq!(err.problems.len(), 3, "{err}");
    }

    #[test]
    fn a_value_set_on_a_new_each_run_seed_pins_it() {
        let registry = Registry::builtin();
        let mut seed =
            Node::new("seed", "seed").with_param("mode", crate::nodes::SEED_NEW_EACH_RUN);
        seed.promote = Some(Promotion::new("Seed"));
        let flow = Flow {
            nodes: vec![seed],
            ..Flow::default()
        };
        let values = [("Seed".to_owned(), ParamValue::Number(42.0))].into();
        let applied = apply_inputs(&flow, &registry, &values).unwrap();
        let node = applied.node("seed").unwrap();
        assert_eq!(node.params["seed"], ParamValue::Number(42.0));
        assert_eq!(
            node.params["mode"],
            ParamValue::Text(SEED_FIXED.to_owned()),
            "not rolled over when the run starts"
        );
        let untouched = apply_inputs(&flow, &registry, &BTreeMap::new()).unwrap();
        assert_eq!(untouched, flow, "without a value it still rolls");
    }
}

#[cfg(test)]
mod path_tests {
    use super::*;
    use crate::model::{Node, Promotion};

    #[test]
    fn a_promoted_path_is_a_file_input() {
        let mut node = Node::new("file", "path").with_param("path", "in.txt");
        node.promote = Some(Promotion::new("Input file"));
        let flow = Flow {
            nodes: vec![node],
            ..Flow::default()
        };
        let registry = Registry::builtin();
        let inputs = flow_inputs(&flow, &registry);
        assert_eq!(inputs[0].kind, InputKind::Path);
        assert_eq!(inputs[0].kind.to_string(), "file path");
        let value = parse_input(&inputs[0], "/tmp/other.txt").unwrap();
        let applied =
            apply_inputs(&flow, &registry, &[("Input file".to_owned(), value)].into()).unwrap();
        assert_eq!(
            applied.node("file").unwrap().params["path"],
            ParamValue::from("/tmp/other.txt")
        );
    }
}
