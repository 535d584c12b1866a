//! `aws-as keys rotate NAME`: a new access key for a user, stored where the old one was (the OS
//! keyring, the credentials file or the config file, in place), the old one deleted. In order:
//!
//! 1. the user's name from GetCallerIdentity with the stored key (moto needs it in IAM calls,
//!    and it is what `${aws:username}` policies allow), and the identity's MFA session through
//!    the resolver (policies often require MFA for CreateAccessKey);
//! 2. ListAccessKeys: a user with two keys already cannot get a third (IAM's limit), and the one
//!    aws-as does not store is named with the command that deletes it;
//! 3. CreateAccessKey; the new key checked with GetCallerIdentity, retried for
//!    `AWS_AS_IAM_WAIT` seconds (30: IAM is eventually consistent), deleted again if it never
//!    works;
//! 4. the new key stored in place of the old (keyring: the item, then `aws_as_keyring`);
//! 5. DeleteAccessKey of the old key; the cached sessions made from it dropped.
//!
//! A failure or a kill at any step leaves one working key stored: before 4, the old one (a key
//! created and not stored is named by the next rotation's step 2); after 4, the new one (a kill
//! between the keyring item and the config file is finished by the next rotation, which sees the
//! item's key id differ from the profile's).

use std::time::{Duration, Instant};

use super::{created_value, edit_config, keyring, keyring_values, step, user_of};
use crate::error::{Error, Result};
use crate::identity::{
    Config, CredentialsText, KEY_CREATED, KeySource, Keys, Kind, read_config_file,
};
use crate::output::ini::edit;
use crate::output::ini::file;
use crate::output::ini::model;
use crate::session::cache::Cache;
use crate::session::keyring::Stored;
use crate::session::sts::{Signer, StsApi};
use crate::session::{Connect, Credentials, Request, sts_region};

/// Where a user's keys are written.
enum Place {
    Keyring,
    /// A section of the credentials file (its name), or of the config file.
    CredentialsFile(String),
    ConfigFile(String),
}

fn iam_wait() -> Duration {
    crate::env_seconds("AWS_AS_IAM_WAIT", Duration::from_secs(30))
}

pub fn run(name: &str, request: &Request, connect: Connect) -> Result<String> {
    let config = Config::load()?;
    let identity = config.identity(name)?;
    let Kind::User { keys: source, .. } = &identity.kind else {
        bail!(
            "{name:?} is not a user with long-term keys: rotate the keys of the user it is made from (aws-as keys rotate {})",
            identity.root().name
        );
    };
    let sts = connect()?;
    let region = sts_region(&identity);
    let old_fingerprint = identity.fingerprint();
    let (old, place, behind) = match source {
        KeySource::File(keys) => (keys.clone(), where_written(name, keys)?, None),
        KeySource::Keyring { access_key_id, .. } => {
            let Some(stored) = keyring(&*sts)?.get(name)? else {
                bail!(
                    "profile {name:?} says its keys are in the OS keyring, which has no item aws-as/{name}: add them with aws-as keys add {name}"
                );
            };
            let behind =
                (stored.keys.access_key_id != *access_key_id).then(|| access_key_id.clone());
            (stored.keys, Place::Keyring, behind)
        }
    };
    let arn = sts.caller_arn(name, &region, Signer::Keys(&old))?;
    let Some(user) = user_of(&arn).map(str::to_string) else {
        bail!(
            "{name}'s keys are {arn}'s, not an IAM user's: only an IAM user's access keys can be rotated"
        );
    };
    let session = crate::session::credentials(&identity, request, None, Some(connect))?;
    if let Some(replaced) = behind {
        return finish(
            &*sts,
            name,
            &user,
            &session,
            &old,
            &replaced,
            &old_fingerprint,
        );
    }
    if let Ok(listed) = sts.list_access_keys(name, Signer::Session(&session), &user)
        && let Some(other) = listed.iter().find(|k| k.access_key_id != old.access_key_id)
    {
        bail!(
            "IAM user {user} has two access keys, {} (stored for {name}) and {} (not stored by aws-as; a rotation stopped before it stored the new key leaves one): delete the one aws-as does not store if nothing else uses it (aws iam delete-access-key --user-name {user} --access-key-id {}), then rotate again",
            old.access_key_id,
            other.access_key_id,
            other.access_key_id
        );
    }
    step("rotate:session");

    let (new, created) = sts.create_access_key(name, &session, &user)?;
    eprintln!(
        "aws-as: created the access key {} for IAM user {user}; {} is still the stored key",
        new.access_key_id, old.access_key_id
    );
    step("rotate:created");
    if let Err(e) = until_it_works(&*sts, name, &region, &new, &user) {
        let gone = sts.delete_access_key(name, &session, &user, &new.access_key_id);
        return Err(Error::new(match gone {
            Ok(()) => format!(
                "{e}; the new key was deleted again and {} is still stored and works: rotate again in a few minutes",
                old.access_key_id
            ),
            Err(_) => format!(
                "{e}; {} is still stored and works: delete the new key (aws iam delete-access-key --user-name {user} --access-key-id {}), then rotate again",
                old.access_key_id, new.access_key_id
            ),
        }));
    }
    step("rotate:verified");

    store(&*sts, name, &place, &new, created, &old)?;
    step("rotate:stored");
    let done = finish(
        &*sts,
        name,
        &user,
        &session,
        &new,
        &old.access_key_id,
        &old_fingerprint,
    )?;
    Ok(format!(
        "aws-as: rotated {name}'s key: {} is stored {} and works; {done}",
        new.access_key_id,
        match &place {
            Place::Keyring => "in the OS keyring".to_string(),
            Place::CredentialsFile(_) => "in the AWS credentials file".to_string(),
            Place::ConfigFile(_) => "in the AWS config file".to_string(),
        },
    ))
}

/// Steps after the new key is stored: the profile's `aws_as_keyring` brought up to the stored
/// key (a rotation killed between the two writes), the old key deleted, its sessions dropped.
fn finish(
    sts: &dyn StsApi,
    name: &str,
    user: &str,
    session: &Credentials,
    stored: &Keys,
    replaced: &str,
    old_fingerprint: &str,
) -> Result<String> {
    let config = Config::load_config_file()?;
    if config
        .setting(name, crate::identity::KEYRING_MARKER)
        .is_some_and(|k| k != stored.access_key_id)
    {
        edit_config(
            name,
            &keyring_values(&stored.access_key_id, None),
            &[KEY_CREATED],
        )?;
    }
    let still_there = sts
        .list_access_keys(name, Signer::Session(session), user)
        .map(|ks| ks.iter().any(|k| k.access_key_id == replaced))
        .unwrap_or(true);
    if still_there {
        sts.delete_access_key(name, session, user, replaced).map_err(|e| {
            Error::new(format!(
                "{e}; the new key {} is stored and works, the old key {replaced} is not deleted: delete it (aws iam delete-access-key --user-name {user} --access-key-id {replaced})",
                stored.access_key_id
            ))
        })?;
    }
    step("rotate:deleted");
    let dropped = Cache::default_dir()
        .map(|dir| Cache::open(dir).remove_where(|key| key.contains(old_fingerprint)))
        .and_then(|r| r)
        .unwrap_or(0);
    Ok(format!(
        "the old key {replaced} is deleted, {dropped} cached session(s) made from it dropped\n"
    ))
}

/// GetCallerIdentity with the new key until it answers as `user`, for [`iam_wait`].
fn until_it_works(
    sts: &dyn StsApi,
    name: &str,
    region: &str,
    keys: &Keys,
    user: &str,
) -> Result<()> {
    let wait = iam_wait();
    let start = Instant::now();
    loop {
        let last = match sts.caller_arn(name, region, Signer::Keys(keys)) {
            Ok(arn) if user_of(&arn) == Some(user) => return Ok(()),
            Ok(arn) => format!("it answers as {arn}"),
            Err(e) => e.to_string(),
        };
        if start.elapsed() >= wait {
            return Err(Error::new(format!(
                "the new key {} did not work within {} s (IAM is eventually consistent; raise AWS_AS_IAM_WAIT): {last}",
                keys.access_key_id,
                wait.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(1500));
    }
}

/// Which file section holds `keys` of profile `name`: found before any key is made.
fn where_written(name: &str, keys: &Keys) -> Result<Place> {
    let at = file::Location::find()?;
    if let Some(text) = file::read()? {
        let parsed = CredentialsText::parse(&at.path, &text)?;
        if parsed.get(name, "aws_access_key_id") == Some(&keys.access_key_id) {
            return Ok(Place::CredentialsFile(name.to_string()));
        }
    }
    let section = super::config_section(name);
    if let Some(text) = read_config_file()? {
        let doc = model::parse(&text);
        if let Some(s) = doc.section(&section)
            && doc.value(s, "aws_access_key_id") == Some(keys.access_key_id.as_str())
        {
            return Ok(Place::ConfigFile(section));
        }
    }
    bail!(
        "{name}'s keys are not written in its own section of the AWS credentials or config file (an include_profile?): rotate them by hand, or move them there first"
    )
}

/// Stores `new` in place of `old`.
fn store(
    sts: &dyn StsApi,
    name: &str,
    place: &Place,
    new: &Keys,
    created_at: Option<chrono::DateTime<chrono::Utc>>,
    old: &Keys,
) -> Result<()> {
    let created = created_at.map(|c| created_value(&new.access_key_id, c));
    let created = created.as_deref();
    let values = [
        ("aws_access_key_id", new.access_key_id.as_str()),
        ("aws_secret_access_key", new.secret_access_key.as_str()),
    ];
    let stored_in_file = |at: file::Location, section: &str| -> Result<()> {
        let _lock = file::lock(&at)?;
        let old_text = std::fs::read_to_string(&at.real).unwrap_or_default();
        let doc = model::parse(&old_text);
        let new_text = edit::set(&doc, section, &values, &[]);
        super::check_outside(&at, &doc, section, &new_text)?;
        // No backup: the old key is deleted in a moment, and a copy of it would outlive it.
        file::replace(&at, &new_text, None)
    };
    let fail = |e: Error| {
        Error::new(format!(
            "{e}; the old key {} is still stored and works, the new key {} is not stored: delete it (aws iam delete-access-key --access-key-id {}), then rotate again",
            old.access_key_id, new.access_key_id, new.access_key_id
        ))
    };
    match place {
        Place::Keyring => {
            keyring(sts)
                .and_then(|k| {
                    k.set(
                        name,
                        &Stored {
                            keys: new.clone(),
                            created: created_at,
                        },
                    )
                })
                .map_err(fail)?;
            step("rotate:stored-keyring");
            let stale: &[&str] = if created.is_some() {
                &[]
            } else {
                &[KEY_CREATED]
            };
            edit_config(name, &keyring_values(&new.access_key_id, created), stale)?;
        }
        Place::CredentialsFile(section) => {
            stored_in_file(file::Location::find()?, section).map_err(fail)?;
            record_created(name, created);
        }
        Place::ConfigFile(section) => {
            stored_in_file(file::Location::of(file::Which::Config)?, section).map_err(fail)?;
            record_created(name, created);
        }
    }
    Ok(())
}

/// `aws_as_key_created` for keys kept in a file: only `list`'s age depends on it.
fn record_created(name: &str, created: Option<&str>) {
    if let Some(c) = created {
        let _ = edit_config(name, &[(KEY_CREATED, c)], &[]);
    }
}
