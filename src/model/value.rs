//! Values: the data flowing between nodes at run time, and parameter values stored in files.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{DataType, ImageData};

/// A value produced by a node's output port and consumed by another node's input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
pub enum Value {
    /// UTF-8 text.
    Text(String),
    /// A number.
    Number(f64),
    /// True or false.
    Bool(bool),
    /// A JSON document.
    Json(serde_json::Value),
    /// A file system path.
    Path(PathBuf),
    /// A list of values.
    List(Vec<Value>),
    /// Raw bytes (a binary file), written as base64 in JSON.
    Bytes(#[serde(with = "base64_bytes")] Arc<Vec<u8>>),
    /// An image (written as PNG, base64, in JSON).
    Image(ImageData),
    /// The results of a node that ran once per item of a batch, in item order. A node that
    /// receives a batch runs once per item too, until a Collect Results node turns it into
    /// a list.
    Batch(Vec<BatchItem>),
}

/// One item of a batch result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchItem {
    /// The item's value.
    Ok(Value),
    /// The item failed; the message says why.
    Failed(String),
    /// The item did not run (its input failed upstream).
    Missing,
}

impl BatchItem {
    /// The item's value, if it has one.
    pub fn value(&self) -> Option<&Value> {
        match self {
            BatchItem::Ok(value) => Some(value),
            _ => None,
        }
    }
}

impl Value {
    /// The data type of this value.
    pub fn data_type(&self) -> DataType {
        match self {
            Value::Text(_) => DataType::Text,
            Value::Number(_) => DataType::Number,
            Value::Bool(_) => DataType::Bool,
            Value::Json(_) => DataType::Json,
            Value::Path(_) => DataType::Path,
            Value::List(_) => DataType::List,
            Value::Bytes(_) => DataType::Bytes,
            Value::Image(_) => DataType::Image,
            Value::Batch(_) => DataType::List,
        }
    }

    /// The value as text, the way a template or a file would show it.
    pub fn to_text(&self) -> String {
        match self {
            Value::Text(text) => text.clone(),
            Value::Number(n) => format_number(*n),
            Value::Bool(b) => b.to_string(),
            Value::Json(json) => serde_json::to_string_pretty(json).unwrap_or_default(),
            Value::Path(path) => path.display().to_string(),
            Value::List(items) => items
                .iter()
                .map(Value::to_text)
                .collect::<Vec<_>>()
                .join("\n"),
            Value::Bytes(bytes) => match std::str::from_utf8(bytes) {
                Ok(text) => text.to_owned(),
                Err(_) => format!("<binary data, {} bytes>", bytes.len()),
            },
            Value::Image(image) => format!("<image {}>", image.size_text()),
            Value::Batch(items) => items
                .iter()
                .map(|item| match item {
                    BatchItem::Ok(value) => value.to_text(),
                    BatchItem::Failed(error) => format!("<failed: {error}>"),
                    BatchItem::Missing => "<missing>".to_owned(),
                })
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    /// The value as a JSON document.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Text(text) => serde_json::Value::String(text.clone()),
            Value::Number(n) => serde_json::Number::from_f64(*n)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Json(json) => json.clone(),
            Value::Path(path) => serde_json::Value::String(path.display().to_string()),
            Value::List(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_json).collect())
            }
            Value::Bytes(bytes) => serde_json::Value::String(base64_bytes::encode(bytes)),
            Value::Image(image) => serde_json::json!({
                "type": "image",
                "width": image.width(),
                "height": image.height(),
            }),
            Value::Batch(items) => serde_json::Value::Array(
                items
                    .iter()
                    .map(|item| item.value().map_or(serde_json::Value::Null, Value::to_json))
                    .collect(),
            ),
        }
    }

    /// Converts the value for an input of type `target`, following the conversions that
    /// [`DataType::connects_to`] documents. Fails with a message for the user.
    pub fn convert_to(&self, target: DataType) -> Result<Value, String> {
        use DataType as T;
        let found = self.data_type();
        if found == target || target == T::Any {
            return Ok(self.clone());
        }
        let converted = match (self, target) {
            (Value::Batch(items), T::List) => Some(Value::List(
                items.iter().filter_map(BatchItem::value).cloned().collect(),
            )),
            (Value::Bytes(bytes), T::Text) => {
                return String::from_utf8(bytes.to_vec())
                    .map(Value::Text)
                    .map_err(|err| {
                        format!(
                            "expected text, got binary data ({} bytes, not UTF-8 at byte {})",
                            bytes.len(),
                            err.utf8_error().valid_up_to()
                        )
                    })
            }
            (_, T::Text) => Some(Value::Text(self.to_text())),
            (Value::Text(text), T::Bytes) => Some(Value::Bytes(Arc::new(text.as_bytes().to_vec()))),
            (Value::Text(text), T::Number) => text.trim().parse::<f64>().ok().map(Value::Number),
            (Value::Text(text), T::Bool) => match text.trim() {
                "true" => Some(Value::Bool(true)),
                "false" => Some(Value::Bool(false)),
                _ => None,
            },
            (Value::Text(text), T::Path) => Some(Value::Path(PathBuf::from(text))),
            (Value::Text(text), T::Json) => serde_json::from_str(text).ok().map(Value::Json),
            (Value::Number(_) | Value::Bool(_) | Value::List(_), T::Json) => {
                Some(Value::Json(self.to_json()))
            }
            (Value::Json(serde_json::Value::Array(items)), T::List) => Some(Value::List(
                items.iter().cloned().map(Value::Json).collect(),
            )),
            _ => None,
        };
        converted.ok_or_else(|| format!("expected {target}, got {found} {}", self.excerpt(40)))
    }

    /// Converts the value for an input of type `target` of a node that runs once per batch
    /// item (`per_item`): a batch then converts item by item, an item that does not fit
    /// failing on its own (its message names input `port`). Otherwise as
    /// [`Value::convert_to`].
    pub fn convert_for_input(
        &self,
        port: &str,
        target: DataType,
        per_item: bool,
    ) -> Result<Value, String> {
        match self {
            Value::Batch(items) if per_item => Ok(Value::Batch(
                items
                    .iter()
                    .map(|item| match item {
                        BatchItem::Ok(value) => match value.convert_to(target) {
                            Ok(value) => BatchItem::Ok(value),
                            Err(message) => BatchItem::Failed(format!("input `{port}`: {message}")),
                        },
                        other => other.clone(),
                    })
                    .collect(),
            )),
            _ => self.convert_to(target),
        }
    }

    /// How many bytes of data the value holds, for timelines and traces: text, a path and
    /// bytes their length, a number 8, a bool 1, JSON its compact text, an image its pixels
    /// (4 bytes each), a list or batch the sum of its items (a failed item its message).
    /// Nothing is allocated to count it.
    pub fn data_bytes(&self) -> u64 {
        match self {
            Value::Text(text) => text.len() as u64,
            Value::Number(_) => 8,
            Value::Bool(_) => 1,
            Value::Json(json) => {
                let mut counter = ByteCounter(0);
                // Writing into a counter cannot fail, and JSON values always serialise.
                let _ = serde_json::to_writer(&mut counter, json);
                counter.0
            }
            Value::Path(path) => path.as_os_str().len() as u64,
            Value::List(items) => items.iter().map(Value::data_bytes).sum(),
            Value::Bytes(bytes) => bytes.len() as u64,
            Value::Image(image) => u64::from(image.width()) * u64::from(image.height()) * 4,
            Value::Batch(items) => items
                .iter()
                .map(|item| match item {
                    BatchItem::Ok(value) => value.data_bytes(),
                    BatchItem::Failed(message) => message.len() as u64,
                    BatchItem::Missing => 0,
                })
                .sum(),
        }
    }

    /// A short one-line excerpt of the value for messages and compact displays.
    pub fn excerpt(&self, max_chars: usize) -> String {
        let text = match self {
            Value::Text(text) => format!("{text:?}"),
            Value::Bytes(bytes) => format!("<{} bytes>", bytes.len()),
            Value::Image(image) => format!("<image {}>", image.size_text()),
            Value::Batch(items) => format!("<batch of {}>", items.len()),
            other => other.to_text(),
        };
        let one_line = text.replace('\n', "⏎");
        if one_line.chars().count() > max_chars {
            let cut: String = one_line.chars().take(max_chars.saturating_sub(1)).collect();
            format!("{cut}…")
        } else {
            one_line
        }
    }
}

/// A writer that only counts what it is given (the size of a JSON text, unwritten).
struct ByteCounter(u64);

impl std::io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Formats a number without a trailing `.0` when it is whole.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// A parameter or constant input value as written in a `.flow` file.
///
/// Written plainly in RON: `"text"`, `3.5`, `true`, `["a", "b"]`, `{"key": "value"}`.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamValue {
    /// A string.
    Text(String),
    /// A number (integers are read as numbers too).
    Number(f64),
    /// A boolean.
    Bool(bool),
    /// A list of values.
    List(Vec<ParamValue>),
    /// A map from names to values.
    Map(BTreeMap<String, ParamValue>),
}

impl ParamValue {
    /// A short name of the value's shape, for messages.
    pub fn shape(&self) -> &'static str {
        match self {
            ParamValue::Text(_) => "text",
            ParamValue::Number(_) => "number",
            ParamValue::Bool(_) => "bool",
            ParamValue::List(_) => "list",
            ParamValue::Map(_) => "map",
        }
    }

    /// The run-time value of this constant.
    pub fn to_value(&self) -> Value {
        match self {
            ParamValue::Text(text) => Value::Text(text.clone()),
            ParamValue::Number(n) => Value::Number(*n),
            ParamValue::Bool(b) => Value::Bool(*b),
            ParamValue::List(items) => {
                Value::List(items.iter().map(ParamValue::to_value).collect())
            }
            ParamValue::Map(_) => Value::Json(self.to_json()),
        }
    }

    /// The value as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            ParamValue::Text(text) => serde_json::Value::String(text.clone()),
            ParamValue::Number(n) => serde_json::Number::from_f64(*n)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            ParamValue::Bool(b) => serde_json::Value::Bool(*b),
            ParamValue::List(items) => {
                serde_json::Value::Array(items.iter().map(Self::to_json).collect())
            }
            ParamValue::Map(map) => serde_json::Value::Object(
                map.iter().map(|(k, v)| (k.clone(), v.to_json())).collect(),
            ),
        }
    }
}

impl From<&str> for ParamValue {
    fn from(text: &str) -> Self {
        ParamValue::Text(text.to_owned())
    }
}

impl From<f64> for ParamValue {
    fn from(n: f64) -> Self {
        ParamValue::Number(n)
    }
}

impl From<bool> for ParamValue {
    fn from(b: bool) -> Self {
        ParamValue::Bool(b)
    }
}

impl Serialize for ParamValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ParamValue::Text(text) => serializer.serialize_str(text),
            ParamValue::Number(n) => serializer.serialize_f64(*n),
            ParamValue::Bool(b) => serializer.serialize_bool(*b),
            ParamValue::List(items) => items.serialize(serializer),
            ParamValue::Map(map) => map.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for ParamValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ParamValueVisitor)
    }
}

struct ParamValueVisitor;

impl<'de> Visitor<'de> for ParamValueVisitor {
    type Value = ParamValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, number, bool, list or map")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<ParamValue, E> {
        Ok(ParamValue::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<ParamValue, E> {
        Ok(ParamValue::Number(v as f64))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<ParamValue, E> {
        Ok(ParamValue::Number(v as f64))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<ParamValue, E> {
        Ok(ParamValue::Number(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<ParamValue, E> {
        Ok(ParamValue::Text(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<ParamValue, E> {
        Ok(ParamValue::Text(v))
    }

    fn visit_char<E: de::Error>(self, v: char) -> Result<ParamValue, E> {
        Ok(ParamValue::Text(v.to_string()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ParamValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(ParamValue::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ParamValue, A::Error> {
        let mut entries = BTreeMap::new();
        while let Some((key, value)) = map.next_entry::<String, ParamValue>()? {
            entries.insert(key, value);
        }
        Ok(ParamValue::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_bytes_counts_what_a_value_holds() {
        assert_eq!(Value::Text("héllo".into()).data_bytes(), 6);
        assert_eq!(Value::Number(1.0).data_bytes(), 8);
        let json = serde_json::json!({"a": [1, 2]});
        assert_eq!(
            Value::Json(json.clone()).data_bytes(),
            serde_json::to_string(&json).unwrap().len() as u64
        );
        let image = ImageData::new(3, 2, vec![0; 24]).unwrap();
        assert_eq!(Value::Image(image).data_bytes(), 24);
        let list = Value::List(vec![Value::Text("ab".into()), Value::Bool(true)]);
        assert_eq!(list.data_bytes(), 3);
        let batch = Value::Batch(vec![
            BatchItem::Ok(Value::Text("abc".into())),
            BatchItem::Failed("no".into()),
            BatchItem::Missing,
        ]);
        assert_eq!(batch.data_bytes(), 5);
    }

    #[test]
    fn conversions_follow_the_table() {
        assert_eq!(
            Value::Number(3.0).convert_to(DataType::Text),
            Ok(Value::Text("3".into()))
        );
        assert_eq!(
            Value::Text(" 2.5 ".into()).convert_to(DataType::Number),
            Ok(Value::Number(2.5))
        );
        assert!(Value::Text("abc".into())
            .convert_to(DataType::Number)
            .is_err());
        assert_eq!(
            Value::Text("[1,2]".into()).convert_to(DataType::Json),
            Ok(Value::Json(serde_json::json!([1, 2])))
        );
        assert!(Value::Number(1.0).convert_to(DataType::Path).is_err());
    }

    #[test]
    fn excerpt_is_one_short_line() {
        let value = Value::Text("line one\nline two is long".into());
        let excerpt = value.excerpt(12);
        assert_eq!(excerpt.chars().count(), 12);
        assert!(!excerpt.contains('\n'));
    }
}

/// Bytes as a base64 string in JSON (results in the store, events on the command line).
mod base64_bytes {
    use std::sync::Arc;

    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn encode(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    pub fn serialize<S: Serializer>(
        bytes: &Arc<Vec<u8>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Arc<Vec<u8>>, D::Error> {
        let text = String::deserialize(deserializer)?;
        base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map(Arc::new)
            .map_err(serde::de::Error::custom)
    }
}
