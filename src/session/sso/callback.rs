//! The one-time listener of the authorization-code sign-in: `http://127.0.0.1:PORT/oauth/callback`,
//! where the browser brings the code back from IAM Identity Center's authorize page.
//!
//! - Only this user's own processes are heard: a connection whose socket another user owns
//!   (`crate::peer`, asked before a byte is read) is closed unread. The authorize address, with
//!   its `state`, is on the browser's command line, which every user can read; without this,
//!   another user could bring a code of their own (a sign-in as them) to the listener.
//! - Only `GET /oauth/callback` with the `state` this sign-in made (compared in constant time) is
//!   taken; a wrong or missing state, another path or method gets a page saying so, and the
//!   listener waits on. A right state carrying `error` ends the sign-in with it.
//! - The port is closed as soon as one good callback came: a second finds nobody. The browser's
//!   connection is kept open until the sign-in is finished, so its page says whether it worked.
//! - std only (`crate::loopback`): one connection at a time, a request head of at most 8 KiB read
//!   within 5 seconds.

use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::browser::Browser;
use crate::error::{Cause, Error, Result};
use crate::loopback::{self, Knock};
use crate::session::sts::excerpt::excerpt;

/// The only path the callback may come to (AWS accepts only it).
pub const PATH: &str = "/oauth/callback";

/// How long a browser sign-in may take (`AWS_AS_SSO_SIGNIN_TIMEOUT`, seconds).
pub fn wait() -> Duration {
    crate::env_seconds("AWS_AS_SSO_SIGNIN_TIMEOUT", Duration::from_secs(300))
}

/// The listener, before the callback.
pub struct Listener {
    listener: TcpListener,
    state: String,
}

/// The browser's connection that brought the code: answered once the sign-in is finished.
pub struct Browserside {
    stream: TcpStream,
}

impl Listener {
    /// A listener on a free port of 127.0.0.1, with a random `state` of its own.
    pub fn new(state: String) -> Result<Listener> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).map_err(|e| {
            Error::new(format!(
                "cannot listen on 127.0.0.1 for the sign-in's callback ({e}): use aws-as sso login --device-code"
            ))
        })?;
        Ok(Listener { listener, state })
    }

    /// The redirect address, with the port: what the authorize address and CreateToken name.
    pub fn redirect_uri(&self) -> Result<String> {
        loopback::address(&self.listener, PATH)
    }

    /// Waits until `deadline` for the callback with this sign-in's state. The code, and the
    /// browser's connection to answer; the listener is closed before this returns.
    pub fn wait(
        self,
        deadline: Instant,
        mut browser: Option<&mut Browser>,
    ) -> Result<(String, Browserside)> {
        let Listener { listener, state } = self;
        listener
            .set_nonblocking(true)
            .map_err(|e| Error::new(format!("cannot listen for the sign-in's callback: {e}")))?;
        let (mut refused_user, mut unknown_owner, mut told_state, mut told_browser) =
            (false, false, false, false);
        loop {
            match loopback::knock(&listener) {
                Ok(Knock::Own(stream)) => match answer(stream, &state) {
                    Heard::Code(code, stream) => return Ok((code, Browserside { stream })),
                    Heard::Refused(error) => return Err(error),
                    Heard::WrongState => {
                        if !told_state {
                            eprintln!(
                                "aws-as: refused a callback that is not this sign-in's (its state differs); still waiting"
                            );
                        }
                        told_state = true;
                    }
                    Heard::Other => {}
                },
                Ok(Knock::Stranger(uid)) => {
                    if !refused_user {
                        eprintln!(
                            "aws-as: refused a connection to the sign-in's callback from another user (uid {uid})"
                        );
                    }
                    refused_user = true;
                }
                Ok(Knock::Unknown) => unknown_owner = true,
                Ok(Knock::Nobody) => {}
                Err(e) => {
                    return Err(Error::new(format!(
                        "cannot listen for the sign-in's callback: {e}"
                    )));
                }
            }
            // A browser command that failed is said once: the address is on the terminal.
            if let Some(b) = browser.as_deref_mut()
                && let Err(e) = b.check()
            {
                if !told_browser {
                    eprintln!("aws-as: {e}; open the address above yourself");
                }
                told_browser = true;
            }
            if Instant::now() >= deadline {
                return Err(Error::new(if unknown_owner {
                    "cannot tell which user connected to the sign-in's callback (neither sock_diag nor /proc/net/tcp answered), so it was not taken: use aws-as sso login --device-code"
                } else {
                    "the sign-in was not finished in the browser in time (AWS_AS_SSO_SIGNIN_TIMEOUT): run aws-as sso login again, or use --device-code"
                }));
            }
        }
    }
}

impl Browserside {
    /// The browser's page: the sign-in worked (`Ok(what)`), or why not.
    pub fn finish(self, outcome: std::result::Result<&str, &str>) {
        match outcome {
            Ok(what) => respond(
                self.stream,
                "200 OK",
                "Signed in",
                &format!("aws-as signed in to {what}. You can close this tab."),
            ),
            Err(why) => respond(
                self.stream,
                "500 Internal Server Error",
                "Sign-in failed",
                &format!("aws-as could not finish the sign-in: {why}"),
            ),
        }
    }
}

enum Heard {
    Code(String, TcpStream),
    Refused(Error),
    WrongState,
    Other,
}

/// Reads one request of the user's own process and answers it, unless it brings the code.
fn answer(mut stream: TcpStream, state: &str) -> Heard {
    let Some(line) = loopback::request_line(&mut stream) else {
        return Heard::Other;
    };
    let target = loopback::get_target(&line);
    let (path, query) = target
        .unwrap_or("")
        .split_once('?')
        .unwrap_or((target.unwrap_or(""), ""));
    if target.is_none() || path != PATH {
        respond(stream, "404 Not Found", "Not found", "Nothing is here.");
        return Heard::Other;
    }
    let mut given_state = None;
    let (mut code, mut error, mut description) = (None, None, None);
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match &*k {
            "state" => given_state = Some(v.into_owned()),
            "code" => code = Some(v.into_owned()),
            "error" => error = Some(v.into_owned()),
            "error_description" => description = Some(v.into_owned()),
            _ => {}
        }
    }
    if !given_state.is_some_and(|s| loopback::same(s.as_bytes(), state.as_bytes())) {
        respond(
            stream,
            "400 Bad Request",
            "Not this sign-in",
            "This answer is not for the sign-in aws-as is waiting for (its state differs), so it was refused. Use the address aws-as printed last.",
        );
        return Heard::WrongState;
    }
    if let Some(error) = error {
        let said = excerpt(
            format!("{error} {}", description.unwrap_or_default()).as_bytes(),
            &[],
        );
        let cause = if matches!(error.as_str(), "invalid_client" | "unauthorized_client") {
            Cause::InvalidClient
        } else {
            Cause::Other
        };
        respond(
            stream,
            "400 Bad Request",
            "Sign-in failed",
            &format!("IAM Identity Center refused the sign-in: {said}"),
        );
        return Heard::Refused(Error::with_cause(
            format!(
                "IAM Identity Center refused the sign-in: {said} (run aws-as sso login again; if it lasts, check the sso-session)"
            ),
            cause,
        ));
    }
    match code.filter(|c| !c.is_empty()) {
        Some(code) => Heard::Code(code, stream),
        None => {
            respond(
                stream,
                "400 Bad Request",
                "Sign-in failed",
                "The answer carried no code.",
            );
            Heard::Other
        }
    }
}

/// A small page; closes the connection.
fn respond(stream: TcpStream, status: &str, title: &str, text: &str) {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>aws-as: {}</title></head><body><h1>{}</h1><p>{}</p></body></html>",
        html(title),
        html(title),
        html(text)
    );
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nContent-Security-Policy: default-src 'none'\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    loopback::respond(stream, &response);
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    fn get(port: u16, target: &str) -> std::io::Result<String> {
        let mut s = TcpStream::connect(("127.0.0.1", port))?;
        write!(s, "GET {target} HTTP/1.1\r\nHost: x\r\n\r\n")?;
        let mut out = String::new();
        s.read_to_string(&mut out)?;
        Ok(out)
    }

    fn port(uri: &str) -> u16 {
        uri.trim_start_matches("http://127.0.0.1:")
            .split('/')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    }

    #[test]
    fn takes_one_callback_with_the_state_and_closes() {
        let listener = Listener::new("s1".into()).unwrap();
        let uri = listener.redirect_uri().unwrap();
        assert!(uri.ends_with("/oauth/callback"), "{uri}");
        let p = port(&uri);
        let client = std::thread::spawn(move || {
            let other = get(p, "/elsewhere?code=c&state=s1").unwrap();
            let wrong = get(p, "/oauth/callback?code=c&state=s2").unwrap();
            let none = get(p, "/oauth/callback?code=c").unwrap();
            let right = get(p, "/oauth/callback?code=the%2Bcode&state=s1").unwrap();
            (other, wrong, none, right)
        });
        let (code, side) = listener
            .wait(Instant::now() + Duration::from_secs(20), None)
            .unwrap();
        assert_eq!(code, "the+code");
        assert!(get(p, "/oauth/callback?code=c&state=s1").is_err(), "closed");
        side.finish(Ok("sso-session <x>"));
        let (other, wrong, none, right) = client.join().unwrap();
        assert!(other.starts_with("HTTP/1.1 404"), "{other}");
        assert!(wrong.starts_with("HTTP/1.1 400"), "{wrong}");
        assert!(none.starts_with("HTTP/1.1 400"), "{none}");
        assert!(right.starts_with("HTTP/1.1 200"), "{right}");
        assert!(right.contains("sso-session &lt;x&gt;"), "{right}");
    }

    #[test]
    fn an_error_with_the_state_ends_the_sign_in() {
        let listener = Listener::new("s1".into()).unwrap();
        let p = port(&listener.redirect_uri().unwrap());
        let client = std::thread::spawn(move || {
            get(
                p,
                "/oauth/callback?error=access_denied&error_description=no%20%3Cb%3E&state=s1",
            )
            .unwrap()
        });
        let err = listener
            .wait(Instant::now() + Duration::from_secs(20), None)
            .err()
            .unwrap();
        assert!(err.to_string().contains("access_denied"), "{err}");
        let page = client.join().unwrap();
        assert!(page.starts_with("HTTP/1.1 400"), "{page}");
        assert!(!page.contains("<b>"), "{page}");
    }

    #[test]
    fn gives_up_at_the_deadline() {
        let listener = Listener::new("s".into()).unwrap();
        let err = listener
            .wait(Instant::now() + Duration::from_millis(100), None)
            .err()
            .unwrap();
        assert!(err.to_string().contains("in time"), "{err}");
    }
}
