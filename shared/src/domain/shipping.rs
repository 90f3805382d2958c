//! Where and how fast an order ships: the destination address and the
//! shipping speed a customer chose, as Multi-Channel Fulfillment takes them.
//!
//! Amazon's `Address` requires `name`, `addressLine1`, `postalCode` and
//! `countryCode`; Stockroom requires the same and bounds every field so that
//! a stored order can always be sent as it is.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::DomainError;

/// How fast Amazon ships an order (`ShippingSpeedCategory`, without the
/// Japan-only `ScheduledDelivery`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
pub enum ShippingSpeed {
    #[default]
    Standard,
    Expedited,
    Priority,
}

impl ShippingSpeed {
    pub const ALL: [ShippingSpeed; 3] = [
        ShippingSpeed::Standard,
        ShippingSpeed::Expedited,
        ShippingSpeed::Priority,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ShippingSpeed::Standard => "Standard",
            ShippingSpeed::Expedited => "Expedited",
            ShippingSpeed::Priority => "Priority",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|speed| speed.as_str() == raw)
            .ok_or_else(|| {
                DomainError::new("shipping_speed must be one of Standard, Expedited, Priority")
            })
    }
}

impl fmt::Display for ShippingSpeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The raw address fields as a client sends them, before parsing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressFields<'a> {
    pub name: Option<&'a str>,
    pub address_line1: Option<&'a str>,
    pub address_line2: Option<&'a str>,
    pub city: Option<&'a str>,
    pub state_or_region: Option<&'a str>,
    pub postal_code: Option<&'a str>,
    pub country_code: Option<&'a str>,
    pub phone: Option<&'a str>,
}

/// A destination address that Amazon will accept: the required fields
/// present and non-blank, every field trimmed, bounded and free of control
/// characters, the country an ISO 3166-1 alpha-2 code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingAddress {
    name: String,
    address_line1: String,
    address_line2: Option<String>,
    city: Option<String>,
    state_or_region: Option<String>,
    postal_code: String,
    country_code: String,
    phone: Option<String>,
}

impl ShippingAddress {
    pub const NAME_MAX: usize = 100;
    pub const LINE_MAX: usize = 180;
    pub const CITY_MAX: usize = 100;
    pub const REGION_MAX: usize = 100;
    pub const POSTAL_CODE_MAX: usize = 20;
    pub const PHONE_MAX: usize = 20;

    /// Parses the raw fields; the error names the first field that is
    /// missing or wrong (`shipping_address.<field>: ...`).
    pub fn parse(raw: AddressFields<'_>) -> Result<Self, DomainError> {
        Ok(ShippingAddress {
            name: required("name", raw.name, Self::NAME_MAX)?,
            address_line1: required("address_line1", raw.address_line1, Self::LINE_MAX)?,
            address_line2: optional("address_line2", raw.address_line2, Self::LINE_MAX)?,
            city: optional("city", raw.city, Self::CITY_MAX)?,
            state_or_region: optional("state_or_region", raw.state_or_region, Self::REGION_MAX)?,
            postal_code: required("postal_code", raw.postal_code, Self::POSTAL_CODE_MAX)?,
            country_code: country_code(raw.country_code)?,
            phone: phone(raw.phone)?,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn address_line1(&self) -> &str {
        &self.address_line1
    }
    pub fn address_line2(&self) -> Option<&str> {
        self.address_line2.as_deref()
    }
    pub fn city(&self) -> Option<&str> {
        self.city.as_deref()
    }
    pub fn state_or_region(&self) -> Option<&str> {
        self.state_or_region.as_deref()
    }
    pub fn postal_code(&self) -> &str {
        &self.postal_code
    }
    pub fn country_code(&self) -> &str {
        &self.country_code
    }
    pub fn phone(&self) -> Option<&str> {
        self.phone.as_deref()
    }
}

fn field_error(field: &str, what: impl fmt::Display) -> DomainError {
    DomainError::new(format!("shipping_address.{field} {what}"))
}

fn cleaned(field: &str, raw: &str, max: usize) -> Result<Option<String>, DomainError> {
    let trimmed = raw.trim();
    if trimmed.chars().any(char::is_control) {
        return Err(field_error(field, "must not contain control characters"));
    }
    if trimmed.chars().count() > max {
        return Err(field_error(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok((!trimmed.is_empty()).then(|| trimmed.to_owned()))
}

fn required(field: &str, raw: Option<&str>, max: usize) -> Result<String, DomainError> {
    cleaned(field, raw.unwrap_or_default(), max)?
        .ok_or_else(|| field_error(field, "is required and must not be blank"))
}

fn optional(field: &str, raw: Option<&str>, max: usize) -> Result<Option<String>, DomainError> {
    match raw {
        Some(raw) => cleaned(field, raw, max),
        None => Ok(None),
    }
}

fn country_code(raw: Option<&str>) -> Result<String, DomainError> {
    let code = required("country_code", raw, 2)?;
    if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err(field_error(
            "country_code",
            "must be a two-letter ISO 3166-1 code in capitals, such as \"US\"",
        ))
    }
}

fn phone(raw: Option<&str>) -> Result<Option<String>, DomainError> {
    let phone = optional("phone", raw, ShippingAddress::PHONE_MAX)?;
    if let Some(p) = &phone
        && !p
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')' | '.'))
    {
        return Err(field_error(
            "phone",
            "may hold only digits, spaces and + - ( ) .",
        ));
    }
    Ok(phone)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> AddressFields<'static> {
        AddressFields {
            name: Some(" Ada Lovelace "),
            address_line1: Some("1 Analytical Way"),
            postal_code: Some("98101"),
            country_code: Some("US"),
            ..AddressFields::default()
        }
    }

    #[test]
    fn a_minimal_address_parses_trimmed() {
        let address = ShippingAddress::parse(fields()).unwrap();
        assert_eq!(address.name(), "Ada Lovelace");
        assert_eq!(address.city(), None);
    }

    #[test]
    fn each_required_field_is_named_when_missing_or_blank() {
        for (field, edit) in [
            (
                "name",
                (|f: &mut AddressFields| f.name = None) as fn(&mut AddressFields),
            ),
            ("address_line1", |f| f.address_line1 = Some("  ")),
            ("postal_code", |f| f.postal_code = None),
            ("country_code", |f| f.country_code = Some("")),
        ] {
            let mut raw = fields();
            edit(&mut raw);
            let err = ShippingAddress::parse(raw).unwrap_err();
            assert!(err.message().contains(field), "{field}: {err}");
        }
    }

    #[test]
    fn bad_values_are_refused() {
        for edit in [
            (|f: &mut AddressFields| f.country_code = Some("usa")) as fn(&mut AddressFields),
            |f| f.country_code = Some("us"),
            |f| f.phone = Some("call me"),
            |f| f.name = Some("line\nbreak"),
            |f| f.postal_code = Some("123456789012345678901"),
        ] {
            let mut raw = fields();
            edit(&mut raw);
            assert!(ShippingAddress::parse(raw).is_err());
        }
    }

    #[test]
    fn speeds_parse_by_amazon_name_only() {
        assert_eq!(
            ShippingSpeed::parse("Expedited").unwrap(),
            ShippingSpeed::Expedited
        );
        assert!(ShippingSpeed::parse("expedited").is_err());
        assert!(ShippingSpeed::parse("ScheduledDelivery").is_err());
    }
}
