//! The person registry: create, read and list within the caller's jurisdiction. Every read
//! and change is in the audit log (the store writes it with the data).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::SecondsFormat;
use domain::person::{Person, PersonInput};
use domain::{PersonId, Structure};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{opt_param, ListResponse, PageParams};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, Auth};
use crate::AppState;
use app::clock::WallClock;

#[derive(Deserialize, ToSchema)]
pub struct PersonRequest {
    full_name: Option<String>,
    /// 12-digit citizen identity number (or 9-digit old ID).
    national_id: Option<String>,
    /// Vietnamese phone number; "+84 912 345 678" is stored as "0912345678".
    phone: Option<String>,
    /// YYYY-MM-DD.
    birth_date: Option<String>,
    /// `male`, `female`, `other` or `unknown` (default).
    sex: Option<String>,
    /// Unit of residence: a code of the 2021 structure ("00001") or "2025:CODE".
    unit: Option<String>,
    /// House, street, hamlet (at most 500 characters).
    address: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PersonDto {
    id: i64,
    full_name: String,
    national_id: Option<String>,
    phone: Option<String>,
    birth_date: Option<String>,
    sex: &'static str,
    structure: &'static str,
    unit_code: String,
    /// RFC 3339, UTC.
    created_at: String,
    /// Set when this record was merged into another person as a duplicate.
    merged_into: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedPersonDto {
    #[serde(flatten)]
    person: PersonDto,
    /// Persons in your jurisdiction with the same phone, or the same name and birth date:
    /// perhaps the same person (merge with `POST /api/v1/persons/{id}/merge`).
    possible_duplicates: Vec<i64>,
}

impl From<Person> for PersonDto {
    fn from(p: Person) -> PersonDto {
        PersonDto {
            id: p.id.0,
            full_name: p.full_name,
            national_id: p.national_id.map(|n| n.as_str().to_string()),
            phone: p.phone.map(|n| n.as_str().to_string()),
            birth_date: p.birth_date.map(|d| d.format("%Y-%m-%d").to_string()),
            sex: p.sex.as_str(),
            structure: p.structure.as_str(),
            unit_code: p.unit_code.to_string(),
            created_at: p.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            merged_into: p.merged_into.map(|m| m.0),
        }
    }
}

/// Registers a person in a unit of the caller's jurisdiction.
/// A national ID number already registered answers 409 (with the existing id when it is in
/// your jurisdiction); similar records are listed in `possible_duplicates`.
#[utoipa::path(post, path = "/api/v1/persons", request_body = PersonRequest, responses(
    (status = 201, body = CreatedPersonDto),
    (status = 400, body = crate::error::ErrorBody),
    (status = 403, body = crate::error::ErrorBody),
    (status = 409, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<PersonRequest>,
) -> Result<(StatusCode, Json<CreatedPersonDto>), ApiError> {
    let input = PersonInput {
        full_name: req.full_name,
        national_id: req.national_id,
        phone: req.phone,
        birth_date: req.birth_date,
        sex: req.sex,
        unit: req.unit,
    };
    let registered = state
        .register_person(&auth.0, &input, req.address.as_deref(), WallClock::now_s())
        .await
        .map_err(|e| match e {
            app::persons::RegisterError::Invalid(fields) => ApiError::invalid(fields),
            app::persons::RegisterError::Store(e) => e.into(),
        })?;
    let (person, possible_duplicates) = (
        registered.person,
        registered
            .possible_duplicates
            .into_iter()
            .map(|p| p.0)
            .collect(),
    );
    Ok((
        StatusCode::CREATED,
        Json(CreatedPersonDto {
            person: person.into(),
            possible_duplicates,
        }),
    ))
}

/// One person; 404 when it does not exist *or* lies outside the caller's jurisdiction.
#[utoipa::path(get, path = "/api/v1/persons/{id}", params(("id" = i64, Path)), responses(
    (status = 200, body = PersonDto),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn get_one(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<PersonDto>, ApiError> {
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found())?;
    let person = state
        .store
        .get_person(&auth.0, PersonId(id), WallClock::now_s())
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(person.into()))
}

#[derive(Deserialize, IntoParams)]
pub struct PersonQuery {
    /// Search: the start of a name, with or without diacritics ("nguyen van kiem" finds
    /// "Nguyễn Văn Kiểm"), a phone number or a national ID number. Results are ordered by
    /// name, in both structures; `structure` is then not used.
    q: Option<String>,
    /// `2021` (default) or `2025`: the structure of the residence units listed.
    structure: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// The persons of the caller's jurisdiction, by unit then id, by cursor; with `q`, the
/// persons found by name, phone or national ID, by name then id.
#[utoipa::path(get, path = "/api/v1/persons", params(PersonQuery), responses(
    (status = 200, body = ListResponse<PersonDto>),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PersonQuery>,
) -> Result<Json<ListResponse<PersonDto>>, ApiError> {
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor,
    }
    .parse()?;
    if q.q.is_some() {
        let query = app::persons::parse_search(q.q.as_deref()).map_err(ApiError::invalid)?;
        let found = state
            .store
            .search_persons(&auth.0, &query, &page, WallClock::now_s())
            .await?;
        return Ok(Json(ListResponse::from_page(found, |f| {
            PersonDto::from(f.person)
        })));
    }
    let structure = opt_param("structure", q.structure.as_deref(), str::parse::<Structure>)?
        .unwrap_or(Structure::S2021);
    let persons = state
        .store
        .list_persons(&auth.0, structure, &page, WallClock::now_s())
        .await?;
    Ok(Json(ListResponse::from_page(persons, PersonDto::from)))
}

#[derive(Deserialize, ToSchema)]
pub struct CorrectionRequest {
    full_name: Option<String>,
    /// YYYY-MM-DD; "" clears it.
    birth_date: Option<String>,
    /// `male`, `female`, `other` or `unknown`.
    sex: Option<String>,
    /// "" clears it.
    phone: Option<String>,
    /// "" clears it.
    national_id: Option<String>,
    /// House, street, hamlet; "" clears it.
    address: Option<String>,
}

/// Corrects a person's identity. Fields left out stay as they are; each changed field's old
/// value is kept in the person's history (shown on `/persons/{id}`), and the change is
/// audited. Every bad field is named at once (400); a national ID another person holds is
/// 409; outside the caller's jurisdiction, 404.
#[utoipa::path(patch, path = "/api/v1/persons/{id}", params(("id" = i64, Path)), request_body = CorrectionRequest, responses(
    (status = 200, body = PersonDto),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody),
    (status = 409, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn correct(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<CorrectionRequest>,
) -> Result<Json<PersonDto>, ApiError> {
    let id = PersonId(id.parse::<i64>().map_err(|_| ApiError::not_found())?);
    let input = app::persons::CorrectionInput {
        full_name: req.full_name,
        birth_date: req.birth_date,
        sex: req.sex,
        phone: req.phone,
        national_id: req.national_id,
        address: req.address,
    };
    let now = WallClock::now_s();
    match state.correct_person(&auth.0, id, &input, now).await {
        Ok(_) => {}
        Err(app::persons::CorrectionError::Invalid(fields)) => {
            return Err(ApiError::invalid(fields))
        }
        Err(app::persons::CorrectionError::NotFound) => return Err(ApiError::not_found()),
        Err(app::persons::CorrectionError::Store(e)) => return Err(e.into()),
    }
    let person = state
        .store
        .get_person(&auth.0, id, now)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(person.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct MergeRequest {
    /// The person to keep; the one in the path is the duplicate.
    into: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct MergeResponse {
    kept_id: i64,
    merged_id: i64,
    /// Rows moved to the kept person, by table.
    moved: std::collections::BTreeMap<&'static str, u64>,
}

/// Merges a duplicate record into the person to keep: cases, tests, check-ins, doses and
/// contacts move; the duplicate stays with `merged_into` set, and the merge is recorded.
/// A record already merged (either side) is 409 `conflict` with its field `merged`.
#[utoipa::path(post, path = "/api/v1/persons/{id}/merge", params(("id" = i64, Path)), request_body = MergeRequest, responses(
    (status = 200, body = MergeResponse),
    (status = 400, body = crate::error::ErrorBody),
    (status = 409, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn merge(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<MergeRequest>,
) -> Result<Json<MergeResponse>, ApiError> {
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found())?;
    let into = req
        .into
        .ok_or_else(|| ApiError::field("into", domain::Reason::Required))?;
    let merged = state
        .merge_persons(&auth.0, PersonId(id), PersonId(into), WallClock::now_s())
        .await?;
    Ok(Json(MergeResponse {
        kept_id: into,
        merged_id: id,
        moved: merged.moved.into_iter().collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct PairDto {
    /// The older record (the lower id).
    a: PersonDto,
    b: PersonDto,
    /// `national_id`, `phone_name` (the same phone and name without diacritics) or
    /// `name_birth` (the same name without diacritics and birth date).
    reason: &'static str,
}

#[derive(Deserialize, IntoParams)]
pub struct PairQuery {
    /// `2021` (default) or `2025`: the structure of the older record's unit.
    structure: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// Suspected duplicates in the caller's jurisdiction (both records in it, neither merged),
/// by the older record's unit, by cursor. Merge one with `POST /api/v1/persons/{id}/merge`.
#[utoipa::path(get, path = "/api/v1/persons/duplicates", params(PairQuery), responses(
    (status = 200, body = ListResponse<PairDto>),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn duplicates(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PairQuery>,
) -> Result<Json<ListResponse<PairDto>>, ApiError> {
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor,
    }
    .parse()?;
    let structure = opt_param("structure", q.structure.as_deref(), str::parse::<Structure>)?
        .unwrap_or(Structure::S2021);
    let pairs = state
        .store
        .duplicate_pairs(&auth.0, structure, &page, WallClock::now_s())
        .await?;
    Ok(Json(ListResponse::from_page(pairs, |p| PairDto {
        a: p.a.into(),
        b: p.b.into(),
        reason: p.reason.as_str(),
    })))
}
