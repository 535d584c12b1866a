//! What every edit of the config file by `aws-as sso populate` must pass before it is written:
//! a file both the line model and aws-config read, every section it does not populate the same
//! bytes as before and read the same by aws-config, the populated profiles holding what they
//! should, the removed ones gone. Anything else is a bug, and nothing is written.

use std::collections::HashSet;
use std::path::Path;

use crate::error::{Error, Result};
use crate::identity::ConfigText;
use crate::output::ini::edit;
use crate::output::ini::model::{Document, Kind, config_header, parse};

fn unreadable(path: &Path, what: impl std::fmt::Display) -> Error {
    Error::new(format!(
        "refusing to edit the AWS config file {}: {what}; fix it by hand (aws-as changes nothing in a file it cannot edit without loss)",
        path.display()
    ))
}

/// The document of `text`, if aws-as can edit it: both its line model and aws-config read it.
pub fn readable<'a>(path: &Path, text: &'a str) -> Result<(Document<'a>, ConfigText)> {
    let doc = parse(text);
    doc.check()
        .map_err(|p| unreadable(path, format_args!("line {}: {}", p.line, p.what)))?;
    let parsed = ConfigText::parse(path, text).map_err(|e| unreadable(path, e))?;
    Ok((doc, parsed))
}

/// A profile's header written so that botocore reads another name (`[ profile a ]`): aws-as
/// does not edit under it.
pub fn check_header(path: &Path, doc: &Document<'_>, header: &str) -> Result<()> {
    if let Some(s) = doc.section(header)
        && let Kind::Header { plain: false, .. } = doc.lines()[s.header].kind
    {
        return Err(unreadable(
            path,
            format_args!(
                "the header of [{header}] on line {} is written so that botocore reads another name; write it as [{header}]",
                s.header + 1
            ),
        ));
    }
    Ok(())
}

/// What an edit was meant to do: the profiles set (with the values they must read) and removed.
pub struct Intent<'a> {
    pub set: Vec<(&'a str, Vec<(&'a str, &'a str)>)>,
    pub removed: Vec<&'a str>,
}

/// Checks `new` against the old document and its reading before it is written.
pub fn verify(
    path: &Path,
    doc: &Document<'_>,
    parsed: &ConfigText,
    new: &str,
    intent: &Intent<'_>,
) -> Result<()> {
    let fail = |what: &str| {
        Err(Error::new(format!(
            "refusing to write the AWS config file {}: the edit would {what} (a bug in aws-as: please report it); the file is unchanged",
            path.display()
        )))
    };
    let touched: HashSet<String> = intent
        .set
        .iter()
        .map(|(n, _)| *n)
        .chain(intent.removed.iter().copied())
        .map(config_header)
        .collect();
    let new_doc = parse(new);
    if new_doc.check().is_err() {
        return fail("make the file one aws-as cannot read");
    }
    if new_doc
        .lines()
        .iter()
        .any(|l| matches!(l.kind, Kind::Key(None)))
    {
        return fail("write a line that is not key = value");
    }
    let Ok(new_parsed) = ConfigText::parse(path, new) else {
        return fail("make the file one the SDK cannot read");
    };
    // Bytes: what comes before the first section, and every section not populated here.
    let head = |d: &Document<'_>| {
        d.sections()
            .first()
            .map_or(d.text().len(), |(_, s)| d.lines()[s.header].start)
    };
    let (old_head, new_head) = (&doc.text()[..head(doc)], &new[..head(&new_doc)]);
    if old_head != new_head && old_head.trim_end() != new_head.trim_end() {
        return fail("change the lines before the first section");
    }
    let trim = |t: &str| t.trim_end_matches(['\r', '\n']).to_string();
    for (name, s) in doc.sections() {
        if touched.contains(&name) {
            continue;
        }
        let Some(n) = new_doc.section(&name) else {
            return fail("remove a section it does not own");
        };
        // A last section gains a line ending when a section is appended after it.
        let old_bytes = &doc.text()[edit::span(doc, s)];
        let new_bytes = &new[edit::span(&new_doc, n)];
        if old_bytes != new_bytes && trim(old_bytes) != trim(new_bytes) {
            return fail("change a section it does not own");
        }
    }
    // Readings: every profile, sso-session and other section it does not populate.
    let touched_profiles: HashSet<&str> = intent
        .set
        .iter()
        .map(|(n, _)| *n)
        .chain(intent.removed.iter().copied())
        .collect();
    for name in parsed.profiles() {
        if !touched_profiles.contains(name) && !parsed.same_profile(&new_parsed, name) {
            return fail("change another profile");
        }
    }
    for name in parsed.sso_sessions() {
        if !parsed.same_sso_session(&new_parsed, name) {
            return fail("change an sso-session");
        }
    }
    if new_parsed.sso_sessions() != parsed.sso_sessions()
        || !parsed.same_other_sections(&new_parsed)
    {
        return fail("change a section it does not own");
    }
    for (name, values) in &intent.set {
        for (k, v) in values {
            if new_parsed.get(name, k) != Some(*v) {
                return fail("not write a profile as it should");
            }
        }
        if let Some(s) = new_doc.section(&config_header(name))
            && let Kind::Header { plain: false, .. } = new_doc.lines()[s.header].kind
        {
            return fail("write a header botocore reads otherwise");
        }
    }
    for name in &intent.removed {
        if new_parsed.profiles().contains(name) {
            return fail("leave a profile behind that it removes");
        }
    }
    let expected: usize = parsed.profiles().len().saturating_sub(intent.removed.len())
        + intent
            .set
            .iter()
            .filter(|(n, _)| !parsed.profiles().contains(n))
            .count();
    if new_parsed.profiles().len() != expected {
        return fail("add or remove other profiles");
    }
    Ok(())
}
