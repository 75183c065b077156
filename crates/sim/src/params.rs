//! Scenario parameters and their validation.

use chrono::{Datelike, NaiveDate};

/// Everything that decides a run. The same `Params` give byte-identical outcomes on any
/// machine and with any thread count.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub seed: u64,
    pub people: u32,
    pub days: u32,
    /// Sim time 0 is local midnight (UTC+7) at the start of this date.
    pub start_date: NaiveDate,
    /// Two-digit province code of the 2021 structure ("01" = Hà Nội).
    pub province_code: String,
    /// Share of people aged 12+ who carry a smartphone with the check-in app.
    pub phone_ownership: f64,
    /// Probability that a phone owner scans the venue's QR code on a visit.
    pub checkin_compliance: f64,
    /// Probability that staff scan the personal QR of a visitor without a phone.
    pub staff_scan_compliance: f64,
    /// People infected during the 4 days before the start.
    pub initial_infections: u32,
    /// Detected cases isolate: no venue visits, less household transmission.
    pub response: bool,
    /// Contacts of detected cases (household, and co-present in recorded check-ins) are
    /// quarantined and tested.
    pub tracing: bool,
    /// Vaccines exist: the start coverage below and the daily roll-out. Off means nobody is
    /// vaccinated (the counterfactual), not merely that the roll-out stops.
    pub vaccination: bool,
    /// Recorded check-ins of the last this many days are returned in the outcome.
    pub keep_checkin_days: u32,
    /// Worker threads; 0 = rayon's default. Results never depend on it.
    pub threads: usize,

    /// Pupils go to school on weekdays. (Hà Nội's schools were mostly online in late 2021;
    /// on by default because school clusters are part of what the platform must handle.)
    pub schools_open: bool,
    /// Share of adults (18+) with at least one dose at the start. Hà Nội, 1 Nov 2021: ~95% (assumed).
    pub dose1_coverage_start: f64,
    /// Share of adults (18+) with two doses at the start. Hà Nội, 1 Nov 2021: ~60% (assumed).
    pub dose2_coverage_start: f64,
    /// Daily vaccination capacity, doses per 1,000 residents.
    pub doses_per_day_per_1000: f64,
    /// Probability that a person with mild symptoms gets tested (moderate and worse always are).
    pub symptomatic_testing: f64,
    /// Daily probability that community screening samples a given infected person.
    pub community_screening: f64,
    /// Multiplies every transmission rate.
    pub transmission_scale: f64,
    /// Each district's risk level (Resolution 128/NQ-CP) is assessed weekly under the
    /// Ministry of Health rule in force (`data/policies/risk_levels.toml`: in 2021 Decision
    /// 4800/QĐ-BYT, from community cases per 100,000 and first-dose coverage), and
    /// restricts its residents: level 2 thins dining in and worship, level 3 closes
    /// schools and most dining in, level 4 also sends offices home.
    pub restrictions: bool,
    /// Keep every visit of every day in `Outcome::visits` (recorded or not). For tests and
    /// small runs only: it costs ~25 bytes per visit.
    pub keep_visits: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            seed: 1,
            people: 100_000,
            days: 56,
            start_date: NaiveDate::from_ymd_opt(2021, 11, 1).unwrap_or_default(),
            province_code: "01".to_string(),
            phone_ownership: 0.75,
            checkin_compliance: 0.6,
            staff_scan_compliance: 0.3,
            initial_infections: 30,
            response: true,
            tracing: true,
            vaccination: true,
            keep_checkin_days: 21,
            threads: 0,
            schools_open: true,
            dose1_coverage_start: 0.95,
            dose2_coverage_start: 0.60,
            doses_per_day_per_1000: 8.0,
            symptomatic_testing: 0.5,
            community_screening: 0.01,
            transmission_scale: 1.0,
            restrictions: true,
            keep_visits: false,
        }
    }
}

/// The largest population a run accepts: the national-id serials need fewer than a million
/// people per (birth year, sex), and memory grows ~0.5–1 KB per person.
pub const PEOPLE_MAX: u32 = 20_000_000;
/// Days are counted in `u16` in the quarantine arrays; a year is plenty for a scenario.
pub const DAYS_MAX: u32 = 366;
pub const THREADS_MAX: usize = 256;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    #[error("unknown province code {0:?} (2021 structure)")]
    UnknownProvince(String),
    #[error("invalid parameter {name}: {reason}")]
    InvalidParam { name: &'static str, reason: String },
    #[error("reference data: {0}")]
    RefData(String),
    #[error("thread pool: {0}")]
    ThreadPool(String),
}

fn invalid(name: &'static str, reason: impl Into<String>) -> SimError {
    SimError::InvalidParam {
        name,
        reason: reason.into(),
    }
}

impl Params {
    /// Checks every field; `run` calls it first.
    pub fn validate(&self) -> Result<(), SimError> {
        if !(100..=PEOPLE_MAX).contains(&self.people) {
            return Err(invalid("people", format!("must be 100..={PEOPLE_MAX}")));
        }
        if !(1..=DAYS_MAX).contains(&self.days) {
            return Err(invalid("days", format!("must be 1..={DAYS_MAX}")));
        }
        // Birth years must fit the national-id century digits (1900–2099) for ages 0..=100.
        if !(2001..=2099).contains(&self.start_date.year()) {
            return Err(invalid("start_date", "year must be 2001..=2099"));
        }
        let code = &self.province_code;
        if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SimError::UnknownProvince(code.clone()));
        }
        let probabilities: [(&'static str, f64); 7] = [
            ("phone_ownership", self.phone_ownership),
            ("checkin_compliance", self.checkin_compliance),
            ("staff_scan_compliance", self.staff_scan_compliance),
            ("dose1_coverage_start", self.dose1_coverage_start),
            ("dose2_coverage_start", self.dose2_coverage_start),
            ("symptomatic_testing", self.symptomatic_testing),
            ("community_screening", self.community_screening),
        ];
        for (name, p) in probabilities {
            if !(0.0..=1.0).contains(&p) {
                return Err(invalid(name, format!("{p} is not a probability in [0, 1]")));
            }
        }
        if self.dose2_coverage_start > self.dose1_coverage_start {
            return Err(invalid(
                "dose2_coverage_start",
                "cannot exceed dose1_coverage_start",
            ));
        }
        if !(0.0..=1000.0).contains(&self.doses_per_day_per_1000) {
            return Err(invalid("doses_per_day_per_1000", "must be 0..=1000"));
        }
        if !(0.0..=100.0).contains(&self.transmission_scale) {
            return Err(invalid("transmission_scale", "must be 0..=100"));
        }
        if self.initial_infections > self.people / 10 {
            return Err(invalid(
                "initial_infections",
                "must be at most a tenth of the population",
            ));
        }
        if self.keep_checkin_days > DAYS_MAX {
            return Err(invalid(
                "keep_checkin_days",
                format!("must be 0..={DAYS_MAX}"),
            ));
        }
        if self.threads > THREADS_MAX {
            return Err(invalid("threads", format!("must be 0..={THREADS_MAX}")));
        }
        Ok(())
    }
}
