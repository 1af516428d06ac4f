//! `json_parse`: text to JSON.

use super::prelude::*;

/// Parses its `text` input as JSON; invalid JSON fails with the line and column.
#[derive(Clone)]
pub struct JsonParseKind {
    info: KindInfo,
}

impl JsonParseKind {
    /// The kind with its description.
    pub fn new() -> Self {
        let info = KindInfo::step(
            "json_parse",
            "Parse JSON",
            groups::DATA,
            "Parses text as JSON. Invalid JSON fails with its line and column.",
            Placement::Inline,
            Effects::Pure,
        );
        Self { info }
    }
}

impl NodeKind for JsonParseKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn inputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::new("text", DataType::Text)]
    }

    fn outputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::new("json", DataType::Json)]
    }

    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        let text = ctx.input("text").map(Value::to_text).unwrap_or_default();
        let json: serde_json::Value = serde_json::from_str(&text).map_err(|err| {
            NodeError::failed(format!(
                "not JSON: {} at line {}, column {}",
                strip_position(&err.to_string()),
                err.line(),
                err.column()
            ))
        })?;
        Ok(Outputs::new().with("json", Value::Json(json)))
    }
}

/// serde_json's message without its own " at line L column C" tail.
fn strip_position(message: &str) -> &str {
    message.split(" at line ").next().unwrap_or(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nodes::testing::run_kind;

    #[test]
    fn parses_and_reports_where_it_breaks() {
        let out = run_kind(
            &JsonParseKind::new(),
            &[],
            &[("text", Value::Text("{\"a\": [1, 2]}".into()))],
        );
        assert_eq!(
            out.unwrap().get("json"),
            Some(&Value::Json(serde_json::json!({"a": [1, 2]})))
        );
        let err = run_kind(
            &JsonParseKind::new(),
            &[],
            &[("text", Value::Text("{\n  \"a\": 1,,\n}".into()))],
        )
        .unwrap_err();
        assert!(err.to_string().contains("line 2, column"), "{err}");
    }
}
