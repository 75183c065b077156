//! The national view as JSON (`GET /api/v1/national`): the numbers of the `/national` page
//! (`app::national`), each linked locality's latest published figures and their totals.

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use app::national::{beds_free, national_view, LocalityRow};

use crate::error::ApiError;
use crate::extract::Auth;
use crate::AppState;

#[derive(Serialize, ToSchema)]
pub struct OpenNeedDto {
    /// The item's slug (`masks`, `antigen_test_kits`, …).
    item: String,
    quantity: i64,
    unit: String,
}

#[derive(Serialize, ToSchema)]
pub struct LocalityFiguresDto {
    /// The locality's code in the registry (its province code for a province).
    code: String,
    name: String,
    /// YYYY-MM-DD: the day the figures are of.
    day: String,
    cases_new: i64,
    cases_active: i64,
    deaths: i64,
    recovered: i64,
    f1_under_follow_up: i64,
    vaccinated: i64,
    /// Free beds by tier: index 0 the F1 quarantine places, 1–3 the treatment tiers.
    beds_free: Vec<i64>,
    /// The latest week published (its last day), if any.
    levels_week: Option<String>,
    /// Communes at level 1, 2, 3, 4.
    level_counts: Vec<i64>,
    /// The highest level published for any commune.
    worst_level: Option<i64>,
    needs: Vec<OpenNeedDto>,
    /// When this instance received them (RFC 3339).
    received_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct NationalTotalsDto {
    cases_new: i64,
    cases_active: i64,
    deaths: i64,
    recovered: i64,
    f1_under_follow_up: i64,
    vaccinated: i64,
    beds_free: Vec<i64>,
    level_counts: Vec<i64>,
    open_needs: i64,
}

#[derive(Serialize, ToSchema)]
pub struct NationalDto {
    localities: Vec<LocalityFiguresDto>,
    total: NationalTotalsDto,
}

fn row(r: &LocalityRow) -> LocalityFiguresDto {
    let f = &r.figures;
    LocalityFiguresDto {
        code: r.code.clone(),
        name: r.name.clone(),
        day: f.day.clone(),
        cases_new: f.cases_new,
        cases_active: f.cases_active,
        deaths: f.deaths,
        recovered: f.recovered,
        f1_under_follow_up: f.f1_under_follow_up,
        vaccinated: f.vaccinated,
        beds_free: (0..app::national::TIERS as u8)
            .map(|t| beds_free(f, t))
            .collect(),
        levels_week: f.levels.week.clone(),
        level_counts: f.levels.counts.to_vec(),
        worst_level: f.levels.worst(),
        needs: f
            .needs
            .iter()
            .map(|n| OpenNeedDto {
                item: n.item.clone(),
                quantity: n.quantity,
                unit: n.unit.clone(),
            })
            .collect(),
        received_at: crate::local_time::iso(r.received_at_s),
    }
}

/// Each linked locality's latest figures and their totals (command roles).
#[utoipa::path(get, path = "/api/v1/national", responses(
    (status = 200, body = NationalDto),
    (status = 403, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn national(
    State(state): State<AppState>,
    _auth: Auth,
) -> Result<Json<NationalDto>, ApiError> {
    let view = national_view(&state).await?;
    let t = &view.total;
    Ok(Json(NationalDto {
        localities: view.rows.iter().map(row).collect(),
        total: NationalTotalsDto {
            cases_new: t.cases_new,
            cases_active: t.cases_active,
            deaths: t.deaths,
            recovered: t.recovered,
            f1_under_follow_up: t.f1_under_follow_up,
            vaccinated: t.vaccinated,
            beds_free: t.beds_free.to_vec(),
            level_counts: t.level_counts.to_vec(),
            open_needs: t.open_needs,
        },
    }))
}
