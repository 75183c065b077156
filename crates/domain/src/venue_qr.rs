//! The QR codes venues display: a payload with a checksum any scanner can verify. The
//! simulator's venues and the venues registered by hand carry the same payload.

const QR_PREFIX: &str = "CDV1:V:";

fn qr_checksum(index: u32) -> u16 {
    // FNV-1a over the payload text: any scanner can check it without the seed.
    let mut h: u32 = 0x811C_9DC5;
    for b in QR_PREFIX.bytes().chain(index.to_string().bytes()) {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    ((h >> 16) ^ (h & 0xFFFF)) as u16
}

/// The payload of venue `index`'s QR code: `CDV1:V:<index>:<4 hex digits>`. The index is
/// 0-based (database id − 1).
pub fn qr_payload(index: u32) -> String {
    format!("{QR_PREFIX}{index}:{:04X}", qr_checksum(index))
}

/// The venue index of a well-formed payload with a correct checksum.
pub fn parse_qr_payload(s: &str) -> Option<u32> {
    let rest = s.strip_prefix(QR_PREFIX)?;
    let (index, check) = rest.split_once(':')?;
    if index.is_empty() || index.len() > 10 || !index.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let index: u32 = index.parse().ok()?;
    (check.len() == 4
        && u16::from_str_radix(check, 16).ok()? == qr_checksum(index)
        && check.bytes().all(|b| !b.is_ascii_lowercase()))
    .then_some(index)
}
