//! The tests an `if` node puts to a value: comparisons, emptiness, JSON truthiness, regular
//! expressions and Rhai expressions. One reading, for running and for checking a flow.

use crate::model::Value;

/// Every test, as the `test` parameter names it.
pub const TESTS: &[&str] = &[
    "equals",
    "not_equals",
    "contains",
    "matches",
    "greater",
    "greater_or_equal",
    "less",
    "less_or_equal",
    "empty",
    "not_empty",
    "truthy",
    "expression",
];

/// Whether `test` holds for `value` against `operand` (the text to compare with, the
/// regular expression, the JSON pointer, or the Rhai expression, as `test` reads it); an
/// error says why it cannot be told.
pub fn holds(test: &str, value: &Value, operand: &str) -> Result<bool, String> {
    let text = || value.to_text();
    match test {
        "equals" => Ok(equal(value, operand)),
        "not_equals" => Ok(!equal(value, operand)),
        "contains" => Ok(contains(value, operand)),
        "matches" => Ok(regex(operand)?.is_match(&text())),
        "greater" | "greater_or_equal" | "less" | "less_or_equal" => {
            let (left, right) = (
                number(value)?,
                number_text(operand, "the number to compare with")?,
            );
            Ok(match test {
                "greater" => left > right,
                "greater_or_equal" => left >= right,
                "less" => left < right,
                _ => left <= right,
            })
        }
        "empty" => Ok(is_empty(value)),
        "not_empty" => Ok(!is_empty(value)),
        "truthy" => Ok(truthy_at(value, operand)),
        "expression" => expression(value, operand),
        other => Err(format!(
            "unknown test `{other}` (one of {})",
            TESTS.join(", ")
        )),
    }
}

/// Whether `operand` can be used with `test` at all (a regular expression that compiles, an
/// expression that parses, a number for comparisons, a pointer that starts with `/`), for
/// checks before any run.
pub fn check_operand(test: &str, operand: &str) -> Result<(), String> {
    match test {
        "matches" => regex(operand).map(drop),
        "greater" | "greater_or_equal" | "less" | "less_or_equal" => {
            number_text(operand, "`operand`").map(drop)
        }
        "truthy" if !operand.is_empty() && !operand.starts_with('/') => Err(format!(
            "`operand` must be empty or a JSON pointer such as /ok, found {operand:?}"
        )),
        "expression" => rhai::Engine::new()
            .compile_expression(operand)
            .map(drop)
            .map_err(|err| format!("`operand`: the expression does not parse: {err}")),
        _ => Ok(()),
    }
}

/// Equal as numbers when both read as numbers (`2` and `2.0`), else as text (trimmed).
fn equal(value: &Value, operand: &str) -> bool {
    match (number(value), number_text(operand, "")) {
        (Ok(left), Ok(right)) => left == right,
        _ => value.to_text().trim() == operand.trim(),
    }
}

/// A list or JSON array holds an item equal to `operand`; text holds it as a part.
fn contains(value: &Value, operand: &str) -> bool {
    match value {
        Value::List(items) => items.iter().any(|item| equal(item, operand)),
        Value::Json(serde_json::Value::Array(items)) => items
            .iter()
            .any(|item| equal(&Value::Json(item.clone()), operand)),
        Value::Json(serde_json::Value::Object(map)) => map.contains_key(operand),
        other => other.to_text().contains(operand),
    }
}

/// Nothing in it: empty text (blanks only), an empty list, JSON `null`, `""`, `[]` or `{}`.
fn is_empty(value: &Value) -> bool {
    match value {
        Value::Text(text) => text.trim().is_empty(),
        Value::List(items) => items.is_empty(),
        Value::Json(json) => match json {
            serde_json::Value::Null => true,
            serde_json::Value::String(s) => s.is_empty(),
            serde_json::Value::Array(items) => items.is_empty(),
            serde_json::Value::Object(map) => map.is_empty(),
            _ => false,
        },
        Value::Bytes(bytes) => bytes.is_empty(),
        Value::Path(path) => path.as_os_str().is_empty(),
        _ => false,
    }
}

/// JSON truthiness of the value at `pointer` (all of it when empty): `null`, `false`, `0`,
/// `""`, `[]` and `{}` are false, and so is a pointer that finds nothing.
fn truthy_at(value: &Value, pointer: &str) -> bool {
    let json = match value {
        Value::Json(json) => json.clone(),
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) => serde_json::json!(n),
        other => serde_json::from_str(&other.to_text())
            .unwrap_or_else(|_| serde_json::Value::String(other.to_text())),
    };
    match json.pointer(pointer) {
        None | Some(serde_json::Value::Null) => false,
        Some(serde_json::Value::Bool(b)) => *b,
        Some(serde_json::Value::Number(n)) => n.as_f64() != Some(0.0),
        Some(serde_json::Value::String(s)) => !s.is_empty(),
        Some(serde_json::Value::Array(items)) => !items.is_empty(),
        Some(serde_json::Value::Object(map)) => !map.is_empty(),
    }
}

/// The value as a number: a number, or text that reads as one.
fn number(value: &Value) -> Result<f64, String> {
    match value {
        Value::Number(n) => Ok(*n),
        Value::Json(serde_json::Value::Number(n)) => n.as_f64().ok_or_else(|| n.to_string()),
        other => number_text(&other.to_text(), "the value"),
    }
}

fn number_text(text: &str, what: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .ok_or_else(|| format!("{what} is not a number: {:?}", text.trim()))
}

/// The regular expression `pattern`, or why it does not compile.
fn regex(pattern: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|err| format!("`operand` is not a regular expression this reads: {err}"))
}

/// Evaluates the Rhai expression `source` with the value bound as `value`; it must give
/// true or false. Bounded like a script node (operations, sizes, depth).
fn expression(value: &Value, source: &str) -> Result<bool, String> {
    let mut engine = rhai::Engine::new();
    engine.set_max_operations(100_000);
    super::script::limit(&mut engine);
    let mut scope = rhai::Scope::new();
    let bound = super::script::to_dynamic(value).map_err(|err| err.to_string())?;
    scope.push_dynamic("value", bound);
    let result = engine
        .eval_expression_with_scope::<rhai::Dynamic>(&mut scope, source)
        .map_err(|err| format!("the expression failed: {err}"))?;
    result
        .as_bool()
        .map_err(|found| format!("the expression gave a {found}, not true or false"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str) -> Value {
        Value::Text(t.to_owned())
    }

    #[test]
    fn each_test_reads_the_value_as_people_expect() {
        assert_eq!(holds("equals", &Value::Number(2.0), "2.0"), Ok(true));
        assert_eq!(holds("equals", &text(" yes "), "yes"), Ok(true));
        assert_eq!(holds("not_equals", &text("a"), "b"), Ok(true));
        assert_eq!(holds("contains", &text("hello world"), "lo w"), Ok(true));
        let list = Value::Json(serde_json::json!(["a", 3]));
        assert_eq!(holds("contains", &list, "3"), Ok(true));
        assert_eq!(holds("contains", &list, "b"), Ok(false));
        assert_eq!(
            holds("matches", &text("order-42"), r"^order-\d+$"),
            Ok(true)
        );
        assert_eq!(holds("greater", &text("10"), "9.5"), Ok(true));
        assert_eq!(holds("less_or_equal", &Value::Number(3.0), "3"), Ok(true));
        assert!(holds("greater", &text("ten"), "9")
            .unwrap_err()
            .contains("not a number"));
        assert_eq!(holds("empty", &text("  "), ""), Ok(true));
        assert_eq!(
            holds("empty", &Value::Json(serde_json::json!({})), ""),
            Ok(true)
        );
        assert_eq!(holds("not_empty", &text("x"), ""), Ok(true));
        let doc = Value::Json(serde_json::json!({"ok": 0, "items": [1]}));
        assert_eq!(holds("truthy", &doc, "/ok"), Ok(false));
        assert_eq!(holds("truthy", &doc, "/items"), Ok(true));
        assert_eq!(holds("truthy", &doc, "/nope"), Ok(false));
        assert_eq!(
            holds("expression", &Value::Number(7.0), "value > 5 && value < 10"),
            Ok(true)
        );
        assert!(holds("expression", &Value::Number(7.0), "value + 1")
            .unwrap_err()
            .contains("not true or false"));
        assert!(holds("expression", &Value::Number(1.0), "loop {}")
            .unwrap_err()
            .contains("failed"));
    }

    #[test]
    fn operands_are_checked_before_a_run() {
        assert!(check_operand("matches", "(").is_err());
        assert!(check_operand("greater", "many").is_err());
        assert!(check_operand("truthy", "ok").is_err());
        assert!(check_operand("expression", "value >").is_err());
        assert!(check_operand("equals", "anything").is_ok());
        assert!(check_operand("truthy", "/ok").is_ok());
    }
}
