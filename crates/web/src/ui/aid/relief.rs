//! The relief section's forms: declare a lockdown zone, open a round in one, hand a household
//! its package of a round. The API's checks (`new_zone`, `new_round`) and the store's scope
//! rules: a zone is declared, and its rounds opened, from a jurisdiction holding all its units.

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::aid::ReliefKind;
use domain::{FieldError, Reason, RoundId, ZoneId};
use maud::{html, Markup};
use serde::Deserialize;
use store::aid::ZoneProgress;

use super::super::shell::Ui;
use super::super::t;
use super::form::{answer, checked, number, owned, FormSpec, Unsaved};
use crate::{AppState, Lang};
use app::aid::{new_round, new_zone, RoundInput, ZoneInput};

/// The two forms, folded under their summaries below the relief table.
pub(super) fn relief_forms(lang: Lang, zones: &[ZoneProgress]) -> Markup {
    html! {
        details.noprint {
            summary { (t(lang, "relief-declare")) }
            form.gift method="post" action="/aid/relief/zones" {
                label { (t(lang, "relief-zone-name")) " " input name="name" required maxlength="2000"; }
                label { (t(lang, "relief-units")) " " span.muted { (t(lang, "relief-units-hint")) }
                    textarea name="units" rows="3" required placeholder="00001\n00004" {} }
                label { (t(lang, "relief-addresses")) " " span.muted { (t(lang, "relief-addresses-hint")) }
                    textarea name="addresses" rows="3" {} }
                label { (t(lang, "relief-starts")) " " input name="starts_on" type="date" required; }
                label { (t(lang, "relief-ends")) " " input name="ends_on" type="date"; }
                label { (t(lang, "relief-population")) " " input name="population" type="number" min="0" required; }
                label { (t(lang, "relief-households-number")) " " input name="households" type="number" min="0" required; }
                button.primary type="submit" { (t(lang, "relief-declare")) }
            }
        }
        @if !zones.is_empty() {
            details.noprint {
                summary { (t(lang, "relief-open-round")) }
                form.gift method="post" action="/aid/relief/rounds" {
                    label { (t(lang, "relief-zone")) " " select name="zone" required {
                        @for z in zones { option value=(z.id) { (z.name) " (" (super::day(lang, &z.starts_on)) ")" } } } }
                    label { (t(lang, "relief-round-name")) " " input name="name" required maxlength="2000"; }
                    label { (t(lang, "relief-round-kind")) " " select name="kind" required {
                        @for k in ReliefKind::ALL { option value=(k.as_str()) { (t(lang, &format!("relief-kind-{}", k.as_str()))) } } } }
                    label { (t(lang, "relief-starts")) " " input name="starts_on" type="date" required; }
                    button.primary type="submit" { (t(lang, "relief-open-round")) }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub(in crate::ui) struct ZoneForm {
    name: Option<String>,
    units: Option<String>,
    addresses: Option<String>,
    starts_on: Option<String>,
    ends_on: Option<String>,
    population: Option<String>,
    households: Option<String>,
}

const ZONE_FORM: FormSpec = FormSpec {
    title: "relief-declare",
    back: "/aid#relief",
    back_title: "aid-title",
    labels: &[
        ("name", "relief-zone-name"),
        ("units", "relief-units"),
        ("unit", "relief-units"),
        ("addresses", "relief-addresses"),
        ("starts_on", "relief-starts"),
        ("ends_on", "relief-ends"),
        ("population", "relief-population"),
        ("households", "relief-households-number"),
    ],
};

/// Unit codes typed one a line or separated by commas (or semicolons).
fn unit_list(v: &Option<String>) -> Vec<String> {
    v.as_deref()
        .unwrap_or_default()
        .split(['\n', ',', ';'])
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_string)
        .collect()
}

/// Address lines, one a line (an address may hold commas); blank lines are dropped.
fn lines(v: &Option<String>) -> Vec<String> {
    v.as_deref()
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Declares a zone from the form, as `POST /api/v1/relief/zones` does.
pub(in crate::ui) async fn declare_zone(
    State(state): State<AppState>,
    ui: Ui,
    Form(f): Form<ZoneForm>,
) -> Response {
    let mut errors = Vec::new();
    let request = ZoneInput {
        name: owned(&f.name),
        units: Some(unit_list(&f.units)),
        unit: None,
        addresses: Some(lines(&f.addresses)),
        starts_on: owned(&f.starts_on),
        ends_on: owned(&f.ends_on),
        population: number("population", &f.population, &mut errors),
        households: number("households", &f.households, &mut errors),
    };
    let saved = async {
        let (new, _) = checked(
            errors,
            new_zone(&request, crate::local_time::local_date(state.now_s())),
        )?;
        let id = state.store.create_zone(&ui.me, &new, state.now_s()).await?;
        Ok::<_, Unsaved>(format!("/aid?zone_declared={id}#relief"))
    };
    answer(&ui, &ZONE_FORM, saved.await)
}

#[derive(Deserialize)]
pub(in crate::ui) struct RoundForm {
    zone: Option<String>,
    name: Option<String>,
    kind: Option<String>,
    starts_on: Option<String>,
}

const ROUND_FORM: FormSpec = FormSpec {
    title: "relief-open-round",
    back: "/aid#relief",
    back_title: "aid-title",
    labels: &[
        ("zone", "relief-zone"),
        ("name", "relief-round-name"),
        ("kind", "relief-round-kind"),
        ("starts_on", "relief-starts"),
    ],
};

/// Opens a round in a zone from the form, as `POST /api/v1/relief/zones/{id}/rounds` does. A
/// zone that is not there, or not wholly the caller's, is named as not found.
pub(in crate::ui) async fn open_round(
    State(state): State<AppState>,
    ui: Ui,
    Form(f): Form<RoundForm>,
) -> Response {
    let mut errors = Vec::new();
    let zone = number("zone", &f.zone, &mut errors);
    if zone.is_none() && errors.is_empty() {
        errors.push(FieldError::new("zone", Reason::Required));
    }
    let request = RoundInput {
        name: owned(&f.name),
        kind: owned(&f.kind),
        starts_on: owned(&f.starts_on),
    };
    let saved = async {
        let new = checked(
            errors,
            new_round(&request, crate::local_time::local_date(state.now_s())),
        )?;
        let zone = zone.map(ZoneId::new).ok_or(Unsaved::Failed)?;
        match state
            .store
            .create_round(&ui.me, zone, &new, state.now_s())
            .await?
        {
            Some(id) => Ok(format!("/aid?round_opened={id}#relief")),
            None => Err(Unsaved::Fields(vec![FieldError::new(
                "zone",
                Reason::NotFound,
            )])),
        }
    };
    answer(&ui, &ROUND_FORM, saved.await)
}

#[derive(Deserialize)]
pub(in crate::ui) struct PackageForm {
    household_id: Option<String>,
}

/// The relief table's form: one package for a household in a round. A second one is refused
/// by the database and explained on the page.
pub(in crate::ui) async fn give_package_form(
    State(state): State<AppState>,
    ui: Ui,
    Path(round): Path<String>,
    Form(f): Form<PackageForm>,
) -> Response {
    let back = |query: &str| Redirect::to(&format!("/aid?{query}#relief")).into_response();
    let Ok(round) = round.parse::<RoundId>() else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let Some(Ok(household)) = f.household_id.as_deref().map(|h| h.trim().parse::<i64>()) else {
        return back("relief_error=aid-error-input");
    };
    match state
        .store
        .give_package(&ui.me, round, household, state.now_s())
        .await
    {
        Ok(Some(id)) => back(&format!("given={id}")),
        Ok(None) => ui.fail(StatusCode::NOT_FOUND),
        Err(store::StoreError::Refused(_)) => back("relief_error=relief-already-given"),
        Err(store::StoreError::Invalid(e))
            if e.iter().any(|f| f.reason == domain::Reason::OutsideZone) =>
        {
            back("relief_error=relief-outside-zone")
        }
        Err(store::StoreError::Invalid(_)) => back("relief_error=aid-error-input"),
        Err(e) => ui.failed("relief package", &e),
    }
}
