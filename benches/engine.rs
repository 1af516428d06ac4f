//! Engine throughput: 10,000-node chain and wide flows of no-op nodes, planned and run
//! through the real executor thread and its event channel, consumed by this thread.
//! Figures (microseconds per node) are recorded in docs/performance.md.

use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use flowcanvas::exec::{Engine, Event, RunRequest};
use flowcanvas::model::{DataType, Edge, Flow, Node, PortRef, Value};
use flowcanvas::nodes::{
    Effects, KindInfo, NodeContext, NodeError, NodeKind, Outputs, Params, Placement, PortSpec,
    Registry, Role,
};
use flowcanvas::plan::{plan, RunMode, Scope};

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

const NODES: usize = 10_000;

/// n0 → n1 → … → n9999.
fn chain(n: usize) -> Flow {
    let nodes = (0..n)
        .map(|i| Node::new(format!("n{i:05}").as_str(), "noop"))
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
        .map(|i| Node::new(format!("n{i:05}").as_str(), "noop"))
        .collect();
    let edges = (1..n)
        .map(|i| {
            Edge::new(
                PortRef::new("n00000", "out"),
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

fn registry() -> Arc<Registry> {
    let mut registry = Registry::builtin();
    registry.register(NoopKind::new());
    Arc::new(registry)
}

fn run_to_end(engine: &mut Engine, flow: &Arc<Flow>) {
    engine.submit(RunRequest::new(flow.clone(), "."));
    loop {
        match engine.recv() {
            Some(Event::RunFinished { counts, .. }) => {
                assert_eq!(counts.succeeded, NODES);
                return;
            }
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
    for (name, flow) in [("chain", chain(NODES)), ("wide", wide(NODES))] {
        let flow = Arc::new(flow);
        let mut engine = Engine::start(registry.clone()).expect("executor thread");
        group.bench_with_input(BenchmarkId::new(name, NODES), &flow, |b, flow| {
            b.iter(|| run_to_end(&mut engine, flow));
        });
    }
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

criterion_group!(benches, executor, planner);
criterion_main!(benches);
