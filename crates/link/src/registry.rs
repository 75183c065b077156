//! The national registry of localities as each locality holds it: code, name, public key and
//! the kinds it may send (rules as data). [`admit`] is the check every received message
//! passes before anything of it is applied.

use std::collections::{BTreeMap, BTreeSet};

use crate::envelope::{Envelope, Kind, LocalityCode};
use crate::sign::{self, PublicKey};

/// A locality of the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    pub code: LocalityCode,
    pub name: String,
    pub public_key: PublicKey,
    /// What it may send.
    pub kinds: BTreeSet<Kind>,
}

/// The registry as a locality holds it: its own code and the localities it hears from.
/// Loaded once (`Store::link_registry`) and kept while unchanged: every received message is
/// checked against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    pub me: LocalityCode,
    peers: BTreeMap<LocalityCode, Peer>,
}

impl Registry {
    pub fn new(me: LocalityCode, peers: impl IntoIterator<Item = Peer>) -> Registry {
        Registry {
            me,
            peers: peers.into_iter().map(|p| (p.code.clone(), p)).collect(),
        }
    }

    pub fn get(&self, code: &LocalityCode) -> Option<&Peer> {
        self.peers.get(code)
    }

    pub fn peers(&self) -> impl Iterator<Item = &Peer> {
        self.peers.values()
    }

    /// [`admit`] against this registry.
    pub fn admit(&self, envelope: &Envelope) -> Result<(), Refusal> {
        admit(envelope, self.get(&envelope.from), &self.me)
    }
}

impl Registry {
    /// [`Registry::admit`] for each of a consumer's batch, with the same answers: the
    /// signatures of the envelopes from known senders are verified together
    /// ([`sign::verify_all`]), and one by one, strictly, only when that fails.
    pub fn admit_all(&self, envelopes: &[&Envelope]) -> Vec<Result<(), Refusal>> {
        let senders: Vec<Option<&Peer>> = envelopes
            .iter()
            .map(|e| self.get(&e.from).filter(|p| p.code == e.from))
            .collect();
        let signed: Vec<(&Envelope, &crate::PublicKey)> = envelopes
            .iter()
            .zip(&senders)
            .filter_map(|(e, p)| p.map(|p| (*e, &p.public_key)))
            .collect();
        let all_signed = sign::verify_all(&signed);
        envelopes
            .iter()
            .zip(senders)
            .map(|(e, sender)| match (all_signed, sender) {
                (true, Some(sender)) => admit_signed(e, sender, &self.me),
                (_, sender) => admit(e, sender, &self.me),
            })
            .collect()
    }
}

/// Why a received message is refused (recorded, acknowledged, never applied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not an envelope of this version (the parse error says why).
    Malformed(String),
    /// The sender is not in the registry.
    UnknownSender,
    /// Not signed by the sender's key.
    BadSignature,
    /// The sender may not send this kind.
    KindNotAllowed,
    /// Addressed to another locality.
    NotForUs,
}

impl Refusal {
    /// The reason as stored (`link_refusals.reason`).
    pub fn reason(&self) -> String {
        match self {
            Refusal::Malformed(why) => format!("malformed: {why}"),
            Refusal::UnknownSender => "unknown_sender".into(),
            Refusal::BadSignature => "bad_signature".into(),
            Refusal::KindNotAllowed => "kind_not_allowed".into(),
            Refusal::NotForUs => "not_for_us".into(),
        }
    }
}

/// The kinds a registry entry allows, as stored: their names joined by commas.
pub fn kinds_to_text(kinds: &BTreeSet<Kind>) -> String {
    kinds
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// The stored text of kinds back; an unknown name is an error (the registry is data the
/// national setup gives, and a typo must not silently allow nothing or everything).
pub fn kinds_from_text(s: &str) -> Result<BTreeSet<Kind>, crate::EnvelopeError> {
    s.split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(Kind::parse)
        .collect()
}

/// Whether `me` takes this envelope from `sender` (the registry's entry for `envelope.from`,
/// None if it has none). The order matters only for what is recorded: the signature is
/// checked before the kind, so a forger learns nothing of the sender's rights.
pub fn admit(envelope: &Envelope, sender: Option<&Peer>, me: &LocalityCode) -> Result<(), Refusal> {
    let sender = sender.ok_or(Refusal::UnknownSender)?;
    if sender.code != envelope.from {
        return Err(Refusal::UnknownSender);
    }
    sign::verify(envelope, &sender.public_key).map_err(|_| Refusal::BadSignature)?;
    admit_signed(envelope, sender, me)
}

/// [`admit`] once the signature is known good.
fn admit_signed(envelope: &Envelope, sender: &Peer, me: &LocalityCode) -> Result<(), Refusal> {
    if &envelope.to != me {
        return Err(Refusal::NotForUs);
    }
    if !sender.kinds.contains(&envelope.kind) {
        return Err(Refusal::KindNotAllowed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::KeyPair;
    use serde_json::json;

    fn code(s: &str) -> LocalityCode {
        LocalityCode::parse(s).unwrap()
    }

    #[test]
    fn kinds_round_trip_as_text() {
        let kinds: BTreeSet<Kind> = [Kind::Gift, Kind::Referral].into();
        let text = kinds_to_text(&kinds);
        assert_eq!(text, "referral,gift");
        assert_eq!(kinds_from_text(&text).unwrap(), kinds);
        assert_eq!(kinds_from_text("").unwrap(), BTreeSet::new());
        assert!(kinds_from_text("gift,gifts").is_err());
    }

    /// The batch admission answers as one at a time does, whether the batch's signatures
    /// all hold (one equation) or one is forged (then each is verified alone).
    #[test]
    fn admitting_a_batch_answers_as_one_at_a_time() {
        let key = KeyPair::generate();
        let peer = Peer {
            code: code("01"),
            name: "Hà Nội".into(),
            public_key: key.public(),
            kinds: [Kind::Gift].into(),
        };
        let me = code("79");
        let registry = Registry::new(me.clone(), [peer]);
        let signed = |to: &str, kind: Kind, n: i64, by: &KeyPair| {
            let mut e = Envelope::new(
                code("01"),
                code(to),
                kind,
                "gift:01:1",
                n,
                0,
                json!({ "n": n }),
            )
            .unwrap();
            sign::sign(&mut e, by);
            e
        };
        let good: Vec<Envelope> = (1..=20)
            .map(|n| signed("79", Kind::Gift, n, &key))
            .collect();
        let mut mixed = good.clone();
        mixed.push(signed("79", Kind::Gift, 21, &KeyPair::generate()));
        mixed.push(signed("48", Kind::Gift, 22, &key));
        mixed.push(signed("79", Kind::Referral, 23, &key));
        let mut unknown = signed("79", Kind::Gift, 24, &key);
        unknown.from = code("92");
        mixed.push(unknown);
        let mut garbled = signed("79", Kind::Gift, 25, &key);
        garbled.sig = "not base64".into();
        mixed.push(garbled);
        let mut altered = signed("79", Kind::Gift, 26, &key);
        altered.body = json!({ "n": 0 });
        mixed.push(altered);
        for batch in [&good, &mixed] {
            let refs: Vec<&Envelope> = batch.iter().collect();
            let one_by_one: Vec<_> = batch.iter().map(|e| registry.admit(e)).collect();
            assert_eq!(registry.admit_all(&refs), one_by_one);
        }
        let answers = registry.admit_all(&mixed.iter().collect::<Vec<_>>());
        assert!(answers[..20].iter().all(Result::is_ok));
        assert_eq!(
            answers[20..],
            [
                Err(Refusal::BadSignature),
                Err(Refusal::NotForUs),
                Err(Refusal::KindNotAllowed),
                Err(Refusal::UnknownSender),
                Err(Refusal::BadSignature),
                Err(Refusal::BadSignature),
            ]
        );
    }

    #[test]
    fn admit_checks_sender_signature_address_and_kind() {
        let key = KeyPair::generate();
        let peer = Peer {
            code: code("01"),
            name: "Hà Nội".into(),
            public_key: key.public(),
            kinds: [Kind::Gift].into(),
        };
        let me = code("79");
        let mut e = Envelope::new(
            code("01"),
            me.clone(),
            Kind::Gift,
            "gift:01:1",
            1,
            0,
            json!({}),
        )
        .unwrap();
        sign::sign(&mut e, &key);
        assert_eq!(admit(&e, Some(&peer), &me), Ok(()));
        assert_eq!(admit(&e, None, &me), Err(Refusal::UnknownSender));
        assert_eq!(admit(&e, Some(&peer), &code("48")), Err(Refusal::NotForUs));
        let other = Peer {
            code: code("48"),
            ..peer.clone()
        };
        assert_eq!(admit(&e, Some(&other), &me), Err(Refusal::UnknownSender));

        let mut forged = e.clone();
        sign::sign(&mut forged, &KeyPair::generate());
        assert_eq!(admit(&forged, Some(&peer), &me), Err(Refusal::BadSignature));

        let mut referral = e.clone();
        referral.kind = Kind::Referral;
        sign::sign(&mut referral, &key);
        assert_eq!(
            admit(&referral, Some(&peer), &me),
            Err(Refusal::KindNotAllowed)
        );
    }
}
