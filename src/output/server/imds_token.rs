//! The IMDSv2 session tokens `PUT /latest/api/token` hands out (a key in memory only: a restart
//! invalidates them, and SDKs then ask for a new one).

use std::time::{Duration, Instant};

use crate::error::Result;
use crate::output::endpoint::tokens::{hex, mac, random, same, unhex};

/// IMDSv2 session tokens: random, self-describing and signed with a key that lives in memory
/// only, so checking one takes no lookup and a flood of PUTs takes no memory. A token is
/// `hex(nonce ‖ expiry ‖ tag)`, the expiry in milliseconds on this process's monotonic clock (a
/// change of the wall clock neither revives nor kills a token).
pub struct ImdsTokens {
    key: [u8; 32],
    start: Instant,
}

const NONCE: usize = 16;
const TAG: usize = 16;

impl ImdsTokens {
    pub fn new() -> Result<ImdsTokens> {
        Ok(ImdsTokens {
            key: random()?,
            start: Instant::now(),
        })
    }

    fn now_ms(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    pub fn issue(&self, ttl: Duration) -> Result<String> {
        let nonce = random::<NONCE>()?;
        let expiry = (self.now_ms() + ttl.as_millis() as u64).to_be_bytes();
        let tag = mac(&self.key, &[&nonce, &expiry]);
        let mut token = Vec::with_capacity(NONCE + 8 + TAG);
        token.extend_from_slice(&nonce);
        token.extend_from_slice(&expiry);
        token.extend_from_slice(&tag[..TAG]);
        Ok(hex(&token))
    }

    /// Whether `token` was issued here and has not expired.
    pub fn valid(&self, token: &str) -> bool {
        let Some(bytes) = unhex(token).filter(|b| b.len() == NONCE + 8 + TAG) else {
            return false;
        };
        let (nonce, rest) = bytes.split_at(NONCE);
        let (expiry, tag) = rest.split_at(8);
        let expected = mac(&self.key, &[nonce, expiry]);
        if !same(&expected[..TAG], tag) {
            return false;
        }
        let expiry = u64::from_be_bytes(expiry.try_into().expect("8 bytes"));
        self.now_ms() < expiry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imds_tokens_expire_and_cannot_be_forged() {
        let tokens = ImdsTokens::new().unwrap();
        let t = tokens.issue(Duration::from_secs(60)).unwrap();
        assert!(tokens.valid(&t));
        let other = ImdsTokens::new().unwrap();
        assert!(!other.valid(&t), "a token from another server");
        let mut forged = t.clone().into_bytes();
        let last = forged.len() - 1;
        forged[last] = if forged[last] == b'0' { b'1' } else { b'0' };
        assert!(!tokens.valid(std::str::from_utf8(&forged).unwrap()));
        assert!(!tokens.valid(""));
        assert!(!tokens.valid("zz"));
        let short = tokens.issue(Duration::from_millis(1)).unwrap();
        std::thread::sleep(Duration::from_millis(5));
        assert!(!tokens.valid(&short), "expired");
    }
}
