//! Facilities and beds registered by form (issue #15, item 2): the API's use case, the
//! commune by name, a refusal naming each field in the page's language with nothing saved,
//! and only for roles that manage beds.

use axum::http::{Method, StatusCode};
use domain::Role;
use store::{both_databases, Store};

use crate::ui::{send, sign_in};
use crate::App;

fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

async fn a_facility_is_registered_by_form(store: Store) {
    let app = App::new(store.clone());
    app.add_user("beds", Role::FacilityManager, &["00001"])
        .await;
    let cookie = sign_in(&app, "beds").await;
    let list = send(&app, Method::GET, "/facilities", &cookie, None).await;
    assert!(
        list.html.contains("href=\"/facilities/new\""),
        "{}",
        list.html
    );
    let p = send(&app, Method::GET, "/facilities/new", &cookie, None).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains("Cơ sở thu dung F0 (tầng 1)"), "{}", p.html);

    // Refused: each field beside its box in Vietnamese, the typed values kept, nothing saved.
    let bad = form(&[
        ("name", "Ký túc xá Đại học Quốc gia"),
        ("kind", ""),
        ("unit", "Trúc Bạch"),
        ("bed_oxygen", "nhiều"),
        ("bed_icu", "-3"),
    ]);
    let p = send(&app, Method::POST, "/facilities", &cookie, Some(&bad)).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST, "{}", p.html);
    assert!(p.html.contains("Chưa lưu gì"), "{}", p.html);
    for (field, words) in [
        ("kind", "Bắt buộc phải nhập."),
        ("unit", "Không tồn tại."),
        ("bed_oxygen", "Sai định dạng."),
        ("bed_icu", "Nằm ngoài khoảng cho phép."),
    ] {
        assert!(
            p.html.contains(&format!("id=\"f-{field}-error\">{words}")),
            "{field}: {}",
            p.html
        );
    }
    assert!(p.html.contains("value=\"Ký túc xá Đại học Quốc gia\""));
    assert!(p.html.contains("value=\"-3\""));
    let everyone = store::Caller::system("test");
    let none = store
        .list_facilities(&everyone.scope, domain::Structure::S2021)
        .await
        .unwrap();
    assert!(none.is_empty(), "nothing half-saved");

    // Saved with its beds: to the facility's page.
    let good = form(&[
        ("name", "Ký túc xá Đại học Quốc gia"),
        ("kind", "f0_isolation"),
        ("unit", "phuc xa"),
        ("address", ""),
        ("bed_f0_tier1", "300"),
        ("bed_oxygen", "20"),
        ("bed_icu", ""),
    ]);
    let p = send(&app, Method::POST, "/facilities", &cookie, Some(&good)).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let to = p.location.unwrap();
    assert!(to.starts_with("/facilities/"), "{to}");
    let page = send(&app, Method::GET, &to, &cookie, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html.contains("<h1>Ký túc xá Đại học Quốc gia</h1>"),
        "{}",
        page.html
    );
    let saved = store
        .list_facilities(&everyone.scope, domain::Structure::S2021)
        .await
        .unwrap();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].facility.unit_code.as_str(), "00001");
    let mut beds: Vec<(&str, i64)> = saved[0]
        .beds
        .iter()
        .map(|b| (b.bed_type.as_str(), b.capacity))
        .collect();
    beds.sort();
    assert_eq!(beds, [("f0_tier1", 300), ("oxygen", 20)]);

    // Roles that do not manage beds see no form and may not post one.
    app.add_user("tracer", Role::Tracer, &["00001"]).await;
    let tracer = sign_in(&app, "tracer").await;
    let list = send(&app, Method::GET, "/facilities", &tracer, None).await;
    assert!(!list.html.contains("href=\"/facilities/new\""));
    let p = send(&app, Method::GET, "/facilities/new", &tracer, None).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = send(&app, Method::POST, "/facilities", &tracer, Some(&good)).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
}

both_databases!(a_facility_is_registered_by_form);
