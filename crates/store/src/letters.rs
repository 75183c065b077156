//! Thank-you letters sent and received (migration 0044; issue #17, "What travels" 4). A
//! letter is the locality's: it names a partner, not a unit of ours, so the list is not
//! scoped by jurisdiction; who may read and write it is the edges' `RecordAid` check.

use chrono::NaiveDate;
use sqlx::Row;

use domain::aid::{LetterDirection, LetterKind};
use domain::{DonationId, LetterId};

use crate::aid::audit_entry;
use crate::audit::{self, AuditAction};
use crate::link::LinkTx;
use crate::page::{Cursor, Page, PageRequest};
use crate::sql::{Sql, Val};
use crate::users::Caller;
use crate::{Result, Store, StoreError};

/// A letter to write: checked by `domain::aid::check_letter` (or taken from a message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterRow {
    pub direction: LetterDirection,
    /// A locality's code; None for another partner named only.
    pub partner_code: Option<String>,
    pub partner_name: String,
    pub kind: LetterKind,
    pub on_date: NaiveDate,
    pub subject: String,
    pub text: String,
    pub signed_by: String,
    pub donation_id: Option<DonationId>,
    /// A received letter's record key (`letter:<sender>:<id>`), kept once.
    pub link_record: Option<String>,
}

/// A stored letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub id: LetterId,
    pub row: LetterRow,
    pub created_at_s: i64,
    /// Who recorded it (`link:<code>` for a letter received through the link).
    pub created_by: String,
}

const COLUMNS: &str = "id, direction, partner_code, partner_name, kind, on_date, subject, body, \
                       signed_by, donation_id, link_record, created_at_s, created_by";

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("letters.{what}"))
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Letter> {
    let direction: String = r.try_get(1)?;
    let kind: String = r.try_get(4)?;
    let on_date: String = r.try_get(5)?;
    let donation: Option<i64> = r.try_get(9)?;
    Ok(Letter {
        id: LetterId::new(r.try_get(0)?),
        row: LetterRow {
            direction: direction.parse().map_err(|_| corrupt("direction"))?,
            partner_code: r.try_get(2)?,
            partner_name: r.try_get(3)?,
            kind: kind.parse().map_err(|_| corrupt("kind"))?,
            on_date: NaiveDate::parse_from_str(&on_date, "%Y-%m-%d")
                .map_err(|_| corrupt("on_date"))?,
            subject: r.try_get(6)?,
            text: r.try_get(7)?,
            signed_by: r.try_get(8)?,
            donation_id: donation.map(DonationId::new),
            link_record: r.try_get(10)?,
        },
        created_at_s: r.try_get(11)?,
        created_by: r.try_get(12)?,
    })
}

impl Store {
    /// Writes a letter in the caller's transaction (a message to the partner and a gift's
    /// acknowledgement are written with it), audited. None when a received letter's record
    /// is already here (a delivery the inbox did not catch: nothing changes).
    pub async fn insert_letter_in(
        &self,
        tx: &mut LinkTx,
        caller: &Caller,
        l: &LetterRow,
        now_s: i64,
    ) -> Result<Option<LetterId>> {
        let id: Option<i64> = sqlx::query(
            "INSERT INTO letters (direction, partner_code, partner_name, kind, on_date, subject,
                                  body, signed_by, donation_id, link_record, created_at_s,
                                  created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (partner_code, link_record) DO NOTHING RETURNING id",
        )
        .bind(l.direction.as_str())
        .bind(l.partner_code.clone())
        .bind(&l.partner_name)
        .bind(l.kind.as_str())
        .bind(l.on_date.to_string())
        .bind(&l.subject)
        .bind(&l.text)
        .bind(&l.signed_by)
        .bind(l.donation_id.map(|d| d.get()))
        .bind(l.link_record.clone())
        .bind(now_s)
        .bind(&caller.user.username)
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
        let Some(id) = id else {
            return Ok(None);
        };
        let detail = format!(
            "{} {} {}",
            l.direction.as_str(),
            l.kind.as_str(),
            l.partner_code.as_deref().unwrap_or("-")
        );
        audit::append(
            tx,
            self.dialect,
            [audit_entry(
                caller,
                AuditAction::Create,
                "letter",
                id,
                Some(detail),
            )],
            now_s,
        )
        .await?;
        Ok(Some(LetterId::new(id)))
    }

    /// Letters sent and received, newest first (by date, then as recorded).
    pub async fn list_letters(&self, page: &PageRequest) -> Result<Page<Letter>> {
        let mut sql = Sql::new(
            self.dialect,
            &format!("SELECT {COLUMNS} FROM letters l WHERE 1 = 1"),
        );
        if let Some(after) = &page.after {
            let [date, id] = after.expect(2)? else {
                return Err(StoreError::BadCursor);
            };
            NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| StoreError::BadCursor)?;
            let id: i64 = id.parse().map_err(|_| StoreError::BadCursor)?;
            sql.push(" AND (l.on_date < ").bind(Val::Text(date.clone()));
            sql.push(" OR (l.on_date = ").bind(Val::Text(date.clone()));
            sql.push(" AND l.id < ").bind(Val::Int(id)).push("))");
        }
        let limit = page.limit();
        sql.push(" ORDER BY l.on_date DESC, l.id DESC LIMIT ")
            .bind(Val::Int(limit + 1));
        let rows = sql.query().fetch_all(&self.pool).await?;
        let items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, limit, |l| {
            Cursor::new(vec![l.row.on_date.to_string(), l.id.get().to_string()])
        }))
    }
}
