//! The credential cache: one JSON file per identity session in a private directory.
//!
//! - Directory 0700, files 0600; a directory or file that another user owns or can write is refused.
//! - Reads take no lock: writes are atomic (temp file, fsync, rename), so a reader sees the old entry
//!   or the new one, never half of one. That keeps the cache-hit path to one open and one read.
//! - A miss takes the entry's exclusive lock and holds it across the STS call, so concurrent
//!   switches to one cold identity make one STS call and share its result.

use std::fs::{self, File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::credentials::Credentials;
use crate::error::{Cause, Error, Result};
use crate::identity::{Identity, fnv1a};
use crate::private;

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

/// Where another cache directory can be chosen, for the refusals' fix.
const ENV: &str = "AWS_AS_CACHE_DIR";

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
        private::check_dir(&self.dir, "cache directory", ENV)
    }

    /// Creates the directory (0700) if needed and checks it.
    fn ensure_dir(&self) -> Result<()> {
        private::ensure_dir(&self.dir, "cache directory", ENV)
    }

    fn path(&self, key: &str, ext: &str) -> PathBuf {
        self.dir
            .join(format!("{:016x}.{ext}", fnv1a(key.as_bytes())))
    }

    /// The entry for `key`, if there is a readable one. A missing entry is `Ok(None)`; a corrupt
    /// one is `Ok(None)` after a warning; one others could have written is an error.
    pub fn read(&self, key: &str) -> Result<Option<Entry>> {
        // The directory first: in one others can write, even opening a planted FIFO could hang.
        if !self.check_dir()? {
            return Ok(None);
        }
        let path = self.path(key, "json");
        let mut file = match OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(&path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                if fs::symlink_metadata(&path)
                    .map(|m| m.file_type().is_symlink())
                    .unwrap_or(false)
                {
                    bail!(
                        "refusing the cache file {}: it is a symbolic link; remove it",
                        path.display()
                    );
                }
                warn(&format!(
                    "ignoring unreadable cache entry {}: {e}",
                    path.display()
                ));
                return Ok(None);
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
        private::check_owner(&path, &meta, "cache file", 0o077, ENV)?;
        let mut text = String::new();
        if let Err(e) = file.read_to_string(&mut text) {
            warn(&format!(
                "ignoring unreadable cache entry {}: {e}",
                path.display()
            ));
            return Ok(None);
        }
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
        private::write(&self.path(key, "json"), &json, "cache entry")
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
