//! The fingerprint of an identity: everything that shapes its credentials, so that an edited
//! profile never gets the old session. One hash for the whole program lives here too: the cache
//! names its files with it.

use super::{Identity, KeySource, Kind, RoleSettings, SsoSignIn};

/// 64-bit FNV-1a: a stable hash for cache file names (std's hasher may change between releases).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl Identity {
    /// A string that changes whenever anything that shapes this identity's credentials changes:
    /// the cache key is derived from it, so an edited profile never returns the old credentials.
    /// It is made from the resolved identity, so a value taken from an `include_profile` counts
    /// exactly as one the profile sets itself: the role, session name, external id, MFA device
    /// and source do; the region, session length and code source shape no credentials and do not.
    pub fn fingerprint(&self) -> String {
        match &self.kind {
            Kind::User {
                keys: KeySource::File(keys),
                mfa_serial,
                ..
            } => format!(
                "user\0{}\0{}\0{:016x}",
                keys.access_key_id,
                mfa_serial.as_deref().unwrap_or(""),
                fnv1a(keys.secret_access_key.as_bytes())
            ),
            // Known without opening the keyring: the key id the config file records. A rotation
            // records the new one, so no session of the old key is served again.
            Kind::User {
                keys: KeySource::Keyring { access_key_id, .. },
                mfa_serial,
                ..
            } => format!(
                "user\0{}\0{}\0keyring",
                access_key_id,
                mfa_serial.as_deref().unwrap_or("")
            ),
            // The sign-in's start URL and region say which directory; the session name says which
            // token (two sessions of one portal are two sign-ins, and may differ in scopes).
            Kind::Sso(role) => format!(
                "{}{}\0{}",
                role.sign_in.fingerprint(),
                role.account_id,
                role.role_name
            ),
            Kind::Role {
                role_arn,
                source,
                session_name,
                external_id,
                settings,
                ..
            } => format!(
                "role\0{}\0{}\0{}\0{}\0{}[{}]",
                role_arn,
                session_name.as_deref().unwrap_or(""),
                external_id.as_deref().unwrap_or(""),
                self.name,
                settings.fingerprint(),
                source.fingerprint()
            ),
            // The token is read at each call; the file it is read from names the workload.
            Kind::WebIdentity(w) => format!(
                "web-identity\0{}\0{}\0{}\0{}",
                w.role_arn,
                w.token_file,
                w.session_name.as_deref().unwrap_or(""),
                self.name
            ),
            Kind::Process(p) => format!("process\0{}\0{}", p.command, self.name),
            // What the environment or the instance holds is read at each call, never kept: the
            // sessions of a role above it are keyed on where they come from.
            Kind::Ambient(source) => format!("credential-source\0{}", source.as_str()),
        }
    }
}

impl SsoSignIn {
    /// The part of the fingerprint of every SSO role that signs in here (and so of every role
    /// above one): a sign-out drops the cached sessions whose key holds it.
    pub fn fingerprint(&self) -> String {
        format!(
            "sso\0{}\0{}\0{}\0{}\0",
            self.session.as_deref().unwrap_or(""),
            self.start_url,
            self.region,
            self.scopes.join(",")
        )
    }
}

impl RoleSettings {
    /// The part of a role's fingerprint its tags and source identity make (empty when it has
    /// none, so the sessions of roles without them keep their keys).
    fn fingerprint(&self) -> String {
        if *self == RoleSettings::default() {
            return String::new();
        }
        let tags: Vec<String> = self.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!(
            "tags={}\0transitive={}\0source-identity={}\0",
            tags.join(","),
            self.transitive_tags.join(","),
            self.source_identity.as_deref().unwrap_or("")
        )
    }
}
