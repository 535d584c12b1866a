//! A command aws-as runs with an identity's credentials (`exec`, `exec --server`): the one line
//! it says, and the status it ends with, when the command cannot be started, as a shell would.

/// Says why `program` could not be started, in one line, and returns the exit status a shell
/// gives for it: 127 for a command not found, 126 for one not runnable.
pub fn cannot_run(program: &std::ffi::OsStr, e: &std::io::Error) -> i32 {
    let (status, fix) = match e.kind() {
        std::io::ErrorKind::NotFound => (127, "check its name and PATH"),
        _ => (126, "check that it is an executable file"),
    };
    eprintln!(
        "aws-as: cannot run {}: {e} ({fix})",
        // A newline in the name would make this two lines.
        program.to_string_lossy().escape_debug()
    );
    status
}
