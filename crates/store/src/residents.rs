//! Residents per unit: the denominators of rates, kept in `unit_residents` by the writes
//! that change them (bulk loads, registration, merges) in their own transactions.

use std::collections::BTreeMap;

use domain::Structure;
use sqlx::{Any, Transaction};

use crate::sql::{Sql, Val};
use crate::{Result, Store};

/// A change in one unit's residents.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Delta {
    pub structure: String,
    pub unit_code: String,
    pub unit_path: String,
}

impl Delta {
    pub(crate) fn of(unit: &crate::UnitRef) -> Delta {
        Delta {
            structure: unit.structure.as_str().into(),
            unit_code: unit.code.as_str().into(),
            unit_path: unit.path.as_str().into(),
        }
    }

    /// One resident more (`n = 1`) or fewer (`n = -1`) in a unit.
    pub(crate) fn one(
        structure: Structure,
        code: &str,
        path: &str,
        n: i64,
    ) -> BTreeMap<Delta, i64> {
        let d = Delta {
            structure: structure.as_str().into(),
            unit_code: code.into(),
            unit_path: path.into(),
        };
        BTreeMap::from([(d, n)])
    }
}

/// Adds `n` residents (negative to remove) per unit, in the caller's transaction.
pub(crate) async fn add(tx: &mut Transaction<'_, Any>, deltas: BTreeMap<Delta, i64>) -> Result<()> {
    for (d, n) in deltas {
        sqlx::query(
            "INSERT INTO unit_residents (structure, unit_code, unit_path, residents)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (structure, unit_code)
             DO UPDATE SET residents = unit_residents.residents + excluded.residents",
        )
        .bind(d.structure)
        .bind(d.unit_code)
        .bind(d.unit_path)
        .bind(n)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

impl Store {
    /// Residents per unit of residence, within the scope: the denominators of rates.
    pub async fn residents_by_unit(
        &self,
        scope: &domain::Scope,
        structure: Structure,
    ) -> Result<Vec<(String, i64)>> {
        let mut sql = Sql::new(
            self.dialect,
            "SELECT unit_code, residents FROM unit_residents WHERE residents > 0 AND structure = ",
        );
        sql.bind(Val::Text(structure.as_str().into()));
        sql.push_scope("unit_path", scope, structure);
        sql.fetch_pairs(&self.reader).await
    }
}
