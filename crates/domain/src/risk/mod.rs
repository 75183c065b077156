//! Epidemic risk levels (Resolution 128/NQ-CP) from a unit's week of data, under the
//! Ministry of Health decision in force on the week's last day (`data/policies/risk_levels.toml`:
//! 4800/QĐ-BYT until 26 Jan 2022, then 218/QĐ-BYT). Communes are assessed from their own
//! inputs; districts and provinces by the configured roll-up. Every assessment names its
//! document, each indicator's value and band, what was missing and what was assumed, and says
//! why in Vietnamese and English.

mod indicator;
mod level;
mod policies;
mod published;
mod reading;
mod rule;
mod unit_week;

pub use indicator::Indicator;
pub use level::{Band, CapacityBand, RiskLevel, TransmissionBand};
pub use policies::RiskPolicies;
pub use published::{PublishedInput, ReadingKind};
pub use reading::{Assessment, Lang, Reading, RollupNote};
pub use rule::{
    CapacityRule, CasesCounted, Combine, CutOff, Missing, ReadinessFailed, RiskError, RiskRule,
    Rollup, RollupMethod, TransmissionRule,
};
pub use unit_week::{pool, Share, UnitWeek};

#[cfg(test)]
mod tests;
