//! Who is on the other end of a loopback TCP connection: the user who owns the connecting
//! socket, as the kernel says. Being local is no proof of being the user: on a shared machine
//! another account reaches 127.0.0.1 too, and can read every process's arguments
//! (`/proc/*/cmdline`), so an address handed to the user's own browser is known to all.
//!
//! Linux only. Asked of sock_diag (a netlink `SOCK_DIAG_BY_FAMILY` request naming the one
//! socket by its four address parts: the kernel looks it up in its hash of connections, so the
//! cost does not grow with the machine's sockets: 4 µs a lookup, measured by the `cost` test below),
//! else read from `/proc/net/tcp` and `/proc/net/tcp6` (a line per socket of the network namespace:
//! 1.3 ms with 570 sockets, growing with them), for a kernel without inet_diag. Neither needs a
//! privilege. An owner neither can find is `None`: the caller refuses the connection.

use std::net::{IpAddr, SocketAddr};

/// Whether this system can say who owns a socket at all. Elsewhere (macOS) [`owner`] is always
/// `None`, and a caller that refused every connection would serve nobody.
pub const CAN_TELL: bool = cfg!(target_os = "linux");

/// The uid that owns the socket connected from `peer` to `local` (the two addresses of a
/// connection accepted on `local`), when the kernel can say: [`quick_owner`], else
/// [`table_owner`].
pub fn owner(peer: SocketAddr, local: SocketAddr) -> Option<u32> {
    quick_owner(peer, local).or_else(|| table_owner(peer, local))
}

/// `AWS_AS_PEER_LOOKUP=table`: skip sock_diag and read the tables, as on a kernel without
/// inet_diag (for tests, and to tell the two apart when one misbehaves).
pub const LOOKUP_ENV: &str = "AWS_AS_PEER_LOOKUP";

/// Whether [`quick_owner`] is skipped ([`LOOKUP_ENV`]); read once by a caller that asks often.
pub fn table_only() -> bool {
    crate::env_var(LOOKUP_ENV).is_some_and(|v| v == "table")
}

/// The owner as sock_diag says, in a few µs: what a caller on an async runtime may ask inline.
/// `None` also when netlink is missing: then ask [`table_owner`], off the runtime's threads.
pub fn quick_owner(peer: SocketAddr, local: SocketAddr) -> Option<u32> {
    #[cfg(target_os = "linux")]
    {
        linux::sock_diag(peer, local)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (peer, local);
        None
    }
}

/// The owner as `/proc/net/tcp` and `tcp6` say: a read of the whole table, a millisecond and
/// more on a busy machine, so blocking work (`spawn_blocking` on a runtime).
pub fn table_owner(peer: SocketAddr, local: SocketAddr) -> Option<u32> {
    #[cfg(target_os = "linux")]
    {
        linux::proc_net(peer, local)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (peer, local);
        None
    }
}

/// The name of user `uid` on this machine (the password database), if it has one.
pub fn user_name(uid: u32) -> Option<String> {
    let mut buf = vec![0u8; 16 * 1024];
    // SAFETY: passwd is plain data; getpwuid_r writes into it and into `buf` (whose length it is
    // told) and sets `found` to it or to null; pw_name then points into `buf`, NUL-terminated.
    unsafe {
        let mut passwd: libc::passwd = std::mem::zeroed();
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwuid_r(
            uid,
            &mut passwd,
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut found,
        );
        if rc != 0 || found.is_null() || passwd.pw_name.is_null() {
            return None;
        }
        Some(
            std::ffi::CStr::from_ptr(passwd.pw_name)
                .to_string_lossy()
                .into_owned(),
        )
    }
}

/// True when the connection from `peer` to `local` was made by this process's user (its
/// effective uid: the one its own sockets get).
pub fn is_own(peer: SocketAddr, local: SocketAddr) -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    owner(peer, local) == Some(unsafe { libc::geteuid() })
}

/// An address as the kernel's tables hold it: IPv4 as an IPv4-mapped IPv6 address, so a socket
/// of either family compares.
fn mapped(ip: IpAddr) -> [u8; 16] {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
        IpAddr::V6(v6) => v6.octets(),
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::io::Read;
    use std::mem::size_of;
    use std::net::{IpAddr, SocketAddr};
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

    use super::mapped;

    // linux/sock_diag.h, linux/inet_diag.h: not in the libc crate.
    const SOCK_DIAG_BY_FAMILY: u16 = 20;
    const INET_DIAG_NOCOOKIE: u32 = !0;

    #[repr(C)]
    #[derive(Clone, Copy, Default)]
    struct SockId {
        sport: [u8; 2],
        dport: [u8; 2],
        src: [u8; 16],
        dst: [u8; 16],
        interface: u32,
        cookie: [u32; 2],
    }

    #[repr(C)]
    struct Request {
        header: libc::nlmsghdr,
        family: u8,
        protocol: u8,
        ext: u8,
        pad: u8,
        states: u32,
        id: SockId,
    }

    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Answer {
        family: u8,
        state: u8,
        timer: u8,
        retrans: u8,
        id: SockId,
        expires: u32,
        rqueue: u32,
        wqueue: u32,
        uid: u32,
        inode: u32,
    }

    /// The connecting socket is the one whose source is `peer` and destination `local`.
    pub(super) fn sock_diag(peer: SocketAddr, local: SocketAddr) -> Option<u32> {
        let (family, src, dst) = match (peer.ip(), local.ip()) {
            (IpAddr::V4(p), IpAddr::V4(l)) => {
                let (mut src, mut dst) = ([0u8; 16], [0u8; 16]);
                src[..4].copy_from_slice(&p.octets());
                dst[..4].copy_from_slice(&l.octets());
                (libc::AF_INET, src, dst)
            }
            (p, l) => (libc::AF_INET6, mapped(p), mapped(l)),
        };
        // SAFETY: socket has no memory preconditions; the descriptor is owned at once.
        let fd = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
                libc::NETLINK_SOCK_DIAG,
            )
        };
        if fd < 0 {
            return None;
        }
        // SAFETY: fd is a new descriptor nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let request = Request {
            header: libc::nlmsghdr {
                nlmsg_len: size_of::<Request>() as u32,
                nlmsg_type: SOCK_DIAG_BY_FAMILY,
                nlmsg_flags: libc::NLM_F_REQUEST as u16,
                nlmsg_seq: 1,
                nlmsg_pid: 0,
            },
            family: family as u8,
            protocol: libc::IPPROTO_TCP as u8,
            ext: 0,
            pad: 0,
            states: !0,
            id: SockId {
                sport: peer.port().to_be_bytes(),
                dport: local.port().to_be_bytes(),
                src,
                dst,
                interface: 0,
                cookie: [INET_DIAG_NOCOOKIE; 2],
            },
        };
        // SAFETY: the buffer is the request, of its own size; the kernel's address is zeroed
        // (pid 0: the kernel) with its family set.
        let sent = unsafe {
            let mut kernel: libc::sockaddr_nl = std::mem::zeroed();
            kernel.nl_family = libc::AF_NETLINK as u16;
            libc::sendto(
                fd.as_raw_fd(),
                (&request as *const Request).cast(),
                size_of::<Request>(),
                0,
                (&kernel as *const libc::sockaddr_nl).cast(),
                size_of::<libc::sockaddr_nl>() as u32,
            )
        };
        if sent != size_of::<Request>() as isize {
            return None;
        }
        // One answer: the socket, or an error message (NLMSG_ERROR) when there is none.
        let mut buf = [0u8; 512];
        // SAFETY: the buffer is writable for its length.
        let got = unsafe { libc::recv(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
        let header = size_of::<libc::nlmsghdr>();
        if got < (header + size_of::<Answer>()) as isize {
            return None;
        }
        // SAFETY: both reads are within the bytes received; read_unaligned needs no alignment.
        let (head, answer) = unsafe {
            (
                std::ptr::read_unaligned(buf.as_ptr().cast::<libc::nlmsghdr>()),
                std::ptr::read_unaligned(buf[header..].as_ptr().cast::<Answer>()),
            )
        };
        // The kernel matched all four parts; check them again rather than trust a stray answer.
        let same = head.nlmsg_type == SOCK_DIAG_BY_FAMILY
            && answer.id.sport == request.id.sport
            && answer.id.dport == request.id.dport
            && answer.id.src == src
            && answer.id.dst == dst;
        same.then_some(answer.uid)
    }

    /// The same, from the text tables: `local_address rem_address … uid` per socket, addresses in
    /// hex of the kernel's (little-endian here) 32-bit words, ports in hex.
    pub(super) fn proc_net(peer: SocketAddr, local: SocketAddr) -> Option<u32> {
        let want = |ip: IpAddr, port: u16, six: bool| -> String {
            let bytes: Vec<u8> = match (ip, six) {
                (IpAddr::V4(v4), false) => v4.octets().to_vec(),
                (IpAddr::V6(_), false) => return String::new(),
                (ip, true) => mapped(ip).to_vec(),
            };
            let words: String = bytes
                .chunks(4)
                .map(|w| {
                    let word = u32::from_ne_bytes([w[0], w[1], w[2], w[3]]);
                    format!("{word:08X}")
                })
                .collect();
            format!("{words}:{port:04X}")
        };
        for (table, six) in [("/proc/net/tcp", false), ("/proc/net/tcp6", true)] {
            let (src, dst) = (
                want(peer.ip(), peer.port(), six),
                want(local.ip(), local.port(), six),
            );
            if src.is_empty() {
                continue;
            }
            let mut text = String::new();
            if std::fs::File::open(table)
                .and_then(|mut f| f.read_to_string(&mut text))
                .is_err()
            {
                continue;
            }
            for line in text.lines().skip(1) {
                let fields: Vec<&str> = line.split_ascii_whitespace().collect();
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid
                if fields.len() > 7 && fields[1] == src && fields[2] == dst {
                    return fields[7].parse().ok();
                }
            }
        }
        None
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::net::{TcpListener, TcpStream};

    fn euid() -> u32 {
        // SAFETY: geteuid has no preconditions.
        unsafe { libc::geteuid() }
    }

    #[test]
    fn both_ways_name_this_user_for_its_own_connection() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let _client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, peer) = listener.accept().unwrap();
        let local = server.local_addr().unwrap();
        assert_eq!(linux::sock_diag(peer, local), Some(euid()));
        assert_eq!(linux::proc_net(peer, local), Some(euid()));
        assert!(is_own(peer, local));
        // The listening side's own socket, or a port nobody uses, is no connection from a peer.
        let nobody: SocketAddr = "127.0.0.1:1".parse().unwrap();
        assert_eq!(linux::sock_diag(nobody, local), None);
        assert_eq!(linux::proc_net(nobody, local), None);
        assert!(!is_own(nobody, local));
    }

    #[test]
    fn users_are_named() {
        assert_eq!(user_name(0).as_deref(), Some("root"));
        assert_eq!(user_name(4_000_000_000), None);
    }

    #[test]
    fn an_ipv6_socket_connected_to_a_mapped_address_is_found() {
        // A client may reach 127.0.0.1 from an IPv6 socket (::ffff:127.0.0.1); the accepted
        // connection then says 127.0.0.1 and the client's socket is in the IPv6 table.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let Ok(_client) = TcpStream::connect(format!("[::ffff:127.0.0.1]:{port}")) else {
            return; // no IPv6 in this kernel
        };
        let (server, peer) = listener.accept().unwrap();
        assert!(is_own(peer, server.local_addr().unwrap()));
    }

    /// The cost per connection, printed (`cargo test --lib peer -- --nocapture`): not asserted.
    #[test]
    fn cost() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let _client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, peer) = listener.accept().unwrap();
        let local = server.local_addr().unwrap();
        for (name, f) in [
            (
                "sock_diag",
                linux::sock_diag as fn(SocketAddr, SocketAddr) -> Option<u32>,
            ),
            ("/proc/net", linux::proc_net),
        ] {
            let started = std::time::Instant::now();
            for _ in 0..1000 {
                assert_eq!(f(peer, local), Some(euid()));
            }
            eprintln!("{name}: {:?} a lookup", started.elapsed() / 1000);
        }
    }
}
