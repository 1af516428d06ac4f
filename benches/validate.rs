//! `flowcanvas validate` at scale: parsing, checking and locating every problem, then the
//! loop search, on 100,000-node flows (one node feeding all the others, all feeding one,
//! a chain, and a flow where every node has a problem), and reading the canonical text with
//! the fast reader and with RON. Figures are recorded in docs/performance.md.

use std::fmt::Write as _;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use flowcanvas::format;
use flowcanvas::nodes::Registry;
use flowcanvas::plan::find_loops;

/// The binary's allocator (see `src/main.rs`), so the figures are the ones users get.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const NODES: usize = 100_000;

/// One `text` node feeding `n` templates.
fn fan_out(n: usize) -> String {
    let mut text = String::from("Flow(\n    version: 1,\n    nodes: [\n");
    text.push_str("        Node(id: \"a\", kind: \"text\", params: {\"text\": \"x\"}),\n");
    for i in 0..n {
        let _ = writeln!(
            text,
            "        Node(id: \"n{i:07}\", kind: \"template\", params: {{\"template\": \"{{x}}\", \"vars\": [\"x\"]}}),"
        );
    }
    text.push_str("    ],\n    edges: [\n");
    for i in 0..n {
        let _ = writeln!(text, "        \"a.text -> n{i:07}.x\",");
    }
    text.push_str("    ],\n)\n");
    text
}

/// `n` text nodes feeding one template, each into an input of its own.
fn fan_in(n: usize) -> String {
    let vars: Vec<String> = (0..n).map(|i| format!("\"v{i}\"")).collect();
    let mut text = String::from("Flow(\n    version: 1,\n    nodes: [\n");
    let _ = writeln!(
        text,
        "        Node(id: \"sink\", kind: \"template\", params: {{\"template\": \"x\", \"vars\": [{}]}}),",
        vars.join(", ")
    );
    for i in 0..n {
        let _ = writeln!(
            text,
            "        Node(id: \"n{i:07}\", kind: \"text\", params: {{\"text\": \"x\"}}),"
        );
    }
    text.push_str("    ],\n    edges: [\n");
    for i in 0..n {
        let _ = writeln!(text, "        \"n{i:07}.text -> sink.v{i}\",");
    }
    text.push_str("    ],\n)\n");
    text
}

/// `n` templates, each feeding the next.
fn chain(n: usize) -> String {
    let mut text = String::from("Flow(\n    version: 1,\n    nodes: [\n");
    text.push_str("        Node(id: \"n0000000\", kind: \"text\", params: {\"text\": \"x\"}),\n");
    for i in 1..n {
        let _ = writeln!(
            text,
            "        Node(id: \"n{i:07}\", kind: \"template\", params: {{\"template\": \"{{x}}\", \"vars\": [\"x\"]}}),"
        );
    }
    text.push_str("    ],\n    edges: [\n");
    for i in 1..n {
        let _ = writeln!(text, "        \"n{:07}.text -> n{i:07}.x\",", i - 1);
    }
    text.push_str("    ],\n)\n");
    text
}

/// `n` nodes of an unknown kind, each wired into a port that does not exist: two problems
/// per node, each to be located in the text.
fn errors(n: usize) -> String {
    let mut text = String::from("Flow(\n    version: 1,\n    nodes: [\n");
    for i in 0..n {
        let _ = writeln!(text, "        Node(id: \"n{i:07}\", kind: \"bogus\"),");
    }
    text.push_str("    ],\n    edges: [\n");
    for i in 0..n {
        let _ = writeln!(text, "        \"n{i:07}.out -> nowhere{i}.in\",");
    }
    text.push_str("    ],\n)\n");
    text
}

/// What `flowcanvas validate` does once the file is read: returns the number of problems.
fn validate(text: &str, registry: &Registry) -> usize {
    match format::parse(text, registry) {
        Ok(flow) => find_loops(&flow).len(),
        Err(diagnostics) => diagnostics.len(),
    }
}

fn validate_at_scale(c: &mut Criterion) {
    let registry = Registry::builtin();
    let mut group = c.benchmark_group("validate");
    group.sample_size(10);
    group.throughput(Throughput::Elements(NODES as u64));
    for (name, text, problems) in [
        ("fan_out", fan_out(NODES), 0),
        ("fan_in", fan_in(NODES), 0),
        ("chain", chain(NODES), 0),
        ("errors", errors(NODES), 2 * NODES),
    ] {
        assert_eq!(validate(&text, &registry), problems, "{name}");
        group.bench_with_input(BenchmarkId::new(name, NODES), &text, |b, text| {
            b.iter(|| validate(text, &registry))
        });
    }
    group.finish();
}

/// Reading the 100,000-node fan-out as `fmt` writes it: the fast reader, and RON (the same
/// text behind a comment, which the fast reader leaves to RON).
fn read_at_scale(c: &mut Criterion) {
    let registry = Registry::builtin();
    let canonical = match format::parse(&fan_out(NODES), &registry) {
        Ok(flow) => format::to_text(&flow),
        Err(diagnostics) => panic!("the fan-out is valid: {diagnostics:?}"),
    };
    let commented = format!("// read by RON\n{canonical}");
    let mut group = c.benchmark_group("read");
    group.sample_size(10);
    group.throughput(Throughput::Elements(NODES as u64));
    for (name, text) in [("fast", &canonical), ("ron", &commented)] {
        group.bench_with_input(BenchmarkId::new(name, NODES), text, |b, text| {
            b.iter(|| format::parse(text, &registry).map(|flow| flow.nodes.len()))
        });
    }
    group.finish();
}

criterion_group!(benches, validate_at_scale, read_at_scale);
criterion_main!(benches);
