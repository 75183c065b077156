//! F1/F2 follow-up day by day through the API and the pages (issue #15, item 3), on both
//! databases: the work lists, a call or visit, a test result, release, and a commune
//! officer's lists holding only their commune.

use axum::http::{Method, StatusCode};
use domain::contact::ContactStatus;
use domain::epi::{CaseStatus, Severity};
use domain::person::Sex;
use domain::{Role, Structure, UnitCode};
use serde_json::json;
use store::{both_databases, CaseRow, ContactRow, PersonRow, Store, UnitRef};

use crate::ui::{send, sign_in};
use crate::{error_code, error_fields, App};

/// 2021-11-20 10:00 in Hà Nội.
const NOW: i64 = 1_637_377_200;
const DAY: i64 = 86_400;

/// Persons 1–3 in commune 00001 and 4–5 in 00004; case 1 of person 1; F1 of case 1:
/// person 2 (00001) and person 4 (00004), recorded two days ago, in quarantine for five
/// more days.
async fn seed(app: &App) {
    let store = &app.store;
    let unit = |code: &'static str| async move {
        UnitRef::from(
            &store
                .unit_unscoped(Structure::S2021, &UnitCode::parse(code).unwrap())
                .await
                .unwrap()
                .unwrap(),
        )
    };
    let (a, b) = (unit("00001").await, unit("00004").await);
    let persons: Vec<PersonRow> = (1..=5)
        .map(|id| PersonRow {
            id,
            full_name: format!("Người {id}"),
            national_id: None,
            phone: None,
            birth_date: None,
            sex: Sex::Female,
            unit: if id <= 3 { a.clone() } else { b.clone() },
            household_id: None,
            synthetic: true,
        })
        .collect();
    store.bulk_persons(&persons, NOW).await.unwrap();
    store
        .bulk_cases(
            &[CaseRow {
                id: 1,
                person_id: 1,
                unit: a,
                status: CaseStatus::Active,
                severity: Severity::Mild,
                onset_s: None,
                first_sample_s: NOW - 3 * DAY,
                confirmed_at_s: NOW - 3 * DAY,
                isolation_s: None,
                community: true,
                outcome_at_s: None,
            }],
            NOW,
        )
        .await
        .unwrap();
    store.sync_id_sequences().await.unwrap();
    let token = app.login_as("tracer", Role::Tracer, &["VN"]).await;
    let caller = store
        .caller_by_token(
            &domain::auth::token_hash(&token),
            chrono::Utc::now().timestamp(),
        )
        .await
        .unwrap()
        .unwrap();
    let rows: Vec<ContactRow> = [2, 4]
        .iter()
        .map(|&p| ContactRow {
            person_id: p,
            degree: 1,
            via_person_id: 1,
            first_exposure_s: NOW - 3 * DAY,
            exposure_s: 900,
            reasons: Vec::new(),
            status: ContactStatus::Quarantine,
            quarantine_from_s: Some(NOW - 2 * DAY),
            quarantine_until_s: Some(NOW + 5 * DAY),
            follow_up_until_s: Some(NOW + 12 * DAY),
            test_days: "1,7".into(),
            policy: "test".into(),
        })
        .collect();
    let homes = store.residences(&[2, 4]).await.unwrap();
    store
        .persist_contacts(&caller, domain::CaseId(1), &rows, &homes, NOW - 2 * DAY)
        .await
        .unwrap();
}

/// `(contact id, person id)` of a work list.
async fn work(app: &App, token: &str, list: &str) -> Vec<(i64, i64)> {
    app.all_items(&format!("/api/v1/contacts/work?list={list}"), token)
        .await
        .iter()
        .map(|c| (c["id"].as_i64().unwrap(), c["person_id"].as_i64().unwrap()))
        .collect()
}

async fn follow_up_through_the_api(store: Store) {
    let app = App::at(store, Some(NOW));
    seed(&app).await;
    let token = app.login_as("cdc", Role::Command, &["01"]).await;
    let due = work(&app, &token, "due_today").await;
    assert_eq!(due.iter().map(|c| c.1).collect::<Vec<_>>(), [2, 4]);
    let (c2, c4) = (due[0].0, due[1].0);
    // Both also missed yesterday.
    assert_eq!(work(&app, &token, "missed").await.len(), 2);

    let bad = app
        .post_json(
            &format!("/api/v1/contacts/{c2}/followups"),
            Some(&token),
            &json!({"temperature": 50.0, "day": "tomorrow"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.json);
    let mut fields = error_fields(&bad);
    fields.sort();
    assert_eq!(fields, ["day", "reached", "temperature"]);

    let ok = app
        .post_json(
            &format!("/api/v1/contacts/{c2}/followups"),
            Some(&token),
            &json!({"reached": true, "symptoms": false, "temperature": 37.2, "note": "gọi điện"}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.json);
    assert_eq!(ok.json["follow_status"], "in_quarantine");
    assert_eq!(work(&app, &token, "due_today").await, [(c4, 4)]);
    let records = app
        .get(&format!("/api/v1/contacts/{c2}/followups"), Some(&token))
        .await;
    assert_eq!(records.json[0]["temperature"], 37.2, "{}", records.json);

    let early = app
        .post_json(
            &format!("/api/v1/contacts/{c2}/release"),
            Some(&token),
            &json!({}),
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.json);
    assert_eq!(error_fields(&early), ["follow_up_until"]);

    let positive = app
        .post_json(
            &format!("/api/v1/contacts/{c4}/tests"),
            Some(&token),
            &json!({"kind": "pcr", "result": "positive"}),
        )
        .await;
    assert_eq!(positive.status, StatusCode::CREATED, "{}", positive.json);
    assert_eq!(positive.json["follow_status"], "became_case");
    let case = positive.json["case_id"].as_i64().unwrap();
    let got = app
        .get(&format!("/api/v1/cases/{case}"), Some(&token))
        .await;
    assert_eq!(got.status, StatusCode::OK);
    let all = app
        .all_items("/api/v1/contacts/work?list=all", &token)
        .await;
    let c = all.iter().find(|c| c["id"] == c4).unwrap();
    assert_eq!(
        (c["case_id"].as_i64(), c["became_case_id"].as_i64()),
        (Some(1), Some(case))
    );
    let bad_list = app
        .get("/api/v1/contacts/work?list=tomorrow", Some(&token))
        .await;
    assert_eq!(bad_list.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_fields(&bad_list), ["list"]);
}

async fn a_commune_officer_sees_only_their_commune(store: Store) {
    let app = App::at(store, Some(NOW));
    seed(&app).await;
    let phucxa = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let trucbach = app
        .login_as("trucbach", Role::CommuneOfficer, &["00004"])
        .await;
    let mine = work(&app, &phucxa, "due_today").await;
    assert_eq!(mine.iter().map(|c| c.1).collect::<Vec<_>>(), [2]);
    let theirs = work(&app, &trucbach, "due_today").await;
    assert_eq!(theirs.iter().map(|c| c.1).collect::<Vec<_>>(), [4]);
    assert_eq!(work(&app, &phucxa, "all").await.len(), 1);
    // Another commune's contact answers as missing, whatever the action.
    let other = theirs[0].0;
    for (path, body) in [
        ("followups", json!({"reached": true})),
        ("tests", json!({"kind": "pcr", "result": "negative"})),
        ("release", json!({})),
    ] {
        let r = app
            .post_json(
                &format!("/api/v1/contacts/{other}/{path}"),
                Some(&phucxa),
                &body,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.json);
        assert_eq!(error_code(&r), "not_found");
    }
    let r = app
        .get(
            &format!("/api/v1/contacts/{other}/followups"),
            Some(&phucxa),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The page shows the officer's list, with its tabs and the status in words.
    app.add_user("phucxa2", Role::CommuneOfficer, &["00001"])
        .await;
    let cookie = sign_in(&app, "phucxa2").await;
    let page = send(&app, Method::GET, "/contacts", &cookie, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html.contains("Cần làm hôm nay")
            && page.html.contains("Chưa liên lạc được")
            && page
                .html
                .contains(&format!("/contacts/{}/followups", mine[0].0))
            && !page.html.contains(&format!("/contacts/{other}/followups")),
        "{}",
        page.html
    );
    // A follow-up recorded by the page's form goes back to the list, which no longer
    // holds the contact among today's calls; another commune's contact is 404.
    let saved = send(
        &app,
        Method::POST,
        &format!("/contacts/{}/followups", mine[0].0),
        &cookie,
        Some("back=%2Fcontacts%3Flist%3Ddue_today&reached=1&temperature=36%2C9&note="),
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
    assert_eq!(saved.location.as_deref(), Some("/contacts?list=due_today"));
    let page = send(&app, Method::GET, "/contacts", &cookie, None).await;
    assert!(
        page.html.contains("Không có người tiếp xúc nào"),
        "{}",
        page.html
    );
    let refused = send(
        &app,
        Method::POST,
        &format!("/contacts/{}/release", mine[0].0),
        &cookie,
        Some("back=%2Fcontacts"),
    )
    .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.html);
    assert!(refused.html.contains("Hết theo dõi"), "{}", refused.html);
    let missing = send(
        &app,
        Method::POST,
        &format!("/contacts/{other}/followups"),
        &cookie,
        Some("reached=1"),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

/// The contact ids of persons 2 and 4 (communes 00001 and 00004).
async fn contact_ids(app: &App, token: &str) -> (i64, i64) {
    let all = work(app, token, "all").await;
    let of = |p: i64| all.iter().find(|c| c.1 == p).unwrap().0;
    (of(2), of(4))
}

/// What `/api/v1/contacts` says of contact `id`: its follow-up status and officer.
async fn listed(app: &App, token: &str, id: i64) -> (String, Option<i64>) {
    let all = app.all_items("/api/v1/contacts", token).await;
    let c = all.iter().find(|c| c["id"] == id).unwrap();
    (
        c["follow_status"].as_str().unwrap().to_string(),
        c["assigned_to"].as_i64(),
    )
}

/// The follow-up tally against a count of the contacts themselves.
async fn tallied(store: &Store) -> Vec<(i64, String, i64)> {
    let counts = store
        .follow_counts(&domain::Scope::everything(), Structure::S2021)
        .await
        .unwrap();
    counts
        .iter()
        .map(|c| (c.degree, c.status.as_str().to_string(), c.n))
        .collect()
}

async fn assignment_loss_and_the_counters(store: Store) {
    let app = App::at(store, Some(NOW));
    seed(&app).await;
    let cdc = app.login_as("cdc", Role::Command, &["01"]).await;
    let phucxa = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let trucbach = app
        .login_as("trucbach", Role::CommuneOfficer, &["00004"])
        .await;
    let viewer = app.login_as("viewer", Role::Viewer, &["01"]).await;
    let (c2, c4) = contact_ids(&app, &cdc).await;

    // Who work can go to: officers inside the caller's jurisdiction (not the country-wide
    // tracer, not the viewer); a commune officer sees only themself.
    let names = |r: &crate::Resp| {
        let mut v: Vec<String> = r
            .json
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["username"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    let officers = app.get("/api/v1/contacts/officers", Some(&cdc)).await;
    assert_eq!(
        names(&officers),
        ["cdc", "phucxa", "trucbach"],
        "{}",
        officers.json
    );
    let id_of = |name: &str| {
        officers
            .json
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["username"] == name)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let (phucxa_id, trucbach_id) = (id_of("phucxa"), id_of("trucbach"));
    let mine = app.get("/api/v1/contacts/officers", Some(&phucxa)).await;
    assert_eq!(names(&mine), ["phucxa"]);

    // All or none: person 4 lives outside Phúc Xá, so neither contact is given.
    let assign = |ids: serde_json::Value, officer: serde_json::Value| {
        let app = &app;
        let cdc = cdc.clone();
        async move {
            app.post_json(
                "/api/v1/contacts/assign",
                Some(&cdc),
                &json!({"contact_ids": ids, "officer": officer}),
            )
            .await
        }
    };
    let r = assign(json!([c2, c4]), json!(phucxa_id)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.json);
    assert_eq!(error_fields(&r), ["contact_ids"]);
    assert_eq!(listed(&app, &cdc, c2).await.1, None, "nothing half-saved");
    for (ids, officer, field) in [
        (json!([]), json!(phucxa_id), "contact_ids"),
        (
            json!((1..=1001).collect::<Vec<i64>>()),
            json!(phucxa_id),
            "contact_ids",
        ),
        (json!([c2]), json!(999_999), "officer"),
    ] {
        let r = assign(ids, officer).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.json);
        assert_eq!(error_fields(&r), [field]);
    }
    let r = app
        .post_json(
            "/api/v1/contacts/assign",
            Some(&viewer),
            &json!({"contact_ids": [c2], "officer": phucxa_id}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A commune officer cannot give another commune's contact, even to its own officer.
    let r = app
        .post_json(
            "/api/v1/contacts/assign",
            Some(&phucxa),
            &json!({"contact_ids": [c4], "officer": null}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    let r = assign(json!([c2]), json!(phucxa_id)).await;
    assert_eq!(
        (r.status, r.json["assigned"].as_i64()),
        (StatusCode::OK, Some(1)),
        "{}",
        r.json
    );
    let r = assign(json!([c4]), json!(trucbach_id)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        listed(&app, &cdc, c2).await,
        ("to_reach".into(), Some(phucxa_id))
    );
    let mine = |token: String| {
        let app = &app;
        async move {
            app.all_items("/api/v1/contacts/work?list=all&mine=true", &token)
                .await
                .iter()
                .map(|c| c["id"].as_i64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(mine(phucxa.clone()).await, [c2]);
    assert_eq!(mine(trucbach.clone()).await, [c4]);
    assert!(mine(cdc.clone()).await.is_empty());

    // A list's head counts to its cap, then says "more than" (None).
    let token_caller = app
        .store
        .caller_by_token(
            &domain::auth::token_hash(&cdc),
            chrono::Utc::now().timestamp(),
        )
        .await
        .unwrap()
        .unwrap();
    let q = store::WorkListQuery {
        list: store::WorkList::All,
        today: chrono::NaiveDate::from_ymd_opt(2021, 11, 20).unwrap(),
        f1_only: false,
        assignee: None,
        status: None,
        within: None,
        quarantine_ends_by_s: None,
        case: None,
    };
    let counted = |cap| {
        app.store
            .work_list_count(&token_caller, Structure::S2021, &q, cap)
    };
    assert_eq!(counted(2).await.unwrap(), Some(2));
    assert_eq!(counted(1).await.unwrap(), None);
    assert!(store::WorkList::DueToday.count_cap() < store::WorkList::All.count_cap());

    // Counters: two to reach, both in quarantine.
    assert_eq!(tallied(&app.store).await, [(1, "to_reach".into(), 2)]);
    let in_quarantine = || async {
        app.store
            .case_counts(&domain::Scope::everything(), Structure::S2021, NOW)
            .await
            .unwrap()
            .f1_in_quarantine
    };
    assert_eq!(in_quarantine().await, 2);

    // Lost: off today's list, counted as lost, still under its quarantine order; once.
    let r = app
        .post_json(
            &format!("/api/v1/contacts/{c4}/lost"),
            Some(&trucbach),
            &json!({}),
        )
        .await;
    assert_eq!(
        (r.status, r.json["follow_status"].as_str()),
        (StatusCode::CREATED, Some("lost")),
        "{}",
        r.json
    );
    let again = app
        .post_json(
            &format!("/api/v1/contacts/{c4}/lost"),
            Some(&trucbach),
            &json!({}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(work(&app, &cdc, "due_today").await, [(c2, 2)]);
    assert_eq!(listed(&app, &cdc, c4).await.0, "lost");
    let lost_only = app
        .all_items("/api/v1/contacts/work?list=all&status=lost", &cdc)
        .await;
    assert_eq!(lost_only.len(), 1);
    assert_eq!(in_quarantine().await, 2);

    // Person 2 tests positive: a case, so no longer an F1 in quarantine.
    let r = app
        .post_json(
            &format!("/api/v1/contacts/{c2}/tests"),
            Some(&phucxa),
            &json!({"kind": "antigen", "result": "positive"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    assert_eq!(
        tallied(&app.store).await,
        [(1, "became_case".into(), 1), (1, "lost".into(), 1)]
    );
    assert_eq!(in_quarantine().await, 1);

    // The pages: the dashboard's counters, and the list's bulk assignment by form.
    app.add_user("cdc2", Role::Command, &["01"]).await;
    let cookie = sign_in(&app, "cdc2").await;
    let home = send(&app, Method::GET, "/", &cookie, None).await;
    assert!(
        home.html.contains("Theo dõi F1/F2")
            && home.html.contains("/contacts?list=all&amp;status=lost"),
        "{}",
        home.html
    );
    let list = send(&app, Method::GET, "/contacts?list=all", &cookie, None).await;
    assert!(
        list.html.contains("2 người tiếp xúc")
            && list.html.contains("Người 4")
            && list.html.contains("trucbach")
            && list.html.contains(r#"action="/contacts/assign""#),
        "{}",
        list.html
    );
    let saved = send(
        &app,
        Method::POST,
        "/contacts/assign",
        &cookie,
        Some(&format!("back=%2Fcontacts%3Flist%3Dall&officer=&ids={c4}")),
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
    assert_eq!(listed(&app, &cdc, c4).await.1, None);
    let refused = send(
        &app,
        Method::POST,
        "/contacts/assign",
        &cookie,
        Some(&format!("back=%2Fcontacts&officer={phucxa_id}&ids={c4}")),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.html);
    assert!(refused.html.contains("Chọn"), "{}", refused.html);
    // A viewer sees neither the list nor its form.
    app.add_user("viewer2", Role::Viewer, &["01"]).await;
    let cookie = sign_in(&app, "viewer2").await;
    let r = send(&app, Method::GET, "/contacts", &cookie, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// The body of a download by the page's session.
async fn download(app: &App, uri: &str, cookie: &str) -> (StatusCode, Vec<u8>) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let req = axum::http::Request::builder()
        .method(Method::GET)
        .uri(uri)
        .header(axum::http::header::COOKIE, cookie)
        .body(axum::body::Body::empty())
        .unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    (
        status,
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
}

/// The contact list filtered by a commune's name downloads the same rows, as CSV and XLSX,
/// with who each person is; people in quarantine of one commune are one filter away.
async fn the_contact_list_exports_what_it_shows(store: Store) {
    use calamine::{Reader, Xlsx};
    let app = App::at(store, Some(NOW));
    seed(&app).await;
    app.add_user("cdc", Role::Command, &["01"]).await;
    let cookie = sign_in(&app, "cdc").await;
    let page = send(
        &app,
        Method::GET,
        "/contacts?list=all&unit=phuc+xa",
        &cookie,
        None,
    )
    .await;
    assert!(
        page.html.contains("Người 2") && !page.html.contains("Người 4"),
        "{}",
        page.html
    );
    assert!(page.html.contains("1 người tiếp xúc"), "{}", page.html);
    assert!(
        page.html
            .contains("/contacts/export.xlsx?list=all&amp;unit=phuc%20xa&amp;"),
        "{}",
        page.html
    );
    let (status, csv) = download(
        &app,
        "/contacts/export.csv?list=all&unit=phuc%20xa&",
        &cookie,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[0].starts_with("Mã người tiếp xúc,Họ và tên,"),
        "{csv}"
    );
    assert!(
        lines[1].contains(",Người 2,") && lines[1].contains(",F1,1,"),
        "{csv}"
    );

    // In quarantine, the whole city: none reached yet, so none; once reached, that one.
    let (_, xlsx) = download(
        &app,
        "/contacts/export.xlsx?list=all&status=in_quarantine",
        &cookie,
    )
    .await;
    let rows = |bytes: Vec<u8>| -> Vec<Vec<String>> {
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        range
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    };
    assert_eq!(rows(xlsx).len(), 1, "header only");
    let token = app.login_as("tracer2", Role::Tracer, &["01"]).await;
    let (c2, _) = contact_ids(&app, &token).await;
    let r = app
        .post_json(
            &format!("/api/v1/contacts/{c2}/followups"),
            Some(&token),
            &json!({"reached": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let (_, xlsx) = download(
        &app,
        "/contacts/export.xlsx?list=all&status=in_quarantine",
        &cookie,
    )
    .await;
    let rows = rows(xlsx);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][1], "Người 2");
    assert_eq!(rows[1][10], "Đang cách ly");
    // Every download is in the audit log with its filter.
    let admin = app.login_as("admin", Role::Administrator, &["VN"]).await;
    let audit = app
        .get(
            "/api/v1/audit?entity=export&entity_id=contacts",
            Some(&admin),
        )
        .await;
    assert!(
        audit
            .json
            .to_string()
            .contains("contacts.csv by cdc: 1 rows; filter list=all&unit=phuc%20xa&"),
        "{}",
        audit.json
    );
}

both_databases!(
    the_contact_list_exports_what_it_shows,
    follow_up_through_the_api,
    a_commune_officer_sees_only_their_commune,
    assignment_loss_and_the_counters
);
