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

/// What a switch replaces and `aws-as -` gives back, and where the user's value is kept while an
/// identity is active: the credentials aws-as sets (the first four) and the variables it unsets
/// (the rest). Kept in the shell's environment, where the value was already (the user exported
/// it), under a name no SDK reads; nothing prints them but the code the shell evaluates for `-`,
/// and a command aws-as starts (`exec`) gets none of them ([`child_change`]).
const KEPT_VARS: [(&str, &str); 7] = [
    ("AWS_ACCESS_KEY_ID", "AWS_AS_SAVED_ACCESS_KEY_ID"),
    ("AWS_SECRET_ACCESS_KEY", "AWS_AS_SAVED_SECRET_ACCESS_KEY"),
    ("AWS_SESSION_TOKEN", "AWS_AS_SAVED_SESSION_TOKEN"),
    (
        "AWS_CREDENTIAL_EXPIRATION",
        "AWS_AS_SAVED_CREDENTIAL_EXPIRATION",
    ),
    ("AWS_PROFILE", "AWS_AS_SAVED_PROFILE"),
    ("AWS_DEFAULT_PROFILE", "AWS_AS_SAVED_DEFAULT_PROFILE"),
    ("AWS_SECURITY_TOKEN", "AWS_AS_SAVED_SECURITY_TOKEN"),
];

/// Whether aws-as sets `var` (so its value is aws-as's while an identity is active); the other
/// kept variables it unsets, so a value of theirs is always the user's.
fn set_by_aws_as(var: &str) -> bool {
    CREDENTIAL_VARS.contains(&var)
}

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

/// Keeps what the switch is about to replace: the values the user has when no identity is active,
/// and a profile variable the user set while one is (aws-as never sets those). A value that is
/// aws-as's, or one kept at an earlier switch, stays as it is.
fn keep_users(change: &mut Change) {
    let active = env("AWS_AS_IDENTITY").is_some();
    for (var, saved) in KEPT_VARS {
        if active && (set_by_aws_as(var) || env(var).is_none()) {
            continue;
        }
        match env(var) {
            Some(value) => change.push((saved, Some(value))),
            None => unset(change, saved),
        }
    }
}

/// Gives back what [`keep_users`] kept, when an identity is active: a credential variable gets
/// the user's value or goes; a profile variable gets it unless the user set one since.
fn give_back(change: &mut Change) {
    let active = env("AWS_AS_IDENTITY").is_some();
    for (var, saved) in KEPT_VARS {
        if active {
            match env(saved) {
                Some(value) if set_by_aws_as(var) || env(var).is_none() => {
                    change.push((var, Some(value)))
                }
                None if set_by_aws_as(var) => unset(change, var),
                _ => {}
            }
        }
        unset(change, saved);
    }
}

/// What a switch of this shell to `identity` changes; `region` (from `--region`) overrides the
/// profile's. What it replaces is kept for `aws-as -`.
pub fn switch_change(
    identity: &Summary,
    credentials: &Credentials,
    region: Option<&str>,
) -> Change {
    let mut change = Change::new();
    keep_users(&mut change);
    change.extend(identity_change(identity, credentials, region));
    change
}

/// What a command aws-as starts gets (`exec`): the switch without keeping anything, and without
/// what a switch of the calling shell kept (the user's own credentials are not the command's).
pub fn child_change(identity: &Summary, credentials: &Credentials, region: Option<&str>) -> Change {
    let mut change = identity_change(identity, credentials, region);
    for (_, saved) in KEPT_VARS {
        unset(&mut change, saved);
    }
    change
}

/// The identity's variables, which every switch sets: credentials, region, the competing
/// variables removed, AWS_AS_IDENTITY. `export --format env` prints this alone: it is for
/// another tool and never prints what a switch kept.
pub fn identity_change(
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

/// What `aws-as -` prints: credentials go only if aws-as put them there (an identity is active),
/// and what the switch replaced comes back; credentials the user exported by hand with no
/// identity active are theirs.
pub fn clear_change() -> Change {
    let mut change = Change::new();
    give_back(&mut change);
    if env("AWS_AS_IDENTITY").is_some() {
        unset(&mut change, "AWS_AS_EXPIRES_EPOCH");
    }
    set_region(&mut change, None);
    unset(&mut change, "AWS_AS_IDENTITY");
    change
}
