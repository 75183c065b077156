use super::*;

#[test]
fn qr_payloads_round_trip_and_reject_tampering() {
    for i in [0u32, 1, 42, 123_456, u32::MAX - 1] {
        let p = qr_payload(i);
        assert!(p.starts_with("CDV1:V:"));
        assert_eq!(parse_qr_payload(&p), Some(i), "{p}");
    }
    let p = qr_payload(42);
    let tampered = p.replace(":42:", ":43:");
    assert_eq!(parse_qr_payload(&tampered), None);
    assert_eq!(parse_qr_payload("CDV1:V::0000"), None);
    assert_eq!(parse_qr_payload("CDV1:V:1:zzzz"), None);
    assert_eq!(parse_qr_payload("hello"), None);
}

#[test]
fn kinds_have_stable_slugs() {
    for k in VenueKind::ALL {
        assert_eq!(VenueKind::parse(k.as_str()), Some(k));
        let (open, close) = k.hours();
        assert!(open < close && close <= 1440);
    }
}
