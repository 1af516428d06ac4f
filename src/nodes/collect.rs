//! `collect`: gathers the results of a batch into one list.

use super::prelude::*;
use crate::model::BatchItem;

/// Turns the batch arriving at `items` into a list of the items that succeeded (in order),
/// so the next step runs once on all of them.
#[derive(Clone)]
pub struct CollectKind {
    info: KindInfo,
}

impl CollectKind {
    /// The kind with its description.
    pub fn new() -> Self {
        let info = KindInfo::step(
            "collect",
            "Collect results",
            groups::FLOW,
            "Gathers a batch's per-item results into one list. Failed items are left out.",
            Placement::Inline,
            Effects::Pure,
        );
        Self { info }
    }
}

impl NodeKind for CollectKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn inputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::new("items", DataType::Any)]
    }

    fn outputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::new("list", DataType::List)]
    }

    fn takes_batches(&self) -> bool {
        true
    }

    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        let list = match ctx.input("items") {
            Some(Value::Batch(items)) => {
                items.iter().filter_map(BatchItem::value).cloned().collect()
            }
            Some(Value::List(items)) => items.clone(),
            Some(other) => vec![other.clone()],
            None => return Err(NodeError::failed("input `items` has no value")),
        };
        Ok(Outputs::new().with("list", Value::List(list)))
    }
}
