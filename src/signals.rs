//! How flowcanvas reacts to being told to stop (Ctrl-C, `SIGTERM`, `SIGHUP`) and to a reader
//! that goes away (`flowcanvas kinds | head -1`); used by the command line and the app.
//!
//! A stop signal does not end the process: it is handed to a callback on a helper thread, so
//! `run` can stop the run (killing its processes and recording it cancelled) and then exit
//! with 128 plus the signal's number, as a shell reports a process killed by it; the app
//! closes its window the same way (see `app::run_gui`).

use std::sync::Mutex;

/// A signal asking flowcanvas to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(
    not(unix),
    allow(dead_code, reason = "only Ctrl-C can be caught without Unix signals")
)]
pub enum StopSignal {
    /// Ctrl-C (`SIGINT`).
    Interrupt,
    /// `SIGTERM`: `kill`, `timeout`, `docker stop`, a cancelled CI job.
    Terminate,
    /// `SIGHUP`: the terminal closed.
    Hangup,
}

impl StopSignal {
    /// The exit code after stopping for this signal: 128 + its number (130, 143, 129).
    pub const fn exit_code(self) -> i32 {
        // Signal numbers are the same on every Unix: SIGINT 2, SIGTERM 15, SIGHUP 1.
        match self {
            StopSignal::Interrupt => 128 + 2,
            StopSignal::Terminate => 128 + 15,
            StopSignal::Hangup => 128 + 1,
        }
    }
}

/// What to do on a stop signal; replaced by each [`on_stop_signal`].
type Callback = Box<dyn Fn(StopSignal) + Send>;

static CALLBACK: Mutex<Option<Callback>> = Mutex::new(None);

/// Calls `callback` (on a helper thread) whenever a stop signal arrives, instead of letting
/// the signal end the process. A later call replaces the callback.
pub fn on_stop_signal(callback: impl Fn(StopSignal) + Send + 'static) -> std::io::Result<()> {
    *CALLBACK.lock().unwrap_or_else(|e| e.into_inner()) = Some(Box::new(callback));
    install()
}

/// Lets a write into a closed pipe end this process at once and silently, as it ends most
/// command-line tools (the shell sees status 141).
pub fn die_quietly_on_closed_pipe() {
    #[cfg(unix)]
    unix::die_on_sigpipe(true);
}

/// Makes a write into a closed pipe an error the caller sees (`BrokenPipe`) again, as it is
/// when the process starts: for `run` once its run begins, which must stop the run (and
/// kill its processes) before exiting, and whose commands' stdin pipes may close early.
pub fn notice_closed_pipe() {
    #[cfg(unix)]
    unix::die_on_sigpipe(false);
}

fn deliver(signal: StopSignal) {
    if let Some(callback) = CALLBACK.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
        callback(signal);
    }
}

#[cfg(unix)]
use unix::install;

#[cfg(unix)]
mod unix {
    //! Signal handling through `signal-hook`, whose handlers only set a flag or write into a
    //! pipe; a thread reads that pipe and calls back.

    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, OnceLock};

    use signal_hook::consts::{SIGHUP, SIGINT, SIGPIPE, SIGTERM};
    use signal_hook::iterator::Signals;

    use super::{deliver, StopSignal};

    /// Whether a `SIGPIPE` ends the process (as by default) or is only noticed as the
    /// write's `BrokenPipe` error (as Rust sets it up).
    pub(super) fn die_on_sigpipe(die: bool) {
        static DIES: OnceLock<Option<Arc<AtomicBool>>> = OnceLock::new();
        let flag = DIES.get_or_init(|| {
            let flag = Arc::new(AtomicBool::new(false));
            // The handler does what the default action would while the flag is set, and
            // nothing otherwise (the write then fails with EPIPE).
            signal_hook::flag::register_conditional_default(SIGPIPE, flag.clone())
                .ok()
                .map(|_| flag)
        });
        if let Some(flag) = flag {
            flag.store(die, Ordering::SeqCst);
        }
    }

    /// Installs the handler for SIGINT, SIGTERM and SIGHUP once per process.
    pub(super) fn install() -> std::io::Result<()> {
        static INSTALLED: OnceLock<Result<(), std::io::ErrorKind>> = OnceLock::new();
        INSTALLED
            .get_or_init(|| install_once().map_err(|err| err.kind()))
            .map_err(std::io::Error::from)
    }

    fn install_once() -> std::io::Result<()> {
        let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP])?;
        std::thread::Builder::new()
            .name("flowcanvas-signals".to_owned())
            .spawn(move || {
                for signal in signals.forever() {
                    deliver(match signal {
                        SIGTERM => StopSignal::Terminate,
                        SIGHUP => StopSignal::Hangup,
                        _ => StopSignal::Interrupt,
                    });
                }
            })?;
        Ok(())
    }
}

/// Elsewhere only Ctrl-C can be caught (through the `ctrlc` crate).
#[cfg(not(unix))]
fn install() -> std::io::Result<()> {
    static INSTALLED: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            ctrlc::set_handler(|| deliver(StopSignal::Interrupt)).map_err(|e| e.to_string())
        })
        .clone()
        .map_err(std::io::Error::other)
}
