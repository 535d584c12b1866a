//! What is there and what is active: `aws-as list` and `aws-as` with no argument.

use chrono::{DateTime, TimeDelta, Utc};

use crate::env_var as env;
use crate::error::Result;
use crate::identity::{Config, Identity, Kind};
use crate::session::cache::Cache;
use crate::session::{cache_key, rfc3339};

/// `1h05m`, `59m`, or `expired`.
pub fn left(d: TimeDelta) -> String {
    if d.num_seconds() <= 0 {
        "expired".to_string()
    } else if d.num_hours() > 0 {
        format!("{}h{:02}m", d.num_hours(), d.num_minutes() % 60)
    } else {
        format!("{}m", d.num_minutes().max(1))
    }
}

/// A profile name as text for a terminal: control characters (an escape sequence in a hostile
/// name) are shown escaped, never sent to the terminal.
pub fn printable(name: &str) -> String {
    if name.chars().any(char::is_control) {
        name.escape_debug().to_string()
    } else {
        name.to_string()
    }
}

/// The source chain above a role, nearest first: `my-role1-dev < my-user1-dev`.
fn chain(identity: &Identity) -> String {
    let mut names = Vec::new();
    let mut next = identity;
    while let Kind::Role { source, .. } = &next.kind {
        names.push(printable(&source.name));
        next = source;
    }
    if names.is_empty() {
        "-".to_string()
    } else {
        names.join(" < ")
    }
}

fn session(cache: &Cache, identity: &Identity, now: DateTime<Utc>) -> String {
    match cache.read(&cache_key(identity)) {
        Ok(Some(entry)) => {
            let d = entry.credentials.expiration - now;
            if d.num_seconds() <= 0 {
                "expired".to_string()
            } else {
                format!("cached, {} left", left(d))
            }
        }
        Ok(None) => "none".to_string(),
        Err(_) => "unreadable (aws-as NAME says why)".to_string(),
    }
}

pub fn list(names_only: bool) -> Result<String> {
    if names_only {
        // One per line for completion: a name holding a newline cannot be one line, so it is left
        // out (it can still be typed).
        return Ok(crate::session::profile_names()?
            .iter()
            .filter(|n| !n.contains(['\n', '\r']))
            .map(|n| format!("{n}\n"))
            .collect());
    }
    let config = Config::load()?;
    let names = config.names();
    let cache = Cache::open(Cache::default_dir()?);
    let now = Utc::now();
    let active = env("AWS_AS_IDENTITY");
    let mut rows = vec![[
        String::new(),
        "NAME".to_string(),
        "KIND".to_string(),
        "SOURCE CHAIN".to_string(),
        "REGION".to_string(),
        "SESSION".to_string(),
    ]];
    for name in names {
        let mark = if active.as_deref() == Some(name) {
            "*"
        } else {
            ""
        };
        let row = match config.identity(name) {
            Ok(identity) => [
                mark.to_string(),
                printable(name),
                identity.kind_name().to_string(),
                chain(&identity),
                identity
                    .region
                    .as_deref()
                    .map_or_else(|| "-".to_string(), printable),
                session(&cache, &identity, now),
            ],
            Err(_) => [
                mark.to_string(),
                printable(name),
                "-".to_string(),
                "-".to_string(),
                "-".to_string(),
                "not usable (aws-as NAME says why)".to_string(),
            ],
        };
        rows.push(row);
    }
    // The mark column is one character; the others are padded to their widest cell, two spaces
    // apart.
    let mut widths = [0usize; 6];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = format!("{:1} ", row[0]);
        for (i, cell) in row.iter().enumerate().skip(1) {
            line.push_str(cell);
            line.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    Ok(out)
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
