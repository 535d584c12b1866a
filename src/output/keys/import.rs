//! `aws-as keys import NAME` (or `--all`): keys moved from the AWS credentials file into the OS
//! keyring. For each profile, in this order, so a failure or a kill at any point leaves keys that
//! work:
//!
//! 1. the keyring item written, and read back (a failure here touches no file);
//! 2. `aws_as_keyring = KEY_ID` in the profile of the config file (keys in the credentials file
//!    still win: an import stopped here still uses them, and running it again finishes it);
//! 3. the keys taken out of the backups `write` kept of the credentials file;
//! 4. the keys taken out of the credentials file (the section too, when nothing else is left in
//!    it), under its lock, every other byte as it was.
//!
//! This edit keeps no backup of its own: the only bytes it changes are the keys, now in the
//! keyring, and a backup holding them would be the very plaintext copy an import is for removing.

use super::{edit_config, keyring, keyring_values, step};
use crate::error::{Error, Result};
use crate::identity::{CredentialsText, MARKER};
use crate::output::ini::edit;
use crate::output::ini::file;
use crate::output::ini::model;
use crate::session::Connect;
use crate::session::keyring::{Stored, item_name};

const KEYS: [&str; 2] = ["aws_access_key_id", "aws_secret_access_key"];

pub fn run(name: Option<&str>, all: bool, connect: Connect) -> Result<String> {
    let at = file::Location::find()?;
    let candidates = {
        let text = file::read()?.unwrap_or_default();
        importable(&at, &text)?
    };
    let names: Vec<String> = match (name, all) {
        (Some(_), true) => bail!("name one profile or give --all, not both"),
        (None, false) => bail!(
            "name the profile whose keys to import (aws-as keys import NAME), or import them all with --all"
        ),
        (Some(name), false) => {
            if !candidates.iter().any(|(n, _)| n == name) {
                bail!(
                    "the AWS credentials file {} has no long-term keys for {name:?} (aws_access_key_id and aws_secret_access_key, no session token): nothing to import",
                    at.path.display()
                );
            }
            vec![name.to_string()]
        }
        (None, true) => candidates.iter().map(|(n, _)| n.clone()).collect(),
    };
    if names.is_empty() {
        return Ok(format!(
            "aws-as: the AWS credentials file {} holds no long-term keys to import\n",
            at.path.display()
        ));
    }
    let sts = connect()?;
    let ring = keyring(&*sts)?;
    let mut out = String::new();
    for name in &names {
        let Some((_, keys)) = candidates.iter().find(|(n, _)| n == name) else {
            continue;
        };
        // 1. The keyring, checked by reading the item back.
        let stored = Stored {
            keys: keys.clone(),
            created: None,
        };
        ring.set(name, &stored)?;
        let back = ring.get(name)?;
        if back.as_ref().map(|b| &b.keys.secret_access_key) != Some(&keys.secret_access_key) {
            bail!(
                "the OS keyring did not keep {}'s keys (reading the item back gave something else): the AWS credentials file is unchanged",
                name
            );
        }
        step("import:stored");
        // 2. The config file says where the keys are now.
        edit_config(name, &keyring_values(&keys.access_key_id, None), &[])?;
        step("import:marked");
        // 3 and 4, under the credentials file's lock.
        remove_from_file(&at, name)?;
        step("import:removed");
        out.push_str(&format!(
            "aws-as: moved {name}'s key {} from {} into the OS keyring as {}\n",
            keys.access_key_id,
            at.path.display(),
            item_name(name)
        ));
    }
    Ok(out)
}

/// The sections of the credentials file with long-term keys: both keys, no session token, not
/// a section aws-as writes.
fn importable(at: &file::Location, text: &str) -> Result<Vec<(String, crate::identity::Keys)>> {
    let parsed = CredentialsText::parse(&at.path, text)?;
    let mut out = Vec::new();
    for section in parsed.sections() {
        let get = |k: &str| parsed.get(section, k).filter(|v| !v.is_empty());
        if get(MARKER).is_some() || get("aws_session_token").is_some() {
            continue;
        }
        if let (Some(id), Some(secret)) = (get(KEYS[0]), get(KEYS[1])) {
            out.push((
                section.to_string(),
                crate::identity::Keys {
                    access_key_id: id.to_string(),
                    secret_access_key: secret.to_string(),
                },
            ));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Takes section `name`'s keys out of the backups, then out of the file.
fn remove_from_file(at: &file::Location, name: &str) -> Result<()> {
    let _lock = file::lock(at)?;
    file::scrub_backups(at, |text| edit::remove(&model::parse(text), name, &KEYS))?;
    step("import:scrubbed");
    let Some(old) = file::read()? else {
        return Ok(());
    };
    let doc = model::parse(&old);
    let Some(new) = edit::remove(&doc, name, &KEYS) else {
        return Ok(());
    };
    // What an SDK reads of the new text: no keys in the section, every other section as before.
    let before = CredentialsText::parse(&at.path, &old)?;
    let after = CredentialsText::parse(&at.path, &new)?;
    let same_elsewhere = before.sections().iter().filter(|s| **s != name).all(|s| {
        [
            "aws_access_key_id",
            "aws_secret_access_key",
            "aws_session_token",
            "region",
        ]
        .iter()
        .all(|k| before.get(s, k) == after.get(s, k))
    });
    if KEYS.iter().any(|k| after.get(name, k).is_some()) || !same_elsewhere {
        return Err(Error::new(format!(
            "refusing to write the AWS credentials file {}: taking {name}'s keys out would change more (a bug in aws-as: please report it); the file is unchanged, the keys are in the keyring too",
            at.path.display()
        )));
    }
    file::replace(at, &new, None)
}
