//! Tests of loading and saving `.flow` text.

use super::*;
use crate::model::{Edge, Node, ParamValue, PortRef};

fn registry() -> Registry {
    Registry::builtin()
}

fn saves() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("saves");
    // The examples, and the flows they run as subflows.
    let mut files: Vec<_> = [dir.clone(), dir.join("flows")]
        .iter()
        .flat_map(|dir| std::fs::read_dir(dir).unwrap())
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "flow"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "the example flows are missing");
    files
}

#[test]
fn example_flows_are_valid_and_canonical() {
    for path in saves() {
        let text = std::fs::read_to_string(&path).unwrap();
        let flow = parse_at(&text, &registry(), &path)
            .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        assert_eq!(
            to_text(&flow),
            text,
            "{} is not in canonical form",
            path.display()
        );
    }
}

#[test]
fn load_save_load_is_lossless() {
    let dir = tempfile::tempdir().unwrap();
    // The flows the examples run sit beside the copies as beside the originals.
    let saves_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("saves");
    std::fs::create_dir_all(dir.path().join("flows")).unwrap();
    for inner in std::fs::read_dir(saves_dir.join("flows")).unwrap() {
        let inner = inner.unwrap().path();
        if !inner.is_file() {
            continue;
        }
        std::fs::copy(
            &inner,
            dir.path().join("flows").join(inner.file_name().unwrap()),
        )
        .unwrap();
    }
    for path in saves() {
        let flow = load(&path, &registry()).unwrap();
        let copy = dir.path().join("copy.flow");
        save(&copy, &flow).unwrap();
        let mut again = load(&copy, &registry()).unwrap();
        let mut expected = flow.clone();
        expected.normalize();
        // A subflow's link names the inner file where it was found (beside the copy now):
        // the same content, another place.
        let digests = |flow: &mut Flow| -> Vec<Option<String>> {
            (flow.nodes.iter_mut())
                .map(|node| node.subflow.take().map(|link| link.digest.clone()))
                .collect()
        };
        assert_eq!(
            digests(&mut again),
            digests(&mut expected),
            "{}",
            path.display()
        );
        assert_eq!(again, expected, "{}", path.display());
    }
}

#[test]
fn awkward_strings_survive_a_round_trip() {
    let awkward = [
        "quote \" and backslash \\",
        "raw-string fence \"# and \"##",
        "line one\nline two\r\nthree\ttabbed",
        "unicode é 漢字 🚀",
        "",
        "ends with a newline\n",
    ];
    let mut flow = Flow::default();
    for (i, text) in awkward.iter().enumerate() {
        flow.nodes
            .push(Node::new(format!("t{i}").as_str(), "text").with_param("text", *text));
    }
    let text = to_text(&flow);
    let back = parse(&text, &registry()).unwrap();
    assert_eq!(back, flow, "text was:\n{text}");
}

#[test]
fn syntax_errors_say_line_and_column() {
    let text = "Flow(\n    version: 1,\n    nodes: [\n        Node(id: \"a\" kind: \"text\"),\n    ],\n)\n";
    let errors = parse(text, &registry()).unwrap_err();
    assert_eq!(errors.len(), 1);
    let pos = errors[0].pos.expect("a position");
    assert_eq!(pos.line, 4, "{:?}", errors[0]);
}

#[test]
fn every_semantic_problem_is_reported_with_its_place() {
    let text = r#"Flow(
    version: 1,
    nodes: [
        Node(id: "a", kind: "text", params: {"txt": "typo"}),
        Node(id: "b", kind: "teleport"),
        Node(id: "c", kind: "delay", params: {"ms": "soon"}),
        Node(id: "d", kind: "number"),
        Node(id: "d", kind: "template", params: {"template": "{who}", "vars": []}),
        Node(id: "e", kind: "write_file", values: {"colour": "red"}),
    ],
    edges: [
        "a.text -> ghost.in",
        "a.nope -> c.in",
        "a.text -> c.nope",
        "a.text -> e.content",
        "c.out -> e.content",
    ],
    layout: Layout(
        positions: {"zz": (1.0, 2.0)},
        groups: [Group(title: "Ghosts", color: Purple, nodes: ["a", "ghost"])],
    ),
)
"#;
    let errors = parse(text, &registry()).unwrap_err();
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let expect = [
        (4, "unknown parameter `txt`"),
        (5, "unknown kind `teleport`"),
        (6, "parameter `ms` expects a number"),
        (8, "duplicate id"),
        (8, "unknown placeholder `{who}`"),
        (9, "`colour`, which is not an input"),
        (12, "target node `ghost` does not exist"),
        (13, "has no output `nope`"),
        (14, "has no input `nope`"),
        (16, "already has a wire"),
        (19, "position for a node that does not exist"),
        (20, "group \"Ghosts\" names a node that does not exist"),
    ];
    for (line, needle) in expect {
        assert!(
            errors
                .iter()
                .any(|e| e.pos.map(|p| p.line) == Some(line) && e.message.contains(needle)),
            "expected `{needle}` on line {line}, got:\n{}",
            messages.join("\n")
        );
    }
}

#[test]
fn type_mismatches_name_the_edge() {
    let mut flow = Flow::default();
    flow.nodes.push(Node::new("n", "number"));
    flow.nodes
        .push(Node::new("w", "write_file").with_value("content", "x"));
    flow.edges.push(Edge::new(
        PortRef::new("n", "value"),
        PortRef::new("w", "path"),
    ));
    let errors = parse(&to_text(&flow), &registry()).unwrap_err();
    assert!(
        errors[0]
            .message
            .contains("edge `n.value -> w.path`: type mismatch: number output into path input"),
        "{errors:?}"
    );
}

#[test]
fn a_newer_version_is_named_even_with_unknown_fields() {
    let text = "Flow(version: 7, nodes: [], wormholes: [])";
    let errors = parse(text, &registry()).unwrap_err();
    assert!(
        errors[0].message.contains("unsupported version 7"),
        "{errors:?}"
    );
    let text = "Flow(version: 2, nodes: [])";
    let errors = parse(text, &registry()).unwrap_err();
    assert!(
        errors[0].message.contains("unsupported version 2"),
        "{errors:?}"
    );
}

#[test]
fn garbage_never_panics() {
    let inputs: [&[u8]; 6] = [
        b"",
        b"\0\0\xff\xfe",
        b"Flow(",
        b"[1, 2, 3]",
        b"Flow(version: 1, nodes: [Node(id: 5, kind: [])])",
        b"Flow(version: 1, nodes: [], edges: [\"a -> b\"])",
    ];
    for input in inputs {
        let text = String::from_utf8_lossy(input);
        assert!(parse(&text, &registry()).is_err(), "{text:?} was accepted");
    }
}

#[test]
fn missing_files_name_the_path() {
    let err = load(Path::new("/no/such/dir/x.flow"), &registry()).unwrap_err();
    assert!(
        err.to_string().starts_with("/no/such/dir/x.flow: "),
        "{err}"
    );
}

#[test]
fn save_replaces_the_file_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.flow");
    std::fs::write(&path, "previous").unwrap();
    let mut flow = Flow::default();
    flow.nodes
        .push(Node::new("a", "text").with_param("text", ParamValue::from("hi")));
    save(&path, &flow).unwrap();
    assert_eq!(load(&path, &registry()).unwrap(), flow);
    let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(leftovers, 1);
}

#[test]
fn saving_into_a_missing_folder_that_cannot_be_made_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "not a folder").unwrap();
    let err = save(&blocker.join("x.flow"), &Flow::default());
    assert!(err.is_err());
    assert_eq!(std::fs::read_to_string(&blocker).unwrap(), "not a folder");
}

#[test]
fn a_problem_without_a_place_still_reads_well() {
    let diagnostic = Diagnostic {
        pos: None,
        message: "something".into(),
    };
    assert_eq!(
        diagnostic.with_path(Path::new("x.flow")),
        "x.flow: something"
    );
    let placed = Diagnostic {
        pos: Some(TextPos { line: 2, col: 3 }),
        message: "m".into(),
    };
    assert_eq!(placed.with_path(Path::new("x.flow")), "x.flow:2:3: m");
}

#[test]
fn edges_of_a_duplicated_id_report_the_duplicate_only() {
    let text = r#"Flow(version: 1, nodes: [
        Node(id: "a", kind: "text"),
        Node(id: "a", kind: "number"),
        Node(id: "v", kind: "viewer"),
    ], edges: ["a.text -> v.in"])"#;
    let errors = parse(text, &registry()).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].message.contains("duplicate id"));
    assert_eq!(errors[0].pos.map(|p| p.line), Some(3));
}

#[test]
fn a_file_that_is_not_utf8_names_the_byte_offset_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.flow");
    let mut bytes = b"Flow(\n    version: 1,\n    nodes: [Node(id: \"caf".to_vec();
    let offset = bytes.len();
    bytes.extend_from_slice(b"\xe9\", kind: \"text\")],\n)\n");
    std::fs::write(&path, &bytes).unwrap();
    let err = load(&path, &registry()).unwrap_err();
    let lines = err.lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with(&format!("{}:3:26: ", path.display())),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].contains(&format!("byte offset {offset}")),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("0xE9"), "{}", lines[0]);
}

#[test]
fn a_utf8_byte_order_mark_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bom.flow");
    std::fs::write(
        &path,
        "\u{FEFF}Flow(version: 1, nodes: [Node(id: \"a\", kind: \"text\")])\n",
    )
    .unwrap();
    let flow = load(&path, &registry()).unwrap();
    assert_eq!(flow.nodes.len(), 1);
    let bad = "\u{FEFF}Flow(version: 1, nodes: [Node(id: \"a\", kind: \"nope\")])";
    let diagnostics = parse(bad, &registry()).unwrap_err();
    let pos = diagnostics[0].pos.unwrap();
    assert_eq!(
        (pos.line, pos.col),
        (1, 31),
        "columns do not count the mark"
    );
}

#[test]
fn raw_and_escaped_ids_are_located() {
    let text = "Flow(\n    version: 1,\n    nodes: [\n        Node(id: r\"raw\", kind: \"nope\"),\n        Node(id: \"\\u{65}sc\", kind: \"nope\"),\n        Node(id: r#\"hash\"#, kind: \"nope\"),\n    ],\n)\n";
    let diagnostics = parse(text, &registry()).unwrap_err();
    let places: Vec<String> = diagnostics
        .iter()
        .map(|d| {
            d.pos
                .map(|p| format!("{}:{}", p.line, p.col))
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(places, ["4:14", "5:14", "6:14"], "{diagnostics:?}");
    assert!(
        diagnostics[1].message.contains("node `esc`"),
        "{diagnostics:?}"
    );
}

#[test]
fn nesting_too_deep_is_a_user_message_with_a_place() {
    let deep = format!(
        "Flow(version: 1, nodes: [Node(id: \"a\", kind: \"text\", params: {{\"text\": {}1{}}})])",
        "[".repeat(300),
        "]".repeat(300)
    );
    let diagnostics = parse(&deep, &registry()).unwrap_err();
    assert_eq!(diagnostics.len(), 1);
    let message = &diagnostics[0].message;
    assert!(message.contains("nested too deeply"), "{message}");
    assert!(!message.contains("recursion_limit"), "{message}");
    assert!(diagnostics[0].pos.is_some());
}

#[cfg(unix)]
#[test]
fn loading_refuses_devices_fifos_and_huge_files() {
    let registry = Registry::builtin();
    let dir = tempfile::tempdir().unwrap();
    let fifo = crate::nodes::testing::make_fifo(dir.path(), "pipe.flow");
    for path in [std::path::PathBuf::from("/dev/zero"), fifo] {
        let err = load(&path, &registry).unwrap_err().to_string();
        assert!(
            err.contains(&path.display().to_string()) && err.contains("is not a regular file"),
            "{err}"
        );
    }
    let big = dir.path().join("big.flow");
    // Sparse: no disk space used.
    std::fs::File::create(&big)
        .unwrap()
        .set_len(MAX_FLOW_BYTES + 1)
        .unwrap();
    let err = load(&big, &registry).unwrap_err().to_string();
    assert!(
        err.contains("big.flow") && err.contains("is 257 MiB; flows are at most 256 MiB"),
        "{err}"
    );
}

#[test]
fn view_sizes_are_optional_written_canonically_and_survive_a_round_trip() {
    let old = r#"Flow(
    version: 1,
    nodes: [
        Node(id: "a", kind: "text"),
        Node(id: "v", kind: "viewer"),
    ],
    edges: ["a.text -> v.in"],
    layout: Layout(positions: {"a": (0.0, 0.0), "v": (200.0, 0.0)}),
)
"#;
    // A file from before sizes existed reads with none, and is written without the field.
    let mut flow = parse(old, &registry()).unwrap();
    assert!(flow.layout.sizes.is_empty());
    assert!(!to_text(&flow).contains("sizes"), "{}", to_text(&flow));

    flow.layout
        .sizes
        .insert(crate::model::NodeId::from("v"), (320.0, 180.5));
    let text = to_text(&flow);
    assert!(
        text.contains("        sizes: {\n            \"v\": (320.0, 180.5),\n        },\n"),
        "written canonically, after positions:\n{text}"
    );
    let back = parse(&text, &registry()).unwrap();
    assert_eq!(back, flow);
    assert_eq!(to_text(&back), text, "canonical text is a fixed point");
    // RON alone (not the fast reader) reads it the same way.
    assert_eq!(ron_flow(&text).unwrap(), flow);

    // A size for a node that does not exist is an error, located at its key.
    let ghost = text.replace("\"v\": (320.0, 180.5)", "\"ghost\": (1.0, 1.0)");
    let errors = parse(&ghost, &registry()).unwrap_err();
    let message = errors[0].to_string();
    assert!(
        message.contains("size for a node that does not exist"),
        "{message}"
    );
    let line = ghost.lines().position(|l| l.contains("\"ghost\"")).unwrap() + 1;
    assert_eq!(errors[0].pos.map(|p| p.line), Some(line), "{message}");
}

#[test]
fn run_settings_are_optional_checked_and_written_only_when_set() {
    let text = r#"Flow(
    version: 1,
    nodes: [Node(id: "a", kind: "text")],
    settings: Settings(max_parallel: Some(0), kind_limits: {"shell": 2, "teleport": 1}),
)
"#;
    let errors = parse(text, &registry()).unwrap_err();
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let joined = messages.join("\n");
    assert!(
        joined.contains("`max_parallel` must be at least 1"),
        "{joined}"
    );
    assert!(
        joined.contains("`teleport`, which is not a node kind"),
        "{joined}"
    );

    let good = text
        .replace("Some(0)", "Some(4)")
        .replace(", \"teleport\": 1", "");
    let flow = parse(&good, &registry()).unwrap();
    assert_eq!(flow.settings.max_parallel, Some(4));
    assert_eq!(flow.settings.kind_limits.get("shell"), Some(&2));
    let written = to_text(&flow);
    assert!(written.contains("settings: Settings("), "{written}");
    assert_eq!(parse(&written, &registry()).unwrap(), flow);
    // Default settings are left out, so files without them stay as they were.
    let plain = parse(
        r#"Flow(version: 1, nodes: [Node(id: "a", kind: "text")])"#,
        &registry(),
    );
    assert!(!to_text(&plain.unwrap()).contains("settings"));
}

#[test]
fn retry_policies_and_time_limits_round_trip_and_are_checked_where_written() {
    let mut flow = Flow::default();
    let mut node = Node::new("fetch", "shell").with_param("command", "true");
    node.retry = Some(crate::model::Retry {
        attempts: 5,
        delay_ms: 500,
        factor: 2.0,
        max_delay_ms: 30_000,
        jitter: 0.1,
        on: vec![
            crate::model::RetryOn::Timeout,
            crate::model::RetryOn::Exit(1),
            crate::model::RetryOn::Http5xx,
            crate::model::RetryOn::Http429,
        ],
    });
    node.timeout_ms = Some(30_000);
    node.checkpoint = Some("Sign off \"before\" the upload".to_owned());
    flow.nodes.push(node);
    flow.nodes.push(Node::new("plain", "text"));
    flow.settings.timeout_ms = Some(600_000);
    (flow.settings.retry).insert("http_request".to_owned(), crate::model::Retry::new(3));
    (flow.settings.queue_timeout_ms).insert("llm_chat".to_owned(), 5000);
    let text = to_text(&flow);
    for written in [
        "retry: Some(Retry(\n",
        "attempts: 5,\n",
        "jitter: 0.1,\n",
        "Exit(1),\n",
        "timeout_ms: Some(30000),\n",
        "checkpoint: Some(r#\"Sign off \"before\" the upload\"#),\n",
    ] {
        assert!(text.contains(written), "{written:?} in\n{text}");
    }
    let plain = text.split("\"plain\"").nth(1).unwrap();
    assert!(
        !plain[..60].contains("retry"),
        "written only when set: {text}"
    );
    assert_eq!(parse(&text, &registry()).unwrap(), flow);
    assert_eq!(ron_flow(&text).unwrap(), flow);
    assert_eq!(fast_read::read(&text), Some(flow.clone()));

    // Bad values are errors located on the node's line.
    let bad = text
        .replace("attempts: 5", "attempts: 0")
        .replace("Some(30000)", "Some(0)");
    let errors = parse(&bad, &registry()).unwrap_err();
    let joined: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let joined = joined.join("\n");
    assert!(
        joined.contains("retry: `attempts` must be at least 1"),
        "{joined}"
    );
    assert!(
        joined.contains("`timeout_ms` must be at least 1"),
        "{joined}"
    );
    let line = bad.lines().position(|l| l.contains("\"fetch\"")).unwrap() + 1;
    assert!(
        errors.iter().all(|e| e.pos.map(|p| p.line) == Some(line)),
        "{errors:?}"
    );
    let bad_settings = text
        .replace("\"http_request\"", "\"teleport\"")
        .replace("\"llm_chat\": 5000", "\"llm_chat\": 0");
    let errors = parse(&bad_settings, &registry()).unwrap_err();
    let joined: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let joined = joined.join("\n");
    assert!(joined.contains("`retry` names `teleport`"), "{joined}");
    assert!(joined.contains("queue timeout for `llm_chat`"), "{joined}");
}

#[test]
fn wire_outcomes_are_written_in_brackets_only_when_they_differ_from_the_port_default() {
    let text = r#"Flow(version: 1, nodes: [
        Node(id: "a", kind: "json_parse", values: {"text": "x"}),
        Node(id: "b", kind: "template", params: {"template": "{x}{y}{z}", "vars": ["x", "y", "z"]}),
    ], edges: [
        "a.failure -> b.x",
        "a.json -> b.y [always]",
        "a.json -> b.z [fail]",
    ])"#;
    let flow = parse(text, &registry()).unwrap();
    let outcome = |port: &str| {
        flow.edges
            .iter()
            .find(|e| &*e.to.port == port)
            .map(|e| e.outcome)
            .unwrap()
    };
    assert_eq!(
        outcome("x"),
        crate::model::Outcome::Fail,
        "the failure port's default"
    );
    assert_eq!(outcome("y"), crate::model::Outcome::Always);
    assert_eq!(outcome("z"), crate::model::Outcome::Fail);
    let written = to_text(&flow);
    assert!(written.contains(r#""a.failure -> b.x""#), "{written}");
    assert!(written.contains(r#""a.json -> b.y [always]""#), "{written}");
    assert!(written.contains(r#""a.json -> b.z [fail]""#), "{written}");
    assert_eq!(parse(&written, &registry()).unwrap(), flow);
    // The fast reader reads the same.
    assert_eq!(
        fast_read::read(&written).map(|f| f.edges),
        Some(flow.edges.clone())
    );
    // An unknown outcome is an error naming the edge's line.
    let bad = text.replace("[always]", "[sometimes]");
    let problems = parse(&bad, &registry()).unwrap_err();
    let message = problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(message.contains("[fail] or [always]"), "{message}");
    assert!(message.starts_with("6:"), "the line of the edge: {message}");
}
