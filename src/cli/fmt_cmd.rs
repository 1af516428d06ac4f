//! `flowcanvas fmt FILE…`: rewrites flow files in their canonical text (what the app saves),
//! so hand edits and saves give clean diffs.

use super::{load_or_report, FmtArgs, EXIT_INVALID, EXIT_OK, EXIT_RUN_PROBLEMS};
use crate::format;
use crate::nodes::Registry;

/// Formats each file in place (atomically), or with `--check` only reports the ones that
/// would change (exit 1).
pub fn fmt(args: &FmtArgs) -> i32 {
    let registry = Registry::builtin();
    let mut code = EXIT_OK;
    for path in &args.files {
        let Some(flow) = load_or_report(path, &registry) else {
            code = EXIT_INVALID;
            continue;
        };
        let canonical = format::to_text(&flow);
        let current = std::fs::read_to_string(path).unwrap_or_default();
        if canonical == current {
            continue;
        }
        if args.check {
            println!("{}: not in canonical form", path.display());
            if code == EXIT_OK {
                code = EXIT_RUN_PROBLEMS;
            }
        } else if let Err(err) = format::save(path, &flow) {
            eprintln!("error: could not write {}: {err}", path.display());
            code = EXIT_INVALID;
        } else {
            println!("{}: formatted", path.display());
        }
    }
    code
}
