//! Credentials that come from outside STS: what a `credential_process` prints, the environment a
//! role's `credential_source = Environment` names, and the OIDC token of a web identity profile.
//! (The instance's and the container's endpoints are network calls: `sts/client.rs`.)

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::credentials::Credentials;
use super::sts::excerpt::excerpt;
use crate::error::{Error, Result};
use crate::identity::{Keys, Process};

/// What a source gave: a session that ends, or keys with no known end (long-term keys, or a
/// session token without an expiry), which are never cached.
pub enum Obtained {
    Session(Credentials),
    Lasting {
        keys: Keys,
        session_token: Option<String>,
    },
}

impl Obtained {
    /// Credentials to sign one call with (a role's AssumeRole): a lasting source gets an end an
    /// hour away, which nothing keeps.
    pub fn for_signing(self) -> Credentials {
        match self {
            Obtained::Session(c) => c,
            Obtained::Lasting {
                keys,
                session_token,
            } => Credentials {
                access_key_id: keys.access_key_id,
                secret_access_key: keys.secret_access_key,
                session_token: session_token.unwrap_or_default(),
                expiration: Utc::now() + chrono::TimeDelta::hours(1),
                arn: None,
            },
        }
    }
}

/// Seconds a `credential_process` may take (`AWS_AS_CREDENTIAL_PROCESS_TIMEOUT`): long enough
/// for a sign-in in a browser or a touch of a hardware key.
fn process_timeout() -> Duration {
    crate::env_seconds("AWS_AS_CREDENTIAL_PROCESS_TIMEOUT", Duration::from_secs(60))
}

use crate::identity::RUNNING_PROCESSES as RUNNING;

/// What the largest answer may be: credentials are a few kilobytes.
const MAX_OUTPUT: u64 = 256 * 1024;

/// Runs `process` of profile `name` as the AWS CLI runs it (its words, no shell; stdin and the
/// terminal left to it, its stderr never shown on success) and reads its JSON.
pub fn run_process(name: &str, process: &Process) -> Result<Obtained> {
    let failed = format!("the credential_process of profile {name:?}");
    let running = crate::env_var(RUNNING).unwrap_or_default();
    let Some((program, args)) = process.words.split_first() else {
        bail!("profile {name:?}: credential_process is empty: name the program to run");
    };
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env(
            RUNNING,
            if running.is_empty() {
                name.to_string()
            } else {
                format!("{running}\n{name}")
            },
        );
    crate::without_credentials(&mut cmd);
    let mut child = cmd.spawn().map_err(|e| {
        Error::new(format!(
            "{failed} cannot be started ({program:?}: {e}): fix credential_process or install the program"
        ))
    })?;
    let (out_tx, out_rx) = mpsc::channel();
    let mut stdout = child.stdout.take().expect("piped");
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let read = stdout.by_ref().take(MAX_OUTPUT).read_to_end(&mut buf);
        let _ = out_tx.send(read.map(|_| buf));
    });
    let (err_tx, err_rx) = mpsc::channel();
    let mut stderr = child.stderr.take().expect("piped");
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.by_ref().take(MAX_OUTPUT).read_to_end(&mut buf);
        let _ = err_tx.send(buf);
    });
    let timeout = process_timeout();
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child
            .try_wait()
            .map_err(|e| Error::new(format!("{failed}: {e}")))?
        {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "{failed} did not finish within {timeout:?}: nothing was kept; check it runs by itself, or raise AWS_AS_CREDENTIAL_PROCESS_TIMEOUT"
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let left = deadline.saturating_duration_since(Instant::now()) + Duration::from_millis(200);
    let stdout = match out_rx.recv_timeout(left) {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => bail!("{failed}: its output cannot be read: {e}"),
        Err(_) => bail!(
            "{failed} exited but something it started still holds its output open: nothing was kept; fix credential_process"
        ),
    };
    let stderr = err_rx
        .recv_timeout(Duration::from_millis(200))
        .unwrap_or_default();
    if !status.success() {
        // Its last line of stderr says why, as a rule; shown only as far as it looks like no
        // secret (the excerpt hides what looks like a key or a token).
        let last = String::from_utf8_lossy(&stderr)
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map(|l| excerpt(l.as_bytes(), &[]))
            .filter(|l| !l.is_empty())
            .map(|l| format!(": \"{l}\""))
            .unwrap_or_default();
        let how = match status.code() {
            Some(code) => format!("exited with status {code}"),
            None => "was killed by a signal".to_string(),
        };
        bail!("{failed} {how}{last}: nothing was kept; run it by hand to see why");
    }
    parse_output(&failed, &stdout)
}

/// The credential_process JSON (`Version` 1): https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html
/// Nothing of the output is ever shown: it may hold a secret anywhere.
fn parse_output(failed: &str, stdout: &[u8]) -> Result<Obtained> {
    let value: serde_json::Value = serde_json::from_slice(stdout).map_err(|e| {
        Error::new(format!(
            "{failed} printed something that is not JSON (at line {}, column {}; not shown, it may hold a secret): nothing was kept; it must print the credential_process JSON",
            e.line(),
            e.column()
        ))
    })?;
    let field = |key: &str| match value.get(key) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
        Some(_) => Err(Error::new(format!(
            "{failed} printed JSON whose {key} is not a string: nothing was kept; fix the process"
        ))),
    };
    if value.get("Version").and_then(serde_json::Value::as_u64) != Some(1) {
        bail!(
            "{failed} printed JSON without \"Version\": 1 (the only version there is): nothing was kept; fix the process"
        );
    }
    let required = |key: &str| {
        field(key)?.ok_or_else(|| {
            Error::new(format!(
                "{failed} printed JSON with no {key}: nothing was kept; fix the process"
            ))
        })
    };
    let keys = Keys {
        access_key_id: required("AccessKeyId")?,
        secret_access_key: required("SecretAccessKey")?,
    };
    let session_token = field("SessionToken")?;
    let Some(expiration) = field("Expiration")? else {
        return Ok(Obtained::Lasting {
            keys,
            session_token,
        });
    };
    let expiration = DateTime::parse_from_rfc3339(&expiration)
        .map_err(|_| -> Error {
            Error::new(format!(
                "{failed} printed an Expiration that is not an RFC 3339 time (like 2030-01-01T00:00:00Z): nothing was kept; fix the process"
            ))
        })?
        .with_timezone(&Utc);
    if expiration <= Utc::now() {
        bail!(
            "{failed} printed credentials that expired at {}: nothing was kept; sign in again with the tool it runs",
            super::rfc3339(expiration)
        );
    }
    let Some(session_token) = session_token else {
        // Keys that expire with no token: as the SDKs, used as they are.
        return Ok(Obtained::Session(Credentials {
            access_key_id: keys.access_key_id,
            secret_access_key: keys.secret_access_key,
            session_token: String::new(),
            expiration,
            arn: None,
        }));
    };
    Ok(Obtained::Session(Credentials {
        access_key_id: keys.access_key_id,
        secret_access_key: keys.secret_access_key,
        session_token,
        expiration,
        arn: None,
    }))
}

/// `credential_source = Environment`: the user's own keys. In a shell aws-as switched, the
/// `AWS_*` variables are the identity's, which aws-as set: the user's own are those the switch
/// kept aside (`AWS_AS_SAVED_*`), and are used instead; a user with none has none.
pub fn environment(profile: &str) -> Result<Obtained> {
    let switched = crate::env_var("AWS_AS_IDENTITY").is_some();
    let var = |name: &str| {
        if switched {
            // The name less its `AWS_` (four bytes): AWS_ACCESS_KEY_ID → AWS_AS_SAVED_ACCESS_KEY_ID.
            crate::env_var(&format!("AWS_AS_SAVED_{}", &name[4..]))
        } else {
            crate::env_var(name)
        }
    };
    let (Some(access_key_id), Some(secret_access_key)) =
        (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY"))
    else {
        let whose = if switched {
            " (in a shell aws-as switched, the ones set before the switch)"
        } else {
            ""
        };
        bail!(
            "profile {profile:?}: credential_source = Environment, but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set{whose}: export them, or use source_profile"
        );
    };
    let keys = Keys {
        access_key_id,
        secret_access_key,
    };
    let session_token = var("AWS_SESSION_TOKEN");
    let expiration = var("AWS_CREDENTIAL_EXPIRATION")
        .and_then(|e| DateTime::parse_from_rfc3339(&e).ok())
        .map(|e| e.with_timezone(&Utc));
    Ok(match (session_token, expiration) {
        (Some(token), Some(expiration)) => Obtained::Session(Credentials {
            access_key_id: keys.access_key_id,
            secret_access_key: keys.secret_access_key,
            session_token: token,
            expiration,
            arn: None,
        }),
        (session_token, _) => Obtained::Lasting {
            keys,
            session_token,
        },
    })
}

/// The OIDC token of a web identity profile, read now (it rotates: never kept).
pub fn web_identity_token(profile: &str, file: &str) -> Result<String> {
    let failed = format!("profile {profile:?}: web_identity_token_file = {file}");
    let mut text = String::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(MAX_OUTPUT).read_to_string(&mut text))
        .map_err(|e| {
            let why = match e.kind() {
                std::io::ErrorKind::NotFound => "does not exist".to_string(),
                std::io::ErrorKind::PermissionDenied => "cannot be read (permission denied)".to_string(),
                std::io::ErrorKind::InvalidData => "is not text".to_string(),
                _ => format!("cannot be read ({e})"),
            };
            Error::new(format!(
                "{failed} {why}: the identity provider (the CI system, Kubernetes) writes it; fix the path"
            ))
        })?;
    let token = text.trim();
    if token.is_empty() {
        bail!(
            "{failed} is empty: the identity provider (the CI system, Kubernetes) has not written a token there yet"
        );
    }
    Ok(token.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Obtained> {
        parse_output("the process", s.as_bytes())
    }

    #[test]
    fn the_json_as_the_sdks_read_it() {
        let later = super::super::rfc3339(Utc::now() + chrono::TimeDelta::hours(1));
        let out = parse(&format!(
            r#"{{"Version":1,"AccessKeyId":"AKIA","SecretAccessKey":"s3cret","SessionToken":"t","Expiration":"{later}"}}"#
        ));
        assert!(matches!(out, Ok(Obtained::Session(c)) if c.session_token == "t"));
        let out = parse(r#"{"Version":1,"AccessKeyId":"AKIA","SecretAccessKey":"s3cret"}"#);
        assert!(matches!(
            out,
            Ok(Obtained::Lasting {
                session_token: None,
                ..
            })
        ));
    }

    #[test]
    fn bad_output_is_one_line_without_the_secret() {
        let cases = [
            "s3cret not json",
            r#"{"Version":2,"AccessKeyId":"AKIA","SecretAccessKey":"s3cret"}"#,
            r#"{"Version":1,"AccessKeyId":"AKIA"}"#,
            r#"{"Version":1,"AccessKeyId":"AKIA","SecretAccessKey":"s3cret","Expiration":"2001-01-01T00:00:00Z"}"#,
            r#"{"Version":1,"AccessKeyId":"AKIA","SecretAccessKey":"s3cret","Expiration":"s3cret"}"#,
        ];
        for case in cases {
            let Err(e) = parse(case) else {
                panic!("{case} was taken")
            };
            let e = e.to_string();
            assert!(!e.contains("s3cret"), "{e}");
            assert_eq!(e.lines().count(), 1, "{e}");
        }
    }
}
