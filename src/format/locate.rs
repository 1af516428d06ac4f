//! Finds where a node, edge or layout entry is written in a `.flow` text, so semantic
//! problems can point at `line:col` like syntax errors do.

use super::diagnostic::TextPos;
use crate::model::Subject;

/// The position of the text that defines `subject`, if it can be found.
pub fn locate(text: &str, subject: &Subject) -> Option<TextPos> {
    let offset = match subject {
        Subject::Flow => find_field(text, "version", None),
        Subject::Node(id) => find_field(text, "id", Some(id.as_str())),
        Subject::Edge(edge) => {
            let from = format!("\"{}\"", edge.from);
            let to = format!("\"{}\"", edge.to);
            let mut found = None;
            let mut start = 0;
            while let Some(i) = text[start..].find(&from) {
                let at = start + i;
                let window_end = (at + from.len() + 200).min(text.len());
                if text.get(at..window_end).is_some_and(|w| w.contains(&to)) {
                    found = Some(line_start_of_struct(text, at));
                    break;
                }
                start = at + from.len();
            }
            found
        }
        Subject::Layout(id) => {
            let positions = text.find("positions")?;
            let key = format!("\"{id}\"");
            text[positions..].find(&key).map(|i| positions + i)
        }
    }?;
    Some(TextPos::of_offset(text, offset))
}

/// Finds `name: "value"` (or `name:` alone when `value` is `None`), allowing any spacing.
fn find_field(text: &str, name: &str, value: Option<&str>) -> Option<usize> {
    let mut start = 0;
    while let Some(i) = text[start..].find(name) {
        let at = start + i;
        start = at + name.len();
        let before_ok = at == 0
            || !text[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
        let rest = text[start..].trim_start();
        let Some(rest) = rest.strip_prefix(':') else {
            continue;
        };
        if !before_ok {
            continue;
        }
        match value {
            None => return Some(at),
            Some(value) => {
                let rest = rest.trim_start();
                let quoted = format!("\"{value}\"");
                if rest.starts_with(&quoted) {
                    return Some(at);
                }
            }
        }
    }
    None
}

/// Moves back from `offset` to the start of the `Edge(` that contains it, if close by.
fn line_start_of_struct(text: &str, offset: usize) -> usize {
    let window_start = offset.saturating_sub(80);
    let window_start = (window_start..=offset)
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(offset);
    match text[window_start..offset].rfind("Edge") {
        Some(i) => window_start + i,
        None => match text[window_start..offset].rfind('(') {
            Some(i) => window_start + i,
            None => offset,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Edge, NodeId, PortRef};

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
        Edge(from: "a.text", to: "b.in"),
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
}
