//! Published exposure places (issue #18, parts 3 and 4): the windows in which a case was
//! present at a venue, merged per venue and local day, and the matching of a person's own
//! visits against the published windows. Pure: the app reads the rows and the rule.

use crate::time::UTC_OFFSET_S;

/// A span a case was at a venue, or a merged window of such spans (UTC seconds, `from_s`
/// before `to_s`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Presence {
    pub venue_id: i64,
    pub from_s: i64,
    pub to_s: i64,
}

/// One proposed window: a venue, a local day (days since 1970-01-01 in the locality's
/// time zone) and the union of the cases' presence that day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DayWindow {
    pub venue_id: i64,
    pub day: i64,
    pub from_s: i64,
    pub to_s: i64,
}

/// The locality's day number at a UTC time.
pub fn local_day(t_s: i64) -> i64 {
    (t_s + UTC_OFFSET_S).div_euclid(86_400)
}

/// The first second (UTC) of local day `day`.
pub fn local_day_start_s(day: i64) -> i64 {
    day * 86_400 - UTC_OFFSET_S
}

/// Cuts each presence at local midnights, then merges what overlaps or touches at the same
/// venue on the same day: a citizen reads "at X on 12/12 from 18:00 to 19:30", one line per
/// venue and day and gap. Empty or inverted spans are dropped.
pub fn day_windows(presences: &[Presence]) -> Vec<DayWindow> {
    let mut cut: Vec<DayWindow> = Vec::new();
    for p in presences.iter().filter(|p| p.from_s < p.to_s) {
        let mut from_s = p.from_s;
        while from_s < p.to_s {
            let day = local_day(from_s);
            let to_s = p.to_s.min(local_day_start_s(day + 1));
            cut.push(DayWindow {
                venue_id: p.venue_id,
                day,
                from_s,
                to_s,
            });
            from_s = to_s;
        }
    }
    cut.sort_unstable();
    let mut out: Vec<DayWindow> = Vec::with_capacity(cut.len());
    for w in cut {
        match out.last_mut() {
            Some(last)
                if last.venue_id == w.venue_id && last.day == w.day && w.from_s <= last.to_s =>
            {
                last.to_s = last.to_s.max(w.to_s);
            }
            _ => out.push(w),
        }
    }
    out
}

/// A published place as matching needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    pub id: i64,
    pub venue_id: i64,
    pub from_s: i64,
    pub to_s: i64,
}

/// A person's visit (a check-in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visit {
    pub venue_id: i64,
    pub t_in_s: i64,
    pub t_out_s: i64,
}

/// A visit that overlapped a published window: the place, and the time both were there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Exposure {
    pub from_s: i64,
    pub to_s: i64,
    pub place_id: i64,
    pub venue_id: i64,
}

/// Every (visit, published place) pair at the same venue whose times overlap for a
/// positive length, as the overlap; several visits overlapping one place give one line per
/// place, their overlaps merged when they touch. Sorted by time, then place.
pub fn match_visits(visits: &[Visit], places: &[Published]) -> Vec<Exposure> {
    let mut by_venue: Vec<&Published> = places.iter().filter(|p| p.from_s < p.to_s).collect();
    by_venue.sort_unstable_by_key(|p| (p.venue_id, p.from_s, p.id));
    let mut hits: Vec<Exposure> = Vec::new();
    for v in visits.iter().filter(|v| v.t_in_s < v.t_out_s) {
        let start = by_venue.partition_point(|p| p.venue_id < v.venue_id);
        for p in by_venue[start..]
            .iter()
            .take_while(|p| p.venue_id == v.venue_id)
        {
            // Places at a venue are sorted by start: none after the visit's end can overlap.
            if p.from_s >= v.t_out_s {
                break;
            }
            let from_s = p.from_s.max(v.t_in_s);
            let to_s = p.to_s.min(v.t_out_s);
            if from_s < to_s {
                hits.push(Exposure {
                    from_s,
                    to_s,
                    place_id: p.id,
                    venue_id: p.venue_id,
                });
            }
        }
    }
    // One line per place and connected overlap (two check-ins of one stay read as one).
    hits.sort_unstable_by_key(|e| (e.place_id, e.from_s, e.to_s));
    let mut merged: Vec<Exposure> = Vec::with_capacity(hits.len());
    for e in hits {
        match merged.last_mut() {
            Some(last) if last.place_id == e.place_id && e.from_s <= last.to_s => {
                last.to_s = last.to_s.max(e.to_s);
            }
            _ => merged.push(e),
        }
    }
    merged.sort_unstable();
    merged
}

/// The symptoms a citizen may declare (a fixed vocabulary: the page shows their names, the
/// store keeps these codes).
pub const SYMPTOMS: &[&str] = &[
    "fever",
    "cough",
    "sore_throat",
    "shortness_of_breath",
    "loss_of_taste_smell",
    "fatigue",
    "muscle_pain",
    "diarrhoea",
];

/// Whether `code` is one of `SYMPTOMS`.
pub fn is_symptom(code: &str) -> bool {
    SYMPTOMS.contains(&code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const H: i64 = 3600;
    // 2021-12-12 00:00 local.
    const DAY0: i64 = 1_639_242_000;

    #[test]
    fn the_day_starts_at_local_midnight() {
        assert_eq!(local_day_start_s(local_day(DAY0)), DAY0);
        assert_eq!(local_day(DAY0 - 1), local_day(DAY0) - 1);
    }

    #[test]
    fn presences_merge_per_venue_and_day_and_split_at_midnight() {
        let p = |venue_id, from_s, to_s| Presence {
            venue_id,
            from_s,
            to_s,
        };
        let w = day_windows(&[
            p(1, DAY0 + 18 * H, DAY0 + 19 * H),
            p(1, DAY0 + 19 * H, DAY0 + 20 * H), // touches: merged
            p(1, DAY0 + 21 * H, DAY0 + 22 * H), // a gap: its own line
            p(2, DAY0 + 23 * H, DAY0 + 25 * H), // crosses midnight: two days
            p(3, DAY0 + 5 * H, DAY0 + 5 * H),   // empty: dropped
        ]);
        let d = local_day(DAY0);
        assert_eq!(
            w,
            vec![
                DayWindow {
                    venue_id: 1,
                    day: d,
                    from_s: DAY0 + 18 * H,
                    to_s: DAY0 + 20 * H
                },
                DayWindow {
                    venue_id: 1,
                    day: d,
                    from_s: DAY0 + 21 * H,
                    to_s: DAY0 + 22 * H
                },
                DayWindow {
                    venue_id: 2,
                    day: d,
                    from_s: DAY0 + 23 * H,
                    to_s: DAY0 + 24 * H
                },
                DayWindow {
                    venue_id: 2,
                    day: d + 1,
                    from_s: DAY0 + 24 * H,
                    to_s: DAY0 + 25 * H
                },
            ]
        );
    }

    #[test]
    fn a_visit_matches_with_the_overlap() {
        let places = [
            Published {
                id: 7,
                venue_id: 1,
                from_s: DAY0 + 18 * H,
                to_s: DAY0 + 20 * H,
            },
            Published {
                id: 8,
                venue_id: 2,
                from_s: DAY0 + 18 * H,
                to_s: DAY0 + 20 * H,
            },
        ];
        let visits = [
            Visit {
                venue_id: 1,
                t_in_s: DAY0 + 17 * H,
                t_out_s: DAY0 + 19 * H + 1800,
            },
            // Left as the case arrived: touching is no co-presence.
            Visit {
                venue_id: 2,
                t_in_s: DAY0 + 17 * H,
                t_out_s: DAY0 + 18 * H,
            },
            // Another venue entirely.
            Visit {
                venue_id: 3,
                t_in_s: DAY0 + 18 * H,
                t_out_s: DAY0 + 19 * H,
            },
        ];
        assert_eq!(
            match_visits(&visits, &places),
            vec![Exposure {
                from_s: DAY0 + 18 * H,
                to_s: DAY0 + 19 * H + 1800,
                place_id: 7,
                venue_id: 1
            }]
        );
    }

    /// The naive twin: every pair, overlaps per place merged by repeated passes.
    fn naive(visits: &[Visit], places: &[Published]) -> Vec<Exposure> {
        let mut hits = Vec::new();
        for v in visits {
            for p in places {
                let (a, b) = (p.from_s.max(v.t_in_s), p.to_s.min(v.t_out_s));
                if p.venue_id == v.venue_id && v.t_in_s < v.t_out_s && p.from_s < p.to_s && a < b {
                    hits.push((p.id, p.venue_id, a, b));
                }
            }
        }
        loop {
            let mut changed = false;
            'outer: for i in 0..hits.len() {
                for j in 0..hits.len() {
                    let (x, y) = (hits[i], hits[j]);
                    if i != j && x.0 == y.0 && x.2 <= y.3 && y.2 <= x.3 {
                        hits[i] = (x.0, x.1, x.2.min(y.2), x.3.max(y.3));
                        hits.remove(j);
                        changed = true;
                        break 'outer;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        let mut out: Vec<Exposure> = hits
            .into_iter()
            .map(|(place_id, venue_id, from_s, to_s)| Exposure {
                from_s,
                to_s,
                place_id,
                venue_id,
            })
            .collect();
        out.sort_unstable();
        out
    }

    /// The naive twin of `day_windows`: each minute-aligned second marked per venue and day.
    fn naive_windows(presences: &[Presence]) -> Vec<DayWindow> {
        use std::collections::BTreeSet;
        let mut marked: BTreeSet<(i64, i64)> = BTreeSet::new();
        for p in presences {
            let mut t = p.from_s;
            while t < p.to_s {
                marked.insert((p.venue_id, t));
                t += 60;
            }
        }
        let mut out: Vec<DayWindow> = Vec::new();
        for (venue_id, t) in marked {
            let day = local_day(t);
            match out.last_mut() {
                Some(l) if l.venue_id == venue_id && l.day == day && l.to_s == t => l.to_s = t + 60,
                _ => out.push(DayWindow {
                    venue_id,
                    day,
                    from_s: t,
                    to_s: t + 60,
                }),
            }
        }
        out
    }

    fn span() -> impl Strategy<Value = (i64, i64, i64)> {
        // Minute-aligned, over three days, at three venues.
        (1i64..4, 0i64..4320, 0i64..600)
            .prop_map(|(v, a, len)| (v, DAY0 + a * 60, DAY0 + (a + len) * 60))
    }

    proptest! {
        #[test]
        fn matching_agrees_with_its_naive_twin(
            vs in prop::collection::vec(span(), 0..12),
            ps in prop::collection::vec(span(), 0..12),
        ) {
            let visits: Vec<Visit> = vs.iter().map(|&(venue_id, t_in_s, t_out_s)| Visit { venue_id, t_in_s, t_out_s }).collect();
            let places: Vec<Published> = ps.iter().enumerate().map(|(i, &(venue_id, from_s, to_s))| Published { id: i as i64, venue_id, from_s, to_s }).collect();
            prop_assert_eq!(match_visits(&visits, &places), naive(&visits, &places));
        }

        #[test]
        fn windows_agree_with_their_naive_twin(ps in prop::collection::vec(span(), 0..12)) {
            let presences: Vec<Presence> = ps.iter().map(|&(venue_id, from_s, to_s)| Presence { venue_id, from_s, to_s }).collect();
            prop_assert_eq!(day_windows(&presences), naive_windows(&presences));
        }
    }
}
