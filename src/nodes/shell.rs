//! `shell`: runs a command with the platform shell, streaming its output line by line.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

use super::capped::HeadTail;
use super::context::{Progress, Stream};
use super::prelude::*;

/// How many trailing lines of stderr a failure message quotes.
const FAILURE_TAIL_LINES: usize = 8;
/// How many trailing characters of stderr a failure message quotes at most.
const FAILURE_TAIL_CHARS: usize = 1200;
/// How much of the start of each stream (stdout, stderr) the outputs keep.
pub const KEPT_HEAD_BYTES: usize = 8 * 1024 * 1024;
/// How much of the end of each stream the outputs keep (what lies between is cut, with a
/// line saying how much).
pub const KEPT_TAIL_BYTES: usize = 8 * 1024 * 1024;
/// The longest piece of streamed output: a longer line is streamed in pieces this long.
const MAX_PROGRESS_CHUNK_BYTES: usize = 64 * 1024;

/// Runs `sh -c COMMAND` (`cmd /C` on Windows) and outputs stdout, stderr and the exit code.
///
/// A non-zero exit fails the node with the tail of stderr. Stop kills the command and every
/// process it started (see [`crate::process_guard`]). Each output keeps at most the first
/// [`KEPT_HEAD_BYTES`] and the last [`KEPT_TAIL_BYTES`] of its stream.
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
                category: groups::CODE,
                description: "Runs a command with the platform shell and streams its output. It fails on a non-zero exit.",
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

        // This thread waits for the shell below, as `process_guard::spawn` requires. The
        // command starts only if the step was not stopped meanwhile, and its kill hook is in
        // place before a Stop can go by: a Stop at that moment waits for the start, then
        // kills it.
        let started = ctx.cancel().start_unless_cancelled(|| {
            let (child, tree) = crate::process_guard::spawn(&mut command)?;
            let kill: Box<dyn FnOnce() + Send> = Box::new(move || tree.kill());
            Ok::<_, std::io::Error>((child, kill))
        });
        let mut child = match started {
            None => return Err(NodeError::Cancelled),
            Some(Err(err)) => {
                return Err(NodeError::failed(format!(
                    "could not start the shell: {err}"
                )))
            }
            Some(Ok(child)) => child,
        };

        let writer = match (child.stdin.take(), stdin_text) {
            (Some(mut pipe), Some(text)) => std::thread::Builder::new()
                .name("flowcanvas-shell-stdin".to_owned())
                .spawn(move || {
                    // A command that exits without reading its input closes the pipe: not
                    // an error.
                    let _ = pipe.write_all(text.as_bytes());
                })
                .map(Some)
                .map_err(|err| {
                    // Without its input the command cannot run as asked: end it.
                    let _ = child.kill();
                    let _ = child.wait();
                    NodeError::failed(format!("could not start feeding the command: {err}"))
                })?,
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
                let message = if tail.is_empty() {
                    format!("command failed with {how}")
                } else {
                    format!("command failed with {how}:\n{tail}")
                };
                Err(match code {
                    Some(code) => NodeError::failed_with(message, FailureCause::Exit(code)),
                    None => NodeError::failed(message),
                })
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
        let mut command = crate::process_guard::command("sh");
        command.arg("-c").arg(command_line);
        command
    }
}

/// A thread collecting one output stream (within the cap) while streaming it as progress.
struct Reader {
    thread: Option<std::thread::JoinHandle<HeadTail>>,
}

impl Reader {
    fn finish(mut self) -> String {
        self.thread
            .take()
            .and_then(|thread| thread.join().ok())
            .map(HeadTail::into_text)
            .unwrap_or_default()
    }
}

fn spawn_reader(
    pipe: Option<impl Read + Send + 'static>,
    stream: Stream,
    ctx: &NodeContext,
) -> Reader {
    let Some(pipe) = pipe else {
        return Reader { thread: None };
    };
    let sink = ctx.progress_sink();
    let thread = std::thread::Builder::new()
        .name(format!(
            "flowcanvas-{}",
            match stream {
                Stream::Stdout => "stdout",
                Stream::Stderr | Stream::Info => "stderr",
            }
        ))
        .spawn(move || {
            let mut kept = HeadTail::new(KEPT_HEAD_BYTES, KEPT_TAIL_BYTES);
            let mut reader = BufReader::with_capacity(MAX_PROGRESS_CHUNK_BYTES, pipe);
            // The current line, as far as it has not been streamed yet.
            let mut pending = Vec::new();
            loop {
                let buffer = match reader.fill_buf() {
                    Ok([]) => break,
                    Ok(buffer) => buffer,
                    Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                };
                let (taken, line_ended) = match buffer.iter().position(|&b| b == b'\n') {
                    Some(end) => (end + 1, true),
                    None => (buffer.len(), false),
                };
                kept.push(&buffer[..taken]);
                pending.extend_from_slice(&buffer[..taken]);
                reader.consume(taken);
                if line_ended || pending.len() >= MAX_PROGRESS_CHUNK_BYTES {
                    let text = take_text(&mut pending, line_ended);
                    if let Some(sink) = &sink {
                        sink(Progress::Output { stream, text });
                    }
                }
            }
            if !pending.is_empty() {
                let text = take_text(&mut pending, true);
                if let Some(sink) = &sink {
                    sink(Progress::Output { stream, text });
                }
            }
            kept
        })
        .ok();
    Reader { thread }
}

/// Takes the text out of `pending`; unless `all`, a character cut short at the end stays
/// there for the next piece.
fn take_text(pending: &mut Vec<u8>, all: bool) -> String {
    let end = match std::str::from_utf8(pending) {
        Err(err) if !all && err.error_len().is_none() => err.valid_up_to(),
        _ => pending.len(),
    };
    let rest = pending.split_off(end);
    let text = String::from_utf8_lossy(pending).into_owned();
    *pending = rest;
    text
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

#[cfg(test)]
mod tests {
    use super::{tail, take_text};

    #[test]
    fn a_character_cut_by_a_long_line_piece_waits_for_the_next_piece() {
        let mut pending = "ab€".as_bytes()[..4].to_vec();
        assert_eq!(take_text(&mut pending, false), "ab");
        pending.extend_from_slice(&"€".as_bytes()[2..]);
        assert_eq!(take_text(&mut pending, true), "€");
        assert!(pending.is_empty());
    }

    #[test]
    fn tail_keeps_the_last_lines() {
        let text: String = (1..=20).map(|i| format!("line {i}\n")).collect();
        let tail = tail(&text);
        assert!(tail.starts_with("line 13"), "{tail}");
        assert!(tail.ends_with("line 20"));
    }
}
