//! `aws-as write`: an identity's temporary credentials in a section of the shared credentials
//! file, for tools that read nothing else; `aws-as write --remove` takes such a section out again.
//!
//! The file holds the user's long-term keys, so nothing in it changes but the target section's
//! credential keys and region (see ../../../docs/ARCHITECTURE.md):
//! - `model.rs`: the file as lines with their spans; `render(parse(s)) == s` for every text.
//! - `edit.rs`: set or remove keys of one section, every other line written back as it was.
//! - `file.rs`: the lock, the atomic replacement (link kept, 0600), the backups.
//! - `refresh.rs`: `aws-as refresh`, the daemon that keeps such sections fresh.
//!
//! Every edit is checked before it is written: the new text must read, with aws-config's own
//! parser, exactly as the old one for every other section and with the new values in the target;
//! the bytes outside the target must be the old ones. A file aws-as cannot edit that way (a
//! section or key twice, a line no parser reads) is refused and left as it is.

pub mod edit;
pub mod file;
pub mod model;
pub mod refresh;

use std::path::Path;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::identity::{Config, CredentialsText, MARKER, Summary};
use crate::output::handout::min_left;
use crate::session::{Connect, Credentials, Request, resolve, rfc3339};
use file::Location;
use model::{Document, Kind, parse};

/// The key the expiry is written in: the one starship's `aws` module reads from the credentials
/// file (src/modules/aws.rs tries `expiration`, then saml2aws's `x_security_token_expires`), as
/// RFC 3339. The SDKs ignore it.
pub const EXPIRY: &str = "expiration";

/// Keys that would hold stale values next to fresh credentials: botocore reads
/// `aws_security_token` before `aws_session_token`, so an old one would win; and an old
/// `x_security_token_expires` would show a prompt the wrong time.
pub const STALE: [&str; 2] = ["aws_security_token", "x_security_token_expires"];

/// The key the identity's region is written in. botocore, the AWS CLI and the Go SDK (with
/// AWS_SDK_LOAD_CONFIG) read `region` from a section of the credentials file as from the config
/// file: without it a client given only `AWS_PROFILE=SECTION` has no region.
pub const REGION: &str = "region";

/// Every key aws-as writes or clears in its sections: what `--remove` and the backups take out.
pub const WRITTEN: [&str; 8] = [
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    EXPIRY,
    MARKER,
    REGION,
    STALE[0],
    STALE[1],
];

/// What a write did.
pub struct Written {
    pub path: std::path::PathBuf,
    pub appended: bool,
    pub expiration: DateTime<Utc>,
    /// The region the section holds now.
    pub region: Option<String>,
}

/// Which region a write puts in the section. `region` in a section aws-as wrote is aws-as's, as
/// its keys are (`--remove` takes it out), but a person may have changed it by hand: `write`
/// says which region it wants, the daemon that renews the section keeps the one there.
#[derive(Clone, Copy)]
pub enum Region<'a> {
    /// `write`: this one (`--region`, else the identity's), replacing whatever the section had;
    /// with none, a region already in the section stays as it is.
    Set(Option<&'a str>),
    /// `refresh`: the region in the section, while the section holds the same identity (so a
    /// `write --region` or a hand edit lasts through renewals); else this one, the identity's.
    Keep(Option<&'a str>),
}

/// A section name aws-as writes: one both parsers read as the same profile name, which the AWS
/// profile parser accepts (letters, digits, `_ - / . % @ : +`). `DEFAULT` is configparser's
/// section of defaults for every other section: botocore would give its keys to every profile.
pub fn check_section_name(section: &str) -> Result<()> {
    if section.is_empty()
        || !section
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c))
    {
        bail!(
            "{section:?} cannot be a section of the credentials file: use letters, digits and _ - / . % @ : + only (the AWS profile parser skips any other name)"
        );
    }
    if section == "DEFAULT" {
        bail!(
            "[DEFAULT] is where botocore takes defaults for every section from: pick another section name"
        );
    }
    Ok(())
}

/// A value goes in as one plain word: one that no parser could read differently (no blank, no
/// comment character, no line break). STS's keys, tokens and times, and profile names, are such.
fn check_value(key: &str, value: &str) -> Result<()> {
    if value.is_empty()
        || !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+/=_-.%@:".contains(c))
    {
        bail!(
            "the {key} to write holds characters the credentials file cannot keep as they are: nothing was written"
        );
    }
    Ok(())
}

fn unreadable(path: &Path, what: impl std::fmt::Display) -> Error {
    Error::new(format!(
        "refusing to edit the AWS credentials file {}: {what}; fix it by hand (aws-as changes nothing in a file it cannot edit without loss)",
        path.display()
    ))
}

/// The document of `text`, if aws-as can edit it: both its line model and aws-config read it.
fn readable<'a>(path: &Path, text: &'a str) -> Result<(Document<'a>, CredentialsText)> {
    let doc = parse(text);
    doc.check()
        .map_err(|p| unreadable(path, format_args!("line {}: {}", p.line, p.what)))?;
    let parsed = CredentialsText::parse(path, text).map_err(|e| unreadable(path, e))?;
    Ok((doc, parsed))
}

/// A header botocore reads as another name than aws-config (`[ a ]` is " a " to configparser):
/// writing under it would give the two SDKs different sections.
fn check_header(path: &Path, doc: &Document<'_>, section: &str) -> Result<()> {
    if let Some(s) = doc.section(section)
        && let Kind::Header { plain: false, .. } = doc.lines()[s.header].kind
    {
        return Err(unreadable(
            path,
            format_args!(
                "the header of [{section}] on line {} is written so that botocore reads another section name; write it as [{section}]",
                s.header + 1
            ),
        ));
    }
    Ok(())
}

/// `text` (the credentials file at `path`) with `values` set in `section` and the stale keys
/// taken out, checked as every write is (see [`verify`]): the editing itself, without the disk
/// and without the question whose section it is.
pub fn edit_text(
    path: &Path,
    text: &str,
    section: &str,
    values: &[(&str, &str)],
) -> Result<String> {
    check_section_name(section)?;
    let (doc, parsed) = readable(path, text)?;
    check_header(path, &doc, section)?;
    let new = edit::set(&doc, section, values, &STALE);
    verify(path, &doc, &parsed, &new, section, values)?;
    Ok(new)
}

/// Who a section of the credentials file belongs to.
enum Owner {
    Missing,
    /// It has aws-as's marker.
    AwsAs,
    LongTermKeys,
    OtherSession,
    Other,
}

fn owner(doc: &Document<'_>, section: &str) -> Owner {
    let Some(s) = doc.section(section) else {
        return Owner::Missing;
    };
    let has = |k: &str| doc.value(s, k).is_some_and(|v| !v.is_empty());
    if has(MARKER) {
        Owner::AwsAs
    } else if has("aws_session_token") || has("aws_security_token") {
        Owner::OtherSession
    } else if has("aws_access_key_id") || has("aws_secret_access_key") {
        Owner::LongTermKeys
    } else {
        Owner::Other
    }
}

/// Whether aws-as may write into `section` of `doc`: one it wrote, or a missing one, or with
/// `force` any other; never a profile that gets its credentials some other way unless forced.
fn check_owner(at: &Location, doc: &Document<'_>, section: &str, force: bool) -> Result<()> {
    let file_name = at.path.display();
    let force_hint = "pick another section, or pass --force";
    match owner(doc, section) {
        Owner::Missing | Owner::AwsAs => {}
        _ if force => {}
        Owner::LongTermKeys => bail!(
            "[{section}] in {file_name} holds long-term keys aws-as did not write (aws_access_key_id without a session token): {force_hint} to replace them (the old file is kept as a backup)"
        ),
        Owner::OtherSession => bail!(
            "[{section}] in {file_name} holds credentials another tool wrote (it has no {MARKER}): {force_hint} to take it over"
        ),
        Owner::Other => bail!(
            "[{section}] in {file_name} was not written by aws-as (it has no {MARKER}): {force_hint} to write into it"
        ),
    }
    if !force && let Some(key) = Config::load_config_file()?.credential_key(section) {
        bail!(
            "profile {section:?} gets credentials another way ({key} in the AWS config file): keys in [{section}] would shadow it; {force_hint}"
        );
    }
    Ok(())
}

/// Everything [`write`] would refuse, checked before credentials are obtained: a write that
/// cannot happen asks for no MFA code and calls no STS. (`write` checks again under the lock.)
pub fn precheck(section: &str, protected: &[String], name: &str, force: bool) -> Result<()> {
    check_section_name(section)?;
    check_protected(section, protected, name)?;
    let at = Location::find()?;
    let text = file::read()?.unwrap_or_default();
    let (doc, _) = readable(&at.path, &text)?;
    check_header(&at.path, &doc, section)?;
    check_owner(&at, &doc, section, force)
}

fn check_protected(section: &str, protected: &[String], name: &str) -> Result<()> {
    if protected.iter().any(|p| p == section) {
        bail!(
            "[{section}] is a profile {name:?} is made from: its session written there would replace what its next session needs; pick another section"
        );
    }
    Ok(())
}

/// Writes `identity`'s `credentials` and `region` into `section`. `protected` are the profiles
/// the identity is made from (never written, even with `force`: that would replace the keys its
/// next session needs); `force` allows every other section.
pub fn write(
    identity: &Summary,
    credentials: &Credentials,
    section: &str,
    protected: &[String],
    force: bool,
    region: Region<'_>,
) -> Result<Written> {
    check_section_name(section)?;
    let expiration = rfc3339(credentials.expiration);
    let mut values: Vec<(&str, &str)> = vec![
        ("aws_access_key_id", &credentials.access_key_id),
        ("aws_secret_access_key", &credentials.secret_access_key),
        ("aws_session_token", &credentials.session_token),
        (EXPIRY, &expiration),
        (MARKER, &identity.name),
    ];
    for (k, v) in &values {
        check_value(k, v)?;
    }
    check_protected(section, protected, &identity.name)?;
    let at = Location::find()?;
    let _lock = file::lock(&at)?;
    let old = file::read()?;
    let text = old.as_deref().unwrap_or("");
    let doc = parse(text);
    check_owner(&at, &doc, section, force)?;
    if let Some(r) = region_to_write(&doc, section, &identity.name, region) {
        check_value(REGION, r)?;
        values.push((REGION, r));
    }
    let new = edit_text(&at.path, text, section, &values)?;
    let new_doc = parse(&new);
    let written = Written {
        path: at.path.clone(),
        appended: doc.section(section).is_none(),
        expiration: credentials.expiration,
        region: new_doc
            .section(section)
            .and_then(|s| new_doc.value(s, REGION))
            .filter(|v| !v.is_empty())
            .map(str::to_string),
    };
    if old.is_some() && new == text {
        return Ok(written); // the section holds these credentials already
    }
    let backup = old.as_deref().map(strip_written);
    file::replace(&at, &new, backup.as_deref())?;
    Ok(written)
}

/// The region to set in `section` for identity `name`; `None` leaves the section's as it is.
fn region_to_write<'a>(
    doc: &Document<'_>,
    section: &str,
    name: &str,
    region: Region<'a>,
) -> Option<&'a str> {
    match region {
        Region::Set(r) => r,
        Region::Keep(r) => {
            let s = doc.section(section);
            let same = s.and_then(|s| doc.value(s, MARKER)) == Some(name);
            let has = s
                .and_then(|s| doc.value(s, REGION))
                .is_some_and(|v| !v.is_empty());
            if same && has { None } else { r }
        }
    }
}

/// What `aws-as write` was asked.
pub enum Options {
    /// `aws-as write NAME --profile SECTION [--force]`.
    Write {
        name: String,
        section: String,
        force: bool,
        request: Request,
        /// `--region`: written instead of the identity's region.
        region: Option<String>,
    },
    /// `aws-as write --remove SECTION`.
    Remove { section: String },
}

/// `aws-as write`: NAME's credentials into a section, or (`--remove`) a section aws-as wrote out.
pub fn run(options: &Options, connect: Option<Connect>) -> Result<String> {
    match options {
        Options::Write {
            name,
            section,
            force,
            request,
            region,
        } => write_command(name, section, *force, request, region.as_deref(), connect),
        Options::Remove { section } => remove_command(section),
    }
}

/// `aws-as write NAME --profile SECTION`: NAME's credentials (from the cache, else a new session)
/// into SECTION, with at least as long left as a credential_process gets.
fn write_command(
    name: &str,
    section: &str,
    force: bool,
    request: &Request,
    region: Option<&str>,
    connect: Option<Connect>,
) -> Result<String> {
    let config = Config::load()?;
    let identity = config.identity(name)?;
    let protected = config.chain_of(&identity);
    precheck(section, &protected, name, force)?;
    let at_least = |identity: &Summary| min_left(identity, request.duration);
    let (identity, credentials) = resolve(name, request, Some(&at_least), connect)?;
    let region = region.or(identity.region.as_deref());
    let written = write(
        &identity,
        &credentials,
        section,
        &protected,
        force,
        Region::Set(region),
    )?;
    Ok(written_message(name, section, &written))
}

/// `aws-as write --remove SECTION`.
fn remove_command(section: &str) -> Result<String> {
    let path = remove(section)?;
    Ok(format!(
        "aws-as: removed aws-as's [{section}] from {}\n",
        path.display()
    ))
}

/// Removes aws-as's keys from `section` (and the section, when nothing else is in it). Only a
/// section aws-as wrote: anything else is the user's.
pub fn remove(section: &str) -> Result<std::path::PathBuf> {
    check_section_name(section)?;
    let at = Location::find()?;
    // Once without the lock, so that a removal that cannot happen creates nothing (not even the
    // lock file), then again under it.
    removable(&at, file::read()?.as_deref(), section)?;
    let _lock = file::lock(&at)?;
    let old = file::read()?;
    let (text, doc, parsed) = removable(&at, old.as_deref(), section)?;
    let new = edit::remove(&doc, section, &WRITTEN).expect("the section exists");
    verify(&at.path, &doc, &parsed, &new, section, &[])?;
    file::replace(&at, &new, Some(&strip_written(text)))?;
    Ok(at.path)
}

/// The file's text and its readings, when `section` is one aws-as wrote.
fn removable<'a>(
    at: &Location,
    old: Option<&'a str>,
    section: &str,
) -> Result<(&'a str, Document<'a>, CredentialsText)> {
    let file_name = at.path.display();
    let Some(text) = old else {
        bail!("there is no credentials file {file_name}: nothing to remove");
    };
    let (doc, parsed) = readable(&at.path, text)?;
    match owner(&doc, section) {
        Owner::AwsAs => Ok((text, doc, parsed)),
        Owner::Missing => {
            bail!("there is no section [{section}] in {file_name}: nothing to remove")
        }
        _ => bail!(
            "[{section}] in {file_name} was not written by aws-as (it has no {MARKER}): aws-as removes only its own sections; edit the file by hand"
        ),
    }
}

/// The sections of the credentials file aws-as wrote.
pub fn written_sections() -> Result<Vec<String>> {
    let text = file::read()?.unwrap_or_default();
    let doc = parse(&text);
    Ok(doc
        .sections()
        .into_iter()
        .filter(|(_, s)| doc.value(*s, MARKER).is_some_and(|v| !v.is_empty()))
        .map(|(name, _)| name)
        .collect())
}

/// The identity aws-as wrote into `section` (its marker), if it wrote that section.
pub fn written_identity(section: &str) -> Result<Option<String>> {
    let text = file::read()?.unwrap_or_default();
    let doc = parse(&text);
    Ok(doc
        .section(section)
        .and_then(|s| doc.value(s, MARKER))
        .filter(|v| !v.is_empty())
        .map(str::to_string))
}

/// `text` without the keys of the sections aws-as wrote: what a backup keeps. Those sections
/// hold live session tokens that aws-as can write again at any time; a backup is for what the
/// user wrote, and should not be one more copy of a secret that outlives its use.
pub fn strip_written(text: &str) -> String {
    let mut text = text.to_string();
    loop {
        let doc = parse(&text);
        if doc.check().is_err() {
            return text;
        }
        let Some(name) = doc.sections().into_iter().find_map(|(name, s)| {
            let keys: Vec<String> = doc.entries(s).into_iter().filter_map(|(k, _)| k).collect();
            keys.iter().any(|k| k == MARKER).then_some(name)
        }) else {
            return text;
        };
        match edit::remove(&doc, &name, &WRITTEN) {
            Some(next) => text = next,
            None => return text,
        }
    }
}

/// Checks an edit before it is written: the bytes outside `section` are the old ones, both
/// readers of the new text read every other section as before, and the target holds `values`
/// (or, for a removal, none of aws-as's keys). Anything else is a bug, and nothing is written.
fn verify(
    path: &Path,
    doc: &Document<'_>,
    parsed: &CredentialsText,
    new: &str,
    section: &str,
    values: &[(&str, &str)],
) -> Result<()> {
    let fail = |what: &str| {
        Err(Error::new(format!(
            "refusing to write the AWS credentials file {}: the edit would {what} (a bug in aws-as: please report it); the file is unchanged",
            path.display()
        )))
    };
    let old = doc.text();
    let (prefix, suffix) = match doc.section(section) {
        Some(s) => {
            let span = edit::span(doc, s);
            (&old[..span.start], &old[span.end..])
        }
        None => (old.strip_suffix(['\n']).unwrap_or(old), ""),
    };
    let prefix = prefix.strip_suffix('\r').unwrap_or(prefix);
    // A last section removed whole takes the blank line and the terminator that were added with
    // it (see edit::remove): the text before it may lose at most those two line endings.
    let trimmed = |t: &str| {
        prefix.starts_with(t)
            && prefix[t.len()..].chars().all(|c| c == '\r' || c == '\n')
            && prefix[t.len()..].matches('\n').count() <= 2
    };
    let removed_last = values.is_empty() && suffix.is_empty() && trimmed(new);
    if !(new.starts_with(prefix) || removed_last) || !new.ends_with(suffix) {
        return fail("change bytes outside the section");
    }
    let new_doc = parse(new);
    if new_doc.check().is_err() {
        return fail("make the file one aws-as cannot read");
    }
    let Ok(new_parsed) = CredentialsText::parse(path, new) else {
        return fail("make the file one the SDK cannot read");
    };
    for (name, s) in doc.sections() {
        if name == section {
            continue;
        }
        for (key, _) in doc.entries(s) {
            let Some(key) = key else { continue };
            if parsed.get(&name, &key) != new_parsed.get(&name, &key) {
                return fail("change another section");
            }
        }
    }
    if values.is_empty() {
        if WRITTEN.iter().any(|k| new_parsed.get(section, k).is_some()) {
            return fail("leave aws-as's keys behind");
        }
    } else {
        for (k, v) in values {
            if new_parsed.get(section, k) != Some(*v) {
                return fail("not set the credentials");
            }
        }
        if STALE.iter().any(|k| new_parsed.get(section, k).is_some()) {
            return fail("leave a stale key behind");
        }
    }
    // Lines of the new text the line model could not place would be lines aws-config skips.
    if new_doc
        .lines()
        .iter()
        .any(|l| matches!(l.kind, Kind::Key(None)))
    {
        return fail("write a line that is not key = value");
    }
    Ok(())
}

/// The message of a successful write, for the person who ran it.
pub fn written_message(name: &str, section: &str, w: &Written) -> String {
    let left = w.expiration - Utc::now();
    let region = match &w.region {
        Some(r) => format!(" and region {r}"),
        None => String::new(),
    };
    // Without a region the CLI v2, boto3 and the Go SDK refuse to call AWS at all.
    let no_region = match &w.region {
        Some(_) => String::new(),
        None => format!(" (no region: {name} has none; pass --region, or clients need AWS_REGION)"),
    };
    format!(
        "aws-as: {} [{section}] in {} with {name}'s credentials{region}, valid until {} ({}m left): AWS_PROFILE={section} uses them{no_region}\n",
        if w.appended { "added" } else { "updated" },
        w.path.display(),
        rfc3339(w.expiration),
        left.num_minutes().max(0)
    )
}
