//! Live, human-readable output of a run: a line per step, streamed output, the summary.

use crate::store::one_line;
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::sync::Arc;

use crate::exec::{format_duration_ms, Event, NodeStatus, RunState};
use crate::model::{Flow, NodeId, NodeLabels};
use crate::nodes::{Outputs, Progress, Registry, Role, Stream};
use crate::plan::producer_of_input;

/// Whether to colour output: only on a terminal, and not when `NO_COLOR` holds a value.
fn wants_color(terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    terminal && no_color.is_none_or(|value| value.is_empty())
}

/// Renders engine events for a terminal or a log.
pub struct HumanOutput {
    file: String,
    /// Colours (ANSI escapes): on a terminal, unless `NO_COLOR` says otherwise.
    color: bool,
    /// A terminal: the "running" line is rewritten in place.
    live: bool,
    total_steps: usize,
    orders: HashMap<String, usize>,
    /// On a terminal, the "running" line is rewritten in place when the step ends.
    open_line: bool,
    /// Standard output is a pipe whose reader went away: nothing more is written.
    closed: bool,
    /// The step the last line printed was about: output of another step names its step.
    last_node: Option<String>,
    /// Store warnings shown already (a store that cannot be written says so for every
    /// node; once is enough).
    store_warnings: HashSet<String>,
    /// What the flow's nodes are called (their titles).
    labels: NodeLabels,
}

impl HumanOutput {
    /// Output for a run of `file`; `terminal` enables in-place status lines, and colour
    /// unless the `NO_COLOR` variable is set (to anything but nothing: no-color.org).
    pub fn new(file: String, terminal: bool) -> Self {
        Self {
            file,
            color: wants_color(terminal, std::env::var_os("NO_COLOR").as_deref()),
            live: terminal,
            total_steps: 0,
            orders: HashMap::new(),
            open_line: false,
            closed: false,
            last_node: None,
            store_warnings: HashSet::new(),
            labels: NodeLabels::default(),
        }
    }

    /// Names the nodes of `flow` by their titles in what is shown (ids without a title).
    pub fn naming(mut self, flow: &Flow) -> Self {
        self.labels = NodeLabels::of(flow);
        self
    }

    /// A node's name for the output: its title (control characters shown, not obeyed).
    fn name(&self, node: &NodeId) -> String {
        crate::trust::visible_controls(&self.labels.name(node))
    }

    /// Whether standard output turned out to be a pipe nobody reads any more.
    pub fn output_closed(&self) -> bool {
        self.closed
    }

    /// Writes to standard output, noting a closed pipe (after which nothing is written).
    fn write(&mut self, text: std::fmt::Arguments<'_>) {
        if self.closed {
            return;
        }
        let mut out = std::io::stdout().lock();
        if let Err(err) = out.write_fmt(text).and_then(|()| out.flush()) {
            self.closed = err.kind() == std::io::ErrorKind::BrokenPipe;
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn badge(&self, node: &str) -> String {
        match self.orders.get(node) {
            Some(order) => format!("[{order}/{}]", self.total_steps),
            None => "[-]".to_owned(),
        }
    }

    fn line(&mut self, text: &str) {
        if self.open_line {
            self.open_line = false;
            self.write(format_args!("\r\x1b[2K{text}\n"));
        } else {
            self.write(format_args!("{text}\n"));
        }
    }

    /// Shows a run's summary line that came from elsewhere than `run_finished` (a run
    /// rejected at a checkpoint).
    pub fn summary(&mut self, summary: &str) {
        self.line(&self.paint("1;31", summary));
    }

    /// Shows one event.
    #[allow(
        clippy::too_many_lines,
        reason = "one arm per engine event: how each event reads is clearest side by side"
    )]
    pub fn event(&mut self, event: &Event) {
        match event {
            Event::RunQueued { .. }
            | Event::RunRejected { .. }
            | Event::QueueChanged { .. }
            | Event::ActiveResultChanged { .. } => {}
            Event::StoreProblem { message, .. } => {
                if !self.store_warnings.insert(message.clone()) {
                    return;
                }
                // Not eprintln!: a closed stderr must not end the run with a panic.
                let _ = writeln!(std::io::stderr(), "warning: result store: {message}");
            }
            Event::RunStarted { plan, seeds, .. } => {
                self.total_steps = plan.steps.len();
                self.orders = plan
                    .steps
                    .iter()
                    .map(|s| (s.node.to_string(), s.order))
                    .collect();
                let mut extra = String::new();
                if !plan.skipped.is_empty() {
                    extra.push_str(&format!(", {} skipped", plan.skipped.len()));
                }
                if !plan.reused.is_empty() {
                    extra.push_str(&format!(", {} reused", plan.reused.len()));
                }
                let header = format!(
                    "Running {} ({}, mode {}): {} step{}{extra}",
                    self.file,
                    plan.scope.describe(&self.labels),
                    plan.mode,
                    plan.steps.len(),
                    if plan.steps.len() == 1 { "" } else { "s" }
                );
                self.line(&self.paint("1", &header));
                for (node, seed) in seeds {
                    let name = self.name(node);
                    self.line(&format!(
                        "  seed `{name}` rolled {seed} (set it to reproduce this run)"
                    ));
                }
                for warning in &plan.warnings {
                    let text = format!("  warning: {warning}");
                    self.line(&self.paint("33", &text));
                }
            }
            Event::NodeStarted { node, .. } => {
                self.last_node = Some(node.to_string());
                let text = format!("  {} ▶ {}", self.badge(node.as_str()), self.name(node));
                if self.live {
                    let text = self.paint("36", &text);
                    self.write(format_args!("{text}"));
                    self.open_line = true;
                } else {
                    self.line(&text);
                }
            }
            Event::NodeProgress { node, progress, .. } => match progress {
                Progress::Output { stream, text } => {
                    let code = if *stream == Stream::Stderr { "31" } else { "2" };
                    // Steps running side by side (`--parallel`) interleave their output:
                    // a line that does not follow its own step's line names the step.
                    let owner = if self.last_node.as_deref() == Some(node.as_str()) {
                        String::new()
                    } else {
                        format!("{} {} › ", self.badge(node.as_str()), self.name(node))
                    };
                    for piece in text.trim_end_matches('\n').split('\n') {
                        let text = format!("      │ {owner}{piece}");
                        self.line(&self.paint(code, &text));
                    }
                    self.last_node = Some(node.to_string());
                }
                Progress::Count { done, total } => {
                    let text = format!("      {done} / {total}");
                    self.line(&text);
                }
                Progress::Iteration { iteration, total } => {
                    let text = match total {
                        Some(total) => format!("      ↻ iteration {iteration} / {total}"),
                        None => format!("      ↻ iteration {iteration}"),
                    };
                    self.line(&self.paint("36", &text));
                }
                Progress::Member {
                    title,
                    status,
                    elapsed_ms,
                    message,
                    ..
                } => {
                    // The inner steps that ended, nested under their unit.
                    let took = elapsed_ms.map(format_duration_ms).unwrap_or_default();
                    let text = match (status, message) {
                        (NodeStatus::Running | NodeStatus::Queued, _) => return,
                        (_, Some(message)) => format!(
                            "      ├ {} {title}  {}: {}",
                            status.icon(),
                            status.label(),
                            one_line(message)
                        ),
                        (_, None) => format!("      ├ {} {title}  {took}", status.icon()),
                    };
                    self.line(text.trim_end());
                }
            },
            Event::NodeFinished {
                node,
                elapsed_ms,
                failed_items,
                outputs,
                ..
            } => {
                self.last_node = Some(node.to_string());
                let name = self.name(node);
                let text = if failed_items.is_empty() {
                    format!(
                        "  {} {} {name}  {}",
                        self.badge(node.as_str()),
                        self.paint("32", "✓"),
                        format_duration_ms(*elapsed_ms)
                    )
                } else {
                    let total = crate::exec::batch_len(outputs).unwrap_or(0);
                    format!(
                        "  {} {} {name}  {}: partial, {} of {total} items failed",
                        self.badge(node.as_str()),
                        self.paint("33", "◐"),
                        format_duration_ms(*elapsed_ms),
                        failed_items.len()
                    )
                };
                self.line(&text);
                for failure in failed_items {
                    let first = failure.error.lines().next().unwrap_or_default();
                    let text = format!("      item {}: {first}", failure.index + 1);
                    self.line(&text);
                }
            }
            Event::NodeFailed {
                node,
                error,
                elapsed_ms,
                ..
            } => {
                self.last_node = Some(node.to_string());
                let mut lines = error.lines();
                let first = lines.next().unwrap_or_default();
                let text = format!(
                    "  {} {} {}  {}: {first}",
                    self.badge(node.as_str()),
                    self.paint("31", "✗"),
                    self.name(node),
                    format_duration_ms(*elapsed_ms)
                );
                self.line(&text);
                for rest in lines {
                    let text = format!("      {rest}");
                    self.line(&self.paint("31", &text));
                }
            }
            Event::NodeRetrying {
                node,
                attempt,
                of,
                delay_ms,
                error,
                ..
            } => {
                self.last_node = Some(node.to_string());
                let said = one_line(error);
                let text = format!(
                    "  {} ↻ {}: attempt {attempt} / {of} in {}: {said}",
                    self.badge(node.as_str()),
                    self.name(node),
                    crate::exec::format_wait_ms(*delay_ms)
                );
                self.line(&self.paint("33", &text));
            }
            Event::NodeSkipped { node, reason, .. } => {
                let text = format!(
                    "  {} ↷ {} skipped: {reason}",
                    self.badge(node.as_str()),
                    self.name(node)
                );
                self.line(&self.paint("33", &text));
            }
            Event::NodeCancelled { node, reason, .. } => {
                let why = reason
                    .as_deref()
                    .map(|reason| format!(": {reason}"))
                    .unwrap_or_default();
                let text = format!(
                    "  {} ■ {} cancelled{why}",
                    self.badge(node.as_str()),
                    self.name(node)
                );
                self.line(&self.paint("35", &text));
            }
            Event::RunPaused { running, .. } => {
                let text = match running {
                    0 => "  ⏸ Paused: no new step starts until the run is resumed".to_owned(),
                    n => format!(
                        "  ⏸ Pausing: {n} running step{} finish, then no new step starts",
                        if *n == 1 { "" } else { "s" }
                    ),
                };
                self.line(&self.paint("33", &text));
            }
            Event::RunResumed { .. } => self.line(&self.paint("36", "  ▶ Resumed")),
            Event::CheckpointReached {
                node,
                message,
                previous,
                ..
            } => {
                let after = previous
                    .as_ref()
                    .map(|p| format!(" (after {})", self.name(p)))
                    .unwrap_or_default();
                // What a flow says goes to a terminal: its control characters are shown,
                // not obeyed (a flow from elsewhere could hide escape sequences in it).
                let text = format!(
                    "  ⏸ Checkpoint before {}{after}: {}",
                    self.name(node),
                    crate::trust::visible_controls(message)
                );
                self.line(&self.paint("1;35", &text));
            }
            Event::RunBlocked {
                node, cause, fix, ..
            } => {
                let text = format!(
                    "  ⛔ Blocked at {}: {}\n     To go on: {}, then `flowcanvas resume {}`",
                    self.name(node),
                    crate::trust::visible_controls(cause),
                    crate::trust::visible_controls(fix),
                    self.file
                );
                self.line(&self.paint("1;35", &text));
            }
            Event::Decided { decision, .. } => {
                let mark = match decision.verdict {
                    crate::model::Verdict::Approve => "✔",
                    crate::model::Verdict::Reject => "✋",
                    crate::model::Verdict::Skip => "»",
                };
                let text = format!(
                    "  {mark} {}",
                    crate::trust::visible_controls(&decision.describe(&self.name(&decision.node)))
                );
                self.line(&self.paint("36", &text));
            }
            Event::RunCancelling { running, .. } => {
                let text = format!(
                    "  ■ Cancelling: {running} running step{} finish, the rest will not start",
                    if *running == 1 { "" } else { "s" }
                );
                self.line(&self.paint("35", &text));
            }
            Event::RunFinished {
                status, summary, ..
            } => {
                let code = match status {
                    RunState::Completed => "1;32",
                    RunState::Paused | RunState::Blocked => "1;35",
                    _ => "1;31",
                };
                self.line(&self.paint(code, summary));
            }
        }
    }

    /// After the run: the results of the nodes marked as outputs, and what each viewer shows,
    /// when their producers ran.
    pub fn viewers(
        &mut self,
        flow: &Flow,
        registry: &Registry,
        produced: &HashMap<String, Arc<Outputs>>,
    ) {
        for node in &flow.nodes {
            let is_viewer = registry
                .get(&node.kind)
                .is_some_and(|kind| kind.info().role == Role::Viewer);
            let value = if is_viewer {
                producer_of_input(flow, registry, node.id.as_str(), "in").and_then(|source| {
                    produced
                        .get(source.node.as_str())
                        .and_then(|outputs| outputs.get(&source.port))
                })
            } else if node.output {
                produced.get(node.id.as_str()).and_then(|outputs| {
                    outputs
                        .iter()
                        .find(|(name, v)| {
                            *name != "exit_code"
                                && !matches!(v, crate::model::Value::Text(t) if t.is_empty())
                        })
                        .map(|(_, v)| v)
                })
            } else {
                None
            };
            let Some(value) = value else {
                continue;
            };
            let text = value.to_text();
            // A title comes from the flow: its control characters are shown, not obeyed.
            let label = if node.title.is_empty() {
                node.id.to_string()
            } else {
                crate::trust::visible_controls(&node.title)
            };
            if text.contains('\n') {
                self.line(&format!("{label}:"));
                for piece in text.trim_end().lines() {
                    self.line(&format!("  {piece}"));
                }
            } else {
                self.line(&format!("{label}: {text}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn no_color_turns_colour_off_on_a_terminal() {
        assert!(wants_color(true, None));
        assert!(!wants_color(true, Some(OsStr::new("1"))));
        // An empty NO_COLOR counts as unset.
        assert!(wants_color(true, Some(OsStr::new(""))));
        assert!(!wants_color(false, None));
        let plain = HumanOutput {
            color: false,
            ..HumanOutput::new("x.flow".into(), true)
        };
        assert_eq!(plain.paint("31", "failed"), "failed");
        let coloured = HumanOutput {
            color: true,
            ..HumanOutput::new("x.flow".into(), true)
        };
        assert_eq!(coloured.paint("31", "failed"), "\x1b[31mfailed\x1b[0m");
    }
}
