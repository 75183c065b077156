//! Facilities: the list with occupancy bars, a facility's beds and patients with the admit,
//! transfer and discharge forms (plain HTML forms, every input labelled).

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::role::Permission;
use domain::{CaseId, FacilityId, StayId, Structure};
use maud::{html, Markup};
use serde::Deserialize;
use store::{Beds, StoreError};

use super::shell::{local, Ui};
use super::{t, tr};
use crate::{AppState, Lang};

/// A bar of occupied over capacity; red from 90 % (a facility about to refuse patients).
fn bar(lang: Lang, b: &Beds) -> Markup {
    let pct = if b.capacity > 0 {
        (b.occupied * 100 / b.capacity).clamp(0, 100)
    } else {
        100
    };
    let label = tr(
        lang,
        "beds-occupancy",
        &[
            ("type", t(lang, &format!("bed-{}", b.bed_type.as_str()))),
            ("occupied", b.occupied.to_string()),
            ("capacity", b.capacity.to_string()),
        ],
    );
    html! {
        div.bed {
            span { (label) }
            svg.bar width="100%" height="12" role="img" aria-label=(label) viewBox="0 0 100 12" preserveAspectRatio="none" {
                rect x="0" y="0" width="100" height="12" fill="#eceff1" {}
                rect x="0" y="0" width=(pct) height="12" fill=(if pct >= 90 { "#b71c1c" } else { "#2e7d32" }) {}
            }
        }
    }
}

pub(super) async fn list(State(state): State<AppState>, ui: Ui) -> Response {
    let all = match state
        .store
        .list_facilities(&ui.me.scope, Structure::S2021)
        .await
    {
        Ok(v) => v,
        Err(e) => return ui.failed("facility list", &e),
    };
    let plan = super::capacity::section(&state, &ui, &all).await;
    let lang = ui.lang;
    let manages = ui.me.user.role.can(Permission::ManageBeds);
    let body = html! {
        h1 { (t(lang, "facilities-title")) }
        @if manages { p.noprint { a href="/facilities/new" { (t(lang, "facility-new-title")) } } }
        @if all.is_empty() { p { (t(lang, "facilities-empty")) } }
        @else {
            table {
                thead { tr {
                    th { (t(lang, "col-facility")) } th { (t(lang, "col-kind")) } th { (t(lang, "col-unit")) }
                    th { (t(lang, "col-beds")) }
                } }
                tbody { @for f in &all { tr {
                    td { a href={ "/facilities/" (f.facility.id) } { (f.facility.name) } }
                    td { (t(lang, &format!("kind-{}", f.facility.kind.as_str()))) }
                    td { (f.facility.unit_code) }
                    td { @for b in &f.beds { (bar(lang, b)) } }
                } } }
            }
        }
        (plan)
    };
    ui.page(&ui.t("facilities-title"), body)
}

#[derive(Deserialize)]
pub(super) struct PageQuery {
    /// A message id to show (the outcome of a form).
    done: Option<String>,
    error: Option<String>,
}

fn bed_options(lang: Lang, beds: &[Beds]) -> Markup {
    html! { @for b in beds { option value=(b.bed_type.as_str()) { (t(lang, &format!("bed-{}", b.bed_type.as_str()))) } } }
}

pub(super) async fn page(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let Ok(id) = id.parse::<FacilityId>() else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let f = match state.store.get_facility(&ui.me.scope, id).await {
        Ok(Some(f)) => f,
        Ok(None) => return ui.fail(StatusCode::NOT_FOUND),
        Err(e) => return ui.failed("facility page", &e),
    };
    let reads = ui.me.user.role.can(Permission::ReadPersonal);
    let manages = ui.me.user.role.can(Permission::ManageBeds);
    let patients = if reads {
        match state.store.facility_stays(&ui.me, id, state.now_s()).await {
            Ok(p) => p.unwrap_or_default(),
            Err(e) => return ui.failed("facility page", &e),
        }
    } else {
        Vec::new()
    };
    let others = state
        .store
        .list_facilities(&ui.me.scope, f.facility.structure)
        .await
        .unwrap_or_default();
    let lang = ui.lang;
    let body = html! {
        h1 { (f.facility.name) }
        @if let Some(d) = &q.done { p.ok role="status" { (t(lang, d)) } }
        @if let Some(e) = &q.error { p.error role="alert" { (t(lang, e)) } }
        p { (t(lang, &format!("kind-{}", f.facility.kind.as_str()))) " · " (f.facility.unit_code) }
        h2 { (t(lang, "facility-beds")) }
        @for b in &f.beds { (bar(lang, b)) }
        @if manages {
            h2 { (t(lang, "facility-admit")) }
            form.noprint method="post" action={ "/facilities/" (id) "/admit" } {
                label for="case_id" { (t(lang, "field-case-id")) }
                input id="case_id" name="case_id" type="number" min="1";
                label for="contact_id" { (t(lang, "field-contact-id")) }
                input id="contact_id" name="contact_id" type="number" min="1";
                label for="bed_type" { (t(lang, "field-bed-type")) }
                select id="bed_type" name="bed_type" {
                    option value="" { (t(lang, "bed-suggested")) }
                    (bed_options(lang, &f.beds))
                }
                button.primary type="submit" { (t(lang, "facility-admit")) }
            }
        }
        @if reads {
            h2 { (t(lang, "facility-patients")) }
            @if patients.is_empty() { p { (t(lang, "facility-patients-none")) } }
            @else {
                table {
                    thead { tr {
                        th { (t(lang, "col-case")) } th { (t(lang, "col-person")) } th { (t(lang, "field-bed-type")) }
                        th { (t(lang, "col-since")) } @if manages { th { (t(lang, "col-actions")) } }
                    } }
                    tbody { @for s in patients.iter().take(500) { tr {
                        td { @if let Some(c) = s.case_id { a href={ "/cases/" (c) } { (c) } } @else { "F1 " (s.contact_id.unwrap_or_default()) } }
                        td { (s.person_id) }
                        td { (s.bed_type.map(|b| t(lang, &format!("bed-{}", b.as_str()))).unwrap_or_default()) }
                        td { (local(s.from_s, lang)) }
                        @if manages { td {
                            (super::moves::forms(lang, s, &others, "facility"))
                        } }
                    } } }
                }
            }
        }
    };
    ui.page(&f.facility.name, body)
}

#[derive(Deserialize)]
pub(super) struct AdmitForm {
    case_id: Option<String>,
    /// An F1 taken into quarantine, instead of a case.
    contact_id: Option<String>,
    bed_type: Option<String>,
}

/// Where a form sends the user back: the facility page with the outcome's message id.
/// `Ok(None)` is a record outside the caller's scope, answered as one that does not exist.
fn back(facility: FacilityId, result: Result<Option<()>, StoreError>) -> Response {
    let q = match result {
        Ok(Some(())) => "done=form-saved".to_string(),
        Ok(None) => "error=form-not_found".to_string(),
        Err(StoreError::Invalid(e) | StoreError::Conflict(e)) => format!(
            "error=form-{}",
            e.first().map_or("invalid_format", |f| f.reason.code())
        ),
        Err(StoreError::Duplicate { .. }) => "error=form-duplicate".to_string(),
        Err(e) if e.unique_field().is_some() => "error=form-duplicate".to_string(),
        Err(_) => "error=form-failed".to_string(),
    };
    Redirect::to(&format!("/facilities/{facility}?{q}")).into_response()
}

pub(super) async fn admit(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(f): Form<AdmitForm>,
) -> Response {
    let Ok(id) = id.parse::<FacilityId>() else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let number = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| v.parse::<i64>().map_err(|_| ()))
            .transpose()
    };
    let (Ok(case_id), Ok(contact_id)) = (number(&f.case_id), number(&f.contact_id)) else {
        let field = if number(&f.case_id).is_err() {
            "case_id"
        } else {
            "contact_id"
        };
        return back(
            id,
            Err(StoreError::Invalid(vec![domain::FieldError::new(
                field,
                domain::Reason::InvalidFormat,
            )])),
        );
    };
    let input = app::care::AdmitInput {
        case_id,
        contact_id,
        bed_type: f.bed_type,
        at: None,
        note: None,
    };
    back(
        id,
        care(state.admit(&ui.me, Some(id), &input).await).map(|s| s.map(|_| ())),
    )
}

/// A care command's refusal as the form's message: the same as the store's.
fn care<T>(r: Result<T, app::care::CareError>) -> Result<T, StoreError> {
    r.map_err(|e| match e {
        app::care::CareError::Invalid(fields) => StoreError::Invalid(fields),
        app::care::CareError::Store(e) => e,
    })
}

pub(super) async fn discharge(
    State(state): State<AppState>,
    ui: Ui,
    Path(stay): Path<String>,
    Form(f): Form<super::moves::MoveForm>,
) -> Response {
    let Ok(stay) = stay.parse::<StayId>() else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    super::moves::discharge(state, ui, stay, f).await
}

pub(super) async fn transfer(
    State(state): State<AppState>,
    ui: Ui,
    Path(stay): Path<String>,
    Form(f): Form<super::moves::MoveForm>,
) -> Response {
    let Ok(stay) = stay.parse::<StayId>() else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    super::moves::transfer(state, ui, stay, f).await
}

/// The case page's section on where the case was cared for: every stay, transfers included.
pub(super) async fn stays_of_case(
    state: &AppState,
    me: &store::Caller,
    case: CaseId,
    lang: Lang,
) -> Markup {
    let stays = state
        .store
        .case_stays(me, case, state.now_s())
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let open = stays.iter().find(|s| s.until_s.is_none());
    let manages = me.user.role.can(Permission::ManageBeds);
    // The facilities to name and to move to (only read when there is something to show).
    let all = if stays.is_empty() {
        Vec::new()
    } else {
        state
            .store
            .list_facilities(&me.scope, Structure::S2021)
            .await
            .unwrap_or_default()
    };
    let name = |f: FacilityId| {
        all.iter()
            .find(|x| x.facility.id == f)
            .map_or_else(|| f.to_string(), |x| x.facility.name.clone())
    };
    html! {
        h2 { (t(lang, "case-stays")) }
        @if stays.is_empty() { p { (t(lang, "case-stays-none")) } }
        @else {
            table {
                thead { tr {
                    th { (t(lang, "col-facility")) } th { (t(lang, "field-bed-type")) } th { (t(lang, "col-since")) }
                    th { (t(lang, "col-stay-until")) } th { (t(lang, "field-reason")) }
                } }
                tbody { @for s in &stays { tr {
                    td { @match s.facility_id {
                        Some(f) => a href={ "/facilities/" (f) } { (name(f)) },
                        None => (t(lang, "place-home")),
                    } }
                    td { (s.bed_type.map(|b| t(lang, &format!("bed-{}", b.as_str()))).unwrap_or_default()) }
                    td { (local(s.from_s, lang)) }
                    td { (s.until_s.map(|u| local(u, lang)).unwrap_or_default()) }
                    td { (s.discharge_reason.map(|r| t(lang, &format!("reason-{}", r.as_str()))).unwrap_or_default())
                         @if let Some(n) = &s.note { " " span.muted { (n) } } }
                } } }
            }
            @if let Some(s) = open.filter(|_| manages) {
                div.noprint { (super::moves::forms(lang, s, &all, "case")) }
            }
        }
    }
}
