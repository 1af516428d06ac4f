//! Secrets in flows: which environment variables may be sent as keys, `${env:NAME}`
//! placeholders in header values, and taking key values out of whatever a node reports
//! before it is stored or printed.

use std::borrow::Cow;
use std::path::Path;
use std::sync::{Arc, Mutex};

use super::kind::Outputs;
use crate::model::{BatchItem, Value};

/// Name endings that mark an environment variable as meant to hold a key.
pub const KEY_SUFFIXES: &[&str] = &["_KEY", "_TOKEN", "_SECRET"];

/// The file in the settings folder that names further key variables, one per line.
pub const KEY_VARS_FILE: &str = "key-variables.txt";

/// Variables never sent as keys, whatever their name or the settings say.
const NEVER_KEYS: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "PWD",
    "OLDPWD",
    "TMPDIR",
    "DISPLAY",
    "LD_PRELOAD",
    "LD_LIBRARY_PATH",
    "XDG_CONFIG_HOME",
    "XDG_RUNTIME_DIR",
    "FLOWCANVAS_CONFIG_DIR",
];

/// Key values shorter than this are not redacted: blanking every `1` or `ab` in a reply
/// would hide the reply, not a key.
pub const MIN_REDACTED_CHARS: usize = 4;

/// Whether `name` may be read as a key: a valid variable name ending in `_KEY`, `_TOKEN` or
/// `_SECRET`, or listed in the settings folder's `key-variables.txt`; never `PATH`, `HOME`
/// and the like. The error says why not, for people.
pub fn check_key_variable(name: &str) -> Result<(), String> {
    let valid = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(format!(
            "`{name}` is not an environment variable name (letters, digits and `_`)"
        ));
    }
    let refused = || {
        Err(format!(
            "`{name}` is not a key variable: only names ending in {} (or listed in {KEY_VARS_FILE} in the settings folder) may be sent as keys",
            KEY_SUFFIXES
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    };
    if NEVER_KEYS
        .iter()
        .any(|never| never.eq_ignore_ascii_case(name))
    {
        return refused();
    }
    let upper = name.to_ascii_uppercase();
    if KEY_SUFFIXES.iter().any(|suffix| upper.ends_with(suffix)) {
        return Ok(());
    }
    let listed =
        crate::settings::config_dir().is_some_and(|dir| listed_in(&dir.join(KEY_VARS_FILE), name));
    if listed {
        Ok(())
    } else {
        refused()
    }
}

/// Whether `file` lists `name` on a line of its own (`#` starts a comment).
fn listed_in(file: &Path, name: &str) -> bool {
    std::fs::read_to_string(file).is_ok_and(|text| {
        text.lines()
            .map(|line| line.split('#').next().unwrap_or("").trim())
            .any(|line| line == name)
    })
}

/// The opening of a placeholder.
const PLACEHOLDER_OPEN: &str = "${env:";

/// The variable names of the `${env:NAME}` placeholders in `text`, in order, or what is
/// wrong with one (unclosed, or a name that may not be read as a key).
pub fn env_placeholders(text: &str) -> Result<Vec<&str>, String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(PLACEHOLDER_OPEN) {
        let after = &rest[start + PLACEHOLDER_OPEN.len()..];
        let Some(end) = after.find('}') else {
            return Err(format!("`{PLACEHOLDER_OPEN}…` is not closed with `}}`"));
        };
        let name = after[..end].trim();
        check_key_variable(name)?;
        names.push(name);
        rest = &after[end + 1..];
    }
    Ok(names)
}

/// `text` with every `${env:NAME}` replaced by `lookup(NAME)`.
pub fn expand_env_placeholders(
    text: &str,
    mut lookup: impl FnMut(&str) -> Result<String, String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(PLACEHOLDER_OPEN) {
        out.push_str(&rest[..start]);
        let after = &rest[start + PLACEHOLDER_OPEN.len()..];
        let Some(end) = after.find('}') else {
            return Err(format!("`{PLACEHOLDER_OPEN}…` is not closed with `}}`"));
        };
        out.push_str(&lookup(after[..end].trim())?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The key values a node read from the environment, to be taken out of everything it
/// reports (outputs, errors, streamed output) before that is stored or printed.
#[derive(Clone, Debug, Default)]
pub struct Secrets {
    /// (variable name, value), longest value first.
    known: Arc<Mutex<Vec<(String, String)>>>,
}

impl Secrets {
    /// No secrets yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Remembers that `value` came from variable `name`.
    pub fn add(&self, name: &str, value: &str) {
        if value.chars().count() < MIN_REDACTED_CHARS {
            return;
        }
        let mut known = self.lock();
        if known.iter().any(|(_, v)| v == value) {
            return;
        }
        known.push((name.to_owned(), value.to_owned()));
        known.sort_by_key(|(_, value)| std::cmp::Reverse(value.len()));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(String, String)>> {
        // The list is only ever pushed to whole: a poisoned lock still holds good data.
        self.known
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether no secret was read.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// `text` with every known key value replaced by `[redacted NAME]`.
    pub fn redact_text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let known = self.lock();
        let mut text = Cow::Borrowed(text);
        for (name, value) in known.iter() {
            if text.contains(value.as_str()) {
                text = Cow::Owned(text.replace(value.as_str(), &format!("[redacted {name}]")));
            }
        }
        text
    }

    /// A value with every text in it redacted (texts, JSON strings, lists, batch items).
    pub fn redact_value(&self, value: Value) -> Value {
        match value {
            Value::Text(text) => Value::Text(self.redact_text(&text).into_owned()),
            Value::Json(json) => Value::Json(self.redact_json(json)),
            Value::List(items) => {
                Value::List(items.into_iter().map(|v| self.redact_value(v)).collect())
            }
            Value::Batch(items) => Value::Batch(
                items
                    .into_iter()
                    .map(|item| match item {
                        BatchItem::Ok(value) => BatchItem::Ok(self.redact_value(value)),
                        BatchItem::Failed(message) => {
                            BatchItem::Failed(self.redact_text(&message).into_owned())
                        }
                        BatchItem::Missing => BatchItem::Missing,
                    })
                    .collect(),
            ),
            other => other,
        }
    }

    fn redact_json(&self, json: serde_json::Value) -> serde_json::Value {
        match json {
            serde_json::Value::String(text) => {
                serde_json::Value::String(self.redact_text(&text).into_owned())
            }
            serde_json::Value::Array(items) => {
                serde_json::Value::Array(items.into_iter().map(|v| self.redact_json(v)).collect())
            }
            serde_json::Value::Object(map) => serde_json::Value::Object(
                map.into_iter()
                    .map(|(key, v)| (self.redact_text(&key).into_owned(), self.redact_json(v)))
                    .collect(),
            ),
            other => other,
        }
    }

    /// Outputs with every value redacted.
    pub fn redact_outputs(&self, outputs: Outputs) -> Outputs {
        let mut redacted = Outputs::new();
        for (port, value) in outputs.into_iter() {
            redacted.insert(port, self.redact_value(value));
        }
        redacted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names_end_in_key_token_or_secret_and_never_name_path_or_home() {
        assert!(check_key_variable("OPENAI_API_KEY").is_ok());
        assert!(check_key_variable("GITHUB_TOKEN").is_ok());
        assert!(check_key_variable("app_secret").is_ok());
        for refused in ["PATH", "HOME", "EDITOR", "MY KEY", ""] {
            assert!(check_key_variable(refused).is_err(), "{refused}");
        }
        let message = check_key_variable("PATH").unwrap_err();
        assert!(message.contains("`_KEY`"), "{message}");
    }

    #[test]
    fn placeholders_are_found_checked_and_expanded() {
        assert_eq!(
            env_placeholders("Bearer ${env:API_TOKEN}").unwrap(),
            vec!["API_TOKEN"]
        );
        assert!(env_placeholders("${env:HOME}").is_err());
        assert!(env_placeholders("${env:API_TOKEN").is_err());
        let expanded =
            expand_env_placeholders("a ${env:X_KEY} b", |name| Ok(format!("<{name}>"))).unwrap();
        assert_eq!(expanded, "a <X_KEY> b");
    }

    #[test]
    fn secrets_are_redacted_everywhere_in_a_value() {
        let secrets = Secrets::new();
        secrets.add("FOO_KEY", "sk-12345");
        secrets.add("SHORT_KEY", "ab");
        let value = Value::Json(serde_json::json!({"echo": ["key sk-12345 ab"]}));
        let redacted = secrets.redact_value(value);
        assert_eq!(
            redacted,
            Value::Json(serde_json::json!({"echo": ["key [redacted FOO_KEY] ab"]}))
        );
    }
}
