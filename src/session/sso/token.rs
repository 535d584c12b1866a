//! The token cache the AWS CLI v2 and every SDK share: `~/.aws/sso/cache/<SHA-1>.json`, named by
//! the SHA-1 of the sso-session's name (of the start URL for a legacy profile), with the fields
//! they write (`accessToken`, `expiresAt`, `refreshToken`, `clientId`, `clientSecret`,
//! `registrationExpiresAt`, `region`, `startUrl`). A sign-in by `aws sso login` is used here, and
//! one made here is used by them. Written 0600 and atomically; fields aws-as does not know are
//! kept. The lock that makes two terminals share one sign-in is in aws-as's own cache directory,
//! so nothing but the files the CLI knows is put in its directory.
//!
//! Only `aws-as-sts` reads these files: a cache hit of a role session never opens one.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sha1::{Digest, Sha1};

use crate::error::{Error, Result};
use crate::identity::SsoSignIn;
use crate::private;

/// The largest token file read: they are a few KiB.
const MAX_TOKEN_BYTES: u64 = 1 << 20;

/// What names another token directory in the refusals' fix (the SDKs know no such variable: the
/// files must be fixed, not moved).
const FIX: &str = "the AWS CLI's `aws sso logout`";

/// An access token of the portal, with what refreshes it. Never in `Debug`, a message or a log.
#[derive(Clone)]
pub struct Token {
    pub access_token: String,
    pub expires_at: DateTime<Utc>,
    pub refresh_token: Option<String>,
    /// The client registration the token was made with (a refresh needs it).
    pub client: Option<Client>,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Token(<secret>, expires {})", self.expires_at)
    }
}

/// A client registration with the OIDC service (RegisterClient's answer).
#[derive(Clone)]
pub struct Client {
    pub client_id: String,
    pub client_secret: String,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Client({}, expires {})", self.client_id, self.expires_at)
    }
}

/// `~/.aws/sso/cache`: where the AWS CLI and the SDKs look, whatever `AWS_CONFIG_FILE` says.
pub fn cache_dir() -> Result<PathBuf> {
    directories::BaseDirs::new()
        .map(|b| b.home_dir().join(".aws").join("sso").join("cache"))
        .ok_or_else(|| Error::new("cannot find the home directory for ~/.aws/sso/cache: set HOME"))
}

fn sha1_hex(text: &str) -> String {
    Sha1::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The token's file: the SHA-1 of the session's name, else of the start URL.
pub fn token_path(sign_in: &SsoSignIn) -> Result<PathBuf> {
    Ok(cache_dir()?.join(format!("{}.json", sha1_hex(sign_in.label()))))
}

/// An instant as the CLI writes one (`2026-12-07T10:00:00Z`); also read with an offset, or with
/// botocore's older `UTC` suffix.
fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
        .or_else(|| {
            let bare = text.trim_end_matches("UTC").trim_end_matches('Z');
            chrono::NaiveDateTime::parse_from_str(bare, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        })
}

/// An instant as the CLI writes it.
fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The field `key` of `object`, whatever the case of its name (the Rust SDK reads them so).
fn field<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .and_then(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

fn read_object(path: &Path, what: &str) -> Result<Option<Map<String, Value>>> {
    let Some(data) = private::read(path, what, FIX, MAX_TOKEN_BYTES)? else {
        return Ok(None);
    };
    // A file cut short or scribbled on holds no sign-in, as the SDKs take it: a sign-in
    // replaces it (refusing it would leave the user to delete it by hand).
    Ok(match serde_json::from_slice::<Value>(&data) {
        Ok(Value::Object(object)) => Some(object),
        _ => None,
    })
}

/// The token of `sign_in` as the cache holds it, if any. A file another user can read or write,
/// or a link, is refused.
pub fn read_token(sign_in: &SsoSignIn) -> Result<Option<Token>> {
    let path = token_path(sign_in)?;
    let Some(object) = read_object(&path, "IAM Identity Center token file")? else {
        return Ok(None);
    };
    let (Some(access_token), Some(expires_at)) = (
        field(&object, "accessToken"),
        field(&object, "expiresAt").and_then(parse_instant),
    ) else {
        // What the SDKs do too: a file without a token is no sign-in.
        return Ok(None);
    };
    let client = match (
        field(&object, "clientId"),
        field(&object, "clientSecret"),
        field(&object, "registrationExpiresAt").and_then(parse_instant),
    ) {
        (Some(id), Some(secret), Some(expires_at)) => Some(Client {
            client_id: id.to_string(),
            client_secret: secret.to_string(),
            expires_at,
        }),
        _ => None,
    };
    Ok(Some(Token {
        access_token: access_token.to_string(),
        expires_at,
        refresh_token: field(&object, "refreshToken").map(str::to_string),
        client,
    }))
}

/// Writes `token` as the file of `sign_in`: the fields the CLI writes, over whatever else the
/// file held (kept), atomically, 0600, in a directory made 0700 when aws-as makes it.
pub fn write_token(sign_in: &SsoSignIn, token: &Token) -> Result<()> {
    let path = token_path(sign_in)?;
    let dir = cache_dir()?;
    private::ensure_dir(&dir, "IAM Identity Center token directory", FIX)?;
    let what = "IAM Identity Center token file";
    let mut object = read_object(&path, what).ok().flatten().unwrap_or_default();
    // Names written as the CLI writes them; a differently-cased copy would be read first.
    object.retain(|k, _| {
        ![
            "startUrl",
            "region",
            "accessToken",
            "expiresAt",
            "refreshToken",
            "clientId",
            "clientSecret",
            "registrationExpiresAt",
        ]
        .iter()
        .any(|known| k.eq_ignore_ascii_case(known))
    });
    let mut put = |k: &str, v: String| {
        object.insert(k.to_string(), Value::String(v));
    };
    put("startUrl", sign_in.start_url.clone());
    put("region", sign_in.region.clone());
    put("accessToken", token.access_token.clone());
    put("expiresAt", instant(token.expires_at));
    if let Some(refresh) = &token.refresh_token {
        put("refreshToken", refresh.clone());
    }
    if let Some(client) = &token.client {
        put("clientId", client.client_id.clone());
        put("clientSecret", client.client_secret.clone());
        put("registrationExpiresAt", instant(client.expires_at));
    }
    let data = serde_json::to_vec(&Value::Object(object)).expect("a JSON object serialises");
    private::write(&path, &data, what)
}

/// Removes the token file of `sign_in` (sign-out; a token the portal refused).
pub fn remove_token(sign_in: &SsoSignIn) -> Result<bool> {
    let path = token_path(sign_in)?;
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::new(format!(
            "cannot remove the IAM Identity Center token file {}: {e}",
            path.display()
        ))),
    }
}

/// The file the client registration of `sign_in` is cached in, named as botocore names it: the
/// SHA-1 of `json.dumps` of the tool, start URL, region, scopes and session name, keys sorted.
/// `pkce` adds the grant types: the authorization-code registration (with its redirect address)
/// is kept apart from the device-code one.
pub fn registration_path(sign_in: &SsoSignIn, pkce: bool) -> Result<PathBuf> {
    let mut args = Map::new();
    args.insert("tool".into(), "botocore".into());
    args.insert("startUrl".into(), sign_in.start_url.clone().into());
    args.insert("region".into(), sign_in.region.clone().into());
    args.insert(
        "scopes".into(),
        if sign_in.scopes.is_empty() {
            Value::Null
        } else {
            sign_in.scopes.clone().into()
        },
    );
    args.insert("session_name".into(), sign_in.session.clone().into());
    if pkce {
        args.insert(
            "grantTypes".into(),
            vec!["authorization_code", "refresh_token"].into(),
        );
    }
    let key = python_json(&Value::Object(args));
    Ok(cache_dir()?.join(format!("{}.json", sha1_hex(&key))))
}

/// `json.dumps(value, sort_keys=True)` as Python writes it: `", "` and `": "` between items.
fn python_json(value: &Value) -> String {
    match value {
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(python_json).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(object) => {
            let mut keys: Vec<&String> = object.keys().collect();
            keys.sort();
            let items: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}: {}", Value::String(k.clone()), python_json(&object[k])))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        other => other.to_string(),
    }
}

/// The cached client registration of `sign_in`, when one is cached and lasts another hour.
pub fn read_registration(sign_in: &SsoSignIn, pkce: bool) -> Result<Option<Client>> {
    let path = registration_path(sign_in, pkce)?;
    let Some(object) = read_object(&path, "IAM Identity Center registration file")? else {
        return Ok(None);
    };
    Ok(
        match (
            field(&object, "clientId"),
            field(&object, "clientSecret"),
            field(&object, "expiresAt").and_then(parse_instant),
        ) {
            (Some(id), Some(secret), Some(expires_at))
                if expires_at - Utc::now() > chrono::TimeDelta::hours(1) =>
            {
                Some(Client {
                    client_id: id.to_string(),
                    client_secret: secret.to_string(),
                    expires_at,
                })
            }
            _ => None,
        },
    )
}

/// Forgets the cached client registration of `sign_in` (one the service no longer knows).
pub fn forget_registration(sign_in: &SsoSignIn, pkce: bool) -> Result<()> {
    match std::fs::remove_file(registration_path(sign_in, pkce)?) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::new(format!(
            "cannot remove the cached IAM Identity Center registration: {e}"
        ))),
        _ => Ok(()),
    }
}

/// Caches a client registration as botocore does (`clientId`, `clientSecret`, `expiresAt`, and
/// the scopes).
pub fn write_registration(sign_in: &SsoSignIn, pkce: bool, client: &Client) -> Result<()> {
    let path = registration_path(sign_in, pkce)?;
    private::ensure_dir(&cache_dir()?, "IAM Identity Center token directory", FIX)?;
    let mut object = Map::new();
    object.insert("clientId".into(), client.client_id.clone().into());
    object.insert("clientSecret".into(), client.client_secret.clone().into());
    object.insert("expiresAt".into(), instant(client.expires_at).into());
    if !sign_in.scopes.is_empty() {
        object.insert("scopes".into(), sign_in.scopes.clone().into());
    }
    let data = serde_json::to_vec(&Value::Object(object)).expect("a JSON object serialises");
    private::write(&path, &data, "IAM Identity Center registration file")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_files_as_the_sdks_do() {
        // aws-config's own test vector for a legacy start URL.
        assert_eq!(
            sha1_hex("https://d-92671207e4.awsapps.com/start"),
            "13f9d35043871d073ab260e020f0ffde092cb14b"
        );
    }

    #[test]
    fn reads_instants_as_written_by_each_tool() {
        let t = parse_instant("2026-12-07T10:00:00Z").unwrap();
        assert_eq!(parse_instant("2026-12-07T10:00:00UTC"), Some(t));
        assert_eq!(parse_instant("2026-12-07T11:00:00+01:00"), Some(t));
        assert_eq!(instant(t), "2026-12-07T10:00:00Z");
        assert_eq!(parse_instant("soon"), None);
    }

    #[test]
    fn writes_json_as_python_does() {
        let v: Value =
            serde_json::from_str(r#"{"tool":"botocore","scopes":["a","b"],"n":null}"#).unwrap();
        assert_eq!(
            python_json(&v),
            r#"{"n": null, "scopes": ["a", "b"], "tool": "botocore"}"#
        );
    }
}
