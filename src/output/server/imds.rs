//! The EC2 instance metadata service (IMDSv2), as SDKs use it (docs: the shared notes on
//! credential endpoints): a session token from `PUT /latest/api/token`, then GETs carrying it.
//!
//! | path | answer |
//! |---|---|
//! | `PUT /latest/api/token` | a token for `X-aws-ec2-metadata-token-ttl-seconds` (1–21600, else 400; 403 with `X-Forwarded-For`), the TTL echoed |
//! | `…/iam/security-credentials/` | the served identity's name, no newline (404 with none) |
//! | `…/iam/security-credentials/NAME` | the credentials JSON; another name 404 |
//! | `…/iam/info`, `…/instance-id`, `…/placement/region`, `…/placement/availability-zone`, `/latest/dynamic/instance-identity/document` | what SDKs probe |
//!
//! The region comes from the served profile, else the nearest down its source chain: the Rust
//! SDK reads `placement/region`, the AWS CLI v2 `placement/availability-zone/` (less its last
//! letter), the Go SDK the identity document's `region`; botocore (boto3, the CLI v1) reads a
//! region from IMDS only to pick its `defaults_mode`, never for a client. An identity with no
//! region gets 404 with the fix on all three: aws-as does not pick a region nobody chose.
//!
//! `security-credentials-extended/` is not served: it answers 404, the one status on which JS
//! v3, Java v2, Ruby and PHP fall back to the path above.
//!
//! When no credentials can be given, the credentials path answers **404** with the reason and
//! the fix in the body. Every SDK treats a non-200 there as "no IMDS credentials"; a 404 is the
//! one they take at once: Go v1's client and the Rust SDK retry a 5xx (with back-off, past
//! botocore's 1 s), and the Rust SDK's chain moves on only after a 404 (any other status ends
//! it with an error that hides the body).

use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Request, State as Shared};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};

use super::error::{ApiError, ApiResult, Logged};
use super::state::State;
use crate::identity::{Config, Kind};
use crate::session::rfc3339;

const TTL_HEADER: &str = "x-aws-ec2-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "x-aws-ec2-metadata-token";
const MAX_TTL: u64 = 21_600;
const CREDENTIALS: &str = "/latest/meta-data/iam/security-credentials";
/// What `instance-id` answers: the shape of an EC2 id, and plainly none.
pub const INSTANCE_ID: &str = "i-00000000000a45a5";

pub fn router(state: &State) -> Router<State> {
    Router::new()
        .route("/latest/meta-data/", get(meta_data))
        .route(CREDENTIALS, get(role_name))
        .route(&format!("{CREDENTIALS}/"), get(role_name))
        .route(&format!("{CREDENTIALS}/{{name}}"), get(credentials))
        .route("/latest/meta-data/iam/info", get(info))
        .route("/latest/meta-data/instance-id", get(instance_id))
        .route("/latest/meta-data/placement/region", get(region))
        .route("/latest/meta-data/placement/region/", get(region))
        .route(
            "/latest/meta-data/placement/availability-zone",
            get(availability_zone),
        )
        // The AWS CLI v2 asks with the slash (its IMDSRegionProvider), as EC2 allows.
        .route(
            "/latest/meta-data/placement/availability-zone/",
            get(availability_zone),
        )
        .route(
            "/latest/dynamic/instance-identity/document",
            get(identity_document),
        )
        // Every route above needs a session token; the token's own route, added after, not.
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token))
        .route("/latest/api/token", put(token))
}

async fn require_token(Shared(state): Shared<State>, request: Request, next: Next) -> Response {
    match request.headers().get(TOKEN_HEADER) {
        Some(token) if token.to_str().is_ok_and(|t| state.imds.valid(t)) => {}
        // An SDK asks for a new token on a 401 and tries again.
        Some(_) => return ApiError::unauthorized("").into_response(),
        None if state.imds_v1 => {}
        None => return ApiError::unauthorized("").into_response(),
    }
    next.run(request).await
}

async fn token(Shared(state): Shared<State>, headers: HeaderMap) -> ApiResult<Response> {
    // EC2 refuses a token PUT that went through a proxy: a process that reaches this server
    // only through some forwarding proxy gets no token either.
    if headers.contains_key("x-forwarded-for") {
        return Err(ApiError::forbidden(
            "refused: a token request through a proxy (X-Forwarded-For)",
        ));
    }
    let ttl = headers
        .get(TTL_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|t| (1..=MAX_TTL).contains(t))
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "{TTL_HEADER} must be a number of seconds from 1 to {MAX_TTL}"
            ))
        })?;
    let token = state
        .imds
        .issue(Duration::from_secs(ttl))
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let mut response = token.into_response();
    // The Rust SDK refuses a token without its TTL (NoTtl); Go v1 reads it too.
    response
        .headers_mut()
        .insert(TTL_HEADER, HeaderValue::from(ttl));
    Ok(response)
}

fn served(state: &State) -> ApiResult<String> {
    state.served().ok_or_else(|| {
        ApiError::not_found(
            "no identity is served on this path: aws-as server switch NAME (or aws-as serve NAME)",
        )
    })
}

fn with_identity(mut response: Response, name: &str) -> Response {
    response.extensions_mut().insert(Logged {
        identity: Some(name.to_string()),
        note: None,
    });
    response
}

async fn meta_data(Shared(state): Shared<State>) -> String {
    let mut listing = String::from("instance-id\nplacement/");
    if state.served().is_some() {
        listing.insert_str(0, "iam/\n");
    }
    listing
}

async fn role_name(Shared(state): Shared<State>) -> ApiResult<Response> {
    let name = served(&state)?;
    // Exactly the name: botocore and the Rust SDK take the whole body as the role name.
    Ok(with_identity(name.clone().into_response(), &name))
}

async fn credentials(
    Shared(state): Shared<State>,
    Path(asked): Path<String>,
) -> ApiResult<Response> {
    let name = served(&state)?;
    if asked != name {
        return Err(ApiError::not_found(format!(
            "this server serves {name} on this path, not another name"
        )));
    }
    let served = state.sessions.get(&name).await.map_err(|e| {
        ApiError::not_found(format!("no credentials for {name}: {e}")).for_identity(&name)
    })?;
    let c = &served.credentials;
    let body = serde_json::json!({
        "Code": "Success",
        "LastUpdated": rfc3339(served.updated),
        "Type": "AWS-HMAC",
        "AccessKeyId": c.access_key_id,
        "SecretAccessKey": c.secret_access_key,
        "Token": c.session_token,
        "Expiration": rfc3339(c.expiration),
    });
    Ok(with_identity(axum::Json(body).into_response(), &name))
}

/// The served identity's profile, read from the config (no session needed).
async fn profile(state: &State) -> ApiResult<crate::identity::Identity> {
    let name = served(state)?;
    let loaded = {
        let name = name.clone();
        tokio::task::spawn_blocking(move || Config::load().and_then(|c| c.identity(&name))).await
    };
    let identity = loaded.map_err(|e| ApiError::internal(e.to_string()))?;
    identity.map_err(|e| ApiError::not_found(e.to_string()).for_identity(&name))
}

/// The account an identity acts in, when its profile says (a role's ARN, a user's MFA device).
fn account(identity: &crate::identity::Identity) -> Option<String> {
    let arn = match &identity.kind {
        Kind::User { .. } => identity.root_mfa_serial(),
        Kind::Sso(role) => return Some(role.account_id.clone()),
        _ => identity.role_arn(),
    }?;
    let account = arn.split(':').nth(4)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()))
        .then(|| account.to_string())
}

async fn info(Shared(state): Shared<State>) -> ApiResult<Response> {
    let identity = profile(&state).await?;
    let account = account(&identity)
        .ok_or_else(|| ApiError::not_found("the served profile does not say its account"))?;
    let body = serde_json::json!({
        "Code": "Success",
        "LastUpdated": rfc3339(chrono::Utc::now()),
        "InstanceProfileArn": format!("arn:aws:iam::{account}:instance-profile/{}", identity.name),
        "InstanceProfileId": "AIPAAWSASAWSASAWSAS0",
    });
    Ok(with_identity(
        axum::Json(body).into_response(),
        &identity.name,
    ))
}

async fn instance_id() -> &'static str {
    INSTANCE_ID
}

async fn served_region(state: &State) -> ApiResult<String> {
    profile(state)
        .await?
        .region
        .ok_or_else(|| ApiError::not_found("the served profile has no region (set region in it)"))
}

async fn region(Shared(state): Shared<State>) -> ApiResult<String> {
    served_region(&state).await
}

async fn availability_zone(Shared(state): Shared<State>) -> ApiResult<String> {
    Ok(format!("{}a", served_region(&state).await?))
}

async fn identity_document(Shared(state): Shared<State>) -> ApiResult<Response> {
    let identity = profile(&state).await?;
    let region = identity.region.clone().ok_or_else(|| {
        ApiError::not_found("the served profile has no region (set region in it)")
    })?;
    let body = serde_json::json!({
        "accountId": account(&identity),
        "architecture": std::env::consts::ARCH,
        "availabilityZone": format!("{region}a"),
        "instanceId": INSTANCE_ID,
        "region": region,
        "version": "2017-09-30",
    });
    Ok(with_identity(
        axum::Json(body).into_response(),
        &identity.name,
    ))
}
