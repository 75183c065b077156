//! Needs: where a locality's request stands, and the order in which needs receive an offer.

use std::str::FromStr;

use crate::validation::Reason;

/// Where a need stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeedStatus {
    Open,
    Met,
    Withdrawn,
}

impl NeedStatus {
    pub const ALL: [NeedStatus; 3] = [NeedStatus::Open, NeedStatus::Met, NeedStatus::Withdrawn];

    pub fn as_str(self) -> &'static str {
        match self {
            NeedStatus::Open => "open",
            NeedStatus::Met => "met",
            NeedStatus::Withdrawn => "withdrawn",
        }
    }
}

impl FromStr for NeedStatus {
    type Err = Reason;
    fn from_str(s: &str) -> Result<Self, Reason> {
        NeedStatus::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(Reason::UnknownValue)
    }
}

/// What is known of a needing locality's situation when an offer is matched.
#[derive(Debug, Clone, PartialEq)]
pub struct NeedSituation {
    /// Cases confirmed in its territory in the last 7 days, and in the 7 days before.
    pub cases_7d: i64,
    pub cases_prev_7d: i64,
    /// Great-circle distance from the offering locality, when both have centroids.
    pub distance_km: Option<f64>,
    /// The locality's latest published risk level (1–4), if any was published.
    pub risk_level: Option<u8>,
    /// Free F0 treatment beds in its territory, when facilities are on record there.
    pub free_beds: Option<i64>,
}

impl NeedSituation {
    /// Week-on-week growth of cases, smoothed by one case so an empty week is not a
    /// division by zero: (c7 + 1) / (prev + 1).
    pub fn growth(&self) -> f64 {
        (self.cases_7d as f64 + 1.0) / (self.cases_prev_7d as f64 + 1.0)
    }
}

/// The order in which needs should receive an offer: the highest published risk level
/// first, then a locality out of free treatment beds before one with beds (fewest free
/// first; unknown after known), then the heaviest load (cases in the last 7 days), the
/// fastest growth, and the nearest.
pub fn rank_needs(situations: &[NeedSituation]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..situations.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&situations[a], &situations[b]);
        y.risk_level
            .unwrap_or(0)
            .cmp(&x.risk_level.unwrap_or(0))
            .then(
                x.free_beds
                    .unwrap_or(i64::MAX)
                    .cmp(&y.free_beds.unwrap_or(i64::MAX)),
            )
            .then(y.cases_7d.cmp(&x.cases_7d))
            .then(y.growth().total_cmp(&x.growth()))
            .then(
                x.distance_km
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&y.distance_km.unwrap_or(f64::INFINITY)),
            )
            .then(a.cmp(&b))
    });
    order
}

/// Haversine distance between two (lat, lon) points in degrees, on a 6,371 km sphere.
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}
