//! The real AWS clients tests drive: boto3 and the AWS CLI v1 from the venv, Debian's AWS CLI
//! v2, and two small Go programs on aws-sdk-go v1 (tests/support/goclient, goendpoint), built
//! once per test process.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use super::{repo_root, target_dir};

/// The Python with moto and boto3: `$AWS_AS_TEST_PYTHON`, else `<repo>/.venv/bin/python`.
pub fn python() -> PathBuf {
    let path = match std::env::var_os("AWS_AS_TEST_PYTHON") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => repo_root().join(".venv/bin/python"),
    };
    if !path.exists() {
        panic!(
            "{} is missing: run scripts/install-deps.sh first",
            path.display()
        );
    }
    path
}

/// A program from the venv's bin directory (next to [`python`]), e.g. `venv_bin("aws")`.
pub fn venv_bin(name: &str) -> PathBuf {
    let py = python();
    let path = py.parent().expect("python has a parent dir").join(name);
    if !path.exists() {
        panic!(
            "{} is missing: run scripts/install-deps.sh first",
            path.display()
        );
    }
    path
}

/// The AWS CLI v1 from the venv (it honours AWS_ENDPOINT_URL_STS).
pub fn aws_cli() -> PathBuf {
    venv_bin("aws")
}

/// Debian's AWS CLI v2 (2.9.19 on Debian 12). It predates AWS_ENDPOINT_URL_STS: pass
/// `--endpoint-url`.
pub fn aws_cli_v2() -> PathBuf {
    let path = PathBuf::from("/usr/bin/aws");
    if !path.exists() {
        panic!("/usr/bin/aws (Debian's awscli) is missing: run scripts/install-deps.sh first");
    }
    path
}

/// tests/support/goendpoint, built once per test process: aws-sdk-go v1's default credential
/// chain (environment, then the ECS endpoint or EC2 metadata), printing the provider that gave
/// the credentials and the caller's ARN.
pub fn go_endpoint_client() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| build_go("goendpoint")).clone()
}

fn build_go(name: &str) -> PathBuf {
    let out_dir = target_dir().join(format!("test-{name}"));
    std::fs::create_dir_all(&out_dir).expect("create the Go output directory");
    let dest = out_dir.join(name);
    // Build to a private name, then rename: another test process may build it concurrently.
    let tmp = out_dir.join(format!("{name}.{}.tmp", std::process::id()));
    let output = Command::new("go")
        .args(["build", "-o"])
        .arg(&tmp)
        .arg(".")
        .current_dir(repo_root().join("tests/support").join(name))
        .env("GOPATH", "/usr/share/gocode")
        .env("GO111MODULE", "off")
        .env("GOFLAGS", "")
        .env("CGO_ENABLED", "0")
        .env("GOCACHE", target_dir().join("go-cache"))
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run `go` ({e}): run scripts/install-deps.sh first"));
    if !output.status.success() {
        let _ = std::fs::remove_file(&tmp);
        panic!(
            "building tests/support/{name} failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    std::fs::rename(&tmp, &dest).expect("rename the Go client into place");
    dest
}

/// Builds tests/support/goclient once per test process into `<target>/test-goclient/goclient`
/// (aws-sdk-go v1 from /usr/share/gocode, GOPATH mode) and returns its path. The client reads
/// credentials from the environment, honours AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL and
/// AWS_REGION, calls GetCallerIdentity and prints the ARN; on error it exits 1.
pub fn go_client() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| build_go("goclient")).clone()
}

/// The arguments that make an AWS CLI print the caller's ARN.
pub const CLI_CALLER_ARN: [&str; 6] = [
    "sts",
    "get-caller-identity",
    "--query",
    "Arn",
    "--output",
    "text",
];

/// boto3 printing the caller's ARN, credentials from its default chain.
pub const BOTO3_CALLER_ARN: &str =
    "import boto3; print(boto3.client('sts').get_caller_identity()['Arn'])";

/// boto3 printing which provider of its default chain gave the credentials, then the caller's
/// ARN ("container-role arn:…", "iam-role arn:…"): what a program that never sees the shell
/// gets from the credentials server.
pub const BOTO3_PROVIDER_AND_ARN: &str = "\
import sys, boto3
session = boto3.session.Session()
credentials = session.get_credentials()
if credentials is None:
    sys.exit('boto3: no credentials')
print(credentials.method, session.client('sts').get_caller_identity()['Arn'])
";

/// The real clients that print the caller's ARN with their credentials from their environment:
/// boto3, the AWS CLI v1, Debian's AWS CLI v2 when given the STS endpoint (2.9 predates
/// AWS_ENDPOINT_URL_STS), and the Go SDK. `command` makes each in the caller's environment.
pub fn caller_arn_clients(
    command: impl Fn(&Path) -> Command,
    v2_endpoint: Option<&str>,
) -> Vec<(&'static str, Command)> {
    let mut boto = command(&python());
    boto.args(["-c", BOTO3_CALLER_ARN]);
    let mut v1 = command(&aws_cli());
    v1.args(CLI_CALLER_ARN);
    let mut clients = vec![("boto3", boto), ("aws-cli-v1", v1)];
    if let Some(endpoint) = v2_endpoint {
        let mut v2 = command(&aws_cli_v2());
        v2.args(CLI_CALLER_ARN).args(["--endpoint-url", endpoint]);
        clients.push(("aws-cli-v2", v2));
    }
    clients.push(("go", command(&go_client())));
    clients
}

/// An access key id and secret a user might put in a section by hand (long-term: `AKIA`).
pub const LONG_TERM_KEY_ID: &str = "AKIADBEAVEREXAMPLE01";
pub const LONG_TERM_SECRET: &str = "dbeaver/long+term/SECRET0000000000000001";

/// Long-term keys put into `profile` of the credentials file as a user does it: the AWS CLI's
/// `configure set`, one key at a time, the rest of the section left as it was.
pub fn configure_set_long_term_keys(home: &super::Home, profile: &str) {
    for (key, value) in [
        ("aws_access_key_id", LONG_TERM_KEY_ID),
        ("aws_secret_access_key", LONG_TERM_SECRET),
    ] {
        super::ok(&super::run(home.command(aws_cli()).args([
            "configure",
            "set",
            key,
            value,
            "--profile",
            profile,
        ])));
    }
}
