//! Tests of the planner: scopes, pass-through nodes, order, skips, loops and run modes.

use super::*;
use crate::model::{Edge, Flow, Node, NodeId, PortRef};
use crate::nodes::Registry;

fn edge(from: &str, to: &str) -> Edge {
    Edge::new(PortRef::parse(from).unwrap(), PortRef::parse(to).unwrap())
}

fn text(id: &str) -> Node {
    Node::new(id, "text").with_param("text", id)
}

fn template(id: &str, vars: &[&str]) -> Node {
    let body: String = vars.iter().map(|v| format!("{{{v}}}")).collect();
    let mut node = Node::new(id, "template").with_param("template", body.as_str());
    node.params.insert(
        "vars".into(),
        crate::model::ParamValue::List(vars.iter().map(|v| (*v).into()).collect()),
    );
    node
}

fn flow(nodes: Vec<Node>, edges: &[(&str, &str)]) -> Flow {
    let flow = Flow {
        nodes,
        edges: edges.iter().map(|(a, b)| edge(a, b)).collect(),
        ..Flow::default()
    };
    let problems = crate::check::validate(&flow, &Registry::builtin());
    assert!(problems.is_empty(), "test flow is invalid: {problems:?}");
    flow
}

fn plan_of(flow: &Flow, scope: Scope) -> Plan {
    plan(flow, &Registry::builtin(), &scope, RunMode::All, &|_| false).unwrap()
}

fn order(plan: &Plan) -> Vec<&str> {
    plan.steps.iter().map(|s| s.node.as_str()).collect()
}

fn id(s: &str) -> NodeId {
    NodeId::from(s)
}

/// a → c ← b, c → view (viewer); d alone.
fn diamond() -> Flow {
    flow(
        vec![
            text("b"),
            text("a"),
            template("c", &["x", "y"]),
            Node::new("view", "viewer"),
            text("d"),
        ],
        &[("a.text", "c.x"), ("b.text", "c.y"), ("c.text", "view.in")],
    )
}

#[test]
fn whole_flow_runs_the_end_points_in_dependency_order() {
    let plan = plan_of(&diamond(), Scope::Flow);
    assert_eq!(order(&plan), ["a", "b", "c", "d"]);
    assert_eq!(
        plan.steps.iter().map(|s| s.order).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    let c = plan.step_of("c").unwrap();
    assert_eq!(c.deps, vec![0, 1]);
    assert!(
        matches!(&c.inputs[0].source, InputSource::Step { node, port, .. } if node.as_str() == "a" && &**port == "text")
    );
}

#[test]
fn marked_outputs_replace_the_end_points() {
    let mut flow = diamond();
    flow.node_mut("a").unwrap().output = true;
    assert_eq!(order(&plan_of(&flow, Scope::Flow)), ["a"]);
}

#[test]
fn to_here_runs_only_what_the_node_needs() {
    let plan = plan_of(&diamond(), Scope::ToHere(id("c")));
    assert_eq!(order(&plan), ["a", "b", "c"]);
    let plan = plan_of(&diamond(), Scope::ToHere(id("view")));
    assert_eq!(
        order(&plan),
        ["a", "b", "c"],
        "a viewer target runs what feeds it"
    );
}

#[test]
fn node_scope_runs_one_node_on_existing_results() {
    let flow = diamond();
    let registry = Registry::builtin();
    let with_results = plan(
        &flow,
        &registry,
        &Scope::Node(id("c")),
        RunMode::All,
        &|n| n.as_str() != "c",
    )
    .unwrap();
    assert_eq!(order(&with_results), ["c"]);
    assert!(
        matches!(&with_results.steps[0].inputs[0].source, InputSource::Result { node, .. } if node.as_str() == "a")
    );

    let without = plan(
        &flow,
        &registry,
        &Scope::Node(id("c")),
        RunMode::All,
        &|_| false,
    )
    .unwrap();
    assert!(without.steps.is_empty());
    assert_eq!(without.skipped[0].node.as_str(), "c");
    assert_eq!(without.skipped[0].reason, "missing input `x`");
    assert!(
        without.warnings[0].contains("`a` has no result yet"),
        "{:?}",
        without.warnings
    );
}

#[test]
fn pass_through_nodes_do_not_run_in_any_scope() {
    let flow = diamond();
    let registry = Registry::builtin();
    let err = plan(
        &flow,
        &registry,
        &Scope::Node(id("view")),
        RunMode::All,
        &|_| true,
    )
    .unwrap_err();
    assert!(matches!(err, PlanError::NotRunnable { .. }), "{err}");
    let err = plan(
        &flow,
        &registry,
        &Scope::Node(id("ghost")),
        RunMode::All,
        &|_| true,
    )
    .unwrap_err();
    assert_eq!(err, PlanError::UnknownNode(id("ghost")));
}

#[test]
fn bypassed_nodes_pass_their_primary_input_through() {
    let mut flow = flow(
        vec![
            text("src"),
            template("mid", &["v"]),
            template("end", &["v"]),
        ],
        &[("src.text", "mid.v"), ("mid.text", "end.v")],
    );
    flow.node_mut("mid").unwrap().bypassed = true;
    let plan = plan_of(&flow, Scope::Flow);
    assert_eq!(order(&plan), ["src", "end"]);
    assert!(
        matches!(&plan.steps[1].inputs[0].source, InputSource::Step { node, .. } if node.as_str() == "src")
    );
}

#[test]
fn a_switch_plans_only_its_selected_branch() {
    let mut flow = flow(
        vec![
            text("left"),
            text("right"),
            Node::new("pick", "switch"),
            template("out", &["v"]),
        ],
        &[
            ("left.text", "pick.in1"),
            ("right.text", "pick.in2"),
            ("pick.out", "out.v"),
        ],
    );
    assert_eq!(order(&plan_of(&flow, Scope::Flow)), ["left", "out"]);
    flow.node_mut("pick")
        .unwrap()
        .params
        .insert("selected".into(), 2.0.into());
    assert_eq!(
        order(&plan_of(&flow, Scope::Flow)),
        ["out", "right"].iter().rev().copied().collect::<Vec<_>>()
    );
}

#[test]
fn notes_are_never_planned() {
    let flow = flow(vec![Node::new("memo", "note"), text("t")], &[]);
    assert_eq!(order(&plan_of(&flow, Scope::Flow)), ["t"]);
    let err = plan(
        &flow,
        &Registry::builtin(),
        &Scope::ToHere(id("memo")),
        RunMode::All,
        &|_| false,
    )
    .unwrap_err();
    assert!(matches!(err, PlanError::NotRunnable { .. }));
}

#[test]
fn a_missing_input_skips_the_node_and_its_dependents_with_a_warning() {
    let flow = flow(
        vec![
            template("needy", &["v"]),
            template("after", &["v"]),
            text("fine"),
        ],
        &[("needy.text", "after.v")],
    );
    let plan = plan_of(&flow, Scope::Flow);
    assert_eq!(order(&plan), ["fine"]);
    let skipped: Vec<(&str, &str)> = plan
        .skipped
        .iter()
        .map(|s| (s.node.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [
            ("needy", "missing input `v`"),
            ("after", "upstream `needy` is skipped")
        ]
    );
    assert_eq!(plan.warnings.len(), 1);
    assert!(plan.warnings[0].contains("`needy` will be skipped: missing input `v`"));
}

#[test]
fn a_constant_value_satisfies_an_input() {
    let flow = flow(vec![template("t", &["v"]).with_value("v", "const")], &[]);
    let plan = plan_of(&flow, Scope::Flow);
    assert_eq!(order(&plan), ["t"]);
    assert!(matches!(
        plan.steps[0].inputs[0].source,
        InputSource::Value { .. }
    ));
}

#[test]
fn loops_are_refused_naming_the_nodes() {
    let flow = Flow {
        nodes: vec![
            template("a", &["v"]),
            template("b", &["v"]),
            template("c", &["v"]),
            Node::new("look", "viewer"),
        ],
        edges: vec![
            edge("a.text", "b.v"),
            edge("b.text", "look.in"),
            edge("look.out", "c.v"),
            edge("c.text", "a.v"),
        ],
        ..Flow::default()
    };
    let err = plan(
        &flow,
        &Registry::builtin(),
        &Scope::ToHere(id("c")),
        RunMode::All,
        &|_| false,
    )
    .unwrap_err();
    let PlanError::Loop(mut nodes) = err else {
        panic!("expected a loop, got {err}")
    };
    let start = nodes.iter().position(|n| n.as_str() == "a").unwrap();
    nodes.rotate_left(start);
    assert_eq!(nodes, vec![id("a"), id("b"), id("c")]);
    let loops = find_loops(&flow);
    assert_eq!(loops, vec![vec![id("a"), id("b"), id("look"), id("c")]]);
}

#[test]
fn a_loop_of_viewers_alone_is_refused() {
    let flow = Flow {
        nodes: vec![
            Node::new("v1", "viewer"),
            Node::new("v2", "viewer"),
            template("t", &["x"]),
        ],
        edges: vec![
            edge("v1.out", "v2.in"),
            edge("v2.out", "v1.in"),
            edge("v2.out", "t.x"),
        ],
        ..Flow::default()
    };
    let err = plan(
        &flow,
        &Registry::builtin(),
        &Scope::Flow,
        RunMode::All,
        &|_| false,
    )
    .unwrap_err();
    assert!(matches!(err, PlanError::Loop(_)), "{err}");
}

#[test]
fn missing_mode_reruns_what_has_no_result_and_everything_after_it() {
    let flow = diamond();
    let registry = Registry::builtin();
    let has = |n: &NodeId| n.as_str() != "b";
    let plan = plan(&flow, &registry, &Scope::Flow, RunMode::Missing, &has).unwrap();
    assert_eq!(order(&plan), ["b", "c"]);
    let mut reused: Vec<&str> = plan.reused.iter().map(NodeId::as_str).collect();
    reused.sort();
    assert_eq!(reused, ["a", "d"]);
    assert!(
        matches!(&plan.steps[1].inputs[0].source, InputSource::Result { node, .. } if node.as_str() == "a")
    );
    assert!(
        matches!(&plan.steps[1].inputs[1].source, InputSource::Step { node, .. } if node.as_str() == "b")
    );
}

#[test]
fn ties_are_broken_by_node_id_whatever_the_file_order() {
    let forward = flow(vec![text("x"), text("m"), text("a")], &[]);
    let mut backward = forward.clone();
    backward.nodes.reverse();
    assert_eq!(order(&plan_of(&forward, Scope::Flow)), ["a", "m", "x"]);
    assert_eq!(order(&plan_of(&backward, Scope::Flow)), ["a", "m", "x"]);
}

#[test]
fn a_flow_that_is_all_loop_is_refused_not_found_empty() {
    let flow = Flow {
        nodes: vec![template("a", &["v"]), template("b", &["v"]), text("free")],
        edges: vec![edge("a.text", "b.v"), edge("b.text", "a.v")],
        ..Flow::default()
    };
    let err = plan(
        &flow,
        &Registry::builtin(),
        &Scope::Flow,
        RunMode::All,
        &|_| false,
    )
    .unwrap_err();
    assert_eq!(err, PlanError::Loop(vec![id("a"), id("b")]));
    // A run of one node elsewhere is not blocked by the loop.
    let plan = plan(
        &flow,
        &Registry::builtin(),
        &Scope::ToHere(id("free")),
        RunMode::All,
        &|_| false,
    )
    .unwrap();
    assert_eq!(order(&plan), ["free"]);
}

/// A chain of `n` nodes (`n0` a text, then templates), each with the result it would make now
/// and its signature.
fn chain_with_results(n: usize) -> (Flow, Vec<(NodeId, crate::nodes::Outputs, String)>) {
    use crate::model::Value;
    let mut nodes = vec![text("n0")];
    let mut edges = Vec::new();
    for i in 1..n {
        nodes.push(template(&format!("n{i}"), &["x"]));
        edges.push((format!("n{}.text", i - 1), format!("n{i}.x")));
    }
    let edges: Vec<(&str, &str)> = edges
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let flow = flow(nodes, &edges);
    let value = Value::Text("n0".into());
    let results = flow
        .nodes
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let inputs: Vec<(&str, &Value)> = if i == 0 { vec![] } else { vec![("x", &value)] };
            let outputs = crate::nodes::Outputs::new().with("text", value.clone());
            (node.id.clone(), outputs, signature(node, inputs))
        })
        .collect();
    (flow, results)
}

#[test]
fn staleness_of_a_large_store_is_the_same_whichever_thread_checks_a_result() {
    // Enough results to be checked on several threads: a change in the middle makes exactly
    // that node and everything after it stale, each with its reason.
    let n = 6000;
    let (mut flow, results) = chain_with_results(n);
    let known: std::collections::HashMap<NodeId, KnownResult<'_>> = results
        .iter()
        .map(|(id, outputs, sig)| {
            let known = KnownResult {
                outputs,
                signature: Some(sig.as_str()),
            };
            (id.clone(), known)
        })
        .collect();
    let registry = Registry::builtin();
    assert!(stale_reasons(&flow, &registry, &known).is_empty());
    let middle = flow.nodes.iter_mut().find(|n| n.id == id("n3000")).unwrap();
    middle
        .params
        .insert("template".into(), "changed {x}".into());
    let stale = stale_reasons(&flow, &registry, &known);
    assert_eq!(stale.len(), n - 3000);
    assert!(stale[&id("n3000")].contains("the node changed"));
    assert!(stale[&id("n5999")].contains("upstream `n5998` is stale"));
    assert!(!stale.contains_key(&id("n2999")));
}

#[test]
fn a_dropped_upstream_result_reads_as_a_gone_input_not_a_change() {
    // The result of `n1` was dropped (say, its checksum did not match): `n2`'s result was
    // made from it, and nothing about `n2` changed.
    let (flow, results) = chain_with_results(3);
    let known: std::collections::HashMap<NodeId, KnownResult<'_>> = results
        .iter()
        .filter(|(id, _, _)| id.as_str() != "n1")
        .map(|(id, outputs, sig)| {
            let known = KnownResult {
                outputs,
                signature: Some(sig.as_str()),
            };
            (id.clone(), known)
        })
        .collect();
    let stale = stale_reasons(&flow, &Registry::builtin(), &known);
    assert_eq!(
        stale.get(&id("n2")).map(String::as_str),
        Some("its result is stale: an input it was made from is gone"),
        "{stale:?}"
    );
    assert!(!stale.contains_key(&id("n0")));
}

/// Signatures are stored with every result: hashing the JSON through one buffer must give
/// the very signatures the earlier code (a buffer per value) gave, or every stored result
/// would read as stale after an update.
#[test]
fn signatures_are_those_stored_results_were_made_with() {
    use sha2::{Digest, Sha256};
    let node = template("t", &["x", "y"]).with_value("y", "constant");
    let x = crate::model::Value::Text("some text".to_owned());
    let y = crate::model::Value::List(vec![crate::model::Value::Number(1.5)]);
    let mut hasher = Sha256::new();
    hasher.update(node.kind.as_bytes());
    hasher.update([0]);
    hasher.update(serde_json::to_vec(&node.params).unwrap());
    hasher.update([0]);
    hasher.update(serde_json::to_vec(&node.values).unwrap());
    for (name, value) in [("x", &x), ("y", &y)] {
        hasher.update([0]);
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(serde_json::to_vec(value).unwrap());
    }
    let expected: String = hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    assert_eq!(signature(&node, [("y", &y), ("x", &x)]), expected);
}

/// src → mid → out, side → mid; src → view (viewer) → tail; other alone; up → src.
fn branching() -> Flow {
    flow(
        vec![
            text("up"),
            template("src", &["x"]),
            text("side"),
            template("mid", &["a", "b"]),
            template("out", &["v"]),
            Node::new("view", "viewer"),
            template("tail", &["v"]),
            text("other"),
        ],
        &[
            ("up.text", "src.x"),
            ("src.text", "mid.a"),
            ("side.text", "mid.b"),
            ("mid.text", "out.v"),
            ("src.text", "view.in"),
            ("view.out", "tail.v"),
        ],
    )
}

fn plan_with(flow: &Flow, scope: Scope, mode: RunMode, with_result: &[&str]) -> Plan {
    let has = |node: &NodeId| with_result.contains(&node.as_str());
    plan(flow, &Registry::builtin(), &scope, mode, &has).unwrap()
}

#[test]
fn from_here_runs_the_node_and_its_downstream_reusing_side_inputs_with_results() {
    let flow = branching();
    let all = ["up", "src", "side", "mid", "out", "tail", "other"];
    // Every side input has a result: only the node and what it reaches run, even in All
    // mode; the unrelated node is left out altogether.
    let plan = plan_with(&flow, Scope::FromHere(id("src")), RunMode::All, &all);
    assert_eq!(order(&plan), ["src", "mid", "out", "tail"]);
    let mut reused: Vec<&str> = plan.reused.iter().map(NodeId::as_str).collect();
    reused.sort_unstable();
    assert_eq!(reused, ["side", "up"]);
    assert!(matches!(
        &plan.step_of("mid").unwrap().inputs[1].source,
        InputSource::Result { node, .. } if node.as_str() == "side"
    ));
    assert!(plan.skipped.is_empty());
}

#[test]
fn from_here_runs_side_inputs_that_have_no_result() {
    let flow = branching();
    let plan = plan_with(&flow, Scope::FromHere(id("src")), RunMode::All, &["up"]);
    assert_eq!(order(&plan), ["side", "src", "mid", "out", "tail"]);
    assert_eq!(plan.reused, vec![id("up")]);
    let mid = plan.step_of("mid").unwrap();
    assert_eq!(mid.deps.len(), 2, "mid waits for src and for side");
}

#[test]
fn from_here_in_missing_mode_keeps_downstream_results_too() {
    let flow = branching();
    let with = ["up", "src", "side", "mid", "tail"];
    let plan = plan_with(&flow, Scope::FromHere(id("src")), RunMode::Missing, &with);
    assert_eq!(order(&plan), ["out"]);
}

#[test]
fn from_here_follows_a_switch_only_through_its_selected_input() {
    let flow = flow(
        vec![
            text("left"),
            text("right"),
            Node::new("pick", "switch"),
            template("after", &["v"]),
        ],
        &[
            ("left.text", "pick.in1"),
            ("right.text", "pick.in2"),
            ("pick.out", "after.v"),
        ],
    );
    // The switch passes `left` on: `right` reaches nothing.
    let plan = plan_with(&flow, Scope::FromHere(id("right")), RunMode::All, &["left"]);
    assert_eq!(order(&plan), ["right"]);
    let plan = plan_with(&flow, Scope::FromHere(id("left")), RunMode::All, &[]);
    assert_eq!(
        order(&plan),
        ["after", "left"].iter().rev().copied().collect::<Vec<_>>()
    );
}

#[test]
fn from_here_refuses_what_is_not_a_step() {
    let flow = branching();
    let err = plan(
        &flow,
        &Registry::builtin(),
        &Scope::FromHere(id("view")),
        RunMode::All,
        &|_| false,
    )
    .unwrap_err();
    assert!(matches!(err, PlanError::NotRunnable { .. }), "{err}");
    let err = plan(
        &flow,
        &Registry::builtin(),
        &Scope::FromHere(id("nope")),
        RunMode::All,
        &|_| false,
    )
    .unwrap_err();
    assert_eq!(err, PlanError::UnknownNode(id("nope")));
}

#[test]
fn from_here_runs_a_stale_side_input_again() {
    // n0 → n1 → n2 with results; n0 changed since: a run from n1 runs n0 again (its result
    // is stale) rather than feeding n1 the old text.
    let (mut flow, results) = chain_with_results(3);
    flow.node_mut("n0")
        .unwrap()
        .params
        .insert("text".into(), "changed".into());
    let known: std::collections::HashMap<NodeId, KnownResult<'_>> = results
        .iter()
        .map(|(id, outputs, sig)| {
            let known = KnownResult {
                outputs,
                signature: Some(sig.as_str()),
            };
            (id.clone(), known)
        })
        .collect();
    let plan = plan_with_results(
        &flow,
        &Registry::builtin(),
        &Scope::FromHere(id("n1")),
        RunMode::All,
        &known,
        &Default::default(),
    )
    .unwrap();
    assert_eq!(order(&plan), ["n0", "n1", "n2"]);
    assert!(plan.rerun.iter().any(|r| r.node == id("n0")));
}

#[test]
fn from_here_on_a_long_chain_does_not_recurse() {
    let n = 100_000;
    let mut nodes = vec![text("n0")];
    let mut edges = Vec::new();
    for i in 1..n {
        nodes.push(template(&format!("n{i:06}"), &["x"]));
        let from = if i == 1 {
            "n0".to_owned()
        } else {
            format!("n{:06}", i - 1)
        };
        edges.push(Edge::new(
            PortRef::new(from.as_str(), "text"),
            PortRef::new(format!("n{i:06}").as_str(), "x"),
        ));
    }
    let flow = Flow {
        nodes,
        edges,
        ..Flow::default()
    };
    let plan = plan_with(
        &flow,
        Scope::FromHere(id("n000002")),
        RunMode::All,
        &["n0", "n000001"],
    );
    assert_eq!(plan.steps.len(), n - 2);
}
