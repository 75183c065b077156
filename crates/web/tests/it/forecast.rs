//! The forecast endpoint: R(t) and projections over the store's daily cases.

use axum::http::StatusCode;
use domain::epi::{CaseStatus, Severity};
use domain::person::Sex;
use domain::{Role, Structure, UnitCode};
use store::{both_databases, CaseRow, PersonRow, Store, UnitRef};

use crate::App;

/// 2021-11-20T03:00:00Z = 10:00 in Hà Nội.
const NOW: i64 = 1_637_377_200;
const DAY: i64 = 86_400;

/// Cases in Phúc Xá growing 8% a day for 45 days up to today.
pub(crate) async fn growing(store: &Store) -> Vec<u32> {
    let u = store
        .unit_unscoped(Structure::S2021, &UnitCode::parse("00001").unwrap())
        .await
        .unwrap()
        .unwrap();
    let unit = UnitRef::from(&u);
    let daily: Vec<u32> = (0..45).map(|d| (3.0 * 1.08f64.powi(d)) as u32).collect();
    let (mut persons, mut cases) = (Vec::new(), Vec::new());
    for (d, &n) in daily.iter().enumerate() {
        for _ in 0..n {
            let id = persons.len() as i64 + 1;
            persons.push(PersonRow {
                id,
                full_name: format!("Người {id}"),
                national_id: None,
                phone: None,
                birth_date: None,
                sex: Sex::Unknown,
                unit: unit.clone(),
                household_id: None,
                synthetic: true,
            });
            let confirmed = NOW - (44 - d as i64) * DAY - 3600;
            cases.push(CaseRow {
                id,
                person_id: id,
                unit: unit.clone(),
                status: CaseStatus::Active,
                severity: Severity::Mild,
                onset_s: None,
                first_sample_s: confirmed - 3600,
                confirmed_at_s: confirmed,
                isolation_s: Some(confirmed),
                community: true,
                outcome_at_s: None,
            });
        }
    }
    store.bulk_persons(&persons, 0).await.unwrap();
    store.bulk_cases(&cases, 0).await.unwrap();
    daily
}

async fn forecast_estimates_rt_and_projects_beds(store: Store) {
    let daily = growing(&store).await;
    let app = App::at(store.clone(), Some(NOW));
    let cdc = app.login_as("cdc", Role::Tracer, &["VN"]).await;
    // At 10:00 on 20/11 today's cases are still coming in: the estimate stops at 19/11,
    // also when today is asked for.
    let r = app.get("/api/v1/forecast?unit=001", Some(&cdc)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["as_of"], "2021-11-19");
    let asked = app
        .get("/api/v1/forecast?unit=001&date=2021-11-20", Some(&cdc))
        .await;
    assert_eq!(asked.json["as_of"], "2021-11-19");
    let care = domain::care::CarePolicies::embedded().unwrap();
    let variant = care
        .variant_on(chrono::NaiveDate::from_ymd_opt(2021, 11, 20).unwrap())
        .unwrap();
    let si = forecast::SerialInterval::new(variant.serial_interval.value.clone()).unwrap();
    let rt_of = |zeros: usize, days: &[u32]| {
        let mut series = vec![0u32; zeros];
        series.extend(days);
        forecast::estimate_rt(&series, &si, &forecast::CoriConfig::default()).unwrap()
    };
    // R(t) over the store's series equals the engine's on the same 90 days.
    let e = rt_of(46, &daily[..44]);
    let last = r.json["rt"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["date"], "2021-11-19");
    assert!((last["mean"].as_f64().unwrap() - e.last().unwrap().mean).abs() < 1e-9);

    // A minute after midnight the day just ended is complete and the new one is not
    // counted: R(t) does not fall for the new day's zero cases (it fell from 1.09 to 0.91).
    let after_midnight = App::at(store.clone(), Some(NOW + 14 * 3600 + 60));
    let r = after_midnight
        .get("/api/v1/forecast?unit=001", Some(&cdc))
        .await;
    assert_eq!(r.json["as_of"], "2021-11-20");
    let e = rt_of(45, &daily);
    let last = r.json["rt"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["date"], "2021-11-20");
    let e = e.last().unwrap();
    assert!((last["mean"].as_f64().unwrap() - e.mean).abs() < 1e-9);
    assert!(e.mean > 1.0, "a growing outbreak has R above 1: {}", e.mean);
    // 28 days of cases, bed demand for the 3 tiers from day 0, growing; no beds on record,
    // no alert.
    assert_eq!(r.json["cases"].as_array().unwrap().len(), 28);
    let beds = r.json["beds"].as_array().unwrap();
    assert_eq!(beds.len(), 3 * 29);
    assert_eq!(beds[0]["date"], "2021-11-20");
    assert_eq!(beds[1]["date"], "2021-11-21");
    assert!(beds[28]["demand_mean"].as_f64() > beds[1]["demand_mean"].as_f64());
    assert!(beds[1]["demand_lower"].as_f64() <= beds[1]["demand_upper"].as_f64());
    assert!(r.json["alerts"].as_array().unwrap().is_empty());
    // The shares used: every case is mild, so the recent cases' moderate share is 0 and the
    // one used lies between it and the policy's; home care is projected apart from beds.
    let shares = &r.json["shares"];
    let moderate = &shares["severities"][2];
    assert_eq!(moderate["severity"], "moderate");
    assert_eq!(moderate["observed"], 0.0);
    assert!(moderate["used"].as_f64().unwrap() < moderate["prior"].as_f64().unwrap());
    assert!(shares["cases"].as_u64().unwrap() > 0);
    assert_eq!(shares["home_stays"], 0);
    let home = &r.json["home_care"];
    assert!(home["share"].as_f64().unwrap() > 0.0);
    assert_eq!(home["demand"].as_array().unwrap().len(), 29);
    assert_eq!(r.json["tiers"].as_array().unwrap().len(), 3);
    // The page says the data run through the end of 20/11, which is true at 00:01 on 21/11.
    let page = after_midnight.get_html("/forecast?unit=001", &cdc).await;
    assert!(page.contains("Số liệu đến hết ngày 20/11/2021"), "{page}");
    // It shows the shares used beside the recent cases' and the policy's, and home care.
    assert!(page.contains("Tỷ lệ ca mới theo mức độ đã dùng"), "{page}");
    assert!(page.contains("Theo quy định (tiên nghiệm)") && page.contains("10,0\u{a0}%"));
    assert!(page.contains("F0 chăm sóc tại nhà (không dùng giường)"));

    // Outside the caller's jurisdiction the unit does not exist; bad dates are refused.
    let hoan_kiem = app.login_as("hk", Role::CommuneOfficer, &["002"]).await;
    let r = app.get("/api/v1/forecast?unit=001", Some(&hoan_kiem)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .get("/api/v1/forecast?date=2021-13-01", Some(&cdc))
        .await;
    assert_eq!(crate::error_fields(&r), vec!["date".to_string()]);
    // The page draws R(t) with its band and the R = 1 line.
    let page = app.get_html("/forecast?unit=001", &cdc).await;
    assert!(page.contains("Hệ số lây nhiễm hiệu dụng R(t)") && page.contains("R = 1"));
}

both_databases!(forecast_estimates_rt_and_projects_beds);
