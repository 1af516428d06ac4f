//! Load errors with a place: `file:line:col: message`.

use std::fmt;
use std::path::PathBuf;

/// A position in a source text, 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextPos {
    /// Line number, from 1.
    pub line: usize,
    /// Column (in characters), from 1.
    pub col: usize,
}

impl TextPos {
    /// The position of byte `offset` in `text`.
    pub fn of_offset(text: &str, offset: usize) -> Self {
        let before = &text[..offset.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        Self { line, col }
    }
}

/// One problem found while loading a file.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Where in the file, when it can be told.
    pub pos: Option<TextPos>,
    /// What is wrong.
    pub message: String,
}

impl Diagnostic {
    /// `file:line:col: message`, or `file: message` when the place is unknown.
    pub fn with_path(&self, path: &std::path::Path) -> String {
        format!(
            "{}:{}{self}",
            path.display(),
            if self.pos.is_some() { "" } else { " " }
        )
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pos {
            Some(pos) => write!(f, "{}:{}: {}", pos.line, pos.col, self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Why a `.flow` file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file was read but is not a valid flow.
    #[error("{}", render(path, diagnostics))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem found, in file order where known.
        diagnostics: Vec<Diagnostic>,
    },
}

impl LoadError {
    /// The problems, one per line, each starting with `file:line:col:`.
    pub fn lines(&self) -> Vec<String> {
        match self {
            LoadError::Io { .. } => vec![self.to_string()],
            LoadError::Invalid { path, diagnostics } => {
                diagnostics.iter().map(|d| d.with_path(path)).collect()
            }
        }
    }
}

fn render(path: &std::path::Path, diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| d.with_path(path))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::TextPos;

    #[test]
    fn positions_count_lines_and_characters() {
        let text = "ab\ncdé\nfg";
        assert_eq!(TextPos::of_offset(text, 0), TextPos { line: 1, col: 1 });
        assert_eq!(TextPos::of_offset(text, 3), TextPos { line: 2, col: 1 });
        let g = text.find('g').unwrap();
        assert_eq!(TextPos::of_offset(text, g), TextPos { line: 3, col: 2 });
    }
}
