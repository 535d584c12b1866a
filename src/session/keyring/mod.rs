//! Long-term keys in the OS keyring: one item per identity (service `aws-as`, account the
//! profile's name), its secret a JSON object with the key id, the secret key and, where known,
//! the key's creation date. Read only when STS needs the long-term keys (a new MFA session,
//! GetFederationToken, a rotation): everything else knows where the keys are, and their key id,
//! from the profile's `aws_as_keyring` in the config file, without opening the keyring.
//!
//! - `mod.rs`: what the session layer needs of a keyring ([`KeyringApi`]), the item's secret
//!   ([`Stored`]), and the keys of a [`KeySource`].
//! - `store.rs`: the OS's own store through keyring-core (the Secret Service on Linux, the
//!   Keychain on macOS, the Credential Manager on Windows), each call on a thread of its own with
//!   a time limit. Linked into `aws-as-sts` only, through [`super::sts::StsApi::keyring`].

pub mod store;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::identity::{KEYRING_SERVICE, KeySource, Keys};

/// What aws-as needs of the OS keyring: an item per profile.
pub trait KeyringApi {
    /// The keys stored for `profile`, `None` when there is no item.
    fn get(&self, profile: &str) -> Result<Option<Stored>>;
    /// Stores `stored` as `profile`'s item, replacing any there.
    fn set(&self, profile: &str, stored: &Stored) -> Result<()>;
    /// Deletes `profile`'s item; whether there was one.
    fn delete(&self, profile: &str) -> Result<bool>;
}

/// Builds the OS keyring's client; `aws-as-sts` passes [`store::open`].
pub type OpenKeyring = fn() -> Result<Box<dyn KeyringApi>>;

/// An item's secret: the keys and, where aws-as knows it, when the key was created.
#[derive(Clone, Debug)]
pub struct Stored {
    pub keys: Keys,
    pub created: Option<DateTime<Utc>>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Json {
    #[serde(rename = "AccessKeyId")]
    access_key_id: String,
    #[serde(rename = "SecretAccessKey")]
    secret_access_key: String,
    #[serde(
        rename = "CreateDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    created: Option<String>,
}

impl Stored {
    /// The item's secret, as JSON (`{"AccessKeyId": …, "SecretAccessKey": …, "CreateDate": …}`,
    /// IAM's own names for them).
    pub fn to_secret(&self) -> String {
        serde_json::to_string(&Json {
            access_key_id: self.keys.access_key_id.clone(),
            secret_access_key: self.keys.secret_access_key.clone(),
            created: self.created.map(super::rfc3339),
        })
        .expect("keys serialize")
    }

    /// Reads an item's secret; the error never shows it.
    pub fn from_secret(profile: &str, secret: &str) -> Result<Stored> {
        let json: Json = serde_json::from_str(secret).map_err(|_| {
            Error::new(format!(
                "the keyring item {} for profile {profile:?} does not hold aws-as's JSON (AccessKeyId, SecretAccessKey): store the keys again with aws-as keys add {profile}",
                item_name(profile)
            ))
        })?;
        Ok(Stored {
            keys: Keys {
                access_key_id: json.access_key_id,
                secret_access_key: json.secret_access_key,
            },
            created: json
                .created
                .and_then(|c| DateTime::parse_from_rfc3339(&c).ok())
                .map(|c| c.with_timezone(&Utc)),
        })
    }
}

/// How a person finds an item in their keyring tool: `aws-as/NAME` (service/account).
pub fn item_name(profile: &str) -> String {
    format!("{KEYRING_SERVICE}/{profile}")
}

/// The keys of `source`: as read with the profile, or the keyring's item (opened by `open` only
/// then).
pub fn keys_of(
    source: &KeySource,
    open: impl FnOnce() -> Result<Box<dyn KeyringApi>>,
) -> Result<Keys> {
    match source {
        KeySource::File(keys) => Ok(keys.clone()),
        KeySource::Keyring { profile, .. } => match open()?.get(profile)? {
            Some(stored) => Ok(stored.keys),
            None => Err(Error::new(format!(
                "profile {profile:?} says its keys are in the keyring (aws_as_keyring in the config file) but the keyring has no item {}: add them with aws-as keys add {profile}",
                item_name(profile)
            ))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_round_trips_and_errors_hide_it() {
        let stored = Stored {
            keys: Keys {
                access_key_id: "AKIAEXAMPLE".into(),
                secret_access_key: "s3cr3t/+=".into(),
            },
            created: DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
                .ok()
                .map(|d| d.with_timezone(&Utc)),
        };
        let back = Stored::from_secret("p", &stored.to_secret()).unwrap();
        assert_eq!(back.keys.secret_access_key, "s3cr3t/+=");
        assert_eq!(back.created, stored.created);
        let e = Stored::from_secret("p", "not json s3cr3t").unwrap_err();
        assert!(!e.to_string().contains("s3cr3t"));
    }
}
