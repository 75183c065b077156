//! Cooperation agreements and activities, and emulation campaigns with their key tasks; the
//! forms that record an activity, a commitment's progress, a task's progress and a
//! commendation (the API's checks, the API's roles and scope). Agreements and campaigns
//! themselves are created through the API.

use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use domain::aid::{self, ActivityKind};
use domain::{AgreementId, CampaignId, DonationId, FieldError, Reason};
use maud::{html, Markup};
use serde::Deserialize;
use store::aid::Agreement;

use super::super::shell::Ui;
use super::super::{t, tr};
use super::form::{answer, checked, filled, number, owned, ticked, FormSpec, Unsaved};
use crate::{AppState, Lang};
use app::aid::{
    commitment_progress, new_activity, new_commendation, task_progress, ActivityInput,
    CommendationInput,
};

/// After a form: what was saved (`activity`, `progress`, `commendation`).
#[derive(Deserialize)]
pub(in crate::ui) struct DoneQuery {
    done: Option<String>,
}

impl DoneQuery {
    /// The line that says so, in the page's language.
    fn line(&self, lang: Lang) -> Option<String> {
        let id = match self.done.as_deref()? {
            "activity" => "coop-activity-ok",
            "progress" => "coop-progress-ok",
            "commendation" => "commend-ok",
            _ => return None,
        };
        Some(t(lang, id))
    }
}

pub(in crate::ui) async fn cooperation_page(
    State(state): State<AppState>,
    ui: Ui,
    Query(done): Query<DoneQuery>,
) -> Response {
    let lang = ui.lang;
    let may_record = aid::may_record_aid(ui.me.user.role);
    let (agreements, activities) = match state.store.list_cooperation(&ui.me).await {
        Ok(found) => found,
        Err(e) => return ui.failed("cooperation page", &e),
    };
    let body = html! {
        h1 { (t(lang, "coop-title")) }
        p { a href="/aid" { (t(lang, "aid-title")) } " · " a href="/aid/campaigns" { (t(lang, "campaigns-title")) } }
        @if let Some(l) = done.line(lang) { p.ok role="status" { (l) } }
        h2 { (t(lang, "coop-agreements")) }
        @if agreements.is_empty() { p { (t(lang, "coop-none")) } }
        @for a in &agreements {
            article.agreement id={ "agreement-" (a.id) } {
                h3 { (a.title) }
                p { (a.party_a) " — " (a.party_b) "; "
                    (tr(lang, "coop-signed", &[("date", super::day(lang, &a.signed_on))])) "; "
                    (super::day(lang, &a.starts_on)) " → " (a.ends_on.as_ref().map(|e| super::day(lang, e)).unwrap_or_default()) }
                h4 { (tr(lang, "coop-fields", &[("n", a.fields.len().to_string())])) }
                ol { @for f in &a.fields { li { (f) } } }
                @if !a.commitments.is_empty() {
                    table {
                        thead { tr {
                            th { (t(lang, "coop-commitment")) } th { (t(lang, "coop-owner")) } th { (t(lang, "coop-progress")) }
                            @if may_record { th.noprint { (t(lang, "coop-progress-new")) } }
                        } }
                        tbody { @for c in &a.commitments { tr id={ "commitment-" (c.id) } {
                            td { (c.text) } td { (c.owner) } td { (c.progress_pct) " %" }
                            @if may_record { td.noprint {
                                form.inline method="post" action={ "/aid/cooperation/commitments/" (c.id) "/progress" } {
                                    label for={ "pct-" (c.id) } { (t(lang, "coop-progress-pct")) }
                                    input id={ "pct-" (c.id) } name="progress_pct" type="number" min="0" max="100" required value=(c.progress_pct);
                                    button type="submit" { (t(lang, "form-save")) }
                                }
                            } }
                        } } }
                    }
                }
                p.muted { (a.source) }
            }
        }
        h2 id="activities" { (t(lang, "coop-activities")) }
        @if activities.is_empty() { p { (t(lang, "coop-none")) } } @else {
            table {
                thead { tr {
                    th { (t(lang, "aid-col-date")) } th { (t(lang, "coop-kind")) } th { (t(lang, "coop-host")) }
                    th { (t(lang, "coop-guest")) } th { (t(lang, "coop-activity")) } th { (t(lang, "coop-gifts")) } th { (t(lang, "aid-col-source")) }
                } }
                tbody { @for a in &activities { tr {
                    td { (super::day(lang, &a.on_date)) } td { (t(lang, &format!("coop-kind-{}", a.kind))) }
                    td { (a.host) } td { (a.guest) }
                    td { (a.title) @if let Some(o) = &a.outcome { br; span.muted { (o) } } }
                    td { @for d in &a.donation_ids { a href={ "/aid/donations/" (d) } { "#" (d) } " " } }
                    td.muted { (a.source) }
                } } }
            }
        }
        @if may_record { (activity_form(lang, &agreements)) }
    };
    ui.page(&t(lang, "coop-title"), body)
}

/// The form that records a delegation visit, online talks or a conference.
fn activity_form(lang: Lang, agreements: &[Agreement]) -> Markup {
    html! {
        details.noprint {
            summary { (t(lang, "coop-record-activity")) }
            form.gift method="post" action="/aid/cooperation/activities" {
                label { (t(lang, "coop-kind")) " " select name="kind" required {
                    @for k in ActivityKind::ALL { option value=(k.as_str()) { (t(lang, &format!("coop-kind-{}", k.as_str()))) } } } }
                label { (t(lang, "aid-col-date")) " " input name="date" type="date" required; }
                label { (t(lang, "coop-host")) " " span.muted { (t(lang, "coop-unit-hint")) } input name="host" required size="8" placeholder="01"; }
                label { (t(lang, "coop-guest")) " " span.muted { (t(lang, "coop-unit-hint")) } input name="guest" required size="8" placeholder="LA"; }
                label { (t(lang, "coop-activity")) " " input name="title" required maxlength="2000"; }
                label { (t(lang, "coop-participants")) " " input name="participants" maxlength="2000"; }
                label { (t(lang, "coop-outcome")) " " textarea name="outcome" rows="2" {} }
                label { (t(lang, "coop-agreement")) " " select name="agreement_id" {
                    option value="" { "—" }
                    @for a in agreements { option value=(a.id) { (a.title) } } } }
                label { (t(lang, "coop-gifts")) " " span.muted { (t(lang, "coop-gifts-hint")) } input name="donation_ids" placeholder="12, 15"; }
                label { (t(lang, "aid-col-source")) " " input name="source" required maxlength="2000"; }
                button.primary type="submit" { (t(lang, "coop-record-activity")) }
            }
        }
    }
}

#[derive(Deserialize)]
pub(in crate::ui) struct ActivityForm {
    kind: Option<String>,
    date: Option<String>,
    host: Option<String>,
    guest: Option<String>,
    title: Option<String>,
    participants: Option<String>,
    outcome: Option<String>,
    agreement_id: Option<String>,
    donation_ids: Option<String>,
    source: Option<String>,
}

const ACTIVITY_FORM: FormSpec = FormSpec {
    title: "coop-record-activity",
    back: "/aid/cooperation#activities",
    back_title: "coop-title",
    labels: &[
        ("kind", "coop-kind"),
        ("date", "aid-col-date"),
        ("host", "coop-host"),
        ("guest", "coop-guest"),
        ("title", "coop-activity"),
        ("participants", "coop-participants"),
        ("outcome", "coop-outcome"),
        ("agreement_id", "coop-agreement"),
        ("donation_ids", "coop-gifts"),
        ("source", "aid-col-source"),
    ],
};

/// Gift numbers separated by commas or spaces ("12, 15", "#12 #15").
fn gift_ids(v: &Option<String>, errors: &mut Vec<FieldError>) -> Vec<DonationId> {
    let mut ids = Vec::new();
    for part in filled(v).unwrap_or_default().split([',', ';', ' ']) {
        match part.trim().trim_start_matches('#') {
            "" => {}
            n => match n.parse::<i64>() {
                Ok(id) if id > 0 => ids.push(DonationId::new(id)),
                _ => {
                    errors.push(FieldError::new("donation_ids", Reason::InvalidFormat));
                    return Vec::new();
                }
            },
        }
    }
    ids
}

/// Records an activity from the form, as `POST /api/v1/cooperation/activities` does.
pub(in crate::ui) async fn record_activity(
    State(state): State<AppState>,
    ui: Ui,
    Form(f): Form<ActivityForm>,
) -> Response {
    let mut errors = Vec::new();
    let request = ActivityInput {
        agreement_id: number("agreement_id", &f.agreement_id, &mut errors).map(AgreementId::new),
        kind: owned(&f.kind),
        date: owned(&f.date),
        host: owned(&f.host),
        guest: owned(&f.guest),
        title: owned(&f.title),
        participants: owned(&f.participants),
        outcome: owned(&f.outcome),
        donation_ids: gift_ids(&f.donation_ids, &mut errors),
        source: owned(&f.source),
        source_quote: None,
    };
    let saved = async {
        let new = checked(
            errors,
            new_activity(&request, crate::local_time::local_date(state.now_s())),
        )?;
        state
            .store
            .add_activity(&ui.me, &new, state.now_s())
            .await?;
        Ok::<_, Unsaved>("/aid/cooperation?done=activity#activities".to_string())
    };
    answer(&ui, &ACTIVITY_FORM, saved.await)
}

#[derive(Deserialize)]
pub(in crate::ui) struct CommitmentForm {
    progress_pct: Option<String>,
}

const COMMITMENT_FORM: FormSpec = FormSpec {
    title: "coop-progress-new",
    back: "/aid/cooperation",
    back_title: "coop-title",
    labels: &[("progress_pct", "coop-progress-pct")],
};

/// A record's id in a form's address; anything else is not found.
fn path_id<I: std::str::FromStr>(s: &str) -> Result<I, Unsaved> {
    s.parse().map_err(|_| Unsaved::Missing)
}

/// Found and changed, or not there / not the caller's (the API's 404).
fn found(changed: bool) -> Result<(), Unsaved> {
    changed.then_some(()).ok_or(Unsaved::Missing)
}

/// Reports a commitment's progress from the form, as
/// `POST /api/v1/cooperation/commitments/{id}/progress` does.
pub(in crate::ui) async fn report_commitment(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(f): Form<CommitmentForm>,
) -> Response {
    let mut errors = Vec::new();
    let progress_pct = number("progress_pct", &f.progress_pct, &mut errors);
    let saved = async {
        let id = path_id(&id)?;
        let pct = checked(errors, commitment_progress(progress_pct))?;
        found(
            state
                .store
                .report_commitment(&ui.me, id, pct, state.now_s())
                .await?,
        )?;
        Ok::<_, Unsaved>(format!("/aid/cooperation?done=progress#commitment-{id}"))
    };
    answer(&ui, &COMMITMENT_FORM, saved.await)
}

pub(in crate::ui) async fn campaigns_page(
    State(state): State<AppState>,
    ui: Ui,
    Query(done): Query<DoneQuery>,
) -> Response {
    let lang = ui.lang;
    let may_record = aid::may_record_aid(ui.me.user.role);
    let campaigns = match state.store.list_campaigns(&ui.me).await {
        Ok(found) => found,
        Err(e) => return ui.failed("campaigns page", &e),
    };
    let body = html! {
        h1 { (t(lang, "campaigns-title")) }
        p { a href="/aid" { (t(lang, "aid-title")) } " · " a href="/aid/cooperation" { (t(lang, "coop-title")) } }
        @if let Some(l) = done.line(lang) { p.ok role="status" { (l) } }
        @if campaigns.is_empty() { p { (t(lang, "coop-none")) } }
        @for c in &campaigns {
            article.campaign id={ "campaign-" (c.id) } {
                h2 { (c.name) }
                p { (tr(lang, "campaign-launched", &[("date", super::day(lang, &c.launched_on)), ("by", c.launched_by.clone())])) }
                table {
                    thead { tr {
                        th { "#" } th { (t(lang, "campaign-task")) } th { (t(lang, "campaign-indicator")) } th { (t(lang, "campaign-target")) } th { (t(lang, "campaign-progress")) }
                        @if may_record { th.noprint { (t(lang, "campaign-progress-new")) } }
                    } }
                    tbody { @for task in &c.tasks { tr {
                        td { (task.no) } td { (task.title) } td { (task.indicator.clone().unwrap_or_default()) }
                        td { @if let Some(v) = task.target { (v) } }
                        td { @if let Some(v) = task.progress { (v) } }
                        @if may_record { td.noprint {
                            @let input_id = format!("progress-{}-{}", c.id, task.no);
                            form.inline method="post" action={ "/aid/campaigns/" (c.id) "/tasks/" (task.no) "/progress" } {
                                label for=(input_id) { (t(lang, "campaign-progress")) }
                                input id=(input_id) name="progress" type="number" min="0" required value=[task.progress];
                                button type="submit" { (t(lang, "form-save")) }
                            }
                        } }
                    } } }
                }
                @if !c.units.is_empty() {
                    p { (t(lang, "campaign-units")) ": " (c.units.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(", ")) }
                }
                @if !c.commendations.is_empty() {
                    h3 { (t(lang, "campaign-commendations")) }
                    ul { @for m in &c.commendations { li { (m.recipient) " — " (m.reason) " (" (super::day(lang, &m.on_date)) ")" } } }
                }
                @if may_record { (commendation_form(lang, c.id)) }
                p.muted { (c.source) }
            }
        }
    };
    ui.page(&t(lang, "campaigns-title"), body)
}

/// The form that commends someone in a campaign.
fn commendation_form(lang: Lang, campaign: CampaignId) -> Markup {
    html! {
        details.noprint {
            summary { (t(lang, "commend-record")) }
            form.gift method="post" action={ "/aid/campaigns/" (campaign) "/commendations" } {
                label { (t(lang, "commend-recipient")) " " input name="recipient" required maxlength="2000"; }
                label.check { input name="collective" type="checkbox" value="on"; " " (t(lang, "commend-collective")) }
                label { (t(lang, "commend-reason")) " " input name="reason" required maxlength="2000"; }
                label { (t(lang, "aid-col-date")) " " input name="on_date" type="date" required; }
                button.primary type="submit" { (t(lang, "commend-record")) }
            }
        }
    }
}

#[derive(Deserialize)]
pub(in crate::ui) struct TaskProgressForm {
    progress: Option<String>,
}

const TASK_FORM: FormSpec = FormSpec {
    title: "campaign-progress-new",
    back: "/aid/campaigns",
    back_title: "campaigns-title",
    labels: &[("progress", "campaign-progress")],
};

/// Reports a task's progress from the form, as
/// `POST /api/v1/campaigns/{id}/tasks/{no}/progress` does.
pub(in crate::ui) async fn report_task_progress(
    State(state): State<AppState>,
    ui: Ui,
    Path((id, no)): Path<(String, String)>,
    Form(f): Form<TaskProgressForm>,
) -> Response {
    let mut errors = Vec::new();
    let progress = number("progress", &f.progress, &mut errors);
    let saved = async {
        let (id, no) = (path_id(&id)?, path_id::<i64>(&no)?);
        let progress = checked(errors, task_progress(progress))?;
        found(
            state
                .store
                .report_task_progress(&ui.me, id, no, progress, state.now_s())
                .await?,
        )?;
        Ok::<_, Unsaved>(format!("/aid/campaigns?done=progress#campaign-{id}"))
    };
    answer(&ui, &TASK_FORM, saved.await)
}

#[derive(Deserialize)]
pub(in crate::ui) struct CommendationForm {
    recipient: Option<String>,
    collective: Option<String>,
    reason: Option<String>,
    on_date: Option<String>,
}

const COMMENDATION_FORM: FormSpec = FormSpec {
    title: "commend-record",
    back: "/aid/campaigns",
    back_title: "campaigns-title",
    labels: &[
        ("recipient", "commend-recipient"),
        ("reason", "commend-reason"),
        ("on_date", "aid-col-date"),
    ],
};

/// Commends someone in a campaign from the form, as
/// `POST /api/v1/campaigns/{id}/commendations` does.
pub(in crate::ui) async fn commend(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(f): Form<CommendationForm>,
) -> Response {
    let request = CommendationInput {
        recipient: owned(&f.recipient),
        collective: ticked(&f.collective),
        reason: owned(&f.reason),
        on_date: owned(&f.on_date),
    };
    let saved = async {
        let id = path_id(&id)?;
        let c = checked(
            Vec::new(),
            new_commendation(&request, crate::local_time::local_date(state.now_s())),
        )?;
        found(
            state
                .store
                .add_commendation(&ui.me, id, &c, state.now_s())
                .await?,
        )?;
        Ok::<_, Unsaved>(format!("/aid/campaigns?done=commendation#campaign-{id}"))
    };
    answer(&ui, &COMMENDATION_FORM, saved.await)
}
