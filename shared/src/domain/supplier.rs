use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use super::{DomainError, SupplierId};

/// A supplier's rating, 1 (poor) to 5 (excellent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Rating(u8);

impl Rating {
    pub fn new(raw: i64) -> Result<Self, DomainError> {
        if (1..=5).contains(&raw) {
            Ok(Self(raw as u8))
        } else {
            Err(DomainError::new(
                "rating must be a whole number from 1 to 5",
            ))
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl<'de> Deserialize<'de> for Rating {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = super::quantity::whole_number(deserializer, "rating")?;
        Rating::new(raw).map_err(serde::de::Error::custom)
    }
}

/// A supplier's address for reorder emails: one `@`, a dot in the domain,
/// no spaces; 3 to 254 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct SupplierEmail(String);

impl SupplierEmail {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let raw = raw.trim();
        let valid = (3..=254).contains(&raw.len())
            && !raw.chars().any(|c| c.is_whitespace() || c.is_control())
            && match raw.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                }
                None => false,
            };
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            Err(DomainError::new(
                "email must be an address such as orders@example.com",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for SupplierEmail {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        SupplierEmail::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Supplier {
    pub supplier_id: SupplierId,
    pub name: String,
    pub email: SupplierEmail,
    pub rating: Rating,
    /// Every reorder waits for an admin, whatever the rating.
    pub manual_approval: bool,
    pub updated_at: DateTime<Utc>,
}

impl Supplier {
    /// Subpar suppliers' reorders wait for approval.
    pub fn is_subpar(&self, subpar_below: u8) -> bool {
        self.manual_approval || self.rating.get() < subpar_below
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_shape() {
        assert!(SupplierEmail::parse("orders@acme.example").is_ok());
        for bad in [
            "",
            "a@b",
            "no-at.example",
            "a@@b.c",
            "a b@c.d",
            "a@.c",
            "a@c.",
        ] {
            assert!(SupplierEmail::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn subpar_by_rating_or_flag() {
        let mut s = Supplier {
            supplier_id: SupplierId::parse("s1").unwrap(),
            name: "S".into(),
            email: SupplierEmail::parse("a@b.co").unwrap(),
            rating: Rating::new(3).unwrap(),
            manual_approval: false,
            updated_at: Utc::now(),
        };
        assert!(!s.is_subpar(3));
        s.rating = Rating::new(2).unwrap();
        assert!(s.is_subpar(3));
        s.rating = Rating::new(5).unwrap();
        s.manual_approval = true;
        assert!(s.is_subpar(3));
    }
}
