//! Packs: many envelopes to one locality, of one kind, in one JetStream message (a JSON array
//! of the envelopes exactly as signed and stored). A trace that refers a hundred F1s to a
//! province sends one message, not a hundred: the cluster replicates, stores and delivers per
//! message, and on two cores that cost, not the envelopes, bounded the rate (docs/BENCHMARKS.md).
//!
//! Nothing of an envelope changes: each keeps its id, seq and signature, and the receiver
//! judges each alone (once, in order per record). A pack is only transport: it is not signed
//! (its envelopes are) and may be regrouped when it is published again after a failure (the
//! receiver's inbox drops what it already took in).

use crate::envelope::EnvelopeError;

/// Most envelopes in one pack: a receiver takes a pack in whole, in one transaction.
pub const PACK_MAX: usize = 100;

/// Most bytes in one pack, well under the NATS server's default `max_payload` (1 MiB).
pub const PACK_BYTES: usize = 512 * 1024;

/// Rows to send, grouped: each pack's rows share a subject and keep the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pack {
    pub subject: String,
    /// The outbox ids of its envelopes, in order.
    pub ids: Vec<String>,
    /// A single envelope as is, or `[e1,e2,...]`.
    pub payload: Vec<u8>,
}

impl Pack {
    /// The JetStream message id: a single envelope's own id (as before packs), or the first
    /// envelope's id and the count (the same rows packed again give the same id, which the
    /// stream's duplicate window drops).
    pub fn msg_id(&self) -> String {
        match self.ids.as_slice() {
            [one] => one.clone(),
            ids => format!(
                "{}+{}",
                ids.first().map(String::as_str).unwrap_or(""),
                ids.len()
            ),
        }
    }
}

/// Groups `(id, subject, envelope)` rows into packs of at most `max` envelopes and
/// [`PACK_BYTES`] bytes (an envelope larger than that goes alone). Rows of a subject keep
/// their order; subjects come in the order they first appear. Order across subjects is not
/// kept: a record's messages of two kinds could cross, and the receiver sends the later one
/// back until the earlier came (as it would after any reordering).
pub fn packs(rows: Vec<(String, String, Vec<u8>)>, max: usize) -> Vec<Pack> {
    let max = max.max(1);
    // Per subject in order of first appearance: its packs, the last one open.
    let mut groups: Vec<Vec<Pack>> = Vec::new();
    for (id, subject, bytes) in rows {
        let g = match groups.iter().position(|g| g[0].subject == subject) {
            Some(g) => g,
            None => {
                groups.push(vec![empty(&subject)]);
                groups.len() - 1
            }
        };
        let group = &mut groups[g];
        let last = group.len() - 1;
        let p = &group[last];
        if !p.ids.is_empty()
            && (p.ids.len() >= max || p.payload.len() + bytes.len() + 2 > PACK_BYTES)
        {
            group.push(empty(&subject));
        }
        let last = group.len() - 1;
        let p = &mut group[last];
        p.payload.push(if p.ids.is_empty() { b'[' } else { b',' });
        p.payload.extend_from_slice(&bytes);
        p.ids.push(id);
    }
    groups.into_iter().flatten().map(close).collect()
}

fn empty(subject: &str) -> Pack {
    Pack {
        subject: subject.to_string(),
        ids: Vec::new(),
        payload: Vec::new(),
    }
}

/// Ends a pack's array; a pack of one is sent as the bare envelope.
fn close(mut p: Pack) -> Pack {
    if p.ids.len() == 1 {
        p.payload.remove(0);
    } else {
        p.payload.push(b']');
    }
    p
}

/// The envelopes of a received message, as their bytes: the elements of a pack, or the
/// message itself when it is a single envelope (or anything else: the receiver refuses it
/// and records why). A malformed pack is an error: it cannot be split into its envelopes.
pub fn unpack(payload: &[u8]) -> Result<Vec<&[u8]>, EnvelopeError> {
    let start = payload.iter().position(|b| !b.is_ascii_whitespace());
    if start.map(|i| payload[i]) != Some(b'[') {
        return Ok(vec![payload]);
    }
    let items: Vec<&serde_json::value::RawValue> =
        serde_json::from_slice(payload).map_err(|e| EnvelopeError::Json(e.to_string()))?;
    if items.is_empty() || items.len() > PACK_MAX {
        return Err(EnvelopeError::Json(format!(
            "a pack holds 1 to {PACK_MAX} envelopes, not {}",
            items.len()
        )));
    }
    Ok(items.into_iter().map(|r| r.get().as_bytes()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn row(id: usize, subject: &str, size: usize) -> (String, String, Vec<u8>) {
        let body = format!("{{\"id\":\"m{id}\",\"pad\":\"{}\"}}", "x".repeat(size));
        (format!("m{id}"), subject.to_string(), body.into_bytes())
    }

    #[test]
    fn one_envelope_goes_bare_and_many_as_an_array() {
        let one = packs(vec![row(1, "link.01.79.referral", 0)], PACK_MAX);
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].payload, b"{\"id\":\"m1\",\"pad\":\"\"}");
        assert_eq!(one[0].msg_id(), "m1");
        assert_eq!(unpack(&one[0].payload).unwrap(), vec![&one[0].payload[..]]);

        let two = packs(
            vec![
                row(1, "link.01.79.referral", 0),
                row(2, "link.01.79.referral", 0),
            ],
            PACK_MAX,
        );
        assert_eq!(two.len(), 1);
        assert_eq!(
            String::from_utf8(two[0].payload.clone()).unwrap(),
            "[{\"id\":\"m1\",\"pad\":\"\"},{\"id\":\"m2\",\"pad\":\"\"}]"
        );
        assert_eq!(two[0].msg_id(), "m1+2");
        let back = unpack(&two[0].payload).unwrap();
        assert_eq!(
            back,
            vec![
                &b"{\"id\":\"m1\",\"pad\":\"\"}"[..],
                &b"{\"id\":\"m2\",\"pad\":\"\"}"[..]
            ]
        );
    }

    #[test]
    fn malformed_or_oversized_packs_are_refused() {
        assert!(unpack(b"[").is_err());
        assert!(unpack(b"[]").is_err());
        assert!(unpack(b" [1,").is_err());
        let many = format!("[{}]", vec!["{}"; PACK_MAX + 1].join(","));
        assert!(unpack(many.as_bytes()).is_err());
        // Not a pack: handed on whole, for the receiver to refuse.
        assert_eq!(unpack(b"not json").unwrap(), vec![&b"not json"[..]]);
    }

    #[test]
    fn a_large_envelope_closes_the_pack() {
        let rows = vec![
            row(1, "s", 10),
            row(2, "s", PACK_BYTES / 2),
            row(3, "s", PACK_BYTES / 2),
            row(4, "s", PACK_BYTES + 10),
        ];
        let p = packs(rows, PACK_MAX);
        let sizes: Vec<usize> = p.iter().map(|p| p.ids.len()).collect();
        assert_eq!(sizes, vec![2, 1, 1]);
        assert!(p[..2].iter().all(|p| p.payload.len() <= PACK_BYTES));
    }

    proptest! {
        /// Every row lands in exactly one pack, each subject's rows in their order, each pack
        /// within its bounds and one subject, and unpacking gives the envelopes back.
        #[test]
        fn packing_keeps_every_row_once_and_in_order(
            subjects in prop::collection::vec(0usize..4, 0..300),
            max in 1usize..20,
        ) {
            let rows: Vec<_> = subjects
                .iter()
                .enumerate()
                .map(|(i, s)| row(i, &format!("link.01.{s}.referral"), i % 7))
                .collect();
            let got = packs(rows.clone(), max);
            let mut seen: Vec<(String, Vec<u8>, String)> = Vec::new();
            for p in &got {
                prop_assert!(!p.ids.is_empty() && p.ids.len() <= max);
                let items = unpack(&p.payload).unwrap();
                prop_assert_eq!(items.len(), p.ids.len());
                for (id, bytes) in p.ids.iter().zip(items) {
                    seen.push((id.clone(), bytes.to_vec(), p.subject.clone()));
                }
            }
            prop_assert_eq!(seen.len(), rows.len());
            for s in 0..4 {
                let subject = format!("link.01.{s}.referral");
                let want: Vec<_> = rows
                    .iter()
                    .filter(|r| r.1 == subject)
                    .map(|r| (r.0.clone(), r.2.clone()))
                    .collect();
                let have: Vec<_> = seen
                    .iter()
                    .filter(|r| r.2 == subject)
                    .map(|r| (r.0.clone(), r.1.clone()))
                    .collect();
                prop_assert_eq!(want, have);
            }
        }
    }
}
