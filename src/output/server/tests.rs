//! The router without a socket (`Router::oneshot`): every refusal, every status an SDK reacts to.
//! The real clients test it over a socket (tests/server*.rs).

use std::net::SocketAddr;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;

use super::guard::Peer;
use super::listen::{Parts, state};
use super::sessions::Sessions;
use super::state::State;
use crate::output::endpoint::tokens::EcsKey;

const LISTEN: &str = "127.0.0.1:9254";
const MANAGE: &str = "0123456789abcdef0123456789abcdef";

fn server(served: Option<&str>, imds_v1: bool) -> State {
    let (state, _stopped) = state(
        LISTEN.parse().unwrap(),
        Parts {
            // No STS client: nothing here may reach one.
            sessions: Sessions::new(None, None, crate::session::Ask::Process),
            served: served.map(str::to_string),
            imds_v1,
            ecs: EcsKey::ephemeral().unwrap(),
            manage_token: Some(MANAGE.to_string()),
            log_all: false,
            allowed_users: Vec::new(),
        },
    )
    .unwrap();
    state
}

fn get(path: &str) -> axum::http::request::Builder {
    request("GET", path)
}

fn request(method: &str, path: &str) -> axum::http::request::Builder {
    Request::builder()
        .method(method)
        .uri(path)
        .header("host", LISTEN)
        .extension(Peer("127.0.0.1:40000".parse::<SocketAddr>().unwrap()))
}

async fn send(
    state: &State,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let response = super::router(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

async fn imds_token(state: &State) -> String {
    let (status, _, token) = send(
        state,
        request("PUT", "/latest/api/token")
            .header("x-aws-ec2-metadata-token-ttl-seconds", "60")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    token
}

#[tokio::test]
async fn the_guard_refuses_what_is_not_a_local_sdk() {
    let state = server(Some("dev"), true);
    let path = "/latest/meta-data/iam/security-credentials/";
    let cases: Vec<(&str, Request<Body>)> = vec![
        (
            "a peer on another machine",
            get(path)
                .extension(Peer("192.0.2.7:5000".parse().unwrap()))
                .body(Body::empty())
                .unwrap(),
        ),
        (
            "no peer at all",
            Request::builder()
                .uri(path)
                .header("host", LISTEN)
                .body(Body::empty())
                .unwrap(),
        ),
        (
            "a rebound DNS name",
            Request::builder()
                .uri(path)
                .header("host", "evil.example:9254")
                .extension(Peer("127.0.0.1:4000".parse().unwrap()))
                .body(Body::empty())
                .unwrap(),
        ),
        (
            "another port",
            Request::builder()
                .uri(path)
                .header("host", "127.0.0.1:80")
                .extension(Peer("127.0.0.1:4000".parse().unwrap()))
                .body(Body::empty())
                .unwrap(),
        ),
        (
            "an Origin",
            get(path)
                .header("origin", "http://127.0.0.1:9254")
                .body(Body::empty())
                .unwrap(),
        ),
        (
            "Sec-Fetch-Mode",
            get(path)
                .header("sec-fetch-mode", "no-cors")
                .body(Body::empty())
                .unwrap(),
        ),
    ];
    for (what, request) in cases {
        let (status, headers, body) = send(&state, request).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{what}: {body}");
        assert!(!body.contains("dev"), "{what}: {body}");
        assert!(
            headers
                .keys()
                .all(|h| !h.as_str().starts_with("access-control-")),
            "{what}: CORS header"
        );
    }
    // The same request, well formed, is answered (IMDSv1 is on here), by name in `Server`.
    let (status, headers, body) = send(&state, get(path).body(Body::empty()).unwrap()).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "dev"));
    assert_eq!(headers["server"], "aws-as");
    let (status, ..) = send(
        &state,
        Request::builder()
            .uri(path)
            .header("host", "localhost:9254")
            .extension(Peer("[::1]:4000".parse().unwrap()))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "localhost and ::1 are this machine");
    let (status, ..) = send(
        &state,
        request("POST", "/manage/session")
            .header("content-length", "20000")
            .body(Body::from(vec![b'a'; 20000]))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn imds_tokens_follow_ec2() {
    let state = server(Some("dev"), false);
    for ttl in ["0", "21601", "abc", "-1", ""] {
        let (status, _, body) = send(
            &state,
            request("PUT", "/latest/api/token")
                .header("x-aws-ec2-metadata-token-ttl-seconds", ttl)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "ttl {ttl:?}: {body}");
    }
    let (status, ..) = send(
        &state,
        request("PUT", "/latest/api/token")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no TTL");
    let (status, ..) = send(
        &state,
        request("PUT", "/latest/api/token")
            .header("x-aws-ec2-metadata-token-ttl-seconds", "60")
            .header("x-forwarded-for", "10.1.2.3")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "through a proxy");
    let (status, headers, token) = send(
        &state,
        request("PUT", "/latest/api/token")
            .header("x-aws-ec2-metadata-token-ttl-seconds", "21600")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["x-aws-ec2-metadata-token-ttl-seconds"], "21600");

    let path = "/latest/meta-data/iam/security-credentials/";
    for token in [None, Some("nope"), Some(&token[..token.len() - 1])] {
        let mut r = get(path);
        if let Some(t) = token {
            r = r.header("x-aws-ec2-metadata-token", t);
        }
        let (status, _, body) = send(&state, r.body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token:?}");
        assert!(!body.contains("dev"));
    }
    let (status, _, body) = send(
        &state,
        get(path)
            .header("x-aws-ec2-metadata-token", &token)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "dev"),
        "no newline"
    );
}

#[tokio::test]
async fn imds_paths() {
    let state = server(Some("dev"), false);
    let token = imds_token(&state).await;
    let ask = |path: &str| {
        get(path)
            .header("x-aws-ec2-metadata-token", &token)
            .body(Body::empty())
            .unwrap()
    };
    let creds = "/latest/meta-data/iam/security-credentials";
    assert_eq!(send(&state, ask(creds)).await.2, "dev");
    let (status, ..) = send(&state, ask(&format!("{creds}/other"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another name");
    let (status, ..) = send(
        &state,
        ask("/latest/meta-data/iam/security-credentials-extended/"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "SDKs fall back on a 404");
    let (status, _, body) = send(&state, ask("/latest/meta-data/instance-id")).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, super::imds::INSTANCE_ID)
    );
    let (status, ..) = send(&state, ask("/latest/nothing-here")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // An unknown path is a 404 without a token too: the token check is on known routes only.
    let (status, ..) = send(&state, get("/nothing").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // An instance without a role.
    let none = server(None, false);
    let token = imds_token(&none).await;
    let (status, _, body) = send(
        &none,
        get(&format!("{creds}/"))
            .header("x-aws-ec2-metadata-token", &token)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn ecs_tokens_are_per_identity() {
    let state = server(None, false);
    let a = state.ecs.token("a/b@c");
    let b = state.ecs.token("other");
    let path = format!("/ecs/{}", crate::output::percent::encode("a/b@c"));
    let (status, _, body) = send(&state, get(&path).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    for wrong in [
        b.as_str(),
        "",
        "x",
        &format!("{a}\n")[..a.len()].replace('0', "1"),
    ] {
        let r = get(&path).header("authorization", wrong);
        let (status, _, body) = send(&state, r.body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{wrong:?}: {body}");
    }
    // A's token on A's path passes the check: with no config behind it, the session fails, and
    // says why (not 401/403).
    let r = get(&path).header("authorization", &a);
    let (status, ..) = send(&state, r.body(Body::empty()).unwrap()).await;
    assert!(
        status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
        "{status}"
    );
    // ECS tokens are nothing on the IMDS path.
    let r =
        get("/latest/meta-data/iam/security-credentials/").header("x-aws-ec2-metadata-token", &a);
    assert_eq!(
        send(&state, r.body(Body::empty()).unwrap()).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_management_api_needs_its_bearer_token() {
    let state = server(Some("dev"), false);
    for auth in [None, Some("Bearer wrong"), Some(MANAGE), Some("bearer x")] {
        let mut r = get("/manage/session");
        if let Some(a) = auth {
            r = r.header("authorization", a);
        }
        let (status, ..) = send(&state, r.body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{auth:?}");
    }
    let bearer = format!("Bearer {MANAGE}");
    let (status, _, body) = send(
        &state,
        get("/manage/session")
            .header("authorization", &bearer)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["identity"], "dev");
    assert_eq!(v["listen"], LISTEN);
    let (status, ..) = send(
        &state,
        request("POST", "/manage/session")
            .header("authorization", &bearer)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from("other=1"))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "neither field");
    let (status, ..) = send(
        &state,
        request("POST", "/manage/stop")
            .header("authorization", &bearer)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(*state.stop.borrow());
}

/// Why resolutions run on `std::thread`s (sessions/): the STS client's `block_on` panics where
/// a runtime context is set, and `spawn_blocking`'s threads have one.
#[test]
fn resolution_threads_are_outside_the_runtime() {
    let runtime = super::listen::runtime().unwrap();
    runtime.block_on(async {
        let blocking =
            tokio::task::spawn_blocking(|| tokio::runtime::Handle::try_current().is_ok())
                .await
                .unwrap();
        assert!(
            blocking,
            "spawn_blocking threads carry the runtime's context"
        );
        let plain = std::thread::spawn(|| {
            // What the STS client does on a resolution thread: its own runtime, block_on.
            let own = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            own.block_on(async { tokio::runtime::Handle::try_current().is_ok() })
        })
        .join()
        .unwrap();
        assert!(plain, "a plain thread can run the STS client's own runtime");
    });
}

/// A browser logged in to `state`'s page: its cookie header and CSRF token.
async fn logged_in(state: &State) -> (String, String) {
    let code = state.logins.mint().unwrap();
    let (status, headers, _) = send(
        state,
        get(&format!("/manage?code={code}"))
            .header("sec-fetch-mode", "navigate")
            .header("sec-fetch-dest", "document")
            .header("sec-fetch-site", "none")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let cookie = headers["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_string();
    let location = headers["location"].to_str().unwrap();
    let csrf = location.strip_prefix("/manage#csrf=").unwrap().to_string();
    (cookie, csrf)
}

#[tokio::test]
async fn browsers_reach_the_page_and_its_api_from_the_page_only() {
    let state = server(Some("dev"), true);
    let (cookie, csrf) = logged_in(&state).await;
    let own = "http://127.0.0.1:9254";
    // The page itself: any top-level navigation, never a frame, never another origin.
    for (what, headers, want) in [
        (
            "typed in the address bar",
            vec![("sec-fetch-site", "none")],
            StatusCode::OK,
        ),
        (
            "a link on another site",
            vec![("sec-fetch-site", "cross-site")],
            StatusCode::OK,
        ),
        (
            "in a frame",
            vec![("sec-fetch-dest", "iframe")],
            StatusCode::FORBIDDEN,
        ),
        (
            "fetched by a script",
            vec![("sec-fetch-mode", "cors")],
            StatusCode::FORBIDDEN,
        ),
        (
            "from another origin",
            vec![("origin", "http://127.0.0.1:8000")],
            StatusCode::FORBIDDEN,
        ),
    ] {
        let mut all = vec![
            ("sec-fetch-mode", "navigate"),
            ("sec-fetch-dest", "document"),
        ];
        all.retain(|(n, _)| !headers.iter().any(|(h, _)| h == n));
        all.extend(headers.iter().copied());
        let mut r = get("/manage");
        for (name, value) in all {
            r = r.header(name, value);
        }
        let (status, headers, body) = send(&state, r.body(Body::empty()).unwrap()).await;
        assert_eq!(status, want, "{what}: {body}");
        if status == StatusCode::OK {
            let csp = headers["content-security-policy"].to_str().unwrap();
            assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
            assert_eq!(headers["x-frame-options"], "DENY");
            assert!(!body.contains(&csrf), "the page holds no token");
        }
    }
    // The API from the page: cookie, CSRF token, and for a change its own Origin.
    let page = |method: &str,
                origin: Option<&str>,
                site: &str,
                csrf: Option<&str>,
                cookie: Option<&str>| {
        let mut r = request(method, "/manage/login").header("sec-fetch-site", site);
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        if let Some(c) = csrf {
            r = r.header("x-csrf-token", c);
        }
        if let Some(c) = cookie {
            r = r.header("cookie", c);
        }
        r.body(Body::empty()).unwrap()
    };
    let wrong = "0".repeat(64);
    for (what, request, want) in [
        (
            "the page",
            page("POST", Some(own), "same-origin", Some(&csrf), Some(&cookie)),
            StatusCode::OK,
        ),
        (
            "no CSRF token",
            page("POST", Some(own), "same-origin", None, Some(&cookie)),
            StatusCode::FORBIDDEN,
        ),
        (
            "a wrong CSRF token",
            page(
                "POST",
                Some(own),
                "same-origin",
                Some(&wrong),
                Some(&cookie),
            ),
            StatusCode::FORBIDDEN,
        ),
        (
            "no Origin on a change",
            page("POST", None, "same-origin", Some(&csrf), Some(&cookie)),
            StatusCode::FORBIDDEN,
        ),
        (
            "another port",
            page(
                "POST",
                Some("http://127.0.0.1:8000"),
                "same-site",
                Some(&csrf),
                Some(&cookie),
            ),
            StatusCode::FORBIDDEN,
        ),
        (
            "localhost's origin",
            page(
                "POST",
                Some("http://localhost:9254"),
                "same-origin",
                Some(&csrf),
                Some(&cookie),
            ),
            StatusCode::FORBIDDEN,
        ),
        (
            "a same-site script",
            page("POST", Some(own), "same-site", Some(&csrf), Some(&cookie)),
            StatusCode::FORBIDDEN,
        ),
        (
            "no cookie",
            page("POST", Some(own), "same-origin", Some(&csrf), None),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "a made-up cookie",
            page(
                "POST",
                Some(own),
                "same-origin",
                Some(&csrf),
                Some("aws-as-manage-9254=abc"),
            ),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "another port's cookie name",
            page(
                "POST",
                Some(own),
                "same-origin",
                Some(&csrf),
                Some(&cookie.replace("9254", "9255")),
            ),
            StatusCode::UNAUTHORIZED,
        ),
    ] {
        let (status, headers, body) = send(&state, request).await;
        assert_eq!(status, want, "{what}: {body}");
        assert!(
            headers
                .keys()
                .all(|h| !h.as_str().starts_with("access-control-")),
            "{what}"
        );
    }
    // The credential endpoints refuse the page's own requests too.
    let (status, ..) = send(
        &state,
        get("/latest/meta-data/iam/security-credentials/")
            .header("origin", own)
            .header("sec-fetch-site", "same-origin")
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A path a normalizing server would read as another is no page's.
    let (status, ..) = send(
        &state,
        get("/manage/../latest/meta-data/iam/security-credentials/")
            .header("sec-fetch-site", "same-origin")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A server without the management API (exec --server) lets no browser in at all.
    let (bare, _stopped) = state_without_manage();
    let (status, ..) = send(
        &bare,
        get("/manage")
            .header("sec-fetch-mode", "navigate")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, ..) = send(&bare, get("/manage").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

fn state_without_manage() -> (State, tokio::sync::watch::Receiver<bool>) {
    state(
        LISTEN.parse().unwrap(),
        Parts {
            sessions: Sessions::new(None, None, crate::session::Ask::Process),
            served: None,
            imds_v1: true,
            ecs: EcsKey::ephemeral().unwrap(),
            manage_token: None,
            log_all: false,
            allowed_users: Vec::new(),
        },
    )
    .unwrap()
}

/// What the owner check costs a connection, printed (`cargo test --lib
/// connection_cost -- --nocapture`), not asserted: a whole connection (connect, a token PUT,
/// close) against the server's listener, and the one lookup of its owner at accept, with 500
/// other loopback connections open (sock_diag's lookup does not grow with them).
#[test]
fn connection_cost() {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    let others = TcpListener::bind("127.0.0.1:0").unwrap();
    let _idle: Vec<_> = (0..500)
        .map(|_| {
            let client = TcpStream::connect(others.local_addr().unwrap()).unwrap();
            (client, others.accept().unwrap())
        })
        .collect();
    let (state, stopped) = state_without_manage();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = state.stop.clone();
    let server = std::thread::spawn(move || {
        let runtime = super::listen::runtime().unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            super::listen::run(listener, state, stopped, None).await
        })
    });
    let request = format!(
        "PUT /latest/api/token HTTP/1.1\r\nHost: {LISTEN}\r\nConnection: close\r\n\
         X-aws-ec2-metadata-token-ttl-seconds: 60\r\nContent-Length: 0\r\n\r\n"
    );
    let once = || {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    };
    for _ in 0..100 {
        once();
    }
    let n = 2000;
    let started = std::time::Instant::now();
    for _ in 0..n {
        once();
    }
    let whole = started.elapsed() / n;
    let client = TcpStream::connect(addr).unwrap();
    let (peer, local) = (client.local_addr().unwrap(), addr);
    let started = std::time::Instant::now();
    for _ in 0..n {
        assert!(crate::peer::owner(peer, local).is_some() || !crate::peer::CAN_TELL);
    }
    let lookup = started.elapsed() / n;
    eprintln!("a connection with a token PUT: {whole:?}; its owner lookup at accept: {lookup:?}");
    stop.send_replace(true);
    server.join().unwrap();
}
