fn main() {
    std::process::exit(aws_as::cli::activate_main())
}
