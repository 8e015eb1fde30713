//! Keeping the secrets this process holds out of core files and away from other processes
//! (README "Keys"), on the ground floor so that the vault and the key lookup can both call
//! it.

use std::sync::Once;

/// Keeps the secrets this process is about to hold out of core files and away from other
/// processes: the core-file size limit is set to 0 (the hard limit is left as it is, so a
/// command run by `byok exec`, which inherits the limit, may raise it again) and, on Linux,
/// the process is made non-dumpable (no core dump even where the limit is ignored, and
/// no ptrace or /proc/<pid>/mem access by other processes of the same user).
///
/// Called before a secret is first read (the vault unlocked or created, a key read from
/// the environment or from stdin), once per process; commands that never touch a secret
/// never call it. Failures are ignored: this hardens, it never stops the work.
pub fn protect() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        #[cfg(unix)]
        // SAFETY: getrlimit/setrlimit write and read a local struct; prctl with
        // PR_SET_DUMPABLE takes plain integers. None of them touches Rust-managed memory.
        unsafe {
            let mut limit = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            if libc::getrlimit(libc::RLIMIT_CORE, &mut limit) == 0 {
                limit.rlim_cur = 0;
                libc::setrlimit(libc::RLIMIT_CORE, &limit);
            }
            #[cfg(any(target_os = "linux", target_os = "android"))]
            libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
        }
    });
}

#[cfg(test)]
mod tests {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    fn protect_makes_the_process_undumpable_without_core_files() {
        super::protect();
        // SAFETY: plain queries about this process.
        unsafe {
            assert_eq!(libc::prctl(libc::PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
            let mut limit = libc::rlimit {
                rlim_cur: 1,
                rlim_max: 0,
            };
            assert_eq!(libc::getrlimit(libc::RLIMIT_CORE, &mut limit), 0);
            assert_eq!(limit.rlim_cur, 0);
        }
        // Twice is harmless.
        super::protect();
    }
}
