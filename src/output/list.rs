//! What is there: `aws-as list`.

use chrono::{DateTime, TimeDelta, Utc};

use std::collections::HashMap;

use super::rows::{self, Cached, SignInToken, chain};
use super::text::{left, printable};
use crate::env_var as env;
use crate::error::Result;
use crate::identity::{Config, Identity, KEY_CREATED, Kind};
use crate::session::Connect;
use crate::session::cache::Cache;

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

/// Days after which a key is marked as due for rotation (AWS's own advice, and Security Hub's
/// IAM.3 check).
const KEY_DAYS: i64 = 90;

/// Where a user's keys are (`file` or `keyring`: the profile says, no keyring is opened) and their
/// age where aws-as recorded the creation date (`aws_as_key_created`, for the key it names).
fn keys_text(config: &Config, identity: &Identity, now: DateTime<Utc>) -> String {
    let Kind::User { keys, .. } = &identity.kind else {
        return "-".to_string();
    };
    let created = config.setting(&identity.name, KEY_CREATED).and_then(|v| {
        let (id, date) = v.split_once(' ')?;
        (id == keys.access_key_id()).then(|| DateTime::parse_from_rfc3339(date.trim()).ok())?
    });
    match created {
        None => keys.place().to_string(),
        Some(created) => {
            let days = (now - created.with_timezone(&Utc)).num_days().max(0);
            let mark = if days > KEY_DAYS { " (!) rotate" } else { "" };
            format!("{}, {days} d{mark}", keys.place())
        }
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

/// The sign-in's cell: the sso-session (or start URL) and how long its token lasts, as the
/// SESSION column says a session's; what to run when it needs a person.
fn sign_in_text(label: &str, login: &str, token: &SignInToken, now: DateTime<Utc>) -> String {
    let label = printable(label);
    match token {
        SignInToken::Token { expires_at, .. } if *expires_at - now > TimeDelta::zero() => {
            format!("{label}, {} left", left(*expires_at - now))
        }
        SignInToken::Token {
            refreshable: true, ..
        } => format!("{label}, expired (refreshed at next use)"),
        SignInToken::Token { .. } => format!("{label}, expired ({login})"),
        SignInToken::None => format!("{label}, none ({login})"),
        SignInToken::Unreadable(_) => format!("{label}, unreadable (aws-as NAME says why)"),
    }
}

/// What `aws-as list` was asked.
pub struct Options {
    /// `--names`: only the names, one per line.
    pub names: bool,
}

/// The table of every identity (or, with `--names`, their names).
pub fn run(options: &Options, _: Option<Connect>) -> Result<String> {
    if options.names {
        // One per line for completion, only the names a switch can use: a name holding a newline
        // cannot be one line, so it is left out (it can still be typed).
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
        "KEYS".to_string(),
        "SOURCE CHAIN".to_string(),
        "REGION".to_string(),
        "SESSION".to_string(),
        "SIGN-IN".to_string(),
    ]];
    // Each sign-in's token file is read once, however many identities use it.
    let mut tokens: HashMap<String, SignInToken> = HashMap::new();
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
                keys_text(&config, identity, now),
                chain_text(identity),
                identity
                    .region
                    .as_deref()
                    .map_or_else(|| "-".to_string(), printable),
                session_text(&row.session, now),
                identity.sso_sign_in().map_or_else(
                    || "-".to_string(),
                    |s| {
                        let token = tokens
                            .entry(s.label().to_string())
                            .or_insert_with(|| rows::sign_in_token(s));
                        sign_in_text(s.label(), &rows::sign_in_command(identity), token, now)
                    },
                ),
            ],
            Err(_) => match config.unsupported(&row.name) {
                Some(u) => [
                    mark.to_string(),
                    printable(&row.name),
                    format!("{} (not supported yet)", u.kind),
                    "-".to_string(),
                    "-".to_string(),
                    "-".to_string(),
                    "-".to_string(),
                    "-".to_string(),
                ],
                None => [
                    mark.to_string(),
                    printable(&row.name),
                    "-".to_string(),
                    "-".to_string(),
                    "-".to_string(),
                    "-".to_string(),
                    "not usable (aws-as NAME says why)".to_string(),
                    "-".to_string(),
                ],
            },
        };
        rows.push(cells);
    }
    // The SIGN-IN column is there only when an identity signs in through IAM Identity Center.
    let columns = if tokens.is_empty() { 7 } else { 8 };
    // The mark column is one character; the others are padded to their widest cell, two spaces
    // apart.
    let mut widths = [0usize; 8];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = format!("{:1} ", row[0]);
        for (i, cell) in row.iter().enumerate().take(columns).skip(1) {
            line.push_str(cell);
            line.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    Ok(out)
}
