//! `aws-as server status|switch|stop|env|page`: the terminal's side of the management API, over
//! the plain std client of `endpoint/`. No HTTP library: these run in the lean `aws-as` binary,
//! which links no network stack beyond the standard library's.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use super::endpoint::address::{self, DEFAULT_LISTEN, ECS_PREFIX, Listener};
use super::endpoint::client::{Answer, Connection, host};
use super::endpoint::competing;
use super::endpoint::tokens::{self, EcsKey, hex};
use super::text::printable;
use crate::error::{Error, Result};
use crate::identity::Config;
use crate::session::{Connect, rfc3339};

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

fn not_running(addr: SocketAddr, e: &std::io::Error) -> Error {
    Error::new(format!(
        "no aws-as server is running on {addr} ({e}): start one with aws-as serve, or name \
         another with --server ADDR:PORT or {SERVER_ENV}"
    ))
}

/// The bearer token goes to this machine only.
fn check_local(addr: SocketAddr) -> Result<()> {
    let local: Vec<_> = address::interface_addresses()
        .into_iter()
        .map(|(ip, _)| ip)
        .collect();
    if !addr.ip().is_loopback() && !local.contains(&addr.ip()) {
        bail!("refusing to send the management token to {addr}: it is not on this machine");
    }
    Ok(())
}

/// Where a control command finds its server: `--server`, else `AWS_AS_SERVER`, else the one
/// server the state directory records as running (with its token file, so `serve --token-file`
/// needs no more options here), else 127.0.0.1:9254.
pub const SERVER_ENV: &str = "AWS_AS_SERVER";

/// The server a control command talks to, and where its management token is.
struct Target {
    addr: SocketAddr,
    token_file: PathBuf,
}

fn this_user() -> u32 {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() }
}

fn target(given: Option<SocketAddr>) -> Result<Target> {
    let given = match given {
        Some(addr) => Some(addr),
        None => match std::env::var(SERVER_ENV) {
            Ok(v) if !v.is_empty() => Some(v.trim().parse().map_err(|_| {
                Error::new(format!(
                    "{SERVER_ENV}={:?} is not an address: set it to ADDR:PORT, e.g. 127.0.0.1:9254",
                    printable(&v)
                ))
            })?),
            _ => None,
        },
    };
    // A record left by a server that was killed, or whose port someone else now holds, is
    // not a running server of this user's.
    let running: Vec<(SocketAddr, PathBuf)> = tokens::recorded_running()?
        .into_iter()
        .filter(|(addr, _)| address::listener(*addr) == Listener::Owner(this_user()))
        .collect();
    let addr = match (given, running.as_slice()) {
        (Some(addr), _) => addr,
        (None, []) => DEFAULT_LISTEN,
        (None, [(addr, _)]) => *addr,
        (None, several) => {
            let list: Vec<String> = several.iter().map(|(a, _)| a.to_string()).collect();
            bail!(
                "{} aws-as servers are running ({}): name one with --server ADDR:PORT or \
                 {SERVER_ENV}=ADDR:PORT",
                several.len(),
                list.join(", ")
            )
        }
    };
    let token_file = match running.into_iter().find(|(a, _)| *a == addr) {
        Some((_, token_file)) => token_file,
        None => tokens::default_manage_token_path()?,
    };
    Ok(Target { addr, token_file })
}

/// Asks what listens on `addr` to prove that it holds `token` before the token is sent: a fresh
/// nonce goes out without any secret, and only the server started with that token can answer
/// HMAC-SHA256(token, label, Host, nonce) (`tokens::proof`). A program on the port (another
/// user's where the kernel cannot say whose the socket is, a process of the user's own, a relay
/// to the real server on another address) learns nothing it can use, and gets no token.
fn prove(connection: &mut Connection, addr: SocketAddr, token: &str) -> Result<()> {
    let nonce = hex(&tokens::random::<32>()?);
    let answer = connection
        .send(
            "GET",
            &format!("/manage/proof?nonce={nonce}"),
            None,
            None,
            false,
        )
        .ok();
    let given = answer
        .filter(|a| a.status == 200)
        .and_then(|a| serde_json::from_str::<serde_json::Value>(&a.body).ok())
        .and_then(|v| v["proof"].as_str().and_then(tokens::unhex));
    let expected = tokens::proof(token, &host(addr), &nonce);
    if !given.is_some_and(|given| tokens::same(&given, &expected)) {
        bail!(
            "what listens on {addr} cannot prove it is your aws-as server (it does not know your \
             management token), so it was sent no token: name your server with --server \
             ADDR:PORT, or stop what holds the port (a server started with another --token-file \
             or AWS_AS_STATE_DIR, or by an older aws-as, fails this too)"
        );
    }
    Ok(())
}

fn call(target: &Target, method: &str, path: &str, body: Option<&str>) -> Result<Answer> {
    let addr = target.addr;
    check_local(addr)?;
    // The token goes only to a socket of this user's (where the kernel's tables say), and then
    // only to a server that proves it holds the token already (everywhere).
    match address::listener(addr) {
        Listener::Owner(uid) if uid == this_user() => {}
        Listener::Owner(uid) => bail!(
            "what listens on {addr} belongs to another user (uid {uid}): refusing to send it \
             the management token; name your server with --server ADDR:PORT"
        ),
        Listener::Nobody => {
            let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
            return Err(not_running(addr, &refused));
        }
        Listener::Unknown => {}
    }
    let token = tokens::read_manage_token(&target.token_file)?;
    let mut connection = Connection::open(addr).map_err(|e| not_running(addr, &e))?;
    prove(&mut connection, addr, &token)?;
    let answer = connection
        .send(method, path, Some(&token), body, true)
        .map_err(|e| not_running(addr, &e))?;
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
        // The API points its callers at its own routes; a person here types commands.
        let message = message.trim_start_matches("aws-as: ").replace(
            "(GET /manage/profiles lists them)",
            "(aws-as list shows them)",
        );
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

/// What `aws-as server ACTION` was asked.
pub struct Options {
    /// `--server`: the server's address (else see [`SERVER_ENV`]).
    pub server: Option<SocketAddr>,
    pub action: Action,
}

/// `aws-as server ACTION`: asks the server through its management API.
pub fn run(options: &Options, _: Option<Connect>) -> Result<String> {
    let target = target(options.server)?;
    let addr = target.addr;
    match &options.action {
        Action::Status => {
            let answer = call(&target, "GET", "/manage/session", None)?;
            let session: serde_json::Value = serde_json::from_str(&answer.body)
                .map_err(|e| Error::new(format!("the server on {addr} answered badly: {e}")))?;
            Ok(status_line(&session))
        }
        Action::Switch(name) => {
            // A name unknown here gets the terminal's own answer (what to type), not the API's.
            Config::load()?.identity(name)?;
            let body = serde_json::json!({ "session": name }).to_string();
            let answer = call(&target, "POST", "/manage/session", Some(&body))?;
            let session: serde_json::Value = serde_json::from_str(&answer.body)
                .map_err(|e| Error::new(format!("the server on {addr} answered badly: {e}")))?;
            Ok(status_line(&session))
        }
        Action::Page => {
            let answer = call(&target, "POST", "/manage/login", Some("{}"))?;
            let login: serde_json::Value = serde_json::from_str(&answer.body)
                .map_err(|e| Error::new(format!("the server on {addr} answered badly: {e}")))?;
            let url = login["url"]
                .as_str()
                .ok_or_else(|| Error::new(format!("the server on {addr} gave no login address")))?;
            Ok(format!("{url}\n"))
        }
        Action::Stop => {
            call(&target, "POST", "/manage/stop", Some("{}"))?;
            Ok(format!("stopped the server on {addr}\n"))
        }
        Action::Env { name, token_file } => env(&target, name, token_file.as_deref()),
    }
}

/// The `export` lines a program started elsewhere needs for `name` from the server on `addr`:
/// the endpoint, its token, and the identity's region when it has one.
fn env(target: &Target, name: &str, token_file: Option<&Path>) -> Result<String> {
    let addr = target.addr;
    let identity = Config::load()?.identity(name)?;
    // The server must be there, and be the one whose secret this is.
    call(target, "GET", "/manage/session", None)?;
    let token = EcsKey::load()?.token(name);
    if let Some(found) = competing::before_endpoint() {
        eprintln!("aws-as: warning: {}", competing::warning(&found));
    }
    let uri = format!(
        "{}{}",
        address::url(addr),
        ECS_PREFIX.trim_start_matches('/')
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
    // A client elsewhere reads no profile of aws-as's: without these, boto3 and the CLI v2
    // find no region (botocore never asks an endpoint for one).
    if let Some(region) = &identity.region {
        for var in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
            out.push_str(&format!("export {var}={}\n", quote(region)));
        }
    }
    Ok(out)
}

/// A value as one sh word, as the shell switch writes it.
fn posix_quote(value: &str) -> String {
    crate::output::shell::Dialect::Posix
        .quote(value)
        .expect("POSIX quoting carries any value")
}
