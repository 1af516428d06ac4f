//! The `.flow` file format: RON text, loaded with located errors and saved atomically.
//!
//! See `docs/flow-format.md` for the format itself.

mod diagnostic;
mod fast_read;
mod link;
mod locate;
mod scan;

pub use link::{link_subflows, FLOW_PARAM, MAX_NESTING};
pub use locate::{locate, Locator};

use std::path::Path;

use serde::Deserialize;

pub use diagnostic::{Diagnostic, LoadError, TextPos};

use crate::check::validate;
use crate::model::{Flow, FORMAT_VERSION};
use crate::nodes::Registry;

/// Reads and checks a `.flow` file. Every problem is reported, each with its place.
pub fn load(path: &Path, registry: &Registry) -> Result<Flow, LoadError> {
    let text = read_text(path)?;
    parse_at(&text, registry, path).map_err(|diagnostics| LoadError::Invalid {
        path: path.to_path_buf(),
        diagnostics,
    })
}

/// Reads and checks a `.flow` file as [`load`] does; also returns the SHA-256 (hex) of the
/// text read, which names exactly this flow (see `RunRequest::flow_digest`).
pub fn load_with_digest(path: &Path, registry: &Registry) -> Result<(Flow, String), LoadError> {
    let text = read_text(path)?;
    let flow = parse_at(&text, registry, path).map_err(|diagnostics| LoadError::Invalid {
        path: path.to_path_buf(),
        diagnostics,
    })?;
    let digest = digest(&text, &flow);
    Ok((flow, digest))
}

/// The SHA-256 of `text` and of the flows its nodes run (so editing an inner file changes
/// it), in hex.
fn digest(text: &str, flow: &Flow) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(text.as_bytes());
    for link in flow.nodes.iter().filter_map(|node| node.subflow.as_ref()) {
        hasher.update([0]);
        hasher.update(link.digest.as_bytes());
    }
    crate::hex::encode(&hasher.finalize())
}

/// The largest `.flow` file read, in bytes (256 MiB: a 100,000-node flow is a few MiB).
pub const MAX_FLOW_BYTES: u64 = 256 * 1024 * 1024;

/// Reads a `.flow` file as text. The file must be UTF-8 (a leading byte-order mark is
/// fine); a byte that is not is reported at its line and column, with its offset. Only a
/// regular file (or a link to one) of at most [`MAX_FLOW_BYTES`] is read: a device such as
/// `/dev/zero` or a FIFO is refused before it is opened.
pub fn read_text(path: &Path) -> Result<String, LoadError> {
    use std::io::Read;
    let io_error = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let refused = |message: String| {
        io_error(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            message,
        ))
    };
    let meta = std::fs::metadata(path).map_err(io_error)?;
    if !meta.is_file() {
        return Err(refused("is not a regular file".to_owned()));
    }
    let too_big = |len: u64| {
        refused(format!(
            "is {} MiB; flows are at most {} MiB",
            len.div_ceil(1024 * 1024),
            MAX_FLOW_BYTES / (1024 * 1024)
        ))
    };
    if meta.len() > MAX_FLOW_BYTES {
        return Err(too_big(meta.len()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_FLOW_BYTES + 1).read_to_end(&mut bytes))
        .map_err(io_error)?;
    if bytes.len() as u64 > MAX_FLOW_BYTES {
        // It grew while being read.
        return Err(too_big(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|err| LoadError::Invalid {
        path: path.to_path_buf(),
        diagnostics: vec![not_utf8(err.as_bytes(), err.utf8_error().valid_up_to())],
    })
}

/// The problem with bytes that are valid UTF-8 only up to byte `valid_up_to`.
fn not_utf8(bytes: &[u8], valid_up_to: usize) -> Diagnostic {
    let valid = std::str::from_utf8(&bytes[..valid_up_to]).unwrap_or_default();
    let valid = valid.strip_prefix(BOM).unwrap_or(valid);
    let byte = bytes.get(valid_up_to).copied().unwrap_or_default();
    Diagnostic {
        pos: Some(TextPos::of_offset(valid, valid.len())),
        message: format!(
            "the file is not UTF-8 text: byte 0x{byte:02X} at byte offset {valid_up_to} is not valid UTF-8 (save the file as UTF-8)"
        ),
    }
}

/// The UTF-8 byte-order mark some editors put at the start of a file.
const BOM: char = '\u{FEFF}';

/// Parses and checks `.flow` text (a leading byte-order mark is skipped). Never panics;
/// returns every problem found.
///
/// Subflows are linked relative to the current folder; use [`parse_at`] for text read from
/// a file.
pub fn parse(text: &str, registry: &Registry) -> Result<Flow, Vec<Diagnostic>> {
    parse_linking(
        text,
        registry,
        Path::new("."),
        &mut link::Linker::new(registry, None),
    )
}

/// Parses and checks the text of the `.flow` file at `path`, linking its subflows relative
/// to the file's folder (see [`link_subflows`]).
pub fn parse_at(text: &str, registry: &Registry, path: &Path) -> Result<Flow, Vec<Diagnostic>> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    parse_linking(
        text,
        registry,
        dir,
        &mut link::Linker::new(registry, Some(path)),
    )
}

/// Parses flow text, links its subflows (relative to `dir`) with `linker`, then checks it.
fn parse_linking(
    text: &str,
    registry: &Registry,
    dir: &Path,
    linker: &mut link::Linker<'_>,
) -> Result<Flow, Vec<Diagnostic>> {
    let text = text.strip_prefix(BOM).unwrap_or(text);
    let mut flow = match read_flow(text) {
        Ok(flow) => flow,
        Err(err) => return Err(vec![syntax_diagnostic(text, &err)]),
    };
    let linked = linker.link(&mut flow, dir);
    let mut problems = validate(&flow, registry);
    // A node whose flow could not be linked has no ports: say why once, not once per wire.
    if !linked.is_empty() {
        let unlinked: std::collections::HashSet<&str> =
            linked.iter().map(|(id, _)| id.as_str()).collect();
        problems.retain(|problem| match &problem.subject {
            crate::check::Subject::Edge(edge) => {
                !unlinked.contains(edge.from.node.as_str())
                    && !unlinked.contains(edge.to.node.as_str())
            }
            _ => true,
        });
        problems.extend(
            linked
                .into_iter()
                .map(|(id, message)| crate::check::Problem {
                    subject: crate::check::Subject::Node(id),
                    message: format!("its flow cannot be run: {message}"),
                }),
        );
    }
    if problems.is_empty() {
        return Ok(flow);
    }
    // One pass over the text locates every problem.
    let locator = Locator::new(text);
    let mut diagnostics: Vec<Diagnostic> = problems
        .into_iter()
        .map(|problem| Diagnostic {
            pos: locator.locate(&problem.subject),
            message: problem.to_string(),
        })
        .collect();
    if diagnostics.is_empty() {
        Ok(flow)
    } else {
        diagnostics.sort_by_key(|d| d.pos.map(|p| (p.line, p.col)));
        Err(diagnostics)
    }
}

/// Reads flow text (without a byte-order mark) into a [`Flow`]: the fast reader for the
/// plain forms it knows, RON for the rest (and for every error, so each keeps its place).
fn read_flow(text: &str) -> Result<Flow, ron::error::SpannedError> {
    if let Some(flow) = fast_read::read(text) {
        return Ok(flow);
    }
    ron_flow(text)
}

/// Reads flow text with RON alone.
fn ron_flow(text: &str) -> Result<Flow, ron::error::SpannedError> {
    ron::Options::default()
        .with_recursion_limit(RECURSION_LIMIT)
        .from_str(text)
}

/// Just enough of a file to read its version when the rest does not parse.
#[derive(Deserialize)]
#[serde(rename = "Flow")]
struct VersionOnly {
    version: u32,
}

fn syntax_diagnostic(text: &str, err: &ron::error::SpannedError) -> Diagnostic {
    // A file from a newer build may use fields this one does not know: say that instead.
    if let Ok(probe) = ron::Options::default().from_str::<VersionOnly>(text) {
        if probe.version != FORMAT_VERSION {
            return Diagnostic {
                pos: locate(text, &crate::check::Subject::Flow),
                message: format!(
                    "unsupported version {} (this build reads version {FORMAT_VERSION})",
                    probe.version
                ),
            };
        }
    }
    let message = match &err.code {
        // ron's own text advises changing its options, which a user cannot do.
        ron::Error::ExceededRecursionLimit => format!(
            "values are nested too deeply here (more than {RECURSION_LIMIT} levels of brackets)"
        ),
        code => code.to_string(),
    };
    Diagnostic {
        pos: Some(TextPos {
            line: err.span.start.line,
            col: err.span.start.col,
        }),
        message,
    }
}

/// How deeply values may nest in a `.flow` file (ron's default, which keeps parsing well
/// within any thread's stack).
const RECURSION_LIMIT: usize = 128;

/// The canonical text of a flow: sorted nodes and edges, four-space indents, a final newline.
pub fn to_text(flow: &Flow) -> String {
    let mut flow = flow.clone();
    flow.normalize();
    let config = ron::ser::PrettyConfig::new()
        .struct_names(true)
        .indentor("    ")
        .new_line("\n")
        .escape_strings(false);
    match ron::ser::to_string_pretty(&flow, config) {
        Ok(mut text) => {
            text.push('\n');
            text
        }
        // Serialising plain data to a string has no failure mode but a serde bug.
        Err(err) => unreachable!("a flow always serialises: {err}"),
    }
}

/// Saves a flow atomically: a crash mid-save leaves the previous file intact. A symbolic
/// link is followed (the file it points to is rewritten) and the file's permissions are kept.
pub fn save(path: &Path, flow: &Flow) -> std::io::Result<()> {
    crate::fsutil::atomic_save(path, to_text(flow).as_bytes())
}

#[cfg(test)]
mod fast_read_tests;
#[cfg(test)]
mod tests;
