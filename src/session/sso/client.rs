//! The SDK's own `sso-oidc` and `sso` clients (aws-sdk-ssooidc, aws-sdk-sso): the only code that
//! talks to IAM Identity Center. Linked into `aws-as-sts` only, built on a cache miss only. The
//! SDK reaches the services through the standard endpoint variables (`AWS_ENDPOINT_URL_SSO_OIDC`,
//! `AWS_ENDPOINT_URL_SSO`, `AWS_ENDPOINT_URL`); neither service signs its requests.

use aws_sdk_sso::error::{ProvideErrorMetadata, SdkError};
use chrono::{DateTime, TimeDelta, Utc};

use super::token::Client;
use super::{Account, DeviceAuthorization, Grant, NewToken, Registration, SsoApi};
use crate::error::{Cause, Error, Result};
use crate::identity::{SsoRole, SsoSignIn};
use crate::session::credentials::Credentials;
use crate::session::sdk;
use crate::session::sts::excerpt::excerpt;

pub struct Sso {
    runtime: tokio::runtime::Runtime,
}

/// Where a service's calls go, for messages: the endpoint variable that sets it, else AWS's.
fn endpoint(variable: &str, host: &str, region: &str) -> String {
    crate::env_var(variable)
        .or_else(|| crate::env_var("AWS_ENDPOINT_URL"))
        .unwrap_or_else(|| format!("https://{host}.{region}.amazonaws.com"))
}

fn oidc_endpoint(region: &str) -> String {
    endpoint("AWS_ENDPOINT_URL_SSO_OIDC", "oidc", region)
}

fn portal_endpoint(region: &str) -> String {
    endpoint("AWS_ENDPOINT_URL_SSO", "portal.sso", region)
}

/// One line for a failed call: the operation, what the service said (code and message, made
/// safe: `secrets` cut out), and the fix; the cause the caller reacts to.
fn describe<E, R>(operation: &str, at: &str, err: SdkError<E, R>, secrets: &[&str]) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let failed = format!("IAM Identity Center {operation} failed");
    match &err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            let code = e.code().unwrap_or("an error");
            let message = excerpt(e.message().unwrap_or("").as_bytes(), secrets);
            let (cause, fix) = match code {
                "AuthorizationPendingException" => (
                    Cause::AuthorizationPending,
                    "the sign-in is not approved yet",
                ),
                "SlowDownException" => (Cause::SlowDown, "polling too fast"),
                "InvalidClientException" => (
                    Cause::InvalidClient,
                    "the client registration expired or is unknown: sign in again",
                ),
                "UnauthorizedException" | "InvalidGrantException" => (
                    Cause::SsoTokenRejected,
                    "the sign-in was revoked or has expired: sign in again (aws-as sso login)",
                ),
                "ExpiredTokenException" => (
                    Cause::Other,
                    "the sign-in was not approved in time: start it again",
                ),
                "AccessDeniedException" => (Cause::Other, "the sign-in was denied"),
                "ForbiddenException" => (
                    Cause::Other,
                    "this user is not assigned that role in that account: check sso_account_id and sso_role_name, or ask for the assignment",
                ),
                "ResourceNotFoundException" => (
                    Cause::Other,
                    "no such account or role: check sso_account_id and sso_role_name",
                ),
                "TooManyRequestsException" => (
                    Cause::Other,
                    "IAM Identity Center is throttling requests: wait a moment and try again",
                ),
                _ => (Cause::Other, "see the message from IAM Identity Center"),
            };
            let message = if message.is_empty() {
                String::new()
            } else {
                format!(": {message}")
            };
            Error::with_cause(
                format!(
                    "{failed}: {}{message} ({fix})",
                    excerpt(code.as_bytes(), secrets)
                ),
                cause,
            )
        }
        SdkError::TimeoutError(_) => Error::new(format!(
            "{failed}: no answer from {at} within {:?}: check the network, or raise AWS_AS_STS_TIMEOUT",
            sdk::operation_timeout()
        )),
        SdkError::DispatchFailure(d) => Error::new(format!(
            "{failed}: {} {at}: check the network and the endpoint variables (AWS_ENDPOINT_URL_SSO, AWS_ENDPOINT_URL_SSO_OIDC)",
            if d.is_timeout() {
                "timed out connecting to"
            } else {
                "could not connect to"
            }
        )),
        SdkError::ResponseError(_) => Error::new(format!(
            "{failed}: {at} answered with something that is not IAM Identity Center's: check the endpoint variables and HTTPS_PROXY"
        )),
        _ => Error::new(format!(
            "{failed} at {at}: {}",
            excerpt(
                aws_sdk_sso::error::DisplayErrorContext(&err)
                    .to_string()
                    .as_bytes(),
                secrets
            )
        )),
    }
}

impl Sso {
    pub fn new() -> Result<Sso> {
        Ok(Sso {
            runtime: sdk::runtime()?,
        })
    }

    async fn config(region: &str) -> aws_config::SdkConfig {
        sdk::defaults(region)
            // Neither service signs its requests: the SDK must not look for credentials.
            .no_credentials()
            .load()
            .await
    }

    async fn oidc(region: &str) -> aws_sdk_ssooidc::Client {
        aws_sdk_ssooidc::Client::new(&Self::config(region).await)
    }

    async fn portal(region: &str) -> aws_sdk_sso::Client {
        aws_sdk_sso::Client::new(&Self::config(region).await)
    }
}

fn required(operation: &str, field: &str, value: Option<&str>) -> Result<String> {
    value
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .ok_or_else(|| {
            Error::new(format!(
                "IAM Identity Center {operation} answered without {field}: try again; if it lasts, check the endpoint variables"
            ))
        })
}

impl SsoApi for Sso {
    fn register_client(
        &self,
        sign_in: &SsoSignIn,
        registration: &Registration<'_>,
    ) -> Result<Client> {
        self.runtime.block_on(async {
            let at = oidc_endpoint(&sign_in.region);
            let scopes = (!sign_in.scopes.is_empty()).then(|| sign_in.scopes.clone());
            let strings = |v: &[&str]| {
                (!v.is_empty()).then(|| v.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            };
            let pkce = !registration.grant_types.is_empty();
            let out = Self::oidc(&sign_in.region)
                .await
                .register_client()
                .client_name(&registration.client_name)
                .client_type("public")
                .set_scopes(scopes)
                .set_grant_types(strings(registration.grant_types))
                .set_redirect_uris(strings(registration.redirect_uris))
                .set_issuer_url(pkce.then(|| sign_in.start_url.clone()))
                .send()
                .await
                .map_err(|e| describe("RegisterClient", &at, e, &[]))?;
            let expires_at = DateTime::<Utc>::from_timestamp(out.client_secret_expires_at(), 0)
                .filter(|t| *t > Utc::now())
                .ok_or_else(|| {
                    Error::new(
                        "IAM Identity Center RegisterClient answered with a registration already expired: check the clock",
                    )
                })?;
            Ok(Client {
                client_id: required("RegisterClient", "clientId", out.client_id())?,
                client_secret: required("RegisterClient", "clientSecret", out.client_secret())?,
                expires_at,
            })
        })
    }

    fn start_device_authorization(
        &self,
        sign_in: &SsoSignIn,
        client: &Client,
    ) -> Result<DeviceAuthorization> {
        self.runtime.block_on(async {
            let at = oidc_endpoint(&sign_in.region);
            let op = "StartDeviceAuthorization";
            let out = Self::oidc(&sign_in.region)
                .await
                .start_device_authorization()
                .client_id(&client.client_id)
                .client_secret(&client.client_secret)
                .start_url(&sign_in.start_url)
                .send()
                .await
                .map_err(|e| describe(op, &at, e, &[&client.client_secret]))?;
            Ok(DeviceAuthorization {
                device_code: required(op, "deviceCode", out.device_code())?,
                user_code: required(op, "userCode", out.user_code())?,
                verification_uri: required(op, "verificationUri", out.verification_uri())?,
                verification_uri_complete: out.verification_uri_complete().map(str::to_string),
                expires_in: i64::from(out.expires_in()),
                interval: i64::from(out.interval()),
            })
        })
    }

    fn create_token(
        &self,
        sign_in: &SsoSignIn,
        client: &Client,
        grant: &Grant<'_>,
    ) -> Result<NewToken> {
        self.runtime.block_on(async {
            let at = oidc_endpoint(&sign_in.region);
            let request = Self::oidc(&sign_in.region)
                .await
                .create_token()
                .client_id(&client.client_id)
                .client_secret(&client.client_secret);
            let (request, secret) = match grant {
                Grant::DeviceCode(code) => (
                    request
                        .grant_type("urn:ietf:params:oauth:grant-type:device_code")
                        .device_code(*code),
                    *code,
                ),
                Grant::AuthorizationCode {
                    code,
                    code_verifier,
                    redirect_uri,
                } => (
                    request
                        .grant_type("authorization_code")
                        .code(*code)
                        .code_verifier(*code_verifier)
                        .redirect_uri(*redirect_uri),
                    *code_verifier,
                ),
                Grant::RefreshToken(token) => (
                    request.grant_type("refresh_token").refresh_token(*token),
                    *token,
                ),
            };
            let out = request
                .send()
                .await
                .map_err(|e| describe("CreateToken", &at, e, &[&client.client_secret, secret]))?;
            if out.expires_in() <= 0 {
                bail!(
                    "IAM Identity Center CreateToken answered with a token that has expired: check the clock"
                );
            }
            Ok(NewToken {
                access_token: required("CreateToken", "accessToken", out.access_token())?,
                expires_in: i64::from(out.expires_in()),
                refresh_token: out.refresh_token().map(str::to_string),
            })
        })
    }

    fn get_role_credentials(&self, role: &SsoRole, access_token: &str) -> Result<Credentials> {
        self.runtime.block_on(async {
            let region = &role.sign_in.region;
            let at = portal_endpoint(region);
            let op = "GetRoleCredentials";
            let out = Self::portal(region)
                .await
                .get_role_credentials()
                .role_name(&role.role_name)
                .account_id(&role.account_id)
                .access_token(access_token)
                .send()
                .await
                .map_err(|e| {
                    let e = describe(op, &at, e, &[access_token]);
                    // The role's name comes from the config: a terminal escape in it is shown,
                    // not sent.
                    let shown = |t: &str| {
                        if t.chars().any(char::is_control) {
                            t.escape_debug().to_string()
                        } else {
                            t.to_string()
                        }
                    };
                    Error::with_cause(
                        format!(
                            "{e} [role {} in account {}]",
                            shown(&role.role_name),
                            shown(&role.account_id)
                        ),
                        e.cause(),
                    )
                })?;
            let Some(c) = out.role_credentials() else {
                bail!("IAM Identity Center {op} answered without credentials: try again");
            };
            // The portal gives the expiry in milliseconds since the epoch.
            let expiration = DateTime::<Utc>::from_timestamp_millis(c.expiration())
                .filter(|t| *t - Utc::now() > TimeDelta::zero())
                .ok_or_else(|| {
                    Error::new(format!(
                        "IAM Identity Center {op} answered with credentials already expired (or cut short): nothing was kept; try again"
                    ))
                })?;
            Ok(Credentials {
                access_key_id: required(op, "accessKeyId", c.access_key_id())?,
                secret_access_key: required(op, "secretAccessKey", c.secret_access_key())?,
                session_token: required(op, "sessionToken", c.session_token())?,
                expiration,
                arn: None,
            })
        })
    }

    fn list_accounts(&self, sign_in: &SsoSignIn, access_token: &str) -> Result<Vec<Account>> {
        self.runtime.block_on(async {
            let at = portal_endpoint(&sign_in.region);
            let client = Self::portal(&sign_in.region).await;
            let mut pages = client
                .list_accounts()
                .access_token(access_token)
                .into_paginator()
                .send();
            let mut accounts = Vec::new();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| describe("ListAccounts", &at, e, &[access_token]))?;
                for a in page.account_list() {
                    accounts.push(Account {
                        id: required("ListAccounts", "accountId", a.account_id())?,
                        name: a.account_name().unwrap_or_default().to_string(),
                        email: a.email_address().map(str::to_string),
                    });
                }
            }
            Ok(accounts)
        })
    }

    fn list_account_roles(
        &self,
        sign_in: &SsoSignIn,
        access_token: &str,
        account_id: &str,
    ) -> Result<Vec<String>> {
        self.runtime.block_on(async {
            let at = portal_endpoint(&sign_in.region);
            let client = Self::portal(&sign_in.region).await;
            let mut pages = client
                .list_account_roles()
                .access_token(access_token)
                .account_id(account_id)
                .into_paginator()
                .send();
            let mut roles = Vec::new();
            while let Some(page) = pages.next().await {
                let page =
                    page.map_err(|e| describe("ListAccountRoles", &at, e, &[access_token]))?;
                roles.extend(
                    page.role_list()
                        .iter()
                        .filter_map(|r| r.role_name())
                        .map(str::to_string),
                );
            }
            Ok(roles)
        })
    }

    fn logout(&self, sign_in: &SsoSignIn, access_token: &str) -> Result<()> {
        self.runtime.block_on(async {
            let at = portal_endpoint(&sign_in.region);
            Self::portal(&sign_in.region)
                .await
                .logout()
                .access_token(access_token)
                .send()
                .await
                .map_err(|e| describe("Logout", &at, e, &[access_token]))?;
            Ok(())
        })
    }
}
