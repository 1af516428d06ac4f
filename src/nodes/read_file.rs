//! `read_file`: a file's content, as text or as bytes.

use std::sync::Arc;

use super::prelude::*;

/// The largest file a node reads (`read_file`, `image_load`), in bytes: 256 MiB. Larger
/// files, and anything that is not a regular file (a device such as `/dev/zero`, a FIFO),
/// fail the node instead of filling the memory or waiting forever.
pub(crate) const MAX_READ_BYTES: u64 = 256 * 1024 * 1024;

/// Reads the regular file at `path`, at most [`MAX_READ_BYTES`] of it; a larger file or
/// anything else fails with a message naming it.
pub(crate) fn read_capped(path: &std::path::Path) -> Result<Vec<u8>, NodeError> {
    use std::io::Read;
    let cannot = |err: std::io::Error| {
        let why = match err.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_owned(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
            _ => err.to_string(),
        };
        NodeError::failed(format!("cannot read {}: {why}", path.display()))
    };
    const MIB: u64 = 1024 * 1024;
    let too_big = |len: u64| {
        NodeError::failed(format!(
            "cannot read {}: it is {} MiB, larger than the {} MiB a node reads",
            path.display(),
            len.div_ceil(MIB),
            MAX_READ_BYTES / MIB
        ))
    };
    // Asked before opening: opening a FIFO waits for a writer. A file that is not there is
    // something a person can supply: the run is blocked, not failed.
    let meta = match std::fs::metadata(path) {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(NodeError::blocked(
                format!("cannot read {}: no such file", path.display()),
                "put the file there, or change the path",
            ));
        }
        meta => meta.map_err(cannot)?,
    };
    if meta.is_dir() {
        return Err(NodeError::failed(format!(
            "{} is a folder, not a file",
            path.display()
        )));
    }
    if !meta.is_file() {
        return Err(NodeError::failed(format!(
            "cannot read {}: it is not a regular file",
            path.display()
        )));
    }
    if meta.len() > MAX_READ_BYTES {
        return Err(too_big(meta.len()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_READ_BYTES + 1).read_to_end(&mut bytes))
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_READ_BYTES {
        // It grew while being read.
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

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
            groups::FILES,
            "Reads a file as text, or as bytes when it is binary. Relative paths start at the flow's folder.",
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
        let bytes = read_capped(&path)?;
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

    #[cfg(unix)]
    #[test]
    fn read_file_refuses_dev_zero_and_fifos() {
        crate::nodes::testing::assert_refuses_special_files(&ReadFileKind::new(), "pipe");
    }

    #[test]
    fn read_file_refuses_files_over_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.bin");
        // Sparse: no disk space used.
        std::fs::File::create(&big)
            .unwrap()
            .set_len(MAX_READ_BYTES + 1)
            .unwrap();
        let err = read_capped(&big).unwrap_err().to_string();
        assert!(
            err.contains("big.bin") && err.contains("larger than the 256 MiB"),
            "{err}"
        );
    }
}
