//! A section written or taken out under the file's lock, each edit checked (verify.rs) and only
//! where aws-as may (owner.rs); the sections aws-as wrote; a backup without them (but with any
//! long-term keys).

use chrono::{DateTime, Utc};

use super::owner::{Owner, check_owner, check_protected, long_term_keys, owner};
use super::verify::{check_section_name, check_value, edit_text, readable, verify};
use super::{EXPIRY, REGION, WRITTEN};
use crate::error::Result;
use crate::identity::{CredentialsText, MARKER, Summary};
use crate::output::ini::edit;
use crate::output::ini::file::{self, Location};
use crate::output::ini::model::{Document, parse};
use crate::session::{Credentials, rfc3339};

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
        Owner::MarkedLongTermKeys(found) => bail!(
            "[{section}] in {file_name} holds long-term keys now ({found}), though it has {MARKER}: aws-as did not write them and removes only its own sessions; to keep them delete its {MARKER} line, else edit the file by hand"
        ),
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
/// user wrote, and should not be one more copy of a secret that outlives its use. A marked
/// section that holds long-term keys now (owner.rs) is the user's: a backup keeps it whole, the
/// one copy left of keys a forced write replaces.
pub fn strip_written(text: &str) -> String {
    let mut text = text.to_string();
    loop {
        let doc = parse(&text);
        if doc.check().is_err() {
            return text;
        }
        let Some(name) = doc.sections().into_iter().find_map(|(name, s)| {
            let keys: Vec<String> = doc.entries(s).into_iter().filter_map(|(k, _)| k).collect();
            (keys.iter().any(|k| k == MARKER) && long_term_keys(&doc, s).is_none()).then_some(name)
        }) else {
            return text;
        };
        match edit::remove(&doc, &name, &WRITTEN) {
            Some(next) => text = next,
            None => return text,
        }
    }
}
