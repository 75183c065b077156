//! The HTTP API driven in-process (no socket), on SQLite and on PostgreSQL.

mod access;
mod aid;
mod aid_forms;
mod audit;
mod auth;
mod beds_scope;
mod boundaries;
mod boundary_fuzz;
mod bounds;
mod capacity;
mod care;
mod care_elsewhere;
mod care_moves;
mod case_entry;
mod case_export;
mod cases;
mod casework;
mod checkins;
mod citizen;
mod clusters;
mod duplicate_review;
mod duplicates;
mod errors;
mod exposures;
mod facility_entry;
mod fhir;
mod fhir_exchange;
mod followup;
mod forecast;
mod handovers;
mod import_contacts;
mod import_kinds;
mod import_places;
mod imports;
mod letters;
mod linked_pages;
mod national;
mod path_ids;
mod person_entry;
mod persons;
mod persons_ui;
mod races;
mod relief;
mod report;
mod share;
mod tracing;
mod ui;
mod units;
mod venue_entry;
mod venues;

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use domain::units::parse_unit_ref;
use domain::Role;
use http_body_util::BodyExt;
use serde_json::Value;
use store::{NewUser, Store, UserUnit};
use tower::ServiceExt;

pub const PASSWORD: &str = "mật khẩu đủ dài";

pub struct App {
    pub router: Router,
    pub store: Store,
    pub state: web::AppState,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
}

impl App {
    pub fn new(store: Store) -> App {
        App::at(store, None)
    }

    /// An app whose clock reads `now_s` (for data of a past outbreak).
    pub fn at(store: Store, now_s: Option<i64>) -> App {
        let mut state = web::AppState::new(store.clone()).unwrap();
        state.slow_failed_logins = false;
        if let Some(t) = now_s {
            state.clock = app::clock::LocalityClock::reading(t);
        }
        App {
            router: web::router(state.clone()),
            store,
            state,
        }
    }

    /// Rebuilds the tracing index from the store (after a test wrote data directly).
    pub async fn reindex(&self) {
        self.state.contacts.rebuild(&self.store).await.unwrap();
    }

    pub async fn send(&self, req: Request<Body>) -> Resp {
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)))
        };
        Resp {
            status,
            headers,
            json,
        }
    }

    pub async fn get(&self, uri: &str, token: Option<&str>) -> Resp {
        let mut req = Request::builder().method(Method::GET).uri(uri);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    /// A page as a signed-in browser gets it (the session in its cookie).
    pub async fn get_html(&self, uri: &str, token: &str) -> String {
        let req = Request::builder()
            .uri(uri)
            .header(header::COOKIE, format!("chongdich_token={token}"))
            .body(Body::empty())
            .unwrap();
        let resp = self.router.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{uri}");
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    pub async fn post_json(&self, uri: &str, token: Option<&str>, body: &Value) -> Resp {
        let mut req = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.send(req.body(Body::from(body.to_string())).unwrap())
            .await
    }

    /// Creates an account and signs it in; returns the bearer token.
    pub async fn login_as(&self, username: &str, role: Role, units: &[&str]) -> String {
        self.add_user(username, role, units).await;
        let r = self
            .post_json(
                "/api/v1/auth/login",
                None,
                &serde_json::json!({"username": username, "password": PASSWORD}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.json);
        r.json["token"].as_str().unwrap().to_string()
    }

    pub async fn add_user(&self, username: &str, role: Role, units: &[&str]) {
        let units = units
            .iter()
            .map(|u| {
                let (structure, code) = parse_unit_ref(u).unwrap();
                UserUnit { structure, code }
            })
            .collect();
        self.store
            .create_user(
                &NewUser {
                    username: username.into(),
                    password_hash: domain::auth::hash_password(PASSWORD).unwrap(),
                    role,
                    units,
                },
                chrono::Utc::now().timestamp(),
            )
            .await
            .unwrap();
    }

    /// Every item of a list, following `next_cursor`.
    pub async fn all_items(&self, uri: &str, token: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let sep = if uri.contains('?') { '&' } else { '?' };
            let page_uri = match &next {
                Some(c) => format!("{uri}{sep}cursor={c}"),
                None => uri.to_string(),
            };
            let r = self.get(&page_uri, Some(token)).await;
            assert_eq!(r.status, StatusCode::OK, "{page_uri}: {}", r.json);
            items.extend(r.json["items"].as_array().unwrap().iter().cloned());
            match r.json["next_cursor"].as_str() {
                Some(c) => next = Some(c.to_string()),
                None => return items,
            }
        }
    }
}

/// Asserts the one error shape and returns `error.code`.
pub fn error_code(r: &Resp) -> String {
    let e = &r.json["error"];
    assert!(e["code"].is_string(), "not the error shape: {}", r.json);
    assert!(
        e["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{}",
        r.json
    );
    assert!(e["fields"].is_array(), "{}", r.json);
    e["code"].as_str().unwrap().to_string()
}

pub fn error_fields(r: &Resp) -> Vec<String> {
    r.json["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect()
}
