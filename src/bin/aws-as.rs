fn main() {
    std::process::exit(aws_as::cli::main())
}
