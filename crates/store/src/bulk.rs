//! Bulk writes: the path by which imports and the demo's simulated locality enter the
//! database. Each call is one transaction of multi-row inserts; callers chunk large inputs
//! (and report progress between chunks). Ids are given by the caller, so that related rows
//! of one import can refer to each other without a read-back.

use chrono::NaiveDate;
use sqlx::Row;

use domain::epi::{CaseStatus, ScanMode, Severity, TestKind, VenueKind};
use domain::person::Sex;
use domain::{Structure, Unit, UnitCode, UnitPath};

use crate::sql::{insert_rows, Val};
use crate::{Dialect, Result, Store};

/// A record's unit: what scope filters need, copied onto the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRef {
    pub structure: Structure,
    pub code: UnitCode,
    pub path: UnitPath,
}

impl From<&Unit> for UnitRef {
    fn from(u: &Unit) -> UnitRef {
        UnitRef {
            structure: u.structure,
            code: u.code.clone(),
            path: u.path.clone(),
        }
    }
}

impl UnitRef {
    fn vals(&self) -> [Val; 3] {
        [
            Val::Text(self.structure.as_str().into()),
            Val::Text(self.code.as_str().into()),
            Val::Text(self.path.as_str().into()),
        ]
    }
}

#[derive(Debug, Clone)]
pub struct HouseholdRow {
    pub id: i64,
    pub unit: UnitRef,
    pub address: Option<String>,
    pub synthetic: bool,
}

#[derive(Debug, Clone)]
pub struct PersonRow {
    pub id: i64,
    pub full_name: String,
    pub national_id: Option<String>,
    pub phone: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub sex: Sex,
    pub unit: UnitRef,
    pub household_id: Option<i64>,
    pub synthetic: bool,
}

#[derive(Debug, Clone)]
pub struct VenueRow {
    pub id: i64,
    pub name: String,
    pub kind: VenueKind,
    pub unit: UnitRef,
    pub address: Option<String>,
    pub capacity: Option<i64>,
    pub open_min: i64,
    pub close_min: i64,
    pub qr_payload: String,
    pub synthetic: bool,
}

#[derive(Debug, Clone)]
pub struct CheckinRow {
    pub client_id: Option<String>,
    pub person_id: i64,
    pub venue_id: i64,
    pub t_in_s: i64,
    pub t_out_s: i64,
    /// True when the time out was not scanned and the policy's default stay was applied.
    pub t_out_default: bool,
    pub mode: ScanMode,
}

#[derive(Debug, Clone)]
pub struct CaseRow {
    pub id: i64,
    pub person_id: i64,
    pub unit: UnitRef,
    pub status: CaseStatus,
    pub severity: Severity,
    pub onset_s: Option<i64>,
    pub first_sample_s: i64,
    pub confirmed_at_s: i64,
    pub isolation_s: Option<i64>,
    /// Found outside quarantine facilities and locked-down zones.
    pub community: bool,
    pub outcome_at_s: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct TestRow {
    pub person_id: i64,
    pub case_id: Option<i64>,
    pub kind: TestKind,
    pub sample_s: i64,
    pub result_s: i64,
    pub positive: bool,
    pub ct: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct DoseRow {
    pub person_id: i64,
    pub dose_no: i64,
    pub product: String,
    pub given_on: NaiveDate,
    pub structure: Structure,
    pub unit_code: UnitCode,
}

fn b(v: bool) -> Val {
    Val::Int(i64::from(v))
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

impl Store {
    /// Households, each with its address's matching key (`domain::zone::address_key`).
    pub async fn bulk_households(&self, rows: &[HouseholdRow], now_s: i64) -> Result<u64> {
        self.bulk(
            "households",
            &[
                "id",
                "structure",
                "unit_code",
                "unit_path",
                "address",
                "address_key",
                "synthetic",
                "created_at_s",
            ],
            rows.iter().map(|r| {
                let [s, c, p] = r.unit.vals();
                vec![
                    Val::Int(r.id),
                    s,
                    c,
                    p,
                    Val::OptText(r.address.clone()),
                    Val::OptText(
                        r.address
                            .as_deref()
                            .map(domain::zone::address_key)
                            .filter(|k| !k.is_empty()),
                    ),
                    b(r.synthetic),
                    Val::Int(now_s),
                ]
            }),
        )
        .await
    }

    /// Persons with their residence; the residents per unit follow in the same transaction.
    pub async fn bulk_persons(&self, rows: &[PersonRow], now_s: i64) -> Result<u64> {
        let mut deltas: std::collections::BTreeMap<crate::residents::Delta, i64> =
            std::collections::BTreeMap::new();
        for r in rows {
            *deltas
                .entry(crate::residents::Delta::of(&r.unit))
                .or_default() += 1;
        }
        let mut tx = self.pool.begin().await?;
        let n = insert_rows(
            &mut tx,
            self.dialect,
            "persons",
            &[
                "id",
                "full_name",
                "name_folded",
                "national_id",
                "phone",
                "birth_date",
                "sex",
                "structure",
                "unit_code",
                "unit_path",
                "household_id",
                "synthetic",
                "created_at_s",
                "updated_at_s",
            ],
            rows.iter().map(|r| {
                let [s, c, p] = r.unit.vals();
                vec![
                    Val::Int(r.id),
                    Val::Text(r.full_name.clone()),
                    Val::Text(domain::text::fold_diacritics(&r.full_name)),
                    Val::OptText(r.national_id.clone()),
                    Val::OptText(r.phone.clone()),
                    Val::OptText(r.birth_date.map(date)),
                    Val::Text(r.sex.as_str().into()),
                    s,
                    c,
                    p,
                    Val::OptInt(r.household_id),
                    b(r.synthetic),
                    Val::Int(now_s),
                    Val::Int(now_s),
                ]
            }),
        )
        .await?;
        crate::residents::add(&mut tx, deltas).await?;
        tx.commit().await?;
        Ok(n)
    }

    pub async fn bulk_venues(&self, rows: &[VenueRow], now_s: i64) -> Result<u64> {
        self.bulk(
            "venues",
            &[
                "id",
                "name",
                "kind",
                "structure",
                "unit_code",
                "unit_path",
                "address",
                "capacity",
                "open_min",
                "close_min",
                "qr_payload",
                "synthetic",
                "created_at_s",
                "name_folded",
            ],
            rows.iter().map(|r| {
                let [s, c, p] = r.unit.vals();
                vec![
                    Val::Int(r.id),
                    Val::Text(r.name.clone()),
                    Val::Text(r.kind.as_str().into()),
                    s,
                    c,
                    p,
                    Val::OptText(r.address.clone()),
                    Val::OptInt(r.capacity),
                    Val::Int(r.open_min),
                    Val::Int(r.close_min),
                    Val::Text(r.qr_payload.clone()),
                    b(r.synthetic),
                    Val::Int(now_s),
                    Val::Text(domain::text::fold_diacritics(&r.name)),
                ]
            }),
        )
        .await
    }

    pub async fn bulk_checkins(&self, rows: &[CheckinRow], now_s: i64) -> Result<u64> {
        self.bulk(
            "checkins",
            &[
                "client_id",
                "person_id",
                "venue_id",
                "t_in_s",
                "t_out_s",
                "t_out_default",
                "mode",
                "received_at_s",
            ],
            rows.iter().map(|r| {
                vec![
                    Val::OptText(r.client_id.clone()),
                    Val::Int(r.person_id),
                    Val::Int(r.venue_id),
                    Val::Int(r.t_in_s),
                    Val::Int(r.t_out_s),
                    b(r.t_out_default),
                    Val::Text(r.mode.as_str().into()),
                    Val::Int(now_s),
                ]
            }),
        )
        .await
    }

    pub async fn bulk_cases(&self, rows: &[CaseRow], now_s: i64) -> Result<u64> {
        // An outcome before the confirmation would put the case's last history line before
        // its first, and its status out of step with its history: refused, as a status
        // change dated so would be.
        if let Some((i, _)) = rows
            .iter()
            .enumerate()
            .find(|(_, r)| r.outcome_at_s.is_some_and(|t| t < r.confirmed_at_s))
        {
            return Err(crate::StoreError::Invalid(vec![domain::FieldError::new(
                format!("cases[{i}].outcome_at_s"),
                domain::Reason::OutOfRange,
            )]));
        }
        let n = self
            .bulk(
                "cases",
                &[
                    "id",
                    "person_id",
                    "structure",
                    "unit_code",
                    "unit_path",
                    "status",
                    "severity",
                    "onset_s",
                    "first_sample_s",
                    "confirmed_at_s",
                    "isolation_s",
                    "community",
                    "outcome_at_s",
                    "created_at_s",
                    "updated_at_s",
                ],
                rows.iter().map(|r| {
                    let [s, c, p] = r.unit.vals();
                    vec![
                        Val::Int(r.id),
                        Val::Int(r.person_id),
                        s,
                        c,
                        p,
                        Val::Text(r.status.as_str().into()),
                        Val::Text(r.severity.as_str().into()),
                        Val::OptInt(r.onset_s),
                        Val::Int(r.first_sample_s),
                        Val::Int(r.confirmed_at_s),
                        Val::OptInt(r.isolation_s),
                        b(r.community),
                        Val::OptInt(r.outcome_at_s),
                        Val::Int(now_s),
                        Val::Int(now_s),
                    ]
                }),
            )
            .await?;
        // Each case's history starts with its confirmation (and its outcome, if any).
        self.bulk(
            "case_status_history",
            &["case_id", "at_s", "status", "severity", "actor", "note"],
            rows.iter().flat_map(|r| {
                let confirmed = vec![
                    Val::Int(r.id),
                    Val::Int(r.confirmed_at_s),
                    Val::Text(CaseStatus::Active.as_str().into()),
                    Val::Text(r.severity.as_str().into()),
                    Val::Text("import".into()),
                    Val::OptText(None),
                ];
                let outcome = r
                    .outcome_at_s
                    .filter(|_| r.status != CaseStatus::Active)
                    .map(|t| {
                        vec![
                            Val::Int(r.id),
                            Val::Int(t),
                            Val::Text(r.status.as_str().into()),
                            Val::Text(r.severity.as_str().into()),
                            Val::Text("import".into()),
                            Val::OptText(None),
                        ]
                    });
                std::iter::once(confirmed).chain(outcome)
            }),
        )
        .await?;
        Ok(n)
    }

    pub async fn bulk_tests(&self, rows: &[TestRow]) -> Result<u64> {
        self.bulk(
            "tests",
            &[
                "person_id",
                "case_id",
                "kind",
                "sample_s",
                "result_s",
                "positive",
                "ct",
            ],
            rows.iter().map(|r| {
                vec![
                    Val::Int(r.person_id),
                    Val::OptInt(r.case_id),
                    Val::Text(r.kind.as_str().into()),
                    Val::Int(r.sample_s),
                    Val::Int(r.result_s),
                    b(r.positive),
                    Val::Real(r.ct),
                ]
            }),
        )
        .await
    }

    pub async fn bulk_doses(&self, rows: &[DoseRow], now_s: i64) -> Result<u64> {
        self.bulk(
            "vaccinations",
            &[
                "person_id",
                "dose_no",
                "product",
                "given_on",
                "structure",
                "unit_code",
                "created_at_s",
            ],
            rows.iter().map(|r| {
                vec![
                    Val::Int(r.person_id),
                    Val::Int(r.dose_no),
                    Val::Text(r.product.clone()),
                    Val::Text(date(r.given_on)),
                    Val::Text(r.structure.as_str().into()),
                    Val::Text(r.unit_code.as_str().into()),
                    Val::Int(now_s),
                ]
            }),
        )
        .await
    }

    async fn bulk(
        &self,
        table: &str,
        columns: &[&str],
        rows: impl IntoIterator<Item = Vec<Val>>,
    ) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let n = insert_rows(&mut tx, self.dialect, table, columns, rows).await?;
        if table == crate::recent_cases::CASES {
            crate::recent_cases::bump(&mut tx, crate::recent_cases::CASES).await?;
        }
        tx.commit().await?;
        Ok(n)
    }

    /// After rows were inserted with explicit ids, moves PostgreSQL's identity sequences past
    /// them so that later inserts do not collide. (SQLite picks max(id) + 1 by itself.)
    pub async fn sync_id_sequences(&self) -> Result<()> {
        if self.dialect != Dialect::Postgres {
            return Ok(());
        }
        for table in [
            "households",
            "persons",
            "venues",
            "checkins",
            "cases",
            "tests",
            "vaccinations",
            "case_status_history",
            "facilities",
            "stays",
        ] {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                               GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), 1))"
            ))
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn meta(&self, key: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Counts of the locality's records, for reports and checks.
    pub async fn record_counts(&self) -> Result<Vec<(&'static str, i64)>> {
        let mut out = Vec::new();
        for table in [
            "households",
            "persons",
            "venues",
            "checkins",
            "cases",
            "tests",
            "vaccinations",
        ] {
            let n: i64 = sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?;
            out.push((table, n));
        }
        Ok(out)
    }
}
