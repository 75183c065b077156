//! Cross-site request forgery: a state-changing request that rides on the session cookie must
//! come from our own page. Two checks, both required (`access::guard` runs them):
//!
//! 1. **Origin.** The `Origin` header (or, without one, the `Referer`) names this server: the
//!    configured public origin (`AppState::public_origin`), else the request's `Host`.
//! 2. **Token.** The form's `csrf` field (the API: the `X-CSRF-Token` header) equals the
//!    session's token: a hash of the session token, which another site cannot read (the
//!    cookie is HttpOnly) and so cannot compute. Before sign-in (the sign-in form itself) the
//!    token is a random value in its own `SameSite=Strict` cookie, submitted back with the
//!    form (double submit).
//!
//! Every page's POST forms get the token as a hidden field when the page is sent
//! ([`into_forms`]), so no form can be written without it. Requests with their own
//! `Authorization` header need neither check: a browser never adds that header for another
//! site.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;

use crate::auth::{cookie, token_from_headers};

/// The form field that carries the token.
pub const FIELD: &str = "csrf";
/// The header that carries it on API requests made with the session cookie.
pub const HEADER: &str = "x-csrf-token";
/// The cookie holding the token before sign-in.
pub const PRE_SESSION_COOKIE: &str = "chongdich_csrf";

/// The token a request's forms must carry: the session's, else the pre-session cookie's.
/// `None` before the first page that sets one.
pub fn expected_token(headers: &HeaderMap) -> Option<String> {
    if headers.contains_key(header::AUTHORIZATION) {
        return None;
    }
    if let Some(session) = token_from_headers(headers) {
        return Some(domain::auth::csrf_token(&session));
    }
    cookie(headers, PRE_SESSION_COOKIE).filter(|t| well_formed(t))
}

fn well_formed(t: &str) -> bool {
    t.len() == 43
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Equal without an early exit, so the time taken does not tell how much of a guess matched.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Whether the request names this server as where it came from.
pub fn same_origin(headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    let value = |h| headers.get(h).and_then(|v: &HeaderValue| v.to_str().ok());
    // `Origin: null` (a sandboxed frame, a data: page) is never ours.
    let source = match (value(header::ORIGIN), value(header::REFERER)) {
        (Some(o), _) => o,
        (None, Some(r)) => r,
        (None, None) => return false,
    };
    let Some((scheme, rest)) = source.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() {
        return false;
    }
    match public_origin {
        Some(origin) => origin.trim_end_matches('/') == format!("{scheme}://{authority}"),
        None => value(header::HOST).is_some_and(|host| host.eq_ignore_ascii_case(authority)),
    }
}

/// Checks a state-changing request made with the session cookie (see the module's comment)
/// and gives it back with its body intact, or refuses it.
pub async fn check(
    req: Request,
    expected: &Option<String>,
    api: bool,
    public_origin: Option<&str>,
) -> Result<Request, ()> {
    if !same_origin(req.headers(), public_origin) {
        return Err(());
    }
    let Some(expected) = expected else {
        return Err(());
    };
    if api {
        let sent = req.headers().get(HEADER).and_then(|v| v.to_str().ok());
        return match sent {
            Some(t) if same(t, expected) => Ok(req),
            _ => Err(()),
        };
    }
    // A page's form: the token is a field of the url-encoded body, read here and put back.
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, crate::BODY_LIMIT_BYTES)
        .await
        .map_err(|_| ())?;
    let sent = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v.into_owned());
    match sent {
        Some(t) if same(&t, expected) => Ok(Request::from_parts(parts, Body::from(bytes))),
        _ => Err(()),
    }
}

/// Puts the token into every POST form of an HTML page; before sign-in it also sets the
/// pre-session cookie that the token is checked against.
pub async fn into_forms(resp: Response, expected: &Option<String>, secure: bool) -> Response {
    let html = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !html {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let Ok(page) = std::str::from_utf8(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    if !page.contains("method=\"post\"") {
        return Response::from_parts(parts, Body::from(bytes));
    }
    let token = match expected {
        Some(t) => t.clone(),
        None => {
            let t = domain::auth::new_token();
            let secure = if secure { "; Secure" } else { "" };
            if let Ok(v) = HeaderValue::from_str(&format!(
                "{PRE_SESSION_COOKIE}={t}; HttpOnly; SameSite=Strict; Path=/{secure}"
            )) {
                parts.headers.append(header::SET_COOKIE, v);
            }
            t
        }
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(with_token(page, &token)))
}

/// The page with `<input type="hidden" name="csrf" value="…">` after every `<form …
/// method="post" …>` tag. maud escapes `>` inside attribute values, so a tag ends at the first
/// `>`.
fn with_token(page: &str, token: &str) -> String {
    let field = format!(r#"<input type="hidden" name="{FIELD}" value="{token}">"#);
    let mut out = String::with_capacity(page.len() + 256);
    let mut rest = page;
    while let Some(start) = rest.find("<form") {
        let Some(len) = rest[start..].find('>') else {
            break;
        };
        let end = start + len + 1;
        out.push_str(&rest[..end]);
        if rest[start..end].contains("method=\"post\"") {
            out.push_str(&field);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Adds `Secure` to every cookie a response sets, when the server is reached over TLS (its
/// public origin is https): the browser then never sends them over plain HTTP.
pub fn secure_cookies(resp: &mut Response) {
    let cookies: Vec<HeaderValue> = resp
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| {
            let s = v.to_str().ok()?;
            if s.split(';')
                .any(|a| a.trim().eq_ignore_ascii_case("secure"))
            {
                Some(v.clone())
            } else {
                HeaderValue::from_str(&format!("{s}; Secure")).ok()
            }
        })
        .collect();
    if cookies.is_empty() {
        return;
    }
    resp.headers_mut().remove(header::SET_COOKIE);
    for c in cookies {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn origin_must_name_this_server() {
        let ok = headers(&[
            (header::HOST, "127.0.0.1:8080"),
            (header::ORIGIN, "http://127.0.0.1:8080"),
        ]);
        assert!(same_origin(&ok, None));
        for bad in [
            "http://127.0.0.1:8081",
            "http://evil.example",
            "null",
            "http://127.0.0.1:8080.evil.example",
        ] {
            let h = headers(&[(header::HOST, "127.0.0.1:8080"), (header::ORIGIN, bad)]);
            assert!(!same_origin(&h, None), "{bad}");
        }
        let referer = headers(&[
            (header::HOST, "127.0.0.1:8080"),
            (header::REFERER, "http://127.0.0.1:8080/cases/1?x=1"),
        ]);
        assert!(same_origin(&referer, None));
        assert!(!same_origin(&headers(&[(header::HOST, "a")]), None));
        let public = headers(&[
            (header::HOST, "10.0.0.5:8080"),
            (header::ORIGIN, "https://chongdich.example.vn"),
        ]);
        assert!(same_origin(&public, Some("https://chongdich.example.vn/")));
        assert!(!same_origin(&public, Some("http://chongdich.example.vn")));
    }

    #[test]
    fn every_post_form_gets_the_token_and_no_other() {
        let page = r#"<form method="get" action="/cases"></form><form class="x" method="post" action="/a?b=c&amp;d=&gt;">x</form><p>method="post"</p><form method="post">"#;
        let out = with_token(page, "T");
        assert_eq!(out.matches(r#"name="csrf" value="T""#).count(), 2);
        assert!(out.starts_with(r#"<form method="get" action="/cases"></form>"#));
        assert!(out.contains(r#"d=&gt;"><input type="hidden" name="csrf" value="T">x</form>"#));
    }

    #[test]
    fn tokens_compare_whole() {
        let t = domain::auth::csrf_token("a".repeat(43).as_str());
        assert_eq!(t.len(), 43);
        assert!(same(&t, &t.clone()));
        assert!(!same(&t, &t[..42]));
        assert!(!same(
            &t,
            &domain::auth::csrf_token("b".repeat(43).as_str())
        ));
    }
}
