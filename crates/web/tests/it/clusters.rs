//! Clusters on the web (issue #19): a cluster keeps its number as time passes and as it
//! grows; the command centre names, declares and closes it; a tracer's added link merges two
//! clusters and the old number still answers (API 301, page redirect with a notice); a
//! removed link splits them again; who may do what, and each input's range.

use axum::http::{Method, StatusCode};
use domain::Role;
use serde_json::json;
use store::{both_databases, Store};

use crate::ui::send;
use crate::App;

/// 2021-11-30 00:00 UTC.
const NOW: i64 = 1_638_230_400;
const DAY: i64 = 86_400;

async fn person(app: &App, token: &str, name: &str, unit: &str) -> i64 {
    let r = app
        .post_json(
            "/api/v1/persons",
            Some(token),
            &json!({"full_name": name, "unit": unit}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    r.json["id"].as_i64().unwrap()
}

/// A case for `p` with onset on `onset` (YYYY-MM-DD) and its positive sample the next day.
async fn case(app: &App, token: &str, p: i64, onset: &str) -> i64 {
    let onset_d = chrono::NaiveDate::parse_from_str(onset, "%Y-%m-%d").unwrap();
    let sample = onset_d + chrono::Days::new(1);
    let r = app
        .post_json(
            "/api/v1/cases",
            Some(token),
            &json!({"person_id": p, "severity": "mild", "onset": format!("{onset}T00:00:00Z"),
                    "test": {"kind": "pcr", "sample_at": format!("{sample}T08:00:00Z"),
                             "result_at": format!("{sample}T20:00:00Z")}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    r.json["id"].as_i64().unwrap()
}

/// `a` exposed `b` at a household meal at `at` (RFC 3339).
async fn declared(app: &App, token: &str, a: i64, b: i64, at: &str) {
    let r = app
        .post_json(
            &format!("/api/v1/persons/{a}/declared-contacts"),
            Some(token),
            &json!({"contact_person_id": b, "at": at, "setting": "household"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
}

fn session(token: &str) -> String {
    format!("chongdich_token={token}")
}

/// The clusters as the API lists them: (id, sorted cases).
async fn listed(app: &App, token: &str) -> Vec<(i64, Vec<i64>)> {
    let r = app.get("/api/v1/clusters", Some(token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let mut out: Vec<(i64, Vec<i64>)> = r.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let mut cases: Vec<i64> = c["cases"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_i64().unwrap())
                .collect();
            cases.sort_unstable();
            (c["id"].as_i64().unwrap(), cases)
        })
        .collect();
    out.sort();
    out
}

/// Two chains in commune 00001: A → B → C and D → E (each exposure four days before the
/// next onset). Returns the cases [a, b, c, d, e].
async fn two_chains(app: &App, tracer: &str) -> Vec<i64> {
    let mut people = Vec::new();
    for name in ["An", "Bình", "Chi", "Dũng", "Em"] {
        people.push(person(app, tracer, name, "00001").await);
    }
    let onsets = [
        "2021-11-10",
        "2021-11-14",
        "2021-11-18",
        "2021-11-12",
        "2021-11-16",
    ];
    let mut cases = Vec::new();
    for (p, onset) in people.iter().zip(onsets) {
        cases.push(case(app, tracer, *p, onset).await);
    }
    declared(app, tracer, people[0], people[1], "2021-11-10T12:00:00Z").await;
    declared(app, tracer, people[1], people[2], "2021-11-14T12:00:00Z").await;
    declared(app, tracer, people[3], people[4], "2021-11-12T12:00:00Z").await;
    cases
}

async fn a_cluster_keeps_its_number_as_time_passes_and_as_it_grows(store: Store) {
    let app = App::at(store.clone(), Some(NOW));
    let tracer = app.login_as("cdc", Role::Tracer, &["VN"]).await;
    let cases = two_chains(&app, &tracer).await;
    let first = listed(&app, &tracer).await;
    assert_eq!(first.len(), 2, "{first:?}");
    let abc = first.iter().find(|(_, c)| c.contains(&cases[0])).unwrap().0;
    assert_eq!(
        first.iter().find(|(id, _)| *id == abc).unwrap().1,
        [cases[0], cases[1], cases[2]]
    );

    // Twelve days on, the first case has left the 28-day window; the cluster does not
    // change its number (it was the smallest case id before, and changed).
    let later = App::at(store.clone(), Some(NOW + 12 * DAY));
    later.reindex().await;
    let again = listed(&later, &tracer).await;
    assert!(
        again
            .iter()
            .any(|(id, c)| *id == abc && c.contains(&cases[1])),
        "{again:?}"
    );

    // It grows: C exposes a new case F; still the same number.
    let f_person = person(&later, &tracer, "Phúc", "00001").await;
    let c_person = later
        .get(&format!("/api/v1/cases/{}", cases[2]), Some(&tracer))
        .await;
    let c_person = c_person.json["person_id"].as_i64().unwrap();
    case(&later, &tracer, f_person, "2021-11-22").await;
    declared(&later, &tracer, c_person, f_person, "2021-11-18T12:00:00Z").await;
    let grown = listed(&later, &tracer).await;
    let (_, members) = grown.iter().find(|(id, _)| *id == abc).unwrap();
    assert_eq!(members.len(), 3, "B, C and F in the window: {grown:?}");
}

async fn a_merged_number_still_answers_and_a_removed_link_splits(store: Store) {
    let app = App::at(store.clone(), Some(NOW));
    let tracer = app.login_as("cdc", Role::Tracer, &["VN"]).await;
    let cases = two_chains(&app, &tracer).await;
    let before = listed(&app, &tracer).await;
    let abc = before
        .iter()
        .find(|(_, c)| c.contains(&cases[0]))
        .unwrap()
        .0;
    let de = before
        .iter()
        .find(|(_, c)| c.contains(&cases[3]))
        .unwrap()
        .0;

    // A tracer links C to D: the larger cluster (A, B, C) keeps its number; D–E is merged.
    let p = send(
        &app,
        Method::POST,
        &format!("/clusters/{abc}/links"),
        &session(&tracer),
        Some(&format!(
            "action=add&from_case={}&to_case={}&reason=C+n%E1%BA%A5u+%C4%83n+cho+D",
            cases[2], cases[3]
        )),
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let merged = listed(&app, &tracer).await;
    assert_eq!(merged.len(), 1, "{merged:?}");
    assert_eq!(merged[0].0, abc);
    assert_eq!(merged[0].1.len(), 5);

    // The old number answers: the API moves it, the page leads there and says so.
    let r = app
        .get(&format!("/api/v1/clusters/{de}"), Some(&tracer))
        .await;
    assert_eq!(r.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(
        r.headers.get("location").unwrap().to_str().unwrap(),
        format!("/api/v1/clusters/{abc}")
    );
    let p = send(
        &app,
        Method::GET,
        &format!("/clusters/{de}"),
        &session(&tracer),
        None,
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let to = p.location.unwrap();
    assert_eq!(to, format!("/clusters/{abc}?merged={de}"));
    let page = app.get_html(&to, &tracer).await;
    assert!(
        page.contains(&format!("Ổ dịch số {de} đã được gộp vào ổ dịch này")),
        "{page}"
    );
    assert!(
        page.contains("Gộp Ổ dịch số"),
        "the history says it: {page}"
    );
    assert!(page.contains("C nấu ăn cho D"), "with the reason");

    // The link was wrong after all: removed, the two parts separate again; A–B–C keeps its
    // number, D–E is a new cluster split from it (its old number stays merged).
    let p = send(
        &app,
        Method::POST,
        &format!("/clusters/{abc}/links"),
        &session(&tracer),
        Some(&format!(
            "action=remove&from_case={}&to_case={}&reason=nh%E1%BA%A7m",
            cases[2], cases[3]
        )),
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let split = listed(&app, &tracer).await;
    assert_eq!(split.len(), 2, "{split:?}");
    assert!(split.iter().any(|(id, c)| *id == abc && c.len() == 3));
    let (new_id, _) = split.iter().find(|(id, _)| *id != abc).unwrap();
    assert!(*new_id != de && *new_id != abc);
    let detail = app
        .get(&format!("/api/v1/clusters/{new_id}"), Some(&tracer))
        .await;
    assert_eq!(detail.json["split_from"], abc);

    // A rule link can be removed too, and the correction holds when the rule runs again.
    let p = send(
        &app,
        Method::POST,
        &format!("/clusters/{abc}/links"),
        &session(&tracer),
        Some(&format!(
            "action=remove&from_case={}&to_case={}&reason=kh%C3%B4ng+g%E1%BA%B7p",
            cases[1], cases[2]
        )),
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let later = App::at(store.clone(), Some(NOW + DAY));
    later.reindex().await;
    let now = listed(&later, &tracer).await;
    assert!(
        now.iter()
            .all(|(_, c)| !(c.contains(&cases[1]) && c.contains(&cases[2]))),
        "{now:?}"
    );
}

async fn clusters_are_named_declared_and_closed_by_those_who_may(store: Store) {
    let app = App::at(store.clone(), Some(NOW));
    let tracer = app.login_as("cdc", Role::Tracer, &["VN"]).await;
    let viewer = app.login_as("viewer", Role::Viewer, &["VN"]).await;
    let elsewhere = app.login_as("other", Role::Tracer, &["00004"]).await;
    let cases = two_chains(&app, &tracer).await;
    let id = listed(&app, &tracer)
        .await
        .into_iter()
        .find(|(_, c)| c.contains(&cases[0]))
        .unwrap()
        .0;
    let form = "name=Ch%E1%BB%A3+H%C3%A0ng+Da&place=Ph%C6%B0%E1%BB%9Dng+Ph%C3%BAc+X%C3%A1\
                &declared_on=2021-11-16&closed_on=";
    // A viewer may not; a tracer of another commune does not see it.
    let p = send(
        &app,
        Method::POST,
        &format!("/clusters/{id}"),
        &session(&viewer),
        Some(form),
    )
    .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = send(
        &app,
        Method::POST,
        &format!("/clusters/{id}"),
        &session(&elsewhere),
        Some(form),
    )
    .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    let p = send(
        &app,
        Method::GET,
        &format!("/clusters/{id}"),
        &session(&elsewhere),
        None,
    )
    .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    let p = send(
        &app,
        Method::POST,
        &format!("/clusters/{id}/links"),
        &session(&viewer),
        Some("action=add"),
    )
    .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);

    let p = send(
        &app,
        Method::POST,
        &format!("/clusters/{id}"),
        &session(&tracer),
        Some(form),
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let list = app.get_html("/clusters", &tracer).await;
    assert!(
        list.contains(&format!("Ổ dịch số {id} — Chợ Hàng Da")),
        "{list}"
    );
    assert!(list.contains("Công bố ngày 16/11/2021"));
    let api = app
        .get(&format!("/api/v1/clusters/{id}"), Some(&tracer))
        .await;
    assert_eq!(api.json["name"], "Chợ Hàng Da");
    assert_eq!(api.json["place"], "Phường Phúc Xá");
    assert_eq!(api.json["declared_on"], "2021-11-16");
    assert_eq!(api.json["closed_on"], serde_json::Value::Null);

    // Ranges: a day in the future, a closing before the declaring, a name too long, a bad
    // date: refused, each on its field, and nothing changed.
    for (bad, field) in [
        ("declared_on=2021-12-30", "c-declared"),
        ("declared_on=2021-11-16&closed_on=2021-11-10", "c-closed"),
        ("declared_on=16%2F11%2F2021", "c-declared"),
        (&*format!("name={}", "x".repeat(201)), "c-name"),
    ] {
        let p = send(
            &app,
            Method::POST,
            &format!("/clusters/{id}"),
            &session(&tracer),
            Some(bad),
        )
        .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(
            p.html.contains(&format!("id=\"{field}-error\"")),
            "{bad}: {}",
            p.html
        );
    }
    let link_errors = send(
        &app,
        Method::POST,
        &format!("/clusters/{id}/links"),
        &session(&tracer),
        Some("action=add&from_case=abc&to_case=999999&reason="),
    )
    .await;
    assert_eq!(link_errors.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["l-from", "l-reason"] {
        assert!(
            link_errors.html.contains(&format!("id=\"{field}-error\"")),
            "{field}"
        );
    }
    let api = app
        .get(&format!("/api/v1/clusters/{id}"), Some(&tracer))
        .await;
    assert_eq!(api.json["name"], "Chợ Hàng Da");

    // Closed: shown as closed, and in its history with who did it.
    let p = send(
        &app,
        Method::POST,
        &format!("/clusters/{id}"),
        &session(&tracer),
        Some("name=Ch%E1%BB%A3+H%C3%A0ng+Da&declared_on=2021-11-16&closed_on=2021-11-29"),
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let page = app.get_html(&format!("/clusters/{id}"), &tracer).await;
    assert!(page.contains("Kết thúc ngày 29/11/2021"), "{page}");
    assert!(page.contains("Kết thúc ổ dịch — cdc"), "{page}");
}

/// 2021-12-18 10:00 UTC (17:00 in Hà Nội).
const DEC_18: i64 = 1_639_821_600;

/// A cluster with no new case for longer than the policy's 28 days (data/policies/
/// tracing.toml) is proposed for closing, on the list, its page and the API; one press of a
/// writer closes it on the day the criterion first held; nothing closes by itself.
async fn a_quiet_cluster_is_proposed_for_closing_and_closed_by_a_press(store: Store) {
    let app = App::at(store.clone(), Some(NOW));
    let tracer = app.login_as("cdc", Role::Tracer, &["VN"]).await;
    let viewer = app.login_as("viewer", Role::Viewer, &["VN"]).await;
    let elsewhere = app.login_as("other", Role::Tracer, &["00004"]).await;
    let cases = two_chains(&app, &tracer).await;
    let first = listed(&app, &tracer).await;
    let of = |case: i64| first.iter().find(|(_, c)| c.contains(&case)).unwrap().0;
    let (abc, de) = (of(cases[0]), of(cases[3]));
    let list = app.get_html("/clusters", &tracer).await;
    assert!(!list.contains("Đề xuất kết thúc"), "ten days quiet: {list}");
    // The daily report counts the clusters the page lists (none closed nor proposed): the
    // same number on both. Both were numbered today, but neither is new today: a cluster is
    // new on the day its second case was confirmed (B on 16 Nov in Hà Nội, E on 18 Nov).
    let rows = list.matches("href=\"/clusters/").count();
    assert_eq!(rows, 2, "{list}");
    let report = app.get_html("/reports/daily", &tracer).await;
    let active = "Ổ dịch đang hoạt động (có ca mới trong 28 ngày, chưa kết thúc)</th><td>";
    assert!(report.contains(&format!("{active}{rows}</td>")), "{report}");
    assert!(
        report.contains("Ổ dịch mới trong ngày</th><td>0</td>"),
        "{report}"
    );
    for (day, id) in [("2021-11-16", abc), ("2021-11-18", de)] {
        let then = app
            .get_html(&format!("/reports/daily?day={day}"), &tracer)
            .await;
        assert!(
            then.contains("Ổ dịch mới trong ngày</th><td>1</td>")
                && then.contains(&format!("Ổ dịch số {id} (")),
            "{day}: {then}"
        );
    }
    assert!(
        report.contains(&format!("Ổ dịch số {abc} (3 ca)")),
        "{report}"
    );
    assert!(
        report.contains("Ổ dịch kết thúc trong ngày</th><td>0</td>"),
        "{report}"
    );

    // 18 Dec: every case has left the rule's window. D–E's newest case (E, confirmed the
    // evening of 17 Nov UTC, 18 Nov in Hà Nội) is 30 days old: proposed. A–B–C's (C, 20 Nov
    // in Hà Nội) is exactly 28: not yet.
    let later = App::at(store.clone(), Some(DEC_18));
    later.reindex().await;
    let list = later.get_html("/clusters", &tracer).await;
    assert!(
        list.contains(&format!("Ổ dịch số {abc}")),
        "still listed: {list}"
    );
    assert!(
        list.contains(&format!("Ổ dịch số {de}")),
        "still listed: {list}"
    );
    assert!(
        list.contains("Đề xuất kết thúc (30 ngày không có ca mới)"),
        "{list}"
    );
    assert!(!list.contains("(28 ngày không có ca mới)"), "{list}");
    assert!(list.contains(&format!("action=\"/clusters/{de}/close\"")));
    assert!(!list.contains(&format!("action=\"/clusters/{abc}/close\"")));
    let api = |id: i64| {
        let (later, tracer) = (&later, &tracer);
        async move {
            later
                .get(&format!("/api/v1/clusters/{id}"), Some(tracer))
                .await
        }
    };
    assert_eq!(api(de).await.json["proposed_close_quiet_days"], 30);
    assert_eq!(
        api(abc).await.json["proposed_close_quiet_days"],
        serde_json::Value::Null
    );
    let page = later.get_html(&format!("/clusters/{de}"), &tracer).await;
    assert!(
        page.contains("Đề xuất kết thúc (30 ngày không có ca mới)"),
        "{page}"
    );
    assert!(page.contains("Kết thúc ổ dịch (ngày 17/12/2021)"), "{page}");
    // A facility manager (who reads but does not write) sees the proposal but no button.
    let reader = later
        .login_as("facility", Role::FacilityManager, &["VN"])
        .await;
    let seen = later.get_html(&format!("/clusters/{de}"), &reader).await;
    assert!(seen.contains("Đề xuất kết thúc"));
    assert!(!seen.contains(&format!("action=\"/clusters/{de}/close\"")));

    // Who may press: not a viewer, not a tracer of another commune; not on a cluster that
    // is not proposed.
    let close = |id: i64, token: String| {
        let later = &later;
        async move {
            send(
                later,
                Method::POST,
                &format!("/clusters/{id}/close"),
                &session(&token),
                Some(""),
            )
            .await
        }
    };
    assert_eq!(
        close(de, viewer.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        close(de, elsewhere.clone()).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        close(abc, tracer.clone()).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        close(999_999, tracer.clone()).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(api(de).await.json["closed_on"], serde_json::Value::Null);

    // The press: closed on 17 Dec (the day after the newest case's day plus 28), in its
    // history with who did it, and no longer proposed; pressing again is refused.
    let p = close(de, tracer.clone()).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let page = later.get_html(&format!("/clusters/{de}"), &tracer).await;
    assert!(page.contains("Kết thúc ngày 17/12/2021"), "{page}");
    assert!(page.contains("Kết thúc ổ dịch — cdc"), "{page}");
    assert!(!page.contains("Đề xuất kết thúc"), "{page}");
    assert_eq!(api(de).await.json["closed_on"], "2021-12-17");
    assert_eq!(close(de, tracer.clone()).await.status, StatusCode::CONFLICT);
    let list = later.get_html("/clusters", &tracer).await;
    assert!(!list.contains("Đề xuất kết thúc"), "{list}");
    // The day's report: D–E closed today; A–B–C the one active, as on the page.
    let rows = list.matches("href=\"/clusters/").count();
    assert_eq!(rows, 1, "{list}");
    let report = later.get_html("/reports/daily", &tracer).await;
    assert!(report.contains(&format!("{active}{rows}</td>")), "{report}");
    assert!(
        report.contains("Ổ dịch kết thúc trong ngày</th><td>1</td>"),
        "{report}"
    );
    assert!(
        report.contains(&format!("Ổ dịch số {de} (2 ca)")),
        "{report}"
    );
    assert!(
        report.contains("Ổ dịch mới trong ngày</th><td>0</td>"),
        "{report}"
    );
    // The report of 16 November, read on 18 December: A–B–C was new then.
    let past = later
        .get_html("/reports/daily?day=2021-11-16", &tracer)
        .await;
    assert!(
        past.contains("Ổ dịch mới trong ngày</th><td>1</td>"),
        "{past}"
    );

    // A day later A–B–C is 29 days quiet: proposed in turn.
    let next = App::at(store.clone(), Some(DEC_18 + DAY));
    next.reindex().await;
    let list = next.get_html("/clusters", &tracer).await;
    assert!(
        list.contains("Đề xuất kết thúc (29 ngày không có ca mới)"),
        "{list}"
    );
    assert!(list.contains(&format!("action=\"/clusters/{abc}/close\"")));
}

/// The cluster page's graph and case list filtered by confirmation date and by unit; a bad
/// date is ignored with a message; a unit outside the caller's scope shows nothing.
async fn a_cluster_graph_filters_by_date_and_unit(store: Store) {
    let app = App::at(store.clone(), Some(NOW));
    let tracer = app.login_as("cdc", Role::Tracer, &["VN"]).await;
    // A (Phúc Xá) → B → C (Phúc Tân, another district), confirmed (local days) on 12, 16
    // and 20 November.
    let mut people = Vec::new();
    for (name, unit) in [("An", "00001"), ("Bình", "00037"), ("Chi", "00037")] {
        people.push(person(&app, &tracer, name, unit).await);
    }
    let mut cases = Vec::new();
    for (p, onset) in people
        .iter()
        .zip(["2021-11-10", "2021-11-14", "2021-11-18"])
    {
        cases.push(case(&app, &tracer, *p, onset).await);
    }
    declared(&app, &tracer, people[0], people[1], "2021-11-10T12:00:00Z").await;
    declared(&app, &tracer, people[1], people[2], "2021-11-14T12:00:00Z").await;
    let found = listed(&app, &tracer).await;
    assert_eq!(found.len(), 1, "{found:?}");
    let id = found[0].0;
    let drawn = |page: &str| -> Vec<i64> {
        cases
            .iter()
            .copied()
            .filter(|c| page.contains(&format!("<a href=\"/cases/{c}\"><title>")))
            .collect()
    };
    let page = app.get_html(&format!("/clusters/{id}"), &tracer).await;
    assert_eq!(page.matches("<circle").count(), 3, "{page}");
    assert_eq!(drawn(&page), cases);
    // Arrows infector → infectee, one marker per link kind, and the legend.
    assert_eq!(page.matches("marker-end=").count(), 2);
    assert!(page.contains("Cùng hộ hoặc tiếp xúc khai báo"));

    let cut = |q: &str| format!("/clusters/{id}?{q}");
    // "Phúc Tân" names two communes of the scope: nothing is drawn, the two are offered.
    let page = app.get_html(&cut("unit=Ph%C3%BAc+T%C3%A2n"), &tracer).await;
    assert_eq!(drawn(&page), Vec::<i64>::new());
    assert!(
        page.contains(&format!("href=\"/clusters/{id}?unit=00037\"")),
        "{page}"
    );
    assert!(page.contains("Không có ca nào"), "{page}");
    let page = app.get_html(&cut("unit=00037"), &tracer).await;
    assert_eq!(drawn(&page), [cases[1], cases[2]], "{page}");
    assert_eq!(page.matches("marker-end=").count(), 1, "only B → C");
    assert!(page.contains("Đang hiện 2 trong số 3 ca"), "{page}");
    let page = app.get_html(&cut("from=2021-11-16"), &tracer).await;
    assert_eq!(drawn(&page), [cases[1], cases[2]]);
    let page = app
        .get_html(&cut("from=2021-11-16&to=2021-11-16"), &tracer)
        .await;
    assert_eq!(drawn(&page), [cases[1]], "both ends are inclusive");
    // The form's date inputs send YYYY-MM-DD; another shape is not a date here.
    let page = app
        .get_html(&cut("from=16%2F11%2F2021&to=2021-11-16"), &tracer)
        .await;
    assert_eq!(drawn(&page), [cases[0], cases[1]]);
    assert!(page.contains("Ngày không hợp lệ"), "{page}");
    let page = app.get_html(&cut("to=2021-11-11"), &tracer).await;
    assert_eq!(drawn(&page), Vec::<i64>::new());
    // A bad date is ignored, and said.
    let page = app
        .get_html(&cut("from=2021-13-40&unit=00001"), &tracer)
        .await;
    assert_eq!(drawn(&page), [cases[0]]);
    assert!(page.contains("Ngày không hợp lệ"), "{page}");
    // A unit of the scope without cases: nothing; a name matching nothing: nothing, said.
    let page = app.get_html(&cut("unit=H%C3%A0ng+M%C3%A3"), &tracer).await;
    assert_eq!(page.matches("<circle").count(), 0);
    let page = app.get_html(&cut("unit=Nowhere"), &tracer).await;
    assert_eq!(page.matches("<circle").count(), 0);
    assert!(page.contains("Không có đơn vị hành chính nào"));

    // A Ba Đình officer sees A only; Phúc Tân is outside the scope: nothing is shown.
    let ba_dinh = app.login_as("bd", Role::Tracer, &["001"]).await;
    let page = app.get_html(&format!("/clusters/{id}"), &ba_dinh).await;
    assert_eq!(drawn(&page), [cases[0]], "{page}");
    let page = app
        .get_html(&format!("/clusters/{id}?unit=00037"), &ba_dinh)
        .await;
    assert_eq!(page.matches("<circle").count(), 0, "{page}");
    assert!(page.contains("Không có đơn vị hành chính nào"));
}

both_databases!(
    a_cluster_keeps_its_number_as_time_passes_and_as_it_grows,
    a_merged_number_still_answers_and_a_removed_link_splits,
    clusters_are_named_declared_and_closed_by_those_who_may,
    a_quiet_cluster_is_proposed_for_closing_and_closed_by_a_press,
    a_cluster_graph_filters_by_date_and_unit,
);
