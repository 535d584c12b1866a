//! `aws-as server status|switch|stop|env`: the terminal's side of the management API, a few
//! lines of HTTP/1.1 over a std `TcpStream` to a loopback address. No HTTP library: these run in
//! the lean `aws-as` binary, which links no network stack beyond the standard library's.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::tokens::{self, EcsKey};
use crate::error::{Error, Result};
use crate::identity::Config;
use crate::session::{Connect, rfc3339};

const TIMEOUT: Duration = Duration::from_secs(10);

pub enum Action {
    Status,
    /// A one-time login address for the management page.
    Page,
    Switch(String),
    Stop,
    Env {
        name: String,
        token_file: Option<PathBuf>,
    },
}

struct Answer {
    status: u16,
    headers: String,
    body: String,
}

/// One request, `Connection: close`, the whole answer read. `Err` carries why there was none.
fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: Option<&str>,
) -> std::io::Result<Answer> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    let host = super::address::url(addr);
    let host = host
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    if let Some(token) = bearer {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    let body = body.unwrap_or("");
    if method != "GET" {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    let mut raw = Vec::new();
    stream.take(1 << 20).read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("not an HTTP answer"))?;
    Ok(Answer {
        status,
        headers: head.to_ascii_lowercase(),
        body: body.to_string(),
    })
}

/// Whether what listens on `addr` is an aws-as server (it names itself in `Server`).
pub fn is_aws_as(addr: SocketAddr) -> bool {
    request(addr, "GET", "/manage/session", None, None)
        .is_ok_and(|a| a.headers.contains("\r\nserver: aws-as"))
}

fn not_running(addr: SocketAddr, e: &std::io::Error) -> Error {
    Error::new(format!(
        "no aws-as server is running on {addr} ({e}): start one with aws-as serve, or name \
         another with --server ADDR:PORT"
    ))
}

/// The bearer token goes to this machine only.
fn check_local(addr: SocketAddr) -> Result<()> {
    let local: Vec<_> = super::address::interface_addresses()
        .into_iter()
        .map(|(ip, _)| ip)
        .collect();
    if !addr.ip().is_loopback() && !local.contains(&addr.ip()) {
        bail!("refusing to send the management token to {addr}: it is not on this machine");
    }
    Ok(())
}

fn call(addr: SocketAddr, method: &str, path: &str, body: Option<&str>) -> Result<Answer> {
    check_local(addr)?;
    let token = tokens::read_manage_token(&tokens::default_manage_token_path()?)?;
    let answer =
        request(addr, method, path, Some(&token), body).map_err(|e| not_running(addr, &e))?;
    if !answer.headers.contains("\r\nserver: aws-as") {
        bail!(
            "what listens on {addr} is not an aws-as server: name the right one with --server ADDR:PORT"
        );
    }
    if answer.status != 200 {
        let message = serde_json::from_str::<serde_json::Value>(&answer.body)
            .ok()
            .and_then(|v| v["message"].as_str().map(str::to_string))
            .unwrap_or_else(|| format!("HTTP {}", answer.status));
        let message = message.trim_start_matches("aws-as: ");
        if answer.status == 401 {
            bail!(
                "the server on {addr} refused the management token ({message}): it was started \
                 with another token file (--token-file) or another AWS_AS_STATE_DIR"
            );
        }
        bail!("the server on {addr}: {message}");
    }
    Ok(answer)
}

fn status_line(session: &serde_json::Value) -> String {
    let identity = session["identity"].as_str().map(printable);
    let listen = session["listen"].as_str().unwrap_or("?");
    let mut out = match identity {
        None => format!("serving no identity on the IMDS path at {listen}\n"),
        Some(identity) => {
            let left = session["session"]["expiration"]
                .as_str()
                .and_then(|e| chrono::DateTime::parse_from_rfc3339(e).ok())
                .map(|e| {
                    let left = e.with_timezone(&chrono::Utc) - chrono::Utc::now();
                    if left.num_seconds() <= 0 {
                        format!("session expired at {}", rfc3339(e.into()))
                    } else {
                        format!(
                            "session {}h{:02}m left (expires {})",
                            left.num_hours(),
                            left.num_minutes() % 60,
                            rfc3339(e.into())
                        )
                    }
                })
                .unwrap_or_else(|| "no session served yet".to_string());
            format!("serving {identity} on the IMDS path at {listen}: {left}\n")
        }
    };
    let page = session["page"].as_str().unwrap_or("?");
    for p in session["pending"].as_array().into_iter().flatten() {
        let text = |key: &str| p[key].as_str().map(printable).unwrap_or_default();
        let user = text("user");
        out.push_str(&format!(
            "waiting for an MFA code: {} needs a new MFA session of {user} ({}), {} request(s) \
             since {}: enter a code at {page}, or run aws-as {user} in a terminal\n",
            text("identity"),
            text("mfaSerial"),
            p["requests"].as_u64().unwrap_or(0),
            text("since"),
        ));
    }
    out.push_str(&format!(
        "management page: {page} (aws-as server page prints a login address)\n"
    ));
    out
}

/// A name from the server as text for a terminal.
fn printable(name: &str) -> String {
    crate::output::list::printable(name)
}

/// What `aws-as server ACTION` was asked.
pub struct Options {
    /// `--server`: the server's address [default: 127.0.0.1:9254].
    pub server: Option<SocketAddr>,
    pub action: Action,
}

/// `aws-as server ACTION`: asks the server through its management API.
pub fn run(options: &Options, _: Option<Connect>) -> Result<String> {
    let addr = options.server.unwrap_or(super::address::DEFAULT_LISTEN);
    match &options.action {
        Action::Status => {
            let answer = call(addr, "GET", "/manage/session", None)?;
            let session: serde_json::Value = serde_json::from_str(&answer.body)
                .map_err(|e| Error::new(format!("the server on {addr} answered badly: {e}")))?;
            Ok(status_line(&session))
        }
        Action::Switch(name) => {
            let body = serde_json::json!({ "session": name }).to_string();
            let answer = call(addr, "POST", "/manage/session", Some(&body))?;
            let session: serde_json::Value = serde_json::from_str(&answer.body)
                .map_err(|e| Error::new(format!("the server on {addr} answered badly: {e}")))?;
            Ok(status_line(&session))
        }
        Action::Page => {
            let answer = call(addr, "POST", "/manage/login", Some("{}"))?;
            let login: serde_json::Value = serde_json::from_str(&answer.body)
                .map_err(|e| Error::new(format!("the server on {addr} answered badly: {e}")))?;
            let url = login["url"]
                .as_str()
                .ok_or_else(|| Error::new(format!("the server on {addr} gave no login address")))?;
            Ok(format!("{url}\n"))
        }
        Action::Stop => {
            call(addr, "POST", "/manage/stop", Some("{}"))?;
            Ok(format!("stopped the server on {addr}\n"))
        }
        Action::Env { name, token_file } => env(addr, name, token_file.as_deref()),
    }
}

/// The `export` lines a program started elsewhere needs for `name` from the server on `addr`.
fn env(addr: SocketAddr, name: &str, token_file: Option<&Path>) -> Result<String> {
    Config::load()?.identity(name)?;
    // The server must be there, and be the one whose secret this is.
    call(addr, "GET", "/manage/session", None)?;
    let token = EcsKey::load()?.token(name);
    let uri = format!(
        "{}{}",
        super::address::url(addr),
        super::ecs::PREFIX.trim_start_matches('/')
    ) + &crate::output::percent::encode(name);
    let quote = |s: &str| posix_quote(s);
    let mut out = format!(
        "export AWS_CONTAINER_CREDENTIALS_FULL_URI={}\n",
        quote(&uri)
    );
    match token_file {
        Some(path) => {
            // No newline: botocore, the Go SDK and the Rust SDK send the file's bytes as they are.
            crate::private::write(path, token.as_bytes(), "token file")?;
            let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
            out.push_str(&format!(
                "export AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE={}\n",
                quote(&path.to_string_lossy())
            ));
        }
        None => out.push_str(&format!(
            "export AWS_CONTAINER_AUTHORIZATION_TOKEN={}\n",
            quote(&token)
        )),
    }
    Ok(out)
}

/// A value as one sh word, as the shell switch writes it.
fn posix_quote(value: &str) -> String {
    crate::output::shell::Dialect::Posix
        .quote(value)
        .expect("POSIX quoting carries any value")
}
