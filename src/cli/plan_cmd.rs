//! `flowcanvas plan FILE`: the plan a run would follow, without running anything, and
//! everything the flow does outside itself.

use std::path::Path;

use serde::Serialize;

use super::{apply_set, load_or_report, PlanArgs, EXIT_INVALID, EXIT_OK};
use crate::model::{NodeId, NodeLabels};
use crate::nodes::Registry;
use crate::plan::{plan_with_results, InputSource, KnownResult, Plan};
use crate::trust::{restrict, visible_controls, FlowEffects};

/// `plan --json`: the plan and the flow's side effects.
#[derive(Serialize)]
struct PlanJson<'a> {
    #[serde(flatten)]
    plan: &'a Plan,
    /// Whether the plan is the restricted one (`--restricted`).
    restricted: bool,
    side_effects: &'a FlowEffects,
    /// The steps that stop for a decision (`--checkpoints`), in plan order.
    checkpoints: Vec<CheckpointJson>,
}

/// A step that stops for a decision, in `plan --json`.
#[derive(serde::Serialize)]
struct CheckpointJson {
    node: NodeId,
    message: String,
}

/// Prints the plan; exit 0, or 2 for an invalid file, unknown node or a loop.
pub fn plan_cmd(args: &PlanArgs) -> i32 {
    let registry = Registry::builtin();
    let Some(flow) = load_or_report(&args.file, &registry) else {
        return EXIT_INVALID;
    };
    let Some((flow, _)) = apply_set(&flow, &registry, &args.file, &args.target.set) else {
        return EXIT_INVALID;
    };
    let scope = args.target.scope();
    // Earlier results come from the store beside the flow (none with --no-store).
    let stored = match args.target.store(&args.file) {
        Some(store) => {
            let (results, problems) = store.load_results();
            for problem in problems {
                eprintln!("warning: result store: {problem}");
            }
            results
        }
        None => Default::default(),
    };
    // Judged exactly as the run will judge them (stale results rerun in Missing mode).
    let known = stored
        .iter()
        .map(|(id, result)| {
            let known = KnownResult {
                outputs: &result.outputs,
                signature: result.entry.signature.as_deref(),
            };
            (id.clone(), known)
        })
        .collect();
    let planned = match plan_with_results(
        &flow,
        &registry,
        &scope,
        args.target.mode.into(),
        &known,
        &Default::default(),
    ) {
        Ok(planned) => planned,
        Err(err) => {
            eprintln!("error: {}: {err}", args.file.display());
            return EXIT_INVALID;
        }
    };
    let base_dir = crate::fsutil::flow_folder(&args.file);
    let effects = FlowEffects::of(&flow, &registry, &base_dir);
    let planned = match args.target.restricted {
        true => restrict(planned, &flow, &registry, &base_dir),
        false => planned,
    };
    let checkpoints = crate::plan::checkpoints(&flow, &planned, args.target.checkpoints);
    if args.json {
        let json = PlanJson {
            plan: &planned,
            restricted: args.target.restricted,
            side_effects: &effects,
            checkpoints: (checkpoints.iter().cloned())
                .map(|(node, message)| CheckpointJson { node, message })
                .collect(),
        };
        match serde_json::to_string(&json) {
            Ok(json) => println!("{json}"),
            Err(err) => {
                eprintln!("error: could not write the plan as JSON: {err}");
                return EXIT_INVALID;
            }
        }
        return EXIT_OK;
    }
    print_plan(&args.file, &planned, &NodeLabels::of(&flow), &checkpoints);
    print_side_effects(&effects);
    EXIT_OK
}

/// The plan as text: a header, one line per step with its inputs' sources, then what is
/// skipped, reused or rerun, and the warnings. Nodes are named by their titles.
fn print_plan(file: &Path, planned: &Plan, labels: &NodeLabels, checkpoints: &[(NodeId, String)]) {
    let name = |id: &NodeId| visible_controls(&labels.name(id));
    println!(
        "Plan for {}: {}, mode {}: {} step{}",
        file.display(),
        planned.scope.describe(labels),
        planned.mode,
        planned.steps.len(),
        if planned.steps.len() == 1 { "" } else { "s" }
    );
    let names: Vec<String> = planned.steps.iter().map(|s| name(&s.node)).collect();
    let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    for (step, step_name) in planned.steps.iter().zip(&names) {
        let sources: Vec<String> = step
            .inputs
            .iter()
            .filter_map(|input| {
                let when = crate::plan::outcome_words(input.outcome);
                match &input.source {
                    InputSource::Step { node, port, .. } => {
                        Some(format!("{} ← {port} of {}{when}", input.port, name(node)))
                    }
                    InputSource::Result { node, port } => Some(format!(
                        "{} ← {port} of {} (earlier result){when}",
                        input.port,
                        name(node)
                    )),
                    InputSource::Skipped { node, .. } => {
                        Some(format!("{} ← {} (skipped){when}", input.port, name(node)))
                    }
                    InputSource::Value { .. } | InputSource::Unset => None,
                }
            })
            .collect();
        let sources = if sources.is_empty() {
            String::new()
        } else {
            format!("  ({})", sources.join(", "))
        };
        let pad = width - step_name.chars().count();
        println!(
            "  {:>3}. {step_name}{:pad$}  {}{sources}",
            step.order, "", step.kind
        );
        if let Some((_, message)) = checkpoints.iter().find(|(node, _)| *node == step.node) {
            println!("       ⏸ checkpoint: {}", visible_controls(message));
        }
    }
    if !checkpoints.is_empty() {
        println!("  The run stops at each checkpoint for a decision, and runs one step at a time.");
    }
    for skipped in &planned.skipped {
        println!("    ↷ {} skipped: {}", name(&skipped.node), skipped.reason);
    }
    for reused in &planned.reused {
        println!("    = {} keeps its earlier result", name(reused));
    }
    for rerun in &planned.rerun {
        println!("    ↻ {} runs again: {}", name(&rerun.node), rerun.reason);
    }
    for warning in &planned.warnings {
        println!("  warning: {warning}");
    }
}

/// The side-effect summary: each node acting outside the flow, then the commands, hosts,
/// outside paths and variables gathered.
fn print_side_effects(effects: &FlowEffects) {
    if effects.is_empty() {
        println!("Side effects: none (every node works inside the flow).");
        return;
    }
    let blocked = effects.needing_trust().count();
    println!(
        "Side effects: {} node{} act{} outside the flow ({blocked} need{} trust; `run --restricted` leaves {} out):",
        effects.nodes.len(),
        if effects.nodes.len() == 1 { "" } else { "s" },
        if effects.nodes.len() == 1 { "s" } else { "" },
        if blocked == 1 { "s" } else { "" },
        if blocked == 1 { "it" } else { "them" },
    );
    for line in effects.lines() {
        println!("  {line}");
    }
    for node in &effects.nodes {
        let what = match &node.needs_trust {
            Some(reason) => visible_controls(reason),
            None => "runs restricted too (reads inside the flow's folder)".to_owned(),
        };
        // Everything here comes from the flow: no escape sequence reaches the terminal.
        println!(
            "    {} ({}): {what}",
            visible_controls(&node.title),
            visible_controls(node.node.as_str())
        );
    }
}
