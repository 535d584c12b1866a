//! The switch, what aws-as is for: `aws-as NAME` prints the code that gives the shell NAME's
//! credentials, `aws-as -` the code that takes back what aws-as set, and `aws-as` alone the
//! status line (the active identity and its time left).

use chrono::{DateTime, Utc};

use super::env::{clear_change, switch_change};
use super::shell::Shell;
use super::text::{left, printable};
use crate::env_var as env;
use crate::error::Result;
use crate::identity::Config;
use crate::session::cache::Cache;
use crate::session::{self, Connect, Request, cache_key, rfc3339};

/// What `aws-as [--shell D] [NAME|-]` was asked.
pub struct Options {
    /// The identity, `-`, or none for the status line.
    pub name: Option<String>,
    /// `--shell`: the dialect [default: sh]. Given, stdout is only ever shell code.
    pub shell: Option<Shell>,
    pub request: Request,
    /// `--region`, over the profile's.
    pub region: Option<String>,
}

/// The shell code of the switch (or of `-`), or the status line.
pub fn run(options: &Options, connect: Option<Connect>) -> Result<String> {
    let dialect = options.shell.unwrap_or(Shell::Sh).dialect();
    let Some(name) = &options.name else {
        let status = status();
        if options.shell.is_some() {
            eprint!("{status}");
            return Ok(String::new());
        }
        return Ok(status);
    };
    if name == "-" {
        return dialect.render(&clear_change());
    }
    let (identity, credentials) = session::resolve(name, &options.request, None, connect)?;
    dialect.render(&switch_change(
        &identity,
        &credentials,
        options.region.as_deref(),
    ))
}

/// The ARN STS gave for the cached session of `name`, if it said one (roles).
fn cached_arn(name: &str) -> Option<String> {
    let identity = Config::load().ok()?.identity(name).ok()?;
    let cache = Cache::open(Cache::default_dir().ok()?);
    let entry = cache.read(&cache_key(&identity)).ok()??;
    // Only if the cached session is the one in this shell: a renewal elsewhere may have changed it.
    (Some(&entry.credentials.access_key_id) == env("AWS_ACCESS_KEY_ID").as_ref())
        .then_some(entry.credentials.arn)
        .flatten()
}

/// What `aws-as` with no argument says: the active identity, its ARN when known, and time left.
pub fn status() -> String {
    let Some(name) = env("AWS_AS_IDENTITY") else {
        return "no identity active: run aws-as NAME to switch (aws-as list shows them)\n"
            .to_string();
    };
    let shown = printable(&name);
    let arn = cached_arn(&name).map_or_else(String::new, |a| format!(" ({})", printable(&a)));
    let expiry = env("AWS_CREDENTIAL_EXPIRATION")
        .and_then(|e| DateTime::parse_from_rfc3339(&e).ok())
        .map(|e| e.with_timezone(&Utc));
    match expiry {
        None => format!("{shown}{arn}\n"),
        Some(e) if e <= Utc::now() => format!(
            "{shown}{arn}: expired at {} (run aws-as {shown} to renew)\n",
            rfc3339(e)
        ),
        Some(e) => format!(
            "{shown}{arn}: {} left (expires {})\n",
            left(e - Utc::now()),
            rfc3339(e)
        ),
    }
}
