//! The definitions, written as directly as possible: every pair of stays (a person's
//! check-ins at one venue, overlapping or touching ones merged), every link.
//! Quadratic and allocation-happy on purpose; only the answer's shape is shared with the
//! engine (the types), never its code.

use std::collections::{BTreeMap, BTreeSet};

use trace::{CaseQuery, Contact, Reason, Traced, MAX_ALSO_VIA, MAX_DEPTH, MAX_REASONS};

use crate::world::World;

fn reason_key(r: &Reason) -> (u8, i64, i64, i64, i64) {
    match *r {
        Reason::Household => (0, 0, 0, 0, 0),
        Reason::Declared { t_s, setting } => (1, t_s, i64::from(setting), 0, 0),
        Reason::Venue {
            venue,
            from_s,
            to_s,
            overlap_s,
        } => (2, -overlap_s, from_s, to_s, i64::from(venue)),
    }
}

/// A person's stays: per venue, the union of its check-ins there, as `(venue, from, to)`.
/// Grown one check-in at a time until nothing more joins: slow and plain on purpose.
fn stays(w: &World, person: u32) -> Vec<(u32, i64, i64)> {
    let mut out: Vec<(u32, i64, i64)> = w
        .visits
        .iter()
        .filter(|v| v.person == person)
        .map(|v| (v.venue, v.t_in_s, v.t_out_s))
        .collect();
    loop {
        let mut joined = None;
        'pairs: for i in 0..out.len() {
            for j in 0..out.len() {
                let (x, y) = (out[i], out[j]);
                // Overlapping or touching intervals of one venue are one stay.
                if i != j && x.0 == y.0 && x.1 <= y.2 && y.1 <= x.2 {
                    joined = Some((i, j));
                    break 'pairs;
                }
            }
        }
        let Some((i, j)) = joined else {
            return out;
        };
        let y = out.remove(j);
        let i = if j < i { i - 1 } else { i };
        out[i] = (y.0, out[i].1.min(y.1), out[i].2.max(y.2));
    }
}

/// (person, reason, exposure_s, start_s) for every link of `source` in `[lo, hi]`.
fn links(w: &World, source: u32, lo: i64, hi: i64) -> Vec<(u32, Reason, i64, i64)> {
    let mut out = Vec::new();
    let people: BTreeSet<u32> = w.visits.iter().map(|v| v.person).collect();
    for x in stays(w, source) {
        for &p in people.iter().filter(|&&p| p != source) {
            for y in stays(w, p).into_iter().filter(|y| y.0 == x.0) {
                let from = x.1.max(y.1).max(lo);
                let to = x.2.min(y.2).min(hi);
                let overlap = to - from;
                if overlap > 0 && overlap >= w.rules.min_overlap_at(x.0) {
                    let reason = Reason::Venue {
                        venue: x.0,
                        from_s: from,
                        to_s: to,
                        overlap_s: overlap,
                    };
                    out.push((p, reason, overlap, from));
                }
            }
        }
    }
    let mut house = BTreeSet::new();
    for group in &w.households {
        if group.contains(&source) {
            house.extend(group.iter().copied().filter(|&p| p != source));
        }
    }
    for p in house {
        out.push((p, Reason::Household, hi - lo, lo));
    }
    let mut declared = BTreeSet::new();
    for d in &w.declared {
        let other = if d.a == source {
            d.b
        } else if d.b == source {
            d.a
        } else {
            continue;
        };
        if other != source && lo <= d.t_s && d.t_s <= hi {
            declared.insert((other, d.t_s, d.setting));
        }
    }
    for (p, t_s, setting) in declared {
        let reason = Reason::Declared { t_s, setting };
        out.push((p, reason, w.rules.min_overlap_s.max(0), t_s));
    }
    out
}

/// person -> via -> reasons
type Found = BTreeMap<u32, BTreeMap<u32, Vec<(Reason, i64, i64)>>>;

fn contacts(found: Found, degree: u8) -> Vec<Contact> {
    let mut out = Vec::new();
    for (person, vias) in found {
        let mut options: Vec<(i64, u32, i64, Vec<Reason>)> = vias
            .into_iter()
            .map(|(via, mut rs)| {
                rs.sort_by_key(|r| reason_key(&r.0));
                let exposure: i64 = rs.iter().map(|r| r.1).sum();
                let first = rs.iter().map(|r| r.2).min().unwrap();
                (exposure, via, first, rs.into_iter().map(|r| r.0).collect())
            })
            .collect();
        options.sort_by_key(|o| (-o.0, o.1));
        let (exposure, via, first, reasons) = options[0].clone();
        out.push(Contact {
            person,
            degree,
            via,
            n_reasons: reasons.len() as u32,
            reasons: reasons.into_iter().take(MAX_REASONS).collect(),
            exposure_s: exposure,
            first_exposure_s: first,
            also_via: options[1..]
                .iter()
                .take(MAX_ALSO_VIA)
                .map(|o| o.1)
                .collect(),
        });
    }
    out.sort_by_key(|c| (-c.exposure_s, c.person));
    out
}

/// The answer by definition, expanding at most `frontier` F1s (the most exposed).
pub fn trace(w: &World, q: &CaseQuery, frontier: usize) -> Traced {
    let depth = q.depth.min(MAX_DEPTH);
    let (lo, hi) = (q.infectious_from_s, q.infectious_to_s);
    if depth == 0 || hi <= lo {
        return Traced::default();
    }
    let mut f1 = Found::new();
    for (p, r, e, s) in links(w, q.person, lo, hi) {
        f1.entry(p)
            .or_default()
            .entry(q.person)
            .or_default()
            .push((r, e, s));
    }
    let mut out = contacts(f1, 1);
    let mut truncated = false;
    if depth == 2 {
        truncated = out.len() > frontier;
        let known: BTreeSet<u32> = out.iter().map(|c| c.person).chain([q.person]).collect();
        let mut f2 = Found::new();
        for c in out.iter().take(frontier) {
            let to = w
                .isolation
                .iter()
                .filter(|i| i.0 == c.person)
                .map(|i| i.1)
                .min()
                .unwrap_or(c.first_exposure_s + w.rules.f1_isolation_default_s);
            if to <= c.first_exposure_s {
                continue;
            }
            for (p, r, e, s) in links(w, c.person, c.first_exposure_s, to) {
                if !known.contains(&p) {
                    f2.entry(p)
                        .or_default()
                        .entry(c.person)
                        .or_default()
                        .push((r, e, s));
                }
            }
        }
        out.extend(contacts(f2, 2));
    }
    Traced {
        contacts: out,
        truncated,
    }
}
