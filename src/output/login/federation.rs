//! The one HTTPS request of a console sign-in: credentials in, a sign-in token out. It uses the
//! SDK's own HTTP client (aws-smithy-http-client: hyper, rustls with aws-lc, the system's root
//! certificates, the proxy variables), so no second HTTP or TLS stack is linked, and it is named only from
//! `aws-as-sts`'s entry (through [`super::login`]).
//!
//! The query holds the credentials and the answer the token: neither the URL nor the body ever
//! goes into an error message, which names the endpoint (without its query) and what went wrong.

use std::time::Duration;

use aws_smithy_http_client::Connector;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::HttpConnector;
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::byte_stream::ByteStream;

use crate::error::{Error, Result};

/// A sign-in token answer is a few hundred bytes: anything much longer is not one.
const MAX_ANSWER: usize = 64 * 1024;

/// How long the whole exchange may take (`AWS_AS_STS_TIMEOUT`, as for STS).
fn timeout() -> Duration {
    crate::session::sdk::operation_timeout()
}

/// GETs `url` (`endpoint` with the getSigninToken query) and returns the `SigninToken` of the
/// answer. `profile` and `endpoint` are for messages.
pub fn signin_token(url: &str, endpoint: &str, profile: &str) -> Result<String> {
    let fail = |why: String| {
        Error::new(format!(
            "cannot get a console sign-in token for {profile:?} from {endpoint}: {why}"
        ))
    };
    let runtime = crate::session::sdk::runtime()?;
    let limit = timeout();
    let answer = runtime.block_on(async {
        // As the SDK's default client does for STS: HTTPS_PROXY, NO_PROXY and friends.
        let connector = Connector::builder()
            .proxy_config(ProxyConfig::from_env())
            .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
            .build();
        let mut request = HttpRequest::get(url).map_err(|_| {
            fail("the endpoint is not a URL: check AWS_AS_FEDERATION_ENDPOINT".to_string())
        })?;
        request.headers_mut().insert("accept", "application/json");
        request
            .headers_mut()
            .insert("user-agent", concat!("aws-as/", env!("CARGO_PKG_VERSION")));
        let exchange = async {
            let response = connector.call(request).await.map_err(|e| {
                fail(if e.is_timeout() {
                    "timed out".to_string()
                } else if e.is_io() {
                    "could not connect: check the network (or AWS_AS_FEDERATION_ENDPOINT)"
                        .to_string()
                } else {
                    "the request failed: check the network (or AWS_AS_FEDERATION_ENDPOINT)"
                        .to_string()
                })
            })?;
            let status = response.status().as_u16();
            let mut body = ByteStream::new(response.into_body());
            let mut bytes = Vec::new();
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|_| fail("the answer broke off".to_string()))?;
                bytes.extend_from_slice(&chunk);
                if bytes.len() > MAX_ANSWER {
                    return Err(fail(
                        "the answer is too long to be a sign-in token".to_string(),
                    ));
                }
            }
            Ok((status, bytes))
        };
        match tokio::time::timeout(limit, exchange).await {
            Ok(result) => result,
            Err(_) => Err(fail(format!(
                "no answer within {limit:?}: check the network, or raise AWS_AS_STS_TIMEOUT"
            ))),
        }
    })?;
    let (status, body) = answer;
    if status != 200 {
        return Err(fail(refusal(status)));
    }
    token_from(&body).ok_or_else(|| fail("the answer holds no SigninToken".to_string()))
}

/// What an answer other than 200 means, and what to do. The body is never shown: a page that
/// echoes the request would show the session's credentials, which are in its query.
fn refusal(status: u16) -> String {
    match status {
        // What the sign-in endpoint answers for credentials it does not take.
        400 | 401 | 403 => format!(
            "it refused the session's credentials (HTTP {status}): they may have expired or been revoked, or the identity may not use the console; try again"
        ),
        // Nothing at that address signs anyone in: the credentials were never looked at.
        404 => match crate::env_var("AWS_AS_FEDERATION_ENDPOINT") {
            Some(_) => "there is no sign-in service at that address (HTTP 404): AWS_AS_FEDERATION_ENDPOINT must be a federation endpoint, like https://signin.aws.amazon.com/federation (or unset it)".to_string(),
            None => "there is no sign-in service at that address (HTTP 404): something between you and AWS answered (check HTTPS_PROXY), or this partition's console signs in elsewhere: sign in to the console another way".to_string(),
        },
        429 | 500..=599 => format!(
            "the sign-in service failed (HTTP {status}): try again in a moment"
        ),
        _ => format!(
            "it answered HTTP {status}, not a sign-in token: check HTTPS_PROXY (and AWS_AS_FEDERATION_ENDPOINT if set)"
        ),
    }
}

/// The `SigninToken` of a getSigninToken answer, if it is one.
fn token_from(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let token = value.get("SigninToken")?.as_str()?;
    (!token.is_empty() && !token.chars().any(|c| c.is_control() || c.is_whitespace()))
        .then(|| token.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers() {
        assert_eq!(
            token_from(br#"{"SigninToken":"abc-_1"}"#).as_deref(),
            Some("abc-_1")
        );
        for bad in [
            &b"<html>"[..],
            br#"{"SigninToken":""}"#,
            br#"{"SigninToken":1}"#,
            br#"{"Other":"x"}"#,
            br#"{"SigninToken":"a b"}"#,
        ] {
            assert_eq!(token_from(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }
}
