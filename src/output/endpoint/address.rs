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

/// The user that owns the socket listening on `addr`, from the kernel's table of this network
/// namespace (`/proc/net/tcp`, `tcp6`); `None` when nothing listens there or the table cannot be
/// read. A port on loopback is anyone's to take: a control command checks this before it sends
/// the management token, so another user's program on a port a server once used gets nothing.
pub fn listener_uid(addr: SocketAddr) -> Option<u32> {
    // The kernel prints each 32-bit word of the address in host order, the port big-endian.
    let words: Vec<u32> = match addr.ip() {
        IpAddr::V4(ip) => vec![u32::from_ne_bytes(ip.octets())],
        IpAddr::V6(ip) => ip
            .octets()
            .chunks(4)
            .map(|c| u32::from_ne_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
    };
    let local: String = words.iter().map(|w| format!("{w:08X}")).collect();
    let local = format!("{local}:{:04X}", addr.port());
    let table = if addr.is_ipv4() {
        "/proc/net/tcp"
    } else {
        "/proc/net/tcp6"
    };
    const LISTEN: &str = "0A";
    std::fs::read_to_string(table)
        .ok()?
        .lines()
        .skip(1)
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .find(|f| f.len() > 7 && f[1].eq_ignore_ascii_case(&local) && f[3] == LISTEN)
        .and_then(|f| f[7].parse().ok())
}
