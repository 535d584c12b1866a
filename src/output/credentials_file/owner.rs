//! Whose section it is: aws-as writes into one it wrote (its marker, still holding a session), or
//! a missing one; another tool's, or long-term keys (even under aws-as's marker), only with
//! `--force`; the profiles an identity is made from never.

use super::verify::{check_header, check_section_name, readable};
use crate::error::Result;
use crate::identity::{Config, MARKER};
use crate::output::ini::file::{self, Location};
use crate::output::ini::model::{self, Document, Section};

/// Who a section of the credentials file belongs to.
pub(super) enum Owner {
    Missing,
    /// It has aws-as's marker, and a session as aws-as writes one.
    AwsAs,
    /// It has aws-as's marker, but someone put long-term keys in it since (`aws configure set
    /// aws_access_key_id AKIA… --profile SECTION` leaves the marker there): the user's now.
    /// What was found.
    MarkedLongTermKeys(&'static str),
    LongTermKeys,
    OtherSession,
    Other,
}

pub(super) fn owner(doc: &Document<'_>, section: &str) -> Owner {
    let Some(s) = doc.section(section) else {
        return Owner::Missing;
    };
    let has = |k: &str| doc.value(s, k).is_some_and(|v| !v.is_empty());
    if has(MARKER) {
        match long_term_keys(doc, s) {
            Some(found) => Owner::MarkedLongTermKeys(found),
            None => Owner::AwsAs,
        }
    } else if has("aws_session_token") || has("aws_security_token") {
        Owner::OtherSession
    } else if has("aws_access_key_id") || has("aws_secret_access_key") {
        Owner::LongTermKeys
    } else {
        Owner::Other
    }
}

/// What makes the keys in `s` long-term ones, if they are. aws-as always writes a key id, a
/// secret and a session token together, and its key ids are temporary (`ASIA`). An `AKIA` key
/// id is an IAM user's long-term key, whatever else is in the section: `aws configure set`
/// changes one key at a time and leaves the session token aws-as wrote in place. A key without
/// a session token is no session aws-as wrote either (STS gives none without a token).
pub(super) fn long_term_keys(doc: &Document<'_>, s: Section) -> Option<&'static str> {
    let value = |k: &str| doc.value(s, k).filter(|v| !v.is_empty());
    let key_id = value("aws_access_key_id");
    let keys = key_id.is_some() || value("aws_secret_access_key").is_some();
    let session = value("aws_session_token").is_some() || value("aws_security_token").is_some();
    if key_id.is_some_and(|k| k.starts_with("AKIA")) {
        Some("an AKIA access key id")
    } else if keys && !session {
        Some("keys without a session token")
    } else {
        None
    }
}

/// Whether aws-as may write into `section` of `doc`: one it wrote, or a missing one, or with
/// `force` any other; never a profile that gets its credentials some other way unless forced.
pub(super) fn check_owner(
    at: &Location,
    doc: &Document<'_>,
    section: &str,
    force: bool,
) -> Result<()> {
    let file_name = at.path.display();
    let force_hint = "pick another section, or pass --force";
    match owner(doc, section) {
        Owner::Missing | Owner::AwsAs => {}
        _ if force => {}
        Owner::MarkedLongTermKeys(found) => bail!(
            "[{section}] in {file_name} holds long-term keys now ({found}), though it has {MARKER}: aws-as did not write them; to keep them delete its {MARKER} line, else {force_hint} to replace them (the old file is kept as a backup)"
        ),
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

/// What long-term keys the file's `section` holds under aws-as's marker, if it does (`refresh`
/// leaves such a section alone rather than retry a write that must fail).
pub(super) fn marked_long_term_keys(section: &str) -> Result<Option<&'static str>> {
    let text = file::read()?.unwrap_or_default();
    let doc = model::parse(&text);
    Ok(match owner(&doc, section) {
        Owner::MarkedLongTermKeys(found) => Some(found),
        _ => None,
    })
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

pub(super) fn check_protected(section: &str, protected: &[String], name: &str) -> Result<()> {
    if protected.iter().any(|p| p == section) {
        bail!(
            "[{section}] is a profile {name:?} is made from: its session written there would replace what its next session needs; pick another section"
        );
    }
    Ok(())
}
