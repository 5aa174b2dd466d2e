//! The form token of visitors not signed in (the login form, a citizen's
//! comment). It is sent as a cookie and in the form; the server accepts
//! it only if it signed it (HMAC-SHA-256 with the deployment's secret,
//! kept in the database) within the last three hours, so a value planted
//! in a visitor's browser by someone else is refused.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

const LIFETIME_SECS: i64 = 3 * 3600;

#[derive(Clone)]
pub struct PreLoginTokens {
    key: Vec<u8>,
}

impl PreLoginTokens {
    pub fn new(secret: &str) -> PreLoginTokens {
        PreLoginTokens {
            key: secret.as_bytes().to_vec(),
        }
    }

    fn tag(&self, body: &str) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(b"dvk-pre-login:");
        mac.update(body.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// A fresh token: 32 random hex digits, the issue time, the tag (hex).
    pub fn issue(&self, now: i64) -> String {
        let body = format!(
            "{}{:016x}",
            &dvk_store::accounts::random_token()[..32],
            now.max(0)
        );
        let tag = hex::encode(self.tag(&body));
        format!("{body}{tag}")
    }

    /// Whether this server issued `token` less than three hours ago.
    pub fn valid(&self, token: &str, now: i64) -> bool {
        self.age(token, now).is_some()
    }

    /// Seconds since this server issued `token`, if it did and it has not
    /// expired.
    pub fn age(&self, token: &str, now: i64) -> Option<i64> {
        self.checked(token, now)
            .then(|| now - i64::from_str_radix(&token[32..48], 16).unwrap_or(now))
    }

    /// An opaque key for one visitor on one day (their address, keyed with
    /// the deployment's secret): counts visitors without keeping any address.
    pub fn visitor(&self, client: std::net::IpAddr, day: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(b"dvk-visitor:");
        mac.update(format!("{client}|{day}").as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    fn checked(&self, token: &str, now: i64) -> bool {
        if token.len() != 32 + 16 + 64 || !token.is_ascii() {
            return false;
        }
        let (body, tag) = token.split_at(48);
        let Ok(tag) = hex::decode(tag) else {
            return false;
        };
        let Ok(issued) = i64::from_str_radix(&body[32..], 16) else {
            return false;
        };
        if now - issued > LIFETIME_SECS || issued > now + 60 {
            return false;
        }
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(b"dvk-pre-login:");
        mac.update(body.as_bytes());
        mac.verify_slice(&tag).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_recent_tokens_pass() {
        let ours = PreLoginTokens::new("bí mật của tỉnh");
        let theirs = PreLoginTokens::new("khoá khác");
        let t = ours.issue(1_000_000);
        assert!(ours.valid(&t, 1_000_000 + 60));
        assert!(!ours.valid(&t, 1_000_000 + 4 * 3600), "expired");
        assert!(!theirs.valid(&t, 1_000_000), "another key");
        let mut forged = t.clone();
        forged.replace_range(0..1, if t.starts_with('a') { "b" } else { "a" });
        assert!(!ours.valid(&forged, 1_000_000));
        assert!(!ours.valid(&"a".repeat(64), 1_000_000));
        assert!(!ours.valid("", 1_000_000));
    }
}
