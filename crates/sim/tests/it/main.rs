//! The simulator's public surface on small runs: determinism, ground-truth invariants,
//! the response feedback, CSV output and parameter validation.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use sim::{CourseEnd, Outcome, Params, Place, ScanMode, Severity, SimError, Stage};

fn small() -> Params {
    Params {
        people: 5_000,
        days: 20,
        initial_infections: 30,
        keep_checkin_days: 20,
        ..Params::default()
    }
}

fn run(p: &Params) -> Outcome {
    sim::run(p, &mut |_, _, _| {}).expect("valid params")
}

fn csvs(o: &Outcome) -> (Vec<u8>, Vec<u8>) {
    let mut truth = Vec::new();
    sim::write_truth_csv(o, &mut truth).unwrap();
    let mut checkins = Vec::new();
    sim::write_checkins_csv(o, &mut checkins).unwrap();
    (truth, checkins)
}

/// One run with every visit kept, shared by the invariant tests.
fn traced() -> &'static Outcome {
    static RUN: OnceLock<Outcome> = OnceLock::new();
    RUN.get_or_init(|| {
        run(&Params {
            keep_visits: true,
            // Stronger transmission so a small run has many venue and household infections.
            transmission_scale: 2.0,
            ..small()
        })
    })
}

#[test]
fn same_params_give_identical_output_and_threads_do_not_matter() {
    let one = Params {
        threads: 1,
        ..small()
    };
    let two = Params {
        threads: 2,
        ..small()
    };
    let a = csvs(&run(&one));
    let b = csvs(&run(&two));
    assert!(a.0.len() > 100 && a.1.len() > 10_000);
    assert!(a == b, "threads=1 and threads=2 differ");
    let again = csvs(&run(&two));
    assert!(a == again, "a second run differs");
    let other = csvs(&run(&Params { seed: 2, ..two }));
    assert!(
        a.0 != other.0 && a.1 != other.1,
        "another seed gives the same output"
    );
}

#[test]
fn venue_infections_happen_between_co_present_infectious_visitors() {
    let o = traced();
    let mut visits: HashMap<(u32, u32), Vec<(i64, i64)>> = HashMap::new();
    for i in 0..o.visits.len() {
        visits
            .entry((o.visits.person[i], o.visits.venue[i]))
            .or_default()
            .push((o.visits.t_in_s[i], o.visits.t_out_s[i]));
    }
    let at = |p: u32, v: u32, t: i64| {
        visits
            .get(&(p, v))
            .is_some_and(|vs| vs.iter().any(|&(a, b)| a <= t && t < b))
    };
    let course_of: HashMap<u32, usize> = o
        .courses
        .iter()
        .enumerate()
        .map(|(k, c)| (c.person, k))
        .collect();
    let (mut venue, mut household) = (0, 0);
    for inf in &o.infections {
        match inf.place {
            Place::Venue(v) => {
                venue += 1;
                let src = inf.infector.expect("venue infections have an infector");
                assert!(at(src, v, inf.t_s), "infector not at venue {v}: {inf:?}");
                assert!(
                    at(inf.infectee, v, inf.t_s),
                    "infectee not at venue {v}: {inf:?}"
                );
                let c = &o.courses[course_of[&src]];
                assert!(
                    c.infectious_from_s <= inf.t_s && inf.t_s < c.infectious_to_s,
                    "{inf:?} {c:?}"
                );
            }
            Place::Household(h) => {
                household += 1;
                let src = inf.infector.expect("household infections have an infector");
                assert_eq!(o.people.household[src as usize], h);
                assert_eq!(o.people.household[inf.infectee as usize], h);
                let c = &o.courses[course_of[&src]];
                assert!(c.infectious_from_s <= inf.t_s && inf.t_s < c.infectious_to_s);
            }
            Place::Seed => {
                assert!(inf.infector.is_none());
                assert!(inf.t_s < o.t0_s);
            }
        }
    }
    assert!(
        venue > 50 && household > 50,
        "venue {venue}, household {household}"
    );
}

#[test]
fn the_infection_tree_is_consistent() {
    let o = traced();
    assert_eq!(o.infections.len(), o.courses.len());
    let mut infected_at: HashMap<u32, i64> = HashMap::new();
    for (inf, c) in o.infections.iter().zip(&o.courses) {
        assert_eq!(inf.infectee, c.person);
        assert!(
            infected_at.insert(inf.infectee, inf.t_s).is_none(),
            "infected twice: {}",
            inf.infectee
        );
        assert!(c.infectious_from_s > inf.t_s);
        assert!(c.infectious_to_s > c.infectious_from_s);
        if let Some(onset) = c.onset_s {
            assert!(onset > inf.t_s);
            assert_ne!(c.severity, Severity::Asymptomatic);
        }
        match c.outcome {
            CourseEnd::Died { t_s } | CourseEnd::Recovered { t_s } => assert!(t_s > inf.t_s),
            CourseEnd::Ongoing => {}
        }
    }
    for inf in &o.infections {
        if let Some(src) = inf.infector {
            assert!(
                infected_at[&src] < inf.t_s,
                "infector infected after infectee: {inf:?}"
            );
        }
    }
    assert!(o
        .infections
        .windows(2)
        .all(|w| (w[0].t_s, w[0].infectee) < (w[1].t_s, w[1].infectee)));
    assert!(!o.cases.is_empty());
    for case in &o.cases {
        let t = infected_at
            .get(&case.person)
            .expect("detected cases were infected");
        assert!(*t < case.sample_s && case.sample_s <= case.result_s);
        assert!(case.isolation_s >= case.result_s);
        assert_eq!(case.ct.is_some(), case.test == sim::TestKind::Pcr);
    }
    assert!(o.cases.windows(2).all(|w| w[0].result_s <= w[1].result_s));
    let detected: HashSet<u32> = o.cases.iter().map(|c| c.person).collect();
    assert_eq!(detected.len(), o.cases.len(), "a person detected twice");
}

#[test]
fn isolated_cases_stop_visiting_venues() {
    let o = traced();
    let mut visits_of: HashMap<u32, Vec<i64>> = HashMap::new();
    for i in 0..o.visits.len() {
        visits_of
            .entry(o.visits.person[i])
            .or_default()
            .push(o.visits.t_in_s[i]);
    }
    for case in &o.cases {
        let until = case.isolation_s + 14 * 86_400;
        if let Some(ts) = visits_of.get(&case.person) {
            assert!(
                ts.iter().all(|&t| t < case.isolation_s || t >= until),
                "case {} visited a venue while isolated",
                case.person
            );
        }
    }
}

#[test]
fn check_ins_are_recorded_visits_within_opening_hours() {
    let o = traced();
    let c = &o.checkins;
    assert!(c.len() > 10_000);
    let visits: HashSet<(u32, u32, i64, i64)> = (0..o.visits.len())
        .filter(|&i| o.visits.mode[i].is_some())
        .map(|i| {
            (
                o.visits.person[i],
                o.visits.venue[i],
                o.visits.t_in_s[i],
                o.visits.t_out_s[i],
            )
        })
        .collect();
    assert_eq!(
        visits.len(),
        c.len(),
        "kept check-ins are the recorded visits"
    );
    let mut staff = 0;
    for i in 0..c.len() {
        assert!(c.t_out_s[i] > c.t_in_s[i]);
        assert!(visits.contains(&(c.person[i], c.venue[i], c.t_in_s[i], c.t_out_s[i])));
        let v = c.venue[i] as usize;
        let minute_in = (c.t_in_s[i] - o.t0_s).rem_euclid(86_400) / 60;
        let minute_out = minute_in + (c.t_out_s[i] - c.t_in_s[i]) / 60;
        assert!(
            minute_in >= i64::from(o.venues.open_min[v]),
            "{}",
            o.venues.name(v as u32)
        );
        assert!(minute_out <= i64::from(o.venues.close_min[v]));
        let p = c.person[i] as usize;
        match c.mode[i] {
            ScanMode::SelfScan => assert!(o.people.has_phone[p]),
            ScanMode::StaffScan => {
                assert!(!o.people.has_phone[p]);
                staff += 1;
            }
        }
    }
    assert!(staff > 0);
    assert!((1..c.len()).all(|i| {
        (c.t_in_s[i - 1], c.person[i - 1], c.venue[i - 1]) < (c.t_in_s[i], c.person[i], c.venue[i])
    }));
}

#[test]
fn people_and_venues_are_well_formed() {
    let o = traced();
    let p = &o.people;
    let mut ids = HashSet::new();
    for i in (0..p.len() as u32).step_by(7) {
        let id = p.national_id(i);
        assert!(
            id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()),
            "{id}"
        );
        assert!(ids.insert(id));
        if let Some(phone) = p.phone(i) {
            assert!(phone.len() == 10 && phone.starts_with('0'), "{phone}");
            assert!(phone.bytes().all(|b| b.is_ascii_digit()));
        }
        assert!(p.age[i as usize] <= 100);
        assert!(p.commune(i) < o.communes.len() as u32);
        let name = p.full_name(i);
        assert!(name.split(' ').count() >= 3, "{name}");
    }
    let total: u32 = o.communes.iter().map(|c| c.population).sum();
    assert_eq!(total as usize, p.len());
    for h in 0..o.households.len() as u32 {
        for m in o.households.members(h) {
            assert_eq!(p.household[m as usize], h);
        }
    }
    let mut names = HashSet::new();
    for v in 0..o.venues.len() as u32 {
        let payload = o.venues.qr_payload(v);
        assert_eq!(sim::parse_qr_payload(&payload), Some(v));
        assert!(
            names.insert((o.venues.commune[v as usize], o.venues.name(v))),
            "{}",
            o.venues.name(v)
        );
    }
    assert!(o
        .venues
        .name(0)
        .contains(&o.communes[o.venues.commune[0] as usize].name));
}

#[test]
fn severity_rises_with_age() {
    // An unmitigated, unvaccinated run to have many infections at every age.
    let o = run(&Params {
        people: 12_000,
        days: 30,
        initial_infections: 200,
        response: false,
        tracing: false,
        vaccination: false,
        restrictions: false,
        transmission_scale: 2.0,
        ..small()
    });
    let mut n = [0u32; 3];
    let mut serious = [0u32; 3];
    let mut symptomatic = [0u32; 3];
    for c in &o.courses {
        let band = match o.people.age[c.person as usize] {
            0..=29 => 0,
            30..=59 => 1,
            _ => 2,
        };
        n[band] += 1;
        serious[band] += u32::from(c.severity >= Severity::Moderate);
        symptomatic[band] += u32::from(c.severity != Severity::Asymptomatic);
    }
    assert!(n.iter().all(|&k| k > 300), "{n:?}");
    let share = |x: [u32; 3], b: usize| f64::from(x[b]) / f64::from(n[b]);
    assert!(
        share(serious, 0) < share(serious, 1) && share(serious, 1) < share(serious, 2),
        "{serious:?} of {n:?}"
    );
    assert!(share(serious, 2) > 0.1);
    assert!(share(symptomatic, 0) < share(symptomatic, 2));
}

#[test]
fn tracing_quarantines_and_compliance_feeds_it() {
    let base = run(&small());
    assert!(base.daily.iter().any(|d| d.quarantined > 0));
    assert!(
        base.cases.iter().any(|c| !c.community),
        "no case found in quarantine"
    );
    let untraced = run(&Params {
        tracing: false,
        ..small()
    });
    assert!(untraced.daily.iter().all(|d| d.quarantined == 0));
    assert!(untraced.cases.iter().all(|c| c.community));
    let silent = run(&Params {
        checkin_compliance: 0.0,
        staff_scan_compliance: 0.0,
        ..small()
    });
    assert!(silent.checkins.is_empty());
    let recorded = |o: &Outcome| o.daily.iter().map(|d| d.checkins_recorded).sum::<u64>();
    let eager = run(&Params {
        checkin_compliance: 1.0,
        ..small()
    });
    assert!(recorded(&eager) > recorded(&base) * 5 / 4);
}

#[test]
fn only_the_last_days_of_check_ins_are_kept_and_progress_is_reported() {
    let p = Params {
        keep_checkin_days: 3,
        ..small()
    };
    let mut days_seen = Vec::new();
    let o = sim::run(&p, &mut |stage, done, total| {
        if let Stage::Day(d) = stage {
            assert_eq!(done, u64::from(d) + 1);
            assert_eq!(total, 20);
            days_seen.push(d);
        }
    })
    .unwrap();
    assert_eq!(days_seen, (0..20).collect::<Vec<_>>());
    // What the outcome keeps does not change what happens, even when cases are found long
    // after their onset (40 days is long enough for that at this size).
    let long = |keep| {
        run(&Params {
            days: 40,
            keep_checkin_days: keep,
            ..small()
        })
    };
    let (short, all) = (long(3), long(40));
    assert_eq!(csvs(&short).0, csvs(&all).0);
    assert_eq!(short.daily, all.daily);
    let first_kept = o.t0_s + 17 * 86_400;
    assert!(!o.checkins.is_empty());
    assert!(o.checkins.t_in_s.iter().all(|&t| t >= first_kept));
    let last3: u64 = o.daily[17..].iter().map(|d| d.checkins_recorded).sum();
    assert_eq!(o.checkins.len() as u64, last3);
    assert_eq!(o.daily.len(), 20);
    assert_eq!(o.daily[0].date, p.start_date);
}

#[test]
fn csv_files_have_the_agreed_shape() {
    let o = traced();
    let (truth, checkins) = csvs(o);
    let truth = String::from_utf8(truth).unwrap();
    let mut lines = truth.lines();
    assert_eq!(
        lines.next(),
        Some("infector_id,infectee_id,venue_id_or_household,t")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), o.infections.len());
    for (row, inf) in rows.iter().zip(&o.infections) {
        assert_eq!(row.len(), 4);
        assert_eq!(row[1], (inf.infectee + 1).to_string());
        match inf.place {
            Place::Seed => assert!(row[0].is_empty() && row[2].is_empty()),
            Place::Household(h) => assert_eq!(row[2], format!("household:{}", h + 1)),
            Place::Venue(v) => assert_eq!(row[2], (v + 1).to_string()),
        }
        assert!(
            row[3].len() == 20 && row[3].ends_with('Z') && row[3].starts_with("2021-1"),
            "{}",
            row[3]
        );
    }
    let checkins = String::from_utf8(checkins).unwrap();
    assert!(checkins.starts_with("person_id,venue_id,t_in,t_out\n"));
    assert_eq!(checkins.lines().count(), o.checkins.len() + 1);
    let first = checkins.lines().nth(1).unwrap();
    let expected = format!("{},{},", o.checkins.person[0] + 1, o.checkins.venue[0] + 1);
    assert!(first.starts_with(&expected), "{first}");
    // Sim time 0 is midnight in Hà Nội: 17:00 UTC the day before.
    assert!(o.t0_s % 86_400 == 17 * 3600);
}

#[test]
fn invalid_params_are_rejected() {
    let bad = |p: Params| sim::run(&p, &mut |_, _, _| {}).unwrap_err();
    assert!(matches!(
        bad(Params {
            people: 0,
            ..small()
        }),
        SimError::InvalidParam { name: "people", .. }
    ));
    assert!(matches!(
        bad(Params { days: 0, ..small() }),
        SimError::InvalidParam { name: "days", .. }
    ));
    assert!(matches!(
        bad(Params {
            checkin_compliance: 1.5,
            ..small()
        }),
        SimError::InvalidParam {
            name: "checkin_compliance",
            ..
        }
    ));
    assert!(matches!(
        bad(Params {
            phone_ownership: f64::NAN,
            ..small()
        }),
        SimError::InvalidParam {
            name: "phone_ownership",
            ..
        }
    ));
    assert!(matches!(
        bad(Params {
            dose1_coverage_start: 0.5,
            dose2_coverage_start: 0.6,
            ..small()
        }),
        SimError::InvalidParam {
            name: "dose2_coverage_start",
            ..
        }
    ));
    assert!(matches!(
        bad(Params {
            initial_infections: 4_000,
            ..small()
        }),
        SimError::InvalidParam {
            name: "initial_infections",
            ..
        }
    ));
    assert_eq!(
        bad(Params {
            province_code: "99".into(),
            ..small()
        }),
        SimError::UnknownProvince("99".into())
    );
    assert_eq!(
        bad(Params {
            province_code: "Hà Nội".into(),
            ..small()
        }),
        SimError::UnknownProvince("Hà Nội".into())
    );
    let message = bad(Params {
        people: 0,
        ..small()
    })
    .to_string();
    assert!(message.contains("people"), "{message}");
}

#[test]
fn another_province_works() {
    // Hồ Chí Minh City (code 79): ids start with its code.
    let o = run(&Params {
        province_code: "79".into(),
        people: 2_000,
        days: 3,
        ..small()
    });
    assert!(o.communes.iter().any(|c| c.name == "Bến Nghé"));
    assert!(o.people.national_id(0).starts_with("079"));
}

/// The scale target: a million people for 60 days on a 2-core machine, well under a
/// kilobyte per person. Run with `cargo test --release -p sim -- --ignored`.
#[test]
#[ignore]
fn a_million_people_for_sixty_days() {
    let started = std::time::Instant::now();
    let o = run(&Params {
        people: 1_000_000,
        days: 60,
        ..Params::default()
    });
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(o.people.len(), 1_000_000);
    assert_eq!(o.daily.len(), 60);
    assert!(o.infections.len() > 1_000);
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm_kb: u64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse().ok())
        .unwrap_or(0);
    eprintln!("1M x 60: {seconds:.1} s, peak {hwm_kb} kB");
    assert!(hwm_kb * 1024 < 1_000 * 1_000_000, "peak {hwm_kb} kB");
}
