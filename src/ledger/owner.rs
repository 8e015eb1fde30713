//! Who holds a reservation: the process that made it, by pid and start time (with the
//! boot it ran in), so a later byok can tell a call still in flight from one whose
//! process died without settling it (SIGKILL, a panic, a power cut). See README "Budgets".

use std::sync::OnceLock;

/// The process holding a reservation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    pub pid: i64,
    /// `<boot id>/<start time in clock ticks>` on Linux; `None` where it cannot be read,
    /// and then only the pid is compared.
    pub started: Option<String>,
}

impl Owner {
    /// This process.
    pub fn current() -> &'static Owner {
        static CURRENT: OnceLock<Owner> = OnceLock::new();
        CURRENT.get_or_init(|| {
            let pid = std::process::id() as i64;
            Owner {
                pid,
                started: started(pid),
            }
        })
    }

    /// Whether this owner is certainly gone: no process with its pid, a zombie, or another
    /// process that reused the pid (a different start time or boot). When that cannot be
    /// told, the owner counts as alive and the reservation stays.
    pub fn is_gone(&self) -> bool {
        if self.pid <= 0 || self.pid > i64::from(i32::MAX) {
            return true;
        }
        #[cfg(target_os = "linux")]
        {
            match stat(self.pid) {
                None => true,
                Some((state, _)) if state == 'Z' || state == 'X' => true,
                Some(_) => match (&self.started, started(self.pid)) {
                    (Some(then), Some(now)) => *then != now,
                    _ => false,
                },
            }
        }
        #[cfg(all(unix, not(target_os = "linux")))]
        {
            // SAFETY: signal 0 only checks that the process exists; the pid is positive.
            let r = unsafe { libc::kill(self.pid as libc::pid_t, 0) };
            r != 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
        }
        #[cfg(not(unix))]
        false
    }
}

/// `<boot id>/<start ticks>` of a process, from /proc.
fn started(pid: i64) -> Option<String> {
    #[cfg(target_os = "linux")]
    {
        let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
        let (_, ticks) = stat(pid)?;
        Some(format!("{}/{ticks}", boot.trim()))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        None
    }
}

/// The state letter and start time (field 22) of `/proc/<pid>/stat`. The command name in
/// field 2 may hold spaces and parentheses, so fields are counted after its last `)`.
#[cfg(target_os = "linux")]
fn stat(pid: i64) -> Option<(char, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&text)
}

#[cfg(any(target_os = "linux", test))]
fn parse_stat(text: &str) -> Option<(char, u64)> {
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let state = fields.first()?.chars().next()?;
    let start = fields.get(19)?.parse().ok()?;
    Some((state, start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_state_and_start_time_past_an_awkward_command_name() {
        let line = "4242 (byok (a) b) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 200";
        assert_eq!(parse_stat(line), Some(('S', 987654)));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_is_alive_and_a_reused_pid_is_not_its_owner() {
        let me = Owner::current();
        assert!(!me.is_gone());
        let impostor = Owner {
            pid: me.pid,
            started: Some("another-boot/1".into()),
        };
        assert!(impostor.is_gone());
        assert!(
            Owner {
                pid: 0,
                started: None
            }
            .is_gone()
        );
    }
}

/// Who and where a row was written (README "Usage"): the OS user and the host name, so a
/// ledger shared by a team can say whose laptop or which runner spent what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub user: String,
    pub host: String,
}

impl Origin {
    /// This process's user and host, read once.
    pub fn current() -> &'static Origin {
        static CURRENT: OnceLock<Origin> = OnceLock::new();
        CURRENT.get_or_init(|| Origin {
            user: os_user(),
            host: host_name(),
        })
    }
}

/// The login name of the effective user, from the password database; `$USER` where that
/// has no entry (a container's arbitrary uid).
fn os_user() -> String {
    #[cfg(unix)]
    {
        let mut buf = vec![0 as libc::c_char; 4096];
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut out: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer is to a live local of the size given; the name is copied
        // out before `buf` goes.
        let r = unsafe {
            libc::getpwuid_r(
                libc::geteuid(),
                &mut pwd,
                buf.as_mut_ptr(),
                buf.len(),
                &mut out,
            )
        };
        if r == 0 && !out.is_null() && !pwd.pw_name.is_null() {
            // SAFETY: getpwuid_r filled `pw_name` with a NUL-terminated string inside `buf`.
            let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
            if let Ok(name) = name.to_str() {
                return clip(name);
            }
        }
    }
    clip(
        &std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_default(),
    )
}

fn host_name() -> String {
    #[cfg(unix)]
    {
        let mut buf = [0u8; 256];
        // SAFETY: the buffer is writable for its length; gethostname NUL-terminates within
        // it on success (the last byte stays 0 if it truncates).
        let r = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len() - 1) };
        if r == 0 {
            let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
            return clip(&String::from_utf8_lossy(&buf[..end]));
        }
    }
    clip(
        &std::env::var("COMPUTERNAME")
            .or_else(|_| std::env::var("HOSTNAME"))
            .unwrap_or_default(),
    )
}

/// Names as the ledger keeps them: printable, at most 64 characters.
fn clip(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(64).collect()
}
