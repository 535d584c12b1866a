//! `aws-as keys` and keys in the OS keyring, against a real Secret Service: gnome-keyring's
//! daemon started headless by each test on a private D-Bus session bus (a bus of its own, with no
//! service activation, so nothing starts a second daemon behind the test's back), its default
//! collection unlocked with a throwaway password; items checked with `secret-tool`. STS and IAM
//! are moto behind tests/support/sts.py, which records which key signed each call and refuses a
//! key once DeleteAccessKey removed it.

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

const PROFILE: &str = "kr-user";
const SERIAL: &str = "arn:aws:iam::123456789012:mfa/kr-user";

/// A private session bus with gnome-keyring's Secret Service on it.
struct Keyring {
    dir: PathBuf,
    address: String,
    bus: Child,
    daemon: Option<Child>,
}

impl Keyring {
    /// The bus, and the daemon with its login collection unlocked (`unlock`), or created locked.
    fn start(home: &Home, unlock: bool) -> Keyring {
        let dir = home.path().join("keyring-session");
        std::fs::create_dir_all(dir.join("run")).unwrap();
        std::fs::set_permissions(
            dir.join("run"),
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .unwrap();
        let socket = dir.join("bus");
        let address = format!("unix:path={}", socket.display());
        let conf = dir.join("session.conf");
        std::fs::write(
            &conf,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>{address}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>
"#
            ),
        )
        .unwrap();
        let bus = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", conf.display()))
            .arg("--nofork")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon (scripts/install-deps.sh installs it)");
        wait_for("the session bus", Duration::from_secs(10), || {
            socket.exists()
        });
        let mut keyring = Keyring {
            dir,
            address,
            bus,
            daemon: None,
        };
        keyring.start_daemon(home, unlock);
        keyring
    }

    fn start_daemon(&mut self, home: &Home, unlock: bool) {
        let mut cmd = Command::new("gnome-keyring-daemon");
        cmd.args(["--components=secrets", "--foreground"]);
        if unlock {
            cmd.arg("--unlock");
        }
        self.env(&mut cmd, home);
        let mut daemon = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon (scripts/install-deps.sh installs it)");
        if unlock {
            use std::io::Write;
            daemon.stdin.take().unwrap().write_all(b"pw").unwrap();
        }
        self.daemon = Some(daemon);
        let address = self.address.clone();
        wait_for("the Secret Service", Duration::from_secs(10), || {
            Command::new("dbus-send")
                .args([
                    &format!("--bus={address}"),
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ])
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("boolean true"))
        });
    }

    /// The variables that lead a client to this bus.
    fn env<'a>(&self, cmd: &'a mut Command, home: &Home) -> &'a mut Command {
        cmd.env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("XDG_RUNTIME_DIR", self.dir.join("run"))
            .env("HOME", home.path())
    }

    /// aws-as (the lean binary, which hands over to aws-as-sts) with this bus.
    fn aws_as(&self, home: &Home, args: &[&str]) -> Command {
        let mut cmd = home.command(aws_as_bin());
        self.env(&mut cmd, home)
            .args(args)
            .env("AWS_ENDPOINT_URL", home.endpoint().unwrap())
            .env("AWS_AS_IAM_WAIT", "10")
            .env("AWS_AS_KEYRING_TIMEOUT", "8");
        cmd
    }

    /// `secret-tool lookup service aws-as username NAME`.
    fn lookup(&self, home: &Home, name: &str) -> Option<String> {
        let mut cmd = Command::new("secret-tool");
        self.env(&mut cmd, home)
            .args(["lookup", "service", "aws-as", "username", name]);
        let out = cmd.output().unwrap();
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn kill_daemon(&mut self) {
        if let Some(mut d) = self.daemon.take() {
            let _ = d.kill();
            let _ = d.wait();
        }
    }
}

impl Drop for Keyring {
    fn drop(&mut self) {
        self.kill_daemon();
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

/// An IAM user in moto with one access key: (key id, secret).
fn iam_user(sts: &Sts, user: &str) -> (String, String) {
    let script = r#"
import boto3, json, sys
iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="AKIAADMIN0000000000", aws_secret_access_key="admin")
iam.create_user(UserName=sys.argv[2])
k = iam.create_access_key(UserName=sys.argv[2])["AccessKey"]
print(json.dumps([k["AccessKeyId"], k["SecretAccessKey"]]))
"#;
    let out = Command::new(python())
        .args(["-c", script, &sts.endpoint(), user])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    (v[0].clone(), v[1].clone())
}

/// moto's ListAccessKeys of `user`.
fn listed_keys(sts: &Sts, user: &str) -> Vec<String> {
    let script = r#"
import boto3, json, sys
iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="AKIAADMIN0000000000", aws_secret_access_key="admin")
print(json.dumps([k["AccessKeyId"] for k in iam.list_access_keys(UserName=sys.argv[2])["AccessKeyMetadata"]]))
"#;
    let out = Command::new(python())
        .args(["-c", script, &sts.endpoint(), user])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A home whose config names the user's MFA device and nothing else.
fn home(sts: &Sts) -> Home {
    let home = Home::new();
    home.config(&format!(
        "# hand-written\n[profile {PROFILE}]\nmfa_serial = {SERIAL}\nregion = eu-west-1\n\n[profile other]\nregion = us-east-2\n"
    ))
    .with_sts(sts);
    home
}

fn add_from_env(kr: &Keyring, home: &Home, key: &(String, String)) -> Output {
    let mut cmd = kr.aws_as(home, &["keys", "add", PROFILE, "--from-env"]);
    cmd.env("AWS_ACCESS_KEY_ID", &key.0)
        .env("AWS_SECRET_ACCESS_KEY", &key.1);
    run(&mut cmd)
}

fn switch(kr: &Keyring, home: &Home) -> Output {
    run(&mut kr.aws_as(home, &[PROFILE, "--shell", "bash", "--mfa-code", "123456"]))
}

#[test]
fn add_from_env_then_switch_with_mfa_uses_the_keyring_keys() {
    let sts = Sts::moto();
    let home = home(&sts);
    let kr = Keyring::start(&home, true);
    let key = iam_user(&sts, PROFILE);
    let out = add_from_env(&kr, &home, &key);
    ok(&out);
    let item = kr.lookup(&home, PROFILE).expect("an item aws-as/kr-user");
    assert!(item.contains(&key.0) && item.contains(&key.1));
    let config = std::fs::read_to_string(home.config_path()).unwrap();
    assert!(config.starts_with(&format!(
        "# hand-written\n[profile {PROFILE}]\nmfa_serial = {SERIAL}\nregion = eu-west-1\n"
    )));
    assert!(config.contains(&format!("aws_as_keyring = {}", key.0)));
    assert!(
        config.ends_with("[profile other]\nregion = us-east-2\n"),
        "{config}"
    );
    assert!(!config.contains(&key.1));
    // GetCallerIdentity checked the key before it was stored.
    assert!(
        sts.calls_of("GetCallerIdentity")
            .iter()
            .any(|c| c.access_key_id.as_deref() == Some(&key.0))
    );

    let out = switch(&kr, &home);
    ok(&out);
    let gst = sts.calls_of("GetSessionToken");
    assert_eq!(gst.len(), 1);
    assert_eq!(gst[0].access_key_id.as_deref(), Some(key.0.as_str()));
    assert_eq!(gst[0].serial_number.as_deref(), Some(SERIAL));
    let list = stdout_str(&run(&mut kr.aws_as(&home, &["list"])));
    assert!(
        list.lines()
            .any(|l| l.contains(PROFILE) && l.contains("keyring")),
        "{list}"
    );
    for text in [stderr_str(&out), list] {
        assert!(!text.contains(&key.1));
    }
}

#[test]
fn add_reads_the_terminal_with_the_secret_hidden() {
    let sts = Sts::moto();
    let home = home(&sts);
    let kr = Keyring::start(&home, true);
    let key = iam_user(&sts, PROFILE);
    let mut cmd = kr.aws_as(&home, &[]);
    cmd.env_remove("AWS_ACCESS_KEY_ID");
    let bin = aws_as_bin();
    let mut script = Command::new("sh");
    script.env_clear();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            script.env(k, v);
        }
    }
    // The secret typed only once the prompt has turned echo off (typed ahead, the terminal would
    // echo it as it arrived, before aws-as asked).
    script.env("PATH", test_path()).current_dir(home.path()).args([
        "-c",
        "(printf '%s\\n' \"$1\"; sleep 2; printf '%s\\n' \"$2\") | script -qec \"$3 keys add $4\" /dev/null",
        "sh",
        &key.0,
        &key.1,
        &bin.to_string_lossy(),
        PROFILE,
    ]);
    let out = run_with_timeout(&mut script, Duration::from_secs(60));
    let screen = stdout_str(&out);
    assert!(out.status.success(), "{screen}");
    assert!(screen.contains("Access key ID:") && screen.contains("Secret access key"));
    assert!(screen.contains(&key.0), "the key id is echoed");
    assert!(!screen.contains(&key.1), "the secret is not echoed");
    assert!(kr.lookup(&home, PROFILE).unwrap().contains(&key.1));
}

/// The connect(2) calls of a command, as strace saw them.
fn connects(kr: &Keyring, home: &Home, args: &[&str]) -> String {
    let log = home.path().join("strace.log");
    let mut cmd = kr.aws_as(home, &[]);
    let inner: Vec<String> = std::iter::once(aws_as_bin().to_string_lossy().into_owned())
        .chain(args.iter().map(|a| a.to_string()))
        .collect();
    let mut strace = home.command("strace");
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            strace.env(k, v);
        }
    }
    strace
        .args(["-f", "-e", "trace=connect", "-o"])
        .arg(&log)
        .args(&inner);
    ok(&run(&mut strace));
    let _ = &mut cmd;
    std::fs::read_to_string(&log).unwrap()
}

#[test]
fn a_cache_hit_list_and_completion_never_reach_the_session_bus() {
    let sts = Sts::moto();
    let home = home(&sts);
    let kr = Keyring::start(&home, true);
    let key = iam_user(&sts, PROFILE);
    ok(&add_from_env(&kr, &home, &key));
    // A miss reaches the bus (the check can fail)...
    let miss = connects(
        &kr,
        &home,
        &[PROFILE, "--shell", "bash", "--mfa-code", "123456"],
    );
    assert!(miss.contains("keyring-session/bus"), "{miss}");
    // ...a hit, list and list --names do not.
    for args in [
        &[PROFILE, "--shell", "bash"][..],
        &["list"][..],
        &["list", "--names"][..],
    ] {
        let log = connects(&kr, &home, args);
        assert!(
            !log.contains("keyring-session/bus") && !log.contains("AF_UNIX"),
            "{args:?}: {log}"
        );
    }
    assert_eq!(sts.count("GetSessionToken"), 1);
}

#[test]
fn import_moves_keys_out_of_the_file_and_its_backups() {
    let sts = Sts::moto();
    let home = home(&sts);
    let kr = Keyring::start(&home, true);
    let key = iam_user(&sts, PROFILE);
    let credentials = format!(
        "; mine\n[keep]\naws_access_key_id = AKIAKEEP00000000000\naws_secret_access_key = keepsecret\n\n[{PROFILE}]\n# note\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        key.0, key.1
    );
    home.credentials(&credentials);
    // A backup from an earlier `write`, holding the key.
    let backup = home.path().join(".aws/credentials.aws-as.1");
    std::fs::write(&backup, &credentials).unwrap();

    // The keyring gone: the import fails and touches no file.
    let mut no_bus = kr.aws_as(&home, &["keys", "import", PROFILE]);
    no_bus.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    let out = run(&mut no_bus);
    assert!(!out.status.success());
    assert_eq!(
        std::fs::read_to_string(home.credentials_path()).unwrap(),
        credentials
    );
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), credentials);

    ok(&run(&mut kr.aws_as(&home, &["keys", "import", PROFILE])));
    assert!(kr.lookup(&home, PROFILE).unwrap().contains(&key.1));
    let now = std::fs::read_to_string(home.credentials_path()).unwrap();
    assert_eq!(
        now,
        "; mine\n[keep]\naws_access_key_id = AKIAKEEP00000000000\naws_secret_access_key = keepsecret\n\n[kr-user]\n# note\n"
    );
    for f in std::fs::read_dir(home.path().join(".aws")).unwrap() {
        let text = std::fs::read_to_string(f.unwrap().path()).unwrap_or_default();
        assert!(!text.contains(&key.1), "a file keeps the imported secret");
    }
    assert!(
        std::fs::read_to_string(home.config_path())
            .unwrap()
            .contains(&format!("aws_as_keyring = {}", key.0))
    );
    ok(&switch(&kr, &home));
    assert_eq!(
        sts.calls_of("GetSessionToken")[0].access_key_id.as_deref(),
        Some(key.0.as_str())
    );
}

#[test]
fn remove_asks_first() {
    let sts = Sts::moto();
    let home = home(&sts);
    let kr = Keyring::start(&home, true);
    let key = iam_user(&sts, PROFILE);
    ok(&add_from_env(&kr, &home, &key));
    let on_tty = |answer: &str| {
        let mut script = home.command("script");
        let cmd = kr.aws_as(&home, &[]);
        for (k, v) in cmd.get_envs() {
            if let Some(v) = v {
                script.env(k, v);
            }
        }
        script.args([
            "-qec",
            &format!("{} keys remove {PROFILE}", aws_as_bin().display()),
            "/dev/null",
        ]);
        run_with_input(&mut script, format!("{answer}\n").as_bytes())
    };
    let out = on_tty("n");
    assert!(!out.status.success());
    assert!(stdout_str(&out).contains("[y/N]"));
    assert!(kr.lookup(&home, PROFILE).is_some());
    ok(&on_tty("y"));
    assert!(kr.lookup(&home, PROFILE).is_none());
    assert!(
        !std::fs::read_to_string(home.config_path())
            .unwrap()
            .contains("aws_as_keyring")
    );
    // No terminal and no --yes: refused.
    ok(&add_from_env(&kr, &home, &key));
    let out = run(&mut kr.aws_as(&home, &["keys", "remove", PROFILE]));
    assert!(!out.status.success());
    assert!(kr.lookup(&home, PROFILE).is_some());
    ok(&run(
        &mut kr.aws_as(&home, &["keys", "remove", PROFILE, "--yes"])
    ));
    assert!(kr.lookup(&home, PROFILE).is_none());
}

fn rotate(kr: &Keyring, home: &Home) -> Command {
    kr.aws_as(home, &["keys", "rotate", PROFILE, "--mfa-code", "123456"])
}

#[test]
fn rotate_in_the_keyring_signs_with_the_new_key_and_deletes_the_old() {
    let sts = Sts::moto();
    let home = home(&sts);
    let kr = Keyring::start(&home, true);
    let old = iam_user(&sts, PROFILE);
    ok(&add_from_env(&kr, &home, &old));
    ok(&switch(&kr, &home));
    let out = run(&mut rotate(&kr, &home));
    ok(&out);
    let item = kr.lookup(&home, PROFILE).unwrap();
    assert!(!item.contains(&old.0));
    let listed = listed_keys(&sts, PROFILE);
    assert_eq!(listed.len(), 1, "{listed:?}");
    let new = listed[0].clone();
    assert_ne!(new, old.0);
    assert!(item.contains(&new));
    let config = std::fs::read_to_string(home.config_path()).unwrap();
    assert!(
        config.contains(&format!("aws_as_keyring = {new}")),
        "{config}"
    );
    assert!(
        config.contains(&format!("aws_as_key_created = {new} ")),
        "{config}"
    );
    // The old key's session was dropped: the next switch makes one with the new key.
    sts.reset();
    ok(&switch(&kr, &home));
    let gst = sts.calls_of("GetSessionToken");
    assert_eq!(gst.len(), 1);
    assert_eq!(gst[0].access_key_id.as_deref(), Some(new.as_str()));
    let list = stdout_str(&run(&mut kr.aws_as(&home, &["list"])));
    assert!(
        list.lines()
            .any(|l| l.contains(PROFILE) && l.contains("keyring, 0 d")),
        "{list}"
    );
    // The old key is refused.
    let mut with_old = Command::new(python());
    with_old.args([
        "-c",
        "import boto3,sys; boto3.client('sts', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3]).get_caller_identity()",
        &sts.endpoint(),
        &old.0,
        &old.1,
    ]);
    assert!(!with_old.output().unwrap().status.success());
}

#[test]
fn rotate_in_the_credentials_file_edits_it_in_place() {
    let sts = Sts::moto();
    let home = home(&sts);
    let kr = Keyring::start(&home, true);
    let old = iam_user(&sts, PROFILE);
    home.credentials(&format!(
        "[a]\nregion = x\n[{PROFILE}]\naws_access_key_id = {}\naws_secret_access_key = {}\n# end\n",
        old.0, old.1
    ));
    ok(&run(&mut rotate(&kr, &home)));
    let listed = listed_keys(&sts, PROFILE);
    assert_eq!(listed.len(), 1);
    let text = std::fs::read_to_string(home.credentials_path()).unwrap();
    assert!(
        text.starts_with(&format!(
            "[a]\nregion = x\n[{PROFILE}]\naws_access_key_id = {}\naws_secret_access_key = ",
            listed[0]
        )),
        "{text}"
    );
    assert!(text.ends_with("\n# end\n"));
    assert!(!text.contains(&old.1));
    assert!(
        kr.lookup(&home, PROFILE).is_none(),
        "the keyring is not used"
    );
}

/// `aws-as` paused at `step` (AWS_AS_TEST_PAUSE), then SIGKILLed.
fn killed_at(mut cmd: Command, step: &str) {
    cmd.env("AWS_AS_TEST_PAUSE", step)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::Read;
        let mut buf = [0u8; 4096];
        let mut all = Vec::new();
        while let Ok(n) = stderr.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
            if String::from_utf8_lossy(&all).contains("paused at") {
                let _ = tx.send(true);
            }
        }
    });
    let paused = rx.recv_timeout(Duration::from_secs(60)).is_ok();
    let _ = child.kill();
    let _ = child.wait();
    assert!(paused, "never paused at {step}");
}

#[test]
fn a_rotation_killed_at_any_step_leaves_a_working_key() {
    for step in [
        "rotate:session",
        "rotate:created",
        "rotate:verified",
        "rotate:stored-keyring",
        "rotate:stored",
        "rotate:deleted",
    ] {
        let sts = Sts::moto();
        let home = home(&sts);
        let kr = Keyring::start(&home, true);
        let old = iam_user(&sts, PROFILE);
        ok(&add_from_env(&kr, &home, &old));
        killed_at(rotate(&kr, &home), step);
        // A switch works with whatever is stored.
        std::fs::remove_dir_all(home.cache_dir()).ok();
        let out = switch(&kr, &home);
        assert!(
            out.status.success(),
            "after a kill at {step}: {}",
            stderr_str(&out)
        );
        // One key is stored; a second rotation either finishes or says what to do.
        let again = run(&mut rotate(&kr, &home));
        let listed = listed_keys(&sts, PROFILE);
        if again.status.success() {
            assert_eq!(listed.len(), 1, "{step}: {listed:?}");
        } else {
            let e = stderr_str(&again);
            assert!(e.contains("aws iam delete-access-key"), "{step}: {e}");
            assert_eq!(listed.len(), 2, "{step}");
        }
        let item = kr.lookup(&home, PROFILE).unwrap();
        assert!(
            listed.iter().any(|k| item.contains(k.as_str())),
            "{step}: the stored key is gone"
        );
    }
}

#[test]
fn an_import_killed_at_any_step_leaves_a_working_key() {
    for step in [
        "import:stored",
        "import:marked",
        "import:scrubbed",
        "import:removed",
    ] {
        let sts = Sts::moto();
        let home = home(&sts);
        let kr = Keyring::start(&home, true);
        let key = iam_user(&sts, PROFILE);
        home.credentials(&format!(
            "[{PROFILE}]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            key.0, key.1
        ));
        killed_at(kr.aws_as(&home, &["keys", "import", PROFILE]), step);
        let out = switch(&kr, &home);
        assert!(
            out.status.success(),
            "after a kill at {step}: {}",
            stderr_str(&out)
        );
        std::fs::remove_dir_all(home.cache_dir()).ok();
        let again = run(&mut kr.aws_as(&home, &["keys", "import", PROFILE]));
        let text = std::fs::read_to_string(home.credentials_path()).unwrap_or_default();
        assert!(
            again.status.success() || !text.contains(&key.1),
            "{step}: {}",
            stderr_str(&again)
        );
        assert!(
            !std::fs::read_to_string(home.credentials_path())
                .unwrap_or_default()
                .contains(&key.1),
            "{step}"
        );
        ok(&switch(&kr, &home));
    }
}

#[test]
fn no_session_bus_is_one_line_naming_the_options() {
    let sts = Sts::moto();
    let home = home(&sts);
    let kr = Keyring::start(&home, true);
    let key = iam_user(&sts, PROFILE);
    let mut cmd = kr.aws_as(
        &home,
        &["keys", "add", PROFILE, "--from-env", "--no-verify"],
    );
    cmd.env("AWS_ACCESS_KEY_ID", &key.0)
        .env("AWS_SECRET_ACCESS_KEY", &key.1)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("XDG_RUNTIME_DIR", home.path().join("nothing-here"));
    let out = run(&mut cmd);
    assert!(!out.status.success());
    let e = stderr_str(&out);
    assert_eq!(e.trim_end().lines().count(), 1, "{e}");
    for word in [
        "cannot open the OS keyring",
        "dbus-run-session",
        "~/.aws/credentials",
    ] {
        assert!(e.contains(word), "{e}");
    }
    assert!(!e.contains(&key.1));
    assert!(
        !std::fs::read_to_string(home.config_path())
            .unwrap()
            .contains("aws_as_keyring")
    );
}

#[test]
fn a_locked_collection_and_a_daemon_gone_are_clear_errors_in_bounded_time() {
    let sts = Sts::moto();
    let home = home(&sts);
    let mut kr = Keyring::start(&home, true);
    let key = iam_user(&sts, PROFILE);
    ok(&add_from_env(&kr, &home, &key));
    // Locked: the unlock prompt has no one to answer it.
    let lock = Command::new("dbus-send")
        .args([
            &format!("--bus={}", kr.address),
            "--print-reply",
            "--reply-timeout=5000",
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.Lock",
            "array:objpath:/org/freedesktop/secrets/collection/login",
        ])
        .output()
        .unwrap();
    assert!(
        lock.status.success(),
        "{}",
        String::from_utf8_lossy(&lock.stderr)
    );
    let start = Instant::now();
    let out = switch(&kr, &home);
    assert!(!out.status.success());
    assert!(start.elapsed() < Duration::from_secs(30));
    let e = stderr_str(&out);
    assert!(e.contains("keyring") && e.contains("unlock"), "{e}");
    assert!(!e.contains(&key.1));
    // The daemon gone mid-run: the bus answers that no one owns the name.
    kr.kill_daemon();
    let start = Instant::now();
    let out = switch(&kr, &home);
    assert!(!out.status.success());
    assert!(start.elapsed() < Duration::from_secs(30));
    let e = stderr_str(&out);
    assert!(e.contains("OS keyring"), "{e}");
    assert_eq!(e.trim_end().lines().count(), 1, "{e}");
}

#[test]
fn doctor_finds_the_keys_the_config_says_are_in_the_keyring() {
    let sts = Sts::moto();
    let home = home(&sts);
    let kr = Keyring::start(&home, true);
    let key = iam_user(&sts, PROFILE);
    ok(&add_from_env(&kr, &home, &key));
    let doctor_lines = || {
        let out = run(&mut kr.aws_as(&home, &["doctor"]));
        stdout_str(&out)
    };
    let text = doctor_lines();
    assert!(
        text.contains(&format!(
            "✓ {PROFILE}: its keys are in the OS keyring (key id {})",
            key.0
        )),
        "{text}"
    );
    assert!(!text.contains(&key.1), "no secret: {text}");
    // The item gone from under the config's record: the line says so, with the fix.
    let mut clear = Command::new("secret-tool");
    kr.env(&mut clear, &home)
        .args(["clear", "service", "aws-as", "username", PROFILE]);
    assert!(clear.status().unwrap().success());
    let text = doctor_lines();
    assert!(
        text.contains(&format!(
            "✗ {PROFILE}: the config says its keys are in the OS keyring, which has none for it: aws-as keys add {PROFILE}"
        )),
        "{text}"
    );
}
