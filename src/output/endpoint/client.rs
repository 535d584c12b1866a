//! One HTTP/1.1 request to a server on this machine, in a few lines over a std `TcpStream`: the
//! control commands' (lean binary), and `aws-as serve`'s question whether what holds its port
//! is another aws-as server.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);

pub struct Answer {
    pub status: u16,
    /// The head, lowercased.
    pub headers: String,
    pub body: String,
}

/// One request, `Connection: close`, the whole answer read. `Err` carries why there was none.
pub fn request(
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
