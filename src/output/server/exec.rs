//! `aws-as exec --server NAME -- CMD…`: CMD gets an ECS endpoint instead of static keys, from a
//! server on 127.0.0.1:<random port> in this process, which lives exactly as long as CMD. SDKs
//! fetch again from the endpoint before expiry, so a run longer than one role session keeps
//! going.
//!
//! Unlike plain `exec`, aws-as stays CMD's parent (the server is in it): it passes SIGINT,
//! SIGTERM and SIGHUP on, and ends as CMD ended. A CMD killed by a signal kills aws-as with the
//! same signal (re-raised with the default action), so the calling shell reports it as it would
//! have reported CMD itself (`$?` = 128 + the signal, a loop stopped by Ctrl-C stops).
//!
//! CMD sees no profile files and no credential variable (`endpoint/competing.rs` says why): an
//! SDK takes those before any endpoint, so a `[default]` with keys would make CMD run as
//! someone else. What CMD would have read from the default profile that it still needs, its
//! region and CA bundle, comes through the environment.

use std::os::unix::process::ExitStatusExt;
use std::sync::atomic::{AtomicI32, Ordering};

use super::listen::{self, Parts};
use super::sessions::Sessions;
use crate::error::{Error, Result};
use crate::identity::Config;
use crate::output::endpoint::competing::{COMPETING_VARS, HIDDEN_FILES};
use crate::output::endpoint::tokens::EcsKey;
use crate::output::env::child_change;
use crate::output::exec::Options;
use crate::session::{Connect, resolve};

/// CMD's pid, for the signal handler (0 before it runs).
static CHILD: AtomicI32 = AtomicI32::new(0);

/// A signal that came before CMD's pid was known: CMD can run (and say it is ready) before
/// `spawn` returns here, so one sent at once would otherwise be lost, and CMD never stopped.
/// Whoever swaps it out (the handler or `exec`, whichever sees the pid second) passes it on.
static EARLY: AtomicI32 = AtomicI32::new(0);

extern "C" fn forward(signal: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    // A signal from the terminal (Ctrl-C: si_code SI_KERNEL) already reached CMD, which is in the
    // same process group: only one sent to aws-as alone (kill: si_code <= 0) is passed on.
    // SAFETY: the kernel hands a valid siginfo to an SA_SIGINFO handler; kill is async-signal-safe.
    unsafe {
        let from_process = info.is_null() || (*info).si_code <= 0;
        if !from_process {
            return;
        }
        let child = CHILD.load(Ordering::SeqCst);
        if child > 0 {
            libc::kill(child, signal);
            return;
        }
        EARLY.store(signal, Ordering::SeqCst);
        let child = CHILD.load(Ordering::SeqCst);
        if child > 0 {
            let early = EARLY.swap(0, Ordering::SeqCst);
            if early != 0 {
                libc::kill(child, early);
            }
        }
    }
}

fn install_forwarding() {
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: a zeroed sigaction with a handler of the SA_SIGINFO shape is valid.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = forward as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

/// Ends this process as CMD ended: its exit code, or killed by its signal.
fn end_like(status: std::process::ExitStatus) -> ! {
    if let Some(code) = status.code() {
        std::process::exit(code);
    }
    let signal = status.signal().unwrap_or(libc::SIGKILL);
    // SAFETY: plain syscalls; no memory is shared with the handler being removed.
    unsafe {
        // CMD dumped its core if it had to; aws-as has none worth keeping.
        let none = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        libc::setrlimit(libc::RLIMIT_CORE, &none);
        libc::signal(signal, libc::SIG_DFL);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, signal);
        libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(signal);
    }
    // A signal whose default is to be ignored (SIGCHLD, SIGWINCH…) cannot end us: as a shell says.
    std::process::exit(128 + signal);
}

/// Runs `options.command` with the endpoint, and ends as it ended (returns only on failure).
pub fn run(options: &Options, connect: Option<Connect>) -> Result<String> {
    let Options {
        name,
        request,
        region,
        command,
    } = options;
    let region = region.as_deref();
    let sessions = Sessions::new(connect, request.duration, request.ask);
    // The first session now, in the terminal where a person can type a code or read an error:
    // the server's own requests never ask.
    let at_least = |identity: &crate::identity::Summary| sessions.at_least(identity);
    let (identity, credentials) = resolve(name, request, Some(&at_least), connect)?;
    let listener = listen::bind("127.0.0.1:0".parse().expect("an address"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::new(format!("cannot read the server's address: {e}")))?;
    let ecs = EcsKey::ephemeral()?;
    let token = ecs.token(name);
    let (state, stopped) = listen::state(
        addr,
        Parts {
            sessions,
            served: None,
            imds_v1: false,
            ecs,
            manage_token: None,
            log_all: false,
            allowed_users: Vec::new(),
        },
    )?;
    let runtime = listen::runtime()?;
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::new(format!("cannot listen on {addr}: {e}")))?;
    std::thread::Builder::new()
        .name("aws-as-server".into())
        .spawn(move || {
            runtime.block_on(async move {
                match tokio::net::TcpListener::from_std(listener) {
                    Ok(listener) => listen::run(listener, state, stopped, None).await,
                    Err(e) => eprintln!("aws-as: cannot listen on {addr}: {e}"),
                }
            })
        })
        .map_err(|e| Error::new(format!("cannot start the server: {e}")))?;

    let (program, args) = command.split_first().expect("clap requires COMMAND");
    let mut cmd = std::process::Command::new(program);
    cmd.args(args);
    // The settings CMD would have read from the default profile it can no longer see.
    let config = Config::load()?;
    let default = |key: &str| config.setting("default", key);
    let unset = |var: &str| std::env::var_os(var).is_none_or(|v| v.is_empty());
    let default_region = (unset("AWS_REGION") && unset("AWS_DEFAULT_REGION"))
        .then(|| default("region"))
        .flatten()
        .filter(|r| crate::identity::valid_region(r));
    let region = region
        .or(identity.region.as_deref())
        .or(default_region.as_deref());
    for (var, value) in child_change(&identity, &credentials, region) {
        match value {
            Some(v) => cmd.env(var, v),
            None => cmd.env_remove(var),
        };
    }
    for var in COMPETING_VARS {
        cmd.env_remove(var);
    }
    for var in HIDDEN_FILES {
        cmd.env(var, "/dev/null");
    }
    if let Some(bundle) = default("ca_bundle").filter(|_| unset("AWS_CA_BUNDLE")) {
        cmd.env("AWS_CA_BUNDLE", bundle);
    }
    let uri = format!(
        "{}ecs/{}",
        crate::output::endpoint::address::url(addr),
        crate::output::percent::encode(name)
    );
    cmd.env("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri)
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", token);
    crate::session::cache::flush_warnings();
    install_forwarding();
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => std::process::exit(crate::output::command::cannot_run(program, &e)),
    };
    CHILD.store(child.id() as i32, Ordering::SeqCst);
    let early = EARLY.swap(0, Ordering::SeqCst);
    if early != 0 {
        // SAFETY: a plain syscall on our own child's pid.
        unsafe { libc::kill(child.id() as i32, early) };
    }
    let status = child
        .wait()
        .map_err(|e| Error::new(format!("cannot wait for the command: {e}")))?;
    end_like(status)
}
