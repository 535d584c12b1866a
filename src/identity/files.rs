//! The two profile files: where they are (by aws-config's rules) and their text. aws-as reads
//! them itself, before aws-config's parser sees them, so that one that cannot be a profile file
//! (a FIFO, a directory, binary, huge, a section twice) is a one-line error naming it rather
//! than a hang or a silently empty file.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Component, PathBuf};

use aws_runtime::env_config::file::EnvConfigFileKind;

use crate::error::{Error, Result};

/// A profile file larger than this is refused rather than parsed: aws-config's parser needs about
/// ten times a file's size in memory (a 50 MB file: half a gigabyte, and seconds of work), and
/// the largest real configurations (thousands of accounts and roles) are a few megabytes.
pub const MAX_FILE_BYTES: u64 = 16 << 20;

/// One of the two profile files, where aws-config would look for it.
pub(super) struct ProfileFile {
    pub(super) kind: EnvConfigFileKind,
    /// "config" or "credentials", for messages.
    what: &'static str,
    /// The variable that moves it, named in every fix.
    var: &'static str,
    pub(super) path: PathBuf,
}

impl ProfileFile {
    /// `var` when set (a leading `~` is the home directory, as aws-config expands it), else
    /// `~/.aws/<default>`.
    fn locate(
        kind: EnvConfigFileKind,
        what: &'static str,
        var: &'static str,
        default: &str,
    ) -> ProfileFile {
        let home = std::env::var_os("HOME").filter(|h| !h.is_empty());
        let home = || {
            home.clone()
                .map_or_else(|| PathBuf::from("~"), PathBuf::from)
        };
        let path = match std::env::var_os(var).filter(|p| !p.is_empty()) {
            Some(p) => {
                let p = PathBuf::from(p);
                let mut parts = p.components();
                match parts.next() {
                    Some(Component::Normal(first)) if first == "~" => home().join(parts.as_path()),
                    _ => p,
                }
            }
            None => home().join(".aws").join(default),
        };
        ProfileFile {
            kind,
            what,
            var,
            path,
        }
    }

    fn error(&self, problem: impl std::fmt::Display, fix: &str) -> Error {
        Error::new(format!(
            "cannot read the AWS {} file {}: {problem} ({fix}, or point {} at another file)",
            self.what,
            self.path.display(),
            self.var
        ))
    }

    /// The file's text; `None` when there is no file, which aws-config and the AWS CLI take as
    /// an empty one. Everything that is not a readable regular file of UTF-8 text is an error
    /// naming the file: aws-config itself would take a directory, a broken link or binary
    /// garbage for an empty file without a word, and would wait forever on a FIFO.
    pub(super) fn read(&self) -> Result<Option<String>> {
        // O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer, forever. It changes
        // nothing for a regular file, the only kind read below.
        let file = match OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&self.path)
        {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Ok(target) = std::fs::read_link(&self.path) {
                    return Err(self.error(
                        format_args!(
                            "it is a symbolic link to {}, which does not exist",
                            target.display()
                        ),
                        "fix or remove the link",
                    ));
                }
                return Ok(None);
            }
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                return Err(self.error(
                    "it is a symbolic link that loops back to itself",
                    "fix the link",
                ));
            }
            Err(e) => {
                // A socket cannot be opened at all (ENXIO): say what it is, not the errno.
                return Err(match std::fs::metadata(&self.path) {
                    Ok(meta) if !meta.is_file() => self.not_a_file(&meta),
                    _ => self.error(e, "fix its permissions or the path"),
                });
            }
        };
        let meta = file
            .metadata()
            .map_err(|e| self.error(e, "fix its permissions or the path"))?;
        if !meta.is_file() {
            if meta.file_type().is_char_device() && is_dev_null(&meta) {
                // `AWS_CONFIG_FILE=/dev/null` is the usual way to say "no config".
                return Ok(None);
            }
            return Err(self.not_a_file(&meta));
        }
        let too_large = |size: u64| {
            self.error(
                format_args!(
                    "it is {:.1} MB; aws-as reads profile files of at most {} MB",
                    size as f64 / f64::from(1 << 20),
                    MAX_FILE_BYTES >> 20
                ),
                "remove what is not profiles from it",
            )
        };
        if meta.len() > MAX_FILE_BYTES {
            return Err(too_large(meta.len()));
        }
        let mut data = Vec::with_capacity(meta.len() as usize);
        // A file still growing is cut at the limit rather than read without end.
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut data)
            .map_err(|e| self.error(e, "fix its permissions or the path"))?;
        if data.len() as u64 > MAX_FILE_BYTES {
            return Err(too_large(data.len() as u64));
        }
        let text = String::from_utf8(data).map_err(|e| {
            let bytes = e.as_bytes();
            let at = e.utf8_error().valid_up_to();
            let line = 1 + bytes[..at].iter().filter(|b| **b == b'\n').count();
            self.error(
                format_args!("line {line} is not UTF-8 text"),
                "save it as UTF-8 text",
            )
        })?;
        self.check_sections(&text)?;
        Ok(Some(text))
    }

    fn not_a_file(&self, meta: &std::fs::Metadata) -> Error {
        let kind = meta.file_type();
        if kind.is_dir() {
            return self.error(
                "it is a directory",
                "remove the directory and put the file there",
            );
        }
        let kind = if kind.is_fifo() {
            "a FIFO"
        } else if kind.is_socket() {
            "a socket"
        } else {
            "a device"
        };
        self.error(
            format_args!("it is {kind}, not a regular file"),
            "replace it with a regular file",
        )
    }

    /// The AWS CLI refuses a file that opens one section twice; aws-config silently merges the
    /// two, so `aws-as` would use keys the AWS CLI never reads. Headers are compared by the text
    /// between the brackets with runs of blanks as one, as aws-config names profiles. Malformed
    /// headers are left to aws-config's parser, which names their line.
    fn check_sections(&self, text: &str) -> Result<()> {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let Some(rest) = line.strip_prefix('[') else {
                continue;
            };
            let Some((name, _)) = rest.split_once(']') else {
                continue;
            };
            let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
            if let Some(first) = seen.insert(name.clone(), i + 1) {
                return Err(self.error(
                    format_args!("[{name}] is on line {first} and again on line {}", i + 1),
                    "merge the two sections into one, as the AWS CLI requires",
                ));
            }
        }
        Ok(())
    }
}

/// Whether `meta` is the null device, whatever path reached it.
fn is_dev_null(meta: &std::fs::Metadata) -> bool {
    File::open("/dev/null")
        .and_then(|f| f.metadata())
        .is_ok_and(|null| null.rdev() == meta.rdev())
}

/// The config and credentials files, where aws-config looks for them.
pub(super) fn profile_files() -> [ProfileFile; 2] {
    [
        ProfileFile::locate(
            EnvConfigFileKind::Config,
            "config",
            "AWS_CONFIG_FILE",
            "config",
        ),
        ProfileFile::locate(
            EnvConfigFileKind::Credentials,
            "credentials",
            "AWS_SHARED_CREDENTIALS_FILE",
            "credentials",
        ),
    ]
}

/// The paths of the config and credentials files, found by the same rules as [`super::Config::load`].
pub fn profile_file_paths() -> Vec<PathBuf> {
    profile_files().into_iter().map(|f| f.path).collect()
}

/// Where the credentials file is (`AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`), as
/// [`super::Config::load`] finds it: the path a writer of that file must edit.
pub fn credentials_file_path() -> PathBuf {
    let [_, credentials] = profile_files();
    credentials.path
}

/// Where the config file is (`AWS_CONFIG_FILE`, else `~/.aws/config`), as
/// [`super::Config::load`] finds it: the path `aws-as sso populate` and `aws-as keys` edit.
pub fn config_file_path() -> PathBuf {
    let [config, _] = profile_files();
    config.path
}

/// The config file's text, read by the rules [`read_credentials_file`] reads the credentials
/// file by; `None` when there is no file.
pub fn read_config_file() -> Result<Option<String>> {
    let [config, _] = profile_files();
    config.read()
}

/// The credentials file's text, read by the rules [`super::Config::load`] reads it by (a regular
/// UTF-8 file of at most 16 MB, no section twice; one line naming the file otherwise); `None`
/// when there is no file.
pub fn read_credentials_file() -> Result<Option<String>> {
    let [_, credentials] = profile_files();
    credentials.read()
}
