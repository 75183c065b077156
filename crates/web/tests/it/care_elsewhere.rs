//! `/care-elsewhere` and `GET /api/v1/care-elsewhere` (issue #17, "What travels" 4): every
//! signed-in role sees the counts per partner; only roles that may read personal data see
//! the persons' names; a resident outside the caller's jurisdiction is not counted.

use chrono::NaiveDate;
use domain::person::Sex;
use domain::{PersonId, Role, Structure, UnitCode};
use store::{both_databases, CareItem, CareKind, PersonRow, Store, UnitRef};

use crate::App;

/// 2021-11-20T03:00:00Z.
const NOW: i64 = 1_637_377_200;

/// Persons 1 and 2 of Hà Nội's commune 00001: HCMC ("79") vaccinated both and helped 1
/// home; Bình Dương ("74") treated 2.
async fn cared(store: &Store) {
    let u = store
        .unit_unscoped(Structure::S2021, &UnitCode::parse("00001").unwrap())
        .await
        .unwrap()
        .unwrap();
    let u = UnitRef::from(&u);
    let persons: Vec<PersonRow> = [(1, "Nguyễn Thị Hậu"), (2, "Trần Văn Giang")]
        .into_iter()
        .map(|(id, name)| PersonRow {
            id,
            full_name: name.into(),
            national_id: None,
            phone: None,
            birth_date: NaiveDate::from_ymd_opt(1985, 3, 3),
            sex: Sex::Female,
            unit: u.clone(),
            household_id: None,
            synthetic: true,
        })
        .collect();
    store.bulk_persons(&persons, NOW).await.unwrap();
    let item = |partner: &str, key: &str, person: i64, kind, on: &str| CareItem {
        partner: partner.into(),
        item_key: key.into(),
        person_id: PersonId(person),
        kind,
        on_date: NaiveDate::parse_from_str(on, "%Y-%m-%d").unwrap(),
        detail: None,
    };
    let mut tx = store.begin_transaction().await.unwrap();
    for i in [
        item("79", "dose:p1-d1", 1, CareKind::Vaccinated, "2021-09-01"),
        item("79", "dose:p2-d1", 2, CareKind::Vaccinated, "2021-09-02"),
        item("79", "home:1", 1, CareKind::HelpedHome, "2021-10-02"),
        item("74", "stay:9", 2, CareKind::Treated, "2021-10-05"),
        // Outside the range asked.
        item("79", "dose:p1-d2", 1, CareKind::Vaccinated, "2021-06-01"),
    ] {
        assert!(store
            .insert_care_elsewhere_in(&mut tx, &i, NOW)
            .await
            .unwrap());
    }
    tx.commit().await.unwrap();
}

const RANGE: &str = "from=2021-08-01&to=2021-11-20";

async fn counts_for_every_role_names_only_for_readers_of_personal_data(store: Store) {
    cared(&store).await;
    let app = App::at(store.clone(), Some(NOW));
    for (name, role, names) in [
        ("tracer", Role::Tracer, true),
        ("command", Role::Command, true),
        ("viewer", Role::Viewer, false),
    ] {
        let token = app.login_as(name, role, &["VN"]).await;
        let r = app
            .get(&format!("/api/v1/care-elsewhere?{RANGE}"), Some(&token))
            .await;
        assert_eq!(r.status, 200, "{name}: {:?}", r.json);
        let partners = r.json["partners"].as_array().unwrap();
        assert_eq!(partners.len(), 2, "{name}: {:?}", r.json);
        let hcm = partners.iter().find(|p| p["code"] == "79").unwrap();
        assert_eq!(
            (&hcm["vaccinated"], &hcm["treated"], &hcm["helped_home"]),
            (&2.into(), &0.into(), &1.into()),
            "{name}"
        );
        assert_eq!(hcm["letter"], "/aid/letters/new?to=79&kind=residents_cared");
        assert_eq!(hcm["persons"].is_array(), names, "{name}: {hcm:?}");

        let html = app
            .get_html(&format!("/care-elsewhere?{RANGE}"), &token)
            .await;
        assert!(
            html.contains("Người dân được chăm sóc ở địa phương khác"),
            "{name}"
        );
        assert!(html.contains("Gửi thư cảm ơn"));
        assert!(html.contains("/aid/letters/new?to=79&amp;kind=residents_cared"));
        assert!(html.contains("<td>2</td>"), "{name}: the two doses");
        assert_eq!(html.contains("Nguyễn Thị Hậu"), names, "{name}");
        assert_eq!(html.contains("Trần Văn Giang"), names, "{name}");
    }
    // HCMC's own official: Hà Nội's residents are not theirs.
    let token = app.login_as("hcm", Role::Tracer, &["79"]).await;
    let r = app
        .get(&format!("/api/v1/care-elsewhere?{RANGE}"), Some(&token))
        .await;
    assert_eq!(r.json["partners"].as_array().unwrap().len(), 0);
    // A malformed date is named.
    let r = app
        .get("/api/v1/care-elsewhere?from=yesterday", Some(&token))
        .await;
    assert_eq!(r.status, 400);
    // Without a session: none of it.
    let r = app.get("/api/v1/care-elsewhere", None).await;
    assert_eq!(r.status, 401);
}

both_databases!(counts_for_every_role_names_only_for_readers_of_personal_data);
