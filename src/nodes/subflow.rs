//! `subflow`: runs another `.flow` file as one step. Its inputs are that flow's promoted
//! inputs, its outputs that flow's marked outputs; a failure of any inner step fails the
//! whole unit, and the node's retry policy reruns the whole unit.

use std::sync::Arc;

use super::prelude::*;
use crate::model::SubflowLink;

/// The kind id.
pub const SUBFLOW_KIND: &str = "subflow";

/// Runs the flow in its `flow` file once, with the values wired in.
pub struct SubflowKind {
    info: KindInfo,
}

impl SubflowKind {
    /// The kind with its description.
    pub fn new() -> Self {
        let info = runs_flow_info(
            SUBFLOW_KIND,
            "Subflow",
            "Runs another flow as one step. Its promoted inputs are this node's inputs, its marked outputs this node's outputs.",
        );
        Self { info }
    }
}

/// The description of a kind that runs another flow: a worker step (what it does outside
/// the flow is what the inner flow does) with the `flow` parameter.
pub(super) fn runs_flow_info(
    id: &'static str,
    name: &'static str,
    description: &'static str,
) -> KindInfo {
    KindInfo::step(
        id,
        name,
        groups::FLOW,
        description,
        Placement::Worker,
        Effects::SideEffects,
    )
    .with_param(
        crate::format::FLOW_PARAM,
        ParamType::Path,
        "",
        "The .flow file to run, relative to this flow's folder.",
    )
}

/// The flow a node of a flow-running kind is linked to.
pub(super) fn link_of<'a>(params: &Params<'a>) -> Option<&'a Arc<SubflowLink>> {
    params.node().subflow.as_ref()
}

/// The node's linked flow, or the failure to report when it has none.
pub(super) fn linked(ctx: &NodeContext) -> Result<Arc<SubflowLink>, NodeError> {
    ctx.node().subflow.clone().ok_or_else(|| {
        NodeError::failed(match ctx.params().text("flow").trim() {
            "" => "choose the .flow file it runs (its `flow` field)".to_owned(),
            file => format!("{file} could not be read: check that it exists and is a valid flow"),
        })
    })
}

/// The inner flow's inputs as optional ports (each has its default in the inner flow),
/// leaving out those named in `taken`.
pub(super) fn inner_inputs(params: &Params<'_>, taken: &[&str]) -> Vec<PortSpec> {
    link_of(params).map_or_else(Vec::new, |link| {
        (link.inputs.iter())
            .filter(|port| !taken.contains(&port.name.as_str()))
            .map(|port| PortSpec::optional(port.name.clone(), port.ty))
            .collect()
    })
}

/// The values wired into the node for the inner flow's inputs (those not in `taken`).
pub(super) fn passed_inputs(
    ctx: &NodeContext,
    link: &SubflowLink,
    taken: &[&str],
) -> Vec<(String, Value)> {
    (link.inputs.iter())
        .filter(|port| !taken.contains(&port.name.as_str()))
        .filter_map(|port| Some((port.name.clone(), ctx.input(&port.name)?.clone())))
        .collect()
}

impl NodeKind for SubflowKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn inputs(&self, params: &Params<'_>) -> Vec<PortSpec> {
        inner_inputs(params, &[])
    }

    fn outputs(&self, params: &Params<'_>) -> Vec<PortSpec> {
        link_of(params).map_or_else(Vec::new, |link| {
            (link.outputs.iter())
                .map(|port| PortSpec::new(port.name.clone(), port.ty))
                .collect()
        })
    }

    fn runs_flow(&self) -> bool {
        true
    }

    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        let link = linked(ctx)?;
        let inputs = passed_inputs(ctx, &link, &[]);
        ctx.run_flow(&link, &inputs, None)
    }
}
