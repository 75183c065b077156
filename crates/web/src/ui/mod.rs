//! The web UI: pages rendered on the server (maud), Vietnamese first with English, plain
//! forms that work without JavaScript. The session is the same token as the API's, in an
//! HttpOnly cookie. One module per area; `shell` holds the layout and the `Ui` extractor.

mod aid;
mod auth;
mod capacity;
mod care_elsewhere;
mod case_entry;
mod case_export;
mod cases;
mod chart;
pub(crate) mod citizen;
mod clusters;
mod contact_export;
mod contacts;
pub(crate) mod dashboard;
mod dose_entry;
mod exposures;
mod facilities;
mod facility_entry;
mod forecast;
mod graph;
mod i18n;
mod imports;
mod islands;
mod linked;
pub(crate) mod map;
mod map_svg;
mod moves;
mod national;
mod national_view;
mod person_entry;
mod person_review;
mod persons;
mod report;
mod risk;
mod shell;
mod vaccination;
mod venue_entry;
mod venues;

pub(crate) use care_elsewhere::letter_href as care_elsewhere_letter;
pub use i18n::{t, tr};
pub(crate) use shell::{failure, forged, lang_of, to_login};

use crate::access::Access::{Can, Public, SignedIn};
use crate::access::Routes;
use domain::role::Permission::{
    ManageBeds, ReadPersonal, RecordAid, RecordRates, SetPolicy, WritePersonal,
};

/// The pages, each with who may use it (`crate::access`).
pub fn routes() -> Routes {
    let read = Can(ReadPersonal);
    let write = Can(WritePersonal);
    let aid = Can(RecordAid);
    Routes::under("")
        .get("/", SignedIn, dashboard::dashboard)
        .get("/reports/daily", SignedIn, report::daily)
        .get("/reports/daily.xlsx", SignedIn, report::daily_xlsx)
        .get("/national", Can(SetPolicy), national_view::page)
        .get("/care-elsewhere", SignedIn, care_elsewhere::page)
        .get("/login", Public, auth::login_form)
        .post("/login", Public, auth::login)
        .post("/logout", Public, auth::logout)
        .get("/lang/{code}", Public, shell::set_lang)
        .get("/v/{token}", Public, citizen::venue_page)
        .post("/v/{token}", Public, citizen::venue_post)
        .get("/me/qr", Public, citizen::my_qr)
        .get("/me/visits", Public, citizen::my_visits)
        .get("/me/exposures", Public, exposures::my_exposures)
        .post("/me/exposures/{id}/declare", Public, exposures::my_declare)
        .get("/public/exposures", Public, exposures::public_page)
        .get("/public/declare", Public, exposures::declare_page)
        .post("/public/declare", Public, exposures::declare_post)
        .get("/exposures", read, exposures::review_page)
        .post("/exposures/propose", write, exposures::propose)
        .post("/exposures/{id}/publish", write, exposures::publish)
        .post("/exposures/{id}/withdraw", write, exposures::withdraw)
        .post("/declarations/{id}/outcome", write, exposures::mark)
        .get("/cases", read, cases::cases)
        .get("/cases/export.csv", read, case_export::csv)
        .get("/cases/new", write, case_entry::line_list_form)
        .post("/cases/new", write, case_entry::create_line_list)
        .get("/imports", write, imports::list)
        .get("/imports/new", write, imports::new_form)
        .post("/imports/new", write, imports::new_posted)
        .get("/imports/uploads/{id}", write, imports::preview)
        .post(
            "/imports/uploads/{id}/mapping",
            write,
            imports::save_mapping,
        )
        .post("/imports/uploads/{id}/commit", write, imports::commit)
        .get("/cases/export.xlsx", read, case_export::xlsx)
        .get("/cases/{id}", read, cases::case_page)
        .post("/cases/{id}/trace", write, cases::trace_case)
        .post("/cases/{id}/tests", write, cases::add_test)
        .post("/cases/{id}/status", write, cases::change_status)
        .post("/cases/{id}/handover", write, linked::hand_over)
        .post("/cases/{id}/share", read, linked::share)
        .post("/shares/{id}/revoke", read, linked::revoke)
        .get("/handovers", write, linked::handovers_page)
        .post("/handovers/{id}/answer", write, linked::answer)
        .post("/handovers/{id}/withdraw", write, linked::withdraw)
        .get("/shared", read, linked::shared_list)
        .get("/shared/{id}", read, linked::shared_page)
        .get("/persons", read, persons::search)
        .get("/persons/new", write, person_entry::new_person_form)
        .get("/persons/duplicates", read, person_review::duplicates)
        .get("/persons/merge", write, person_review::confirm)
        .post("/persons/merge", write, person_review::merge)
        .post("/persons/new", write, person_entry::create_person)
        .get("/persons/{id}", read, persons::person_page)
        .post("/persons/{id}/correct", write, persons::correct)
        .post("/persons/{id}/doses", write, dose_entry::record_dose)
        .post(
            "/persons/{id}/helped-home",
            write,
            care_elsewhere::record_helped_home,
        )
        .get("/map", SignedIn, map::map_page)
        .get("/risk", SignedIn, risk::risk_page)
        .post("/risk/publish", Can(SetPolicy), risk::publish)
        .get("/risk/history", SignedIn, risk::history)
        .get("/forecast", SignedIn, forecast::forecast_page)
        .get("/public/risk", Public, risk::public_risk_page)
        .get("/contacts", read, contacts::contacts)
        .get("/contacts/export.csv", read, contact_export::csv)
        .get("/contacts/export.xlsx", read, contact_export::xlsx)
        .post("/contacts/{id}/followups", write, contacts::record)
        .post("/contacts/{id}/tests", write, contacts::test)
        .post("/contacts/{id}/release", write, contacts::release)
        .post("/contacts/{id}/lost", write, contacts::lost)
        .post("/contacts/assign", write, contacts::assign)
        .get("/venues", SignedIn, venues::venues)
        .get("/venues/new", write, venue_entry::new_form)
        .post("/venues", write, venue_entry::create)
        .get("/venues/{id}/poster", SignedIn, venue_entry::poster)
        .get("/clusters", read, clusters::clusters)
        .get("/clusters/{id}", read, clusters::cluster_page)
        .post("/clusters/{id}", write, clusters::edit)
        .post("/clusters/{id}/links", write, clusters::edit_link)
        .post("/clusters/{id}/close", write, clusters::close)
        .get("/facilities", SignedIn, facilities::list)
        .post("/facilities/plan", Can(SetPolicy), capacity::add)
        .get("/facilities/new", Can(ManageBeds), facility_entry::new_form)
        .post("/facilities", Can(ManageBeds), facility_entry::create)
        .get("/facilities/{id}", SignedIn, facilities::page)
        .post("/facilities/{id}/admit", Can(ManageBeds), facilities::admit)
        .post(
            "/stays/{id}/discharge",
            Can(ManageBeds),
            facilities::discharge,
        )
        .post(
            "/stays/{id}/transfer",
            Can(ManageBeds),
            facilities::transfer,
        )
        .get("/coverage", SignedIn, vaccination::coverage)
        .get("/aid", SignedIn, aid::aid_page)
        .post("/aid/donations", aid, aid::record_gift)
        .post("/aid/needs", aid, aid::record_need)
        .post("/aid/rates", Can(RecordRates), aid::record_rate)
        .post("/aid/relief/zones", write, aid::declare_zone)
        .post("/aid/relief/rounds", write, aid::open_round)
        .get("/public/aid", Public, aid::public_aid)
        .get("/aid/letters", aid, aid::letters_page)
        .get("/aid/letters/new", aid, aid::new_letter_form)
        .post("/aid/letters/new", aid, aid::record_letter_form)
        .get("/aid/letters/print", SignedIn, aid::set_letter)
        .post("/aid/letters/print", aid, aid::set_letter_sent)
        .post(
            "/aid/relief/rounds/{id}/packages",
            write,
            aid::give_package_form,
        )
        .get("/aid/cooperation", SignedIn, aid::cooperation_page)
        .get("/aid/campaigns", SignedIn, aid::campaigns_page)
        .post("/aid/cooperation/activities", aid, aid::record_activity)
        .post(
            "/aid/cooperation/commitments/{id}/progress",
            aid,
            aid::report_commitment,
        )
        .post(
            "/aid/campaigns/{id}/tasks/{no}/progress",
            aid,
            aid::report_task_progress,
        )
        .post("/aid/campaigns/{id}/commendations", aid, aid::commend)
        .get("/aid/donations/{id}", SignedIn, aid::donation_page)
        .post("/aid/donations/{id}/status", aid, aid::advance_form)
        .get("/aid/donations/{id}/letter", SignedIn, aid::letter)
        .post("/aid/donations/{id}/letter", aid, aid::letter_sent)
        .get("/static/app.css", Public, shell::css)
        .get("/static/app.js", Public, shell::js)
}
