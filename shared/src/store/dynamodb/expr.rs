//! A tiny builder for expression attribute names and values, so that every
//! attribute is referred to as `#name` (DynamoDB reserves hundreds of
//! words, `status`, `date` and `name` among them) and values get fresh
//! placeholders.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

#[derive(Debug, Default, Clone)]
pub(crate) struct Expr {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Expr {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// The placeholder for an attribute name. Names used here are ASCII
    /// letters, digits and `_`, so the placeholder is the name itself.
    pub(crate) fn name(&mut self, attr: &str) -> String {
        let placeholder = format!("#{attr}");
        self.names.insert(placeholder.clone(), attr.to_owned());
        placeholder
    }

    /// A fresh placeholder bound to `value`.
    pub(crate) fn value(&mut self, value: AttributeValue) -> String {
        let placeholder = format!(":v{}", self.values.len());
        self.values.insert(placeholder.clone(), value);
        placeholder
    }

    /// Only the placeholders that `texts` mention: DynamoDB refuses
    /// unused names and values, and a guard dropped from a retry (see
    /// `listings`) leaves some behind.
    pub(crate) fn used_in(&self, texts: &[&str]) -> Expr {
        let used = |placeholder: &str| texts.iter().any(|t| mentions(t, placeholder));
        Expr {
            names: self
                .names
                .iter()
                .filter(|(k, _)| used(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            values: self
                .values
                .iter()
                .filter(|(k, _)| used(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    pub(crate) fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    pub(crate) fn values(&self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}

/// Whether `text` uses `placeholder` as a whole token (`:v1` is not `:v10`).
fn mentions(text: &str, placeholder: &str) -> bool {
    text.match_indices(placeholder).any(|(at, _)| {
        !text[at + placeholder.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// An update expression assembled clause by clause.
#[derive(Debug, Default, Clone)]
pub(crate) struct Update {
    pub(crate) set: Vec<String>,
    pub(crate) add: Vec<String>,
    pub(crate) remove: Vec<String>,
}

impl Update {
    pub(crate) fn render(&self) -> String {
        let mut parts = Vec::new();
        if !self.set.is_empty() {
            parts.push(format!("SET {}", self.set.join(", ")));
        }
        if !self.add.is_empty() {
            parts.push(format!("ADD {}", self.add.join(", ")));
        }
        if !self.remove.is_empty() {
            parts.push(format!("REMOVE {}", self.remove.join(", ")));
        }
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unused_placeholders_are_dropped() {
        let mut e = Expr::new();
        let (status, stamp) = (e.name("status"), e.name("status_stamp"));
        let values: Vec<String> = (0..11)
            .map(|i| e.value(AttributeValue::N(i.to_string())))
            .collect();
        let text = format!("{stamp} < {}", values[10]);
        let pruned = e.used_in(&[&text]);
        assert_eq!(
            pruned.names().unwrap().len(),
            1,
            "{status} is only a prefix of {stamp}"
        );
        assert_eq!(
            pruned.values().unwrap().keys().collect::<Vec<_>>(),
            vec![":v10"]
        );
    }
}
