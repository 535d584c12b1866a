//! aws-as with the network: `aws-as` runs it (same arguments) when a new session is needed, and
//! for `login`, `serve`, `exec --server`, `refresh`, `sso`, `keys` and `doctor`.
fn main() {
    // No core file, ptrace or /proc/PID/mem for a process that holds secrets (`serve` holds the
    // served keys and the management token for days).
    aws_as::private::undumpable();
    std::process::exit(aws_as::cli::main(aws_as::cli::Network {
        connect: Some(aws_as::session::sts::client::connect),
        login: aws_as::output::login::run,
        serve: aws_as::output::server::run,
        exec_server: aws_as::output::server::exec::run,
        refresh: aws_as::output::credentials_file::refresh::run,
        sso: aws_as::output::sso::run,
        keys: aws_as::output::keys::run,
        doctor: aws_as::output::doctor::run,
    }))
}
