//! The dashboard (tổng quan): the figures of the caller's scope, each linking to its list.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;

use domain::lang::{count, decimal, percent};

use super::shell::{failure, local, page, Ui};
use super::{chart, t, tr};
use crate::local_time::{day_start_s, local_date};
use crate::{AppState, Lang};

/// The dashboard's figures for one scope and day, kept between requests (`kept`).
pub struct Figures {
    counts: store::CaseCounts,
    /// R(t) by day; `None` when it could not be estimated.
    rt: Option<Vec<crate::forecast::DatedBand>>,
    // Each figure below is `None` when it could not be read: the page shows a dash, never a
    // zero that would read as a fact.
    /// Communes of the scope at level 3–4 in the latest published week (None also when no
    /// week has been published).
    high_risk: Option<i64>,
    new_clusters: Option<i64>,
    /// Treatment beds occupied and in all.
    beds: Option<(i64, i64)>,
    /// Adults, and adults with a first dose.
    coverage: Option<(i64, i64)>,
    /// Cases confirmed on each of the 28 days ending today.
    daily: Option<Vec<i64>>,
    /// Contacts by degree and follow-up status (the follow-up tally).
    follow: Option<Vec<store::FollowCount>>,
    /// For an account whose scope is the country: each province's cases in the last 7 days
    /// and residents on record, for the national map.
    provinces: Option<HashMap<String, (i64, i64)>>,
}

/// The figures of `me`'s scope on `today`: kept ones if current, else computed. `None`
/// when the case counts cannot be read (the page then fails); a figure that fails alone is
/// shown as a dash, logged, and not kept.
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
    let (counts, rt, risk, clusters, beds, coverage, daily, follow) = tokio::join!(
        state.store.case_counts(&me.scope, structure, now),
        // R(t) on complete days, as the forecast page shows it.
        crate::forecast::rt_for(
            state,
            &me.scope,
            app::forecast::complete_through(state, None)
        ),
        state
            .store
            .latest_published_levels(structure, domain::UnitLevel::Commune, today),
        app::clusters::new_cluster_count(state, me, day_start_s(today - chrono::Days::new(6))),
        state
            .store
            .beds_by_unit(&me.scope, structure, province, now),
        state
            .store
            .coverage_by_unit(&me.scope, structure, province, today),
        state
            .store
            .daily_case_counts(&me.scope, structure, first, today),
        state.store.follow_counts(&me.scope, structure),
    );
    let provinces = if me.scope.is_everything() {
        let week_from = today - chrono::Days::new(6);
        let (cases, residents) = tokio::join!(
            state
                .store
                .cases_by_unit(&me.scope, structure, week_from, today),
            state.store.residents_by_unit(&me.scope, structure),
        );
        match (cases, residents) {
            (Ok(cases), Ok(residents)) => Some(by_province(structure, &cases, &residents)),
            (Err(e), _) | (_, Err(e)) => {
                tracing::error!("dashboard national map: {e}");
                None
            }
        }
    } else {
        None
    };
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
    or_logged("follow-up", follow.as_ref().err().map(|e| e.to_string()));
    // Treatment beds (quarantine beds are for F1, not patients) and adult first-dose coverage.
    let beds = beds.ok().map(|beds| {
        beds.iter()
            .filter(|b| b.bed_type != domain::facility::BedType::Quarantine)
            .fold((0, 0), |(u, a), b| (u + b.occupied, a + b.capacity))
    });
    let coverage = coverage.ok().map(|c| {
        c.iter()
            .fold((0, 0), |(a, f), c| (a + c.adults, f + c.adults_1dose))
    });
    let registry = crate::registry::Registry::of(structure);
    // Communes at level 3–4 in the latest published week (as the public saw them).
    let high_risk = risk.ok().flatten().map(|(_, levels)| {
        levels
            .iter()
            .filter(|(_, level)| *level >= 3)
            .filter(|(code, _)| {
                registry
                    .get(code)
                    .is_some_and(|x| me.scope.contains(structure, &x.path))
            })
            .count() as i64
    });
    let figures = Arc::new(Figures {
        counts,
        // Too few cases to estimate is not a fault; the figure shows a dash.
        rt: rt.ok(),
        high_risk,
        new_clusters: clusters.ok(),
        beds,
        coverage,
        daily: daily.ok(),
        follow: follow.ok(),
        provinces,
    });
    Some((figures, complete))
}

/// Cases and residents by commune, summed by province.
fn by_province(
    structure: domain::Structure,
    cases: &[(String, i64)],
    residents: &[(String, i64)],
) -> HashMap<String, (i64, i64)> {
    let registry = crate::registry::Registry::of(structure);
    let mut out: HashMap<String, (i64, i64)> = HashMap::new();
    for (rows, residents) in [(cases, false), (residents, true)] {
        for (code, n) in rows {
            if let Some(p) = registry.ancestor_at(code, domain::UnitLevel::Province) {
                let entry = out.entry(p.code.to_string()).or_default();
                if residents {
                    entry.1 += n;
                } else {
                    entry.0 += n;
                }
            }
        }
    }
    out
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
        beds,
        coverage,
        daily,
        follow,
        provinces,
    } = &*figures;
    let (high_risk, new_clusters, beds, coverage) = (*high_risk, *new_clusters, *beds, *coverage);
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
    let curve: Option<Vec<(String, i64)>> = daily.as_ref().map(|daily| {
        daily
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
            .collect()
    });
    let national = match provinces {
        Some(p) => national_incidence(lang, p).await,
        None => None,
    };
    // A figure links to the list behind it, where that list has a page.
    let unread = t(lang, "figure-unread");
    let figure = |n: Option<String>| {
        html! {
            @if let Some(n) = n { b { (n) } }
            @else { b title=(unread) { "–" } }
        }
    };
    let stat = |label: &str, n: Option<i64>, href: Option<String>| {
        html! {
            @if let Some(href) = href { a.stat href=(href) { (figure(n.map(|n| count(n, lang)))) (label) } }
            @else { div.stat { (figure(n.map(|n| count(n, lang)))) (label) } }
        }
    };
    let body = html! {
        h1 { (t(lang, "dashboard-title")) }
        p.muted { (tr(lang, "dashboard-as-of", &[("date", local(now, lang))])) }
        p.noprint { a href={ "/reports/daily?day=" (day(today)) } { (t(lang, "report-link")) } }
        div.stats {
            (stat(&t(lang, "stat-new-today"), Some(counts.new_today), Some(format!("/cases?from={}", day(today)))))
            (stat(&t(lang, "stat-new-7d"), Some(counts.new_7d), Some(format!("/cases?from={}", day(today - chrono::Days::new(6))))))
            (stat(&t(lang, "stat-active"), Some(counts.active), Some("/cases?status=active".into())))
            (stat(&t(lang, "stat-quarantine"), Some(counts.f1_in_quarantine), Some("/contacts".into())))
            (stat(&t(lang, "stat-recovered"), Some(counts.recovered), Some("/cases?status=recovered".into())))
            (stat(&t(lang, "stat-died"), Some(counts.died), Some("/cases?status=died".into())))
        }
        h2 { (t(lang, "follow-heading")) }
        div.stats {
            @for status in domain::followup::FollowUpStatus::ALL {
                (stat(
                    &t(lang, &format!("follow-status-{status}")),
                    follow.as_ref().map(|f| f.iter().filter(|c| c.status == *status).map(|c| c.n).sum()),
                    Some(format!("/contacts?list=all&status={status}")),
                ))
            }
        }
        h2 { (t(lang, "situation-heading")) }
        div.stats {
            a.stat href="/forecast" {
                b { @if let Some(r) = &rt { (decimal(r.mean, 2, lang)) } @else { "–" } }
                (t(lang, "stat-rt"))
                @if let Some(r) = &rt { br; span.muted { (percent(95.0, 0, lang)) ": " (decimal(r.lower, 2, lang)) "–" (decimal(r.upper, 2, lang)) } }
            }
            (stat(&t(lang, "stat-high-risk"), high_risk, Some("/risk".into())))
            (stat(&t(lang, "stat-new-clusters"), new_clusters, Some("/clusters".into())))
            a.stat href="/facilities" {
                (figure(beds.map(|(used, all)| format!("{} / {}", count(used, lang), count(all, lang)))))
                (t(lang, "stat-beds"))
            }
            a.stat href="/coverage" {
                // No adults on record is no share either.
                @if let Some((adults, first_dose)) = coverage.filter(|(a, _)| *a > 0) {
                    b { (percent(100.0 * first_dose as f64 / adults as f64, 0, lang)) }
                } @else { (figure(None)) }
                (t(lang, "stat-first-dose"))
            }
        }
        @if let Some(map) = &national {
            h2 { (t(lang, "dashboard-national-map")) }
            (map)
            (super::map::legend(lang, super::map::Measure::Incidence))
        }
        h2 { (t(lang, "chart-curve")) }
        @if let Some(curve) = &curve {
            (chart::epi_curve(lang, &t(lang, "chart-curve"), &t(lang, "chart-avg"), curve))
        } @else { p.error role="status" { (unread) } }
        @if !rt_series.is_empty() {
            h2 { a href="/forecast" { (t(lang, "forecast-rt")) } }
            (chart::band_chart(lang, &t(lang, "forecast-rt"), &rt_series, Some((1.0, "R = 1")), None))
        }
        h2 { (t(lang, "severity-heading")) }
        table {
            @for (severity, n) in domain::epi::Severity::ALL.iter().map(|s| {
                let n = counts.active_by_severity.iter().find(|(k, _)| k == s.as_str()).map_or(0, |(_, n)| *n);
                (s.as_str(), n)
            }) {
                tr { td { (t(lang, &format!("severity-{severity}"))) } td { a href={ "/cases?status=active&severity=" (severity) } { (count(n, lang)) } } }
            }
        }
    };
    page(lang, &t(lang, "dashboard-title"), Some(&me), body).into_response()
}

/// The country's provinces coloured by new cases in the last 7 days per 100,000 residents,
/// each linking to its own map.
async fn national_incidence(
    lang: Lang,
    provinces: &HashMap<String, (i64, i64)>,
) -> Option<maud::Markup> {
    let structure = domain::Structure::S2021;
    let registry = crate::registry::Registry::of(structure);
    let measure = super::map::Measure::Incidence;
    let shades: HashMap<String, super::map_svg::Shade> = provinces
        .iter()
        .filter(|(_, (_, residents))| *residents > 0)
        .map(|(code, &(cases, residents))| {
            let rate = cases as f64 * 100_000.0 / residents as f64;
            (
                code.clone(),
                super::map_svg::Shade {
                    fill: measure.colour(rate),
                    title: tr(
                        lang,
                        "map-tip-incidence",
                        &[
                            ("unit", registry.name(code)),
                            ("cases", count(cases, lang)),
                            ("rate", decimal(rate, 1, lang)),
                        ],
                    ),
                    href: Some(format!("/map?unit={code}")),
                },
            )
        })
        .collect();
    super::national::national_map(&t(lang, "dashboard-national-map"), structure, &shades).await
}
