//! aws-as with the network: `aws-as` runs it (same arguments) when a new session is needed, and
//! for `login`, `serve` and `exec --server`.
fn main() {
    std::process::exit(aws_as::cli::main(Some(aws_as::cli::Network {
        connect: aws_as::session::sts::client::connect,
        login: aws_as::output::login::login,
        serve: aws_as::output::server::serve,
        exec_server: aws_as::output::server::exec::exec,
    })))
}
