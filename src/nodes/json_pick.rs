//! `json_pick`: one value out of a JSON document, by JSON pointer.

use super::prelude::*;

/// Takes the value at `pointer` (RFC 6901, e.g. `/items/0/name`) out of its `json` input.
#[derive(Clone)]
pub struct JsonPickKind {
    info: KindInfo,
}

impl JsonPickKind {
    /// The kind with its description.
    pub fn new() -> Self {
        let info = KindInfo::step(
            "json_pick",
            "Pick from JSON",
            groups::DATA,
            "Takes one value out of JSON by a pointer such as /items/0/name. It is output as JSON and as text.",
            Placement::Inline,
            Effects::Pure,
        )
        .with_param(
            "pointer",
            ParamType::Text,
            "",
            "A JSON pointer: `/key/0/key`; empty picks the whole document.",
        );
        Self { info }
    }
}

impl NodeKind for JsonPickKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn inputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::new("json", DataType::Json)]
    }

    fn outputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![
            PortSpec::new("value", DataType::Json),
            PortSpec::new("text", DataType::Text),
        ]
    }

    fn check(&self, params: &Params<'_>) -> Vec<String> {
        let pointer = params.text("pointer");
        if pointer.is_empty() || pointer.starts_with('/') {
            Vec::new()
        } else {
            vec![format!(
                "`pointer` must be empty or start with `/` (a JSON pointer such as /items/0), found {pointer:?}"
            )]
        }
    }

    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        let pointer = ctx.params().text("pointer");
        let json = match ctx.input("json") {
            Some(Value::Json(json)) => json,
            _ => return Err(NodeError::failed("input `json` has no value")),
        };
        let value = json
            .pointer(pointer)
            .ok_or_else(|| missing(json, pointer))?;
        let text = match value {
            serde_json::Value::String(text) => text.clone(),
            other => Value::Json(other.clone()).to_text(),
        };
        Ok(Outputs::new()
            .with("value", Value::Json(value.clone()))
            .with("text", Value::Text(text)))
    }
}

/// Why `pointer` finds nothing: the deepest part that exists, and what it holds there.
fn missing(json: &serde_json::Value, pointer: &str) -> NodeError {
    let parts: Vec<&str> = pointer.split('/').skip(1).collect();
    let mut at = String::new();
    let mut here = json;
    for part in parts {
        let key = part.replace("~1", "/").replace("~0", "~");
        let next = match here {
            serde_json::Value::Object(map) => map.get(&key),
            serde_json::Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        };
        match next {
            Some(next) => {
                at.push('/');
                at.push_str(part);
                here = next;
            }
            None => {
                let there = match here {
                    serde_json::Value::Object(map) => {
                        let keys: Vec<&str> = map.keys().map(String::as_str).take(12).collect();
                        format!("an object with keys {}", keys.join(", "))
                    }
                    serde_json::Value::Array(items) => format!("a list of {} items", items.len()),
                    other => format!("{other}"),
                };
                let place = if at.is_empty() { "the top" } else { &at };
                return NodeError::failed(format!(
                    "nothing at {pointer}: `{part}` is not in {place}, which holds {there}"
                ));
            }
        }
    }
    NodeError::failed(format!("nothing at {pointer}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nodes::testing::run_kind;

    #[test]
    fn picks_by_pointer_and_says_what_is_there_when_missing() {
        let doc = Value::Json(serde_json::json!({"items": [{"name": "one"}, {"name": "two"}]}));
        let pick = |pointer: &str| {
            run_kind(
                &JsonPickKind::new(),
                &[("pointer", ParamValue::from(pointer))],
                &[("json", doc.clone())],
            )
        };
        let out = pick("/items/1/name").unwrap();
        assert_eq!(out.get("text"), Some(&Value::Text("two".into())));
        assert_eq!(
            out.get("value"),
            Some(&Value::Json(serde_json::json!("two")))
        );
        let err = pick("/items/1/title").unwrap_err().to_string();
        assert!(
            err.contains("`title` is not in /items/1") && err.contains("keys name"),
            "{err}"
        );
        let err = pick("/items/5").unwrap_err().to_string();
        assert!(err.contains("a list of 2 items"), "{err}");
    }
}
