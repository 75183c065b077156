//! The pages for linked localities (issue #17): the case page's hand-over and share forms,
//! `/handovers` and `/shared`. Who may use each (the API's own checks: change cases to hand
//! over and answer, read cases to share and read copies), forms from another origin refused,
//! and the inputs' ranges (an unknown locality, a reason too long, a case without its
//! positive test). The exchange itself is the app's and the browser test's.

use axum::http::{Method, StatusCode};
use domain::Role;
use serde_json::json;
use store::{both_databases, Store};

use crate::share::linked;
use crate::ui::{send, send_raw, sign_in};

const POSITIVE: &str =
    "kind=pcr&sample_at=2021-11-20T08%3A00&result_at=2021-11-20T12%3A00&result=positive";

async fn case_page_forms_by_role_and_their_ranges(store: Store) {
    let app = linked(store).await;
    app.add_user("tracer", Role::Tracer, &["00001"]).await;
    app.add_user("bv", Role::FacilityManager, &["00001"]).await;
    app.add_user("xem", Role::Viewer, &["00001"]).await;
    let tracer = sign_in(&app, "tracer").await;
    let manager = sign_in(&app, "bv").await;
    let viewer = sign_in(&app, "xem").await;

    // The tracer sees both forms, partners by name (not code), and the nav links.
    let page = send(&app, Method::GET, "/cases/1", &tracer, None).await;
    assert_eq!(page.status, StatusCode::OK);
    for s in [
        r#"action="/cases/1/handover""#,
        r#"action="/cases/1/share""#,
        r#"<option value="79">TP. Hồ Chí Minh</option>"#,
        r#"name="no_identifiers""#,
        r#"name="birth_year_only""#,
        r#"name="commune_only""#,
        r#"href="/handovers""#,
        r#"href="/shared""#,
        r#"name="csrf""#,
    ] {
        assert!(page.html.contains(s), "{s}: {}", page.html);
    }
    // A facility manager reads cases (may share) but does not change them (no hand-over).
    let page = send(&app, Method::GET, "/cases/1", &manager, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains(r#"action="/cases/1/share""#));
    assert!(!page.html.contains(r#"action="/cases/1/handover""#));
    assert!(!page.html.contains(r#"href="/handovers""#));
    for (uri, form) in [
        ("/cases/1/handover", "to=79&reason=chuyen+vien"),
        ("/handovers/1/answer", "decision=accept"),
        ("/handovers/1/withdraw", ""),
    ] {
        let p = send(&app, Method::POST, uri, &manager, Some(form)).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{uri}");
    }
    assert_eq!(
        send(&app, Method::GET, "/handovers", &manager, None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // A viewer reads no personal data: no case, no copies, no share, no hand-over.
    for uri in ["/cases/1", "/shared", "/shared/1", "/handovers"] {
        let p = send(&app, Method::GET, uri, &viewer, None).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{uri}");
        assert!(!p.html.contains("Nguyễn Văn Chia"));
    }
    for (uri, form) in [
        ("/cases/1/handover", "to=79&reason=x"),
        ("/cases/1/share", "to=79&no_identifiers=on"),
        ("/shares/1/revoke", ""),
    ] {
        let p = send(&app, Method::POST, uri, &viewer, Some(form)).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{uri}");
    }

    // Ranges: an unknown locality, none, a reason too long, no positive test yet.
    let long = "a".repeat(app::handover::REASON_MAX_CHARS + 1);
    for (form, field) in [
        ("to=48&reason=chuyen+vien".to_string(), "to"),
        ("to=not+a+code%21&reason=chuyen+vien".to_string(), "to"),
        ("to=&reason=chuyen+vien".to_string(), "to"),
        (format!("to=79&reason={long}"), "reason"),
        ("to=79&reason=".to_string(), "reason"),
        ("to=79&reason=chuyen+vien".to_string(), "test"),
    ] {
        let p = send(
            &app,
            Method::POST,
            "/cases/1/handover",
            &tracer,
            Some(&form),
        )
        .await;
        assert_eq!(p.status, StatusCode::BAD_REQUEST, "{form}: {}", p.html);
        assert!(
            p.html.contains(&format!("<code>{field}</code>")),
            "{form}: {}",
            p.html
        );
        assert!(p.html.contains("Chưa lưu gì"), "in Vietnamese");
    }
    let p = send(&app, Method::POST, "/cases/1/share", &tracer, Some("to=48")).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.html.contains("<code>to</code>"));
    assert!(
        app.store.unsent(10).await.unwrap().is_empty(),
        "nothing sent"
    );

    // From another origin, even with the session: refused, nothing enqueued.
    let p = send(
        &app,
        Method::POST,
        "/cases/1/tests",
        &tracer,
        Some(POSITIVE),
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let token = tracer.split_once('=').unwrap().1;
    let forged = format!("to=79&reason=x&csrf={}", web::csrf_token(token));
    for uri in ["/cases/1/handover", "/cases/1/share"] {
        let p = send_raw(
            &app,
            Method::POST,
            uri,
            &tracer,
            Some(&forged),
            &[("host", "localhost"), ("origin", "http://evil.example")],
        )
        .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{uri}");
    }
    assert!(
        app.store.unsent(10).await.unwrap().is_empty(),
        "forged: nothing sent"
    );

    // Handed over: pending on the case page and in /handovers, by name; then withdrawn.
    let p = send(
        &app,
        Method::POST,
        "/cases/1/handover",
        &tracer,
        Some("to=79&reason=chuy%E1%BB%83n+vi%E1%BB%87n"),
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let sent = app.store.unsent(10).await.unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1, "link.01.79.handover");
    let page = send(&app, Method::GET, "/cases/1", &tracer, None).await;
    assert!(
        page.html.contains("Đang chờ TP. Hồ Chí Minh tiếp nhận"),
        "{}",
        page.html
    );
    assert!(
        !page.html.contains(r#"action="/cases/1/handover""#),
        "one at a time"
    );
    let list = send(&app, Method::GET, "/handovers", &tracer, None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.html.contains("TP. Hồ Chí Minh"), "{}", list.html);
    assert!(list.html.contains("chuyển viện"));
    assert!(list.html.contains("Đang chờ"));
    let withdraw = regex_free_find(&list.html, "/handovers/", "/withdraw");
    let p = send(&app, Method::POST, &withdraw, &tracer, Some("x=1")).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let list = send(&app, Method::GET, "/handovers", &tracer, None).await;
    assert!(list.html.contains("Đã rút lại"), "{}", list.html);

    // Shared for view without identifiers, listed on the case page, revoked from there.
    let p = send(
        &app,
        Method::POST,
        "/cases/1/share",
        &manager,
        Some("to=79&no_identifiers=on&birth_year_only=on"),
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let page = send(&app, Method::GET, "/cases/1", &manager, None).await;
    assert!(
        page.html
            .contains("Không gửi họ tên, số định danh, số điện thoại; Chỉ năm sinh"),
        "{}",
        page.html
    );
    let revoke = regex_free_find(&page.html, "/shares/", "/revoke");
    let p = send(&app, Method::POST, &revoke, &manager, Some("x=1")).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let page = send(&app, Method::GET, "/cases/1", &manager, None).await;
    assert!(page.html.contains("Đã thu hồi lúc"), "{}", page.html);
}

both_databases!(case_page_forms_by_role_and_their_ranges);

/// The first `action="{start}…{end}"` of a page (an id the test did not choose).
fn regex_free_find(html: &str, start: &str, end: &str) -> String {
    let at = html
        .find(&format!("action=\"{start}"))
        .unwrap_or_else(|| panic!("no {start}…{end} in {html}"));
    let rest = &html[at + 8..];
    let stop = rest.find(end).unwrap() + end.len();
    rest[..stop].to_string()
}

async fn incoming_offers_and_shared_copies(store: Store) {
    let app = linked(store).await;
    app.add_user("tracer", Role::Tracer, &["00001"]).await;
    app.add_user("bv", Role::FacilityManager, &["00001"]).await;
    // A copy is addressed to the locality: its command centre's scope (the city) reads a
    // copy of someone living elsewhere; a ward's account does not.
    app.add_user("bv.tp", Role::FacilityManager, &["01"]).await;
    let tracer = sign_in(&app, "tracer").await;
    let ward_manager = sign_in(&app, "bv").await;
    let manager = sign_in(&app, "bv.tp").await;
    let now = 1_637_400_000;
    let bundle = json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "name": [{"text": "Trần Thị Nhận"}],
                      "birthDate": "1990-03-04"}}
    ]});
    let copy = json!({
        "choices": {"no_identifiers": true, "birth_year_only": true, "commune_only": true},
        "person": {"token": "abcdef0123456789", "full_name": null, "national_id": null,
                   "phone": null, "birth_date": null, "birth_year": 1985, "sex": "female",
                   "structure": "2021", "unit_code": "26734", "address": null},
        "case": {"status": "active", "severity": "mild", "onset_s": null,
                 "first_sample_s": now, "confirmed_at_s": now, "isolation_s": null,
                 "community": true, "outcome_at_s": null},
        "history": [], "tests": [], "doses": [], "stays": []
    });
    let system = store::Caller::system("link:79");
    let mut tx = app.store.begin_transaction().await.unwrap();
    assert!(app
        .store
        .insert_handover_in_in(
            &mut tx,
            &system,
            "79",
            5,
            "case:79:5",
            "chuyển về nơi cư trú",
            &bundle.to_string(),
            now
        )
        .await
        .unwrap());
    app.store
        .put_shared_in_in(&mut tx, "79", 3, &copy, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // The offer: who (from the Bundle), from where by name, when the Vietnamese way.
    let list = send(&app, Method::GET, "/handovers", &tracer, None).await;
    assert_eq!(list.status, StatusCode::OK);
    for s in [
        "Từ TP. Hồ Chí Minh",
        "Trần Thị Nhận, sinh ngày 04/03/1990",
        "chuyển về nơi cư trú",
        "Tiếp nhận",
        "Từ chối",
    ] {
        assert!(list.html.contains(s), "{s}: {}", list.html);
    }
    let answer = regex_free_find(&list.html, "/handovers/", "/answer");
    // Ranges: no decision, an unknown one, a reason too long.
    let long = "a".repeat(app::handover::REASON_MAX_CHARS + 1);
    for form in [
        "reason=x".to_string(),
        "decision=maybe".to_string(),
        format!("decision=reject&reason={long}"),
    ] {
        let p = send(&app, Method::POST, &answer, &tracer, Some(&form)).await;
        assert_eq!(p.status, StatusCode::BAD_REQUEST, "{form}: {}", p.html);
    }
    let p = send(
        &app,
        Method::POST,
        &answer,
        &manager,
        Some("decision=reject"),
    )
    .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    // Another origin may not answer for us.
    let token = tracer.split_once('=').unwrap().1;
    let p = send_raw(
        &app,
        Method::POST,
        &answer,
        &tracer,
        Some(&format!(
            "decision=reject&reason=x&csrf={}",
            web::csrf_token(token)
        )),
        &[("host", "localhost"), ("origin", "http://evil.example")],
    )
    .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = send(
        &app,
        Method::POST,
        &answer,
        &tracer,
        Some("decision=reject&reason=kh%C3%B4ng+c%C3%B2n+gi%C6%B0%E1%BB%9Dng"),
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let list = send(&app, Method::GET, "/handovers", &tracer, None).await;
    assert!(list.html.contains("Bị từ chối"), "{}", list.html);
    assert!(list.html.contains("không còn giường"));
    assert!(
        !list.html.contains("Trần Thị Nhận"),
        "a rejected Bundle is not kept"
    );
    let p = send(
        &app,
        Method::POST,
        &answer,
        &tracer,
        Some("decision=accept"),
    )
    .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST, "answered already");

    // The copy shared with us: from whom by name, the choices, no name (none was shared).
    let shared = send(&app, Method::GET, "/shared", &manager, None).await;
    assert_eq!(shared.status, StatusCode::OK);
    for s in [
        "TP. Hồ Chí Minh",
        "Ẩn danh (abcdef01)",
        "Chỉ năm sinh",
        r#"href="/shared/1""#,
    ] {
        assert!(shared.html.contains(s), "{s}: {}", shared.html);
    }
    let one = send(&app, Method::GET, "/shared/1", &manager, None).await;
    assert_eq!(one.status, StatusCode::OK);
    let ward = send(&app, Method::GET, "/shared", &ward_manager, None).await;
    assert_eq!(ward.status, StatusCode::OK);
    assert!(!ward.html.contains(r#"href="/shared/1""#), "{}", ward.html);
    assert!(!ward.html.contains("Ẩn danh"), "{}", ward.html);
    let ward = send(&app, Method::GET, "/shared/1", &ward_manager, None).await;
    assert_eq!(ward.status, StatusCode::NOT_FOUND);
    assert!(one.html.contains("1985"), "{}", one.html);
    assert!(one.html.contains("Chỉ để xem"));
    // The residence by its names, not its code.
    assert!(one.html.contains("Phường Tân Định, Quận 1"), "{}", one.html);
    assert!(!one.html.contains("26734"));
    assert!(!one.html.contains("Địa chỉ"), "no address was shared");
    assert!(!one.html.contains("Điện thoại"), "no phone was shared");
    assert_eq!(
        send(&app, Method::GET, "/shared/2", &manager, None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Revoked there: the copy says so, and nothing of it is left.
    let mut tx = app.store.begin_transaction().await.unwrap();
    app.store
        .revoke_shared_in_in(&mut tx, "79", 3, "bs.an", now + 60)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let one = send(&app, Method::GET, "/shared/1", &manager, None).await;
    assert_eq!(one.status, StatusCode::GONE);
    assert!(one.html.contains("đã thu hồi"), "{}", one.html);
    assert!(!one.html.contains("1985"));
    let shared = send(&app, Method::GET, "/shared", &manager, None).await;
    assert!(shared.html.contains("(đã thu hồi)"), "{}", shared.html);
    assert!(!shared.html.contains(r#"href="/shared/1""#));
}

both_databases!(incoming_offers_and_shared_copies);

/// An installation linked to no locality offers neither form and says so on `/handovers`.
async fn unlinked_installation_offers_nothing(store: Store) {
    let app = crate::App::new(store);
    app.add_user("tracer", Role::Tracer, &["VN"]).await;
    let tracer = sign_in(&app, "tracer").await;
    let p = send(&app, Method::GET, "/handovers", &tracer, None).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains("chưa liên kết"), "{}", p.html);
    let p = send(&app, Method::GET, "/shared", &tracer, None).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains("Chưa có địa phương nào"), "{}", p.html);
}

both_databases!(unlinked_installation_offers_nothing);
