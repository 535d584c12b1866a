//! A profile file on disk (the credentials file for `aws-as write`, the config file for `aws-as
//! sso populate`): one writer at a time, the file always in its old or its new state, its link
//! kept, its mode 0600, and the last versions kept beside it.
//!
//! - The lock is a separate file beside the real file (`.credentials.aws-as.lock`,
//!   `.config.aws-as.lock`), held with flock: a lock on the file itself would be lost when a
//!   writer renames the new version over it, and the next writer would lock the new file while
//!   another still holds the old one.
//! - A writer re-reads the file once it holds the lock, so it edits what the writer before it
//!   wrote.
//! - The new text goes into a temporary file in the real file's directory, which is fsynced and
//!   renamed over the file, and the directory is fsynced: a crash at any moment leaves the old
//!   file or the new one. A symbolic link is resolved first and the file it points to replaced,
//!   so the link stays.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::identity::{
    config_file_path, credentials_file_path, read_config_file, read_credentials_file,
};

/// How many earlier versions are kept (`credentials.aws-as.1` is the newest).
pub const BACKUPS: usize = 5;

/// Which of the two profile files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// `~/.aws/credentials` (`AWS_SHARED_CREDENTIALS_FILE`): sections are `[NAME]`.
    Credentials,
    /// `~/.aws/config` (`AWS_CONFIG_FILE`): sections are `[profile NAME]`, `[default]`,
    /// `[sso-session NAME]`.
    Config,
}

impl Which {
    /// For messages: "credentials" or "config".
    pub fn what(self) -> &'static str {
        match self {
            Which::Credentials => "credentials",
            Which::Config => "config",
        }
    }

    /// The variable that moves the file, named in fixes.
    pub fn var(self) -> &'static str {
        match self {
            Which::Credentials => "AWS_SHARED_CREDENTIALS_FILE",
            Which::Config => "AWS_CONFIG_FILE",
        }
    }
}

/// Where a profile file is: the path the SDKs read and the file it leads to.
pub struct Location {
    pub which: Which,
    /// As configured (`AWS_SHARED_CREDENTIALS_FILE` or `~/.aws/credentials`), for messages.
    pub path: PathBuf,
    /// The file itself, its symbolic links resolved: the one that is replaced.
    pub real: PathBuf,
}

impl Location {
    /// The credentials file.
    pub fn find() -> Result<Location> {
        Location::of(Which::Credentials)
    }

    pub fn of(which: Which) -> Result<Location> {
        let path = match which {
            Which::Credentials => credentials_file_path(),
            Which::Config => config_file_path(),
        };
        let real = match fs::canonicalize(&path) {
            Ok(real) => real,
            // No file yet: it will be created where the path says, in a directory that may have to
            // be made (a link to a file that does not exist is refused when the file is read).
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => path.clone(),
            Err(e) => {
                return Err(Error::new(format!(
                    "cannot find the AWS {} file {}: {e} (fix the path, or point {} elsewhere)",
                    which.what(),
                    path.display(),
                    which.var()
                )));
            }
        };
        Ok(Location { which, path, real })
    }

    fn dir(&self) -> PathBuf {
        match self.real.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    fn file_name(&self) -> String {
        self.real.file_name().map_or_else(
            || self.which.what().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    }

    fn beside(&self, suffix: &str) -> PathBuf {
        self.dir().join(format!("{}{suffix}", self.file_name()))
    }

    fn hidden(&self, suffix: &str) -> PathBuf {
        self.dir().join(format!(".{}{suffix}", self.file_name()))
    }

    /// The backup `n` (1 is the newest).
    pub fn backup(&self, n: usize) -> PathBuf {
        self.beside(&format!(".aws-as.{n}"))
    }

    pub fn lock_path(&self) -> PathBuf {
        self.hidden(".aws-as.lock")
    }

    fn fail(&self, doing: &str, e: std::io::Error) -> Error {
        let fix = match e.raw_os_error() {
            Some(libc::ENOSPC) | Some(libc::EDQUOT) => "free some space",
            Some(libc::EROFS) => "the file system is read-only",
            Some(libc::EACCES) | Some(libc::EPERM) => "fix the permissions of the directory",
            _ => "fix that",
        };
        Error::new(format!(
            "cannot {doing} the AWS {} file {}: {e} ({fix}; the file is unchanged)",
            self.which.what(),
            self.path.display()
        ))
    }
}

/// The writer's lock; released when dropped (or when the process dies: the kernel drops flock
/// locks with their descriptor, so a killed writer leaves none).
pub struct Lock {
    _file: File,
}

pub fn lock(at: &Location) -> Result<Lock> {
    let dir = at.dir();
    if !dir.exists() {
        // Like `aws configure`: the directory is made when the first file goes into it.
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(|e| at.fail("create the directory of", e))?;
    }
    let path = at.lock_path();
    let file = crate::private::lock_file(&path).map_err(|e| at.fail("lock", e))?;
    file.lock().map_err(|e| at.fail("lock", e))?;
    // Whatever the holder then does (a write that finds the section as it should be writes
    // nothing), what writers killed before their rename left goes now.
    remove_stale_temp_files(at);
    Ok(Lock { _file: file })
}

/// The credentials file's text now (under the lock), read by the rules every aws-as command reads
/// it by; `None` when there is no file.
pub fn read() -> Result<Option<String>> {
    read_credentials_file()
}

/// The text of the file `at` now (under the lock), read as [`read`] reads the credentials file.
pub fn read_at(at: &Location) -> Result<Option<String>> {
    match at.which {
        Which::Credentials => read_credentials_file(),
        Which::Config => read_config_file(),
    }
}

/// Writes `bytes` to a new temporary file beside `final_path` and fsyncs it; the caller renames
/// it. `create_new` with the process id in the name: a stale one (a writer killed before its
/// rename) was removed under the lock already.
fn temp_file(at: &Location, tag: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let tmp = at.hidden(&format!(".aws-as.{tag}.{}.tmp", std::process::id()));
    let _ = fs::remove_file(&tmp);
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&tmp)?;
        // The mode given to open() is filtered by the umask; 0600 is what is promised.
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    match result {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Removes temporary files writers killed before their rename left behind. Called once the lock
/// is taken: no live writer has one then.
fn remove_stale_temp_files(at: &Location) {
    let prefix = format!(".{}.aws-as.", at.file_name());
    let Ok(entries) = fs::read_dir(at.dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(&prefix) && name.ends_with(".tmp") {
            let _ = fs::remove_file(entry.path());
        }
    }
}

fn sync_dir(at: &Location) {
    if let Ok(dir) = File::open(at.dir()) {
        let _ = dir.sync_all();
    }
}

/// Keeps `text` as the newest backup, unless it is what the newest backup holds already (blank
/// lines at the end aside: taking out a last section aws-as appended takes a blank line the user
/// left before it too): the backups are the last versions of what the user wrote, and a daemon
/// renewing a section every hour would otherwise push them all out within a few hours with
/// copies of each other. The new backup is written completely before the older ones are moved
/// up, so a failure moves nothing.
fn back_up(at: &Location, text: &str) -> Result<()> {
    let end = |t: &str| t.trim_end_matches(['\n', '\r', ' ', '\t']).to_string();
    if fs::read_to_string(at.backup(1)).is_ok_and(|newest| end(&newest) == end(text)) {
        return Ok(());
    }
    let tmp = temp_file(at, "backup", text.as_bytes()).map_err(|e| at.fail("back up", e))?;
    for n in (1..BACKUPS).rev() {
        let from = at.backup(n);
        if from.exists()
            && let Err(e) = fs::rename(&from, at.backup(n + 1))
        {
            let _ = fs::remove_file(&tmp);
            return Err(at.fail("back up", e));
        }
    }
    if let Err(e) = fs::rename(&tmp, at.backup(1)) {
        let _ = fs::remove_file(&tmp);
        return Err(at.fail("back up", e));
    }
    Ok(())
}

/// Replaces the file with `text`: temp file, fsync, rename, fsync of the directory. `backup`,
/// when given, is kept first as the newest backup.
pub fn replace(at: &Location, text: &str, backup: Option<&str>) -> Result<()> {
    if let Some(old) = backup {
        back_up(at, old)?;
    }
    let tmp = temp_file(at, "new", text.as_bytes()).map_err(|e| at.fail("write", e))?;
    if let Err(e) = fs::rename(&tmp, &at.real) {
        let _ = fs::remove_file(&tmp);
        return Err(at.fail("write", e));
    }
    sync_dir(at);
    Ok(())
}

/// Rewrites each backup that `scrub` changes (temp file, fsync, rename, 0600): `aws-as keys
/// import` takes the keys it moved into the keyring out of the versions kept here too.
pub fn scrub_backups(at: &Location, scrub: impl Fn(&str) -> Option<String>) -> Result<usize> {
    let mut changed = 0;
    for n in 1..=BACKUPS {
        let path = at.backup(n);
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        let Some(new) = scrub(&text).filter(|new| *new != text) else {
            continue;
        };
        let tmp = temp_file(at, "scrub", new.as_bytes()).map_err(|e| at.fail("back up", e))?;
        if let Err(e) = fs::rename(&tmp, &path) {
            let _ = fs::remove_file(&tmp);
            return Err(at.fail("back up", e));
        }
        changed += 1;
    }
    if changed > 0 {
        sync_dir(at);
    }
    Ok(changed)
}

/// Whether `path` is a symbolic link (for messages and tests).
pub fn is_link(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}
