//! The public transparency report of aid: who gave what to whom, in totals, without signing
//! in. Only aggregates leave: no list of gifts, and individual donors are not named.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::aid::Currency;
use maud::html;
use store::aid::AidFilter;
use store::Caller;

use super::super::shell::{failure, lang_of, page};
use super::super::t;
use super::summary;
use crate::AppState;

pub(in crate::ui) async fn public_aid(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(&headers);
    // The report covers every gift: it reads as the system, and shows sums only.
    let all = Caller::system("public-report");
    let filter = AidFilter::default();
    let found = tokio::try_join!(
        state.store.aid_flows(&all, &filter),
        state.aid_totals(&all, &filter, Currency::USD, None),
        state.aid_totals(&all, &filter, Currency::VND, None),
    );
    let (flows, usd, vnd) = match found {
        Ok(v) => v,
        Err(e) => {
            tracing::error!("public aid report: {e}");
            return failure(lang, StatusCode::INTERNAL_SERVER_ERROR);
        }
    };
    let body = html! {
        h1 { (t(lang, "aid-public")) }
        p { (t(lang, "aid-public-intro")) }
        (summary(lang, &flows, &usd, &vnd, true))
    };
    page(lang, &t(lang, "aid-public"), None, body).into_response()
}
