//! Identifiers of stored records. Each is its own type so a person's id can never be
//! passed where a user's id is expected, nor a stay's where a facility's is.
//!
//! An id is made from a stored key (`new`) or from an edge's text (`parse`, which takes only a
//! positive whole number: anything else names no record, so the edge answers "not found");
//! `get` gives the key back for SQL and for the wire, where an id is a plain number.

use std::fmt;
use std::str::FromStr;

/// An id that was not a positive whole number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not an id")]
pub struct NotAnId;

macro_rules! id_type {
    // The first ids, whose field is still public: their users move to `new`/`get` as their
    // areas are reworked (issue #13), then this arm goes.
    ($(#[$doc:meta])* pub $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub i64);
        id_type!(@impls $name);
    };
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(i64);
        id_type!(@impls $name);
    };
    (@impls $name:ident) => {
        impl $name {
            /// The id of a stored key.
            pub const fn new(key: i64) -> Self {
                $name(key)
            }

            /// The stored key.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = NotAnId;

            /// Digits only, above zero: keys start at 1, and "+1", "-1" or "1.0" name no record.
            fn from_str(s: &str) -> Result<Self, NotAnId> {
                if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(NotAnId);
                }
                match s.parse::<i64>() {
                    Ok(key) if key > 0 => Ok($name(key)),
                    _ => Err(NotAnId),
                }
            }
        }
    };
}

id_type!(
    /// An account of the system (a person who logs in), not a person in the registry.
    pub UserId
);
id_type!(
    /// A person in the registry (a resident, an F0, an F1...).
    pub PersonId
);
id_type!(
    /// An F0 case.
    pub CaseId
);
id_type!(
    /// A venue with a QR poster.
    pub VenueId
);
id_type!(
    /// A treatment or quarantine facility.
    FacilityId
);
id_type!(
    /// One occupant's stay in a facility, from admission to discharge.
    StayId
);
id_type!(
    /// A gift between localities (money or goods).
    DonationId
);
id_type!(
    /// A donor or recipient organisation of the aid ledger.
    OrgId
);
id_type!(
    /// A need a locality posted.
    NeedId
);
id_type!(
    /// A thank-you letter sent or received.
    LetterId
);
id_type!(
    /// A lockdown zone that receives relief.
    ZoneId
);
id_type!(
    /// One round of relief packages to a zone's households.
    RoundId
);
id_type!(
    /// A cooperation agreement between two localities.
    AgreementId
);
id_type!(
    /// A commitment made in an agreement.
    CommitmentId
);
id_type!(
    /// A cooperation activity (a delegation visit, talks, a conference).
    ActivityId
);
id_type!(
    /// An emulation campaign.
    CampaignId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_positive_whole_numbers_only() {
        assert_eq!("42".parse::<FacilityId>(), Ok(FacilityId::new(42)));
        assert_eq!(
            "9223372036854775807".parse::<StayId>().map(StayId::get),
            Ok(i64::MAX)
        );
        for bad in [
            "",
            "0",
            "-1",
            "+1",
            "1.0",
            " 1",
            "1 ",
            "abc",
            "0x1",
            "9223372036854775808",
            "١",
        ] {
            assert_eq!(bad.parse::<ZoneId>(), Err(NotAnId), "{bad:?}");
        }
    }

    #[test]
    fn shows_as_its_key() {
        assert_eq!(CampaignId::new(7).to_string(), "7");
        assert_eq!(CaseId(7).get(), 7);
    }
}
