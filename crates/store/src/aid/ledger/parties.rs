//! Organisations of a locality, and a gift's donor or recipient resolved to what is stored.

use sqlx::Row;

use domain::aid::PartyKind;
use domain::{OrgId, Reason, UnitCode, UnitPath};

use super::{invalid, root_of, NewOrg, Party, PartyRef, Resolved};
use crate::aid::{audit_entry, commit_audited, STRUCTURE};
use crate::audit::AuditAction;
use crate::users::Caller;
use crate::{Result, Store, StoreError};

impl Store {
    /// Registers an organisation of a locality (or returns the one with the same kind,
    /// locality and name).
    pub async fn add_aid_org(&self, caller: &Caller, new: &NewOrg, now_s: i64) -> Result<OrgId> {
        if new.kind == PartyKind::Locality {
            return Err(invalid("kind", Reason::UnknownValue));
        }
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(invalid("name", Reason::OutOfRange));
        }
        let unit = self
            .unit_unscoped(STRUCTURE, &new.unit)
            .await?
            .ok_or_else(|| invalid("unit", Reason::NotFound))?;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO aid_orgs (kind, name, structure, unit_code, unit_path, created_at_s)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (kind, structure, unit_code, name) DO NOTHING",
        )
        .bind(new.kind.as_str())
        .bind(name)
        .bind(STRUCTURE.as_str())
        .bind(unit.code.as_str())
        .bind(unit.path.as_str())
        .bind(now_s)
        .execute(&mut *tx)
        .await?;
        let id: i64 = sqlx::query(
            "SELECT id FROM aid_orgs WHERE kind = $1 AND structure = $2 AND unit_code = $3 AND name = $4",
        )
        .bind(new.kind.as_str())
        .bind(STRUCTURE.as_str())
        .bind(unit.code.as_str())
        .bind(name)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        commit_audited(
            tx,
            self.dialect,
            audit_entry(caller, AuditAction::Create, "aid_org", id, None),
            now_s,
        )
        .await?;
        Ok(OrgId::new(id))
    }

    pub(super) async fn resolve_party(&self, field: &str, r: &PartyRef) -> Result<Resolved> {
        let not_found = || invalid(&format!("{field}.code_or_id"), Reason::NotFound);
        if r.kind == PartyKind::Locality {
            let code = UnitCode::parse(&r.code_or_id)
                .map_err(|e| invalid(&format!("{field}.code_or_id"), e))?;
            let unit = self
                .unit_unscoped(STRUCTURE, &code)
                .await?
                .ok_or_else(not_found)?;
            return Ok(Resolved {
                root: root_of(&unit.path),
                party: Party {
                    kind: r.kind,
                    code_or_id: unit.code.as_str().to_string(),
                    name: unit.name,
                },
                path: unit.path,
            });
        }
        let id: i64 = r.code_or_id.parse().map_err(|_| not_found())?;
        let row = sqlx::query("SELECT kind, name, unit_path FROM aid_orgs WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(not_found)?;
        let kind: String = row.try_get(0)?;
        if kind != r.kind.as_str() {
            return Err(invalid(&format!("{field}.kind"), Reason::UnknownValue));
        }
        let path: String = row.try_get(2)?;
        let path =
            UnitPath::from_stored(&path).ok_or_else(|| StoreError::Corrupt("aid_orgs".into()))?;
        Ok(Resolved {
            root: root_of(&path),
            party: Party {
                kind: r.kind,
                code_or_id: id.to_string(),
                name: row.try_get(1)?,
            },
            path,
        })
    }
}
