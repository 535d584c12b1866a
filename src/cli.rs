//! `aws-as`: switch the calling shell's AWS identity by printing statements for it to eval.

use std::io::Write;

use chrono::{DateTime, SecondsFormat, Utc};
use clap::Parser;

use crate::cache::{Cache, Credentials};
use crate::config::{Config, DURATION_RANGE, Identity};
use crate::env_var as env;
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

    /// Dialect of the printed statements [default: sh]. Output is then only ever shell code:
    /// help, version and status text go to stderr.
    #[arg(long, value_enum)]
    shell: Option<Shell>,

    /// MFA code to use instead of asking on the terminal
    #[arg(long, value_name = "CODE")]
    mfa_code: Option<String>,

    /// Session length in seconds, when a new session is made
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32)
        .range(i64::from(*DURATION_RANGE.start())..=i64::from(*DURATION_RANGE.end())))]
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

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
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
    set_region(&mut change, identity.region.as_deref());
    for var in COMPETING_VARS {
        unset(&mut change, var);
    }
    change.push(("AWS_AS_IDENTITY", Some(identity.name.clone())));
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
    let dialect = cli.shell.unwrap_or(Shell::Sh).dialect();
    let Some(name) = cli.name else {
        if cli.shell.is_some() {
            eprint!("{}", status());
            return Ok(String::new());
        }
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
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            // With --shell the caller evals stdout (the activation's wrapper always passes it):
            // help and version text must not become shell code there.
            let captured = args.iter().any(|a| {
                a.to_str()
                    .is_some_and(|a| a == "--shell" || a.starts_with("--shell="))
            });
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                if captured {
                    eprint!("{e}");
                } else {
                    print!("{e}");
                }
                return 0;
            }
            let text = e.to_string();
            let line = text.lines().next().unwrap_or("invalid arguments");
            eprintln!(
                "aws-as: {} (see aws-as --help)",
                line.trim_start_matches("error: ")
            );
            return 2;
        }
    };
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
