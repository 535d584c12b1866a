//! A fake `notify-send` that writes down each notification, and what it was given.

use std::path::Path;

/// A `notify-send` that appends its arguments, one per line, and `---` to `file`.
pub fn fake_notify_send(bin: &Path, file: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(bin).unwrap();
    let script = bin.join("notify-send");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" >> '{}'\necho --- >> '{}'\n",
            file.display(),
            file.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// What the fake `notify-send` was given, one notification (its arguments, a line each) per item.
pub fn notifications(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .split("---\n")
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect()
}
