//! The server's secrets and where they live: the key ECS tokens derive from and the management
//! token (files in the state directory, 0600 in 0700, surviving restarts), and the identity each
//! address served last (`--resume`).

use std::path::{Path, PathBuf};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::error::{Error, Result};
use crate::private;

/// Where another state directory can be chosen.
pub const STATE_ENV: &str = "AWS_AS_STATE_DIR";
const SECRET_FILE: &str = "ecs-secret";
const MANAGE_TOKEN_FILE: &str = "manage-token";

/// `AWS_AS_STATE_DIR`, else `$XDG_STATE_HOME/aws-as`, else `~/.local/state/aws-as`.
pub fn state_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os(STATE_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::BaseDirs::new()
        .and_then(|b| b.state_dir().map(|d| d.join("aws-as")))
        .ok_or_else(|| {
            Error::new(format!(
                "cannot find a home directory for the server's state: set {STATE_ENV}"
            ))
        })
}

/// The default management token file: `manage-token` in the state directory.
pub fn default_manage_token_path() -> Result<PathBuf> {
    Ok(state_dir()?.join(MANAGE_TOKEN_FILE))
}

pub use crate::random;

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Equal, in time that does not depend on where two tokens of one length first differ.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// HMAC-SHA256 of `parts`, one after the other, under `key`.
pub fn mac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// What `GET /manage/proof` answers: HMAC-SHA256 under the management token of a fixed label,
/// the `Host` the request named and the client's nonce. Only a holder of the token can make it,
/// and the server makes it for its own `Host` only (the guard refuses any other), so what a
/// program on another address relays from the real server does not match there.
pub fn proof(token: &str, host: &str, nonce: &str) -> [u8; 32] {
    mac(
        token.as_bytes(),
        &[
            b"aws-as manage proof\0",
            host.as_bytes(),
            b"\0",
            nonce.as_bytes(),
        ],
    )
}

/// Whether `text` can be a nonce of the proof: 32 random bytes, in lowercase hex.
pub fn is_nonce(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Reads a 0600 file holding one token written by [`create_token_file`]: hex, nothing else.
fn read_token_file(path: &Path, what: &str) -> Result<Option<String>> {
    let Some(data) = private::read(path, what, STATE_ENV, 4096)? else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(&data);
    let text = text.trim();
    if text.len() < 32 || unhex(text).is_none() {
        bail!(
            "the {what} {} is not a token aws-as wrote: remove it (a new one is made)",
            path.display()
        );
    }
    Ok(Some(text.to_string()))
}

/// The token in `path`, made (32 random bytes, hex) when there is none yet.
fn create_token_file(path: &Path, what: &str) -> Result<String> {
    if let Some(dir) = path.parent() {
        private::ensure_dir(dir, "state directory", STATE_ENV)?;
    }
    if let Some(token) = read_token_file(path, what)? {
        return Ok(token);
    }
    let token = hex(&random::<32>()?);
    if private::create(path, token.as_bytes(), what)? {
        return Ok(token);
    }
    // Another server started at the same moment made it first: its token stands.
    read_token_file(path, what)?
        .ok_or_else(|| Error::new(format!("the {what} {} vanished", path.display())))
}

/// The key every ECS token derives from. A token is `hex(HMAC-SHA256(key, "ecs\0" + name))`: one
/// per identity, so a token for one identity is worth nothing on another's path, and none needs
/// storing.
#[derive(Clone)]
pub struct EcsKey([u8; 32]);

impl std::fmt::Debug for EcsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EcsKey(<secret>)")
    }
}

impl EcsKey {
    /// The key in the state directory, made on the first start: tokens handed out survive a
    /// restart of the server.
    pub fn load_or_create() -> Result<EcsKey> {
        let path = state_dir()?.join(SECRET_FILE);
        EcsKey::from_hex(&create_token_file(&path, "server secret")?)
    }

    /// The key of a running server, for `aws-as server env` (it never makes one).
    pub fn load() -> Result<EcsKey> {
        let path = state_dir()?.join(SECRET_FILE);
        match read_token_file(&path, "server secret")? {
            Some(text) => EcsKey::from_hex(&text),
            None => bail!(
                "there is no server secret at {} yet: start the server once (aws-as serve)",
                path.display()
            ),
        }
    }

    /// A key for one process only (`exec --server`): its tokens die with it.
    pub fn ephemeral() -> Result<EcsKey> {
        Ok(EcsKey(random()?))
    }

    fn from_hex(text: &str) -> Result<EcsKey> {
        let bytes = unhex(text).unwrap_or_default();
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| Error::new("the server secret has the wrong length: remove it"))?;
        Ok(EcsKey(key))
    }

    pub fn token(&self, identity: &str) -> String {
        hex(&mac(&self.0, &[b"ecs\0", identity.as_bytes()]))
    }

    /// Whether `given` is `identity`'s token, compared in constant time.
    pub fn accepts(&self, identity: &str, given: &[u8]) -> bool {
        same(self.token(identity).as_bytes(), given)
    }
}

/// The management API's bearer token: in `path` (default: the state directory), made on the
/// first start, refused when others can read it.
pub fn manage_token(path: &Path) -> Result<String> {
    create_token_file(path, "management token file")
}

/// The token of a running server, for the control commands (never made here).
pub fn read_manage_token(path: &Path) -> Result<String> {
    read_token_file(path, "management token file")?.ok_or_else(|| {
        Error::new(format!(
            "there is no management token at {}: is the server running? (aws-as serve)",
            path.display()
        ))
    })
}

/// The file where the server on `listen` remembers the identity it serves (`--resume`).
fn served_path(listen: std::net::SocketAddr) -> Result<PathBuf> {
    state_path("served-", listen)
}

/// A file of the state directory for the server on `listen`: `prefix` and the address.
fn state_path(prefix: &str, listen: std::net::SocketAddr) -> Result<PathBuf> {
    let name: String = listen
        .to_string()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    Ok(state_dir()?.join(format!("{prefix}{}", name.trim_matches('-'))))
}

const RUNNING_PREFIX: &str = "running-";

/// Records that a server runs on `listen` with its management token in `token_path`, so the
/// control commands find it without `--server`. A server killed leaves its record behind: a
/// reader checks that the address is still a listening socket of this user's
/// ([`super::address::listener`]).
pub fn remember_running(listen: std::net::SocketAddr, token_path: &Path) -> Result<()> {
    let path = state_path(RUNNING_PREFIX, listen)?;
    if let Some(dir) = path.parent() {
        private::ensure_dir(dir, "state directory", STATE_ENV)?;
    }
    let token_path = std::path::absolute(token_path).unwrap_or_else(|_| token_path.into());
    let text = format!("{listen}\n{}", token_path.to_string_lossy());
    private::write(&path, text.as_bytes(), "running server file")
}

/// Removes the record of the server on `listen` (it stopped).
pub fn forget_running(listen: std::net::SocketAddr) {
    if let Ok(path) = state_path(RUNNING_PREFIX, listen) {
        let _ = std::fs::remove_file(path);
    }
}

/// The servers recorded as running, with their management token files: what the files say,
/// whether or not each still runs.
pub fn recorded_running() -> Result<Vec<(std::net::SocketAddr, PathBuf)>> {
    let dir = state_dir()?;
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        if !entry
            .file_name()
            .to_string_lossy()
            .starts_with(RUNNING_PREFIX)
        {
            continue;
        }
        let Ok(Some(data)) = private::read(&entry.path(), "running server file", STATE_ENV, 4096)
        else {
            continue;
        };
        let text = String::from_utf8_lossy(&data);
        if let Some((addr, token)) = text.split_once('\n')
            && let Ok(addr) = addr.parse()
        {
            out.push((addr, PathBuf::from(token)));
        }
    }
    out.sort();
    Ok(out)
}

/// Remembers that the server on `listen` serves `name` (none: removes the file). Not a secret,
/// but kept 0600 like the rest of the state directory.
pub fn remember_served(listen: std::net::SocketAddr, name: Option<&str>) -> Result<()> {
    let path = served_path(listen)?;
    match name {
        Some(name) => {
            if let Some(dir) = path.parent() {
                private::ensure_dir(dir, "state directory", STATE_ENV)?;
            }
            private::write(&path, name.as_bytes(), "served identity file")
        }
        None => match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                bail!("cannot remove {}: {e}", path.display())
            }
            _ => Ok(()),
        },
    }
}

/// The identity the server on `listen` served when it last ran, if it remembered one.
pub fn last_served(listen: std::net::SocketAddr) -> Result<Option<String>> {
    let path = served_path(listen)?;
    let Some(data) = private::read(&path, "served identity file", STATE_ENV, 4096)? else {
        return Ok(None);
    };
    Ok(String::from_utf8(data).ok().filter(|n| !n.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proof_is_per_token_host_and_nonce() {
        let nonce = "0".repeat(64);
        let host = "127.0.0.1:9254";
        let p = proof("token", host, &nonce);
        assert_eq!(p, proof("token", host, &nonce));
        assert_ne!(p, proof("tokem", host, &nonce));
        assert_ne!(p, proof("token", "127.0.0.1:9255", &nonce));
        assert_ne!(p, proof("token", host, &"1".repeat(64)));
        assert!(is_nonce(&nonce) && is_nonce(&"af".repeat(32)));
        assert!(!is_nonce(&"AF".repeat(32)) && !is_nonce("00") && !is_nonce(&"g".repeat(64)));
    }

    #[test]
    fn ecs_tokens_are_per_identity_and_per_key() {
        let a = EcsKey([1; 32]);
        let b = EcsKey([2; 32]);
        let t = a.token("my-role1-dev");
        assert_eq!(t.len(), 64);
        assert!(a.accepts("my-role1-dev", t.as_bytes()));
        assert!(!a.accepts("my-role2-dev", t.as_bytes()));
        assert!(!b.accepts("my-role1-dev", t.as_bytes()));
        assert!(!a.accepts("my-role1-dev", &t.as_bytes()[..63]));
        assert!(!a.accepts("my-role1-dev", format!("{t}\n").as_bytes()));
    }
}
