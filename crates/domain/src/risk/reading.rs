//! How each indicator entered an assessment, the assessment itself, and its reason in
//! Vietnamese and English.

use crate::lang::decimal;
use std::fmt::Write;

use super::indicator::{Indicator, N_INDICATORS};
use super::level::{Band, CapacityBand, RiskLevel, TransmissionBand};
use super::rule::{CutOff, Missing, RiskRule};

/// How an indicator entered the assessment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reading {
    Measured {
        value: f64,
        band: Band,
    },
    /// The input was missing; the policy assumes its worst band.
    AssumedWorst {
        band: Band,
    },
    /// The input was missing; the policy leaves the indicator out.
    Skipped,
}

impl Reading {
    pub(super) fn of(
        value: Option<f64>,
        missing: Missing,
        band: impl Fn(f64) -> Band,
        worst: Band,
    ) -> Reading {
        match (value, missing) {
            (Some(value), _) => Reading::Measured {
                value,
                band: band(value),
            },
            (None, Missing::Worst) => Reading::AssumedWorst { band: worst },
            (None, Missing::Skip) => Reading::Skipped,
        }
    }

    pub fn band(&self) -> Option<Band> {
        match self {
            Reading::Measured { band, .. } | Reading::AssumedWorst { band } => Some(*band),
            Reading::Skipped => None,
        }
    }
}

/// How a population-share roll-up decided.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RollupNote {
    pub max_share_above: f64,
    /// Share of the population in child units above the level given.
    pub share_above: f64,
}

/// A unit's level for a week, with its grounds.
#[derive(Debug, Clone)]
pub struct Assessment<'r> {
    pub rule: &'r RiskRule,
    pub level: RiskLevel,
    pub transmission: TransmissionBand,
    pub capacity: CapacityBand,
    /// No capacity indicator was known: the worst column was assumed.
    pub capacity_unknown: bool,
    /// The commune was not ready to treat and the rule raises the level for it.
    pub readiness_raised: bool,
    pub(super) readings: [Option<Reading>; N_INDICATORS],
    pub rollup: Option<RollupNote>,
}

/// The language of a reason (the product's one `Lang`).
pub use crate::lang::Lang;

impl Assessment<'_> {
    /// The indicators the rule uses, in a fixed order, with how each was read.
    pub fn indicators(&self) -> impl Iterator<Item = (Indicator, Reading)> + '_ {
        Indicator::ALL
            .into_iter()
            .filter_map(|i| self.readings[i as usize].map(|r| (i, r)))
    }

    /// The inputs that were missing, and what was assumed for each.
    pub fn missing(&self) -> impl Iterator<Item = (Indicator, Reading)> + '_ {
        self.indicators()
            .filter(|(_, r)| !matches!(r, Reading::Measured { .. }))
    }

    /// Why this level, e.g. "42,1 ca/100.000 dân/tuần (20–<50) và 65% người ≥18 tuổi tiêm
    /// ≥1 mũi (<70%) → cấp 2 (4800/QĐ-BYT)".
    pub fn reason(&self, lang: Lang) -> String {
        let vi = lang == Lang::Vi;
        let mut s = String::with_capacity(256);
        for (n, (ind, reading)) in self.indicators().enumerate() {
            if n > 0 {
                s.push_str(if vi { " và " } else { " and " });
            }
            let (unit_vi, unit_en) = ind.unit();
            let unit = if vi { unit_vi } else { unit_en };
            let label = |band: Band| self.band_label(ind, band, lang);
            let _ = match (reading, vi) {
                (Reading::Measured { value, .. }, _) if ind == Indicator::CommuneReady => {
                    s.push_str(match (vi, value > 0.0) {
                        (true, true) => "xã sẵn sàng chăm sóc F0 tại nhà",
                        (true, false) => "xã chưa sẵn sàng chăm sóc F0 tại nhà",
                        (false, true) => "commune ready to care for F0 at home",
                        (false, false) => "commune not ready to care for F0 at home",
                    });
                    Ok(())
                }
                (Reading::Measured { value, band }, _) => {
                    write!(s, "{} {unit} ({})", number(ind, value, lang), label(band))
                }
                (Reading::AssumedWorst { band }, true) => {
                    write!(s, "thiếu số liệu {unit}: giả định {}", label(band))
                }
                (Reading::AssumedWorst { band }, false) => {
                    write!(s, "{unit}: missing, assumed {}", label(band))
                }
                (Reading::Skipped, true) => write!(s, "thiếu số liệu {unit}: không tính"),
                (Reading::Skipped, false) => write!(s, "{unit}: missing, not used"),
            };
        }
        if self.capacity_unknown {
            s.push_str(if vi {
                "; không có chỉ số năng lực: giả định thấp"
            } else {
                "; no capacity indicator known: assumed low"
            });
        }
        if self.readiness_raised {
            s.push_str(if vi {
                "; xã chưa sẵn sàng điều trị: tăng 1 cấp"
            } else {
                "; not ready to treat: one level up"
            });
        }
        if let Some(note) = self.rollup {
            let pct = |x: f64| number(Indicator::AdultFirstDoseShare, x, lang);
            let _ = if vi {
                write!(
                    s,
                    "; theo dân số các đơn vị trực thuộc: {} dân số ở cấp cao hơn (tối đa {})",
                    pct(note.share_above),
                    pct(note.max_share_above)
                )
            } else {
                write!(
                    s,
                    "; by population of the units within: {} of people at a higher level (at most {})",
                    pct(note.share_above),
                    pct(note.max_share_above)
                )
            };
        }
        let level = self.level.number();
        let doc = &self.rule.document;
        let _ = if vi {
            write!(s, " → cấp {level} ({doc})")
        } else {
            write!(s, " → level {level} ({doc})")
        };
        s
    }

    pub fn band_label(&self, ind: Indicator, band: Band, lang: Lang) -> String {
        // Cut-offs are shown as written: "20", not "20,0".
        let num = |c: &CutOff| {
            if ind.is_share() || c.value.fract() != 0.0 {
                number(ind, c.value, lang)
            } else {
                decimal(c.value, 0, lang)
            }
        };
        match band {
            Band::Transmission(b) => {
                let Some(t) = self.rule.transmission.iter().find(|t| t.indicator == ind) else {
                    return String::new();
                };
                let lower = |c: &CutOff| {
                    if c.strict {
                        format!(">{}", num(c))
                    } else {
                        num(c)
                    }
                };
                let upper = |c: &CutOff| {
                    if c.strict {
                        format!("≤{}", num(c))
                    } else {
                        format!("<{}", num(c))
                    }
                };
                let c = &t.cut_offs;
                match b {
                    TransmissionBand::Low => upper(&c[0]),
                    TransmissionBand::Medium => format!("{}–{}", lower(&c[0]), upper(&c[1])),
                    TransmissionBand::High => format!("{}–{}", lower(&c[1]), upper(&c[2])),
                    TransmissionBand::VeryHigh => {
                        let l = lower(&c[2]);
                        if c[2].strict {
                            l
                        } else {
                            format!("≥{l}")
                        }
                    }
                }
            }
            Band::Capacity(b) => {
                let Some(r) = self.rule.capacity.iter().find(|c| c.indicator == ind) else {
                    return String::new();
                };
                let reach = |c: &CutOff| format!("{}{}", if c.strict { ">" } else { "≥" }, num(c));
                let below = |c: &CutOff| format!("{}{}", if c.strict { "≤" } else { "<" }, num(c));
                match (b, r.medium) {
                    (CapacityBand::High, _) => reach(&r.high),
                    (CapacityBand::Medium, Some(m)) => format!("{}–{}", num(&m), num(&r.high)),
                    (CapacityBand::Low, Some(m)) => below(&m),
                    (_, None) => below(&r.high),
                }
            }
        }
    }
}

/// A number as the reason shows it: per-100k values with one decimal, shares as percent;
/// Vietnamese uses a decimal comma and dots between thousands.
pub(super) fn number(ind: Indicator, x: f64, lang: Lang) -> String {
    if ind.is_share() {
        let pct = x * 100.0;
        let decimals = if (pct - pct.round()).abs() < 0.05 {
            0
        } else {
            1
        };
        crate::lang::percent(pct, decimals, lang)
    } else {
        decimal(x, 1, lang)
    }
}
