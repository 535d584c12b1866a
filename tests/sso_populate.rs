//! `aws-as sso populate` against the IAM Identity Center stand-in (tests/support/sso.py, role
//! credentials from moto): a profile for every account and role of the portal in the config
//! file, and nothing else of the file changed.
//!
//! - 300 accounts with three roles each: every profile written, listed by `aws-as list`, a switch
//!   to one reaching moto as that account's role, boto3's own SSO provider reading one; a second
//!   run with nothing new changes nothing (no write, no backup).
//! - A second run after the portal lost 3 accounts and gained 2 changes exactly those; a
//!   hand-written profile with a name a populated one would take, comments, CRLF, a `[default]`
//!   and an edit inside a populated profile all survive byte for byte.
//! - Hostile account and role names from the portal (shell metacharacters, quotes, line breaks,
//!   `]`, `=`, unicode): every name one word of `[a-z0-9._-]`, nothing injected, nothing run.
//! - `--dry-run` writes nothing (no lock, no backup); the portal down or slow: one line, the file
//!   untouched; a config file others can write, a legacy sign-in: refused in one line.
//!
//! The token is put in ~/.aws/sso/cache as botocore writes it, after the stand-in's device flow
//! driven by boto3 (aws-as's own sign-in is another part of issue 20).

use std::path::PathBuf;
use std::process::Output;

use crate::common::*;

const SESSION: &str = "corp";

/// The device flow with boto3's sso-oidc client, the test approving the code as the person
/// would, then the token written to ~/.aws/sso/cache/<sha1 of the session>.json in botocore's
/// format (startUrl, region, accessToken, expiresAt, clientId, clientSecret,
/// registrationExpiresAt, refreshToken). The token is never in an argument or on stdout.
const SIGN_IN: &str = r#"
import datetime, hashlib, json, os, time, urllib.request
import boto3
from botocore import UNSIGNED
from botocore.config import Config
S, START = os.environ["SESSION"], os.environ["START_URL"]
cfg = Config(signature_version=UNSIGNED, retries={"max_attempts": 1, "mode": "standard"})
oidc = boto3.Session(region_name="eu-west-1").client("sso-oidc", config=cfg)
reg = oidc.register_client(clientName="botocore-client-" + S, clientType="public",
                           scopes=["sso:account:access"])
auth = oidc.start_device_authorization(clientId=reg["clientId"],
                                       clientSecret=reg["clientSecret"], startUrl=START)
urllib.request.urlopen(auth["verificationUriComplete"]).read()
time.sleep(auth["interval"])
tok = oidc.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                        grantType="urn:ietf:params:oauth:grant-type:device_code",
                        deviceCode=auth["deviceCode"])
utc = datetime.timezone.utc
fmt = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
now = datetime.datetime.now(utc)
data = {"startUrl": START, "region": "eu-west-1", "accessToken": tok["accessToken"],
        "expiresAt": fmt(now + datetime.timedelta(seconds=tok["expiresIn"])),
        "clientId": reg["clientId"], "clientSecret": reg["clientSecret"],
        "registrationExpiresAt": fmt(datetime.datetime.fromtimestamp(reg["clientSecretExpiresAt"], utc)),
        "refreshToken": tok["refreshToken"]}
d = os.path.expanduser("~/.aws/sso/cache")
os.makedirs(d, exist_ok=True)
path = os.path.join(d, hashlib.sha1(S.encode()).hexdigest() + ".json")
with open(path, "w") as f:
    json.dump(data, f)
os.chmod(path, 0o600)
"#;

struct World {
    sts: Sts,
    sso: Sso,
    home: Home,
}

/// moto, the stand-in, a HOME whose config has `[sso-session corp]` after `before` (hand-written
/// text), and a token in the shared cache.
fn world(before: &str) -> World {
    let sts = Sts::moto();
    let sso = Sso::start(&sts);
    let home = Home::new();
    home.with_sts(&sts);
    home.config(&format!("{before}{}", sso_session_config(SESSION, &[])));
    sign_in(&sso, &home);
    World { sts, sso, home }
}

fn sign_in(sso: &Sso, home: &Home) {
    let out = run(sso
        .command(home, python())
        .env("SESSION", SESSION)
        .env("START_URL", SSO_START_URL)
        .args(["-c", SIGN_IN]));
    ok(&out);
    assert!(sso_cache_file(home, SESSION).exists());
}

impl World {
    fn aws_as(&self, args: &[&str]) -> Output {
        run(self.sso.command(&self.home, aws_as_bin()).args(args))
    }

    fn populate(&self, args: &[&str]) -> Output {
        let mut all = vec!["sso", "populate"];
        all.extend_from_slice(args);
        self.aws_as(&all)
    }

    fn config(&self) -> String {
        std::fs::read_to_string(self.home.config_path()).unwrap()
    }

    fn backup(&self, n: usize) -> PathBuf {
        self.home
            .config_path()
            .with_file_name(format!("config.aws-as.{n}"))
    }

    fn names(&self) -> Vec<String> {
        let out = self.aws_as(&["list", "--names"]);
        ok(&out);
        stdout_str(&out).lines().map(str::to_string).collect()
    }

    fn token(&self) -> String {
        let text = std::fs::read_to_string(sso_cache_file(&self.home, SESSION)).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["accessToken"].as_str().unwrap().to_string()
    }
}

/// The profiles of `text` (as the AWS config file) that aws-as populated: name → (account, role).
fn populated(text: &str) -> std::collections::BTreeMap<String, (String, String)> {
    let doc = aws_as::output::ini::model::parse(text);
    doc.sections()
        .into_iter()
        .filter(|(_, s)| doc.value(*s, "aws_as_populated") == Some(SESSION))
        .map(|(h, s)| {
            let name = aws_as::output::ini::model::config_profile(&h)
                .unwrap()
                .to_string();
            let get = |k: &str| doc.value(s, k).unwrap().to_string();
            (name, (get("sso_account_id"), get("sso_role_name")))
        })
        .collect()
}

fn one_line(out: &Output) -> String {
    let err = stderr_str(out);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    err
}

#[test]
fn three_hundred_accounts_every_profile_listed_switched_to_and_read_by_boto3() {
    let w = world("");
    let accounts = w
        .sso
        .generate_accounts(300, &[SSO_ADMIN, SSO_READ_ONLY, "Billing"], false);
    assert_eq!(accounts.len(), 300);
    let out = w.populate(&[]);
    ok(&out);
    assert_eq!(stdout_str(&out), "");
    let err = one_line(&out);
    assert!(
        err.contains("900 added, 0 changed, 0 removed, 0 unchanged"),
        "{err}"
    );
    assert!(!err.contains(&w.token()));
    // One ListAccounts (paginated) and one ListAccountRoles per account, all pages.
    assert_eq!(
        w.sso
            .calls_of("ListAccountRoles")
            .iter()
            .filter(|c| c.next_token.is_none())
            .count(),
        300
    );
    let text = w.config();
    let profiles = populated(&text);
    assert_eq!(profiles.len(), 900);
    assert_eq!(
        profiles["account-007.readonlyaccess"],
        ("100000000007".to_string(), SSO_READ_ONLY.to_string())
    );
    assert!(text.contains(
        "[profile account-299.billing]\nsso_session = corp\nsso_account_id = 100000000299\nsso_role_name = Billing\nregion = eu-west-1\naws_as_populated = corp\n"
    ));
    let names = w.names();
    for name in profiles.keys() {
        assert!(names.contains(name), "{name} not in aws-as list");
    }

    // A switch to one: its credentials from the portal, moto sees the account's role.
    let out = run(w
        .sso
        .command(&w.home, "sh")
        .args([
            "-c",
            r#"out=$(aws-as --shell sh "$1") || exit $?; eval "$out"; exec "$2" -c "$3""#,
            "sh",
            "account-042.administratoraccess",
        ])
        .arg(python())
        .arg(BOTO3_CALLER_ARN));
    ok(&out);
    let arn = stdout_str(&out);
    assert!(
        arn.contains("100000000042") && arn.contains("assumed-role/AdministratorAccess/"),
        "{arn}"
    );
    assert!(w.sts.count("GetCallerIdentity") >= 1);

    // boto3's own SSO provider reads a populated profile.
    let out = run(w.sso.command(&w.home, python()).args([
        "-c",
        "import boto3; print(boto3.Session(profile_name='account-123.billing').client('sts').get_caller_identity()['Arn'])",
    ]));
    ok(&out);
    let arn = stdout_str(&out);
    assert!(
        arn.contains("100000000123") && arn.contains("assumed-role/Billing/"),
        "{arn}"
    );

    // Again with nothing new in the portal: nothing written, no backup.
    let before = w.config();
    let backup = std::fs::read_to_string(w.backup(1)).ok();
    let out = w.populate(&[]);
    ok(&out);
    assert!(
        one_line(&out).contains("0 added, 0 changed, 0 removed, 900 unchanged"),
        "{}",
        stderr_str(&out)
    );
    assert_eq!(w.config(), before);
    assert_eq!(std::fs::read_to_string(w.backup(1)).ok(), backup);
}

const HAND_WRITTEN: &str = "# my profiles, by hand\r\n[default]\r\nregion = us-east-1 ; mine\r\noutput = json\r\n\r\n; the one I use every day\r\n[profile account-001.administratoraccess]\r\nrole_arn = arn:aws:iam::100000000001:role/Mine\r\nsource_profile = default\r\n\r\n";

#[test]
fn a_second_run_changes_exactly_what_the_portal_changed_and_hand_written_bytes_survive() {
    let w = world(HAND_WRITTEN);
    let original = w.config();
    w.sso.generate_accounts(10, &[SSO_ADMIN], false);
    let out = w.populate(&[]);
    ok(&out);
    let first = w.config();
    assert!(first.starts_with(&original), "{first}");
    let profiles = populated(&first);
    assert_eq!(profiles.len(), 10);
    // The hand-written profile keeps its name; the populated one gets the account id.
    assert!(profiles.contains_key("account-001-100000000001.administratoraccess"));
    assert!(!profiles.contains_key("account-001.administratoraccess"));
    // The first write kept the file as it was as the newest backup.
    assert_eq!(std::fs::read_to_string(w.backup(1)).unwrap(), original);

    // A hand edit inside a populated profile: a key aws-as does not own and another region.
    let edited = first
        .replace(
            "[profile account-005.administratoraccess]\r\n",
            "[profile account-005.administratoraccess]\r\n# mine too\r\ncli_pager = less\r\n",
        )
        .replace(
            "sso_account_id = 100000000006\r\nsso_role_name = AdministratorAccess\r\nregion = eu-west-1",
            "sso_account_id = 100000000006\r\nsso_role_name = AdministratorAccess\r\nregion = ap-south-1",
        );
    assert_ne!(edited, first);
    w.home.config(&edited);

    // The portal loses accounts 2, 3 and 4 and gains two.
    let mut accounts = w.sso.directory().accounts;
    accounts.retain(|a| {
        !["100000000002", "100000000003", "100000000004"].contains(&a.account_id.as_str())
    });
    accounts.push(SsoAccount::new("555555555555", "New Team", &[SSO_ADMIN]));
    accounts.push(SsoAccount::new("666666666666", "Data", &[SSO_READ_ONLY]));
    w.sso.set_directory(&accounts);
    let out = w.populate(&[]);
    ok(&out);
    let err = one_line(&out);
    assert!(
        err.contains("2 added, 0 changed, 3 removed, 7 unchanged"),
        "{err}"
    );
    let second = w.config();
    let after = populated(&second);
    let before = populated(&edited);
    let gone: Vec<&String> = before.keys().filter(|k| !after.contains_key(*k)).collect();
    let new: Vec<&String> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    assert_eq!(
        gone,
        [
            "account-002.administratoraccess",
            "account-003.administratoraccess",
            "account-004.administratoraccess"
        ]
    );
    assert_eq!(new, ["data.readonlyaccess", "new-team.administratoraccess"]);
    assert!(second.starts_with(&original));
    assert!(second.contains(
        "[profile account-005.administratoraccess]\r\n# mine too\r\ncli_pager = less\r\nsso_session = corp\r\n"
    ));
    assert!(second.contains("sso_role_name = AdministratorAccess\r\nregion = ap-south-1"));
    // Every section that did not change is the same bytes as before.
    let doc = aws_as::output::ini::model::parse(&edited);
    let new_doc = aws_as::output::ini::model::parse(&second);
    for (name, s) in doc.sections() {
        let gone = gone.iter().any(|g| name == format!("profile {g}"));
        if gone {
            assert!(new_doc.section(&name).is_none());
            continue;
        }
        let old = &edited[aws_as::output::ini::edit::span(&doc, s)];
        let now =
            &second[aws_as::output::ini::edit::span(&new_doc, new_doc.section(&name).unwrap())];
        assert_eq!(old.trim_end(), now.trim_end(), "[{name}]");
    }
    // --region: the region is aws-as's to set, in every populated profile.
    let out = w.populate(&["--region", "us-west-2"]);
    ok(&out);
    let err = one_line(&out);
    assert!(
        err.contains("0 added, 9 changed, 0 removed, 0 unchanged"),
        "{err}"
    );
    assert!(!w.config().contains("ap-south-1"));
    assert!(w.config().starts_with(&original));
}

#[test]
fn hostile_names_from_the_portal_are_one_word_and_inject_nothing() {
    let w = world("");
    let mut accounts = w.sso.generate_accounts(45, &[SSO_ADMIN], true);
    accounts.push(SsoAccount::new(
        "777777777777",
        "]\n[profile evil]\nrole_arn = arn:aws:iam::1:role/x\n[x",
        &[
            "Ops=1",
            "bad role]\n[profile evil2]",
            "$(touch /tmp/pwned-by-role)",
            SSO_READ_ONLY,
        ],
    ));
    w.sso.set_directory(&accounts);
    let out = w.populate(&[]);
    ok(&out);
    let err = stderr_str(&out);
    // The two roles no IAM role can be named are skipped, with a warning.
    assert_eq!(err.matches("no IAM role names").count(), 1, "{err}");
    assert!(err.contains("2 role(s) of account 777777777777"), "{err}");
    let text = w.config();
    let doc = aws_as::output::ini::model::parse(&text);
    assert!(doc.check().is_ok());
    let mut headers = 0;
    for (header, _) in doc.sections() {
        if header.starts_with("sso-session") {
            continue;
        }
        headers += 1;
        let name = header.strip_prefix("profile ").unwrap();
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
                && !name.starts_with(['-', '.']),
            "{header:?}"
        );
    }
    assert_eq!(headers, 45 + 2);
    assert!(!text.contains("[profile evil]") && !text.contains("evil2]"));
    assert!(!text.contains("\nrole_arn"));
    assert!(text.contains("sso_role_name = Ops=1\n"));
    assert!(!std::path::Path::new("/tmp/pwned-by-sso").exists());
    assert!(!std::path::Path::new("/tmp/pwned-by-role").exists());
    // Every name aws-as lists is one a shell takes as it is, and each is a populated profile.
    let names = w.names();
    assert_eq!(names.len(), 47, "{names:?}");
    // boto3 reads the profile with `=` in its role name as the portal named it.
    let name = populated(&text)
        .into_iter()
        .find(|(_, (_, r))| r == "Ops=1")
        .unwrap()
        .0;
    let out = run(w.sso.command(&w.home, python()).args([
        "-c",
        &format!("import boto3; print(boto3.Session(profile_name='{name}')._session.get_scoped_config()['sso_role_name'])"),
    ]));
    ok(&out);
    assert_eq!(stdout_str(&out).trim(), "Ops=1");
}

#[test]
fn dry_run_prints_the_plan_and_writes_nothing() {
    let w = world(HAND_WRITTEN);
    w.sso
        .generate_accounts(3, &[SSO_ADMIN, SSO_READ_ONLY], false);
    let before = w.config();
    let out = w.populate(&["--dry-run"]);
    ok(&out);
    let plan = stdout_str(&out);
    assert_eq!(
        plan.lines().filter(|l| l.starts_with("+ ")).count(),
        6,
        "{plan}"
    );
    assert!(plan.contains("+ account-000.readonlyaccess\t100000000000 ReadOnlyAccess\n"));
    assert!(plan.contains("+ account-001-100000000001.administratoraccess\t"));
    let err = one_line(&out);
    assert!(
        err.contains("6 would add") && err.contains("nothing written"),
        "{err}"
    );
    assert_eq!(w.config(), before);
    assert!(!w.backup(1).exists());
    let dir = w.home.config_path().parent().unwrap().to_path_buf();
    let leftovers: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("aws-as"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // After a real run, a dry run shows what a portal change would do.
    ok(&w.populate(&[]));
    let mut accounts = w.sso.directory().accounts;
    accounts.remove(0);
    w.sso.set_directory(&accounts);
    let written = w.config();
    let out = w.populate(&["--dry-run"]);
    ok(&out);
    let plan = stdout_str(&out);
    assert!(
        plan.contains("- account-000.administratoraccess\n"),
        "{plan}"
    );
    assert!(plan.contains("= account-002.readonlyaccess\n"), "{plan}");
    assert_eq!(w.config(), written);
}

#[test]
fn the_portal_down_or_slow_is_one_line_and_the_file_untouched() {
    let w = world(HAND_WRITTEN);
    w.sso.generate_accounts(5, &[SSO_ADMIN], false);
    let before = w.config();
    for (faults, timeout) in [
        (
            SsoFaults {
                down: Some(SsoDown::Unavailable),
                ..Default::default()
            },
            None,
        ),
        (
            SsoFaults {
                down: Some(SsoDown::Close),
                operations: vec!["ListAccountRoles".into()],
                ..Default::default()
            },
            None,
        ),
        (
            SsoFaults {
                delay: Some(5.0),
                operations: vec!["ListAccountRoles".into()],
                ..Default::default()
            },
            Some("1"),
        ),
    ] {
        w.sso.set_faults(&faults);
        let mut cmd = w.sso.command(&w.home, aws_as_bin());
        cmd.args(["sso", "populate"]);
        if let Some(t) = timeout {
            cmd.env("AWS_AS_STS_TIMEOUT", t);
        }
        let out = run(&mut cmd);
        assert!(!out.status.success(), "{faults:?}");
        let err = one_line(&out);
        assert!(!err.contains(&w.token()));
        assert_eq!(w.config(), before, "{faults:?}: {err}");
        assert!(!w.backup(1).exists());
    }
    w.sso.clear_faults();
    // The portal refusing the token (revoked): one line that says to sign in, file untouched.
    w.sso.revoke_all();
    let out = w.populate(&[]);
    assert!(!out.status.success());
    let err = one_line(&out);
    assert!(err.contains("sign in"), "{err}");
    assert_eq!(w.config(), before);
}

#[test]
fn a_config_file_others_can_write_and_a_legacy_sign_in_are_refused() {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let w = world(HAND_WRITTEN);
    w.sso.generate_accounts(2, &[SSO_ADMIN], false);
    let path = w.home.config_path();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
    let before = w.config();
    let out = w.populate(&[]);
    assert!(!out.status.success());
    let err = one_line(&out);
    assert!(
        err.contains("others can write") && err.contains("chmod go-w"),
        "{err}"
    );
    assert_eq!(w.config(), before);
    assert_eq!(w.sso.count("ListAccounts"), 0, "the portal was asked first");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();

    // AWS_CONFIG_FILE=/dev/null reads as no config: never replaced.
    let out = run(w
        .sso
        .command(&w.home, aws_as_bin())
        .args(["sso", "populate", SESSION])
        .env("AWS_CONFIG_FILE", "/dev/null"));
    assert!(!out.status.success());
    one_line(&out);
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );

    // A legacy profile (start URL in the profile): no sso-session to name.
    w.home.config(&legacy_sso_config(&[SsoProfile {
        name: "old",
        account_id: SSO_DEV_ACCOUNT,
        role_name: SSO_ADMIN,
    }]));
    let out = w.populate(&["old"]);
    assert!(!out.status.success());
    let err = one_line(&out);
    assert!(err.contains("needs an [sso-session]"), "{err}");
}
