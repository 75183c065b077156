//! Signing in and out.

use app::auth::SignInError;
use axum::extract::{Form, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;

use super::shell::{lang_of, page};
use super::t;
use crate::auth::{clear_cookie, session_cookie, token_from_headers, LoginSource};
use crate::{AppState, Lang};

fn login_page(lang: Lang, error: Option<&str>, username: &str) -> Markup {
    page(
        lang,
        &t(lang, "login-title"),
        None,
        html! {
            h1 { (t(lang, "app-tagline")) }
            form.login method="post" action="/login" {
                h2 { (t(lang, "login-title")) }
                @if let Some(e) = error { p.error role="alert" { (e) } }
                label for="username" { (t(lang, "login-username")) }
                input id="username" name="username" autocomplete="username" required value=(username);
                label for="password" { (t(lang, "login-password")) }
                input id="password" name="password" type="password" autocomplete="current-password" required;
                button.primary type="submit" { (t(lang, "login-submit")) }
            }
        },
    )
}

pub(super) async fn login_form(headers: HeaderMap) -> Markup {
    login_page(lang_of(&headers), None, "")
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    username: String,
    password: String,
}

pub(super) async fn login(
    State(state): State<AppState>,
    LoginSource(source): LoginSource,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let lang = lang_of(&headers);
    let refused = |key: &str, status: StatusCode| {
        let mut resp = login_page(lang, Some(&t(lang, key)), &f.username).into_response();
        *resp.status_mut() = status;
        resp
    };
    match app::auth::sign_in(&state, &f.username, f.password.clone(), &source).await {
        Ok(s) => {
            let mut resp = Redirect::to("/").into_response();
            resp.headers_mut().insert(
                header::SET_COOKIE,
                session_cookie(&s.token, domain::auth::SESSION_TTL_S),
            );
            resp
        }
        Err(SignInError::Wrong) => refused("login-failed", StatusCode::UNAUTHORIZED),
        Err(SignInError::Locked { .. }) => refused("login-locked", StatusCode::TOO_MANY_REQUESTS),
        Err(SignInError::Store(e)) => {
            tracing::error!("sign-in: {e}");
            refused("login-failed", crate::ApiError::from(e).code.status())
        }
    }
}

pub(super) async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = token_from_headers(&headers) {
        let _ = state
            .store
            .delete_session(&domain::auth::token_hash(&token))
            .await;
    }
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, clear_cookie());
    resp
}
