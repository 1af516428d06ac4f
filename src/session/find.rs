//! Find: which nodes a search matches, by title, id, kind or what is written in them.

use crate::model::{Flow, Node, NodeId, ParamValue};

/// The nodes matching `query` (case-insensitive, anywhere in a node's title, id, kind or
/// its parameters' and inputs' text), in the order the flow lists them. An empty query
/// matches nothing.
pub fn find_nodes(flow: &Flow, query: &str) -> Vec<NodeId> {
    let query = query.trim().to_lowercase();
    if query.is_empty() {
        return Vec::new();
    }
    flow.nodes
        .iter()
        .filter(|node| node_matches(node, &query))
        .map(|node| node.id.clone())
        .collect()
}

fn node_matches(node: &Node, query: &str) -> bool {
    let has = |text: &str| text.to_lowercase().contains(query);
    has(&node.title)
        || has(node.id.as_str())
        || has(&node.kind)
        || node
            .params
            .values()
            .chain(node.values.values())
            .any(|value| value_matches(value, query))
}

fn value_matches(value: &ParamValue, query: &str) -> bool {
    // Iterative: a parameter may nest lists and maps deeply.
    let mut todo = vec![value];
    while let Some(value) = todo.pop() {
        match value {
            ParamValue::Text(text) if text.to_lowercase().contains(query) => return true,
            ParamValue::List(items) => todo.extend(items),
            ParamValue::Map(map) => todo.extend(map.values()),
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_by_title_id_kind_and_content_ignoring_case() {
        let mut greet = Node::new("greet", "template").with_param("template", "Hello, {name}!");
        greet.title = "Greeting".into();
        let mut fetch = Node::new("fetch", "shell").with_param("command", "curl PRICES");
        fetch.title = "Fetch prices".into();
        let flow = Flow {
            nodes: vec![greet, fetch],
            ..Flow::default()
        };
        let ids = |query: &str| -> Vec<String> {
            find_nodes(&flow, query)
                .iter()
                .map(|id| id.to_string())
                .collect()
        };
        assert_eq!(ids("greeting"), ["greet"], "title");
        assert_eq!(ids("FETCH"), ["fetch"], "id and title");
        assert_eq!(ids("shell"), ["fetch"], "kind");
        assert_eq!(ids("hello"), ["greet"], "a parameter's text");
        assert_eq!(ids("e"), ["greet", "fetch"], "in the flow's order");
        assert!(ids("  ").is_empty());
        assert!(ids("nowhere").is_empty());
    }
}
