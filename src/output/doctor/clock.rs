//! This machine's clock against STS's: one unsigned GET of the STS endpoint, whose answer (an
//! error, for a request with no action) carries a `Date` header like any HTTP answer. Over the
//! SDK's own HTTP client (HTTPS, the proxy variables), as `login/federation.rs` does: this code is
//! named only from `aws-as-sts`'s entry. Nothing is signed and no credential is sent.

use std::time::Duration;

use aws_smithy_http_client::Connector;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::HttpConnector;
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use chrono::{DateTime, TimeDelta, Utc};

/// The global endpoint, when neither `AWS_ENDPOINT_URL_STS` nor `AWS_ENDPOINT_URL` names one.
pub const DEFAULT_URL: &str = "https://sts.amazonaws.com/";

/// `url` without its query, for a message.
pub fn without_query(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

/// STS's clock minus this machine's (positive: this one is behind). Its `Date` has whole seconds,
/// and is compared with the middle of the exchange. `Err` says why there is no answer, in words
/// that follow "not compared with STS's, ".
pub fn skew(url: &str) -> Result<TimeDelta, String> {
    let shown = without_query(url);
    let limit = crate::env_seconds("AWS_AS_STS_TIMEOUT", Duration::from_secs(10))
        .min(Duration::from_secs(10));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("the network runtime did not start ({e})"))?;
    let (before, date, after) = runtime.block_on(async {
        let connector = Connector::builder()
            .proxy_config(ProxyConfig::from_env())
            .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
            .build();
        let mut request = HttpRequest::get(url).map_err(|_| {
            format!("{shown} is not a URL: check AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL")
        })?;
        request
            .headers_mut()
            .insert("user-agent", concat!("aws-as/", env!("CARGO_PKG_VERSION")));
        let before = Utc::now();
        let answer = tokio::time::timeout(limit, connector.call(request)).await;
        let after = Utc::now();
        let response = match answer {
            Err(_) => {
                return Err(format!(
                    "{shown} gave no answer within {limit:?}: check the network"
                ));
            }
            Ok(Err(e)) => {
                return Err(format!(
                    "{shown} could not be reached ({}): check the network",
                    if e.is_timeout() {
                        "timed out"
                    } else if e.is_io() {
                        "no connection"
                    } else {
                        "the request failed"
                    }
                ));
            }
            Ok(Ok(response)) => response,
        };
        let date = response
            .headers()
            .get("date")
            .map(str::to_string)
            .ok_or_else(|| format!("{shown} answered without a Date header"))?;
        Ok((before, date, after))
    })?;
    let date = DateTime::parse_from_rfc2822(date.trim())
        .map_err(|_| format!("{shown} answered with a Date header that is no date"))?
        .with_timezone(&Utc);
    let middle = before + (after - before) / 2;
    // The header drops the fraction of its second: half a second is its best guess.
    Ok(date + TimeDelta::milliseconds(500) - middle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_without_query() {
        assert_eq!(without_query("https://x/?a=b"), "https://x/");
        assert_eq!(without_query("http://127.0.0.1:1"), "http://127.0.0.1:1");
    }
}
