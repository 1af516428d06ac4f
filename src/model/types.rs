//! Port data types and which of them may be wired together.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The type of data a port carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DataType {
    /// UTF-8 text.
    Text,
    /// A 64-bit floating point number.
    Number,
    /// True or false.
    Bool,
    /// Any JSON value.
    Json,
    /// A file system path.
    Path,
    /// A raster image.
    Image,
    /// Raw bytes (the content of a binary file).
    Bytes,
    /// A list of values.
    List,
    /// Anything: connects to every type; the value is converted when it arrives.
    Any,
}

impl DataType {
    /// Every data type, in display order.
    pub const ALL: [DataType; 9] = [
        DataType::Text,
        DataType::Number,
        DataType::Bool,
        DataType::Json,
        DataType::Path,
        DataType::Image,
        DataType::Bytes,
        DataType::List,
        DataType::Any,
    ];

    /// The lowercase name used in files, messages and the JSON event stream.
    pub fn name(self) -> &'static str {
        match self {
            DataType::Text => "text",
            DataType::Number => "number",
            DataType::Bool => "bool",
            DataType::Json => "json",
            DataType::Path => "path",
            DataType::Image => "image",
            DataType::Bytes => "bytes",
            DataType::List => "list",
            DataType::Any => "any",
        }
    }

    /// Whether an output of type `self` may be wired into an input of type `input`.
    ///
    /// Equal types always connect and `any` connects to everything. Beyond that the
    /// documented conversions are: number, bool, path, json, list and bytes into text; text
    /// into number, bool, path, json and bytes; number, bool and list into json; json into
    /// list.
    /// Conversions that parse text (text into number, say) can still fail when the value
    /// arrives, and the receiving node then fails with a message naming the input.
    pub fn connects_to(self, input: DataType) -> bool {
        use DataType::*;
        if self == input || self == Any || input == Any {
            return true;
        }
        matches!(
            (self, input),
            (Number | Bool | Path | Json | List | Bytes, Text)
                | (Text, Number | Bool | Path | Json | Bytes)
                | (Number | Bool | List, Json)
                | (Json, List)
        )
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::DataType::{self, *};

    #[test]
    fn any_connects_both_ways() {
        for ty in DataType::ALL {
            assert!(ty.connects_to(Any), "{ty} -> any");
            assert!(Any.connects_to(ty), "any -> {ty}");
        }
    }

    #[test]
    fn documented_conversions_only() {
        assert!(Number.connects_to(Text));
        assert!(Text.connects_to(Path));
        assert!(Json.connects_to(List));
        assert!(!Image.connects_to(Text));
        assert!(!Text.connects_to(Image));
        assert!(!Number.connects_to(Path));
        assert!(!List.connects_to(Number));
    }
}
