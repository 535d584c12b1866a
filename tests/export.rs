//! `aws-as export NAME --format F`, each format read back by its real consumer where this
//! machine has one, else by a reader written from the consumer's own definition:
//!
//! - env: evaluated by dash and bash (and it is byte for byte the sh switch);
//! - env-no-export: docker's env-file reader (docker/cli pkg/kvfile `parseKeyValueFile`), ported
//!   below line for line, since docker itself is not installed; the credentials then run boto3;
//! - powershell: `pwsh` is not in Debian: read by the language specification's grammar
//!   (§2.3.5.2 verbatim-string-literal, single-quote-character; `+` of a string concatenates);
//! - windows-cmd: cmd.exe is not on Linux: read by cmd's parsing phases (percent expansion,
//!   delayed expansion, quotes and its special characters), written down in `cmd_read`;
//! - json: `python -m json.tool` and serde;
//! - ini: Python's configparser, botocore's own loader, and the AWS CLI using the file.
//!
//! Hostile session tokens (from sts.py's token-suffix mode) are either read back exactly or
//! refused in one line with nothing on stdout; the secret never reaches stderr.

use crate::common;

use std::collections::BTreeMap;
use std::process::{Command, Output};

use common::*;
use proptest::prelude::*;

use aws_as::output::export::{cmd, docker, powershell};

fn export(home: &Home, args: &[&str]) -> Output {
    run(home.command(aws_as_bin()).arg("export").args(args))
}

/// The credentials in the cache, as credential_process JSON (json always carries them).
fn credentials(home: &Home, name: &str) -> serde_json::Value {
    let out = export(home, &["--no-input", "--format", "json", name]);
    assert!(out.status.success(), "{}", stderr_str(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn text(c: &serde_json::Value, key: &str) -> String {
    c[key].as_str().unwrap().to_string()
}

/// What every format but env sets, for `c` in `region`.
fn elsewhere(c: &serde_json::Value, region: &str) -> BTreeMap<String, Option<String>> {
    let mut want = BTreeMap::new();
    for (var, key) in [
        ("AWS_ACCESS_KEY_ID", "AccessKeyId"),
        ("AWS_SECRET_ACCESS_KEY", "SecretAccessKey"),
        ("AWS_SESSION_TOKEN", "SessionToken"),
        ("AWS_CREDENTIAL_EXPIRATION", "Expiration"),
    ] {
        want.insert(var.to_string(), Some(text(c, key)));
    }
    want.insert("AWS_REGION".into(), Some(region.into()));
    want.insert("AWS_DEFAULT_REGION".into(), Some(region.into()));
    want
}

// ---------------------------------------------------------------------------------------------
// The readers
// ---------------------------------------------------------------------------------------------

/// docker/cli pkg/kvfile parseKeyValueFile, as it reads an env-file (no lookup function: a key
/// without `=` is dropped, as `docker run --env-file` does for one the host lacks).
fn docker_read(text: &str) -> Result<Vec<(String, String)>, String> {
    // bufio.ScanLines: lines end at \n, one \r before it is dropped, the last line may lack \n;
    // a line longer than bufio.MaxScanTokenSize (64 KiB, newline included) fails the scan.
    let mut lines: Vec<&str> = text.split('\n').collect();
    if lines.last() == Some(&"") {
        lines.pop();
    }
    let mut out = Vec::new();
    for (i, raw) in lines.into_iter().enumerate() {
        if raw.len() + 1 > 64 * 1024 {
            return Err("bufio.Scanner: token too long".into());
        }
        let mut line = raw.strip_suffix('\r').unwrap_or(raw);
        if i == 0 {
            line = line.strip_prefix('\u{feff}').unwrap_or(line);
        }
        let line = line.trim_start_matches(char::is_whitespace);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = match line.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (line, None),
        };
        if key.is_empty() {
            return Err(format!("no variable name on line '{line}'"));
        }
        if key.contains([' ', '\t']) {
            return Err(format!("variable '{key}' contains whitespaces"));
        }
        if let Some(v) = value {
            out.push((key.to_string(), v.to_string()));
        }
    }
    Ok(out)
}

const PS_QUOTES: [char; 5] = ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];

/// One PowerShell expression of verbatim strings and `[char]N` joined by ` + `, the first a
/// string (so `+` concatenates), read as the specification's grammar defines them.
fn ps_expr(s: &str) -> Result<String, String> {
    let mut chars = s.chars().peekable();
    let mut out = String::new();
    let mut first = true;
    loop {
        match chars.peek() {
            Some(q) if PS_QUOTES.contains(q) => {
                chars.next();
                loop {
                    match chars.next() {
                        None => return Err(format!("unterminated string in {s:?}")),
                        Some(c) if PS_QUOTES.contains(&c) => {
                            // single-quote-character single-quote-character: one quote.
                            match chars.peek() {
                                Some(d) if PS_QUOTES.contains(d) => out.push(chars.next().unwrap()),
                                _ => break,
                            }
                        }
                        Some(c) => out.push(c),
                    }
                }
            }
            Some('[') if !first => {
                let rest: String = chars.clone().collect();
                let Some(digits) = rest.strip_prefix("[char]") else {
                    return Err(format!("unexpected {rest:?}"));
                };
                let n: String = digits.chars().take_while(char::is_ascii_digit).collect();
                let c = char::from_u32(n.parse().map_err(|_| format!("bad [char] in {s:?}"))?)
                    .ok_or("bad char")?;
                out.push(c);
                for _ in 0.."[char]".len() + n.len() {
                    chars.next();
                }
            }
            _ => return Err(format!("expected a string in {s:?}")),
        }
        first = false;
        let rest: String = chars.clone().collect();
        if rest.is_empty() {
            return Ok(out);
        }
        if !rest.starts_with(" + ") {
            return Err(format!("expected ` + ` at {rest:?}"));
        }
        for _ in 0..3 {
            chars.next();
        }
    }
}

/// A PowerShell statement of the export: `$Env:NAME = EXPR` or the removal of NAME.
fn ps_read(line: &str) -> Result<(String, Option<String>), String> {
    if let Some(rest) = line.strip_prefix("$Env:") {
        let (name, expr) = rest.split_once(" = ").ok_or("no assignment")?;
        return Ok((name.to_string(), Some(ps_expr(expr)?)));
    }
    if let Some(rest) = line.strip_prefix("Remove-Item -LiteralPath Env:") {
        let name = rest
            .strip_suffix(" -ErrorAction Ignore")
            .ok_or("no -ErrorAction")?;
        return Ok((name.to_string(), None));
    }
    Err(format!("not a statement of the export: {line:?}"))
}

/// A cmd.exe line `@set "NAME=VALUE"` read as cmd reads it, failing wherever cmd would do
/// something else than take VALUE as it is: phase 1 expands `%…%` inside quotes too (and a
/// batch file and the prompt differ on `%%`), delayed expansion takes `!…!` inside quotes too,
/// and phase 2 treats `& | < > ^ ( )` outside quotes as operators; every `"` toggles quoting.
/// A line is one command; the batch file is read in the console's code page.
fn cmd_read(line: &str) -> Result<(String, Option<String>), String> {
    if line.contains('%') {
        return Err("percent expansion".into());
    }
    if line.contains('!') {
        return Err("delayed expansion".into());
    }
    if line.chars().any(|c| c.is_ascii_control()) || !line.is_ascii() {
        return Err("control or non-ASCII character".into());
    }
    if line.len() > 8191 {
        return Err("longer than a command line".into());
    }
    let rest = line.strip_prefix("@set ").ok_or("not @set")?;
    let mut quoted = false;
    for c in rest.chars() {
        if c == '"' {
            quoted = !quoted;
        } else if !quoted && "&|<>^()".contains(c) {
            return Err(format!("{c} outside quotes"));
        }
    }
    if rest.matches('"').count() != 2 || !rest.starts_with('"') || !rest.ends_with('"') {
        return Err("not one quoted NAME=VALUE".into());
    }
    let (name, value) = rest[1..rest.len() - 1].split_once('=').ok_or("no =")?;
    // `set "NAME="` removes NAME.
    Ok((
        name.to_string(),
        (!value.is_empty()).then(|| value.to_string()),
    ))
}

/// Runs `script` in `shell` with nothing in the environment but PATH, and returns its env.
fn env_after(shell: &str, script: &str) -> BTreeMap<String, String> {
    let out = run(Command::new(shell)
        .args(["-c", &format!("{script}\nenv -0")])
        .env_clear()
        .env("PATH", "/usr/bin:/bin"));
    assert!(
        out.status.success(),
        "{shell}: {}",
        redact(&stderr_str(&out))
    );
    out.stdout
        .split(|b| *b == 0)
        .filter(|e| !e.is_empty())
        .filter_map(|e| {
            let e = String::from_utf8(e.to_vec()).unwrap();
            e.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .filter(|(k, _)| k.starts_with("AWS_"))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Each format, read by its consumer
// ---------------------------------------------------------------------------------------------

#[test]
fn every_format_is_read_back_by_its_consumer() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let switch = run(home
        .command(aws_as_bin())
        .args(["--mfa-code", "123456", ROLE2_PROFILE]));
    assert!(switch.status.success(), "{}", stderr_str(&switch));
    let c = credentials(&home, ROLE2_PROFILE);
    let region = "us-west-2";

    // env: the switch itself, and what dash and bash hold after evaluating it.
    let env = export(&home, &["--no-input", ROLE2_PROFILE]);
    assert!(env.status.success(), "{}", stderr_str(&env));
    assert_eq!(env.stdout, switch.stdout, "--format env is the sh switch");
    for shell in ["dash", "bash"] {
        let got = env_after(shell, &stdout_str(&env));
        assert_eq!(
            got.get("AWS_SESSION_TOKEN"),
            Some(&text(&c, "SessionToken")),
            "{shell}"
        );
        assert_eq!(
            got.get("AWS_SECRET_ACCESS_KEY"),
            Some(&text(&c, "SecretAccessKey"))
        );
        assert_eq!(got.get("AWS_REGION").map(String::as_str), Some(region));
        assert_eq!(
            got.get("AWS_AS_IDENTITY").map(String::as_str),
            Some(ROLE2_PROFILE)
        );
    }

    let want = elsewhere(&c, region);

    // env-no-export: docker's reader gets exactly the values, and they are good credentials.
    let out = export(
        &home,
        &["--no-input", "--format", "env-no-export", ROLE2_PROFILE],
    );
    assert!(out.status.success(), "{}", stderr_str(&out));
    let pairs = docker_read(&stdout_str(&out)).unwrap();
    let got: BTreeMap<String, Option<String>> = pairs
        .iter()
        .map(|(k, v)| (k.clone(), Some(v.clone())))
        .collect();
    assert_eq!(got, want);
    let caller = run(Command::new(python())
        .args(["-c", BOTO3_CALLER_ARN])
        .env_clear()
        .env("AWS_ENDPOINT_URL_STS", sts.endpoint())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))));
    assert!(caller.status.success(), "{}", stderr_str(&caller));
    assert!(
        stdout_str(&caller).contains(":assumed-role/my-role2/"),
        "{}",
        stdout_str(&caller)
    );

    // powershell and windows-cmd: the values, and the competing variables removed.
    let mut with_removals = want.clone();
    for var in ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN"] {
        with_removals.insert(var.to_string(), None);
    }
    let out = export(
        &home,
        &["--no-input", "--format", "powershell", ROLE2_PROFILE],
    );
    assert!(out.status.success(), "{}", stderr_str(&out));
    let got: BTreeMap<_, _> = stdout_str(&out)
        .lines()
        .map(|l| ps_read(l).unwrap())
        .collect();
    assert_eq!(got, with_removals);
    let out = export(
        &home,
        &["--no-input", "--format", "windows-cmd", ROLE2_PROFILE],
    );
    assert!(out.status.success(), "{}", stderr_str(&out));
    let text_out = stdout_str(&out);
    assert!(text_out.ends_with("\r\n") && !text_out.replace("\r\n", "").contains('\n'));
    let got: BTreeMap<_, _> = text_out
        .split_terminator("\r\n")
        .map(|l| cmd_read(l).unwrap())
        .collect();
    assert_eq!(got, with_removals);

    // json: python -m json.tool takes it; it is what credential-process prints.
    let out = export(&home, &["--no-input", "--format", "json", ROLE2_PROFILE]);
    let tool = run_with_input(
        Command::new(python()).args(["-m", "json.tool"]),
        &out.stdout,
    );
    assert!(tool.status.success(), "{}", stderr_str(&tool));
    let process = run(home
        .command(aws_as_bin())
        .args(["credential-process", ROLE2_PROFILE]));
    assert_eq!(out.stdout, process.stdout);
    assert_eq!(c["Version"], 1);

    // ini: configparser and botocore's loader read the section; the AWS CLI signs with it.
    let out = export(
        &home,
        &[
            "--no-input",
            "--format",
            "ini",
            "--section",
            "exported",
            ROLE2_PROFILE,
        ],
    );
    assert!(out.status.success(), "{}", stderr_str(&out));
    let file = home.path().join("exported-credentials");
    std::fs::write(&file, &out.stdout).unwrap();
    let read = run(Command::new(python()).args([
        "-c",
        "import configparser, json, sys\n\
         import botocore.configloader as loader\n\
         p = configparser.ConfigParser(); p.read(sys.argv[1])\n\
         print(json.dumps({'configparser': dict(p['exported']), 'botocore': loader.raw_config_parse(sys.argv[1])['exported']}))",
        file.to_str().unwrap(),
    ]));
    assert!(read.status.success(), "{}", stderr_str(&read));
    let read: serde_json::Value = serde_json::from_slice(&read.stdout).unwrap();
    let section = serde_json::json!({
        "aws_access_key_id": c["AccessKeyId"],
        "aws_secret_access_key": c["SecretAccessKey"],
        "aws_session_token": c["SessionToken"],
        "x_security_token_expires": c["Expiration"],
    });
    assert_eq!(read["configparser"], section);
    assert_eq!(read["botocore"], section);
    let cli = run(home
        .command(aws_cli())
        .args([
            "sts",
            "get-caller-identity",
            "--profile",
            "exported",
            "--region",
            region,
        ])
        .env("AWS_SHARED_CREDENTIALS_FILE", &file)
        .env("AWS_CONFIG_FILE", "/dev/null"));
    assert!(cli.status.success(), "{}", stderr_str(&cli));
    assert!(stdout_str(&cli).contains(":assumed-role/my-role2/"));

    // Nothing above asked STS again (the cache served), and no secret reached stderr.
    assert_eq!(sts.count("AssumeRole"), 2, "the switch's two roles only");
}

#[test]
fn refused_options_and_failures_print_nothing() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let cases: [&[&str]; 6] = [
        &["--section", "x", USER_PROFILE],
        &["--format", "json", "--region", "eu-west-1", USER_PROFILE],
        &["--format", "ini", "--region", "eu-west-1", USER_PROFILE],
        &["--format", "ini", "--section", "a]b", USER_PROFILE],
        &["--format", "yaml", USER_PROFILE],
        &["--no-input", "nope"],
    ];
    for args in cases {
        let out = export(&home, args);
        assert!(!out.status.success(), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert_eq!(
            stderr_str(&out).lines().count(),
            1,
            "{args:?}: {}",
            stderr_str(&out)
        );
    }
    assert!(sts.calls().is_empty(), "a refused option makes no session");
    // --no-input with no cached session and an MFA device: fails without asking.
    let out = export(&home, &["--no-input", "--format", "ini", USER_PROFILE]);
    assert!(!out.status.success() && out.stdout.is_empty());
}

/// Tokens an STS could send (sts.py appends these to the ones moto issues): each format reads
/// it back exactly or refuses it.
#[test]
fn hostile_tokens_are_carried_exactly_or_refused() {
    let suffixes = [
        "\n#evil=1\nAWS_EXTRA=x",
        " trailing ",
        "'\u{2019}\u{2018}\"$(touch pwned)`touch pwned` %PATH% !x! &calc ^ |x",
        "\r",
    ];
    // Which formats refuse which suffix: (env-no-export, windows-cmd, ini).
    let refusals = [
        (true, true, true),
        (true, false, true),
        (false, true, true),
        (true, true, true),
    ];
    for (suffix, (docker_refuses, cmd_refuses, ini_refuses)) in suffixes.iter().zip(refusals) {
        let hex: String = suffix.bytes().map(|b| format!("{b:02x}")).collect();
        let sts = Sts::fault(&format!("token-suffix:{hex}"));
        let home = Home::standard(&sts);
        let out = export(
            &home,
            &["--mfa-code", "123456", "--format", "json", USER_PROFILE],
        );
        assert!(out.status.success(), "{}", stderr_str(&out));
        let c: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let token = text(&c, "SessionToken");
        assert!(token.ends_with(suffix), "sts.py sent the suffix");

        let run_format = |format: &str| {
            let out = export(&home, &["--no-input", "--format", format, USER_PROFILE]);
            let err = stderr_str(&out);
            assert!(!err.contains(&text(&c, "SecretAccessKey")) && !err.contains(token.trim()));
            if out.status.success() {
                Some(stdout_str(&out))
            } else {
                assert!(out.stdout.is_empty(), "{format}: nothing on stdout");
                assert_eq!(err.lines().count(), 1, "{format}: {err}");
                assert!(
                    err.contains("AWS_SESSION_TOKEN holds")
                        || err.contains("aws_session_token holds"),
                    "{format}: {err}"
                );
                None
            }
        };

        let env = run_format("env").expect("sh carries any value");
        for shell in ["dash", "bash"] {
            assert_eq!(
                env_after(shell, &env).get("AWS_SESSION_TOKEN"),
                Some(&token),
                "{shell}"
            );
        }
        assert!(!home.path().join("pwned").exists());

        match run_format("env-no-export") {
            Some(out) => {
                assert!(!docker_refuses, "{suffix:?}");
                let pairs = docker_read(&out).unwrap();
                assert!(pairs.contains(&("AWS_SESSION_TOKEN".to_string(), token.clone())));
                assert_eq!(pairs.len(), 6, "no line was added");
            }
            None => assert!(docker_refuses, "{suffix:?}"),
        }
        let ps = run_format("powershell").expect("PowerShell carries any value but NUL");
        let got: BTreeMap<_, _> = ps.lines().map(|l| ps_read(l).unwrap()).collect();
        assert_eq!(got["AWS_SESSION_TOKEN"], Some(token.clone()));
        match run_format("windows-cmd") {
            Some(out) => {
                assert!(!cmd_refuses, "{suffix:?}");
                let got: BTreeMap<_, _> = out
                    .split_terminator("\r\n")
                    .map(|l| cmd_read(l).unwrap())
                    .collect();
                assert_eq!(got["AWS_SESSION_TOKEN"], Some(token.clone()));
            }
            None => assert!(cmd_refuses, "{suffix:?}"),
        }
        assert_eq!(run_format("ini").is_none(), ini_refuses, "{suffix:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// The quoting functions against their consumers' rules, on generated values
// ---------------------------------------------------------------------------------------------

fn values() -> impl Strategy<Value = String> {
    let interesting = prop::sample::select(vec![
        '\'', '"', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}', '\u{201C}', '$', '`', '%', '!',
        '&', '|', '^', '<', '>', '(', ')', '\n', '\r', '\t', ' ', '#', '=', '\\', '\u{a0}', '\0',
        'a', 'Z', '9', '/', '+',
    ]);
    prop::collection::vec(prop_oneof![interesting, any::<char>()], 0..24)
        .prop_map(|v| v.into_iter().collect())
}

proptest! {
    #[test]
    fn powershell_reads_back_what_quote_writes(v in values()) {
        match powershell::quote(&v) {
            Ok(q) => {
                prop_assert!(!q.contains(['\n', '\r']), "one line");
                prop_assert_eq!(ps_expr(&q).unwrap(), v);
            }
            Err(_) => prop_assert!(v.is_empty() || v.contains('\0')),
        }
    }

    #[test]
    fn docker_reads_back_what_is_written(v in values()) {
        let change = vec![("AWS_SESSION_TOKEN", Some(v.clone()))];
        match docker::render(&change) {
            Ok(text) => prop_assert_eq!(
                docker_read(&text).unwrap(),
                vec![("AWS_SESSION_TOKEN".to_string(), v)]
            ),
            Err(_) => prop_assert!(
                v.contains(['\n', '\r', '\0'])
                    || v.starts_with(char::is_whitespace)
                    || v.ends_with(char::is_whitespace)
            ),
        }
    }

    #[test]
    fn cmd_reads_back_what_is_written(v in values()) {
        let change = vec![("AWS_SESSION_TOKEN", Some(v.clone()))];
        match cmd::render(&change) {
            Ok(text) => {
                let line = text.strip_suffix("\r\n").unwrap();
                prop_assert_eq!(cmd_read(line).unwrap(), ("AWS_SESSION_TOKEN".to_string(), Some(v)));
            }
            // Refused exactly when cmd would not take the value as it is.
            Err(_) => {
                let line = format!("@set \"AWS_SESSION_TOKEN={}\"", v);
                prop_assert!(cmd_read(&line).is_err() || v.is_empty());
            }
        }
    }
}
