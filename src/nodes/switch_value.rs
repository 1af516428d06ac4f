//! `switch_value`: routes its value to the output named by the case it equals, or to
//! `default`; the cases not taken are skipped ("condition false").

use super::prelude::*;

/// The most cases a switch by value has.
pub const MAX_CASES: usize = 32;

/// Passes its `value` on through the output of the first case it equals (as the `if` node's
/// `equals` reads equality), else through `default`.
pub struct SwitchValueKind {
    info: KindInfo,
}

impl SwitchValueKind {
    /// The kind with its description.
    pub fn new() -> Self {
        let info = KindInfo::step(
            "switch_value",
            "Switch by value",
            groups::FLOW,
            "Sends its value to the output of the case it equals, else `default`. Other branches are skipped.",
            Placement::Inline,
            Effects::Pure,
        )
        .with_param(
            "cases",
            ParamType::TextList,
            ParamValue::List(vec!["a".into(), "b".into()]),
            "The cases, each a value and the name of its output (letters, digits, `_`, `-`).",
        );
        Self { info }
    }
}

/// Whether `name` can name a port.
fn is_port_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl NodeKind for SwitchValueKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn inputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::new("value", DataType::Any)]
    }

    fn outputs(&self, params: &Params<'_>) -> Vec<PortSpec> {
        let mut ports: Vec<PortSpec> = (params.text_list("cases").into_iter())
            .filter(|case| is_port_name(case) && *case != "default" && *case != "value")
            .take(MAX_CASES)
            .map(|case| PortSpec::new(case.to_owned(), DataType::Any))
            .collect();
        ports.push(PortSpec::new("default", DataType::Any));
        ports
    }

    fn routes(&self) -> bool {
        true
    }

    fn check(&self, params: &Params<'_>) -> Vec<String> {
        let cases = params.text_list("cases");
        let mut problems = Vec::new();
        if cases.len() > MAX_CASES {
            problems.push(format!("at most {MAX_CASES} cases, found {}", cases.len()));
        }
        let mut seen = std::collections::HashSet::new();
        for case in cases {
            if !is_port_name(case) {
                problems.push(format!(
                    "case {case:?} cannot name an output: use letters, digits, `_` and `-`"
                ));
            } else if case == "default" || case == "failure" || case == "value" {
                problems.push(format!("case `{case}` is a name the node uses itself"));
            } else if !seen.insert(case) {
                problems.push(format!("case `{case}` is listed twice"));
            }
        }
        problems
    }

    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        let value = ctx
            .input("value")
            .ok_or_else(|| NodeError::failed("input `value` has no value"))?;
        let cases = ctx.params().text_list("cases");
        let taken = cases
            .into_iter()
            .find(|case| super::condition::holds("equals", value, case) == Ok(true))
            .unwrap_or("default")
            .to_owned();
        Ok(Outputs::new().with(taken, value.clone()))
    }
}
