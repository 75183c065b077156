//! The dashboard (tổng quan): the figures of the caller's scope, each linking to its list.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;

use super::shell::{failure, local, page, Ui};
use super::{chart, t, tr};
use crate::local_time::{day_start_s, local_date};
use crate::{AppState, Lang};

/// The dashboard's figures for one scope and day, kept between requests (`kept`).
pub struct Figures {
    counts: store::CaseCounts,
    /// R(t) by day; `None` when it could not be estimated.
    rt: Option<Vec<crate::forecast::DatedBand>>,
    /// Communes of the scope at level 3–4 in the latest published week.
    high_risk: i64,
    new_clusters: i64,
    /// Treatment beds occupied and in all.
    beds: (i64, i64),
    /// Adults, and adults with a first dose.
    coverage: (i64, i64),
    /// Cases confirmed on each of the 28 days ending today.
    daily: Vec<i64>,
}

/// The figures of `me`'s scope on `today`: kept ones if current, else computed. `None`
/// when the case counts cannot be read (the page then fails); a figure that fails alone is
/// shown as zero or a dash, logged, and not kept.
async fn figures(state: &AppState, me: &store::Caller, now: i64) -> Option<Arc<Figures>> {
    let key = format!("{} {:?}", local_date(now), me.scope);
    state
        .dashboard
        .get_or_compute(key, &state.changes, || compute(state, me, now))
        .await
}

/// The figures computed from the database, and whether all parts were read.
async fn compute(state: &AppState, me: &store::Caller, now: i64) -> Option<(Arc<Figures>, bool)> {
    let today = local_date(now);
    let structure = domain::Structure::S2021;
    let province = domain::UnitLevel::Province;
    let first = today - chrono::Days::new(27);
    // The situation: R(t), risk levels of the caller's communes, clusters (each cached or
    // a few indexed queries).
    let (counts, rt, risk, clusters, beds, coverage, daily) = tokio::join!(
        state.store.case_counts(&me.scope, structure, now),
        crate::forecast::rt_for(state, &me.scope, today),
        state
            .store
            .latest_published_levels(structure, domain::UnitLevel::Commune, today),
        app::clusters::new_cluster_count(state, me, 28, day_start_s(today - chrono::Days::new(6))),
        state
            .store
            .beds_by_unit(&me.scope, structure, province, now),
        state
            .store
            .coverage_by_unit(&me.scope, structure, province, today),
        state
            .store
            .daily_case_counts(&me.scope, structure, first, today),
    );
    let counts = match counts {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("dashboard counts: {e}");
            return None;
        }
    };
    let mut complete = true;
    let mut or_logged = |what: &str, failed: Option<String>| {
        if let Some(e) = failed {
            tracing::error!("dashboard {what}: {e}");
            complete = false;
        }
    };
    or_logged("beds", beds.as_ref().err().map(|e| e.to_string()));
    or_logged("coverage", coverage.as_ref().err().map(|e| e.to_string()));
    or_logged("risk levels", risk.as_ref().err().map(|e| e.to_string()));
    or_logged("clusters", clusters.as_ref().err().map(|e| e.to_string()));
    or_logged("curve", daily.as_ref().err().map(|e| e.to_string()));
    // Treatment beds (quarantine beds are for F1, not patients) and adult first-dose coverage.
    let beds = beds
        .unwrap_or_default()
        .iter()
        .filter(|b| b.bed_type != domain::facility::BedType::Quarantine)
        .fold((0, 0), |(u, a), b| (u + b.occupied, a + b.capacity));
    let coverage = coverage
        .unwrap_or_default()
        .iter()
        .fold((0, 0), |(a, f), c| (a + c.adults, f + c.adults_1dose));
    let registry = crate::registry::Registry::of(structure);
    // Communes at level 3–4 in the latest published week (as the public saw them).
    let high_risk = risk
        .ok()
        .flatten()
        .map(|(_, levels)| {
            levels
                .iter()
                .filter(|(_, level)| *level >= 3)
                .filter(|(code, _)| {
                    registry
                        .get(code)
                        .is_some_and(|x| me.scope.contains(structure, &x.path))
                })
                .count() as i64
        })
        .unwrap_or(0);
    let figures = Arc::new(Figures {
        counts,
        // Too few cases to estimate is not a fault; the figure shows a dash.
        rt: rt.ok(),
        high_risk,
        new_clusters: clusters.unwrap_or(0),
        beds,
        coverage,
        daily: daily.unwrap_or_else(|_| vec![0; 28]),
    });
    Some((figures, complete))
}

pub(super) async fn dashboard(State(state): State<AppState>, ui: Ui) -> Response {
    let Ui { lang, me } = ui;
    let now = state.now_s();
    let today = local_date(now);
    let Some(figures) = figures(&state, &me, now).await else {
        return failure(lang, StatusCode::INTERNAL_SERVER_ERROR);
    };
    let Figures {
        counts,
        rt,
        high_risk,
        new_clusters,
        beds: (beds_used, beds_all),
        coverage: (adults, first_dose),
        daily,
    } = &*figures;
    let (high_risk, new_clusters) = (*high_risk, *new_clusters);
    let (beds_used, beds_all, adults, first_dose) = (*beds_used, *beds_all, *adults, *first_dose);
    // R(t) of the last four weeks for the chart; the latest for the figure.
    let rt_series: Vec<chart::BandPoint> = rt
        .as_ref()
        .map(|r| {
            r.iter()
                .rev()
                .take(28)
                .rev()
                .map(|p| chart::BandPoint {
                    label: match lang {
                        crate::Lang::Vi => p.date.format("%d/%m").to_string(),
                        crate::Lang::En => p.date.format("%m-%d").to_string(),
                    },
                    mean: p.mean,
                    lower: p.lower,
                    upper: p.upper,
                })
                .collect()
        })
        .unwrap_or_default();
    let rt = rt.as_ref().and_then(|r| r.last());
    let first = today - chrono::Days::new(27);
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    // The epidemic curve: 28 local days ending today, days without cases as zero.
    let curve: Vec<(String, i64)> = daily
        .iter()
        .enumerate()
        .map(|(k, &n)| {
            let d = first + chrono::Days::new(k as u64);
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
            (stat(&t(lang, "stat-quarantine"), counts.f1_in_quarantine, Some("/contacts".into())))
            (stat(&t(lang, "stat-recovered"), counts.recovered, Some("/cases?status=recovered".into())))
            (stat(&t(lang, "stat-died"), counts.died, Some("/cases?status=died".into())))
        }
        h2 { (t(lang, "situation-heading")) }
        div.stats {
            a.stat href="/forecast" {
                b { @if let Some(r) = &rt { (format!("{:.2}", r.mean)) } @else { "–" } }
                (t(lang, "stat-rt"))
                @if let Some(r) = &rt { br; span.muted { (format!("95%: {:.2}–{:.2}", r.lower, r.upper)) } }
            }
            (stat(&t(lang, "stat-high-risk"), high_risk, Some("/risk".into())))
            (stat(&t(lang, "stat-new-clusters"), new_clusters, Some("/clusters".into())))
            a.stat href="/facilities" {
                b { (beds_used) " / " (beds_all) }
                (t(lang, "stat-beds"))
            }
            a.stat href="/coverage" {
                b { @if adults > 0 { (format!("{:.0}%", 100.0 * first_dose as f64 / adults as f64)) } @else { "–" } }
                (t(lang, "stat-first-dose"))
            }
        }
        h2 { (t(lang, "chart-curve")) }
        (chart::epi_curve(&t(lang, "chart-curve"), &t(lang, "chart-avg"), &curve))
        @if !rt_series.is_empty() {
            h2 { a href="/forecast" { (t(lang, "forecast-rt")) } }
            (chart::band_chart(&t(lang, "forecast-rt"), &rt_series, Some((1.0, "R = 1")), None))
        }
        h2 { (t(lang, "severity-heading")) }
        table {
            @for (severity, n) in domain::epi::Severity::ALL.iter().map(|s| {
                let n = counts.active_by_severity.iter().find(|(k, _)| k == s.as_str()).map_or(0, |(_, n)| *n);
                (s.as_str(), n)
            }) {
                tr { td { (t(lang, &format!("severity-{severity}"))) } td { a href={ "/cases?status=active&severity=" (severity) } { (n) } } }
            }
        }
    };
    page(lang, &t(lang, "dashboard-title"), Some(&me), body).into_response()
}
