//! `shell`: runs a command with the platform shell, streaming its output line by line.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use super::context::{Progress, Stream};
use super::prelude::*;

/// How many trailing lines of stderr a failure message quotes.
const FAILURE_TAIL_LINES: usize = 8;
/// How many trailing characters of stderr a failure message quotes at most.
const FAILURE_TAIL_CHARS: usize = 1200;

/// Runs `sh -c COMMAND` (`cmd /C` on Windows) and outputs stdout, stderr and the exit code.
///
/// A non-zero exit fails the node with the tail of stderr. Stop kills the command and every
/// process it started (they share a process group).
pub struct ShellKind {
    info: KindInfo,
}

impl ShellKind {
    /// The kind with its description.
    pub fn new() -> Self {
        Self {
            info: KindInfo {
                id: "shell",
                name: "Shell command",
                category: "System",
                description: "Runs a command with the platform shell; streams its output; fails on a non-zero exit.",
                role: Role::Step(Placement::Worker),
                effects: Effects::SideEffects,
                params: vec![
                    ParamSpec {
                        name: "command",
                        ty: ParamType::LongText,
                        default: ParamValue::Text(String::new()),
                        doc: "The command line, run by `sh -c` (`cmd /C` on Windows).",
                    },
                    ParamSpec {
                        name: "cwd",
                        ty: ParamType::Text,
                        default: ParamValue::Text(String::new()),
                        doc: "Working directory; relative to the flow's folder; empty means that folder.",
                    },
                    ParamSpec {
                        name: "env",
                        ty: ParamType::TextMap,
                        default: ParamValue::Map(Default::default()),
                        doc: "Extra environment variables.",
                    },
                ],
                promote: None,
            },
        }
    }
}

impl NodeKind for ShellKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn inputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::optional("stdin", DataType::Text)]
    }

    fn outputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![
            PortSpec::new("stdout", DataType::Text),
            PortSpec::new("stderr", DataType::Text),
            PortSpec::new("exit_code", DataType::Number),
        ]
    }

    fn side_effects(
        &self,
        params: &Params<'_>,
        _input: &dyn Fn(&str) -> KnownInput,
    ) -> Vec<SideEffect> {
        let mut effects = vec![SideEffect::Command {
            command: params.text("command").trim().to_owned(),
        }];
        effects.extend(
            params
                .text_map("env")
                .into_iter()
                .map(|(name, _)| SideEffect::EnvVar {
                    name: name.to_owned(),
                    purpose: "set for the command".to_owned(),
                }),
        );
        effects
    }

    fn check(&self, params: &Params<'_>) -> Vec<String> {
        if params.text("command").trim().is_empty() {
            vec!["`command` is empty".to_owned()]
        } else {
            Vec::new()
        }
    }

    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        let params = ctx.params();
        let command_line = params.text("command");
        if command_line.trim().is_empty() {
            return Err(NodeError::failed("`command` is empty"));
        }
        let cwd = match params.text("cwd") {
            "" => ctx.base_dir().to_path_buf(),
            dir => ctx.resolve_path(dir),
        };
        if !cwd.is_dir() {
            return Err(NodeError::failed(format!(
                "working directory {} does not exist",
                cwd.display()
            )));
        }
        let stdin_text = ctx.input("stdin").map(Value::to_text);

        let mut command = platform_shell(command_line);
        command
            .current_dir(&cwd)
            .envs(params.text_map("env"))
            .stdin(if stdin_text.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);

        let mut child = command
            .spawn()
            .map_err(|err| NodeError::failed(format!("could not start the shell: {err}")))?;
        let child_id = child.id();
        ctx.cancel().on_cancel(move || kill_process_tree(child_id));

        let writer = match (child.stdin.take(), stdin_text) {
            (Some(mut pipe), Some(text)) => Some(std::thread::spawn(move || {
                // A command that exits without reading its input closes the pipe: not an error.
                let _ = pipe.write_all(text.as_bytes());
            })),
            _ => None,
        };
        let stdout = spawn_reader(child.stdout.take(), Stream::Stdout, ctx);
        let stderr = spawn_reader(child.stderr.take(), Stream::Stderr, ctx);

        let status = child
            .wait()
            .map_err(|err| NodeError::failed(format!("lost track of the command: {err}")))?;
        let stdout = stdout.finish();
        let stderr = stderr.finish();
        if let Some(writer) = writer {
            let _ = writer.join();
        }
        if ctx.cancel().is_cancelled() {
            return Err(NodeError::Cancelled);
        }
        match status.code() {
            Some(0) => Ok(Outputs::new()
                .with("stdout", Value::Text(stdout))
                .with("stderr", Value::Text(stderr))
                .with("exit_code", Value::Number(0.0))),
            code => {
                let how = match code {
                    Some(code) => format!("exit code {code}"),
                    None => describe_signal(&status),
                };
                let tail = tail(if stderr.trim().is_empty() {
                    &stdout
                } else {
                    &stderr
                });
                if tail.is_empty() {
                    Err(NodeError::failed(format!("command failed with {how}")))
                } else {
                    Err(NodeError::failed(format!(
                        "command failed with {how}:\n{tail}"
                    )))
                }
            }
        }
    }
}

fn platform_shell(command_line: &str) -> Command {
    if cfg!(windows) {
        let mut command = Command::new("cmd");
        command.arg("/C").arg(command_line);
        command
    } else {
        let mut command = Command::new("sh");
        command.arg("-c").arg(command_line);
        command
    }
}

/// A thread collecting one output stream while forwarding each line as progress.
struct Reader {
    thread: Option<std::thread::JoinHandle<()>>,
    collected: Arc<Mutex<String>>,
}

impl Reader {
    fn finish(mut self) -> String {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        std::mem::take(&mut *self.collected.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

fn spawn_reader(
    pipe: Option<impl Read + Send + 'static>,
    stream: Stream,
    ctx: &NodeContext,
) -> Reader {
    let collected = Arc::new(Mutex::new(String::new()));
    let Some(pipe) = pipe else {
        return Reader {
            thread: None,
            collected,
        };
    };
    let sink = ctx.progress_sink();
    let into = collected.clone();
    let thread = std::thread::Builder::new()
        .name(format!(
            "flowcanvas-{}",
            match stream {
                Stream::Stdout => "stdout",
                Stream::Stderr => "stderr",
            }
        ))
        .spawn(move || {
            let mut reader = BufReader::new(pipe);
            let mut line = Vec::new();
            loop {
                line.clear();
                match reader.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        let text = String::from_utf8_lossy(&line).into_owned();
                        into.lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push_str(&text);
                        if let Some(sink) = &sink {
                            sink(Progress::Output { stream, text });
                        }
                    }
                }
            }
        })
        .ok();
    Reader { thread, collected }
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    let start = lines.len().saturating_sub(FAILURE_TAIL_LINES);
    let joined = lines[start..].join("\n");
    let count = joined.chars().count();
    if count > FAILURE_TAIL_CHARS {
        let cut: String = joined.chars().skip(count - FAILURE_TAIL_CHARS).collect();
        format!("…{cut}")
    } else {
        joined
    }
}

#[cfg(unix)]
fn describe_signal(status: &std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status.signal() {
        Some(signal) => format!("signal {signal}"),
        None => "an unknown status".to_owned(),
    }
}

#[cfg(not(unix))]
fn describe_signal(_status: &std::process::ExitStatus) -> String {
    "an unknown status".to_owned()
}

/// Kills the process group led by `pid`: the shell and everything it started.
#[cfg(unix)]
#[allow(unsafe_code)] // reason: std has no way to signal a whole process group
fn kill_process_tree(pid: u32) {
    let Ok(pid) = i32::try_from(pid) else { return };
    // SAFETY: kill(2) with a negative pid signals that process group; it takes no pointers.
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
    }
}

/// Kills the process tree rooted at `pid`.
#[cfg(not(unix))]
fn kill_process_tree(pid: u32) {
    let _ = Command::new("taskkill")
        .args(["/T", "/F", "/PID", &pid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

#[cfg(test)]
mod tests {
    use super::tail;

    #[test]
    fn tail_keeps_the_last_lines() {
        let text: String = (1..=20).map(|i| format!("line {i}\n")).collect();
        let tail = tail(&text);
        assert!(tail.starts_with("line 13"), "{tail}");
        assert!(tail.ends_with("line 20"));
    }
}
