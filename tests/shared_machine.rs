//! Another user of the same machine, and the user's own other processes, against what an aws-as
//! process holds (issue 18): its memory (a core file, /proc/PID/environ), the variables of the
//! programs it starts, the lock files it opens in a directory others can write, and the
//! credentials server (its answers and its connections). Each attack
//! is run for real with a throwaway second user (`OtherUser`: root only, as in CI).

use crate::common;

use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::Duration;

use common::*;

/// The children of `pid` (its main thread's), from /proc.
fn children(pid: u32) -> Vec<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_ascii_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// Issue 18, case 5: `serve` dumped core with the served keys and tokens in it. An aws-as
/// process waiting on an `mfa_process` holds the user's long-term keys; run as an ordinary user
/// with `ulimit -c unlimited`, it must be unreadable to that same user's other processes
/// (/proc/PID/environ) and leave no core when it aborts (SIGABRT: std catches a SIGSEGV sent by kill, for its stack-overflow message, and goes on).
#[test]
fn an_aws_as_process_leaves_no_core_and_its_memory_is_closed() {
    let Some(user) = OtherUser::new() else {
        return;
    };
    let home = Home::new();
    home.config(
        "[profile slow]\nmfa_serial = arn:aws:iam::111111111111:mfa/slow\nmfa_process = sleep 60\n",
    )
    .credentials(
        "[slow]\naws_access_key_id = AKIASLOWEXAMPLE00001\naws_secret_access_key = slowsecret/EXAMPLEKEY\n",
    )
    .with_endpoint(&closed_port_endpoint());
    user.own(home.path());
    let mut cmd = home.command("sh");
    cmd.args(["-c", "ulimit -c unlimited && exec aws-as slow", "sh"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = user.wrap(&cmd).spawn().unwrap();
    // setpriv, sh and aws-as exec: the pid is aws-as-sts's once the mfa_process runs under it.
    let pid = child.id();
    let mut waiting = Vec::new();
    wait_for("the mfa_process", Duration::from_secs(20), || {
        waiting = children(pid);
        !waiting.is_empty()
    });
    let environ = run(user.command("cat").arg(format!("/proc/{pid}/environ")));
    // SAFETY: kill with a pid this test started.
    unsafe { libc::kill(pid as i32, libc::SIGABRT) };
    let status = child.wait().unwrap();
    for orphan in waiting {
        // SAFETY: the mfa_process this test's aws-as started, left behind by the crash.
        unsafe { libc::kill(orphan as i32, libc::SIGKILL) };
    }
    assert_eq!(status.signal(), Some(libc::SIGABRT), "{status:?}");
    assert!(!status.core_dumped(), "aws-as dumped core: {status:?}");
    let cores: Vec<_> = std::fs::read_dir(home.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("core"))
        .map(|e| e.path())
        .collect();
    assert!(cores.is_empty(), "core files: {cores:?}");
    assert!(
        !environ.status.success(),
        "the user's other processes read aws-as's /proc/PID/environ"
    );
}

/// What the shell may hold while an identity is active: its credentials, and the user's own a
/// switch keeps in AWS_AS_SAVED_*; and a harmless variable that must get through.
const PLANTED: [(&str, &str); 8] = [
    ("AWS_ACCESS_KEY_ID", "ASIAPLANTEDSHELLKEY1"),
    ("AWS_SECRET_ACCESS_KEY", "planted-shell-secret"),
    ("AWS_SESSION_TOKEN", "planted-shell-token"),
    ("AWS_SECURITY_TOKEN", "planted-shell-token"),
    ("AWS_AS_SAVED_ACCESS_KEY_ID", "AKIAPLANTEDSAVEDKEY1"),
    ("AWS_AS_SAVED_SECRET_ACCESS_KEY", "planted-saved-secret"),
    ("AWS_AS_SAVED_SESSION_TOKEN", "planted-saved-token"),
    ("AWS_AS_TEST_MARK", "passed-through"),
];

/// A program that writes its environment to `file`, then exits 0.
fn env_dumper(path: &std::path::Path, file: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, format!("#!/bin/sh\nenv > '{}'\n", file.display())).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn assert_scrubbed(what: &str, file: &std::path::Path) {
    let env = std::fs::read_to_string(file).unwrap_or_else(|_| panic!("{what} did not run"));
    assert!(
        env.lines().any(|l| l == "AWS_AS_TEST_MARK=passed-through"),
        "{what}: the dump works"
    );
    let leaked: Vec<&str> = PLANTED[..7]
        .iter()
        .filter(|(name, _)| env.lines().any(|l| l.starts_with(&format!("{name}="))))
        .map(|(name, _)| *name)
        .collect();
    assert!(leaked.is_empty(), "{what} was given {leaked:?}");
}

/// Issue 18, case 5: `$BROWSER` and `notify-send` inherited the shell's credentials (a browser
/// keeps them for its whole life); `mfa_process` already had them removed.
#[test]
fn the_browser_and_notify_send_get_no_credentials() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);

    let browser_env = home.path().join("browser.env");
    let browser = home.path().join("bin/browser");
    env_dumper(&browser, &browser_env);
    let out = run(home
        .command(aws_as_bin())
        .args(["login", "--mfa-code", "123456", ROLE1_PROFILE])
        .env("AWS_AS_FEDERATION_ENDPOINT", sts.federation_endpoint())
        .env("BROWSER", &browser)
        .env("AWS_AS_BROWSER_TIMEOUT", "1")
        .envs(PLANTED));
    assert!(
        !out.status.success(),
        "the dumper never fetches the address"
    );
    assert_scrubbed("the browser", &browser_env);

    // A home with no session yet (the login made one).
    let home = Home::standard(&sts);
    let notify_env = home.path().join("notify.env");
    env_dumper(&home.path().join("bin/notify-send"), &notify_env);
    let mut path = vec![home.path().join("bin")];
    path.extend(std::env::split_paths(&test_path()));
    let mut daemon = home
        .command(aws_as_bin())
        .args(["refresh", "my-role1-dev=dbeaver"])
        .env("PATH", std::env::join_paths(path).unwrap())
        .envs(PLANTED)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // No code source and no session: the daemon asks for one with a notification, and waits.
    wait_for("the notification", Duration::from_secs(20), || {
        std::fs::read_to_string(&notify_env).is_ok_and(|e| e.contains("AWS_AS_TEST_MARK"))
    });
    let _ = daemon.kill();
    let _ = daemon.wait();
    assert_scrubbed("notify-send", &notify_env);
}

/// Issue 18, case 5: with the credentials file in a world-writable sticky directory, another
/// user's FIFO named like its lock file made `aws-as write` hang (an open for writing waits for a
/// reader). It fails at once now, in one line naming the FIFO, and writes nothing.
#[test]
fn another_users_fifo_as_the_lock_file_is_refused_at_once() {
    use std::os::unix::fs::PermissionsExt;
    let Some(user) = OtherUser::new() else {
        return;
    };
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    ok(&aws_as(&home, &["--mfa-code", "123456", ROLE1_PROFILE]));
    let shared = home.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let lock = shared.join(".credentials.aws-as.lock");
    ok(&run(user.command("mkfifo").arg(&lock)));
    // The long-term keys are read from there too.
    let credentials = shared.join("credentials");
    std::fs::copy(home.credentials_path(), &credentials).unwrap();
    let before = std::fs::read_to_string(&credentials).unwrap();
    let started = std::time::Instant::now();
    let out = try_run_with_timeout(
        home.command(aws_as_bin())
            .args(["write", ROLE1_PROFILE, "--profile", "dbeaver"])
            .env("AWS_SHARED_CREDENTIALS_FILE", &credentials),
        Duration::from_secs(15),
    )
    .expect("aws-as write hung on the FIFO");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "{}", stdout_str(&out));
    let err = stderr_str(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!(
            "{} is a FIFO, not a regular file: remove it",
            lock.display()
        )),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&credentials).unwrap(), before);
}

/// What another user's program gets from the server at `addr`: for each raw request, every byte
/// of the answer (python, as that user; a reset reads as nothing).
fn as_other_user(user: &OtherUser, addr: &str, requests: &[String]) -> Vec<String> {
    const CLIENT: &str = r#"
import json, socket, sys
host, port = sys.argv[1].rsplit(":", 1)
got = []
for request in json.loads(sys.stdin.read()):
    data = b""
    try:
        with socket.create_connection((host, int(port)), timeout=5) as s:
            s.sendall(request.encode())
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
    except OSError:
        pass
    got.append(data.decode("latin-1"))
print(json.dumps(got))
"#;
    let mut child = user
        .command("/usr/bin/python3")
        .args(["-c", CLIENT, addr])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = serde_json::to_string(requests).unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr_str(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Issue 18, case 3: being local counted as being allowed, so another user's `curl` did the IMDS
/// PUT and GET and got the served identity's keys (and, with a token it had learnt, the ECS
/// answer and the management API). Their connections are closed unread now, and the log says
/// whose; the user's own requests are served, and `--allow-user` serves the one it names.
#[test]
fn another_user_gets_nothing_from_the_server_unless_allowed() {
    let Some(user) = OtherUser::new() else {
        return;
    };
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    ok(&aws_as(&home, &["--mfa-code", "123456", ROLE1_PROFILE]));
    let requests = |server: &Server| -> Vec<String> {
        let host = server.addr();
        let ecs = run(home.command(aws_as_bin()).args([
            "server",
            "env",
            ROLE1_PROFILE,
            "--server",
            &host,
        ]));
        assert!(ecs.status.success(), "{}", stderr_str(&ecs));
        let ecs = stdout_str(&ecs)
            .lines()
            .find_map(|l| l.strip_prefix("export AWS_CONTAINER_AUTHORIZATION_TOKEN="))
            .unwrap()
            .trim_matches('\'')
            .to_string();
        // Tokens the other user is assumed to have learnt: only the connection's owner stops them.
        let imds = server.imds_token();
        let manage = server.manage_token();
        let creds = format!("/latest/meta-data/iam/security-credentials/{ROLE1_PROFILE}");
        vec![
            format!(
                "PUT /latest/api/token HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\
                 X-aws-ec2-metadata-token-ttl-seconds: 300\r\nContent-Length: 0\r\n\r\n"
            ),
            format!(
                "GET {creds} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\
                 X-aws-ec2-metadata-token: {imds}\r\n\r\n"
            ),
            format!(
                "GET /ecs/{ROLE1_PROFILE} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\
                 Authorization: {ecs}\r\n\r\n"
            ),
            format!(
                "GET /manage/session HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\
                 Authorization: Bearer {manage}\r\n\r\n"
            ),
        ]
    };

    let server = home.serve(&[ROLE1_PROFILE]);
    let got = as_other_user(&user, &server.addr(), &requests(&server));
    for answer in &got {
        assert!(answer.is_empty(), "another user got an answer: {answer}");
    }
    server.wait_for_log(&format!(
        "refused a connection from another user (uid {}), closed unread",
        user.uid
    ));
    let log = server.log();
    assert!(!log.contains(&server.manage_token()), "{log}");
    // The user's own programs are served as before.
    let token = server.imds_token();
    let own = server.get(
        &format!("/latest/meta-data/iam/security-credentials/{ROLE1_PROFILE}"),
        &[("X-aws-ec2-metadata-token", &token)],
    );
    assert_eq!(own.status, 200, "{}", own.body);
    assert!(own.body.contains("AccessKeyId"), "{}", own.body);
    drop(server);

    let server = home.serve(&[ROLE1_PROFILE, "--allow-user", &user.name]);
    let got = as_other_user(&user, &server.addr(), &requests(&server));
    let status = |answer: &str| answer.lines().next().unwrap_or("").to_string();
    assert!(status(&got[0]).contains(" 200 "), "{}", got[0]);
    assert!(got[1].contains("AccessKeyId"), "{}", got[1]);
    assert!(got[2].contains("AccessKeyId"), "{}", got[2]);
    assert!(status(&got[3]).contains(" 200 "), "{}", got[3]);
    assert!(
        !server.log().contains("refused a connection"),
        "{}",
        server.log()
    );
}

/// Issue 18, case 5: 256 idle connections held by another user blocked every request of the
/// user's own (one limit for everyone). Another user's connections are closed at accept now and
/// take none; one `--allow-user` names holds at most 64. And `--allow-user` of nobody is one line.
#[test]
fn another_users_idle_connections_leave_the_users_own_served() {
    let Some(user) = OtherUser::new() else {
        return;
    };
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    ok(&aws_as(&home, &["--mfa-code", "123456", ROLE1_PROFILE]));
    const HOLD: &str = r#"
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
held = [socket.create_connection((host, int(port)), timeout=5) for _ in range(300)]
time.sleep(0.5)
print("holding", flush=True)
sys.stdin.read()
"#;
    let served_while_held = |args: &[&str]| {
        let server = home.serve(args);
        let mut holder = user
            .command("/usr/bin/python3")
            .args(["-c", HOLD, &server.addr()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(holder.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        assert_eq!(line, "holding\n");
        let answer = server.raw(
            format!(
                "PUT /latest/api/token HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\
                 X-aws-ec2-metadata-token-ttl-seconds: 300\r\nContent-Length: 0\r\n\r\n",
                server.addr()
            )
            .as_bytes(),
        );
        drop(holder.stdin.take());
        holder.wait().unwrap();
        assert_eq!(
            answer.as_ref().map(|a| a.status),
            Some(200),
            "the user's own request, while another user holds 300 connections\n{}",
            server.log()
        );
        server.log()
    };
    let log = served_while_held(&[ROLE1_PROFILE]);
    assert!(
        log.contains(&format!(
            "refused a connection from another user (uid {})",
            user.uid
        )),
        "{log}"
    );
    let log = served_while_held(&[ROLE1_PROFILE, "--allow-user", &user.uid.to_string()]);
    assert!(
        log.contains(&format!(
            "64 connections of uid {} are open: closing its new ones until some end",
            user.uid
        )),
        "{log}"
    );

    let out = run(home.command(aws_as_bin()).args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--allow-user",
        "no-such-user-here",
    ]));
    assert!(!out.status.success());
    assert_eq!(
        stderr_str(&out),
        "aws-as: --allow-user no-such-user-here: no such user on this machine: give a user name or a uid\n"
    );
}

const SQUATTER: &str = include_str!("support/squatter.py");

/// A program holding a port (tests/support/squatter.py), run by `python` (this user's, or
/// another's); `received` stops it and gives what its clients sent, every connection's.
struct Squatter {
    child: std::process::Child,
    stdout: std::io::BufReader<std::process::ChildStdout>,
}

impl Squatter {
    fn start(mut python: std::process::Command, port: u16, mode: &str) -> Squatter {
        let mut child = python
            .args(["-c", SQUATTER, &port.to_string(), mode])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
        assert_eq!(line, "ready\n", "the squatter did not start on {port}");
        Squatter { child, stdout }
    }

    fn received(mut self) -> String {
        drop(self.child.stdin.take());
        let mut text = String::new();
        std::io::Read::read_to_string(&mut self.stdout, &mut text).unwrap();
        self.child.wait().unwrap();
        let got: Vec<String> = serde_json::from_str(&text).unwrap();
        got.join("\n")
    }
}

/// Issue 18, case 2: `aws-as server …` sent the management token first and looked at the answer
/// after, so whatever held the port got it. Now the server must first prove it holds the token
/// (`GET /manage/proof`, an HMAC of a fresh nonce and the address): a program of the user's own
/// (what any squatter is where the kernel cannot say whose a socket is) that answers like an
/// aws-as server, or one that relays the nonce to the real server, gets no token and no ECS
/// token, and every command says so in one line; another user's is refused before anything is
/// sent. The real server still answers every command.
#[test]
fn a_port_squatter_gets_no_token_and_the_control_commands_say_why() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let mut server = home.serve(&[ROLE1_PROFILE]);
    let control = |addr: &str, args: &[&str]| {
        run(home
            .command(aws_as_bin())
            .arg("server")
            .args(args)
            .args(["--server", addr]))
    };
    let env = control(&server.addr(), &["env", ROLE1_PROFILE]);
    ok(&env);
    let ecs_token = stdout_str(&env)
        .lines()
        .find_map(|l| l.strip_prefix("export AWS_CONTAINER_AUTHORIZATION_TOKEN="))
        .unwrap()
        .trim_matches('\'')
        .to_string();
    let token = server.manage_token();
    let commands: [&[&str]; 5] = [
        &["status"],
        &["page"],
        &["switch", ROLE1_PROFILE],
        &["env", ROLE1_PROFILE],
        &["stop"],
    ];
    let all_refused = |addr: &str, expected: &str| {
        for args in commands {
            let out = control(addr, args);
            assert_eq!(out.status.code(), Some(1), "{args:?}");
            assert_eq!(stdout_str(&out), "", "{args:?}");
            assert_eq!(stderr_str(&out), expected, "{args:?}");
        }
    };
    for mode in ["fake".to_string(), format!("relay:{}", server.port())] {
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let squatter = Squatter::start(std::process::Command::new("/usr/bin/python3"), port, &mode);
        all_refused(
            &addr,
            &format!(
                "aws-as: what listens on {addr} cannot prove it is your aws-as server (it does \
                 not know your management token), so it was sent no token: name your server \
                 with --server ADDR:PORT, or stop what holds the port (a server started with \
                 another --token-file or AWS_AS_STATE_DIR, or by an older aws-as, fails this \
                 too)\n"
            ),
        );
        let got = squatter.received();
        assert!(got.contains("GET /manage/proof?nonce="), "{mode}: {got}");
        assert!(!got.contains("Bearer"), "{mode}: {got}");
        assert!(!got.contains(&token), "{mode}: {got}");
        assert!(!got.contains(&ecs_token), "{mode}: {got}");
    }
    if let Some(user) = OtherUser::new() {
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let squatter = Squatter::start(user.command("/usr/bin/python3"), port, "fake");
        all_refused(
            &addr,
            &format!(
                "aws-as: what listens on {addr} belongs to another user (uid {}): refusing to send \
                 it the management token; name your server with --server ADDR:PORT\n",
                user.uid
            ),
        );
        assert_eq!(
            squatter.received(),
            "",
            "another user's squatter got a request"
        );
    }
    // The real server answers every command, each after its proof.
    let addr = server.addr();
    let out = control(&addr, &["status"]);
    ok(&out);
    assert!(
        stdout_str(&out).starts_with(&format!("serving {ROLE1_PROFILE} on the IMDS path")),
        "{}",
        stdout_str(&out)
    );
    let out = control(&addr, &["page"]);
    ok(&out);
    assert!(stdout_str(&out).starts_with(&format!("{}manage?code=", server.url())));
    ok(&control(&addr, &["switch", ROLE1_PROFILE]));
    let out = control(&addr, &["env", ROLE1_PROFILE]);
    ok(&out);
    assert_eq!(stdout_str(&out), stdout_str(&env));
    ok(&control(&addr, &["stop"]));
    assert_eq!(
        server.wait_exit(Duration::from_secs(10)).unwrap().code(),
        Some(0)
    );
    let log = server.log();
    assert!(log.contains("GET /manage/proof 200"), "{log}");
    assert!(!log.contains(&token), "{log}");
}

/// Issue 18, case 2: with another user's program on its port, `serve` said an aws-as server was
/// already running and pointed at `aws-as server status`, that is at the squatter. It names the
/// user who holds the port now, says it is no server of the user's, and sends it nothing.
#[test]
fn serve_names_the_other_user_who_holds_its_port() {
    let Some(user) = OtherUser::new() else {
        return;
    };
    let home = Home::new();
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    // It answers like an aws-as server (`Server: aws-as`), as the attack had it.
    let squatter = Squatter::start(user.command("/usr/bin/python3"), port, "fake");
    let out = run(home
        .command(aws_as_bin())
        .args(["serve", "--listen", &addr]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_str(&out), "");
    assert_eq!(
        stderr_str(&out),
        format!(
            "aws-as: {addr} is held by another user, {} (uid {}): it is not an aws-as server of \
             yours (aws-as server commands refuse it); choose another port with --listen \
             127.0.0.1:PORT\n",
            user.name, user.uid
        )
    );
    assert_eq!(squatter.received(), "");
}

/// The owner of a connection read from /proc/net/tcp (a kernel without inet_diag; forced here
/// with `AWS_AS_PEER_LOOKUP=table`), which runs off the accept loop: another user is refused
/// all the same, and the user's own requests are served.
#[test]
fn with_owners_read_from_the_tables_another_user_is_refused_all_the_same() {
    let Some(user) = OtherUser::new() else {
        return;
    };
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    ok(&aws_as(&home, &["--mfa-code", "123456", ROLE1_PROFILE]));
    let server = home.serve_with(&[ROLE1_PROFILE], &[("AWS_AS_PEER_LOOKUP", "table")]);
    server.wait_for_log("each connection's owner is read from /proc/net/tcp");
    let token = server.imds_token();
    let host = server.addr();
    let got = as_other_user(
        &user,
        &host,
        &[
            format!(
                "PUT /latest/api/token HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\
                 X-aws-ec2-metadata-token-ttl-seconds: 300\r\nContent-Length: 0\r\n\r\n"
            ),
            format!(
                "GET /latest/meta-data/iam/security-credentials/{ROLE1_PROFILE} HTTP/1.1\r\n\
                 Host: {host}\r\nConnection: close\r\nX-aws-ec2-metadata-token: {token}\r\n\r\n"
            ),
        ],
    );
    for answer in &got {
        assert!(answer.is_empty(), "another user got an answer: {answer}");
    }
    server.wait_for_log(&format!(
        "refused a connection from another user (uid {}), closed unread",
        user.uid
    ));
    let own = server.get(
        &format!("/latest/meta-data/iam/security-credentials/{ROLE1_PROFILE}"),
        &[("X-aws-ec2-metadata-token", &token)],
    );
    assert_eq!(own.status, 200, "{}", own.body);
    assert!(own.body.contains("AccessKeyId"), "{}", own.body);
}
