//! The Debian package as installed: `bash scripts/package` builds it, here from the debug build's
//! binaries the tests already use (`AWS_AS_PACKAGE_PROFILE=debug AWS_AS_PACKAGE_NO_BUILD=1`: the
//! test checks where each file goes and that it works there; a release build from nothing would
//! add 7 minutes to CI),
//! `dpkg --root` installs it into an empty root (its own dpkg database: dpkg records every file),
//! and everything then runs chrooted in that root, in a mount namespace where its `/usr` is a
//! read-only overlay of the package's `/usr` over the host's: the package's files where the
//! package put them, the host's programs (man-db, bash, bash-completion, systemd) for the rest.
//! A debootstrap root would take minutes and the network; this takes a second, and a file the
//! package forgot is as missing here as on a clean machine (nothing of the repository is visible).
//! Inside: `man aws-as` (ENVIRONMENT and FILES), `man aws-as-deactivate`, TAB in an interactive
//! bash with the installed completion (tmux), the activation and a switch against the local STS,
//! `aws-as doctor`, and `systemd-analyze verify` on the installed units. Needs root (unshare -m,
//! mount, chroot), as CI runs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::*;

/// Builds the package once per test run; its path.
fn deb() -> PathBuf {
    static DEB: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DEB.get_or_init(|| {
        let started = Instant::now();
        // The debug build's binaries, which `cargo test` made before any test ran (a release
        // build from nothing took 13 minutes on 2 busy cores), packaged as they are. The environment `cargo test` gives its tests (CARGO_*, LD_LIBRARY_PATH…) is not a
        // user's: build scripts that watch it would rebuild target/release, and again for the
        // next `bash scripts/package` typed by hand.
        let mut cmd = Command::new("bash");
        cmd.arg(repo_root().join("scripts/package"));
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy().into_owned();
            if (name.starts_with("CARGO") && name != "CARGO_HOME")
                || name == "LD_LIBRARY_PATH"
                || name.starts_with("RUSTC")
                || name == "RUST_RECURSION_COUNT"
            {
                cmd.env_remove(&name);
            }
        }
        cmd.env("CARGO_TARGET_DIR", target_dir())
            .env("AWS_AS_PACKAGE_PROFILE", "debug")
            .env("AWS_AS_PACKAGE_NO_BUILD", "1");
        let out = run_with_timeout(&mut cmd, Duration::from_secs(30 * 60));
        assert!(
            out.status.success(),
            "bash scripts/package: {}",
            stderr_str(&out)
        );
        let deb = PathBuf::from(stdout_str(&out).trim());
        eprintln!("scripts/package: {:?}", started.elapsed());
        deb
    })
    .clone()
}

/// An empty root with the package installed by `dpkg --root`.
struct Root {
    home: Home,
}

impl Root {
    fn new() -> Root {
        let home = Home::new();
        let root = home.path().join("root");
        for dir in [
            "var/lib/dpkg/info",
            "var/lib/dpkg/updates",
            "etc",
            "usr",
            "tmp",
            "proc",
            "dev",
            "run",
        ] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        std::fs::write(root.join("var/lib/dpkg/status"), "").unwrap();
        for link in ["bin", "sbin", "lib", "lib64"] {
            std::os::unix::fs::symlink(format!("usr/{link}"), root.join(link)).unwrap();
        }
        // The root's dpkg database has no libc6: the host's is the one the overlay lends.
        let out = run(Command::new("dpkg")
            .arg(format!("--root={}", root.display()))
            .args(["--force-depends", "--force-script-chrootless", "--install"])
            .arg(deb()));
        assert!(
            out.status.success(),
            "dpkg --install: {}{}",
            stdout_str(&out),
            stderr_str(&out)
        );
        Root { home }
    }

    fn path(&self) -> PathBuf {
        self.home.path().join("root")
    }

    /// `script` run by sh in the root (chrooted), with HOME=/home/user there, PATH of the
    /// system's directories only, and `env`.
    fn command(&self, script: &str, env: &[(&str, &str)]) -> Command {
        let root = self.path();
        std::fs::create_dir_all(root.join("home/user/.aws")).unwrap();
        let lower = format!("{}/usr:/usr", root.display());
        let setup = format!(
            "set -e; mount -t overlay overlay -o lowerdir={lower} {r}/usr; \
             for d in etc dev proc run; do mount --rbind /$d {r}/$d; done; \
             mount -t tmpfs tmpfs {r}/tmp; exec chroot {r} /usr/bin/env -i \"$@\"",
            r = root.display()
        );
        let mut cmd = Command::new("unshare");
        cmd.args(["-m", "--propagation", "private", "sh", "-c", &setup, "sh"]);
        cmd.args([
            "HOME=/home/user",
            "PATH=/usr/local/bin:/usr/bin:/bin",
            "TERM=dumb",
            "LANG=C.UTF-8",
        ]);
        for (k, v) in env {
            cmd.arg(format!("{k}={v}"));
        }
        cmd.args(["/bin/sh", "-c", script]);
        cmd
    }
}

#[test]
fn the_package_holds_what_the_issue_lists_and_lintian_finds_no_error() {
    let deb = deb();
    let name = deb.file_name().unwrap().to_string_lossy().into_owned();
    let version = env!("CARGO_PKG_VERSION");
    assert!(name.starts_with(&format!("aws-as_{version}_")), "{name}");
    let out = run(Command::new("dpkg-deb").arg("--contents").arg(&deb));
    let listing = stdout_str(&out);
    for path in [
        "./usr/bin/aws-as",
        "./usr/bin/aws-as-sts",
        "./usr/bin/aws-as-activate",
        "./usr/share/man/man1/aws-as.1.gz",
        "./usr/share/man/man1/aws-as-doctor.1.gz",
        "./usr/share/man/man1/aws-as-activate.1.gz",
        "./usr/share/man/man1/aws-as-deactivate.1.gz",
        "./usr/share/bash-completion/completions/aws-as",
        "./usr/share/zsh/vendor-completions/_aws-as",
        "./usr/share/fish/vendor_completions.d/aws-as.fish",
        "./usr/lib/systemd/user/aws-as-serve.service",
        "./usr/lib/systemd/user/aws-as-refresh@.service",
        "./usr/share/doc/aws-as/README.md.gz",
        "./usr/share/doc/aws-as/changelog.gz",
        "./usr/share/doc/aws-as/changelog.Debian.gz",
        "./usr/share/doc/aws-as/copyright",
    ] {
        assert!(
            listing.contains(&format!(" {path}\n")),
            "{path} not in:\n{listing}"
        );
    }
    let out = run(Command::new("dpkg-deb")
        .args(["--field"])
        .arg(&deb)
        .arg("Version"));
    assert_eq!(stdout_str(&out).trim(), version);
    let out = run(Command::new("lintian")
        .args(["--fail-on", "error"])
        .arg(&deb));
    assert!(
        out.status.success(),
        "lintian: {}{}",
        stdout_str(&out),
        stderr_str(&out)
    );
    assert!(
        !stdout_str(&out).lines().any(|l| l.starts_with("E:")),
        "{}",
        stdout_str(&out)
    );
}

#[test]
fn installed_man_pages_and_units() {
    let root = Root::new();
    let out = run(&mut root.command(
        "man -w aws-as && MANWIDTH=100 man aws-as | col -b && man aws-as-deactivate | col -b",
        &[],
    ));
    assert!(out.status.success(), "man: {}", stderr_str(&out));
    let text = stdout_str(&out);
    assert!(
        text.starts_with("/usr/share/man/man1/aws-as.1.gz\n"),
        "{text}"
    );
    for want in [
        "ENVIRONMENT",
        "AWS_AS_CACHE_DIR",
        "FILES",
        "~/.cache/aws-as/",
        "aws-as-doctor(1)",
        "--keep-creds",
    ] {
        assert!(text.contains(want), "{want:?} not in man aws-as:\n{text}");
    }

    // The installed units run /usr/bin's aws-as, and systemd takes them as they are.
    let out = run(&mut root.command(
        "grep -h '^ExecStart=' /usr/lib/systemd/user/aws-as*.service; mkdir -p /tmp/rt && chmod 700 /tmp/rt && \
         XDG_RUNTIME_DIR=/tmp/rt SYSTEMD_LOG_COLOR=0 systemd-analyze --user verify --man=no \
         /usr/lib/systemd/user/aws-as-serve.service /usr/lib/systemd/user/aws-as-refresh@dbeaver.service",
        &[],
    ));
    assert!(
        out.status.success(),
        "systemd-analyze: {}{}",
        stdout_str(&out),
        stderr_str(&out)
    );
    assert_eq!(
        stdout_str(&out),
        "ExecStart=/usr/bin/aws-as refresh %I\nExecStart=/usr/bin/aws-as serve --resume\n"
    );
    assert!(out.stderr.is_empty(), "{}", stderr_str(&out));
}

/// tmux on the host, the shell in the root.
struct Tmux {
    socket: PathBuf,
}

impl Tmux {
    fn tmux(&self) -> Command {
        let mut c = Command::new("tmux");
        c.arg("-S").arg(&self.socket);
        c
    }
    fn keys(&self, keys: &[&str]) {
        assert!(
            run(self.tmux().args(["send-keys", "-t", "t"]).args(keys))
                .status
                .success()
        );
    }
    fn screen(&self) -> String {
        stdout_str(&run(self.tmux().args(["capture-pane", "-p", "-t", "t"])))
    }
    fn wait(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "waiting for {what}:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").output();
    }
}

#[test]
fn installed_tab_completion_activation_and_a_switch() {
    let sts = Sts::moto();
    let root = Root::new();
    let home = root.path().join("home/user");
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    std::fs::write(home.join(".aws/config"), STANDARD_CONFIG).unwrap();
    std::fs::write(home.join(".aws/credentials"), STANDARD_CREDENTIALS).unwrap();
    // The README's line; bash-completion (the host's, through the overlay) loads the installed
    // file at the first TAB.
    std::fs::write(
        home.join(".bashrc"),
        "PS1='$ '\n. /usr/share/bash-completion/bash_completion\neval \"$(aws-as-activate -s)\"\n",
    )
    .unwrap();

    // The activation and a switch, in a bash started as a user's.
    let endpoint = sts.endpoint();
    let env = [
        ("AWS_ENDPOINT_URL_STS", endpoint.as_str()),
        ("SHELL", "/bin/bash"),
    ];
    let out = run(&mut root.command(
        &format!(
            "bash -c '. ~/.bashrc; type aws-as >/dev/null && aws-as --mfa-code 123456 {USER_PROFILE} && \
             echo \"identity=$AWS_AS_IDENTITY key=${{AWS_ACCESS_KEY_ID:+set}}\" && aws-as - && \
             echo \"after=${{AWS_AS_IDENTITY:-none}}\" && command -v aws-as-sts'"
        ),
        &env,
    ));
    assert!(
        out.status.success(),
        "{}{}",
        stdout_str(&out),
        stderr_str(&out)
    );
    assert_eq!(
        stdout_str(&out),
        format!("identity={USER_PROFILE} key=set\nafter=none\n/usr/bin/aws-as-sts\n")
    );
    assert_eq!(sts.count("GetSessionToken"), 1);

    // doctor, as installed: the binaries in /usr/bin, the activation line found.
    let out = run(&mut root.command("bash -c '. ~/.bashrc; aws-as doctor'", &env));
    let text = stdout_str(&out);
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        text.contains(&format!(
            "✓ binaries: aws-as, aws-as-sts and aws-as-activate {version} in /usr/bin"
        )),
        "{text}{}",
        stderr_str(&out)
    );
    assert!(
        text.contains("✓ /home/user/.bashrc activates aws-as in new bash shells"),
        "{text}"
    );
    assert!(text.contains("✓ this shell is activated"), "{text}");

    // TAB in an interactive bash in the root, under tmux.
    let tmux = Tmux {
        socket: root.home.path().join("tmux.sock"),
    };
    let cmd = root.command("exec bash -i", &env);
    let argv: Vec<String> = std::iter::once(cmd.get_program().to_string_lossy().into_owned())
        .chain(cmd.get_args().map(|a| a.to_string_lossy().into_owned()))
        .collect();
    let quoted: Vec<String> = argv
        .iter()
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect();
    let out = run(tmux
        .tmux()
        .args(["new-session", "-d", "-s", "t", "-x", "200", "-y", "50"])
        .arg(quoted.join(" ")));
    assert!(out.status.success(), "tmux: {}", stderr_str(&out));
    // The activation's prompt: the identity, none yet, before the user's.
    tmux.wait("the prompt", |s| s.lines().any(|l| l.trim_end() == "(-) $"));
    tmux.keys(&["-l", "aws-as doc"]);
    tmux.keys(&["Tab"]);
    tmux.wait("aws-as doctor completed", |s| s.contains("$ aws-as doctor"));
    tmux.keys(&["C-u"]);
    tmux.keys(&["-l", "aws-as my-role1"]);
    tmux.keys(&["Tab"]);
    tmux.wait("the profile name completed", |s| {
        s.contains("$ aws-as my-role1-dev")
    });
}

/// The crate as published: `cargo package` lists what the build needs, and no test.
#[test]
fn the_crate_holds_what_the_build_needs() {
    let out = run(Command::new("cargo")
        .args(["package", "--list", "--allow-dirty", "--offline"])
        .current_dir(repo_root()));
    assert!(
        out.status.success(),
        "cargo package --list: {}",
        stderr_str(&out)
    );
    let list = stdout_str(&out);
    let files: Vec<&str> = list.lines().collect();
    for want in [
        "build.rs",
        "build/hot-text.ld",
        "src/output/shell/activate/bash.bash",
        "src/output/shell/activate/dispatch.sh",
        "src/output/shell/completions/zsh.zsh",
        "src/output/server/page.html",
        "man/aws-as.1",
        "completions/aws-as.bash",
        "contrib/systemd/aws-as-serve.service",
        "LICENSE-MIT",
        "LICENSE-APACHE",
        "README.md",
        "CHANGELOG.md",
    ] {
        assert!(files.contains(&want), "{want} not in cargo package --list");
    }
    // Every file the sources embed is in the package.
    for file in &files {
        if let Some(dir) = Path::new(file).parent()
            && file.ends_with(".rs")
            && file.starts_with("src/")
        {
            let text = std::fs::read_to_string(repo_root().join(file)).unwrap();
            for (i, _) in text.match_indices("include_str!(\"") {
                let rest = &text[i + "include_str!(\"".len()..];
                let name = &rest[..rest.find('"').unwrap()];
                let path = dir.join(name);
                let path = path.to_string_lossy();
                assert!(
                    files.contains(&path.as_ref()),
                    "{file} embeds {path}, not packaged"
                );
            }
        }
    }
    assert!(
        !files
            .iter()
            .any(|f| f.starts_with("tests/") || f.starts_with("bench/"))
    );
}
