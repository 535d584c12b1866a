//! The credential cache: one JSON file per identity session in a private directory.
//!
//! - Directory 0700, files 0600; a directory or file that another user owns or can write is refused.
//! - Reads take no lock: writes are atomic (temp file, fsync, rename), so a reader sees the old entry
//!   or the new one, never half of one. That keeps the cache-hit path to one open and one read.
//! - A miss takes the entry's exclusive lock and holds it across the STS call, so concurrent
//!   switches to one cold identity make one STS call and share its result.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::credentials::Credentials;
use crate::error::{Cause, Error, Result};
use crate::identity::{Identity, fnv1a};

#[derive(Serialize, Deserialize)]
pub struct Entry {
    pub version: u32,
    /// The whole cache key: the file name is only a hash of it, so a read compares this.
    pub key: String,
    pub identity: String,
    pub kind: String,
    #[serde(flatten)]
    pub credentials: Credentials,
}

const VERSION: u32 = 1;

pub struct Cache {
    dir: PathBuf,
}

pub struct Lock {
    _file: File,
}

/// What opening a file in the cache found.
enum Opened {
    Text(String),
    Missing,
    Unreadable(std::io::Error),
}

fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Refuse what another user could have written: credentials read from it would be theirs to
/// choose. `forbidden` are the mode bits others must not have.
fn check_owner(path: &Path, meta: &fs::Metadata, what: &str, forbidden: u32) -> Result<()> {
    if meta.uid() != euid() {
        bail!(
            "refusing the cache {what} {}: it belongs to another user (uid {}); remove it or set AWS_AS_CACHE_DIR",
            path.display(),
            meta.uid()
        );
    }
    if meta.mode() & forbidden != 0 {
        bail!(
            "refusing the cache {what} {}: others can {} it (mode {:o}); run chmod {} on it",
            path.display(),
            if forbidden & 0o044 != 0 {
                "read or write"
            } else {
                "write to"
            },
            meta.mode() & 0o7777,
            if forbidden & 0o044 != 0 {
                "600"
            } else {
                "go-w"
            },
        );
    }
    Ok(())
}

impl Cache {
    /// `AWS_AS_CACHE_DIR`, else the user's cache directory (`~/.cache/aws-as` on Linux).
    pub fn default_dir() -> Result<PathBuf> {
        if let Some(dir) = std::env::var_os("AWS_AS_CACHE_DIR").filter(|d| !d.is_empty()) {
            return Ok(PathBuf::from(dir));
        }
        directories::BaseDirs::new()
            .map(|b| b.cache_dir().join("aws-as"))
            .ok_or_else(|| {
                Error::new("cannot find a home directory for the cache: set AWS_AS_CACHE_DIR")
            })
    }

    /// Opens the cache directory without creating it (the hit path has nothing to create).
    pub fn open(dir: PathBuf) -> Cache {
        Cache { dir }
    }

    /// Checks the directory; `Ok(false)` when it does not exist (yet).
    fn check_dir(&self) -> Result<bool> {
        let meta = match fs::symlink_metadata(&self.dir) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => bail!(
                "cannot read the cache directory {}: {e}",
                self.dir.display()
            ),
        };
        if !meta.is_dir() {
            bail!(
                "the cache directory {} is not a directory: remove it or set AWS_AS_CACHE_DIR",
                self.dir.display()
            );
        }
        check_owner(&self.dir, &meta, "directory", 0o022)?;
        Ok(true)
    }

    /// Creates the directory (0700) if needed and checks it.
    fn ensure_dir(&self) -> Result<()> {
        match fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
        {
            Ok(()) => {}
            Err(e) => {
                return Err(Error::with_cause(
                    format!(
                        "cannot create the cache directory {}: {e}",
                        self.dir.display()
                    ),
                    Cause::CacheUnwritable,
                ));
            }
        }
        self.check_dir()?;
        Ok(())
    }

    fn path(&self, key: &str, ext: &str) -> PathBuf {
        self.dir
            .join(format!("{:016x}.{ext}", fnv1a(key.as_bytes())))
    }

    /// The entry for `key`, if there is a readable one. A missing entry is `Ok(None)`; a corrupt
    /// one is `Ok(None)` after a warning; one others could have written is an error.
    pub fn read(&self, key: &str) -> Result<Option<Entry>> {
        let path = self.path(key, "json");
        let Some(text) = self.read_private(&path)? else {
            return Ok(None);
        };
        match serde_json::from_str::<Entry>(&text) {
            Ok(entry) if entry.version == VERSION && entry.key == key => Ok(Some(entry)),
            Ok(_) => Ok(None),
            Err(e) => {
                warn(&format!(
                    "ignoring corrupt cache entry {} (line {}, column {}); it will be replaced",
                    path.display(),
                    e.line(),
                    e.column()
                ));
                Ok(None)
            }
        }
    }

    /// What aws-as keeps beside the sessions that it can always make again (the profile index):
    /// `None` for a missing, unreadable or unparsable file, which the caller rebuilds without a
    /// word. A file others could have written is still an error, as an entry is.
    pub fn read_derived<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
        ext: &str,
    ) -> Result<Option<T>> {
        let path = self.path(key, ext);
        Ok(self
            .read_private_quietly(&path)?
            .and_then(|text| serde_json::from_str(&text).ok()))
    }

    /// Replaces a derived file (see [`Cache::read_derived`]) atomically, without fsync: a torn one
    /// after a crash only means it is made again. Written only into a cache directory that
    /// already exists: a cache hit creates nothing.
    pub fn write_derived<T: Serialize>(&self, key: &str, ext: &str, value: &T) -> Result<()> {
        if !self.check_dir()? {
            return Ok(());
        }
        let json = serde_json::to_vec(value).expect("derived files serialize");
        self.write_private(&self.path(key, ext), &json, false)
    }

    /// The text of a file in the cache, after the checks every read gets: the directory and the
    /// file must be this user's alone, and the file a regular one (never followed as a link).
    fn read_private(&self, path: &Path) -> Result<Option<String>> {
        match self.open_private(path)? {
            Opened::Text(text) => Ok(Some(text)),
            Opened::Missing => Ok(None),
            Opened::Unreadable(e) => {
                warn(&format!(
                    "ignoring unreadable cache entry {}: {e}",
                    path.display()
                ));
                Ok(None)
            }
        }
    }

    fn read_private_quietly(&self, path: &Path) -> Result<Option<String>> {
        match self.open_private(path)? {
            Opened::Text(text) => Ok(Some(text)),
            Opened::Missing | Opened::Unreadable(_) => Ok(None),
        }
    }

    fn open_private(&self, path: &Path) -> Result<Opened> {
        // The directory first: in one others can write, even opening a planted FIFO could hang.
        if !self.check_dir()? {
            return Ok(Opened::Missing);
        }
        let mut file = match OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Opened::Missing),
            Err(e) => {
                if fs::symlink_metadata(path)
                    .map(|m| m.file_type().is_symlink())
                    .unwrap_or(false)
                {
                    bail!(
                        "refusing the cache file {}: it is a symbolic link; remove it",
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
                "refusing the cache file {}: it is not a regular file; remove it",
                path.display()
            );
        }
        check_owner(path, &meta, "file", 0o077)?;
        let mut text = String::with_capacity(meta.len() as usize);
        match file.read_to_string(&mut text) {
            Ok(_) => Ok(Opened::Text(text)),
            Err(e) => Ok(Opened::Unreadable(e)),
        }
    }

    /// Takes the exclusive lock of `key`'s entry; it is released when the `Lock` is dropped or the
    /// process dies (the kernel drops flock locks with the descriptor, so a killed process never
    /// leaves a stale lock).
    pub fn lock(&self, key: &str) -> Result<Lock> {
        self.ensure_dir()?;
        let path = self.path(key, "lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)
            .map_err(|e| {
                Error::with_cause(
                    format!("cannot open the cache lock {}: {e}", path.display()),
                    Cause::CacheUnwritable,
                )
            })?;
        file.lock().map_err(|e| {
            Error::with_cause(
                format!("cannot lock {}: {e}", path.display()),
                Cause::CacheUnwritable,
            )
        })?;
        Ok(Lock { _file: file })
    }

    /// Atomically replaces `key`'s entry: a temp file in the same directory, fsync, rename, fsync
    /// of the directory.
    pub fn write(&self, key: &str, entry: &Entry) -> Result<()> {
        self.ensure_dir()?;
        let json = serde_json::to_vec_pretty(entry).expect("entries serialize");
        self.write_private(&self.path(key, "json"), &json, true)
    }

    /// Replaces `path` with `bytes` by a temp file (0600 whatever the umask) and a rename, so a
    /// reader sees the old file or the new one; `durable` adds the fsyncs that keep it so across
    /// a crash.
    fn write_private(&self, path: &Path, bytes: &[u8], durable: bool) -> Result<()> {
        let name = path.file_name().and_then(|s| s.to_str()).unwrap_or("entry");
        let tmp = self.dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let fail = |e: std::io::Error| {
            Error::with_cause(
                format!("cannot write the cache entry {}: {e}", path.display()),
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
        let mut written = file.write_all(bytes);
        if durable {
            written = written.and_then(|()| file.sync_all());
        }
        if let Err(e) = written.and_then(|()| fs::rename(&tmp, path)) {
            let _ = fs::remove_file(&tmp);
            return Err(fail(e));
        }
        if durable && let Ok(dir) = File::open(&self.dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    }

    pub fn new_entry(identity: &Identity, key: &str, credentials: Credentials) -> Entry {
        Entry {
            version: VERSION,
            key: key.to_string(),
            identity: identity.name.clone(),
            kind: identity.kind_name().to_string(),
            credentials,
        }
    }
}

/// Warnings held back until the command is known to finish here (see [`defer_warnings`]).
static DEFERRED: std::sync::Mutex<Option<Vec<String>>> = std::sync::Mutex::new(None);

/// From now on warnings wait for [`flush_warnings`]: the lean `aws-as` hands a cache miss to
/// `aws-as-sts`, which reads the same entries and would say the same thing a second time.
pub fn defer_warnings() {
    *DEFERRED.lock().unwrap_or_else(|e| e.into_inner()) = Some(Vec::new());
}

/// Prints the warnings held back, when this process is the one that finishes the command.
pub fn flush_warnings() {
    let held = DEFERRED.lock().unwrap_or_else(|e| e.into_inner()).take();
    for line in held.into_iter().flatten() {
        eprintln!("{line}");
    }
}

/// Warnings already given: an entry read twice (before and under its lock) is warned about once.
static GIVEN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

pub fn warn(msg: &str) {
    let line = format!("aws-as: warning: {msg}");
    {
        let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
        if given.contains(&line) {
            return;
        }
        given.push(line.clone());
    }
    match DEFERRED.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
        Some(held) => held.push(line),
        None => eprintln!("{line}"),
    }
}
