//! Keeps the processes a step starts from outliving the step's Stop or flowcanvas itself.
//!
//! A shell step's command may start any number of processes, and some of them leave the
//! command's process group on purpose (`setsid`, daemons). Three layers see to them:
//!
//! 1. **Process group.** The command leads its own process group; killing a tree sends
//!    `SIGKILL` to the group (on Windows, `taskkill /T /F` kills the tree).
//! 2. **Tag** (Linux). The command's environment carries `FLOWCANVAS_STEP=<owner>/<n>`, which
//!    every process it starts inherits, whatever session or group it moves to. Killing a
//!    tree also kills every process whose environment holds the step's tag, found in
//!    `/proc/PID/environ`, round after round until a round finds nothing new.
//! 3. **Parent death** (Linux). The command gets `SIGKILL` as its parent-death signal (set by
//!    util-linux's `setpriv`, which [`command`] puts in front of the program), and a
//!    watchdog process (this binary started again with a hidden argument, see
//!    [`serve_watchdog_if_asked`]) waits on a pipe only flowcanvas holds: when flowcanvas
//!    ends, however it ends (`SIGKILL`, a crash, a normal exit), the pipe closes and the
//!    watchdog kills every process holding one of this flowcanvas's tags.
//!
//! The parent-death signal fires when the *thread* that started the command ends, not the
//! process; that is safe here because the thread that spawns a command (a node's worker
//! thread) always waits for it to exit before it ends.
//!
//! Not reached: a process that clears or replaces its environment (`env -i`, `sudo`, some
//! daemons), one running as another user, and one that a system service started on the
//! command's behalf (`systemd-run`, `docker run -d`). Elsewhere than Linux only the first
//! layer applies.

use std::io;
use std::process::{Child, Command};

/// The environment variable that tags a step's processes.
pub const TAG_VAR: &str = "FLOWCANVAS_STEP";

/// The hidden first argument that starts this binary as the watchdog.
const WATCHDOG_ARG: &str = "__flowcanvas_watchdog";

/// The processes of one started command: the command itself (leader of its own process
/// group) and everything carrying its tag.
#[derive(Clone, Debug)]
pub struct ProcessTree {
    leader_pid: u32,
    /// `FLOWCANVAS_STEP`'s value in the command's environment (Linux only).
    #[cfg_attr(
        not(target_os = "linux"),
        allow(dead_code, reason = "always None where there is no /proc to look in")
    )]
    tag: Option<String>,
}

impl ProcessTree {
    /// The process id of the command itself.
    pub fn leader_pid(&self) -> u32 {
        self.leader_pid
    }

    /// Kills the command and every process it started that can still be found: its process
    /// group, then (Linux) every process holding its tag.
    pub fn kill(&self) {
        kill_group(self.leader_pid);
        #[cfg(target_os = "linux")]
        if let Some(tag) = &self.tag {
            linux::kill_tagged(|value| value == tag.as_bytes());
        }
    }
}

/// A command running `program` that gets `SIGKILL` when the thread that starts it ends (on
/// Linux, where util-linux's `setpriv` sets the parent-death signal between its own start and
/// `program`'s, so flowcanvas needs no unsafe code for it; elsewhere, or without `setpriv`,
/// `program` itself). Start it with [`spawn`], and wait for it on the same thread.
pub fn command(program: &str) -> Command {
    #[cfg(target_os = "linux")]
    if let Some(setpriv) = linux::setpriv() {
        let mut command = Command::new(setpriv);
        command.args(["--pdeathsig", "KILL", "--", program]);
        return command;
    }
    Command::new(program)
}

/// Starts `command` (made by [`command`]) so that [`ProcessTree::kill`] can end it and all it
/// starts, and so that it does not outlive flowcanvas (see the module docs). The caller must
/// wait for the child on the thread that called this (the parent-death signal is tied to that
/// thread).
pub fn spawn(command: &mut Command) -> io::Result<(Child, ProcessTree)> {
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(command, 0);
    #[cfg(target_os = "linux")]
    let tag = {
        linux::ensure_watchdog();
        let tag = linux::next_tag();
        command.env(TAG_VAR, &tag);
        Some(tag)
    };
    #[cfg(not(target_os = "linux"))]
    let tag = None;
    let child = command.spawn()?;
    let tree = ProcessTree {
        leader_pid: child.id(),
        tag,
    };
    Ok((child, tree))
}

/// Lets [`spawn`] start a watchdog (this same binary, with a hidden argument) that ends the
/// processes of every step when flowcanvas ends. Call it from `main` of a binary that calls
/// [`serve_watchdog_if_asked`] first; without it, a flowcanvas that is killed leaves the
/// grandchildren of its commands running.
pub fn enable_watchdog() {
    #[cfg(target_os = "linux")]
    linux::WATCHDOG_ENABLED.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// If this process was started as the watchdog, serves as one until flowcanvas ends and
/// returns the exit code; otherwise returns `None` at once. Call it first thing in `main`.
pub fn serve_watchdog_if_asked() -> Option<i32> {
    let mut args = std::env::args_os().skip(1);
    if args.next()? != WATCHDOG_ARG {
        return None;
    }
    let owner = args.next()?.into_string().ok()?;
    #[cfg(target_os = "linux")]
    linux::watch(&owner);
    #[cfg(not(target_os = "linux"))]
    let _ = owner;
    Some(0)
}

/// Sends `SIGKILL` to the process group led by `pid`.
#[cfg(unix)]
fn kill_group(pid: u32) {
    let Ok(pid) = i32::try_from(pid) else { return };
    // Already gone is fine: there is nothing left to end.
    let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pid), nix::sys::signal::SIGKILL);
}

/// Kills the process tree rooted at `pid`.
#[cfg(not(unix))]
fn kill_group(pid: u32) {
    use std::process::Stdio;
    let _ = Command::new("taskkill")
        .args(["/T", "/F", "/PID", &pid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

#[cfg(target_os = "linux")]
mod linux {
    //! Tags, the `/proc` sweep, the parent-death signal and the watchdog.

    use std::collections::HashSet;
    use std::io::{self, Read};
    use std::os::unix::process::CommandExt;
    use std::path::Path;
    use std::process::{ChildStdin, Command, Stdio};
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::{Arc, Mutex, OnceLock};
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use nix::sys::signal::{self, Signal};
    use nix::unistd::Pid;

    use super::{TAG_VAR, WATCHDOG_ARG};

    /// Whether [`ensure_watchdog`] may start one (see `enable_watchdog`).
    pub(super) static WATCHDOG_ENABLED: AtomicBool = AtomicBool::new(false);

    /// The write end of the watchdog's stdin, held until this process ends; `None` once
    /// starting one failed (not tried again).
    static WATCHDOG: Mutex<Option<Option<ChildStdin>>> = Mutex::new(None);

    /// How many sweep rounds a kill makes at most (each finds what the previous one's
    /// victims started just before they died).
    const MAX_ROUNDS: usize = 50;

    /// This process's part of every tag: its id and start time, so that no other
    /// flowcanvas, now or later, shares it.
    fn owner() -> &'static str {
        static OWNER: OnceLock<String> = OnceLock::new();
        OWNER.get_or_init(|| {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            format!("{}-{nanos}", std::process::id())
        })
    }

    /// A tag no other command of this process has had.
    pub(super) fn next_tag() -> String {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        format!("{}/{}", owner(), NEXT.fetch_add(1, Ordering::Relaxed))
    }

    /// util-linux's `setpriv`, where it is installed in the usual places (not looked up
    /// in `PATH`: a flow's environment must not choose it).
    pub(super) fn setpriv() -> Option<&'static Path> {
        static FOUND: OnceLock<Option<&'static Path>> = OnceLock::new();
        *FOUND.get_or_init(|| {
            ["/usr/bin/setpriv", "/bin/setpriv"]
                .into_iter()
                .map(Path::new)
                .find(|path| path.is_file())
        })
    }

    /// Starts the watchdog if it is enabled and not started yet. Failing to start it only
    /// loses the cleanup after flowcanvas dies, so it is not reported.
    pub(super) fn ensure_watchdog() {
        if !WATCHDOG_ENABLED.load(Ordering::SeqCst) {
            return;
        }
        let mut watchdog = WATCHDOG.lock().unwrap_or_else(|e| e.into_inner());
        if watchdog.is_some() {
            return;
        }
        // `/proc/self/exe` is this very binary even if its file was replaced since.
        let started = Command::new("/proc/self/exe")
            .arg0("flowcanvas-watchdog")
            .arg(WATCHDOG_ARG)
            .arg(owner())
            .env_remove(TAG_VAR)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own group: a Ctrl-C meant for flowcanvas must not end it first.
            .process_group(0)
            .spawn();
        // The child is never waited for: it outlives this process by design.
        *watchdog = Some(started.ok().and_then(|mut child| child.stdin.take()));
    }

    /// The watchdog: waits until the pipe from flowcanvas closes, then kills every process
    /// holding one of `owner`'s tags.
    pub(super) fn watch(owner: &str) {
        // A Ctrl-C or a hang-up only sets a flag nobody reads: the watchdog lives on until
        // the pipe closes. Failing to catch them only makes it more fragile.
        let ignored = Arc::new(AtomicBool::new(false));
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGHUP] {
            let _ = signal_hook::flag::register(signal, ignored.clone());
        }
        let mut stdin = io::stdin().lock();
        let mut buffer = [0u8; 64];
        // Nothing is ever written: a read returns only at end of file or on an error.
        while let Ok(n) = stdin.read(&mut buffer) {
            if n == 0 {
                break;
            }
        }
        let prefix = format!("{owner}/");
        kill_tagged(|value| value.starts_with(prefix.as_bytes()));
    }

    /// Sends `SIGKILL` to every process whose `FLOWCANVAS_STEP` value `matches`, until a
    /// round of looking finds none it has not signalled already.
    pub(super) fn kill_tagged(matches: impl Fn(&[u8]) -> bool) {
        let me = std::process::id();
        let mut signalled: HashSet<u32> = HashSet::new();
        for _ in 0..MAX_ROUNDS {
            let found: Vec<u32> = tagged_processes(&matches)
                .into_iter()
                .filter(|&pid| pid != me && !signalled.contains(&pid))
                .collect();
            if found.is_empty() {
                return;
            }
            for pid in found {
                kill(pid);
                signalled.insert(pid);
            }
            // Let the killed ones go before looking again (a dying process's environment
            // can still be read for a moment).
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// The processes whose tag value `matches`.
    fn tagged_processes(matches: &impl Fn(&[u8]) -> bool) -> Vec<u32> {
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        let key = format!("{TAG_VAR}=");
        entries
            .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| {
                // Unreadable (another user's, or gone already): not ours to kill.
                let Ok(environ) = std::fs::read(format!("/proc/{pid}/environ")) else {
                    return false;
                };
                environ
                    .split(|&b| b == 0)
                    .filter_map(|entry| entry.strip_prefix(key.as_bytes()))
                    .any(matches)
            })
            .collect()
    }

    fn kill(pid: u32) {
        let Ok(pid) = i32::try_from(pid) else { return };
        // Already gone is fine.
        let _ = signal::kill(Pid::from_raw(pid), Signal::SIGKILL);
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    fn alive(pid: u32) -> bool {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // Field 3, after the parenthesised name: Z (zombie) and X (dead) are not running.
        matches!(
            stat.rsplit(')').next().and_then(|r| r.split_whitespace().next()),
            Some(state) if state != "Z" && state != "X"
        )
    }

    fn wait_for_pid(path: &std::path::Path) -> u32 {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(pid) = std::fs::read_to_string(path)
                .ok()
                .and_then(|t| t.trim().parse().ok())
            {
                return pid;
            }
            assert!(Instant::now() < deadline, "no pid in {}", path.display());
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn killing_a_tree_reaches_a_child_in_its_own_session() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("escaped.pid");
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg("setsid sh -c 'echo $$ > escaped.pid; exec sleep 600' >/dev/null 2>&1 & sleep 600")
            .current_dir(dir.path())
            .stdout(Stdio::null());
        let (mut child, tree) = spawn(&mut command).unwrap();
        let escaped = wait_for_pid(&pid_file);
        assert!(alive(escaped));
        tree.kill();
        child.wait().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while alive(escaped) {
            assert!(
                Instant::now() < deadline,
                "the process in its own session survived"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
