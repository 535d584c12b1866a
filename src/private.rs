//! Files only the user may read: the session cache and the server's state (the secret ECS tokens
//! derive from, the management token). One set of checks for both, so a rule tightened for one
//! holds for the other: directory 0700, files 0600, refused when another user owns them or
//! others can read or write them, and never followed through a symbolic link.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use crate::error::{Cause, Error, Result};

/// The effective uid, asked of the kernel once: a cache hit checks three owners.
fn euid() -> u32 {
    static EUID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    // SAFETY: geteuid has no preconditions and cannot fail.
    *EUID.get_or_init(|| unsafe { libc::geteuid() })
}

/// Refuses what another user could have written (or, for files, read): `forbidden` are the mode
/// bits others must not have; `what` names it in the message ("cache directory"); `env` is the
/// variable that points aws-as elsewhere.
pub fn check_owner(
    path: &Path,
    meta: &fs::Metadata,
    what: &str,
    forbidden: u32,
    env: &str,
) -> Result<()> {
    if meta.uid() != euid() {
        bail!(
            "refusing the {what} {}: it belongs to another user (uid {}); remove it or set {env}",
            path.display(),
            meta.uid()
        );
    }
    if meta.mode() & forbidden != 0 {
        let read = forbidden & 0o044 != 0;
        bail!(
            "refusing the {what} {}: others can {} it (mode {:o}); run chmod {} on it",
            path.display(),
            if read { "read or write" } else { "write to" },
            meta.mode() & 0o7777,
            if read { "600" } else { "go-w" },
        );
    }
    Ok(())
}

/// Checks a private directory; `Ok(false)` when it does not exist (yet).
pub fn check_dir(dir: &Path, what: &str, env: &str) -> Result<bool> {
    let meta = match fs::symlink_metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => bail!("cannot read the {what} {}: {e}", dir.display()),
    };
    if !meta.is_dir() {
        bail!(
            "the {what} {} is not a directory: remove it or set {env}",
            dir.display()
        );
    }
    check_owner(dir, &meta, what, 0o022, env)?;
    Ok(true)
}

/// Creates a private directory (0700, with its parents) if needed, and checks it.
pub fn ensure_dir(dir: &Path, what: &str, env: &str) -> Result<()> {
    if let Err(e) = fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
    {
        return Err(Error::with_cause(
            format!("cannot create the {what} {}: {e}", dir.display()),
            Cause::CacheUnwritable,
        ));
    }
    check_dir(dir, what, env)?;
    Ok(())
}

/// Makes this process undumpable (`PR_SET_DUMPABLE` 0), first thing in both binaries: every
/// aws-as process may hold a secret (a cached session, long-term keys, the server's tokens). The
/// kernel then writes no core file of it whatever the core limit, and other processes of the same
/// user cannot ptrace it or read its memory or environment (its `/proc/PID` files become root's).
/// One system call, on the cache-hit path too. `execve` makes a process dumpable again, so the
/// commands aws-as starts (exec's, the browser, an `mfa_process`) are as they would be; and a
/// process reads its own `/proc/self` files still (aws-as reads only `/proc/self/exe`, and the
/// activation a parent shell's `/proc/PID/exe`, which this does not touch). Not RLIMIT_CORE: it
/// is inherited across `execve`, and would take the core files of the user's own commands.
/// Elsewhere (macOS) nothing is done: its core limit is 0 by default, and ptrace's
/// `PT_DENY_ATTACH` would only stop a debugger, not a task_for_pid of the same user's with the
/// rights to it; no call here is better than one that promises what it does not hold.
pub fn undumpable() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_DUMPABLE takes plain integers and touches no memory.
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
}

/// Opens a file that is only ever locked (flock), creating it 0600: never through a symbolic
/// link, never truncated (another process may hold its lock), and only a regular file. The
/// credentials file's lock sits beside it, in a directory others may write (`/tmp`): another
/// user's FIFO by that name would block an open for writing until someone read it, so the open
/// does not wait (O_NONBLOCK, cleared once it is known to be a regular file).
pub fn lock_file(path: &Path) -> std::io::Result<File> {
    let not_regular = |what: &str| {
        std::io::Error::other(format!(
            "{} is {what}, not a regular file: remove it",
            path.display()
        ))
    };
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| match fs::symlink_metadata(path) {
            // A FIFO no one reads (ENXIO), a socket, a link, a directory: named, not errno's words.
            Ok(meta) if !meta.is_file() => not_regular(kind(&meta)),
            _ => e,
        })?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(kind(&meta)));
    }
    // SAFETY: fcntl on a descriptor this function owns, with plain integer arguments.
    unsafe {
        let fd = std::os::fd::AsRawFd::as_raw_fd(&file);
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags < 0 || libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) < 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(file)
}

/// What a file that is not a regular one is, for a message.
fn kind(meta: &fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_symlink() {
        "a symbolic link"
    } else if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else {
        "a special file"
    }
}

/// What opening a private file found.
pub enum Opened {
    Data(Vec<u8>),
    Missing,
    /// It is this user's regular file, but reading it failed.
    Unreadable(std::io::Error),
}

/// Opens and reads a private file: an error when it is a link, not a regular file, or others
/// own, read or write it. At most `limit` bytes are read, into a buffer of the file's size (std's
/// `read_to_end` on a `File` would ask the size again, with two more system calls).
pub fn open(path: &Path, what: &str, env: &str, limit: u64) -> Result<Opened> {
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Opened::Missing),
        Err(e) => {
            if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
                bail!(
                    "refusing the {what} {}: it is a symbolic link; remove it",
                    path.display()
                );
            }
            return Ok(Opened::Unreadable(e));
        }
    };
    let meta = file
        .metadata()
        .map_err(|e| Error::new(format!("cannot stat {}: {e}", path.display())))?;
    if !meta.is_file() {
        bail!(
            "refusing the {what} {}: it is not a regular file; remove it",
            path.display()
        );
    }
    check_owner(path, &meta, what, 0o077, env)?;
    let mut data = Vec::with_capacity(meta.len().min(limit) as usize + 1);
    match file.take(limit).read_to_end(&mut data) {
        Ok(_) => Ok(Opened::Data(data)),
        Err(e) => Ok(Opened::Unreadable(e)),
    }
}

/// Reads a private file: `Ok(None)` when it does not exist; an error when it cannot be read or
/// [`open`] refuses it.
pub fn read(path: &Path, what: &str, env: &str, limit: u64) -> Result<Option<Vec<u8>>> {
    match open(path, what, env, limit)? {
        Opened::Data(data) => Ok(Some(data)),
        Opened::Missing => Ok(None),
        Opened::Unreadable(e) => bail!("cannot read the {what} {}: {e}", path.display()),
    }
}

/// Atomically replaces `path` with `data`, mode 0600: a temp file in the same directory, fsync,
/// rename, fsync of the directory. A reader sees the old file or the new one, never half.
pub fn write(path: &Path, data: &[u8], what: &str) -> Result<()> {
    replace(path, data, what, true)
}

/// [`write`], with the fsyncs only when `durable`: what can always be made again (the profile
/// index) needs no more than the rename's atomicity, a torn file after a crash being made anew.
pub fn replace(path: &Path, data: &[u8], what: &str, durable: bool) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|s| s.to_str()).unwrap_or("entry"),
        std::process::id()
    ));
    let fail = |e: std::io::Error| {
        Error::with_cause(
            format!("cannot write the {what} {}: {e}", path.display()),
            Cause::CacheUnwritable,
        )
    };
    let _ = fs::remove_file(&tmp);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&tmp)
        .map_err(fail)?;
    // The mode given to open() is filtered by the umask; 0600 is what we promise.
    file.set_permissions(fs::Permissions::from_mode(0o600))
        .map_err(fail)?;
    let mut written = file.write_all(data);
    if durable {
        written = written.and_then(|()| file.sync_all());
    }
    if let Err(e) = written.and_then(|()| fs::rename(&tmp, path)) {
        let _ = fs::remove_file(&tmp);
        return Err(fail(e));
    }
    if durable && let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Creates `path` with `data` (0600) unless it exists: `Ok(false)` when another process made it
/// first, whose file then stands. A reader never sees it half written (temp file, then a hard
/// link, which fails rather than replace).
pub fn create(path: &Path, data: &[u8], what: &str) -> Result<bool> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.{}.new",
        path.file_name().and_then(|s| s.to_str()).unwrap_or("entry"),
        std::process::id()
    ));
    write(&tmp, data, what)?;
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(Error::new(format!(
            "cannot create the {what} {}: {e}",
            path.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_file_is_a_regular_file_opened_without_waiting() {
        let dir = std::env::temp_dir().join(format!("aws-as-lock-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("fifo.lock");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid C string; mkfifo touches nothing else.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // No reader: the open would block without O_NONBLOCK.
        let err = lock_file(&fifo).unwrap_err().to_string();
        assert!(
            err.ends_with("fifo.lock is a FIFO, not a regular file: remove it"),
            "{err}"
        );
        // A reader: the open succeeds, and the type is checked after it.
        let _reader = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&fifo)
            .unwrap();
        let err = lock_file(&fifo).unwrap_err().to_string();
        assert!(err.contains("is a FIFO"), "{err}");
        let link = dir.join("link.lock");
        std::os::unix::fs::symlink(dir.join("target"), &link).unwrap();
        let err = lock_file(&link).unwrap_err().to_string();
        assert!(err.contains("is a symbolic link"), "{err}");
        assert!(!dir.join("target").exists(), "the link was not followed");
        let sub = dir.join("dir.lock");
        fs::create_dir(&sub).unwrap();
        assert!(
            lock_file(&sub)
                .unwrap_err()
                .to_string()
                .contains("is a directory")
        );
        // A regular file: locked, and its descriptor blocks again (O_NONBLOCK cleared).
        let file = lock_file(&dir.join("ok.lock")).unwrap();
        // SAFETY: F_GETFL on an open descriptor.
        let flags = unsafe { libc::fcntl(std::os::fd::AsRawFd::as_raw_fd(&file), libc::F_GETFL) };
        assert_eq!(flags & libc::O_NONBLOCK, 0);
        file.lock().unwrap();
        fs::remove_dir_all(&dir).unwrap();
    }
}
