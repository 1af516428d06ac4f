//! Finds where a node, edge or layout entry is written in a `.flow` text, so semantic
//! problems can point at `line:col` like syntax errors do.

use super::diagnostic::TextPos;
use crate::model::Subject;

/// The position of the text that defines `subject`, if it can be found.
pub fn locate(text: &str, subject: &Subject) -> Option<TextPos> {
    let offset = match subject {
        Subject::Flow => find_field(text, "version", None, 0),
        Subject::Node(id) => find_field(text, "id", Some(id.as_str()), 0),
        Subject::DuplicateNode(id) => find_field(text, "id", Some(id.as_str()), 1),
        Subject::Edge(edge) => {
            let written = format!("{}", edge);
            let exact = format!("\"{written}\"");
            text.find(&exact).or_else(|| {
                // Spacing may differ from the canonical `a.b -> c.d`: match on the ports.
                let from = edge.from.to_string();
                let to = edge.to.to_string();
                let mut start = 0;
                while let Some(i) = text[start..].find(&from) {
                    let at = start + i;
                    let line_end = text[at..].find('\n').map_or(text.len(), |n| at + n);
                    if text[at..line_end].contains(&to) {
                        return Some(text[..at].rfind('"').unwrap_or(at));
                    }
                    start = at + from.len();
                }
                None
            })
        }
        Subject::Layout(id) => {
            let positions = text.find("positions")?;
            let key = format!("\"{id}\"");
            text[positions..].find(&key).map(|i| positions + i)
        }
    }?;
    Some(TextPos::of_offset(text, offset))
}

/// Finds `name: "value"` (or `name:` alone when `value` is `None`), allowing any spacing;
/// `skip` earlier matches are passed over.
fn find_field(text: &str, name: &str, value: Option<&str>, mut skip: usize) -> Option<usize> {
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
        let matches = match value {
            None => true,
            Some(value) => rest.trim_start().starts_with(&format!("\"{value}\"")),
        };
        if matches {
            if skip == 0 {
                return Some(at);
            }
            skip -= 1;
        }
    }
    None
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
}
