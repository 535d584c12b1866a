//! What is there and what is active: `aws-as list` and `aws-as` with no argument.

use chrono::{DateTime, Utc};

use super::rows::{self, Cached, chain};
use super::text::{left, printable};
use crate::env_var as env;
use crate::error::Result;
use crate::identity::{Config, Identity};
use crate::session::cache::Cache;
use crate::session::{cache_key, rfc3339};

/// The chain as `list` shows it: `my-role1-dev < my-user1-dev`, or `-`.
fn chain_text(identity: &Identity) -> String {
    let names = chain(identity);
    if names.is_empty() {
        "-".to_string()
    } else {
        names
            .iter()
            .map(|n| printable(n))
            .collect::<Vec<_>>()
            .join(" < ")
    }
}

fn session_text(session: &Cached, now: DateTime<Utc>) -> String {
    match session {
        Cached::Session { expiration, .. } => {
            let d = *expiration - now;
            if d.num_seconds() <= 0 {
                "expired".to_string()
            } else {
                format!("cached, {} left", left(d))
            }
        }
        Cached::None => "none".to_string(),
        Cached::Unreadable => "unreadable (aws-as NAME says why)".to_string(),
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
    for row in rows::rows(&config, &cache) {
        let mark = if active.as_deref() == Some(row.name.as_str()) {
            "*"
        } else {
            ""
        };
        let cells = match &row.identity {
            Ok(identity) => [
                mark.to_string(),
                printable(&row.name),
                identity.kind_name().to_string(),
                chain_text(identity),
                identity
                    .region
                    .as_deref()
                    .map_or_else(|| "-".to_string(), printable),
                session_text(&row.session, now),
            ],
            Err(_) => [
                mark.to_string(),
                printable(&row.name),
                "-".to_string(),
                "-".to_string(),
                "-".to_string(),
                "not usable (aws-as NAME says why)".to_string(),
            ],
        };
        rows.push(cells);
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
