//! Who the persons on a list are (contacts, cases): the lists read and audit their rows;
//! this names the persons on a page, or an export's rows, in one query per 500.

use std::collections::HashMap;

use chrono::NaiveDate;
use sqlx::Row;

use domain::{Scope, Structure};

use crate::sql::{Sql, Val};
use crate::{Result, Store, StoreError};

/// A person as a list or an export shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonCard {
    pub full_name: String,
    pub birth_date: Option<NaiveDate>,
    pub phone: Option<String>,
    /// The household's address.
    pub address: Option<String>,
}

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
        Ok(self
            .person_cards(scope, structure, ids)
            .await?
            .into_iter()
            .map(|(id, c)| (id, c.full_name))
            .collect())
    }

    /// Who the persons `ids` living within `scope` are, by id (as [`Store::person_names`]).
    pub async fn person_cards(
        &self,
        scope: &Scope,
        structure: Structure,
        ids: &[i64],
    ) -> Result<HashMap<i64, PersonCard>> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let mut out = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let mut sql = Sql::new(
                self.dialect,
                "SELECT p.id, p.full_name, p.birth_date, p.phone, h.address
                 FROM persons p LEFT JOIN households h ON h.id = p.household_id
                 WHERE p.id IN (",
            );
            for (i, id) in chunk.iter().enumerate() {
                sql.push(if i > 0 { ", " } else { "" }).bind(Val::Int(*id));
            }
            sql.push(") AND p.structure = ")
                .bind(Val::Text(structure.as_str().into()));
            sql.push_scope("p.unit_path", scope, structure);
            for r in sql.query().fetch_all(&self.reader).await? {
                let birth: Option<String> = r.try_get(2)?;
                let birth_date = birth
                    .map(|b| {
                        NaiveDate::parse_from_str(&b, "%Y-%m-%d")
                            .map_err(|_| StoreError::Corrupt("persons.birth_date".into()))
                    })
                    .transpose()?;
                out.insert(
                    r.try_get(0)?,
                    PersonCard {
                        full_name: r.try_get(1)?,
                        birth_date,
                        phone: r.try_get(3)?,
                        address: r.try_get(4)?,
                    },
                );
            }
        }
        Ok(out)
    }
}
