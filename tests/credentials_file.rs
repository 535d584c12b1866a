//! `aws-as write` and `aws-as write --remove` as people use them, against moto: real clients
//! (boto3, the AWS CLI v1 and v2, the Go SDK) reach STS as the identity through
//! `AWS_PROFILE=<section>`; nothing else in a hand-written file changes; refusals and `--force`;
//! a symlinked file, `AWS_SHARED_CREDENTIALS_FILE`, files that cannot be edited, backups; 20
//! writers at once; writers SIGKILLed at random moments; a full disk and a read-only directory
//! (in mount namespaces the tests make, as root); the lean binary writing from the cache.

use crate::common;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use common::*;

const ROLE1_ARN_SESSION: &str = "arn:aws:sts::111111111111:assumed-role/my-role1/my-user1@dev";

/// The user's own credentials file: both comment styles, CRLF in places, indentation, UTF-8,
/// long-term keys, no final newline.
const HANDWRITTEN: &str = "# my AWS keys — do not share ☃\r\n\
; managed by hand\r\n\
[my-user1-dev]\r\n\
aws_access_key_id = AKIAUSER1EXAMPLE0001\r\n\
aws_secret_access_key = user1secret/EXAMPLEKEY+abc\r\n\
\r\n\
[legacy]   # the old account\n\
AWS_ACCESS_KEY_ID=AKIALEGACYEXAMPLE001\n\
aws_secret_access_key = legacy/secret\n\
\tregion_note = kept\n\
\n\
; end of file, no newline after this";

/// Fails with one line on stderr holding each of `expect`, nothing on stdout.
fn fails(out: &Output, expect: &[&str]) -> String {
    let err = stderr_str(out);
    assert!(
        !out.status.success(),
        "succeeded: {}",
        redact(&stderr_str(out))
    );
    assert!(
        out.stdout.is_empty(),
        "stdout on failure: {}",
        redact(&stdout_str(out))
    );
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    for e in expect {
        assert!(err.contains(e), "{e:?} not in: {err}");
    }
    err
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Caches sessions of the user, role1 and role2 (one MFA code).
fn cache_all(home: &Home) {
    ok(&aws_as(home, &["--mfa-code", "123456", ROLE2_PROFILE]));
}

/// The cached session of each identity, by name.
fn cached(home: &Home) -> BTreeMap<String, Value> {
    std::fs::read_dir(home.cache_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let v: Value = serde_json::from_str(&read(&p)).unwrap();
            (v["identity"].as_str().unwrap().to_string(), v)
        })
        .collect()
}

/// Every regular file in `dir` with its bytes (to show that nothing else appeared or changed).
fn listing(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().path())
                .filter(|p| std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file()))
                .map(|p| {
                    (
                        p.file_name().unwrap().to_string_lossy().into_owned(),
                        std::fs::read(&p).unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What botocore reads from the credentials file at `path` (its shared-credentials provider
/// parses it with raw_config_parse).
fn botocore(path: &Path) -> Value {
    let out = Command::new(python())
        .args([
            "-c",
            "import json,sys\nfrom botocore.configloader import raw_config_parse\nprint(json.dumps(raw_config_parse(sys.argv[1])))",
        ])
        .arg(path)
        .env("PYTHONUTF8", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "botocore: {}",
        redact(&stderr_str(&out))
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The section's values as the written file has them (one line each).
/// The `region` aws-as wrote in section `name` of the home's credentials file.
fn region_of(home: &Home, name: &str) -> String {
    section(&read(&home.credentials_path()), name)["region"].clone()
}

fn section(text: &str, name: &str) -> BTreeMap<String, String> {
    let doc = aws_as::output::ini::model::parse(text);
    let s = doc.section(name).unwrap_or_else(|| panic!("no [{name}]"));
    doc.entries(s)
        .into_iter()
        .filter_map(|(k, _)| k)
        .map(|k| {
            let v = doc.value(s, &k).unwrap().to_string();
            (k, v)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------

#[test]
fn every_client_reaches_sts_as_the_identity_through_the_section() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    cache_all(&home);
    // A section aws-as wrote before, where something left a stale aws_security_token: botocore
    // would send it instead of the new aws_session_token.
    home.credentials(&format!(
        "{STANDARD_CREDENTIALS}\n[dbeaver]\naws_as_identity = my-role2-dev\naws_security_token = STALE-TOKEN-LEFT-BEHIND\nregion = eu-west-1\n"
    ));
    let out = aws_as(&home, &["write", ROLE1_PROFILE, "--profile", "dbeaver"]);
    ok(&out);
    assert_eq!(stderr_str(&out), "");
    let said = stdout_str(&out);
    assert!(
        said.contains("updated [dbeaver]") && said.contains("AWS_PROFILE=dbeaver"),
        "{said}"
    );
    let role1 = &cached(&home)[ROLE1_PROFILE];
    let text = read(&home.credentials_path());
    let s = section(&text, "dbeaver");
    assert_eq!(
        s["aws_access_key_id"],
        role1["access_key_id"].as_str().unwrap()
    );
    assert_eq!(
        s["aws_session_token"],
        role1["session_token"].as_str().unwrap()
    );
    assert_eq!(s["aws_as_identity"], ROLE1_PROFILE);
    assert_eq!(s["region"], "eu-west-1", "the section's other keys stay");
    assert!(
        !s.contains_key("aws_security_token"),
        "the stale token is gone"
    );
    // The expiry, as starship reads it: RFC 3339 in `expiration`.
    let expiration = chrono::DateTime::parse_from_rfc3339(&s["expiration"]).unwrap();
    assert_eq!(
        expiration.timestamp(),
        chrono::DateTime::parse_from_rfc3339(role1["expiration"].as_str().unwrap())
            .unwrap()
            .timestamp()
    );
    assert_eq!(mode(&home.credentials_path()), 0o600);

    // Each client, with AWS_PROFILE=dbeaver and nothing else about credentials.
    let endpoint = sts.endpoint();
    let clients = caller_arn_clients(|p| home.command(p), Some(&endpoint));
    for (client, mut cmd) in clients {
        sts.reset();
        cmd.env("AWS_PROFILE", "dbeaver")
            .env("AWS_REGION", "eu-west-1");
        let out = run(&mut cmd);
        assert!(
            out.status.success(),
            "{client}: {}",
            redact(&stderr_str(&out))
        );
        assert_eq!(stdout_str(&out).trim(), ROLE1_ARN_SESSION, "{client}");
        let calls = sts.calls_of("GetCallerIdentity");
        assert_eq!(calls.len(), 1, "{client}");
        assert_eq!(
            calls[0].security_token.as_deref(),
            role1["session_token"].as_str(),
            "{client} signed with the written session token"
        );
    }
}

/// The clients that refuse to call AWS without a region, each printing the caller's ARN with
/// `AWS_PROFILE=section` and no region in its environment: the AWS CLI v2 (given the endpoint:
/// 2.9 predates AWS_ENDPOINT_URL_STS), boto3 (also printing the region it found) and the Go SDK
/// leaving the region to itself (with AWS_SDK_LOAD_CONFIG=1, without which aws-sdk-go v1 reads
/// no region from any file).
fn region_needing_clients(home: &Home, sts: &Sts, section: &str) -> Vec<(&'static str, Command)> {
    let mut v2 = home.command(aws_cli_v2());
    v2.args(CLI_CALLER_ARN)
        .args(["--endpoint-url", &sts.endpoint()]);
    let mut boto = home.command(python());
    boto.args([
        "-c",
        "import boto3; c = boto3.client('sts'); print(c.meta.region_name, c.get_caller_identity()['Arn'])",
    ]);
    let mut go = home.command(go_client());
    go.arg("sdk-region").env("AWS_SDK_LOAD_CONFIG", "1");
    let mut clients = vec![("aws-cli-v2", v2), ("boto3", boto), ("go", go)];
    for (_, cmd) in &mut clients {
        cmd.env("AWS_PROFILE", section)
            .env_remove("AWS_REGION")
            .env_remove("AWS_DEFAULT_REGION");
    }
    clients
}

/// Each region-needing client reaches STS as `arn` through `section`; boto3 finds `region`.
fn clients_succeed(home: &Home, sts: &Sts, section: &str, region: &str, arn: &str) {
    for (client, mut cmd) in region_needing_clients(home, sts, section) {
        let out = run(&mut cmd);
        assert!(
            out.status.success(),
            "{client}: {}",
            redact(&stderr_str(&out))
        );
        let said = stdout_str(&out);
        let want = match client {
            "boto3" => format!("{region} {arn}"),
            _ => arn.to_string(),
        };
        assert_eq!(said.trim(), want, "{client}");
    }
}

#[test]
fn write_puts_the_region_in_the_section_and_clients_need_no_other() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    cache_all(&home);
    // Nothing in the config file names [dbeaver]: the region must come from the section.
    let out = aws_as(&home, &["write", ROLE1_PROFILE, "--profile", "dbeaver"]);
    ok(&out);
    clients_succeed(&home, &sts, "dbeaver", "eu-west-1", ROLE1_ARN_SESSION);
    let said = stdout_str(&out);
    assert!(said.contains("and region eu-west-1"), "{said}");
    let text = read(&home.credentials_path());
    // The region of role1's source chain (my-user1-dev's), as a switch would export it.
    assert_eq!(section(&text, "dbeaver")["region"], "eu-west-1");
    assert_eq!(
        botocore(&home.credentials_path())["dbeaver"]["region"],
        "eu-west-1"
    );

    // A role with a region of its own writes that one.
    ok(&aws_as(
        &home,
        &["write", ROLE2_PROFILE, "--profile", "dbeaver"],
    ));
    assert_eq!(region_of(&home, "dbeaver"), "us-west-2");

    // --region overrides it; a hand edit of the region is replaced by the next write (write
    // says which region it wants; `refresh` keeps a hand edit, see tests/refresh.rs).
    let out = aws_as(
        &home,
        &[
            "write",
            ROLE1_PROFILE,
            "--profile",
            "dbeaver",
            "--region",
            "ap-south-1",
        ],
    );
    ok(&out);
    assert!(
        stdout_str(&out).contains("and region ap-south-1"),
        "{}",
        stdout_str(&out)
    );
    assert_eq!(region_of(&home, "dbeaver"), "ap-south-1");
    clients_succeed(&home, &sts, "dbeaver", "ap-south-1", ROLE1_ARN_SESSION);
    let edited =
        read(&home.credentials_path()).replace("region = ap-south-1", "region = sa-east-1");
    home.credentials(&edited);
    ok(&aws_as(
        &home,
        &["write", ROLE1_PROFILE, "--profile", "dbeaver"],
    ));
    assert_eq!(region_of(&home, "dbeaver"), "eu-west-1");

    // --remove takes the region out with the rest: the file is the user's again, byte for byte.
    ok(&aws_as(&home, &["write", "--remove", "dbeaver"]));
    assert_eq!(read(&home.credentials_path()), STANDARD_CREDENTIALS);
}

#[test]
fn write_region_with_no_region_anywhere_and_an_identity_without_one() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    // No region in any profile.
    let config: String = STANDARD_CONFIG
        .lines()
        .filter(|l| !l.starts_with("region"))
        .map(|l| format!("{l}\n"))
        .collect();
    home.config(&config);
    cache_all(&home);
    let out = aws_as(&home, &["write", ROLE1_PROFILE, "--profile", "dbeaver"]);
    ok(&out);
    let said = stdout_str(&out);
    assert!(
        said.contains("no region") && said.contains("--region"),
        "{said}"
    );
    assert!(!section(&read(&home.credentials_path()), "dbeaver").contains_key("region"));
    for (client, mut cmd) in region_needing_clients(&home, &sts, "dbeaver") {
        let out = run(&mut cmd);
        assert!(!out.status.success(), "{client} found a region somewhere");
        let err = stderr_str(&out);
        assert!(
            err.contains("must specify a region")
                || err.contains("NoRegionError")
                || err.contains("MissingRegion"),
            "{client}: {}",
            redact(&err)
        );
    }
    ok(&aws_as(
        &home,
        &[
            "write",
            ROLE1_PROFILE,
            "--profile",
            "dbeaver",
            "--region",
            "ca-central-1",
        ],
    ));
    clients_succeed(&home, &sts, "dbeaver", "ca-central-1", ROLE1_ARN_SESSION);
    // A region the user put in the section by hand stays when the identity has none to write.
    let edited =
        read(&home.credentials_path()).replace("region = ca-central-1", "region = eu-north-1");
    home.credentials(&edited);
    let out = aws_as(&home, &["write", ROLE1_PROFILE, "--profile", "dbeaver"]);
    ok(&out);
    assert!(
        stdout_str(&out).contains("and region eu-north-1"),
        "{}",
        stdout_str(&out)
    );
    assert_eq!(region_of(&home, "dbeaver"), "eu-north-1");
}

#[test]
fn nothing_but_the_sections_credentials_changes() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    cache_all(&home);
    home.credentials(HANDWRITTEN);
    std::fs::set_permissions(
        home.credentials_path(),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let path = home.credentials_path();
    let boto_before = botocore(&path);

    ok(&aws_as(
        &home,
        &["write", ROLE1_PROFILE, "--profile", "dbeaver"],
    ));
    let after = read(&path);
    // Appended: the old text is untouched up to its last byte, the new section follows.
    assert!(after.starts_with(HANDWRITTEN), "{after:?}");
    let added = &after[HANDWRITTEN.len()..];
    assert!(
        added.starts_with("\r\n\r\n[dbeaver]\r\naws_access_key_id = "),
        "the file's first line ending is used: {added:?}"
    );
    assert!(
        !added.ends_with('\n'),
        "no final newline, as before: {added:?}"
    );
    assert_eq!(mode(&path), 0o600, "the file holds session tokens now");
    let boto_after = botocore(&path);
    for (name, values) in boto_before.as_object().unwrap() {
        assert_eq!(
            &boto_after[name], values,
            "botocore reads [{name}] as before"
        );
    }
    assert_eq!(
        boto_after["dbeaver"]["aws_as_identity"],
        Value::String(ROLE1_PROFILE.into())
    );

    // A second write with the same session changes nothing at all; another identity changes
    // only the section.
    let listing_before = listing(&home.path().join(".aws"));
    ok(&aws_as(
        &home,
        &["write", ROLE1_PROFILE, "--profile", "dbeaver"],
    ));
    assert_eq!(listing(&home.path().join(".aws")), listing_before);
    ok(&aws_as(
        &home,
        &["write", ROLE2_PROFILE, "--profile", "dbeaver"],
    ));
    let again = read(&path);
    assert!(again.starts_with(HANDWRITTEN));
    assert_eq!(section(&again, "dbeaver")["aws_as_identity"], ROLE2_PROFILE);

    // Removed: the user's file is back byte for byte, without the blank line and the line
    // ending the write added before the section (no stray blank line, still no final newline).
    let out = aws_as(&home, &["write", "--remove", "dbeaver"]);
    ok(&out);
    assert!(stdout_str(&out).contains("removed"), "{}", stdout_str(&out));
    assert_eq!(read(&path), HANDWRITTEN);
    let boto_removed = botocore(&path);
    assert_eq!(boto_removed, boto_before);
}

#[test]
fn sections_that_are_not_aws_ass_are_refused_unless_forced() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    cache_all(&home);
    let text = format!(
        "{STANDARD_CREDENTIALS}\n[legacy]\naws_access_key_id = AKIALEGACYEXAMPLE001\naws_secret_access_key = legacy/secret\n\n[other-tool]\naws_access_key_id = ASIAOTHER\naws_secret_access_key = other/secret\naws_session_token = OTHERTOKEN\n\n[placeholder]\n# filled in by hand\n\n[ spaced ]\nregion = x\n"
    );
    home.credentials(&text);
    let path = home.credentials_path();
    let secrets: Vec<String> = cached(&home)
        .values()
        .flat_map(|v| {
            [
                v["secret_access_key"].as_str().unwrap().to_string(),
                v["session_token"].as_str().unwrap().to_string(),
            ]
        })
        .collect();
    let before = listing(&home.path().join(".aws"));
    let cases: [(&str, &[&str]); 5] = [
        ("legacy", &["[legacy]", "long-term keys", "--force"]),
        ("other-tool", &["[other-tool]", "another tool", "--force"]),
        (
            "placeholder",
            &["[placeholder]", "not written by aws-as", "--force"],
        ),
        (ROLE2_PROFILE, &["role_arn", "shadow", "--force"]),
        ("spaced", &["botocore reads another section name"]),
    ];
    for (target, expect) in cases {
        let out = aws_as(&home, &["write", ROLE1_PROFILE, "--profile", target]);
        let err = fails(&out, expect);
        for s in &secrets {
            assert!(!err.contains(s.as_str()), "a secret in: {err}");
        }
        assert_eq!(
            listing(&home.path().join(".aws")),
            before,
            "{target}: nothing written"
        );
    }
    // The profiles the identity is made from: never, not even forced.
    for target in [USER_PROFILE, ROLE1_PROFILE] {
        let out = aws_as(
            &home,
            &["write", ROLE2_PROFILE, "--profile", target, "--force"],
        );
        fails(&out, &["made from"]);
        assert_eq!(listing(&home.path().join(".aws")), before);
    }

    // Forced: the section becomes aws-as's; the old file is the newest backup, 0600.
    for target in ["legacy", "other-tool", "placeholder", ROLE2_PROFILE] {
        let out = aws_as(
            &home,
            &["write", ROLE1_PROFILE, "--profile", target, "--force"],
        );
        ok(&out);
        assert_eq!(
            section(&read(&path), target)["aws_as_identity"],
            ROLE1_PROFILE
        );
    }
    let backups: Vec<PathBuf> = (1..=5)
        .map(|n| home.path().join(format!(".aws/credentials.aws-as.{n}")))
        .filter(|p| p.exists())
        .collect();
    // One per write that changed what is the user's: the last forced write only appended a
    // section, and what the backups keep (everything but aws-as's sections) stayed the same.
    assert_eq!(backups.len(), 3);
    for b in &backups {
        assert_eq!(mode(b), 0o600, "{}", b.display());
    }
    let oldest = read(backups.last().unwrap());
    assert_eq!(
        oldest, text,
        "the first forced write kept the file as it was"
    );
    assert!(
        oldest.contains("AKIALEGACYEXAMPLE001"),
        "the replaced keys can be restored"
    );
    // The comment stays in [placeholder], which is aws-as's now.
    assert!(read(&path).contains("# filled in by hand\n"));

    // --remove takes only aws-as's sections: a forced one now is.
    fails(
        &aws_as(&home, &["write", "--remove", "my-user1-dev"]),
        &["not written by aws-as"],
    );
    fails(
        &aws_as(&home, &["write", "--remove", "nowhere"]),
        &["no section [nowhere]"],
    );
    ok(&aws_as(&home, &["write", "--remove", "legacy"]));
    assert!(!read(&path).contains("[legacy]"));
    // A section that holds something of the user's keeps it: only aws-as's keys go.
    ok(&aws_as(&home, &["write", "--remove", "placeholder"]));
    assert!(read(&path).contains("[placeholder]\n# filled in by hand\n"));
}

#[test]
fn a_symlinked_file_keeps_its_link_and_the_variable_is_honoured() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    cache_all(&home);
    let dotfiles = home.path().join("dotfiles/aws");
    std::fs::create_dir_all(&dotfiles).unwrap();
    let real = dotfiles.join("credentials");
    std::fs::write(&real, STANDARD_CREDENTIALS).unwrap();
    std::fs::remove_file(home.credentials_path()).unwrap();
    std::os::unix::fs::symlink("../dotfiles/aws/credentials", home.credentials_path()).unwrap();

    ok(&aws_as(
        &home,
        &["write", ROLE1_PROFILE, "--profile", "dbeaver"],
    ));
    let link = std::fs::symlink_metadata(home.credentials_path()).unwrap();
    assert!(link.file_type().is_symlink(), "still a link");
    assert_eq!(
        std::fs::read_link(home.credentials_path()).unwrap(),
        Path::new("../dotfiles/aws/credentials")
    );
    assert!(read(&real).contains("[dbeaver]"));
    assert_eq!(mode(&real), 0o600);
    assert!(
        dotfiles.join("credentials.aws-as.1").exists(),
        "backups beside the real file"
    );
    let aws_dir: Vec<String> = listing(&home.path().join(".aws")).into_keys().collect();
    assert_eq!(aws_dir, ["config"], "nothing beside the link");

    // AWS_SHARED_CREDENTIALS_FILE, with a ~ as the SDKs expand it: the file there is written,
    // and ~/.aws/credentials (the link) is not touched.
    let elsewhere = home.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("creds"), STANDARD_CREDENTIALS).unwrap();
    let real_before = read(&real);
    let mut cmd = home.command(aws_as_bin());
    cmd.env("AWS_SHARED_CREDENTIALS_FILE", "~/elsewhere/creds")
        .args(["write", ROLE1_PROFILE, "--profile", "other"]);
    ok(&run(&mut cmd));
    assert!(read(&elsewhere.join("creds")).contains("[other]"));
    assert_eq!(read(&real), real_before);
}

#[test]
fn a_file_that_cannot_be_edited_without_loss_is_refused_and_untouched() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    cache_all(&home);
    // After the user's keys (lines 1-3).
    let cases: [(&[u8], &str); 5] = [
        (
            b"[a]\nk = 1\n[b]\n[a]\n",
            "[a] is on line 4 and again on line 7",
        ),
        (b"[a]\nk = 1\nK = 2\n", "line 6: k is set twice"),
        (b"[a]\nthis is not a key\n", "line 5"),
        (b"[a]\nk = \xff\xfe\n", "line 5 is not UTF-8"),
        (b"[dbeaver]\n  indented = 1\n", "line 5"),
    ];
    for (text, expect) in cases {
        let mut bytes = STANDARD_CREDENTIALS.as_bytes().to_vec();
        bytes.extend_from_slice(text);
        std::fs::write(home.credentials_path(), bytes).unwrap();
        let before = listing(&home.path().join(".aws"));
        let out = aws_as(&home, &["write", ROLE1_PROFILE, "--profile", "dbeaver"]);
        fails(&out, &[expect]);
        assert_eq!(listing(&home.path().join(".aws")), before, "{expect}");
    }
    // Not a file at all.
    std::fs::remove_file(home.credentials_path()).unwrap();
    std::fs::create_dir(home.credentials_path()).unwrap();
    fails(
        &aws_as(&home, &["write", ROLE1_PROFILE, "--profile", "dbeaver"]),
        &["is a directory"],
    );
}

#[test]
fn bad_input_changes_nothing() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    cache_all(&home);
    let before = listing(&home.path().join(".aws"));
    let cache_before = listing(&home.cache_dir());
    sts.reset();
    let cases: [(&[&str], &str); 7] = [
        (&["write", "nobody", "--profile", "x"], "unknown identity"),
        (
            &["write", ROLE1_PROFILE, "--profile", "a b"],
            "letters, digits",
        ),
        (
            &["write", ROLE1_PROFILE, "--profile", "DEFAULT"],
            "[DEFAULT]",
        ),
        (
            &["write", ROLE1_PROFILE, "--profile", ""],
            "letters, digits",
        ),
        (&["write", ROLE1_PROFILE], "--profile"),
        (
            &["write", "--remove", "x", ROLE1_PROFILE],
            "cannot be used with",
        ),
        (&["write", "--remove", "nowhere"], "nothing to remove"),
    ];
    for (args, expect) in cases {
        fails(&aws_as(&home, args), &[expect]);
        assert_eq!(listing(&home.path().join(".aws")), before, "{args:?}");
    }
    assert_eq!(listing(&home.cache_dir()), cache_before);
    assert_eq!(
        sts.calls().len(),
        0,
        "no STS call for a write that cannot happen"
    );

    // A write that would be refused asks for no MFA code: with an empty cache it fails on the
    // section, not on the missing code.
    let out = {
        let mut cmd = home.command("setsid");
        cmd.env("AWS_AS_CACHE_DIR", home.path().join("empty-cache"))
            .arg("-w")
            .arg(aws_as_bin())
            .args(["write", ROLE1_PROFILE, "--profile", USER_PROFILE]);
        run(&mut cmd)
    };
    fails(&out, &["made from"]);
    assert_eq!(sts.calls().len(), 0);
}

#[test]
fn backups_keep_five_versions_without_the_secrets_aws_as_wrote() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    cache_all(&home);
    let path = home.credentials_path();
    let backup = |n: usize| home.path().join(format!(".aws/credentials.aws-as.{n}"));
    // Seven versions of the user's file, each written into by aws-as.
    for round in 0..7 {
        let text = format!("# edit {round}\n{}", read(&path));
        std::fs::write(&path, &text).unwrap();
        let identity = [ROLE1_PROFILE, ROLE2_PROFILE][round % 2];
        ok(&aws_as(&home, &["write", identity, "--profile", "dbeaver"]));
    }
    assert!(!backup(6).exists());
    let secrets: Vec<String> = cached(&home)
        .values()
        .flat_map(|v| {
            [
                v["secret_access_key"].as_str().unwrap().to_string(),
                v["session_token"].as_str().unwrap().to_string(),
            ]
        })
        .collect();
    for n in 1..=5 {
        let text = read(&backup(n));
        assert_eq!(mode(&backup(n)), 0o600);
        // Write r kept the file as it was with edits 0..=r: backup 1 is write 6's, backup n
        // write (7 - n)'s.
        assert!(
            text.starts_with(&format!("# edit {}\n", 7 - n)),
            "{n}: {text}"
        );
        assert!(
            text.contains(USER_SECRET_ACCESS_KEY),
            "the user's own keys are kept"
        );
        for s in &secrets {
            assert!(
                !text.contains(s.as_str()),
                "backup {n} holds a session aws-as wrote"
            );
        }
        assert!(!text.contains("aws_as_identity"), "{n}");
    }
    // Writes that change only aws-as's section leave the backups as they are.
    let before: Vec<Vec<u8>> = (1..=5).map(|n| std::fs::read(backup(n)).unwrap()).collect();
    for identity in [ROLE1_PROFILE, ROLE2_PROFILE, ROLE1_PROFILE] {
        ok(&aws_as(&home, &["write", identity, "--profile", "dbeaver"]));
    }
    let after: Vec<Vec<u8>> = (1..=5).map(|n| std::fs::read(backup(n)).unwrap()).collect();
    assert_eq!(before, after);
}

#[test]
fn twenty_writers_at_once_lose_nothing() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    cache_all(&home);
    home.credentials(HANDWRITTEN);
    let identities = [USER_PROFILE, ROLE1_PROFILE, ROLE2_PROFILE];
    // Writers of a section all write the same identity: the last of them wins either way.
    let wanted = |s: usize| identities[s % 3];
    let children: Vec<_> = (0..20)
        .map(|i| {
            let s = i % 5;
            let mut cmd = home.command(aws_as_bin());
            cmd.args(["write", wanted(s), "--profile", &format!("app{s}")])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped());
            cmd.spawn().unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", redact(&stderr_str(&out)));
    }
    let text = read(&home.credentials_path());
    assert!(text.starts_with(HANDWRITTEN), "the user's part is intact");
    let sessions = cached(&home);
    let boto = botocore(&home.credentials_path());
    for s in 0..5 {
        let name = format!("app{s}");
        let values = section(&text, &name);
        let session = &sessions[wanted(s)];
        assert_eq!(values["aws_as_identity"], wanted(s));
        assert_eq!(
            values["aws_access_key_id"],
            session["access_key_id"].as_str().unwrap()
        );
        assert_eq!(
            values["aws_session_token"],
            session["session_token"].as_str().unwrap()
        );
        assert_eq!(
            boto[&name]["aws_secret_access_key"],
            session["secret_access_key"]
        );
    }
    assert_eq!(text.matches("[app").count(), 5, "each section once");
}

#[test]
fn a_writer_killed_at_any_moment_leaves_the_old_file_or_the_new() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    cache_all(&home);
    home.credentials(HANDWRITTEN);
    let path = home.credentials_path();
    // The two versions there can be: role1's section, or role2's.
    let mut version = BTreeMap::new();
    let mut took = Duration::ZERO;
    for identity in [ROLE1_PROFILE, ROLE2_PROFILE] {
        let started = Instant::now();
        ok(&aws_as(&home, &["write", identity, "--profile", "dbeaver"]));
        took = took.max(started.elapsed());
        version.insert(identity, read(&path));
    }
    let (mut killed, mut finished) = (0, 0);
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for round in 0..80 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let identity = [ROLE1_PROFILE, ROLE2_PROFILE][round % 2];
        let mut child = home
            .command(aws_as_bin())
            .args(["write", identity, "--profile", "dbeaver"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let delay = took.mul_f64((seed % 1000) as f64 / 1000.0 * 1.3);
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        if status.success() {
            finished += 1;
        } else {
            killed += 1;
        }
        let now = read(&path);
        assert!(
            now == version[ROLE1_PROFILE] || now == version[ROLE2_PROFILE],
            "round {round}: the file is neither version:\n{}",
            redact(&now)
        );
        assert_eq!(mode(&path), 0o600);
    }
    assert!(
        killed > 10 && finished > 0,
        "killed {killed}, finished {finished}"
    );
    // The next writer is not held up by a dead one's lock, and clears what dead ones left.
    ok(&aws_as(
        &home,
        &["write", ROLE1_PROFILE, "--profile", "dbeaver"],
    ));
    let left: Vec<String> = listing(&home.path().join(".aws"))
        .into_keys()
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    for n in 1..=5 {
        let b = home.path().join(format!(".aws/credentials.aws-as.{n}"));
        if b.exists() {
            assert!(read(&b).starts_with("# my AWS keys"), "backup {n} is whole");
        }
    }
}

/// `script` run by sh in a mount namespace of its own (root only: CI runs as root), with the
/// test's environment; `args` are its $1, $2…
fn in_mount_namespace(home: &Home, script: &str, args: &[&std::ffi::OsStr]) -> Output {
    // SAFETY: geteuid cannot fail.
    assert_eq!(
        unsafe { libc::geteuid() },
        0,
        "this test makes a mount namespace: run it as root (CI does)"
    );
    let mut cmd = home.command("unshare");
    cmd.args([
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-euc",
        script,
        "sh",
    ]);
    for a in args {
        cmd.arg(a);
    }
    run(&mut cmd)
}

#[test]
fn a_full_disk_gives_one_line_and_leaves_the_file() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    cache_all(&home);
    let dir = home.path().join("small");
    let out_dir = home.path().join("out");
    std::fs::create_dir(&dir).unwrap();
    std::fs::create_dir(&out_dir).unwrap();
    // A 64 KiB tmpfs holding the credentials file, filled up; aws-as writes into it. What it
    // said and what is left are copied out before the namespace (and the tmpfs) goes.
    let script = r#"
mount -t tmpfs -o size=64k,mode=0700 tmpfs "$1"
printf '%s' "$2" > "$1/credentials"
chmod 600 "$1/credentials"
dd if=/dev/zero of="$1/filler" bs=1k 2>/dev/null || true
rc=0
AWS_SHARED_CREDENTIALS_FILE="$1/credentials" "$3" write my-role1-dev --profile dbeaver 2>"$4/stderr" >"$4/stdout" || rc=$?
echo "$rc" > "$4/rc"
cat "$1/credentials" > "$4/after"
ls -A "$1" > "$4/listing"
"#;
    let out = in_mount_namespace(
        &home,
        script,
        &[
            dir.as_os_str(),
            HANDWRITTEN.as_ref(),
            aws_as_bin().as_os_str(),
            out_dir.as_os_str(),
        ],
    );
    assert!(out.status.success(), "{}", stderr_str(&out));
    let err = read(&out_dir.join("stderr"));
    assert_eq!(read(&out_dir.join("rc")).trim(), "1", "{err}");
    assert_eq!(read(&out_dir.join("stdout")), "");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("No space left on device") && err.contains("unchanged"),
        "{err}"
    );
    assert_eq!(
        read(&out_dir.join("after")),
        HANDWRITTEN,
        "the original is untouched"
    );
    let listed: Vec<String> = read(&out_dir.join("listing"))
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(
        listed,
        [".credentials.aws-as.lock", "credentials", "filler"],
        "nothing half-written is left"
    );
}

#[test]
fn a_read_only_directory_gives_one_line_and_leaves_the_file() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    cache_all(&home);
    let dir = home.path().join("ro");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("credentials"), HANDWRITTEN).unwrap();
    let script = r#"
mount --bind "$1" "$1"
mount -o remount,bind,ro "$1"
AWS_SHARED_CREDENTIALS_FILE="$1/credentials" "$2" write my-role1-dev --profile dbeaver 2>"$3/stderr" && echo "exit 0" || echo "exit $?"
"#;
    let out = in_mount_namespace(
        &home,
        script,
        &[
            dir.as_os_str(),
            aws_as_bin().as_os_str(),
            home.path().as_os_str(),
        ],
    );
    assert!(out.status.success(), "{}", stderr_str(&out));
    assert_eq!(stdout_str(&out).trim(), "exit 1");
    let err = read(&home.path().join("stderr"));
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("Read-only file system") && err.contains("unchanged"),
        "{err}"
    );
    assert_eq!(read(&dir.join("credentials")), HANDWRITTEN);
    let names: Vec<String> = listing(&dir).into_keys().collect();
    assert_eq!(names, ["credentials"]);
}

#[test]
fn the_lean_binary_writes_from_the_cache_and_hands_a_miss_on() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    ok(&aws_as(&home, &["--mfa-code", "123456", ROLE1_PROFILE]));
    // aws-as alone, without the aws-as-sts that makes sessions.
    let lean = home.path().join("lean");
    std::fs::create_dir(&lean).unwrap();
    std::fs::copy(aws_as_bin(), lean.join("aws-as")).unwrap();
    sts.reset();
    let mut cmd = home.command(lean.join("aws-as"));
    cmd.args(["write", ROLE1_PROFILE, "--profile", "dbeaver"]);
    ok(&run(&mut cmd));
    assert!(read(&home.credentials_path()).contains("[dbeaver]"));
    assert_eq!(sts.calls().len(), 0);
    // role2 is not cached: the lean binary hands the write to aws-as-sts, which is not there.
    let mut cmd = home.command(lean.join("aws-as"));
    cmd.args(["write", ROLE2_PROFILE, "--profile", "other"]);
    fails(&run(&mut cmd), &["aws-as-sts"]);
    // With it there, the same write makes the session.
    ok(&aws_as(
        &home,
        &["write", ROLE2_PROFILE, "--profile", "other"],
    ));
    assert_eq!(sts.count("AssumeRole"), 1);
}

#[test]
fn a_missing_file_and_directory_are_made_private() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    cache_all(&home);
    // The keys move to the config file; the credentials file and its directory do not exist.
    let config = STANDARD_CONFIG.replace(
        "[profile my-user1-dev]\n",
        &format!(
            "[profile my-user1-dev]\naws_access_key_id = {USER_ACCESS_KEY_ID}\naws_secret_access_key = {USER_SECRET_ACCESS_KEY}\n"
        ),
    );
    home.config(&config);
    let new_dir = home.path().join("new-dir");
    let mut cmd = home.command(aws_as_bin());
    cmd.env("AWS_SHARED_CREDENTIALS_FILE", new_dir.join("credentials"))
        .args(["write", ROLE1_PROFILE, "--profile", "dbeaver"]);
    ok(&run(&mut cmd));
    assert_eq!(mode(&new_dir), 0o700);
    assert_eq!(mode(&new_dir.join("credentials")), 0o600);
    let text = read(&new_dir.join("credentials"));
    assert!(
        text.starts_with("[dbeaver]\naws_access_key_id = "),
        "{text}"
    );
    assert!(
        !new_dir.join("credentials.aws-as.1").exists(),
        "nothing to back up"
    );
}

/// Issue 18, case 4: a section aws-as wrote, into which the user put an IAM user's long-term
/// keys since with the real `aws configure set` (one key at a time: aws-as's marker and its old
/// session token stay). The keys are the user's: `write`, `write --remove` refuse the section and
/// leave the file byte for byte; a write elsewhere backs the keys up; a forced write replaces
/// them and its backup holds them.
#[test]
fn long_term_keys_put_in_a_section_aws_as_wrote_are_never_dropped() {
    const KEY_ID: &str = LONG_TERM_KEY_ID;
    const SECRET: &str = LONG_TERM_SECRET;
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    cache_all(&home);
    let path = home.credentials_path();
    let backup = |n: usize| home.path().join(format!(".aws/credentials.aws-as.{n}"));
    ok(&aws_as(
        &home,
        &["write", ROLE1_PROFILE, "--profile", "dbeaver"],
    ));
    configure_set_long_term_keys(&home, "dbeaver");
    let text = read(&path);
    let dbeaver = section(&text, "dbeaver");
    assert_eq!(dbeaver["aws_access_key_id"], KEY_ID, "{}", redact(&text));
    assert_eq!(
        dbeaver["aws_as_identity"], ROLE1_PROFILE,
        "the marker stayed"
    );
    let before = listing(&home.path().join(".aws"));
    let no_secret = |err: &str| assert!(!err.contains(SECRET), "the secret in: {err}");

    let cases: [(&[&str], &[&str]); 3] = [
        (
            &["write", ROLE1_PROFILE, "--profile", "dbeaver"],
            &[
                "[dbeaver]",
                "long-term keys",
                "AKIA",
                "aws_as_identity",
                "--force",
            ],
        ),
        (
            &["write", ROLE2_PROFILE, "--profile", "dbeaver"],
            &["[dbeaver]", "long-term keys", "--force"],
        ),
        (
            &["write", "--remove", "dbeaver"],
            &["[dbeaver]", "long-term keys", "aws_as_identity", "by hand"],
        ),
    ];
    for (args, expect) in cases {
        no_secret(&fails(&aws_as(&home, args), expect));
        assert_eq!(
            listing(&home.path().join(".aws")),
            before,
            "{args:?}: nothing written"
        );
    }

    // With the session token taken out too, the keys are just as much the user's.
    let no_token: String = text
        .lines()
        .filter(|l| !l.starts_with("aws_session_token"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&path, &no_token).unwrap();
    let before = listing(&home.path().join(".aws"));
    no_secret(&fails(
        &aws_as(&home, &["write", "--remove", "dbeaver"]),
        &["[dbeaver]", "long-term keys"],
    ));
    assert_eq!(listing(&home.path().join(".aws")), before);

    // A write into another section backs the file up: with the keys.
    ok(&aws_as(
        &home,
        &["write", ROLE2_PROFILE, "--profile", "other"],
    ));
    assert_eq!(
        read(&backup(1)),
        no_token,
        "the backup holds [dbeaver] whole"
    );
    assert_eq!(
        section(&read(&path), "dbeaver")["aws_access_key_id"],
        KEY_ID
    );

    // Forced, the write replaces them; the newest backup is the only copy left, and holds them.
    ok(&aws_as(
        &home,
        &["write", ROLE1_PROFILE, "--profile", "dbeaver", "--force"],
    ));
    assert!(!read(&path).contains(SECRET));
    let kept = read(&backup(1));
    assert_eq!(section(&kept, "dbeaver")["aws_access_key_id"], KEY_ID);
    assert_eq!(section(&kept, "dbeaver")["aws_secret_access_key"], SECRET);
}
