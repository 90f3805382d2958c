use serde::{Deserialize, Deserializer, Serialize};

use super::DomainError;

/// Reads a JSON number that must be whole, so that `1.5` and `1e40` get a
/// clear message instead of a type error. `2.0` is the number 2 (JSON, and
/// JSON Schema's `integer`, do not tell the two apart), so it is taken.
pub(crate) fn whole_number<'de, D: Deserializer<'de>>(
    deserializer: D,
    what: &str,
) -> Result<i64, D::Error> {
    /// Beyond 2^53 a float no longer holds every whole number.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    let n = serde_json::Number::deserialize(deserializer)?;
    n.as_i64()
        .or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() <= EXACT)
                // Whole and within 2^53: the conversion is exact.
                .map(|f| f as i64)
        })
        .ok_or_else(|| serde::de::Error::custom(format!("{what} must be a whole number")))
}

/// `deserialize_with` for an optional count in a request body (`null` or
/// absent is `None`): a whole number from 0 to `u32::MAX`, `2.0` included.
pub fn optional_count<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    Option::<serde_json::Value>::deserialize(deserializer)?
        .filter(|v| !v.is_null())
        .map(|v| {
            let n = whole_number(v, "the count").map_err(serde::de::Error::custom)?;
            u32::try_from(n).map_err(|_| {
                serde::de::Error::custom(format!("must be a whole number from 0 to {}", u32::MAX))
            })
        })
        .transpose()
}

/// `deserialize_with` for a count in a request body; see [`optional_count`].
pub fn count<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    optional_count(deserializer)?
        .ok_or_else(|| serde::de::Error::custom("must be a whole number, not null"))
}

/// How many units one order line asks for: 1 to 10 000.
///
/// The upper bound keeps a typo ("10000000") from reserving a warehouse and
/// keeps every arithmetic on stock far away from overflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct LineQuantity(u32);

impl LineQuantity {
    pub const MAX: u32 = 10_000;

    pub fn new(raw: i64) -> Result<Self, DomainError> {
        if raw < 1 || raw > i64::from(Self::MAX) {
            return Err(DomainError::new(format!(
                "quantity must be a whole number from 1 to {}",
                Self::MAX
            )));
        }
        // In range 1..=MAX, so the conversion cannot truncate.
        Ok(Self(raw as u32))
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl<'de> Deserialize<'de> for LineQuantity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = whole_number(deserializer, "quantity")?;
        LineQuantity::new(raw).map_err(serde::de::Error::custom)
    }
}

/// Units on hand that can be sold: never negative, at most one billion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(transparent)]
pub struct Stock(i64);

impl Stock {
    pub const MAX: i64 = 1_000_000_000;
    pub const ZERO: Stock = Stock(0);

    pub fn new(raw: i64) -> Result<Self, DomainError> {
        if !(0..=Self::MAX).contains(&raw) {
            return Err(DomainError::new(format!(
                "stock must be a whole number from 0 to {}",
                Self::MAX
            )));
        }
        Ok(Self(raw))
    }

    pub fn get(self) -> i64 {
        self.0
    }

    /// Stock after taking `quantity` away, or `None` when there is not enough.
    pub fn take(self, quantity: LineQuantity) -> Option<Stock> {
        let left = self.0 - i64::from(quantity.get());
        (left >= 0).then_some(Stock(left))
    }

    /// Stock after applying a signed change, or `None` when it would leave
    /// the valid range.
    pub fn apply(self, delta: StockDelta) -> Option<Stock> {
        Stock::new(self.0 + delta.get()).ok()
    }
}

impl<'de> Deserialize<'de> for Stock {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = whole_number(deserializer, "stock")?;
        Stock::new(raw).map_err(serde::de::Error::custom)
    }
}

/// A signed stock adjustment by an admin: non-zero, at most one billion
/// either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct StockDelta(i64);

impl StockDelta {
    pub fn new(raw: i64) -> Result<Self, DomainError> {
        // `unsigned_abs`: `abs` overflows on `i64::MIN`.
        if raw == 0 || raw.unsigned_abs() > Stock::MAX.unsigned_abs() {
            return Err(DomainError::new(format!(
                "delta must be a non-zero whole number from -{max} to {max}",
                max = Stock::MAX
            )));
        }
        Ok(Self(raw))
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl<'de> Deserialize<'de> for StockDelta {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = whole_number(deserializer, "delta")?;
        StockDelta::new(raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_quantity_bounds() {
        assert!(LineQuantity::new(0).is_err());
        assert!(LineQuantity::new(-1).is_err());
        assert!(LineQuantity::new(10_001).is_err());
        assert_eq!(LineQuantity::new(10_000).unwrap().get(), 10_000);
    }

    #[test]
    fn json_quantities_must_be_whole() {
        assert!(serde_json::from_str::<LineQuantity>("2").is_ok());
        // 2.0 is the number 2.
        assert_eq!(
            serde_json::from_str::<LineQuantity>("2.0").unwrap().get(),
            2
        );
        for bad in ["1.5", "1e40", "\"2\"", "0", "-3", "10001", "2.5e0"] {
            let err = serde_json::from_str::<LineQuantity>(bad)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("quantity") || err.contains("number"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn stock_take_never_goes_negative() {
        let stock = Stock::new(3).unwrap();
        assert_eq!(stock.take(LineQuantity::new(3).unwrap()), Some(Stock::ZERO));
        assert_eq!(stock.take(LineQuantity::new(4).unwrap()), None);
    }

    #[test]
    fn stock_apply_stays_in_range() {
        let stock = Stock::new(5).unwrap();
        assert_eq!(stock.apply(StockDelta::new(-5).unwrap()), Some(Stock::ZERO));
        assert_eq!(stock.apply(StockDelta::new(-6).unwrap()), None);
        assert_eq!(
            Stock::new(Stock::MAX)
                .unwrap()
                .apply(StockDelta::new(1).unwrap()),
            None
        );
        assert!(StockDelta::new(0).is_err());
    }
}
