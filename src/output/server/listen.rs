//! `aws-as serve`: the listener with its limits, and shutdown (where it may listen: ../endpoint/address.rs).
//!
//! axum's own `serve` has few knobs, so connections are served with hyper's HTTP/1 builder
//! directly: a bound on the time to send a request head (which also closes idle keep-alive
//! connections), on its size and number of headers, on open connections, and on any one
//! connection's life. A stop tells every connection to finish as axum's graceful shutdown does:
//! the answer under way is sent, then the connection closes (an idle one at once).
//!
//! Being local is no proof of being the user: on a shared machine every account reaches
//! loopback. So each connection's owner is asked of the kernel at accept (../../peer.rs: one
//! sock_diag lookup, a few µs, in the accept loop; where sock_diag cannot say, the /proc/net
//! tables on a blocking thread, so the loop does not wait for them), and one of another user
//! (`--allow-user` aside), or of a user the kernel cannot name, is closed before a byte of it is
//! read and before it takes one of the [`MAX_CONNECTIONS`](super::door::MAX_CONNECTIONS): another user can neither read
//! credentials nor starve the user's SDKs. When the port is taken, [`bind`] names the user who
//! holds it if that is not the user.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::{Semaphore, watch};
use tower_service::Service;

use super::door::{Admitted, Door, MAX_CONNECTIONS};
use super::imds_token::ImdsTokens;
use super::note;
use super::sessions::Sessions;
use super::state::{Inner, State};
use crate::error::{Error, Result};
use crate::identity::Config;
use crate::output::endpoint::address::{
    DEFAULT_LISTEN, Listener, check_listen, hosts, interface_addresses, listener, url,
};
use crate::output::endpoint::client::is_aws_as;
use crate::output::endpoint::competing;
use crate::output::endpoint::tokens::{self, EcsKey};
use crate::output::text::printable;
use crate::session::Ask;
use crate::session::Connect;

/// A request head must arrive within this (and an idle keep-alive connection closes after it).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// No SDK sends more than a dozen headers or a kilobyte of them.
pub const MAX_HEADERS: usize = 64;
pub const MAX_HEADER_BYTES: usize = 8 * 1024;
/// The longest any one connection lives, whatever it does (a client that never reads its answer).
pub const MAX_CONNECTION_LIFE: Duration = Duration::from_secs(300);
/// How long a stop waits for the answers under way (a slow client does not hold it open).
pub const STOP_WAIT: Duration = Duration::from_secs(2);

pub struct Options {
    pub listen: Option<SocketAddr>,
    pub imds_v1: bool,
    /// Served on the IMDS path.
    pub identity: Option<String>,
    /// Length of new sessions (`--duration`).
    pub duration: Option<u32>,
    /// The management token file (default: in the state directory).
    pub token_file: Option<PathBuf>,
    /// With no identity: serve the one this address served when it last ran.
    pub resume: bool,
    /// `--allow-user`: other users served too (names or uids, as typed).
    pub allow_users: Vec<String>,
}

/// The uid of `user`, a uid or a user name of this machine.
pub fn user_id(user: &str) -> Result<u32> {
    if let Ok(uid) = user.parse::<u32>() {
        return Ok(uid);
    }
    let unknown = || {
        Error::new(format!(
            "--allow-user {user}: no such user on this machine: give a user name or a uid"
        ))
    };
    let name = std::ffi::CString::new(user).map_err(|_| unknown())?;
    let mut buf = vec![0u8; 16 * 1024];
    // SAFETY: passwd is plain data; getpwnam_r writes into it and into `buf` (whose length it
    // is told) and sets `found` to it or to null.
    let mut passwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    let rc = unsafe {
        libc::getpwnam_r(
            name.as_ptr(),
            &mut passwd,
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut found,
        )
    };
    if rc != 0 || found.is_null() {
        return Err(unknown());
    }
    Ok(passwd.pw_uid)
}

/// Binds `addr`, saying in one line why not: another user's program there (named), another
/// aws-as server, another program, a privileged port.
pub fn bind(addr: SocketAddr) -> Result<std::net::TcpListener> {
    match std::net::TcpListener::bind(addr) {
        Ok(listener) => Ok(listener),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            // Who holds it, as the kernel says: another user's program that answers like an
            // aws-as server must not send the user to it with their token.
            // SAFETY: geteuid has no preconditions and cannot fail.
            let own = unsafe { libc::geteuid() };
            if let Listener::Owner(uid) = listener(addr)
                && uid != own
            {
                let who = match crate::peer::user_name(uid) {
                    Some(name) => format!("{} (uid {uid})", printable(&name)),
                    None => format!("uid {uid}"),
                };
                bail!(
                    "{addr} is held by another user, {who}: it is not an aws-as server of yours \
                     (aws-as server commands refuse it); choose another port with --listen \
                     127.0.0.1:PORT"
                )
            }
            if is_aws_as(addr) {
                bail!(
                    "an aws-as server is already running on {addr}: see aws-as server status, or \
                     start another with --listen 127.0.0.1:PORT"
                )
            }
            bail!("{addr} is in use by another program: choose another with --listen ADDR:PORT")
        }
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => bail!(
            "cannot listen on {addr}: ports below 1024 need a capability: sudo setcap \
             cap_net_bind_service=+ep on aws-as-sts, or redirect port 80 (see the README)"
        ),
        Err(e) => bail!("cannot listen on {addr}: {e}"),
    }
}

pub struct Parts {
    pub sessions: Arc<Sessions>,
    pub served: Option<String>,
    pub imds_v1: bool,
    pub ecs: EcsKey,
    pub manage_token: Option<String>,
    pub log_all: bool,
    /// Users served besides the one running the server (`--allow-user`).
    pub allowed_users: Vec<u32>,
}

/// The server's state for a listener on `listen`, and what tells it to stop.
pub fn state(listen: SocketAddr, parts: Parts) -> Result<(State, watch::Receiver<bool>)> {
    let (stop, stopped) = watch::channel(false);
    let local = interface_addresses()
        .into_iter()
        .map(|(ip, _)| ip)
        .collect();
    let state = State::new(Inner {
        sessions: parts.sessions,
        served: std::sync::Mutex::new(parts.served),
        imds: ImdsTokens::new()?,
        imds_v1: parts.imds_v1,
        ecs: parts.ecs,
        manage_token: parts.manage_token,
        hosts: hosts(listen),
        local,
        listen,
        log_all: parts.log_all,
        allowed_users: parts.allowed_users,
        stop,
        logins: Default::default(),
        sso_sign_ins: Default::default(),
    });
    Ok((state, stopped))
}

/// The runtime the server runs on: a worker per core (the resolutions run on threads of their own).
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("aws-as-server")
        .build()
        .map_err(|e| Error::new(format!("cannot start the server's runtime: {e}")))
}

/// `aws-as serve`: runs in the foreground until SIGINT, SIGTERM or `POST /manage/stop`.
pub fn serve(options: &Options, connect: Option<Connect>) -> Result<String> {
    let listen = options.listen.unwrap_or(DEFAULT_LISTEN);
    check_listen(listen)?;
    let mut identity = options.identity.clone();
    if let Some(name) = &identity {
        Config::load()?.identity(name)?;
    } else if options.resume
        && let Some(name) = tokens::last_served(listen)?
    {
        // The profile may have gone since: then nothing is served, and the log says why.
        match Config::load().and_then(|c| c.identity(&name)) {
            Ok(_) => identity = Some(name),
            Err(e) => note(&format!("not serving {name} as last time: {e}")),
        }
    }
    let allowed_users = options
        .allow_users
        .iter()
        .map(|u| user_id(u))
        .collect::<Result<Vec<u32>>>()?;
    if !allowed_users.is_empty() && !crate::peer::CAN_TELL {
        bail!(
            "--allow-user: this system cannot tell which user a connection is from, so the server serves every local user already"
        );
    }
    let ecs = EcsKey::load_or_create()?;
    let token_path = match &options.token_file {
        Some(path) => path.clone(),
        None => tokens::default_manage_token_path()?,
    };
    let manage_token = tokens::manage_token(&token_path)?;
    let listener = bind(listen)?;
    let (state, stopped) = state(
        listen,
        Parts {
            sessions: Sessions::new(connect, options.duration, Ask::Process),
            served: identity.clone(),
            imds_v1: options.imds_v1,
            ecs,
            manage_token: Some(manage_token),
            log_all: true,
            allowed_users,
        },
    )?;
    let runtime = runtime()?;
    // SIGINT and SIGTERM are caught from here on, before the export line tells anyone the server
    // is up: one sent right after it stops the server (status 0) instead of killing it.
    let signals = {
        use tokio::signal::unix::{SignalKind, signal};
        let _context = runtime.enter();
        let caught = signal(SignalKind::interrupt())
            .and_then(|int| signal(SignalKind::terminate()).map(|term| Signals { int, term }));
        caught.map_err(|e| Error::new(format!("cannot catch SIGINT and SIGTERM: {e}")))?
    };
    let url = url(listen);
    tokens::remember_served(listen, identity.as_deref())?;
    tokens::remember_running(listen, &token_path)?;
    state.sessions.notify_with(state.page_url());
    let login = state.logins.mint()?;
    {
        // The login address is a secret for 15 minutes: on stdout, beside the export line, and
        // never in the log on stderr (the unit sends stdout nowhere: aws-as server page prints
        // another). A `#` line, so pasting both lines into a shell still only exports.
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "export AWS_EC2_METADATA_SERVICE_ENDPOINT={url}");
        let _ = writeln!(
            out,
            "# the management page (this address works once, within 15 minutes; aws-as server \
             page prints another): {}?code={login}",
            state.page_url()
        );
        let _ = out.flush();
    }
    note(&format!(
        "serving {} on the IMDS path at {url}{}; ECS at {url}ecs/NAME (aws-as server env NAME); \
         management page at {} (aws-as server page logs a browser in); management token in {}; \
         Ctrl-C stops it",
        identity.as_deref().unwrap_or("no identity"),
        if options.imds_v1 {
            " (IMDSv1 allowed)"
        } else {
            ""
        },
        state.page_url(),
        token_path.display()
    ));
    if let Some(found) = competing::before_endpoint() {
        note(&format!("warning: {}", competing::warning(&found)));
    }
    if crate::peer::table_only() {
        note(&format!(
            "each connection's owner is read from /proc/net/tcp ({}=table), off the accept loop",
            crate::peer::LOOKUP_ENV
        ));
    }
    if let Some(name) = &identity {
        state.sessions.warm(name);
    }
    let served = runtime.block_on(async move {
        listener
            .set_nonblocking(true)
            .map_err(|e| Error::new(format!("cannot listen on {listen}: {e}")))?;
        let listener = tokio::net::TcpListener::from_std(listener)
            .map_err(|e| Error::new(format!("cannot listen on {listen}: {e}")))?;
        run(listener, state, stopped, Some(signals)).await;
        Ok::<(), Error>(())
    });
    tokens::forget_running(listen);
    served?;
    note("stopped");
    Ok(String::new())
}

/// SIGINT and SIGTERM, caught.
pub struct Signals {
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
}

/// Resolves when the process gets SIGINT or SIGTERM (never, without `signals`).
async fn signalled(signals: Option<Signals>) {
    match signals {
        Some(Signals { mut int, mut term }) => {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
        }
        None => std::future::pending().await,
    }
}

/// Accepts and serves connections until told to stop (or, with `signals`, until SIGINT or
/// SIGTERM); then tells each connection to finish its answer and close, and waits for them at
/// most [`STOP_WAIT`].
///
/// Each connection's owner is asked of sock_diag right here, in a few µs. When it cannot say
/// (no inet_diag in the kernel, or `AWS_AS_PEER_LOOKUP=table`), the tables in /proc are read on
/// tokio's blocking threads instead (a millisecond and more under load): the loop goes on
/// accepting meanwhile, and the connection waits for its answer before a byte of it is read.
pub async fn run(
    listener: tokio::net::TcpListener,
    state: State,
    mut stopped: watch::Receiver<bool>,
    signals: Option<Signals>,
) {
    let door = Arc::new(Door {
        // SAFETY: geteuid has no preconditions and cannot fail.
        own: unsafe { libc::geteuid() },
        allowed_users: state.allowed_users.clone(),
        permits: Arc::new(Semaphore::new(MAX_CONNECTIONS)),
        others: Default::default(),
        refusals: Default::default(),
        last_full: Default::default(),
    });
    let table_only = crate::peer::table_only();
    let router = super::router(state);
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .max_headers(MAX_HEADERS)
        .max_header_size(MAX_HEADER_BYTES)
        .max_buf_size(16 * 1024);
    // Tells every connection to finish, once the server stops.
    let (closing, _) = watch::channel(false);
    let signal = signalled(signals);
    tokio::pin!(signal);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors, most likely: wait for some to be freed.
                    note(&format!("cannot accept a connection: {e}"));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut signal => break,
            _ = stopped.wait_for(|s| *s) => break,
        };
        let accepted = Accepted {
            stream,
            peer,
            router: router.clone(),
            builder: builder.clone(),
            closing: closing.subscribe(),
        };
        // Asked before any byte is read: the refused get nothing, not even a status line.
        let local = accepted.stream.local_addr().ok();
        let quick = match local {
            Some(local) if !table_only => crate::peer::quick_owner(peer, local),
            _ => None,
        };
        match (quick, local) {
            (Some(uid), _) => {
                if let Some(admitted) = door.admit(Some(uid), peer) {
                    tokio::spawn(accepted.serve(admitted));
                }
            }
            // Off Linux nobody can be told apart: nothing to look up.
            (None, Some(local)) if crate::peer::CAN_TELL => {
                let door = Arc::clone(&door);
                tokio::spawn(async move {
                    let owner =
                        tokio::task::spawn_blocking(move || crate::peer::table_owner(peer, local))
                            .await
                            .ok()
                            .flatten();
                    if let Some(admitted) = door.admit(owner, peer) {
                        accepted.serve(admitted).await;
                    }
                });
            }
            (None, _) => {
                if let Some(admitted) = door.admit(None, peer) {
                    tokio::spawn(accepted.serve(admitted));
                }
            }
        }
    }
    closing.send_replace(true);
    // Every permit back: every connection has closed.
    let all = u32::try_from(MAX_CONNECTIONS).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(STOP_WAIT, door.permits.acquire_many(all)).await;
}

/// A connection accepted, with what serving it takes.
struct Accepted {
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    router: axum::Router,
    builder: http1::Builder,
    closing: watch::Receiver<bool>,
}

impl Accepted {
    /// Serves the connection until it ends, the server stops, or [`MAX_CONNECTION_LIFE`]; its
    /// place (`admitted`) is given back then.
    async fn serve(self, admitted: Admitted) {
        let Accepted {
            stream,
            peer,
            router,
            builder,
            mut closing,
        } = self;
        let _ = stream.set_nodelay(true);
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(super::guard::Peer(peer));
            let mut router = router.clone();
            async move { router.call(request).await }
        });
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        tokio::pin!(connection);
        let served = async {
            tokio::select! {
                _ = connection.as_mut() => return,
                _ = closing.wait_for(|c| *c) => {}
            }
            // The answer under way is finished; a keep-alive connection waiting for its
            // next request closes now instead of when the runtime is dropped.
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        };
        let _ = tokio::time::timeout(MAX_CONNECTION_LIFE, served).await;
        drop(admitted);
    }
}
