//! `batch`: a list of items (typed in, picked or dropped files, or a wired list); a step
//! wired to it runs once per item.

use super::prelude::*;
use crate::model::BatchItem;

/// What the typed items are.
const ITEM_TYPES: &[&str] = &["text", "path"];

/// Holds the items of a batch: one per line of `items` (texts, or file paths), or the
/// entries of a list wired into `list`. Nodes downstream run once per item until a Collect
/// Results node gathers their results into a list.
#[derive(Clone)]
pub struct BatchKind {
    info: KindInfo,
}

/// The kind id (the app counts a batch node's items to label Run buttons).
pub const BATCH_KIND: &str = "batch";

impl BatchKind {
    /// The kind with its description.
    pub fn new() -> Self {
        let info = KindInfo::step(
            BATCH_KIND,
            "Batch",
            groups::FLOW,
            "A list of items; the steps it feeds run once per item. Type one item per line, add or drop files, or wire in a list.",
            Placement::Inline,
            Effects::Pure,
        )
        .with_param(
            "items",
            ParamType::LongText,
            "",
            "The items, one per line (blank lines are skipped).",
        )
        .with_param(
            "item_type",
            ParamType::Choice(ITEM_TYPES),
            "text",
            "text: each line is a text; path: each line is a file path (relative to the flow's folder).",
        );
        Self { info }
    }
}

/// The typed items of a batch node's `items` parameter.
pub fn typed_items(params: &Params<'_>) -> Vec<Value> {
    let as_path = params.text("item_type") == "path";
    params
        .text("items")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| {
            if as_path {
                Value::Path(line.into())
            } else {
                Value::Text(line.to_owned())
            }
        })
        .collect()
}

impl NodeKind for BatchKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn inputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::optional("list", DataType::List)]
    }

    fn outputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::new("items", DataType::Any)]
    }

    fn takes_batches(&self) -> bool {
        true
    }

    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        let items: Vec<Value> = match ctx.input("list") {
            Some(Value::List(items)) => items
                .iter()
                .map(|item| match item {
                    // JSON strings from a parsed list are texts.
                    Value::Json(serde_json::Value::String(text)) => Value::Text(text.clone()),
                    other => other.clone(),
                })
                .collect(),
            Some(other) => vec![other.clone()],
            None => typed_items(&ctx.params()),
        };
        if items.is_empty() {
            return Err(NodeError::failed(
                "the batch has no items: type one per line, add files, or wire in a list",
            ));
        }
        Ok(Outputs::new().with(
            "items",
            Value::Batch(items.into_iter().map(BatchItem::Ok).collect()),
        ))
    }
}
