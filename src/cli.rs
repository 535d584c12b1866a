//! `aws-as`: switch the calling shell's AWS identity by printing statements for it to eval.

use std::io::Write;

use chrono::{DateTime, SecondsFormat, Utc};
use clap::Parser;

use crate::cache::{Cache, Credentials};
use crate::config::{Config, Identity};
use crate::error::Result;
use crate::resolve::Resolver;
use crate::shell::{Change, Shell};

#[derive(Parser, Debug)]
#[command(
    name = "aws-as",
    version,
    about = "Switch the AWS identity of the current shell: a venv for IAM identities",
    after_help = "With no NAME, shows the active identity and how long it has left.\n\
                  After `eval \"$(aws-as-activate -s)\"` the shell function evals the output for you;\n\
                  without it: eval \"$(aws-as NAME)\" (sh), aws-as --shell fish NAME | source,\n\
                  eval \"`aws-as --shell csh NAME`\" (csh)."
)]
struct Cli {
    /// Identity (a profile of ~/.aws/config) to switch to, or `-` to remove what aws-as set
    name: Option<String>,

    /// Dialect of the printed statements
    #[arg(long, value_enum, default_value = "sh")]
    shell: Shell,

    /// MFA code to use instead of asking on the terminal
    #[arg(long, value_name = "CODE")]
    mfa_code: Option<String>,

    /// Session length in seconds, when a new session is made
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(900..=129_600))]
    duration: Option<u32>,
}

/// Variables aws-as sets for the credentials themselves.
const CREDENTIAL_VARS: [&str; 4] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
];
/// Variables that would compete with the credentials in SDKs.
const COMPETING_VARS: [&str; 3] = ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN"];

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Regions: aws-as records the region it set in AWS_AS_REGION, so that leaving an identity only
/// removes a region aws-as put there, never one the user set.
fn release_region(change: &mut Change) {
    let Some(ours) = env("AWS_AS_REGION") else {
        return;
    };
    for var in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
        if env(var).as_deref() == Some(ours.as_str()) {
            change.push((var, None));
        }
    }
    change.push(("AWS_AS_REGION", None));
}

pub fn switch_change(identity: &Identity, credentials: &Credentials) -> Change {
    let mut change: Change = vec![
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
    ];
    match &identity.region {
        Some(region) => {
            for var in ["AWS_REGION", "AWS_DEFAULT_REGION", "AWS_AS_REGION"] {
                change.push((var, Some(region.clone())));
            }
        }
        None => release_region(&mut change),
    }
    change.extend(COMPETING_VARS.iter().map(|v| (*v, None)));
    change.push(("AWS_AS_IDENTITY", Some(identity.name.clone())));
    change
}

pub fn clear_change() -> Change {
    let mut change: Change = CREDENTIAL_VARS.iter().map(|v| (*v, None)).collect();
    release_region(&mut change);
    change.push(("AWS_AS_IDENTITY", None));
    change
}

fn status() -> String {
    let Some(name) = env("AWS_AS_IDENTITY") else {
        return "no identity active: run aws-as NAME to switch\n".to_string();
    };
    let expiry = env("AWS_CREDENTIAL_EXPIRATION")
        .and_then(|e| DateTime::parse_from_rfc3339(&e).ok())
        .map(|e| e.with_timezone(&Utc));
    match expiry {
        None => format!("{name}\n"),
        Some(e) => {
            let left = e - Utc::now();
            if left.num_seconds() <= 0 {
                format!(
                    "{name}: expired at {} (run aws-as {name} to renew)\n",
                    rfc3339(e)
                )
            } else {
                format!(
                    "{name}: {}h{:02}m left (expires {})\n",
                    left.num_hours(),
                    left.num_minutes() % 60,
                    rfc3339(e)
                )
            }
        }
    }
}

fn run(cli: Cli) -> Result<String> {
    let dialect = cli.shell.dialect();
    let Some(name) = cli.name else {
        return Ok(status());
    };
    if name == "-" {
        return dialect.render(&clear_change());
    }
    let config = Config::load()?;
    let identity = config.identity(&name)?;
    let cache = Cache::open(Cache::default_dir()?);
    let mut resolver = Resolver::new(&cache, cli.mfa_code);
    let credentials = resolver.credentials(&identity, cli.duration)?;
    dialect.render(&switch_change(&identity, &credentials))
}

pub fn main() -> i32 {
    let cli = Cli::parse();
    match run(cli) {
        Ok(out) => {
            // Printed only once everything succeeded: on failure stdout stays empty, so an eval of
            // it changes nothing.
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(out.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("aws-as: cannot write the output: {e}");
                    1
                }
            }
        }
        Err(e) => {
            eprintln!("aws-as: {e}");
            1
        }
    }
}
