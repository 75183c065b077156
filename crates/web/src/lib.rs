//! chongdich's HTTP edge: the JSON API under `/api/v1`, `/healthz` and `/openapi.json`.
//!
//! Only this crate knows the wire format: it has its own request and response types
//! (`api::*`), converts them to and from `domain` types, and renders every error in one
//! shape in the caller's language (`error`).

pub mod access;
mod api;
mod auth;
mod csrf;
mod error;
mod extract;
mod headers;
mod import_progress;
mod lang;
mod messages;
mod openapi;
mod qr;
pub mod quota;
mod sheet;
mod ui;

// The application layer's parts, under the names the views have always used.
pub use app::App;
pub(crate) use app::{forecast, local_time, registry, risk};
pub use store::kept;

use std::net::SocketAddr;
use std::sync::Arc;

use access::Routes;
use axum::extract::DefaultBodyLimit;
use axum::routing::post;
use axum::Router;
use domain::policy::PolicyError;

pub use api::imports::IMPORT_BODY_LIMIT_BYTES;
/// A session's anti-forgery token, for clients that post forms with the session cookie.
pub use domain::auth::csrf_token;
pub use error::{ApiError, ErrorCode};
pub use lang::Lang;
pub use ui::map::builds_started as map_builds_started;

/// Bodies above this are refused with 413 before they are parsed. Check-in batches, which
/// are larger, get their own limit on their own route.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// What every handler can reach: the application (`app::App`, whose fields read through
/// this) and what only HTTP needs.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    /// The address users reach the server at (`https://chongdich.example.vn`), when it sits
    /// behind a proxy: state-changing requests must come from it (`csrf`), and when it is
    /// https every cookie is `Secure`. `None`: the request's own `Host`, cookies not `Secure`.
    pub public_origin: Option<String>,
    /// Check-in items each account may send per hour (`CHECKINS_PER_HOUR`).
    pub checkin_quota: Arc<quota::Quota>,
    /// Citizens' POSTs (`/v/{token}`) per client address per 10 minutes: generous, as a
    /// mobile carrier puts many phones behind one address.
    pub citizen_quota_address: Arc<quota::Quota>,
    /// Citizens' POSTs per device per 10 minutes.
    pub citizen_quota_device: Arc<quota::Quota>,
    /// The dashboard's figures by scope.
    pub dashboard: Arc<kept::Kept<Arc<ui::dashboard::Figures>>>,
    /// How far each import page's preview or commit has gone (its bar).
    pub import_progress: Arc<import_progress::ImportProgress>,
}

impl std::ops::Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.app
    }
}

impl std::ops::DerefMut for AppState {
    fn deref_mut(&mut self) -> &mut App {
        &mut self.app
    }
}

/// Check-in items one account may send in an hour: ten full batches, far above a scanner's
/// busiest hour (a market gate scans a few thousand), so only a misused account meets it.
pub const CHECKINS_PER_HOUR: u64 = 100_000;

impl AppState {
    pub fn new(store: store::Store) -> Result<AppState, PolicyError> {
        Ok(AppState::serving(App::new(store)?))
    }

    /// The HTTP edge over an application (`app::App::open` gives one ready to serve).
    pub fn serving(app: App) -> AppState {
        AppState {
            app,
            public_origin: None,
            checkin_quota: Arc::new(quota::Quota::new(CHECKINS_PER_HOUR, 3600)),
            citizen_quota_address: Arc::new(quota::Quota::new(3_000, 600)),
            citizen_quota_device: Arc::new(quota::Quota::new(30, 600)),
            dashboard: Arc::new(kept::Kept::new(kept::STALE_AFTER)),
            import_progress: Arc::default(),
        }
    }

    /// Whether users reach the server over TLS (its public origin is https).
    pub fn served_over_tls(&self) -> bool {
        self.public_origin
            .as_deref()
            .is_some_and(|o| o.starts_with("https://"))
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
        .get("/persons/duplicates", read, api::persons::duplicates)
        .get("/persons/{id}", read, api::persons::get_one)
        .patch("/persons/{id}", write, api::persons::correct)
        .post("/persons/{id}/merge", write, api::persons::merge)
        .post(
            "/persons/{id}/helped-home",
            write,
            api::care_elsewhere::helped_home,
        )
        .get("/audit", Can(Administer), api::audit::list)
        .get("/venues", SignedIn, api::venues::list)
        .post("/venues", write, api::venues::create)
        .get("/venues/{id}", SignedIn, api::venues::get_one)
        .get("/venues/{id}/poster.svg", SignedIn, api::venues::poster_svg)
        .get("/venues/{id}/qr.png", SignedIn, api::venues::qr_png)
        .get("/cases", read, api::cases::list)
        .post("/cases", write, api::casework::create_case)
        .post("/cases/batch", write, api::case_batch::create_batch)
        .get("/imports", write, api::imports::list)
        .get(
            "/imports/uploads/{id}/progress",
            write,
            api::imports::progress,
        )
        .add(
            Verb::Post,
            "/imports/preview",
            write,
            post(api::imports::preview)
                .layer(DefaultBodyLimit::max(api::imports::IMPORT_BODY_LIMIT_BYTES)),
        )
        .add(
            Verb::Post,
            "/imports/uploads",
            write,
            post(api::imports::upload)
                .layer(DefaultBodyLimit::max(api::imports::IMPORT_BODY_LIMIT_BYTES)),
        )
        .add(
            Verb::Post,
            "/imports",
            write,
            post(api::imports::commit)
                .layer(DefaultBodyLimit::max(api::imports::IMPORT_BODY_LIMIT_BYTES)),
        )
        .post("/cases/{id}/status", write, api::casework::update_status)
        .post("/cases/{id}/tests", write, api::casework::add_test)
        .post("/cases/{id}/handover", write, api::handovers::hand_over)
        .get("/handovers", write, api::handovers::list)
        .post("/handovers/{id}/answer", write, api::handovers::answer)
        .post("/handovers/{id}/withdraw", write, api::handovers::withdraw)
        .post(
            "/persons/{id}/declared-contacts",
            write,
            api::casework::declare_contact,
        )
        .get("/contacts", read, api::casework::follow_up)
        .get("/contacts/work", read, api::followup::work_list)
        .get("/contacts/officers", write, api::followup::officers)
        .post("/contacts/assign", write, api::followup::assign)
        .get(
            "/contacts/{id}/followups",
            read,
            api::followup::list_records,
        )
        .post("/contacts/{id}/followups", write, api::followup::record)
        .post("/contacts/{id}/tests", write, api::followup::test)
        .post("/contacts/{id}/release", write, api::followup::release)
        .post("/contacts/{id}/lost", write, api::followup::lost)
        .get("/cases/{id}", read, api::cases::get_one)
        .post("/cases/{id}/share", read, api::share::share_case)
        .post("/shares/{id}/revoke", read, api::share::revoke)
        .get("/shared", read, api::share::list)
        .get("/shared/{id}", read, api::share::get_one)
        .get("/cases/{id}/contacts", read, api::tracing::contacts)
        .post("/cases/{id}/trace", write, api::tracing::trace_case)
        .get("/clusters", read, api::tracing::list_clusters)
        .get("/clusters/{id}", read, api::tracing::get_cluster)
        .get("/risk-levels", SignedIn, api::risk::list)
        .get("/public/exposures", Public, api::exposures::list)
        .post("/risk-levels/publish", Can(SetPolicy), api::risk::publish)
        .get("/risk-levels/history", SignedIn, api::risk::history)
        .get("/national", Can(SetPolicy), api::national::national)
        .get(
            "/care-elsewhere",
            SignedIn,
            api::care_elsewhere::care_elsewhere,
        )
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
        .get("/capacity/plan", SignedIn, api::capacity::plan)
        .post("/capacity/plan", Can(SetPolicy), api::capacity::add)
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
        .get("/letters", Can(RecordAid), api::letters::list_letters)
        .post("/letters", Can(RecordAid), api::letters::post_letter)
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
        )
        .add(
            Verb::Post,
            "/checkins/one",
            write,
            post(api::checkins::ingest_one),
        );
    let fhir = Routes::under("/fhir")
        .get("/metadata", Public, api::fhir::metadata)
        .get("/Patient", read, api::fhir::search_patient)
        .get("/Patient/{id}", read, api::fhir::read_patient)
        .get("/Patient/{id}/$everything", read, api::fhir::everything)
        .get("/Observation", read, api::fhir::search_observation)
        .get("/Immunization", read, api::fhir::search_immunization)
        .add(
            Verb::Post,
            "",
            write,
            post(api::fhir::take).layer(DefaultBodyLimit::max(api::fhir::FHIR_BODY_LIMIT_BYTES)),
        );
    Routes::under("")
        .merge(ui::routes())
        .merge(fhir)
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
    app::jobs::start(&state.app);
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
