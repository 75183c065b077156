//! The citizen's pages (issue #18): the page a venue's poster opens (`/v/{token}`), the
//! personal QR (`/me/qr`) and one's own visits (`/me/visits`). No account: a device key in
//! a cookie names the person (only its SHA-256 is stored).
//!
//! Forgery: these POSTs are `Public` routes, so the guard (`access::guard`) already requires
//! the same-origin check (`csrf::same_origin`) and the double-submit token of the
//! pre-session cookie (`SameSite=Strict`, set by the page's GET through `csrf::into_forms`).
//! A device-bound token would add nothing: another site can neither read the cookie nor
//! set the form's field, and the device cookie itself is `SameSite=Lax` (never sent on a
//! cross-site POST).

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;

use super::i18n::tr;
use super::person_entry::{commune_select, field_error};
use super::shell::{document, lang_of, local, other_lang};
use super::t;
use crate::{AppState, Lang};
use app::citizen::{communes_of_district, districts_near, CitizenError, Registration};
use app::clock::WallClock;
use domain::FieldError;
use store::Venue;

/// The device cookie's name.
pub const DEVICE_COOKIE: &str = "chongdich_device";

fn device_hash(key: &str) -> String {
    domain::auth::token_hash(key)
}

/// The stored hash of the request's device key, when it carries a well-formed one.
fn device_of(headers: &HeaderMap) -> Option<String> {
    crate::auth::cookie(headers, DEVICE_COOKIE)
        .filter(|k| {
            k.len() == 43
                && k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(|k| device_hash(&k))
}

pub(super) async fn person_of(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<i64>, store::StoreError> {
    match device_of(headers) {
        Some(h) => state.store.citizen_device_person(&h).await,
        None => Ok(None),
    }
}

/// Takes one from the client address's quota of citizen POSTs; false when spent.
pub(super) fn take_address_quota(state: &AppState, address: &str) -> bool {
    state
        .citizen_quota_address
        .take(quota_key("addr", address), 1, WallClock::now_s())
}

/// A quota key from a label and a text (an address, a device hash).
fn quota_key(label: &str, s: &str) -> i64 {
    let hex = domain::auth::token_hash(&format!("{label}\0{s}"));
    u64::from_str_radix(&hex[..16], 16).map_or(0, |k| k as i64)
}

pub(super) fn failed(lang: Lang, what: &str, e: &dyn std::fmt::Display) -> Response {
    tracing::error!("{what}: {e}");
    crate::ui::failure(lang, StatusCode::INTERNAL_SERVER_ERROR)
}

fn not_found(lang: Lang) -> Response {
    let body = html! { p.error role="alert" { (t(lang, "citizen-not-found")) } };
    (
        StatusCode::NOT_FOUND,
        citizen_page(lang, &t(lang, "citizen-title"), body),
    )
        .into_response()
}

async fn venue_of(state: &AppState, token: &str) -> Result<Option<Venue>, store::StoreError> {
    state.venue_of_token(token).await
}

/// `GET /v/{token}`: the venue's name; the registration form for an unknown device, else
/// one button to check in (or out, when checked in here).
pub(super) async fn venue_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    axum::extract::Query(q): axum::extract::Query<DistrictQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(&headers);
    let venue = match venue_of(&state, &token).await {
        Ok(Some(v)) => v,
        Ok(None) => return not_found(lang),
        Err(e) => return failed(lang, "citizen venue", &e),
    };
    let person = match person_of(&state, &headers).await {
        Ok(p) => p,
        Err(e) => return failed(lang, "citizen device", &e),
    };
    let form = Registration {
        district: q.d,
        ..Registration::default()
    };
    render(
        &state,
        lang,
        &token,
        &venue,
        person,
        &form,
        &[],
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
pub(super) struct DistrictQuery {
    d: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &AppState,
    lang: Lang,
    token: &str,
    venue: &Venue,
    person: Option<i64>,
    form: &Registration,
    errors: &[FieldError],
    status: StatusCode,
) -> Response {
    let now = state.now_s();
    let open = match person {
        Some(p) => match state.citizen_open_visit(p, venue, now).await {
            Ok(v) => v,
            Err(e) => return failed(lang, "citizen visit", &e),
        },
        None => None,
    };
    let stay_min = state.default_stay_s(now) / 60;
    let days = state
        .policies
        .tracing_nearest(state.today())
        .map_or(0, |r| r.checkin_retention_days.value);
    let action = format!("/v/{token}");
    let districts = districts_near(venue);
    let (district, communes) = communes_of_district(venue, form.district.as_deref());
    let body = html! {
        h1 { (venue.name) }
        @if person.is_none() {
            p { (t(lang, "citizen-register-intro")) }
            // The district first (a plain GET, no script), then its communes.
            form method="get" action=(action) {
                label for="c-d" { (t(lang, "citizen-district")) }
                select id="c-d" name="d" {
                    @for (code, name) in &districts {
                        option value=(code) selected[*code == district] { (name) }
                    }
                }
                button type="submit" { (t(lang, "citizen-district-choose")) }
            }
            form method="post" action=(action) {
                input type="hidden" name="action" value="register";
                input type="hidden" name="d" value=(district);
                (field(lang, errors, "full_name", "citizen-full-name", "text", &form.full_name, "name"))
                (field(lang, errors, "phone", "citizen-phone", "tel", &form.phone, "tel"))
                (field(lang, errors, "birth_year", "citizen-birth-year", "number", &form.birth_year, "bday-year"))
                div { (commune_select(lang, &communes, "c-unit", "unit", form.unit.as_deref(),
                    field_error(lang, errors, "unit"), Some(t(lang, "citizen-commune")))) }
                (field(lang, errors, "national_id", "citizen-national-id", "text", &form.national_id, "off"))
                p.consent { (tr(lang, "citizen-consent", &[("days", days.to_string())])) }
                button.primary type="submit" { (t(lang, "citizen-register")) }
            }
        } @else if let Some(v) = &open {
            p role="status" { (tr(lang, "citizen-checked-in", &[("time", local(v.t_in_s, lang))])) }
            form method="post" action=(action) {
                input type="hidden" name="action" value="out";
                button.primary type="submit" { (t(lang, "citizen-check-out")) }
            }
            p { (tr(lang, "citizen-default-stay", &[("minutes", stay_min.to_string())])) }
        } @else {
            form method="post" action=(action) {
                input type="hidden" name="action" value="in";
                button.primary type="submit" { (t(lang, "citizen-check-in")) }
            }
        }
        @if person.is_some() {
            p { a href="/me/visits" { (t(lang, "citizen-my-visits")) } " · " a href="/me/qr" { (t(lang, "citizen-my-qr")) } }
        }
    };
    (status, citizen_page(lang, &t(lang, "citizen-title"), body)).into_response()
}

#[allow(clippy::too_many_arguments)]
fn field(
    lang: Lang,
    errors: &[FieldError],
    name: &str,
    label: &str,
    kind: &str,
    value: &Option<String>,
    autocomplete: &str,
) -> Markup {
    let id = format!("c-{name}");
    let error = field_error(lang, errors, name);
    html! { div {
        label for=(id) { (t(lang, label)) }
        input id=(id) name=(name) type=(kind) autocomplete=(autocomplete)
            value=(value.clone().unwrap_or_default())
            aria-invalid=[error.map(|_| "true")]
            aria-describedby=[error.map(|_| format!("{id}-error"))];
        @if let Some(e) = error { span.field-error id={ (id) "-error" } { (e) } }
    } }
}

#[derive(Deserialize, Default)]
pub(super) struct CitizenForm {
    action: Option<String>,
    full_name: Option<String>,
    phone: Option<String>,
    birth_year: Option<String>,
    unit: Option<String>,
    national_id: Option<String>,
    d: Option<String>,
}

/// `POST /v/{token}`: register (then check in), check in or check out. Rate-limited per
/// client address and per device; every write audited by the store.
pub(super) async fn venue_post(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    crate::auth::LoginSource(address): crate::auth::LoginSource,
    Form(f): Form<CitizenForm>,
) -> Response {
    let lang = lang_of(&headers);
    let now_wall = WallClock::now_s();
    if !state
        .citizen_quota_address
        .take(quota_key("addr", &address), 1, now_wall)
    {
        return crate::ui::failure(lang, StatusCode::TOO_MANY_REQUESTS);
    }
    let device = device_of(&headers);
    if let Some(d) = &device {
        if !state
            .citizen_quota_device
            .take(quota_key("device", d), 1, now_wall)
        {
            return crate::ui::failure(lang, StatusCode::TOO_MANY_REQUESTS);
        }
    }
    let venue = match venue_of(&state, &token).await {
        Ok(Some(v)) => v,
        Ok(None) => return not_found(lang),
        Err(e) => return failed(lang, "citizen venue", &e),
    };
    let person = match person_of(&state, &headers).await {
        Ok(p) => p,
        Err(e) => return failed(lang, "citizen device", &e),
    };
    let now = state.now_s();
    let back = Redirect::to(&format!("/v/{token}"));
    match (f.action.as_deref(), person) {
        (Some("register"), None) => {
            let form = Registration {
                full_name: f.full_name,
                phone: f.phone,
                birth_year: f.birth_year,
                unit: f.unit,
                national_id: f.national_id,
                district: f.d,
            };
            let key = domain::auth::new_token();
            let person = match state
                .citizen_register(&venue, &form, &device_hash(&key), now)
                .await
            {
                Ok(p) => p,
                Err(CitizenError::Invalid(errors)) => {
                    return render(
                        &state,
                        lang,
                        &token,
                        &venue,
                        None,
                        &form,
                        &errors,
                        StatusCode::UNPROCESSABLE_ENTITY,
                    )
                    .await
                }
                Err(CitizenError::Store(e)) => return failed(lang, "citizen register", &e),
            };
            if let Err(e) = state.citizen_check_in(person, &venue, now).await {
                return failed(lang, "citizen check-in", &e);
            }
            let mut resp = back.into_response();
            // A year: the device stays known across visits; Secure is added by the guard
            // when the server is reached over https (`csrf::secure_cookies`).
            if let Ok(v) = HeaderValue::from_str(&format!(
                "{DEVICE_COOKIE}={key}; HttpOnly; SameSite=Lax; Path=/; Max-Age=31536000"
            )) {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
            resp
        }
        (Some("in"), Some(p)) => match state.citizen_check_in(p, &venue, now).await {
            Ok(_) => back.into_response(),
            Err(e) => failed(lang, "citizen check-in", &e),
        },
        (Some("out"), Some(p)) => match state.citizen_check_out(p, &venue, now).await {
            Ok(_) => back.into_response(),
            Err(e) => failed(lang, "citizen check-out", &e),
        },
        _ => back.into_response(),
    }
}

/// `GET /me/qr`: the device's person's personal QR (`CDP1:` token), for staff to scan.
pub(super) async fn my_qr(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let lang = lang_of(&headers);
    let person = match person_of(&state, &headers).await {
        Ok(Some(p)) => p,
        Ok(None) => return no_device(lang),
        Err(e) => return failed(lang, "citizen device", &e),
    };
    let secret = match state.citizen_secret().await {
        Ok(s) => s,
        Err(e) => return failed(lang, "citizen secret", &e),
    };
    match crate::qr::code_svg(&secret.person_qr(person)) {
        Ok(svg) => (
            [
                (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            svg,
        )
            .into_response(),
        Err(e) => failed(lang, "personal QR", &e),
    }
}

pub(super) fn no_device(lang: Lang) -> Response {
    let body = html! { p.error role="alert" { (t(lang, "citizen-no-device")) } };
    (
        StatusCode::NOT_FOUND,
        citizen_page(lang, &t(lang, "citizen-my-visits"), body),
    )
        .into_response()
}

/// `GET /me/visits`: this device's person's own visits only.
pub(super) async fn my_visits(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let lang = lang_of(&headers);
    let person = match person_of(&state, &headers).await {
        Ok(Some(p)) => p,
        Ok(None) => return no_device(lang),
        Err(e) => return failed(lang, "citizen device", &e),
    };
    let visits = match state.citizen_visits(person).await {
        Ok(v) => v,
        Err(e) => return failed(lang, "citizen visits", &e),
    };
    let body = html! {
        h1 { (t(lang, "citizen-my-visits")) }
        @if visits.is_empty() { p { (t(lang, "citizen-no-visits")) } }
        @else {
            table {
                thead { tr { th { (t(lang, "citizen-venue")) } th { (t(lang, "citizen-visit-in")) } th { (t(lang, "citizen-visit-out")) } } }
                tbody { @for v in &visits { tr {
                    td { (v.venue_name) } td { (local(v.t_in_s, lang)) } td { (local(v.t_out_s, lang)) }
                } } }
            }
        }
        p { a href="/me/exposures" { (t(lang, "exp-mine-title")) } " · " a href="/me/qr" { (t(lang, "citizen-my-qr")) } }
    };
    let mut resp = citizen_page(lang, &t(lang, "citizen-my-visits"), body).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// The URL a venue's poster encodes: `{public origin}/v/{token}`, the origin being the
/// configured public one, else the request's `Host` over http.
pub(crate) async fn poster_url(
    state: &AppState,
    headers: &HeaderMap,
    venue_id: i64,
) -> Result<String, store::StoreError> {
    let origin = match &state.public_origin {
        Some(o) => o.trim_end_matches('/').to_string(),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            format!("http://{host}")
        }
    };
    let token = state
        .citizen_secret()
        .await?
        .sign(domain::citizen_token::Kind::Venue, venue_id);
    Ok(format!("{origin}/v/{token}"))
}

/// The citizens' pages' own styles, inline: a phone on slow 3G opens the poster's page with
/// one request (each further request is another round trip of up to 400 ms), and no script
/// runs on them (nothing needs one).
const CITIZEN_CSS: &str = "body{font:16px/1.45 system-ui,sans-serif;margin:0;color:#1a1a1a}\
header{display:flex;justify-content:space-between;gap:.5em;padding:.5em .75em;background:#b71c1c;color:#fff}\
header a{color:#fff}main{padding:.75em;max-width:34em;margin:0 auto}h1{font-size:1.3em}\
label{display:block;margin-top:.6em;font-weight:600}\
input,select,button{font:inherit;box-sizing:border-box;max-width:100%}\
input,select{width:100%;padding:.45em}button{padding:.6em 1em;margin-top:.6em}\
button.primary{width:100%;background:#b71c1c;color:#fff;border:0;border-radius:.3em;font-weight:600}\
.error,.field-error{color:#b71c1c}.consent{font-size:.85em;color:#444}\
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3em;text-align:left}\
svg{max-width:100%;height:auto}.skip{position:absolute;left:-99em}.skip:focus{left:.5em}";

/// A citizen's page (the poster's, the device's, the public exposures and declaration): the
/// page shell without the staff's stylesheet, script or navigation.
pub(super) fn citizen_page(lang: Lang, title: &str, body: Markup) -> Markup {
    let other = other_lang(lang);
    let head = html! { style { (PreEscaped(CITIZEN_CSS)) } };
    let header = html! {
        span { (t(lang, "app-name")) }
        a href={ "/lang/" (other) } lang=(other) { (t(lang, "lang-switch")) }
    };
    document(lang, title, head, header, body)
}
