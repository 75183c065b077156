//! The web UI: pages rendered on the server (maud), Vietnamese first with English, plain
//! forms that work without JavaScript. The session is the same token as the API's, in an
//! HttpOnly cookie. One module per area; `shell` holds the layout and the `Ui` extractor.

mod aid;
mod auth;
mod cases;
mod chart;
mod clusters;
mod contacts;
mod dashboard;
mod facilities;
mod forecast;
mod graph;
mod i18n;
pub(crate) mod map;
mod map_svg;
mod risk;
mod shell;
mod vaccination;
mod venues;

use axum::routing::{get, post};
use axum::Router;

pub use i18n::{t, tr};

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::dashboard))
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/lang/{code}", get(shell::set_lang))
        .route("/cases", get(cases::cases))
        .route("/cases/{id}", get(cases::case_page))
        .route("/cases/{id}/trace", post(cases::trace_case))
        .route("/map", get(map::map_page))
        .route("/risk", get(risk::risk_page))
        .route("/risk/publish", post(risk::publish))
        .route("/risk/history", get(risk::history))
        .route("/forecast", get(forecast::forecast_page))
        .route("/public/risk", get(risk::public_risk_page))
        .route("/contacts", get(contacts::contacts))
        .route("/venues", get(venues::venues))
        .route("/clusters", get(clusters::clusters))
        .route("/clusters/{id}", get(clusters::cluster_page))
        .route("/facilities", get(facilities::list))
        .route("/facilities/{id}", get(facilities::page))
        .route("/facilities/{id}/admit", post(facilities::admit))
        .route("/stays/{id}/discharge", post(facilities::discharge))
        .route("/stays/{id}/transfer", post(facilities::transfer))
        .route("/coverage", get(vaccination::coverage))
        .route("/aid", get(aid::aid_page))
        .route("/aid/donations", post(aid::record_gift))
        .route("/aid/needs", post(aid::record_need))
        .route("/aid/rates", post(aid::record_rate))
        .route("/aid/relief/zones", post(aid::declare_zone))
        .route("/aid/relief/rounds", post(aid::open_round))
        .route("/public/aid", get(aid::public_aid))
        .route(
            "/aid/letters",
            get(aid::set_letter).post(aid::set_letter_sent),
        )
        .route(
            "/aid/relief/rounds/{id}/packages",
            post(aid::give_package_form),
        )
        .route("/aid/cooperation", get(aid::cooperation_page))
        .route("/aid/campaigns", get(aid::campaigns_page))
        .route("/aid/cooperation/activities", post(aid::record_activity))
        .route(
            "/aid/cooperation/commitments/{id}/progress",
            post(aid::report_commitment),
        )
        .route(
            "/aid/campaigns/{id}/tasks/{no}/progress",
            post(aid::report_task_progress),
        )
        .route("/aid/campaigns/{id}/commendations", post(aid::commend))
        .route("/aid/donations/{id}", get(aid::donation_page))
        .route("/aid/donations/{id}/status", post(aid::advance_form))
        .route(
            "/aid/donations/{id}/letter",
            get(aid::letter).post(aid::letter_sent),
        )
        .route("/static/app.css", get(shell::css))
        .route("/static/app.js", get(shell::js))
}
