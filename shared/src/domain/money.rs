use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::DomainError;

/// An ISO 4217-shaped currency code: three upper-case ASCII letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    pub const USD: Currency = Currency(*b"USD");

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw.as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|b| b.is_ascii_uppercase()) => Ok(Self([*a, *b, *c])),
            _ => Err(DomainError::new(
                "currency must be a three-letter ISO 4217 code such as \"USD\"",
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII upper-case letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Currency::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// A unit price: an exact decimal from 0 to one billion with at most four
/// decimal places. It travels as a string (`"19.99"`) so that no client ever
/// rounds it through a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Price(Decimal);

impl Price {
    pub const MAX_SCALE: u32 = 4;

    pub fn new(amount: Decimal) -> Result<Self, DomainError> {
        let amount = amount.normalize();
        if amount.is_sign_negative() && !amount.is_zero() {
            return Err(DomainError::new("price must not be negative"));
        }
        if amount > Decimal::from(1_000_000_000u32) {
            return Err(DomainError::new("price must be at most 1000000000"));
        }
        if amount.scale() > Self::MAX_SCALE {
            return Err(DomainError::new(format!(
                "price must have at most {} decimal places",
                Self::MAX_SCALE
            )));
        }
        Ok(Self(amount.abs()))
    }

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let trimmed = raw.trim();
        let valid_shape = !trimmed.is_empty()
            && trimmed
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == '-');
        let amount = if valid_shape {
            Decimal::from_str(trimmed).ok()
        } else {
            None
        };
        let amount = amount
            .ok_or_else(|| DomainError::new("price must be a decimal string such as \"19.99\""))?;
        Self::new(amount)
    }

    pub fn amount(self) -> Decimal {
        self.0
    }
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&money_string(self.0))
    }
}

/// A money amount as the API shows it: exact, trailing zeros trimmed, but
/// never fewer than two decimal places (`"12.50"`, `"0.125"`, `"49.00"`).
pub fn money_string(amount: Decimal) -> String {
    let mut amount = amount.normalize();
    if amount.scale() < 2 {
        amount.rescale(2);
    }
    amount.to_string()
}

impl Serialize for Price {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Price {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Only strings: a JSON number may already have been rounded by the
        // client's float parser.
        let raw = String::deserialize(deserializer)?;
        Price::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// Serialises an exact decimal as a string (`"59.97"`), for totals.
pub(crate) mod decimal_string {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};
    use std::str::FromStr;

    pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&value.normalize())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Decimal::from_str(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn price_is_exact_and_bounded() {
        assert_eq!(Price::parse("19.99").unwrap().to_string(), "19.99");
        assert_eq!(Price::parse("19.9900").unwrap().to_string(), "19.99");
        assert_eq!(Price::parse("0").unwrap().to_string(), "0.00");
        assert_eq!(Price::parse("12.5").unwrap().to_string(), "12.50");
        assert_eq!(Price::parse("0.125").unwrap().to_string(), "0.125");
        for bad in ["", "-1", "abc", "1e3", "1.23456", "1000000000.01", " "] {
            assert!(Price::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn price_only_from_strings() {
        assert!(serde_json::from_str::<Price>("19.99").is_err());
        assert_eq!(
            serde_json::from_str::<Price>("\"19.99\"").unwrap(),
            Price::parse("19.99").unwrap()
        );
    }

    #[test]
    fn currency_shape() {
        assert_eq!(Currency::parse("EUR").unwrap().as_str(), "EUR");
        for bad in ["eur", "EURO", "E1R", ""] {
            assert!(Currency::parse(bad).is_err());
        }
    }
}
