//! `json_object`: a JSON object built from named inputs.

use super::prelude::*;

/// Builds a JSON object with one member per name in `keys`, each from the input of that
/// name (text stays text, numbers numbers, JSON is nested as it is).
#[derive(Clone)]
pub struct JsonObjectKind {
    info: KindInfo,
}

impl JsonObjectKind {
    /// The kind with its description.
    pub fn new() -> Self {
        let info = KindInfo::step(
            "json_object",
            "Build JSON object",
            groups::DATA,
            "Builds a JSON object from named inputs: one member per name in `keys`.",
            Placement::Inline,
            Effects::Pure,
        )
        .with_param(
            "keys",
            ParamType::TextList,
            ParamValue::List(Vec::new()),
            "The member names; each becomes an input.",
        );
        Self { info }
    }
}

impl NodeKind for JsonObjectKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn inputs(&self, params: &Params<'_>) -> Vec<PortSpec> {
        named_inputs(params, "keys", DataType::Any)
    }

    fn outputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::new("json", DataType::Json)]
    }

    fn check(&self, params: &Params<'_>) -> Vec<String> {
        params
            .text_list("keys")
            .into_iter()
            .filter(|key| !crate::model::NodeId::is_valid(key))
            .map(|key| {
                format!("key {key:?} cannot be an input name: use letters, digits, `_` and `-`")
            })
            .collect()
    }

    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        let mut object = serde_json::Map::new();
        for key in ctx.params().text_list("keys") {
            let value = ctx
                .input(key)
                .ok_or_else(|| NodeError::failed(format!("input `{key}` has no value")))?;
            object.insert(key.to_owned(), value.to_json());
        }
        Ok(Outputs::new().with("json", Value::Json(serde_json::Value::Object(object))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nodes::testing::run_kind;

    #[test]
    fn members_keep_their_types() {
        let out = run_kind(
            &JsonObjectKind::new(),
            &[(
                "keys",
                ParamValue::List(vec!["name".into(), "n".into(), "tags".into()]),
            )],
            &[
                ("name", Value::Text("Ada".into())),
                ("n", Value::Number(3.0)),
                ("tags", Value::Json(serde_json::json!(["x"]))),
            ],
        )
        .unwrap();
        assert_eq!(
            out.get("json"),
            Some(&Value::Json(
                serde_json::json!({"name": "Ada", "n": 3.0, "tags": ["x"]})
            ))
        );
    }
}
