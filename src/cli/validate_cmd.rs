//! `flowcanvas validate FILE`: every problem in a flow file, including loops.

use super::{load_or_report, ValidateArgs, EXIT_INVALID, EXIT_OK};
use crate::check::Subject;
use crate::format;
use crate::nodes::Registry;
use crate::plan::find_loops;

/// Checks the file; exit 0 when it is valid, 2 otherwise.
pub fn validate(args: &ValidateArgs) -> i32 {
    let registry = Registry::builtin();
    let Some(flow) = load_or_report(&args.file, &registry) else {
        return EXIT_INVALID;
    };
    let loops = find_loops(&flow);
    if !loops.is_empty() {
        let text = format::read_text(&args.file).unwrap_or_default();
        let locator = format::Locator::new(&text);
        for cycle in loops {
            let pos = cycle
                .first()
                .and_then(|id| locator.locate(&Subject::Node(id.clone())))
                .map(|p| format!("{}:{}:", p.line, p.col))
                .unwrap_or_default();
            let mut names: Vec<String> = cycle.iter().map(|id| format!("`{id}`")).collect();
            if let Some(first) = names.first().cloned() {
                names.push(first);
            }
            eprintln!(
                "error: {}:{pos} the flow has a loop: {}",
                args.file.display(),
                names.join(" → ")
            );
        }
        return EXIT_INVALID;
    }
    println!(
        "{}: ok ({} nodes, {} edges)",
        args.file.display(),
        flow.nodes.len(),
        flow.edges.len()
    );
    EXIT_OK
}
