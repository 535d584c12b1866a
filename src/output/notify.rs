//! The desktop notification that asks a person for something (an MFA code): shared by the
//! refresh daemon and the server, which have no terminal to ask on.

use std::time::Duration;

/// A desktop notification, when `notify-send` is on PATH; never waited for long, never fatal.
pub fn notify(summary: &str, body: &str) {
    let Some(program) = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join("notify-send"))
            .find(|p| p.is_file())
    }) else {
        return;
    };
    let child = crate::without_credentials(&mut std::process::Command::new(program))
        .args(["--app-name=aws-as", "--urgency=normal", summary, body])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Ok(mut child) = child {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}
