//! What a session is: temporary credentials with their expiry, and how aws-as writes an instant.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

/// Credentials are renewed when less than this remains.
pub const RENEW_BEFORE: Duration = Duration::minutes(5);

#[derive(Clone, Serialize, Deserialize)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub expiration: DateTime<Utc>,
    /// Who these credentials are, when STS said so (AssumeRole does; GetSessionToken does not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Credentials({}, expires {})",
            self.access_key_id, self.expiration
        )
    }
}

/// An instant as every output writes it (and as SDKs read an expiry): RFC 3339, UTC, whole
/// seconds, `Z`.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}
