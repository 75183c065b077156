//! chongdich's repository layer: one schema and one set of queries on SQLite (embedded
//! default) and PostgreSQL (production).
//!
//! Queries are written once in the SQL both databases accept (`$N` placeholders, which
//! sqlx's SQLite driver binds by number; `ON CONFLICT`; `RETURNING`; integers for times)
//! and run through sqlx's `Any` driver. Where the dialects differ — the migrations — each has
//! its own file. Rows are mapped to `domain` types here and nowhere else.

pub mod aid;
mod audit;
mod bench;
mod boundaries;
mod bulk;
mod capacity;
mod care_away;
mod case_batch;
mod case_lines;
mod cases;
mod checkins;
mod citizen;
mod clusters;
mod conflict;
mod contacts;
mod day_activity;
mod exposures;
mod facilities;
mod fhir_ids;
mod followup;
mod handover;
mod import_contacts;
mod import_kinds;
mod import_lines;
mod import_places;
mod import_writer;
mod imports;
pub mod kept;
mod letters;
mod link;
mod migrate;
mod national;
mod overrides;
mod page;
mod person_names;
mod person_pairs;
mod person_record;
mod persons;
mod recent_cases;
mod referral;
mod residents;
mod risk_inputs;
mod share;
mod sql;
#[cfg(feature = "testing")]
pub mod testing;
mod typed;
pub mod unit;
mod units;
mod users;
mod vaccination;
mod venues;

use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub use audit::{AuditAction, AuditEntry, AuditList, AuditRecord, Place};
pub use boundaries::{BoundaryRow, BoundaryStamp, StoredBoundary};
pub use bulk::{CaseRow, CheckinRow, DoseRow, HouseholdRow, PersonRow, TestRow, UnitRef, VenueRow};
pub use capacity::{in_force, NewPlanEntry, PlanEntry, PlannedBeds, PLANNED_BEDS_MAX};
pub use care_away::{CareItem, CareKind, CaredElsewhere, HelpedHome, CARE_ELSEWHERE_MAX};
pub use case_batch::{row_field, LineCase, LineCreated, LinePerson};
pub use case_lines::CaseLine;
pub use cases::{
    Case, CaseCounts, CaseDetail, CaseFilter, NewCase, StatusChange, StatusUpdate, TestResult,
};
pub use checkins::{
    CheckinItem, Ingested, ItemOutcome, PersonRef, VenueRef, BATCH_MAX as CHECKIN_BATCH_MAX,
};
pub use citizen::{CitizenVisit, CITIZEN_ACTOR};
pub use clusters::{
    ClusterEdit, ClusterEvent, LinkAction, LinkEdit, QuietMember, StoredCluster, CLUSTER_TEXT_MAX,
    RULE_ACTOR,
};
pub use conflict::retrying;
pub use contacts::{CaseTimes, ContactRow, DeclaredRow, Residence, StoredContact, VisitRow};
pub use day_activity::DayActivity;
pub use exposures::{
    DeclarantKeys, DeclarationOutcome, DeclarationRow, Declared, ExposurePlace, ExposureStatus,
    NewDeclaration, EXPOSURE_LIST_MAX,
};
pub use facilities::{
    Admission, Beds, CasesInCare, Facility, FacilityBeds, FacilityRow, NewFacility, OccupancyPoint,
    Occupant, Stay, StayRow, UnitBeds, WeeklyCases, CAPACITY_MAX, SERIES_DAYS_MAX,
};
pub use fhir_ids::{IdentifiedEntity, IDENTIFIER_MAX_CHARS};
pub use followup::{
    FollowCount, FollowUpChange, FollowedContact, NewContactTest, NewFollowUp, StatusBack,
    StoredFollowUp, WorkList, WorkListQuery, ASSIGN_MAX,
};
pub use handover::{Handover, HandoverDirection, HandoverStatus};
pub use import_contacts::{BirthKey, ContactImportRow, ContactPerson};
pub use import_kinds::LabRow;
pub use import_writer::{ImportBegun, ImportWriter};
pub use imports::{ImportCommit, ImportCounts, ImportRecord, NewImport, PersonKeys, StoredUpload};
// `self::`: the crate `link` has the same name.
pub use self::link::{Applying, ApplyingRun, LinkTx, OutMessage, Received, LINK_KEY};
pub use letters::{Letter, LetterRow};
pub use national::LinkedFigures;
pub use overrides::StoredOverride;
pub use page::{Cursor, Page, PageRequest, LIMIT_DEFAULT, LIMIT_MAX};
pub use person_names::PersonCard;
pub use person_pairs::{PairReason, PersonPair};
pub use person_record::{
    CaseEpisode, ContactEpisode, CorrectionRecord, DoseEpisode, Found, PersonCorrection,
    PersonQuery, PersonRecord, ReliefEpisode, StayEpisode,
};
pub use persons::Merged;
pub use recent_cases::RecentCases;
pub use referral::{BatchReferral, PersonFacts, ReferredContact};
pub use risk_inputs::{PublishedLevel, WeekCases};
pub use share::{ShareOut, SharedIn};
pub use units::{UnitFilter, UnitStats};
pub use users::{Caller, LoginAttempt, NewUser, User, UserUnit};
pub use vaccination::{Coverage, Dose, DoseItem, DOSE_BATCH_MAX, DOSE_NO_MAX};
pub use venues::{NewVenue, Venue, VenueFilter};

use domain::refdata::RefDataError;
use domain::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL {0:?}: use sqlite://FILE or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("reference data: {0}")]
    RefData(#[from] RefDataError),
    #[error("malformed cursor")]
    BadCursor,
    #[error("invalid input: {}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join(", "))]
    Invalid(Vec<FieldError>),
    #[error("stored row is malformed: {0}")]
    Corrupt(String),
    /// The record already exists under another id (e.g. the same national ID number).
    /// `existing` is given only when the caller may see it.
    #[error("duplicate {field}")]
    Duplicate {
        field: &'static str,
        existing: Option<domain::PersonId>,
    },
    /// The person already has a case of this episode: an active case, or one from the same
    /// positive test (the same sample time). Answered 409 naming the existing case.
    #[error("the person already has case {existing} for this episode")]
    CaseExists { existing: domain::CaseId },
    /// The record's current state conflicts with the change (e.g. a merge into a record
    /// that was itself merged): the fields say which. Answered 409.
    #[error("conflict: {}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join(", "))]
    Conflict(Vec<FieldError>),
    /// The record's current state does not allow the change (see `aid::Refusal`).
    #[error("refused: {0:?}")]
    Refused(aid::Refusal),
    #[error("writing the export failed: {0}")]
    Write(#[from] std::io::Error),
    /// A read's audit row could not be written: the data is not returned.
    #[error("audit: {0}")]
    Audit(String),
}

impl StoreError {
    /// The database could not be reached (as opposed to a query or data fault).
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StoreError::Db(
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)
            )
        )
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The handle every edge uses. Cheap to clone (the pool is shared).
#[derive(Clone)]
pub struct Store {
    /// Writes, and reads that write their audit rows: on SQLite one connection (the one
    /// writer).
    pool: AnyPool,
    /// Reads that change nothing (dashboard figures, map and risk counts): on SQLite a pool of
    /// read-only connections on the WAL beside the writer, so readers never queue behind it;
    /// on PostgreSQL the same pool.
    reader: AnyPool,
    /// Writes reads' audit rows in groups; started on first use, on the runtime in use then.
    audit: std::sync::Arc<std::sync::OnceLock<audit::Sink>>,
    /// The recent cases tracing reads, kept while unchanged (`recent_cases`).
    recent_cases: std::sync::Arc<recent_cases::Memo>,
    /// Signed-in callers by their token's hash, kept while no account changed here
    /// (`users::Sessions`).
    sessions: std::sync::Arc<users::Sessions>,
    dialect: Dialect,
}

impl Store {
    /// Opens a pool. A SQLite file is created if missing and put in WAL mode.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let (dialect, url) = if let Some(rest) = url.strip_prefix("sqlite:") {
            // `mode=rwc` creates the file; an explicit mode in the URL wins.
            let url = if rest.contains("mode=") || rest.starts_with(":memory:") {
                url.to_string()
            } else if url.contains('?') {
                format!("{url}&mode=rwc")
            } else {
                format!("{url}?mode=rwc")
            };
            (Dialect::Sqlite, url)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Dialect::Postgres, url.to_string())
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let sqlite = dialect == Dialect::Sqlite;
        let pool = Self::pool(&options, sqlite, false).await?;
        if sqlite {
            sqlx::query("PRAGMA journal_mode = WAL")
                .fetch_optional(&pool)
                .await?;
        }
        // An in-memory SQLite database is one connection's own: nothing to share.
        let reader = if sqlite && !url.contains(":memory:") {
            Self::pool(&options, sqlite, true).await?
        } else {
            pool.clone()
        };
        Ok(Store {
            pool,
            reader,
            audit: Default::default(),
            recent_cases: Default::default(),
            sessions: Default::default(),
            dialect,
        })
    }

    /// SQLite readers: one per core (at least two, at most eight). Each is a thread of the
    /// driver's; more than the cores only add switches between them (on 2 cores, 4 readers
    /// gave the case list the same throughput as 2 with four times the p99).
    fn sqlite_readers() -> u32 {
        std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8) as u32)
    }

    async fn pool(options: &AnyConnectOptions, sqlite: bool, read_only: bool) -> Result<AnyPool> {
        Self::pool_of(options, sqlite, read_only, None).await
    }

    /// A pool as [`Store::pool`] makes it, of at most `max` connections if given (a
    /// [`Unit`](unit::Unit) has one).
    async fn pool_of(
        options: &AnyConnectOptions,
        sqlite: bool,
        read_only: bool,
        max: Option<u32>,
    ) -> Result<AnyPool> {
        Ok(AnyPoolOptions::new()
            // SQLite allows one writer at a time, and a deferred transaction that reads
            // before it writes can fail at once with SQLITE_BUSY when another connection of
            // the pool wrote meanwhile. One connection serialises the process's work instead:
            // statements are short, and tracing reads its in-memory index, not SQL.
            .max_connections(max.unwrap_or(match (sqlite, read_only) {
                (true, false) => 1,
                (true, true) => Self::sqlite_readers(),
                (false, _) => 16,
            }))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if sqlite && read_only {
                        // A reader never writes, so it never takes the write lock.
                        conn.execute("PRAGMA query_only = ON").await?;
                    }
                    if sqlite {
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        // FULL: a commit is on disk before it is acknowledged, also across a
                        // power cut (NORMAL in WAL mode survives a crash of the process only).
                        conn.execute("PRAGMA synchronous = FULL").await?;
                        // The default 2 MB page cache spills a 10,000-row batch to the WAL
                        // mid-transaction and re-reads index pages from the OS: 64 MiB keeps a
                        // batch and the hot index pages in memory, and statement journals
                        // (ON CONFLICT inserts) stay off the disk.
                        conn.execute("PRAGMA cache_size = -65536").await?;
                        conn.execute("PRAGMA temp_store = MEMORY").await?;
                        conn.execute("PRAGMA wal_autocheckpoint = 16384").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options.clone())
            .await?)
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Applies pending migrations and (re)loads the administrative units if the embedded
    /// reference data changed. Safe to run at every start.
    pub async fn migrate(&self) -> Result<migrate::MigrateReport> {
        migrate::run(self, i64::MAX).await
    }

    /// Applies the migrations up to `version` only: for tests of a later migration's move of
    /// existing data.
    #[cfg(feature = "testing")]
    pub async fn migrate_through(&self, version: i64) -> Result<migrate::MigrateReport> {
        migrate::run(self, version).await
    }

    /// Writes a read's audit rows and returns once they are committed. `conn` is the
    /// connection the read used. On SQLite it is a reader, which cannot write: it goes back
    /// to the pool and the rows join those of other reads waiting now in one transaction of
    /// the writer (`audit::Sink`). On PostgreSQL the rows are written on the read's own
    /// connection: the server commits concurrent transactions together by itself.
    pub(crate) async fn audit_read(
        &self,
        mut conn: sqlx::pool::PoolConnection<sqlx::Any>,
        now_s: i64,
        pending: audit::Pending,
    ) -> Result<()> {
        if self.dialect == Dialect::Postgres {
            match pending {
                audit::Pending::Rows(rows) => {
                    audit::append(&mut conn, self.dialect, rows, now_s).await?
                }
                audit::Pending::List(list) => {
                    audit::append_list(&mut conn, self.dialect, list, now_s).await?
                }
            };
            return Ok(());
        }
        drop(conn);
        self.audit
            .get_or_init(|| audit::Sink::start(self.pool.clone(), self.dialect))
            .write(now_s, pending)
            .await
    }

    pub async fn close(&self) {
        self.reader.close().await;
        self.pool.close().await;
    }

    /// Whether the database answers (for `/healthz`).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").fetch_one(&self.pool).await?;
        Ok(())
    }
}

pub use migrate::MigrateReport;

/// The locality's offset from UTC (`domain::time::UTC_OFFSET_S`). The tallies' day numbers
/// (migration 0012, whose SQL writes 25200) are local days, so the triggers hold the same
/// number; a test checks the two agree.
pub use domain::time::UTC_OFFSET_S as LOCAL_UTC_OFFSET_S;

/// The local day (days since 1970-01-01 in the locality) of a UTC time.
pub fn local_day(t_s: i64) -> i64 {
    (t_s + LOCAL_UTC_OFFSET_S).div_euclid(86_400)
}

/// The first second (UTC) of a local day number.
pub fn local_day_start_s(day: i64) -> i64 {
    day * 86_400 - LOCAL_UTC_OFFSET_S
}

/// The local day number of a calendar date.
pub fn day_number(d: chrono::NaiveDate) -> i64 {
    d.signed_duration_since(chrono::DateTime::UNIX_EPOCH.date_naive())
        .num_days()
}

pub(crate) fn now_s() -> i64 {
    chrono::Utc::now().timestamp()
}
