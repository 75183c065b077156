//! Queries on the administrative units registry.

use sqlx::any::AnyRow;
use sqlx::Row;

use domain::{Scope, Structure, Unit, UnitCode, UnitKind, UnitLevel, UnitPath};

use crate::page::{Cursor, Page, PageRequest};
use crate::sql::{Sql, Val};
use crate::{Result, Store, StoreError};

/// Which units a list asks for. Units outside the caller's scope are never listed.
#[derive(Debug, Clone)]
pub struct UnitFilter {
    pub structure: Structure,
    pub level: Option<UnitLevel>,
    /// Only the direct children of this unit.
    pub parent: Option<UnitCode>,
    /// `None` lists both kinds.
    pub kind: Option<UnitKind>,
    /// Case-insensitive match on the name without diacritics ("phuc xa").
    pub name_contains: Option<String>,
}

/// Counts per structure, kind and level (for `chongdich units stats`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitStats {
    pub structure: String,
    pub kind: String,
    pub level: String,
    pub count: i64,
}

const UNIT_COLUMNS: &str = "structure, code, name, name_ascii, level, unit_type, kind, \
                            parent_code, path, lat, lon, area_km2";

impl Store {
    /// One page of units in the caller's scope, in path order (parents before children).
    pub async fn list_units(
        &self,
        scope: &Scope,
        filter: &UnitFilter,
        page: &PageRequest,
    ) -> Result<Page<Unit>> {
        let mut sql = Sql::new(
            self.dialect,
            &format!("SELECT {UNIT_COLUMNS} FROM units WHERE structure = "),
        );
        sql.bind(Val::Text(filter.structure.as_str().into()));
        sql.push_scope("path", scope, filter.structure);
        if let Some(level) = filter.level {
            sql.push(" AND level = ")
                .bind(Val::Text(level.as_str().into()));
        }
        if let Some(kind) = filter.kind {
            sql.push(" AND kind = ")
                .bind(Val::Text(kind.as_str().into()));
        }
        if let Some(parent) = &filter.parent {
            sql.push(" AND parent_code = ")
                .bind(Val::Text(parent.as_str().into()));
        }
        if let Some(q) = &filter.name_contains {
            sql.push(" AND LOWER(name_ascii) LIKE ")
                .bind(Val::Text(format!("%{}%", escape_like(&q.to_lowercase()))));
            sql.push(" ESCAPE '\\'");
        }
        if let Some(after) = &page.after {
            let [path] = after.expect(1)? else {
                return Err(StoreError::BadCursor);
            };
            sql.push(" AND path > ").bind(Val::Text(path.clone()));
        }
        let limit = page.limit();
        sql.push(" ORDER BY path LIMIT ").bind(Val::Int(limit + 1));
        let rows = sql.query().fetch_all(&self.pool).await?;
        let items = rows.iter().map(unit_from_row).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, limit, |u| {
            Cursor::new(vec![u.path.as_str().to_string()])
        }))
    }

    /// A unit by code, if it exists and is in scope.
    pub async fn get_unit(
        &self,
        scope: &Scope,
        structure: Structure,
        code: &UnitCode,
    ) -> Result<Option<Unit>> {
        let unit = self.unit_unscoped(structure, code).await?;
        Ok(unit.filter(|u| scope.contains(structure, &u.path)))
    }

    /// A unit by code regardless of scope: for resolving a record's unit, not for listing.
    pub async fn unit_unscoped(
        &self,
        structure: Structure,
        code: &UnitCode,
    ) -> Result<Option<Unit>> {
        let mut conn = self.pool.acquire().await?;
        Self::unit_unscoped_on(&mut conn, structure, code).await
    }

    /// [`Store::unit_unscoped`] on a given connection (a transaction's: an import holds
    /// SQLite's one writing connection while it runs).
    pub(crate) async fn unit_unscoped_on(
        conn: &mut sqlx::AnyConnection,
        structure: Structure,
        code: &UnitCode,
    ) -> Result<Option<Unit>> {
        let row = sqlx::query(&format!(
            "SELECT {UNIT_COLUMNS} FROM units WHERE structure = $1 AND code = $2"
        ))
        .bind(structure.as_str())
        .bind(code.as_str())
        .fetch_optional(&mut *conn)
        .await?;
        row.as_ref().map(unit_from_row).transpose()
    }

    /// A unit and all its descendants in one range scan on `units_by_path`, parents first.
    pub async fn subtree(&self, structure: Structure, code: &UnitCode) -> Result<Vec<Unit>> {
        let Some(root) = self.unit_unscoped(structure, code).await? else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(&format!(
            "SELECT {UNIT_COLUMNS} FROM units
             WHERE structure = $1 AND path >= $2 AND path < $3 ORDER BY path"
        ))
        .bind(structure.as_str())
        .bind(root.path.as_str())
        .bind(root.path.subtree_upper_bound())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(unit_from_row).collect()
    }

    /// The 2025 communes an old (2021) commune or island district went into.
    pub async fn successors(&self, old: &UnitCode) -> Result<Vec<UnitCode>> {
        let rows = sqlx::query(
            "SELECT new_code FROM unit_correspondence WHERE old_code = $1 ORDER BY new_code",
        )
        .bind(old.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| code_col(r, "new_code")).collect()
    }

    pub async fn unit_stats(&self) -> Result<Vec<UnitStats>> {
        let rows = sqlx::query(
            "SELECT structure, kind, level, COUNT(*) AS n FROM units
             GROUP BY structure, kind, level ORDER BY structure, kind, level",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(UnitStats {
                    structure: r.try_get("structure")?,
                    kind: r.try_get("kind")?,
                    level: r.try_get("level")?,
                    count: r.try_get("n")?,
                })
            })
            .collect()
    }
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

pub(crate) fn code_col(row: &AnyRow, col: &str) -> Result<UnitCode> {
    let s: String = row.try_get(col)?;
    UnitCode::parse(&s).map_err(|_| StoreError::Corrupt(format!("{col} = {s:?}")))
}

/// [`Store::unit_unscoped`] on `conn` (a transaction's: SQLite's one writing connection
/// is the transaction's until it ends).
pub(crate) async fn unit_on(
    conn: &mut sqlx::AnyConnection,
    structure: Structure,
    code: &UnitCode,
) -> Result<Option<Unit>> {
    let row = sqlx::query(&format!(
        "SELECT {UNIT_COLUMNS} FROM units WHERE structure = $1 AND code = $2"
    ))
    .bind(structure.as_str())
    .bind(code.as_str())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(unit_from_row).transpose()
}

fn unit_from_row(row: &AnyRow) -> Result<Unit> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("units.{what}"));
    let structure: String = row.try_get("structure")?;
    let level: String = row.try_get("level")?;
    let unit_type: String = row.try_get("unit_type")?;
    let kind: String = row.try_get("kind")?;
    let parent: Option<String> = row.try_get("parent_code")?;
    let path: String = row.try_get("path")?;
    Ok(Unit {
        structure: structure.parse().map_err(|_| corrupt("structure"))?,
        code: code_col(row, "code")?,
        name: row.try_get("name")?,
        name_ascii: row.try_get("name_ascii")?,
        level: level.parse().map_err(|_| corrupt("level"))?,
        unit_type: unit_type.parse().map_err(|_| corrupt("unit_type"))?,
        kind: kind.parse().map_err(|_| corrupt("kind"))?,
        parent_code: parent
            .map(|p| UnitCode::parse(&p).map_err(|_| corrupt("parent_code")))
            .transpose()?,
        path: UnitPath::from_stored(&path).ok_or_else(|| corrupt("path"))?,
        lat: row.try_get("lat")?,
        lon: row.try_get("lon")?,
        area_km2: row.try_get("area_km2")?,
    })
}
