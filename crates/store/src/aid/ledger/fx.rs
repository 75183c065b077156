//! Exchange rates: recorded with their source, and read back as one short table.

use sqlx::Row;

use domain::aid::{Currency, FxRate};

use super::parse_date;
use crate::aid::{audit_entry, commit_audited};
use crate::audit::AuditAction;
use crate::users::Caller;
use crate::{Result, Store, StoreError};

impl Store {
    /// Records an exchange rate (replacing the one of the same pair and date), audited with
    /// the caller; returns the rate's id.
    pub async fn put_fx_rate(&self, caller: &Caller, rate: &FxRate, now_s: i64) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO aid_fx_rates (base, quote, rate_micro, on_date, source, assumed)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (base, quote, on_date) DO UPDATE SET rate_micro = excluded.rate_micro,
                 source = excluded.source, assumed = excluded.assumed
             RETURNING id",
        )
        .bind(rate.base.code())
        .bind(rate.quote.code())
        .bind(rate.rate_micro)
        .bind(rate.on_date.to_string())
        .bind(&rate.source)
        .bind(i64::from(rate.assumed))
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        let detail = format!(
            "1 {} = {} micro {} on {}",
            rate.base.code(),
            rate.rate_micro,
            rate.quote.code(),
            rate.on_date
        );
        let entry = audit_entry(caller, AuditAction::Create, "aid_fx_rate", id, Some(detail));
        commit_audited(tx, self.dialect, entry, now_s).await?;
        Ok(id)
    }

    /// Every recorded rate (a short table: a few pairs, a few dates each).
    pub async fn fx_rates(&self) -> Result<Vec<FxRate>> {
        sqlx::query(
            "SELECT base, quote, rate_micro, on_date, source, assumed FROM aid_fx_rates
             ORDER BY base, quote, on_date LIMIT 10000",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            let cur = |i: usize| -> Result<Currency> {
                r.try_get::<String, _>(i)?
                    .parse()
                    .map_err(|_| StoreError::Corrupt("aid_fx_rates.currency".into()))
            };
            Ok(FxRate {
                base: cur(0)?,
                quote: cur(1)?,
                rate_micro: r.try_get(2)?,
                on_date: parse_date(&r.try_get::<String, _>(3)?, "aid_fx_rates.on_date")?,
                source: r.try_get(4)?,
                assumed: r.try_get::<i64, _>(5)? != 0,
            })
        })
        .collect()
    }
}
