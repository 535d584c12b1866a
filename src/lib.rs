//! aws-as: a venv for AWS IAM identities. The flow, one folder a stage (docs/ARCHITECTURE.md):
//! identities (the profile files) → sessions (cache, MFA, STS) → outputs (the shell, exec, the
//! credentials file, the server…: src/output/mod.rs lists them). Arrows point one way: an output
//! uses sessions, a session uses identities, never back. `cli` parses the command lines and
//! dispatches to an output.

#[macro_use]
pub mod error;

pub mod browser;
pub mod cli;
pub mod identity;
pub mod loopback;
pub mod output;
pub mod peer;
pub mod private;
pub mod session;

/// An environment variable that is set and not empty: an empty one counts as unset everywhere.
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Bytes from the operating system's generator.
pub fn random<const N: usize>() -> error::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| {
        error::Error::new(format!(
            "the operating system gave no random bytes ({e}): check /dev/urandom"
        ))
    })?;
    Ok(bytes)
}

/// Variables that hold credentials: the shell's identity's, and the user's own a switch keeps in
/// `AWS_AS_SAVED_*` (src/output/env.rs).
const CREDENTIAL_VARS: [&str; 5] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
];

/// A program aws-as starts for its own ends (the browser, `notify-send`, an `mfa_process`) gets
/// no credentials from aws-as's environment: none is its business, and a browser keeps its
/// environment for its whole life. Every `AWS_AS_SAVED_*` goes too (a switch's bookkeeping).
pub fn without_credentials(cmd: &mut std::process::Command) -> &mut std::process::Command {
    for var in CREDENTIAL_VARS {
        cmd.env_remove(var);
    }
    for (name, _) in std::env::vars_os() {
        if name.as_encoded_bytes().starts_with(b"AWS_AS_SAVED_") {
            cmd.env_remove(name);
        }
    }
    cmd
}

/// The STS endpoint override the SDK will use (`AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL`).
pub fn sts_endpoint() -> Option<String> {
    env_var("AWS_ENDPOINT_URL_STS").or_else(|| env_var("AWS_ENDPOINT_URL"))
}

/// A time limit in seconds (fractions allowed) from the environment, else `default`: an unset,
/// empty, unparsable or non-positive value is the default.
pub fn env_seconds(name: &str, default: std::time::Duration) -> std::time::Duration {
    env_var(name)
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .and_then(|s| std::time::Duration::try_from_secs_f64(s).ok())
        .unwrap_or(default)
}
