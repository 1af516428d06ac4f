//! `flowcanvas inputs FILE`: the flow as an app: its promoted inputs and marked outputs.

use serde_json::json;

use super::{load_or_report, InputsArgs, EXIT_INVALID, EXIT_OK};
use crate::check::{flow_inputs, flow_outputs, InputKind};
use crate::model::ParamValue;
use crate::nodes::Registry;

/// Lists inputs (label, type, default, choices) and outputs.
pub fn inputs(args: &InputsArgs) -> i32 {
    let registry = Registry::builtin();
    let Some(flow) = load_or_report(&args.file, &registry) else {
        return EXIT_INVALID;
    };
    let inputs = flow_inputs(&flow, &registry);
    let outputs = flow_outputs(&flow);
    if args.json {
        let value = json!({ "inputs": inputs, "outputs": outputs });
        println!("{value}");
        return EXIT_OK;
    }
    if inputs.is_empty() {
        println!("{} has no promoted inputs.", args.file.display());
    } else {
        println!(
            "Inputs of {} (set with --set LABEL=VALUE):",
            args.file.display()
        );
        let width = inputs
            .iter()
            .map(|i| i.label.chars().count())
            .max()
            .unwrap_or(0);
        for input in &inputs {
            let default = match (&input.kind, &input.default) {
                (InputKind::Choice { choices }, ParamValue::Number(n)) => {
                    let index = *n as usize;
                    choices
                        .get(index.wrapping_sub(1))
                        .cloned()
                        .unwrap_or_else(|| index.to_string())
                }
                (_, value) => value.to_json().to_string(),
            };
            println!(
                "  {:<width$}  {}  (default {default}; node `{}`)",
                input.label, input.kind, input.node
            );
        }
    }
    if outputs.is_empty() {
        println!("No marked outputs: a whole-flow run goes to the flow's end points.");
    } else {
        let names: Vec<String> = outputs.iter().map(|id| format!("`{id}`")).collect();
        println!("Outputs: {}", names.join(", "));
    }
    EXIT_OK
}
