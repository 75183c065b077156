//! Vaccine doses: recorded in batches (idempotent on the sender's id, answered per item),
//! read per person within the scope (audited), and counted for coverage.
//!
//! Coverage is read from `vaccination_totals` (persons per residence and year of birth who
//! had a first dose, who completed the primary series) less `vaccination_counts` (the same
//! per day) after the date asked; every write keeps both up to date in its own transaction
//! ([`tally_person_doses`]), so that the coverage of all ~10,000 communes is a grouped sum
//! and never a recount of the doses. Ages are taken on the date asked, for the numerators as
//! for the denominators (adults, people aged 50+): whole years of birth from the tallies,
//! the year that straddles an age cut from `persons` (migration 0022). A person counts once,
//! in one unit and year, and completes no earlier than their first dose: fully vaccinated
//! never exceeds at least one dose, nor that the population, in any unit and age group.

use chrono::{Datelike, NaiveDate};
use sqlx::Row;

use domain::vaccination::Product;
use domain::{FieldError, PersonId, Reason, Scope, Structure, UnitCode, UnitLevel, UnitPath};

use crate::audit::{self, AuditAction, AuditEntry};
use crate::checkins::ItemOutcome;
use crate::sql::{Sql, Val};
use crate::users::Caller;
use crate::{Result, Store, StoreError};

/// Most doses one batch may carry.
pub const DOSE_BATCH_MAX: usize = 1_000;
/// Highest dose number accepted (primary series and boosters).
pub const DOSE_NO_MAX: u8 = 5;

/// One dose of a batch, already checked for form by the edge.
#[derive(Debug, Clone)]
pub struct DoseItem {
    pub client_id: String,
    pub person_id: PersonId,
    pub product: Product,
    pub dose_no: u8,
    pub given_on: NaiveDate,
    /// Where the dose was given.
    pub place: UnitCode,
    /// The vaccine lot, as written on the vial.
    pub lot: Option<String>,
}

/// A stored dose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dose {
    pub dose_no: u8,
    /// The product slug; doses imported before slugs were used may hold a label.
    pub product: String,
    pub given_on: NaiveDate,
    pub place: UnitCode,
    pub lot: Option<String>,
}

/// Coverage of one unit as of a date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    pub unit_code: String,
    /// Residents aged 18+ on the date (persons with a birth date).
    pub adults: i64,
    /// Of them, those with at least one dose (of any number) given by the date.
    pub adults_1dose: i64,
    /// Of them, those who completed the primary series by the date (2 doses, or per
    /// product); never more than `adults_1dose`.
    pub adults_full: i64,
    /// Residents aged 50+ on the date (the high-risk group, see
    /// `domain::vaccination::HIGH_RISK_AGE`).
    pub high_risk: i64,
    /// Of them, those who completed the primary series by the date.
    pub high_risk_full: i64,
}

/// The length of the materialised path of a unit of `level`: `/01/` province, `/01/001/`
/// district, `/01/001/00001/` commune (2021); `/01/00001/` commune (2025, no districts).
pub(crate) fn path_len(structure: Structure, level: UnitLevel) -> Option<i64> {
    match (structure, level) {
        (_, UnitLevel::Province) => Some(4),
        (Structure::S2021, UnitLevel::District) => Some(8),
        (Structure::S2021, UnitLevel::Commune) => Some(14),
        (Structure::S2025, UnitLevel::Commune) => Some(10),
        _ => None,
    }
}

/// The code of the unit whose path is `path` (its last segment).
pub(crate) fn code_of_path(path: &str) -> String {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// `CASE product WHEN 'janssen' THEN 1 ... ELSE 2 END`: the primary series in SQL, from the
/// one definition in `domain`.
fn series_sql() -> String {
    let mut s = String::from("(CASE product");
    for p in Product::ALL {
        if p.primary_doses() != 2 {
            s.push_str(&format!(
                " WHEN '{}' THEN {}",
                p.as_str(),
                p.primary_doses()
            ));
        }
    }
    s.push_str(" ELSE 2 END)");
    s
}

/// One person's doses as the coverage counts see them: their residence, year of birth
/// (0: unknown), the day of their first dose of any number and the day they completed the
/// primary series (the earliest dose completing its product's series). `persons` is `p`,
/// `vaccinations` is `v`.
fn person_summary_sql() -> String {
    let series = series_sql().replace("product", "v.product");
    format!(
        "SELECT p.structure AS structure, MIN(p.unit_code) AS unit_code, p.unit_path AS unit_path,
                COALESCE(CAST(SUBSTR(p.birth_date, 1, 4) AS BIGINT), 0) AS birth_year,
                MIN(v.given_on) AS first_on,
                MIN(CASE WHEN v.dose_no = {series} THEN v.given_on END) AS full_on
         FROM persons p JOIN vaccinations v ON v.person_id = p.id
         WHERE p.merged_into IS NULL"
    )
}

const PERSON_SUMMARY_GROUP: &str = " GROUP BY p.id, p.structure, p.unit_path, p.birth_date";

/// Adds `sign` (1 or -1) times one person's share of the coverage counts: called with -1
/// before a person's doses (or residence, or record) change and with 1 after, in the same
/// transaction, so that the counts follow the person's first and completing doses wherever
/// they move. A merged-away person or one without doses has no share.
pub(crate) async fn tally_person_doses(
    conn: &mut sqlx::AnyConnection,
    person_id: i64,
    sign: i64,
) -> Result<()> {
    let row = sqlx::query(&format!(
        "{} AND p.id = $1{PERSON_SUMMARY_GROUP}",
        person_summary_sql()
    ))
    .bind(person_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else { return Ok(()) };
    let structure: String = r.try_get(0)?;
    let code: String = r.try_get(1)?;
    let path: String = r.try_get(2)?;
    let birth_year: i64 = r.try_get(3)?;
    let first_on: String = r.try_get(4)?;
    let full_on: Option<String> = r.try_get(5)?;
    let events = [Some((first_on, sign, 0)), full_on.map(|d| (d, 0, sign))];
    for (day, first, full) in events.into_iter().flatten() {
        sqlx::query(
            "INSERT INTO vaccination_counts (structure, unit_code, unit_path, given_on,
                                             birth_year, first_doses, full_doses)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (structure, unit_path, given_on, birth_year) DO UPDATE SET
                first_doses = vaccination_counts.first_doses + excluded.first_doses,
                full_doses = vaccination_counts.full_doses + excluded.full_doses",
        )
        .bind(&structure)
        .bind(&code)
        .bind(&path)
        .bind(&day)
        .bind(birth_year)
        .bind(first)
        .bind(full)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO vaccination_totals (structure, unit_code, unit_path, birth_year,
                                             first_doses, full_doses)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (structure, unit_path, birth_year) DO UPDATE SET
                first_doses = vaccination_totals.first_doses + excluded.first_doses,
                full_doses = vaccination_totals.full_doses + excluded.full_doses",
        )
        .bind(&structure)
        .bind(&code)
        .bind(&path)
        .bind(birth_year)
        .bind(first)
        .bind(full)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// An audit row of `caller` (the system caller, id 0, is recorded without a user id).
pub(crate) fn entry(
    caller: &Caller,
    action: AuditAction,
    entity: &'static str,
    id: i64,
    detail: Option<String>,
) -> AuditEntry {
    AuditEntry {
        user: (caller.user.id.0 != 0).then_some(caller.user.id),
        actor: caller.user.username.clone(),
        action,
        entity,
        entity_id: id.to_string(),
        detail,
    }
}

/// Whether row `id` of `table` (a table with `structure` and `unit_path`) exists within
/// `scope`. `table` is one of ours, never input.
pub(crate) async fn row_in_scope(
    conn: &mut sqlx::AnyConnection,
    table: &'static str,
    id: i64,
    scope: &Scope,
) -> Result<bool> {
    let row = sqlx::query(&format!(
        "SELECT structure, unit_path FROM {table} WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else { return Ok(false) };
    let (s, p): (String, String) = (r.try_get(0)?, r.try_get(1)?);
    Ok(s.parse::<Structure>()
        .ok()
        .zip(UnitPath::from_stored(&p))
        .is_some_and(|(s, p)| scope.contains(s, &p)))
}

/// A count column that SUM leaves NULL when there was nothing to add.
pub(crate) fn count(r: &sqlx::any::AnyRow, i: usize) -> Result<i64> {
    Ok(r.try_get::<Option<i64>, _>(i)?.unwrap_or(0))
}

fn date_col(r: &sqlx::any::AnyRow, col: &str) -> Result<NaiveDate> {
    let s: String = r.try_get(col)?;
    NaiveDate::parse_from_str(&s, "%Y-%m-%d")
        .map_err(|_| StoreError::Corrupt(format!("vaccinations.{col}")))
}

impl Store {
    /// Stores the valid doses of a batch in one transaction (with their coverage counts)
    /// and answers each item: a dose of a person outside the caller's scope answers as a
    /// missing person; a dose number the person already has is a duplicate `dose_no`; an id
    /// sent before is `Duplicate` and not stored twice.
    ///
    /// A batch that loses a race on the same dose (a unique violation: both checked, then
    /// both inserted) runs again and sees the winner's dose, so every item is answered as if
    /// the batches had come one after the other (`conflict::retrying`).
    pub async fn record_doses(
        &self,
        caller: &Caller,
        items: &[DoseItem],
        now_s: i64,
    ) -> Result<Vec<ItemOutcome>> {
        debug_assert!(items.len() <= DOSE_BATCH_MAX);
        crate::conflict::retrying(|| self.record_doses_once(caller, items, now_s)).await
    }

    async fn record_doses_once(
        &self,
        caller: &Caller,
        items: &[DoseItem],
        now_s: i64,
    ) -> Result<Vec<ItemOutcome>> {
        let mut tx = self.pool.begin().await?;
        let out = self.record_doses_in(&mut tx, caller, items, now_s).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// [`Store::record_doses`]' writes inside the caller's transaction (an import commits
    /// them with its record, or nothing).
    pub(crate) async fn record_doses_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        caller: &Caller,
        items: &[DoseItem],
        now_s: i64,
    ) -> Result<Vec<ItemOutcome>> {
        let mut out = Vec::with_capacity(items.len());
        let mut audit_entries = Vec::new();
        let mut seen_in_batch = std::collections::HashSet::new();
        for item in items {
            if !seen_in_batch.insert(item.client_id.as_str()) {
                out.push(ItemOutcome::Duplicate);
                continue;
            }
            let known = sqlx::query("SELECT 1 FROM vaccinations WHERE client_id = $1")
                .bind(&item.client_id)
                .fetch_optional(&mut **tx)
                .await?;
            if known.is_some() {
                out.push(ItemOutcome::Duplicate);
                continue;
            }
            let person =
                sqlx::query("SELECT structure, unit_path, merged_into FROM persons WHERE id = $1")
                    .bind(item.person_id.0)
                    .fetch_optional(&mut **tx)
                    .await?;
            let mut errors = Vec::new();
            let mut residence = None;
            if let Some(p) = &person {
                let structure: String = p.try_get(0)?;
                let path: String = p.try_get(1)?;
                let merged: Option<i64> = p.try_get(2)?;
                let s = structure.parse::<Structure>().ok();
                let visible = s
                    .zip(UnitPath::from_stored(&path))
                    .is_some_and(|(s, p)| caller.scope.contains(s, &p));
                if visible && merged.is_none() {
                    residence = Some(structure);
                }
            }
            let Some(structure) = residence else {
                out.push(ItemOutcome::Rejected(vec![FieldError::new(
                    "person_id",
                    Reason::NotFound,
                )]));
                continue;
            };
            let place_known = sqlx::query("SELECT 1 FROM units WHERE structure = $1 AND code = $2")
                .bind(&structure)
                .bind(item.place.as_str())
                .fetch_optional(&mut **tx)
                .await?;
            if place_known.is_none() {
                errors.push(FieldError::new("unit", Reason::NotFound));
            }
            let had =
                sqlx::query("SELECT 1 FROM vaccinations WHERE person_id = $1 AND dose_no = $2")
                    .bind(item.person_id.0)
                    .bind(i64::from(item.dose_no))
                    .fetch_optional(&mut **tx)
                    .await?;
            if had.is_some() {
                errors.push(FieldError::new("dose_no", Reason::Duplicate));
            }
            // Doses come in their order: dose n is not dated before an earlier dose nor after
            // a later one (a dose 3 before dose 2 would count as a full course too early).
            // Dates are stored as YYYY-MM-DD, which orders as text.
            let given_on = item.given_on.format("%Y-%m-%d").to_string();
            let out_of_order = sqlx::query(
                "SELECT 1 FROM vaccinations WHERE person_id = $1
                   AND ((dose_no < $2 AND given_on > $3) OR (dose_no > $2 AND given_on < $3))",
            )
            .bind(item.person_id.0)
            .bind(i64::from(item.dose_no))
            .bind(&given_on)
            .fetch_optional(&mut **tx)
            .await?;
            if out_of_order.is_some() {
                errors.push(FieldError::new("given_on", Reason::OutOfRange));
            }
            if !errors.is_empty() {
                out.push(ItemOutcome::Rejected(errors));
                continue;
            }
            tally_person_doses(tx, item.person_id.0, -1).await?;
            sqlx::query(
                "INSERT INTO vaccinations (person_id, dose_no, product, given_on, structure,
                                           unit_code, created_at_s, client_id, lot)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(item.person_id.0)
            .bind(i64::from(item.dose_no))
            .bind(item.product.as_str())
            .bind(&given_on)
            .bind(&structure)
            .bind(item.place.as_str())
            .bind(now_s)
            .bind(&item.client_id)
            .bind(item.lot.clone())
            .execute(&mut **tx)
            .await?;
            tally_person_doses(tx, item.person_id.0, 1).await?;
            audit_entries.push(entry(
                caller,
                AuditAction::Create,
                "vaccination",
                item.person_id.0,
                Some(format!("dose {}", item.dose_no)),
            ));
            out.push(ItemOutcome::Accepted);
        }
        audit::append(tx, self.dialect, audit_entries, now_s).await?;
        Ok(out)
    }

    /// A person's doses, oldest first, or None when the person is not in the caller's
    /// scope. Audited as a read of the person's vaccinations.
    pub async fn person_doses(
        &self,
        caller: &Caller,
        person: PersonId,
        now_s: i64,
    ) -> Result<Option<Vec<Dose>>> {
        let mut conn = self.pool.acquire().await?;
        if !row_in_scope(&mut conn, "persons", person.0, &caller.scope).await? {
            return Ok(None);
        }
        let doses = sqlx::query(
            "SELECT dose_no, product, given_on, unit_code, lot FROM vaccinations
             WHERE person_id = $1 ORDER BY dose_no",
        )
        .bind(person.0)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(Dose {
                dose_no: u8::try_from(r.try_get::<i64, _>(0)?)
                    .map_err(|_| StoreError::Corrupt("vaccinations.dose_no".into()))?,
                product: r.try_get(1)?,
                given_on: date_col(r, "given_on")?,
                place: crate::units::code_col(r, "unit_code")?,
                lot: r.try_get("lot")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        audit::append(
            &mut conn,
            self.dialect,
            [entry(
                caller,
                AuditAction::Read,
                "vaccination",
                person.0,
                None,
            )],
            now_s,
        )
        .await?;
        Ok(Some(doses))
    }

    /// Recounts `vaccination_counts` and `vaccination_totals` from the doses and the
    /// persons' residences and birth dates in one statement each: the bulk path's
    /// counterpart of [`tally_person_doses`] (an import writes doses with `bulk_doses`, then
    /// calls this). Answers the rows of `vaccination_counts` written.
    pub async fn recount_vaccinations(&self) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        for table in ["vaccination_counts", "vaccination_totals"] {
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&mut *tx)
                .await?;
        }
        let n = sqlx::query(&format!(
            "WITH summary AS ({summary}{PERSON_SUMMARY_GROUP})
             INSERT INTO vaccination_counts (structure, unit_code, unit_path, given_on,
                                             birth_year, first_doses, full_doses)
             SELECT structure, MIN(unit_code), unit_path, day, birth_year, SUM(f), SUM(c) FROM (
                 SELECT structure, unit_code, unit_path, first_on AS day, birth_year,
                        1 AS f, 0 AS c
                 FROM summary
                 UNION ALL
                 SELECT structure, unit_code, unit_path, full_on, birth_year, 0, 1
                 FROM summary WHERE full_on IS NOT NULL
             ) e GROUP BY structure, unit_path, day, birth_year",
            summary = person_summary_sql(),
        ))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query(
            "INSERT INTO vaccination_totals (structure, unit_code, unit_path, birth_year,
                                             first_doses, full_doses)
             SELECT structure, MIN(unit_code), unit_path, birth_year, SUM(first_doses),
                    SUM(full_doses)
             FROM vaccination_counts GROUP BY structure, unit_path, birth_year",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Coverage as of `as_of` (doses given on or before it, ages on it) of every unit of
    /// `level` in `scope`, in one query: sums of the persons' tallies (residents by year of
    /// birth, the vaccinated by year of birth and day) for whole years, beside a count of
    /// the residents born in the year that straddles each age cut, with their doses, grouped
    /// by the unit's path prefix. Units without residents are absent.
    pub async fn coverage_by_unit(
        &self,
        scope: &Scope,
        structure: Structure,
        level: UnitLevel,
        as_of: NaiveDate,
    ) -> Result<Vec<Coverage>> {
        let Some(len) = path_len(structure, level) else {
            return Ok(Vec::new());
        };
        let cut = |years: i32| {
            as_of
                .with_year(as_of.year() - years)
                .unwrap_or_else(|| as_of - chrono::Days::new(365 * years as u64))
                .format("%Y-%m-%d")
                .to_string()
        };
        // Each part groups by the stored path, which its index returns in order (no sort), and
        // the outer query sums the parts by the unit's prefix; `len` is ours, a small integer.
        // PostgreSQL sums BIGINT as NUMERIC, hence the casts.
        let pre = format!("SUBSTR(unit_path, 1, {len})");
        let mut sql = Sql::new(
            self.dialect,
            "SELECT pre, CAST(SUM(adults) AS BIGINT), CAST(SUM(a1) AS BIGINT), \
             CAST(SUM(af) AS BIGINT), CAST(SUM(hr) AS BIGINT), CAST(SUM(hrf) AS BIGINT) FROM (",
        );
        // Residents by age: whole years of birth from the `birth_tallies` the triggers keep,
        // and from `persons` only the year that straddles each cut (born in that year on or
        // before the cut's date).
        let (cut18, cut50) = (cut(18), cut(50));
        let year_of = |d: &str| d.get(..4).and_then(|y| y.parse::<i64>().ok()).unwrap_or(0);
        let (y18, y50) = (year_of(&cut18), year_of(&cut50));
        sql.push(&format!("SELECT {pre} AS pre, SUM(CASE WHEN birth_year < "))
            .bind(Val::Int(y18));
        sql.push(" THEN n ELSE 0 END) AS adults, 0 AS a1, 0 AS af, SUM(CASE WHEN birth_year < ")
            .bind(Val::Int(y50));
        sql.push(" THEN n ELSE 0 END) AS hr, 0 AS hrf FROM birth_tallies WHERE structure = ")
            .bind(Val::Text(structure.as_str().into()));
        sql.push_scope("unit_path", scope, structure);
        // One part per cut, each a single range of birth dates, so that the whole locality's
        // read takes `persons_by_birth` (a year's residents) rather than every resident; their
        // doses by the date are looked up person by person (`vaccinations_by_person`).
        let on = as_of.format("%Y-%m-%d").to_string();
        let series = series_sql().replace("product", "v.product");
        let dosed = |complete: bool| {
            let which = if complete {
                format!(" AND v.dose_no = {series}")
            } else {
                String::new()
            };
            format!(
                "SUM(CASE WHEN EXISTS (SELECT 1 FROM vaccinations v \
                 WHERE v.person_id = persons.id AND v.given_on <= '{on}'{which}) \
                 THEN 1 ELSE 0 END)"
            )
        };
        for (year, cut, adults) in [(y18, &cut18, true), (y50, &cut50, false)] {
            let parts = if adults {
                format!("COUNT(*), {}, {}, 0, 0", dosed(false), dosed(true))
            } else {
                format!("0, 0, 0, COUNT(*), {}", dosed(true))
            };
            sql.push(&format!(
                " GROUP BY unit_path UNION ALL SELECT {pre} AS pre, {parts} \
                 FROM persons WHERE merged_into IS NULL AND structure = "
            ))
            .bind(Val::Text(structure.as_str().into()));
            sql.push(" AND birth_date >= ")
                .bind(Val::Text(format!("{year:04}-01-01")));
            sql.push(" AND birth_date <= ")
                .bind(Val::Text(cut.to_string()));
            sql.push_scope("unit_path", scope, structure);
        }
        // The vaccinated born in whole years before each cut, from the totals, less those
        // counted after `as_of` (none when it is today): a read of one row per commune and
        // year of birth plus the days after. Year 0 (birth unknown) is in no age group.
        // `y18` and `y50` are years we computed, small integers.
        for (table, sign) in [("vaccination_totals", ""), ("vaccination_counts", "-")] {
            let (adult, old) = (
                format!("birth_year > 0 AND birth_year < {y18}"),
                format!("birth_year > 0 AND birth_year < {y50}"),
            );
            sql.push(&format!(
                " GROUP BY unit_path UNION ALL SELECT {pre} AS pre, 0, \
                 {sign}SUM(CASE WHEN {adult} THEN first_doses ELSE 0 END), \
                 {sign}SUM(CASE WHEN {adult} THEN full_doses ELSE 0 END), 0, \
                 {sign}SUM(CASE WHEN {old} THEN full_doses ELSE 0 END) \
                 FROM {table} WHERE structure = "
            ))
            .bind(Val::Text(structure.as_str().into()));
            if !sign.is_empty() {
                sql.push(" AND given_on > ").bind(Val::Text(on.clone()));
            }
            sql.push_scope("unit_path", scope, structure);
        }
        sql.push(" GROUP BY unit_path) t GROUP BY pre ORDER BY pre");
        sql.query()
            .fetch_all(&self.reader)
            .await?
            .iter()
            .map(|r| {
                let pre: String = r.try_get(0)?;
                let n = |i: usize| count(r, i);
                Ok(Coverage {
                    unit_code: code_of_path(&pre),
                    adults: n(1)?,
                    adults_1dose: n(2)?,
                    adults_full: n(3)?,
                    high_risk: n(4)?,
                    high_risk_full: n(5)?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_ages() {
        assert_eq!(code_of_path("/01/001/00001/"), "00001");
        assert_eq!(code_of_path("/01/"), "01");
        assert!(series_sql().contains("'janssen' THEN 1"));
    }
}
