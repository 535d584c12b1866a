//! `aws-as keys add|import|remove|rotate NAME`: a user's long-term keys in the OS keyring (one
//! item per identity: service `aws-as`, account the profile's name), and their rotation wherever
//! they are. In `aws-as-sts` only (`cli::Network::keys`): the keyring and IAM are linked there.
//!
//! The profile in `~/.aws/config` says where the keys are, so nothing else opens the keyring:
//! `aws_as_keyring = KEY_ID` (and `aws_as_key_created = KEY_ID DATE` where the date is known).
//! Both files are edited by the rules of `aws-as write` (the credentials file's line model: every
//! other byte unchanged; under a lock beside the file; temp file, fsync, rename; backups).
//!
//! - `add.rs`: keys from the terminal or the environment, checked with GetCallerIdentity, into
//!   the keyring.
//! - `import.rs`: keys moved from `~/.aws/credentials` into the keyring.
//! - `remove.rs`: the keyring item deleted, after a confirmation.
//! - `rotate.rs`: a new key (CreateAccessKey with the MFA session), stored where the old one
//!   was, the old one deleted.

mod add;
mod import;
mod remove;
mod rotate;

use std::io::{BufRead, Write};

use crate::error::{Error, Result};
use crate::identity::{KEY_CREATED, KEYRING_MARKER, read_config_file};
use crate::output::ini::edit;
use crate::output::ini::file;
use crate::output::ini::model;
use crate::session::keyring::KeyringApi;
use crate::session::{Connect, Request, sts::StsApi};

pub enum Options {
    Add {
        name: String,
        from_env: bool,
        verify: bool,
    },
    Import {
        name: Option<String>,
        all: bool,
    },
    Remove {
        name: String,
        yes: bool,
    },
    Rotate {
        name: String,
        request: Request,
    },
}

pub fn run(options: &Options, connect: Option<Connect>) -> Result<String> {
    let connect = connect.ok_or_else(Error::needs_sts)?;
    match options {
        Options::Add {
            name,
            from_env,
            verify,
        } => add::run(name, *from_env, *verify, connect),
        Options::Import { name, all } => import::run(name.as_deref(), *all, connect),
        Options::Remove { name, yes } => remove::run(name, *yes, connect),
        Options::Rotate { name, request } => rotate::run(name, request, connect),
    }
}

/// The keyring, through the network binary's client.
fn keyring(sts: &dyn StsApi) -> Result<Box<dyn KeyringApi>> {
    sts.keyring()
}

/// For tests of a kill at each step: with `AWS_AS_TEST_PAUSE=STEP` (say `rotate:created`) the
/// command says so on stderr and waits there until it is killed.
fn step(name: &str) {
    if crate::env_var("AWS_AS_TEST_PAUSE").as_deref() == Some(name) {
        eprintln!("aws-as: paused at {name}");
        loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
    }
}

/// A profile name aws-as can use (the AWS profile parser skips sections with other characters).
fn check_name(name: &str) -> Result<()> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c))
    {
        bail!("{name:?} cannot be a profile name: use only letters, digits and _ - / . % @ : +");
    }
    Ok(())
}

/// The section of profile `name` in the config file.
fn config_section(name: &str) -> String {
    if name == "default" {
        "default".to_string()
    } else {
        format!("profile {name}")
    }
}

/// `aws_as_key_created`'s value for a key.
fn created_value(key_id: &str, created: chrono::DateTime<chrono::Utc>) -> String {
    format!("{key_id} {}", crate::session::rfc3339(created))
}

/// Sets `values` and removes `remove` in profile `name` of the config file (the section made at
/// the end when missing; one left with nothing of the user's removed), by `write`'s rules: the
/// lock, every byte outside the section as it was, atomic, the old text kept as a backup (the
/// config file holds no secret of aws-as's).
fn edit_config(name: &str, values: &[(&str, &str)], remove: &[&str]) -> Result<()> {
    let at = file::Location::of(file::Which::Config)?;
    let _lock = file::lock(&at)?;
    let old = read_config_file()?.unwrap_or_default();
    let doc = model::parse(&old);
    if let Err(p) = doc.check() {
        bail!(
            "cannot edit the AWS config file {}: line {}: {} (fix that line); the file is unchanged",
            at.path.display(),
            p.line,
            p.what
        );
    }
    let section = config_section(name);
    let new = if values.is_empty() {
        match edit::remove(&doc, &section, remove) {
            Some(new) => new,
            None => return Ok(()),
        }
    } else {
        edit::set(&doc, &section, values, remove)
    };
    check_outside(&at, &doc, &section, &new)?;
    if new != old {
        file::replace(&at, &new, Some(&old))?;
    }
    Ok(())
}

/// The bytes before and after `section` are the old ones (the check `write` makes of its edits).
fn check_outside(
    at: &file::Location,
    doc: &model::Document<'_>,
    section: &str,
    new: &str,
) -> Result<()> {
    let old = doc.text();
    let ok = match doc.section(section) {
        Some(s) => {
            let span = edit::span(doc, s);
            let (prefix, suffix) = (&old[..span.start], &old[span.end..]);
            let prefix = prefix.trim_end_matches(['\r', '\n']);
            new.starts_with(prefix) && new.ends_with(suffix)
        }
        None => new.starts_with(old.trim_end_matches(['\r', '\n'])),
    };
    if !ok {
        bail!(
            "refusing to write the AWS file {}: the edit would change bytes outside [{section}] (a bug in aws-as: please report it); the file is unchanged",
            at.path.display()
        );
    }
    Ok(())
}

/// The config keys that say a profile's keys are in the keyring.
fn keyring_values<'a>(key_id: &'a str, created: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
    let mut values = vec![(KEYRING_MARKER, key_id)];
    if let Some(c) = created {
        values.push((KEY_CREATED, c));
    }
    values
}

/// A line read from the terminal (`/dev/tty`), after `prompt` there; the line as typed.
fn ask_line(prompt: &str) -> Result<String> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| {
            Error::new("no terminal to ask on: run aws-as keys from a terminal (or add with --from-env, remove with --yes)")
        })?;
    (&tty)
        .write_all(prompt.as_bytes())
        .map_err(|e| Error::new(format!("cannot write to the terminal: {e}")))?;
    let mut line = String::new();
    std::io::BufReader::new(&tty)
        .read_line(&mut line)
        .map_err(|e| Error::new(format!("cannot read the terminal: {e}")))?;
    Ok(line.trim().to_string())
}

/// A secret read from the terminal without echo.
fn ask_secret(prompt: &str) -> Result<String> {
    if std::fs::File::open("/dev/tty").is_err() {
        bail!("no terminal to ask on: run aws-as keys add from a terminal, or with --from-env");
    }
    rpassword::prompt_password(prompt)
        .map(|s| s.trim().to_string())
        .map_err(|e| Error::new(format!("cannot read the secret key from the terminal: {e}")))
}

/// The IAM user's name in a user ARN (`arn:aws:iam::123456789012:user/path/NAME`).
fn user_of(arn: &str) -> Option<&str> {
    let (_, rest) = arn.split_once(":user/")?;
    rest.rsplit('/').next().filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_from_arns() {
        assert_eq!(
            user_of("arn:aws:iam::123456789012:user/alice"),
            Some("alice")
        );
        assert_eq!(
            user_of("arn:aws:iam::123456789012:user/team/a/bob"),
            Some("bob")
        );
        assert_eq!(user_of("arn:aws:iam::123456789012:root"), None);
        assert_eq!(user_of("arn:aws:sts::1:assumed-role/r/s"), None);
    }

    #[test]
    fn config_sections() {
        assert_eq!(config_section("default"), "default");
        assert_eq!(config_section("dev"), "profile dev");
    }
}
