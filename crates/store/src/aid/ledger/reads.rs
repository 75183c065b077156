//! Reading gifts: the filter on both ends, the newest-first list, one gift with its history.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sqlx::Row;

use domain::aid::PartyKind;
use domain::{DonationId, Reason};

use super::{
    donation_from_row, invalid, AidFilter, Donation, DonationDetail, GoodsRow, PartySel,
    StatusStep, DONATION_COLUMNS,
};
use crate::aid::{audit_entry, push_either, STRUCTURE};
use crate::audit::{self, AuditAction};
use crate::page::{Cursor, Page, PageRequest};
use crate::sql::{Sql, Val};
use crate::users::Caller;
use crate::{Result, Store, StoreError};

impl Store {
    /// Resolves a filter's unit codes to paths and appends it (with the caller's scope on
    /// either end) to `sql`; `t` is the donations table's alias.
    pub(super) async fn push_aid_filter(
        &self,
        sql: &mut Sql,
        t: &str,
        caller: &Caller,
        f: &AidFilter,
    ) -> Result<()> {
        push_either(
            sql,
            caller,
            &format!("{t}."),
            "donor_path",
            "recipient_path",
        );
        for (field, end, sel) in [
            ("donor", "donor", &f.donor),
            ("recipient", "recipient", &f.recipient),
        ] {
            match sel {
                None => {}
                Some(PartySel::Org(id)) => {
                    sql.push(&format!(
                        " AND {t}.{end}_kind <> 'locality' AND {t}.{end}_ref = "
                    ))
                    .bind(Val::Text(id.to_string()));
                }
                Some(PartySel::Unit(code)) => {
                    let unit = self
                        .unit_unscoped(STRUCTURE, code)
                        .await?
                        .ok_or_else(|| invalid(field, Reason::NotFound))?;
                    sql.push(&format!(" AND {t}.{end}_path >= "))
                        .bind(Val::Text(unit.path.as_str().into()));
                    sql.push(&format!(" AND {t}.{end}_path < "))
                        .bind(Val::Text(unit.path.subtree_upper_bound()));
                }
            }
        }
        if let Some(d) = f.from {
            sql.push(&format!(" AND {t}.on_date >= "))
                .bind(Val::Text(d.to_string()));
        }
        if let Some(d) = f.to {
            sql.push(&format!(" AND {t}.on_date <= "))
                .bind(Val::Text(d.to_string()));
        }
        Ok(())
    }

    /// Newest gifts first, in the caller's scope.
    pub async fn list_donations(
        &self,
        caller: &Caller,
        filter: &AidFilter,
        page: &PageRequest,
    ) -> Result<Page<Donation>> {
        let mut sql = Sql::new(
            self.dialect,
            &format!("SELECT {DONATION_COLUMNS} FROM aid_donations d WHERE 1 = 1"),
        );
        self.push_aid_filter(&mut sql, "d", caller, filter).await?;
        if let Some(after) = &page.after {
            let [date, id] = after.expect(2)? else {
                return Err(StoreError::BadCursor);
            };
            NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| StoreError::BadCursor)?;
            let id: i64 = id.parse().map_err(|_| StoreError::BadCursor)?;
            sql.push(" AND (d.on_date < ").bind(Val::Text(date.clone()));
            sql.push(" OR (d.on_date = ").bind(Val::Text(date.clone()));
            sql.push(" AND d.id < ").bind(Val::Int(id)).push("))");
        }
        let limit = page.limit();
        sql.push(" ORDER BY d.on_date DESC, d.id DESC LIMIT ")
            .bind(Val::Int(limit + 1));
        let rows = sql.query().fetch_all(&self.pool).await?;
        let mut items = rows
            .iter()
            .map(donation_from_row)
            .collect::<Result<Vec<_>>>()?;
        self.attach_goods(&mut items).await?;
        let page = Page::from_overfetch(items, limit, |d| {
            Cursor::new(vec![d.on_date.to_string(), d.id.to_string()])
        });
        // One row for the page, naming its gifts from or to individuals (issue #12, item 15).
        let individuals: Vec<i64> = page
            .items
            .iter()
            .filter(|d| {
                d.donor.kind == PartyKind::Individual || d.recipient.kind == PartyKind::Individual
            })
            .map(|d| d.id.get())
            .collect();
        let list = audit::AuditList::new(
            caller,
            "aid_donations",
            "",
            "aid_donation",
            individuals,
            None,
        );
        let mut conn = self.pool.acquire().await?;
        audit::append_list(&mut conn, self.dialect, list, crate::now_s()).await?;
        Ok(page)
    }

    /// A gift from or to an individual is personal data: its reads and listings are audited
    /// like a person's (at the system clock: these reads take no locality time).
    async fn audit_individuals(
        &self,
        caller: &Caller,
        action: AuditAction,
        items: &[Donation],
    ) -> Result<()> {
        let entries: Vec<_> = items
            .iter()
            .filter(|d| {
                d.donor.kind == PartyKind::Individual || d.recipient.kind == PartyKind::Individual
            })
            .map(|d| audit_entry(caller, action, "aid_donation", d.id, None))
            .collect();
        if !entries.is_empty() {
            let mut conn = self.pool.acquire().await?;
            audit::append(&mut conn, self.dialect, entries, crate::now_s()).await?;
        }
        Ok(())
    }

    async fn attach_goods(&self, items: &mut [Donation]) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        let mut sql = Sql::new(
            self.dialect,
            "SELECT donation_id, item, quantity, unit, received_quantity FROM aid_goods
             WHERE donation_id IN (",
        );
        for (i, d) in items.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(Val::Int(d.id.get()));
        }
        sql.push(") ORDER BY donation_id, line_no");
        let mut by_id: BTreeMap<DonationId, Vec<GoodsRow>> = BTreeMap::new();
        for r in sql.query().fetch_all(&self.pool).await? {
            by_id
                .entry(DonationId::new(r.try_get(0)?))
                .or_default()
                .push(GoodsRow {
                    item: r.try_get(1)?,
                    quantity: r.try_get(2)?,
                    unit: r.try_get(3)?,
                    received_quantity: r.try_get(4)?,
                });
        }
        for d in items {
            d.goods = by_id.remove(&d.id).unwrap_or_default();
        }
        Ok(())
    }

    /// A gift in scope with its history and letters, or None.
    pub async fn get_donation(
        &self,
        caller: &Caller,
        id: DonationId,
    ) -> Result<Option<DonationDetail>> {
        let mut sql = Sql::new(
            self.dialect,
            &format!("SELECT {DONATION_COLUMNS} FROM aid_donations d WHERE d.id = "),
        );
        sql.bind(Val::Int(id.get()));
        self.push_aid_filter(&mut sql, "d", caller, &AidFilter::default())
            .await?;
        let Some(row) = sql.query().fetch_optional(&self.pool).await? else {
            return Ok(None);
        };
        let mut donation = [donation_from_row(&row)?];
        self.attach_goods(&mut donation).await?;
        self.audit_individuals(caller, AuditAction::Read, &donation)
            .await?;
        let [donation] = donation;
        let history = sqlx::query(
            "SELECT at_s, status, actor, note FROM aid_status_history
             WHERE donation_id = $1 ORDER BY at_s, id",
        )
        .bind(id.get())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            let status: String = r.try_get(1)?;
            Ok(StatusStep {
                at_s: r.try_get(0)?,
                status: status
                    .parse()
                    .map_err(|_| StoreError::Corrupt("aid_status_history.status".into()))?,
                actor: r.try_get(2)?,
                note: r.try_get(3)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let letters = self.letters_of(id).await?;
        Ok(Some(DonationDetail {
            donation,
            history,
            letters,
        }))
    }
}
