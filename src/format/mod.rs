//! The `.flow` file format: RON text, loaded with located errors and saved atomically.
//!
//! See `docs/flow-format.md` for the format itself.

mod diagnostic;
mod locate;

pub use locate::locate;

use std::path::Path;

use serde::Deserialize;

pub use diagnostic::{Diagnostic, LoadError, TextPos};

use crate::model::{validate, Flow, FORMAT_VERSION};
use crate::nodes::Registry;

/// Reads and checks a `.flow` file. Every problem is reported, each with its place.
pub fn load(path: &Path, registry: &Registry) -> Result<Flow, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, registry).map_err(|diagnostics| LoadError::Invalid {
        path: path.to_path_buf(),
        diagnostics,
    })
}

/// Parses and checks `.flow` text. Never panics; returns every problem found.
pub fn parse(text: &str, registry: &Registry) -> Result<Flow, Vec<Diagnostic>> {
    let flow: Flow = match ron::Options::default().from_str(text) {
        Ok(flow) => flow,
        Err(err) => return Err(vec![syntax_diagnostic(text, &err)]),
    };
    let mut diagnostics: Vec<Diagnostic> = validate(&flow, registry)
        .into_iter()
        .map(|problem| Diagnostic {
            pos: locate(text, &problem.subject),
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
                pos: locate(text, &crate::model::Subject::Flow),
                message: format!(
                    "unsupported version {} (this build reads version {FORMAT_VERSION})",
                    probe.version
                ),
            };
        }
    }
    Diagnostic {
        pos: Some(TextPos {
            line: err.span.start.line,
            col: err.span.start.col,
        }),
        message: err.code.to_string(),
    }
}

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

/// Saves a flow atomically: a crash mid-save leaves the previous file intact.
pub fn save(path: &Path, flow: &Flow) -> std::io::Result<()> {
    crate::fsutil::atomic_write(path, to_text(flow).as_bytes())
}

#[cfg(test)]
mod tests;
