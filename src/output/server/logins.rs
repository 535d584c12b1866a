//! The management page's logins: one-time codes and the browsers logged in with them, in
//! memory only. The server's `State` holds them; the page (page.rs) mints and redeems codes
//! through it.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::lock;
use crate::error::Result;
use crate::output::endpoint::tokens::{self, hex, random};

/// How long a login code may wait for its one use.
pub const CODE_LIFE: Duration = Duration::from_secs(15 * 60);
/// How long a browser stays logged in (the server forgets every login when it stops).
pub const LOGIN_LIFE: Duration = Duration::from_secs(24 * 3600);
/// Codes and logins kept at once; past it the oldest goes (each is a few dozen bytes).
const MAX_CODES: usize = 32;
const MAX_LOGINS: usize = 64;

/// The login codes not used yet and the browsers logged in, in memory only. Codes and cookies
/// are kept as their SHA-256 and compared in constant time.
#[derive(Default)]
pub struct Logins {
    codes: Mutex<Vec<([u8; 32], Instant)>>,
    logins: Mutex<Vec<Login>>,
}

struct Login {
    cookie: [u8; 32],
    csrf: String,
    until: Instant,
}

/// A browser logged in: what its requests must carry besides the cookie.
pub struct Session {
    pub csrf: String,
}

fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

impl Logins {
    /// A new one-time login code.
    pub fn mint(&self) -> Result<String> {
        let code = hex(&random::<32>()?);
        let mut codes = lock(&self.codes);
        let now = Instant::now();
        codes.retain(|(_, until)| *until > now);
        if codes.len() >= MAX_CODES {
            codes.remove(0);
        }
        codes.push((digest(&code), now + CODE_LIFE));
        Ok(code)
    }

    /// Uses up `code`: a new login (its cookie and CSRF token), or `None` for a code that was
    /// used already, has expired, or was never this server's.
    pub fn redeem(&self, code: &str) -> Option<(String, String)> {
        let given = digest(code);
        let now = Instant::now();
        let mut codes = lock(&self.codes);
        let at = codes
            .iter()
            .position(|(c, until)| tokens::same(c, &given) && *until > now)?;
        codes.remove(at);
        drop(codes);
        let cookie = hex(&random::<32>().ok()?);
        let csrf = hex(&random::<32>().ok()?);
        let mut logins = lock(&self.logins);
        logins.retain(|l| l.until > now);
        if logins.len() >= MAX_LOGINS {
            logins.remove(0);
        }
        logins.push(Login {
            cookie: digest(&cookie),
            csrf: csrf.clone(),
            until: now + LOGIN_LIFE,
        });
        Some((cookie, csrf))
    }

    /// The login whose cookie this is, if it is one and has not expired.
    pub fn session(&self, cookie: &str) -> Option<Session> {
        let given = digest(cookie);
        let now = Instant::now();
        let logins = lock(&self.logins);
        logins
            .iter()
            .find(|l| tokens::same(&l.cookie, &given) && l.until > now)
            .map(|l| Session {
                csrf: l.csrf.clone(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_works_once_and_a_login_is_its_cookie() {
        let logins = Logins::default();
        let code = logins.mint().unwrap();
        assert_eq!(code.len(), 64);
        assert!(logins.redeem("nope").is_none());
        let (cookie, csrf) = logins.redeem(&code).expect("the first use");
        assert!(logins.redeem(&code).is_none(), "a code works once");
        assert_eq!(logins.session(&cookie).unwrap().csrf, csrf);
        assert!(logins.session(&csrf).is_none());
        assert!(logins.session("").is_none());
        // Old codes go first when too many are waiting.
        let first = logins.mint().unwrap();
        for _ in 0..MAX_CODES {
            logins.mint().unwrap();
        }
        assert!(logins.redeem(&first).is_none());
    }
}
