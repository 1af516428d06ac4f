//! What people call a node: its title, with its id only where the title says nothing (no
//! title) or does not tell it apart (two nodes with one title). Every user-facing message
//! names nodes this way; ids stay in `--json` fields and in the `.flow` file.

use std::borrow::Cow;
use std::collections::HashMap;

use super::{Flow, NodeId};

/// The names of a flow's nodes, worked out once for a message or a listing.
#[derive(Debug, Default)]
pub struct NodeLabels {
    /// Titles shared by more than one node.
    shared: HashMap<String, usize>,
    /// Each node's title.
    titles: HashMap<NodeId, String>,
}

impl NodeLabels {
    /// The names of `flow`'s nodes.
    pub fn of(flow: &Flow) -> Self {
        let mut titles = HashMap::new();
        let mut count: HashMap<String, usize> = HashMap::new();
        for node in &flow.nodes {
            let title = node.title.trim();
            if title.is_empty() {
                continue;
            }
            // Shown, never obeyed: a title from a downloaded flow may hold escape codes.
            let shown = visible_controls(title);
            *count.entry(shown.clone()).or_default() += 1;
            titles.insert(node.id.clone(), shown);
        }
        count.retain(|_, n| *n > 1);
        Self {
            shared: count,
            titles,
        }
    }

    /// The node's name for people: `Fetch prices`; `Fetch prices (fetch)` when another node
    /// has that title too; the id when it has no title (or is not in the flow).
    pub fn name<'a>(&'a self, id: &'a NodeId) -> Cow<'a, str> {
        match self.titles.get(id) {
            Some(title) if self.shared.contains_key(title.as_str()) => {
                Cow::Owned(format!("{title} ({id})"))
            }
            Some(title) => Cow::Borrowed(title.as_str()),
            None => Cow::Borrowed(id.as_str()),
        }
    }

    /// The name, quoted as messages quote names: `` `Fetch prices` ``.
    pub fn quoted(&self, id: &NodeId) -> String {
        format!("`{}`", self.name(id))
    }
}

/// `text` from a flow made safe to show on a terminal or in a label: every control character
/// is written out (`\e` for escape, `\t`, `\n`, `\r`, else `\x1f` or `\u{9b}`), and so are the
/// invisible marks that reorder text (bidirectional overrides and isolates), so no escape
/// sequence can hide or rewrite what is shown.
pub fn visible_controls(text: &str) -> String {
    let hides = |c: char| {
        c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(hides) {
        return text.to_owned();
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\u{1b}' => shown.push_str("\\e"),
            '\t' => shown.push_str("\\t"),
            '\n' => shown.push_str("\\n"),
            '\r' => shown.push_str("\\r"),
            c if hides(c) && (c as u32) < 0x80 => shown.push_str(&format!("\\x{:02x}", c as u32)),
            c if hides(c) => shown.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => shown.push(c),
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Node;

    fn node(id: &str, title: &str) -> Node {
        let mut node = Node::new(id, "text");
        node.title = title.to_owned();
        node
    }

    #[test]
    fn titles_name_nodes_and_ids_tell_twins_apart() {
        let flow = Flow {
            nodes: vec![
                node("fetch", "Fetch prices"),
                node("a", "Save"),
                node("b", "Save"),
                node("raw", ""),
                node("pad", "  "),
            ],
            ..Flow::default()
        };
        let labels = NodeLabels::of(&flow);
        let name = |id: &str| labels.name(&NodeId::from(id)).into_owned();
        assert_eq!(name("fetch"), "Fetch prices");
        assert_eq!(name("a"), "Save (a)");
        assert_eq!(name("b"), "Save (b)");
        assert_eq!(name("raw"), "raw");
        assert_eq!(name("pad"), "pad", "a blank title is no title");
        assert_eq!(name("gone"), "gone");
        assert_eq!(labels.quoted(&NodeId::from("fetch")), "`Fetch prices`");
        let hostile = Flow {
            nodes: vec![node("x", "Say \u{1b}[8mhi")],
            ..Flow::default()
        };
        assert_eq!(
            NodeLabels::of(&hostile).name(&NodeId::from("x")),
            "Say \\e[8mhi",
            "escape codes in a title are shown, not sent"
        );
    }
}
