//! Spreadsheet imports by API (issue #16, item 1): the file is the request's body (XLSX or
//! CSV bytes as they are), the kind and file name in the query. A preview writes nothing; a
//! commit writes every row not refused in one transaction, and the same file twice changes
//! nothing (200 with the earlier record instead of 201).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::extract::{ApiQuery, Auth};
use crate::lang::{AcceptLanguage, Lang};
use crate::messages::reason_message;
use crate::AppState;
use app::import::{
    Choice, Field, ImportError, Kind, Mapping, Outcome, Preview, ReadError, RowError, Upload,
};
use domain::Reason;

/// The largest file taken (a province's list of a month is a few MB; 1,000,000 rows of
/// cases are about 60 MB of CSV).
pub const IMPORT_BODY_LIMIT_BYTES: usize = 100 * 1024 * 1024;

/// Rows listed in a preview's answer (the counts cover all).
const ROWS_LISTED_MAX: usize = 1000;

#[derive(Deserialize, ToSchema)]
pub struct ImportQuery {
    /// `cases` (persons with their cases: an F0 line list).
    kind: Option<String>,
    /// The file's name as the user had it (kept in the record).
    file_name: Option<String>,
    /// The column mapping, one field per column in order, comma-separated; an empty one
    /// is not read. Absent: the proposed mapping.
    mapping: Option<String>,
    /// Lines (the header is line 1) of suspected duplicates to merge into the registered
    /// person, comma-separated; the others are registered as new persons.
    merge: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RowErrorDto {
    /// The column's header as the file has it; none when the field has no column.
    column: Option<String>,
    field: Option<String>,
    reason: &'static str,
    message: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct RowDto {
    line: usize,
    /// `matched`, `suspected`, `already` or `refused` (new rows are counted, not listed).
    outcome: &'static str,
    person_id: Option<i64>,
    /// Of a venue list: the venue already registered under the row's name and commune.
    #[serde(skip_serializing_if = "Option::is_none")]
    venue_id: Option<i64>,
    /// Why a suspected row may be a registered person (`phone_name`, `name_birth`).
    match_reason: Option<&'static str>,
    errors: Vec<RowErrorDto>,
}

#[derive(Serialize, ToSchema)]
pub struct CountsDto {
    total: usize,
    new: usize,
    matched: usize,
    suspected: usize,
    already: usize,
    refused: usize,
}

#[derive(Serialize, ToSchema)]
pub struct PreviewDto {
    sha256: String,
    headers: Vec<String>,
    /// The field of each column, null when not read.
    mapping: Vec<Option<String>>,
    counts: CountsDto,
    /// The first rows that are not simply new.
    rows: Vec<RowDto>,
    /// The earlier import of this same file: committing again changes nothing.
    imported: Option<ImportDto>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportDto {
    id: i64,
    kind: String,
    file_name: String,
    sha256: String,
    actor: String,
    created_at_s: i64,
    rows_total: i64,
    rows_new: i64,
    rows_matched: i64,
    rows_already: i64,
    rows_refused: i64,
}

impl From<store::ImportRecord> for ImportDto {
    fn from(r: store::ImportRecord) -> ImportDto {
        ImportDto {
            id: r.id,
            kind: r.kind,
            file_name: r.file_name,
            sha256: r.sha256,
            actor: r.actor,
            created_at_s: r.created_at_s,
            rows_total: r.counts.total,
            rows_new: r.counts.new,
            rows_matched: r.counts.matched,
            rows_already: r.counts.already,
            rows_refused: r.counts.refused,
        }
    }
}

/// The query and body as the use case takes them.
pub(crate) struct Parsed {
    pub kind: Kind,
    pub file_name: String,
    pub mapping: Option<Mapping>,
    pub choices: HashMap<usize, Choice>,
}

pub(crate) fn parse_query(q: &ImportQuery) -> Result<Parsed, ApiError> {
    let kind = match q.kind.as_deref().map(str::trim) {
        None | Some("") => return Err(ApiError::field("kind", Reason::Required)),
        Some(k) => Kind::parse(k).ok_or_else(|| ApiError::field("kind", Reason::UnknownValue))?,
    };
    let file_name = q
        .file_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or("upload")
        .to_string();
    if file_name.chars().count() > app::import::FILE_NAME_MAX_CHARS {
        return Err(ApiError::field("file_name", Reason::TooLong));
    }
    let mapping = match &q.mapping {
        None => None,
        Some(m) => Some(Mapping(
            m.split(',')
                .map(|f| match f.trim() {
                    "" => Ok(None),
                    f => Field::parse(f)
                        .map(Some)
                        .ok_or_else(|| ApiError::field("mapping", Reason::UnknownValue)),
                })
                .collect::<Result<_, _>>()?,
        )),
    };
    let mut choices = HashMap::new();
    for l in q.merge.iter().flat_map(|m| m.split(',')) {
        let l = l.trim();
        if l.is_empty() {
            continue;
        }
        let line = l
            .parse::<usize>()
            .map_err(|_| ApiError::field("merge", Reason::InvalidFormat))?;
        choices.insert(line, Choice::Merge);
    }
    Ok(Parsed {
        kind,
        file_name,
        mapping,
        choices,
    })
}

/// A read error as the field `file` at fault.
pub(crate) fn read_reason(e: &ReadError) -> Reason {
    match e {
        ReadError::Empty | ReadError::NoHeader => Reason::Required,
        ReadError::NotASheet | ReadError::Malformed(_) => Reason::InvalidFormat,
        ReadError::TooManyRows(_) => Reason::TooLong,
    }
}

pub(crate) fn import_error(e: ImportError) -> ApiError {
    match e {
        ImportError::Read(e) => ApiError::field("file", read_reason(&e)),
        ImportError::Refused(rows) => ApiError::invalid(
            rows.iter()
                .flat_map(|r| {
                    r.errors.iter().map(move |e| {
                        domain::FieldError::new(
                            format!("rows.{}.{}", r.line, e.field.map_or("row", Field::as_str)),
                            e.reason,
                        )
                    })
                })
                .collect(),
        ),
        ImportError::Store(e) => e.into(),
    }
}

fn error_dto(e: &RowError, lang: Lang) -> RowErrorDto {
    RowErrorDto {
        column: e.column.clone(),
        field: e.field.map(|f| f.as_str().to_string()),
        reason: e.reason.code(),
        message: reason_message(e.reason, lang),
    }
}

fn preview_dto(p: Preview, lang: Lang) -> PreviewDto {
    let rows = p
        .rows
        .iter()
        .filter_map(|r| {
            let (outcome, person_id, match_reason, errors) = match &r.outcome {
                Outcome::New => return None,
                Outcome::Matched(id) => ("matched", Some(id.0), None, Vec::new()),
                Outcome::Suspected(id, why) => {
                    ("suspected", Some(id.0), Some(why.as_str()), Vec::new())
                }
                Outcome::Already(id) => ("already", Some(id.0), None, Vec::new()),
                Outcome::VenueAlready(_) => ("already", None, None, Vec::new()),
                Outcome::Refused(errors) => (
                    "refused",
                    None,
                    None,
                    errors.iter().map(|e| error_dto(e, lang)).collect(),
                ),
            };
            let venue_id = match &r.outcome {
                Outcome::VenueAlready(v) => Some(v.0),
                _ => None,
            };
            Some(RowDto {
                line: r.line,
                outcome,
                person_id,
                venue_id,
                match_reason,
                errors,
            })
        })
        .take(ROWS_LISTED_MAX)
        .collect();
    let c = p.counts;
    PreviewDto {
        sha256: p.sha256,
        headers: p.headers,
        mapping: p
            .mapping
            .0
            .iter()
            .map(|f| f.map(|f| f.as_str().to_string()))
            .collect(),
        counts: CountsDto {
            total: c.total,
            new: c.new,
            matched: c.matched,
            suspected: c.suspected,
            already: c.already,
            refused: c.refused,
        },
        rows,
        imported: p.imported.map(ImportDto::from),
    }
}

/// Reads a file and judges every row, writing nothing: counts, the rows that are not simply
/// new (matched, suspected duplicates, already imported, refused with line, column and
/// reason in the caller's language) and the proposed or given mapping.
#[utoipa::path(post, path = "/api/v1/imports/preview", params(
    ("kind" = String, Query, description = "cases, doses, labs, contacts, venues or checkins"),
    ("file_name" = Option<String>, Query),
    ("mapping" = Option<String>, Query),
    ("merge" = Option<String>, Query),
), request_body(content = Vec<u8>, content_type = "application/octet-stream"), responses(
    (status = 200, body = PreviewDto),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn preview(
    State(state): State<AppState>,
    auth: Auth,
    AcceptLanguage(lang): AcceptLanguage,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
) -> Result<Json<PreviewDto>, ApiError> {
    let p = parse_query(&q)?;
    let upload = Upload {
        kind: p.kind,
        file_name: &p.file_name,
        bytes: &body,
    };
    let preview = state
        .preview_import(&auth.0, &upload, p.mapping.as_ref(), &p.choices)
        .await
        .map_err(import_error)?;
    Ok(Json(preview_dto(preview, lang)))
}

/// Commits a file: every row not refused is written with the import's record in one
/// transaction, or nothing. 201 with the record; 200 with the earlier record when the same
/// file was committed before (nothing changed).
#[utoipa::path(post, path = "/api/v1/imports", params(
    ("kind" = String, Query, description = "cases, doses, labs, contacts, venues or checkins"),
    ("file_name" = Option<String>, Query),
    ("mapping" = Option<String>, Query),
    ("merge" = Option<String>, Query),
), request_body(content = Vec<u8>, content_type = "application/octet-stream"), responses(
    (status = 201, body = ImportDto),
    (status = 200, body = ImportDto),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn commit(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
) -> Result<(StatusCode, Json<ImportDto>), ApiError> {
    let p = parse_query(&q)?;
    let upload = Upload {
        kind: p.kind,
        file_name: &p.file_name,
        bytes: &body,
    };
    let done = state
        .commit_import(&auth.0, &upload, p.mapping.as_ref(), &p.choices)
        .await
        .map_err(import_error)?;
    let status = if done.written {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(done.record.into())))
}

/// The recorded imports made by users within the caller's jurisdiction, newest first (at
/// most 200): who, when, which file, what it did.
#[utoipa::path(get, path = "/api/v1/imports", responses(
    (status = 200, body = Vec<ImportDto>)
), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Auth(caller): Auth,
) -> Result<Json<Vec<ImportDto>>, ApiError> {
    let records = state.imports(&caller, 200).await.map_err(import_error)?;
    Ok(Json(records.into_iter().map(ImportDto::from).collect()))
}

#[derive(Serialize, ToSchema)]
pub struct UploadDto {
    id: i64,
    /// The page showing its preview.
    preview: String,
    /// How far its preview or commit has gone (`GET`).
    progress: String,
}

/// Keeps a file for the import page (its preview and commit are pages that name it): the
/// file must be a sheet with a header row. Only its uploader reads it, for a day.
#[utoipa::path(post, path = "/api/v1/imports/uploads", params(
    ("kind" = String, Query, description = "cases, doses, labs, contacts, venues or checkins"),
    ("file_name" = Option<String>, Query),
), request_body(content = Vec<u8>, content_type = "application/octet-stream"), responses(
    (status = 201, body = UploadDto),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn upload(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
) -> Result<(StatusCode, Json<UploadDto>), ApiError> {
    let p = parse_query(&q)?;
    app::import::first_row(&body).map_err(|e| ApiError::field("file", read_reason(&e)))?;
    let id = state
        .store
        .stash_upload(&auth.0, p.kind.as_str(), &p.file_name, &body, state.now_s())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(UploadDto {
            id,
            preview: format!("/imports/uploads/{id}"),
            progress: format!("/api/v1/imports/uploads/{id}/progress"),
        }),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct ProgressDto {
    /// Whether the caller's preview or commit of this upload is running now.
    under_way: bool,
    /// `checking` (a preview) or `writing` (a commit); absent when nothing is under way.
    phase: Option<&'static str>,
    /// Rows judged so far, of `total` (0 until the rows are counted).
    done: usize,
    total: usize,
}

/// How far the caller's preview or commit of an uploaded file has gone: the import page's
/// bar polls it while the page's request runs. Another account's work reads as nothing.
#[utoipa::path(get, path = "/api/v1/imports/uploads/{id}/progress", params(("id" = i64, Path)), responses(
    (status = 200, body = ProgressDto)
), security(("bearer" = [])))]
pub async fn progress(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> Result<Json<ProgressDto>, ApiError> {
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found())?;
    let told = state.import_progress.get(caller.user.id.0, id);
    Ok(Json(ProgressDto {
        under_way: told.is_some(),
        phase: told.map(|t| t.phase.as_str()),
        done: told.map_or(0, |t| t.done),
        total: told.map_or(0, |t| t.total),
    }))
}
