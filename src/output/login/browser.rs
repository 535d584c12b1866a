//! Opening the sign-in URL without putting it on any command line: the browser gets a one-time
//! `http://127.0.0.1:PORT/<random>` address instead. The address answers one GET of its path with
//! a 302 to the sign-in URL, and then the port is closed: it is worth nothing once used, nor after
//! the wait for the browser ends.
//!
//! The address itself is no secret: it is on the browser's command line, which every user of the
//! machine can read (`/proc/*/cmdline`), and another user polling for it would fetch it first. So
//! only the user's own processes are served: a connection whose socket another user owns
//! (`crate::peer`, asked before a byte is read) is closed unanswered, and the address waits on
//! for the browser. A file the browser opens instead (0600, in a 0700 directory) would hide the
//! address too, but it holds the sign-in URL at rest for as long as the browser may take to read
//! it, which aws-as cannot know, and not every browser follows a page's redirect (lynx, w3m).
//!
//! The server is std only (`crate::loopback`): one listener on loopback, one connection at a
//! time, a request head of at most 8 KiB read within 5 seconds; any other request gets a 404 and
//! the address waits on.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

pub use crate::browser::Browser;
use crate::error::{Error, Result};
use crate::loopback::{self, Knock};

/// How long the address waits for the browser (`AWS_AS_BROWSER_TIMEOUT`, seconds).
pub fn wait() -> Duration {
    crate::env_seconds("AWS_AS_BROWSER_TIMEOUT", Duration::from_secs(120))
}

/// A one-time address on 127.0.0.1 that redirects to a URL it is given later.
pub struct OneTime {
    listener: TcpListener,
    path: String,
}

impl OneTime {
    pub fn new() -> Result<OneTime> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).map_err(|e| {
            Error::new(format!(
                "cannot listen on 127.0.0.1 for the browser ({e}): use aws-as login --print"
            ))
        })?;
        Ok(OneTime {
            listener,
            path: format!("/{}", random_hex(32)?),
        })
    }

    /// What the browser is given.
    pub fn address(&self) -> Result<String> {
        loopback::address(&self.listener, &self.path)
    }

    /// Waits until `deadline` for the one GET of the path and answers it with a redirect to
    /// `target`, closing the port before the answer goes out (a second GET finds it closed).
    /// `browser`, while it runs, is watched: one that fails before the browser comes ends the
    /// wait at once.
    pub fn serve(
        self,
        target: &str,
        deadline: Instant,
        mut browser: Option<&mut Browser>,
    ) -> Result<()> {
        let OneTime { listener, path } = self;
        listener
            .set_nonblocking(true)
            .map_err(|e| Error::new(format!("cannot listen for the browser: {e}")))?;
        let (mut unknown_owner, mut refused) = (false, false);
        loop {
            match loopback::knock(&listener) {
                Ok(Knock::Own(mut stream)) => {
                    if is_the_get(&mut stream, &path) {
                        drop(listener);
                        respond(stream, Some(target));
                        return Ok(());
                    }
                    respond(stream, None);
                }
                Ok(Knock::Stranger(uid)) => {
                    if !refused {
                        eprintln!(
                            "aws-as: refused a connection to the one-time address from another user (uid {uid})"
                        );
                    }
                    refused = true;
                }
                Ok(Knock::Unknown) => unknown_owner = true,
                Ok(Knock::Nobody) => {}
                Err(e) => return Err(Error::new(format!("cannot listen for the browser: {e}"))),
            }
            if let Some(b) = browser.as_deref_mut() {
                b.check()?;
            }
            if Instant::now() >= deadline {
                return Err(Error::new(if unknown_owner {
                    "cannot tell which user connected to the one-time address (neither sock_diag nor /proc/net/tcp answered), so it was not served: use aws-as login --print"
                } else {
                    "no browser came to the one-time address in time (AWS_AS_BROWSER_TIMEOUT): check BROWSER, or use aws-as login --print"
                }));
            }
        }
    }
}

/// Reads one request; true when it is the GET of `path`.
fn is_the_get(stream: &mut TcpStream, path: &str) -> bool {
    loopback::request_line(stream).is_some_and(|line| {
        loopback::get_target(&line).is_some_and(|t| loopback::same(t.as_bytes(), path.as_bytes()))
    })
}

/// A redirect to `target`, or a 404 without one.
fn respond(stream: TcpStream, target: Option<&str>) {
    let response = match target {
        Some(target) => format!(
            "HTTP/1.1 302 Found\r\nLocation: {target}\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ),
        None => {
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string()
        }
    };
    loopback::respond(stream, &response);
}

fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .map_err(|e| Error::new(format!("cannot read /dev/urandom: {e}")))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn get(address: &str, path: &str) -> std::io::Result<String> {
        let host = address
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap()
            .to_string();
        let mut s = TcpStream::connect(host)?;
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n")?;
        let mut out = String::new();
        s.read_to_string(&mut out)?;
        Ok(out)
    }

    #[test]
    fn redirects_once_then_the_port_is_closed() {
        let one = OneTime::new().unwrap();
        let address = one.address().unwrap();
        let path = address
            .splitn(4, '/')
            .nth(3)
            .map(|p| format!("/{p}"))
            .unwrap();
        assert_eq!(path.len(), 65, "{path}");
        let (a, p) = (address.clone(), path.clone());
        let client = std::thread::spawn(move || {
            let wrong = get(&a, "/nope").unwrap();
            let prefix = get(&a, &p[..p.len() - 1]).unwrap();
            let right = get(&a, &p).unwrap();
            (wrong, prefix, right)
        });
        one.serve(
            "https://signin.example/x?t=1",
            Instant::now() + Duration::from_secs(20),
            None,
        )
        .unwrap();
        let (wrong, prefix, right) = client.join().unwrap();
        assert!(wrong.starts_with("HTTP/1.1 404"), "{wrong}");
        assert!(prefix.starts_with("HTTP/1.1 404"), "{prefix}");
        assert!(right.starts_with("HTTP/1.1 302 Found\r\n"), "{right}");
        assert!(
            right.contains("\r\nLocation: https://signin.example/x?t=1\r\n"),
            "{right}"
        );
        assert!(right.contains("Cache-Control: no-store"), "{right}");
        assert!(
            get(&address, &path).is_err(),
            "a second GET finds the port closed"
        );
    }

    #[test]
    fn gives_up_at_the_deadline() {
        let one = OneTime::new().unwrap();
        let started = Instant::now();
        let err = one
            .serve("x", Instant::now() + Duration::from_millis(200), None)
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(err.to_string().contains("--print"), "{err}");
    }
}
