//! The only code that talks to AWS (aws-sdk-sts). Built lazily: a cache hit never constructs the SDK
//! configuration nor the async runtime.

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_types::region::Region;
use chrono::{DateTime, Utc};

use super::{FederationRequest, RoleRequest, StsApi};
use crate::error::{Cause, Error, Result};
use crate::identity::Keys;
use crate::session::credentials::Credentials;

pub struct Sts {
    runtime: tokio::runtime::Runtime,
}

/// How long one STS call may take in all, retries included (`AWS_AS_STS_TIMEOUT`, seconds).
fn operation_timeout() -> Duration {
    crate::env_seconds("AWS_AS_STS_TIMEOUT", Duration::from_secs(30))
}

/// Where the SDK will send the call, for error messages.
fn endpoint() -> String {
    crate::sts_endpoint().unwrap_or_else(|| "the STS endpoint".to_string())
}

/// What the user can do about an STS error: one line naming the profile, the STS error code and a fix.
fn describe<E, R>(operation: &str, profile: &str, err: SdkError<E, R>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match &err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            let code = e.code().unwrap_or("Unknown");
            let message = e.message().unwrap_or("");
            let wrong_mfa = code == "AccessDenied" && message.contains("MultiFactorAuthentication");
            let fix = match code {
                _ if wrong_mfa => "wrong or reused MFA code: wait for the next code and try again",
                "AccessDenied" if operation == "GetFederationToken" => {
                    "the user needs sts:GetFederationToken, which takes its long-term keys and no MFA code (a policy that denies what is done without MFA denies it): sign in to a role instead"
                }
                "AccessDenied" => {
                    "check the role's trust policy and the source identity's permissions"
                }
                "InvalidClientTokenId" | "SignatureDoesNotMatch" => {
                    "the long-term keys were rejected: rotate them in ~/.aws/credentials"
                }
                "ExpiredToken" | "ExpiredTokenException" => {
                    "the source session has expired: run the switch again"
                }
                "Throttling" | "ThrottlingException" | "RequestLimitExceeded" => {
                    "STS is throttling requests: wait a moment and try again"
                }
                _ => "see the message from STS",
            };
            let cause = match code {
                _ if wrong_mfa => Cause::WrongMfaCode,
                "ExpiredToken" | "ExpiredTokenException" => Cause::ExpiredCredentials,
                _ => Cause::Other,
            };
            Error::with_cause(
                format!(
                    "STS {operation} for profile {profile:?} failed: {code}: {message} ({fix})"
                ),
                cause,
            )
        }
        SdkError::TimeoutError(_) => Error::new(format!(
            "STS {operation} for profile {profile:?} timed out after {:?} at {}: check the network, or raise AWS_AS_STS_TIMEOUT",
            operation_timeout(),
            endpoint()
        )),
        SdkError::DispatchFailure(d) => {
            let why = if d.is_timeout() {
                "timed out".to_string()
            } else if d.is_io() {
                "could not connect".to_string()
            } else {
                "the request could not be sent".to_string()
            };
            Error::new(format!(
                "STS {operation} for profile {profile:?} failed: {why} to {}: check the network or AWS_ENDPOINT_URL_STS",
                endpoint()
            ))
        }
        SdkError::ResponseError(_) => Error::new(format!(
            "STS {operation} for profile {profile:?} failed: the response from {} could not be read: check AWS_ENDPOINT_URL_STS",
            endpoint()
        )),
        _ => Error::new(format!(
            "STS {operation} for profile {profile:?} failed: {}",
            aws_sdk_sts::error::DisplayErrorContext(&err)
        )),
    }
}

fn convert(
    operation: &str,
    profile: &str,
    creds: Option<&aws_sdk_sts::types::Credentials>,
    arn: Option<String>,
) -> Result<Credentials> {
    let Some(c) = creds else {
        bail!("STS {operation} for profile {profile:?} returned no credentials");
    };
    let expiration = DateTime::<Utc>::from_timestamp(c.expiration().secs(), 0)
        .ok_or_else(|| Error::new(format!("STS {operation} returned an impossible expiration")))?;
    Ok(Credentials {
        access_key_id: c.access_key_id().to_string(),
        secret_access_key: c.secret_access_key().to_string(),
        session_token: c.session_token().to_string(),
        expiration,
        arn,
    })
}

/// The STS client of the full binary (`aws-as-sts`): what [`crate::session::Resolver`] calls on
/// a cache miss.
pub fn connect() -> Result<Box<dyn StsApi>> {
    Ok(Box::new(Sts::new()?))
}

impl Sts {
    pub fn new() -> Result<Sts> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::new(format!("cannot start the network runtime: {e}")))?;
        Ok(Sts { runtime })
    }

    async fn client(
        region: &str,
        key: &str,
        secret: &str,
        token: Option<&str>,
    ) -> aws_sdk_sts::Client {
        let credentials = aws_credential_types::Credentials::new(
            key,
            secret,
            token.map(str::to_string),
            None,
            "aws-as",
        );
        let config = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .credentials_provider(credentials)
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(10).min(operation_timeout()))
                    .operation_timeout(operation_timeout())
                    .build(),
            )
            .load()
            .await;
        aws_sdk_sts::Client::new(&config)
    }
}

impl StsApi for Sts {
    fn get_session_token(
        &self,
        profile: &str,
        region: &str,
        keys: &Keys,
        mfa: Option<(&str, &str)>,
        duration_seconds: u32,
    ) -> Result<Credentials> {
        self.runtime.block_on(async {
            let client =
                Self::client(region, &keys.access_key_id, &keys.secret_access_key, None).await;
            let out = client
                .get_session_token()
                .set_serial_number(mfa.map(|(serial, _)| serial.to_string()))
                .set_token_code(mfa.map(|(_, code)| code.to_string()))
                .duration_seconds(duration_seconds as i32)
                .send()
                .await
                .map_err(|e| describe("GetSessionToken", profile, e))?;
            convert("GetSessionToken", profile, out.credentials(), None)
        })
    }

    fn get_federation_token(
        &self,
        region: &str,
        keys: &Keys,
        req: &FederationRequest<'_>,
    ) -> Result<Credentials> {
        self.runtime.block_on(async {
            let client =
                Self::client(region, &keys.access_key_id, &keys.secret_access_key, None).await;
            let out = client
                .get_federation_token()
                .name(req.name)
                .policy(req.policy)
                .duration_seconds(req.duration_seconds as i32)
                .send()
                .await
                .map_err(|e| describe("GetFederationToken", req.profile, e))?;
            convert(
                "GetFederationToken",
                req.profile,
                out.credentials(),
                out.federated_user().map(|u| u.arn().to_string()),
            )
        })
    }

    fn assume_role(
        &self,
        region: &str,
        source: &Credentials,
        req: &RoleRequest<'_>,
    ) -> Result<Credentials> {
        self.runtime.block_on(async {
            let client = Self::client(
                region,
                &source.access_key_id,
                &source.secret_access_key,
                Some(&source.session_token),
            )
            .await;
            let out = client
                .assume_role()
                .role_arn(req.role_arn)
                .role_session_name(req.session_name)
                .set_external_id(req.external_id.map(str::to_string))
                .duration_seconds(req.duration_seconds as i32)
                .send()
                .await
                .map_err(|e| describe("AssumeRole", req.profile, e))?;
            convert(
                "AssumeRole",
                req.profile,
                out.credentials(),
                out.assumed_role_user().map(|u| u.arn().to_string()),
            )
        })
    }
}
