//! The credential cache: one JSON file per identity session in a private directory.
//!
//! - Directory 0700, files 0600; a directory or file that another user owns or can write is refused.
//! - Reads take no lock: writes are atomic (temp file, fsync, rename), so a reader sees the old entry
//!   or the new one, never half of one. That keeps the cache-hit path to one open and one read.
//! - A miss takes the entry's exclusive lock and holds it across the STS call, so concurrent
//!   switches to one cold identity make one STS call and share its result.

use std::cell::Cell;
use std::fs::File;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::credentials::Credentials;
use crate::error::{Cause, Error, Result};
use crate::identity::{Identity, fnv1a};
use crate::private::{self, Opened};

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
    /// Set once the directory passed its checks: a cache hit reads two files in it, and need not
    /// check it twice within one process.
    checked: Cell<bool>,
}

/// The most read of a file in the cache: an entry is under 4 KiB, the profile index's list of
/// names for the largest config aws-as reads (16 MB) well under this.
const MAX_ENTRY_BYTES: u64 = 16 << 20;

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
        Cache {
            dir,
            checked: Cell::new(false),
        }
    }

    /// Checks the directory; `Ok(false)` when it does not exist (yet).
    fn check_dir(&self) -> Result<bool> {
        if self.checked.get() {
            return Ok(true);
        }
        let exists = private::check_dir(&self.dir, "cache directory", ENV)?;
        self.checked.set(exists);
        Ok(exists)
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
        let path = self.path(key, "json");
        let Some(data) = self.read_file(&path, true)? else {
            return Ok(None);
        };
        match serde_json::from_slice::<Entry>(&data) {
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
    /// `None` for a missing, unreadable or unparsable file, which the caller makes again without
    /// a word. A file others could have written is still an error, as an entry is.
    pub fn read_derived<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
        ext: &str,
    ) -> Result<Option<T>> {
        Ok(self
            .read_file(&self.path(key, ext), false)?
            .and_then(|data| serde_json::from_slice(&data).ok()))
    }

    /// Replaces a derived file (see [`Cache::read_derived`]) atomically, without fsync: a torn one
    /// after a crash only means it is made again. Written only into a cache directory that
    /// already exists: a cache hit creates nothing.
    pub fn write_derived<T: Serialize>(&self, key: &str, ext: &str, value: &T) -> Result<()> {
        if !self.check_dir()? {
            return Ok(());
        }
        let json = serde_json::to_vec(value).expect("derived files serialize");
        private::replace(&self.path(key, ext), &json, "cache entry", false)
    }

    /// A file of the cache after the checks every read gets; one that cannot be read is a miss,
    /// with a warning when `warn_unreadable`.
    fn read_file(&self, path: &Path, warn_unreadable: bool) -> Result<Option<Vec<u8>>> {
        // The directory first: in one others can write, even opening a planted FIFO could hang.
        if !self.check_dir()? {
            return Ok(None);
        }
        match private::open(path, "cache file", ENV, MAX_ENTRY_BYTES)? {
            Opened::Data(data) => Ok(Some(data)),
            Opened::Missing => Ok(None),
            Opened::Unreadable(e) => {
                if warn_unreadable {
                    warn(&format!(
                        "ignoring unreadable cache entry {}: {e}",
                        path.display()
                    ));
                }
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
        let file = private::lock_file(&path).map_err(|e| {
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

    /// Removes `key`'s entry under its lock (a writer in the middle of a renewal finishes first);
    /// whether there was one.
    pub fn remove(&self, key: &str) -> Result<bool> {
        if !self.check_dir()? {
            return Ok(false);
        }
        let _lock = self.lock(key)?;
        let path = self.path(key, "json");
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::with_cause(
                format!("cannot remove the cache entry {}: {e}", path.display()),
                Cause::CacheUnwritable,
            )),
        }
    }

    /// Removes, each under its lock, every session entry whose cache key `drop` picks (a rotation
    /// drops the sessions made from the old key: the user's and those of the roles above it,
    /// whose keys hold the user's fingerprint); how many went.
    pub fn remove_where(&self, drop: impl Fn(&str) -> bool) -> Result<usize> {
        if !self.check_dir()? {
            return Ok(0);
        }
        let Ok(files) = std::fs::read_dir(&self.dir) else {
            return Ok(0);
        };
        let mut removed = 0;
        for file in files.flatten() {
            let path = file.path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let Ok(Some(data)) = self.read_file(&path, false) else {
                continue;
            };
            let Ok(entry) = serde_json::from_slice::<Entry>(&data) else {
                continue;
            };
            if entry.key.is_empty() || !drop(&entry.key) {
                continue;
            }
            if self.remove(&entry.key)? {
                removed += 1;
            }
        }
        Ok(removed)
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
