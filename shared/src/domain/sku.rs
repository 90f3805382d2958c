use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use super::DomainError;

/// A seller SKU: 1 to 100 visible ASCII characters.
///
/// Amazon allows a wide alphabet in seller SKUs, so this accepts every
/// printable ASCII character except whitespace and the few that cannot sit
/// safely in a URL path segment or a storage key (`/ ? # % \ "`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Sku(String);

impl Sku {
    pub const MAX_LEN: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        if raw.is_empty() {
            return Err(DomainError::new("SKU must not be empty"));
        }
        if raw.len() > Self::MAX_LEN {
            return Err(DomainError::new(format!(
                "SKU must be at most {} characters",
                Self::MAX_LEN
            )));
        }
        if let Some(bad) = raw
            .chars()
            .find(|c| !c.is_ascii_graphic() || matches!(c, '/' | '?' | '#' | '%' | '\\' | '"'))
        {
            return Err(DomainError::new(format!(
                "SKU contains a character that is not allowed: {bad:?}"
            )));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sku {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Sku {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Sku::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_typical_seller_skus() {
        for raw in ["ABC-123", "mug.blue_XL", "A", "9780262033848", "SET:2+1"] {
            assert_eq!(Sku::parse(raw).unwrap().as_str(), raw);
        }
    }

    #[test]
    fn rejects_empty_long_and_unsafe() {
        assert!(Sku::parse("").is_err());
        assert!(Sku::parse(&"x".repeat(101)).is_err());
        for raw in ["a b", "a/b", "a?b", "a#b", "a%b", "é", "tab\t"] {
            assert!(Sku::parse(raw).is_err(), "{raw:?} should be rejected");
        }
    }
}
