//! The vocabulary of traced and declared contacts, and the reasons a recorded contact keeps
//! as evidence (`contacts.reasons`, JSON of [`ContactReason`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::slug_enum;

slug_enum!(
    /// What is asked of a recorded contact.
    ContactStatus {
        /// Quarantine until its due date (an F1 under a rule that quarantines).
        Quarantine = "quarantine",
        /// Health monitoring only (an F2, or an F1 when the rule in force has no quarantine).
        Monitor = "monitor",
    }
);

slug_enum!(
    /// Where a declared direct contact took place.
    ContactSetting {
        Household = "household",
        Care = "care",
        FaceToFace = "face_to_face",
        Other = "other",
    }
);

impl ContactSetting {
    /// The one byte the tracing engine carries for a declared contact (its place in `ALL`).
    pub fn code(self) -> u8 {
        match self {
            ContactSetting::Household => 0,
            ContactSetting::Care => 1,
            ContactSetting::FaceToFace => 2,
            ContactSetting::Other => 3,
        }
    }

    /// The setting the engine's byte stands for; `None` for a byte no setting has.
    pub fn from_code(code: u8) -> Option<ContactSetting> {
        ContactSetting::ALL.get(usize::from(code)).copied()
    }
}

slug_enum!(
    /// How a contact was linked to the person traced.
    ReasonKind {
        /// Co-present at a venue (check-ins).
        Venue = "venue",
        /// Same household.
        Household = "household",
        /// Declared by the case or found by an investigator.
        Declared = "declared",
    }
);

/// One reason a contact was found, as recorded with the contact (`contacts.reasons`) and
/// read back. Times are whole seconds, written in RFC 3339 UTC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactReason {
    pub kind: ReasonKind,
    pub venue_id: Option<i64>,
    /// The venue's name where its id is not ours: a contact referred from another locality
    /// (issue #17) names the venue it was exposed at, as that locality calls it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue_name: Option<String>,
    /// The co-presence at the venue, or the declared contact's time.
    pub from: Option<DateTime<Utc>>,
    /// The co-presence's end, or the end of the infectious window for a household.
    pub to: Option<DateTime<Utc>>,
    pub overlap_min: Option<f64>,
    /// For a declared contact.
    pub setting: Option<ContactSetting>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_slug_reads_back_as_its_variant() {
        for s in ContactStatus::ALL {
            assert_eq!(s.as_str().parse::<ContactStatus>(), Ok(*s));
        }
        for s in ContactSetting::ALL {
            assert_eq!(s.as_str().parse::<ContactSetting>(), Ok(*s));
            assert_eq!(ContactSetting::from_code(s.code()), Some(*s));
        }
        for k in ReasonKind::ALL {
            assert_eq!(k.as_str().parse::<ReasonKind>(), Ok(*k));
        }
        assert!("isolation".parse::<ContactStatus>().is_err());
        assert!("Household".parse::<ContactSetting>().is_err());
        assert_eq!(ContactSetting::from_code(4), None);
    }

    #[test]
    fn a_reason_keeps_the_json_shape_recorded_contacts_have() {
        let stored = r#"{"kind":"declared","venue_id":null,"from":"2021-11-10T01:00:00Z","to":null,"overlap_min":null,"setting":"face_to_face"}"#;
        let r: ContactReason = serde_json::from_str(stored).unwrap();
        assert_eq!(r.kind, ReasonKind::Declared);
        assert_eq!(r.setting, Some(ContactSetting::FaceToFace));
        assert_eq!(r.from.map(|t| t.timestamp()), Some(1_636_506_000));
        assert_eq!(serde_json::to_string(&r).unwrap(), stored);
        let bad = stored.replace("face_to_face", "phone");
        assert!(serde_json::from_str::<ContactReason>(&bad).is_err());
    }
}
