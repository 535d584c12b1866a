//! One error type for the whole program: a single line for the user, naming the problem and the fix.

use std::fmt;

/// Clone, so that one outcome can answer every request that waited for it (the server's single
/// flight) and stand for the requests after it.
#[derive(Clone, Debug)]
pub struct Error {
    msg: String,
    cause: Cause,
}

/// The failures a caller reacts to rather than just reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    Other,
    /// STS rejected the MFA code (wrong, or already used).
    WrongMfaCode,
    /// STS says the credentials a call was signed with have expired, though aws-as thought them
    /// fresh (a cache written under a skewed clock, a session revoked early).
    ExpiredCredentials,
    /// The cache directory or an entry in it cannot be created or written (a read-only disk, a
    /// full one): the switch can go on without caching.
    CacheUnwritable,
    /// This binary (`aws-as`, kept small for the cache-hit path) has no STS client: the
    /// command is handed to `aws-as-sts`, which has.
    NeedsSts,
    /// A new MFA session needs a code and nothing may ask for one (`--no-input`; a server's
    /// request or the refresh daemon, which have no terminal, when no `mfa_process` or TOTP
    /// secret gives one): a person has to make the session (`aws-as NAME` in a terminal).
    MfaCodeNeeded,
    /// IAM Identity Center's portal refused the access token (401: revoked, expired early): the
    /// token is dropped and, where a person is there, they sign in again once.
    SsoTokenRejected,
    /// An IAM Identity Center sign-in is needed and nothing may start one (`--no-input`, a
    /// server's request, the refresh daemon): a person signs in (`aws-as sso login`).
    SsoSignInNeeded,
    /// CreateToken's answers while a device-code sign-in waits for the person:
    /// `AuthorizationPendingException` (keep polling) and `SlowDownException` (poll 5 s slower).
    AuthorizationPending,
    SlowDown,
    /// The OIDC service refused the client registration (`InvalidClientException`: expired or
    /// unknown): register again.
    InvalidClient,
}

impl Error {
    pub fn new(msg: impl Into<String>) -> Self {
        Error::with_cause(msg, Cause::Other)
    }

    pub fn with_cause(msg: impl Into<String>, cause: Cause) -> Self {
        // Errors are printed as one line on stderr; a message from STS or the OS may carry newlines.
        let msg: String = msg.into();
        Error {
            msg: msg.split_whitespace().collect::<Vec<_>>().join(" "),
            cause,
        }
    }

    /// The one way to say "this needs `aws-as-sts`" ([`Cause::NeedsSts`]): the lean `aws-as`,
    /// on seeing it, hands the whole command line over, so the message is never shown there.
    /// Said by a resolver that has no STS client at a miss, and by the entries of the commands
    /// that run in `aws-as-sts` only (`cli::Network`).
    pub fn needs_sts() -> Self {
        Error::with_cause("this needs aws-as-sts (the STS client)", Cause::NeedsSts)
    }

    pub fn cause(&self) -> Cause {
        self.cause
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// `return Err(Error::new(format!(...)))` in one token.
#[macro_export]
macro_rules! bail {
    ($($arg:tt)*) => { return Err($crate::error::Error::new(format!($($arg)*))) };
}
