//! The address a request came from: its peer, or behind a trusted proxy the client the proxy
//! names in `X-Forwarded-For` (see [`Config::trusted_proxies`](crate::Config::trusted_proxies)).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use ipnet::IpNet;

use super::{ApiError, AppState};

/// The client's address. A request served without a socket (a test's `oneshot`) counts as
/// from `0.0.0.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientAddr(pub(crate) IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(addr)| {
                addr.ip().to_canonical()
            });
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok());
        Ok(ClientAddr(client_of(
            peer,
            forwarded,
            &state.trusted_proxies,
        )))
    }
}

/// The client: walking back from the peer through `X-Forwarded-For` while the hop is a
/// trusted proxy, the first hop that is not (a client can write anything at the start of the
/// header, so only what trusted proxies appended counts).
fn client_of<'a>(
    peer: IpAddr,
    forwarded: impl Iterator<Item = &'a str>,
    trusted: &[IpNet],
) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) => {
                client = ip.to_canonical();
                if !is_trusted(&client) {
                    break;
                }
            }
            // A hop that is no address: the proxies' chain ends before it.
            Err(_) => break,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_proxy() {
        let trusted: Vec<IpNet> = vec![
            "127.0.0.1/32".parse().unwrap(),
            "10.0.0.0/8".parse().unwrap(),
        ];
        // An untrusted peer is the client, whatever it forwards.
        assert_eq!(
            client_of(ip("203.0.113.9"), ["6.6.6.6"].into_iter(), &trusted),
            ip("203.0.113.9")
        );
        // nginx on loopback names the client.
        assert_eq!(
            client_of(ip("127.0.0.1"), ["198.51.100.7"].into_iter(), &trusted),
            ip("198.51.100.7")
        );
        // A client's own entry before the proxies' is skipped: the last untrusted hop counts.
        assert_eq!(
            client_of(
                ip("127.0.0.1"),
                ["6.6.6.6, 198.51.100.7", "10.1.2.3"].into_iter(),
                &trusted
            ),
            ip("198.51.100.7")
        );
        // Garbage ends the chain; a proxy with no header is its own client.
        assert_eq!(
            client_of(ip("127.0.0.1"), ["nonsense"].into_iter(), &trusted),
            ip("127.0.0.1")
        );
        assert_eq!(
            client_of(ip("127.0.0.1"), [].into_iter(), &[]),
            ip("127.0.0.1")
        );
    }
}
