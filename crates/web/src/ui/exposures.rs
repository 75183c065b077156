//! Exposure places and declarations (issue #18, parts 3 and 4) on the web: the staff review
//! page (`/exposures`: propose from the cases' check-ins, publish, withdraw), the public
//! list (`/public/exposures`, no personal data), the device's own matches
//! (`/me/exposures`, with "I was there") and the declarations on the officer's list.
//!
//! Forgery: the staff forms carry the session's CSRF token and the device's POST passes the
//! same-origin + double-submit guard of every `Public` route (`access::guard`), as the
//! citizen pages do (`citizen.rs`).

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};

use super::citizen::citizen_page;
use super::shell::{failure, lang_of, local, Ui};
use super::{t, tr};
use crate::local_time::local_time;
use crate::registry::Registry;
use crate::{AppState, Lang};
use app::exposures::{Advice, PersonExposure, PublicPlace};
use domain::policy::QuarantinePlace;
use store::{ExposurePlace, ExposureStatus};

/// "18:00".
fn hm(t_s: i64) -> String {
    local_time(t_s).format("%H:%M").to_string()
}

/// A day in the page's language: "12/12/2021" or "2021-12-12".
fn day(d: chrono::NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Vi => d.format("%d/%m/%Y").to_string(),
        Lang::En => d.format("%Y-%m-%d").to_string(),
    }
}

/// The commune of a stored place, by name with its district.
fn commune_of(p: &ExposurePlace) -> String {
    let code = p
        .unit_path
        .as_str()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    Registry::of(p.structure).name_with_parent(code)
}

fn status_key(s: ExposureStatus) -> &'static str {
    match s {
        ExposureStatus::Proposed => "exp-status-proposed",
        ExposureStatus::Published => "exp-status-published",
        ExposureStatus::Withdrawn => "exp-status-withdrawn",
    }
}

/// `GET /exposures`: the places of the last days in the caller's scope, for review.
pub(super) async fn review_page(State(state): State<AppState>, ui: Ui) -> Response {
    let lang = ui.lang;
    let places = match state.exposures_to_review(&ui.me).await {
        Ok(p) => p,
        Err(e) => return ui.failed("exposure review", &e),
    };
    let writes = ui.me.user.role.can(domain::role::Permission::WritePersonal);
    let body = html! {
        h1 { (t(lang, "exp-review-title")) }
        p { (t(lang, "exp-review-intro")) " " a href="/public/exposures" { (t(lang, "exp-public-title")) } }
        @if writes {
            form method="post" action="/exposures/propose" {
                button.primary type="submit" { (t(lang, "exp-propose")) }
            }
        }
        @if places.is_empty() { p { (t(lang, "exp-none")) } }
        @else {
            div.scroll { table {
                thead { tr {
                    th { (t(lang, "exp-venue")) } th { (t(lang, "col-unit")) } th { (t(lang, "exp-date")) }
                    th { (t(lang, "exp-time")) } th { (t(lang, "col-status")) }
                    @if writes { th.noprint { (t(lang, "fu-actions")) } }
                } }
                tbody { @for p in &places { tr {
                    td { (p.venue_name) @if let Some(a) = &p.address { br; small { (a) } } }
                    td { (commune_of(p)) }
                    td { (day(crate::local_time::local_date(p.from_s), lang)) }
                    td { (hm(p.from_s)) "–" (hm(p.to_s)) }
                    td { (t(lang, status_key(p.status))) }
                    @if writes { td.noprint {
                        @if p.status != ExposureStatus::Published {
                            form method="post" action={ "/exposures/" (p.id) "/publish" } {
                                button.primary type="submit" { (t(lang, "exp-publish")) }
                            }
                        }
                        @if p.status != ExposureStatus::Withdrawn {
                            form method="post" action={ "/exposures/" (p.id) "/withdraw" } {
                                button type="submit" { (t(lang, "exp-withdraw")) }
                            }
                        }
                    } }
                } } }
            } }
        }
    };
    ui.page(&t(lang, "exp-review-title"), body)
}

/// `POST /exposures/propose`: proposes the places up to today.
pub(super) async fn propose(State(state): State<AppState>, ui: Ui) -> Response {
    match state.propose_exposures(None).await {
        Ok(_) => Redirect::to("/exposures").into_response(),
        Err(app::exposures::ExposureError::Invalid(_)) => ui.fail(StatusCode::BAD_REQUEST),
        Err(app::exposures::ExposureError::Store(e)) => ui.failed("exposure propose", &e),
    }
}

async fn review(state: &AppState, ui: &Ui, id: &str, publish: bool) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    match state.review_exposure(&ui.me, id, publish).await {
        Ok(Some(_)) => Redirect::to("/exposures").into_response(),
        Ok(None) => ui.fail(StatusCode::NOT_FOUND),
        Err(e) => ui.failed("exposure review", &e),
    }
}

/// `POST /exposures/{id}/publish`.
pub(super) async fn publish(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
) -> Response {
    review(&state, &ui, &id, true).await
}

/// `POST /exposures/{id}/withdraw`.
pub(super) async fn withdraw(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
) -> Response {
    review(&state, &ui, &id, false).await
}

/// The published places grouped by district, in the order given (newest first).
fn by_district(places: &[PublicPlace]) -> Vec<(&str, Vec<&PublicPlace>)> {
    let mut out: Vec<(&str, Vec<&PublicPlace>)> = Vec::new();
    for p in places {
        match out.iter_mut().find(|(d, _)| *d == p.district) {
            Some((_, v)) => v.push(p),
            None => out.push((&p.district, vec![p])),
        }
    }
    out
}

/// `GET /public/exposures`: the published places, by district, newest first. No account,
/// no personal data: venue, commune, day and hours only.
pub(super) async fn public_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let lang = lang_of(&headers);
    let mut places = match state.public_exposures().await {
        Ok(p) => p,
        Err(e) => {
            tracing::error!("public exposures: {e}");
            return failure(lang, StatusCode::INTERNAL_SERVER_ERROR);
        }
    };
    places.sort_by_key(|p| std::cmp::Reverse(p.from_s));
    let body = html! {
        h1 { (t(lang, "exp-public-title")) }
        p { (t(lang, "exp-public-intro")) }
        @if places.is_empty() { p { (t(lang, "exp-none")) } }
        @for (district, list) in by_district(&places) {
            h2 { (district) }
            ul { @for p in list { li {
                strong { (p.venue) } ", " (p.commune)
                @if let Some(a) = &p.address { " (" (a) ")" }
                " — " (hm(p.from_s)) "–" (hm(p.to_s)) " " (day(p.date, lang))
            } } }
        }
        p { a href="/public/declare" { (t(lang, "exp-declare-link")) } }
    };
    citizen_page(lang, &t(lang, "exp-public-title"), body).into_response()
}

fn advice(lang: Lang, a: &Advice) -> Markup {
    let days = |d: &[i64]| d.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    let place = match a.place {
        QuarantinePlace::Facility => "exp-place-facility",
        QuarantinePlace::Home => "exp-place-home",
        QuarantinePlace::None => "exp-place-none",
    };
    html! {
        p {
            (tr(lang, "exp-advice", &[
                ("vaccinated", a.days_vaccinated.to_string()),
                ("unvaccinated", a.days_unvaccinated.to_string()),
                ("document", a.document.clone()),
            ]))
            " " (t(lang, place))
        }
        @if !a.test_days_vaccinated.is_empty() || !a.test_days_unvaccinated.is_empty() {
            p { (tr(lang, "exp-advice-tests", &[
                ("vaccinated", days(&a.test_days_vaccinated)),
                ("unvaccinated", days(&a.test_days_unvaccinated)),
            ])) }
        }
    }
}

fn match_item(lang: Lang, m: &PersonExposure) -> Markup {
    html! { li {
        p { (tr(lang, "exp-you-were", &[
            ("venue", m.place.venue.clone()),
            ("from", hm(m.from_s)),
            ("to", hm(m.to_s)),
            ("date", day(m.place.date, lang)),
        ])) }
        @match &m.advice {
            Some(a) => (advice(lang, a)),
            None => p { (t(lang, "exp-advice-none")) },
        }
        form method="post" action={ "/me/exposures/" (m.place.id) "/declare" } {
            button.primary type="submit" { (t(lang, "exp-i-was-there")) }
        }
    } }
}

/// `GET /me/exposures`: the published places this device's person's own visits overlapped,
/// with what to do and one button to declare.
pub(super) async fn my_exposures(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let lang = lang_of(&headers);
    let person = match super::citizen::person_of(&state, &headers).await {
        Ok(Some(p)) => p,
        Ok(None) => return super::citizen::no_device(lang),
        Err(e) => return super::citizen::failed(lang, "citizen device", &e),
    };
    // The device's own person only: `exposures_for_person` trusts its caller.
    let matches = match state.exposures_for_person(domain::PersonId(person)).await {
        Ok(m) => m,
        Err(e) => return super::citizen::failed(lang, "citizen exposures", &e),
    };
    let body = html! {
        h1 { (t(lang, "exp-mine-title")) }
        @if matches.is_empty() { p { (t(lang, "exp-mine-none")) } }
        @else { ul { @for m in &matches { (match_item(lang, m)) } } }
        p { a href="/me/visits" { (t(lang, "citizen-my-visits")) } " · " a href="/public/exposures" { (t(lang, "exp-public-title")) } }
    };
    let mut resp = citizen_page(lang, &t(lang, "exp-mine-title"), body).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// `POST /me/exposures/{id}/declare`: "I was there" for the device's own person. Rate-limited
/// like the citizen's other POSTs.
pub(super) async fn my_declare(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    crate::auth::LoginSource(address): crate::auth::LoginSource,
) -> Response {
    let lang = lang_of(&headers);
    if !super::citizen::take_address_quota(&state, &address) {
        return failure(lang, StatusCode::TOO_MANY_REQUESTS);
    }
    let person = match super::citizen::person_of(&state, &headers).await {
        Ok(Some(p)) => p,
        Ok(None) => return super::citizen::no_device(lang),
        Err(e) => return super::citizen::failed(lang, "citizen device", &e),
    };
    let Ok(place) = id.parse::<i64>() else {
        return failure(lang, StatusCode::NOT_FOUND);
    };
    let input = app::exposures::DeclareInput {
        person_id: Some(person),
        place_id: Some(place),
        ..Default::default()
    };
    match state
        .declare(&store::Caller::system(store::CITIZEN_ACTOR), &input)
        .await
    {
        Ok(_) => thanks(lang),
        // The only field of this form is the place: not a published one.
        Err(app::exposures::ExposureError::Invalid(_))
        | Err(app::exposures::ExposureError::Store(store::StoreError::Invalid(_))) => {
            failure(lang, StatusCode::NOT_FOUND)
        }
        Err(app::exposures::ExposureError::Store(e)) => {
            super::citizen::failed(lang, "citizen declare", &e)
        }
    }
}

/// The answer to a declaration.
pub(super) fn thanks(lang: Lang) -> Response {
    let body = html! {
        h1 { (t(lang, "exp-thanks-title")) }
        p role="status" { (t(lang, "exp-thanks")) }
        p { a href="/public/exposures" { (t(lang, "exp-public-title")) } }
    };
    citizen_page(lang, &t(lang, "exp-thanks-title"), body).into_response()
}

/// The declarations of persons living in the caller's scope, for the officer's work list:
/// the open ones (to call) first; the handled ones too when `handled`. `query` is the
/// contacts page's own query string ("list=all&"), kept by the switch and after a mark.
pub(super) async fn declarations_section(
    state: &AppState,
    me: &store::Caller,
    lang: Lang,
    handled: bool,
    query: &str,
) -> Markup {
    let rows = match state
        .declarations(me, domain::Structure::S2021, handled)
        .await
    {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("declarations: {e}");
            return html! { p.error role="alert" { (t(lang, "exp-declarations-failed")) } };
        }
    };
    let writes = me.user.role.can(domain::role::Permission::WritePersonal);
    let query = query.replace("declarations=all&", "");
    let back = if handled {
        format!("/contacts?{query}declarations=all&#declarations")
    } else {
        format!("/contacts?{query}#declarations")
    };
    html! {
        section #declarations {
            h2 { (t(lang, "exp-declarations-title")) }
            p.noprint {
                @if handled { a href={ "/contacts?" (query) "#declarations" } { (t(lang, "exp-declarations-open-only")) } }
                @else { a href={ "/contacts?" (query) "declarations=all&#declarations" } { (t(lang, "exp-declarations-show-handled")) } }
            }
            @if rows.is_empty() { p { (t(lang, "exp-declarations-none")) } }
            @else {
                div.scroll { table {
                    thead { tr {
                        th { (t(lang, "col-person")) } th { (t(lang, "exp-declared-what")) } th { (t(lang, "exp-declared-at")) }
                        th { (t(lang, "exp-outcome")) }
                        @if writes { th.noprint { (t(lang, "fu-actions")) } }
                    } }
                    tbody { @for d in &rows { tr {
                        td { a href={ "/persons/" (d.person_id) } { (d.full_name) } }
                        td {
                            @if let Some(p) = &d.place {
                                (p.venue_name) ", " (hm(p.from_s)) "–" (hm(p.to_s)) " "
                                (day(crate::local_time::local_date(p.from_s), lang))
                            }
                            @if !d.symptoms.is_empty() {
                                (t(lang, "exp-symptoms")) ": "
                                (d.symptoms.iter().map(|s| t(lang, &format!("symptom-{s}"))).collect::<Vec<_>>().join(", "))
                                @if let Some(o) = d.onset_date.as_deref().and_then(|o| app::input::date(o).ok()) {
                                    " (" (tr(lang, "exp-onset-on", &[("date", day(o, lang))])) ")"
                                }
                            }
                        }
                        td { (local(d.created_at_s, lang)) }
                        td { (outcome_cell(lang, d)) }
                        @if writes { td.noprint { (mark_form(lang, d, &back)) } }
                    } } }
                } }
            }
        }
    }
}

/// Where a declaration stands: open, or the call's outcome with who and when. An F1 links
/// to the person to follow.
fn outcome_cell(lang: Lang, d: &store::DeclarationRow) -> Markup {
    let Some(o) = d.outcome else {
        return html! { strong { (t(lang, "exp-outcome-open")) } };
    };
    let label = t(lang, &format!("exp-outcome-{}", o.as_str()));
    html! {
        @if o == store::DeclarationOutcome::BecameF1 {
            a href={ "/persons/" (d.person_id) } { (label) ": " (d.full_name) }
        } @else { (label) }
        @if let (Some(by), Some(at)) = (&d.handled_by, d.handled_at_s) {
            br; small { (by) ", " (local(at, lang)) }
        }
    }
}

/// The officer's form: the outcome of the call (a handled one may be marked again).
fn mark_form(lang: Lang, d: &store::DeclarationRow, back: &str) -> Markup {
    let id = format!("o{}", d.id);
    html! {
        form method="post" action={ "/declarations/" (d.id) "/outcome" } {
            input type="hidden" name="back" value=(back);
            label for=(id) { (t(lang, "exp-outcome")) }
            " "
            select id=(id) name="outcome" {
                @for o in store::DeclarationOutcome::ALL {
                    option value=(o.as_str()) selected[d.outcome == Some(o)] { (t(lang, &format!("exp-outcome-{}", o.as_str()))) }
                }
            }
            " "
            button.primary type="submit" { (t(lang, "fu-save")) }
        }
    }
}

#[derive(serde::Deserialize)]
pub(super) struct MarkForm {
    outcome: Option<String>,
    back: Option<String>,
}

/// `POST /declarations/{id}/outcome`: the officer records the call's outcome. A declaration
/// of a person outside the caller's scope answers 404 as an unknown one; nothing changes.
pub(super) async fn mark(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<MarkForm>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    match state
        .mark_declaration(&ui.me, id, f.outcome.as_deref().unwrap_or_default())
        .await
    {
        // Only our own contacts page: never a redirect elsewhere.
        Ok(true) => Redirect::to(&super::contacts::back_to(f.back.as_deref())).into_response(),
        Ok(false) => ui.fail(StatusCode::NOT_FOUND),
        Err(app::exposures::ExposureError::Invalid(_)) => ui.fail(StatusCode::BAD_REQUEST),
        Err(app::exposures::ExposureError::Store(e)) => ui.failed("declaration outcome", &e),
    }
}

/// The commune a citizen typed ("Phúc Xá, Ba Đình" or a code): exactly one commune, else
/// `None` (the form names the field).
fn commune_typed(typed: &str) -> Option<String> {
    let country = store::Caller::system(store::CITIZEN_ACTOR).scope;
    let found: Vec<_> = Registry::of(domain::Structure::S2021)
        .find(typed, &country, 5)
        .into_iter()
        .filter(|u| u.level == domain::UnitLevel::Commune)
        .collect();
    match found.as_slice() {
        [one] => Some(one.code.to_string()),
        _ => None,
    }
}

/// `GET /public/declare` (and the form again with its errors): identity, then a published
/// place or symptoms with their onset day.
async fn declare_form(
    state: &AppState,
    lang: Lang,
    values: &[(String, String)],
    errors: &[domain::FieldError],
    status: StatusCode,
) -> Response {
    let places = match state.public_exposures().await {
        Ok(p) => p,
        Err(e) => return super::citizen::failed(lang, "public exposures", &e),
    };
    let value = |k: &str| {
        values
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let checked = |k: &str| values.iter().any(|(n, v)| n == "symptoms" && v == k);
    let field = |name: &str, label: &str, kind: &str| {
        let id = format!("d-{name}");
        let error = super::person_entry::field_error(lang, errors, name);
        html! { div {
            label for=(id) { (t(lang, label)) }
            input id=(id) name=(name) type=(kind) value=(value(name))
                aria-invalid=[error.map(|_| "true")];
            @if let Some(e) = error { span.field-error { (e) } }
        } }
    };
    let body = html! {
        h1 { (t(lang, "exp-declare-link")) }
        @if !errors.is_empty() { p.error role="alert" { (t(lang, "fu-invalid")) } }
        form method="post" action="/public/declare" {
            (field("full_name", "citizen-full-name", "text"))
            (field("phone", "citizen-phone", "tel"))
            (field("birth_year", "citizen-birth-year", "number"))
            (field("commune", "citizen-commune", "text"))
            (field("national_id", "citizen-national-id", "text"))
            div {
                label for="d-place" { (t(lang, "exp-venue")) }
                select id="d-place" name="place" {
                    option value="" { "—" }
                    @for p in &places {
                        option value=(p.id) selected[value("place") == p.id.to_string()] {
                            (p.venue) ", " (p.commune) " — " (hm(p.from_s)) "–" (hm(p.to_s)) " " (day(p.date, lang))
                        }
                    }
                }
                @if let Some(e) = super::person_entry::field_error(lang, errors, "place") { span.field-error { (e) } }
            }
            fieldset {
                legend { (t(lang, "exp-symptoms")) }
                @for s in domain::exposure::SYMPTOMS {
                    label { input type="checkbox" name="symptoms" value=(s) checked[checked(s)]; " " (t(lang, &format!("symptom-{s}"))) }
                    " "
                }
                @if let Some(e) = super::person_entry::field_error(lang, errors, "symptoms") { span.field-error { (e) } }
            }
            (field("onset", "exp-onset", "date"))
            button.primary type="submit" { (t(lang, "exp-declare-link")) }
        }
    };
    (
        status,
        citizen_page(lang, &t(lang, "exp-declare-link"), body),
    )
        .into_response()
}

pub(super) async fn declare_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    declare_form(&state, lang_of(&headers), &[], &[], StatusCode::OK).await
}

/// `POST /public/declare`: no account; rate-limited per client address like the citizen
/// pages; audited as the citizen system caller.
pub(super) async fn declare_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    crate::auth::LoginSource(address): crate::auth::LoginSource,
    axum::Form(f): axum::Form<Vec<(String, String)>>,
) -> Response {
    let lang = lang_of(&headers);
    if !super::citizen::take_address_quota(&state, &address) {
        return failure(lang, StatusCode::TOO_MANY_REQUESTS);
    }
    let get = |k: &str| {
        f.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let mut errors = Vec::new();
    let mut number = |k: &str| {
        get(k).and_then(|v| {
            v.parse::<i64>()
                .map_err(|_| errors.push(domain::FieldError::new(k, domain::Reason::InvalidFormat)))
                .ok()
        })
    };
    let birth_year = number("birth_year");
    let place_id = number("place");
    let commune = match get("commune") {
        Some(c) => {
            let found = commune_typed(&c);
            if found.is_none() {
                errors.push(domain::FieldError::new("commune", domain::Reason::NotFound));
            }
            found
        }
        None => None,
    };
    let input = app::exposures::DeclareInput {
        person_id: None,
        full_name: get("full_name"),
        phone: get("phone"),
        birth_year,
        commune,
        national_id: get("national_id"),
        place_id,
        symptoms: f
            .iter()
            .filter(|(n, _)| n == "symptoms")
            .map(|(_, v)| v.clone())
            .collect(),
        onset: get("onset"),
    };
    let errors = if errors.is_empty() {
        match state
            .declare(&store::Caller::system(store::CITIZEN_ACTOR), &input)
            .await
        {
            Ok(_) => return thanks(lang),
            Err(app::exposures::ExposureError::Invalid(e))
            | Err(app::exposures::ExposureError::Store(store::StoreError::Invalid(e))) => e,
            Err(app::exposures::ExposureError::Store(e)) => {
                return super::citizen::failed(lang, "public declare", &e)
            }
        }
    } else {
        errors
    };
    declare_form(&state, lang, &f, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
}
