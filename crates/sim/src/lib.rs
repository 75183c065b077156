//! A deterministic synthetic-city COVID-19 outbreak simulator with ground truth.
//!
//! `run` builds a population in the real communes of a province (2021 structure: denser
//! wards, census age pyramid, multi-generation households, Vietnamese names and syntactically
//! valid identity numbers), venues with QR codes, and then simulates day by day: schedules
//! and visits, QR check-ins (self-scan or staff scan, or none), transmission in households
//! and venues from the overlap of actual visits, natural history by age and vaccination,
//! testing, isolation, tracing through recorded check-ins, quarantine and vaccination
//! roll-out. The outcome holds the city, the recorded check-ins and the full truth: who
//! infected whom, where and when.
//!
//! Determinism: the same `Params` give the same `Outcome` on any machine and with any
//! number of threads. Every random draw comes from a counter-based stream keyed by
//! (seed, purpose, entity, day) (`rng`), parallel steps collect in index order, and
//! sorts use total keys.
//!
//! Scale: only one day of visits is held in memory; recorded check-ins are kept for the
//! tracing look-back (15 days) and the outcome's `keep_checkin_days`.
//!
//! No I/O except the CSV writers, which take any `std::io::Write`.

mod engine;
mod outcome;
mod params;
mod population;
mod rng;
mod schedule;
mod tables;
mod venues;

pub use engine::quarantine_days;
pub use outcome::{
    write_checkins_csv, write_truth_csv, CheckIns, Course, CourseEnd, DayStats, Detection, Dose,
    Infection, Outcome, Place, ScanMode, Severity, TestKind, Visits, PRODUCTS,
};
pub use params::{Params, SimError, DAYS_MAX, PEOPLE_MAX, THREADS_MAX};
pub use population::{Commune, Households, Occupation, People, Role, Sex, NO_VENUE};
pub use venues::{parse_qr_payload, qr_payload, SchoolLevel, VenueKind, Venues};

/// What `run` is doing, for progress reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Population,
    Venues,
    /// Simulating day `n` (0-based).
    Day(u32),
}

/// Runs a scenario. `progress` is called on the caller's thread with (stage, done, total).
pub fn run(
    params: &Params,
    progress: &mut dyn FnMut(Stage, u64, u64),
) -> Result<Outcome, SimError> {
    params.validate()?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(params.threads)
        .build()
        .map_err(|e| SimError::ThreadPool(e.to_string()))?;
    let (tx, rx) = std::sync::mpsc::channel::<(Stage, u64, u64)>();
    // The simulation runs in its own pool on a scoped thread so that `progress`, which
    // need not be `Send`, is only ever called here.
    std::thread::scope(|s| {
        let worker = s.spawn(move || {
            let report = move |stage, done, total| {
                // The receiver only goes away if the caller's thread is gone.
                let _ = tx.send((stage, done, total));
            };
            pool.install(|| engine::simulate(params, &report))
        });
        for (stage, done, total) in rx {
            progress(stage, done, total);
        }
        match worker.join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}
