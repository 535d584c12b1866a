//! The arguments clap read (`args.rs`) as each command's options: what the dispatch hands to the
//! command's entry. Nothing runs here.

use super::args::{Cli, Command, KeysAction, ServerAction, SessionArgs, SsoAction, command};
use crate::output::credentials_file::refresh;
use crate::output::server;
use crate::output::shell::completions;
use crate::output::{
    control, credential_process, credentials_file, doctor, exec, export, keys, list, login, sso,
    switch,
};
use crate::session;

/// One command, with its options.
pub enum Options {
    Switch(switch::Options),
    Exec(exec::Options),
    ExecServer(exec::Options),
    CredentialProcess(credential_process::Options),
    Write(credentials_file::Options),
    Refresh(refresh::Options),
    Export(export::Options),
    Login(login::Options),
    List(list::Options),
    Serve(server::Options),
    Server(control::Options),
    Sso(sso::Options),
    Keys(keys::Options),
    Doctor(doctor::Options),
    Completions(completions::Options),
}

impl SessionArgs {
    /// The identity NAME names: NAME itself, or with `--role-arn`, the role assumed from it.
    fn name(&self, name: String) -> String {
        match &self.role_arn {
            Some(arn) => format!("{name}{}{arn}", crate::identity::ROLE_BY_ARN),
            None => name,
        }
    }

    pub fn request(&self) -> session::Request {
        session::Request {
            mfa_code: self.mfa_code.clone(),
            duration: self.length.duration,
            ask: if self.no_input {
                session::Ask::Nothing
            } else {
                session::Ask::Terminal
            },
        }
    }
}

impl From<Cli> for Options {
    fn from(cli: Cli) -> Self {
        let Some(subcommand) = cli.command else {
            return Options::Switch(switch::Options {
                name: cli.name.map(|n| cli.session.name(n)),
                pick: cli.pick,
                shell: cli.shell,
                request: cli.session.request(),
                region: cli.region.region,
            });
        };
        match subcommand {
            Command::Exec {
                name,
                server,
                session,
                region,
                command,
            } => {
                let options = exec::Options {
                    name: session.name(name),
                    request: session.request(),
                    region: region.region,
                    command,
                };
                if server {
                    Options::ExecServer(options)
                } else {
                    Options::Exec(options)
                }
            }
            Command::CredentialProcess { name, session } => {
                Options::CredentialProcess(credential_process::Options {
                    name: session.name(name),
                    request: session.request(),
                })
            }
            Command::Write {
                name,
                profile,
                force,
                remove,
                session,
                region,
            } => Options::Write(match (remove, name, profile) {
                (Some(section), _, _) => credentials_file::Options::Remove { section },
                (None, Some(name), Some(section)) => credentials_file::Options::Write {
                    name: session.name(name),
                    section,
                    force,
                    request: session.request(),
                    region: region.region,
                },
                _ => unreachable!("clap requires NAME and --profile without --remove"),
            }),
            Command::Refresh {
                targets,
                all,
                force,
                length,
            } => Options::Refresh(refresh::Options {
                targets,
                all,
                force,
                duration: length.duration,
            }),
            Command::Export {
                name,
                format,
                section,
                session,
                region,
            } => Options::Export(export::Options {
                name: session.name(name),
                request: session.request(),
                region: region.region,
                format,
                section,
            }),
            Command::Login {
                name,
                destination,
                print,
                session,
                region,
            } => Options::Login(login::Options {
                name: session.name(name),
                request: session.request(),
                region: region.region,
                destination,
                print,
            }),
            Command::List { names } => Options::List(list::Options { names }),
            Command::Serve {
                name,
                listen,
                imds_v1,
                token_file,
                resume,
                allow_user,
                length,
            } => Options::Serve(server::Options {
                listen: Some(listen),
                imds_v1,
                identity: name,
                duration: length.duration,
                token_file,
                resume,
                allow_users: allow_user,
            }),
            Command::Sso { action } => Options::Sso(match action {
                SsoAction::Login {
                    name,
                    device_code,
                    no_browser,
                } => sso::Options::Login {
                    name,
                    how: session::sso::signin::How {
                        device_code,
                        no_browser,
                    },
                },
                SsoAction::Logout { name } => sso::Options::Logout { name },
                SsoAction::Populate {
                    name,
                    region,
                    dry_run,
                } => sso::Options::Populate {
                    name,
                    region,
                    dry_run,
                },
            }),
            Command::Server { server, action } => Options::Server(control::Options {
                server,
                action: match action {
                    ServerAction::Status => control::Action::Status,
                    ServerAction::Page => control::Action::Page,
                    ServerAction::Switch { name } => control::Action::Switch(name),
                    ServerAction::Stop => control::Action::Stop,
                    ServerAction::Env { name, token_file } => {
                        control::Action::Env { name, token_file }
                    }
                },
            }),
            Command::Keys { action } => Options::Keys(match action {
                KeysAction::Add {
                    name,
                    from_env,
                    no_verify,
                } => keys::Options::Add {
                    name,
                    from_env,
                    verify: !no_verify,
                },
                KeysAction::Import { name, all } => keys::Options::Import { name, all },
                KeysAction::Remove { name, yes } => keys::Options::Remove { name, yes },
                KeysAction::Rotate { name, session } => keys::Options::Rotate {
                    name,
                    request: session.request(),
                },
            }),
            Command::Doctor => Options::Doctor(doctor::Options {}),
            Command::Completions { shell } => {
                Options::Completions(completions::Options { shell, command })
            }
        }
    }
}
