//! aws-as with the network: `aws-as` runs it (same arguments) when a new session is needed, and
//! for `aws-as login`.
fn main() {
    std::process::exit(aws_as::cli::main(Some(aws_as::cli::Network {
        connect: aws_as::session::sts::client::connect,
        login: aws_as::output::login::login,
    })))
}
