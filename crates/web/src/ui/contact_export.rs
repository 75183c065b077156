//! The contact list as a spreadsheet (CSV or XLSX): exactly the contacts the list's tab and
//! filters select in the caller's scope (every F1/F2 of a commune in quarantine, for one),
//! with who each person is, in the reader's language, as the F1 lists of 2021 were kept.
//! Every page read is audited as the list's is, and the export itself is one audit row
//! naming its filter and size.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::lang::date;

use super::contacts::ContactsQuery;
use super::shell::{failure, Ui};
use super::t;
use crate::local_time::local_date;
use crate::registry::Registry;
use crate::sheet::{Cell, Format, SheetWriter};
use crate::{AppState, Lang};

/// Rows per export: a bound on memory; a larger export is refused with 413 (narrow the
/// filter, e.g. by commune).
const EXPORT_ROWS_MAX: usize = 100_000;

const COLUMNS: [&str; 15] = [
    "export-contact-id",
    "export-name",
    "export-birth-date",
    "export-phone",
    "export-address",
    "export-commune",
    "export-district",
    "export-degree",
    "export-source-case",
    "export-contact-status",
    "export-follow-status",
    "export-quarantine-from",
    "export-quarantine-until",
    "export-follow-up-until",
    "export-officer",
];

pub(super) async fn csv(state: State<AppState>, ui: Ui, q: Query<ContactsQuery>) -> Response {
    export(state, ui, q, Format::Csv).await
}

pub(super) async fn xlsx(state: State<AppState>, ui: Ui, q: Query<ContactsQuery>) -> Response {
    export(state, ui, q, Format::Xlsx).await
}

async fn export(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<ContactsQuery>,
    format: Format,
) -> Response {
    let Ui { lang, me } = ui;
    let structure = domain::Structure::S2021;
    let now = state.now_s();
    let (list, filter, choices) = q.filter(&me);
    let fail = |e: &dyn std::fmt::Display| {
        tracing::error!("contact export: {e}");
        failure(lang, StatusCode::INTERNAL_SERVER_ERROR)
    };
    let officers = match state.officers(&me).await {
        Ok(o) => o,
        Err(e) => return fail(&e),
    };
    let officer = |id: domain::UserId| {
        officers
            .iter()
            .find(|o| o.id == id)
            .map_or_else(|| id.0.to_string(), |o| o.username.clone())
    };
    let header: Vec<String> = COLUMNS.iter().map(|k| t(lang, k)).collect();
    let mut sheet = match SheetWriter::new(format, &t(lang, "export-contacts-name"), &header) {
        Ok(w) => w,
        Err(e) => return fail(&e),
    };
    if choices.is_none() {
        let mut page = store::PageRequest::first(store::LIMIT_MAX);
        loop {
            let found = match state
                .work_list_of(&me, structure, list, filter.clone(), &page)
                .await
            {
                Ok(found) => found,
                Err(e) => return fail(&e),
            };
            if sheet.rows() as usize + found.items.len() > EXPORT_ROWS_MAX {
                return failure(lang, StatusCode::PAYLOAD_TOO_LARGE);
            }
            // Each page is written and dropped before the next is read (bounded memory),
            // with who its people are.
            let ids: Vec<i64> = found.items.iter().map(|c| c.person_id.0).collect();
            let people = match state.store.person_cards(&me.scope, structure, &ids).await {
                Ok(p) => p,
                Err(e) => return fail(&e),
            };
            for c in &found.items {
                if let Err(e) = sheet.row(&row(lang, c, people.get(&c.person_id.0), &officer)) {
                    return fail(&e);
                }
            }
            match found.next {
                Some(next) => page.after = Some(next),
                None => break,
            }
        }
    }
    let detail = format!(
        "contacts.{} by {}: {} rows; filter {}",
        format.ext(),
        me.user.username,
        sheet.rows(),
        q.query_string()
    );
    if let Err(e) = state
        .store
        .audit_export(&me.user.username, "contacts", detail, now)
        .await
    {
        tracing::error!("contact export audit: {e}");
        return failure(lang, StatusCode::INTERNAL_SERVER_ERROR);
    }
    sheet.finish().unwrap_or_else(|e| {
        tracing::error!("contact export: {e}");
        failure(lang, StatusCode::INTERNAL_SERVER_ERROR)
    })
}

/// One contact as the export's cells, in the reader's language.
fn row(
    lang: Lang,
    c: &store::StoredContact,
    person: Option<&store::PersonCard>,
    officer: &dyn Fn(domain::UserId) -> String,
) -> Vec<Cell> {
    let registry = Registry::of(domain::Structure::S2021);
    let code = c.unit_code.as_str();
    let district = registry
        .ancestor_at(code, domain::UnitLevel::District)
        .map(|d| d.full_name())
        .unwrap_or_default();
    let day = |s: Option<i64>| s.map(|s| date(local_date(s), lang)).unwrap_or_default();
    vec![
        Cell::Int(c.id),
        person
            .map_or_else(|| c.person_id.0.to_string(), |p| p.full_name.clone())
            .into(),
        person
            .and_then(|p| p.birth_date)
            .map(|d| date(d, lang))
            .unwrap_or_default()
            .into(),
        person
            .and_then(|p| p.phone.clone())
            .unwrap_or_default()
            .into(),
        person
            .and_then(|p| p.address.clone())
            .unwrap_or_default()
            .into(),
        registry.name(code).into(),
        district.into(),
        format!("F{}", c.degree).into(),
        // A contact referred from another locality has no case of ours: the locality.
        match (c.case_id, &c.referred_from) {
            (Some(id), _) => Cell::Int(id.0),
            (None, Some(from)) => from.clone().into(),
            (None, None) => String::new().into(),
        },
        t(lang, &format!("contact-status-{}", c.status)).into(),
        t(lang, &format!("follow-status-{}", c.follow_status)).into(),
        day(c.quarantine_from_s).into(),
        day(c.quarantine_until_s).into(),
        day(c.follow_up_until_s).into(),
        c.assigned_to.map(officer).unwrap_or_default().into(),
    ]
}
