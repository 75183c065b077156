//! `chongdich demo`: simulate a locality through an outbreak and write it through the
//! store's bulk paths, then serve it.

use std::collections::HashMap;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use domain::epi::{CaseStatus, ScanMode, Severity, TestKind, VenueKind};
use domain::{Structure, UnitCode};
use indicatif::{ProgressBar, ProgressStyle};
use store::{
    CaseRow, CheckinRow, DoseRow, HouseholdRow, PersonRow, Store, TestRow, UnitRef, VenueRow,
};

/// Rows per transaction: large enough to amortise commits, small enough to show progress.
const CHUNK_ROWS: usize = 50_000;

/// Where the demo's parameters are recorded, so a rerun with the same ones reuses the data
/// and `export truth --db` can replay the same simulation.
pub const META_SIM_PARAMS: &str = "demo_sim_params";
/// The locality's "now" for simulated data: the end of the simulated period.
pub const META_CLOCK: &str = "clock_as_of_s";

pub fn params_key(p: &sim::Params) -> String {
    format!(
        "seed={};people={};days={};province={};start={}",
        p.seed, p.people, p.days, p.province_code, p.start_date
    )
}

/// Parses what `params_key` wrote.
pub fn params_from_key(key: &str) -> Result<sim::Params> {
    let mut p = sim::Params::default();
    for kv in key.split(';') {
        let (k, v) = kv.split_once('=').context("malformed demo parameters")?;
        match k {
            "seed" => p.seed = v.parse()?,
            "people" => p.people = v.parse()?,
            "days" => p.days = v.parse()?,
            "province" => p.province_code = v.to_string(),
            "start" => p.start_date = v.parse()?,
            _ => bail!("unknown demo parameter {k:?}"),
        }
    }
    Ok(p)
}

fn bar(len: u64, msg: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{msg:<28} [{bar:40}] {pos}/{len} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(msg.to_string());
    pb
}

/// Runs the simulation with a progress bar.
pub fn simulate(params: &sim::Params) -> Result<sim::Outcome> {
    let pb = bar(u64::from(params.days), "simulating");
    let outcome = sim::run(params, &mut |stage, done, total| match stage {
        sim::Stage::Population => pb.set_message("placing households"),
        sim::Stage::Venues => pb.set_message("opening venues"),
        sim::Stage::Day(d) => {
            pb.set_message("simulating days");
            pb.set_length(total.max(1));
            pb.set_position(done.min(total));
            let _ = d;
        }
    })
    .context("simulating the outbreak")?;
    pb.finish();
    Ok(outcome)
}

/// Builds the demo locality in `store` unless it already holds the same one.
/// Returns whether it was built now.
pub async fn build(store: &Store, params: &sim::Params, linked: &[&str]) -> Result<bool> {
    let key = params_key(params);
    match store.meta(META_SIM_PARAMS).await? {
        Some(existing) if existing == key => return Ok(false),
        Some(existing) => bail!(
            "this database already holds a demo built with other parameters ({existing}); \
             use another --db or delete the file"
        ),
        None => {}
    }
    if store
        .record_counts()
        .await?
        .iter()
        .any(|(t, n)| *t == "persons" && *n > 0)
    {
        bail!("this database already holds persons; the demo needs an empty database");
    }
    let started = Instant::now();
    let outcome = simulate(params)?;
    write(store, &outcome).await?;
    store.set_meta(META_SIM_PARAMS, &key).await?;
    // The clock stands a minute before the end of the last simulated day, so "today" is
    // that day with its cases, not the empty day after.
    let clock_s = outcome.t0_s + i64::from(params.days) * 86_400 - 60;
    store.set_meta(META_CLOCK, &clock_s.to_string()).await?;
    publish_weekly_risk_levels(store, clock_s, params.days).await?;
    trace_last_day(store, clock_s).await?;
    crate::demo_aid::load(store, &outcome, linked).await?;
    eprintln!(
        "built the demo in {:.1} s: {} people, {} venues, {} check-ins kept, {} infections, {} cases",
        started.elapsed().as_secs_f64(),
        outcome.people.len(),
        outcome.venues.len(),
        outcome.checkins.len(),
        outcome.infections.len(),
        outcome.cases.len()
    );
    Ok(true)
}

/// Cases the demo traces on its last day.
const DEMO_TRACED_CASES: usize = 12;

/// Traces the last cases confirmed on the last simulated day, as the tracers would have that
/// day, so that the F1/F2 follow-up list and the quarantine figures start with real work in
/// them. Only the last few: in this dense wave each case brings about 1,600 F1 and F2.
async fn trace_last_day(store: &Store, clock_s: i64) -> Result<()> {
    let mut app = app::App::new(store.clone()).context("loading the policies")?;
    app.clock = app::clock::LocalityClock::reading(clock_s);
    app.contacts
        .rebuild(store)
        .await
        .context("building the tracing index")?;
    let day_start = app::local_time::day_start_s(app::local_time::local_date(clock_s));
    // The contacts are recorded under an account, as every change of personal data is: the
    // demo's tracer, who cannot sign in (no password was ever set for it).
    let unusable = domain::auth::hash_password(&domain::auth::generate_password())?;
    let tracer = store
        .create_user(
            &store::NewUser {
                username: "cdc.demo".into(),
                password_hash: unusable,
                role: domain::Role::Tracer,
                units: vec![store::UserUnit {
                    structure: Structure::S2021,
                    code: UnitCode::parse("VN")
                        .map_err(|r| anyhow::anyhow!("unit VN: {}", r.code()))?,
                }],
            },
            clock_s,
        )
        .await?;
    let caller = store::Caller {
        user: tracer,
        scope: domain::Scope::everything(),
        expires_at: chrono::DateTime::from_timestamp(clock_s + 3600, 0).unwrap_or_default(),
    };
    let (mut traced, mut contacts) = (0, 0);
    let mut today = store.cases_since(day_start).await?.to_vec();
    today.sort_by_key(|c| std::cmp::Reverse((c.confirmed_at_s, c.id.0)));
    for case in today
        .iter()
        .filter(|c| c.confirmed_at_s <= clock_s)
        .take(DEMO_TRACED_CASES)
    {
        let r = app::tracing::trace_and_record(&app, &caller, case.id)
            .await
            .with_context(|| format!("tracing case {}", case.id.0))?;
        traced += 1;
        contacts += r.new_contacts;
    }
    eprintln!("traced the last {traced} cases of the last day: {contacts} contacts to follow up");
    Ok(())
}

/// Publishes the risk levels of every full week of the simulation, ending on its last day, as
/// the command centre would have done each week.
async fn publish_weekly_risk_levels(store: &Store, clock_s: i64, days: u32) -> Result<()> {
    let mut app = app::App::new(store.clone()).context("loading the policies")?;
    app.clock = app::clock::LocalityClock::reading(clock_s);
    let last = app::local_time::local_date(clock_s);
    for week in 0..i64::from(days / 7) {
        let end = last - chrono::Days::new(7 * week as u64);
        app::risk::publish(&app, domain::Structure::S2021, end, "demo")
            .await
            .with_context(|| format!("publishing the risk levels of the week ending {end}"))?;
    }
    Ok(())
}

/// Writes a simulated locality through the store's bulk paths. Database ids are the
/// simulator's indices + 1, as `export truth` and `export checkins` both use them.
/// The house number of the simulated household `h` (0-based) on its commune's one street.
pub fn house_number(h: usize) -> usize {
    h % 400 + 1
}

/// A synthetic address: "Số 17, Phúc Xá".
pub fn house_address(number: usize, commune: &str) -> String {
    format!("Số {number}, {commune}")
}

fn household_address(h: usize, commune: &str) -> String {
    house_address(house_number(h), commune)
}

pub async fn write(store: &Store, o: &sim::Outcome) -> Result<()> {
    let now = app::clock::WallClock::now_s();
    let province = UnitCode::parse(&o.params.province_code)
        .map_err(|r| anyhow::anyhow!("province code: {}", r.code()))?;
    let units: HashMap<String, UnitRef> = store
        .subtree(Structure::S2021, &province)
        .await?
        .iter()
        .map(|u| (u.code.to_string(), UnitRef::from(u)))
        .collect();
    let commune_units: Vec<UnitRef> = o
        .communes
        .iter()
        .map(|c| {
            units
                .get(&c.code)
                .cloned()
                .with_context(|| format!("commune {} is not in the registry", c.code))
        })
        .collect::<Result<_>>()?;
    let person_unit = |i: usize| &commune_units[o.people.commune(i as u32) as usize];

    let total = (o.households.len()
        + o.people.len()
        + o.venues.len()
        + o.checkins.len()
        + 2 * o.cases.len()
        + o.doses.len()) as u64;
    let pb = bar(total, "writing the locality");
    let tick = |pb: &ProgressBar, n: usize| pb.inc(n as u64);

    let households: Vec<HouseholdRow> = (0..o.households.len())
        .map(|h| {
            let unit = commune_units[o.households.commune[h] as usize].clone();
            HouseholdRow {
                id: h as i64 + 1,
                address: Some(household_address(
                    h,
                    &o.communes[o.households.commune[h] as usize].name,
                )),
                unit,
                synthetic: true,
            }
        })
        .collect();
    for chunk in households.chunks(CHUNK_ROWS) {
        store.bulk_households(chunk, now).await?;
        tick(&pb, chunk.len());
    }
    drop(households);

    for start in (0..o.people.len()).step_by(CHUNK_ROWS) {
        let rows: Vec<PersonRow> = (start..(start + CHUNK_ROWS).min(o.people.len()))
            .map(|i| PersonRow {
                id: i as i64 + 1,
                full_name: o.people.full_name(i as u32),
                national_id: Some(o.people.national_id(i as u32)),
                phone: o.people.phone(i as u32),
                birth_date: Some(o.people.birth_date(i as u32)),
                sex: o.people.sex[i],
                unit: person_unit(i).clone(),
                household_id: Some(i64::from(o.people.household[i]) + 1),
                synthetic: true,
            })
            .collect();
        store.bulk_persons(&rows, now).await?;
        tick(&pb, rows.len());
    }

    let venues: Vec<VenueRow> = (0..o.venues.len())
        .map(|v| {
            Ok(VenueRow {
                id: v as i64 + 1,
                name: o.venues.name(v as u32),
                kind: o.venues.kind[v]
                    .as_str()
                    .parse::<VenueKind>()
                    .map_err(|_| {
                        anyhow::anyhow!("unknown venue kind {}", o.venues.kind[v].as_str())
                    })?,
                unit: commune_units[o.venues.commune[v] as usize].clone(),
                address: None,
                capacity: Some(i64::from(o.venues.capacity[v])),
                open_min: i64::from(o.venues.open_min[v]),
                close_min: i64::from(o.venues.close_min[v]),
                qr_payload: o.venues.qr_payload(v as u32),
                synthetic: true,
            })
        })
        .collect::<Result<_>>()?;
    for chunk in venues.chunks(CHUNK_ROWS) {
        store.bulk_venues(chunk, now).await?;
        tick(&pb, chunk.len());
    }

    let c = &o.checkins;
    for start in (0..c.len()).step_by(CHUNK_ROWS) {
        let rows: Vec<CheckinRow> = (start..(start + CHUNK_ROWS).min(c.len()))
            .map(|i| CheckinRow {
                client_id: None,
                person_id: i64::from(c.person[i]) + 1,
                venue_id: i64::from(c.venue[i]) + 1,
                t_in_s: c.t_in_s[i],
                t_out_s: c.t_out_s[i],
                t_out_default: false,
                mode: match c.mode[i] {
                    sim::ScanMode::SelfScan => ScanMode::SelfScan,
                    sim::ScanMode::StaffScan => ScanMode::StaffScan,
                },
            })
            .collect();
        store.bulk_checkins(&rows, now).await?;
        tick(&pb, rows.len());
    }

    let end_s = o.t0_s + i64::from(o.params.days) * 86_400;
    // The course of each infected person, to give each case its outcome.
    let course_of: HashMap<u32, &sim::Course> = o.courses.iter().map(|c| (c.person, c)).collect();
    let mut cases = Vec::with_capacity(o.cases.len());
    let mut tests = Vec::with_capacity(o.cases.len());
    for (j, d) in o.cases.iter().enumerate() {
        let person = d.person as usize;
        // An outcome is recorded no earlier than the case's confirmation: an infection the
        // simulator ends before it was found is recorded as recovered on the day it was
        // confirmed (the status-change rule refuses anything earlier, and so does R(t)'s
        // reading of active cases).
        let recorded = |t_s: i64| t_s.max(d.result_s);
        let (status, outcome_at_s) = match course_of.get(&d.person).map(|c| &c.outcome) {
            Some(sim::CourseEnd::Recovered { t_s }) if *t_s <= end_s => {
                (CaseStatus::Recovered, Some(recorded(*t_s)))
            }
            Some(sim::CourseEnd::Died { t_s }) if *t_s <= end_s => {
                (CaseStatus::Died, Some(recorded(*t_s)))
            }
            _ => (CaseStatus::Active, None),
        };
        let severity = d
            .severity
            .as_str()
            .parse::<Severity>()
            .map_err(|_| anyhow::anyhow!("unknown severity {}", d.severity.as_str()))?;
        cases.push(CaseRow {
            id: j as i64 + 1,
            person_id: person as i64 + 1,
            unit: person_unit(person).clone(),
            status,
            severity,
            onset_s: d.onset_s,
            first_sample_s: d.sample_s,
            confirmed_at_s: d.result_s,
            // Isolated after the demo's "now" is not isolated yet: a record dated in the
            // future is refused where it travels (a hand-over to a linked locality).
            isolation_s: (d.isolation_s <= end_s - 60).then_some(d.isolation_s),
            community: d.community,
            outcome_at_s,
        });
        tests.push(TestRow {
            person_id: person as i64 + 1,
            case_id: Some(j as i64 + 1),
            kind: match d.test {
                sim::TestKind::Pcr => TestKind::Pcr,
                sim::TestKind::Antigen => TestKind::Antigen,
            },
            sample_s: d.sample_s,
            result_s: d.result_s,
            positive: true,
            ct: d.ct.map(f64::from),
        });
    }
    for chunk in cases.chunks(CHUNK_ROWS) {
        store.bulk_cases(chunk, now).await?;
        tick(&pb, chunk.len());
    }
    for chunk in tests.chunks(CHUNK_ROWS) {
        store.bulk_tests(chunk).await?;
        tick(&pb, chunk.len());
    }

    let doses: Vec<DoseRow> = o
        .doses
        .iter()
        .map(|d| DoseRow {
            person_id: i64::from(d.person) + 1,
            dose_no: i64::from(d.dose_no),
            product: domain::vaccination::Product::from_label(d.product)
                .map_or_else(|| d.product.to_string(), |p| p.as_str().to_string()),
            given_on: app::local_time::local_date(d.t_s),
            structure: Structure::S2021,
            unit_code: commune_units[d.commune as usize].code.clone(),
        })
        .collect();
    for chunk in doses.chunks(CHUNK_ROWS) {
        store.bulk_doses(chunk, now).await?;
        tick(&pb, chunk.len());
    }
    crate::demo_care::write(store, o, &cases, &commune_units).await?;
    store.sync_id_sequences().await?;
    pb.finish();
    Ok(())
}
