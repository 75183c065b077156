//! The dashboard (tổng quan): the figures of the caller's scope, each linking to its list.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;

use super::shell::{failure, local, page, Ui};
use super::{chart, t, tr};
use crate::local_time::{day_start_s, local_date};
use crate::{AppState, Lang};

pub(super) async fn dashboard(State(state): State<AppState>, ui: Ui) -> Response {
    let Ui { lang, me } = ui;
    let now = state.now_s();
    let today = local_date(now);
    let counts = match state
        .store
        .case_counts(&me.scope, domain::Structure::S2021, now)
        .await
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("dashboard counts: {e}");
            return failure(lang, StatusCode::INTERNAL_SERVER_ERROR);
        }
    };
    // The situation: R(t), risk levels of the caller's communes, clusters (each cached or
    // a few indexed queries).
    let structure = domain::Structure::S2021;
    let province = domain::UnitLevel::Province;
    let (rt, risk, clusters, beds, coverage) = tokio::join!(
        crate::forecast::rt_for(&state, &me.scope, today),
        state
            .store
            .latest_published_levels(structure, "commune", today),
        crate::api::tracing::new_cluster_count(
            &state,
            &me,
            28,
            day_start_s(today - chrono::Days::new(6))
        ),
        state
            .store
            .beds_by_unit(&me.scope, structure, province, now),
        state
            .store
            .coverage_by_unit(&me.scope, structure, province, today),
    );
    // Treatment beds (quarantine beds are for F1, not patients) and adult first-dose coverage.
    let (beds_used, beds_all) = beds
        .unwrap_or_default()
        .iter()
        .filter(|b| b.bed_type != domain::facility::BedType::Quarantine)
        .fold((0, 0), |(u, a), b| (u + b.occupied, a + b.capacity));
    let (adults, first_dose) = coverage
        .unwrap_or_default()
        .iter()
        .fold((0, 0), |(a, f), c| (a + c.adults, f + c.adults_1dose));
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
    let rt = rt.ok().and_then(|r| r.into_iter().last());
    let registry = crate::registry::Registry::of(domain::Structure::S2021);
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
    let new_clusters = clusters.unwrap_or_else(|e| {
        tracing::error!("dashboard clusters: {}", e.code.as_str());
        0
    });
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    // The epidemic curve: 28 local days ending today, days without cases as zero.
    let first = today - chrono::Days::new(27);
    let daily = state
        .store
        .daily_case_counts(&me.scope, domain::Structure::S2021, first, today)
        .await
        .unwrap_or_else(|e| {
            tracing::error!("dashboard curve: {e}");
            vec![0; 28]
        });
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
