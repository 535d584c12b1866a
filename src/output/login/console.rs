//! Where the console is: the partition an identity signs in to, its federation endpoint and
//! console host, the destination page, and the two federation URLs (none of this talks to the
//! network).

use crate::error::{Error, Result};
use crate::output::percent::encode;

/// The partitions whose console sign-in aws-as knows: their sign-in and console hosts differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Partition {
    Aws,
    AwsCn,
    AwsUsGov,
}

impl Partition {
    fn name(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::AwsCn => "aws-cn",
            Partition::AwsUsGov => "aws-us-gov",
        }
    }

    fn signin_host(self) -> &'static str {
        match self {
            Partition::Aws => "signin.aws.amazon.com",
            Partition::AwsCn => "signin.amazonaws.cn",
            Partition::AwsUsGov => "signin.amazonaws-us-gov.com",
        }
    }

    fn console_host(self) -> &'static str {
        match self {
            Partition::Aws => "console.aws.amazon.com",
            Partition::AwsCn => "console.amazonaws.cn",
            Partition::AwsUsGov => "console.amazonaws-us-gov.com",
        }
    }

    fn from_name(name: &str) -> Result<Partition> {
        match name {
            "aws" => Ok(Partition::Aws),
            "aws-cn" => Ok(Partition::AwsCn),
            "aws-us-gov" => Ok(Partition::AwsUsGov),
            other => Err(Error::new(format!(
                "aws-as knows the console sign-in of the aws, aws-cn and aws-us-gov partitions, not of {:?}: sign in to that console another way",
                other.escape_debug().to_string()
            ))),
        }
    }

    /// The partition of a region name (checked to be one already).
    fn of_region(region: &str) -> Result<Partition> {
        if region.contains("-iso") {
            // us-iso-east-1, us-isob-east-1, eu-isoe-west-1…: partitions with consoles of their own.
            return Err(Error::new(format!(
                "aws-as knows the console sign-in of the aws, aws-cn and aws-us-gov partitions, not that of region {region}: sign in to that console another way"
            )));
        }
        Ok(if region.starts_with("cn-") {
            Partition::AwsCn
        } else if region.starts_with("us-gov-") {
            Partition::AwsUsGov
        } else {
            Partition::Aws
        })
    }
}

/// The partition to sign in to: the one in the identity's ARN (the role's, or the user's MFA
/// device's) when it has one, else the region's, else aws. A region of another partition than
/// the ARN's is an error: that console cannot show the identity's account.
pub fn partition(arn: Option<&str>, region: Option<&str>) -> Result<Partition> {
    let from_arn = match arn {
        Some(arn) => {
            let mut parts = arn.splitn(3, ':');
            match (parts.next(), parts.next()) {
                (Some("arn"), Some(p)) => Some(Partition::from_name(p)?),
                _ => None,
            }
        }
        None => None,
    };
    let from_region = region.map(Partition::of_region).transpose()?;
    match (from_arn, from_region) {
        (Some(a), Some(r)) if a != r => Err(Error::new(format!(
            "region {} is not in the {} partition of {}: pass a --region of that partition",
            region.unwrap_or_default(),
            a.name(),
            arn.unwrap_or_default()
        ))),
        (Some(p), _) | (None, Some(p)) => Ok(p),
        (None, None) => Ok(Partition::Aws),
    }
}

/// Where the federation endpoint is: `AWS_AS_FEDERATION_ENDPOINT` (tests, proxies), else the
/// partition's. An override is https, or http on a loopback address only: the credentials go
/// to it in the query.
pub fn federation_endpoint(partition: Partition) -> Result<String> {
    let Some(url) = crate::env_var("AWS_AS_FEDERATION_ENDPOINT") else {
        return Ok(format!("https://{}/federation", partition.signin_host()));
    };
    let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
        .iter()
        .any(|base| {
            url.strip_prefix(base)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/']))
        });
    let clean =
        !url.contains(['?', '#']) && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if (url.starts_with("https://") || loopback) && clean {
        Ok(url)
    } else {
        Err(Error::new(
            "AWS_AS_FEDERATION_ENDPOINT must be an https:// URL (or http:// on 127.0.0.1, localhost or [::1]) without ? or #: fix or unset it",
        ))
    }
}

/// The console page to land on: `given` (a console URL, or a path such as `ec2/home` or
/// `s3/buckets`, which gets `region=` when a region is known), else the console home.
pub fn destination(
    partition: Partition,
    region: Option<&str>,
    given: Option<&str>,
) -> Result<String> {
    let console = partition.console_host();
    let Some(given) = given else {
        return Ok(match region {
            Some(r) => format!("https://{console}/console/home?region={r}"),
            None => format!("https://{console}/console/home"),
        });
    };
    let bad = || {
        Error::new(format!(
            "--destination must be a console page (https://{console}/… or a host under it) or a path such as ec2/home: {:?} is neither",
            given.escape_debug().to_string()
        ))
    };
    if given.is_empty() || given.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    if let Some(rest) = given.strip_prefix("https://") {
        let host = rest
            .split(['/', '?', '#'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if host == console || host.ends_with(&format!(".{console}")) {
            return Ok(given.to_string());
        }
        return Err(bad());
    }
    if given.contains("://") || given.starts_with("//") {
        return Err(bad());
    }
    let path = given.trim_start_matches('/');
    let (before_fragment, fragment) = match path.find('#') {
        Some(i) => path.split_at(i),
        None => (path, ""),
    };
    let with_region = match region {
        Some(r) if !before_fragment.contains("region=") => {
            let sep = if before_fragment.contains('?') {
                '&'
            } else {
                '?'
            };
            format!("{before_fragment}{sep}region={r}")
        }
        _ => before_fragment.to_string(),
    };
    Ok(format!("https://{console}/{with_region}{fragment}"))
}

/// The request for a sign-in token: the session's credentials as JSON in the query, as the
/// federation endpoint takes them. No SessionDuration: it refuses one for the sessions aws-as
/// has (a role assumed from another session; a GetFederationToken session), so a console
/// session lasts as long as the credentials it was made from.
pub fn token_request_url(endpoint: &str, session_json: &str) -> String {
    format!(
        "{endpoint}?Action=getSigninToken&Session={}",
        encode(session_json)
    )
}

/// The sign-in URL itself: 15 minutes of the console for whoever opens it.
pub fn login_url(endpoint: &str, destination: &str, token: &str) -> String {
    format!(
        "{endpoint}?Action=login&Issuer=aws-as&Destination={}&SigninToken={}",
        encode(destination),
        encode(token)
    )
}

/// A GetFederationToken name (2 to 32 of letters, digits and `_+=,.@-`) from a profile name:
/// it is what the console shows as the federated user.
pub fn federated_user_name(profile: &str) -> String {
    let mut name: String = profile
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(32)
        .collect();
    while name.len() < 2 {
        name.push('-');
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions() {
        assert_eq!(partition(None, None).unwrap(), Partition::Aws);
        assert_eq!(partition(None, Some("eu-west-1")).unwrap(), Partition::Aws);
        assert_eq!(
            partition(None, Some("cn-north-1")).unwrap(),
            Partition::AwsCn
        );
        assert_eq!(
            partition(None, Some("us-gov-west-1")).unwrap(),
            Partition::AwsUsGov
        );
        let cn_role = "arn:aws-cn:iam::111111111111:role/r";
        assert_eq!(partition(Some(cn_role), None).unwrap(), Partition::AwsCn);
        assert_eq!(
            partition(Some(cn_role), Some("cn-northwest-1")).unwrap(),
            Partition::AwsCn
        );
        let err = partition(Some(cn_role), Some("eu-west-1")).unwrap_err();
        assert!(err.to_string().contains("aws-cn partition"), "{err}");
        assert!(partition(Some("arn:aws-iso:iam::1:role/r"), None).is_err());
        assert!(partition(None, Some("us-iso-east-1")).is_err());
        assert_eq!(partition(Some("not-an-arn"), None).unwrap(), Partition::Aws);
    }

    #[test]
    fn hosts() {
        let e = |p| format!("https://{}/federation", Partition::signin_host(p));
        assert_eq!(
            e(Partition::Aws),
            "https://signin.aws.amazon.com/federation"
        );
        assert_eq!(
            e(Partition::AwsCn),
            "https://signin.amazonaws.cn/federation"
        );
        assert_eq!(
            e(Partition::AwsUsGov),
            "https://signin.amazonaws-us-gov.com/federation"
        );
        assert_eq!(
            destination(Partition::AwsUsGov, Some("us-gov-east-1"), None).unwrap(),
            "https://console.amazonaws-us-gov.com/console/home?region=us-gov-east-1"
        );
        assert_eq!(
            destination(Partition::AwsCn, None, None).unwrap(),
            "https://console.amazonaws.cn/console/home"
        );
    }

    #[test]
    fn destinations() {
        let d = |region, given| destination(Partition::Aws, region, Some(given));
        assert_eq!(
            d(Some("eu-west-1"), "ec2/home").unwrap(),
            "https://console.aws.amazon.com/ec2/home?region=eu-west-1"
        );
        assert_eq!(
            d(Some("eu-west-1"), "/s3/buckets?x=1#top").unwrap(),
            "https://console.aws.amazon.com/s3/buckets?x=1&region=eu-west-1#top"
        );
        assert_eq!(
            d(Some("eu-west-1"), "ec2/home?region=us-east-1").unwrap(),
            "https://console.aws.amazon.com/ec2/home?region=us-east-1"
        );
        assert_eq!(
            d(None, "iam").unwrap(),
            "https://console.aws.amazon.com/iam"
        );
        let url = "https://eu-west-1.console.aws.amazon.com/lambda/home";
        assert_eq!(d(None, url).unwrap(), url);
        for bad in [
            "https://evil.example/console.aws.amazon.com",
            "https://console.aws.amazon.com.evil.example/",
            "https://user@evil.example",
            "http://console.aws.amazon.com/",
            "javascript://x",
            "//evil.example/",
            "ec2 home",
            "a\nb",
            "",
        ] {
            assert!(d(None, bad).is_err(), "{bad:?}");
        }
        assert!(
            destination(
                Partition::AwsCn,
                None,
                Some("https://console.aws.amazon.com/")
            )
            .is_err()
        );
    }

    #[test]
    fn urls() {
        assert_eq!(
            token_request_url("https://s/federation", "{\"a\":1}"),
            "https://s/federation?Action=getSigninToken&Session=%7B%22a%22%3A1%7D"
        );
        assert_eq!(
            login_url("https://s/federation", "https://c/x?y=1", "t-_k+"),
            "https://s/federation?Action=login&Issuer=aws-as&Destination=https%3A%2F%2Fc%2Fx%3Fy%3D1&SigninToken=t-_k%2B"
        );
    }

    #[test]
    fn federated_user_names() {
        assert_eq!(federated_user_name("my-user1-dev"), "my-user1-dev");
        assert_eq!(federated_user_name("a/b:c%d"), "a-b-c-d");
        assert_eq!(federated_user_name("x"), "x-");
        assert_eq!(federated_user_name(&"n".repeat(40)).len(), 32);
    }
}
