//! Sums of gifts in scope, and donor → recipient flows, with what the sums left out.

use std::collections::BTreeMap;

use sqlx::any::AnyRow;
use sqlx::Row;

use domain::aid::{MAX_AMOUNT_MINOR, MAX_QUANTITY};
use domain::UnitCode;

use super::{money, AidFilter, AidTotals, Flow, Party, FLOWS_MAX};
use crate::aid::{read_sum, sum_sql, Summed, STRUCTURE};
use crate::sql::{Sql, Val};
use crate::users::Caller;
use crate::{Result, Store, StoreError};

/// Logs what a sum left out, once per query, so that an operator can find the rows.
fn log_left_out(what: &str, key: &str, s: &Summed) {
    if s.left_out > 0 {
        tracing::warn!(
            "aid sums: {} {what} row(s) of {key} lie beyond the bounds of domain::aid and are left out",
            s.left_out
        );
    }
    if s.overflow {
        tracing::warn!("aid sums: the {what} of {key} pass an i64 and are left out");
    }
}

impl Store {
    /// Sums of the gifts a filter selects, in the caller's scope. A row beyond the bounds of
    /// `domain::aid` is left out (logged, and counted in `left_out`), never an error.
    pub async fn aid_totals(&self, caller: &Caller, filter: &AidFilter) -> Result<AidTotals> {
        let mut sql = Sql::new(
            self.dialect,
            &format!(
                "SELECT d.money_currency, {}, COUNT(*) FROM aid_donations d WHERE 1 = 1",
                sum_sql("d.money_minor", MAX_AMOUNT_MINOR)
            ),
        );
        self.push_aid_filter(&mut sql, "d", caller, filter).await?;
        sql.push(" GROUP BY d.money_currency ORDER BY d.money_currency");
        let mut totals = AidTotals::default();
        for r in sql.query().fetch_all(&self.pool).await? {
            let n: i64 = r.try_get(4)?;
            totals.donations += n;
            let Some(c) = r.try_get::<Option<String>, _>(0)? else {
                continue;
            };
            let s = read_sum(&r, 1)?;
            log_left_out("money", &c, &s);
            totals.left_out += s.rows_left_out(n);
            if let Some(sum) = s.sum {
                totals.money.push(money(&c, sum)?);
            }
        }
        let mut sql = Sql::new(
            self.dialect,
            &format!(
                "SELECT g.item, g.unit, {}, COUNT(*)
                 FROM aid_goods g JOIN aid_donations d ON d.id = g.donation_id WHERE 1 = 1",
                sum_sql("g.quantity", MAX_QUANTITY)
            ),
        );
        self.push_aid_filter(&mut sql, "d", caller, filter).await?;
        sql.push(" GROUP BY g.item, g.unit ORDER BY g.item, g.unit");
        for r in sql.query().fetch_all(&self.pool).await? {
            let item: String = r.try_get(0)?;
            let s = read_sum(&r, 2)?;
            log_left_out("goods", &item, &s);
            let n: i64 = r.try_get(5)?;
            totals.left_out += s.rows_left_out(n);
            if let Some(q) = s.sum {
                totals.goods.push((item, r.try_get(1)?, q));
            }
        }
        Ok(totals)
    }

    /// Gifts grouped by donor and the province or country of the recipients, largest
    /// number of gifts first.
    pub async fn aid_flows(&self, caller: &Caller, filter: &AidFilter) -> Result<Vec<Flow>> {
        let mut sql = Sql::new(
            self.dialect,
            "SELECT d.donor_kind, d.donor_ref, d.donor_name, d.recipient_root,
                    COUNT(DISTINCT d.recipient_ref), COUNT(*)
             FROM aid_donations d WHERE 1 = 1",
        );
        self.push_aid_filter(&mut sql, "d", caller, filter).await?;
        sql.push(
            " GROUP BY d.donor_kind, d.donor_ref, d.donor_name, d.recipient_root
              ORDER BY COUNT(*) DESC, d.donor_name, d.recipient_root LIMIT ",
        )
        .bind(Val::Int(FLOWS_MAX));
        let mut flows = Vec::new();
        for r in sql.query().fetch_all(&self.pool).await? {
            let kind: String = r.try_get(0)?;
            let root: String = r.try_get(3)?;
            let root = UnitCode::parse(&root)
                .map_err(|_| StoreError::Corrupt("aid_donations.recipient_root".into()))?;
            let root_name = self
                .unit_unscoped(STRUCTURE, &root)
                .await?
                .map_or_else(|| root.to_string(), |u| u.name);
            flows.push(Flow {
                donor: Party {
                    kind: kind
                        .parse()
                        .map_err(|_| StoreError::Corrupt("aid_donations.donor_kind".into()))?,
                    code_or_id: r.try_get(1)?,
                    name: r.try_get(2)?,
                },
                recipient_root: root,
                recipient_root_name: root_name,
                recipients: r.try_get(4)?,
                donations: r.try_get(5)?,
                money: Vec::new(),
                goods: Vec::new(),
                left_out: 0,
            });
        }
        let key = |kind: &str, r: &str, root: &str| format!("{kind}\u{1f}{r}\u{1f}{root}");
        let index: BTreeMap<String, usize> = flows
            .iter()
            .enumerate()
            .map(|(i, f)| {
                (
                    key(
                        f.donor.kind.as_str(),
                        &f.donor.code_or_id,
                        f.recipient_root.as_str(),
                    ),
                    i,
                )
            })
            .collect();
        // The first three columns of the next two queries are a flow's key.
        let row_key = |r: &AnyRow| -> Result<String> {
            Ok(key(
                &r.try_get::<String, _>(0)?,
                &r.try_get::<String, _>(1)?,
                &r.try_get::<String, _>(2)?,
            ))
        };
        let mut sql = Sql::new(
            self.dialect,
            &format!(
                "SELECT d.donor_kind, d.donor_ref, d.recipient_root, d.money_currency, {}, COUNT(*)
                 FROM aid_donations d WHERE d.money_minor IS NOT NULL",
                sum_sql("d.money_minor", MAX_AMOUNT_MINOR)
            ),
        );
        self.push_aid_filter(&mut sql, "d", caller, filter).await?;
        sql.push(" GROUP BY d.donor_kind, d.donor_ref, d.recipient_root, d.money_currency ORDER BY d.money_currency");
        for r in sql.query().fetch_all(&self.pool).await? {
            if let Some(&i) = index.get(&row_key(&r)?) {
                let c: String = r.try_get(3)?;
                let s = read_sum(&r, 4)?;
                log_left_out("money", &c, &s);
                let n: i64 = r.try_get(7)?;
                flows[i].left_out += s.rows_left_out(n);
                if let Some(sum) = s.sum {
                    flows[i].money.push(money(&c, sum)?);
                }
            }
        }
        let mut sql = Sql::new(
            self.dialect,
            &format!(
                "SELECT d.donor_kind, d.donor_ref, d.recipient_root, g.item, g.unit, {}, COUNT(*)
                 FROM aid_goods g JOIN aid_donations d ON d.id = g.donation_id WHERE 1 = 1",
                sum_sql("g.quantity", MAX_QUANTITY)
            ),
        );
        self.push_aid_filter(&mut sql, "d", caller, filter).await?;
        sql.push(
            " GROUP BY d.donor_kind, d.donor_ref, d.recipient_root, g.item, g.unit ORDER BY g.item",
        );
        for r in sql.query().fetch_all(&self.pool).await? {
            if let Some(&i) = index.get(&row_key(&r)?) {
                let item: String = r.try_get(3)?;
                let s = read_sum(&r, 5)?;
                log_left_out("goods", &item, &s);
                let n: i64 = r.try_get(8)?;
                flows[i].left_out += s.rows_left_out(n);
                if let Some(q) = s.sum {
                    flows[i].goods.push((item, r.try_get(4)?, q));
                }
            }
        }
        Ok(flows)
    }
}
