//! The national view's store (issue #17, "What travels" 5): the latest figures each linked
//! locality published, one row per locality (`linked_figures`, migration 0042). The body is
//! the sender's JSON as received (`app::national::FiguresBody`), kept whole: the store does
//! not read it, so a later body version needs no migration here.

use sqlx::Row;

use crate::link::LinkTx;
use crate::{Result, Store};

/// One locality's latest figures as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedFigures {
    /// The locality's code (`link::LocalityCode`).
    pub locality: String,
    /// YYYY-MM-DD.
    pub day: String,
    /// The published body (JSON text).
    pub body: String,
    pub received_at_s: i64,
}

impl Store {
    /// Keeps `locality`'s figures of `day` in the receiving transaction, replacing those of
    /// the same or an earlier day; figures of an earlier day than those kept change nothing
    /// (a correction of yesterday published after today's must not hide today's). True if
    /// kept.
    pub async fn put_linked_figures_in(
        &self,
        tx: &mut LinkTx,
        locality: &str,
        day: &str,
        body: &str,
        at_s: i64,
    ) -> Result<bool> {
        let n = sqlx::query(
            "INSERT INTO linked_figures (locality, day, body, received_at_s)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (locality) DO UPDATE SET day = excluded.day, body = excluded.body,
                 received_at_s = excluded.received_at_s
             WHERE linked_figures.day <= excluded.day",
        )
        .bind(locality)
        .bind(day)
        .bind(body)
        .bind(at_s)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    /// Every locality's latest figures, by code.
    pub async fn linked_figures(&self) -> Result<Vec<LinkedFigures>> {
        let rows = sqlx::query(
            "SELECT locality, day, body, received_at_s FROM linked_figures ORDER BY locality",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(LinkedFigures {
                    locality: r.try_get(0)?,
                    day: r.try_get(1)?,
                    body: r.try_get(2)?,
                    received_at_s: r.try_get(3)?,
                })
            })
            .collect()
    }
}
