//! The command people run: everything but a new STS session, which it hands to `aws-as-sts`.
fn main() {
    std::process::exit(aws_as::cli::main(None))
}
