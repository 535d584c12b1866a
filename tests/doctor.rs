//! `aws-as doctor` on a healthy setup and on broken ones, each asserting the line a user sees:
//! a profile file that does not parse, a cache directory others can write, a cache file others
//! can read, a clock STS's `Date` says is off (`sts.py --date-offset`), no activation (neither in
//! this shell nor in the startup file), a `[default]` with keys, IAM Identity Center sign-ins
//! (none, valid, expired, renewable), binaries missing from PATH or of another version, a server
//! running. Exit status 1 with a ✗ line, 0 without; no secret in the output.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use crate::common::*;

/// `aws-as doctor` in `home`, as a user of bash whose shell ran the activation and whose
/// ~/.bashrc has its line (each test breaks one thing).
fn doctor(home: &Home, extra: &[(&str, &str)]) -> Output {
    run(home
        .command(aws_as_bin())
        .arg("doctor")
        .env("SHELL", "/bin/bash")
        .env("AWS_AS_ACTIVATED", "4242")
        .envs(extra.iter().copied()))
}

fn healthy(sts: &Sts) -> Home {
    let home = Home::standard(sts);
    std::fs::write(
        home.path().join(".bashrc"),
        "# mine\neval \"$(aws-as-activate -s)\"\n",
    )
    .unwrap();
    home
}

/// The lines of stdout that start with `mark`.
fn lines(out: &Output, mark: &str) -> Vec<String> {
    stdout_str(out)
        .lines()
        .filter(|l| l.starts_with(mark))
        .map(str::to_string)
        .collect()
}

/// Exactly one ✗ line, containing each of `words`; exit status 1.
fn one_wrong(out: &Output, words: &[&str]) -> String {
    let wrong = lines(out, "✗");
    assert_eq!(
        wrong.len(),
        1,
        "one ✗ line expected:\n{}{}",
        stdout_str(out),
        stderr_str(out)
    );
    for word in words {
        assert!(wrong[0].contains(word), "{word:?} not in {:?}", wrong[0]);
    }
    assert_eq!(out.status.code(), Some(1), "{}", stderr_str(out));
    assert_eq!(
        stderr_str(out).trim(),
        "aws-as: 1 check failed: each ✗ line above says what to do"
    );
    wrong[0].clone()
}

#[test]
fn a_healthy_setup_is_all_ticks_and_exits_0() {
    let sts = Sts::moto();
    let home = healthy(&sts);
    let out = doctor(&home, &[]);
    assert!(
        out.status.success(),
        "{}{}",
        stdout_str(&out),
        stderr_str(&out)
    );
    let text = stdout_str(&out);
    let bin = aws_as_bin();
    let dir = bin.parent().unwrap().display().to_string();
    for want in [
        format!(
            "✓ binaries: aws-as, aws-as-sts and aws-as-activate {} in {dir}",
            env!("CARGO_PKG_VERSION")
        ),
        format!(
            "✓ {}/.bashrc activates aws-as in new bash shells",
            home.path().display()
        ),
        "✓ this shell is activated (the shell with pid 4242 ran aws-as-activate)".to_string(),
        format!(
            "✓ profile files: 3 profiles in {}/.aws/config and {}/.aws/credentials",
            home.path().display(),
            home.path().display()
        ),
        format!(
            "✓ cache directory {}: not there yet",
            home.cache_dir().display()
        ),
        "✓ no [default] profile with credentials".to_string(),
        "✓ server: none running".to_string(),
        format!("✓ clock: within a minute of STS's ({})", sts.endpoint()),
    ] {
        assert!(text.contains(&want), "{want:?} not in:\n{text}");
    }
    assert!(lines(&out, "✗").is_empty(), "{text}");
    assert!(out.stderr.is_empty(), "{}", stderr_str(&out));
    // The lean binary handed it to aws-as-sts, which made no STS call: one unsigned GET.
    assert_eq!(
        sts.calls().iter().filter(|c| !c.action.is_empty()).count(),
        0
    );
}

#[test]
fn a_profile_file_that_does_not_parse() {
    let sts = Sts::moto();
    let home = healthy(&sts);
    home.config("[profile broken\nregion = eu-west-1\n");
    let out = doctor(&home, &[]);
    let line = one_wrong(&out, &[&home.config_path().display().to_string()]);
    assert!(!line.contains('\n'));
}

#[test]
fn a_cache_directory_others_can_write() {
    let sts = Sts::moto();
    let home = healthy(&sts);
    std::fs::create_dir_all(home.cache_dir()).unwrap();
    std::fs::set_permissions(home.cache_dir(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = doctor(&home, &[]);
    one_wrong(
        &out,
        &[
            "refusing the cache directory",
            "others can write to it (mode 777)",
            "run chmod go-w on it",
        ],
    );
}

#[test]
fn a_cache_file_others_can_read() {
    let sts = Sts::moto();
    let home = healthy(&sts);
    std::fs::create_dir_all(home.cache_dir()).unwrap();
    std::fs::set_permissions(home.cache_dir(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let file = home.cache_dir().join("0123.json");
    std::fs::write(&file, "{}").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = doctor(&home, &[]);
    one_wrong(&out, &["in the cache directory", "0123.json", "chmod 600"]);
}

#[test]
fn a_clock_ten_minutes_off_and_one_two_minutes_off() {
    let sts = Sts::moto_with_date_offset(600);
    let home = healthy(&sts);
    let out = doctor(&home, &[]);
    let line = one_wrong(&out, &["✗ clock: ", "behind STS's", "set the clock"]);
    assert!(
        line.contains("clock: 10m00s behind")
            || line.contains("clock: 9m59s behind")
            || line.contains("clock: 10m01s behind"),
        "{line}"
    );

    let sts = Sts::moto_with_date_offset(-120);
    let home = healthy(&sts);
    let out = doctor(&home, &[]);
    assert!(out.status.success(), "{}", stdout_str(&out));
    let notes = lines(&out, "! clock: ");
    assert_eq!(notes.len(), 1, "{}", stdout_str(&out));
    assert!(notes[0].contains("ahead of STS's"), "{}", notes[0]);
}

#[test]
fn an_sts_that_cannot_be_reached_is_a_note() {
    let home = Home::new();
    home.config(STANDARD_CONFIG)
        .credentials(STANDARD_CREDENTIALS);
    home.with_endpoint(&closed_port_endpoint());
    std::fs::write(
        home.path().join(".bashrc"),
        "eval \"$(aws-as-activate -s)\"\n",
    )
    .unwrap();
    let out = doctor(&home, &[]);
    assert!(out.status.success(), "{}", stdout_str(&out));
    let notes = lines(&out, "! clock: not compared with STS's");
    assert_eq!(notes.len(), 1, "{}", stdout_str(&out));
}

#[test]
fn no_activation_in_the_shell_or_its_startup_file() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    // A comment that names it is no activation.
    std::fs::write(
        home.path().join(".zshrc"),
        "# eval \"$(aws-as-activate -s)\"\n",
    )
    .unwrap();
    let out = run(home
        .command(aws_as_bin())
        .arg("doctor")
        .env("SHELL", "/usr/bin/zsh"));
    let wrong = lines(&out, "✗");
    assert_eq!(
        wrong,
        [
            format!(
                "✗ {}/.zshrc has no activation line, so new zsh shells have no aws-as function: add eval \"$(aws-as-activate -s)\" to it",
                home.path().display()
            ),
            "✗ this shell is not activated (AWS_AS_ACTIVATED is not set), so aws-as NAME cannot change it: run eval \"$(aws-as-activate -s)\"".to_string(),
        ],
        "{}",
        stdout_str(&out)
    );
    assert_eq!(out.status.code(), Some(1));

    // fish: its own line, in conf.d too.
    let conf = home.path().join(".config/fish/conf.d");
    std::fs::create_dir_all(&conf).unwrap();
    let out = run(home
        .command(aws_as_bin())
        .arg("doctor")
        .env("SHELL", "/usr/bin/fish"));
    assert!(
        stdout_str(&out).contains(&format!(
            "✗ {}/.config/fish/config.fish has no activation line, so new fish shells have no aws-as function: add aws-as-activate --shell fish | source to it",
            home.path().display()
        )),
        "{}",
        stdout_str(&out)
    );
    std::fs::write(
        conf.join("aws-as.fish"),
        "aws-as-activate --shell fish | source\n",
    )
    .unwrap();
    let out = run(home
        .command(aws_as_bin())
        .arg("doctor")
        .env("SHELL", "/usr/bin/fish"));
    assert!(
        stdout_str(&out)
            .contains("/.config/fish/conf.d/aws-as.fish activates aws-as in new fish shells"),
        "{}",
        stdout_str(&out)
    );
}

#[test]
fn a_default_profile_with_keys() {
    let sts = Sts::moto();
    let home = healthy(&sts);
    home.credentials(&format!(
        "{STANDARD_CREDENTIALS}[default]\naws_access_key_id = AKIADEFAULTEXAMPLE01\naws_secret_access_key = defaultsecret/EXAMPLE\n"
    ));
    let out = doctor(&home, &[]);
    one_wrong(
        &out,
        &[
            "the default profile has aws_access_key_id",
            "rename [default]",
        ],
    );
    assert!(!stdout_str(&out).contains("defaultsecret"));
}

/// An sso-session and a profile that signs in through it.
const SSO_CONFIG: &str = "\
[sso-session corp]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = eu-west-1
[profile sso-dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
";

fn sso_token(home: &Home, expires: chrono::DateTime<chrono::Utc>, refresh: bool) {
    let file = sso_cache_file(home, "corp");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let mut token = serde_json::json!({
        "startUrl": "https://d-1234567890.awsapps.com/start",
        "region": "eu-west-1",
        "accessToken": "SECRETACCESSTOKENvalue",
        "expiresAt": expires.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    });
    if refresh {
        token["refreshToken"] = "SECRETREFRESHTOKENvalue".into();
        token["clientId"] = "client-id".into();
        token["clientSecret"] = "SECRETCLIENTSECRET".into();
        token["registrationExpiresAt"] = (chrono::Utc::now() + chrono::Duration::days(30))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
            .into();
    }
    std::fs::write(&file, token.to_string()).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
}

fn no_secret(out: &Output) {
    let all = format!("{}{}", stdout_str(out), stderr_str(out));
    for secret in [
        "SECRETACCESSTOKEN",
        "SECRETREFRESHTOKEN",
        "SECRETCLIENTSECRET",
    ] {
        assert!(!all.contains(secret), "{secret} printed:\n{all}");
    }
}

#[test]
fn identity_center_sign_ins_not_signed_in_valid_expired_renewable() {
    let sts = Sts::moto();
    let home = healthy(&sts);
    home.config(&format!("{STANDARD_CONFIG}{SSO_CONFIG}"));

    let out = doctor(&home, &[]);
    one_wrong(
        &out,
        &["✗ IAM Identity Center sso-session corp: not signed in: run aws-as sso login corp"],
    );

    sso_token(
        &home,
        chrono::Utc::now() + chrono::Duration::hours(2),
        false,
    );
    let out = doctor(&home, &[]);
    assert!(out.status.success(), "{}", stdout_str(&out));
    assert!(
        stdout_str(&out).contains("✓ IAM Identity Center sso-session corp: signed in, 1h59m left")
            || stdout_str(&out)
                .contains("✓ IAM Identity Center sso-session corp: signed in, 2h00m left"),
        "{}",
        stdout_str(&out)
    );
    no_secret(&out);

    let expired = chrono::Utc::now() - chrono::Duration::hours(1);
    sso_token(&home, expired, false);
    let out = doctor(&home, &[]);
    one_wrong(
        &out,
        &[&format!(
            "✗ IAM Identity Center sso-session corp: the sign-in expired at {}: run aws-as sso login corp",
            expired.format("%Y-%m-%dT%H:%M:%SZ")
        )],
    );
    no_secret(&out);

    sso_token(&home, expired, true);
    let out = doctor(&home, &[]);
    assert!(out.status.success(), "{}", stdout_str(&out));
    assert!(
        stdout_str(&out).contains("the next use renews it (refresh token)"),
        "{}",
        stdout_str(&out)
    );
    no_secret(&out);

    // A token file others can read is refused, as a sign-in refuses it.
    std::fs::set_permissions(
        sso_cache_file(&home, "corp"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let out = doctor(&home, &[]);
    one_wrong(&out, &["IAM Identity Center sso-session corp", "chmod 600"]);
    no_secret(&out);
}

/// A directory with links to some of the binaries, as PATH's first entry, and no other aws-as.
fn path_with(dir: &Path, binaries: &[&str]) -> String {
    std::fs::create_dir_all(dir).unwrap();
    let built = aws_as_bin().parent().unwrap().to_path_buf();
    for name in binaries {
        std::os::unix::fs::symlink(built.join(name), dir.join(name)).unwrap();
    }
    format!("{}:/usr/bin:/bin", dir.display())
}

#[test]
fn binaries_missing_from_path_or_of_another_version() {
    let sts = Sts::moto();
    let home = healthy(&sts);
    let dir = home.path().join("bin");
    let path = path_with(&dir, &["aws-as", "aws-as-activate"]);
    let out = doctor(&home, &[("PATH", &path)]);
    one_wrong(
        &out,
        &["✗ aws-as-sts is not on PATH: add the directory aws-as is installed in to PATH"],
    );

    let fake = dir.join("aws-as-sts");
    std::fs::write(&fake, "#!/bin/sh\necho aws-as 0.0.1\n").unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = doctor(&home, &[("PATH", &path)]);
    one_wrong(
        &out,
        &[&format!(
            "✗ {} is version 0.0.1, this aws-as-sts {}: install all three binaries of one version",
            fake.display(),
            env!("CARGO_PKG_VERSION")
        )],
    );

    // aws-as-sts of this version, but not beside the aws-as on PATH.
    std::fs::remove_file(&fake).unwrap();
    let other = home.path().join("other");
    let path = format!("{}:{}", path, path_with(&other, &["aws-as-sts"]));
    let out = doctor(&home, &[("PATH", &path)]);
    one_wrong(
        &out,
        &[&format!(
            "aws-as runs {}/aws-as-sts for every new session: install the three binaries in one directory",
            dir.display()
        )],
    );
}

#[test]
fn a_running_server_and_one_that_is_gone() {
    let sts = Sts::moto();
    let home = healthy(&sts);
    let mut server = home.serve(&[]);
    let out = doctor(&home, &[]);
    assert!(out.status.success(), "{}", stdout_str(&out));
    let want = format!("✓ server: aws-as serve runs on {}", server.addr());
    assert!(
        stdout_str(&out).contains(&want),
        "{want:?} not in\n{}",
        stdout_str(&out)
    );
    // Nothing but the unauthenticated GET reached it: no token was sent.
    assert!(!server.log().contains("manage/proof"), "{}", server.log());
    let token = server.manage_token();
    assert!(!stdout_str(&out).contains(&token));

    // Killed: its record stays behind.
    server.signal("KILL");
    server.wait_exit(std::time::Duration::from_secs(5)).unwrap();
    let out = doctor(&home, &[]);
    assert!(out.status.success(), "{}", stdout_str(&out));
    let want = format!("! server: the one recorded on {} is gone", server.addr());
    assert!(
        stdout_str(&out).contains(&want),
        "{want:?} not in\n{}",
        stdout_str(&out)
    );
}
