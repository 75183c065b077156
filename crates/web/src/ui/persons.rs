//! People (issue #15, item 1): search by name without diacritics, phone or national ID; the
//! person page with every episode, the corrections kept and who read it; the correction
//! form. The checks are the API's (`app::persons`); reads are audited by the store.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::shell::{local, page_of, Ui};
use super::{t, tr};
use crate::messages::reason_message;
use crate::registry::Registry;
use crate::{AppState, Lang};
use app::clock::WallClock;
use app::persons::{CorrectionError, CorrectionInput};
use domain::person::Person;
use domain::role::Permission;
use domain::{FieldError, PersonId};

#[derive(Deserialize, Default)]
pub(super) struct SearchQuery {
    q: Option<String>,
    cursor: Option<String>,
}

/// The words for each field a person has (labels and refusals).
const LABELS: &[(&str, &str)] = &[
    ("full_name", "person-full-name"),
    ("birth_date", "person-birth-date"),
    ("sex", "person-sex"),
    ("phone", "person-phone"),
    ("national_id", "person-national-id"),
    ("address", "person-address"),
    ("q", "persons-search-label"),
    ("id", "col-id"),
];

fn label(lang: Lang, field: &str) -> String {
    LABELS
        .iter()
        .find(|(f, _)| *f == field)
        .map_or_else(|| field.to_string(), |(_, id)| t(lang, id))
}

/// Each bad field by its label, and why, in the page's language.
fn refusal(lang: Lang, fields: &[FieldError]) -> Markup {
    html! {
        ul.refusal role="alert" { @for e in fields { li {
            strong { (label(lang, &e.field)) } ": " (reason_message(e.reason, lang))
        } } }
    }
}

fn sex_text(lang: Lang, p: &Person) -> String {
    t(lang, &format!("person-sex-{}", p.sex.as_str()))
}

fn unit_name(p: &Person) -> String {
    Registry::of(p.structure).name(p.unit_code.as_str())
}

/// `/persons?q=`: the search form and one page of what it found.
pub(super) async fn search(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<SearchQuery>,
) -> Response {
    let lang = ui.lang;
    let text = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let mut refused = None;
    let mut found = None;
    if let Some(text) = text {
        match app::persons::parse_search(Some(text)) {
            Err(fields) => refused = Some(fields),
            Ok(query) => {
                let page = page_of(q.cursor.as_deref(), 50);
                match state
                    .store
                    .search_persons(&ui.me, &query, &page, WallClock::now_s())
                    .await
                {
                    Ok(f) => found = Some(f),
                    Err(e) => return ui.failed("person search", &e),
                }
            }
        }
    }
    let next_base = format!(
        "/persons?q={}&cursor=",
        form_urlencoded::byte_serialize(text.unwrap_or("").as_bytes()).collect::<String>()
    );
    let body = html! {
        h1 { (t(lang, "persons-title")) }
        @if ui.me.user.role.can(Permission::WritePersonal) {
            p.noprint {
                a href="/persons/new" { (t(lang, "person-new")) } " · "
                a href="/persons/duplicates" { (t(lang, "dup-title")) }
            }
        }
        form.filters method="get" action="/persons" role="search" {
            div {
                label for="q" { (t(lang, "persons-search-label")) }
                input id="q" name="q" type="search" value=(text.unwrap_or("")) autofocus
                    placeholder=(t(lang, "persons-search-hint"))
                    aria-invalid=[refused.is_some().then_some("true")];
            }
            div { button.primary type="submit" { (t(lang, "persons-search")) } }
        }
        @if let Some(fields) = &refused { (refusal(lang, fields)) }
        @if let Some(found) = &found {
            @if found.items.is_empty() {
                p { (t(lang, "persons-none")) }
            } @else {
                table {
                    thead { tr {
                        th { (t(lang, "person-full-name")) } th { (t(lang, "person-birth-date")) }
                        th { (t(lang, "person-sex")) } th { (t(lang, "person-phone")) }
                        th { (t(lang, "person-national-id")) } th { (t(lang, "col-unit")) }
                    } }
                    tbody { @for f in &found.items {
                        @let p = &f.person;
                        tr {
                            td { a href={ "/persons/" (p.id) } { (p.full_name) } }
                            td { @if let Some(d) = p.birth_date { (domain::lang::date(d, lang)) } }
                            td { (sex_text(lang, p)) }
                            td { @if let Some(ph) = &p.phone { (ph.as_str()) } }
                            td { @if let Some(n) = &p.national_id { (n.as_str()) } }
                            td { (unit_name(p)) }
                        }
                    } }
                }
                @if let Some(n) = &found.next {
                    p { a href={ (next_base) (n.encode()) } { (t(lang, "cases-next")) " →" } }
                }
            }
        }
    };
    ui.page(&t(lang, "persons-title"), body)
}

#[derive(Deserialize, Default)]
pub(super) struct PersonPageQuery {
    corrected: Option<String>,
    dose: Option<String>,
    helped: Option<String>,
}

/// `/persons/{id}`: who the person is, every episode, the corrections kept, and (for those
/// who may read the audit) who read the record.
pub(super) async fn person_page(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Query(q): Query<PersonPageQuery>,
) -> Response {
    let lang = ui.lang;
    let Ok(id) = id.parse::<i64>() else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let record = match state
        .store
        .person_record(&ui.me, PersonId(id), WallClock::now_s())
        .await
    {
        Ok(Some(r)) => r,
        Ok(None) => return ui.fail(StatusCode::NOT_FOUND),
        Err(e) => return ui.failed("person page", &e),
    };
    let audit = if ui.me.user.role.can(Permission::Administer) {
        match state
            .store
            .list_audit(
                &ui.me,
                Some(("person", &id.to_string())),
                &store::PageRequest::first(50),
            )
            .await
        {
            Ok(page) => Some(page.items),
            Err(e) => return ui.failed("person audit", &e),
        }
    } else {
        None
    };
    let p = &record.person;
    let may_write = ui.me.user.role.can(Permission::WritePersonal) && p.merged_into.is_none();
    let stay = super::care_elsewhere::stay_note(&state, &ui, p, may_write).await;
    let title = p.full_name.clone();
    let body = html! {
        h1 { (title) }
        @if q.corrected.is_some() { p.ok role="status" { (t(lang, "person-corrected")) } }
        @if q.dose.is_some() { p.ok role="status" { (t(lang, "dose-saved")) } }
        @if q.helped.is_some() { p.ok role="status" { (t(lang, "care-away-helped-saved")) } }
        @if let Some(m) = p.merged_into {
            p.muted { (t(lang, "person-merged-into")) " " a href={ "/persons/" (m) } { (m) } }
        }
        (identity(lang, &record))
        (stay)
        (episodes(lang, &record))
        h2 { (t(lang, "person-history")) }
        @if record.corrections.is_empty() {
            p.muted { (t(lang, "person-history-none")) }
        } @else {
            table {
                thead { tr {
                    th { (t(lang, "person-history-when")) } th { (t(lang, "person-history-field")) }
                    th { (t(lang, "person-history-old")) } th { (t(lang, "person-history-new")) }
                    th { (t(lang, "person-history-by")) }
                } }
                tbody { @for c in &record.corrections { tr {
                    td { (local(c.at_s, lang)) } td { (label(lang, &c.field)) }
                    td { (c.old_value.clone().unwrap_or_default()) }
                    td { (c.new_value.clone().unwrap_or_default()) }
                    td { (c.actor) }
                } } }
            }
        }
        @if ui.me.user.role.can(Permission::WritePersonal) && p.merged_into.is_none() {
            (super::dose_entry::dose_form(&ui, p.id, &Default::default(), &[]))
            (correction_form(lang, &record))
        }
        @if let Some(rows) = &audit {
            h2 { (t(lang, "person-audit")) }
            @if rows.is_empty() { p.muted { (t(lang, "person-audit-none")) } } @else {
                table {
                    thead { tr {
                        th { (t(lang, "person-history-when")) } th { (t(lang, "person-history-by")) }
                        th { (t(lang, "person-audit-action")) } th { (t(lang, "person-audit-what")) }
                    } }
                    tbody { @for a in rows { tr {
                        td { (local(a.at.timestamp(), lang)) } td { (a.actor) }
                        td { (t(lang, &format!("person-audit-{}", a.action))) }
                        td { (a.entity) " " (a.entity_id) }
                    } } }
                }
            }
        }
        p { a href="/persons" { "← " (t(lang, "persons-title")) } }
    };
    ui.page(&title, body)
}

fn identity(lang: Lang, r: &store::PersonRecord) -> Markup {
    let p = &r.person;
    html! {
        table.identity {
            tr { th { (t(lang, "col-id")) } td { (p.id) } }
            tr { th { (t(lang, "person-birth-date")) } td { @if let Some(d) = p.birth_date { (domain::lang::date(d, lang)) } } }
            tr { th { (t(lang, "person-sex")) } td { (sex_text(lang, p)) } }
            tr { th { (t(lang, "person-national-id")) } td { @if let Some(n) = &p.national_id { (n.as_str()) } } }
            tr { th { (t(lang, "person-phone")) } td { @if let Some(ph) = &p.phone { a href={ "tel:" (ph.as_str()) } { (ph.as_str()) } } } }
            tr { th { (t(lang, "person-address")) } td { (r.address.clone().unwrap_or_default()) } }
            tr { th { (t(lang, "person-residence")) } td {
                (Registry::of(p.structure).name_with_parent(p.unit_code.as_str()))
            } }
        }
    }
}

fn episodes(lang: Lang, r: &store::PersonRecord) -> Markup {
    html! {
        h2 { (t(lang, "person-cases")) }
        @if r.cases.is_empty() { p.muted { (t(lang, "person-none")) } } @else {
            table {
                thead { tr {
                    th { (t(lang, "col-id")) } th { (t(lang, "col-status")) } th { (t(lang, "col-severity")) }
                    th { (t(lang, "col-confirmed")) } th { (t(lang, "col-unit")) }
                } }
                tbody { @for c in &r.cases { tr {
                    td { a href={ "/cases/" (c.id) } { (c.id) } }
                    td { (t(lang, &format!("status-{}", c.status))) }
                    td { (t(lang, &format!("severity-{}", c.severity))) }
                    td { (local(c.confirmed_at_s, lang)) }
                    td { (Registry::of(r.person.structure).name(&c.unit_code)) }
                } } }
            }
        }
        h2 { (t(lang, "person-contacts")) }
        @if r.contacts.is_empty() { p.muted { (t(lang, "person-none")) } } @else {
            table {
                thead { tr {
                    th { (t(lang, "person-contact-of")) } th { (t(lang, "contact-degree")) }
                    th { (t(lang, "col-status")) } th { (t(lang, "person-quarantine")) }
                } }
                tbody { @for c in &r.contacts { tr {
                    td { @if let Some(id) = c.case_id { a href={ "/cases/" (id) } { (id) } } @else if let Some(from) = &c.referred_from { (tr(lang, "contacts-referred-from", &[("from", super::contacts::locality_name(from))])) } }
                    td { "F" (c.degree) }
                    td { (t(lang, &format!("contact-status-{}", c.status))) }
                    td { @if let Some(f) = c.quarantine_from_s { (local(f, lang)) }
                         @if let Some(u) = c.quarantine_until_s { " → " (local(u, lang)) } }
                } } }
            }
        }
        h2 { (t(lang, "person-stays")) }
        @if r.stays.is_empty() { p.muted { (t(lang, "person-none")) } } @else {
            table {
                thead { tr {
                    th { (t(lang, "person-stay-place")) } th { (t(lang, "person-stay-from")) }
                    th { (t(lang, "person-stay-until")) } th { (t(lang, "person-stay-for")) }
                } }
                tbody { @for s in &r.stays { tr {
                    td { @match (s.facility_id, &s.facility_name) {
                        (Some(f), Some(n)) => { a href={ "/facilities/" (f) } { (n) } },
                        _ => { (t(lang, &format!("place-{}", s.place))) },
                    } }
                    td { (local(s.from_s, lang)) }
                    td { @if let Some(u) = s.until_s { (local(u, lang)) } }
                    td { @if let Some(c) = s.case_id { a href={ "/cases/" (c) } { "F0 " (c) } }
                         @else if s.contact_id.is_some() { (t(lang, "person-stay-contact")) } }
                } } }
            }
        }
        h2 { (t(lang, "person-doses")) }
        @if r.doses.is_empty() { p.muted { (t(lang, "person-none")) } } @else {
            table { tbody { @for d in &r.doses { tr {
                td { (tr(lang, "person-dose-no", &[("no", d.dose_no.to_string())])) }
                td { @match d.product.parse::<domain::vaccination::Product>() {
                    Ok(p) => (super::dose_entry::product_name(p)),
                    Err(_) => (d.product),
                } }
                td { @match app::input::date(&d.given_on) {
                    Ok(day) => (domain::lang::date(day, lang)),
                    Err(_) => (d.given_on),
                } }
                td { @if let Some(l) = &d.lot { (tr(lang, "person-dose-lot", &[("lot", l.clone())])) } }
            } } } }
        }
        @if r.household_id.is_some() {
            h2 { (t(lang, "person-relief")) }
            @if r.relief.is_empty() { p.muted { (t(lang, "person-none")) } } @else {
                table { tbody { @for g in &r.relief { tr {
                    td { (tr(lang, "person-relief-round", &[("round", g.round_id.to_string())])) }
                    td { (local(g.given_at_s, lang)) }
                } } } }
            }
        }
    }
}

fn correction_form(lang: Lang, r: &store::PersonRecord) -> Markup {
    let p = &r.person;
    let text = |id: &str, name: &str, value: String, kind: &str| {
        html! { div {
            label for=(id) { (label(lang, name)) }
            input id=(id) name=(name) type=(kind) value=(value);
        } }
    };
    html! {
        h2 { (t(lang, "person-correct")) }
        form.entry method="post" action={ "/persons/" (p.id) "/correct" } {
            (text("c-name", "full_name", p.full_name.clone(), "text"))
            (text("c-birth", "birth_date", p.birth_date.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(), "date"))
            div {
                label for="c-sex" { (t(lang, "person-sex")) }
                select id="c-sex" name="sex" {
                    @for s in ["male", "female", "other", "unknown"] {
                        option value=(s) selected[p.sex.as_str() == s] { (t(lang, &format!("person-sex-{s}"))) }
                    }
                }
            }
            (text("c-phone", "phone", p.phone.as_ref().map(|x| x.as_str().to_string()).unwrap_or_default(), "tel"))
            (text("c-nid", "national_id", p.national_id.as_ref().map(|x| x.as_str().to_string()).unwrap_or_default(), "text"))
            (text("c-address", "address", r.address.clone().unwrap_or_default(), "text"))
            div { button.primary type="submit" { (t(lang, "person-correct-save")) } }
        }
    }
}

#[derive(Deserialize, Default)]
pub(super) struct CorrectionForm {
    full_name: Option<String>,
    birth_date: Option<String>,
    sex: Option<String>,
    phone: Option<String>,
    national_id: Option<String>,
    address: Option<String>,
}

/// The correction form's post: back to the person page (303), or each bad field named.
pub(super) async fn correct(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(form): Form<CorrectionForm>,
) -> Response {
    let lang = ui.lang;
    let Ok(id) = id.parse::<i64>() else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let input = CorrectionInput {
        full_name: form.full_name,
        birth_date: form.birth_date,
        sex: form.sex,
        phone: form.phone,
        national_id: form.national_id,
        address: form.address,
    };
    let fields = match state
        .correct_person(&ui.me, PersonId(id), &input, WallClock::now_s())
        .await
    {
        Ok(_) => return Redirect::to(&format!("/persons/{id}?corrected=1")).into_response(),
        Err(CorrectionError::Invalid(fields)) => fields,
        Err(CorrectionError::NotFound) => return ui.fail(StatusCode::NOT_FOUND),
        Err(CorrectionError::Store(store::StoreError::Duplicate { field, .. })) => {
            vec![FieldError::new(field, domain::Reason::Duplicate)]
        }
        Err(CorrectionError::Store(store::StoreError::Conflict(fields))) => fields,
        Err(CorrectionError::Store(e)) => return ui.failed("person correction", &e),
    };
    let body = html! {
        h1 { (t(lang, "person-correct")) }
        p.error role="alert" { (t(lang, "aid-record-invalid")) }
        (refusal(lang, &fields))
        p { a href={ "/persons/" (id) } { "← " (t(lang, "person-back")) } }
    };
    (
        StatusCode::BAD_REQUEST,
        ui.page(&t(lang, "person-correct"), body),
    )
        .into_response()
}
