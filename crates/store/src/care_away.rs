//! Residents cared for elsewhere (issue #17, "What travels" 4; migration 0045): the store's
//! part. The sending side writes a dose or a "helped home" and its `care` message in one
//! transaction (the `…_in` methods take it); the receiving side applies the message in the
//! transaction that records its receipt (`Store::receive`), and keeps each item once in
//! `care_elsewhere`, which the page `/care-elsewhere` reads.

use chrono::NaiveDate;
use sqlx::Row;

use domain::person::Person;
use domain::{PersonId, Scope, StayId, Structure, UnitPath};

use crate::audit::{self, AuditAction};
use crate::checkins::ItemOutcome;
use crate::link::LinkTx;
use crate::person_record::{stay_from_row, StayEpisode, STAY_COLUMNS, STAY_FROM};
use crate::persons::{person_from_row, PERSON_COLUMNS};
use crate::users::Caller;
use crate::vaccination::{entry, DoseItem};
use crate::{Result, Store, StoreError};

/// What kind of care a partner gave one of our residents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CareKind {
    /// A vaccine dose.
    Vaccinated,
    /// A stay (an admission, a discharge) in the partner's care.
    Treated,
    /// Helped home to us.
    HelpedHome,
}

impl CareKind {
    pub const ALL: [CareKind; 3] = [
        CareKind::Vaccinated,
        CareKind::Treated,
        CareKind::HelpedHome,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CareKind::Vaccinated => "vaccinated",
            CareKind::Treated => "treated",
            CareKind::HelpedHome => "helped_home",
        }
    }

    pub fn parse(s: &str) -> Option<CareKind> {
        CareKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One care item applied here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CareItem {
    /// The partner locality's code.
    pub partner: String,
    /// The partner's key of the item (`dose:p5-d1`, `home:3`, `stay:12:admitted`): a resend
    /// of the same item finds it.
    pub item_key: String,
    pub person_id: PersonId,
    pub kind: CareKind,
    pub on_date: NaiveDate,
    pub detail: Option<String>,
}

/// A care item as the page lists it, with the person's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaredElsewhere {
    pub partner: String,
    pub person_id: PersonId,
    pub full_name: String,
    pub kind: CareKind,
    pub on_date: NaiveDate,
    pub detail: Option<String>,
}

/// A "helped home" recorded here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpedHome {
    pub id: i64,
    pub on_date: NaiveDate,
    pub note: Option<String>,
    pub to_locality: String,
}

/// Most care items the page reads for one date range.
pub const CARE_ELSEWHERE_MAX: i64 = 5_000;

fn day(s: &str, what: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| StoreError::Corrupt(format!("{what} {s:?}")))
}

fn in_scope(scope: &Scope, structure: &str, path: &str) -> bool {
    structure
        .parse::<Structure>()
        .ok()
        .zip(UnitPath::from_stored(path))
        .is_some_and(|(s, p)| scope.contains(s, &p))
}

impl Store {
    /// [`Store::record_doses`]' writes in the caller's transaction, for a dose whose `care`
    /// message goes with it (or a dose a partner gave one of our residents, applied with
    /// its receipt). No retry on a lost race: the caller's transaction fails and the
    /// batch may be sent again (its ids make that safe).
    pub async fn record_doses_in_tx(
        &self,
        tx: &mut LinkTx,
        caller: &Caller,
        items: &[DoseItem],
        now_s: i64,
    ) -> Result<Vec<ItemOutcome>> {
        self.record_doses_in(tx, caller, items, now_s).await
    }

    /// A person and their address, read in the transaction (not audited: the caller only
    /// reads them to write them into a message of its own).
    pub async fn person_in(
        &self,
        tx: &mut LinkTx,
        id: PersonId,
    ) -> Result<Option<(Person, Option<String>)>> {
        let row = sqlx::query(&format!(
            "SELECT {PERSON_COLUMNS}, address FROM persons WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&mut **tx)
        .await?;
        row.map(|r| Ok((person_from_row(&r)?, r.try_get("address")?)))
            .transpose()
    }

    /// A stay and its person, read in the transaction that wrote it (to send it in a `care`
    /// message of the same transaction; not audited, as [`Store::person_in`]).
    pub async fn stay_in(
        &self,
        tx: &mut LinkTx,
        id: StayId,
    ) -> Result<Option<(PersonId, StayEpisode)>> {
        let row = sqlx::query(&format!(
            "SELECT {STAY_COLUMNS}, s.person_id {STAY_FROM} WHERE s.id = $1"
        ))
        .bind(id.get())
        .fetch_optional(&mut **tx)
        .await?;
        row.map(|r| Ok((PersonId(r.try_get(10)?), stay_from_row(&r)?)))
            .transpose()
    }

    /// Records that `person` (in the caller's scope) was helped home to `to`, audited.
    /// `None`: the person is not in the caller's scope (or merged away).
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_helped_home_in(
        &self,
        tx: &mut LinkTx,
        caller: &Caller,
        person: PersonId,
        on_date: NaiveDate,
        note: Option<&str>,
        to: &str,
        now_s: i64,
    ) -> Result<Option<i64>> {
        let row =
            sqlx::query("SELECT structure, unit_path, merged_into FROM persons WHERE id = $1")
                .bind(person.0)
                .fetch_optional(&mut **tx)
                .await?;
        let Some(r) = row else { return Ok(None) };
        let (s, p, merged): (String, String, Option<i64>) =
            (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
        if merged.is_some() || !in_scope(&caller.scope, &s, &p) {
            return Ok(None);
        }
        let id: i64 = sqlx::query(
            "INSERT INTO helped_home (person_id, on_date, note, to_locality, created_at_s,
                                      created_by)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(person.0)
        .bind(on_date.format("%Y-%m-%d").to_string())
        .bind(note)
        .bind(to)
        .bind(now_s)
        .bind(&caller.user.username)
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
        audit::append(
            tx,
            self.dialect,
            [entry(
                caller,
                AuditAction::Create,
                "helped_home",
                person.0,
                Some(format!("helped home to {to} on {on_date}")),
            )],
            now_s,
        )
        .await?;
        Ok(Some(id))
    }

    /// The "helped home" records of a person, newest first.
    pub async fn helped_home_of(&self, person: PersonId) -> Result<Vec<HelpedHome>> {
        sqlx::query(
            "SELECT id, on_date, note, to_locality FROM helped_home WHERE person_id = $1
             ORDER BY on_date DESC, id DESC",
        )
        .bind(person.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(HelpedHome {
                id: r.try_get(0)?,
                on_date: day(&r.try_get::<String, _>(1)?, "helped_home.on_date")?,
                note: r.try_get(2)?,
                to_locality: r.try_get(3)?,
            })
        })
        .collect()
    }

    /// The person a partner's care message is about, if registered here: the duplicate
    /// review's keys in its order — national ID; else phone and the same folded name; else
    /// the folded name and the birth date. Not merged away; the oldest first.
    pub async fn find_cared_person_in(
        &self,
        tx: &mut LinkTx,
        national_id: Option<&str>,
        phone: Option<&str>,
        full_name: &str,
        birth_date: Option<&str>,
    ) -> Result<Option<PersonId>> {
        if let Some(id) = self
            .find_referred_person_in(tx, national_id, phone, full_name)
            .await?
        {
            return Ok(Some(id));
        }
        let Some(birth) = birth_date else {
            return Ok(None);
        };
        let row = sqlx::query(
            "SELECT id FROM persons WHERE name_folded = $1 AND birth_date = $2
               AND merged_into IS NULL ORDER BY id LIMIT 1",
        )
        .bind(domain::text::fold_diacritics(full_name))
        .bind(birth)
        .fetch_optional(&mut **tx)
        .await?;
        row.map(|r| Ok(PersonId(r.try_get(0)?))).transpose()
    }

    /// Keeps a care item a partner gave; false when that item was kept before (a resend).
    pub async fn insert_care_elsewhere_in(
        &self,
        tx: &mut LinkTx,
        item: &CareItem,
        now_s: i64,
    ) -> Result<bool> {
        let n = sqlx::query(
            "INSERT INTO care_elsewhere (partner, item_key, person_id, kind, on_date, detail,
                                         received_at_s)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (partner, item_key) DO NOTHING",
        )
        .bind(&item.partner)
        .bind(&item.item_key)
        .bind(item.person_id.0)
        .bind(item.kind.as_str())
        .bind(item.on_date.format("%Y-%m-%d").to_string())
        .bind(item.detail.clone())
        .bind(now_s)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    /// Care items partners gave residents in `scope` from `from` to `to` (days, both
    /// included), by partner and day; at most [`CARE_ELSEWHERE_MAX`].
    pub async fn care_elsewhere(
        &self,
        scope: &Scope,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<CaredElsewhere>> {
        let rows = sqlx::query(
            "SELECT c.partner, c.person_id, p.full_name, c.kind, c.on_date, c.detail,
                    p.structure, p.unit_path
             FROM care_elsewhere c JOIN persons p ON p.id = c.person_id
             WHERE c.on_date >= $1 AND c.on_date <= $2
             ORDER BY c.partner, c.on_date, c.id LIMIT $3",
        )
        .bind(from.format("%Y-%m-%d").to_string())
        .bind(to.format("%Y-%m-%d").to_string())
        .bind(CARE_ELSEWHERE_MAX)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let (s, p): (String, String) = (r.try_get(6)?, r.try_get(7)?);
            if !in_scope(scope, &s, &p) {
                continue;
            }
            let kind: String = r.try_get(3)?;
            out.push(CaredElsewhere {
                partner: r.try_get(0)?,
                person_id: PersonId(r.try_get(1)?),
                full_name: r.try_get(2)?,
                kind: CareKind::parse(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("care_elsewhere.kind {kind:?}")))?,
                on_date: day(&r.try_get::<String, _>(4)?, "care_elsewhere.on_date")?,
                detail: r.try_get(5)?,
            });
        }
        Ok(out)
    }
}
