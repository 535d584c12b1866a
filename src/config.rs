//! Identities from the files people already have: `~/.aws/config` and `~/.aws/credentials`
//! (or `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`), parsed by aws-config's own profile
//! loader so that the semantics are the AWS CLI's. aws-as reads the files itself first, so that
//! one that cannot be a profile file (a FIFO, a directory, binary, huge) is a one-line error
//! naming it rather than a hang or a silently empty file.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::future::Future;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Component, PathBuf};
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use aws_config::profile::{Profile, ProfileSet};
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_types::os_shim_internal::{Env, Fs};

use crate::error::{Error, Result};

/// Long-term keys of an IAM user. The secret never reaches `Debug`, a message or a log.
#[derive(Clone)]
pub struct Keys {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keys({}, <secret>)", self.access_key_id)
    }
}

/// How to get an MFA code without asking: the profile's `mfa_process`, or its
/// `aws_as_mfa_totp_secret`. Not in the fingerprint: it says how to get a code, not who you are.
#[derive(Clone, Debug)]
pub struct CodeSource {
    /// The profile the keys were read from (a role's, when lent to its user).
    pub profile: String,
    pub process: Option<String>,
    pub totp: Option<crate::totp::Secret>,
}

#[derive(Clone, Debug)]
pub enum Kind {
    /// Long-term keys: aws-as calls GetSessionToken (with MFA when `mfa_serial` is set).
    User {
        keys: Keys,
        mfa_serial: Option<String>,
        code_source: Option<CodeSource>,
    },
    /// AssumeRole signed with the source identity's session.
    Role {
        role_arn: String,
        source: Box<Identity>,
        session_name: Option<String>,
        external_id: Option<String>,
        mfa_serial: Option<String>,
        code_source: Option<CodeSource>,
    },
}

#[derive(Clone, Debug)]
pub struct Identity {
    pub name: String,
    pub kind: Kind,
    /// The profile's region, else the nearest one down its source chain.
    pub region: Option<String>,
    pub duration_seconds: Option<u32>,
}

impl Identity {
    /// A string that changes whenever anything that shapes this identity's credentials changes:
    /// the cache key is derived from it, so an edited profile never returns the old credentials.
    pub fn fingerprint(&self) -> String {
        match &self.kind {
            Kind::User {
                keys, mfa_serial, ..
            } => format!(
                "user\0{}\0{}\0{:016x}",
                keys.access_key_id,
                mfa_serial.as_deref().unwrap_or(""),
                crate::cache::fnv1a(keys.secret_access_key.as_bytes())
            ),
            Kind::Role {
                role_arn,
                source,
                session_name,
                external_id,
                ..
            } => format!(
                "role\0{}\0{}\0{}\0{}\0[{}]",
                role_arn,
                session_name.as_deref().unwrap_or(""),
                external_id.as_deref().unwrap_or(""),
                self.name,
                source.fingerprint()
            ),
        }
    }

    /// The MFA device the user at the root of this chain signs in with: its own `mfa_serial`, else
    /// one named by a role above it (a role profile written for the AWS CLI carries it there).
    pub fn root_mfa_serial(&self) -> Option<&str> {
        match &self.kind {
            Kind::User { mfa_serial, .. } => mfa_serial.as_deref(),
            Kind::Role {
                source, mfa_serial, ..
            } => source.root_mfa_serial().or(mfa_serial.as_deref()),
        }
    }

    /// Gives the user at the root the MFA device a role above it names, when the user names none,
    /// so the user's session is the MFA session the role needs (and is cached under that device).
    fn lend_mfa_serial(&mut self, serial: String) {
        match &mut self.kind {
            Kind::User { mfa_serial, .. } => {
                mfa_serial.get_or_insert(serial);
            }
            Kind::Role { source, .. } => source.lend_mfa_serial(serial),
        }
    }

    /// Where the user at the root of this chain gets MFA codes: its own `mfa_process` or TOTP
    /// secret, else those of the nearest role above it that has one, as for `mfa_serial`.
    fn root_code_source(&self) -> Option<&CodeSource> {
        match &self.kind {
            Kind::User { code_source, .. } => code_source.as_ref(),
            Kind::Role {
                source,
                code_source,
                ..
            } => source.root_code_source().or(code_source.as_ref()),
        }
    }

    fn lend_code_source(&mut self, lent: CodeSource) {
        match &mut self.kind {
            Kind::User { code_source, .. } => {
                code_source.get_or_insert(lent);
            }
            Kind::Role { source, .. } => source.lend_code_source(lent),
        }
    }

    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            Kind::User { .. } => "user",
            Kind::Role { .. } => "role",
        }
    }
}

/// A region is a few words of lowercase letters and digits joined by `-` (eu-west-1,
/// us-gov-east-1, cn-north-1): anything else is a typo, and would go into every SDK's endpoint.
pub fn valid_region(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Session lengths STS accepts (GetSessionToken's range; AssumeRole's is narrower and STS says so).
pub const DURATION_RANGE: std::ops::RangeInclusive<u32> = 900..=129_600;

pub struct Config {
    profiles: ProfileSet,
}

/// How many known identities an "unknown identity" error lists: the message stays one line a
/// person can read, however many profiles the files hold.
const KNOWN_SHOWN: usize = 20;

/// aws-config's loader is `async` only in signature: its real file system reads with std::fs, so
/// the future completes on its first poll. Polling it here keeps the cache-hit path free of any
/// async runtime.
fn complete_now<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => unreachable!("aws-config's profile loader awaited real I/O"),
    }
}

/// A profile file larger than this is refused rather than parsed: aws-config's parser needs about
/// ten times a file's size in memory (a 50 MB file: half a gigabyte, and seconds of work), and
/// the largest real configurations (thousands of accounts and roles) are a few megabytes.
pub const MAX_FILE_BYTES: u64 = 16 << 20;

/// One of the two profile files, where aws-config would look for it.
struct ProfileFile {
    kind: EnvConfigFileKind,
    /// "config" or "credentials", for messages.
    what: &'static str,
    /// The variable that moves it, named in every fix.
    var: &'static str,
    path: PathBuf,
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
    fn read(&self) -> Result<Option<String>> {
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
fn profile_files() -> [ProfileFile; 2] {
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

/// The paths of the config and credentials files, found by the same rules as [`Config::load`].
pub fn profile_file_paths() -> Vec<PathBuf> {
    profile_files().into_iter().map(|f| f.path).collect()
}

impl Config {
    /// Reads both files itself (see [`ProfileFile::read`]) and hands their text to aws-config's
    /// loader under their real paths, so its parse errors name the file and the line.
    pub fn load() -> Result<Config> {
        let files = profile_files();
        let mut texts: HashMap<OsString, Vec<u8>> = HashMap::new();
        let mut builder = EnvConfigFiles::builder();
        for file in &files {
            let text = file.read()?.unwrap_or_default();
            texts.insert(file.path.clone().into_os_string(), text.into_bytes());
            builder = builder.with_file(file.kind, &file.path);
        }
        let profiles = complete_now(aws_config::profile::load(
            &Fs::from_raw_map(texts),
            &Env::real(),
            &builder.build(),
            Some(Cow::Borrowed("default")),
        ))
        .map_err(|e| {
            // The top error says only "could not parse profile file"; its source names the file,
            // the line and what is wrong there (never the line's text, which may be a key).
            let detail = std::error::Error::source(&e)
                .map_or_else(|| e.to_string(), ToString::to_string);
            Error::new(format!(
                "cannot read the AWS config files: {detail} (fix that line, or point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE elsewhere)"
            ))
        })?;
        Ok(Config { profiles })
    }

    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.profiles.profiles().collect();
        names.sort_unstable();
        names
    }

    /// The identity `name` with its whole source chain.
    pub fn identity(&self, name: &str) -> Result<Identity> {
        let Some(_) = self.profiles.get_profile(name) else {
            if !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c))
            {
                bail!(
                    "unknown identity {name:?}: a profile name can hold only letters, digits and _ - / . % @ : + (the AWS profile parser skips any other section): rename the profile"
                );
            }
            let known = self.names();
            let known = if known.is_empty() {
                "none: add profiles to ~/.aws/config and ~/.aws/credentials".to_string()
            } else {
                let mut list = known
                    .iter()
                    .take(KNOWN_SHOWN)
                    .map(|n| format!("{n:?}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                if known.len() > KNOWN_SHOWN {
                    list.push_str(&format!(" and {} more", known.len() - KNOWN_SHOWN));
                }
                list
            };
            return Err(Error::new(format!(
                "unknown identity {name:?}: known identities are {known}"
            )));
        };
        let mut identity = self.resolve(name, &mut HashSet::new(), false)?;
        if let Some(serial) = identity.root_mfa_serial().map(str::to_string) {
            identity.lend_mfa_serial(serial);
        }
        if let Some(code_source) = identity.root_code_source().cloned() {
            identity.lend_code_source(code_source);
        }
        Ok(identity)
    }

    fn resolve(&self, name: &str, seen: &mut HashSet<String>, as_user: bool) -> Result<Identity> {
        let profile = self.profiles.get_profile(name).ok_or_else(|| {
            Error::new(format!(
                "source_profile {name:?} does not exist: add it or fix source_profile"
            ))
        })?;
        let get = |key: &str| get(profile, key);
        let duration_seconds = match get("duration_seconds") {
            None => None,
            Some(v) => Some(
                v.parse::<u32>()
                    .ok()
                    .filter(|d| DURATION_RANGE.contains(d))
                    .ok_or_else(|| {
                        Error::new(format!(
                            "profile {name:?}: duration_seconds = {v:?} is not a number of seconds from 900 to 129600: fix it in the profile"
                        ))
                    })?,
            ),
        };
        let region = get("region");
        if let Some(r) = region.as_deref().filter(|r| !valid_region(r)) {
            bail!(
                "profile {name:?}: region = {:?} is not an AWS region name (like eu-west-1): fix it in the profile",
                r
            );
        }
        let code_source = match (get("mfa_process"), get("aws_as_mfa_totp_secret")) {
            (None, None) => None,
            (process, secret) => Some(CodeSource {
                profile: name.to_string(),
                process,
                totp: secret.map(|s| crate::totp::Secret::new(name, s)),
            }),
        };

        if let (Some(role_arn), false) = (get("role_arn"), as_user) {
            if !seen.insert(name.to_string()) {
                bail!("profile {name:?}: source_profile loops back to itself: fix source_profile");
            }
            if get("credential_source").is_some() && get("source_profile").is_none() {
                bail!(
                    "profile {name:?}: credential_source is not supported by aws-as: use source_profile"
                );
            }
            let Some(source_name) = get("source_profile") else {
                bail!(
                    "profile {name:?} has role_arn but no source_profile: add source_profile = <a user or role profile>"
                );
            };
            // A role whose source_profile is itself uses its own static keys as the source (AWS CLI semantics).
            let source = if source_name == name {
                self.resolve(&source_name, seen, true)?
            } else {
                self.resolve(&source_name, seen, false)?
            };
            let region = region.or_else(|| source.region.clone());
            return Ok(Identity {
                name: name.to_string(),
                kind: Kind::Role {
                    role_arn,
                    source: Box::new(source),
                    session_name: get("role_session_name"),
                    external_id: get("external_id"),
                    mfa_serial: get("mfa_serial"),
                    code_source,
                },
                region,
                duration_seconds,
            });
        }

        match (get("aws_access_key_id"), get("aws_secret_access_key")) {
            (Some(access_key_id), Some(secret_access_key)) => Ok(Identity {
                name: name.to_string(),
                kind: Kind::User {
                    keys: Keys {
                        access_key_id,
                        secret_access_key,
                    },
                    mfa_serial: get("mfa_serial"),
                    code_source,
                },
                region,
                duration_seconds,
            }),
            (Some(_), None) | (None, Some(_)) => Err(Error::new(format!(
                "profile {name:?} has only half of its keys: set both aws_access_key_id and aws_secret_access_key in ~/.aws/credentials"
            ))),
            (None, None) => Err(Error::new(format!(
                "profile {name:?} is neither a user (aws_access_key_id + aws_secret_access_key) nor a role (role_arn + source_profile): add one of them"
            ))),
        }
    }
}

fn get(profile: &Profile, key: &str) -> Option<String> {
    profile
        .get(key)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}
