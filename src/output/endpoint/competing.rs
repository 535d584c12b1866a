//! What a client finds before the endpoint. Every SDK's default chain takes credentials from the
//! environment, then from a profile (`AWS_PROFILE`, else `default`, in the config and credentials
//! files: keys, `credential_process`, a role, SSO…), and only then from an ECS endpoint or IMDS.
//! A `[default]` with keys would silently win over the server, so `exec --server` hides all of
//! that from its command, and `serve` / `server env` say so when the user has some.

use crate::identity::Config;

/// Variables that give a client credentials before any endpoint (the environment provider,
/// the profile it reads, web identity from the environment, botocore's legacy EC2 file), or name
/// another endpoint (botocore and the Rust SDK prefer the relative URI; a token file wins over
/// the token variable).
pub const COMPETING_VARS: [&str; 13] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_SESSION_NAME",
    "AWS_CREDENTIAL_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_SDK_LOAD_CONFIG",
];

/// The files a child of `exec --server` reads profiles from: none. `/dev/null` rather than a
/// file of aws-as's: botocore and the CLI v2 take what is not a regular file as absent, the Go
/// SDK (v1 and v2) and the Rust SDK read it as empty; nothing is left behind if aws-as is killed.
/// An allow-list of the user's files would miss the next way a profile gets credentials (as
/// `login_session` was new in 2025); hiding the files misses none. `BOTO_CONFIG` is botocore's
/// boto2 file (`~/.boto`, `/etc/boto.cfg`), which it reads before the container endpoint too.
pub const HIDDEN_FILES: [&str; 3] = [
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "BOTO_CONFIG",
];

/// What a client on this machine would find before the endpoint, in words (`None`: nothing).
/// Reads the profile files; a file aws-as cannot read is the caller's error to report, not this.
pub fn before_endpoint() -> Option<String> {
    let mut found = Vec::new();
    let set = |var: &str| std::env::var_os(var).is_some_and(|v| !v.is_empty());
    for var in ["AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"] {
        if set(var) {
            found.push(format!("{var} is set"));
        }
    }
    if let Some(key) = Config::load()
        .ok()
        .and_then(|c| c.credential_key("default"))
    {
        found.push(format!("the default profile has {key}"));
    }
    (!found.is_empty()).then(|| found.join(", "))
}

/// The one line `serve` and `server env` print when a client would not reach the endpoint.
pub fn warning(found: &str) -> String {
    format!(
        "a client started here takes other credentials before this endpoint ({found}): run it \
         with aws-as exec --server NAME -- CMD, or with AWS_PROFILE, AWS_DEFAULT_PROFILE and \
         AWS_ACCESS_KEY_ID unset and AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null"
    )
}
