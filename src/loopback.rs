//! The std-only pieces of aws-as's one-time servers on 127.0.0.1 (login's one-time address,
//! `output/login/browser.rs`; the SSO sign-in's callback, `session/sso/callback.rs`): one
//! connection at a time, its owner asked (`crate::peer`) before a byte is read, a request head of
//! at most 8 KiB read within 5 seconds, one answer and the connection closed.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

const MAX_HEAD: usize = 8 * 1024;
const READ_TIME: Duration = Duration::from_secs(5);

/// `http://127.0.0.1:PORT{path}`, the port the listener's.
pub fn address(listener: &TcpListener, path: &str) -> Result<String> {
    let port = listener
        .local_addr()
        .map_err(|e| Error::new(format!("cannot read the local address: {e}")))?
        .port();
    Ok(format!("http://127.0.0.1:{port}{path}"))
}

/// What one look at a non-blocking listener found.
pub enum Knock {
    /// A connection of the user's own process (or, where the owner cannot be told at all,
    /// of anyone: [`crate::peer::CAN_TELL`]), not read yet.
    Own(TcpStream),
    /// A connection another user's socket made: already closed, unread.
    Stranger(u32),
    /// A connection whose owner could not be found: already closed, unread.
    Unknown,
    /// Nobody waits (after a short sleep) or the accept was interrupted.
    Nobody,
}

/// Accepts one connection, if one waits, and asks who owns it.
pub fn knock(listener: &TcpListener) -> std::io::Result<Knock> {
    match listener.accept() {
        Ok((stream, peer)) => {
            let owner = stream
                .local_addr()
                .ok()
                .and_then(|local| crate::peer::owner(peer, local));
            Ok(match owner {
                // Closed unread: another user learns nothing, not even a 404.
                Some(uid) if uid != own_uid() => Knock::Stranger(uid),
                None if crate::peer::CAN_TELL => Knock::Unknown,
                _ => Knock::Own(stream),
            })
        }
        // Asleep only when nobody waits: connections another user queues cost the user's
        // nothing but the lookup of their owner.
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
            std::thread::sleep(Duration::from_millis(20));
            Ok(Knock::Nobody)
        }
        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => Ok(Knock::Nobody),
        Err(e) => Err(e),
    }
}

fn own_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// The request line of one request (the stream made blocking, with read and write timeouts),
/// if its head arrives whole, in time and small enough.
pub fn request_line(stream: &mut TcpStream) -> Option<String> {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(READ_TIME));
    let _ = stream.set_write_timeout(Some(READ_TIME));
    let head = read_head(stream)?;
    Some(head.lines().next().unwrap_or("").to_string())
}

/// The target of a request line that is an HTTP/1.x `GET`.
pub fn get_target(line: &str) -> Option<&str> {
    let mut words = line.split(' ');
    let (method, target, version) = (words.next(), words.next(), words.next());
    if method == Some("GET") && version.is_some_and(|v| v.starts_with("HTTP/1.")) {
        target
    } else {
        None
    }
}

/// Writes the whole `response` and closes the connection.
pub fn respond(mut stream: TcpStream, response: &str) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_write_timeout(Some(READ_TIME));
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
    // Closing with unread bytes would reset the connection and could lose the answer: read
    // until the browser closes its side, briefly.
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let mut sink = [0u8; 1024];
    while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
}

/// The request head (up to the blank line), if one arrives whole, in time and small enough.
fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    let started = Instant::now();
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        if head.len() > MAX_HEAD || started.elapsed() > READ_TIME {
            return None;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8(head).ok()
}

/// Compares the whole of both, whatever they hold, in a time that does not depend on where
/// they differ.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_whole() {
        assert!(same(b"/abc", b"/abc"));
        assert!(!same(b"/abc", b"/abd"));
        assert!(!same(b"/ab", b"/abc"));
    }

    #[test]
    fn only_http1_gets_have_a_target() {
        assert_eq!(get_target("GET /x?y HTTP/1.1"), Some("/x?y"));
        assert_eq!(get_target("POST /x HTTP/1.1"), None);
        assert_eq!(get_target("GET /x HTTP/2"), None);
        assert_eq!(get_target("GET /x"), None);
    }
}
