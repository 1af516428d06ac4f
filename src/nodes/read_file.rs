//! `read_file`: a file's content, as text or as bytes.

use std::sync::Arc;

use super::prelude::*;

/// How the content is read.
const MODES: &[&str] = &["auto", "text", "bytes"];

/// Reads the file at its `path` input (relative to the flow's folder). In `auto` mode a
/// UTF-8 file gives text and any other file bytes; `text` insists on text.
#[derive(Clone)]
pub struct ReadFileKind {
    info: KindInfo,
}

impl ReadFileKind {
    /// The kind with its description.
    pub fn new() -> Self {
        let info = KindInfo::step(
            "read_file",
            "Read file",
            "Files",
            "Reads a file (relative to the flow's folder): text, or bytes for a binary file.",
            Placement::Worker,
            Effects::SideEffects,
        )
        .with_param(
            "as",
            ParamType::Choice(MODES),
            "auto",
            "auto: text when the file is UTF-8, else bytes; text: fail unless it is text; bytes: always bytes.",
        );
        Self { info }
    }
}

impl NodeKind for ReadFileKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn inputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::new("path", DataType::Path)]
    }

    fn outputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![
            PortSpec::new("content", DataType::Any),
            PortSpec::new("size", DataType::Number),
        ]
    }

    fn side_effects(
        &self,
        _params: &Params<'_>,
        input: &dyn Fn(&str) -> KnownInput,
    ) -> Vec<SideEffect> {
        vec![SideEffect::Read {
            path: input("path").value().map(str::to_owned),
        }]
    }

    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        let path = match ctx.input("path") {
            Some(Value::Path(path)) if !path.as_os_str().is_empty() => ctx.resolve_path(path),
            _ => return Err(NodeError::failed("input `path` is empty")),
        };
        ctx.check_read(&path)?;
        if path.is_dir() {
            return Err(NodeError::failed(format!(
                "{} is a folder, not a file",
                path.display()
            )));
        }
        let bytes = std::fs::read(&path).map_err(|err| {
            let why = match err.kind() {
                std::io::ErrorKind::NotFound => "no such file".to_owned(),
                std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
                _ => err.to_string(),
            };
            NodeError::failed(format!("cannot read {}: {why}", path.display()))
        })?;
        let size = bytes.len() as f64;
        let content = match ctx.params().text("as") {
            "bytes" => Value::Bytes(Arc::new(bytes)),
            "text" => Value::Text(String::from_utf8(bytes).map_err(|err| {
                NodeError::failed(format!(
                    "{} is not UTF-8 text (byte {} is not); read it as bytes",
                    path.display(),
                    err.utf8_error().valid_up_to()
                ))
            })?),
            _ => match String::from_utf8(bytes) {
                Ok(text) => Value::Text(text),
                Err(err) => Value::Bytes(Arc::new(err.into_bytes())),
            },
        };
        Ok(Outputs::new()
            .with("content", content)
            .with("size", Value::Number(size)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nodes::testing::run_kind_in;
    use crate::nodes::CancelToken;

    #[test]
    fn text_bytes_and_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "hello").unwrap();
        std::fs::write(dir.path().join("b.bin"), [0xff, 0x00, 0x10]).unwrap();
        let read = |name: &str, mode: &str| {
            run_kind_in(
                &ReadFileKind::new(),
                &[("as", ParamValue::from(mode))],
                &[("path", Value::Path(name.into()))],
                dir.path(),
                CancelToken::new(),
            )
            .0
        };
        let out = read("a.txt", "auto").unwrap();
        assert_eq!(out.get("content"), Some(&Value::Text("hello".into())));
        assert_eq!(out.get("size"), Some(&Value::Number(5.0)));
        let out = read("b.bin", "auto").unwrap();
        assert_eq!(
            out.get("content"),
            Some(&Value::Bytes(Arc::new(vec![0xff, 0x00, 0x10])))
        );
        let err = read("b.bin", "text").unwrap_err().to_string();
        assert!(err.contains("not UTF-8") && err.contains("b.bin"), "{err}");
        let err = read("missing.txt", "auto").unwrap_err().to_string();
        assert!(err.contains("missing.txt: no such file"), "{err}");
    }
}
