//! The OpenAPI document, generated from the handlers' annotations.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "chongdich API",
        description = "Epidemic response command platform. Errors share one shape: \
                       {\"error\":{\"code\",\"message\",\"fields\":[...]}}; messages follow \
                       Accept-Language (vi by default, en). Lists page by cursor: \
                       ?limit=&cursor= → {\"items\",\"next_cursor\"}."
    ),
    paths(
        api::health::healthz,
        api::auth::login,
        api::auth::logout,
        api::auth::me,
        api::units::list,
        api::units::get_one,
        api::persons::create,
        api::persons::get_one,
        api::persons::correct,
        api::persons::list,
        api::persons::merge,
        api::persons::duplicates,
        api::audit::list,
        api::checkins::ingest,
        api::checkins::ingest_one,
        api::cases::list,
        api::cases::get_one,
        api::share::share_case,
        api::share::revoke,
        api::share::list,
        api::share::get_one,
        api::casework::create_case,
        api::case_batch::create_batch,
        api::imports::preview,
        api::imports::commit,
        api::imports::progress,
        api::imports::list,
        api::imports::upload,
        api::casework::update_status,
        api::casework::add_test,
        api::handovers::hand_over,
        api::handovers::list,
        api::handovers::answer,
        api::handovers::withdraw,
        api::casework::declare_contact,
        api::casework::follow_up,
        api::followup::work_list,
        api::followup::list_records,
        api::followup::record,
        api::followup::test,
        api::followup::release,
        api::followup::lost,
        api::followup::assign,
        api::followup::officers,
        api::tracing::contacts,
        api::tracing::trace_case,
        api::tracing::list_clusters,
        api::tracing::get_cluster,
        api::venues::list,
        api::venues::create,
        api::venues::get_one,
        api::venues::poster_svg,
        api::venues::qr_png,
        api::risk::list,
        api::exposures::list,
        api::risk::publish,
        api::risk::history,
        api::forecast::get,
        api::policies::list,
        api::policies::create,
        api::boundaries::import,
        api::boundaries::list,
        api::vaccination::record,
        api::vaccination::of_person,
        api::vaccination::coverage,
        api::facilities::list,
        api::facilities::create,
        api::facilities::get_one,
        api::facilities::admit,
        api::facilities::home,
        api::facilities::transfer,
        api::facilities::discharge,
        api::facilities::case_stays,
        api::facilities::occupancy,
        api::capacity::plan,
        api::capacity::add,
        api::aid::list_donations,
        api::aid::create_donation,
        api::aid::get_donation,
        api::aid::donations_csv,
        api::aid::donations_xlsx,
        api::aid::advance,
        api::aid::totals,
        api::aid::list_rates,
        api::aid::put_rate,
        api::aid::create_org,
        api::aid::create_zone,
        api::aid::list_zones,
        api::aid::create_round,
        api::aid::give_package,
        api::national::national,
        api::care_elsewhere::care_elsewhere,
        api::care_elsewhere::helped_home,
        api::aid::list_needs,
        api::aid::post_need,
        api::aid::match_needs,
        api::aid::close_need,
        api::letters::list_letters,
        api::letters::post_letter,
        api::aid::list_cooperation,
        api::aid::create_agreement,
        api::aid::create_activity,
        api::aid::list_campaigns,
        api::aid::create_campaign,
        api::aid::report_progress,
        api::aid::report_commitment,
        api::aid::commend,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
