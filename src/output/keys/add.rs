//! `aws-as keys add NAME`: a user's keys into the OS keyring. The key id and the secret from the
//! terminal (the secret not echoed), or with `--from-env` from `AWS_ACCESS_KEY_ID` and
//! `AWS_SECRET_ACCESS_KEY`; never from an argument, which every user can read in /proc. Checked
//! with GetCallerIdentity unless `--no-verify`; the key's creation date asked of IAM
//! (ListAccessKeys) where the user may, for `list`'s age. The keyring first, then the profile in
//! `~/.aws/config` (made if missing): a kill between leaves an item nothing uses yet, which the
//! next add replaces.

use super::{
    check_name, config_section, created_value, edit_config, keyring, keyring_values, step, user_of,
};
use crate::error::Result;
use crate::identity::{Config, KEYRING_MARKER, KeySource, Keys, Kind};
use crate::session::keyring::{Stored, item_name};
use crate::session::sts::Signer;
use crate::session::{Connect, sts_region};

pub fn run(name: &str, from_env: bool, verify: bool, connect: Connect) -> Result<String> {
    check_name(name)?;
    let config = Config::load()?;
    refuse_existing(&config, name)?;
    let keys = if from_env {
        from_environment()?
    } else {
        from_terminal()?
    };
    if keys.access_key_id.is_empty()
        || keys.secret_access_key.is_empty()
        || !keys
            .access_key_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric())
        || keys.secret_access_key.chars().any(char::is_whitespace)
    {
        bail!(
            "that is not an access key (an id of letters and digits, like AKIA…, and a secret without spaces): nothing was stored"
        );
    }
    let sts = connect()?;
    let mut created = None;
    let mut who = String::new();
    if verify {
        let region = config
            .identity(name)
            .ok()
            .map_or_else(|| "us-east-1".to_string(), |i| sts_region(&i));
        let arn = sts
            .caller_arn(name, &region, Signer::Keys(&keys))
            .map_err(|e| {
                crate::error::Error::new(format!(
                    "{e}; nothing was stored (check the keys, or store them unchecked with --no-verify)"
                ))
            })?;
        if let Some(user) = user_of(&arn) {
            // Where the user may list its own keys: the date its key was made, for `list`.
            created = sts
                .list_access_keys(name, Signer::Keys(&keys), user)
                .ok()
                .and_then(|ks| {
                    ks.into_iter()
                        .find(|k| k.access_key_id == keys.access_key_id)
                        .and_then(|k| k.created)
                });
        }
        who = format!(" of {arn}");
    }
    let stored = Stored {
        keys: keys.clone(),
        created,
    };
    keyring(&*sts)?.set(name, &stored)?;
    step("add:stored");
    let created = created.map(|c| created_value(&keys.access_key_id, c));
    edit_config(
        name,
        &keyring_values(&keys.access_key_id, created.as_deref()),
        &[],
    )?;
    Ok(format!(
        "aws-as: stored the key {}{who} in the OS keyring as {} (service aws-as, account {name}); [{}] in the config file says so ({KEYRING_MARKER})\n",
        keys.access_key_id,
        item_name(name),
        config_section(name),
    ))
}

/// A profile that gets credentials another way is not given keys.
fn refuse_existing(config: &Config, name: &str) -> Result<()> {
    if !config.has_profile(name) {
        return Ok(());
    }
    match config.identity(name).map(|i| i.kind) {
        Ok(Kind::User {
            keys: KeySource::File(_),
            ..
        }) => bail!(
            "profile {name:?} has its keys in the AWS credentials file: move them into the keyring with aws-as keys import {name}"
        ),
        Ok(Kind::User {
            keys: KeySource::Keyring { .. },
            ..
        }) => bail!(
            "profile {name:?} has keys in the keyring already: aws-as keys rotate {name} replaces them with a new key, aws-as keys remove {name} deletes them"
        ),
        Ok(_) => bail!(
            "profile {name:?} is a role or an IAM Identity Center profile, which gets its credentials without keys: add the keys under another name"
        ),
        // A profile with a region and nothing else, say: the keys make it a user.
        Err(_) => match config.credential_key(name) {
            None => Ok(()),
            Some(key) => {
                bail!("profile {name:?} gets credentials by {key}: add the keys under another name")
            }
        },
    }
}

fn from_environment() -> Result<Keys> {
    match (
        crate::env_var("AWS_ACCESS_KEY_ID"),
        crate::env_var("AWS_SECRET_ACCESS_KEY"),
    ) {
        (Some(access_key_id), Some(secret_access_key)) => Ok(Keys {
            access_key_id,
            secret_access_key,
        }),
        _ => bail!(
            "--from-env reads AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and one is not set: set both, or run without --from-env to type them"
        ),
    }
}

fn from_terminal() -> Result<Keys> {
    let access_key_id = super::ask_line("Access key ID: ")?;
    let secret_access_key = super::ask_secret("Secret access key (not shown): ")?;
    Ok(Keys {
        access_key_id,
        secret_access_key,
    })
}
