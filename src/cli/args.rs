//! The command lines of both binaries as clap defines them: `aws-as` (its subcommands and the
//! options every identity-resolving command shares) and `aws-as-activate`. Only definitions:
//! what a command does with them is in `options.rs` and the output it runs.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

use crate::identity::DURATION_RANGE;
use crate::output::export::Format;
use crate::output::server;
use crate::output::shell::Shell;
use crate::output::shell::completions::CompletionShell;

#[derive(Parser, Debug)]
#[command(
    name = "aws-as",
    version,
    about = "Switch the AWS identity of the current shell: a venv for IAM identities",
    args_conflicts_with_subcommands = true,
    after_help = "With no NAME, shows the active identity and how long it has left.\n\
                  After `eval \"$(aws-as-activate -s)\"` the shell function evals the output for you;\n\
                  without it: eval \"$(aws-as NAME)\" (sh), aws-as --shell fish NAME | source,\n\
                  eval \"`aws-as --shell csh NAME`\" (csh).\n\
                  A profile named like a command (list, exec, help…) is switched to with: aws-as -- NAME"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Identity (a profile of ~/.aws/config) to switch to, or `-` to remove what aws-as set
    pub name: Option<String>,

    /// Pick the identity to switch to from a list on the terminal (type part of a name to
    /// narrow it)
    #[arg(short = 'i', long, conflicts_with = "name")]
    pub pick: bool,

    /// Dialect of the printed statements [default: sh]. Output is then only ever shell code:
    /// help, version and status text go to stderr.
    #[arg(long, value_enum)]
    pub shell: Option<Shell>,

    #[command(flatten)]
    pub session: SessionArgs,

    #[command(flatten)]
    pub region: RegionArg,
}

/// The command line's definition, for what is generated from it (completion scripts, man page).
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// How a session is obtained, shared by every command that resolves an identity.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct SessionArgs {
    /// MFA code to use instead of asking on the terminal
    #[arg(long, value_name = "CODE")]
    pub mfa_code: Option<String>,

    #[command(flatten)]
    pub length: SessionLength,

    /// Never ask for an MFA code on the terminal: fail instead (scripts, prompt hooks)
    #[arg(long)]
    pub no_input: bool,

    /// Assume this role (one no profile names) with NAME's session; cached, and shown, as
    /// NAME>ARN
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,
}

/// `--region`, for the commands whose output carries a region (not `credential-process`, whose
/// JSON has no place for one: the SDK's profile holds it).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct RegionArg {
    /// Region to set instead of the profile's (AWS_REGION and AWS_DEFAULT_REGION)
    #[arg(long, value_name = "REGION", value_parser = parse_region)]
    pub region: Option<String>,
}

/// `--duration`, the same for every command that makes sessions.
#[derive(clap::Args, Debug, Clone, Copy, Default)]
pub struct SessionLength {
    /// Session length in seconds, when a new session is made
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32)
        .range(i64::from(*DURATION_RANGE.start())..=i64::from(*DURATION_RANGE.end())))]
    pub duration: Option<u32>,
}

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Run COMMAND with NAME's credentials in its environment; the shell is left as it is
    Exec {
        /// Identity whose credentials COMMAND gets
        name: String,
        /// Give COMMAND an ECS credentials endpoint (a server on 127.0.0.1 that lives as long as
        /// it) instead of static keys, so a run longer than one session keeps going. COMMAND sees
        /// no profile files (AWS_CONFIG_FILE=/dev/null…) and no AWS_PROFILE, which SDKs would take
        /// first
        #[arg(long)]
        server: bool,
        #[command(flatten)]
        session: SessionArgs,
        #[command(flatten)]
        region: RegionArg,
        /// The command and its arguments (after `--` if they start with `-`)
        #[arg(
            required = true,
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "COMMAND"
        )]
        command: Vec<OsString>,
    },
    /// Print NAME's credentials as AWS `credential_process` JSON (for SDKs and tools)
    CredentialProcess {
        /// Identity whose credentials are printed
        name: String,
        #[command(flatten)]
        session: SessionArgs,
    },
    /// Write NAME's credentials into a section of the AWS credentials file (for tools that read only that file)
    #[command(
        after_help = "AWS_PROFILE=SECTION then uses them. Only the section's credential keys change: every other byte\n\
                      of the file (comments, order, other sections) stays as it was. aws-as writes only a section it\n\
                      wrote before or a new one, unless --force. The last five versions are kept beside the file\n\
                      (credentials.aws-as.1 is the newest), without the credentials aws-as wrote."
    )]
    Write {
        /// Identity whose credentials are written
        #[arg(required_unless_present = "remove")]
        name: Option<String>,
        /// The section of the credentials file to write
        #[arg(
            long,
            value_name = "SECTION",
            required_unless_present = "remove",
            conflicts_with = "remove"
        )]
        profile: Option<String>,
        /// Write into a section aws-as did not write, replacing its keys (the old file is kept as a backup)
        #[arg(long, conflicts_with = "remove")]
        force: bool,
        /// Remove the section SECTION that aws-as wrote, instead of writing one
        #[arg(long, value_name = "SECTION", conflicts_with = "name")]
        remove: Option<String>,
        #[command(flatten)]
        session: SessionArgs,
        #[command(flatten)]
        region: RegionArg,
    },
    /// Keep sections of the AWS credentials file fresh: a daemon that renews them before they expire
    #[command(
        after_help = "Each argument is NAME=SECTION (write NAME's credentials into SECTION and keep them fresh), or\n\
                      SECTION alone for a section aws-as wrote (the identity written there). Never asks on a\n\
                      terminal: a new MFA session takes its code from mfa_process or aws_as_mfa_totp_secret, else\n\
                      it waits (with a desktop notification) until aws-as NAME in a terminal makes it.\n\
                      One instance per section: contrib/systemd/aws-as-refresh@.service runs it as a user service."
    )]
    Refresh {
        /// NAME=SECTION, or a SECTION aws-as wrote
        #[arg(
            id = "name",
            value_name = "NAME=SECTION",
            required_unless_present = "all"
        )]
        targets: Vec<String>,
        /// Keep every section aws-as wrote fresh
        #[arg(long, conflicts_with = "name")]
        all: bool,
        /// Take over the sections on the first write (see aws-as write --force)
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        length: SessionLength,
    },
    /// Print NAME's credentials for another tool: sh, docker --env-file, PowerShell, cmd, JSON, ini
    #[command(
        after_help = "env is what the switch prints for sh; the other formats are for another environment \
                            (a container, a PowerShell or cmd session, a file). A value a format cannot carry \
                            is refused, never written mangled. Nothing is printed unless everything succeeded."
    )]
    Export {
        /// Identity whose credentials are printed
        name: String,
        /// The format
        #[arg(long, value_enum, default_value_t = Format::Env)]
        format: Format,
        /// With --format ini: the section's name [default: NAME]
        #[arg(long, value_name = "SECTION")]
        section: Option<String>,
        #[command(flatten)]
        session: SessionArgs,
        #[command(flatten)]
        region: RegionArg,
    },
    /// Open the AWS console in the browser, signed in as NAME
    #[command(
        after_help = "A role signs in with its session (renewed first when it has less left than \
                            --duration, else 15 minutes); the console session ends with it (at most 1 h: \
                            AWS's limit for a role assumed from another session). A user signs in through \
                            GetFederationToken (its long-term keys, no MFA): that console session is not \
                            MFA-authenticated, and lasts --duration (default 12 h).\n\
                            The browser ($BROWSER, else xdg-open) gets a one-time http://127.0.0.1 address \
                            that redirects once to the sign-in URL, which is thus never on a command line."
    )]
    Login {
        /// Identity to sign in as
        name: String,
        /// The console page to open: a console URL, or a path such as ec2/home [default: the console home]
        #[arg(long, value_name = "URL-OR-PATH")]
        destination: Option<String>,
        /// Print the sign-in URL on stdout instead of opening a browser: it is the console for
        /// 15 minutes, keep it secret
        #[arg(long)]
        print: bool,
        #[command(flatten)]
        session: SessionArgs,
        #[command(flatten)]
        region: RegionArg,
    },
    /// List every identity: kind, source chain, region and cached session
    List {
        /// Print only the names, one per line (for completion)
        #[arg(long)]
        names: bool,
    },
    /// Serve credentials to SDKs: an EC2 metadata (IMDSv2) and an ECS endpoint on loopback
    #[command(
        after_help = "Prints the export line to paste (export AWS_EC2_METADATA_SERVICE_ENDPOINT=...)\n\
                      and a one-time login address for the management page (/manage),\n\
                      then logs a line per request on stderr until SIGINT or SIGTERM.\n\
                      ECS tokens for other programs: aws-as server env NAME.\n\
                      The management API (/manage/, bearer token): docs/manage-api.yaml."
    )]
    Serve {
        /// Identity served on the IMDS path (none: answer as an instance without a role)
        name: Option<String>,
        /// Address to listen on: loopback, or 169.254.169.254:80 / [fd00:ec2::254]:80 once on lo
        #[arg(long, value_name = "ADDRESS", default_value_t = server::DEFAULT_LISTEN)]
        listen: SocketAddr,
        /// Also answer IMDS GETs that carry no session token (IMDSv1): any local process that
        /// can be made to send one GET then gets credentials
        #[arg(long)]
        imds_v1: bool,
        /// The management API's bearer token file [default: manage-token in the state directory]
        #[arg(long, value_name = "PATH")]
        token_file: Option<PathBuf>,
        /// With no NAME: serve the identity this address served when it last ran (a switch
        /// through the API or the page is remembered)
        #[arg(long, conflicts_with = "name")]
        resume: bool,
        /// Serve USER too (a user name or a uid; repeatable): by default a connection from any
        /// other user of this machine is closed unread
        #[arg(long, value_name = "USER")]
        allow_user: Vec<String>,
        #[command(flatten)]
        length: SessionLength,
    },
    /// Control a running credentials server (serve): status, switch NAME, stop, env NAME, page
    ///
    /// The server is the one --server names, else AWS_AS_SERVER (ADDR:PORT), else the one
    /// aws-as serve of yours runs (recorded in the state directory, with its --token-file),
    /// else 127.0.0.1:9254. The management token goes only to a listening socket of your own
    /// user on this machine.
    Server {
        /// The server's address, ADDR:PORT [default: $AWS_AS_SERVER, else the one running, else
        /// 127.0.0.1:9254]
        #[arg(long, value_name = "ADDRESS", global = true)]
        server: Option<SocketAddr>,
        #[command(subcommand)]
        action: ServerAction,
    },
    /// IAM Identity Center: sign in (shared with the AWS CLI and the SDKs), sign out, and write
    /// a profile for every account and role the portal shows
    Sso {
        #[command(subcommand)]
        action: SsoAction,
    },
    /// Long-term keys in the OS keyring (add, import from ~/.aws/credentials, remove) and their
    /// rotation
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Check the setup: the binaries, the shell's activation, the profile files, the cache and
    /// state directories, IAM Identity Center sign-ins, a [default] profile, the server, the clock
    #[command(
        after_help = "One line a check: ✓ right, ! worth knowing, ✗ wrong (with what to do). \
                      Exits 1 when a line is ✗. Prints no secret; the clock is compared with the \
                      Date of one unsigned request to the STS endpoint (AWS_ENDPOINT_URL_STS, else \
                      https://sts.amazonaws.com/)."
    )]
    Doctor,
    /// Print the completion script for a shell
    Completions {
        #[arg(value_enum)]
        shell: CompletionShell,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum SsoAction {
    /// Sign in to an sso-session (or an SSO profile's): the token goes to ~/.aws/sso/cache,
    /// where the AWS CLI and the SDKs use it too
    #[command(
        after_help = "By default the browser ($BROWSER, else the desktop's opener) opens the portal's \
                      sign-in page, which hands the code back to a one-time listener on 127.0.0.1; \
                      the address is printed on the terminal too. With --device-code, or where no \
                      browser can be opened (no display, an SSH session), a code is shown to type \
                      at the portal's address from any device."
    )]
    Login {
        /// The sso-session, or a profile that signs in through one [default: the only sso-session]
        name: Option<String>,
        /// Sign in with a device code, typed at the portal's address on any device
        #[arg(long)]
        device_code: bool,
        /// Open no browser: print the address to open
        #[arg(long)]
        no_browser: bool,
    },
    /// Sign out: the portal's Logout, the token removed, and the sessions made with it dropped
    Logout {
        /// The sso-session, or a profile that signs in through one [default: the only sso-session]
        name: Option<String>,
    },
    /// Write a profile into ~/.aws/config for every account and role the sign-in can use
    Populate {
        /// The sso-session to populate from [default: the only sso-session]
        name: Option<String>,
        /// The region every written profile gets [default: the sso-session's sso_region]
        #[arg(long, value_name = "REGION")]
        region: Option<String>,
        /// Show what would change, and change nothing
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum KeysAction {
    /// Store a user's keys in the OS keyring (typed on the terminal, the secret not shown), and
    /// make or mark its profile in ~/.aws/config (aws_as_keyring)
    #[command(
        after_help = "The item is service \"aws-as\", account NAME (secret-tool lookup service aws-as username NAME \
                      finds it on Linux). The keys are checked with GetCallerIdentity first. They are never \
                      taken from an argument, which every user can read."
    )]
    Add {
        /// The profile the keys are for (made in ~/.aws/config if missing)
        name: String,
        /// Take the keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead of the terminal
        #[arg(long)]
        from_env: bool,
        /// Store the keys without checking them with GetCallerIdentity
        #[arg(long)]
        no_verify: bool,
    },
    /// Move keys from ~/.aws/credentials into the OS keyring, and out of the file (and its backups)
    Import {
        /// The profile whose keys move
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        name: Option<String>,
        /// Every profile with long-term keys in the file
        #[arg(long)]
        all: bool,
    },
    /// Delete a user's keys from the OS keyring (the key stays active in IAM)
    Remove {
        /// The profile whose keyring item is deleted
        name: String,
        /// Delete without asking on the terminal
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Replace a user's access key with a new one (CreateAccessKey with the MFA session), stored
    /// where the old one was; the old key deleted and its cached sessions dropped
    Rotate {
        /// The user profile whose key is rotated
        name: String,
        #[command(flatten)]
        session: SessionArgs,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum ServerAction {
    /// What is served on the IMDS path, its session's time left, the address, requests waiting
    /// for an MFA code
    Status,
    /// Print a one-time login address for the management page (it works once, within 15 minutes)
    Page,
    /// Serve NAME on the IMDS path from now on
    Switch {
        /// Identity to serve
        name: String,
    },
    /// Stop the server
    Stop,
    /// Print the export lines a program started elsewhere needs for NAME's ECS endpoint
    Env {
        /// Identity whose endpoint and token are printed
        name: String,
        /// Write the token to PATH (0600, no newline) and export AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
        #[arg(long, value_name = "PATH")]
        token_file: Option<PathBuf>,
    },
}

/// `--region`: checked as the profile's region is ([`crate::identity::valid_region`]).
fn parse_region(s: &str) -> std::result::Result<String, String> {
    if crate::identity::valid_region(s) {
        Ok(s.to_string())
    } else {
        Err(format!("{s:?} is not an AWS region name (like eu-west-1)"))
    }
}

// --- aws-as-activate -------------------------------------------------------------------------

#[derive(Parser, Debug)]
#[command(
    name = "aws-as-activate",
    version,
    about = "Print the shell code that installs the aws-as command in the current shell",
    after_help = "Use:\n  eval \"$(aws-as-activate -s)\"            bash, zsh, sh\n  \
                  eval \"`aws-as-activate -c`\"            csh, tcsh\n  \
                  aws-as-activate --shell fish | source   fish\n\n\
                  Without an option the dialect follows $SHELL, as ssh-agent does.\n\
                  AWS_AS_PROMPT=0 before activation leaves the prompt alone.\n\
                  AWS_AS_BIN overrides the path of the aws-as binary (tests, packaging)."
)]
pub struct ActivateCli {
    /// Bourne shell code (bash, zsh, sh), like ssh-agent -s
    #[arg(short = 's', conflicts_with_all = ["csh", "shell"])]
    pub sh: bool,
    /// C shell code (csh, tcsh), like ssh-agent -c
    #[arg(short = 'c', conflicts_with = "shell")]
    pub csh: bool,
    /// Code for this shell
    #[arg(long, value_enum, value_name = "SHELL")]
    pub shell: Option<Shell>,
    /// The functions bash and zsh define at first use (what the activation's stubs evaluate)
    #[arg(long, requires = "shell", hide = true)]
    pub rest: bool,
}

/// The definition of aws-as-activate's command line, for its man page.
pub fn activate_command() -> clap::Command {
    <ActivateCli as clap::CommandFactory>::command()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments() {
        let r = |a: &[&str]| {
            let mut v = vec![OsString::from("aws-as-activate")];
            v.extend(a.iter().map(OsString::from));
            ActivateCli::try_parse_from(v)
        };
        assert!(r(&["-s"]).unwrap().sh);
        assert!(r(&["-c"]).unwrap().csh);
        assert_eq!(r(&["--shell", "fish"]).unwrap().shell, Some(Shell::Fish));
        assert!(r(&["-s", "-c"]).is_err());
        assert!(r(&["--shell", "pwsh"]).is_err());
        assert!(r(&["extra"]).is_err());
    }
}
