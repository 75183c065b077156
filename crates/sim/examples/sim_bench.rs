//! Runs one scenario and prints speed, peak memory and the epidemic's shape.
//!
//! cargo run --release -p sim --example sim_bench -- --people 1000000 --days 60
//!
//! Options: --people N, --days N, --seed N, --threads N, --keep-checkin-days N,
//! --no-response, --no-tracing, --no-vaccination, --quiet (summary line only),
//! --truth FILE (writes the truth CSV), --checkins FILE.

use std::time::Instant;

fn vm_hwm_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut params = sim::Params::default();
    let mut quiet = false;
    let mut truth: Option<String> = None;
    let mut checkins: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--people" => params.people = value()?.parse()?,
            "--days" => params.days = value()?.parse()?,
            "--seed" => params.seed = value()?.parse()?,
            "--threads" => params.threads = value()?.parse()?,
            "--keep-checkin-days" => params.keep_checkin_days = value()?.parse()?,
            "--initial-infections" => params.initial_infections = value()?.parse()?,
            "--transmission-scale" => params.transmission_scale = value()?.parse()?,
            "--checkin-compliance" => params.checkin_compliance = value()?.parse()?,
            "--no-response" => params.response = false,
            "--no-tracing" => params.tracing = false,
            "--no-vaccination" => params.vaccination = false,
            "--no-schools" => params.schools_open = false,
            "--no-restrictions" => params.restrictions = false,
            "--quiet" => quiet = true,
            "--truth" => truth = Some(value()?),
            "--checkins" => checkins = Some(value()?),
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    let started = Instant::now();
    let mut setup_s = 0.0;
    let outcome = sim::run(&params, &mut |stage, done, total| {
        if stage == sim::Stage::Venues && done == total {
            setup_s = started.elapsed().as_secs_f64();
        }
        if !quiet {
            if let sim::Stage::Day(d) = stage {
                if d % 7 == 6 || u64::from(d) + 1 == total {
                    eprintln!(
                        "  day {}/{} at {:.1} s",
                        d + 1,
                        total,
                        started.elapsed().as_secs_f64()
                    );
                }
            }
        }
    })?;
    let elapsed = started.elapsed().as_secs_f64();
    let hwm = vm_hwm_bytes().unwrap_or(0);
    let person_days = f64::from(params.people) * f64::from(params.days);
    let o = &outcome;
    let visits: u64 = o.daily.iter().map(|d| d.visits).sum();
    println!(
        "sim people={} days={} threads={} seconds={:.2} setup_seconds={:.2} person_days_per_second={:.0} peak_rss_bytes={} bytes_per_person={:.0} infections={} cases={} checkins_kept={} venues={} households={} visits={} doses={}",
        params.people,
        params.days,
        if params.threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { params.threads },
        elapsed,
        setup_s,
        person_days / (elapsed - setup_s).max(1e-9),
        hwm,
        hwm as f64 / f64::from(params.people),
        o.infections.len(),
        o.cases.len(),
        o.checkins.len(),
        o.venues.len(),
        o.households.len(),
        visits,
        o.doses.len(),
    );
    if !quiet {
        println!(
            "day        new_inf new_cases active deaths doses quarantined checkins visits levels"
        );
        for d in &o.daily {
            println!(
                "{} {:7} {:9} {:6} {:6} {:5} {:11} {:8} {:6} {:?}",
                d.date,
                d.new_infections,
                d.new_cases,
                d.active_infections,
                d.deaths,
                d.doses,
                d.quarantined,
                d.checkins_recorded,
                d.visits,
                d.districts_by_level
            );
        }
        summary(o);
    }
    if let Some(path) = truth {
        sim::write_truth_csv(o, std::io::BufWriter::new(std::fs::File::create(path)?))?;
    }
    if let Some(path) = checkins {
        sim::write_checkins_csv(o, std::io::BufWriter::new(std::fs::File::create(path)?))?;
    }
    Ok(())
}

fn summary(o: &sim::Outcome) {
    let n = o.infections.len().max(1) as f64;
    let household = o
        .infections
        .iter()
        .filter(|i| matches!(i.place, sim::Place::Household(_)))
        .count();
    let venue = o
        .infections
        .iter()
        .filter(|i| matches!(i.place, sim::Place::Venue(_)))
        .count();
    println!(
        "places: household {:.1}% venue {:.1}% seed {}",
        100.0 * household as f64 / n,
        100.0 * venue as f64 / n,
        o.infections.len() - household - venue
    );
    let mut by_kind = std::collections::BTreeMap::new();
    for i in &o.infections {
        if let sim::Place::Venue(v) = i.place {
            *by_kind
                .entry(o.venues.kind[v as usize].as_str())
                .or_insert(0u32) += 1;
        }
    }
    println!("venue infections by kind: {by_kind:?}");
    let mut by_venue = std::collections::HashMap::new();
    for i in &o.infections {
        if let sim::Place::Venue(v) = i.place {
            *by_venue.entry(v).or_insert(0u32) += 1;
        }
    }
    let mut top: Vec<(u32, u32)> = by_venue.into_iter().map(|(v, n)| (n, v)).collect();
    top.sort_unstable_by(|a, b| b.cmp(a));
    for &(n, v) in top.iter().take(5) {
        println!(
            "  {n:4} infections at {} ({}), {}",
            o.venues.name(v),
            o.venues.kind[v as usize].as_str(),
            o.venues.qr_payload(v)
        );
    }
    // Attack rate per 1,000 in wards vs rural communes.
    let mut inf = [0u64; 2];
    let mut pop = [0u64; 2];
    for c in &o.communes {
        pop[usize::from(c.urban)] += u64::from(c.population);
    }
    for i in &o.infections {
        let c = o.people.commune(i.infectee) as usize;
        inf[usize::from(o.communes[c].urban)] += 1;
    }
    println!(
        "attack per 1000: urban {:.1} rural {:.1}",
        1000.0 * inf[1] as f64 / pop[1].max(1) as f64,
        1000.0 * inf[0] as f64 / pop[0].max(1) as f64
    );
    let mut sev = [[0u32; 5]; 9];
    for c in &o.courses {
        let age = o.people.age[c.person as usize];
        sev[usize::from(age / 10).min(8)][c.severity as usize] += 1;
    }
    println!("severity by age band (asym mild mod sev crit):");
    for (b, s) in sev.iter().enumerate() {
        println!("  {:2}+ {:?}", b * 10, s);
    }
    let deaths = o
        .courses
        .iter()
        .filter(|c| matches!(c.outcome, sim::CourseEnd::Died { .. }))
        .count();
    let community = o.cases.iter().filter(|c| c.community).count();
    println!(
        "deaths {deaths}, cases {} (community {community}), detected share {:.1}%",
        o.cases.len(),
        100.0 * o.cases.len() as f64 / n
    );
}
