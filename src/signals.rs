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
    set_sigpipe(libc::SIG_DFL);
}

/// Makes a write into a closed pipe an error the caller sees (`BrokenPipe`) again, as it is
/// when the process starts: for `run` once its run begins, which must stop the run (and
/// kill its processes) before exiting, and whose commands' stdin pipes may close early.
pub fn notice_closed_pipe() {
    #[cfg(unix)]
    set_sigpipe(libc::SIG_IGN);
}

#[cfg(unix)]
#[allow(unsafe_code)] // reason: std cannot set a signal's action
fn set_sigpipe(action: libc::sighandler_t) {
    // SAFETY: signal(2) with SIG_DFL or SIG_IGN installs no handler code; no pointers.
    unsafe {
        libc::signal(libc::SIGPIPE, action);
    }
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
    //! The handler writes the signal's number into a pipe; a thread reads it and calls back.

    use std::io::Read;
    use std::os::fd::FromRawFd;
    use std::sync::atomic::{AtomicI32, Ordering};
    use std::sync::OnceLock;

    use super::{deliver, StopSignal};

    /// The write end of the pipe the handler writes into (-1 until installed).
    static WRITE_FD: AtomicI32 = AtomicI32::new(-1);

    /// Installs the handler for SIGINT, SIGTERM and SIGHUP once per process.
    pub(super) fn install() -> std::io::Result<()> {
        static INSTALLED: OnceLock<Result<(), std::io::ErrorKind>> = OnceLock::new();
        INSTALLED
            .get_or_init(|| install_once().map_err(|err| err.kind()))
            .map_err(std::io::Error::from)
    }

    #[allow(unsafe_code)] // reason: std has no signal handlers; this is the usual self-pipe
    fn install_once() -> std::io::Result<()> {
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: pipe2 writes two descriptors into the array it is given, which has room.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } == -1 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: fds[0] is a fresh descriptor that nothing else owns.
        let mut reader = unsafe { std::fs::File::from_raw_fd(fds[0]) };
        WRITE_FD.store(fds[1], Ordering::SeqCst);
        std::thread::Builder::new()
            .name("flowcanvas-signals".to_owned())
            .spawn(move || {
                let mut byte = [0u8; 1];
                while let Ok(1) = reader.read(&mut byte) {
                    let signal = match libc::c_int::from(byte[0]) {
                        libc::SIGTERM => StopSignal::Terminate,
                        libc::SIGHUP => StopSignal::Hangup,
                        _ => StopSignal::Interrupt,
                    };
                    deliver(signal);
                }
            })?;
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            // SAFETY: a zeroed sigaction is valid (empty mask, no flags); the handler
            // below only makes an async-signal-safe write(2).
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_signal as *const () as libc::sighandler_t;
                action.sa_flags = libc::SA_RESTART;
                libc::sigemptyset(&mut action.sa_mask);
                if libc::sigaction(signal, &action, std::ptr::null_mut()) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
            }
        }
        Ok(())
    }

    #[allow(unsafe_code)] // reason: see install_once
    extern "C" fn on_signal(signal: libc::c_int) {
        let fd = WRITE_FD.load(Ordering::SeqCst);
        if fd < 0 {
            return;
        }
        // Cast: signal numbers are below 64.
        let byte = signal as u8;
        // SAFETY: write(2) is async-signal-safe and reads one byte from a live local;
        // errno is put back as the interrupted code left it.
        unsafe {
            #[cfg(target_os = "linux")]
            let errno = *libc::__errno_location();
            libc::write(fd, std::ptr::addr_of!(byte).cast(), 1);
            #[cfg(target_os = "linux")]
            {
                *libc::__errno_location() = errno;
            }
        }
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
