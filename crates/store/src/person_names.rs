//! Persons' names for the lists that show people (contacts, cases): the lists read and
//! audit their rows; this names the persons on a page in one query.

use std::collections::HashMap;

use sqlx::Row;

use domain::{Scope, Structure};

use crate::sql::{Sql, Val};
use crate::{Result, Store};

impl Store {
    /// The names of the persons `ids` who live within `scope`, by id: the caller of a list
    /// already read (and audited) these rows. Persons outside the scope, or unknown, are
    /// left out, so a page shows their number rather than a name it may not show.
    pub async fn person_names(
        &self,
        scope: &Scope,
        structure: Structure,
        ids: &[i64],
    ) -> Result<HashMap<i64, String>> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let mut out = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let mut sql = Sql::new(
                self.dialect,
                "SELECT id, full_name FROM persons WHERE id IN (",
            );
            for (i, id) in chunk.iter().enumerate() {
                sql.push(if i > 0 { ", " } else { "" }).bind(Val::Int(*id));
            }
            sql.push(") AND structure = ")
                .bind(Val::Text(structure.as_str().into()));
            sql.push_scope("unit_path", scope, structure);
            for r in sql.query().fetch_all(&self.reader).await? {
                out.insert(r.try_get(0)?, r.try_get(1)?);
            }
        }
        Ok(out)
    }
}
