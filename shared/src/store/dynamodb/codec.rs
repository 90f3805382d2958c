//! Domain values to and from DynamoDB items.
//!
//! Domain types already serialise to JSON with exact encodings (prices and
//! totals as decimal strings, timestamps as RFC 3339), so items are made by
//! mapping that JSON onto native attribute values: objects become maps,
//! arrays lists, numbers `N`. Items stay readable in the console and
//! numeric fields such as `available` can be changed by update
//! expressions. Reading never panics: anything that does not parse is
//! `StoreError::Corrupt`.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};

use crate::ports::StoreError;

pub(crate) type Item = HashMap<String, AttributeValue>;

/// A serialisable value as a top-level item (its JSON must be an object).
pub(crate) fn to_item<T: Serialize>(value: &T) -> Result<Item, StoreError> {
    match serde_json::to_value(value) {
        Ok(Value::Object(fields)) => Ok(fields
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k, to_attr(v)))
            .collect()),
        Ok(_) => Err(StoreError::Corrupt(
            "only objects can be stored as items".into(),
        )),
        Err(e) => Err(StoreError::Corrupt(format!(
            "could not encode an item: {e}"
        ))),
    }
}

/// Reads an item into a domain type; extra attributes (keys, derived
/// fields) are ignored.
pub(crate) fn from_item<T: DeserializeOwned>(item: &Item, what: &str) -> Result<T, StoreError> {
    let mut fields = Map::with_capacity(item.len());
    for (name, attr) in item {
        let value =
            from_attr(attr).map_err(|e| StoreError::Corrupt(format!("{what}.{name}: {e}")))?;
        fields.insert(name.clone(), value);
    }
    serde_json::from_value(Value::Object(fields))
        .map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

pub(crate) fn to_attr(value: Value) -> AttributeValue {
    match value {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(b) => AttributeValue::Bool(b),
        Value::Number(n) => AttributeValue::N(n.to_string()),
        Value::String(s) => AttributeValue::S(s),
        Value::Array(items) => AttributeValue::L(items.into_iter().map(to_attr).collect()),
        Value::Object(fields) => AttributeValue::M(
            fields
                .into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, to_attr(v)))
                .collect(),
        ),
    }
}

fn from_attr(attr: &AttributeValue) -> Result<Value, String> {
    Ok(match attr {
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::S(s) => Value::String(s.clone()),
        AttributeValue::N(n) => Value::Number(parse_number(n)?),
        AttributeValue::L(items) => {
            Value::Array(items.iter().map(from_attr).collect::<Result<_, _>>()?)
        }
        AttributeValue::M(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| Ok((k.clone(), from_attr(v)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => return Err(format!("unsupported attribute type {other:?}")),
    })
}

fn parse_number(raw: &str) -> Result<Number, String> {
    if let Ok(i) = raw.parse::<i64>() {
        return Ok(Number::from(i));
    }
    if let Ok(u) = raw.parse::<u64>() {
        return Ok(Number::from(u));
    }
    raw.parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .ok_or_else(|| format!("{raw:?} is not a number"))
}

pub(crate) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(crate) fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// A string attribute, or `Corrupt`.
pub(crate) fn get_s<'a>(item: &'a Item, name: &str) -> Result<&'a str, StoreError> {
    match item.get(name) {
        Some(AttributeValue::S(v)) => Ok(v),
        _ => Err(StoreError::Corrupt(format!(
            "attribute {name} is missing or not a string"
        ))),
    }
}

/// A numeric attribute parsed as `T`, or `Corrupt`.
pub(crate) fn get_n<T: std::str::FromStr>(item: &Item, name: &str) -> Result<T, StoreError> {
    match item.get(name) {
        Some(AttributeValue::N(v)) => v
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("attribute {name} = {v:?} is out of range"))),
        _ => Err(StoreError::Corrupt(format!(
            "attribute {name} is missing or not a number"
        ))),
    }
}

/// A numeric attribute, absent meaning zero (counters start absent).
pub(crate) fn get_count<T: std::str::FromStr + Default>(
    item: &Item,
    name: &str,
) -> Result<T, StoreError> {
    if item.contains_key(name) {
        get_n(item, name)
    } else {
        Ok(T::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Customer, CustomerId, PasswordHash, Role, Username};

    #[test]
    fn round_trip_through_attributes() {
        let customer = Customer {
            customer_id: CustomerId::generate(),
            username: Username::parse("alice").unwrap(),
            password_hash: PasswordHash::from_phc("$argon2id$x".into()),
            role: Role::Admin,
            created_at: chrono::Utc::now(),
        };
        let item = to_item(&customer).unwrap();
        assert!(matches!(item.get("role"), Some(AttributeValue::S(r)) if r == "admin"));
        let back: Customer = from_item(&item, "customer").unwrap();
        assert_eq!(back, customer);
    }

    #[test]
    fn junk_is_corrupt_not_a_panic() {
        let mut item = Item::new();
        item.insert("customer_id".into(), AttributeValue::N("12".into()));
        item.insert(
            "bytes".into(),
            AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(vec![1])),
        );
        assert!(matches!(
            from_item::<Customer>(&item, "customer"),
            Err(StoreError::Corrupt(_))
        ));
        item.remove("bytes");
        assert!(matches!(
            from_item::<Customer>(&item, "customer"),
            Err(StoreError::Corrupt(_))
        ));
        item.insert("n".into(), AttributeValue::N("1e999999".into()));
        assert!(matches!(
            get_n::<i64>(&item, "n"),
            Err(StoreError::Corrupt(_))
        ));
        assert!(matches!(
            get_s(&item, "missing"),
            Err(StoreError::Corrupt(_))
        ));
    }
}
