//! How a result reads as text: its main value (what a node shows, what Copy and Save take),
//! all its outputs (what Compare diffs), and the file it names, if any.

use std::path::{Path, PathBuf};

use crate::model::Value;
use crate::nodes::Outputs;

/// The output a result is mostly about: the first one that is not an exit code and not
/// empty text.
pub fn main_value(outputs: &Outputs) -> Option<(&str, &Value)> {
    outputs.iter().find(|(name, value)| {
        *name != "exit_code" && !matches!(value, Value::Text(t) if t.is_empty())
    })
}

/// The main value as text (empty when there is none).
pub fn main_text(outputs: &Outputs) -> String {
    main_value(outputs).map_or_else(String::new, |(_, value)| value.to_text())
}

/// Every output as text: a lone output as it is, several under a `── name ──` line each.
pub fn outputs_text(outputs: &Outputs) -> String {
    let all: Vec<(&str, &Value)> = outputs.iter().collect();
    match all.as_slice() {
        [] => String::new(),
        [(_, value)] => value.to_text(),
        _ => {
            let mut text = String::new();
            for (name, value) in all {
                text.push_str(&format!("── {name} ──\n"));
                text.push_str(&value.to_text());
                if !text.ends_with('\n') {
                    text.push('\n');
                }
            }
            text
        }
    }
}

/// The file a result names (its first path output), relative paths resolved against
/// `base_dir` (the flow's folder).
pub fn file_of(outputs: &Outputs, base_dir: &Path) -> Option<PathBuf> {
    outputs.iter().find_map(|(_, value)| match value {
        Value::Path(path) if !path.as_os_str().is_empty() => Some(base_dir.join(path)),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_main_value_skips_exit_codes_and_empty_text() {
        let outputs = Outputs::new()
            .with("exit_code", Value::Number(0.0))
            .with("stderr", Value::Text(String::new()))
            .with("stdout", Value::Text("hi".into()));
        assert_eq!(main_text(&outputs), "hi");
        assert!(outputs_text(&outputs).contains("── stdout ──\nhi\n"));
        assert_eq!(
            outputs_text(&Outputs::new().with("text", Value::Text("one".into()))),
            "one"
        );
    }

    #[test]
    fn a_path_result_names_its_file() {
        let outputs = Outputs::new().with("path", Value::Path("out/a.txt".into()));
        assert_eq!(
            file_of(&outputs, Path::new("/flows")),
            Some(PathBuf::from("/flows/out/a.txt"))
        );
        assert_eq!(file_of(&Outputs::new(), Path::new("/")), None);
    }
}
