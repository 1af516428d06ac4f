//! The command line: `run`, `plan` and `validate`, as a client of the engine. Errors become
//! exit codes here, at the edge: 0 success, 1 a run with failures, skips or a stop,
//! 2 an invalid file or arguments or a loop, 4 a run paused at a checkpoint, 124 a run past its time limit, 130/143/129
//! stopped by Ctrl-C, `SIGTERM` or `SIGHUP`, 141 when whoever read the output went away.

mod checkpoint_prompt;
mod decide_cmd;
mod fmt_cmd;
mod human;
mod inputs_cmd;
mod kinds_cmd;
mod plan_cmd;
mod run_cmd;
mod runs_cmd;
mod validate_cmd;

// `trust`, and the exit code of restricted runs.
mod trust_cmd;

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

use std::collections::BTreeMap;

use crate::check::{apply_inputs, flow_inputs, parse_input};
use crate::model::{Flow, NodeId, ParamValue};
use crate::nodes::Registry;
use crate::plan::{RunMode, Scope};
use crate::store::Store;

/// Exit code: every planned node succeeded (or the file is valid).
pub const EXIT_OK: i32 = 0;
/// Exit code: the run ended with failures, skips or a stop.
pub const EXIT_RUN_PROBLEMS: i32 = 1;
/// Exit code: an invalid file or arguments, or a loop.
pub const EXIT_INVALID: i32 = 2;
/// Exit code: the run stopped at a checkpoint and waits for a decision (`flowcanvas
/// decide`), with no terminal to ask.
pub const EXIT_PAUSED: i32 = 4;
/// Exit code: a step needs something only a person can supply (a key variable, an input
/// file): the run is blocked until `flowcanvas resume`.
pub const EXIT_BLOCKED: i32 = 5;
/// Exit code: the run went past its time limit (`--timeout`, `settings.timeout_ms`); the
/// number `timeout(1)` uses.
pub const EXIT_TIMED_OUT: i32 = 124;
/// Exit code: stopped with Ctrl-C (`SIGINT`).
pub const EXIT_INTERRUPTED: i32 = crate::signals::StopSignal::Interrupt.exit_code();
/// Exit code: stopped with `SIGTERM`.
pub const EXIT_TERMINATED: i32 = crate::signals::StopSignal::Terminate.exit_code();
/// Exit code: stopped with `SIGHUP` (the terminal closed).
pub const EXIT_HUNG_UP: i32 = crate::signals::StopSignal::Hangup.exit_code();
/// Exit code: standard output was a pipe whose reader went away (as `SIGPIPE` would).
pub const EXIT_CLOSED_PIPE: i32 = 141;

/// Build node-graph pipelines and run them: live in the app, or headless here.
///
/// With no subcommand, opens the desktop app on FILE (or the last flow, or a welcome flow).
#[derive(Debug, Parser)]
#[command(name = "flowcanvas", version, about, long_about = None, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The .flow file to open in the app.
    #[cfg_attr(not(feature = "gui"), arg(hide = true))]
    pub file: Option<PathBuf>,
    /// Open the window, take a screenshot into this PNG file, and exit.
    #[arg(long, value_name = "OUT.png")]
    #[cfg_attr(not(feature = "gui"), arg(hide = true))]
    pub screenshot: Option<PathBuf>,
    /// Run the whole flow when the window opens (with --screenshot: shoot when it ends).
    #[arg(long)]
    #[cfg_attr(not(feature = "gui"), arg(hide = true))]
    pub run: bool,
    /// Open in app mode: the inputs form, Run and the outputs, without the graph.
    #[arg(long)]
    #[cfg_attr(not(feature = "gui"), arg(hide = true))]
    pub app: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a flow headless, showing each step live, then the summary.
    Run(RunArgs),
    /// Show what a run would do, in order, without running anything.
    Plan(PlanArgs),
    /// Check a flow file and report every problem in it.
    Validate(ValidateArgs),
    /// Rewrite flow files in canonical form (sorted, as the app saves them).
    Fmt(FmtArgs),
    /// List a flow's promoted inputs (label, type, default) and marked outputs.
    Inputs(InputsArgs),
    /// List the runs recorded in the flow's result store.
    Runs(RunsArgs),
    /// Continue a run that did not complete: run the steps it did not finish, keeping the
    /// results of those it did (same scope, inputs and seeds).
    Resume(ContinueArgs),
    /// Rerun a run that did not complete: its unfinished steps and every step that depends
    /// on them start clean; independent steps keep their results (same scope, inputs and
    /// seeds).
    Retry(ContinueArgs),
    /// Decide at the checkpoint a paused run waits at: approve (the step runs and the run
    /// goes on to its end, here), reject (the run ends rejected) or skip (the step is left
    /// out and the run goes on).
    Decide(DecideArgs),
    /// List every node kind with its ports and parameters.
    Kinds(KindsArgs),
    /// Trust a folder: the app runs flows in it (and below it) without restriction. With
    /// no folder, list the trusted folders.
    Trust(TrustArgs),
}

/// Arguments of `flowcanvas trust`.
#[derive(Debug, Args)]
pub struct TrustArgs {
    /// The folder to trust; with none, the trusted folders are listed.
    pub dir: Option<PathBuf>,
}

/// Arguments of `flowcanvas kinds`.
#[derive(Debug, Args)]
pub struct KindsArgs {
    /// Print one JSON object per kind per line.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `flowcanvas resume` and `flowcanvas retry`.
#[derive(Debug, Args)]
pub struct ContinueArgs {
    /// The .flow file.
    pub file: PathBuf,
    /// The run: its number in `flowcanvas runs FILE` (`3` or `#3`) or its id; by default
    /// the latest run that did not complete.
    pub run: Option<String>,
    /// Print one JSON object per event per line instead (schema: docs/cli.md).
    #[arg(long)]
    pub json: bool,
    /// Leave out every node that acts outside the flow, as `run --restricted` does (a
    /// continuation of a restricted run is restricted anyway); exit 3 if any was left out.
    #[arg(long)]
    pub restricted: bool,
}

/// Arguments of `flowcanvas decide`.
#[derive(Debug, Args)]
pub struct DecideArgs {
    /// The .flow file.
    pub file: PathBuf,
    /// `[RUN] approve|reject|skip`: the run (its number in `flowcanvas runs FILE` or its
    /// id; by default the latest paused run), then the decision.
    #[arg(required = true, num_args = 1..=2, value_name = "[RUN] DECISION")]
    pub words: Vec<String>,
    /// What to record with the decision (for a reject: the reason).
    #[arg(long, short = 'm', value_name = "TEXT", default_value = "")]
    pub comment: String,
    /// Print one JSON object per event per line for the rest of the run (schema:
    /// docs/cli.md).
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `flowcanvas runs`.
#[derive(Debug, Args)]
pub struct RunsArgs {
    /// The .flow file.
    pub file: PathBuf,
    /// With --trace or --transcript: the run, by its number in the list (`3` or `#3`) or
    /// its id; by default the latest run.
    #[arg(requires = "one_run")]
    pub run: Option<String>,
    /// Print one JSON object per run per line.
    #[arg(long, conflicts_with = "one_run")]
    pub json: bool,
    /// Print what each step of the run streamed (standard output and standard error,
    /// start and end kept when long) under the step's line.
    #[arg(long, group = "one_run")]
    pub transcript: bool,
    /// Write the run's timeline to OUT as Chrome trace event JSON, for Perfetto or
    /// chrome://tracing (`-`: to standard output). Format: docs/cli.md.
    #[arg(long, value_name = "OUT.json", group = "one_run")]
    pub trace: Option<PathBuf>,
}

/// Arguments of `flowcanvas inputs`.
#[derive(Debug, Args)]
pub struct InputsArgs {
    /// The .flow file.
    pub file: PathBuf,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Which part of the flow to run.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// Run just this node, with the results its inputs already have.
    #[arg(long, value_name = "ID", conflicts_with = "to")]
    pub node: Option<String>,
    /// Run everything this node depends on, then the node.
    #[arg(long, value_name = "ID", conflicts_with = "from")]
    pub to: Option<String>,
    /// Run this node and everything downstream of it, with the side inputs that part needs
    /// (stored results where fresh, run where not); the rest of the flow is left out.
    #[arg(long, value_name = "ID", conflicts_with = "node")]
    pub from: Option<String>,
    /// All: every planned node. Missing: only nodes without a result, and their downstream.
    #[arg(long, value_enum, default_value_t = ModeArg::All)]
    pub mode: ModeArg,
    /// Sets a promoted input by its label (repeatable); see `flowcanvas inputs FILE`.
    #[arg(long = "set", value_name = "LABEL=VALUE")]
    pub set: Vec<String>,
    /// Neither read nor write the result store beside the flow (FILE.flow.d).
    #[arg(long)]
    pub no_store: bool,
    /// With --node on a node that runs once per batch item: run only these items (numbers
    /// from 1, e.g. `2,5`), keeping the others from its stored result.
    #[arg(long, value_name = "N,N", requires = "node", value_delimiter = ',')]
    pub items: Vec<usize>,
    /// For a flow you have not read: leave out every node that acts outside the flow
    /// (commands, requests, writes, reads outside its folder); exit 3 if any was left out.
    #[arg(long)]
    pub restricted: bool,
    /// Which steps stop for a decision: `marked` (the steps the flow marks; the default),
    /// `every` step, or `none`. A run with checkpoints goes one step at a time.
    #[arg(long, value_name = "MODE", default_value = "marked", value_parser = parse_checkpoints)]
    pub checkpoints: crate::model::CheckpointMode,
}

impl TargetArgs {
    /// The store these arguments use for `file`.
    pub fn store(&self, file: &Path) -> Option<Store> {
        (!self.no_store).then(|| Store::for_flow(file))
    }
}

impl TargetArgs {
    /// The scope these arguments name.
    pub fn scope(&self) -> Scope {
        match (&self.node, &self.to, &self.from) {
            (Some(id), _, _) => Scope::Node(NodeId::from(id.as_str())),
            (None, Some(id), _) => Scope::ToHere(NodeId::from(id.as_str())),
            (None, None, Some(id)) => Scope::FromHere(NodeId::from(id.as_str())),
            (None, None, None) => Scope::Flow,
        }
    }
}

/// `--mode` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// Run every planned node.
    All,
    /// Run only planned nodes without a result, and everything downstream of them.
    Missing,
}

impl From<ModeArg> for RunMode {
    fn from(mode: ModeArg) -> Self {
        match mode {
            ModeArg::All => RunMode::All,
            ModeArg::Missing => RunMode::Missing,
        }
    }
}

/// Arguments of `flowcanvas run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The .flow file.
    pub file: PathBuf,
    /// Which part to run and how.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Print one JSON object per event per line instead (schema: docs/cli.md).
    #[arg(long)]
    pub json: bool,
    /// Let up to N independent steps work at the same time (default: the flow's
    /// `max_parallel` setting, else 1). A step still starts only after every step it
    /// depends on has ended.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub parallel: Option<u16>,
    /// After the first failure start no new step: running steps finish, the rest are
    /// skipped naming the failure (default: the flow's `fail_fast` setting, else off).
    #[arg(long)]
    pub fail_fast: bool,
    /// End the run after this long (`500ms`, `90s`, `10m`, `1h`): running steps are
    /// stopped, the rest cancelled, and the run ends timed out, exit code 124 (default:
    /// the flow's `timeout_ms` setting, else no limit).
    #[arg(long, value_name = "TIME", value_parser = crate::exec::parse_time_limit)]
    pub timeout: Option<std::time::Duration>,
}

/// Reads `--checkpoints`.
fn parse_checkpoints(text: &str) -> Result<crate::model::CheckpointMode, String> {
    crate::model::CheckpointMode::from_name(text)
        .ok_or_else(|| format!("`{text}` is not a checkpoint mode: use marked, every or none"))
}

/// Arguments of `flowcanvas plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The .flow file.
    pub file: PathBuf,
    /// Which part to plan and how.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Print the plan as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `flowcanvas validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The .flow file.
    pub file: PathBuf,
}

/// Arguments of `flowcanvas fmt`.
#[derive(Debug, Args)]
pub struct FmtArgs {
    /// The .flow files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Change nothing; exit 1 if a file is not in canonical form.
    #[arg(long)]
    pub check: bool,
}

/// Runs the parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    // A command ends quietly when its reader goes away (a run, once started, stops first).
    if cli.command.is_some() {
        crate::signals::die_quietly_on_closed_pipe();
    }
    match cli.command {
        Some(Command::Run(args)) => run_cmd::run(&args),
        Some(Command::Plan(args)) => plan_cmd::plan_cmd(&args),
        Some(Command::Validate(args)) => validate_cmd::validate(&args),
        Some(Command::Fmt(args)) => fmt_cmd::fmt(&args),
        Some(Command::Inputs(args)) => inputs_cmd::inputs(&args),
        Some(Command::Runs(args)) => runs_cmd::runs(&args),
        Some(Command::Resume(args)) => {
            run_cmd::continue_cmd(&args, crate::store::ContinueHow::Resume)
        }
        Some(Command::Retry(args)) => {
            run_cmd::continue_cmd(&args, crate::store::ContinueHow::Retry)
        }
        Some(Command::Decide(args)) => decide_cmd::decide(&args),
        Some(Command::Kinds(args)) => kinds_cmd::kinds(&args),
        Some(Command::Trust(args)) => trust_cmd::trust(&args),
        None => open_app(cli),
    }
}

/// Opens the desktop app (no subcommand).
#[cfg(feature = "gui")]
fn open_app(cli: Cli) -> i32 {
    crate::app::run_gui(crate::app::StartOptions {
        no_recent: cli.screenshot.is_some(),
        file: cli.file,
        screenshot: cli.screenshot,
        run: cli.run,
        app_mode: cli.app,
        config_dir: None,
    })
}

/// What this build says when asked for the desktop app it does not have.
pub const NO_APP_MESSAGE: &str =
    "flowcanvas: this build has no desktop app (it was built without the `gui` feature).\n\
    Run flows from the command line instead: `flowcanvas run FILE.flow` (see `flowcanvas --help`).";

/// Without the `gui` feature there is no app to open: says so and how to run flows (exit 2).
#[cfg(not(feature = "gui"))]
fn open_app(_cli: Cli) -> i32 {
    eprintln!("{NO_APP_MESSAGE}");
    EXIT_INVALID
}

/// Loads a flow for a subcommand, printing every problem to stderr on failure.
fn load_or_report(path: &Path, registry: &Registry) -> Option<Flow> {
    match crate::format::load(path, registry) {
        Ok(flow) => Some(flow),
        Err(err) => {
            for line in err.lines() {
                eprintln!("error: {line}");
            }
            None
        }
    }
}

/// Applies `--set LABEL=VALUE` values to a flow; on a problem, prints it with the list of
/// valid inputs and returns `None` (exit 2).
fn apply_set(
    flow: &Flow,
    registry: &Registry,
    file: &Path,
    set: &[String],
) -> Option<(Flow, BTreeMap<String, ParamValue>)> {
    let inputs = flow_inputs(flow, registry);
    let mut values = BTreeMap::new();
    let mut problems = Vec::new();
    for entry in set {
        let Some((label, text)) = entry.split_once('=') else {
            problems.push(format!("`--set {entry}`: write LABEL=VALUE"));
            continue;
        };
        match inputs.iter().find(|i| i.label == label) {
            None => problems.push(format!("no input labelled `{label}`")),
            Some(input) => match parse_input(input, text) {
                Ok(value) => {
                    values.insert(label.to_owned(), value);
                }
                Err(problem) => problems.push(problem),
            },
        }
    }
    if problems.is_empty() {
        match apply_inputs(flow, registry, &values) {
            Ok(applied) => return Some((applied, values)),
            Err(err) => problems = err.problems,
        }
    }
    for problem in &problems {
        eprintln!("error: {}: {problem}", file.display());
    }
    if inputs.is_empty() {
        eprintln!("{} has no promoted inputs.", file.display());
    } else {
        eprintln!("Inputs of {}:", file.display());
        for input in &inputs {
            eprintln!("  {}  ({})", input.label, input.kind);
        }
    }
    None
}
