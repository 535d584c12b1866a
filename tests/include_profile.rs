//! aws-vault's `include_profile`, against moto: a profile takes the settings it does not set
//! from the profile it includes (and that one's includes); together with `source_profile` (the
//! seed aws-session-daemon's hierarchical example, and aws-vault's "parent style" where the
//! included profile is its own source); loops and missing includes are errors; and a change in
//! an included profile changes the cache key of the profiles that include it exactly when it
//! changes their credentials.

use crate::common;

use std::process::Output;

use common::*;

fn fails(out: &Output, expect: &[&str]) {
    let err = stderr_str(out);
    assert!(!out.status.success(), "succeeded");
    assert!(out.stdout.is_empty());
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    for e in expect {
        assert!(err.contains(e), "{e:?} not in: {err}");
    }
}

const BASE: &str = "\
[profile base]
region = ap-south-1
mfa_serial = arn:aws:iam::111111111111:mfa/my-user1
role_session_name = from-base
[profile my-user1-dev]
include_profile = base
[profile my-role1-dev]
include_profile = base
role_arn = arn:aws:iam::111111111111:role/my-role1
source_profile = my-user1-dev
[profile my-role2-dev]
include_profile = my-role1-dev
role_arn = arn:aws:iam::222222222222:role/my-role2
source_profile = my-role1-dev
region = us-west-2
";

#[test]
fn a_profile_takes_what_it_does_not_set_from_the_profile_it_includes() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    home.config(BASE);
    let out = aws_as(&home, &["--mfa-code", "123456", ROLE2_PROFILE]);
    ok(&out);
    let shell = stdout_str(&out);
    // region: role2's own wins over what it includes.
    assert!(
        shell.contains("AWS_REGION='us-west-2'"),
        "{}",
        redact(&shell)
    );
    let gst = sts.calls_of("GetSessionToken");
    assert_eq!(gst.len(), 1);
    assert_eq!(
        gst[0].serial_number.as_deref(),
        Some(MFA_SERIAL),
        "the user's, from base"
    );
    let roles = sts.calls_of("AssumeRole");
    assert_eq!(roles.len(), 2);
    // role2 includes role1, which includes base: two levels down.
    for r in &roles {
        assert_eq!(r.role_session_name.as_deref(), Some("from-base"));
    }
    let out = aws_as(&home, &[ROLE1_PROFILE]);
    ok(&out);
    assert!(stdout_str(&out).contains("AWS_REGION='ap-south-1'"));

    // `aws-as list` sees what the switch sees; the fragment is listed as one that cannot be used.
    let list = stdout_str(&aws_as(&home, &["list"]));
    let row = |name: &str| {
        list.lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} not in {list}"))
            .to_string()
    };
    assert!(row(USER_PROFILE).contains("user") && row(USER_PROFILE).contains("ap-south-1"));
    assert!(row(ROLE2_PROFILE).contains("my-role1-dev < my-user1-dev"));
    assert!(row("base").contains("not usable"), "{list}");
}

#[test]
fn with_source_profile_many_accounts_share_one_mfa_session() {
    // The seed's hierarchical example (aws-session-daemon: one org section, a section per
    // account), as profiles that include one fragment.
    let sts = Sts::moto();
    let home = Home::new();
    home.with_sts(&sts);
    home.config(
        "\
[profile org]
mfa_serial = arn:aws:iam::123457890123:mfa/user
source_profile = org-user
role_session_name = user
region = eu-west-1
[profile org-user]
include_profile = org
[profile 098765432101]
include_profile = org
role_arn = arn:aws:iam::098765432101:role/Other/Role
[profile 567890123456]
include_profile = org
role_arn = arn:aws:iam::567890123456:role/Other/Role
",
    );
    home.credentials(&format!(
        "[org-user]\naws_access_key_id = {USER_ACCESS_KEY_ID}\naws_secret_access_key = {USER_SECRET_ACCESS_KEY}\n"
    ));
    for account in ["098765432101", "567890123456"] {
        let out = aws_as(&home, &["--mfa-code", "123456", account]);
        ok(&out);
        assert!(stdout_str(&out).contains("AWS_REGION='eu-west-1'"));
    }
    // org-user includes org too, whose source_profile is org-user itself: it stays a user.
    ok(&aws_as(&home, &["org-user"]));
    let gst = sts.calls_of("GetSessionToken");
    assert_eq!(gst.len(), 1, "one MFA session for every account");
    assert_eq!(
        gst[0].serial_number.as_deref(),
        Some("arn:aws:iam::123457890123:mfa/user")
    );
    assert_eq!(gst[0].access_key_id.as_deref(), Some(USER_ACCESS_KEY_ID));
    let roles: Vec<(Option<String>, Option<String>)> = sts
        .calls_of("AssumeRole")
        .into_iter()
        .map(|c| (c.role_arn, c.role_session_name))
        .collect();
    assert_eq!(
        roles,
        [
            (
                Some("arn:aws:iam::098765432101:role/Other/Role".to_string()),
                Some("user".to_string())
            ),
            (
                Some("arn:aws:iam::567890123456:role/Other/Role".to_string()),
                Some("user".to_string())
            ),
        ]
    );

    // aws-vault's "parent style": the included profile is a user whose source_profile is
    // itself, and the roles take it (as their source) from it.
    let home = Home::new();
    home.with_sts(&sts);
    home.config(
        "\
[profile root]
region = eu-west-1
mfa_serial = arn:aws:iam::111111111111:mfa/my-user1
source_profile = root
[profile order-dev]
include_profile = root
role_arn = arn:aws:iam::111111111111:role/developers
",
    );
    home.credentials(&format!(
        "[root]\naws_access_key_id = {USER_ACCESS_KEY_ID}\naws_secret_access_key = {USER_SECRET_ACCESS_KEY}\n"
    ));
    sts.reset();
    ok(&aws_as(&home, &["--mfa-code", "123456", "order-dev"]));
    assert_eq!(sts.count("GetSessionToken"), 1);
    let role = sts.calls_of("AssumeRole");
    assert_eq!(
        role[0].role_arn.as_deref(),
        Some("arn:aws:iam::111111111111:role/developers")
    );
}

#[test]
fn loops_and_missing_includes_are_errors() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let cases: [(&str, &str, &[&str]); 4] = [
        (
            "[profile a]\ninclude_profile = b\n[profile b]\ninclude_profile = a\nrole_arn = x\n",
            "a",
            &[
                "include_profile loops (a includes b includes a)",
                "fix include_profile",
            ],
        ),
        (
            "[profile a]\ninclude_profile = a\n",
            "a",
            &["include_profile loops (a includes a)"],
        ),
        (
            "[profile a]\ninclude_profile = nope\nrole_arn = x\nsource_profile = my-user1-dev\n",
            "a",
            &["include_profile = nope, which does not exist"],
        ),
        // A loop in a source's includes stops the role above it too.
        (
            "[profile my-user1-dev]\ninclude_profile = c\n[profile c]\ninclude_profile = my-user1-dev\n[profile r]\nrole_arn = x\nsource_profile = my-user1-dev\n",
            "r",
            &["include_profile loops"],
        ),
    ];
    for (config, name, expect) in cases {
        home.config(config);
        fails(&aws_as(&home, &["--mfa-code", "123456", name]), expect);
    }
    assert_eq!(sts.calls().len(), 0);
}

#[test]
fn a_change_in_an_included_profile_renews_exactly_the_sessions_it_shapes() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    home.config(BASE);
    ok(&aws_as(&home, &["--mfa-code", "123456", ROLE1_PROFILE]));
    sts.reset();
    let edit = |from: &str, to: &str| {
        let text = std::fs::read_to_string(home.config_path()).unwrap();
        assert!(text.contains(from), "{from}");
        home.config(&text.replacen(from, to, 1));
    };

    // The region shapes no credentials: the cached sessions are still the role's, and the
    // switch sets the new region.
    edit("region = ap-south-1\n", "region = eu-north-1\n");
    let out = aws_as(&home, &[ROLE1_PROFILE]);
    ok(&out);
    assert!(stdout_str(&out).contains("AWS_REGION='eu-north-1'"));
    assert_eq!(sts.calls().len(), 0);

    // The session name does: a new AssumeRole with it, from the same MFA session.
    edit(
        "role_session_name = from-base\n",
        "role_session_name = renamed\n",
    );
    ok(&aws_as(&home, &[ROLE1_PROFILE]));
    let roles = sts.calls_of("AssumeRole");
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0].role_session_name.as_deref(), Some("renamed"));
    assert_eq!(sts.count("GetSessionToken"), 0);

    // An external id added to what is included: a new AssumeRole with it.
    sts.reset();
    edit("[profile base]\n", "[profile base]\nexternal_id = ext-1\n");
    ok(&aws_as(&home, &[ROLE1_PROFILE]));
    let roles = sts.calls_of("AssumeRole");
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0].external_id.as_deref(), Some("ext-1"));

    // The MFA device the user takes from base: a new MFA session (asked for: the cached one is
    // another device's), then the role from it.
    sts.reset();
    edit("mfa/my-user1\n", "mfa/my-user1-new\n");
    let mut cmd = home.command("setsid");
    cmd.arg("-w").arg(aws_as_bin()).arg(ROLE1_PROFILE);
    fails(
        &run(&mut cmd),
        &["MFA code", "arn:aws:iam::111111111111:mfa/my-user1-new"],
    );
    ok(&aws_as(&home, &["--mfa-code", "654321", ROLE1_PROFILE]));
    let gst = sts.calls_of("GetSessionToken");
    assert_eq!(gst.len(), 1);
    assert_eq!(
        gst[0].serial_number.as_deref(),
        Some("arn:aws:iam::111111111111:mfa/my-user1-new")
    );
    assert_eq!(sts.count("AssumeRole"), 1);

    // And back: the first sessions are still cached under their own keys.
    sts.reset();
    edit("mfa/my-user1-new\n", "mfa/my-user1\n");
    edit(
        "role_session_name = renamed\n",
        "role_session_name = from-base\n",
    );
    edit("external_id = ext-1\n", "");
    ok(&aws_as(&home, &[ROLE1_PROFILE]));
    assert_eq!(sts.calls().len(), 0);
}
