//! Pages for linked localities (issue #17): a case handed over to another locality or shared
//! with one for view, from the case page; the offers and answers on `/handovers`; the copies
//! shared with us on `/shared`. Every page and form calls the use cases the JSON API calls
//! (`app::handover`, `app::share`), so one permission check serves both: the route table's
//! (`WritePersonal` to hand over, `ReadPersonal` to share and read copies) and the app's
//! own behind it. Localities are named as the registry names them, never by code alone.

use app::handover::{HandoverError, LocalityCode};
use app::share::{ShareError, SharedCase, SharedCopy};
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::role::Permission;
use domain::share::Pseudonymisation;
use domain::{CaseId, FieldError, Reason};
use maud::{html, Markup};
use serde::Deserialize;
use store::{Caller, Handover, HandoverDirection, HandoverStatus};

use super::shell::{local, Ui};
use super::{t, tr};
use crate::{AppState, Lang};

/// The most characters a reason may have (the use case's own limit, said in the form).
const REASON_MAX: usize = app::handover::REASON_MAX_CHARS;

/// The words for the fields a refusal names (message ids).
const LABELS: &[(&str, &str)] = &[
    ("to", "linked-to"),
    ("reason", "linked-reason"),
    ("case", "linked-case"),
    ("test", "linked-test"),
    ("handover", "linked-handover"),
    ("link", "linked-link"),
    ("handed_over", "linked-handed-over"),
];

/// A shared copy's residence by its names, "Phường Phúc Xá, Quận Ba Đình", as the registry of
/// its structure has them (the code for a unit it does not know).
fn residence_name(p: &app::share::SharedPerson) -> String {
    match p.structure.parse::<domain::Structure>() {
        Ok(s) => app::registry::Registry::of(s).name_with_parent(&p.unit_code),
        Err(_) => p.unit_code.clone(),
    }
}

/// A refusal: each bad field by its label, and why, in the page's language, with the way
/// back. Nothing was saved.
fn refused(ui: &Ui, title: &str, back: &str, fields: &[FieldError]) -> Response {
    super::moves::refusal_page(ui, title, back, fields, LABELS, |_, _| None)
}

/// The registry's name of a locality, else its code (a locality dropped from the registry
/// after a hand-over is still named somehow).
fn locality_name(state: &AppState, code: &str) -> String {
    state
        .link
        .as_ref()
        .and_then(|s| {
            let c = LocalityCode::parse(code).ok()?;
            s.registry.get(&c).map(|p| p.name.clone())
        })
        .unwrap_or_else(|| code.to_string())
}

/// The partners a case may go to, by name: the registry's localities but ourselves.
fn partner_select(state: &AppState, lang: Lang, id: &str) -> Markup {
    let Some(setup) = state.link.as_ref() else {
        return html! {};
    };
    html! {
        select id=(id) name="to" required {
            option value="" selected { (t(lang, "linked-choose")) }
            @for p in setup.registry.peers().filter(|p| p.code != setup.me) {
                option value=(p.code.as_str()) { (p.name) }
            }
        }
    }
}

/// The choices a share applied, in words.
fn choices_text(lang: Lang, c: Pseudonymisation) -> String {
    let mut words = Vec::new();
    if c.no_identifiers {
        words.push(t(lang, "share-no-identifiers"));
    }
    if c.birth_year_only {
        words.push(t(lang, "share-birth-year-only"));
    }
    if c.commune_only {
        words.push(t(lang, "share-commune-only"));
    }
    match words.is_empty() {
        true => t(lang, "share-everything"),
        false => words.join("; "),
    }
}

/// The case page's part for linked localities: whether the case was handed over (then it
/// is read-only here: the answer's `true`), a pending hand-over with its withdrawal, the
/// hand-over and share forms for the roles the use cases allow, and the case's shares with
/// their revocation.
pub(super) async fn case_section(
    state: &AppState,
    me: &Caller,
    lang: Lang,
    case: CaseId,
) -> (Markup, bool) {
    let handed_to = match state.store.case_handed_over_to(case).await {
        Ok(h) => h,
        Err(e) => {
            tracing::error!("case page, hand-over: {e}");
            None
        }
    };
    let Some(_) = state.link.as_ref() else {
        // Not a linked locality: nothing travels, so nothing to offer.
        return (html! {}, handed_to.is_some());
    };
    let open = state
        .store
        .open_handover_of(case)
        .await
        .unwrap_or_else(|e| {
            tracing::error!("case page, open hand-over: {e}");
            None
        });
    let shares = state.store.shares_of_case(case).await.unwrap_or_else(|e| {
        tracing::error!("case page, shares: {e}");
        Vec::new()
    });
    let writes = me.user.role.can(Permission::WritePersonal);
    let reads = me.user.role.can(Permission::ReadPersonal);
    let markup = html! {
        section.linked aria-labelledby="linked-h" {
            h2 id="linked-h" { (t(lang, "linked-title")) }
            @if let Some(to) = &handed_to {
                p.notice.handed-over role="status" {
                    (tr(lang, "handover-read-only", &[("locality", locality_name(state, to))]))
                }
            } @else if let Some(h) = open.as_ref().filter(|h| h.status == HandoverStatus::Pending) {
                p.notice role="status" {
                    (tr(lang, "handover-pending", &[
                        ("locality", locality_name(state, &h.peer)),
                        ("time", local(h.created_at_s, lang)),
                    ]))
                }
                @if writes {
                    form.inline method="post" action={ "/handovers/" (h.id) "/withdraw" } {
                        input type="hidden" name="back" value="case";
                        button type="submit" { (t(lang, "handover-withdraw")) }
                    }
                }
            } @else if writes {
                h3 { (t(lang, "handover-title")) }
                form.handover method="post" action={ "/cases/" (case.0) "/handover" } {
                    label for="handover-to" { (t(lang, "linked-to")) }
                    (partner_select(state, lang, "handover-to"))
                    label for="handover-reason" { (t(lang, "linked-reason")) }
                    textarea id="handover-reason" name="reason" required maxlength=(REASON_MAX) {}
                    button type="submit" { (t(lang, "handover-submit")) }
                }
            }
            @if reads && handed_to.is_none() {
                h3 { (t(lang, "share-title")) }
                form.share method="post" action={ "/cases/" (case.0) "/share" } {
                    label for="share-to" { (t(lang, "linked-to")) }
                    (partner_select(state, lang, "share-to"))
                    fieldset {
                        legend { (t(lang, "share-choices")) }
                        @for (name, id) in [
                            ("no_identifiers", "share-no-identifiers"),
                            ("birth_year_only", "share-birth-year-only"),
                            ("commune_only", "share-commune-only"),
                        ] {
                            label { input type="checkbox" name=(name) value="on"; " " (t(lang, id)) }
                        }
                    }
                    button type="submit" { (t(lang, "share-submit")) }
                }
            }
            @if !shares.is_empty() {
                h3 { (t(lang, "share-list")) }
                table.shares {
                    thead { tr {
                        th { (t(lang, "linked-to")) } th { (t(lang, "linked-when")) }
                        th { (t(lang, "share-choices")) } th { (t(lang, "linked-status")) }
                    } }
                    tbody { @for s in &shares { tr {
                        td { (locality_name(state, &s.to_locality)) }
                        td { (local(s.created_at_s, lang)) }
                        td { (choices_text(lang, s.choices)) }
                        td {
                            @if let Some(at) = s.revoked_at_s {
                                (tr(lang, "share-revoked-at", &[("time", local(at, lang))]))
                            } @else {
                                form.inline method="post" action={ "/shares/" (s.id) "/revoke" } {
                                    button type="submit" { (t(lang, "share-revoke")) }
                                }
                            }
                        }
                    } } }
                }
            }
        }
    };
    (markup, handed_to.is_some())
}

/// The hand-over form as posted.
#[derive(Deserialize)]
pub(super) struct HandoverForm {
    to: Option<String>,
    reason: Option<String>,
}

/// A locality chosen in a form: required, and a code of the registry's shape.
fn chosen_locality(to: &Option<String>) -> Result<LocalityCode, FieldError> {
    match to.as_deref().map(str::trim) {
        None | Some("") => Err(FieldError::new("to", Reason::Required)),
        Some(t) => LocalityCode::parse(t).map_err(|_| FieldError::new("to", Reason::UnknownValue)),
    }
}

fn handover_refusal(ui: &Ui, title: &str, back: &str, e: HandoverError) -> Response {
    match e {
        HandoverError::Invalid(fields) => refused(ui, title, back, &fields),
        HandoverError::Forbidden => ui.fail(StatusCode::FORBIDDEN),
        HandoverError::NotLinked => refused(
            ui,
            title,
            back,
            &[FieldError::new("link", Reason::NotAllowed)],
        ),
        HandoverError::Store(e) => match super::moves::refusal_fields(&e) {
            Some(fields) => refused(ui, title, back, &fields),
            None => ui.failed("hand-over", &e),
        },
        e => ui.failed("hand-over", &e),
    }
}

fn path_id(id: &str) -> Option<i64> {
    id.parse::<i64>().ok().filter(|n| *n > 0)
}

/// Hands a case over (the case page's form): back to the case page, or each bad field named.
pub(super) async fn hand_over(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(f): Form<HandoverForm>,
) -> Response {
    let Some(case) = path_id(&id) else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let title = t(ui.lang, "handover-title");
    let back = format!("/cases/{case}");
    let to = match chosen_locality(&f.to) {
        Ok(to) => to,
        Err(e) => return refused(&ui, &title, &back, &[e]),
    };
    let reason = f.reason.as_deref().unwrap_or("");
    match state.hand_over(&ui.me, CaseId(case), &to, reason).await {
        Ok(Some(_)) => Redirect::to(&format!("{back}?done=form-saved")).into_response(),
        Ok(None) => ui.fail(StatusCode::NOT_FOUND),
        Err(e) => handover_refusal(&ui, &title, &back, e),
    }
}

/// The share form as posted (a checkbox is present when ticked).
#[derive(Deserialize)]
pub(super) struct ShareForm {
    to: Option<String>,
    no_identifiers: Option<String>,
    birth_year_only: Option<String>,
    commune_only: Option<String>,
}

fn share_refusal(ui: &Ui, title: &str, back: &str, e: ShareError) -> Response {
    match e {
        ShareError::Forbidden => ui.fail(StatusCode::FORBIDDEN),
        ShareError::NotFound => ui.fail(StatusCode::NOT_FOUND),
        ShareError::UnknownPartner(_) => {
            refused(ui, title, back, &[FieldError::new("to", Reason::NotFound)])
        }
        ShareError::Store(e) => ui.failed("share", &e),
    }
}

/// Shares a case for view (the case page's form), pseudonymised as ticked.
pub(super) async fn share(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(f): Form<ShareForm>,
) -> Response {
    let Some(case) = path_id(&id) else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let title = t(ui.lang, "share-title");
    let back = format!("/cases/{case}");
    let to = match chosen_locality(&f.to) {
        Ok(to) => to,
        Err(e) => return refused(&ui, &title, &back, &[e]),
    };
    let ticked = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.is_empty());
    let choices = Pseudonymisation {
        no_identifiers: ticked(&f.no_identifiers),
        birth_year_only: ticked(&f.birth_year_only),
        commune_only: ticked(&f.commune_only),
    };
    match state.share_case(&ui.me, CaseId(case), &to, choices).await {
        Ok(_) => Redirect::to(&format!("{back}?done=form-saved")).into_response(),
        Err(e) => share_refusal(&ui, &title, &back, e),
    }
}

/// Revokes a share (the case page's list): back to its case.
pub(super) async fn revoke(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
) -> Response {
    let Some(id) = path_id(&id) else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let title = t(ui.lang, "share-revoke");
    // The case to go back to; the use case checks the caller may see it before anything.
    let case = match state.store.share_out(id).await {
        Ok(Some(s)) => s.case_id.0,
        Ok(None) => return ui.fail(StatusCode::NOT_FOUND),
        Err(e) => return ui.failed("revoke", &e),
    };
    let back = format!("/cases/{case}");
    match state.revoke_share(&ui.me, id).await {
        Ok(_) => Redirect::to(&format!("{back}?done=form-saved")).into_response(),
        Err(e) => share_refusal(&ui, &title, &back, e),
    }
}

/// What an offer's Bundle says of the person: name, birth date and sex, read from its
/// Patient (the Bundle as JSON: a summary, not a second reading of FHIR).
fn offered_person(bundle: Option<&str>, lang: Lang) -> Option<String> {
    let b: serde_json::Value = serde_json::from_str(bundle?).ok()?;
    let patient = b["entry"]
        .as_array()?
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["resourceType"] == "Patient")?;
    let name = patient["name"][0]["text"].as_str().unwrap_or("?");
    let born = patient["birthDate"]
        .as_str()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map(|d| domain::lang::date(d, lang));
    Some(match born {
        Some(b) => tr(
            lang,
            "handover-person-born",
            &[("name", name.to_string()), ("born", b)],
        ),
        None => name.to_string(),
    })
}

fn status_text(lang: Lang, h: &Handover) -> String {
    let s = t(lang, &format!("handover-status-{}", h.status.as_str()));
    match h.answered_at_s {
        Some(at) => format!("{s} ({})", local(at, lang)),
        None => s,
    }
}

/// `/handovers`: offers to us, pending first with Accept and Reject; ours with their status
/// and a withdrawal while pending.
pub(super) async fn handovers_page(State(state): State<AppState>, ui: Ui) -> Response {
    let lang = ui.lang;
    let title = t(lang, "handovers-title");
    if state.link.is_none() {
        return ui.page(
            &title,
            html! { h1 { (title) } p { (t(lang, "linked-not-linked")) } },
        );
    }
    let all = match state.handovers(&ui.me, None).await {
        Ok(all) => all,
        Err(HandoverError::Forbidden) => return ui.fail(StatusCode::FORBIDDEN),
        Err(e) => return ui.failed("hand-overs", &e),
    };
    let (incoming, outgoing): (Vec<_>, Vec<_>) = all
        .into_iter()
        .partition(|h| h.direction == HandoverDirection::In);
    let body = html! {
        h1 { (title) }
        h2 id="incoming" { (t(lang, "handovers-incoming")) }
        @if incoming.is_empty() { p { (t(lang, "handovers-none")) } }
        @for h in &incoming {
            article.handover.incoming aria-labelledby={ "in-" (h.id) } {
                h3 id={ "in-" (h.id) } {
                    (tr(lang, "handover-from", &[("locality", locality_name(&state, &h.peer))]))
                    ": "
                    @match offered_person(h.bundle.as_deref(), lang) {
                        Some(p) => (p),
                        None => (t(lang, "handover-person-gone")),
                    }
                }
                p {
                    (t(lang, "linked-when")) ": " (local(h.created_at_s, lang)) " · "
                    (t(lang, "linked-reason")) ": " (h.reason)
                }
                p { (t(lang, "linked-status")) ": " strong.status { (status_text(lang, h)) }
                    @if let Some(r) = &h.answer_reason { " — " (r) }
                }
                @if h.status == HandoverStatus::Accepted { @if let Some(c) = h.case_id {
                    p { a href={ "/cases/" (c) } { (tr(lang, "handover-open-case", &[("id", c.to_string())])) } }
                } }
                @if h.status == HandoverStatus::Pending {
                    form.inline method="post" action={ "/handovers/" (h.id) "/answer" } {
                        input type="hidden" name="decision" value="accept";
                        button.primary type="submit" { (t(lang, "handover-accept")) }
                    }
                    form.inline method="post" action={ "/handovers/" (h.id) "/answer" } {
                        input type="hidden" name="decision" value="reject";
                        label for={ "reject-" (h.id) } { (t(lang, "handover-reject-reason")) }
                        input id={ "reject-" (h.id) } type="text" name="reason" required maxlength=(REASON_MAX);
                        button type="submit" { (t(lang, "handover-reject")) }
                    }
                }
            }
        }
        h2 id="outgoing" { (t(lang, "handovers-outgoing")) }
        @if outgoing.is_empty() { p { (t(lang, "handovers-none")) } } @else {
            table.outgoing {
                thead { tr {
                    th { (t(lang, "linked-case")) } th { (t(lang, "linked-to")) } th { (t(lang, "linked-when")) }
                    th { (t(lang, "linked-reason")) } th { (t(lang, "linked-status")) } th {}
                } }
                tbody { @for h in &outgoing { tr {
                    td { @if let Some(c) = h.case_id { a href={ "/cases/" (c) } { (c) } } }
                    td { (locality_name(&state, &h.peer)) }
                    td { (local(h.created_at_s, lang)) }
                    td { (h.reason) }
                    td.status { (status_text(lang, h)) @if let Some(r) = &h.answer_reason { " — " (r) } }
                    td { @if h.status == HandoverStatus::Pending {
                        form.inline method="post" action={ "/handovers/" (h.id) "/withdraw" } {
                            button type="submit" { (t(lang, "handover-withdraw")) }
                        }
                    } }
                } } }
            }
        }
    };
    ui.page(&title, body)
}

/// An answer to an offer as posted.
#[derive(Deserialize)]
pub(super) struct AnswerForm {
    /// `accept` or `reject`.
    decision: Option<String>,
    reason: Option<String>,
}

/// Accepts or rejects an offer to us: back to `/handovers` (an accepted case opens).
pub(super) async fn answer(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(f): Form<AnswerForm>,
) -> Response {
    let Some(id) = path_id(&id) else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let title = t(ui.lang, "handovers-title");
    let back = "/handovers";
    let accept = match f.decision.as_deref() {
        Some("accept") => true,
        Some("reject") => false,
        None | Some("") => {
            return refused(
                &ui,
                &title,
                back,
                &[FieldError::new("decision", Reason::Required)],
            )
        }
        Some(_) => {
            return refused(
                &ui,
                &title,
                back,
                &[FieldError::new("decision", Reason::UnknownValue)],
            )
        }
    };
    // An offer to us only (as the API): ours are withdrawn, not answered.
    match state.store.handover(id).await {
        Ok(Some(h)) if h.direction == HandoverDirection::In => {}
        Ok(_) => return ui.fail(StatusCode::NOT_FOUND),
        Err(e) => return ui.failed("answer", &e),
    }
    match state
        .answer_handover(&ui.me, id, accept, f.reason.as_deref())
        .await
    {
        Ok(Some(case)) => Redirect::to(&format!("/cases/{case}?done=form-saved")).into_response(),
        Ok(None) => Redirect::to("/handovers").into_response(),
        Err(e) => handover_refusal(&ui, &title, back, e),
    }
}

/// A withdrawal as posted: `back=case` returns to the case page.
#[derive(Deserialize)]
pub(super) struct WithdrawForm {
    back: Option<String>,
}

/// Withdraws our pending hand-over.
pub(super) async fn withdraw(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(f): Form<WithdrawForm>,
) -> Response {
    let Some(id) = path_id(&id) else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let title = t(ui.lang, "handover-withdraw");
    let case = match state.store.handover(id).await {
        Ok(Some(h)) if h.direction == HandoverDirection::Out => h.case_id,
        Ok(_) => return ui.fail(StatusCode::NOT_FOUND),
        Err(e) => return ui.failed("withdraw", &e),
    };
    let back = match (f.back.as_deref(), case) {
        (Some("case"), Some(c)) => format!("/cases/{c}"),
        _ => "/handovers".to_string(),
    };
    match state.withdraw_handover(&ui.me, id).await {
        Ok(true) => Redirect::to(&back).into_response(),
        Ok(false) => ui.fail(StatusCode::NOT_FOUND),
        Err(e) => handover_refusal(&ui, &title, &back, e),
    }
}

/// Who the copy is about, as far as it was shared: the name when identifiers travelled,
/// else the opaque token.
fn shared_who(lang: Lang, c: &SharedCase) -> String {
    match &c.person.full_name {
        Some(n) => n.clone(),
        None => tr(
            lang,
            "shared-anonymous",
            &[("token", c.person.token.chars().take(8).collect())],
        ),
    }
}

/// `/shared`: the copies other localities shared with us, newest first.
pub(super) async fn shared_list(State(state): State<AppState>, ui: Ui) -> Response {
    let lang = ui.lang;
    let title = t(lang, "shared-title");
    let copies = match state.shared_with_us(&ui.me).await {
        Ok(c) => c,
        Err(ShareError::Forbidden) => return ui.fail(StatusCode::FORBIDDEN),
        Err(e) => return ui.failed("shared", &e),
    };
    let body = html! {
        h1 { (title) }
        @if copies.is_empty() { p { (t(lang, "shared-none")) } } @else {
            table.shared {
                thead { tr {
                    th { (t(lang, "shared-who")) } th { (t(lang, "shared-from")) } th { (t(lang, "linked-when")) }
                    th { (t(lang, "share-choices")) } th { (t(lang, "linked-status")) }
                } }
                tbody { @for c in &copies { tr {
                    td { @match &c.case {
                        Some(case) => a href={ "/shared/" (c.id) } { (shared_who(lang, case)) },
                        None => span.muted { (t(lang, "shared-revoked")) },
                    } }
                    td { (locality_name(&state, &c.from_locality)) }
                    td { (local(c.received_at_s, lang)) }
                    td { @if let Some(case) = &c.case { (choices_text(lang, case.choices)) } }
                    td { @match c.revoked_at_s {
                        Some(at) => (tr(lang, "share-revoked-at", &[("time", local(at, lang))])),
                        None => (t(lang, "shared-current")),
                    } }
                } } }
            }
        }
    };
    ui.page(&title, body)
}

fn shared_copy_body(state: &AppState, lang: Lang, c: &SharedCopy, case: &SharedCase) -> Markup {
    let p = &case.person;
    let born = match (&p.birth_date, p.birth_year) {
        (Some(d), _) => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(|d| domain::lang::date(d, lang))
            .unwrap_or_else(|_| d.clone()),
        (None, Some(y)) => y.to_string(),
        (None, None) => String::new(),
    };
    let f = &case.case;
    html! {
        p.notice role="note" {
            (tr(lang, "shared-from-at", &[
                ("locality", locality_name(state, &c.from_locality)),
                ("time", local(c.received_at_s, lang)),
            ]))
            " " (t(lang, "shared-read-only"))
        }
        p { (t(lang, "share-choices")) ": " (choices_text(lang, case.choices)) }
        table.person {
            tr { th { (t(lang, "shared-who")) } td { (shared_who(lang, case)) } }
            @if let Some(n) = &p.national_id { tr { th { (t(lang, "shared-national-id")) } td { (n) } } }
            @if let Some(n) = &p.phone { tr { th { (t(lang, "shared-phone")) } td { (n) } } }
            tr { th { (t(lang, "shared-born")) } td { (born) } }
            tr { th { (t(lang, "shared-sex")) } td { (t(lang, &format!("shared-sex-{}", p.sex))) } }
            tr { th { (t(lang, "col-unit")) } td { (residence_name(p)) } }
            @if let Some(a) = &p.address { tr { th { (t(lang, "shared-address")) } td { (a) } } }
            tr { th { (t(lang, "col-status")) } td { (t(lang, &format!("status-{}", f.status))) } }
            tr { th { (t(lang, "col-severity")) } td { (t(lang, &format!("severity-{}", f.severity))) } }
            tr { th { (t(lang, "col-confirmed")) } td { (local(f.confirmed_at_s, lang)) } }
        }
        h2 { (t(lang, "case-tests")) }
        table { tbody { @for test in &case.tests { tr {
            td { (test.kind) } td { (local(test.sample_s, lang)) } td { (local(test.result_s, lang)) }
            td { (t(lang, if test.positive { "test-positive" } else { "test-negative" })) }
            td { @if let Some(ct) = test.ct { "Ct " (domain::lang::decimal(ct, 1, lang)) } }
        } } } }
        @if !case.doses.is_empty() {
            h2 { (t(lang, "shared-doses")) }
            ul { @for d in &case.doses { li { (d.dose_no) ". " (d.product) " — " (
                chrono::NaiveDate::parse_from_str(&d.given_on, "%Y-%m-%d")
                    .map(|x| domain::lang::date(x, lang)).unwrap_or_else(|_| d.given_on.clone())
            ) } } }
        }
        @if !case.stays.is_empty() {
            h2 { (t(lang, "shared-stays")) }
            ul { @for s in &case.stays { li {
                (s.facility_name.clone().unwrap_or_else(|| s.place.clone())) ": " (local(s.from_s, lang))
                @if let Some(u) = s.until_s { " → " (local(u, lang)) }
            } } }
        }
    }
}

/// `/shared/{id}`: one copy, read-only; what was not shared is not there to show. A
/// revoked copy says so and shows nothing of the case.
pub(super) async fn shared_page(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
) -> Response {
    let lang = ui.lang;
    let Some(id) = path_id(&id) else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let title = t(lang, "shared-copy-title");
    match state.shared_case(&ui.me, id).await {
        Ok(Some(c)) => match &c.case {
            Some(case) => {
                let body = html! { h1 { (title) } (shared_copy_body(&state, lang, &c, case)) };
                ui.page(&title, body)
            }
            None => ui.fail(StatusCode::NOT_FOUND),
        },
        Ok(None) => {
            // Revoked (or never here): say revoked when it was, nothing else of it.
            match state.shared_copy(&ui.me, id).await {
                Ok(Some(s)) if s.revoked_at_s.is_some() => {
                    let body = html! {
                        h1 { (title) }
                        p.notice role="status" {
                            (tr(lang, "shared-revoked-page", &[
                                ("locality", locality_name(&state, &s.from_locality)),
                                ("time", local(s.revoked_at_s.unwrap_or_default(), lang)),
                            ]))
                        }
                        p { a href="/shared" { "← " (t(lang, "shared-title")) } }
                    };
                    (StatusCode::GONE, ui.page(&title, body)).into_response()
                }
                Ok(_) => ui.fail(StatusCode::NOT_FOUND),
                Err(e) => ui.failed("shared copy", &e),
            }
        }
        Err(ShareError::Forbidden) => ui.fail(StatusCode::FORBIDDEN),
        Err(e) => ui.failed("shared copy", &e),
    }
}
