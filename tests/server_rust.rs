//! The Rust SDK's own providers as a client of `aws-as serve`: aws-config's
//! `ImdsCredentialsProvider` (IMDSv2 only: the Rust SDK never falls back to v1, and fails
//! without the TTL header) and `EcsCredentialsProvider` (the token in a variable, then in a
//! file), each reporting the ARN moto's GetCallerIdentity gives.
//!
//! One test in this file: the providers read the process environment, which it sets.

// A binary of its own (Cargo.toml), so that no other test runs while the environment changes.
// It uses a few of the harness's helpers; tests/it.rs, which uses them all, keeps the lints that
// find one nobody uses.
#[allow(dead_code, unused_imports)]
mod common;

use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials;
use common::*;

const ROLE1_CALLER: &str = "arn:aws:sts::111111111111:assumed-role/my-role1/my-user1@dev";

async fn caller(credentials: Credentials, endpoint: &str) -> String {
    let config = aws_sdk_sts::Config::builder()
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new("eu-west-1"))
        .credentials_provider(credentials)
        .endpoint_url(endpoint)
        .build();
    let out = aws_sdk_sts::Client::from_conf(config)
        .get_caller_identity()
        .send()
        .await
        .expect("GetCallerIdentity");
    out.arn().unwrap().to_string()
}

/// Set in this binary's environment when it runs as `aws-as exec --server`'s command.
const CHILD: &str = "AWS_AS_TEST_RUST_CHILD";

/// As exec --server's command: the Rust SDK's default chain, the caller's ARN on stdout.
fn as_exec_child() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let endpoint = std::env::var("AWS_ENDPOINT_URL_STS").unwrap();
    let arn = runtime.block_on(async {
        let chain = aws_config::default_provider::credentials::DefaultCredentialsChain::builder()
            .build()
            .await;
        let credentials = chain.provide_credentials().await.expect("credentials");
        caller(credentials, &endpoint).await
    });
    println!("{arn}");
    std::process::exit(0);
}

#[test]
fn the_rust_sdk_providers_get_the_served_identity() {
    if std::env::var_os(CHILD).is_some() {
        as_exec_child();
    }
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let out = run(home
        .command(aws_as_bin())
        .args(["--mfa-code", "123456", USER_PROFILE]));
    assert!(out.status.success(), "{}", stderr_str(&out));
    // exec --server's command, with keys in [default] its default chain would take first.
    home.credentials(&format!(
        "{STANDARD_CREDENTIALS}[default]\naws_access_key_id = AKIADEFAULTUSER00000\n\
         aws_secret_access_key = defaultsecret\n"
    ));
    let out = run(home
        .command(aws_as_bin())
        .args(["exec", "--server", ROLE1_PROFILE, "--"])
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "--nocapture",
            "the_rust_sdk_providers_get_the_served_identity",
        ])
        .env(CHILD, "1")
        .env_remove("AWS_EC2_METADATA_DISABLED"));
    assert!(out.status.success(), "{}", redact(&stderr_str(&out)));
    assert_eq!(
        stdout_str(&out).lines().last(),
        Some(ROLE1_CALLER),
        "the Rust SDK's default chain through exec --server"
    );
    home.credentials(STANDARD_CREDENTIALS);

    let server = home.serve(&[ROLE1_PROFILE]);
    let out = run(home.command(aws_as_bin()).args([
        "server",
        "env",
        ROLE1_PROFILE,
        "--server",
        &server.addr(),
    ]));
    assert!(out.status.success(), "{}", stderr_str(&out));
    let exports = stdout_str(&out);
    let value = |name: &str| {
        exports
            .lines()
            .find_map(|l| l.strip_prefix(&format!("export {name}=")))
            .unwrap()
            .trim_matches('\'')
            .to_string()
    };
    let (uri, token) = (
        value("AWS_CONTAINER_CREDENTIALS_FULL_URI"),
        value("AWS_CONTAINER_AUTHORIZATION_TOKEN"),
    );
    let token_file = home.path().join("token");
    std::fs::write(&token_file, &token).unwrap();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        // SAFETY: the only test in this binary; nothing else reads the environment meanwhile.
        unsafe {
            for var in [
                "AWS_EC2_METADATA_DISABLED",
                "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY",
                "AWS_SESSION_TOKEN",
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            ] {
                std::env::remove_var(var);
            }
            std::env::set_var("AWS_EC2_METADATA_SERVICE_ENDPOINT", server.url());
        }
        let imds = aws_config::imds::credentials::ImdsCredentialsProvider::builder().build();
        let credentials = imds.provide_credentials().await.expect("IMDS credentials");
        assert_eq!(caller(credentials, &sts.endpoint()).await, ROLE1_CALLER);

        unsafe {
            std::env::set_var("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri);
            std::env::set_var("AWS_CONTAINER_AUTHORIZATION_TOKEN", &token);
        }
        let ecs = aws_config::ecs::EcsCredentialsProvider::builder().build();
        let credentials = ecs.provide_credentials().await.expect("ECS credentials");
        assert_eq!(caller(credentials, &sts.endpoint()).await, ROLE1_CALLER);

        unsafe {
            std::env::remove_var("AWS_CONTAINER_AUTHORIZATION_TOKEN");
            std::env::set_var("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", &token_file);
        }
        let ecs = aws_config::ecs::EcsCredentialsProvider::builder().build();
        let credentials = ecs
            .provide_credentials()
            .await
            .expect("ECS credentials, token file");
        assert_eq!(caller(credentials, &sts.endpoint()).await, ROLE1_CALLER);

        // A token for nothing gets no credentials.
        std::fs::write(&token_file, "0".repeat(64)).unwrap();
        let ecs = aws_config::ecs::EcsCredentialsProvider::builder().build();
        assert!(ecs.provide_credentials().await.is_err());
    });
    assert!(
        server
            .log()
            .contains(&format!("GET /ecs/{ROLE1_PROFILE} 403"))
    );
}
