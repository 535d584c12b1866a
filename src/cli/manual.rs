//! What the manual pages say beyond the command lines: the ENVIRONMENT and FILES sections of
//! aws-as(1), and the command line of `aws-as-deactivate` (a shell function the activation
//! defines, given a page of its own). tests/generated.rs appends the sections to clap_mangen's
//! page and fails when the code reads a variable [`ENVIRONMENT`] does not list.

/// Every variable aws-as reads or sets, with what it means. A name ending in `*` is a prefix.
pub const ENVIRONMENT: &[(&str, &str)] = &[
    // Where things are.
    (
        "AWS_CONFIG_FILE",
        "The config file (default ~/.aws/config).",
    ),
    (
        "AWS_SHARED_CREDENTIALS_FILE",
        "The credentials file (default ~/.aws/credentials); aws-as write edits this one.",
    ),
    (
        "AWS_AS_CACHE_DIR",
        "The session cache (default $XDG_CACHE_HOME/aws-as, ~/.cache/aws-as).",
    ),
    (
        "AWS_AS_STATE_DIR",
        "The server's state: its ECS secret, management token, the servers running and what each address served last (default $XDG_STATE_HOME/aws-as, ~/.local/state/aws-as).",
    ),
    (
        "HOME, XDG_CACHE_HOME, XDG_STATE_HOME, XDG_CONFIG_HOME, ZDOTDIR, ENV",
        "Where the files above are by default; aws-as doctor looks for the activation line in the startup file of $SHELL by them.",
    ),
    ("PATH", "Where aws-as doctor looks for the three binaries."),
    (
        "SHELL",
        "The dialect aws-as-activate prints without an option, and the startup file aws-as doctor checks.",
    ),
    // Endpoints and limits.
    (
        "AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL",
        "Where STS is (the SDKs' variables); aws-as doctor compares the clock with this endpoint's.",
    ),
    (
        "AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL_SSO",
        "Where IAM Identity Center's OIDC service and portal are (aws-as sso).",
    ),
    (
        "AWS_CA_BUNDLE",
        "Certificates to trust for HTTPS, as the SDK reads it (also handed to the command of exec --server).",
    ),
    (
        "HTTPS_PROXY, HTTP_PROXY, NO_PROXY",
        "The proxy for STS, the console sign-in and the clock check (the SDK's rules).",
    ),
    (
        "AWS_AS_STS_TIMEOUT",
        "Seconds an STS call may take, retries included (default 30).",
    ),
    (
        "AWS_AS_CREDENTIAL_PROCESS_TIMEOUT",
        "Seconds a profile's credential_process may take (default 60).",
    ),
    (
        "AWS_AS_CREDENTIAL_PROCESS_OF",
        "Set by aws-as for a credential_process it runs: the profile it runs for, so an aws-as inside it refuses to run that profile again (a loop).",
    ),
    (
        "AWS_AS_KEYRING_TIMEOUT",
        "Seconds a call to the OS keyring may take, an unanswered unlock prompt included (default 60).",
    ),
    (
        "AWS_AS_IAM_WAIT",
        "aws-as keys rotate: seconds to wait for IAM to accept the new key (default 30).",
    ),
    (
        "AWS_AS_TEST_PAUSE",
        "Tests only: aws-as keys pauses at the named step, so a test can kill it there.",
    ),
    (
        "AWS_AS_MFA_PROCESS_TIMEOUT",
        "Seconds an mfa_process may take (default 60).",
    ),
    (
        "AWS_AS_FEDERATION_ENDPOINT",
        "aws-as login: the federation endpoint instead of the partition's.",
    ),
    (
        "AWS_AS_BROWSER_TIMEOUT",
        "aws-as login: seconds the one-time address waits for the browser (default 120).",
    ),
    (
        "AWS_AS_SSO_SIGNIN_TIMEOUT",
        "aws-as sso login: seconds a sign-in may take.",
    ),
    (
        "BROWSER",
        "The browser command for aws-as login and aws-as sso login (else the desktop's opener).",
    ),
    (
        "DISPLAY, WAYLAND_DISPLAY, SSH_CONNECTION, SSH_CLIENT, SSH_TTY",
        "Whether a browser can be opened here (aws-as sso login uses the device code otherwise).",
    ),
    // The server.
    (
        "AWS_AS_SERVER",
        "The server aws-as server ... talks to, ADDR:PORT (else the one running, else 127.0.0.1:9254).",
    ),
    (
        "AWS_AS_SERVER_RENEW_BEFORE",
        "Seconds before expiry the server renews what it serves (default 900).",
    ),
    (
        "AWS_AS_PEER_LOOKUP",
        "table: the server reads each connection's owner from /proc/net/tcp instead of sock_diag.",
    ),
    // The activation and the shell's state.
    ("AWS_AS_PROMPT", "0 at activation: leave the prompt alone."),
    (
        "AWS_AS_AUTO_RENEW",
        "1: the prompt renews the active identity when fewer than 5 minutes are left.",
    ),
    (
        "AWS_AS_BIN",
        "At activation: the aws-as binary the shell functions run.",
    ),
    (
        "AWS_AS_ACTIVATED",
        "Set by the activation to the pid of the shell that ran it; a switch run by that shell without its function is refused.",
    ),
    (
        "AWS_AS_IDENTITY, AWS_AS_REGION, AWS_AS_EXPIRES_EPOCH",
        "Set by a switch: the active identity, its region, when its session expires (the prompt reads them).",
    ),
    (
        "AWS_AS_SAVED_*",
        "Set by a switch: the user's own variables it replaced, given back by aws-as - and aws-as-deactivate.",
    ),
    (
        "AWS_AS_DELEGATED",
        "Set by aws-as for the aws-as-sts it runs, which removes it at once.",
    ),
    // What a switch, exec and export set, and what the server's clients would take instead.
    (
        "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_SECURITY_TOKEN, AWS_CREDENTIAL_EXPIRATION",
        "The credentials a switch sets and exec gives its command (the user's own are kept in AWS_AS_SAVED_*).",
    ),
    (
        "AWS_REGION, AWS_DEFAULT_REGION",
        "The identity's region (or --region), set by a switch.",
    ),
    (
        "AWS_PROFILE, AWS_DEFAULT_PROFILE",
        "Unset by a switch (kept in AWS_AS_SAVED_*): SDKs would take the profile first.",
    ),
    (
        "AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        "The ECS endpoint and its token, set by exec --server and printed by aws-as server env.",
    ),
    (
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        "The IMDS endpoint, printed by aws-as serve.",
    ),
    (
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_SESSION_NAME, AWS_CREDENTIAL_FILE, AWS_SDK_LOAD_CONFIG, BOTO_CONFIG",
        "What a client would take before the server's endpoint: removed from the command of exec --server, named by aws-as serve.",
    ),
];

/// Every file aws-as reads or writes, with what it is.
pub const FILES: &[(&str, &str)] = &[
    (
        "~/.aws/config",
        "The profiles ($AWS_CONFIG_FILE); aws-as sso populate adds to it.",
    ),
    (
        "~/.aws/credentials",
        "Long-term keys ($AWS_SHARED_CREDENTIALS_FILE); aws-as write edits one section of it.",
    ),
    (
        "~/.aws/.credentials.aws-as.lock, ~/.aws/credentials.aws-as.1 ... .5",
        "Beside the credentials file: the lock of aws-as write, and its last five versions (without the credentials aws-as wrote).",
    ),
    (
        "~/.cache/aws-as/",
        "The session cache ($AWS_AS_CACHE_DIR): one 0600 JSON file per session, its lock, the profile index, the locks of aws-as refresh (refresh-*.lock). 0700.",
    ),
    (
        "~/.local/state/aws-as/",
        "The server's state ($AWS_AS_STATE_DIR), 0700: ecs-secret, manage-token, running-ADDR (a server running), served-ADDR (what it served last).",
    ),
    (
        "~/.aws/sso/cache/",
        "IAM Identity Center's tokens and client registrations, shared with the AWS CLI and the SDKs.",
    ),
    (
        "~/.bashrc, ~/.zshrc, ~/.profile, ~/.config/fish/config.fish, ~/.tcshrc, ~/.cshrc",
        "Where the activation line goes; aws-as doctor reads the one of $SHELL.",
    ),
    (
        "/proc/PID/exe, /proc/net/tcp, /proc/net/tcp6",
        "Linux: the shell that runs aws-as-activate -s; who owns a local connection (when sock_diag cannot say).",
    ),
    (
        "/usr/lib/systemd/user/aws-as-serve.service, /usr/lib/systemd/user/aws-as-refresh@.service",
        "The user services of the Debian package (contrib/systemd/ in the source).",
    ),
];

/// A roff string with its special characters escaped.
fn roff(text: &str) -> String {
    let text = text.replace('\\', "\\e").replace('-', "\\-");
    // A line starting with a dot or a quote would be a request.
    match text.chars().next() {
        Some('.' | '\'') => format!("\\&{text}"),
        _ => text,
    }
}

/// The ENVIRONMENT and FILES sections of aws-as(1), in roff.
pub fn sections() -> String {
    let mut out = String::new();
    for (title, entries) in [("ENVIRONMENT", ENVIRONMENT), ("FILES", FILES)] {
        out.push_str(&format!(".SH {title}\n"));
        for (name, text) in entries {
            out.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", roff(name), roff(text)));
        }
    }
    out
}

/// `aws-as-deactivate`'s command line, for its page: a shell function, not a binary.
pub fn deactivate_command() -> clap::Command {
    clap::Command::new("aws-as-deactivate")
        .version(env!("CARGO_PKG_VERSION"))
        .disable_help_flag(true)
        .disable_version_flag(true)
        .about("Remove aws-as from the current shell: its functions, prompt and hooks, and the variables it set")
        .long_about(
            "Remove aws-as from the current shell: the aws-as and aws-as-deactivate functions (or \
             aliases), the prompt mark and hooks, AWS_AS_ACTIVATED, and the credentials a switch \
             set; what a switch replaced (kept in AWS_AS_SAVED_*) is given back. A shell \
             function, defined by the activation (aws-as-activate(1)), not a program.",
        )
        .arg(
            clap::Arg::new("keep-creds")
                .long("keep-creds")
                .action(clap::ArgAction::SetTrue)
                .help("Keep the AWS_* variables of the active identity; remove only the machinery"),
        )
}
