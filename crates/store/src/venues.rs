//! The venue registry (places with a QR poster). Venues are not personal data: lists are
//! scoped by jurisdiction but not audited; a registration is (who put a poster up where).

use sqlx::any::AnyRow;
use sqlx::Row;

use domain::epi::VenueKind;
use domain::{Scope, Structure, UnitPath, VenueId};

use crate::audit::{self, AuditAction, AuditEntry};
use crate::page::{Cursor, Page, PageRequest};
use crate::sql::{Sql, Val};
use crate::units::code_col;
use crate::users::Caller;
use crate::{Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct Venue {
    pub id: VenueId,
    pub name: String,
    pub kind: VenueKind,
    pub structure: Structure,
    pub unit_code: domain::UnitCode,
    pub unit_path: UnitPath,
    pub address: Option<String>,
    pub capacity: Option<i64>,
    pub open_min: i64,
    pub close_min: i64,
    pub qr_payload: String,
}

#[derive(Debug, Clone, Default)]
pub struct VenueFilter {
    pub kind: Option<VenueKind>,
    /// Part of the name, compared without case or Vietnamese diacritics ("pho" finds "Phở").
    pub name_contains: Option<String>,
}

/// A venue to register, its fields checked (`app::venues`). Its unit must be in the
/// caller's scope; its QR payload is made from the id it gets.
#[derive(Debug, Clone, PartialEq)]
pub struct NewVenue {
    pub name: String,
    pub kind: VenueKind,
    pub structure: Structure,
    pub unit_code: domain::UnitCode,
    pub address: Option<String>,
    pub capacity: Option<i64>,
    pub open_min: i64,
    pub close_min: i64,
}

const VENUE_COLUMNS: &str = "id, name, kind, structure, unit_code, unit_path, address, capacity, \
                             open_min, close_min, qr_payload";

impl Store {
    pub async fn list_venues(
        &self,
        scope: &Scope,
        structure: Structure,
        filter: &VenueFilter,
        page: &PageRequest,
    ) -> Result<Page<Venue>> {
        let mut sql = Sql::new(
            self.dialect,
            &format!("SELECT {VENUE_COLUMNS} FROM venues WHERE structure = "),
        );
        sql.bind(Val::Text(structure.as_str().into()));
        sql.push_scope("unit_path", scope, structure);
        if let Some(k) = filter.kind {
            sql.push(" AND kind = ").bind(Val::Text(k.as_str().into()));
        }
        // Names are matched folded: "pho" finds "Phở Thìn", as people type on a phone.
        if let Some(q) = &filter.name_contains {
            sql.push(" AND name_folded LIKE ").bind(Val::Text(format!(
                "%{}%",
                domain::text::fold_diacritics(q)
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            )));
            sql.push(" ESCAPE '\\'");
        }
        if let Some(after) = &page.after {
            let [path, id] = after.expect(2)? else {
                return Err(StoreError::BadCursor);
            };
            let id: i64 = id.parse().map_err(|_| StoreError::BadCursor)?;
            sql.push(" AND (unit_path > ").bind(Val::Text(path.clone()));
            sql.push(" OR (unit_path = ").bind(Val::Text(path.clone()));
            sql.push(" AND id > ").bind(Val::Int(id)).push("))");
        }
        let limit = page.limit();
        sql.push(" ORDER BY unit_path, id LIMIT ")
            .bind(Val::Int(limit + 1));
        let rows = sql.query().fetch_all(&self.pool).await?;
        let items = rows
            .iter()
            .map(venue_from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, limit, |v| {
            Cursor::new(vec![v.unit_path.as_str().to_string(), v.id.to_string()])
        }))
    }

    /// The names of these venues (a place's name is on its poster: not personal data, so
    /// not scoped), for saying where contacts met. Unknown ids are left out.
    pub async fn venue_names(&self, ids: &[i64]) -> Result<std::collections::HashMap<i64, String>> {
        let mut out = std::collections::HashMap::new();
        for chunk in ids.chunks(500) {
            let mut sql = Sql::new(self.dialect, "SELECT id, name FROM venues WHERE id IN (");
            for (i, id) in chunk.iter().enumerate() {
                sql.push(if i > 0 { ", " } else { "" }).bind(Val::Int(*id));
            }
            sql.push(")");
            for r in sql.query().fetch_all(&self.reader).await? {
                out.insert(r.try_get(0)?, r.try_get(1)?);
            }
        }
        Ok(out)
    }

    /// Registers a venue in a commune of the caller's jurisdiction, audited, with the
    /// folded name search uses and the QR payload of its id (`domain::venue_qr`, the payload
    /// the simulator's venues carry: a scanner checks both alike). A unit that does not exist
    /// is `not_found`, one outside the scope `out_of_scope` (units are public: saying so
    /// leaks nothing).
    pub async fn create_venue(&self, caller: &Caller, new: &NewVenue, now_s: i64) -> Result<Venue> {
        let mut tx = self.pool.begin().await?;
        let venue = self.create_venue_in(&mut tx, caller, new, now_s).await?;
        tx.commit().await?;
        Ok(venue)
    }

    /// [`Store::create_venue`] in the caller's transaction (an import's: its venues are
    /// written with the import's record, or none).
    pub async fn create_venue_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        caller: &Caller,
        new: &NewVenue,
        now_s: i64,
    ) -> Result<Venue> {
        let invalid = |r| StoreError::Invalid(vec![domain::FieldError::new("unit", r)]);
        let unit = crate::units::unit_on(tx, new.structure, &new.unit_code)
            .await?
            .ok_or_else(|| invalid(domain::Reason::NotFound))?;
        if !caller.scope.contains(new.structure, &unit.path) {
            return Err(invalid(domain::Reason::OutOfScope));
        }
        // The payload needs the id, which the insert gives: a placeholder unique to this
        // transaction holds the UNIQUE column until the row is updated in the same transaction.
        let pending = format!(
            "pending:{}:{}",
            caller.user.id.0,
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        );
        let id: i64 = sqlx::query(
            "INSERT INTO venues (name, kind, structure, unit_code, unit_path, address, capacity,
                                 open_min, close_min, qr_payload, synthetic, created_at_s,
                                 name_folded)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $12) RETURNING id",
        )
        .bind(&new.name)
        .bind(new.kind.as_str())
        .bind(new.structure.as_str())
        .bind(unit.code.as_str())
        .bind(unit.path.as_str())
        .bind(new.address.clone())
        .bind(new.capacity)
        .bind(new.open_min)
        .bind(new.close_min)
        .bind(&pending)
        .bind(now_s)
        .bind(domain::text::fold_diacritics(&new.name))
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
        // Payloads count venues from 0 (id − 1), as the simulator's do.
        let index = u32::try_from(id - 1)
            .map_err(|_| StoreError::Corrupt(format!("venues.id {id} beyond QR payloads")))?;
        let qr_payload = domain::venue_qr::qr_payload(index);
        sqlx::query("UPDATE venues SET qr_payload = $1 WHERE id = $2")
            .bind(&qr_payload)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        audit::append(
            tx,
            self.dialect,
            [AuditEntry {
                user: (caller.user.id.0 != 0).then_some(caller.user.id),
                actor: caller.user.username.clone(),
                action: AuditAction::Create,
                entity: "venue",
                entity_id: id.to_string(),
                detail: None,
            }],
            now_s,
        )
        .await?;
        Ok(Venue {
            id: VenueId(id),
            name: new.name.clone(),
            kind: new.kind,
            structure: new.structure,
            unit_code: unit.code,
            unit_path: unit.path,
            address: new.address.clone(),
            capacity: new.capacity,
            open_min: new.open_min,
            close_min: new.close_min,
            qr_payload,
        })
    }

    /// A venue in scope, or None.
    pub async fn get_venue(&self, scope: &Scope, id: VenueId) -> Result<Option<Venue>> {
        let row = sqlx::query(&format!("SELECT {VENUE_COLUMNS} FROM venues WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        let venue = row.as_ref().map(venue_from_row).transpose()?;
        Ok(venue.filter(|v| scope.contains(v.structure, &v.unit_path)))
    }
}

fn venue_from_row(r: &AnyRow) -> Result<Venue> {
    let corrupt = |w: &str| StoreError::Corrupt(format!("venues.{w}"));
    let kind: String = r.try_get("kind")?;
    let structure: String = r.try_get("structure")?;
    let path: String = r.try_get("unit_path")?;
    Ok(Venue {
        id: VenueId(r.try_get("id")?),
        name: r.try_get("name")?,
        kind: kind.parse().map_err(|_| corrupt("kind"))?,
        structure: structure.parse().map_err(|_| corrupt("structure"))?,
        unit_code: code_col(r, "unit_code")?,
        unit_path: UnitPath::from_stored(&path).ok_or_else(|| corrupt("unit_path"))?,
        address: r.try_get("address")?,
        capacity: r.try_get("capacity")?,
        open_min: r.try_get("open_min")?,
        close_min: r.try_get("close_min")?,
        qr_payload: r.try_get("qr_payload")?,
    })
}
