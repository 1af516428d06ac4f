//! `if`: routes its value to `then` or `else` by a test on it; the branch not taken is
//! skipped ("condition false"), not failed.

use super::condition::{check_operand, holds, TESTS};
use super::prelude::*;

/// Passes its `value` on through `then` when the test holds, else through `else`; only the
/// taken port carries it, so what is wired to the other one does not run.
pub struct IfKind {
    info: KindInfo,
}

impl IfKind {
    /// The kind with its description.
    pub fn new() -> Self {
        let info = KindInfo::step(
            "if",
            "If",
            groups::FLOW,
            "Sends its value to `then` or `else` by a test on it. The branch not taken is skipped, not failed.",
            Placement::Inline,
            Effects::Pure,
        )
        .with_param(
            "test",
            ParamType::Choice(TESTS),
            "equals",
            "The test: equals, not_equals, contains, matches (a regular expression), greater, greater_or_equal, less, less_or_equal, empty, not_empty, truthy (JSON truthiness at the pointer in `operand`), or expression (Rhai, with the value as `value`).",
        )
        .with_param(
            "operand",
            ParamType::Text,
            "",
            "What the test compares with: a text or number, the regular expression, the JSON pointer, or the expression. An `operand` input, when wired, takes its place.",
        );
        Self { info }
    }
}

impl NodeKind for IfKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn inputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![
            PortSpec::new("value", DataType::Any),
            PortSpec::optional("operand", DataType::Text),
        ]
    }

    fn outputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![
            PortSpec::new("then", DataType::Any),
            PortSpec::new("else", DataType::Any),
        ]
    }

    fn routes(&self) -> bool {
        true
    }

    fn check(&self, params: &Params<'_>) -> Vec<String> {
        check_operand(params.text("test"), params.text("operand"))
            .err()
            .into_iter()
            .collect()
    }

    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        let params = ctx.params();
        let value = ctx
            .input("value")
            .ok_or_else(|| NodeError::failed("input `value` has no value"))?;
        let operand = match ctx.input("operand") {
            Some(operand) => operand.to_text(),
            None => params.text("operand").to_owned(),
        };
        let taken = match holds(params.text("test"), value, &operand) {
            Ok(true) => "then",
            Ok(false) => "else",
            Err(why) => return Err(NodeError::failed(why)),
        };
        Ok(Outputs::new().with(taken, value.clone()))
    }
}
