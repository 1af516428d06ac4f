//! Canvas frame time: one headless frame (`Context::run` + tessellate, 1920×1080) of the
//! app's canvas for flows of 200, 1,000 and 2,000 nodes, idle and mid-run (rings pulsing,
//! wires flowing), next to bare egui_node_graph2 drawing the same graph with minimal nodes.
//! Figures are recorded in docs/performance.md.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use eframe::egui;
use egui_node_graph2 as eng;

use flowcanvas::exec::Event;
use flowcanvas::model::{Edge, Flow, Node, ParamValue, PortRef};
use flowcanvas::nodes::{Outputs, Registry};
use flowcanvas::plan::{plan, RunMode, Scope};
use flowcanvas::session::document::Document;
use flowcanvas::session::Session;
use flowcanvas::ui::canvas::{Canvas, CanvasInputs};
use flowcanvas::ui::thumbnails::Thumbnails;

/// The binary's allocator (see `src/main.rs`), so the figures are the ones users get.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// What the app keeps for its canvas: the session, the textures, the preview badges.
struct AppCanvas {
    session: Session,
    textures: Thumbnails,
    preview: std::collections::HashMap<flowcanvas::model::NodeId, usize>,
    canvas: Canvas,
}

impl AppCanvas {
    fn new(flow: &Flow, registry: &Arc<Registry>) -> Self {
        let doc = Document::new(flow.clone(), None, registry.clone());
        let mut session = Session::new(registry.clone(), doc);
        session.update_derived();
        Self {
            session,
            textures: Thumbnails::default(),
            preview: Default::default(),
            canvas: Canvas::new(registry.clone()),
        }
    }

    /// One frame of the canvas, as the app draws it (the derived facts are brought up to date
    /// where the events are applied, as in the app, where they change once per result).
    fn show(&mut self, ui: &mut egui::Ui) {
        let inputs = CanvasInputs::of(&mut self.session, &mut self.textures, &mut self.preview);
        std::hint::black_box(self.canvas.show(ui, inputs));
    }
}

const SIZES: [usize; 3] = [200, 1000, 2000];
const COLUMNS: usize = 40;

fn position(i: usize) -> (f32, f32) {
    ((i % COLUMNS) as f32 * 240.0, (i / COLUMNS) as f32 * 220.0)
}

/// Chains of ten: a text node, then nine templates each fed by the one before.
fn flow(n: usize) -> Flow {
    let mut flow = Flow::default();
    for i in 0..n {
        let id = format!("n{i}");
        let node = if i % 10 == 0 {
            Node::new(id.as_str(), "text").with_param("text", "hello")
        } else {
            let mut node = Node::new(id.as_str(), "template").with_param("template", "{x}!");
            node.params
                .insert("vars".into(), ParamValue::List(vec!["x".into()]));
            flow.edges.push(Edge::new(
                PortRef::new(format!("n{}", i - 1).as_str(), "text"),
                PortRef::new(id.as_str(), "x"),
            ));
            node
        };
        flow.layout.positions.insert(node.id.clone(), position(i));
        flow.nodes.push(node);
    }
    flow
}

fn raw_input() -> egui::RawInput {
    egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1920.0, 1080.0),
        )),
        ..Default::default()
    }
}

fn frame(ctx: &egui::Context, mut draw: impl FnMut(&mut egui::Ui)) {
    let output = ctx.run(raw_input(), |ctx| {
        egui::CentralPanel::default().show(ctx, |ui| draw(ui));
    });
    let primitives = ctx.tessellate(output.shapes, output.pixels_per_point);
    std::hint::black_box(primitives);
}

/// Marks the first third of the nodes finished (their wires pulse) and the next `running`
/// running (one, or eight as in a run with eight steps at once).
fn mid_run(app: &mut AppCanvas, plan: &Arc<flowcanvas::plan::Plan>, running: usize) {
    let now = Instant::now();
    let view = &mut app.session.run_view;
    view.apply(
        &Event::RunStarted {
            run: 1,
            plan: plan.clone(),
            seeds: Default::default(),
            record: None,
        },
        now,
    );
    let outputs =
        Arc::new(Outputs::new().with("text", flowcanvas::model::Value::Text("hello!".into())));
    let done = plan.steps.len() / 3;
    for step in &plan.steps[..done] {
        view.apply(
            &Event::NodeFinished {
                run: 1,
                node: step.node.clone(),
                outputs: outputs.clone(),
                elapsed_ms: 1.0,
                signature: None,
                failed_items: Vec::new(),
            },
            now,
        );
    }
    for (at, step) in plan.steps.iter().enumerate().skip(done).take(running) {
        view.apply(
            &Event::NodeStarted {
                run: 1,
                node: step.node.clone(),
                order: at + 1,
                at_ms: at as f64,
                ready_ms: at as f64,
            },
            now,
        );
    }
    app.session.update_derived();
}

fn app_canvas(c: &mut Criterion) {
    let registry = Arc::new(Registry::builtin());
    let mut group = c.benchmark_group("canvas_frame");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(6));
    for n in SIZES {
        let flow = flow(n);
        for (name, running) in [("app_idle", 0), ("app_mid_run", 1), ("app_mid_run_8", 8)] {
            let ctx = egui::Context::default();
            let mut app = AppCanvas::new(&flow, &registry);
            frame(&ctx, |ui| app.show(ui));
            let plan = Arc::new(
                plan(&flow, &registry, &Scope::Flow, RunMode::All, &|_| false).expect("plan"),
            );
            group.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| {
                b.iter_custom(|iterations| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iterations {
                        if running > 0 {
                            // Not timed: keeps rings pulsing and wires flowing.
                            mid_run(&mut app, &plan, running);
                        }
                        let start = Instant::now();
                        frame(&ctx, |ui| app.show(ui));
                        total += start.elapsed();
                    }
                    total
                });
            });
        }
        let ctx = egui::Context::default();
        let mut bare = bare_editor(&flow);
        frame(&ctx, |ui| bare.draw(ui));
        group.bench_with_input(BenchmarkId::new("bare_egui_node_graph2", n), &n, |b, _| {
            b.iter(|| frame(&ctx, |ui| bare.draw(ui)));
        });
    }
    group.finish();
}

/// Frames of the app and of bare egui_node_graph2 taken in alternation, so a machine that slows
/// down mid-run slows both alike; prints the medians and their ratio.
fn paired_ratio(_c: &mut Criterion) {
    let registry = Arc::new(Registry::builtin());
    for n in SIZES {
        let flow = flow(n);
        let plan =
            Arc::new(plan(&flow, &registry, &Scope::Flow, RunMode::All, &|_| false).expect("plan"));
        for (label, running) in [("idle", 0), ("mid-run", 1), ("mid-run, 8 running", 8)] {
            let (app_ctx, bare_ctx) = (egui::Context::default(), egui::Context::default());
            let mut app_canvas = AppCanvas::new(&flow, &registry);
            let mut bare = bare_editor(&flow);
            let (mut app_ms, mut bare_ms) = (Vec::new(), Vec::new());
            for round in 0..80 {
                if running > 0 {
                    mid_run(&mut app_canvas, &plan, running);
                }
                let start = Instant::now();
                frame(&app_ctx, |ui| app_canvas.show(ui));
                let app = start.elapsed();
                let start = Instant::now();
                frame(&bare_ctx, |ui| bare.draw(ui));
                let bare_time = start.elapsed();
                if round >= 10 {
                    app_ms.push(app.as_secs_f64() * 1000.0);
                    bare_ms.push(bare_time.as_secs_f64() * 1000.0);
                }
            }
            let median = |v: &mut Vec<f64>| {
                v.sort_by(f64::total_cmp);
                v[v.len() / 2]
            };
            let (app, bare_median) = (median(&mut app_ms), median(&mut bare_ms));
            println!(
                "paired {n} nodes {label}: app {app:.2} ms, bare {bare_median:.2} ms, ratio {:.2}",
                app / bare_median
            );
        }
    }
}

criterion_group!(benches, paired_ratio, app_canvas);
criterion_main!(benches);

// ---- bare egui_node_graph2: minimal nodes, one input and one output each ----

#[derive(Clone, Copy, PartialEq, Eq)]
struct BareType;

#[derive(Clone, Copy, Default)]
struct BareValue;

#[derive(Clone, Copy)]
struct BareNode;

#[derive(Clone, Copy)]
struct BareTemplate;

#[derive(Clone, Debug)]
struct BareResponse;

impl eng::UserResponseTrait for BareResponse {}

impl eng::DataTypeTrait<()> for BareType {
    fn data_type_color(&self, _: &mut ()) -> egui::Color32 {
        egui::Color32::LIGHT_BLUE
    }
    fn name(&self) -> Cow<'_, str> {
        Cow::Borrowed("value")
    }
}

impl eng::WidgetValueTrait for BareValue {
    type Response = BareResponse;
    type UserState = ();
    type NodeData = BareNode;
    fn value_widget(
        &mut self,
        name: &str,
        _: eng::NodeId,
        ui: &mut egui::Ui,
        _: &mut (),
        _: &BareNode,
    ) -> Vec<BareResponse> {
        ui.label(name);
        Vec::new()
    }
}

impl eng::NodeDataTrait for BareNode {
    type Response = BareResponse;
    type UserState = ();
    type DataType = BareType;
    type ValueType = BareValue;
    fn bottom_ui(
        &self,
        _: &mut egui::Ui,
        _: eng::NodeId,
        _: &eng::Graph<BareNode, BareType, BareValue>,
        _: &mut (),
    ) -> Vec<eng::NodeResponse<BareResponse, BareNode>> {
        Vec::new()
    }
}

impl eng::NodeTemplateTrait for BareTemplate {
    type NodeData = BareNode;
    type DataType = BareType;
    type ValueType = BareValue;
    type UserState = ();
    type CategoryType = ();
    fn node_finder_label(&self, _: &mut ()) -> Cow<'_, str> {
        Cow::Borrowed("node")
    }
    fn node_graph_label(&self, _: &mut ()) -> String {
        "node".into()
    }
    fn user_data(&self, _: &mut ()) -> BareNode {
        BareNode
    }
    fn build_node(
        &self,
        _: &mut eng::Graph<BareNode, BareType, BareValue>,
        _: &mut (),
        _: eng::NodeId,
    ) {
    }
}

struct BareKinds;

impl eng::NodeTemplateIter for BareKinds {
    type Item = BareTemplate;
    fn all_kinds(&self) -> Vec<BareTemplate> {
        vec![BareTemplate]
    }
}

struct Bare {
    state: eng::GraphEditorState<BareNode, BareType, BareValue, BareTemplate, ()>,
}

impl Bare {
    fn draw(&mut self, ui: &mut egui::Ui) {
        let _ = self
            .state
            .draw_graph_editor(ui, BareKinds, &mut (), Vec::new());
    }
}

fn bare_editor(flow: &Flow) -> Bare {
    let mut state = eng::GraphEditorState::new(1.0);
    let mut ids = std::collections::HashMap::new();
    for (i, node) in flow.nodes.iter().enumerate() {
        let mut ports = None;
        let id = state
            .graph
            .add_node(node.id.to_string(), BareNode, |graph, id| {
                let input = graph.add_input_param(
                    id,
                    "x".into(),
                    BareType,
                    BareValue,
                    eng::InputParamKind::ConnectionOnly,
                    true,
                );
                let output = graph.add_output_param(id, "text".into(), BareType);
                ports = Some((input, output));
            });
        let (x, y) = position(i);
        state.node_positions.insert(id, egui::pos2(x, y));
        state.node_order.push(id);
        ids.insert(node.id.clone(), (id, ports.expect("ports")));
    }
    for edge in &flow.edges {
        let (_, (_, output)) = ids[&edge.from.node];
        let (_, (input, _)) = ids[&edge.to.node];
        state.graph.add_connection(output, input, 0);
    }
    Bare { state }
}
