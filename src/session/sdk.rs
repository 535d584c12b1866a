//! What the SDK clients of `aws-as-sts` share (STS and IAM in `sts/`, sso-oidc and sso in
//! `sso/`, the console sign-in's HTTPS request): the time limit of a call, the async runtime they
//! run on, and the SDK configuration with that limit. Named only from `aws-as-sts`'s code paths:
//! the lean `aws-as` links none of it (tests/linking.rs).

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::timeout::TimeoutConfig;
use aws_types::region::Region;

use crate::error::{Error, Result};

/// How long one call may take in all, retries included (`AWS_AS_STS_TIMEOUT`, seconds).
pub fn operation_timeout() -> Duration {
    crate::env_seconds("AWS_AS_STS_TIMEOUT", Duration::from_secs(30))
}

/// The single-threaded runtime a client blocks on.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::new(format!("cannot start the network runtime: {e}")))
}

/// The SDK's defaults for `region`, a call limited to [`operation_timeout`] and its connection
/// to 10 seconds (or less): the caller adds the credentials (or `no_credentials`) and loads.
pub fn defaults(region: &str) -> aws_config::ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10).min(operation_timeout()))
                .operation_timeout(operation_timeout())
                .build(),
        )
}
