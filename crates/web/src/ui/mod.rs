//! The web UI: pages rendered on the server (maud), Vietnamese first with English, plain
//! forms that work without JavaScript. The session is the same token as the API's, in an
//! HttpOnly cookie.

mod chart;
mod i18n;

use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::DateTime;
use maud::{html, Markup, DOCTYPE};
use serde::Deserialize;
use store::Caller;

pub use i18n::{t, tr};

use crate::api::cases::infectious_window;
use crate::api::venues::hhmm;
use crate::auth::{clear_cookie, session_cookie, token_from_headers};
use crate::local_time::{day_end_s, day_start_s, local_date, local_time};
use crate::{AppState, ErrorCode, Lang};

const CSS: &str = include_str!("app.css");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/lang/{code}", get(set_lang))
        .route("/cases", get(cases))
        .route("/cases/{id}", get(case_page))
        .route("/cases/{id}/trace", post(trace_case))
        .route("/contacts", get(contacts))
        .route("/venues", get(venues))
        .route("/clusters", get(clusters))
        .route("/static/app.css", get(css))
}

/// The page language: the `lang` cookie, else `Accept-Language`, else Vietnamese.
fn lang_of(headers: &HeaderMap) -> Lang {
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == "lang")
        .map(|(_, v)| v.to_string());
    match cookie.as_deref() {
        Some("en") => Lang::En,
        Some("vi") => Lang::Vi,
        _ => Lang::from_headers(headers),
    }
}

async fn caller(state: &AppState, headers: &HeaderMap) -> Option<Caller> {
    let token = token_from_headers(headers)?;
    state
        .store
        .caller_by_token(
            &domain::auth::token_hash(&token),
            chrono::Utc::now().timestamp(),
        )
        .await
        .ok()
        .flatten()
}

fn local(t_s: i64, lang: Lang) -> String {
    let t = local_time(t_s);
    match lang {
        Lang::Vi => t.format("%H:%M %d/%m/%Y").to_string(),
        Lang::En => t.format("%Y-%m-%d %H:%M").to_string(),
    }
}

fn page(lang: Lang, title: &str, user: Option<&Caller>, body: Markup) -> Markup {
    let other = match lang {
        Lang::Vi => "en",
        Lang::En => "vi",
    };
    html! {
        (DOCTYPE)
        html lang=(match lang { Lang::Vi => "vi", Lang::En => "en" }) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — " (t(lang, "app-name")) }
                link rel="stylesheet" href="/static/app.css";
            }
            body {
                header {
                    a.brand href="/" { (t(lang, "app-name")) }
                    @if user.is_some() {
                        a href="/" { (t(lang, "nav-dashboard")) }
                        a href="/cases" { (t(lang, "nav-cases")) }
                        a href="/contacts" { (t(lang, "nav-contacts")) }
                        a href="/clusters" { (t(lang, "nav-clusters")) }
                        a href="/venues" { (t(lang, "nav-venues")) }
                    }
                    a href={ "/lang/" (other) } { (t(lang, "lang-switch")) }
                    @if let Some(u) = user {
                        span.user { (u.user.username) }
                        form method="post" action="/logout" style="display:inline" {
                            button type="submit" { (t(lang, "nav-logout")) }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

fn to_login() -> Response {
    Redirect::to("/login").into_response()
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

async fn set_lang(Path(code): Path<String>, headers: HeaderMap) -> Response {
    let code = if code == "en" { "en" } else { "vi" };
    // Back to the page the switch was clicked on, if it was one of ours.
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.find("://").map(|i| &r[i + 3..]))
        .and_then(|r| r.find('/').map(|i| r[i..].to_string()))
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or_else(|| "/".into());
    let mut resp = Redirect::to(&back).into_response();
    if let Ok(v) = format!("lang={code}; Path=/; Max-Age=31536000; SameSite=Lax").parse() {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

fn login_page(lang: Lang, error: Option<&str>, username: &str) -> Markup {
    page(
        lang,
        &t(lang, "login-title"),
        None,
        html! {
            h1 { (t(lang, "app-tagline")) }
            form.login method="post" action="/login" {
                h2 { (t(lang, "login-title")) }
                @if let Some(e) = error { p.error role="alert" { (e) } }
                label for="username" { (t(lang, "login-username")) }
                input id="username" name="username" autocomplete="username" required value=(username);
                label for="password" { (t(lang, "login-password")) }
                input id="password" name="password" type="password" autocomplete="current-password" required;
                button.primary type="submit" { (t(lang, "login-submit")) }
            }
        },
    )
}

async fn login_form(headers: HeaderMap) -> Markup {
    login_page(lang_of(&headers), None, "")
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let lang = lang_of(&headers);
    match crate::api::auth::authenticate(&state, &f.username, f.password).await {
        Ok((_, token, _)) => {
            let mut resp = Redirect::to("/").into_response();
            resp.headers_mut().insert(
                header::SET_COOKIE,
                session_cookie(&token, domain::auth::SESSION_TTL_S),
            );
            resp
        }
        Err(e) => {
            let key = if e.code == ErrorCode::LoginLocked {
                "login-locked"
            } else {
                "login-failed"
            };
            let status = e.code.status();
            let mut resp = login_page(lang, Some(&t(lang, key)), &f.username).into_response();
            *resp.status_mut() = status;
            resp
        }
    }
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = token_from_headers(&headers) {
        let _ = state
            .store
            .delete_session(&domain::auth::token_hash(&token))
            .await;
    }
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, clear_cookie());
    resp
}

fn failure(lang: Lang, status: StatusCode) -> Response {
    let (key, code) = if status == StatusCode::NOT_FOUND {
        ("Không tìm thấy. / Not found.", status)
    } else {
        (
            "Lỗi hệ thống; thao tác chưa được thực hiện. / Internal error.",
            status,
        )
    };
    (code, page(lang, key, None, html! { p.error { (key) } })).into_response()
}

async fn dashboard(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let lang = lang_of(&headers);
    let Some(me) = caller(&state, &headers).await else {
        return to_login();
    };
    let now = state.now_s();
    let today = local_date(now);
    let today_start = day_start_s(today);
    let counts = match state
        .store
        .case_counts(&me.scope, domain::Structure::S2021, today_start, now)
        .await
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("dashboard counts: {e}");
            return failure(lang, StatusCode::INTERNAL_SERVER_ERROR);
        }
    };
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    // The epidemic curve: 28 local days ending today, days without cases as zero.
    let first = today - chrono::Days::new(27);
    let first_start = day_start_s(first);
    let utc_offset_s = i64::from(chrono::Offset::fix(local_time(now).offset()).local_minus_utc());
    let daily = state
        .store
        .daily_case_counts(
            &me.scope,
            domain::Structure::S2021,
            first_start,
            now + 1,
            utc_offset_s,
        )
        .await
        .unwrap_or_else(|e| {
            tracing::error!("dashboard curve: {e}");
            Vec::new()
        });
    let epoch_day = first
        .signed_duration_since(chrono::DateTime::UNIX_EPOCH.date_naive())
        .num_days();
    let curve: Vec<(String, i64)> = (0..28)
        .map(|k| {
            let d = first + chrono::Days::new(k as u64);
            let n = daily
                .iter()
                .find(|(dn, _)| *dn == epoch_day + k)
                .map_or(0, |(_, n)| *n);
            let label = match lang {
                Lang::Vi => d.format("%d/%m").to_string(),
                Lang::En => d.format("%m-%d").to_string(),
            };
            (label, n)
        })
        .collect();
    // A figure links to the list behind it, where that list has a page.
    let stat = |label: &str, n: i64, href: Option<String>| {
        html! {
            @if let Some(href) = href { a.stat href=(href) { b { (n) } (label) } }
            @else { div.stat { b { (n) } (label) } }
        }
    };
    let body = html! {
        h1 { (t(lang, "dashboard-title")) }
        p.muted { (tr(lang, "dashboard-as-of", &[("date", local(now, lang))])) }
        div.stats {
            (stat(&t(lang, "stat-new-today"), counts.new_today, Some(format!("/cases?from={}", day(today)))))
            (stat(&t(lang, "stat-new-7d"), counts.new_7d, Some(format!("/cases?from={}", day(today - chrono::Days::new(6))))))
            (stat(&t(lang, "stat-active"), counts.active, Some("/cases?status=active".into())))
            (stat(&t(lang, "stat-quarantine"), counts.f1_in_quarantine, None))
            (stat(&t(lang, "stat-recovered"), counts.recovered, Some("/cases?status=recovered".into())))
            (stat(&t(lang, "stat-died"), counts.died, Some("/cases?status=died".into())))
        }
        h2 { (t(lang, "chart-curve")) }
        (chart::epi_curve(&t(lang, "chart-curve"), &t(lang, "chart-avg"), &curve))
        h2 { (t(lang, "severity-heading")) }
        table {
            @for (severity, n) in domain::epi::Severity::ALL.iter().map(|s| {
                let n = counts.active_by_severity.iter().find(|(k, _)| k == s.as_str()).map_or(0, |(_, n)| *n);
                (s.as_str(), n)
            }) {
                tr { td { (t(lang, &format!("severity-{severity}"))) } td { (n) } }
            }
        }
    };
    page(lang, &t(lang, "dashboard-title"), Some(&me), body).into_response()
}

#[derive(Deserialize)]
struct CaseListQuery {
    status: Option<String>,
    from: Option<String>,
    cursor: Option<String>,
}

async fn cases(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<CaseListQuery>,
) -> Response {
    let lang = lang_of(&headers);
    let Some(me) = caller(&state, &headers).await else {
        return to_login();
    };
    let status = q.status.as_deref().and_then(|s| s.parse().ok());
    let from = q
        .from
        .as_deref()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map(day_start_s);
    let after = q
        .cursor
        .as_deref()
        .and_then(|c| store::Cursor::decode(c).ok());
    let filter = store::CaseFilter {
        status,
        confirmed_from_s: from,
        confirmed_to_s: Some(state.now_s() + 1),
    };
    let page_req = store::PageRequest { limit: 50, after };
    let result = state
        .store
        .list_cases(
            &me,
            domain::Structure::S2021,
            &filter,
            &page_req,
            state.now_s(),
        )
        .await;
    let Ok(found) = result else {
        return failure(lang, StatusCode::INTERNAL_SERVER_ERROR);
    };
    let mut next = String::from("/cases?");
    if let Some(s) = &q.status {
        next.push_str(&format!("status={s}&"));
    }
    if let Some(f) = &q.from {
        next.push_str(&format!("from={f}&"));
    }
    let body = html! {
        h1 { (t(lang, "cases-title")) }
        @if found.items.is_empty() {
            p { (t(lang, "cases-empty")) }
        } @else {
            table {
                thead { tr {
                    th { (t(lang, "col-id")) } th { (t(lang, "col-person")) } th { (t(lang, "col-unit")) }
                    th { (t(lang, "col-status")) } th { (t(lang, "col-severity")) } th { (t(lang, "col-confirmed")) }
                } }
                tbody {
                    @for c in &found.items {
                        tr {
                            td { a href={ "/cases/" (c.id) } { (c.id) } }
                            td { (c.person_id) }
                            td { (c.unit_code) }
                            td { (t(lang, &format!("status-{}", c.status.as_str()))) }
                            td { (t(lang, &format!("severity-{}", c.severity.as_str()))) }
                            td { (local(c.confirmed_at_s, lang)) }
                        }
                    }
                }
            }
            @if let Some(n) = &found.next {
                p { a href={ (next) "cursor=" (n.encode()) } { (t(lang, "cases-next")) " →" } }
            }
        }
    };
    page(lang, &t(lang, "cases-title"), Some(&me), body).into_response()
}

#[derive(Deserialize)]
struct CasePageQuery {
    traced: Option<u64>,
}

async fn case_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<CasePageQuery>,
) -> Response {
    let lang = lang_of(&headers);
    let Some(me) = caller(&state, &headers).await else {
        return to_login();
    };
    let Ok(case_id) = id.parse::<i64>() else {
        return failure(lang, StatusCode::NOT_FOUND);
    };
    let detail = match state
        .store
        .get_case(&me, domain::CaseId(case_id), state.now_s())
        .await
    {
        Ok(Some(d)) => d,
        Ok(None) => return failure(lang, StatusCode::NOT_FOUND),
        Err(_) => return failure(lang, StatusCode::INTERNAL_SERVER_ERROR),
    };
    let contacts = crate::api::tracing::contacts_for(&state, &me, &id, 2)
        .await
        .ok();
    let (from, to, policy) = infectious_window(&state.policies, &detail.case);
    let c = &detail.case;
    let title = tr(lang, "case-title", &[("id", c.id.to_string())]);
    let body = html! {
        h1 { (title) }
        @if let Some(n) = q.traced { p.ok role="status" { (tr(lang, "case-traced", &[("count", n.to_string())])) } }
        table {
            tr { th { (t(lang, "col-person")) } td { (c.person_id) } }
            tr { th { (t(lang, "col-unit")) } td { (c.unit_code) } }
            tr { th { (t(lang, "col-status")) } td { (t(lang, &format!("status-{}", c.status.as_str()))) } }
            tr { th { (t(lang, "col-severity")) } td { (t(lang, &format!("severity-{}", c.severity.as_str()))) } }
            tr { th { (t(lang, "col-confirmed")) } td { (local(c.confirmed_at_s, lang)) } }
            tr { th { (t(lang, "col-window")) } td {
                (local(from, lang)) " → " (local(to, lang))
                @if let Some(doc) = &policy { br; span.muted { (tr(lang, "policy", &[("doc", doc.clone())])) } }
            } }
        }
        h2 { (t(lang, "case-tests")) }
        table { @for test in &detail.tests { tr {
            td { (test.kind.as_str().to_uppercase()) } td { (local(test.sample_s, lang)) }
            td { (local(test.result_s, lang)) } td { @if let Some(ct) = test.ct { "Ct " (ct) } }
        } } }
        h2 { (t(lang, "case-history")) }
        table { @for h in &detail.history { tr {
            td { (local(h.at.timestamp(), lang)) } td { (t(lang, &format!("status-{}", h.status.as_str()))) }
            td { (h.actor) } td { (h.note.clone().unwrap_or_default()) }
        } } }
        h2 { (t(lang, "case-contacts")) }
        form.noprint method="post" action={ "/cases/" (c.id) "/trace" } {
            button.primary type="submit" { (t(lang, "case-trace")) }
        }
        @match &contacts {
            Some(list) if !list.contacts.is_empty() => {
                table {
                    thead { tr {
                        th { (t(lang, "col-person")) } th { (t(lang, "contact-degree")) } th { (t(lang, "contact-via")) }
                        th { (t(lang, "contact-exposure")) } th { (t(lang, "contact-reasons")) }
                    } }
                    tbody { @for ct in list.contacts.iter().take(500) {
                        tr {
                            td { (ct.person_id) } td { "F" (ct.degree) } td { (ct.via_person_id) }
                            td { (format!("{:.0}", ct.exposure_min)) }
                            td { @for r in ct.reasons.iter().take(3) { (reason_text(lang, r)) br; } }
                        }
                    } }
                }
            }
            _ => p { (t(lang, "case-contacts-none")) }
        }
    };
    page(lang, &title, Some(&me), body).into_response()
}

fn reason_text(lang: Lang, r: &crate::api::tracing::ReasonDto) -> String {
    match r.kind {
        "venue" => tr(
            lang,
            "reason-venue",
            &[
                (
                    "venue",
                    r.venue_id.map(|v| v.to_string()).unwrap_or_default(),
                ),
                ("minutes", format!("{:.0}", r.overlap_min.unwrap_or(0.0))),
            ],
        ),
        "household" => t(lang, "reason-household"),
        _ => tr(
            lang,
            "reason-declared",
            &[("setting", r.setting.unwrap_or("other").to_string())],
        ),
    }
}

async fn trace_case(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let lang = lang_of(&headers);
    let Some(me) = caller(&state, &headers).await else {
        return to_login();
    };
    if !me.user.role.can(domain::role::Permission::WritePersonal) {
        return failure(lang, StatusCode::FORBIDDEN);
    }
    match crate::api::tracing::trace_and_persist(&state, &me, &id).await {
        Ok(r) => {
            Redirect::to(&format!("/cases/{}?traced={}", r.case_id, r.new_contacts)).into_response()
        }
        Err(e) => failure(lang, e.code.status()),
    }
}

#[derive(Deserialize)]
struct ContactsQuery {
    due_by: Option<String>,
    cursor: Option<String>,
}

async fn contacts(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ContactsQuery>,
) -> Response {
    let lang = lang_of(&headers);
    let Some(me) = caller(&state, &headers).await else {
        return to_login();
    };
    let due_date = q
        .due_by
        .as_deref()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let due = due_date.map(day_end_s);
    let after = q
        .cursor
        .as_deref()
        .and_then(|c| store::Cursor::decode(c).ok());
    let page_req = store::PageRequest { limit: 100, after };
    let Ok(found) = state
        .store
        .list_contacts(
            &me,
            domain::Structure::S2021,
            None,
            due,
            &page_req,
            state.now_s(),
        )
        .await
    else {
        return failure(lang, StatusCode::INTERNAL_SERVER_ERROR);
    };
    let body = html! {
        h1 { (t(lang, "contacts-title")) }
        form.noprint method="get" action="/contacts" {
            label for="due_by" { (t(lang, "contacts-due")) }
            input id="due_by" name="due_by" type="date" value=(q.due_by.clone().unwrap_or_default());
            button.primary type="submit" { (t(lang, "contacts-filter")) }
        }
        @if found.items.is_empty() { p { (t(lang, "contacts-empty")) } }
        @else {
            table {
                thead { tr {
                    th { (t(lang, "col-person")) } th { (t(lang, "contact-degree")) } th { (t(lang, "col-case")) }
                    th { (t(lang, "col-status")) } th { (t(lang, "col-until")) } th { (t(lang, "col-tests")) } th { (t(lang, "col-unit")) }
                } }
                tbody { @for c in &found.items { tr {
                    td { (c.person_id) } td { "F" (c.degree) }
                    td { a href={ "/cases/" (c.case_id) } { (c.case_id) } }
                    td { (c.status) }
                    td { @if let Some(u) = c.quarantine_until_s { (local(u, lang)) } }
                    td { (c.test_days) } td { (c.unit_code) }
                } } }
            }
            @if let Some(n) = &found.next {
                p { a href={ "/contacts?due_by=" (q.due_by.clone().unwrap_or_default()) "&cursor=" (n.encode()) } { (t(lang, "cases-next")) " →" } }
            }
        }
    };
    page(lang, &t(lang, "contacts-title"), Some(&me), body).into_response()
}

#[derive(Deserialize)]
struct VenuesQuery {
    q: Option<String>,
    cursor: Option<String>,
}

async fn venues(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<VenuesQuery>,
) -> Response {
    let lang = lang_of(&headers);
    let Some(me) = caller(&state, &headers).await else {
        return to_login();
    };
    let name =
        q.q.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty() && s.chars().count() <= 100);
    let filter = store::VenueFilter {
        kind: None,
        name_contains: name.map(str::to_string),
    };
    let after = q
        .cursor
        .as_deref()
        .and_then(|c| store::Cursor::decode(c).ok());
    let page_req = store::PageRequest { limit: 100, after };
    let Ok(found) = state
        .store
        .list_venues(&me.scope, domain::Structure::S2021, &filter, &page_req)
        .await
    else {
        return failure(lang, StatusCode::INTERNAL_SERVER_ERROR);
    };
    let body = html! {
        h1 { (t(lang, "venues-title")) }
        form.noprint method="get" action="/venues" {
            label for="q" { (t(lang, "venues-search")) }
            input id="q" name="q" type="search" value=(name.unwrap_or(""));
            button.primary type="submit" { (t(lang, "contacts-filter")) }
        }
        @if found.items.is_empty() { p { (t(lang, "venues-empty")) } }
        @else {
            table {
                thead { tr {
                    th { (t(lang, "col-name")) } th { (t(lang, "col-kind")) } th { (t(lang, "col-unit")) }
                    th { (t(lang, "col-hours")) } th { "QR" }
                } }
                tbody { @for v in &found.items { tr {
                    td { (v.name) } td { (v.kind.label_vi()) } td { (v.unit_code) }
                    td { (hhmm(v.open_min)) "–" (hhmm(v.close_min)) }
                    td { a href={ "/api/v1/venues/" (v.id) "/poster.svg" } target="_blank" { (t(lang, "venue-poster")) } }
                } } }
            }
            @if let Some(n) = &found.next {
                p { a href={ "/venues?q=" (name.unwrap_or("")) "&cursor=" (n.encode()) } { (t(lang, "cases-next")) " →" } }
            }
        }
    };
    page(lang, &t(lang, "venues-title"), Some(&me), body).into_response()
}

async fn clusters(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let lang = lang_of(&headers);
    let Some(me) = caller(&state, &headers).await else {
        return to_login();
    };
    if !me.user.role.can(domain::role::Permission::ReadPersonal) {
        return failure(lang, StatusCode::FORBIDDEN);
    }
    let Ok(found) = crate::api::tracing::compute_clusters(&state, &me, 28, 0).await else {
        return failure(lang, StatusCode::INTERNAL_SERVER_ERROR);
    };
    let when = |s: &str| {
        DateTime::parse_from_rfc3339(s).map_or(String::new(), |t| local(t.timestamp(), lang))
    };
    let body = html! {
        h1 { (t(lang, "clusters-title")) }
        @if found.is_empty() { p { (t(lang, "clusters-empty")) } }
        @else {
            table {
                thead { tr {
                    th { (t(lang, "col-id")) } th { (t(lang, "col-size")) } th { (t(lang, "col-venues")) }
                    th { (t(lang, "col-first")) } th { (t(lang, "col-last")) }
                } }
                tbody { @for c in found.iter().take(200) { tr {
                    td { a href={ "/cases/" (c.cluster.id) } { (c.cluster.id) } }
                    td { (c.cluster.size) } td { (c.cluster.venues.len()) }
                    td { (when(&c.cluster.first_confirmed)) } td { (when(&c.cluster.last_confirmed)) }
                } } }
            }
        }
    };
    page(lang, &t(lang, "clusters-title"), Some(&me), body).into_response()
}
