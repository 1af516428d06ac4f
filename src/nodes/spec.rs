//! What a node kind declares about itself: parameters, ports and how it takes part in runs.

use std::borrow::Cow;

use crate::model::{DataType, ParamValue};

/// The shape a parameter's value must have.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ParamType {
    /// One line of text.
    Text,
    /// Text that may span several lines (a script, a template).
    LongText,
    /// A file or folder path (a file picker when promoted).
    Path,
    /// A number, with optional inclusive bounds.
    Number {
        /// The smallest allowed value.
        min: Option<f64>,
        /// The largest allowed value.
        max: Option<f64>,
    },
    /// A whole number, with optional inclusive bounds.
    Integer {
        /// The smallest allowed value.
        min: Option<i64>,
        /// The largest allowed value.
        max: Option<i64>,
    },
    /// True or false.
    Bool,
    /// A list of texts.
    TextList,
    /// A map from names to texts.
    TextMap,
    /// One text out of a fixed set (a dropdown).
    Choice(&'static [&'static str]),
}

impl ParamType {
    /// Checks a value against this type, returning a message when it does not fit.
    pub fn check(self, value: &ParamValue) -> Result<(), String> {
        match (self, value) {
            (ParamType::Text | ParamType::LongText | ParamType::Path, ParamValue::Text(_)) => {
                Ok(())
            }
            (ParamType::Bool, ParamValue::Bool(_)) => Ok(()),
            (ParamType::Choice(choices), ParamValue::Text(text)) => {
                if choices.contains(&text.as_str()) {
                    Ok(())
                } else {
                    Err(format!(
                        "must be one of {}, found {text:?}",
                        choices
                            .iter()
                            .map(|c| format!("`{c}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                }
            }
            (ParamType::Number { min, max }, ParamValue::Number(n)) => check_bounds(*n, min, max),
            (ParamType::Integer { min, max }, ParamValue::Number(n)) => {
                if n.fract() != 0.0 {
                    return Err(format!("expects a whole number, found {n}"));
                }
                check_bounds(*n, min.map(|m| m as f64), max.map(|m| m as f64))
            }
            (ParamType::TextList, ParamValue::List(items)) => {
                match items
                    .iter()
                    .find(|item| !matches!(item, ParamValue::Text(_)))
                {
                    Some(item) => Err(format!("expects a list of texts, found a {}", item.shape())),
                    None => Ok(()),
                }
            }
            (ParamType::TextMap, ParamValue::Map(map)) => {
                match map.iter().find(|(_, v)| !matches!(v, ParamValue::Text(_))) {
                    Some((key, v)) => {
                        Err(format!("expects texts, found a {} at `{key}`", v.shape()))
                    }
                    None => Ok(()),
                }
            }
            (expected, found) => Err(format!(
                "expects {}, found a {}",
                expected.describe(),
                found.shape()
            )),
        }
    }

    /// A short description for messages and docs.
    pub fn describe(self) -> &'static str {
        match self {
            ParamType::Text | ParamType::LongText => "text",
            ParamType::Path => "a path",
            ParamType::Number { .. } => "a number",
            ParamType::Integer { .. } => "a whole number",
            ParamType::Bool => "true or false",
            ParamType::TextList => "a list of texts",
            ParamType::TextMap => "a map of texts",
            ParamType::Choice(_) => "one of its choices",
        }
    }
}

fn check_bounds(n: f64, min: Option<f64>, max: Option<f64>) -> Result<(), String> {
    if !n.is_finite() {
        return Err(format!("expects a finite number, found {n}"));
    }
    if let Some(min) = min.filter(|min| n < *min) {
        return Err(format!("must be at least {min}, found {n}"));
    }
    if let Some(max) = max.filter(|max| n > *max) {
        return Err(format!("must be at most {max}, found {n}"));
    }
    Ok(())
}

/// One parameter of a node kind.
#[derive(Clone, Debug)]
pub struct ParamSpec {
    /// The name used in files and the UI.
    pub name: &'static str,
    /// The shape of its value.
    pub ty: ParamType,
    /// The value used when the node does not set it.
    pub default: ParamValue,
    /// One sentence for people.
    pub doc: &'static str,
}

/// One input or output port of a node.
#[derive(Clone, Debug, PartialEq)]
pub struct PortSpec {
    /// The port's name, unique among the node's inputs (or outputs).
    pub name: Cow<'static, str>,
    /// The data it carries.
    pub ty: DataType,
    /// For inputs: the node cannot run without a value here.
    pub required: bool,
}

impl PortSpec {
    /// A required input, or an output.
    pub fn new(name: impl Into<Cow<'static, str>>, ty: DataType) -> Self {
        Self {
            name: name.into(),
            ty,
            required: true,
        }
    }

    /// An input the node can run without.
    pub fn optional(name: impl Into<Cow<'static, str>>, ty: DataType) -> Self {
        Self {
            name: name.into(),
            ty,
            required: false,
        }
    }
}

/// One input of type `ty` per name in the list parameter `list` (duplicates once), for kinds
/// whose inputs are named by the user (template placeholders, script variables, JSON keys).
pub fn named_inputs(params: &super::kind::Params<'_>, list: &str, ty: DataType) -> Vec<PortSpec> {
    let listed = params.text_list(list);
    let mut names: Vec<&str> = Vec::with_capacity(listed.len());
    // A short list is searched; a long one (a node fed by thousands of wires) is hashed,
    // so ports are never quadratic in their number.
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for name in listed {
        let new = if listed_is_long(names.len()) {
            if seen.is_empty() {
                seen.extend(names.iter().copied());
            }
            seen.insert(name)
        } else {
            !names.contains(&name)
        };
        if new {
            names.push(name);
        }
    }
    names
        .into_iter()
        .map(|name| PortSpec::new(name.to_owned(), ty))
        .collect()
}

/// Whether a list of `len` names is long enough to hash rather than search.
fn listed_is_long(len: usize) -> bool {
    len > 16
}

/// How a node kind takes part in a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Does work when planned.
    Step(Placement),
    /// Shows its input; passes it through without running.
    Viewer,
    /// Routes its selected input to its output without running.
    Switch,
    /// Holds content only (a note): never planned.
    Static,
}

/// Where a step's work happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Quick, non-blocking work done right on the executor thread (no thread hand-off).
    Inline,
    /// Work that may block or take long: done on its own worker thread, cancellable.
    Worker,
}

/// Whether a kind's output depends only on its parameters and inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effects {
    /// Same inputs, same outputs, no effect outside the node.
    Pure,
    /// Touches the outside world or can give different outputs for the same inputs.
    SideEffects,
}

/// The longest a kind's one-line summary should be, in characters (it must fit one line of
/// the add-node menu).
pub const SUMMARY_MAX_CHARS: usize = 72;

/// The groups kinds are listed under (the add-node menu's headings, `flowcanvas kinds`).
pub mod groups {
    /// Values typed or picked by the user: numbers, seeds, choices, paths.
    pub const INPUTS: &str = "Inputs";
    /// Text typed into a node, and text made from a template.
    pub const TEXT: &str = "Text";
    /// JSON: parsed, picked from, built.
    pub const DATA: &str = "Data";
    /// Scripts and shell commands.
    pub const CODE: &str = "Code";
    /// HTTP requests.
    pub const WEB: &str = "Web";
    /// Language models.
    pub const AI: &str = "AI";
    /// Reading and writing files.
    pub const FILES: &str = "Files";
    /// Loading, making, changing and saving images.
    pub const IMAGES: &str = "Images";
    /// What decides how and when steps run: batches, switches, delays.
    pub const FLOW: &str = "Flow control";
    /// What only shows things: viewers and notes.
    pub const VIEW: &str = "View";
    /// Every group, in the order the add-node menu shows them.
    pub const ORDER: [&str; 10] = [INPUTS, TEXT, DATA, CODE, WEB, AI, FILES, IMAGES, FLOW, VIEW];
}

/// Static facts about a node kind.
#[derive(Clone, Debug)]
pub struct KindInfo {
    /// The id used in `.flow` files, e.g. `shell`.
    pub id: &'static str,
    /// The name shown on the node and in the add-node menu.
    pub name: &'static str,
    /// The group the add-node menu lists it under (one of [`groups::ORDER`] for the
    /// built-in kinds).
    pub category: &'static str,
    /// One or two sentences for people. The first is the kind's one-line summary (the
    /// add-node menu shows it): keep it under [`SUMMARY_MAX_CHARS`].
    pub description: &'static str,
    /// How it takes part in runs.
    pub role: Role,
    /// Whether it is pure or has side effects.
    pub effects: Effects,
    /// Its parameters.
    pub params: Vec<ParamSpec>,
    /// The parameter a promoted input sets, for kinds that can be promoted as a flow input.
    pub promote: Option<&'static str>,
}

impl KindInfo {
    /// A kind that runs as a step, with no parameters yet (add them with [`Self::param`]).
    pub fn step(
        id: &'static str,
        name: &'static str,
        category: &'static str,
        description: &'static str,
        placement: Placement,
        effects: Effects,
    ) -> Self {
        Self {
            id,
            name,
            category,
            description,
            role: Role::Step(placement),
            effects,
            params: Vec::new(),
            promote: None,
        }
    }

    /// Adds a parameter (builder style).
    pub fn with_param(
        mut self,
        name: &'static str,
        ty: ParamType,
        default: impl Into<ParamValue>,
        doc: &'static str,
    ) -> Self {
        self.params.push(ParamSpec {
            name,
            ty,
            default: default.into(),
            doc,
        });
        self
    }

    /// The description's first sentence: what the kind does, in one line.
    pub fn summary(&self) -> &'static str {
        let text = self.description;
        match text.find(". ") {
            Some(end) => &text[..=end],
            None => text,
        }
    }

    /// The parameter with this name.
    pub fn param(&self, name: &str) -> Option<&ParamSpec> {
        self.params.iter().find(|p| p.name == name)
    }
}
