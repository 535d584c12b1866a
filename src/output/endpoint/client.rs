//! HTTP/1.1 requests to a server on this machine, in a few lines over a std `TcpStream`: the
//! control commands' (lean binary), and `aws-as serve`'s question whether what holds its port
//! is another aws-as server.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);
/// The most of an answer read.
const MAX_ANSWER: u64 = 1 << 20;

pub struct Answer {
    pub status: u16,
    /// The head, lowercased.
    pub headers: String,
    pub body: String,
}

/// The `Host` a request to `addr` names (what `url` puts between `http://` and the path).
pub fn host(addr: SocketAddr) -> String {
    let url = super::address::url(addr);
    url.trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

/// One connection, for one request or several in turn: the control commands ask the server to
/// prove who it is and then, on the same connection, send the token (nobody can take over a
/// connection already made, as they could the port between two).
pub struct Connection {
    addr: SocketAddr,
    stream: TcpStream,
}

impl Connection {
    pub fn open(addr: SocketAddr) -> std::io::Result<Connection> {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
        stream.set_read_timeout(Some(TIMEOUT))?;
        stream.set_write_timeout(Some(TIMEOUT))?;
        Ok(Connection { addr, stream })
    }

    /// One request and its answer. `last`: `Connection: close`, the answer read to its end;
    /// otherwise the connection stays open and the answer must say its `Content-Length`.
    pub fn send(
        &mut self,
        method: &str,
        path: &str,
        bearer: Option<&str>,
        body: Option<&str>,
        last: bool,
    ) -> std::io::Result<Answer> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", host(self.addr));
        if last {
            head.push_str("Connection: close\r\n");
        }
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
        self.stream.write_all(head.as_bytes())?;
        self.stream.write_all(body.as_bytes())?;
        if last {
            let mut raw = Vec::new();
            (&mut self.stream).take(MAX_ANSWER).read_to_end(&mut raw)?;
            return parse(&raw);
        }
        // The head, a byte at a time (it is small, and nothing past it may be consumed), then
        // the body by its length.
        let mut raw = Vec::new();
        let mut byte = [0u8; 1];
        while !raw.ends_with(b"\r\n\r\n") {
            if raw.len() as u64 > MAX_ANSWER || self.stream.read(&mut byte)? == 0 {
                return Err(std::io::Error::other("not an HTTP answer"));
            }
            raw.push(byte[0]);
        }
        let length = String::from_utf8_lossy(&raw)
            .to_ascii_lowercase()
            .lines()
            .find_map(|l| {
                l.strip_prefix("content-length:")?
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .filter(|n| *n <= MAX_ANSWER)
            .ok_or_else(|| std::io::Error::other("an HTTP answer without its length"))?;
        let start = raw.len();
        raw.resize(start + length as usize, 0);
        self.stream.read_exact(&mut raw[start..])?;
        parse(&raw)
    }
}

fn parse(raw: &[u8]) -> std::io::Result<Answer> {
    let text = String::from_utf8_lossy(raw).into_owned();
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

/// One request, `Connection: close`, the whole answer read. `Err` carries why there was none.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: Option<&str>,
) -> std::io::Result<Answer> {
    Connection::open(addr)?.send(method, path, bearer, body, true)
}

/// Whether what listens on `addr` is an aws-as server (it names itself in `Server`).
pub fn is_aws_as(addr: SocketAddr) -> bool {
    request(addr, "GET", "/manage/session", None, None)
        .is_ok_and(|a| a.headers.contains("\r\nserver: aws-as"))
}
