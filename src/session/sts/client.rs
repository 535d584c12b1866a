//! The only code that talks to AWS (aws-sdk-sts). Built lazily: a cache hit never constructs the SDK
//! configuration nor the async runtime.

use aws_sdk_sts::config::http::HttpResponse;
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use chrono::{DateTime, Utc};

use super::excerpt::excerpt;
use super::{AccessKey, FederationRequest, RoleRequest, Signer, StsApi, WebIdentityRequest, iam};
use crate::error::{Cause, Error, Result};
use crate::identity::{CredentialSource, Keys};
use crate::session::credentials::Credentials;
use crate::session::sdk;

pub struct Sts {
    runtime: tokio::runtime::Runtime,
    sso: crate::session::sso::client::Sso,
}

/// Where the SDK will send the call, for error messages.
fn endpoint() -> String {
    crate::sts_endpoint().unwrap_or_else(|| "the STS endpoint".to_string())
}

/// What the user can do about an STS error: one line naming the call, the profile, the HTTP
/// status, STS's error code and message (or, for a reply that is no STS error, a part of it made
/// safe to show: see [`excerpt`]) and a fix that fits the call. `secrets` are what the call was
/// signed with: cut out of anything shown.
fn describe<E>(
    operation: &str,
    profile: &str,
    err: SdkError<E, HttpResponse>,
    secrets: &[&str],
) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let failed = format!("STS {operation} for profile {profile:?} failed");
    match &err {
        SdkError::ServiceError(service) => {
            let raw = service.raw();
            let status = raw.status().as_u16();
            let e = service.err();
            let Some(code) = e.code() else {
                let body = raw.body().bytes().unwrap_or_default();
                return Error::new(not_sts(&failed, status, body, secrets));
            };
            let message = excerpt(e.message().unwrap_or("").as_bytes(), secrets);
            let wrong_mfa = code == "AccessDenied"
                && e.message()
                    .unwrap_or("")
                    .contains("MultiFactorAuthentication");
            let fix = advice(operation, code, wrong_mfa);
            let cause = match code {
                _ if wrong_mfa => Cause::WrongMfaCode,
                "ExpiredToken" | "ExpiredTokenException" => Cause::ExpiredCredentials,
                _ => Cause::Other,
            };
            let message = if message.is_empty() {
                String::new()
            } else {
                format!(": {message}")
            };
            Error::with_cause(
                format!(
                    "{failed}: HTTP {status} {}{message} ({fix})",
                    excerpt(code.as_bytes(), secrets)
                ),
                cause,
            )
        }
        SdkError::TimeoutError(_) => Error::new(format!(
            "STS {operation} for profile {profile:?} timed out after {:?} at {}: check the network, or raise AWS_AS_STS_TIMEOUT",
            sdk::operation_timeout(),
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
                "{failed}: {why} to {}: check the network or AWS_ENDPOINT_URL_STS",
                endpoint()
            ))
        }
        SdkError::ResponseError(r) => {
            let raw = r.raw();
            let body = raw.body().bytes().unwrap_or_default();
            Error::new(not_sts(&failed, raw.status().as_u16(), body, secrets))
        }
        _ => Error::new(format!(
            "{failed}: {}",
            aws_sdk_sts::error::DisplayErrorContext(&err)
        )),
    }
}

/// A reply that is not an STS error (no error code in it, or not XML at all): whatever answered
/// is named by its status and a safe part of its body.
fn not_sts(failed: &str, status: u16, body: &[u8], secrets: &[&str]) -> String {
    let shown = excerpt(body, secrets);
    let shown = if shown.is_empty() {
        "an empty body".to_string()
    } else {
        format!("\"{shown}\"")
    };
    let fix = match status {
        // What STS and the load balancers before it answer when they fail: it passes.
        500..=599 => {
            "STS or a proxy before it failed: try again in a moment; if it lasts, check AWS_ENDPOINT_URL_STS and HTTPS_PROXY"
        }
        _ => "something other than STS answered: check AWS_ENDPOINT_URL_STS and HTTPS_PROXY",
    };
    format!(
        "{failed}: HTTP {status} from {} with a reply that is not STS's: {shown} ({fix})",
        endpoint()
    )
}

/// The fix for STS error `code` on `operation`: each call is refused for its own reasons.
fn advice(operation: &str, code: &str, wrong_mfa: bool) -> &'static str {
    match (operation, code) {
        _ if wrong_mfa => "wrong or reused MFA code: wait for the next code and try again",
        ("GetSessionToken", "AccessDenied") => {
            "a policy or SCP denies this user sts:GetSessionToken: one that denies what is done without MFA must leave sts:GetSessionToken out; check the user's IAM policies"
        }
        ("GetFederationToken", "AccessDenied") => {
            "the user needs sts:GetFederationToken, which takes its long-term keys and no MFA code (a policy that denies what is done without MFA denies it): sign in to a role instead"
        }
        ("AssumeRole", "AccessDenied") => {
            "check the role's trust policy, which must trust the source identity, and that the source identity may sts:AssumeRole it"
        }
        ("AssumeRoleWithWebIdentity", "InvalidIdentityToken" | "ExpiredTokenException") => {
            "the web identity token was refused: check web_identity_token_file holds a current token from the identity provider"
        }
        ("AssumeRoleWithWebIdentity", "AccessDenied") => {
            "check the role's trust policy, which must trust the token's identity provider and audience"
        }
        ("AssumeRole", "InvalidClientTokenId" | "SignatureDoesNotMatch") => {
            "the source session was rejected, revoked or its user's keys deactivated: run aws-as for the source identity again"
        }
        (_, "InvalidClientTokenId" | "SignatureDoesNotMatch") => {
            "the long-term keys were rejected: rotate them in ~/.aws/credentials"
        }
        (_, "ExpiredToken" | "ExpiredTokenException") => {
            "the source session has expired: run the switch again"
        }
        (_, "Throttling" | "ThrottlingException" | "RequestLimitExceeded") => {
            "STS is throttling requests: wait a moment and try again"
        }
        (_, "RegionDisabledException") => {
            "STS is not activated in this region for the account: activate it in the IAM console's account settings, or set another region on the profile"
        }
        _ => "see the message from STS",
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
    // The SDK's XML reader takes an answer cut off before its end: the fields it never reached
    // come out empty (an expiration of 1970), and the token may be cut short. Such credentials
    // are not kept nor handed out.
    if expiration <= Utc::now()
        || [c.access_key_id(), c.secret_access_key(), c.session_token()]
            .iter()
            .any(|v| v.is_empty())
    {
        bail!(
            "STS {operation} for profile {profile:?} returned incomplete credentials (no expiration, or an expired one: an answer cut short?) from {}: nothing was kept; try again, and if it lasts check AWS_ENDPOINT_URL_STS and HTTPS_PROXY",
            endpoint()
        );
    }
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
        Ok(Sts {
            runtime: sdk::runtime()?,
            sso: crate::session::sso::client::Sso::new()?,
        })
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
        let config = sdk::defaults(region)
            .credentials_provider(credentials)
            .load()
            .await;
        aws_sdk_sts::Client::new(&config)
    }
}

/// What a signer's secrets are, to be cut out of any message.
fn secrets_of<'a>(signer: &Signer<'a>) -> Vec<&'a str> {
    match signer {
        Signer::Keys(k) => vec![&k.secret_access_key],
        Signer::Session(c) => vec![&c.secret_access_key, &c.session_token],
    }
}

impl StsApi for Sts {
    fn sso(&self) -> &dyn crate::session::sso::SsoApi {
        &self.sso
    }

    fn keyring(&self) -> Result<Box<dyn crate::session::keyring::KeyringApi>> {
        crate::session::keyring::store::open()
    }

    fn caller_arn(&self, profile: &str, region: &str, signer: Signer<'_>) -> Result<String> {
        let (key, secret, token) = match signer {
            Signer::Keys(k) => (&k.access_key_id, &k.secret_access_key, None),
            Signer::Session(c) => (
                &c.access_key_id,
                &c.secret_access_key,
                Some(c.session_token.as_str()),
            ),
        };
        self.runtime.block_on(async {
            let out = Self::client(region, key, secret, token)
                .await
                .get_caller_identity()
                .send()
                .await
                .map_err(|e| describe("GetCallerIdentity", profile, e, &secrets_of(&signer)))?;
            Ok(out.arn().unwrap_or_default().to_string())
        })
    }

    fn create_access_key(
        &self,
        profile: &str,
        session: &Credentials,
        user: &str,
    ) -> Result<(Keys, Option<DateTime<Utc>>)> {
        let signer = Signer::Session(session);
        self.runtime.block_on(iam::create_access_key(
            profile,
            signer,
            user,
            &secrets_of(&signer),
        ))
    }

    fn delete_access_key(
        &self,
        profile: &str,
        session: &Credentials,
        user: &str,
        access_key_id: &str,
    ) -> Result<()> {
        let signer = Signer::Session(session);
        self.runtime.block_on(iam::delete_access_key(
            profile,
            signer,
            user,
            access_key_id,
            &secrets_of(&signer),
        ))
    }

    fn list_access_keys(
        &self,
        profile: &str,
        signer: Signer<'_>,
        user: &str,
    ) -> Result<Vec<AccessKey>> {
        self.runtime.block_on(iam::list_access_keys(
            profile,
            signer,
            user,
            &secrets_of(&signer),
        ))
    }

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
                .map_err(|e| {
                    // A page that echoes the request would show the MFA code too: six digits,
                    // shorter than anything the excerpt hides by its look.
                    let code = mfa.map_or("", |(_, code)| code);
                    describe(
                        "GetSessionToken",
                        profile,
                        e,
                        &[&keys.secret_access_key, code],
                    )
                })?;
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
                .map_err(|e| {
                    describe(
                        "GetFederationToken",
                        req.profile,
                        e,
                        &[&keys.secret_access_key],
                    )
                })?;
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
            // Long-term keys (a credential_source's, a process's) sign without a token.
            let token = Some(source.session_token.as_str()).filter(|t| !t.is_empty());
            let client = Self::client(
                region,
                &source.access_key_id,
                &source.secret_access_key,
                token,
            )
            .await;
            let settings = req.settings;
            let mut tags = Vec::new();
            for (key, value) in &settings.tags {
                tags.push(
                    aws_sdk_sts::types::Tag::builder()
                        .key(key)
                        .value(value)
                        .build()
                        .map_err(|e| {
                            Error::new(format!(
                                "profile {:?}: session tag {key:?} cannot be sent: {e}",
                                req.profile
                            ))
                        })?,
                );
            }
            let out = client
                .assume_role()
                .role_arn(req.role_arn)
                .role_session_name(req.session_name)
                .set_external_id(req.external_id.map(str::to_string))
                .duration_seconds(req.duration_seconds as i32)
                .set_tags(Some(tags).filter(|t| !t.is_empty()))
                .set_transitive_tag_keys(
                    Some(settings.transitive_tags.clone()).filter(|t| !t.is_empty()),
                )
                .set_source_identity(settings.source_identity.clone())
                .send()
                .await
                .map_err(|e| {
                    let secrets = [&*source.secret_access_key, &*source.session_token];
                    describe("AssumeRole", req.profile, e, &secrets)
                })?;
            convert(
                "AssumeRole",
                req.profile,
                out.credentials(),
                out.assumed_role_user().map(|u| u.arn().to_string()),
            )
        })
    }

    fn assume_role_with_web_identity(
        &self,
        region: &str,
        req: &WebIdentityRequest<'_>,
    ) -> Result<Credentials> {
        self.runtime.block_on(async {
            let config = sdk::defaults(region).no_credentials().load().await;
            let out = aws_sdk_sts::Client::new(&config)
                .assume_role_with_web_identity()
                .role_arn(req.role_arn)
                .role_session_name(req.session_name)
                .web_identity_token(req.token)
                .duration_seconds(req.duration_seconds as i32)
                .send()
                .await
                .map_err(|e| describe("AssumeRoleWithWebIdentity", req.profile, e, &[req.token]))?;
            convert(
                "AssumeRoleWithWebIdentity",
                req.profile,
                out.credentials(),
                out.assumed_role_user().map(|u| u.arn().to_string()),
            )
        })
    }

    fn ambient(&self, profile: &str, source: CredentialSource) -> Result<Credentials> {
        use aws_credential_types::provider::ProvideCredentials;
        let fetched = self.runtime.block_on(async {
            match source {
                CredentialSource::Ec2InstanceMetadata => {
                    aws_config::imds::credentials::ImdsCredentialsProvider::builder()
                        .build()
                        .provide_credentials()
                        .await
                }
                _ => {
                    aws_config::ecs::EcsCredentialsProvider::builder()
                        .build()
                        .provide_credentials()
                        .await
                }
            }
        });
        let where_ = match source {
            CredentialSource::Ec2InstanceMetadata => {
                "the instance metadata service (AWS_EC2_METADATA_SERVICE_ENDPOINT, else 169.254.169.254; AWS_EC2_METADATA_DISABLED)"
            }
            _ => {
                "the container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI or _RELATIVE_URI, with AWS_CONTAINER_AUTHORIZATION_TOKEN or _TOKEN_FILE)"
            }
        };
        let c = fetched.map_err(|e| {
            let detail = aws_sdk_sts::error::DisplayErrorContext(&e).to_string();
            let detail = excerpt(detail.as_bytes(), &[]);
            Error::new(format!(
                "profile {profile:?}: credential_source = {} gave no credentials: {detail} (check {where_})",
                source.as_str()
            ))
        })?;
        let expiration = c
            .expiry()
            .map(DateTime::<Utc>::from)
            .unwrap_or_else(|| Utc::now() + chrono::TimeDelta::hours(1));
        Ok(Credentials {
            access_key_id: c.access_key_id().to_string(),
            secret_access_key: c.secret_access_key().to_string(),
            session_token: c.session_token().unwrap_or_default().to_string(),
            expiration,
            arn: None,
        })
    }
}
