//! Passing signals on to `byok exec`'s child: the handlers, the signal mask around the
//! spawn, and waiting for the child without reaping it. Why it is built this way is told
//! at `spawn_and_wait`.

use std::sync::atomic::{AtomicI32, Ordering};

use nix::errno::Errno;
use nix::sys::signal::{
    self, SaFlags, SigAction, SigHandler, SigSet, SigmaskHow, Signal, sigaction,
};
use nix::unistd::Pid;

use crate::error::{Error, Result};

const SIGNALS: [Signal; 4] = [
    Signal::SIGINT,
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGQUIT,
];

/// The running child's pid, 0 when there is none to forward to.
static CHILD: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_signal(sig: libc::c_int, info: *mut libc::siginfo_t, _context: *mut libc::c_void) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        // SAFETY: with SA_SIGINFO the kernel passes a valid siginfo_t (null-checked);
        // nix has no safe view of a handler's siginfo.
        if !info.is_null() && unsafe { (*info).si_code } == libc::SI_KERNEL {
            return;
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = info;
    let pid = CHILD.load(Ordering::SeqCst);
    if pid > 0 {
        // kill is async-signal-safe (nix's wrapper only reads errno on failure), and
        // errno is saved around it.
        let saved = Errno::last_raw();
        if let Ok(sig) = Signal::try_from(sig) {
            let _ = signal::kill(Pid::from_raw(pid), sig);
        }
        Errno::set_raw(saved);
    }
}

/// Installs the forwarding handler for each signal byok does not ignore. A signal
/// that byok was started with ignored (`nohup byok exec …`, a background job) stays
/// ignored, so the child inherits that, exactly as if it had been started directly.
pub fn install() -> Result<()> {
    let ours = SigAction::new(
        SigHandler::SigAction(on_signal),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    let failed = |sig: Signal, e: Errno| {
        Error::Internal(format!(
            "could not install a handler for signal {}: {}",
            sig as libc::c_int,
            std::io::Error::from(e)
        ))
    };
    for sig in SIGNALS {
        // SAFETY: the handler is async-signal-safe: it reads an atomic and the
        // siginfo, and calls kill.
        let previous = unsafe { sigaction(sig, &ours) }.map_err(|e| failed(sig, e))?;
        if matches!(previous.handler(), SigHandler::SigIgn) {
            // Ignored before: put that back. Meanwhile there was no child, so the
            // handler dropped such a signal, as ignoring it does.
            // SAFETY: reinstates the disposition byok was started with.
            unsafe { sigaction(sig, &previous) }.map_err(|e| failed(sig, e))?;
        }
    }
    Ok(())
}

/// Blocks the forwarded signals in this thread; returns the mask to restore.
pub fn block() -> Result<SigSet> {
    let mut set = SigSet::empty();
    for sig in SIGNALS {
        set.add(sig);
    }
    set.thread_swap_mask(SigmaskHow::SIG_BLOCK)
        .map_err(|e| Error::Internal(format!("could not block signals: {e}")))
}

pub fn restore(old: &SigSet) {
    let _ = old.thread_set_mask();
}

/// Has the child restore `old` before it execs, so it does not inherit the block.
pub fn restore_in_child(cmd: &mut std::process::Command, old: SigSet) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs in the forked child before exec; it only calls
    // pthread_sigmask, which is async-signal-safe, on a copy of `old`. pre_exec
    // itself is unsafe in std, whatever the closure does.
    unsafe {
        cmd.pre_exec(move || {
            let _ = old.thread_set_mask();
            Ok(())
        });
    }
}

pub fn set_child(pid: libc::pid_t) {
    CHILD.store(pid, Ordering::SeqCst);
}

/// Waits until the child has ended without reaping it (it stays a zombie, so its pid
/// cannot be reused while CHILD still names it).
#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
pub fn wait_exit(pid: libc::pid_t) -> std::io::Result<()> {
    use nix::sys::wait::{Id, WaitPidFlag, waitid};
    loop {
        match waitid(
            Id::Pid(Pid::from_raw(pid)),
            WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT,
        ) {
            Ok(_) => return Ok(()),
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// The same where nix offers no waitid (macOS and the other BSDs): libc's, by hand.
#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
pub fn wait_exit(pid: libc::pid_t) -> std::io::Result<()> {
    loop {
        // SAFETY: waitid writes into a zeroed siginfo_t we own.
        let rc = unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if rc == 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}
