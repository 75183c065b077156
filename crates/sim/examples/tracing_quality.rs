//! How well does check-in tracing find who was really infected? Runs the simulator at
//! several check-in compliance levels, traces every detected case (F1 and F2) with the
//! `trace` engine over the RECORDED check-ins and the households, and compares the contacts
//! with the ground truth of who infected whom.
//!
//! cargo run --release -p sim --example tracing_quality -- --people 100000 --days 56 \
//!     --seed 1 --compliance 0.2,0.4,0.6,0.8
//!
//! Options: --people N, --days N, --seed N, --compliance C1,C2,... (probabilities),
//! --threads N (simulator threads; tracing uses rayon's global pool), --no-keep-check
//! (skip re-running the first level with the default `keep_checkin_days` to confirm that
//! keeping every check-in does not change the epidemic).
//!
//! Definitions (3638/QĐ-BYT as RULES.md gives it):
//! - A case's infectious window is [onset − 2 days, or sample − 2 days without onset;
//!   isolation].
//! - F1: co-present at a venue with the case inside the window for ≥ 15 minutes (any
//!   overlap at restaurants and cafés: unmasked), or a member of its household. F2: the
//!   same from each F1 (the engine's default F1 isolation: 3 days after first exposure).
//! - A *traceable* infection: its infector is a detected case and it happened inside that
//!   case's window. Recall = traceable infections whose infectee is in that case's F1 (or
//!   F1 ∪ F2) list.

use std::collections::HashMap;
use std::time::Instant;

use sim::{Params, Place};
use trace::{Adjacency, CaseQuery, Declared, Index, Traced};

mod common;

use common::{cpu_model, household_groups, parse_list, rules_for, visits_of};

const DAY_S: i64 = 86_400;

/// One compliance level's results.
#[derive(Debug, Default)]
struct Row {
    compliance: f64,
    sim_s: f64,
    infections: usize,
    cases: usize,
    checkins: usize,
    /// Infections whose infector was detected but which fell before its window (more than
    /// 2 days before onset or sample) or after its isolation; and how many of those after
    /// isolation were in its household.
    before_window: usize,
    after_isolation: usize,
    after_isolation_household: usize,
    /// Infections whose infector was never detected (seeds excluded).
    infector_undetected: usize,
    traceable: usize,
    found_f1: usize,
    found_f12: usize,
    venue_traceable: usize,
    venue_f1: usize,
    venue_f12: usize,
    /// Venue infections where both infector and infectee recorded the visit during which
    /// it happened.
    venue_both_recorded: usize,
    venue_both_recorded_f1: usize,
    /// ... and their recorded visits overlap inside the window by the venue's minimum.
    venue_qualifying: usize,
    venue_qualifying_f1: usize,
    household_traceable: usize,
    household_f1: usize,
    distinct_f1: usize,
    f1_never_infected: usize,
    /// (case, F1) pairs in which the case really infected the F1 during its window.
    f1_pairs: usize,
    f1_pairs_infected_by_case: usize,
    f1_per_case_mean: f64,
    f1_per_case_median: f64,
    f2_per_case_median: f64,
    /// Queries cut short by a bound of the engine (F2 lists), and F1 lists that differ from
    /// an F1-only trace (would mean a bound cut an F1 list).
    truncated: usize,
    f1_differs: usize,
    index_ms: f64,
    trace_f1_ms: f64,
    trace_ms: f64,
}

fn median(v: &mut [usize]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_unstable();
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2] as f64
    } else {
        (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0
    }
}

fn pct(num: usize, den: usize) -> f64 {
    if den == 0 {
        f64::NAN
    } else {
        100.0 * num as f64 / den as f64
    }
}

/// The recorded check-ins as the tracer's visits (person and venue numbers are the
/// simulator's indices).
/// [onset − 2 d (or sample − 2 d); isolation].
fn window(c: &sim::Detection) -> (i64, i64) {
    (c.onset_s.unwrap_or(c.sample_s) - 2 * DAY_S, c.isolation_s)
}

fn sorted_people<'a>(it: impl Iterator<Item = &'a trace::Contact>) -> Vec<u32> {
    let mut v: Vec<u32> = it.map(|c| c.person).collect();
    v.sort_unstable();
    v
}

fn run_level(
    base: &Params,
    compliance: f64,
    keep_check: bool,
) -> Result<Row, Box<dyn std::error::Error>> {
    let mut params = base.clone();
    params.checkin_compliance = compliance;
    params.keep_checkin_days = params.days;
    let started = Instant::now();
    let o = sim::run(&params, &mut |_, _, _| {})?;
    let sim_s = started.elapsed().as_secs_f64();

    if keep_check {
        let mut default_keep = params.clone();
        default_keep.keep_checkin_days = Params::default().keep_checkin_days.min(params.days);
        let o2 = sim::run(&default_keep, &mut |_, _, _| {})?;
        let same = o2.infections == o.infections
            && o2.cases == o.cases
            && o2.courses == o.courses
            && o2.daily == o.daily;
        eprintln!(
            "keep_checkin_days {} vs {}: infections, courses, cases and daily stats {} \
             (check-ins kept {} vs {})",
            default_keep.keep_checkin_days,
            params.keep_checkin_days,
            if same { "IDENTICAL" } else { "DIFFER" },
            o2.checkins.len(),
            o.checkins.len(),
        );
        if !same {
            return Err("keep_checkin_days changed the epidemic".into());
        }
    }
    // Every day's check-ins must be there: the earliest one is on day 0.
    if let Some(&first) = o.checkins.t_in_s.iter().min() {
        if first >= o.t0_s + DAY_S {
            return Err("the outcome lacks the first day's check-ins".into());
        }
    }

    let n_people = o.people.household.len() as u32;
    let n_venues = o.venues.kind.len() as u32;
    let started = Instant::now();
    let visits = visits_of(&o);
    let index = Index::build(&visits, n_people, n_venues)?;
    let households = Adjacency::from_groups(n_people, &household_groups(&o))?;
    let declared = Declared::empty();
    let rules = rules_for(&o);
    let index_ms = started.elapsed().as_secs_f64() * 1e3;

    let queries: Vec<CaseQuery> = o
        .cases
        .iter()
        .map(|c| {
            let (from, to) = window(c);
            CaseQuery {
                person: c.person,
                infectious_from_s: from,
                infectious_to_s: to,
                depth: 2,
            }
        })
        .collect();
    let started = Instant::now();
    let traced: Vec<Traced> = trace::trace_batch(&index, &rules, &households, &declared, &queries);
    let trace_ms = started.elapsed().as_secs_f64() * 1e3;

    let f1: Vec<Vec<u32>> = traced.iter().map(|t| sorted_people(t.degree(1))).collect();
    let f2: Vec<Vec<u32>> = traced.iter().map(|t| sorted_people(t.degree(2))).collect();

    // F1 only, for its time, and to confirm that a truncated F2 never cut an F1 list.
    let f1_queries: Vec<CaseQuery> = queries
        .iter()
        .map(|q| CaseQuery { depth: 1, ..*q })
        .collect();
    let started = Instant::now();
    let traced_f1 = trace::trace_batch(&index, &rules, &households, &declared, &f1_queries);
    let trace_f1_ms = started.elapsed().as_secs_f64() * 1e3;
    let f1_differs = traced_f1
        .iter()
        .zip(&f1)
        .filter(|(t, f)| t.truncated || sorted_people(t.degree(1)) != **f)
        .count();

    // Ground truth.
    let mut infected = vec![false; n_people as usize];
    for i in &o.infections {
        infected[i.infectee as usize] = true;
    }
    // A person is detected once (the first positive test); keep the first if not.
    let mut case_of: HashMap<u32, usize> = HashMap::with_capacity(o.cases.len());
    for (k, c) in o.cases.iter().enumerate() {
        case_of.entry(c.person).or_insert(k);
    }
    if case_of.len() != o.cases.len() {
        eprintln!(
            "note: {} people detected more than once; the first detection is used",
            o.cases.len() - case_of.len()
        );
    }
    // Recorded visits per person, for the venue diagnostics.
    let recorded_at = |p: u32, v: u32, t: i64| -> Option<(i64, i64)> {
        index
            .visits_of(p)
            .find(|x| x.venue == v && x.t_in_s <= t && t <= x.t_out_s)
            .map(|x| (x.t_in_s, x.t_out_s))
    };

    let mut row = Row {
        compliance,
        sim_s,
        infections: o.infections.len(),
        cases: o.cases.len(),
        checkins: o.checkins.len(),
        index_ms,
        trace_ms,
        trace_f1_ms,
        f1_differs,
        truncated: traced.iter().filter(|t| t.truncated).count(),
        ..Row::default()
    };
    // (case, infectee) pairs of traceable infections, for the F1 yield.
    let mut caused = Vec::new();
    for inf in &o.infections {
        let Some(infector) = inf.infector else {
            continue;
        };
        let Some(&k) = case_of.get(&infector) else {
            row.infector_undetected += 1;
            continue;
        };
        let (from, to) = window(&o.cases[k]);
        if inf.t_s < from {
            row.before_window += 1;
            continue;
        }
        if inf.t_s > to {
            row.after_isolation += 1;
            row.after_isolation_household += usize::from(matches!(inf.place, Place::Household(_)));
            continue;
        }
        caused.push((k, inf.infectee));
        row.traceable += 1;
        let in_f1 = f1[k].binary_search(&inf.infectee).is_ok();
        let in_f12 = in_f1 || f2[k].binary_search(&inf.infectee).is_ok();
        row.found_f1 += usize::from(in_f1);
        row.found_f12 += usize::from(in_f12);
        match inf.place {
            Place::Household(_) => {
                row.household_traceable += 1;
                row.household_f1 += usize::from(in_f1);
            }
            Place::Venue(v) => {
                row.venue_traceable += 1;
                row.venue_f1 += usize::from(in_f1);
                row.venue_f12 += usize::from(in_f12);
                if let (Some(a), Some(b)) = (
                    recorded_at(infector, v, inf.t_s),
                    recorded_at(inf.infectee, v, inf.t_s),
                ) {
                    row.venue_both_recorded += 1;
                    row.venue_both_recorded_f1 += usize::from(in_f1);
                    let overlap = a.1.min(b.1).min(to) - a.0.max(b.0).max(from);
                    if overlap >= rules.min_overlap_at(v).max(1) {
                        row.venue_qualifying += 1;
                        row.venue_qualifying_f1 += usize::from(in_f1);
                    }
                }
            }
            Place::Seed => {}
        }
    }
    caused.sort_unstable();
    caused.dedup();

    let mut all_f1: Vec<u32> = f1.iter().flatten().copied().collect();
    all_f1.sort_unstable();
    all_f1.dedup();
    row.distinct_f1 = all_f1.len();
    row.f1_never_infected = all_f1.iter().filter(|&&p| !infected[p as usize]).count();
    row.f1_pairs = f1.iter().map(Vec::len).sum();
    row.f1_pairs_infected_by_case = caused
        .iter()
        .filter(|&&(k, p)| f1[k].binary_search(&p).is_ok())
        .count();
    let mut n_f1: Vec<usize> = f1.iter().map(Vec::len).collect();
    let mut n_f2: Vec<usize> = f2.iter().map(Vec::len).collect();
    row.f1_per_case_mean = row.f1_pairs as f64 / o.cases.len().max(1) as f64;
    row.f1_per_case_median = median(&mut n_f1);
    row.f2_per_case_median = median(&mut n_f2);
    Ok(row)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut params = Params::default();
    let mut levels = vec![0.2, 0.4, 0.6, 0.8];
    let mut keep_check = true;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--people" => params.people = value()?.parse()?,
            "--days" => params.days = value()?.parse()?,
            "--seed" => params.seed = value()?.parse()?,
            "--threads" => params.threads = value()?.parse()?,
            "--compliance" => levels = parse_list(&value()?)?,
            "--no-keep-check" => keep_check = false,
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    let argv: Vec<String> = std::env::args().skip(1).collect();
    println!(
        "command: cargo run --release -p sim --example tracing_quality -- {}",
        argv.join(" ")
    );
    println!(
        "machine: nproc={} cpu=\"{}\"",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        cpu_model()
    );
    println!(
        "scenario: people={} days={} seed={} start={} province={} phone_ownership={} \
         staff_scan_compliance={} (other parameters default; keep_checkin_days=days)",
        params.people,
        params.days,
        params.seed,
        params.start_date,
        params.province_code,
        params.phone_ownership,
        params.staff_scan_compliance
    );
    println!(
        "rules: F1 = household, or recorded co-presence >= 15 min (restaurant/cafe: any \
         overlap) inside [onset-2d | sample-2d, isolation]; F2 from each F1 (engine default)"
    );

    let mut rows = Vec::new();
    for (i, &c) in levels.iter().enumerate() {
        eprintln!("compliance {c}: simulating...");
        let row = run_level(&params, c, keep_check && i == 0)?;
        eprintln!(
            "compliance {c}: sim {:.1} s, index {:.0} ms, trace {:.0} ms",
            row.sim_s, row.index_ms, row.trace_ms
        );
        rows.push(row);
    }

    println!();
    println!(
        "{:>10} {:>10} {:>6} {:>9} {:>9} {:>12} {:>9} {:>9} {:>11} {:>10} {:>10} {:>9}",
        "compliance",
        "infections",
        "cases",
        "traceable",
        "F1 found%",
        "F1uF2 found%",
        "venue F1%",
        "hh found%",
        "distinct F1",
        "F1 uninf.%",
        "F1/case md",
        "trace ms"
    );
    for r in &rows {
        println!(
            "{:>10.2} {:>10} {:>6} {:>9} {:>9.1} {:>12.1} {:>9.1} {:>9.1} {:>11} {:>10.1} {:>10.1} {:>9.0}",
            r.compliance,
            r.infections,
            r.cases,
            r.traceable,
            pct(r.found_f1, r.traceable),
            pct(r.found_f12, r.traceable),
            pct(r.venue_f1, r.venue_traceable),
            pct(r.household_f1, r.household_traceable),
            r.distinct_f1,
            pct(r.f1_never_infected, r.distinct_f1),
            r.f1_per_case_median,
            r.trace_ms,
        );
    }

    println!();
    println!("details:");
    println!(
        "{:>10} {:>9} {:>9} {:>7} {:>10} {:>9} {:>8} {:>10} {:>10} {:>8} {:>8} {:>9} {:>8} {:>8} {:>9} {:>8} {:>7} {:>6} {:>8}",
        "compliance",
        "checkins",
        "undet.inf",
        "before",
        "after(hh)",
        "venue tr",
        "hh tr",
        "venueF1F2%",
        "both rec",
        "-> F1%",
        "qualif.",
        "-> F1%",
        "F1 mean",
        "F2 md",
        "F1 yield%",
        "index ms",
        "F1 ms",
        "trunc",
        "sim s"
    );
    for r in &rows {
        println!(
            "{:>10.2} {:>9} {:>9} {:>7} {:>10} {:>9} {:>8} {:>10.1} {:>10} {:>8.1} {:>8} {:>9.1} {:>8.1} {:>8.1} {:>9.2} {:>8.0} {:>7.0} {:>6} {:>8.1}",
            r.compliance,
            r.checkins,
            r.infector_undetected,
            r.before_window,
            format!("{}({})", r.after_isolation, r.after_isolation_household),
            r.venue_traceable,
            r.household_traceable,
            pct(r.venue_f12, r.venue_traceable),
            r.venue_both_recorded,
            pct(r.venue_both_recorded_f1, r.venue_both_recorded),
            r.venue_qualifying,
            pct(r.venue_qualifying_f1, r.venue_qualifying),
            r.f1_per_case_mean,
            r.f2_per_case_median,
            pct(r.f1_pairs_infected_by_case, r.f1_pairs),
            r.index_ms,
            r.trace_f1_ms,
            format!("{}/{}", r.truncated, r.f1_differs),
            r.sim_s,
        );
    }
    println!(
        "undet.inf: infections whose infector was never detected; before: infector \
         detected but infection before its window; after(hh): after its isolation (in its \
         household); venue tr / hh tr: traceable venue / household \
         infections; both rec: traceable venue infections where infector and infectee both \
         recorded the visit during which it happened; qualif.: of those, recorded overlap \
         inside the window >= the venue's minimum; F1 yield: share of (case, F1) pairs in \
         which the case infected that F1 in its window; trace ms (table) is F1 and F2 of all \
         cases in one trace_batch, F1 ms the same at depth 1; trunc: queries cut short by an \
         engine bound / F1 lists that differ from the F1-only trace."
    );
    Ok(())
}
