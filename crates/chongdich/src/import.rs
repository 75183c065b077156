//! `chongdich import`: a spreadsheet (XLSX or CSV) imported from the command line, as the
//! import page does it (`app::import`), as an account (`--as`): the file is judged (a bar
//! shows the rows), refused rows are listed by line, column and reason, then every other row
//! is written in one transaction. The same file twice changes nothing.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use app::import::{Choice, ImportError, Kind, Outcome, Upload};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub db: crate::DbArg,
    /// The account the import is made as (its jurisdiction bounds the rows; the records
    /// and the audit name it).
    #[arg(long = "as", value_name = "USERNAME")]
    pub user: String,
    /// What the file lists: `cases` (persons with their cases, an F0 line list), `doses`
    /// (a vaccination list of registered persons), `labs` (lab results of registered
    /// persons), `contacts` (an F1 list: contacts with their source F0), `venues` (a list of
    /// places) or `checkins` (check-ins exported by another system, of registered persons at
    /// registered venues).
    #[arg(long, default_value = "cases")]
    pub kind: String,
    /// Lines of suspected duplicates to merge into the registered person (comma-separated);
    /// the others are registered as new persons.
    #[arg(long, value_delimiter = ',')]
    pub merge: Vec<usize>,
    /// Judge the file and print what a commit would do; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The XLSX or CSV file.
    pub file: PathBuf,
}

/// An active account as the caller, with its jurisdiction.
async fn caller_of(store: &store::Store, username: &str) -> Result<store::Caller> {
    let users = store.active_users_with_scope().await?;
    let Some((user, scope)) = users.into_iter().find(|(u, _)| u.username == username) else {
        bail!("no active account {username:?}");
    };
    if !user.role.can(domain::role::Permission::WritePersonal) {
        bail!("{username} may not register cases");
    }
    let mut caller = store::Caller::system(username);
    caller.user = user;
    caller.scope = scope;
    Ok(caller)
}

/// A bar over a file's rows (its length set once the rows are counted).
fn rows_bar(what: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} rows ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(what);
    bar
}

/// The refused rows (by line, column and reason) and the counts of a judged file.
fn report(preview: &app::import::Preview) {
    for r in &preview.rows {
        if let Outcome::Refused(errors) = &r.outcome {
            for e in errors {
                eprintln!(
                    "line {}: {} — {}",
                    r.line,
                    e.column
                        .as_deref()
                        .or(e.field.map(|f| f.as_str()))
                        .unwrap_or("?"),
                    e.reason.code()
                );
            }
        }
    }
    if preview.rows_left_off > 0 {
        eprintln!("({} more rows not listed)", preview.rows_left_off);
    }
    let c = preview.counts;
    println!(
        "{} rows: {} new, {} matched, {} suspected duplicates, {} already imported, {} refused",
        c.total, c.new, c.matched, c.suspected, c.already, c.refused
    );
}

pub async fn run(a: ImportArgs) -> Result<()> {
    let Some(kind) = Kind::parse(&a.kind) else {
        bail!(
            "unknown kind {:?}: use cases, doses, labs, contacts, venues or checkins",
            a.kind
        );
    };
    let bytes = std::fs::read(&a.file).with_context(|| format!("reading {}", a.file.display()))?;
    let store = crate::open_migrated(&a.db.db).await?;
    let app = crate::open_app(store.clone()).await?;
    let caller = caller_of(&store, &a.user).await?;
    let file_name = a
        .file
        .file_name()
        .map_or_else(|| "upload".into(), |n| n.to_string_lossy().into_owned());
    let upload = Upload {
        kind,
        file_name: &file_name,
        bytes: &bytes,
    };
    if let Some(r) = store
        .import_by_hash(kind.as_str(), &upload.sha256())
        .await?
    {
        println!(
            "this file was imported before (import {}): nothing to do",
            r.id
        );
        return Ok(());
    }
    let choices: HashMap<usize, Choice> = a.merge.iter().map(|&l| (l, Choice::Merge)).collect();
    // Long work shows progress. A dry run judges every row and writes nothing; a commit
    // judges the file once, writing each batch as it is judged.
    let bar = rows_bar(if a.dry_run {
        "checking"
    } else {
        "checking and writing"
    });
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    if a.dry_run {
        let preview = app
            .preview_import_with(&caller, &upload, None, &choices, &progress)
            .await;
        bar.finish_and_clear();
        let preview = preview.map_err(|e| anyhow::anyhow!("{e}"))?;
        report(&preview);
        if let Some(r) = &preview.imported {
            println!(
                "this file was imported before (import {}): nothing to do",
                r.id
            );
        }
        return Ok(());
    }
    let done = app
        .commit_import_with(&caller, &upload, None, &choices, &progress)
        .await;
    bar.finish_and_clear();
    if let Ok(app::import::Committed {
        judged: Some(p), ..
    }) = &done
    {
        report(p);
    }
    match done {
        Ok(d) if d.written => {
            let k = d.record.counts;
            match kind {
                Kind::Cases => println!(
                    "import {}: {} new persons with their cases, {} cases of registered persons",
                    d.record.id, k.new, k.matched
                ),
                Kind::Doses => println!("import {}: {} doses recorded", d.record.id, k.matched),
                Kind::Contacts => println!(
                    "import {}: {} contacts recorded ({} persons registered with them)",
                    d.record.id,
                    k.new + k.matched,
                    k.new
                ),
                Kind::Labs => println!(
                    "import {}: {} results added to cases, {} new cases from positive results",
                    d.record.id, k.matched, k.new
                ),
                Kind::Venues => println!("import {}: {} venues registered", d.record.id, k.new),
                Kind::Checkins => println!(
                    "import {}: {} check-ins recorded (traceable now)",
                    d.record.id, k.matched
                ),
            }
            Ok(())
        }
        Ok(d) => {
            println!(
                "this file was imported before (import {}): nothing changed",
                d.record.id
            );
            Ok(())
        }
        Err(ImportError::Refused(rows)) => {
            for r in &rows {
                for e in &r.errors {
                    eprintln!("line {}: {:?} — {}", r.line, e.column, e.reason.code());
                }
            }
            bail!("{} rows refused at commit; nothing was written", rows.len())
        }
        Err(e) => Err(anyhow::anyhow!("{e}")),
    }
}
