//! Ed25519 signatures of envelopes. Each locality has a key pair; the national registry gives
//! every locality the others' public keys. Keys and signatures travel as standard base64.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use crate::envelope::Envelope;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error("key: not the base64 of 32 bytes, or not a valid Ed25519 key")]
    Key,
    #[error("signature: not the base64 of 64 bytes")]
    Malformed,
    #[error("signature does not match")]
    Mismatch,
}

/// A locality's key pair. The secret half stays in its database (`meta.link_key`).
#[derive(Clone)]
pub struct KeyPair(SigningKey);

/// Not printed: a log line must not carry the secret key.
impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("KeyPair").field(&self.public()).finish()
    }
}

impl KeyPair {
    /// A new key pair from the operating system's randomness.
    pub fn generate() -> KeyPair {
        let mut secret = [0u8; 32];
        // No key can be made without randomness: nothing sensible to do but stop.
        getrandom::getrandom(&mut secret).expect("the operating system's random source");
        KeyPair(SigningKey::from_bytes(&secret))
    }

    /// The secret key (32 bytes) as base64: what is stored.
    pub fn to_base64(&self) -> String {
        B64.encode(self.0.to_bytes())
    }

    pub fn from_base64(s: &str) -> Result<KeyPair, SignError> {
        let bytes: [u8; 32] = B64
            .decode(s.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(SignError::Key)?;
        Ok(KeyPair(SigningKey::from_bytes(&bytes)))
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }
}

/// A locality's public key, as the registry holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    pub fn to_base64(&self) -> String {
        B64.encode(self.0.as_bytes())
    }

    /// Refuses a string that is not 32 bytes or not a point of the curve.
    pub fn from_base64(s: &str) -> Result<PublicKey, SignError> {
        let bytes: [u8; 32] = B64
            .decode(s.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(SignError::Key)?;
        VerifyingKey::from_bytes(&bytes)
            .map(PublicKey)
            .map_err(|_| SignError::Key)
    }
}

/// Signs the envelope: sets `sig` to the signature of its [`Envelope::signed_bytes`].
pub fn sign(envelope: &mut Envelope, key: &KeyPair) {
    let sig = key.0.sign(&envelope.signed_bytes());
    envelope.sig = B64.encode(sig.to_bytes());
}

/// Whether `key` signed this envelope as it is. Strict verification: a signature with a
/// malleable or small-order component is refused too.
pub fn verify(envelope: &Envelope, key: &PublicKey) -> Result<(), SignError> {
    let bytes: [u8; 64] = B64
        .decode(envelope.sig.as_bytes())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(SignError::Malformed)?;
    let sig = Signature::from_bytes(&bytes);
    key.0
        .verify_strict(&envelope.signed_bytes(), &sig)
        .map_err(|_| SignError::Mismatch)
}

/// Whether every envelope was signed as it is by its key, verified together (one batch
/// equation, about twice as fast as one by one for a consumer's pull). `false` says only that
/// some signature failed: [`verify`] each to know which. A batch accepts what the key
/// holders signed and nothing a forger could make without a key, but it is not strict (a
/// key holder's own malleable signature may pass), so a refusal is always decided by
/// [`verify`].
pub fn verify_all(items: &[(&Envelope, &PublicKey)]) -> bool {
    let mut sigs = Vec::with_capacity(items.len());
    for (e, _) in items {
        let Some(bytes) = B64
            .decode(e.sig.as_bytes())
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
        else {
            return false;
        };
        sigs.push(Signature::from_bytes(&bytes));
    }
    let messages: Vec<Vec<u8>> = items.iter().map(|(e, _)| e.signed_bytes()).collect();
    let messages: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    let keys: Vec<VerifyingKey> = items.iter().map(|(_, k)| k.0).collect();
    ed25519_dalek::verify_batch(&messages, &sigs, &keys).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::{Kind, LocalityCode};
    use proptest::prelude::*;
    use serde_json::json;

    fn code(s: &str) -> LocalityCode {
        LocalityCode::parse(s).unwrap()
    }

    fn signed(key: &KeyPair) -> Envelope {
        let mut e = Envelope::new(
            code("01"),
            code("79"),
            Kind::Referral,
            "contact:01:1234",
            3,
            1_637_377_200,
            json!({"person": {"name": "Nguyễn Văn A", "born": 1980}, "venues": ["Chợ Long Biên"], "w": 0.1}),
        )
        .unwrap();
        sign(&mut e, key);
        e
    }

    #[test]
    fn a_signed_envelope_verifies_also_after_the_wire() {
        let key = KeyPair::generate();
        let e = signed(&key);
        assert_eq!(verify(&e, &key.public()), Ok(()));
        let received = Envelope::from_bytes(&e.to_bytes()).unwrap();
        assert_eq!(verify(&received, &key.public()), Ok(()));
    }

    #[test]
    fn any_changed_field_fails() {
        let key = KeyPair::generate();
        let e = signed(&key);
        let changes: Vec<fn(&mut Envelope)> = vec![
            |e| e.body["person"]["born"] = json!(1981),
            |e| e.seq = 4,
            |e| e.to = LocalityCode::parse("LA-VT").unwrap(),
            |e| e.from = LocalityCode::parse("48").unwrap(),
            |e| e.kind = Kind::Handover,
            |e| e.record = "contact:01:1235".into(),
            |e| e.at_s += 1,
            |e| e.id = crate::envelope::new_id(),
        ];
        for change in changes {
            let mut t = e.clone();
            change(&mut t);
            assert_eq!(verify(&t, &key.public()), Err(SignError::Mismatch), "{t:?}");
        }
        let mut t = e.clone();
        t.sig = "not base64!".into();
        assert_eq!(verify(&t, &key.public()), Err(SignError::Malformed));
        t.sig = String::new();
        assert_eq!(verify(&t, &key.public()), Err(SignError::Malformed));
    }

    /// A float serde_json's default parse reads as a neighbouring value: without its
    /// `float_roundtrip` feature the receiver's signed bytes differ and a true message fails.
    #[test]
    fn a_float_body_verifies_after_the_wire() {
        let key = KeyPair::generate();
        let mut e = Envelope::new(
            code("01"),
            code("79"),
            Kind::Figures,
            "figures:01:1",
            1,
            0,
            json!({"n": 4.895508484051812e38}),
        )
        .unwrap();
        sign(&mut e, &key);
        let received = Envelope::from_bytes(&e.to_bytes()).unwrap();
        assert_eq!(verify(&received, &key.public()), Ok(()));
    }

    #[test]
    fn a_signature_by_another_key_fails() {
        let e = signed(&KeyPair::generate());
        assert_eq!(
            verify(&e, &KeyPair::generate().public()),
            Err(SignError::Mismatch)
        );
    }

    #[test]
    fn keys_round_trip_through_base64() {
        let key = KeyPair::generate();
        let again = KeyPair::from_base64(&key.to_base64()).unwrap();
        assert_eq!(again.public(), key.public());
        let public = PublicKey::from_base64(&key.public().to_base64()).unwrap();
        assert_eq!(verify(&signed(&again), &public), Ok(()));
        assert!(KeyPair::from_base64("AAAA").is_err());
        assert!(PublicKey::from_base64("").is_err());
        // The secret never shows in a debug print.
        assert!(!format!("{key:?}").contains(&key.to_base64()));
    }

    proptest! {
        /// Tampering with any byte of the body as sent fails verification (or parsing).
        #[test]
        fn tampering_any_byte_of_the_body_fails(pos in any::<prop::sample::Index>(), flip in 1u8..=255) {
            let key = KeyPair::generate();
            let e = signed(&key);
            let bytes = e.to_bytes();
            let text = String::from_utf8(bytes.clone()).unwrap();
            let start = text.find("\"body\":").unwrap() + "\"body\":".len();
            let end = text.find(",\"sig\":").unwrap();
            let at = start + pos.index(end - start);
            let mut tampered = bytes;
            tampered[at] ^= flip;
            if let Ok(t) = Envelope::from_bytes(&tampered) {
                // A change JSON does not see (e.g. whitespace) leaves the body equal.
                if t.body != e.body {
                    prop_assert_eq!(verify(&t, &key.public()), Err(SignError::Mismatch));
                }
            }
        }

        /// Any body of numbers, strings and maps verifies after the wire: the signed bytes
        /// are the same on both sides (floats included).
        #[test]
        fn any_body_verifies_after_the_wire(
            n in any::<f64>().prop_filter("finite", |f| f.is_finite()),
            i in any::<i64>(),
            s in ".*",
            k in "[a-zA-Zà-ỹ]{0,8}",
        ) {
            let key = KeyPair::generate();
            let mut e = Envelope::new(
                code("01"), code("79"), Kind::Figures, "figures:01:2021-11-20", 1, 0,
                json!({"n": n, "i": i, "s": s, k.clone(): [n, {"k": k}]}),
            ).unwrap();
            sign(&mut e, &key);
            let received = Envelope::from_bytes(&e.to_bytes()).unwrap();
            prop_assert_eq!(verify(&received, &key.public()), Ok(()));
        }
    }
}
