//! chongdich's HTTP edge: the JSON API under `/api/v1`, `/healthz` and `/openapi.json`.
//!
//! Only this crate knows the wire format: it has its own request and response types
//! (`api::*`), converts them to and from `domain` types, and renders every error in one
//! shape in the caller's language (`error`).

mod api;
mod auth;
pub mod contact_index;
mod error;
mod extract;
pub mod forecast;
mod lang;
pub mod local_time;
mod messages;
mod openapi;
mod qr;
pub mod registry;
/// Tracing a case and recording its contacts, for callers outside HTTP (the demo).
pub use api::tracing::{trace_and_persist, TraceResponse};
pub mod risk;
pub mod rules;
mod ui;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use domain::policy::{Policies, PolicyError};

/// The checks of a boundary import, for the CLI.
pub use api::boundaries::check as check_boundaries;
pub use api::tracing::{contacts_for, ContactsResponse};
pub use error::{ApiError, ErrorCode};
pub use lang::Lang;
pub use ui::map::builds_started as map_builds_started;

/// Bodies above this are refused with 413 before they are parsed. Check-in batches, which
/// are larger, get their own limit on their own route.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: store::Store,
    /// Pause before answering a failed login (`domain::auth::login_failure_delay_ms`). Only
    /// tests that are not about the pause turn it off.
    pub slow_failed_logins: bool,
    /// The rules in force by date (`data/policies`).
    pub policies: Arc<Policies>,
    /// The tracing engine's in-memory index of check-ins and links.
    pub contacts: Arc<contact_index::ContactIndex>,
    /// Risk-level and care rules with the locality's overrides.
    pub rules: Arc<rules::RuleSet>,
    /// Seconds added to the system clock to get the locality's "now". Zero in production;
    /// a demo of a 2021 outbreak runs its clock from the end of the simulated period.
    pub clock_offset_s: i64,
}

impl AppState {
    pub fn new(store: store::Store) -> Result<AppState, PolicyError> {
        Ok(AppState {
            store,
            slow_failed_logins: true,
            policies: Arc::new(Policies::embedded()?),
            contacts: Arc::new(contact_index::ContactIndex::empty()),
            rules: Arc::new(rules::RuleSet::embedded()?),
            clock_offset_s: 0,
        })
    }

    /// The locality's current time, Unix seconds.
    pub fn now_s(&self) -> i64 {
        chrono::Utc::now().timestamp() + self.clock_offset_s
    }
}

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/auth/login", post(api::auth::login))
        .route("/auth/logout", post(api::auth::logout))
        .route("/me", get(api::auth::me))
        .route("/units", get(api::units::list))
        .route("/units/{structure}/{code}", get(api::units::get_one))
        .route(
            "/boundaries",
            get(api::boundaries::list)
                .post(api::boundaries::import)
                .layer(DefaultBodyLimit::max(
                    api::boundaries::BOUNDARY_BODY_LIMIT_BYTES,
                )),
        )
        .route(
            "/persons",
            get(api::persons::list).post(api::persons::create),
        )
        .route("/persons/{id}", get(api::persons::get_one))
        .route("/persons/{id}/merge", post(api::persons::merge))
        .route("/audit", get(api::audit::list))
        .route("/venues", get(api::venues::list))
        .route("/venues/{id}", get(api::venues::get_one))
        .route("/venues/{id}/poster.svg", get(api::venues::poster_svg))
        .route("/venues/{id}/qr.png", get(api::venues::qr_png))
        .route(
            "/cases",
            get(api::cases::list).post(api::casework::create_case),
        )
        .route("/cases/{id}/status", post(api::casework::update_status))
        .route(
            "/persons/{id}/declared-contacts",
            post(api::casework::declare_contact),
        )
        .route("/contacts", get(api::casework::follow_up))
        .route("/cases/{id}", get(api::cases::get_one))
        .route("/cases/{id}/contacts", get(api::tracing::contacts))
        .route("/cases/{id}/trace", post(api::tracing::trace_case))
        .route("/clusters", get(api::tracing::list_clusters))
        .route("/risk-levels", get(api::risk::list))
        .route("/risk-levels/publish", post(api::risk::publish))
        .route("/risk-levels/history", get(api::risk::history))
        .route("/forecast", get(api::forecast::get))
        .route(
            "/policies/overrides",
            get(api::policies::list).post(api::policies::create),
        )
        .route("/clusters/{id}", get(api::tracing::get_cluster))
        .route("/vaccinations", post(api::vaccination::record))
        .route(
            "/persons/{id}/vaccinations",
            get(api::vaccination::of_person),
        )
        .route("/coverage", get(api::vaccination::coverage))
        .route(
            "/facilities",
            get(api::facilities::list).post(api::facilities::create),
        )
        .route("/facilities/{id}", get(api::facilities::get_one))
        .route("/facilities/{id}/admissions", post(api::facilities::admit))
        .route("/home-stays", post(api::facilities::home))
        .route("/admissions/{id}/transfer", post(api::facilities::transfer))
        .route(
            "/admissions/{id}/discharge",
            post(api::facilities::discharge),
        )
        .route("/cases/{id}/stays", get(api::facilities::case_stays))
        .route("/occupancy", get(api::facilities::occupancy))
        .route(
            "/aid/donations",
            get(api::aid::list_donations).post(api::aid::create_donation),
        )
        .route("/aid/donations.csv", get(api::aid::donations_csv))
        .route("/aid/donations.xlsx", get(api::aid::donations_xlsx))
        .route("/aid/donations/{id}", get(api::aid::get_donation))
        .route("/aid/donations/{id}/status", post(api::aid::advance))
        .route("/aid/totals", get(api::aid::totals))
        .route(
            "/aid/rates",
            get(api::aid::list_rates).post(api::aid::put_rate),
        )
        .route("/aid/organisations", post(api::aid::create_org))
        .route(
            "/relief/zones",
            get(api::aid::list_zones).post(api::aid::create_zone),
        )
        .route("/relief/zones/{id}/rounds", post(api::aid::create_round))
        .route("/relief/rounds/{id}/packages", post(api::aid::give_package))
        .route(
            "/aid/needs",
            get(api::aid::list_needs).post(api::aid::post_need),
        )
        .route("/aid/needs/matches", get(api::aid::match_needs))
        .route("/aid/needs/{id}/status", post(api::aid::close_need))
        .route("/cooperation", get(api::aid::list_cooperation))
        .route("/cooperation/agreements", post(api::aid::create_agreement))
        .route("/cooperation/activities", post(api::aid::create_activity))
        .route(
            "/campaigns",
            get(api::aid::list_campaigns).post(api::aid::create_campaign),
        )
        .route(
            "/cooperation/commitments/{id}/progress",
            post(api::aid::report_commitment),
        )
        .route("/campaigns/{id}/commendations", post(api::aid::commend))
        .route(
            "/campaigns/{id}/tasks/{no}/progress",
            post(api::aid::report_progress),
        )
        .route(
            "/checkins",
            post(api::checkins::ingest).layer(DefaultBodyLimit::max(
                api::checkins::CHECKIN_BODY_LIMIT_BYTES,
            )),
        );
    Router::new()
        .merge(ui::routes())
        .route("/healthz", get(api::health::healthz))
        .route("/openapi.json", get(openapi::openapi_json))
        .nest("/api/v1", api)
        .fallback(api::health::not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(axum::middleware::from_fn(error::render_errors))
        .with_state(state)
}

/// Serves until Ctrl-C or SIGTERM, then lets requests in flight finish.
pub async fn serve(state: AppState, addr: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    // Expired sessions are deleted so the table does not grow without bound.
    every_hour(&state, |s| async move {
        if let Err(e) = s
            .store
            .purge_expired_sessions(chrono::Utc::now().timestamp())
            .await
        {
            tracing::warn!("purging expired sessions failed: {e}");
        }
    });
    // Check-ins older than the policy's retention are deleted (Decree 13/2023: no longer
    // than the response needs).
    every_hour(&state, |s| async move {
        match purge_expired_checkins(&s.store, &s.policies, s.now_s()).await {
            Ok(n) if n > 0 => tracing::info!("retention: deleted {n} check-ins"),
            Ok(_) => {}
            Err(e) => tracing::warn!("retention job failed: {e}"),
        }
    });
    // Resolution 128 assesses every unit weekly: once a week has ended its levels are
    // published (see `risk::due_weeks` for which weeks are due).
    every_hour(&state, |s| async move {
        match risk::publish_due_weeks(&s).await {
            Ok(done) => {
                for (structure, week, n) in done {
                    tracing::info!(
                        "risk levels: published {n} units of structure {structure} for the week to {week}"
                    );
                }
            }
            Err(e) => tracing::warn!("weekly risk levels failed: {e}"),
        }
    });
    // Requests still running at the signal get a few seconds, not for ever: one stuck
    // request (a stalled upload, a long computation) must not keep the server from stopping.
    let (stopping, mut stop) = tokio::sync::watch::channel(false);
    let server = axum::serve(listener, router(state)).with_graceful_shutdown(async move {
        shutdown_signal().await;
        let _ = stopping.send(true);
    });
    tokio::select! {
        served = std::future::IntoFuture::into_future(server) => served,
        Ok(()) = async { stop.wait_for(|s| *s).await.map(drop) } => {
            tokio::time::sleep(SHUTDOWN_GRACE).await;
            tracing::warn!("requests still running {SHUTDOWN_GRACE:?} after the signal: stopping anyway");
            Ok(())
        }
    }
}

/// How long requests running at a shutdown signal may take to finish.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

/// Runs `job` in the background at start and then every hour, while the server runs.
fn every_hour<F, Fut>(state: &AppState, job: F)
where
    F: Fn(AppState) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let state = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            job(state.clone()).await;
        }
    });
}

/// Deletes the check-ins older than the retention of the tracing rule in force at `now_s`
/// (the locality's time) and returns how many.
pub async fn purge_expired_checkins(
    store: &store::Store,
    policies: &Policies,
    now_s: i64,
) -> Result<u64, store::StoreError> {
    let today = local_time::local_date(now_s);
    // With no rule in force (before the first one), keep the assumed 21 days.
    let days = policies
        .tracing_on(today)
        .map_or(21, |r| r.checkin_retention_days.value);
    store.purge_checkins_before(now_s - days * 86_400).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
