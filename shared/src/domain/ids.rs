//! Identifiers. Orders and reorders get time-ordered UUIDv7s so that
//! "newest first" is also "largest id first" in every store.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::DomainError;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered identifier.
            pub fn generate() -> Self {
                Self(Uuid::now_v7())
            }

            pub fn parse(raw: &str) -> Result<Self, DomainError> {
                Uuid::from_str(raw)
                    .map(Self)
                    .map_err(|_| DomainError::new(concat!($what, " must be a UUID")))
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(value: Uuid) -> Self {
                Self(value)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }
    };
}

uuid_id!(
    /// Identifies an order; also the MCF `SellerFulfillmentOrderId`.
    OrderId,
    "order id"
);
uuid_id!(
    /// Identifies a customer account (customers and admins alike).
    CustomerId,
    "customer id"
);
uuid_id!(
    /// Identifies a reorder request to a supplier.
    ReorderId,
    "reorder id"
);

/// A supplier's identifier, chosen by the admin: 1 to 64 characters of
/// letters, digits, `-`, `_` and `.`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct SupplierId(String);

impl SupplierId {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let ok = (1..=64).contains(&raw.len())
            && raw
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(DomainError::new(
                "supplier id must be 1 to 64 letters, digits, '-', '_' or '.'",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SupplierId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SupplierId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        SupplierId::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_ids_are_time_ordered() {
        let first = OrderId::generate();
        let second = OrderId::generate();
        assert!(second > first);
        assert_eq!(OrderId::parse(&first.to_string()).unwrap(), first);
        assert!(OrderId::parse("not-a-uuid").is_err());
    }

    #[test]
    fn supplier_id_shape() {
        assert!(SupplierId::parse("acme-01").is_ok());
        assert!(SupplierId::parse("").is_err());
        assert!(SupplierId::parse("a b").is_err());
    }
}
