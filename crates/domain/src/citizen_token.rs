//! Signed tokens citizens carry: the venue token in a poster's URL (`/v/{token}`) and the
//! personal QR (`CDP1:{token}`). A token is base64url(id as 8 bytes big-endian ‖ the first
//! 16 bytes of HMAC-SHA256(secret, label ‖ id)). The id alone is sequential; the tag makes
//! a token for another id unguessable without the server's secret, so check-ins cannot be
//! forged for other venues by counting.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Bytes of the tag kept: 128 bits, beyond any online guessing.
const TAG_LEN: usize = 16;
/// Length of a token's text: 24 bytes in base64url without padding.
pub const TOKEN_LEN: usize = 32;
/// The personal QR's prefix.
pub const PERSON_PREFIX: &str = "CDP1:";

/// What a token names: the same id signs differently as a venue and as a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Venue,
    Person,
}

impl Kind {
    fn label(self) -> &'static [u8] {
        match self {
            Kind::Venue => b"venue",
            Kind::Person => b"person",
        }
    }
}

/// The server's secret: 32 random bytes made once and kept (`Store::citizen_key`).
#[derive(Clone)]
pub struct Secret([u8; 32]);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl Secret {
    pub fn generate() -> Secret {
        use rand::RngCore;
        let mut b = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut b);
        Secret(b)
    }

    pub fn from_bytes(b: [u8; 32]) -> Secret {
        Secret(b)
    }

    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.0)
    }

    pub fn from_base64(s: &str) -> Option<Secret> {
        let v = base64::engine::general_purpose::STANDARD.decode(s).ok()?;
        Some(Secret(v.try_into().ok()?))
    }

    fn mac(&self, kind: Kind, id: i64) -> Hmac<Sha256> {
        // A 32-byte key is always accepted by HMAC.
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        m.update(kind.label());
        m.update(&id.to_be_bytes());
        m
    }

    /// The token of `id` as `kind`.
    pub fn sign(&self, kind: Kind, id: i64) -> String {
        let tag = self.mac(kind, id).finalize().into_bytes();
        let mut bytes = [0u8; 8 + TAG_LEN];
        bytes[..8].copy_from_slice(&id.to_be_bytes());
        bytes[8..].copy_from_slice(&tag[..TAG_LEN]);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The id a token names as `kind`, when its tag is right (compared in constant time by
    /// `verify_truncated_left`). Any other text: `None`.
    pub fn verify(&self, kind: Kind, token: &str) -> Option<i64> {
        if token.len() != TOKEN_LEN {
            return None;
        }
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token)
            .ok()?;
        // Only the canonical spelling: another text decoding to the same bytes is refused.
        if base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes) != token {
            return None;
        }
        let (id, tag) = bytes.split_at(8);
        let id = i64::from_be_bytes(id.try_into().ok()?);
        if id <= 0 {
            return None;
        }
        self.mac(kind, id).verify_truncated_left(tag).ok()?;
        Some(id)
    }

    /// The personal QR's payload of person `id`.
    pub fn person_qr(&self, id: i64) -> String {
        format!("{PERSON_PREFIX}{}", self.sign(Kind::Person, id))
    }

    /// The person a personal QR's payload names.
    pub fn parse_person_qr(&self, payload: &str) -> Option<i64> {
        self.verify(Kind::Person, payload.strip_prefix(PERSON_PREFIX)?)
    }

    /// The venue a poster's URL (`{origin}/v/{token}`, any origin) names.
    pub fn parse_venue_url(&self, url: &str) -> Option<i64> {
        let (scheme, rest) = url.split_once("://")?;
        if scheme != "https" && scheme != "http" {
            return None;
        }
        let (_, path) = rest.split_once('/')?;
        self.verify(Kind::Venue, path.strip_prefix("v/")?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn secret() -> Secret {
        Secret::from_bytes([7; 32])
    }

    #[test]
    fn a_token_names_its_id_and_kind_only() {
        let s = secret();
        let t = s.sign(Kind::Venue, 42);
        assert_eq!(t.len(), TOKEN_LEN);
        assert_eq!(s.verify(Kind::Venue, &t), Some(42));
        assert_eq!(s.verify(Kind::Person, &t), None);
        assert_eq!(Secret::from_bytes([8; 32]).verify(Kind::Venue, &t), None);
        assert_eq!(s.verify(Kind::Venue, ""), None);
        assert_eq!(s.verify(Kind::Venue, &format!("{t}A")), None);
        assert_eq!(s.parse_person_qr(&s.person_qr(9)), Some(9));
        assert_eq!(s.parse_person_qr(&s.sign(Kind::Person, 9)), None);
        let url = format!("https://chongdich.example.vn/v/{t}");
        assert_eq!(s.parse_venue_url(&url), Some(42));
        assert_eq!(s.parse_venue_url(&format!("ftp://x/v/{t}")), None);
        assert_eq!(s.parse_venue_url(&format!("https://x/w/{t}")), None);
        let back = Secret::from_base64(&s.to_base64()).map(|k| k.sign(Kind::Venue, 42));
        assert_eq!(back.as_deref(), Some(t.as_str()));
    }

    proptest! {
        #[test]
        fn any_altered_byte_is_refused(id in 1i64..i64::MAX, at in 0usize..TOKEN_LEN, by in 1u8..64) {
            let s = secret();
            let t = s.sign(Kind::Venue, id);
            let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            let mut b = t.clone().into_bytes();
            let pos = alphabet.iter().position(|&c| c == b[at]).unwrap_or(0);
            b[at] = alphabet[(pos + usize::from(by)) % 64];
            let altered = String::from_utf8(b).unwrap_or_default();
            prop_assert_eq!(s.verify(Kind::Venue, &altered), None);
        }

        #[test]
        fn a_token_for_n_is_not_one_for_n_plus_1(id in 1i64..i64::MAX - 1) {
            let s = secret();
            let t = s.sign(Kind::Venue, id);
            prop_assert_eq!(s.verify(Kind::Venue, &t), Some(id));
            let next = s.sign(Kind::Venue, id + 1);
            prop_assert_ne!(&t, &next);
            prop_assert_eq!(s.verify(Kind::Venue, &next), Some(id + 1));
            // Take id+1's bytes with id's tag: refused.
            let mut forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&t).unwrap_or_default();
            forged[..8].copy_from_slice(&(id + 1).to_be_bytes());
            let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(forged);
            prop_assert_eq!(s.verify(Kind::Venue, &forged), None);
        }
    }
}
