//! The case line list: each case with who the person is (name, birth date, sex, phone,
//! national ID, address), as the F0 lists of 2021 were kept, for exports. The same filter,
//! scope and order as the case list; every page read is audited like the list's.

use chrono::NaiveDate;
use sqlx::any::AnyRow;
use sqlx::Row;

use domain::person::Sex;
use domain::Structure;

use crate::audit::{self, AuditList, Place};
use crate::cases::{case_from_row, push_case_filter, Case, CaseFilter, CASE_COLUMNS};
use crate::page::{Cursor, Page, PageRequest};
use crate::sql::{Sql, Val};
use crate::users::Caller;
use crate::{Result, Store, StoreError};

/// A case and its person's identity.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseLine {
    pub case: Case,
    pub full_name: String,
    pub birth_date: Option<NaiveDate>,
    pub sex: Sex,
    pub phone: Option<String>,
    pub national_id: Option<String>,
    pub address: Option<String>,
}

impl Store {
    /// One page of the line list of the cases the filter selects in the caller's scope,
    /// newest confirmed first (the case list's order and cursor).
    pub async fn case_line_list(
        &self,
        caller: &Caller,
        structure: Structure,
        filter: &CaseFilter,
        page: &PageRequest,
        now_s: i64,
    ) -> Result<Page<CaseLine>> {
        let columns: String = CASE_COLUMNS
            .split(',')
            .map(|c| format!("c.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let mut sql = Sql::new(
            self.dialect,
            &format!(
                "SELECT {columns}, p.full_name AS p_name, p.birth_date AS p_birth, p.sex AS p_sex,
                        p.phone AS p_phone, p.national_id AS p_nid, h.address AS p_address
                 FROM cases c JOIN persons p ON p.id = c.person_id
                 LEFT JOIN households h ON h.id = p.household_id
                 WHERE c.structure = "
            ),
        );
        sql.bind(Val::Text(structure.as_str().into()));
        push_case_filter(&mut sql, "c.", caller, structure, filter, page)?;
        let limit = page.limit();
        sql.push(&filter.order_by("c."));
        sql.push(" LIMIT ").bind(Val::Int(limit + 1));
        let mut conn = self.reader.acquire().await?;
        let rows = sql.query().fetch_all(&mut *conn).await?;
        let items = rows.iter().map(line_from_row).collect::<Result<Vec<_>>>()?;
        let page = Page::from_overfetch(items, limit, |l| {
            Cursor::new(vec![
                l.case.confirmed_at_s.to_string(),
                l.case.id.to_string(),
            ])
        });
        let list = AuditList::new(
            caller,
            "cases",
            "line list",
            "case",
            page.items.iter().map(|l| l.case.id.0).collect(),
            Place::enclosing(
                page.items
                    .iter()
                    .map(|l| (l.case.structure, &l.case.unit_path)),
            ),
        );
        self.audit_read(conn, now_s, audit::Pending::List(list))
            .await?;
        Ok(page)
    }
}

fn line_from_row(r: &AnyRow) -> Result<CaseLine> {
    let corrupt = |w: &str| StoreError::Corrupt(format!("persons.{w}"));
    let birth: Option<String> = r.try_get("p_birth")?;
    let sex: String = r.try_get("p_sex")?;
    Ok(CaseLine {
        case: case_from_row(r)?,
        full_name: r.try_get("p_name")?,
        birth_date: birth
            .map(|b| NaiveDate::parse_from_str(&b, "%Y-%m-%d").map_err(|_| corrupt("birth_date")))
            .transpose()?,
        sex: Sex::parse(&sex).map_err(|_| corrupt("sex"))?,
        phone: r.try_get("p_phone")?,
        national_id: r.try_get("p_nid")?,
        address: r.try_get("p_address")?,
    })
}
