//! aws-as with the STS client: `aws-as` runs it (same arguments) when a new session is needed.
fn main() {
    std::process::exit(aws_as::cli::main(Some(
        aws_as::session::sts::client::connect,
    )))
}
