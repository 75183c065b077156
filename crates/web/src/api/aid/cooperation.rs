//! Cooperation agreements and activities between localities, and emulation campaigns.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use domain::aid::{ActivityKind, DEFAULT_COOPERATION_FIELDS};
use domain::{FieldError, Reason, UnitCode};
use serde::{Deserialize, Serialize};
use store::aid::{CampaignTask, Commendation, NewActivity, NewAgreement, NewCampaign};
use utoipa::ToSchema;

use super::{id_of, in_range, opt_date, req_date, text, today, Created};
use chrono::NaiveDate;
use domain::time::Dates;

/// The dates of agreements and their activities: from 2019-12 to ten years after today.
/// Agreements run for years; and they are facts of cooperation rather than of the outbreak,
/// so a locality whose clock is set in a past outbreak (a 2021 demo) still records one signed
/// later (the Hà Nội – Hồ Chí Minh City MoU of 2023) and its meetings.
fn cooperation_dates(today: NaiveDate) -> Dates {
    Dates::ahead(today, 3_653)
}
use crate::api::casework::{required, slug};
use crate::error::ApiError;
use crate::extract::{ApiJson, Auth};
use crate::AppState;

/// Fields, commitments, tasks and linked gifts per record: bounded like every list.
const LINES_MAX: usize = 50;

fn unit(field: &str, v: Option<&str>, errors: &mut Vec<FieldError>) -> Option<UnitCode> {
    match v {
        None | Some("") => required(field, None, errors),
        Some(u) => UnitCode::parse(u)
            .map_err(|e| errors.push(FieldError::new(field, e)))
            .ok(),
    }
}

fn bounded<T>(field: &str, v: &[T], errors: &mut Vec<FieldError>) {
    if v.len() > LINES_MAX {
        errors.push(FieldError::new(field, Reason::TooLong));
    }
}

#[derive(Deserialize, Serialize, ToSchema, Clone)]
pub struct CommitmentDto {
    /// Set by the server.
    #[serde(default)]
    pub id: i64,
    pub text: String,
    pub owner: String,
    /// 0–100.
    #[serde(default)]
    pub progress_pct: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct AgreementRequest {
    pub title: Option<String>,
    /// Unit codes of the two parties.
    pub party_a: Option<String>,
    pub party_b: Option<String>,
    pub signed_on: Option<String>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    /// Default: the nine fields of the 2023 Hà Nội – HCMC MoU.
    pub fields: Option<Vec<String>>,
    #[serde(default)]
    pub commitments: Vec<CommitmentDto>,
    pub source: Option<String>,
    pub source_quote: Option<String>,
}

/// Records a cooperation agreement between two localities, one of them the caller's.
#[utoipa::path(post, path = "/api/v1/cooperation/agreements", request_body = AgreementRequest, responses(
    (status = 201, body = Created),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn create_agreement(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(r): ApiJson<AgreementRequest>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let mut errors = Vec::new();
    let title = text("title", r.title.as_deref(), &mut errors);
    let title = required("title", title, &mut errors);
    let party_a = unit("party_a", r.party_a.as_deref(), &mut errors);
    let party_b = unit("party_b", r.party_b.as_deref(), &mut errors);
    let day = today(&state);
    let years = cooperation_dates(day);
    let signed_on = req_date("signed_on", r.signed_on.as_deref(), years, &mut errors);
    let starts_on = req_date("starts_on", r.starts_on.as_deref(), years, &mut errors);
    let ends_on = opt_date("ends_on", r.ends_on.as_deref(), years, &mut errors);
    if ends_on.is_some() && ends_on < starts_on {
        errors.push(FieldError::new("ends_on", Reason::OutOfRange));
    }
    let fields = r.fields.clone().unwrap_or_else(|| {
        DEFAULT_COOPERATION_FIELDS
            .iter()
            .map(|f| f.to_string())
            .collect()
    });
    bounded("fields", &fields, &mut errors);
    bounded("commitments", &r.commitments, &mut errors);
    if r.commitments
        .iter()
        .any(|c| !(0..=100).contains(&c.progress_pct))
    {
        errors.push(FieldError::new(
            "commitments.progress_pct",
            Reason::OutOfRange,
        ));
    }
    let source = text("source", r.source.as_deref(), &mut errors);
    let source = required("source", source, &mut errors);
    let source_quote = text("source_quote", r.source_quote.as_deref(), &mut errors);
    let (
        Some(title),
        Some(party_a),
        Some(party_b),
        Some(signed_on),
        Some(starts_on),
        Some(source),
        true,
    ) = (
        title,
        party_a,
        party_b,
        signed_on,
        starts_on,
        source,
        errors.is_empty(),
    )
    else {
        return Err(ApiError::invalid(errors));
    };
    let new = NewAgreement {
        title,
        party_a,
        party_b,
        signed_on,
        starts_on,
        ends_on,
        fields,
        commitments: r
            .commitments
            .iter()
            .map(|c| (c.text.clone(), c.owner.clone(), c.progress_pct))
            .collect(),
        source,
        source_quote,
    };
    let id = state
        .store
        .create_agreement(&auth.0, &new, state.now_s())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Deserialize, ToSchema)]
pub struct ActivityRequest {
    pub agreement_id: Option<i64>,
    /// `delegation_visit`, `online_talks` or `conference`.
    pub kind: Option<String>,
    pub date: Option<String>,
    /// Unit codes: who received the delegation, and who came.
    pub host: Option<String>,
    pub guest: Option<String>,
    pub title: Option<String>,
    pub participants: Option<String>,
    pub outcome: Option<String>,
    /// Gifts the activity carried or announced.
    #[serde(default)]
    pub donation_ids: Vec<i64>,
    pub source: Option<String>,
    pub source_quote: Option<String>,
}

/// Records a delegation visit, online talks or a conference between two localities.
#[utoipa::path(post, path = "/api/v1/cooperation/activities", request_body = ActivityRequest, responses(
    (status = 201, body = Created),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn create_activity(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(r): ApiJson<ActivityRequest>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let new = new_activity(&r, today(&state)).map_err(ApiError::invalid)?;
    let id = state
        .store
        .add_activity(&auth.0, &new, state.now_s())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// An activity from its request: every field checked, every error reported at once (the API
/// and the cooperation page's form share it).
pub(crate) fn new_activity(
    r: &ActivityRequest,
    today: NaiveDate,
) -> Result<NewActivity, Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = slug::<ActivityKind>("kind", r.kind.as_deref(), &mut errors);
    let on_date = req_date(
        "date",
        r.date.as_deref(),
        cooperation_dates(today),
        &mut errors,
    );
    let host = unit("host", r.host.as_deref(), &mut errors);
    let guest = unit("guest", r.guest.as_deref(), &mut errors);
    let title = text("title", r.title.as_deref(), &mut errors);
    let title = required("title", title, &mut errors);
    let participants = text("participants", r.participants.as_deref(), &mut errors);
    let outcome = text("outcome", r.outcome.as_deref(), &mut errors);
    bounded("donation_ids", &r.donation_ids, &mut errors);
    let source = text("source", r.source.as_deref(), &mut errors);
    let source = required("source", source, &mut errors);
    let source_quote = text("source_quote", r.source_quote.as_deref(), &mut errors);
    let (Some(kind), Some(on_date), Some(host), Some(guest), Some(title), Some(source), true) =
        (kind, on_date, host, guest, title, source, errors.is_empty())
    else {
        return Err(errors);
    };
    Ok(NewActivity {
        agreement_id: r.agreement_id,
        kind,
        on_date,
        host,
        guest,
        title,
        participants,
        outcome,
        donation_ids: r.donation_ids.clone(),
        source,
        source_quote,
    })
}

#[derive(Serialize, ToSchema)]
pub struct AgreementDto {
    pub id: i64,
    pub title: String,
    pub parties: [String; 2],
    pub signed_on: String,
    pub starts_on: String,
    pub ends_on: Option<String>,
    pub fields: Vec<String>,
    pub commitments: Vec<CommitmentDto>,
    pub source: String,
    pub source_quote: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ActivityDto {
    pub id: i64,
    pub agreement_id: Option<i64>,
    pub kind: String,
    pub date: String,
    pub host: String,
    pub guest: String,
    pub title: String,
    pub participants: Option<String>,
    pub outcome: Option<String>,
    pub donation_ids: Vec<i64>,
    pub source: String,
    pub source_quote: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CooperationDto {
    pub agreements: Vec<AgreementDto>,
    pub activities: Vec<ActivityDto>,
}

/// Agreements and activities where either party is in the caller's jurisdiction.
#[utoipa::path(get, path = "/api/v1/cooperation", responses(
    (status = 200, body = CooperationDto)
), security(("bearer" = [])))]
pub async fn list_cooperation(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<CooperationDto>, ApiError> {
    let (agreements, activities) = state.store.list_cooperation(&auth.0).await?;
    Ok(Json(CooperationDto {
        agreements: agreements
            .into_iter()
            .map(|a| AgreementDto {
                id: a.id,
                title: a.title,
                parties: [a.party_a, a.party_b],
                signed_on: a.signed_on,
                starts_on: a.starts_on,
                ends_on: a.ends_on,
                fields: a.fields,
                commitments: a
                    .commitments
                    .into_iter()
                    .map(|c| CommitmentDto {
                        id: c.id,
                        text: c.text,
                        owner: c.owner,
                        progress_pct: c.progress_pct,
                    })
                    .collect(),
                source: a.source,
                source_quote: a.source_quote,
            })
            .collect(),
        activities: activities
            .into_iter()
            .map(|a| ActivityDto {
                id: a.id,
                agreement_id: a.agreement_id,
                kind: a.kind,
                date: a.on_date,
                host: a.host,
                guest: a.guest,
                title: a.title,
                participants: a.participants,
                outcome: a.outcome,
                donation_ids: a.donation_ids,
                source: a.source,
                source_quote: a.source_quote,
            })
            .collect(),
    }))
}

#[derive(Deserialize, Serialize, ToSchema, Clone)]
pub struct TaskDto {
    /// Set by the server.
    #[serde(default)]
    pub no: i64,
    pub title: String,
    pub indicator: Option<String>,
    pub target: Option<i64>,
    pub progress: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
pub struct CampaignRequest {
    pub name: Option<String>,
    pub launched_on: Option<String>,
    pub launched_by: Option<String>,
    /// The launching jurisdiction (a unit code of the caller's).
    pub unit: Option<String>,
    #[serde(default)]
    pub tasks: Vec<TaskDto>,
    /// Units taking part.
    #[serde(default)]
    pub units: Vec<String>,
    pub source: Option<String>,
    pub source_quote: Option<String>,
}

/// Launches an emulation campaign with its key tasks.
#[utoipa::path(post, path = "/api/v1/campaigns", request_body = CampaignRequest, responses(
    (status = 201, body = Created),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn create_campaign(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(r): ApiJson<CampaignRequest>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let mut errors = Vec::new();
    let name = text("name", r.name.as_deref(), &mut errors);
    let name = required("name", name, &mut errors);
    let launched_on = req_date(
        "launched_on",
        r.launched_on.as_deref(),
        Dates::planned(today(&state)),
        &mut errors,
    );
    let launched_by = text("launched_by", r.launched_by.as_deref(), &mut errors);
    let launched_by = required("launched_by", launched_by, &mut errors);
    let launching = unit("unit", r.unit.as_deref(), &mut errors);
    bounded("tasks", &r.tasks, &mut errors);
    bounded("units", &r.units, &mut errors);
    if r.tasks.iter().any(|t| t.title.trim().is_empty()) {
        errors.push(FieldError::new("tasks.title", Reason::Required));
    }
    let units: Vec<UnitCode> = r
        .units
        .iter()
        .filter_map(|u| unit("units", Some(u), &mut errors))
        .collect();
    let source = text("source", r.source.as_deref(), &mut errors);
    let source = required("source", source, &mut errors);
    let source_quote = text("source_quote", r.source_quote.as_deref(), &mut errors);
    let (Some(name), Some(launched_on), Some(launched_by), Some(unit), Some(source), true) = (
        name,
        launched_on,
        launched_by,
        launching,
        source,
        errors.is_empty(),
    ) else {
        return Err(ApiError::invalid(errors));
    };
    let new = NewCampaign {
        name,
        launched_on,
        launched_by,
        unit,
        tasks: r
            .tasks
            .iter()
            .map(|t| CampaignTask {
                no: 0,
                title: t.title.clone(),
                indicator: t.indicator.clone(),
                target: t.target,
                progress: t.progress,
            })
            .collect(),
        units,
        source,
        source_quote,
    };
    let id = state
        .store
        .create_campaign(&auth.0, &new, state.now_s())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Deserialize, ToSchema)]
pub struct ProgressRequest {
    pub progress: Option<i64>,
}

/// Reports the progress of a campaign's key task (in the task's indicator).
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/tasks/{no}/progress", params(("id" = i64, Path), ("no" = i64, Path)), request_body = ProgressRequest, responses(
    (status = 204),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn report_progress(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, no)): Path<(String, String)>,
    ApiJson(r): ApiJson<ProgressRequest>,
) -> Result<StatusCode, ApiError> {
    let (id, no) = (id_of(&id)?, id_of(&no)?);
    let progress = task_progress(&r).map_err(ApiError::invalid)?;
    if state
        .store
        .report_task_progress(&auth.0, id, no, progress, state.now_s())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}

/// A task's progress: a count in the task's indicator, never negative (the API and the
/// campaigns page's form share it).
pub(crate) fn task_progress(r: &ProgressRequest) -> Result<i64, Vec<FieldError>> {
    let mut errors = Vec::new();
    in_range("progress", r.progress, 0..=i64::MAX, &mut errors).ok_or(errors)
}

#[derive(Serialize, ToSchema)]
pub struct CommendationDto {
    pub recipient: String,
    pub collective: bool,
    pub reason: String,
    pub on_date: String,
}

#[derive(Serialize, ToSchema)]
pub struct CampaignDto {
    pub id: i64,
    pub name: String,
    pub launched_on: String,
    pub launched_by: String,
    pub unit_code: String,
    pub tasks: Vec<TaskDto>,
    pub units: Vec<String>,
    pub commendations: Vec<CommendationDto>,
    pub source: String,
    pub source_quote: Option<String>,
}

/// Campaigns launched in the caller's jurisdiction.
#[utoipa::path(get, path = "/api/v1/campaigns", responses(
    (status = 200, body = Vec<CampaignDto>)
), security(("bearer" = [])))]
pub async fn list_campaigns(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<CampaignDto>>, ApiError> {
    let campaigns = state.store.list_campaigns(&auth.0).await?;
    Ok(Json(
        campaigns
            .into_iter()
            .map(|c| CampaignDto {
                id: c.id,
                name: c.name,
                launched_on: c.launched_on,
                launched_by: c.launched_by,
                unit_code: c.unit_code,
                tasks: c
                    .tasks
                    .into_iter()
                    .map(|t| TaskDto {
                        no: t.no,
                        title: t.title,
                        indicator: t.indicator,
                        target: t.target,
                        progress: t.progress,
                    })
                    .collect(),
                units: c.units.into_iter().map(|(code, _)| code).collect(),
                commendations: c
                    .commendations
                    .into_iter()
                    .map(|m| CommendationDto {
                        recipient: m.recipient,
                        collective: m.collective,
                        reason: m.reason,
                        on_date: m.on_date,
                    })
                    .collect(),
                source: c.source,
                source_quote: c.source_quote,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct CommitmentProgressRequest {
    /// 0–100.
    pub progress_pct: Option<i64>,
}

/// Reports how far a commitment of an agreement has come.
#[utoipa::path(post, path = "/api/v1/cooperation/commitments/{id}/progress", params(("id" = i64, Path)), request_body = CommitmentProgressRequest, responses(
    (status = 204),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn report_commitment(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<CommitmentProgressRequest>,
) -> Result<StatusCode, ApiError> {
    let id = id_of(&id)?;
    let pct = commitment_progress(&r).map_err(ApiError::invalid)?;
    if state
        .store
        .report_commitment(&auth.0, id, pct, state.now_s())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}

/// A commitment's progress, 0–100 % (the API and the cooperation page's form share it).
pub(crate) fn commitment_progress(r: &CommitmentProgressRequest) -> Result<i64, Vec<FieldError>> {
    let mut errors = Vec::new();
    in_range("progress_pct", r.progress_pct, 0..=100, &mut errors).ok_or(errors)
}

#[derive(Deserialize, ToSchema)]
pub struct CommendationRequest {
    pub recipient: Option<String>,
    /// A collective (unit, team) rather than a person.
    #[serde(default)]
    pub collective: bool,
    pub reason: Option<String>,
    pub on_date: Option<String>,
}

/// Commends an individual or a collective in a campaign of the caller's jurisdiction.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/commendations", params(("id" = i64, Path)), request_body = CommendationRequest, responses(
    (status = 204),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn commend(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<CommendationRequest>,
) -> Result<StatusCode, ApiError> {
    let id = id_of(&id)?;
    let c = new_commendation(&r, today(&state)).map_err(ApiError::invalid)?;
    if state
        .store
        .add_commendation(&auth.0, id, &c, state.now_s())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}

/// A commendation from its request (the API and the campaigns page's form share it).
pub(crate) fn new_commendation(
    r: &CommendationRequest,
    today: NaiveDate,
) -> Result<Commendation, Vec<FieldError>> {
    let mut errors = Vec::new();
    let recipient = text("recipient", r.recipient.as_deref(), &mut errors);
    let recipient = required("recipient", recipient, &mut errors);
    let reason = text("reason", r.reason.as_deref(), &mut errors);
    let reason = required("reason", reason, &mut errors);
    let on_date = req_date(
        "on_date",
        r.on_date.as_deref(),
        Dates::past(today),
        &mut errors,
    );
    let (Some(recipient), Some(reason), Some(on_date), true) =
        (recipient, reason, on_date, errors.is_empty())
    else {
        return Err(errors);
    };
    Ok(Commendation {
        recipient,
        collective: r.collective,
        reason,
        on_date: on_date.to_string(),
    })
}
