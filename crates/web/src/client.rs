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

/// The address a request is counted under: the peer, or, when the peer is
/// a trusted proxy, the nearest untrusted hop of `X-Forwarded-For`.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .map(|h| h.parse::<IpAddr>())
        .collect::<Result<_, _>>()
        // A malformed chain is not believed at all.
        .unwrap_or_default();
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        client = hop;
        if !is_trusted(&hop) {
            break;
        }
    }
    client
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
        // No header, or a malformed one: the proxy itself.
        assert_eq!(
            client_ip(ip("127.0.0.1"), &headers(&[]), &trusted),
            ip("127.0.0.1")
        );
        assert_eq!(
            client_ip(ip("127.0.0.1"), &headers(&["không phải địa chỉ"]), &trusted),
            ip("127.0.0.1")
        );
        // Nothing trusted: never believed.
        assert_eq!(
            client_ip(ip("127.0.0.1"), &headers(&["203.0.113.9"]), &[]),
            ip("127.0.0.1")
        );
        assert!(parse_networks("10.0.0.0/33").is_err());
        assert_eq!(parse_networks("").unwrap(), vec![]);
    }
}
