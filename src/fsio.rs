//! Private, atomic, locked file writes (README "Files"): files 0600, directories 0700,
//! temp file + fsync + rename, so a crash or a concurrent invocation never leaves a
//! half-written vault.
//!
//! And the one place that decides whether a file or directory may be trusted (README,
//! "Files"): it must belong to the user byok runs as (the effective uid) and others must
//! not be able to write it. Another user who could write `vault.toml` could add a
//! recipient every later save encrypts to; one who could write a profile could change the
//! `base_url` keys are sent to.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Creates `dir` (and parents) if needed; the leaf is made private (0700). One that
/// exists already must pass [`check_dir`].
pub fn ensure_private_dir(dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        fs::create_dir_all(dir).map_err(|e| Error::io("create directory", dir, e))?;
        set_mode(dir, 0o700).map_err(|e| Error::io("set permissions on", dir, e))?;
    }
    check_dir(dir)
}

/// Writes `bytes` to `path` atomically with mode 0600: a reader sees the old file or the
/// new one, never a mix.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = parent_of(path);
    ensure_private_dir(&dir)?;
    remove_stale_temp_files(&dir);
    // NamedTempFile is created 0600 on unix, so the secret is never briefly world-readable.
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)
        .map_err(|e| Error::io("create a temporary file in", &dir, e))?;
    tmp.write_all(bytes)
        .map_err(|e| Error::io("write", tmp.path().to_path_buf(), e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::io("sync", path, e))?;
    tmp.persist(path)
        .map_err(|e| Error::io("replace", path, e.error))?;
    // Make the rename itself durable.
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// A temporary file of [`write_atomic`] that a crash left behind is removed by a later
/// write once it is this old. A live write takes milliseconds; a younger file may be
/// another byok process's write in progress, and is left alone.
const STALE_TEMP_AFTER: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// Removes the leftovers of crashed writes in `dir`: regular files named as tempfile
/// names them (`.tmp` and six letters or digits), the user's own, older than
/// [`STALE_TEMP_AFTER`]. Failures are ignored: this is housekeeping.
fn remove_stale_temp_files(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let is_temp = name
            .to_str()
            .and_then(|n| n.strip_prefix(".tmp"))
            .is_some_and(|rest| rest.len() == 6 && rest.bytes().all(|b| b.is_ascii_alphanumeric()));
        if !is_temp {
            continue;
        }
        // Not followed: a link is never a leftover of ours.
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        let stale = meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age >= STALE_TEMP_AFTER);
        if meta.is_file() && owned_by_us(&meta) && stale {
            let _ = fs::remove_file(entry.path());
        }
    }
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// An advisory lock on a lock file, released on drop.
pub struct FileLock {
    _file: File,
}

impl FileLock {
    /// Blocks until no other byok process holds the lock.
    pub fn exclusive(path: &Path) -> Result<Self> {
        let file = open_lock_file(path)?;
        file.lock().map_err(|e| Error::io("lock", path, e))?;
        Ok(FileLock { _file: file })
    }

    /// Many readers at once; excludes writers.
    pub fn shared(path: &Path) -> Result<Self> {
        let file = open_lock_file(path)?;
        file.lock_shared().map_err(|e| Error::io("lock", path, e))?;
        Ok(FileLock { _file: file })
    }
}

/// Opens (creating if needed) a lock file. A symbolic link is refused, not followed
/// (`O_NOFOLLOW`), and the file opened must pass the same checks as any other.
fn open_lock_file(path: &Path) -> Result<File> {
    ensure_private_dir(&parent_of(path))?;
    let mut opts = OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let file = opts.open(path).map_err(|e| {
        #[cfg(unix)]
        if e.raw_os_error() == Some(libc::ELOOP) {
            return Error::SymlinkRefused {
                path: path.to_path_buf(),
            };
        }
        Error::io("open", path, e)
    })?;
    let meta = file.metadata().map_err(|e| Error::io("inspect", path, e))?;
    check_metadata(path, &meta, Exposure::NotWritableByOthers)?;
    Ok(file)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

/// How strictly a file's permissions are held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exposure {
    /// Nobody but the owner may read or write it (a secret).
    Private,
    /// Others may read it but not write it (public, but its content is trusted).
    NotWritableByOthers,
}

/// Refuses a file that another user owns, or that others can read (for `Private`) or
/// write, and the same of the directory holding it ([`check_dir`]): a vault.toml that
/// others can write lets them add a recipient that every later write encrypts to. A file
/// that does not exist passes.
pub fn check_exposure(path: &Path, exposure: Exposure) -> Result<()> {
    let Ok(meta) = fs::metadata(path) else {
        return Ok(());
    };
    check_dir(&parent_of(path))?;
    check_metadata(path, &meta, exposure)
}

/// Refuses a directory byok keeps files in that another user owns or that others can
/// write (whoever can write it can replace the files in it). One that does not exist
/// passes.
pub fn check_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Ok(meta) = fs::metadata(dir) else {
            return Ok(());
        };
        if !owned_by_us(&meta) {
            return Err(foreign(dir, &meta, true));
        }
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o022 != 0 {
            return Err(Error::LooseDirectory {
                path: dir.to_path_buf(),
                mode,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn check_metadata(path: &Path, meta: &fs::Metadata, exposure: Exposure) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if !owned_by_us(meta) {
            return Err(foreign(path, meta, false));
        }
        let mode = meta.permissions().mode() & 0o777;
        let (mask, why) = match exposure {
            Exposure::Private => (0o077, "other users could read or change it"),
            Exposure::NotWritableByOthers => (
                0o022,
                "other users could change it, and byok would trust what they wrote (the vault's recipients, a profile's base_url)",
            ),
        };
        if mode & mask != 0 {
            return Err(Error::LoosePermissions {
                path: path.to_path_buf(),
                mode,
                why,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = (path, meta, exposure);
    Ok(())
}

/// Whether the file belongs to the user byok runs as. As root, root's files are its own
/// and everyone else's are not.
#[cfg(unix)]
fn owned_by_us(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    meta.uid() == unsafe { libc::geteuid() }
}

#[cfg(not(unix))]
fn owned_by_us(_meta: &fs::Metadata) -> bool {
    true
}

#[cfg(unix)]
fn foreign(path: &Path, meta: &fs::Metadata, dir: bool) -> Error {
    use std::os::unix::fs::MetadataExt;
    Error::ForeignOwner {
        path: path.to_path_buf(),
        owner: meta.uid(),
        dir,
    }
}

/// Whether others could read the file (a warning for ciphertext, not an error).
pub fn readable_by_others(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o044 != 0)
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn chmod(path: &Path, mode: u32) {
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn a_directory_others_can_write_is_refused_and_a_private_one_passes() {
        let dir = tempfile::tempdir().unwrap();
        check_dir(dir.path()).unwrap();
        chmod(dir.path(), 0o755);
        check_dir(dir.path()).unwrap();
        for mode in [0o777, 0o775, 0o757, 0o1777] {
            chmod(dir.path(), mode);
            assert!(
                matches!(check_dir(dir.path()), Err(Error::LooseDirectory { .. })),
                "{mode:o}"
            );
            // So is every file in it, and every write to it.
            assert!(write_atomic(&dir.path().join("f"), b"x").is_err());
        }
        chmod(dir.path(), 0o700);
        write_atomic(&dir.path().join("f"), b"x").unwrap();
        check_exposure(&dir.path().join("f"), Exposure::Private).unwrap();
    }

    #[test]
    fn files_of_another_user_are_refused_when_root_can_make_one() {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            eprintln!("skipped: needs root to chown");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("vault.toml");
        write_atomic(&file, b"x").unwrap();
        std::os::unix::fs::chown(&file, Some(65534), None).unwrap();
        assert!(matches!(
            check_exposure(&file, Exposure::NotWritableByOthers),
            Err(Error::ForeignOwner {
                owner: 65534,
                dir: false,
                ..
            })
        ));
        std::os::unix::fs::chown(&file, Some(0), None).unwrap();
        check_exposure(&file, Exposure::NotWritableByOthers).unwrap();
        std::os::unix::fs::chown(dir.path(), Some(65534), None).unwrap();
        assert!(matches!(
            check_exposure(&file, Exposure::NotWritableByOthers),
            Err(Error::ForeignOwner { dir: true, .. })
        ));
    }

    #[test]
    fn a_lock_file_that_is_a_link_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join("vault.lock");
        std::os::unix::fs::symlink(dir.path().join("target"), &lock).unwrap();
        assert!(matches!(
            FileLock::exclusive(&lock),
            Err(Error::SymlinkRefused { .. })
        ));
        assert!(!dir.path().join("target").exists());
    }

    #[test]
    fn only_old_temp_files_named_as_tempfile_names_them_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let old = std::time::SystemTime::now() - STALE_TEMP_AFTER * 2;
        let make = |name: &str, when: Option<std::time::SystemTime>| {
            let path = dir.path().join(name);
            let f = File::create(&path).unwrap();
            if let Some(t) = when {
                f.set_modified(t).unwrap();
            }
            path
        };
        let stale = make(".tmpA1b2C3", Some(old));
        let fresh = make(".tmpD4e5F6", None);
        let longer = make(".tmpA1b2C3x", Some(old));
        let other = make("tmpA1b2C3", Some(old));
        fs::create_dir(dir.path().join(".tmpDir123")).unwrap();
        write_atomic(&dir.path().join("vault.toml"), b"x").unwrap();
        assert!(!stale.exists());
        assert!(fresh.exists() && longer.exists() && other.exists());
        assert!(dir.path().join(".tmpDir123").is_dir());
    }
}
