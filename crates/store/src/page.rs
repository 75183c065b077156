//! Keyset pagination. A cursor is the key of the last row of a page, opaque to callers
//! (base64url of a versioned string), so pages stay fast at any depth: no OFFSET.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::StoreError;

pub const LIMIT_DEFAULT: u32 = 50;
/// No page is larger: a list must never load an unbounded number of rows.
pub const LIMIT_MAX: u32 = 1000;

/// Where a page starts and how long it is.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub limit: u32,
    pub after: Option<Cursor>,
}

impl PageRequest {
    pub fn first(limit: u32) -> PageRequest {
        PageRequest { limit, after: None }
    }

    /// The limit to use, clamped to 1..=LIMIT_MAX.
    pub fn limit(&self) -> i64 {
        i64::from(self.limit.clamp(1, LIMIT_MAX))
    }
}

/// The key after which a page starts: the parts of the sort key of the previous page's
/// last row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    parts: Vec<String>,
}

const CURSOR_VERSION: &str = "c1";
const SEP: char = '\u{1f}';

impl Cursor {
    pub fn new(parts: Vec<String>) -> Cursor {
        Cursor { parts }
    }

    pub fn encode(&self) -> String {
        let mut s = String::from(CURSOR_VERSION);
        for p in &self.parts {
            s.push(SEP);
            s.push_str(p);
        }
        URL_SAFE_NO_PAD.encode(s)
    }

    pub fn decode(s: &str) -> Result<Cursor, StoreError> {
        if s.len() > 512 {
            return Err(StoreError::BadCursor);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| StoreError::BadCursor)?;
        let text = String::from_utf8(bytes).map_err(|_| StoreError::BadCursor)?;
        let mut it = text.split(SEP);
        if it.next() != Some(CURSOR_VERSION) {
            return Err(StoreError::BadCursor);
        }
        let parts: Vec<String> = it.map(str::to_string).collect();
        if parts.is_empty() {
            return Err(StoreError::BadCursor);
        }
        Ok(Cursor { parts })
    }

    /// The parts, checked to be `n` long: a cursor from another list is malformed here.
    pub fn expect(&self, n: usize) -> Result<&[String], StoreError> {
        if self.parts.len() == n {
            Ok(&self.parts)
        } else {
            Err(StoreError::BadCursor)
        }
    }
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only says there is more.
    pub(crate) fn from_overfetch(
        mut items: Vec<T>,
        limit: i64,
        key: impl Fn(&T) -> Cursor,
    ) -> Page<T> {
        let more = items.len() as i64 > limit;
        items.truncate(limit as usize);
        let next = if more { items.last().map(key) } else { None };
        Page { items, next }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_garbage_is_rejected() {
        let c = Cursor::new(vec!["/01/001/".into(), "42".into()]);
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        assert!(Cursor::decode("not base64!").is_err());
        assert!(Cursor::decode(&URL_SAFE_NO_PAD.encode("c9\u{1f}x")).is_err());
        assert!(Cursor::decode(&URL_SAFE_NO_PAD.encode("c1")).is_err());
        assert!(c.expect(1).is_err());
    }
}
