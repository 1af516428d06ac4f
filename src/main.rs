//! The `flowcanvas` binary: parses the command line and hands over to the CLI.

use clap::Parser;

/// mimalloc instead of the system allocator: loading a large flow and its store makes a
/// few hundred thousand small allocations, and glibc's malloc was a quarter of that time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    if let Some(code) = flowcanvas::process_guard::serve_watchdog_if_asked() {
        std::process::exit(code);
    }
    flowcanvas::process_guard::enable_watchdog();
    quiet_node_panics();
    let cli = flowcanvas::cli::Cli::parse();
    std::process::exit(flowcanvas::cli::run(cli));
}

/// A node that panics is reported as a failed node with the panic's message; the default
/// hook would also print a raw backtrace note in the middle of the run's output.
fn quiet_node_panics() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !flowcanvas::exec::is_running_node() {
            default_hook(info);
        }
    }));
}
