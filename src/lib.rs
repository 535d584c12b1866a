//! aws-as: a venv for AWS IAM identities. See docs/ARCHITECTURE.md for the flow:
//! config → identity chain → MFA → STS → cache → shell dialect.

#[macro_use]
pub mod error;

pub mod activate;
pub mod cache;
pub mod cli;
pub mod completions;
pub mod config;
pub mod exec;
pub mod list;
pub mod mfa;
pub mod resolve;
pub mod shell;
pub mod sts;
pub mod totp;

/// An environment variable that is set and not empty: an empty one counts as unset everywhere.
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
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
