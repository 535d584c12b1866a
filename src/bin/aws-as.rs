//! The command people run: everything but a new STS session, which it hands to `aws-as-sts`.
//!
//! `no_main`: a cache hit is a whole process, and std's start-up before `main` (finding the main
//! thread's stack by parsing /proc/self/maps, an alternate signal stack, checking fds 0-2) was
//! about a sixth of its instructions. std itself works as usual (arguments, I/O, panics); what is
//! skipped is the stack-overflow message and the SIGPIPE setting, which is done here.
#![no_main]

#[unsafe(no_mangle)]
extern "C" fn main(_argc: libc::c_int, _argv: *const *const libc::c_char) -> libc::c_int {
    // As std's start-up does: a reader that went away is an EPIPE error, handled where stdout is
    // written, not a silent death. std puts SIGPIPE back to the default in every child it starts.
    // SAFETY: no other thread exists yet, and SIG_IGN is a valid disposition.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    // No core file, ptrace or /proc/PID/mem for a process that reads cached secrets.
    aws_as::private::undumpable();
    // As std's start-up does: a panic (a bug) is its message on stderr and exit status 101, not
    // an abort out of a function that cannot unwind.
    std::process::exit(
        std::panic::catch_unwind(|| aws_as::cli::main(aws_as::cli::Network::LEAN)).unwrap_or(101),
    )
}
