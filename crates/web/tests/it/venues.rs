use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use domain::epi::VenueKind;
use domain::{Role, Structure, UnitCode};
use http_body_util::BodyExt;
use store::{both_databases, Store, UnitRef, VenueRow};
use tower::ServiceExt;

use crate::App;

async fn seed(store: &Store) {
    let mut rows = Vec::new();
    for (id, code, name, kind) in [
        (1, "00001", "Chợ Phúc Xá", VenueKind::Market),
        (2, "00001", "Quán cà phê Sông Hồng", VenueKind::Cafe),
        (3, "00004", "Siêu thị Trúc Bạch", VenueKind::Supermarket),
    ] {
        let u = store
            .unit_unscoped(Structure::S2021, &UnitCode::parse(code).unwrap())
            .await
            .unwrap()
            .unwrap();
        rows.push(VenueRow {
            id,
            name: name.into(),
            kind,
            unit: UnitRef::from(&u),
            address: None,
            capacity: Some(100),
            open_min: 330,
            close_min: 1290,
            qr_payload: format!("CDV1:V:{id}"),
            synthetic: false,
        });
    }
    store.bulk_venues(&rows, 0).await.unwrap();
}

async fn raw(app: &App, uri: &str, token: &str) -> (StatusCode, String, Vec<u8>) {
    let req = Request::builder()
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let ct = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (
        status,
        ct,
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
}

async fn venues_are_scoped_searchable_and_printable(store: Store) {
    seed(&store).await;
    let app = App::new(store);
    let officer = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let mine = app.all_items("/api/v1/venues?limit=1", &officer).await;
    assert_eq!(mine.len(), 2);
    assert_eq!(mine[0]["opens"], "05:30");
    assert_eq!(mine[0]["closes"], "21:30");
    let cafes = app.all_items("/api/v1/venues?kind=cafe", &officer).await;
    assert_eq!(cafes.len(), 1);
    assert_eq!(cafes[0]["name"], "Quán cà phê Sông Hồng");
    let found = app
        .all_items("/api/v1/venues?q=s%C3%B4ng%20h%E1%BB%93ng", &officer)
        .await;
    assert_eq!(found.len(), 1);
    // Without diacritics, in any case, as people type on a phone: the same venue.
    for q in ["song%20hong", "CA%20PHE", "Qu%C3%A1n%20ca"] {
        let found = app
            .all_items(&format!("/api/v1/venues?q={q}"), &officer)
            .await;
        assert_eq!(found.len(), 1, "{q}");
        assert_eq!(found[0]["name"], "Quán cà phê Sông Hồng");
    }
    assert_eq!(
        app.get("/api/v1/venues/3", Some(&officer)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v1/venues?kind=karaoke", Some(&officer))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );

    let (status, ct, body) = raw(&app, "/api/v1/venues/1/poster.svg", &officer).await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.starts_with("image/svg+xml"));
    let svg = String::from_utf8(body).unwrap();
    assert!(
        svg.contains("Chợ Phúc Xá")
            && svg.contains("Phường Phúc Xá")
            && svg.contains("http://localhost/v/")
    );
    let (status, ct, body) = raw(&app, "/api/v1/venues/2/qr.png", &officer).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ct, "image/png");
    assert_eq!(&body[1..4], b"PNG");
    let (status, _, _) = raw(&app, "/api/v1/venues/3/poster.svg", &officer).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

both_databases!(venues_are_scoped_searchable_and_printable);
