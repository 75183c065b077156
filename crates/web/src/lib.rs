//! chongdich's HTTP edge: the JSON API under `/api/v1`, `/healthz` and `/openapi.json`.
//!
//! Only this crate knows the wire format: it has its own request and response types
//! (`api::*`), converts them to and from `domain` types, and renders every error in one
//! shape in the caller's language (`error`).

pub mod access;
mod api;
mod auth;
pub mod contact_index;
mod csrf;
mod error;
mod extract;
pub mod forecast;
mod headers;
pub use store::kept;
mod lang;
pub mod local_time;
mod messages;
mod openapi;
mod qr;
pub mod quota;
pub mod registry;
/// Tracing a case and recording its contacts, for callers outside HTTP (the demo).
pub use api::tracing::{trace_and_persist, TraceResponse};
pub mod risk;
pub mod rules;
mod ui;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use access::Routes;
use axum::extract::DefaultBodyLimit;
use axum::routing::post;
use axum::Router;
use domain::policy::{Policies, PolicyError};

pub use api::audit::purge_expired_audit;
/// The checks of a boundary import, for the CLI.
pub use api::boundaries::check as check_boundaries;
pub use api::tracing::{contacts_for, ContactsResponse};
/// A session's anti-forgery token, for clients that post forms with the session cookie.
pub use domain::auth::csrf_token;
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
    /// The address users reach the server at (`https://chongdich.example.vn`), when it sits
    /// behind a proxy: state-changing requests must come from it (`csrf`), and when it is
    /// https every cookie is `Secure`. `None`: the request's own `Host`, cookies not `Secure`.
    pub public_origin: Option<String>,
    /// Check-in items each account may send per hour (`CHECKINS_PER_HOUR`).
    pub checkin_quota: Arc<quota::Quota>,
    /// Argon2 verifications run by sign-ins (tests count them against the limits).
    pub password_checks: Arc<std::sync::atomic::AtomicU64>,
    /// Changes made through this server: what kept figures are computed under (`kept`).
    pub changes: Arc<kept::Changes>,
    /// The dashboard's figures by scope.
    pub dashboard: Arc<kept::Kept<Arc<ui::dashboard::Figures>>>,
}

/// Check-in items one account may send in an hour: ten full batches, far above a scanner's
/// busiest hour (a market gate scans a few thousand), so only a misused account meets it.
pub const CHECKINS_PER_HOUR: u64 = 100_000;

impl AppState {
    pub fn new(store: store::Store) -> Result<AppState, PolicyError> {
        Ok(AppState {
            store,
            slow_failed_logins: true,
            policies: Arc::new(Policies::embedded()?),
            contacts: Arc::new(contact_index::ContactIndex::empty()),
            rules: Arc::new(rules::RuleSet::embedded()?),
            clock_offset_s: 0,
            public_origin: None,
            checkin_quota: Arc::new(quota::Quota::new(CHECKINS_PER_HOUR, 3600)),
            password_checks: Arc::default(),
            changes: Arc::default(),
            dashboard: Arc::new(kept::Kept::new(kept::STALE_AFTER)),
        })
    }

    /// Whether users reach the server over TLS (its public origin is https).
    pub fn served_over_tls(&self) -> bool {
        self.public_origin
            .as_deref()
            .is_some_and(|o| o.starts_with("https://"))
    }

    /// The locality's current time, Unix seconds.
    pub fn now_s(&self) -> i64 {
        chrono::Utc::now().timestamp() + self.clock_offset_s
    }
}

/// Every route with who may use it (`access`): the API under `/api/v1`, the pages, health and
/// the OpenAPI document. The router and the route table both come from here.
pub(crate) fn routes() -> Routes {
    use access::Access::{Can, Public, SignedIn};
    use access::Verb;
    use domain::role::Permission::{
        Administer, ManageBeds, ReadPersonal, RecordAid, RecordRates, SetPolicy, WritePersonal,
    };
    let read = Can(ReadPersonal);
    let write = Can(WritePersonal);
    let api = Routes::under("/api/v1")
        .post("/auth/login", Public, api::auth::login)
        .post("/auth/logout", SignedIn, api::auth::logout)
        .get("/me", SignedIn, api::auth::me)
        .get("/units", SignedIn, api::units::list)
        .get("/units/{structure}/{code}", SignedIn, api::units::get_one)
        .get("/boundaries", SignedIn, api::boundaries::list)
        .add(
            Verb::Post,
            "/boundaries",
            Can(SetPolicy),
            post(api::boundaries::import).layer(DefaultBodyLimit::max(
                api::boundaries::BOUNDARY_BODY_LIMIT_BYTES,
            )),
        )
        .get("/persons", read, api::persons::list)
        .post("/persons", write, api::persons::create)
        .get("/persons/{id}", read, api::persons::get_one)
        .post("/persons/{id}/merge", write, api::persons::merge)
        .get("/audit", Can(Administer), api::audit::list)
        .get("/venues", SignedIn, api::venues::list)
        .get("/venues/{id}", SignedIn, api::venues::get_one)
        .get("/venues/{id}/poster.svg", SignedIn, api::venues::poster_svg)
        .get("/venues/{id}/qr.png", SignedIn, api::venues::qr_png)
        .get("/cases", read, api::cases::list)
        .post("/cases", write, api::casework::create_case)
        .post("/cases/{id}/status", write, api::casework::update_status)
        .post(
            "/persons/{id}/declared-contacts",
            write,
            api::casework::declare_contact,
        )
        .get("/contacts", read, api::casework::follow_up)
        .get("/cases/{id}", read, api::cases::get_one)
        .get("/cases/{id}/contacts", read, api::tracing::contacts)
        .post("/cases/{id}/trace", write, api::tracing::trace_case)
        .get("/clusters", read, api::tracing::list_clusters)
        .get("/clusters/{id}", read, api::tracing::get_cluster)
        .get("/risk-levels", SignedIn, api::risk::list)
        .post("/risk-levels/publish", Can(SetPolicy), api::risk::publish)
        .get("/risk-levels/history", SignedIn, api::risk::history)
        .get("/forecast", SignedIn, api::forecast::get)
        .get("/policies/overrides", SignedIn, api::policies::list)
        .post("/policies/overrides", Can(SetPolicy), api::policies::create)
        .post("/vaccinations", write, api::vaccination::record)
        .get(
            "/persons/{id}/vaccinations",
            read,
            api::vaccination::of_person,
        )
        .get("/coverage", SignedIn, api::vaccination::coverage)
        .get("/facilities", SignedIn, api::facilities::list)
        .post("/facilities", Can(ManageBeds), api::facilities::create)
        .get("/facilities/{id}", SignedIn, api::facilities::get_one)
        .post(
            "/facilities/{id}/admissions",
            Can(ManageBeds),
            api::facilities::admit,
        )
        .post("/home-stays", Can(ManageBeds), api::facilities::home)
        .post(
            "/admissions/{id}/transfer",
            Can(ManageBeds),
            api::facilities::transfer,
        )
        .post(
            "/admissions/{id}/discharge",
            Can(ManageBeds),
            api::facilities::discharge,
        )
        .get("/cases/{id}/stays", read, api::facilities::case_stays)
        .get("/occupancy", SignedIn, api::facilities::occupancy)
        .get("/aid/donations", SignedIn, api::aid::list_donations)
        .post("/aid/donations", Can(RecordAid), api::aid::create_donation)
        .get("/aid/donations.csv", SignedIn, api::aid::donations_csv)
        .get("/aid/donations.xlsx", SignedIn, api::aid::donations_xlsx)
        .get("/aid/donations/{id}", SignedIn, api::aid::get_donation)
        .post(
            "/aid/donations/{id}/status",
            Can(RecordAid),
            api::aid::advance,
        )
        .get("/aid/totals", SignedIn, api::aid::totals)
        .get("/aid/rates", SignedIn, api::aid::list_rates)
        .post("/aid/rates", Can(RecordRates), api::aid::put_rate)
        .post("/aid/organisations", Can(RecordAid), api::aid::create_org)
        .get("/relief/zones", SignedIn, api::aid::list_zones)
        .post("/relief/zones", write, api::aid::create_zone)
        .post("/relief/zones/{id}/rounds", write, api::aid::create_round)
        .post(
            "/relief/rounds/{id}/packages",
            write,
            api::aid::give_package,
        )
        .get("/aid/needs", SignedIn, api::aid::list_needs)
        .post("/aid/needs", Can(RecordAid), api::aid::post_need)
        .get("/aid/needs/matches", SignedIn, api::aid::match_needs)
        .post(
            "/aid/needs/{id}/status",
            Can(RecordAid),
            api::aid::close_need,
        )
        .get("/cooperation", SignedIn, api::aid::list_cooperation)
        .post(
            "/cooperation/agreements",
            Can(RecordAid),
            api::aid::create_agreement,
        )
        .post(
            "/cooperation/activities",
            Can(RecordAid),
            api::aid::create_activity,
        )
        .get("/campaigns", SignedIn, api::aid::list_campaigns)
        .post("/campaigns", Can(RecordAid), api::aid::create_campaign)
        .post(
            "/cooperation/commitments/{id}/progress",
            Can(RecordAid),
            api::aid::report_commitment,
        )
        .post(
            "/campaigns/{id}/commendations",
            Can(RecordAid),
            api::aid::commend,
        )
        .post(
            "/campaigns/{id}/tasks/{no}/progress",
            Can(RecordAid),
            api::aid::report_progress,
        )
        .add(
            Verb::Post,
            "/checkins",
            write,
            post(api::checkins::ingest).layer(DefaultBodyLimit::max(
                api::checkins::CHECKIN_BODY_LIMIT_BYTES,
            )),
        );
    Routes::under("")
        .merge(ui::routes())
        .get("/healthz", Public, api::health::healthz)
        .get("/openapi.json", Public, openapi::openapi_json)
        .merge(api)
}

pub fn router(state: AppState) -> Router {
    let (router, table) = routes().into_parts();
    let guard = access::Guard::new(state.clone(), &table);
    router
        .fallback(api::health::not_found)
        .layer(axum::middleware::from_fn_with_state(guard, access::guard))
        .layer(axum::middleware::from_fn(headers::secure_headers))
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
    // Audit rows older than their retention are deleted (data/policies/audit.toml).
    every_hour(&state, |s| async move {
        match api::audit::purge_expired_audit(&s.store, s.now_s()).await {
            Ok(n) if n > 0 => tracing::info!("retention: deleted {n} audit rows"),
            Ok(_) => {}
            Err(e) => tracing::warn!("audit retention job failed: {e}"),
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
    let server = axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
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

/// Runs `job` in the background at start and then every hour, while the server runs; each
/// run counts as a change for the kept figures.
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
            state.changes.made();
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
    store
        .purge_checkins_before(now_s - api::checkins::retention_s(policies, now_s))
        .await
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
