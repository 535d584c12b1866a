//! The command lines of `aws-as` and `aws-as-activate`: parsed here, and handed to the layer
//! that does the work (an output, which asks the session layer for credentials). Nothing else
//! lives here.

use std::ffi::OsString;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

use crate::error::{Cause, Error, Result};
use crate::identity::DURATION_RANGE;
use crate::output::credentials_file::refresh;
use crate::output::env::clear_change;
use crate::output::export::{self, Format};
use crate::output::login;
use crate::output::shell::Shell;
use crate::output::shell::activate::{self, Target};
use crate::output::shell::completions::{self, CompletionShell};
use crate::output::{
    control, credential_process, credentials_file, env::switch_change, exec, list, server,
};
use crate::session::{self, Connect, cache};

#[derive(Parser, Debug)]
#[command(
    name = "aws-as",
    version,
    about = "Switch the AWS identity of the current shell: a venv for IAM identities",
    args_conflicts_with_subcommands = true,
    disable_help_subcommand = true,
    after_help = "With no NAME, shows the active identity and how long it has left.\n\
                  After `eval \"$(aws-as-activate -s)\"` the shell function evals the output for you;\n\
                  without it: eval \"$(aws-as NAME)\" (sh), aws-as --shell fish NAME | source,\n\
                  eval \"`aws-as --shell csh NAME`\" (csh).\n\
                  A profile named like a command (list, exec…) is switched to with: aws-as -- NAME"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// Identity (a profile of ~/.aws/config) to switch to, or `-` to remove what aws-as set
    name: Option<String>,

    /// Dialect of the printed statements [default: sh]. Output is then only ever shell code:
    /// help, version and status text go to stderr.
    #[arg(long, value_enum)]
    shell: Option<Shell>,

    #[command(flatten)]
    session: SessionArgs,
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

    /// Session length in seconds, when a new session is made
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32)
        .range(i64::from(*DURATION_RANGE.start())..=i64::from(*DURATION_RANGE.end())))]
    pub duration: Option<u32>,

    /// Never ask for an MFA code on the terminal: fail instead (scripts, prompt hooks)
    #[arg(long)]
    pub no_input: bool,

    /// Region to set instead of the profile's (AWS_REGION and AWS_DEFAULT_REGION)
    #[arg(long, value_name = "REGION", value_parser = parse_region)]
    pub region: Option<String>,
}

impl SessionArgs {
    fn request(&self) -> session::Request {
        session::Request {
            mfa_code: self.mfa_code.clone(),
            duration: self.duration,
            no_input: self.no_input,
            no_terminal: false,
        }
    }
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Run COMMAND with NAME's credentials in its environment; the shell is left as it is
    Exec {
        /// Identity whose credentials COMMAND gets
        name: String,
        /// Give COMMAND an ECS credentials endpoint (a server on 127.0.0.1 that lives as long as
        /// it) instead of static keys, so a run longer than one session keeps going
        #[arg(long)]
        server: bool,
        #[command(flatten)]
        session: SessionArgs,
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
        /// Session length in seconds, when a new session is made
        #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32)
            .range(i64::from(*DURATION_RANGE.start())..=i64::from(*DURATION_RANGE.end())))]
        duration: Option<u32>,
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
        /// Session length in seconds, when a new session is made
        #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32)
            .range(i64::from(*DURATION_RANGE.start())..=i64::from(*DURATION_RANGE.end())))]
        duration: Option<u32>,
    },
    /// Control a running credentials server (serve): status, switch NAME, stop, env NAME, page
    Server {
        /// The server's address, ADDR:PORT [default: 127.0.0.1:9254]
        #[arg(long, value_name = "ADDRESS", global = true)]
        server: Option<SocketAddr>,
        #[command(subcommand)]
        action: ServerAction,
    },
    /// Print the completion script for a shell
    Completions {
        #[arg(value_enum)]
        shell: CompletionShell,
    },
}

#[derive(clap::Subcommand, Debug)]
enum ServerAction {
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

/// What only `aws-as-sts` links, handed in by its entry: the lean `aws-as` gets `None` and hands
/// whatever needs one of these to `aws-as-sts`, so none of their code is in it.
#[derive(Clone, Copy)]
pub struct Network {
    /// The STS client.
    pub connect: Connect,
    /// `aws-as login`: the HTTPS sign-in request and the one-time local address.
    pub login: login::Login,
    /// `aws-as serve`: the credentials server.
    pub serve: fn(server::Options, Connect) -> Result<String>,
    /// `aws-as exec --server`.
    pub exec_server: ExecServer,
}

/// `exec --server`: name, how a session is made, `--region`, the command, the STS client.
pub type ExecServer =
    fn(&str, &session::Request, Option<&str>, &[OsString], Connect) -> Result<String>;

fn needs_sts() -> crate::error::Error {
    crate::error::Error::with_cause("this command runs in aws-as-sts", Cause::NeedsSts)
}

/// `--region`: checked as the profile's region is ([`crate::identity::valid_region`]).
fn parse_region(s: &str) -> std::result::Result<String, String> {
    if crate::identity::valid_region(s) {
        Ok(s.to_string())
    } else {
        Err(format!("{s:?} is not an AWS region name (like eu-west-1)"))
    }
}

fn run(cli: Cli, network: Option<Network>) -> Result<String> {
    let connect = network.map(|n| n.connect);
    match cli.command {
        Some(Command::Exec {
            name,
            server: true,
            session,
            command,
        }) => {
            let network = network.ok_or_else(needs_sts)?;
            (network.exec_server)(
                &name,
                &session.request(),
                session.region.as_deref(),
                &command,
                network.connect,
            )
        }
        Some(Command::Serve {
            name,
            listen,
            imds_v1,
            token_file,
            resume,
            duration,
        }) => {
            let network = network.ok_or_else(needs_sts)?;
            let options = server::Options {
                listen: Some(listen),
                imds_v1,
                identity: name,
                duration,
                token_file,
                resume,
            };
            (network.serve)(options, network.connect)
        }
        Some(Command::Server { server, action }) => {
            let action = match action {
                ServerAction::Status => control::Action::Status,
                ServerAction::Page => control::Action::Page,
                ServerAction::Switch { name } => control::Action::Switch(name),
                ServerAction::Stop => control::Action::Stop,
                ServerAction::Env { name, token_file } => control::Action::Env { name, token_file },
            };
            control::run(server, action)
        }
        Some(Command::Exec {
            name,
            server: false,
            session,
            command,
        }) => exec::exec(
            &name,
            &session.request(),
            session.region.as_deref(),
            &command,
            connect,
        ),
        Some(Command::CredentialProcess { name, session }) => credential_process::json(
            &name,
            &session.request(),
            session.region.as_deref(),
            connect,
        ),
        Some(Command::Write {
            name,
            profile,
            force,
            remove,
            session,
        }) => match (remove, name, profile) {
            (Some(section), _, _) => credentials_file::remove_command(&section),
            (None, Some(name), Some(section)) => credentials_file::command(
                &name,
                &section,
                force,
                &session.request(),
                session.region.as_deref(),
                connect,
            ),
            _ => unreachable!("clap requires NAME and --profile without --remove"),
        },
        // A daemon renews sessions: it runs in aws-as-sts from the start rather than hand over
        // at its first miss.
        Some(Command::Refresh { .. }) if connect.is_none() => Err(Error::with_cause(
            "the refresh daemon makes sessions",
            Cause::NeedsSts,
        )),
        Some(Command::Refresh {
            targets,
            all,
            force,
            duration,
        }) => refresh::run(&targets, all, force, duration, connect),
        Some(Command::Export {
            name,
            format,
            section,
            session,
        }) => export::export(
            &name,
            &session.request(),
            session.region.as_deref(),
            format,
            section.as_deref(),
            connect,
        ),
        Some(Command::Login {
            name,
            destination,
            print,
            session,
        }) => match network {
            Some(n) => (n.login)(
                &login::Options {
                    name: &name,
                    request: session.request(),
                    region: session.region.as_deref(),
                    destination: destination.as_deref(),
                    print,
                },
                n.connect,
            ),
            None => Err(Error::with_cause(
                "the console sign-in is done by aws-as-sts",
                Cause::NeedsSts,
            )),
        },
        Some(Command::List { names }) => list::list(names),
        Some(Command::Completions { shell }) => Ok(completions::script(shell, &command())),
        None => {
            let dialect = cli.shell.unwrap_or(Shell::Sh).dialect();
            let Some(name) = cli.name else {
                let status = list::status();
                if cli.shell.is_some() {
                    eprint!("{status}");
                    return Ok(String::new());
                }
                return Ok(status);
            };
            if name == "-" {
                return dialect.render(&clear_change());
            }
            let (identity, credentials) =
                session::resolve(&name, &cli.session.request(), None, connect)?;
            dialect.render(&switch_change(
                &identity,
                &credentials,
                cli.session.region.as_deref(),
            ))
        }
    }
}

/// The subcommands' names: a word that is one of them is never read as a NAME by
/// [`quick_parse`]. A unit test holds this to clap's definition.
const SUBCOMMANDS: [&str; 10] = [
    "exec",
    "credential-process",
    "write",
    "refresh",
    "export",
    "login",
    "serve",
    "server",
    "list",
    "completions",
];

/// The invocation of every switch, `aws-as [--shell D] NAME` (the shell function always runs it
/// so), read without clap: building clap's definition of the whole command line was about a third
/// of a cache hit's instructions. Anything else, or anything unusual in these words (an option, a
/// name that starts with `-` or is a subcommand's), is `None` and goes to clap; a unit test
/// checks that the two read every such command line alike.
fn quick_parse(args: &[OsString]) -> Option<Cli> {
    let words: Vec<&str> = args
        .iter()
        .skip(1)
        .map(|a| a.to_str())
        .collect::<Option<_>>()?;
    let (shell, name) = match words.as_slice() {
        [name] => (None, *name),
        ["--shell", dialect, name] => (Some(*dialect), *name),
        [option, name] => (Some(option.strip_prefix("--shell=")?), *name),
        _ => return None,
    };
    if (name.starts_with('-') && name != "-") || SUBCOMMANDS.contains(&name) {
        return None;
    }
    let shell = match shell {
        Some(dialect) => Some(<Shell as clap::ValueEnum>::from_str(dialect, false).ok()?),
        None => None,
    };
    Some(Cli {
        command: None,
        name: Some(name.to_string()),
        shell,
        session: SessionArgs::default(),
    })
}

/// Writes `text` to stdout. A reader that went away (`aws-as --help | head`) is not an error
/// worth a word, let alone a panic.
fn print_out(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// The binary that has the STS client, next to this one.
const FULL_BINARY: &str = "aws-as-sts";
/// Set by `aws-as` for the `aws-as-sts` it execs, which removes it at once (so that nothing it
/// runs, an `exec` command, a nested aws-as, inherits it).
const DELEGATED: &str = "AWS_AS_DELEGATED";

/// Hands the whole command line to `aws-as-sts` (same arguments, same environment): this process
/// becomes it, so its output, exit status and terminal are the user's as if they had run it.
fn delegate(args: &[OsString]) -> i32 {
    use std::os::unix::process::CommandExt;
    let path = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(FULL_BINARY)))
        .unwrap_or_else(|| FULL_BINARY.into());
    // aws-as-sts never delegates, so seeing the mark here means the file named aws-as-sts is a
    // copy of this lean binary: without the mark every miss would exec it again, forever.
    if std::env::var_os(DELEGATED).is_some() {
        eprintln!(
            "aws-as: {} cannot make new sessions (it is a copy of aws-as, not aws-as-sts): reinstall aws-as",
            path.display()
        );
        return 1;
    }
    let e = std::process::Command::new(&path)
        .arg0("aws-as")
        .args(args.iter().skip(1))
        .env(DELEGATED, "1")
        .exec();
    eprintln!(
        "aws-as: cannot run {} for a new session ({e}): it is installed next to aws-as; reinstall aws-as",
        path.display()
    );
    1
}

/// `network` is `None` in the lean `aws-as` binary: whatever needs STS or the network is then
/// delegated to `aws-as-sts`, so a cache hit never loads (nor relocates) the SDK's code.
pub fn main(network: Option<Network>) -> i32 {
    if network.is_none() {
        cache::defer_warnings();
    } else {
        // SAFETY: the first thing the program does, before any other thread exists.
        unsafe { std::env::remove_var(DELEGATED) };
    }
    let args: Vec<OsString> = std::env::args_os().collect();
    let parsed = match quick_parse(&args) {
        Some(cli) => Ok(cli),
        None => Cli::try_parse_from(&args),
    };
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            // With --shell the caller evals stdout (the activation's wrapper always passes it):
            // help and version text must not become shell code there.
            let captured = args.iter().any(|a| {
                a.to_str()
                    .is_some_and(|a| a == "--shell" || a.starts_with("--shell="))
            });
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                if captured {
                    eprint!("{e}");
                } else {
                    let _ = print_out(&e.to_string());
                }
                return 0;
            }
            // clap's message spans lines ("...not provided:\n  <NAME>\n\nUsage: ..."): one
            // line of it, without the usage and tips that follow.
            let text = e.to_string();
            let line = text
                .lines()
                .map(str::trim)
                .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("tip:"))
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            eprintln!(
                "aws-as: {} (see aws-as --help)",
                line.trim_start_matches("error: ")
            );
            return 2;
        }
    };
    let result = run(cli, network);
    if matches!(&result, Err(e) if e.cause() == Cause::NeedsSts) {
        // aws-as-sts reads the cache again and says whatever needs saying.
        let status = delegate(&args);
        cache::flush_warnings();
        return status;
    }
    cache::flush_warnings();
    match result {
        Ok(out) => {
            // Printed only once everything succeeded: on failure stdout stays empty, so an eval of
            // it changes nothing.
            match print_out(&out) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("aws-as: cannot write the output: {e}");
                    1
                }
            }
        }
        Err(e) => {
            eprintln!("aws-as: {e}");
            1
        }
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
struct ActivateCli {
    /// Bourne shell code (bash, zsh, sh), like ssh-agent -s
    #[arg(short = 's', conflicts_with_all = ["csh", "shell"])]
    sh: bool,
    /// C shell code (csh, tcsh), like ssh-agent -c
    #[arg(short = 'c', conflicts_with = "shell")]
    csh: bool,
    /// Code for this shell
    #[arg(long, value_enum, value_name = "SHELL")]
    shell: Option<Shell>,
    /// The functions bash and zsh define at first use (what the activation's stubs evaluate)
    #[arg(long, requires = "shell", hide = true)]
    rest: bool,
}

/// The definition of aws-as-activate's command line, for its man page.
pub fn activate_command() -> clap::Command {
    <ActivateCli as clap::CommandFactory>::command()
}

/// Entry point of the `aws-as-activate` binary; returns the exit code.
pub fn activate_main() -> i32 {
    run_activate(std::env::args_os().collect())
}

fn run_activate(args: Vec<OsString>) -> i32 {
    let cli = match ActivateCli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                print!("{e}");
                return 0;
            }
            let text = e.to_string();
            let line = text.lines().next().unwrap_or("invalid arguments");
            let line = line.strip_prefix("error: ").unwrap_or(line);
            eprintln!("aws-as-activate: {line}");
            return 2;
        }
    };
    let target = if cli.sh {
        activate::bourne_target()
    } else if cli.csh {
        Target::Dialect(Shell::Tcsh)
    } else if let Some(shell) = cli.shell {
        if cli.rest {
            Target::Rest(shell)
        } else {
            Target::Dialect(shell)
        }
    } else {
        match activate::target_from_shell_var(std::env::var_os("SHELL")) {
            Target::Bourne => activate::bourne_target(),
            target => target,
        }
    };
    match activate::render(
        target,
        &activate::aws_as_path(),
        &activate::self_path(),
        &command,
    ) {
        Ok(script) => {
            print!("{script}");
            0
        }
        Err(e) => {
            eprintln!("aws-as-activate: {e}");
            2
        }
    }
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

    #[test]
    fn the_quick_reading_is_clap_s() {
        let subcommands: Vec<String> = command()
            .get_subcommands()
            .flat_map(|c| std::iter::once(c.get_name()).chain(c.get_all_aliases()))
            .map(str::to_string)
            .collect();
        let mut mine: Vec<String> = SUBCOMMANDS.iter().map(|s| s.to_string()).collect();
        let mut theirs = subcommands.clone();
        mine.sort();
        theirs.sort();
        assert_eq!(mine, theirs, "SUBCOMMANDS must list clap's subcommands");

        let mut words: Vec<&str> = vec![
            "my-role1-dev",
            "-",
            "--",
            "",
            " ",
            "-x",
            "--shell",
            "--shell=",
            "--shell=fish",
            "--shell=pwsh",
            "fish",
            "tcsh",
            "Bash",
            "--region",
            "eu-west-1",
            "-h",
            "--help",
            "-V",
            "a b",
            "a=b",
            "--mfa-code",
            "123456",
            "x$(y)",
            "'",
            "--no-input",
            "-s",
        ];
        words.extend(subcommands.iter().map(String::as_str));
        let mut lines: Vec<Vec<&str>> = Vec::new();
        for a in &words {
            lines.push(vec![a]);
            for b in &words {
                lines.push(vec![a, b]);
                for c in &words {
                    lines.push(vec![a, b, c]);
                }
            }
        }
        let mut quick = 0;
        for line in lines {
            let args: Vec<OsString> = std::iter::once("aws-as")
                .chain(line.iter().copied())
                .map(OsString::from)
                .collect();
            if let Some(cli) = quick_parse(&args) {
                quick += 1;
                let by_clap = Cli::try_parse_from(&args).unwrap_or_else(|e| {
                    panic!("{line:?}: clap refuses what quick_parse took: {e}")
                });
                assert_eq!(format!("{cli:?}"), format!("{by_clap:?}"), "{line:?}");
            }
        }
        assert!(quick > 40, "quick_parse took only {quick} command lines");
    }
}
