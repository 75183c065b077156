//! The language of a response: Vietnamese unless the caller asks for English.

use axum::http::HeaderMap;

pub use domain::lang::Lang;

/// Reads `Accept-Language` ("en-US,en;q=0.9,vi;q=0.8"): the preferred of vi and en by
/// quality, Vietnamese when neither is named.
pub fn from_headers(headers: &HeaderMap) -> Lang {
    let Some(value) = headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
    else {
        return Lang::Vi;
    };
    let mut best: Option<(f32, Lang)> = None;
    for part in value.split(',').take(16) {
        let mut it = part.trim().split(';');
        let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = it
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let lang = if tag == "en" || tag.starts_with("en-") {
            Lang::En
        } else if tag == "vi" || tag.starts_with("vi-") {
            Lang::Vi
        } else {
            continue;
        };
        if best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, lang));
        }
    }
    best.map_or(Lang::Vi, |(_, l)| l)
}

/// The caller's language as a request extractor (`AcceptLanguage(lang)`).
#[derive(Debug, Clone, Copy)]
pub struct AcceptLanguage(pub Lang);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for AcceptLanguage {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(AcceptLanguage(from_headers(&parts.headers)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(v: &str) -> Lang {
        let mut h = HeaderMap::new();
        h.insert(axum::http::header::ACCEPT_LANGUAGE, v.parse().unwrap());
        from_headers(&h)
    }

    #[test]
    fn picks_preferred_of_vi_and_en() {
        assert_eq!(lang("en"), Lang::En);
        assert_eq!(lang("en-US,en;q=0.9"), Lang::En);
        assert_eq!(lang("vi"), Lang::Vi);
        assert_eq!(lang("fr, en;q=0.5, vi;q=0.8"), Lang::Vi);
        assert_eq!(lang("fr"), Lang::Vi);
        assert_eq!(from_headers(&HeaderMap::new()), Lang::Vi);
    }
}
