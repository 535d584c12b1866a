//! The OS keyring through keyring-core and the OS's own store, compiled in for its OS only: the
//! Secret Service over zbus (pure Rust) on Linux, the login Keychain on macOS, the Credential
//! Manager on Windows. No other store and no fallback: where none can be opened, one line says
//! so and names the options, and nothing is stored elsewhere.
//!
//! Each call runs on a thread of its own and is waited for at most `AWS_AS_KEYRING_TIMEOUT`
//! seconds (60): a locked collection may put an unlock prompt on a desktop that nobody answers
//! (or that no display can show), and aws-as must not hang on it. A thread of its own also keeps
//! the store's own async runtime (zbus's) away from any runtime of the caller's.

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use keyring_core::{CredentialStore, Entry};

use super::{KeyringApi, Stored, item_name};
use crate::error::{Error, Result};
use crate::identity::KEYRING_SERVICE;

/// The OS keyring's client of `aws-as-sts`.
pub fn open() -> Result<Box<dyn KeyringApi>> {
    Ok(Box::new(OsKeyring))
}

struct OsKeyring;

/// How long a keyring call may take (`AWS_AS_KEYRING_TIMEOUT`, seconds).
fn timeout() -> Duration {
    crate::env_seconds("AWS_AS_KEYRING_TIMEOUT", Duration::from_secs(60))
}

/// What a person can do when the keyring cannot be opened on this OS.
#[cfg(target_os = "linux")]
const OPTIONS: &str = "run aws-as in a desktop session with a Secret Service (GNOME Keyring, KWallet, KeePassXC), or on a headless machine start one (dbus-run-session, then gnome-keyring-daemon --unlock), or keep the keys in ~/.aws/credentials";
#[cfg(target_os = "macos")]
const OPTIONS: &str =
    "unlock the login keychain (Keychain Access), or keep the keys in ~/.aws/credentials";
#[cfg(windows)]
const OPTIONS: &str = "check the Credential Manager is available to this user, or keep the keys in ~/.aws/credentials";
#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
const OPTIONS: &str =
    "aws-as has no OS keyring on this system: keep the keys in ~/.aws/credentials";

/// The OS's store; an error names the options.
fn os_store() -> std::result::Result<Arc<CredentialStore>, keyring_core::Error> {
    #[cfg(target_os = "linux")]
    let store: Arc<CredentialStore> = zbus_secret_service_keyring_store::Store::new()?;
    #[cfg(target_os = "macos")]
    let store: Arc<CredentialStore> = apple_native_keyring_store::keychain::Store::new()?;
    #[cfg(windows)]
    let store: Arc<CredentialStore> = windows_native_keyring_store::Store::new()?;
    #[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
    let store: Arc<CredentialStore> = return Err(keyring_core::Error::NoDefaultStore);
    Ok(store)
}

/// One line of a store's error (D-Bus errors span several).
fn one_line(e: &keyring_core::Error) -> String {
    let text = match e {
        keyring_core::Error::PlatformFailure(p) | keyring_core::Error::NoStorageAccess(p) => {
            p.to_string()
        }
        other => other.to_string(),
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Runs `op` on the item of `profile` in a thread of its own, for at most [`timeout`].
fn call<T: Send + 'static>(
    profile: &str,
    doing: &'static str,
    op: impl FnOnce(&Entry) -> std::result::Result<T, keyring_core::Error> + Send + 'static,
) -> Result<T> {
    enum Failed {
        Open(keyring_core::Error),
        Op(keyring_core::Error),
    }
    let (tx, rx) = mpsc::channel();
    let account = profile.to_string();
    std::thread::Builder::new()
        .name("keyring".into())
        .spawn(move || {
            let result = os_store().map_err(Failed::Open).and_then(|store| {
                let entry = new_entry(&store, &account).map_err(Failed::Op)?;
                op(&entry).map_err(Failed::Op)
            });
            let _ = tx.send(result);
        })
        .map_err(|e| Error::new(format!("cannot start a thread for the OS keyring: {e}")))?;
    let limit = timeout();
    let item = item_name(profile);
    match rx.recv_timeout(limit) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(Failed::Open(e))) => Err(Error::new(format!(
            "cannot open the OS keyring to {doing} {item}: {}: {OPTIONS}",
            one_line(&e)
        ))),
        Ok(Err(Failed::Op(keyring_core::Error::NoStorageAccess(p)))) => Err(Error::new(format!(
            "the OS keyring refused to {doing} {item}, locked? ({}): unlock it (your desktop's keyring, or gnome-keyring-daemon --unlock) and try again",
            p.to_string()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        ))),
        Ok(Err(Failed::Op(keyring_core::Error::Ambiguous(v)))) => Err(Error::new(format!(
            "the OS keyring holds {} items {item} (service {KEYRING_SERVICE}, account {profile}): delete all but one in your keyring tool",
            v.len()
        ))),
        Ok(Err(Failed::Op(e))) => Err(Error::new(format!(
            "the OS keyring could not {doing} {item}: {}: unlock it and try again; {OPTIONS}",
            one_line(&e)
        ))),
        Err(_) => Err(Error::new(format!(
            "the OS keyring did not answer within {} s to {doing} {item} (a locked collection waiting for its password, or a keyring daemon that hangs): unlock it (your desktop's keyring, or gnome-keyring-daemon --unlock) and try again, or raise AWS_AS_KEYRING_TIMEOUT",
            limit.as_secs()
        ))),
    }
}

/// The item of `account`: service `aws-as`, account the profile's name; on Linux labelled for
/// the keyring's own tools (Seahorse shows the label), elsewhere as the store names it.
fn new_entry(
    store: &Arc<CredentialStore>,
    account: &str,
) -> std::result::Result<Entry, keyring_core::Error> {
    #[cfg(target_os = "linux")]
    {
        let label = format!("aws-as: long-term keys of profile {account}");
        let modifiers = std::collections::HashMap::from([("label", label.as_str())]);
        Entry::new_in_store_with_modifiers(store, KEYRING_SERVICE, account, &modifiers)
    }
    #[cfg(not(target_os = "linux"))]
    Entry::new_in_store(store, KEYRING_SERVICE, account)
}

impl KeyringApi for OsKeyring {
    fn get(&self, profile: &str) -> Result<Option<Stored>> {
        let secret = call(profile, "read", |entry| match entry.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(e),
        })?;
        secret.map(|s| Stored::from_secret(profile, &s)).transpose()
    }

    fn set(&self, profile: &str, stored: &Stored) -> Result<()> {
        let secret = stored.to_secret();
        call(profile, "store", move |entry| entry.set_password(&secret))
    }

    fn delete(&self, profile: &str) -> Result<bool> {
        call(profile, "delete", |entry| match entry.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring_core::Error::NoEntry) => Ok(false),
            Err(e) => Err(e),
        })
    }
}
