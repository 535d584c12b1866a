//! Where the server may listen and how it is addressed: plain std, so that `aws-as server …`
//! (control.rs, in the lean binary) and the server itself (server/listen.rs) name addresses
//! alike.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::error::Result;

/// 127.0.0.1:9254: the port is a mnemonic for 169.254.169.254.
pub const DEFAULT_LISTEN: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 9254);
/// Where the ECS endpoint serves an identity: this, then its name percent-encoded.
pub const ECS_PREFIX: &str = "/ecs/";
/// The addresses SDKs look for IMDS at when no variable says otherwise.
const IMDS_V4: Ipv4Addr = Ipv4Addr::new(169, 254, 169, 254);
const IMDS_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254);

/// The addresses of this machine's interfaces, with whether each is on a loopback interface.
pub fn interface_addresses() -> Vec<(IpAddr, bool)> {
    let mut out = Vec::new();
    let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `list` with a linked list we only read, then free once.
    unsafe {
        if libc::getifaddrs(&mut list) != 0 {
            return out;
        }
        let mut cur = list;
        while !cur.is_null() {
            let ifa = &*cur;
            let loopback = ifa.ifa_flags & libc::IFF_LOOPBACK as u32 != 0;
            if !ifa.ifa_addr.is_null() {
                match i32::from((*ifa.ifa_addr).sa_family) {
                    libc::AF_INET => {
                        let sin = &*(ifa.ifa_addr as *const libc::sockaddr_in);
                        let ip = Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
                        out.push((IpAddr::V4(ip), loopback));
                    }
                    libc::AF_INET6 => {
                        let sin6 = &*(ifa.ifa_addr as *const libc::sockaddr_in6);
                        out.push((IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr)), loopback));
                    }
                    _ => {}
                }
            }
            cur = ifa.ifa_next;
        }
        libc::freeifaddrs(list);
    }
    out
}

/// Loopback, or the IMDS address when it sits on a loopback interface: anything else would
/// put credentials on a network.
pub fn check_listen(addr: SocketAddr) -> Result<()> {
    let ip = addr.ip();
    if ip.is_loopback() {
        return Ok(());
    }
    let imds = ip == IpAddr::V4(IMDS_V4) || ip == IpAddr::V6(IMDS_V6);
    if !imds {
        bail!(
            "refusing to listen on {addr}: credentials are served on loopback only (127.0.0.1, \
             [::1]), or on 169.254.169.254 / [fd00:ec2::254] put on lo"
        );
    }
    if !interface_addresses().contains(&(ip, true)) {
        let cidr = if ip.is_ipv4() { "32" } else { "128" };
        bail!(
            "refusing to listen on {addr}: {ip} is not on the loopback interface; once, as root: \
             ip addr add {ip}/{cidr} dev lo"
        );
    }
    Ok(())
}

/// The `Host` values a request to `addr` may carry.
pub fn hosts(addr: SocketAddr) -> Vec<String> {
    let ip = match addr.ip() {
        IpAddr::V4(ip) => ip.to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
    };
    let port = addr.port();
    let mut hosts = vec![format!("{ip}:{port}"), format!("localhost:{port}")];
    if port == 80 {
        hosts.push(ip);
        hosts.push("localhost".into());
    }
    // What SDKs with no variable send when a redirect rule brings 169.254.169.254:80 here. No
    // page can rebind a literal address: only a name it controls, which is not on this list.
    for imds in ["169.254.169.254", "[fd00:ec2::254]"] {
        for host in [imds.to_string(), format!("{imds}:80")] {
            if !hosts.contains(&host) {
                hosts.push(host);
            }
        }
    }
    hosts
}

/// `http://ADDR:PORT/` (the port left out when it is 80), with the slash SDKs need.
pub fn url(addr: SocketAddr) -> String {
    let host = match addr.ip() {
        IpAddr::V4(ip) => ip.to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
    };
    if addr.port() == 80 {
        format!("http://{host}/")
    } else {
        format!("http://{host}:{}/", addr.port())
    }
}

/// Who would take a connection to `addr`, as the kernel's tables of this network namespace say
/// (`/proc/net/tcp`, `tcp6`). A port on loopback is anyone's to take: a control command checks
/// this before it sends the management token, so another user's program on a port a server
/// once used gets nothing.
#[derive(Debug, PartialEq, Eq)]
pub enum Listener {
    /// The user who owns the socket that would accept the connection.
    Owner(u32),
    /// Nothing listens there.
    Nobody,
    /// The tables cannot be read (not Linux, no /proc): nothing is known.
    Unknown,
}

/// The kernel prints each 32-bit word of an address in host order, the port big-endian.
fn table_address(ip: IpAddr, port: u16) -> String {
    let words: Vec<u32> = match ip {
        IpAddr::V4(ip) => vec![u32::from_ne_bytes(ip.octets())],
        IpAddr::V6(ip) => ip
            .octets()
            .chunks(4)
            .map(|c| u32::from_ne_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
    };
    let text: String = words.iter().map(|w| format!("{w:08X}")).collect();
    format!("{text}:{port:04X}")
}

/// The owner of the socket that would accept a connection to `addr`: one bound to the address
/// itself wins over a wildcard one (0.0.0.0, or a dual-stack `::`, which takes IPv4 too), as the
/// kernel chooses; a wildcard listener of another user takes the connection just as well.
pub fn listener(addr: SocketAddr) -> Listener {
    const LISTEN: &str = "0A";
    // Linux's tables; elsewhere (macOS) nothing is known, and the client's proof check
    // (control.rs) is what keeps the token from a program that is not the server.
    let read = |table: &str| {
        if cfg!(target_os = "linux") {
            std::fs::read_to_string(table).ok()
        } else {
            None
        }
    };
    let (tcp, tcp6) = (read("/proc/net/tcp"), read("/proc/net/tcp6"));
    if tcp.is_none() && tcp6.is_none() {
        return Listener::Unknown;
    }
    let port = addr.port();
    let candidates: Vec<(&Option<String>, String)> = match addr.ip() {
        IpAddr::V4(ip) => vec![
            (&tcp, table_address(addr.ip(), port)),
            (&tcp6, table_address(IpAddr::V6(ip.to_ipv6_mapped()), port)),
            (&tcp, table_address(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port)),
            (
                &tcp6,
                table_address(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port),
            ),
        ],
        IpAddr::V6(_) => vec![
            (&tcp6, table_address(addr.ip(), port)),
            (
                &tcp6,
                table_address(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port),
            ),
        ],
    };
    for (table, local) in candidates {
        let found = table
            .as_deref()
            .into_iter()
            .flat_map(str::lines)
            .skip(1)
            .find_map(|line| {
                let f: Vec<&str> = line.split_whitespace().collect();
                (f.len() > 7 && f[1].eq_ignore_ascii_case(&local) && f[3] == LISTEN)
                    .then(|| f[7].parse().ok())
                    .flatten()
            });
        if let Some(uid) = found {
            return Listener::Owner(uid);
        }
    }
    Listener::Nobody
}
