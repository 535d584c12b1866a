//! IAM, for `aws-as keys rotate` (CreateAccessKey, DeleteAccessKey) and a key's creation date
//! (ListAccessKeys): aws-sdk-iam, linked into `aws-as-sts` only, beside the STS client. Honours
//! `AWS_ENDPOINT_URL_IAM` / `AWS_ENDPOINT_URL` (the SDK reads them), signed for us-east-1 (IAM
//! is global; the SDK picks the partition's endpoint).

use aws_config::BehaviorVersion;
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_types::region::Region;
use chrono::{DateTime, Utc};

use super::excerpt::excerpt;
use super::{AccessKey, Signer};
use crate::error::{Error, Result};
use crate::identity::Keys;

pub async fn client(signer: Signer<'_>) -> aws_sdk_iam::Client {
    let credentials = match signer {
        Signer::Keys(k) => aws_credential_types::Credentials::new(
            &k.access_key_id,
            &k.secret_access_key,
            None,
            None,
            "aws-as",
        ),
        Signer::Session(c) => aws_credential_types::Credentials::new(
            &c.access_key_id,
            &c.secret_access_key,
            Some(c.session_token.clone()),
            None,
            "aws-as",
        ),
    };
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(credentials)
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .operation_timeout(crate::session::sdk::operation_timeout())
                .build(),
        )
        .load()
        .await;
    aws_sdk_iam::Client::new(&config)
}

/// One line for an IAM error: the call, the profile, the status, IAM's code and message, a fix.
pub fn describe<E, R>(
    operation: &str,
    profile: &str,
    err: SdkError<E, R>,
    secrets: &[&str],
) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let failed = format!("IAM {operation} for profile {profile:?} failed");
    match &err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            let code = e.code().unwrap_or("an error");
            let message = excerpt(e.message().unwrap_or("").as_bytes(), secrets);
            let fix = match code {
                "AccessDenied" => {
                    "the user needs iam:CreateAccessKey, iam:DeleteAccessKey and iam:ListAccessKeys on itself (arn:aws:iam::ACCOUNT:user/${aws:username}), often only with MFA"
                }
                "LimitExceeded" => {
                    "the user has two access keys already (IAM's limit): delete the one aws-as does not store (aws iam delete-access-key --user-name USER --access-key-id ID) and rotate again"
                }
                "NoSuchEntity" => "the key or user no longer exists in IAM",
                "InvalidClientTokenId" | "SignatureDoesNotMatch" => {
                    "the keys or session were rejected"
                }
                _ => "see IAM's message",
            };
            Error::new(format!(
                "{failed}: {}: {message} ({fix})",
                excerpt(code.as_bytes(), secrets),
            ))
        }
        _ => Error::new(format!(
            "{failed}: {} (check the network or AWS_ENDPOINT_URL_IAM)",
            excerpt(
                aws_sdk_iam::error::DisplayErrorContext(&err)
                    .to_string()
                    .as_bytes(),
                secrets
            )
        )),
    }
}

pub fn date(d: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp(d.secs(), 0)
}

pub async fn create_access_key(
    profile: &str,
    session: Signer<'_>,
    user: &str,
    secrets: &[&str],
) -> Result<(Keys, Option<DateTime<Utc>>)> {
    let out = client(session)
        .await
        .create_access_key()
        .user_name(user)
        .send()
        .await
        .map_err(|e| describe("CreateAccessKey", profile, e, secrets))?;
    let Some(key) = out.access_key() else {
        return Err(Error::new(format!(
            "IAM CreateAccessKey for profile {profile:?} returned no key: check with aws iam list-access-keys --user-name {user}"
        )));
    };
    Ok((
        Keys {
            access_key_id: key.access_key_id().to_string(),
            secret_access_key: key.secret_access_key().to_string(),
        },
        key.create_date().and_then(date),
    ))
}

pub async fn delete_access_key(
    profile: &str,
    session: Signer<'_>,
    user: &str,
    access_key_id: &str,
    secrets: &[&str],
) -> Result<()> {
    client(session)
        .await
        .delete_access_key()
        .user_name(user)
        .access_key_id(access_key_id)
        .send()
        .await
        .map_err(|e| describe("DeleteAccessKey", profile, e, secrets))?;
    Ok(())
}

pub async fn list_access_keys(
    profile: &str,
    signer: Signer<'_>,
    user: &str,
    secrets: &[&str],
) -> Result<Vec<AccessKey>> {
    let out = client(signer)
        .await
        .list_access_keys()
        .user_name(user)
        .send()
        .await
        .map_err(|e| describe("ListAccessKeys", profile, e, secrets))?;
    Ok(out
        .access_key_metadata()
        .iter()
        .map(|m| AccessKey {
            access_key_id: m.access_key_id().unwrap_or_default().to_string(),
            created: m.create_date().and_then(date),
            active: m
                .status()
                .is_none_or(|s| *s == aws_sdk_iam::types::StatusType::Active),
        })
        .collect())
}
