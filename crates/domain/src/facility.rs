//! Quarantine and treatment facilities, their beds, and where a case of each severity is
//! treated (the three tiers of the Ministry of Health's 2021 treatment model).

use crate::epi::Severity;
use crate::slug_enum;

slug_enum!(
    /// What a facility is.
    FacilityKind {
        /// Centralised quarantine for F1 (khu cách ly tập trung).
        F1Quarantine = "f1_quarantine",
        /// Tier 1: isolation and care of asymptomatic and mild F0 (cơ sở thu dung F0).
        F0Isolation = "f0_isolation",
        /// Tier 2: field hospital with oxygen beds (bệnh viện dã chiến).
        FieldHospital = "field_hospital",
        /// Tier 3: hospital with intensive care (bệnh viện hồi sức).
        Hospital = "hospital",
    }
);

slug_enum!(
    /// Kinds of bed, as national reports count them.
    BedType {
        Quarantine = "quarantine",
        F0Tier1 = "f0_tier1",
        Oxygen = "oxygen",
        HighFlow = "high_flow",
        Ventilator = "ventilator",
        Icu = "icu",
    }
);

slug_enum!(
    /// Why a stay ended.
    DischargeReason {
        Recovered = "recovered",
        Transferred = "transferred",
        Died = "died",
        /// Quarantine or isolation over (an F1 released, an F0 released to home).
        Released = "released",
    }
);

slug_enum!(
    /// Where a stay is: a bed in a facility, or at home (home care of an F0 or home
    /// quarantine of an F1), which takes no bed.
    Place {
        Facility = "facility",
        Home = "home",
    }
);

impl FacilityKind {
    /// The treatment tier of the facility (0 for F1 quarantine).
    pub fn tier(self) -> u8 {
        match self {
            FacilityKind::F1Quarantine => 0,
            FacilityKind::F0Isolation => 1,
            FacilityKind::FieldHospital => 2,
            FacilityKind::Hospital => 3,
        }
    }
}

impl BedType {
    /// The treatment tier the bed belongs to (0 for quarantine).
    pub fn tier(self) -> u8 {
        match self {
            BedType::Quarantine => 0,
            BedType::F0Tier1 => 1,
            BedType::Oxygen => 2,
            BedType::HighFlow | BedType::Ventilator | BedType::Icu => 3,
        }
    }
}

/// The suggested tier and bed for a case of a severity. [A] A simple reading of Decision
/// 4689 and the three-tier model (RULES.md): asymptomatic and mild → tier 1 (home care or
/// F0 isolation facility); moderate → tier 2 oxygen; severe → tier 3 high-flow oxygen;
/// critical → tier 3 ICU. A locality's policy (data/policies/care.toml) is to replace this.
pub fn triage(severity: Severity) -> (u8, BedType) {
    match severity {
        Severity::Asymptomatic | Severity::Mild => (1, BedType::F0Tier1),
        Severity::Moderate => (2, BedType::Oxygen),
        Severity::Severe => (3, BedType::HighFlow),
        Severity::Critical => (3, BedType::Icu),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triage_follows_severity() {
        assert_eq!(triage(Severity::Mild), (1, BedType::F0Tier1));
        assert_eq!(triage(Severity::Moderate).1.tier(), 2);
        assert_eq!(triage(Severity::Critical), (3, BedType::Icu));
        for s in Severity::ALL {
            assert_eq!(triage(*s).0, triage(*s).1.tier());
        }
    }
}
