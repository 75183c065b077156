//! `POST /api/v1/checkins`: a batch of venue check-ins, answered item by item.

use app::checkin_group::CheckinError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::epi::ScanMode;
use domain::{FieldError, Reason};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::{CheckinItem, ItemOutcome, PersonRef, VenueRef, CHECKIN_BATCH_MAX};
use utoipa::ToSchema;

use super::casework::time as parse_time;
use crate::error::ApiError;
use crate::extract::{ApiJson, Auth};
use crate::messages::reason_message;
use crate::{AppState, Lang};
use app::clock::WallClock;

/// Bodies of up to 10,000 items: a larger limit than the rest of the API.
pub const CHECKIN_BODY_LIMIT_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, Deserialize, ToSchema)]
pub struct CheckinRequest {
    /// The device's id for this check-in: a retried batch resends it and is not stored twice.
    #[schema(value_type = String)]
    id: Option<Value>,
    /// A person id (number) or the payload of a personal QR code (string).
    #[schema(value_type = Object)]
    person: Option<Value>,
    /// A venue id (number) or the payload of the venue's QR poster (string).
    #[schema(value_type = Object)]
    venue: Option<Value>,
    /// RFC 3339 time of entry.
    t_in: Option<String>,
    /// RFC 3339 time of exit; absent: the policy's default stay.
    t_out: Option<String>,
    /// `self_scan` (the visitor scanned the venue) or `staff_scan`.
    mode: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ItemResult {
    index: usize,
    id: Option<String>,
    /// `accepted`, `duplicate` (stored before) or `rejected`.
    status: &'static str,
    errors: Vec<ItemError>,
}

#[derive(Serialize, ToSchema)]
pub struct ItemError {
    field: String,
    code: &'static str,
    message: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct CheckinResponse {
    accepted: usize,
    duplicates: usize,
    rejected: usize,
    items: Vec<ItemResult>,
}

/// The sender's id of a batch item: a string of 1–64 bytes or a number.
pub(crate) fn item_id(v: &Option<Value>, errors: &mut Vec<FieldError>) -> Option<String> {
    match v {
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 64 => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::String(s)) if s.len() > 64 => {
            errors.push(FieldError::new("id", Reason::TooLong));
            None
        }
        None | Some(Value::Null) => {
            errors.push(FieldError::new("id", Reason::Required));
            None
        }
        _ => {
            errors.push(FieldError::new("id", Reason::InvalidFormat));
            None
        }
    }
}

use app::checkins::CheckinWindow;

/// Checks one item's form; the store then checks what needs the database.
/// A poster's URL (`…/v/{token}`) and a personal QR (`CDP1:…`) are signed tokens: checked
/// here with the server's secret and turned into ids; a forged one is refused as
/// `invalid_format`. Other strings go to the store as before (`CDV1:` posters, chip ID cards).
fn parse_item(
    r: &CheckinRequest,
    window: CheckinWindow,
    secret: &domain::citizen_token::Secret,
) -> Result<CheckinItem, Vec<FieldError>> {
    let mut errors = Vec::new();
    let id = item_id(&r.id, &mut errors);
    let person = match &r.person {
        Some(Value::Number(n)) => n.as_i64().filter(|&i| i > 0).map(PersonRef::Id),
        Some(Value::String(s)) if s.starts_with(domain::citizen_token::PERSON_PREFIX) => {
            secret.parse_person_qr(s).map(PersonRef::Id)
        }
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 512 => Some(PersonRef::Qr(s.clone())),
        None | Some(Value::Null) => {
            errors.push(FieldError::new("person", Reason::Required));
            None
        }
        _ => None,
    };
    if person.is_none() && r.person.as_ref().is_some_and(|v| !v.is_null()) {
        errors.push(FieldError::new("person", Reason::InvalidFormat));
    }
    let venue = match &r.venue {
        Some(Value::Number(n)) => n.as_i64().filter(|&i| i > 0).map(VenueRef::Id),
        Some(Value::String(s)) if s.starts_with("http://") || s.starts_with("https://") => {
            secret.parse_venue_url(s).map(VenueRef::Id)
        }
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 512 => Some(VenueRef::Qr(s.clone())),
        None | Some(Value::Null) => {
            errors.push(FieldError::new("venue", Reason::Required));
            None
        }
        _ => None,
    };
    if venue.is_none() && r.venue.as_ref().is_some_and(|v| !v.is_null()) {
        errors.push(FieldError::new("venue", Reason::InvalidFormat));
    }
    let t_in = parse_time("t_in", r.t_in.as_deref(), &mut errors);
    if r.t_in.as_deref().is_none_or(str::is_empty) {
        errors.push(FieldError::new("t_in", Reason::Required));
    }
    let t_out = parse_time("t_out", r.t_out.as_deref(), &mut errors);
    app::checkins::check_times(t_in, t_out, window, &mut errors);
    let mode = match r.mode.as_deref() {
        None | Some("") => {
            errors.push(FieldError::new("mode", Reason::Required));
            None
        }
        Some(m) => m
            .parse::<ScanMode>()
            .map_err(|reason| errors.push(FieldError::new("mode", reason)))
            .ok(),
    };
    match (id, person, venue, t_in, mode) {
        (Some(client_id), Some(person), Some(venue), Some(t_in_s), Some(mode))
            if errors.is_empty() =>
        {
            Ok(CheckinItem {
                client_id,
                person,
                venue,
                t_in_s,
                t_out_s: t_out,
                mode,
            })
        }
        _ => Err(errors),
    }
}

/// Takes up to 10,000 check-ins. Each item is answered: `accepted` (stored now, durably:
/// the answer comes after the commit), `duplicate` (its id was stored before) or `rejected`
/// with the fields at fault. Bad items never stop the good ones.
#[utoipa::path(post, path = "/api/v1/checkins", request_body = Vec<CheckinRequest>, responses(
    (status = 200, body = CheckinResponse),
    (status = 400, body = crate::error::ErrorBody),
    (status = 413, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn ingest(
    State(state): State<AppState>,
    auth: Auth,
    crate::lang::AcceptLanguage(lang): crate::lang::AcceptLanguage,
    ApiJson(batch): ApiJson<Vec<CheckinRequest>>,
) -> Result<Json<CheckinResponse>, ApiError> {
    if batch.is_empty() {
        return Err(ApiError::field("items", Reason::Required));
    }
    if batch.len() > CHECKIN_BATCH_MAX {
        return Err(ApiError::field("items", Reason::TooLong));
    }
    // Counted in wall-clock hours: the locality's clock may stand in the past.
    if !state.checkin_quota.take(
        auth.0.user.id.0,
        batch.len() as u64,
        app::clock::WallClock::now_s(),
    ) {
        return Err(ApiError::new(crate::ErrorCode::RateLimited));
    }
    let window = state.checkin_window();
    let secret = state.citizen_secret().await?;
    let mut results: Vec<Option<Vec<FieldError>>> = Vec::with_capacity(batch.len());
    let mut valid = Vec::with_capacity(batch.len());
    let mut valid_index = Vec::with_capacity(batch.len());
    for (i, r) in batch.iter().enumerate() {
        match parse_item(r, window, &secret) {
            Ok(item) => {
                valid.push(item);
                valid_index.push(i);
                results.push(None);
            }
            Err(e) => results.push(Some(e)),
        }
    }
    let ingested = state
        .ingest_checkins(&auth.0, &valid, WallClock::now_s())
        .await?;
    let ids = batch.iter().map(|r| {
        r.id.as_ref().and_then(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    });
    let resp = answer_items(ids, results, valid_index, ingested.outcomes, lang);
    Ok(Json(resp))
}

/// The answer to one check-in: its device id, and whether it was stored now (201) or
/// before (200, a resent check-in).
#[derive(Serialize, ToSchema)]
pub struct CheckinOneResponse {
    id: String,
    /// `accepted` or `duplicate`.
    status: &'static str,
}

/// Takes ONE check-in (a phone that scanned a poster), in the batch's item shape. The answer
/// comes after the commit (durable) and after the tracing index took it; the server writes
/// the check-ins of concurrent requests in one transaction (`app::checkin_group`). 201: stored
/// now; 200: its id was stored before; 400: the item refused, its fields named.
#[utoipa::path(post, path = "/api/v1/checkins/one", request_body = CheckinRequest, responses(
    (status = 201, body = CheckinOneResponse),
    (status = 200, body = CheckinOneResponse),
    (status = 400, body = crate::error::ErrorBody),
    (status = 429, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn ingest_one(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(request): ApiJson<CheckinRequest>,
) -> Result<(StatusCode, Json<CheckinOneResponse>), ApiError> {
    let now_s = WallClock::now_s();
    // The same hourly allowance as the batch route: one item.
    if !state.checkin_quota.take(auth.0.user.id.0, 1, now_s) {
        return Err(ApiError::new(crate::ErrorCode::RateLimited));
    }
    let secret = state.citizen_secret().await?;
    let item = parse_item(&request, state.checkin_window(), &secret).map_err(ApiError::invalid)?;
    let id = item.client_id.clone();
    let outcome = state
        .checkin_one(&auth.0, item, now_s)
        .await
        .map_err(|e| match e {
            CheckinError::Store(e) => ApiError::from(e),
            CheckinError::Stopped => ApiError::new(crate::ErrorCode::Unavailable),
        })?;
    match outcome {
        ItemOutcome::Accepted => Ok((
            StatusCode::CREATED,
            Json(CheckinOneResponse {
                id,
                status: "accepted",
            }),
        )),
        ItemOutcome::Duplicate => Ok((
            StatusCode::OK,
            Json(CheckinOneResponse {
                id,
                status: "duplicate",
            }),
        )),
        ItemOutcome::Rejected(errors) => Err(ApiError::invalid(errors)),
    }
}

/// The per-item answer of a batch (check-ins, doses): `form` holds each item's form errors
/// (None when it went to the store), `stored` the store's outcomes of the items at
/// `stored_index`, in order.
pub(crate) fn answer_items(
    ids: impl Iterator<Item = Option<String>>,
    form: Vec<Option<Vec<FieldError>>>,
    stored_index: Vec<usize>,
    outcomes: Vec<ItemOutcome>,
    lang: Lang,
) -> CheckinResponse {
    let mut stored: Vec<Option<ItemOutcome>> = vec![None; form.len()];
    for (k, o) in stored_index.into_iter().zip(outcomes) {
        stored[k] = Some(o);
    }
    let mut resp = CheckinResponse {
        accepted: 0,
        duplicates: 0,
        rejected: 0,
        items: Vec::with_capacity(form.len()),
    };
    for (index, (id, (form, outcome))) in ids.zip(form.into_iter().zip(stored)).enumerate() {
        let (status, errors) = match (form, outcome) {
            (Some(errors), _) => ("rejected", errors),
            (None, Some(ItemOutcome::Accepted)) => ("accepted", Vec::new()),
            (None, Some(ItemOutcome::Duplicate)) => ("duplicate", Vec::new()),
            (None, Some(ItemOutcome::Rejected(errors))) => ("rejected", errors),
            (None, None) => (
                "rejected",
                vec![FieldError::new("id", Reason::InvalidFormat)],
            ),
        };
        match status {
            "accepted" => resp.accepted += 1,
            "duplicate" => resp.duplicates += 1,
            _ => resp.rejected += 1,
        }
        resp.items.push(ItemResult {
            index,
            id,
            status,
            errors: errors
                .into_iter()
                .map(|e| ItemError {
                    code: e.reason.code(),
                    message: reason_message(e.reason, lang),
                    field: e.field,
                })
                .collect(),
        });
    }
    resp
}

/// Property tests of the check-in parser: whatever a device sends, each item is either a
/// check-in inside the window (so inside what the tracing index holds) or named field
/// errors; the parser never panics.
#[cfg(test)]
mod fuzz {
    use proptest::prelude::*;
    use serde_json::{json, Value};

    use super::{parse_item, CheckinRequest, CheckinWindow};

    /// 2021-11-21T00:00Z with 3638/QĐ-BYT's 21 days.
    const NOW_S: i64 = 1_637_452_800;

    fn window() -> CheckinWindow {
        let policies = domain::policy::Policies::embedded().expect("embedded policies");
        CheckinWindow::at(&policies, NOW_S)
    }

    fn value() -> impl Strategy<Value = Option<Value>> {
        prop_oneof![
            Just(None),
            Just(Some(Value::Null)),
            any::<i64>().prop_map(|n| Some(json!(n))),
            any::<u64>().prop_map(|n| Some(json!(n))),
            any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map(Value::Number)),
            ".{0,600}".prop_map(|s| Some(Value::String(s))),
            "[0-9]{9,12}\\|.{0,20}".prop_map(|s| Some(Value::String(s))),
            Just(Some(json!([1]))),
            Just(Some(json!({"a": 1}))),
        ]
    }

    fn time() -> impl Strategy<Value = Option<String>> {
        prop_oneof![
            Just(None),
            Just(Some(String::new())),
            (-10_000_000_000i64..10_000_000_000i64)
                .prop_map(|t| { chrono::DateTime::from_timestamp(t, 0).map(|d| d.to_rfc3339()) }),
            (NOW_S - 30 * 86_400..NOW_S + 86_400)
                .prop_map(|t| { chrono::DateTime::from_timestamp(t, 0).map(|d| d.to_rfc3339()) }),
            ".{0,40}".prop_map(Some),
            Just(Some("+275760-09-13T00:00:00Z".into())),
            Just(Some("1900-01-01T00:00:00+07:00".into())),
        ]
    }

    fn request() -> impl Strategy<Value = CheckinRequest> {
        (
            value(),
            value(),
            value(),
            time(),
            time(),
            prop_oneof![
                Just(None),
                Just(Some("self_scan".to_string())),
                Just(Some("staff_scan".to_string())),
                ".{0,20}".prop_map(Some),
            ],
        )
            .prop_map(|(id, person, venue, t_in, t_out, mode)| CheckinRequest {
                id,
                person,
                venue,
                t_in,
                t_out,
                mode,
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn any_item_is_a_checkin_in_the_window_or_named_errors(r in request()) {
            let w = window();
            match parse_item(&r, w, &domain::citizen_token::Secret::from_bytes([1; 32])) {
                Ok(item) => {
                    prop_assert!(w.holds(item.t_in_s));
                    prop_assert!(!item.client_id.is_empty() && item.client_id.len() <= 64);
                    if let Some(out) = item.t_out_s {
                        prop_assert!(out > item.t_in_s && out - item.t_in_s <= 24 * 3600);
                    }
                    prop_assert!(trace::T_MIN_S <= item.t_in_s && item.t_in_s <= trace::T_MAX_S);
                }
                Err(errors) => {
                    prop_assert!(!errors.is_empty());
                    for e in errors {
                        prop_assert!(
                            ["id", "person", "venue", "t_in", "t_out", "mode"]
                                .contains(&e.field.as_str()),
                            "{}", e.field
                        );
                    }
                }
            }
        }
    }
}
