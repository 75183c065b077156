//! Do clusters (ổ dịch) mean transmission? Runs the simulator at several check-in compliance
//! levels (the setup of `tracing_quality`), traces every detected case's F1 with the `trace`
//! engine over the RECORDED check-ins and the households, groups the cases into clusters with
//! the OLD rule (`trace::clusters`: an F1 relation, or two cases infectious at one venue within
//! a day) and the NEW rule (`trace::clusters_by_incubation`: an F1 exposure inside the source's
//! window, followed by the exposed case's onset or sample within the policy's incubation
//! window), and compares both with the simulator's true transmission trees.
//!
//! cargo run --release -p sim --example cluster_quality -- --people 100000 --days 56 \
//!     --seed 1 --compliance 0.2,0.4,0.6,0.8,1.0
//!
//! Options: --people N, --days N, --seed N, --compliance C1,C2,..., --threads N.
//!
//! Truth: the detected cases (one per person, the first detection) joined by every true
//! infector → infectee link in which BOTH are detected cases; its connected components are
//! the true clusters (singletons included as clusters of one). An undetected intermediate
//! breaks the chain: in A → u → B with u never detected, A and B are in different true
//! clusters, because no record (trace, test, onset) connects them — a rule fed with cases and
//! their contacts cannot be asked to find a link that runs through a person it never saw, and
//! calling A and B one cluster would reward merging everything at a busy venue. The second
//! truth (`via undetected`, printed for the record) joins cases through undetected people too;
//! its largest cluster says how much of the epidemic is one tree once the hidden links count.
//!
//! Metrics over all detected cases (a case in no cluster of a rule is a cluster of one):
//! pairwise precision, recall and F1 of "the two cases are in the same cluster", the adjusted
//! Rand index (Hubert and Arabie 1985, from the contingency table), the largest cluster's
//! share of the cases, and the number of clusters with at least 2 members.

use std::collections::HashMap;
use std::time::Instant;

use sim::Params;
use trace::{Adjacency, CaseOnset, CaseQuery, Cluster, Declared, Index, LinkRule, Traced};

mod common;

use common::{cpu_model, household_groups, parse_list, rules_for, visits_of};

const DAY_S: i64 = 86_400;

/// How a partition of `n` items compares with the truth.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Scores {
    precision: f64,
    recall: f64,
    f1: f64,
    ari: f64,
    largest_share: f64,
    clusters: usize,
}

fn pairs(k: u64) -> f64 {
    (k * k.saturating_sub(1) / 2) as f64
}

/// Compares the labelling `pred` with `truth` (one label per item, same length).
fn compare(truth: &[u32], pred: &[u32]) -> Scores {
    let n = truth.len().min(pred.len());
    let mut cells: HashMap<(u32, u32), u64> = HashMap::new();
    let mut rows: HashMap<u32, u64> = HashMap::new();
    let mut cols: HashMap<u32, u64> = HashMap::new();
    for i in 0..n {
        *cells.entry((truth[i], pred[i])).or_default() += 1;
        *rows.entry(truth[i]).or_default() += 1;
        *cols.entry(pred[i]).or_default() += 1;
    }
    let both: f64 = cells.values().map(|&k| pairs(k)).sum();
    let truth_pairs: f64 = rows.values().map(|&k| pairs(k)).sum();
    let pred_pairs: f64 = cols.values().map(|&k| pairs(k)).sum();
    let all = pairs(n as u64);
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
    let precision = ratio(both, pred_pairs);
    let recall = ratio(both, truth_pairs);
    let f1 = ratio(2.0 * both, pred_pairs + truth_pairs);
    let expected = ratio(truth_pairs * pred_pairs, all);
    let max = (truth_pairs + pred_pairs) / 2.0;
    let ari = ratio(both - expected, max - expected);
    let largest = cols.values().copied().max().unwrap_or(0);
    Scores {
        precision,
        recall,
        f1,
        ari,
        largest_share: ratio(largest as f64, n as f64),
        clusters: cols.values().filter(|&&k| k >= 2).count(),
    }
}

/// Labels per case (index into `people`, sorted): its cluster, else a label of its own.
fn labels_of(people: &[u32], clusters: &[Cluster]) -> Vec<u32> {
    let mut label: Vec<u32> = (0..people.len() as u32).collect();
    for (k, c) in clusters.iter().enumerate() {
        for p in &c.members {
            if let Ok(i) = people.binary_search(p) {
                label[i] = people.len() as u32 + k as u32;
            }
        }
    }
    label
}

struct Dsu(Vec<u32>);

impl Dsu {
    fn new(n: usize) -> Dsu {
        Dsu((0..n as u32).collect())
    }
    fn find(&mut self, mut x: u32) -> u32 {
        while self.0[x as usize] != x {
            let up = self.0[self.0[x as usize] as usize];
            self.0[x as usize] = up;
            x = up;
        }
        x
    }
    fn union(&mut self, a: u32, b: u32) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.0[a.max(b) as usize] = a.min(b);
        }
    }
}

/// One level: truth summaries and the scores of each rule (in `RULES` order).
struct Row {
    compliance: f64,
    infections: usize,
    cases: usize,
    truth: Scores,
    truth_via_undetected: Scores,
    rules: Vec<Scores>,
}

const RULES: [&str; 4] = [
    "old (F1 or venue within 1 d)",
    "new: F1 + incubation, every fitting link",
    "new: F1 + incubation, one source per case",
    "new: household/declared only, one source",
];

fn run_level(
    base: &Params,
    compliance: f64,
    incubation: (i64, i64, i64),
) -> Result<Row, Box<dyn std::error::Error>> {
    let mut params = base.clone();
    params.checkin_compliance = compliance;
    params.keep_checkin_days = params.days;
    let o = sim::run(&params, &mut |_, _, _| {})?;

    let n_people = o.people.household.len() as u32;
    let n_venues = o.venues.kind.len() as u32;
    let index = Index::build(&visits_of(&o), n_people, n_venues)?;
    let households = Adjacency::from_groups(n_people, &household_groups(&o))?;
    let declared = Declared::empty();
    let rules = rules_for(&o);

    // One detection per person: the first.
    let mut first: HashMap<u32, usize> = HashMap::with_capacity(o.cases.len());
    for (k, c) in o.cases.iter().enumerate() {
        first.entry(c.person).or_insert(k);
    }
    let mut people: Vec<u32> = first.keys().copied().collect();
    people.sort_unstable();
    let times: Vec<CaseOnset> = people
        .iter()
        .map(|p| {
            let c = &o.cases[first[p]];
            let onset_s = c.onset_s.unwrap_or(c.sample_s);
            CaseOnset {
                query: CaseQuery {
                    person: c.person,
                    infectious_from_s: onset_s - 2 * DAY_S,
                    infectious_to_s: c.isolation_s,
                    depth: 1,
                },
                onset_s,
            }
        })
        .collect();
    let queries: Vec<CaseQuery> = times.iter().map(|t| t.query).collect();
    let traced: Vec<Traced> = trace::trace_batch(&index, &rules, &households, &declared, &queries);

    // Truths.
    let case_idx = |p: u32| people.binary_search(&p).ok();
    let mut direct = Dsu::new(people.len());
    let mut hidden = Dsu::new(n_people as usize);
    for inf in &o.infections {
        let Some(from) = inf.infector else { continue };
        hidden.union(from, inf.infectee);
        if let (Some(a), Some(b)) = (case_idx(from), case_idx(inf.infectee)) {
            direct.union(a as u32, b as u32);
        }
    }
    let truth: Vec<u32> = (0..people.len() as u32).map(|i| direct.find(i)).collect();
    let truth_hidden: Vec<u32> = people.iter().map(|&p| hidden.find(p)).collect();

    let (min_d, max_d, typical_d) = incubation;
    let every = LinkRule {
        incubation_min_s: min_d * DAY_S,
        incubation_max_s: max_d * DAY_S,
        venue_min_overlap_s: 0,
        incubation_typical_s: None,
    };
    let one = LinkRule {
        incubation_typical_s: Some(typical_d * DAY_S),
        ..every
    };
    let no_venues = LinkRule {
        venue_min_overlap_s: i64::MAX,
        ..one
    };
    let partitions = [
        trace::clusters(&queries, &traced),
        trace::clusters_by_incubation(&times, &traced, &every),
        trace::clusters_by_incubation(&times, &traced, &one),
        trace::clusters_by_incubation(&times, &traced, &no_venues),
    ];
    Ok(Row {
        compliance,
        infections: o.infections.len(),
        cases: people.len(),
        truth: compare(&truth, &truth),
        truth_via_undetected: compare(&truth, &truth_hidden),
        rules: partitions
            .iter()
            .map(|c| compare(&truth, &labels_of(&people, c)))
            .collect(),
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut params = Params::default();
    let mut levels = vec![0.2, 0.4, 0.6, 0.8, 1.0];
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--people" => params.people = value()?.parse()?,
            "--days" => params.days = value()?.parse()?,
            "--seed" => params.seed = value()?.parse()?,
            "--threads" => params.threads = value()?.parse()?,
            "--compliance" => levels = parse_list(&value()?)?,
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    let policies = domain::policy::Policies::embedded()?;
    let rule = policies.tracing_on(params.start_date)?;
    let incubation = (
        rule.incubation_min_days.value,
        rule.incubation_max_days.value,
        rule.incubation_typical_days.value,
    );
    let argv: Vec<String> = std::env::args().skip(1).collect();
    println!(
        "command: cargo run --release -p sim --example cluster_quality -- {}",
        argv.join(" ")
    );
    println!(
        "machine: nproc={} cpu=\"{}\"",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        cpu_model()
    );
    println!(
        "scenario: people={} days={} seed={} start={} (other parameters default; \
         keep_checkin_days=days); incubation {}..{} days, typical {} ({}, {:?}/{:?}/{:?})",
        params.people,
        params.days,
        params.seed,
        params.start_date,
        incubation.0,
        incubation.1,
        incubation.2,
        rule.document,
        rule.incubation_min_days.status,
        rule.incubation_max_days.status,
        rule.incubation_typical_days.status,
    );

    let mut rows = Vec::new();
    for &c in &levels {
        eprintln!("compliance {c}: simulating and tracing...");
        let started = Instant::now();
        rows.push(run_level(&params, c, incubation)?);
        eprintln!("compliance {c}: {:.1} s", started.elapsed().as_secs_f64());
    }

    println!();
    println!("| compliance | infections | cases | rule | precision | recall | F1 | ARI | largest % | clusters ≥2 |");
    println!("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        let line = |name: &str, s: &Scores| {
            println!(
                "| {:.1} | {} | {} | {name} | {:.3} | {:.3} | {:.3} | {:.3} | {:.1} | {} |",
                r.compliance,
                r.infections,
                r.cases,
                s.precision,
                s.recall,
                s.f1,
                s.ari,
                100.0 * s.largest_share,
                s.clusters
            )
        };
        line("truth (detected links)", &r.truth);
        line("truth via undetected", &r.truth_via_undetected);
        for (name, s) in RULES.iter().zip(&r.rules) {
            line(name, s);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjusted_rand_index_of_known_examples() {
        // [0,0,1,1] against [0,0,1,2]: 1 pair together in both; 2 true pairs, 1 predicted;
        // expected 2·1/6, max 1.5: ARI = (1 − 1/3) / (1.5 − 1/3) = 4/7.
        let s = compare(&[0, 0, 1, 1], &[0, 0, 1, 2]);
        assert!((s.ari - 4.0 / 7.0).abs() < 1e-12, "{s:?}");
        assert!((s.precision - 1.0).abs() < 1e-12);
        assert!((s.recall - 0.5).abs() < 1e-12);
        assert!((s.f1 - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(s.clusters, 1);
        assert!((s.largest_share - 0.5).abs() < 1e-12);
        // [0,0,0,1,1,1] against [0,0,1,1,2,2]: 2 pairs together of 6 true and 3 predicted,
        // expected 6·3/15 = 1.2, max 4.5: ARI = 0.8 / 3.3.
        let s = compare(&[0, 0, 0, 1, 1, 1], &[0, 0, 1, 1, 2, 2]);
        assert!((s.ari - 0.8 / 3.3).abs() < 1e-12, "{s:?}");
        // Identical partitions, whatever the labels: 1; labels renamed do not matter.
        let s = compare(&[0, 0, 1, 2, 2], &[7, 7, 3, 9, 9]);
        assert!((s.ari - 1.0).abs() < 1e-12);
        assert!((s.f1 - 1.0).abs() < 1e-12);
    }

    #[test]
    fn cases_outside_every_cluster_are_their_own() {
        let people = [3, 5, 8, 9];
        let c = Cluster {
            members: vec![5, 9],
            venues: vec![],
            edges: vec![],
        };
        let l = labels_of(&people, &[c]);
        assert_eq!(l[1], l[3]);
        assert_ne!(l[0], l[2]);
        assert_ne!(l[0], l[1]);
    }
}
