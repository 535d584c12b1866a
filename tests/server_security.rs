//! Attacks on `aws-as serve`, each refused and each checked to carry no credential: a hostile
//! `Host`, a browser's `Origin` and `Sec-Fetch-*`, a peer on another machine (a network
//! namespace pair), missing and expired tokens, a proxied token PUT, bad TTLs, one identity's
//! ECS token on another's path; 1,000 malformed requests and slow senders, after which a good
//! request is still answered. And STS failing while a client waits: a clear error within the
//! bound, while what the cache has is still served.

use crate::common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;

fn ecs_token(home: &Home, server: &Server, name: &str) -> String {
    let out =
        run(home
            .command(aws_as_bin())
            .args(["server", "env", name, "--server", &server.addr()]));
    assert!(out.status.success(), "{}", stderr_str(&out));
    stdout_str(&out)
        .lines()
        .find_map(|l| l.strip_prefix("export AWS_CONTAINER_AUTHORIZATION_TOKEN="))
        .unwrap()
        // An sh word: POSIX quoting now always quotes (61d006e), even a hex token.
        .trim_matches('\'')
        .to_string()
}

/// No credential of any kind in an answer, and no CORS header.
fn assert_nothing_given(what: &str, answer: &Http) {
    for needle in ["AccessKeyId", "SecretAccessKey", "Token\"", "ASIA"] {
        assert!(
            !answer.body.contains(needle),
            "{what}: {needle} in {}",
            answer.body
        );
    }
    assert!(
        answer
            .headers
            .iter()
            .all(|(n, _)| !n.starts_with("access-control-")),
        "{what}: a CORS header"
    );
}

#[test]
fn hostile_requests_are_refused_and_given_nothing() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    terminal_session(&home);
    let server = home.serve(&[ROLE1_PROFILE]);
    let token = server.imds_token();
    let creds = format!("/latest/meta-data/iam/security-credentials/{ROLE1_PROFILE}");
    let role1 = ecs_token(&home, &server, ROLE1_PROFILE);
    let role2 = ecs_token(&home, &server, ROLE2_PROFILE);
    let raw = |host: &str, method: &str, path: &str, headers: &[(&str, &str)]| {
        let mut r = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
        for (n, v) in headers {
            r.push_str(&format!("{n}: {v}\r\n"));
        }
        r.push_str("Content-Length: 0\r\n\r\n");
        server.raw(r.as_bytes()).expect("an answer")
    };
    let addr = server.addr();
    let short = {
        let answer = server.request(
            "PUT",
            "/latest/api/token",
            &[
                ("X-aws-ec2-metadata-token-ttl-seconds", "1"),
                ("Content-Length", "0"),
            ],
        );
        assert_eq!(answer.status, 200);
        answer.body
    };
    std::thread::sleep(Duration::from_millis(1300));
    let with_token = [("X-aws-ec2-metadata-token", token.as_str())];
    let cases: Vec<(&str, u16, Http)> = vec![
        (
            "a rebound DNS name",
            403,
            raw(
                &format!("evil.example:{}", server.port()),
                "GET",
                &creds,
                &with_token,
            ),
        ),
        (
            "another port in Host",
            403,
            raw("127.0.0.1:1", "GET", &creds, &with_token),
        ),
        ("no Host", 403, {
            let r = format!("GET {creds} HTTP/1.0\r\nX-aws-ec2-metadata-token: {token}\r\n\r\n");
            server.raw(r.as_bytes()).expect("an answer")
        }),
        (
            "an Origin",
            403,
            raw(
                &addr,
                "GET",
                &creds,
                &[with_token[0], ("Origin", "http://evil.example")],
            ),
        ),
        (
            "Sec-Fetch-Site",
            403,
            raw(
                &addr,
                "GET",
                &creds,
                &[with_token[0], ("Sec-Fetch-Site", "cross-site")],
            ),
        ),
        (
            "a preflight",
            403,
            raw(
                &addr,
                "OPTIONS",
                &creds,
                &[
                    ("Origin", "http://evil.example"),
                    ("Access-Control-Request-Method", "GET"),
                ],
            ),
        ),
        ("no token", 401, raw(&addr, "GET", &creds, &[])),
        (
            "a made-up token",
            401,
            raw(
                &addr,
                "GET",
                &creds,
                &[("X-aws-ec2-metadata-token", &"ab".repeat(40))],
            ),
        ),
        (
            "an expired token",
            401,
            raw(
                &addr,
                "GET",
                &creds,
                &[("X-aws-ec2-metadata-token", &short)],
            ),
        ),
        (
            "an ECS token on the IMDS path",
            401,
            raw(
                &addr,
                "GET",
                &creds,
                &[("X-aws-ec2-metadata-token", &role1)],
            ),
        ),
        (
            "a token PUT through a proxy",
            403,
            raw(
                &addr,
                "PUT",
                "/latest/api/token",
                &[
                    ("X-aws-ec2-metadata-token-ttl-seconds", "60"),
                    ("X-Forwarded-For", "10.0.0.9"),
                ],
            ),
        ),
        (
            "TTL 0",
            400,
            raw(
                &addr,
                "PUT",
                "/latest/api/token",
                &[("X-aws-ec2-metadata-token-ttl-seconds", "0")],
            ),
        ),
        (
            "TTL 21601",
            400,
            raw(
                &addr,
                "PUT",
                "/latest/api/token",
                &[("X-aws-ec2-metadata-token-ttl-seconds", "21601")],
            ),
        ),
        (
            "TTL abc",
            400,
            raw(
                &addr,
                "PUT",
                "/latest/api/token",
                &[("X-aws-ec2-metadata-token-ttl-seconds", "abc")],
            ),
        ),
        (
            "another identity's name on the IMDS path",
            404,
            raw(
                &addr,
                "GET",
                &format!("/latest/meta-data/iam/security-credentials/{ROLE2_PROFILE}"),
                &with_token,
            ),
        ),
        (
            "A's ECS token on B's path",
            403,
            raw(
                &addr,
                "GET",
                &format!("/ecs/{ROLE2_PROFILE}"),
                &[("Authorization", &role1)],
            ),
        ),
        (
            "B's token, with a newline",
            403,
            raw(
                &addr,
                "GET",
                &format!("/ecs/{ROLE2_PROFILE}"),
                &[("Authorization", &format!("{role2}%0A"))],
            ),
        ),
        (
            "no ECS token",
            401,
            raw(&addr, "GET", &format!("/ecs/{ROLE2_PROFILE}"), &[]),
        ),
        (
            "the management API without its token",
            401,
            raw(&addr, "GET", "/manage/session", &[]),
        ),
        (
            "the management API with an ECS token",
            401,
            raw(
                &addr,
                "GET",
                "/manage/session",
                &[("Authorization", &format!("Bearer {role1}"))],
            ),
        ),
    ];
    for (what, status, answer) in &cases {
        assert_eq!(answer.status, *status, "{what}: {}", answer.body);
        assert_nothing_given(what, answer);
    }
    // The same requests done right are answered: the refusals above were for what they changed.
    let good = raw(&addr, "GET", &creds, &with_token);
    assert_eq!(good.status, 200);
    assert!(good.body.contains("\"AccessKeyId\""));
    let good = raw(
        &addr,
        "GET",
        &format!("/ecs/{ROLE2_PROFILE}"),
        &[("Authorization", &role2)],
    );
    assert_eq!(good.status, 200, "{}", good.body);
    assert!(
        good.body
            .contains("\"RoleArn\":\"arn:aws:iam::222222222222:role/my-role2\"")
    );
    let log = server.log();
    assert!(log.contains("403 - (refused: the Host header must be the server's own address"));
    assert!(!log.contains(&token) && !log.contains(&role1) && !log.contains(&role2));
}

#[test]
fn a_thousand_malformed_requests_then_a_good_one_is_answered() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    terminal_session(&home);
    let server = home.serve(&[ROLE1_PROFILE]);
    let addr = server.addr();
    let started = Instant::now();
    // 200 slow senders, held open: half a request head each, then nothing more.
    let slow: Vec<TcpStream> = (0..200)
        .map(|_| {
            let mut s = TcpStream::connect(&addr).unwrap();
            s.write_all(b"GET /latest/meta-data/ HTTP/1.1\r\nHost: ")
                .unwrap();
            s
        })
        .collect();
    let huge_value = "x".repeat(20_000);
    let many_headers: String = (0..200).map(|i| format!("X-H{i}: v\r\n")).collect();
    let garbage: Vec<Vec<u8>> = vec![
        b"GARBAGE\r\n\r\n".to_vec(),
        b"GET / HTTP/9.9\r\n\r\n".to_vec(),
        b"\x00\x01\x02\xff\xfe\r\n\r\n".to_vec(),
        b"GET /latest/meta-data/ HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n".to_vec(),
        b"PUT /latest/api/token HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n".to_vec(),
        b"\r\n\r\n\r\n".to_vec(),
        format!("GET /{} HTTP/1.1\r\nHost: {addr}\r\n\r\n", "a".repeat(70_000)).into_bytes(),
        format!("GET / HTTP/1.1\r\nHost: {addr}\r\nX-Big: {huge_value}\r\n\r\n").into_bytes(),
        format!("GET / HTTP/1.1\r\nHost: {addr}\r\n{many_headers}\r\n").into_bytes(),
        format!(
            "POST /manage/session HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 1000000000\r\n\r\nsession="
        )
        .into_bytes(),
    ];
    // Each sent, then the sending side closed, as a client that gave up would (one that keeps
    // it open is a slow sender, above).
    let send = |request: &[u8]| {
        let mut s = TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let _ = s.write_all(request);
        let _ = s.shutdown(std::net::Shutdown::Write);
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        parse_http(&raw)
    };
    for i in 0..800 {
        let request = &garbage[i % garbage.len()];
        if let Some(answer) = send(request) {
            assert!(answer.status >= 400, "{i}: {}", answer.status);
            assert_nothing_given("malformed", &answer);
        }
    }
    // With 200 slow senders still holding their connections, a good client is served at once.
    let before = Instant::now();
    let token = server.imds_token();
    let answer = server.get(
        &format!("/latest/meta-data/iam/security-credentials/{ROLE1_PROFILE}"),
        &[("X-aws-ec2-metadata-token", &token)],
    );
    assert_eq!(answer.status, 200);
    assert!(
        before.elapsed() < Duration::from_secs(2),
        "{:?}",
        before.elapsed()
    );
    // The slow senders are dropped once the header timeout (5 s) has passed.
    std::thread::sleep(Duration::from_secs(6).saturating_sub(started.elapsed()));
    for (i, mut s) in slow.into_iter().enumerate() {
        s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        let mut buf = [0u8; 1024];
        match s.read(&mut buf) {
            Ok(0) | Err(_) => {}
            Ok(n) => {
                let answer = parse_http(&buf[..n]);
                assert!(
                    answer.as_ref().is_some_and(|a| a.status >= 400),
                    "slow sender {i} got {:?}",
                    String::from_utf8_lossy(&buf[..n])
                );
            }
        }
        // Closed: writing more (twice, the first may still be buffered) fails.
        let _ = s.write_all(b"127.0.0.1\r\n\r\n");
        std::thread::sleep(Duration::from_millis(1));
        let mut rest = Vec::new();
        let read = s.read_to_end(&mut rest);
        assert!(
            read.is_err() || !String::from_utf8_lossy(&rest).contains("200 OK"),
            "slow sender {i} was still served"
        );
    }
    let answer = server.get(
        &format!("/latest/meta-data/iam/security-credentials/{ROLE1_PROFILE}"),
        &[("X-aws-ec2-metadata-token", &token)],
    );
    assert_eq!(answer.status, 200, "still serving");
}

#[test]
fn sts_failing_while_a_client_waits_is_a_clear_error_and_the_cache_is_still_served() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    terminal_session(&home);
    let server = home.serve_with(&[], &[("AWS_AS_STS_TIMEOUT", "2")]);
    let role1 = ecs_token(&home, &server, ROLE1_PROFILE);
    let role2 = ecs_token(&home, &server, ROLE2_PROFILE);
    let ask = |name: &str, token: &str| {
        let started = Instant::now();
        let answer = server.get(&format!("/ecs/{name}"), &[("Authorization", token)]);
        (answer, started.elapsed())
    };
    assert_eq!(
        ask(ROLE1_PROFILE, &role1).0.status,
        200,
        "role1 is now cached"
    );
    // The SDK retries a 500 and a throttle (standard retry) until AWS_AS_STS_TIMEOUT: either
    // the error or the timeout is what the message names.
    for (fault, says) in [
        (
            "http500",
            [
                "AssumeRole for profile \"my-role2-dev\" failed",
                "timed out after 2s",
            ],
        ),
        (
            "throttle-then-ok:1000",
            ["Throttling", "timed out after 2s"],
        ),
        ("hang", ["timed out after 2s", "within 5 s"]),
    ] {
        sts.set_fault(Some(fault));
        let cold = std::thread::scope(|scope| {
            let cold = scope.spawn(|| ask(ROLE2_PROFILE, &role2));
            // While role2's resolution waits on STS, role1 is served from the cache at once.
            std::thread::sleep(Duration::from_millis(200));
            let (warm, took) = ask(ROLE1_PROFILE, &role1);
            assert_eq!(warm.status, 200, "{fault}: {}", warm.body);
            assert!(took < Duration::from_secs(1), "{fault}: {took:?}");
            cold.join().unwrap()
        });
        let (answer, took) = cold;
        assert_eq!(answer.status, 503, "{fault}: {}", answer.body);
        assert!(took < Duration::from_secs(7), "{fault}: {took:?}");
        assert!(
            answer
                .body
                .starts_with("aws-as: no credentials for my-role2-dev: ")
                && says.iter().any(|s| answer.body.contains(s)),
            "{fault}: {}",
            answer.body
        );
        assert_eq!(answer.body.lines().count(), 1, "{}", answer.body);
        assert_nothing_given(fault, &answer);
        sts.set_fault(None);
        // The STS call still under way (hang) ends within AWS_AS_STS_TIMEOUT; the failure
        // stands a second.
        std::thread::sleep(Duration::from_millis(2500));
    }
    let (answer, _) = ask(ROLE2_PROFILE, &role2);
    assert_eq!(answer.status, 200, "STS is back: {}", answer.body);

    // STS not there at all (nothing listens on its port).
    let down = Home::standard(&sts);
    down.with_endpoint(&closed_port_endpoint());
    let server = down.serve(&[]);
    let token = ecs_token(&down, &server, ROLE1_PROFILE);
    let started = Instant::now();
    let answer = server.get(
        &format!("/ecs/{ROLE1_PROFILE}"),
        &[("Authorization", &token)],
    );
    assert!(started.elapsed() < Duration::from_secs(7));
    assert!(
        answer.status == 400 || answer.status == 503,
        "{}",
        answer.body
    );
    assert_nothing_given("STS down", &answer);
}

/// A host on the same network as a machine that put 169.254.169.254 on `lo` can route to it:
/// a pair of network namespaces joined by a veth, the server in one, the client in the other.
/// Needs root (CI runs as root). Closed unread: its socket is not one of this machine's, so no
/// user owns it here.
#[test]
fn a_peer_on_another_machine_is_refused() {
    if !is_root() {
        eprintln!("skipped: needs root for network namespaces");
        return;
    }
    let home = Home::standard(&Sts::moto());
    let script = format!(
        r#"set -eu
srv=aws-as-srv-$$; cli=aws-as-cli-$$
trap 'kill $server 2>/dev/null || :; ip netns del $srv 2>/dev/null || :; ip netns del $cli 2>/dev/null || :' EXIT
ip netns add $srv
ip netns add $cli
ip link add vs$$ type veth peer name vc$$
ip link set vs$$ netns $srv
ip link set vc$$ netns $cli
ip -n $srv link set lo up
ip -n $srv addr add 169.254.169.254/32 dev lo
ip -n $srv addr add 192.0.2.1/24 dev vs$$
ip -n $srv link set vs$$ up
ip -n $cli link set lo up
ip -n $cli addr add 192.0.2.2/24 dev vc$$
ip -n $cli link set vc$$ up
ip -n $cli route add 169.254.169.254/32 via 192.0.2.1
# IMDSv1 on, so that only the peer check stands between the other host and the credentials.
ip netns exec $srv bash -c '
mkfifo sts.in
{py} {sts_py} moto <sts.in >sts.out 2>sts.err &
exec 3>sts.in
for _ in $(seq 300); do grep -q "^PORT " sts.out 2>/dev/null && break; sleep 0.1; done
export AWS_ENDPOINT_URL_STS=http://127.0.0.1:$(sed -n "s/^PORT //p" sts.out)
aws-as --mfa-code 123456 my-user1-dev >/dev/null
exec aws-as serve --imds-v1 --listen 169.254.169.254:80 my-role1-dev >serve.out 2>serve.err' &
server=$!
for _ in $(seq 300); do [ -s serve.out ] && break; sleep 0.1; done
echo "same machine: $(ip netns exec $srv {py} -c "$ASK")"
echo "other machine: $(ip netns exec $cli {py} -c "$ASK")"
"#,
        py = python().display(),
        sts_py = sts_script().display(),
    );
    let ask = "\
import socket
s = socket.create_connection(('169.254.169.254', 80), timeout=10)
s.sendall(b'GET /latest/meta-data/iam/security-credentials/my-role1-dev HTTP/1.1\\r\\n'
          b'Host: 169.254.169.254\\r\\nConnection: close\\r\\n\\r\\n')
data = b''
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
except ConnectionResetError:
    pass
print(data.split(b'\\r\\n')[0].decode() or 'closed unread', b'AccessKeyId' in data, b'ASIA' in data)
";
    let out = run_with_timeout(
        home.command("bash").args(["-c", &script]).env("ASK", ask),
        Duration::from_secs(120),
    );
    assert!(out.status.success(), "{}", redact(&stderr_str(&out)));
    assert_eq!(
        stdout_str(&out),
        "same machine: HTTP/1.1 200 OK True True\nother machine: closed unread False False\n",
        "{}",
        redact(&stderr_str(&out))
    );
    let log = std::fs::read_to_string(home.path().join("serve.err")).unwrap();
    assert!(
        // Its socket is in another network namespace: the kernel names no owner, so it is closed
        // at accept, before the guard would have answered 403.
        log.contains("refused a connection from 192.0.2.2:")
            && log.contains("closed unread: the kernel does not say which user made it"),
        "{log}"
    );
}

fn is_root() -> bool {
    unsafe extern "C" {
        fn geteuid() -> u32;
    }
    // SAFETY: geteuid has no preconditions.
    unsafe { geteuid() == 0 }
}

/// Issue 18, case 5: cookies are per host, not per port, so a page on another port of 127.0.0.1
/// can set a cookie named like the management page's, which the browser may send before the
/// real one; the page took the first and showed "Not logged in". Now any cookie of the name that
/// is a login counts (each compared in constant time), and cookies that are none count for
/// nothing: only shadows is still 401.
#[test]
fn a_cookie_another_port_set_does_not_log_the_page_out() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let server = home.serve(&[ROLE1_PROFILE]);
    let login = server.manage("POST", "/manage/login", Some("{}"));
    assert_eq!(login.status, 200, "{}", login.body);
    let url: serde_json::Value = serde_json::from_str(&login.body).unwrap();
    let path = url["url"]
        .as_str()
        .unwrap()
        .strip_prefix(server.url().trim_end_matches('/'))
        .unwrap()
        .to_string();
    let redeemed = server.get(&path, &[]);
    assert_eq!(redeemed.status, 303, "{}", redeemed.body);
    let real = redeemed
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let csrf = redeemed
        .header("location")
        .unwrap()
        .split_once("#csrf=")
        .unwrap()
        .1
        .to_string();
    let name = format!("aws-as-manage-{}", server.port());
    assert!(real.starts_with(&format!("{name}=")), "{real}");
    let shadow = format!("{name}={}", "0".repeat(64));
    let other = format!("{name}=not-a-login");
    let ask = |cookies: &[&str]| {
        let mut headers: Vec<(&str, &str)> = cookies.iter().map(|c| ("Cookie", *c)).collect();
        headers.push(("X-CSRF-Token", &csrf));
        let answer = server.get("/manage/session", &headers);
        assert!(!answer.body.contains("ASIA"), "{}", answer.body);
        answer.status
    };
    assert_eq!(ask(&[&real]), 200);
    // The shadow first, in one header or in headers of their own; the real one last or between.
    assert_eq!(ask(&[&format!("{shadow}; {real}")]), 200);
    assert_eq!(ask(&[&format!("{shadow}; a=1; {other}; {real}")]), 200);
    assert_eq!(ask(&[&shadow, &real]), 200);
    assert_eq!(ask(&[&shadow, &format!("{real}; {other}")]), 200);
    // Only shadows: not logged in.
    assert_eq!(ask(&[&shadow]), 401);
    assert_eq!(ask(&[&format!("{shadow}; {other}")]), 401);
    assert_eq!(ask(&[&shadow, &other]), 401);
    // The real cookie beside a shadow still needs the page's CSRF token.
    let answer = server.get(
        "/manage/session",
        &[("Cookie", &format!("{shadow}; {real}"))],
    );
    assert_eq!(answer.status, 403, "{}", answer.body);
}
