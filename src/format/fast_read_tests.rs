//! The fast `.flow` reader gives exactly RON's flow, or gives up: on the example flows, on
//! random flows in canonical and compact form, and on damaged text.

use std::collections::BTreeMap;
use std::path::Path;

use proptest::prelude::*;

use super::fast_read::read;
use super::{parse, ron_flow, to_text};
use crate::model::{
    Edge, Flow, Group, GroupColor, Layout, Node, NodeId, ParamValue, PortRef, Promotion, Retry,
    RetryOn, Settings,
};
use crate::nodes::Registry;

/// Every `.flow` file shipped: the examples and the welcome flow.
fn shipped_flows() -> Vec<std::path::PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["saves", "saves/flows", "assets"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|ext| ext == "flow") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 5, "the example flows are missing");
    files
}

#[test]
fn every_shipped_flow_reads_fast_to_ron_s_flow() {
    for path in shipped_flows() {
        let text = std::fs::read_to_string(&path).unwrap();
        let fast = read(&text).unwrap_or_else(|| panic!("{}: not read fast", path.display()));
        let ron = ron_flow(&text).unwrap();
        assert_eq!(fast, ron, "{}", path.display());
    }
}

#[test]
fn forms_outside_the_plain_subset_are_left_to_ron() {
    let plain = "Flow(version: 1, nodes: [Node(id: \"a\", kind: \"text\")])";
    assert!(read(plain).is_some());
    for text in [
        // A comment, an escape, an exponent, a suffix, an unknown field, a field twice,
        // a struct without its name, a missing required field, trailing text.
        "Flow(version: 1, // note\n nodes: [])",
        "Flow(version: 1, nodes: [Node(id: \"a\", kind: \"te\\u{78}t\")])",
        "Flow(version: 1, nodes: [Node(id: \"a\", kind: \"text\", params: {\"n\": 1e3})])",
        "Flow(version: 1, nodes: [Node(id: \"a\", kind: \"text\", params: {\"n\": 1.5f64})])",
        "Flow(version: 1, colour: \"red\")",
        "Flow(version: 1, version: 1)",
        "(version: 1)",
        "Flow(nodes: [])",
        "Flow(version: 1) x",
        "Flow(version: 1, layout: Layout(zoom: 1))",
        "Flow(version: 1, nodes: [Node(id: \"a\", kind: \"text\", concurrency: Some(-1))])",
        "Flow(version: 1, nodes: [Node(id: \"a\", kind: \"text\", retry: Some(Retry(attempts: 2, on: [Later])))])",
        "Flow(version: 1, nodes: [Node(id: \"a\", kind: \"text\", retry: Some(Retry(attempts: 2, factor: 2)))])",
        "Flow(version: 1, nodes: [Node(id: \"a\", kind: \"text\", params: {\"n\": 007})])",
        "#![enable(implicit_some)]\nFlow(version: 1)",
    ] {
        assert_eq!(read(text), None, "{text}");
    }
}

#[test]
fn errors_still_come_from_ron_with_their_place() {
    let text = "Flow(\n    version: 1,\n    nodes: [\n        Node(id: \"a\", kind: \"text\", colour: 1),\n    ],\n)\n";
    let diagnostics = parse(text, &Registry::builtin()).unwrap_err();
    let expected = ron_flow(text).unwrap_err();
    assert_eq!(diagnostics.len(), 1);
    let pos = diagnostics[0].pos.unwrap();
    assert_eq!(
        (pos.line, pos.col),
        (expected.span.start.line, expected.span.start.col)
    );
}

#[test]
fn deep_values_are_left_to_ron() {
    let deep = format!(
        "Flow(version: 1, nodes: [Node(id: \"a\", kind: \"text\", params: {{\"v\": {}1{}}})])",
        "[".repeat(200),
        "]".repeat(200)
    );
    assert_eq!(read(&deep), None);
    assert!(ron_flow(&deep).is_err());
}

fn text_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{0,6}",
        // Quotes, backslashes, fences, line breaks, tabs, unicode, what looks like RON.
        "[a-z\"\\\\#\n\r\t é漢🚀(){}\\[\\],:/]{0,12}",
    ]
}

fn number_strategy() -> impl Strategy<Value = f64> {
    prop_oneof![
        (-1000i64..1000).prop_map(|n| n as f64),
        -1e6f64..1e6,
        any::<f64>().prop_filter("finite", |n| n.is_finite()),
        Just(-0.0),
        Just(0.1),
    ]
}

fn param_strategy() -> impl Strategy<Value = ParamValue> {
    let leaf = prop_oneof![
        text_strategy().prop_map(ParamValue::Text),
        number_strategy().prop_map(ParamValue::Number),
        any::<bool>().prop_map(ParamValue::Bool),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(ParamValue::List),
            proptest::collection::btree_map(text_strategy(), inner, 0..4).prop_map(ParamValue::Map),
        ]
    })
}

fn params_strategy() -> impl Strategy<Value = BTreeMap<String, ParamValue>> {
    proptest::collection::btree_map(text_strategy(), param_strategy(), 0..4)
}

fn id_strategy() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_-]{0,7}"
}

fn f32_strategy() -> impl Strategy<Value = f32> {
    prop_oneof![
        -5000.0f32..5000.0,
        any::<f32>().prop_filter("finite", |n| n.is_finite()),
        Just(0.0f32),
    ]
}

fn promotion_strategy() -> impl Strategy<Value = Promotion> {
    (
        text_strategy(),
        any::<i32>(),
        proptest::option::of(number_strategy()),
        proptest::option::of(number_strategy()),
    )
        .prop_map(|(label, order, min, max)| Promotion {
            label,
            order,
            min,
            max,
        })
}

fn node_strategy() -> impl Strategy<Value = Node> {
    (
        id_strategy(),
        "[a-z_]{1,12}",
        text_strategy(),
        params_strategy(),
        params_strategy(),
        any::<(bool, bool)>(),
        proptest::option::of(promotion_strategy()),
        (
            proptest::option::of(any::<u32>()),
            proptest::option::of(retry_strategy()),
            proptest::option::of(any::<u64>()),
            proptest::option::of(text_strategy()),
        ),
    )
        .prop_map(
            |(id, kind, title, params, values, (bypassed, output), promote, limits)| Node {
                id: NodeId::new(id),
                kind,
                title,
                params,
                values,
                bypassed,
                output,
                promote,
                concurrency: limits.0,
                retry: limits.1,
                timeout_ms: limits.2,
                checkpoint: limits.3,
                subflow: None,
            },
        )
}

fn retry_strategy() -> impl Strategy<Value = Retry> {
    let cause = prop_oneof![
        Just(RetryOn::Timeout),
        Just(RetryOn::Http5xx),
        Just(RetryOn::Http429),
        any::<i32>().prop_map(RetryOn::Exit),
    ];
    (
        any::<u32>(),
        any::<u64>(),
        number_strategy(),
        any::<u64>(),
        prop_oneof![Just(0.0), 0.0f64..1.0],
        proptest::collection::vec(cause, 0..4),
    )
        .prop_map(
            |(attempts, delay_ms, factor, max_delay_ms, jitter, on)| Retry {
                attempts,
                delay_ms,
                factor,
                max_delay_ms,
                jitter,
                on,
            },
        )
}

fn flow_strategy() -> impl Strategy<Value = Flow> {
    let port = || {
        (id_strategy(), "[a-z_]{1,6}")
            .prop_map(|(node, port)| PortRef::new(NodeId::new(node), port))
    };
    (
        proptest::collection::vec(node_strategy(), 0..6),
        proptest::collection::vec((port(), port()), 0..6),
        (f32_strategy(), f32_strategy(), f32_strategy()),
        proptest::collection::btree_map(id_strategy(), (f32_strategy(), f32_strategy()), 0..4),
        proptest::collection::vec(group_strategy(), 0..3),
        proptest::collection::btree_map(id_strategy(), (f32_strategy(), f32_strategy()), 0..3),
        settings_strategy(),
    )
        .prop_map(
            |(nodes, wires, (x, y, zoom), positions, groups, sizes, settings)| Flow {
                version: 1,
                nodes,
                edges: wires
                    .into_iter()
                    .map(|(from, to)| Edge::new(from, to))
                    .collect(),
                layout: Layout {
                    pan: (x, y),
                    zoom,
                    positions: positions
                        .into_iter()
                        .map(|(id, at)| (NodeId::new(id), at))
                        .collect(),
                    groups,
                    sizes: sizes
                        .into_iter()
                        .map(|(id, size)| (NodeId::new(id), size))
                        .collect(),
                },
                settings,
            },
        )
}

fn settings_strategy() -> impl Strategy<Value = Settings> {
    (
        proptest::option::of(0u32..64),
        proptest::collection::btree_map("[a-z_]{1,8}", 0u32..8, 0..3),
        any::<bool>(),
        proptest::collection::btree_map("[a-z_]{1,8}", retry_strategy(), 0..2),
        proptest::option::of(any::<u64>()),
        proptest::collection::btree_map("[a-z_]{1,8}", any::<u64>(), 0..2),
    )
        .prop_map(
            |(max_parallel, kind_limits, fail_fast, retry, timeout_ms, queue_timeout_ms)| {
                Settings {
                    max_parallel,
                    kind_limits,
                    fail_fast,
                    retry,
                    timeout_ms,
                    queue_timeout_ms,
                }
            },
        )
}

fn group_strategy() -> impl Strategy<Value = Group> {
    (
        text_strategy(),
        0..GroupColor::ALL.len(),
        proptest::collection::vec(id_strategy(), 0..4),
    )
        .prop_map(|(title, color, nodes)| Group {
            title,
            color: GroupColor::ALL[color],
            nodes: nodes.into_iter().map(NodeId::new).collect(),
        })
}

/// Whether `text` holds a number written with an exponent but no fraction (`1e300`), outside
/// strings (none of the random strings holds a digit).
fn has_bare_exponent(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let run = bytes[i..]
            .iter()
            .take_while(|b| b.is_ascii_digit() || **b == b'.')
            .count();
        if run > 0 {
            let dotted = bytes[i..i + run].contains(&b'.');
            if !dotted && matches!(bytes.get(i + run), Some(b'e' | b'E')) {
                return true;
            }
            i += run;
        } else {
            i += 1;
        }
    }
    false
}

#[test]
fn floats_with_exponents_read_as_ron_reads_them() {
    for (text, fast) in [
        ("1.5e300", true),
        ("2.5E-7", true),
        ("-1.0e+3", true),
        ("1e300", false),
    ] {
        let flow = format!(
            "Flow(version: 1, nodes: [Node(id: \"a\", kind: \"text\", params: {{\"n\": {text}}})])"
        );
        assert_eq!(read(&flow).is_some(), fast, "{text}");
        if let Some(read) = read(&flow) {
            assert_eq!(read, ron_flow(&flow).unwrap(), "{text}");
        }
    }
}

/// Compact RON (no struct names dropped, no indents): a form simple generators write.
fn compact_text(flow: &Flow) -> String {
    let config = ron::ser::PrettyConfig::new()
        .struct_names(true)
        .compact_arrays(true)
        .compact_maps(true)
        .compact_structs(true)
        .escape_strings(false);
    ron::ser::to_string_pretty(flow, config).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn canonical_text_reads_fast_to_ron_s_flow(flow in flow_strategy()) {
        let text = to_text(&flow);
        let ron = ron_flow(&text).unwrap();
        // Only a float written `1e300` (no fraction) is left to RON.
        if let Some(fast) = read(&text) {
            prop_assert_eq!(&fast, &ron, "{}", text);
        } else {
            prop_assert!(has_bare_exponent(&text), "not read fast: {}", text);
        }
        let mut expected = flow.clone();
        expected.normalize();
        prop_assert_eq!(ron, expected);
    }

    #[test]
    fn compact_text_reads_fast_to_ron_s_flow(flow in flow_strategy()) {
        let text = compact_text(&flow);
        let ron = ron_flow(&text).unwrap();
        if let Some(fast) = read(&text) {
            prop_assert_eq!(&fast, &ron, "{}", text);
        } else {
            prop_assert!(has_bare_exponent(&text), "not read fast: {}", text);
        }
    }

    /// A change anywhere in the text: what the fast reader accepts, RON reads the same.
    #[test]
    fn damaged_text_is_read_as_ron_reads_it_or_left_to_ron(
        flow in flow_strategy(),
        at in any::<prop::sample::Index>(),
        cut in 0usize..4,
        insert in "[ a-zA-Z0-9_\"#(){}\\[\\],:.\\-+/\\\\\n]{0,3}",
    ) {
        let text = to_text(&flow);
        let mut start = at.index(text.len() + 1);
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = (start + cut).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        let damaged = format!("{}{}{}", &text[..start], insert, &text[end..]);
        if let Some(fast) = read(&damaged) {
            let ron = ron_flow(&damaged);
            prop_assert!(ron.is_ok(), "fast reader accepted what RON refuses: {:?}\n{}", ron, damaged);
            prop_assert_eq!(Some(fast), ron.ok(), "{}", damaged);
        }
    }
}
