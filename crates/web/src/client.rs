//! Who is on the other end. Behind a reverse proxy every connection comes
//! from the proxy, so throttling, rate limits and logs would treat all
//! citizens as one. `X-Forwarded-For` is believed only when the connection
//! comes from a configured trusted proxy, and then only up to the first
//! address (from the right) that is not itself a trusted proxy — so a
//! client cannot choose its own address by sending the header.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ipnet::IpNet;
use std::convert::Infallible;
use std::net::IpAddr;

/// The client's address as DVK counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// Stands for a client whose address a trusted proxy sent in a form we
/// cannot read: matches no allowlist, and such clients share one budget.
pub const UNREADABLE: IpAddr = IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED);

/// One hop of `X-Forwarded-For`: an address, possibly with a port
/// (`1.2.3.4:5555`, `[2001:db8::1]:443`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    let (ip, port) = hop.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    ip.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

/// The address a request is counted under: the peer, or, when the peer is
/// a trusted proxy, the nearest hop of `X-Forwarded-For` (read from the
/// right) that is not itself a trusted proxy. A hop that cannot be read
/// ends the walk at [`UNREADABLE`] — never at the proxy's own address.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|v| v.to_str().unwrap_or("\u{0}"))
        .flat_map(|v| v.split(','))
        .collect();
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        let Some(ip) = parse_hop(hop) else {
            return UNREADABLE;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

/// The address a client's limits are counted under: IPv4 per address
/// (an IPv4-mapped IPv6 address counts as its IPv4 address), IPv6 per /64
/// — one household or office gets a whole /64, and could rotate in it.
pub fn budget_key(client: IpAddr) -> IpAddr {
    match client {
        IpAddr::V4(_) => client,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// Whether the request says it was forwarded (by some proxy, trusted or
/// not).
pub fn forwarded(headers: &HeaderMap) -> bool {
    ["x-forwarded-for", "forwarded", "x-real-ip"]
        .iter()
        .any(|h| headers.contains_key(*h))
}

/// Parses `DVK_TRUSTED_PROXIES`: CIDRs or single addresses, separated by
/// commas or spaces.
pub fn parse_networks(list: &str) -> Result<Vec<IpNet>, String> {
    list.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    format!("địa chỉ mạng không hợp lệ: {s} (cần dạng 10.0.0.0/8 hoặc 127.0.0.1)")
                })
        })
        .collect()
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<ClientIp>()
            .copied()
            .unwrap_or(ClientIp(IpAddr::from([127, 0, 0, 1]))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_header_counts_only_from_trusted_proxies() {
        let trusted = parse_networks("10.0.0.0/8, 127.0.0.1").unwrap();
        // Straight from a client: the header is ignored.
        assert_eq!(
            client_ip(ip("203.0.113.9"), &headers(&["1.2.3.4"]), &trusted),
            ip("203.0.113.9")
        );
        // Through the proxy: the hop it saw.
        assert_eq!(
            client_ip(ip("127.0.0.1"), &headers(&["203.0.113.9"]), &trusted),
            ip("203.0.113.9")
        );
        // A client-supplied prefix is skipped: the rightmost untrusted hop wins.
        assert_eq!(
            client_ip(
                ip("127.0.0.1"),
                &headers(&["6.6.6.6, 203.0.113.9, 10.1.2.3"]),
                &trusted
            ),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_ip(
                ip("127.0.0.1"),
                &headers(&["6.6.6.6", "203.0.113.9"]),
                &trusted
            ),
            ip("203.0.113.9")
        );
        // No header: the proxy itself. A hop that cannot be read: never
        // the proxy's address (it would pass an allowlist of the proxy).
        assert_eq!(
            client_ip(ip("127.0.0.1"), &headers(&[]), &trusted),
            ip("127.0.0.1")
        );
        assert_eq!(
            client_ip(ip("127.0.0.1"), &headers(&["không phải địa chỉ"]), &trusted),
            UNREADABLE
        );
        assert_eq!(
            client_ip(ip("127.0.0.1"), &headers(&["x, 203.0.113.9"]), &trusted),
            ip("203.0.113.9"),
            "the walk stops at the first untrusted hop before the junk"
        );
        assert_eq!(
            client_ip(ip("127.0.0.1"), &headers(&["203.0.113.9, x"]), &trusted),
            UNREADABLE
        );
        // Proxies that add ports.
        assert_eq!(
            client_ip(ip("127.0.0.1"), &headers(&["203.0.113.9:5555"]), &trusted),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_ip(ip("127.0.0.1"), &headers(&["[2001:db8::1]:443"]), &trusted),
            ip("2001:db8::1")
        );
        // Nothing trusted: never believed.
        assert_eq!(
            client_ip(ip("127.0.0.1"), &headers(&["203.0.113.9"]), &[]),
            ip("127.0.0.1")
        );
        assert!(parse_networks("10.0.0.0/33").is_err());
        // Limits: IPv6 per /64, mapped IPv4 as IPv4.
        assert_eq!(budget_key(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(budget_key(ip("::ffff:203.0.113.9")), ip("203.0.113.9"));
        assert_eq!(budget_key(ip("203.0.113.9")), ip("203.0.113.9"));
        assert_eq!(parse_networks("").unwrap(), vec![]);
    }
}
