fn main() {
    std::process::exit(aws_as::activate::main())
}
