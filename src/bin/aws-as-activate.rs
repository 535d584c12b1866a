//! `aws-as-activate`: prints the shell code that installs aws-as in the shell that evaluates it.
//! It runs at every shell start, so it starts as the lean `aws-as` does (see src/bin/aws-as.rs
//! and build.rs): statically linked, without std's start-up.
#![no_main]

#[unsafe(no_mangle)]
extern "C" fn main(_argc: libc::c_int, _argv: *const *const libc::c_char) -> libc::c_int {
    // SAFETY: no other thread exists yet, and SIG_IGN is a valid disposition.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    // A panic (a bug) is its message on stderr and exit status 101, as with std's start-up.
    std::process::exit(std::panic::catch_unwind(aws_as::cli::activate_main).unwrap_or(101))
}
