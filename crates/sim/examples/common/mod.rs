//! What the engine-against-truth examples (`tracing_quality`, `cluster_quality`) share: the
//! simulator's check-ins, households and venue kinds as the engine takes them, the rules of
//! the F1 definition, and their command-line and machine helpers.

use sim::Outcome;
use trace::{Rules, Visit};

/// The F1 definition's minimum co-presence.
pub const MIN_OVERLAP_S: i64 = 15 * 60;
/// Kind ids in `Rules::venue_kind`: 0 = masked (15 minutes), 1 = unmasked (any overlap).
pub const KIND_MASKED: u8 = 0;
pub const KIND_UNMASKED: u8 = 1;

pub fn parse_list(s: &str) -> Result<Vec<f64>, String> {
    s.split(',')
        .map(|x| {
            let c: f64 = x
                .trim()
                .parse()
                .map_err(|e| format!("--compliance {x:?}: {e}"))?;
            if (0.0..=1.0).contains(&c) {
                Ok(c)
            } else {
                Err(format!("--compliance {c} is not in [0, 1]"))
            }
        })
        .collect()
}

pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string())
}

pub fn visits_of(o: &Outcome) -> Vec<Visit> {
    let c = &o.checkins;
    (0..c.len())
        .map(|i| Visit {
            person: c.person[i],
            venue: c.venue[i],
            t_in_s: c.t_in_s[i],
            t_out_s: c.t_out_s[i],
        })
        .collect()
}

pub fn rules_for(o: &Outcome) -> Rules {
    let venue_kind = o
        .venues
        .kind
        .iter()
        .map(|k| match k.as_str() {
            "restaurant" | "cafe" => KIND_UNMASKED,
            _ => KIND_MASKED,
        })
        .collect();
    let mut min_overlap_by_kind = vec![0i64; 2];
    min_overlap_by_kind[usize::from(KIND_MASKED)] = MIN_OVERLAP_S;
    min_overlap_by_kind[usize::from(KIND_UNMASKED)] = 0;
    Rules {
        min_overlap_s: MIN_OVERLAP_S,
        min_overlap_by_kind,
        venue_kind,
        ..Rules::default()
    }
}

pub fn household_groups(o: &Outcome) -> Vec<Vec<u32>> {
    let mut groups = vec![Vec::new(); o.households.len()];
    for (p, &h) in o.people.household.iter().enumerate() {
        groups[h as usize].push(p as u32);
    }
    groups
}
