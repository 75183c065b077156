//! The message every linked locality sends (issue #17): a versioned, signed JSON envelope
//! around a body, addressed from one locality to another, numbered per record so that the
//! receiver applies a record's changes once and in order.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The envelope format this build writes and reads.
pub const VERSION: u32 = 1;

/// Longest locality code: codes are short (`01`, `79`, `LA-VT`); a cap keeps subjects,
/// consumer names and keys short too.
pub const LOCALITY_CODE_MAX: usize = 16;

/// Longest record key (`contact:01:1234`).
pub const RECORD_KEY_MAX: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("locality code {0:?}: 1 to 16 of A-Z a-z 0-9 _ -")]
    LocalityCode(String),
    #[error("unknown message kind {0:?}")]
    Kind(String),
    #[error("record key: 1 to 128 characters, no control characters")]
    RecordKey,
    #[error("malformed envelope: {0}")]
    Json(String),
    #[error("envelope version {0} is not {VERSION}")]
    Version(u32),
    #[error("sequence numbers start at 1")]
    Seq,
    #[error("message id: 1 to 64 of A-Z a-z 0-9 _ -")]
    Id,
}

/// A locality's code (`01` Hà Nội, `79` HCMC, `LA-VT` Vientiane). Only [A-Za-z0-9_-]: it is
/// a token of NATS subjects (`link.F.T.K`) and of consumer names (`inbox_T`), where `.`, `*`,
/// `>` and spaces mean something.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct LocalityCode(String);

impl LocalityCode {
    pub fn parse(s: &str) -> Result<LocalityCode, EnvelopeError> {
        let ok = !s.is_empty()
            && s.len() <= LOCALITY_CODE_MAX
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        match ok {
            true => Ok(LocalityCode(s.to_string())),
            false => Err(EnvelopeError::LocalityCode(s.to_string())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LocalityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for LocalityCode {
    type Err = EnvelopeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LocalityCode::parse(s)
    }
}

// Deserialised through `parse`: a code read off the wire is as valid as one typed in.
impl<'de> Deserialize<'de> for LocalityCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        LocalityCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// What a message is about. Rules as data: a locality's registry entry lists the kinds it
/// may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// Contacts found by a trace who live in the receiving locality.
    Referral,
    /// The follow-up of a referred contact, back to the referring locality.
    ReferralStatus,
    /// A case handed over (transfer, move).
    Handover,
    /// The receiver's accept or reject of a hand-over.
    HandoverAnswer,
    /// A record shared for view, pseudonymised as chosen; revocable.
    Share,
    /// Aid given, recorded by the donor.
    Gift,
    /// The recipient's receipt of a gift (with any shortfall).
    GiftReceipt,
    /// A need published to partners.
    Need,
    /// A thank-you letter.
    Letter,
    /// Daily figures, published levels and free beds, for the national view.
    Figures,
    /// Care given to another locality's resident (a dose, a stay, helped home): the record
    /// follows the person to where they live.
    Care,
}

impl Kind {
    pub const ALL: [Kind; 11] = [
        Kind::Referral,
        Kind::ReferralStatus,
        Kind::Handover,
        Kind::HandoverAnswer,
        Kind::Share,
        Kind::Gift,
        Kind::GiftReceipt,
        Kind::Need,
        Kind::Letter,
        Kind::Figures,
        Kind::Care,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Referral => "referral",
            Kind::ReferralStatus => "referral_status",
            Kind::Handover => "handover",
            Kind::HandoverAnswer => "handover_answer",
            Kind::Share => "share",
            Kind::Gift => "gift",
            Kind::GiftReceipt => "gift_receipt",
            Kind::Need => "need",
            Kind::Letter => "letter",
            Kind::Figures => "figures",
            Kind::Care => "care",
        }
    }

    pub fn parse(s: &str) -> Result<Kind, EnvelopeError> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| EnvelopeError::Kind(s.to_string()))
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = EnvelopeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::parse(s)
    }
}

impl Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Kind::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The subject a message from `from` to `to` of `kind` is published on: `link.F.T.K`.
pub fn subject(from: &LocalityCode, to: &LocalityCode, kind: Kind) -> String {
    format!("link.{from}.{to}.{kind}")
}

/// A record key (`contact:01:1234`): what the sequence numbers count per. Checked, not
/// parsed: its shape is the sending feature's.
pub fn check_record_key(s: &str) -> Result<(), EnvelopeError> {
    let ok =
        !s.is_empty() && s.chars().count() <= RECORD_KEY_MAX && !s.chars().any(char::is_control);
    match ok {
        true => Ok(()),
        false => Err(EnvelopeError::RecordKey),
    }
}

/// A message id as received: it is a key of the inbox and a NATS header, so short and plain.
pub fn check_id(s: &str) -> Result<(), EnvelopeError> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    match ok {
        true => Ok(()),
        false => Err(EnvelopeError::Id),
    }
}

/// The message. `sig` is the sender's Ed25519 signature (base64) of [`Envelope::signed_bytes`];
/// empty until [`crate::sign::sign`] sets it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub v: u32,
    /// Unique per message (a UUID v7): the receiver's key for "already applied", and
    /// JetStream's `Nats-Msg-Id` for dropping a publish repeated within its window.
    pub id: String,
    pub from: LocalityCode,
    pub to: LocalityCode,
    pub kind: Kind,
    /// The record the message changes; `seq` counts per (to, record).
    pub record: String,
    /// 1 for a record's first message to a locality, then +1 each.
    pub seq: i64,
    pub at_s: i64,
    pub body: serde_json::Value,
    #[serde(default)]
    pub sig: String,
}

/// The fields signed: all but `sig`, in the envelope's declared order.
#[derive(Serialize)]
struct Signed<'a> {
    v: u32,
    id: &'a str,
    from: &'a LocalityCode,
    to: &'a LocalityCode,
    kind: Kind,
    record: &'a str,
    seq: i64,
    at_s: i64,
    body: serde_json::Value,
}

impl Envelope {
    /// A new unsigned envelope with a fresh id.
    pub fn new(
        from: LocalityCode,
        to: LocalityCode,
        kind: Kind,
        record: &str,
        seq: i64,
        at_s: i64,
        body: serde_json::Value,
    ) -> Result<Envelope, EnvelopeError> {
        check_record_key(record)?;
        if seq < 1 {
            return Err(EnvelopeError::Seq);
        }
        Ok(Envelope {
            v: VERSION,
            id: new_id(),
            from,
            to,
            kind,
            record: record.to_string(),
            seq,
            at_s,
            body,
            sig: String::new(),
        })
    }

    /// The subject it is published on.
    pub fn subject(&self) -> String {
        subject(&self.from, &self.to, self.kind)
    }

    /// The bytes the signature covers: the fields but `sig` as JSON, in declared order,
    /// with the body's object keys sorted at every depth, so the bytes do not depend on
    /// how either side's serde_json orders a map (`preserve_order` or not).
    pub fn signed_bytes(&self) -> Vec<u8> {
        let signed = Signed {
            v: self.v,
            id: &self.id,
            from: &self.from,
            to: &self.to,
            kind: self.kind,
            record: &self.record,
            seq: self.seq,
            at_s: self.at_s,
            body: sorted(&self.body),
        };
        // Serialising plain data into a Vec cannot fail.
        serde_json::to_vec(&signed).unwrap_or_default()
    }

    /// The envelope as sent.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// An envelope as received: well-formed JSON of this version, valid codes, kind, record
    /// key and seq. The signature is checked by [`crate::sign::verify`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Envelope, EnvelopeError> {
        let e: Envelope =
            serde_json::from_slice(bytes).map_err(|e| EnvelopeError::Json(e.to_string()))?;
        if e.v != VERSION {
            return Err(EnvelopeError::Version(e.v));
        }
        check_record_key(&e.record)?;
        check_id(&e.id)?;
        if e.seq < 1 {
            return Err(EnvelopeError::Seq);
        }
        Ok(e)
    }
}

/// An envelope's id and addressing read without its body (skipped, not built): what a relay needs
/// to route hundreds of stored envelopes a batch. Not a check of the envelope: the receiver
/// reads it whole with [`Envelope::from_bytes`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Addressing {
    pub id: String,
    pub from: LocalityCode,
    pub to: LocalityCode,
    pub kind: Kind,
}

impl Addressing {
    pub fn from_bytes(bytes: &[u8]) -> Option<Addressing> {
        serde_json::from_slice(bytes).ok()
    }
}

/// A copy of a JSON value with every object's keys inserted in sorted order.
fn sorted(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&m[k])))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// A UUID v7 (RFC 9562): the wall clock's milliseconds, then 74 random bits from the
/// operating system. Time-ordered, so the outbox's and the inbox's primary keys grow at their
/// end (a random v4 put every insert on a random page of a growing index); unique and
/// unguessable as v4 is, and nothing reads meaning from an id.
pub fn new_id() -> String {
    let mut b = [0u8; 16];
    // The OS's random source failing is not something a message can be sent without.
    getrandom::getrandom(&mut b[6..]).expect("the operating system's random source");
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    b[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
    b[6] = (b[6] & 0x0f) | 0x70;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn code(s: &str) -> LocalityCode {
        LocalityCode::parse(s).unwrap()
    }

    #[test]
    fn locality_codes_are_subject_tokens() {
        for ok in ["01", "79", "LA-VT", "a_b", "0123456789abcdef"] {
            assert_eq!(LocalityCode::parse(ok).unwrap().as_str(), ok);
        }
        for bad in [
            "",
            "a.b",
            "a*",
            ">",
            "a b",
            "Hà",
            "0123456789abcdefg",
            "x\n",
        ] {
            assert!(LocalityCode::parse(bad).is_err(), "{bad:?}");
        }
        // Off the wire too.
        assert!(serde_json::from_str::<LocalityCode>("\"a.b\"").is_err());
    }

    #[test]
    fn kinds_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Ok(k));
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{k}\""));
        }
        assert!(Kind::parse("Referral").is_err());
        assert!(Kind::parse("").is_err());
    }

    #[test]
    fn subjects_are_from_to_kind() {
        assert_eq!(
            subject(&code("01"), &code("LA-VT"), Kind::GiftReceipt),
            "link.01.LA-VT.gift_receipt"
        );
    }

    #[test]
    fn envelopes_round_trip_and_are_checked() {
        let e = Envelope::new(
            code("01"),
            code("79"),
            Kind::Referral,
            "contact:01:1234",
            3,
            1_637_377_200,
            json!({"b": 1, "a": [1.5, {"z": null, "y": "ý"}]}),
        )
        .unwrap();
        assert_eq!(e.subject(), "link.01.79.referral");
        assert_eq!(Envelope::from_bytes(&e.to_bytes()).unwrap(), e);
        let text = String::from_utf8(e.to_bytes()).unwrap();
        assert!(text.starts_with("{\"v\":1,\"id\":\""), "{text}");

        assert!(Envelope::new(code("01"), code("79"), Kind::Gift, "", 1, 0, json!(null)).is_err());
        assert!(
            Envelope::new(code("01"), code("79"), Kind::Gift, "g:1", 0, 0, json!(null)).is_err()
        );
        let wrong = text.replacen("\"v\":1", "\"v\":2", 1);
        assert_eq!(
            Envelope::from_bytes(wrong.as_bytes()),
            Err(EnvelopeError::Version(2))
        );
        let wrong = text.replacen("\"from\":\"01\"", "\"from\":\"0.1\"", 1);
        assert!(Envelope::from_bytes(wrong.as_bytes()).is_err());
        let wrong = text.replacen("\"seq\":3", "\"seq\":0", 1);
        assert_eq!(
            Envelope::from_bytes(wrong.as_bytes()),
            Err(EnvelopeError::Seq)
        );
        assert!(Envelope::from_bytes(b"not json").is_err());
        assert_eq!(
            Addressing::from_bytes(&e.to_bytes()),
            Some(Addressing {
                id: e.id.clone(),
                from: code("01"),
                to: code("79"),
                kind: Kind::Referral
            })
        );
        assert_eq!(Addressing::from_bytes(b"{\"from\":\"01\"}"), None);
        let wrong = text.replacen(&format!("\"id\":\"{}\"", e.id), "\"id\":\"a b\"", 1);
        assert_eq!(
            Envelope::from_bytes(wrong.as_bytes()),
            Err(EnvelopeError::Id)
        );
    }

    #[test]
    fn signed_bytes_leave_out_sig_and_sort_the_body() {
        let mut e = Envelope::new(
            code("01"),
            code("79"),
            Kind::Gift,
            "gift:01:7",
            1,
            5,
            json!({"b": {"d": 1, "c": 2}, "a": 0}),
        )
        .unwrap();
        let before = e.signed_bytes();
        e.sig = "x".into();
        assert_eq!(e.signed_bytes(), before);
        let text = String::from_utf8(before).unwrap();
        assert!(
            text.ends_with("\"body\":{\"a\":0,\"b\":{\"c\":2,\"d\":1}}}"),
            "{text}"
        );
        assert!(!text.contains("sig"));
    }

    #[test]
    fn ids_are_uuid_v7_in_time_order() {
        let a = new_id();
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "7");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"));
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = new_id();
        assert_ne!(a, b);
        // Later ids sort after earlier ones (by their millisecond prefix).
        assert!(a[..13] < b[..13], "{a} {b}");
        // The prefix is now's milliseconds.
        let ms = u64::from_str_radix(&format!("{}{}", &b[0..8], &b[9..13]), 16).unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        assert!(now.abs_diff(ms) < 60_000, "{ms} {now}");
    }
}
