//! The inputs a decision may use, with their keys in `risk_levels.toml` and the units the
//! reasons show them in.

use std::str::FromStr;

/// The inputs a decision may use, per unit and week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Indicator {
    CasesPer100kWeek,
    OxygenPer100kWeek,
    DeathsPer100kWeek,
    AdultFirstDoseShare,
    FullyVaccinatedShare,
    HighRiskFullyVaccinatedShare,
    CommuneReady,
    FreeBedsPer100k,
    IcuBedsPer100k,
}

pub(super) const N_INDICATORS: usize = 9;

impl Indicator {
    pub const ALL: [Indicator; N_INDICATORS] = [
        Indicator::CasesPer100kWeek,
        Indicator::OxygenPer100kWeek,
        Indicator::DeathsPer100kWeek,
        Indicator::AdultFirstDoseShare,
        Indicator::FullyVaccinatedShare,
        Indicator::HighRiskFullyVaccinatedShare,
        Indicator::CommuneReady,
        Indicator::FreeBedsPer100k,
        Indicator::IcuBedsPer100k,
    ];

    /// The key in `risk_levels.toml`.
    pub fn key(self) -> &'static str {
        match self {
            Indicator::CasesPer100kWeek => "cases_per_100k_week",
            Indicator::OxygenPer100kWeek => "oxygen_per_100k_week",
            Indicator::DeathsPer100kWeek => "deaths_per_100k_week",
            Indicator::AdultFirstDoseShare => "adult_first_dose_share",
            Indicator::FullyVaccinatedShare => "fully_vaccinated_share",
            Indicator::HighRiskFullyVaccinatedShare => "high_risk_fully_vaccinated_share",
            Indicator::CommuneReady => "commune_ready",
            Indicator::FreeBedsPer100k => "free_beds_per_100k",
            Indicator::IcuBedsPer100k => "icu_beds_per_100k",
        }
    }

    /// What the value measures, after the number: (Vietnamese, English).
    pub(super) fn unit(self) -> (&'static str, &'static str) {
        match self {
            Indicator::CasesPer100kWeek => ("ca/100.000 dân/tuần", "cases/100,000/week"),
            Indicator::OxygenPer100kWeek => (
                "ca cần thở oxy/100.000 dân/tuần",
                "cases needing oxygen/100,000/week",
            ),
            Indicator::DeathsPer100kWeek => ("ca tử vong/100.000 dân/tuần", "deaths/100,000/week"),
            Indicator::AdultFirstDoseShare => {
                ("người ≥18 tuổi tiêm ≥1 mũi", "of people 18+ with ≥1 dose")
            }
            Indicator::FullyVaccinatedShare => {
                ("dân số tiêm đủ liều", "of people fully vaccinated")
            }
            Indicator::HighRiskFullyVaccinatedShare => (
                "người nguy cơ cao tiêm đủ liều",
                "of high-risk people fully vaccinated",
            ),
            Indicator::CommuneReady => (
                "xã sẵn sàng chăm sóc F0 tại nhà",
                "commune ready to care for F0 at home",
            ),
            Indicator::FreeBedsPer100k => ("giường trống/100.000 dân", "free beds/100,000"),
            Indicator::IcuBedsPer100k => ("giường hồi sức/100.000 dân", "ICU beds/100,000"),
        }
    }

    pub(super) fn is_share(self) -> bool {
        matches!(
            self,
            Indicator::AdultFirstDoseShare
                | Indicator::FullyVaccinatedShare
                | Indicator::HighRiskFullyVaccinatedShare
        )
    }
}

impl FromStr for Indicator {
    type Err = String;
    fn from_str(s: &str) -> Result<Indicator, String> {
        Indicator::ALL
            .into_iter()
            .find(|i| i.key() == s)
            .ok_or_else(|| format!("unknown indicator {s:?}"))
    }
}
