//! `flowcanvas fmt FILE…`: rewrites flow files in their canonical text (what the app saves),
//! so hand edits and saves give clean diffs.

use super::{load_or_report, FmtArgs, EXIT_INVALID, EXIT_OK, EXIT_RUN_PROBLEMS};
use crate::format;
use crate::nodes::Registry;

/// Formats each file in place (atomically), or with `--check` only reports the ones that
/// would change (exit 1). The canonical form has no comments, so a file with comments is
/// refused (exit 2, file untouched) rather than stripped of them; `--check` reports it as
/// not canonical.
pub fn fmt(args: &FmtArgs) -> i32 {
    let registry = Registry::builtin();
    let mut code = EXIT_OK;
    for path in &args.files {
        let Some(flow) = load_or_report(path, &registry) else {
            code = EXIT_INVALID;
            continue;
        };
        let canonical = format::to_text(&flow);
        let current = format::read_text(path).unwrap_or_default();
        if canonical == current {
            continue;
        }
        if let Some(pos) = format::Locator::new(&current).first_comment() {
            if args.check {
                println!(
                    "{}:{}:{}: not in canonical form (it has comments, which fmt would not keep)",
                    path.display(),
                    pos.line,
                    pos.col
                );
                code = code.max(EXIT_RUN_PROBLEMS);
            } else {
                eprintln!(
                    "error: {}:{}:{}: not formatted: the file has comments and the canonical form cannot keep them (remove them, or leave the file as it is)",
                    path.display(),
                    pos.line,
                    pos.col
                );
                code = EXIT_INVALID;
            }
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
