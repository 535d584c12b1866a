//! The standard fixture: a user with MFA, a role it assumes with MFA and a role chained from
//! that one, the names, accounts and keys tests check against, and the user's session made in a
//! terminal.

use super::{Home, aws_as_bin, run, stderr_str};

/// Account of the standard fixture's user and first role.
pub const ACCOUNT: &str = "111111111111";
/// Account of the standard fixture's second (chained) role.
pub const ACCOUNT2: &str = "222222222222";
pub const USER_PROFILE: &str = "my-user1-dev";
pub const ROLE1_PROFILE: &str = "my-role1-dev";
pub const ROLE2_PROFILE: &str = "my-role2-dev";
pub const MFA_SERIAL: &str = "arn:aws:iam::111111111111:mfa/my-user1";
pub const ROLE1_ARN: &str = "arn:aws:iam::111111111111:role/my-role1";
pub const ROLE2_ARN: &str = "arn:aws:iam::222222222222:role/my-role2";
pub const ROLE1_SESSION_NAME: &str = "my-user1@dev";
pub const USER_ACCESS_KEY_ID: &str = "AKIAUSER1EXAMPLE0001";
pub const USER_SECRET_ACCESS_KEY: &str = "user1secret/EXAMPLEKEY+abc";

pub const STANDARD_CONFIG: &str = "\
[profile my-user1-dev]
region = eu-west-1
mfa_serial = arn:aws:iam::111111111111:mfa/my-user1
[profile my-role1-dev]
role_arn = arn:aws:iam::111111111111:role/my-role1
source_profile = my-user1-dev
mfa_serial = arn:aws:iam::111111111111:mfa/my-user1
role_session_name = my-user1@dev
[profile my-role2-dev]
role_arn = arn:aws:iam::222222222222:role/my-role2
source_profile = my-role1-dev
region = us-west-2
";

pub const STANDARD_CREDENTIALS: &str = "\
[my-user1-dev]
aws_access_key_id = AKIAUSER1EXAMPLE0001
aws_secret_access_key = user1secret/EXAMPLEKEY+abc
";

/// The user's MFA session, made in a terminal as a person would (a server then never needs a
/// code for it).
pub fn terminal_session(home: &Home) {
    let out = run(home
        .command(aws_as_bin())
        .args(["--mfa-code", "123456", USER_PROFILE]));
    assert!(out.status.success(), "{}", stderr_str(&out));
}
