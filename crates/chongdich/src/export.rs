//! `chongdich sim` and `chongdich export`: data for study, as CSV.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Subcommand;

use crate::demo::{params_from_key, simulate, META_SIM_PARAMS};
use crate::SimArgs;

#[derive(Subcommand)]
pub enum ExportCommand {
    /// Every check-in in the database: person_id,venue_id,t_in,t_out (UTC ISO-8601).
    Checkins {
        #[arg(long, env = "CHONGDICH_DB", default_value = "sqlite://chongdich.db")]
        db: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// The ground-truth infections of a simulation run: infector_id,infectee_id,
    /// venue_id_or_household,t. With --db, the run that built that demo database; otherwise
    /// the run the simulation flags describe.
    Truth {
        #[arg(long)]
        db: Option<String>,
        #[command(flatten)]
        sim: SimArgs,
        #[arg(long)]
        out: PathBuf,
    },
}

pub use app::local_time::iso;

fn create(path: &Path) -> Result<BufWriter<File>> {
    Ok(BufWriter::new(
        File::create(path).with_context(|| format!("creating {}", path.display()))?,
    ))
}

pub async fn run(command: ExportCommand) -> Result<()> {
    match command {
        ExportCommand::Checkins { db, out } => {
            // Migrated: the export's audit row needs the current audit table.
            let store = crate::open_migrated(&db).await?;
            let mut w = create(&out)?;
            writeln!(w, "person_id,venue_id,t_in,t_out")?;
            let n = store
                .for_each_visit_page(100_000, |page| {
                    for v in page {
                        writeln!(
                            w,
                            "{},{},{},{}",
                            v.person_id,
                            v.venue_id,
                            iso(v.t_in_s),
                            iso(v.t_out_s)
                        )?;
                    }
                    Ok(())
                })
                .await?;
            w.flush()?;
            // Check-ins say who was where and when: the export leaves a trace.
            store
                .audit_export(
                    "cli export",
                    "checkins",
                    format!("{n} check-ins to {}", out.display()),
                    app::clock::WallClock::now_s(),
                )
                .await?;
            eprintln!("wrote {n} check-ins to {}", out.display());
            Ok(())
        }
        ExportCommand::Truth { db, sim, out } => {
            let params = match db {
                Some(db) => {
                    let store = crate::open(&db).await?;
                    let key = store
                        .meta(META_SIM_PARAMS)
                        .await?
                        .context("this database was not built by `chongdich demo`")?;
                    params_from_key(&key)?
                }
                None => sim.params(),
            };
            let outcome = simulate(&params)?;
            let mut w = create(&out)?;
            sim::write_truth_csv(&outcome, &mut w)?;
            w.flush()?;
            eprintln!(
                "wrote {} infections to {}",
                outcome.infections.len(),
                out.display()
            );
            Ok(())
        }
    }
}

/// `chongdich sim`: the run's outputs as CSV files in `out`.
pub fn simulate_to_dir(params: &sim::Params, out: &Path) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let o = simulate(params)?;
    let mut w = create(&out.join("truth.csv"))?;
    sim::write_truth_csv(&o, &mut w)?;
    w.flush()?;
    let mut w = create(&out.join("checkins.csv"))?;
    sim::write_checkins_csv(&o, &mut w)?;
    w.flush()?;
    let mut w = create(&out.join("cases.csv"))?;
    writeln!(
        w,
        "person_id,test,sample,result,onset,severity,isolation,community"
    )?;
    for d in &o.cases {
        writeln!(
            w,
            "{},{},{},{},{},{},{},{}",
            d.person + 1,
            match d.test {
                sim::TestKind::Pcr => "pcr",
                sim::TestKind::Antigen => "antigen",
            },
            iso(d.sample_s),
            iso(d.result_s),
            d.onset_s.map(iso).unwrap_or_default(),
            d.severity.as_str(),
            iso(d.isolation_s),
            d.community
        )?;
    }
    w.flush()?;
    let mut w = create(&out.join("daily.csv"))?;
    writeln!(
        w,
        "date,new_infections,new_cases,active_infections,deaths,doses,checkins_recorded,visits"
    )?;
    for d in &o.daily {
        writeln!(
            w,
            "{},{},{},{},{},{},{},{}",
            d.date,
            d.new_infections,
            d.new_cases,
            d.active_infections,
            d.deaths,
            d.doses,
            d.checkins_recorded,
            d.visits
        )?;
    }
    w.flush()?;
    println!(
        "{} people, {} venues, {} infections, {} cases, {} check-ins kept → {}",
        o.people.len(),
        o.venues.len(),
        o.infections.len(),
        o.cases.len(),
        o.checkins.len(),
        out.display()
    );
    Ok(())
}
