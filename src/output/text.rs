//! How a name and a time left are written for a person: shared by every output that prints
//! them (`list`, the status line, `login`, the server's log and `aws-as server status`).

use chrono::TimeDelta;

/// `1h05m`, `59m`, or `expired`.
pub fn left(d: TimeDelta) -> String {
    if d.num_seconds() <= 0 {
        "expired".to_string()
    } else if d.num_hours() > 0 {
        format!("{}h{:02}m", d.num_hours(), d.num_minutes() % 60)
    } else {
        format!("{}m", d.num_minutes().max(1))
    }
}

/// A profile name as text for a terminal: control characters (an escape sequence in a hostile
/// name) are shown escaped, never sent to the terminal.
pub fn printable(name: &str) -> String {
    if name.chars().any(char::is_control) {
        name.escape_debug().to_string()
    } else {
        name.to_string()
    }
}
