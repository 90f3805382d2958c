//! Cursor pagination. A cursor is opaque to clients: base64url of a small
//! JSON pair `[list kind, position]`. Decoding checks both, so a cursor from
//! another list, a truncated one or a made-up one is refused (400) instead
//! of silently restarting the list.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::StoreError;
use crate::domain::DomainError;

/// How many items a page may hold: 1 to 100, 20 by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimit(u16);

impl PageLimit {
    pub const DEFAULT: PageLimit = PageLimit(20);
    pub const MAX: u16 = 100;

    pub fn new(raw: i64) -> Result<Self, DomainError> {
        if (1..=i64::from(Self::MAX)).contains(&raw) {
            Ok(Self(raw as u16))
        } else {
            Err(DomainError::new(format!(
                "limit must be a whole number from 1 to {}",
                Self::MAX
            )))
        }
    }

    pub fn get(self) -> usize {
        usize::from(self.0)
    }
}

impl Default for PageLimit {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// An opaque position in a list, issued by a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(String);

impl Cursor {
    /// Cursors longer than this were not issued by us.
    const MAX_LEN: usize = 2048;

    /// Wraps a client-supplied cursor. Shape checks happen in [`Cursor::decode`].
    pub fn from_client(raw: &str) -> Result<Self, DomainError> {
        if raw.is_empty()
            || raw.len() > Self::MAX_LEN
            || !raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(DomainError::new("cursor is not valid"));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn encode<P: Serialize>(kind: &str, position: &P) -> Result<Self, StoreError> {
        let json = serde_json::to_vec(&(kind, position))
            .map_err(|e| StoreError::Corrupt(format!("cursor position: {e}")))?;
        Ok(Self(URL_SAFE_NO_PAD.encode(json)))
    }

    pub fn decode<P: DeserializeOwned>(&self, kind: &str) -> Result<P, StoreError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(&self.0)
            .map_err(|_| StoreError::InvalidCursor)?;
        let (found, position): (String, P) =
            serde_json::from_slice(&bytes).map_err(|_| StoreError::InvalidCursor)?;
        if found != kind {
            return Err(StoreError::InvalidCursor);
        }
        Ok(position)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub limit: PageLimit,
    pub cursor: Option<Cursor>,
}

impl PageRequest {
    pub fn first(limit: usize) -> Self {
        PageRequest {
            limit: PageLimit::new(limit as i64).unwrap_or_default(),
            cursor: None,
        }
    }

    pub fn after(limit: usize, cursor: Option<Cursor>) -> Self {
        PageRequest {
            cursor,
            ..Self::first(limit)
        }
    }
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// `None` at the end of the list.
    pub next_cursor: Option<Cursor>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip_and_kind_check() {
        let cursor = Cursor::encode("orders", &("2024-01-01", 42)).unwrap();
        let back = Cursor::from_client(cursor.as_str()).unwrap();
        let (date, n): (String, i32) = back.decode("orders").unwrap();
        assert_eq!((date.as_str(), n), ("2024-01-01", 42));
        assert!(matches!(
            back.decode::<(String, i32)>("listings"),
            Err(StoreError::InvalidCursor)
        ));
    }

    #[test]
    fn junk_cursors_are_refused() {
        assert!(Cursor::from_client("").is_err());
        assert!(Cursor::from_client("not base64!").is_err());
        let junk = Cursor::from_client("AAAA").unwrap();
        assert!(matches!(
            junk.decode::<String>("orders"),
            Err(StoreError::InvalidCursor)
        ));
    }

    #[test]
    fn limit_bounds() {
        assert!(PageLimit::new(0).is_err());
        assert!(PageLimit::new(101).is_err());
        assert_eq!(PageLimit::new(100).unwrap().get(), 100);
    }
}
