//! `aws-as serve` in the background, and raw HTTP to it: a free port, one request and its
//! answer parsed, the IMDSv2 token, the management API with its bearer token.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::process::collect;
use super::{Home, aws_as_bin};

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().unwrap().port()
}

/// One HTTP answer, as read off the socket.
#[derive(Debug)]
pub struct Http {
    pub status: u16,
    /// Header lines, names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Http {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `request` (raw bytes) to `addr` and reads the answer to the end (`Connection: close`
/// belongs in the request). `None` when the server closed without answering.
pub fn http(addr: &str, request: &[u8]) -> Option<Http> {
    let mut stream = TcpStream::connect(addr).expect("connect to the server");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let _ = stream.write_all(request);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    parse_http(&raw)
}

pub fn parse_http(raw: &[u8]) -> Option<Http> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Some(Http {
        status,
        headers,
        body: body.to_string(),
    })
}

/// `aws-as serve` running in the background (SIGTERM on drop).
pub struct Server {
    child: Child,
    port: u16,
    log: Arc<Mutex<Vec<u8>>>,
    /// What it printed on stdout (the export line).
    pub stdout: String,
    /// The management page's one-time login address it printed next (`aws-as serve`).
    pub login_url: Option<String>,
    /// Where its management token is (see [`Server::manage_token`]).
    pub token_file: PathBuf,
}

impl Home {
    /// `aws-as serve --listen 127.0.0.1:<free port> ARGS…` with this home's environment (plus
    /// `extra`), once it has printed its export line.
    pub fn serve(&self, args: &[&str]) -> Server {
        self.serve_with(args, &[])
    }

    pub fn serve_with(&self, args: &[&str], extra: &[(&str, &str)]) -> Server {
        let port = free_port();
        let mut cmd = self.command(aws_as_bin());
        cmd.arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .args(args)
            .envs(extra.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut server = Server::start(cmd, port);
        let state = extra
            .iter()
            .find(|(k, _)| *k == "AWS_AS_STATE_DIR")
            .map(|(_, v)| PathBuf::from(v))
            .unwrap_or_else(|| self.path().join(".local/state/aws-as"));
        server.token_file = args
            .iter()
            .position(|a| *a == "--token-file")
            .map(|i| PathBuf::from(args[i + 1]))
            .map(|p| {
                if p.is_absolute() {
                    p
                } else {
                    self.path().join(p)
                }
            })
            .unwrap_or_else(|| state.join("manage-token"));
        server
    }
}

impl Server {
    pub fn start(mut cmd: Command, port: u16) -> Server {
        let mut child = cmd.spawn().expect("start aws-as serve");
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        let log = collect(stderr);
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
            // `aws-as serve` prints the page's one-time login address next.
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
            let mut rest = Vec::new();
            let _ = reader.read_to_end(&mut rest);
        });
        let stdout = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_default();
        let login = rx.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
        let login_url = login
            .trim_end()
            .rsplit_once(": ")
            .map(|(_, url)| url.to_string())
            .filter(|url| url.contains("/manage?code="));
        let mut server = Server {
            child,
            port,
            log,
            stdout,
            login_url,
            token_file: PathBuf::new(),
        };
        if server.stdout.is_empty() {
            let _ = server.child.kill();
            let _ = server.child.wait();
            thread::sleep(Duration::from_millis(100));
            panic!("aws-as serve did not start:\n{}", server.log());
        }
        server
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `127.0.0.1:PORT`
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `http://127.0.0.1:PORT/`, as the export line gives it.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// What it logged on stderr so far.
    pub fn log(&self) -> String {
        String::from_utf8_lossy(&self.log.lock().unwrap()).into_owned()
    }

    /// Waits (up to 10 s) until the log holds `text`.
    pub fn wait_for_log(&self, text: &str) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !self.log().contains(text) {
            assert!(
                std::time::Instant::now() < deadline,
                "{text}\n{}",
                self.log()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// One request in raw bytes.
    pub fn raw(&self, request: &[u8]) -> Option<Http> {
        http(&self.addr(), request)
    }

    /// `GET path` with the right Host and `headers`.
    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> Http {
        self.request("GET", path, headers)
    }

    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Http {
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr()
        );
        for (name, value) in headers {
            req.push_str(&format!("{name}: {value}\r\n"));
        }
        req.push_str("\r\n");
        self.raw(req.as_bytes())
            .unwrap_or_else(|| panic!("{method} {path}: no answer"))
    }

    /// The management API's bearer token: in `manage-token` of the state directory
    /// (`AWS_AS_STATE_DIR`, else `~/.local/state/aws-as` of the home it was started with).
    pub fn manage_token(&self) -> String {
        std::fs::read_to_string(&self.token_file).expect("the management token file")
    }

    /// `METHOD path` to the management API with the bearer token, a JSON body when given.
    pub fn manage(&self, method: &str, path: &str, body: Option<&str>) -> Http {
        let body = body.unwrap_or("");
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.addr(),
            self.manage_token(),
            body.len()
        );
        self.raw(req.as_bytes())
            .unwrap_or_else(|| panic!("{method} {path}: no answer"))
    }

    /// A fresh IMDSv2 session token.
    pub fn imds_token(&self) -> String {
        let answer = self.request(
            "PUT",
            "/latest/api/token",
            &[
                ("X-aws-ec2-metadata-token-ttl-seconds", "300"),
                ("Content-Length", "0"),
            ],
        );
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.body
    }

    /// Whether the process has exited, waiting up to `timeout`; its status then.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn signal(&self, signal: &str) {
        let _ = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            self.signal("TERM");
            if self.wait_exit(Duration::from_secs(5)).is_none() {
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
        }
    }
}
