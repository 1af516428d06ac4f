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
        let mut count: HashMap<&str, usize> = HashMap::new();
        let mut titles = HashMap::new();
        for node in &flow.nodes {
            let title = node.title.trim();
            if title.is_empty() {
                continue;
            }
            *count.entry(title).or_default() += 1;
            titles.insert(node.id.clone(), title.to_owned());
        }
        let shared = count
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(title, n)| (title.to_owned(), n))
            .collect();
        Self { shared, titles }
    }

    /// The node's name for people: `Fetch prices`; `Fetch prices (fetch)` when another node
    /// has that title too; the id when it has no title (or is not in the flow).
    pub fn name<'a>(&'a self, id: &'a NodeId) -> Cow<'a, str> {
        match self.titles.get(id) {
            Some(title) if self.shared.contains_key(title) => Cow::Owned(format!("{title} ({id})")),
            Some(title) => Cow::Borrowed(title.as_str()),
            None => Cow::Borrowed(id.as_str()),
        }
    }

    /// The name, quoted as messages quote names: `` `Fetch prices` ``.
    pub fn quoted(&self, id: &NodeId) -> String {
        format!("`{}`", self.name(id))
    }
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
    }
}
