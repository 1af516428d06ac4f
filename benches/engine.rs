//! Engine throughput: 10,000-node chain and wide flows of no-op nodes, planned and run
//! through the real executor thread and its event channel, consumed by this thread.
//! With the result store: the same chain run into a fresh store, and a Missing-mode run
//! over 100,000 stored results that reuses them all (loading the store, checking every
//! result's signature, writing the run's record). Figures are recorded in
//! docs/performance.md.

use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};

use flowcanvas::exec::{Counts, Engine, Event, RunRequest};
use flowcanvas::model::{DataType, Edge, Flow, Node, PortRef, Value};
use flowcanvas::nodes::{
    Effects, KindInfo, NodeContext, NodeError, NodeKind, Outputs, Params, Placement, PortSpec,
    Registry, Role,
};
use flowcanvas::plan::{plan, RunMode, Scope};
use flowcanvas::store::Store;

/// The binary's allocator (see `src/main.rs`), so the figures are the ones users get.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A node that does nothing but pass a value on: what is left is the engine's own cost.
struct NoopKind {
    info: KindInfo,
}

impl NoopKind {
    fn new() -> Self {
        Self {
            info: KindInfo {
                id: "noop",
                name: "No-op",
                category: "Bench",
                description: "Passes its input on.",
                role: Role::Step(Placement::Inline),
                effects: Effects::Pure,
                params: Vec::new(),
                promote: None,
            },
        }
    }
}

impl NodeKind for NoopKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }
    fn inputs(&self, _: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::optional("in", DataType::Any)]
    }
    fn outputs(&self, _: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::new("out", DataType::Any)]
    }
    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        let value = ctx.input("in").cloned().unwrap_or(Value::Number(0.0));
        Ok(Outputs::new().with("out", value))
    }
}

/// A node that adds one to its input (0 without one): a chain of them stores a different
/// result at every node, as real flows do.
struct CountKind {
    info: KindInfo,
}

impl CountKind {
    fn new() -> Self {
        Self {
            info: KindInfo {
                id: "count",
                name: "Count",
                category: "Bench",
                description: "Adds one to its input.",
                role: Role::Step(Placement::Inline),
                effects: Effects::Pure,
                params: Vec::new(),
                promote: None,
            },
        }
    }
}

impl NodeKind for CountKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }
    fn inputs(&self, _: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::optional("in", DataType::Any)]
    }
    fn outputs(&self, _: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::new("out", DataType::Any)]
    }
    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        let value = match ctx.input("in") {
            Some(Value::Number(n)) => n + 1.0,
            _ => 0.0,
        };
        Ok(Outputs::new().with("out", Value::Number(value)))
    }
}

const NODES: usize = 10_000;

/// n0 → n1 → … → n9999.
fn chain(n: usize) -> Flow {
    chain_of(n, "noop")
}

/// A chain of `n` nodes of `kind`.
fn chain_of(n: usize, kind: &str) -> Flow {
    let nodes = (0..n)
        .map(|i| Node::new(format!("n{i:05}").as_str(), kind))
        .collect();
    let edges = (1..n)
        .map(|i| {
            Edge::new(
                PortRef::new(format!("n{:05}", i - 1).as_str(), "out"),
                PortRef::new(format!("n{i:05}").as_str(), "in"),
            )
        })
        .collect();
    Flow {
        nodes,
        edges,
        ..Flow::default()
    }
}

/// One source feeding n - 1 independent sinks.
fn wide(n: usize) -> Flow {
    let nodes = (0..n)
        .map(|i| Node::new(format!("n{i:06}").as_str(), "noop"))
        .collect();
    let edges = (1..n)
        .map(|i| {
            Edge::new(
                PortRef::new("n000000", "out"),
                PortRef::new(format!("n{i:06}").as_str(), "in"),
            )
        })
        .collect();
    Flow {
        nodes,
        edges,
        ..Flow::default()
    }
}

fn registry() -> Arc<Registry> {
    let mut registry = Registry::builtin();
    registry.register(NoopKind::new());
    registry.register(CountKind::new());
    Arc::new(registry)
}

fn run_to_end(engine: &mut Engine, flow: &Arc<Flow>, parallel: usize) {
    let request = RunRequest::new(flow.clone(), ".").max_parallel(parallel);
    let counts = run_request(engine, request);
    assert_eq!(counts.succeeded, NODES);
}

/// Runs one request to its end; returns its counts.
fn run_request(engine: &mut Engine, request: RunRequest) -> Counts {
    engine.submit(request);
    loop {
        match engine.recv() {
            Some(Event::RunFinished { counts, .. }) => return counts,
            Some(Event::RunRejected { error, .. }) => panic!("{error}"),
            Some(_) => {}
            None => panic!("the executor stopped"),
        }
    }
}

fn executor(c: &mut Criterion) {
    let registry = registry();
    let mut group = c.benchmark_group("executor");
    group.throughput(Throughput::Elements(NODES as u64));
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(8));
    // One step at a time (the default), and up to eight at once: the dispatch loop's own
    // cost per step must not grow with the budget.
    for (name, flow) in [("chain", chain(NODES)), ("wide", wide(NODES))] {
        let flow = Arc::new(flow);
        let mut engine = Engine::start(registry.clone()).expect("executor thread");
        for (suffix, parallel) in [("", 1), ("_parallel8", 8)] {
            let id = BenchmarkId::new(format!("{name}{suffix}"), NODES);
            group.bench_with_input(id, &flow, |b, flow| {
                b.iter(|| run_to_end(&mut engine, flow, parallel));
            });
        }
    }
    group.finish();
}

/// Eight independent `sleep 0.5` shell steps: with eight at once the run takes one sleep,
/// not eight (target: under 0.6 s).
fn parallel_sleeps(c: &mut Criterion) {
    let registry = registry();
    let mut group = c.benchmark_group("parallel");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    let nodes = (0..8)
        .map(|i| {
            Node::new(format!("sleep{i}").as_str(), "shell").with_param("command", "sleep 0.5")
        })
        .collect();
    let flow = Arc::new(Flow {
        nodes,
        ..Flow::default()
    });
    let mut engine = Engine::start(registry).expect("executor thread");
    group.bench_function("sleep_0.5_x8_parallel8", |b| {
        b.iter(|| {
            let request = RunRequest::new(flow.clone(), ".").max_parallel(8);
            let counts = run_request(&mut engine, request);
            assert_eq!(counts.succeeded, 8);
        });
    });
    group.finish();
}

/// A For each over 100 items whose inner flow is a text input and a template: what running
/// one unit (an engine of its own, the inputs applied, the events relayed) costs per item.
fn loops(c: &mut Criterion) {
    const ITEMS: usize = 100;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let inner = r#"Flow(version: 1, nodes: [
    Node(id: "item", kind: "text", title: "Item", promote: Some(Promotion(label: "Item"))),
    Node(id: "out", kind: "template", title: "Out", params: {"template": "<{x}>", "vars": ["x"]}, output: true),
], edges: ["item.text -> out.x"])"#;
    std::fs::write(dir.path().join("inner.flow"), inner).expect("the inner flow");
    let items: Vec<String> = (0..ITEMS).map(|i| format!("item {i}")).collect();
    let outer = format!(
        r#"Flow(version: 1, nodes: [
    Node(id: "list", kind: "text", params: {{"text": "{}"}}),
    Node(id: "each", kind: "for_each", params: {{"flow": "inner.flow"}}),
], edges: ["list.text -> each.list"])"#,
        items.join("\\n")
    );
    let path = dir.path().join("outer.flow");
    std::fs::write(&path, outer).expect("the outer flow");
    let registry = registry();
    let flow = Arc::new(flowcanvas::format::load(&path, &registry).expect("the outer flow loads"));
    let mut group = c.benchmark_group("loops");
    group.throughput(Throughput::Elements(ITEMS as u64));
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));
    let mut engine = Engine::start(registry).expect("executor thread");
    group.bench_function(BenchmarkId::new("for_each", ITEMS), |b| {
        b.iter(|| {
            let request = RunRequest::new(flow.clone(), dir.path());
            let counts = run_request(&mut engine, request);
            assert_eq!(counts.succeeded, 2);
        });
    });
    group.finish();
}

fn planner(c: &mut Criterion) {
    let registry = registry();
    let mut group = c.benchmark_group("planner");
    group.throughput(Throughput::Elements(NODES as u64));
    group.sample_size(20);
    for (name, flow) in [("chain", chain(NODES)), ("wide", wide(NODES))] {
        group.bench_with_input(BenchmarkId::new(name, NODES), &flow, |b, flow| {
            b.iter(|| plan(flow, &registry, &Scope::Flow, RunMode::All, &|_| false).expect("plan"));
        });
    }
    group.finish();
}

/// The chain with and without the result store (a fresh one each run: every result is new).
fn store(c: &mut Criterion) {
    let registry = registry();
    let mut group = c.benchmark_group("store");
    group.throughput(Throughput::Elements(NODES as u64));
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    let flow = Arc::new(chain_of(NODES, "count"));
    let mut engine = Engine::start(registry.clone()).expect("executor thread");
    group.bench_function(BenchmarkId::new("chain_no_store", NODES), |b| {
        b.iter(|| {
            let counts = run_request(&mut engine, RunRequest::new(flow.clone(), "."));
            assert_eq!(counts.succeeded, NODES);
        });
    });
    group.bench_function(BenchmarkId::new("chain_store", NODES), |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("a temporary folder"),
            |dir| {
                let store = Store::at(dir.path().join("x.flow.d"));
                let request = RunRequest::new(flow.clone(), dir.path()).store(Some(store));
                let counts = run_request(&mut engine, request);
                assert_eq!(counts.succeeded, NODES);
                dir
            },
            BatchSize::PerIteration,
        );
    });

    // 100,000 stored results, all reused by a Missing run in a new engine (as a new
    // `flowcanvas run --mode missing` process would).
    const WIDE: usize = 100_000;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let store = Store::at(dir.path().join("wide.flow.d"));
    let flow = Arc::new(wide(WIDE));
    let request = || RunRequest::new(flow.clone(), dir.path()).store(Some(store.clone()));
    run_request(&mut engine, request());
    group.throughput(Throughput::Elements(WIDE as u64));
    group.bench_function(BenchmarkId::new("missing_noop", WIDE), |b| {
        b.iter(|| {
            let mut fresh = Engine::start(registry.clone()).expect("executor thread");
            let counts = run_request(&mut fresh, request().mode(RunMode::Missing));
            assert_eq!(counts.reused, WIDE);
        });
    });
    group.bench_function(BenchmarkId::new("load_results", WIDE), |b| {
        b.iter(|| {
            let (results, problems) = Store::at(store.dir()).load_results();
            assert!(problems.is_empty() && results.len() == WIDE);
        });
    });
    group.finish();
}

criterion_group!(benches, executor, parallel_sleeps, loops, planner, store);
criterion_main!(benches);
