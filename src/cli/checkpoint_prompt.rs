//! Asking at a checkpoint in a terminal: approve, reject or skip, and a comment. Lines are
//! read on a thread of their own, so a stop signal ends the wait at once.

use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError};

use crate::model::Verdict;

/// Whether a person can be asked: standard input is a terminal.
pub fn can_ask() -> bool {
    std::io::stdin().is_terminal()
}

/// Reads standard input's lines for the prompts (started when first needed).
#[derive(Default)]
pub struct Prompt {
    lines: Option<Receiver<String>>,
}

impl Prompt {
    /// Asks for a decision at the checkpoint before `step`, showing `message` and the
    /// previous step's result (`context`). `None` when standard input ended or `stopped`
    /// turned true (a signal) before an answer came.
    pub fn ask(
        &mut self,
        step: &str,
        message: &str,
        context: Option<&str>,
        stopped: &dyn Fn() -> bool,
    ) -> Option<(Verdict, String)> {
        say(&format!("\n⏸ Checkpoint before {step}: {message}\n"));
        if let Some(context) = context {
            say(&format!("{context}\n"));
        }
        let verdict = loop {
            say("Approve, reject or skip? [a/r/s] ");
            let answer = self.line(stopped)?;
            match Verdict::from_name(&answer) {
                Some(verdict) => break verdict,
                None => say("  type a (approve), r (reject) or s (skip)\n"),
            }
        };
        say("Comment (Enter for none): ");
        let comment = self.line(stopped)?;
        Some((verdict, comment.trim().to_owned()))
    }

    /// The next line typed, without its line end.
    fn line(&mut self, stopped: &dyn Fn() -> bool) -> Option<String> {
        let lines = self.lines.get_or_insert_with(read_lines);
        loop {
            if stopped() {
                return None;
            }
            match lines.recv_timeout(Duration::from_millis(100)) {
                Ok(line) => return Some(line),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        }
    }
}

/// Standard input's lines, from a thread that reads them until it ends.
fn read_lines() -> Receiver<String> {
    let (tx, rx) = crossbeam_channel::unbounded();
    let spawned = std::thread::Builder::new()
        .name("flowcanvas-prompt".to_owned())
        .spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    // Without the thread no line comes: the receiver reads as disconnected.
    drop(spawned);
    rx
}

/// Writes to standard error (the prompts stay out of standard output, which may be JSON).
fn say(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}
