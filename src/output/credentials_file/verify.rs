//! What every edit must pass: a section name and values that both parsers read alike, a file both
//! aws-config and the line model read, and the new text checked against the old before anything
//! is written (see the header of mod.rs).

use std::path::Path;

use super::{STALE, WRITTEN};
use crate::error::{Error, Result};
use crate::identity::CredentialsText;
use crate::output::ini::edit;
use crate::output::ini::model::{Document, Kind, parse};

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
pub(super) fn check_value(key: &str, value: &str) -> Result<()> {
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
pub(super) fn readable<'a>(path: &Path, text: &'a str) -> Result<(Document<'a>, CredentialsText)> {
    let doc = parse(text);
    doc.check()
        .map_err(|p| unreadable(path, format_args!("line {}: {}", p.line, p.what)))?;
    let parsed = CredentialsText::parse(path, text).map_err(|e| unreadable(path, e))?;
    Ok((doc, parsed))
}

/// A header botocore reads as another name than aws-config (`[ a ]` is " a " to configparser):
/// writing under it would give the two SDKs different sections.
pub(super) fn check_header(path: &Path, doc: &Document<'_>, section: &str) -> Result<()> {
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

/// Checks an edit before it is written: the bytes outside `section` are the old ones, both
/// readers of the new text read every other section as before, and the target holds `values`
/// (or, for a removal, none of aws-as's keys). Anything else is a bug, and nothing is written.
pub(super) fn verify(
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
