//! Properties of plans over random acyclic flows: the order respects every edge, Missing
//! mode runs exactly the nodes without results and their downstream, and any back edge is
//! refused as a loop.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use proptest::prelude::*;

use flowcanvas::exec::{Engine, Event, RunRequest, RunState};
use flowcanvas::model::{Flow, NodeId};
use flowcanvas::nodes::Registry;
use flowcanvas::plan::{find_loops, plan, PlanError, RunMode, Scope};

use crate::support::{edge, events_until_finished, template};

/// A random DAG: `names[i]` is node i's id; edges go from lower to higher index, so the
/// ids (shuffled) do not give the order away.
#[derive(Clone, Debug)]
struct Dag {
    names: Vec<String>,
    edges: Vec<(usize, usize)>,
}

impl Dag {
    fn flow(&self) -> Flow {
        let mut inputs: Vec<Vec<String>> = vec![Vec::new(); self.names.len()];
        let mut wires = Vec::new();
        for &(from, to) in &self.edges {
            let var = format!("i{}", inputs[to].len());
            wires.push(edge(
                &format!("{}.text", self.names[from]),
                &format!("{}.{var}", self.names[to]),
            ));
            inputs[to].push(var);
        }
        let nodes = self
            .names
            .iter()
            .zip(&inputs)
            .map(|(name, vars)| {
                let vars: Vec<&str> = vars.iter().map(String::as_str).collect();
                let mut node = template(name, &vars);
                let body = format!(
                    "{name}({})",
                    vars.iter().map(|v| format!("{{{v}}}")).collect::<String>()
                );
                node.params.insert("template".into(), body.as_str().into());
                node
            })
            .collect();
        Flow {
            nodes,
            edges: wires,
            ..Flow::default()
        }
    }

    /// `reach[i][j]`: there is a path from i to j.
    fn reachability(&self) -> Vec<Vec<bool>> {
        let n = self.names.len();
        let mut reach = vec![vec![false; n]; n];
        for i in (0..n).rev() {
            for &(from, to) in &self.edges {
                if from == i {
                    let below = reach[to].clone();
                    reach[i][to] = true;
                    for (cell, reachable) in reach[i].iter_mut().zip(below) {
                        *cell |= reachable;
                    }
                }
            }
        }
        reach
    }
}

fn dag() -> impl Strategy<Value = Dag> {
    (1usize..28).prop_flat_map(|n| {
        let pairs = n * (n - 1) / 2;
        (
            Just((0..n).map(|i| format!("n{i:02}")).collect::<Vec<_>>()).prop_shuffle(),
            proptest::collection::vec(proptest::bool::weighted(0.15), pairs),
        )
            .prop_map(move |(names, picks)| {
                let mut edges = Vec::new();
                let mut k = 0;
                for from in 0..n {
                    for to in from + 1..n {
                        if picks[k] {
                            edges.push((from, to));
                        }
                        k += 1;
                    }
                }
                Dag { names, edges }
            })
    })
}

fn registry() -> Registry {
    Registry::builtin()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn the_order_respects_every_edge(dag in dag()) {
        let flow = dag.flow();
        prop_assert!(flowcanvas::check::validate(&flow, &registry()).is_empty());
        let plan = plan(&flow, &registry(), &Scope::Flow, RunMode::All, &|_| false).unwrap();
        prop_assert_eq!(plan.steps.len(), dag.names.len(), "every node reaches an end point");
        let position: HashMap<&str, usize> = plan.steps.iter().map(|s| (s.node.as_str(), s.order)).collect();
        for &(from, to) in &dag.edges {
            prop_assert!(position[dag.names[from].as_str()] < position[dag.names[to].as_str()]);
        }
        let again = flowcanvas::plan::plan(&flow, &registry(), &Scope::Flow, RunMode::All, &|_| false).unwrap();
        prop_assert_eq!(plan, again, "planning is deterministic");
    }

    #[test]
    fn missing_mode_runs_exactly_the_nodes_without_results_and_their_downstream(
        dag in dag(),
        has in proptest::collection::vec(any::<bool>(), 28),
    ) {
        let flow = dag.flow();
        let with_result: BTreeSet<&str> = dag.names.iter().enumerate().filter(|(i, _)| has[*i]).map(|(_, n)| n.as_str()).collect();
        let reach = dag.reachability();
        let expected: BTreeSet<&str> = (0..dag.names.len())
            .filter(|&j| (0..dag.names.len()).any(|i| !has[i] && (i == j || reach[i][j])))
            .map(|j| dag.names[j].as_str())
            .collect();
        let plan = plan(&flow, &registry(), &Scope::Flow, RunMode::Missing, &|id: &NodeId| with_result.contains(id.as_str())).unwrap();
        let ran: BTreeSet<&str> = plan.steps.iter().map(|s| s.node.as_str()).collect();
        prop_assert_eq!(&ran, &expected);
        let reused: BTreeSet<&str> = plan.reused.iter().map(NodeId::as_str).collect();
        let all: BTreeSet<&str> = dag.names.iter().map(String::as_str).collect();
        prop_assert_eq!(reused, all.difference(&expected).copied().collect::<BTreeSet<_>>());
    }

    #[test]
    fn a_back_edge_is_always_refused_as_a_loop(dag in dag(), pick in any::<prop::sample::Index>()) {
        let reach = dag.reachability();
        let n = dag.names.len();
        let pairs: Vec<(usize, usize)> = (0..n).flat_map(|i| (0..n).map(move |j| (i, j))).filter(|&(i, j)| reach[i][j]).collect();
        prop_assume!(!pairs.is_empty());
        let (ancestor, descendant) = pairs[pick.index(pairs.len())];
        let mut flow = dag.flow();
        let back = flow.nodes.iter_mut().find(|node| node.id.as_str() == dag.names[ancestor]).unwrap();
        let mut vars = match back.params.get("vars") {
            Some(flowcanvas::model::ParamValue::List(items)) => items.clone(),
            _ => Vec::new(),
        };
        vars.push("back".into());
        back.params.insert("vars".into(), flowcanvas::model::ParamValue::List(vars));
        flow.edges.push(edge(&format!("{}.text", dag.names[descendant]), &format!("{}.back", dag.names[ancestor])));
        prop_assert!(flowcanvas::check::validate(&flow, &registry()).is_empty());

        let target = Scope::ToHere(NodeId::from(dag.names[descendant].as_str()));
        let err = plan(&flow, &registry(), &target, RunMode::All, &|_| false).unwrap_err();
        let PlanError::Loop(cycle) = err else { return Err(TestCaseError::fail(format!("expected a loop, got {err}"))) };
        prop_assert!(cycle.len() >= 2);
        for k in 0..cycle.len() {
            let (from, to) = (&cycle[k], &cycle[(k + 1) % cycle.len()]);
            prop_assert!(flow.edges.iter().any(|e| &e.from.node == from && &e.to.node == to), "{from} does not feed {to}");
        }
        prop_assert!(!find_loops(&flow).is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn the_executor_runs_random_flows_in_plan_order(dag in dag()) {
        let flow = Arc::new(dag.flow());
        let mut engine = Engine::start(Arc::new(registry())).unwrap();
        let dir = std::env::temp_dir();
        engine.submit(RunRequest::new(flow.clone(), dir));
        let events = events_until_finished(&mut engine);
        let planned: Vec<String> = events.iter().find_map(|e| match e {
            Event::RunStarted { plan, .. } => Some(plan.steps.iter().map(|s| s.node.to_string()).collect()),
            _ => None,
        }).unwrap();
        let started: Vec<String> = events.iter().filter_map(|e| match e {
            Event::NodeStarted { node, .. } => Some(node.to_string()),
            _ => None,
        }).collect();
        prop_assert_eq!(started, planned);
        match events.last() {
            Some(Event::RunFinished { status, counts, .. }) => {
                prop_assert_eq!(*status, RunState::Completed);
                prop_assert_eq!(counts.succeeded, dag.names.len());
            }
            other => return Err(TestCaseError::fail(format!("unexpected {other:?}"))),
        }
    }
}

/// Each node's status and its `text` output, from a finished run's events.
fn outcome(events: &[Event]) -> HashMap<String, (String, Option<String>)> {
    let mut outcome = HashMap::new();
    for event in events {
        match event {
            Event::NodeFinished { node, outputs, .. } => {
                let text = outputs.get("text").map(|v| format!("{v:?}"));
                outcome.insert(node.to_string(), ("succeeded".to_owned(), text));
            }
            Event::NodeFailed { node, .. } => {
                outcome.insert(node.to_string(), ("failed".to_owned(), None));
            }
            Event::NodeSkipped { node, .. } => {
                outcome.insert(node.to_string(), ("skipped".to_owned(), None));
            }
            _ => {}
        }
    }
    outcome
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn parallel_runs_give_the_outputs_and_statuses_of_a_sequential_run(
        dag in dag(),
        parallel in 2usize..6,
    ) {
        let flow = Arc::new(dag.flow());
        let mut engine = Engine::start(Arc::new(registry())).unwrap();
        let dir = std::env::temp_dir();
        engine.submit(RunRequest::new(flow.clone(), dir.clone()));
        let sequential = outcome(&events_until_finished(&mut engine));
        engine.submit(RunRequest::new(flow, dir).max_parallel(parallel));
        let events = events_until_finished(&mut engine);
        let done = matches!(
            events.last(),
            Some(Event::RunFinished { status: RunState::Completed, .. })
        );
        prop_assert!(done, "the parallel run finished");
        prop_assert_eq!(outcome(&events), sequential);
    }
}
