//! The environment change a switch makes: what the shell switch prints for the user's shell to
//! eval and what `exec` gives a command. One ordered list of `(NAME, Some(value) | None)`, where
//! `None` unsets; the shell dialects write it, `exec` applies it.

use crate::env_var as env;
use crate::identity::Summary;
use crate::session::{Credentials, rfc3339};

pub type Change = Vec<(&'static str, Option<String>)>;

/// Variables aws-as sets for the credentials themselves.
const CREDENTIAL_VARS: [&str; 5] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    // The expiry in seconds since 1970, which a prompt hook can compare with the clock without
    // starting a process (bash's printf %(%s)T, zsh's EPOCHSECONDS).
    "AWS_AS_EXPIRES_EPOCH",
];
/// Variables that would compete with the credentials in SDKs.
const COMPETING_VARS: [&str; 3] = ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN"];

/// Region variables and where aws-as keeps the user's own value while an identity's is in force.
const REGION_VARS: [(&str, &str); 2] = [
    ("AWS_REGION", "AWS_AS_SAVED_REGION"),
    ("AWS_DEFAULT_REGION", "AWS_AS_SAVED_DEFAULT_REGION"),
];

/// Unsets `var` only if the shell has it, so the output says only what changes.
fn unset(change: &mut Change, var: &'static str) {
    if std::env::var_os(var).is_some() {
        change.push((var, None));
    }
}

/// Sets the identity's region, or puts back the user's own. aws-as records the region it set in
/// AWS_AS_REGION: a region variable holding that value is aws-as's, and the user's value is the
/// one saved when aws-as replaced it; any other value is the user's and stays.
fn set_region(change: &mut Change, region: Option<&str>) {
    let ours = env("AWS_AS_REGION");
    for (var, saved) in REGION_VARS {
        let users = if ours.is_some() && env(var) == ours {
            env(saved)
        } else {
            env(var)
        };
        match region {
            Some(r) => {
                change.push((var, Some(r.to_string())));
                match users {
                    Some(u) => change.push((saved, Some(u))),
                    None => unset(change, saved),
                }
            }
            None => {
                if users != env(var) {
                    change.push((var, users));
                }
                unset(change, saved);
            }
        }
    }
    match region {
        Some(r) => change.push(("AWS_AS_REGION", Some(r.to_string()))),
        None => unset(change, "AWS_AS_REGION"),
    }
}

/// The credentials and their expiry, as every SDK reads them from the environment.
fn credential_change(credentials: &Credentials) -> Change {
    vec![
        ("AWS_ACCESS_KEY_ID", Some(credentials.access_key_id.clone())),
        (
            "AWS_SECRET_ACCESS_KEY",
            Some(credentials.secret_access_key.clone()),
        ),
        ("AWS_SESSION_TOKEN", Some(credentials.session_token.clone())),
        (
            "AWS_CREDENTIAL_EXPIRATION",
            Some(rfc3339(credentials.expiration)),
        ),
    ]
}

/// What a switch to `identity` changes; `region` (from `--region`) overrides the profile's.
pub fn switch_change(
    identity: &Summary,
    credentials: &Credentials,
    region: Option<&str>,
) -> Change {
    let mut change = credential_change(credentials);
    change.push((
        "AWS_AS_EXPIRES_EPOCH",
        Some(credentials.expiration.timestamp().to_string()),
    ));
    set_region(&mut change, region.or(identity.region.as_deref()));
    for var in COMPETING_VARS {
        unset(&mut change, var);
    }
    change.push(("AWS_AS_IDENTITY", Some(identity.name.clone())));
    change
}

/// The credentials for an environment other than this shell (`aws-as export` in every format
/// but `env`): a container, a PowerShell or cmd session. aws-as keeps no state there, so there
/// is no saved region nor `AWS_AS_IDENTITY`, and the variables that would compete with the
/// credentials are removed whether or not this shell has them (the other one may).
pub fn export_change(
    identity: &Summary,
    credentials: &Credentials,
    region: Option<&str>,
) -> Change {
    let mut change = credential_change(credentials);
    if let Some(r) = region.or(identity.region.as_deref()) {
        for (var, _) in REGION_VARS {
            change.push((var, Some(r.to_string())));
        }
    }
    for var in COMPETING_VARS {
        change.push((var, None));
    }
    change
}

/// What `aws-as -` prints: credentials go only if aws-as put them there (an identity is active);
/// credentials the user exported by hand are theirs.
pub fn clear_change() -> Change {
    let mut change = Change::new();
    if env("AWS_AS_IDENTITY").is_some() {
        for var in CREDENTIAL_VARS {
            unset(&mut change, var);
        }
    }
    set_region(&mut change, None);
    unset(&mut change, "AWS_AS_IDENTITY");
    change
}
