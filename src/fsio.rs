//! Private, atomic, locked file writes (DESIGN.md §8): files 0600, directories 0700,
//! temp file + fsync + rename, so a crash or a concurrent invocation never leaves a
//! half-written vault.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Creates `dir` (and parents) if needed; the leaf is made private (0700).
pub fn ensure_private_dir(dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        fs::create_dir_all(dir).map_err(|e| Error::io("create directory", dir, e))?;
        set_mode(dir, 0o700).map_err(|e| Error::io("set permissions on", dir, e))?;
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically with mode 0600: a reader sees the old file or the
/// new one, never a mix.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = parent_of(path);
    ensure_private_dir(&dir)?;
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

fn open_lock_file(path: &Path) -> Result<File> {
    ensure_private_dir(&parent_of(path))?;
    let mut opts = OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(path).map_err(|e| Error::io("open", path, e))
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

/// Refuses a file that others can read (for `Private`) or write: a vault.toml that others
/// can write lets them add a recipient that every later write encrypts to.
pub fn check_exposure(path: &Path, exposure: Exposure) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Ok(meta) = fs::metadata(path) else {
            return Ok(());
        };
        let mode = meta.permissions().mode() & 0o777;
        let (mask, why) = match exposure {
            Exposure::Private => (0o077, "other users could read or change it"),
            Exposure::NotWritableByOthers => (
                0o022,
                "other users could change it, and so the vault's recipients",
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
    let _ = (path, exposure);
    Ok(())
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
