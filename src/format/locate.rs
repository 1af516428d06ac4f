//! Finds where a node, edge or layout entry is written in a `.flow` text, so semantic
//! problems can point at `line:col` like syntax errors do.
//!
//! The text is read once into a [`Locator`] (a small RON tokenizer that understands
//! comments, raw strings and escapes, so `id: r"a"` and `id: "\u{61}"` are found like
//! `id: "a"`); each lookup is then a hash-map probe and a binary search over line starts.
//! A file with thousands of problems is located in time linear in its size.

use std::collections::HashMap;

use super::diagnostic::TextPos;
use crate::check::Subject;
use crate::model::Edge;

/// The position of the text that defines `subject`, if it can be found. Builds a
/// [`Locator`] for one lookup; use the locator itself for several.
pub fn locate(text: &str, subject: &Subject) -> Option<TextPos> {
    Locator::new(text).locate(subject)
}

/// Where each node id, edge and layout entry of a `.flow` text is written.
pub struct Locator<'t> {
    text: &'t str,
    /// Byte offset where each line starts.
    line_starts: Vec<usize>,
    /// The `version` field of the top level.
    version: Option<usize>,
    /// Each node id (as read, escapes decoded) and the offsets of its `id` fields, in order.
    node_ids: HashMap<String, Vec<usize>>,
    /// Each edge and the offsets of the strings that write it, in order.
    edges: HashMap<Edge, Vec<usize>>,
    /// Each layout entry's node id (a position, else a size) and the offset of its key.
    positions: HashMap<String, usize>,
    /// Where each id first appears in a group's `nodes` list.
    group_members: HashMap<String, usize>,
    /// The first comment, if any.
    first_comment: Option<usize>,
}

impl<'t> Locator<'t> {
    /// Reads `text` once (after any byte-order mark, which no editor counts as a column).
    /// Text with a syntax error is read as well as it goes.
    pub fn new(text: &'t str) -> Self {
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        let mut locator = Self {
            text,
            line_starts,
            version: None,
            node_ids: HashMap::new(),
            edges: HashMap::new(),
            positions: HashMap::new(),
            group_members: HashMap::new(),
            first_comment: None,
        };
        locator.scan();
        locator
    }

    /// The position of the text that defines `subject`, if it can be found.
    pub fn locate(&self, subject: &Subject) -> Option<TextPos> {
        let offset = match subject {
            Subject::Flow => self.version,
            Subject::Node(id) => self.node_ids.get(id.as_str())?.first().copied(),
            Subject::DuplicateNode(id) => self.node_ids.get(id.as_str())?.get(1).copied(),
            Subject::Edge(edge) => self.edges.get(edge)?.first().copied(),
            Subject::Layout(id) => (self.positions.get(id.as_str()))
                .or_else(|| self.group_members.get(id.as_str()))
                .copied(),
        }?;
        Some(self.pos(offset))
    }

    /// Where the first comment (`//` or `/* */`) starts, if the text has one.
    pub fn first_comment(&self) -> Option<TextPos> {
        self.first_comment.map(|offset| self.pos(offset))
    }

    /// The line and column of byte `offset`.
    pub fn pos(&self, offset: usize) -> TextPos {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let line_start = self.line_starts[line.saturating_sub(1)];
        let col = self
            .text
            .get(line_start..offset)
            .map_or(0, |before| before.chars().count());
        TextPos { line, col: col + 1 }
    }

    /// Walks the tokens, keeping track of which field each bracket was opened for.
    fn scan(&mut self) {
        let mut tokens = Tokens::new(self.text);
        // For each open bracket: the field it holds and its kind (`(`, `[` or `{`).
        let mut open: Vec<(Option<&'t str>, u8)> = Vec::new();
        // The last field name followed by `:`, waiting for its value.
        let mut field: Option<(&'t str, usize)> = None;
        let mut previous: Option<Token<'t>> = None;
        while let Some(token) = tokens.next_token() {
            match &token.kind {
                Kind::Punct(b':') => {
                    if let Some(Token {
                        kind: Kind::Ident(name),
                        at,
                    }) = previous
                    {
                        field = Some((name, at));
                        if name == "version" && open.len() == 1 && self.version.is_none() {
                            self.version = Some(at);
                        }
                    }
                }
                Kind::Punct(bracket @ (b'(' | b'[' | b'{')) => {
                    open.push((field.take().map(|(name, _)| name), *bracket));
                }
                Kind::Punct(b')' | b']' | b'}') => {
                    open.pop();
                    field = None;
                }
                Kind::Punct(b',') => field = None,
                Kind::Str(value) => {
                    if let Some(("id", at)) = field {
                        self.node_ids.entry(value.clone()).or_default().push(at);
                    } else if field.is_none() {
                        match open.last() {
                            Some((Some("edges"), b'[')) => {
                                if let Some(edge) = Edge::parse(value) {
                                    self.edges.entry(edge).or_default().push(token.at);
                                }
                            }
                            Some((Some("positions" | "sizes"), b'{')) => {
                                self.positions.entry(value.clone()).or_insert(token.at);
                            }
                            // Bare strings in a `nodes` list: a group's members (the
                            // flow's own nodes are `Node(..)` structs).
                            Some((Some("nodes"), b'[')) => {
                                self.group_members.entry(value.clone()).or_insert(token.at);
                            }
                            _ => {}
                        }
                    }
                    field = None;
                }
                Kind::Ident(_) | Kind::Punct(_) | Kind::Other => {}
            }
            previous = Some(token);
        }
        self.first_comment = tokens.first_comment;
    }
}

/// One token of RON text and the byte offset where it starts.
struct Token<'t> {
    kind: Kind<'t>,
    at: usize,
}

/// What a token is, as far as locating needs to know.
enum Kind<'t> {
    /// A name: a field, a struct name, `Some`, `true`.
    Ident(&'t str),
    /// A string, its escapes decoded.
    Str(String),
    /// One punctuation byte.
    Punct(u8),
    /// A number, a character or anything else.
    Other,
}

/// A tokenizer over RON text that skips whitespace and comments.
struct Tokens<'t> {
    text: &'t str,
    bytes: &'t [u8],
    at: usize,
    first_comment: Option<usize>,
}

impl<'t> Tokens<'t> {
    fn new(text: &'t str) -> Self {
        Self {
            text,
            bytes: text.as_bytes(),
            at: 0,
            first_comment: None,
        }
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.at + ahead).copied()
    }

    /// Skips whitespace and comments (block comments nest, as in RON).
    fn skip_blank(&mut self) {
        loop {
            match (self.peek(0), self.peek(1)) {
                (Some(b), _) if b.is_ascii_whitespace() => self.at += 1,
                (Some(b'/'), Some(b'/')) => {
                    self.first_comment.get_or_insert(self.at);
                    while self.peek(0).is_some_and(|b| b != b'\n') {
                        self.at += 1;
                    }
                }
                (Some(b'/'), Some(b'*')) => {
                    self.first_comment.get_or_insert(self.at);
                    self.at += 2;
                    let mut depth = 1;
                    while depth > 0 {
                        match (self.peek(0), self.peek(1)) {
                            (None, _) => return,
                            (Some(b'/'), Some(b'*')) => {
                                depth += 1;
                                self.at += 2;
                            }
                            (Some(b'*'), Some(b'/')) => {
                                depth -= 1;
                                self.at += 2;
                            }
                            _ => self.at += 1,
                        }
                    }
                }
                _ => return,
            }
        }
    }

    fn next_token(&mut self) -> Option<Token<'t>> {
        self.skip_blank();
        let start = self.at;
        let first = self.peek(0)?;
        let kind = match first {
            b'"' => Kind::Str(self.quoted()),
            b'b' if self.peek(1) == Some(b'"') => {
                self.at += 1;
                self.quoted();
                Kind::Other
            }
            b'r' if matches!(self.peek(1), Some(b'"' | b'#')) && self.raw_string_ahead(1) => {
                self.at += 1;
                Kind::Str(self.raw())
            }
            b'b' if self.peek(1) == Some(b'r') && self.raw_string_ahead(2) => {
                self.at += 2;
                self.raw();
                Kind::Other
            }
            b'\'' => {
                self.character();
                Kind::Other
            }
            b if b.is_ascii_alphabetic() || b == b'_' => {
                // A raw identifier `r#name` is the name.
                if b == b'r' && self.peek(1) == Some(b'#') {
                    self.at += 2;
                }
                let name_start = self.at;
                while self
                    .peek(0)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
                {
                    self.at += 1;
                }
                Kind::Ident(&self.text[name_start..self.at])
            }
            b'(' | b')' | b'[' | b']' | b'{' | b'}' | b':' | b',' => {
                self.at += 1;
                Kind::Punct(first)
            }
            _ => {
                // Numbers, signs and anything unexpected: one character at a time, whole
                // characters so offsets stay on character boundaries.
                let len = self.text[self.at..]
                    .chars()
                    .next()
                    .map_or(1, char::len_utf8);
                self.at += len;
                Kind::Other
            }
        };
        Some(Token { kind, at: start })
    }

    /// Whether a raw string (`#`s then `"`) starts `ahead` bytes on.
    fn raw_string_ahead(&self, ahead: usize) -> bool {
        let mut i = ahead;
        while self.peek(i) == Some(b'#') {
            i += 1;
        }
        self.peek(i) == Some(b'"')
    }

    /// Reads `"..."` from the opening quote, decoding escapes.
    fn quoted(&mut self) -> String {
        self.at += 1;
        let mut value = String::new();
        loop {
            let rest = &self.text[self.at..];
            let Some(c) = rest.chars().next() else {
                return value;
            };
            self.at += c.len_utf8();
            match c {
                '"' => return value,
                '\\' => self.escape(&mut value),
                c => value.push(c),
            }
        }
    }

    /// Decodes one escape after its backslash (RON writes them as Rust does).
    fn escape(&mut self, value: &mut String) {
        let Some(c) = self.text[self.at..].chars().next() else {
            return;
        };
        self.at += c.len_utf8();
        match c {
            'n' => value.push('\n'),
            'r' => value.push('\r'),
            't' => value.push('\t'),
            '0' => value.push('\0'),
            'x' => {
                let hex = self.text.get(self.at..self.at + 2).unwrap_or("");
                if let Ok(byte) = u8::from_str_radix(hex, 16) {
                    self.at += 2;
                    value.push(char::from(byte));
                }
            }
            'u' if self.peek(0) == Some(b'{') => {
                let Some(close) = self.text[self.at..].find('}') else {
                    return;
                };
                let hex = &self.text[self.at + 1..self.at + close];
                self.at += close + 1;
                if let Some(c) = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
                    value.push(c);
                }
            }
            // A backslash before a line break continues the string on the next line.
            '\n' => {
                while self.peek(0).is_some_and(|b| b.is_ascii_whitespace()) {
                    self.at += 1;
                }
            }
            c => value.push(c),
        }
    }

    /// Reads `#…#"…"#…#` from the first `#` or quote.
    fn raw(&mut self) -> String {
        let mut hashes = 0;
        while self.peek(0) == Some(b'#') {
            hashes += 1;
            self.at += 1;
        }
        self.at += 1; // the opening quote
        let closing = format!("\"{}", "#".repeat(hashes));
        match self.text[self.at..].find(&closing) {
            Some(end) => {
                let value = self.text[self.at..self.at + end].to_owned();
                self.at += end + closing.len();
                value
            }
            None => {
                let value = self.text[self.at..].to_owned();
                self.at = self.text.len();
                value
            }
        }
    }

    /// Skips a character literal `'x'` (or a lone quote).
    fn character(&mut self) {
        self.at += 1;
        let mut escaped = false;
        while let Some(c) = self.text[self.at..].chars().next() {
            self.at += c.len_utf8();
            match c {
                '\\' if !escaped => escaped = true,
                '\'' if !escaped => return,
                '\n' => return,
                _ => escaped = false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{NodeId, PortRef};

    const TEXT: &str = r#"Flow(
    version: 1,
    nodes: [
        Node(id: "a", kind: "text"),
        Node(
            id: "b",
            kind: "bogus",
        ),
    ],
    edges: [
        "a.text -> b.in",
    ],
    layout: Layout(positions: {"zz": (0.0, 0.0)}),
)"#;

    #[test]
    fn finds_nodes_edges_and_layout() {
        let b = locate(TEXT, &Subject::Node(NodeId::from("b"))).unwrap();
        assert_eq!((b.line, b.col), (6, 13));
        let edge = Edge::new(PortRef::new("a", "text"), PortRef::new("b", "in"));
        let e = locate(TEXT, &Subject::Edge(edge)).unwrap();
        assert_eq!((e.line, e.col), (11, 9));
        let l = locate(TEXT, &Subject::Layout(NodeId::from("zz"))).unwrap();
        assert_eq!(l.line, 13);
        let v = locate(TEXT, &Subject::Flow).unwrap();
        assert_eq!((v.line, v.col), (2, 5));
    }

    #[test]
    fn raw_and_escaped_ids_and_comments_are_read_like_plain_ones() {
        let text = "Flow(version: 1, nodes: [\n  // a \"fake\" id: \"x\"\n  Node(id: r#\"x\"#, kind: \"text\"),\n  /* nested /* comment */ id: \"y\" */\n  Node(id: \"\\u{79}\", kind: \"text\"),\n], edges: [\"x.text ->y.in\"])";
        let locator = Locator::new(text);
        let x = locator.locate(&Subject::Node(NodeId::from("x"))).unwrap();
        assert_eq!((x.line, x.col), (3, 8));
        let y = locator.locate(&Subject::Node(NodeId::from("y"))).unwrap();
        assert_eq!((y.line, y.col), (5, 8));
        let edge = Edge::new(PortRef::new("x", "text"), PortRef::new("y", "in"));
        assert_eq!(locator.locate(&Subject::Edge(edge)).unwrap().line, 6);
        assert_eq!(locator.first_comment(), Some(TextPos { line: 2, col: 3 }));
    }

    #[test]
    fn a_second_node_with_the_same_id_is_found_as_the_duplicate() {
        let text = "Flow(version: 1, nodes: [\nNode(id: \"a\", kind: \"text\"),\nNode(id: \"a\", kind: \"text\"),\n])";
        let dup = locate(text, &Subject::DuplicateNode(NodeId::from("a"))).unwrap();
        assert_eq!((dup.line, dup.col), (3, 6));
    }
}
