//! The four levels of Resolution 128/NQ-CP and the bands of the matrix that gives them.

use serde::Deserialize;

/// The four levels of Resolution 128/NQ-CP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RiskLevel {
    /// Cấp 1, nguy cơ thấp ("bình thường mới"), green.
    Low = 1,
    /// Cấp 2, nguy cơ trung bình, yellow.
    Medium = 2,
    /// Cấp 3, nguy cơ cao, orange.
    High = 3,
    /// Cấp 4, nguy cơ rất cao, red.
    VeryHigh = 4,
}

impl RiskLevel {
    pub const ALL: [RiskLevel; 4] = [
        RiskLevel::Low,
        RiskLevel::Medium,
        RiskLevel::High,
        RiskLevel::VeryHigh,
    ];

    pub fn number(self) -> u8 {
        self as u8
    }

    pub fn from_number(n: u8) -> Option<RiskLevel> {
        RiskLevel::ALL.get(usize::from(n).checked_sub(1)?).copied()
    }

    /// One level up, at most very high.
    pub fn raised(self) -> RiskLevel {
        RiskLevel::from_number(self.number() + 1).unwrap_or(RiskLevel::VeryHigh)
    }

    pub fn colour(self) -> &'static str {
        ["green", "yellow", "orange", "red"][self as usize - 1]
    }
}

/// Transmission band of criterion 1 (the matrix's rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TransmissionBand {
    Low = 0,
    Medium = 1,
    High = 2,
    VeryHigh = 3,
}

impl TransmissionBand {
    pub(super) const ALL: [TransmissionBand; 4] = [
        TransmissionBand::Low,
        TransmissionBand::Medium,
        TransmissionBand::High,
        TransmissionBand::VeryHigh,
    ];
}

/// Capacity band (the matrix's columns); declared from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CapacityBand {
    High,
    Medium,
    Low,
}

/// A band of either kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Band {
    Transmission(TransmissionBand),
    Capacity(CapacityBand),
}
