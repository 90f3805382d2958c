//! Each pattern and bound the document gives a request value agrees with
//! the parser of that value: at the edges, on values generated from the
//! pattern and on arbitrary ones, so a client keeping to the document is
//! never refused for a value's shape, and one leaving it always is.

use proptest::prelude::*;
use regex::Regex;
use serde_json::Value;
use stockroom::auth::Password;
use stockroom::domain::{
    Currency, IdempotencyKey, Price, Sku, SupplierEmail, SupplierId, Title, Username,
};
use stockroom::http::routes::schemas;
use stockroom::ports::{Cursor, SearchTerm};

use super::document;

/// The pattern of component `name`, or of an inline schema found by `at`.
fn pattern(doc: &Value, pointer: &str) -> Regex {
    let raw = doc
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no pattern at {pointer}"));
    Regex::new(raw).unwrap()
}

/// A documented pattern and the parser it describes.
struct Rule {
    pointer: &'static str,
    accepts: fn(&str) -> bool,
}

const RULES: &[Rule] = &[
    Rule {
        pointer: "/components/schemas/Sku/pattern",
        accepts: |s| Sku::parse(s).is_ok(),
    },
    Rule {
        pointer: "/components/schemas/Title/pattern",
        accepts: |s| Title::parse(s).is_ok(),
    },
    Rule {
        pointer: "/components/schemas/Price/pattern",
        accepts: |s| Price::parse(s).is_ok(),
    },
    Rule {
        pointer: "/components/schemas/Currency/pattern",
        accepts: |s| Currency::parse(s).is_ok(),
    },
    Rule {
        pointer: "/components/schemas/SupplierEmail/pattern",
        accepts: |s| SupplierEmail::parse(s).is_ok(),
    },
    Rule {
        pointer: "/components/schemas/Username/pattern",
        accepts: |s| Username::parse(s).is_ok(),
    },
    Rule {
        pointer: "/paths/~1suppliers~1{id}/get/parameters/0/schema/pattern",
        accepts: |s| SupplierId::parse(s).is_ok(),
    },
    Rule {
        pointer: "/paths/~1orders/post/parameters/0/schema/oneOf/1/pattern",
        accepts: |s| IdempotencyKey::parse(s).is_ok(),
    },
    Rule {
        pointer: "/paths/~1listings/get/parameters/1/schema/pattern",
        accepts: |s| Cursor::from_client(s).is_ok(),
    },
    Rule {
        pointer: "/paths/~1listings/get/parameters/4/schema/pattern",
        accepts: |s| SearchTerm::parse(s).is_ok(),
    },
    Rule {
        pointer: "/components/schemas/StockAdjustment/properties/reason/pattern",
        accepts: |s| {
            let t = s.trim();
            !t.is_empty() && t.chars().count() <= 200
        },
    },
    Rule {
        pointer: "/components/schemas/PutSupplierBody/properties/name/pattern",
        accepts: |s| {
            let t = s.trim();
            !t.is_empty() && t.chars().count() <= 200 && !t.chars().any(char::is_control)
        },
    },
];

/// Values at the edges of the rules: padding, controls, lengths, zeros.
const PROBES: &[&str] = &[
    "",
    " ",
    "a",
    " a ",
    "\ta\n",
    "a\u{7f}b",
    "a\u{85}",
    "\u{a0}x\u{3000}",
    "\u{feff}x",
    "\u{1c}x",
    "MUG-BLUE",
    "a/b",
    "a b",
    "é",
    "USD",
    "usd",
    "0",
    "-0",
    "-0.00",
    "-",
    ".",
    "5.",
    ".5",
    "-.5",
    "00012.5000",
    "12.34567",
    "12.345670",
    "1000000000",
    "1000000000.0000",
    "1000000000.0001",
    "999999999.9999",
    " 12.50 ",
    "1e3",
    "+5",
    "a@b.c",
    "a@b..c",
    "a@.b.c",
    "a@b.c.",
    "a@@b.c",
    " a@b.c ",
    "a @b.c",
    "abc",
    "ab",
    "a.b_c-d@e",
    "abc!",
    "dGVzdA",
    "dGVz+dA",
];

#[test]
fn documented_patterns_agree_with_the_parsers_at_the_edges() {
    let doc = document();
    let long = [
        "x".repeat(100),
        "x".repeat(101),
        "x".repeat(200),
        "x".repeat(201),
    ];
    for rule in RULES {
        let re = pattern(&doc, rule.pointer);
        for probe in PROBES
            .iter()
            .copied()
            .chain(long.iter().map(String::as_str))
        {
            assert_eq!(
                re.is_match(probe),
                (rule.accepts)(probe),
                "{}: {probe:?}",
                rule.pointer
            );
        }
    }
}

/// `(rule, value)`: values generated from each rule's pattern.
fn generated() -> impl Strategy<Value = (usize, String)> {
    let doc = document();
    let strategies: Vec<_> = RULES
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            let raw = doc.pointer(rule.pointer).and_then(Value::as_str).unwrap();
            // proptest generates from a pattern without its anchors.
            let inner = raw.trim_start_matches('^').trim_end_matches('$');
            proptest::string::string_regex(inner)
                .unwrap()
                .prop_map(move |s| (i, s))
                .boxed()
        })
        .collect();
    proptest::strategy::Union::new(strategies)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Whatever a pattern generates, the parser takes.
    #[test]
    fn values_generated_from_a_pattern_are_accepted((index, value) in generated()) {
        let rule = &RULES[index];
        prop_assert!((rule.accepts)(&value), "{}: {:?}", rule.pointer, value);
    }

    /// Arbitrary text is accepted by the parser exactly when it matches.
    #[test]
    fn arbitrary_values_match_exactly_when_accepted(
        index in 0..RULES.len(),
        value in r"[ \t\n0-9a-zA-Z.@_\-/%é\u{a0}\u{85}\u{7f}]{0,12}",
    ) {
        let doc = document();
        let rule = &RULES[index];
        let re = pattern(&doc, rule.pointer);
        prop_assert_eq!(re.is_match(&value), (rule.accepts)(&value), "{}: {:?}", rule.pointer, value);
    }
}

#[test]
fn password_and_number_bounds_are_documented() {
    let doc = document();
    let credentials = &doc["components"]["schemas"]["Credentials"]["properties"];
    assert_eq!(credentials["password"]["minLength"], 8);
    assert_eq!(credentials["password"]["maxLength"], 128);
    assert!(Password::parse(&"x".repeat(8)).is_ok() && Password::parse(&"x".repeat(7)).is_err());
    let schemas = &doc["components"]["schemas"];
    assert_eq!(schemas["LineQuantity"]["minimum"], 1);
    assert_eq!(schemas["LineQuantity"]["maximum"], 10_000);
    assert_eq!(schemas["Rating"]["maximum"], 5);
    assert_eq!(schemas["Stock"]["maximum"], 1_000_000_000);
    assert_eq!(
        schemas["PlaceOrderBody"]["properties"]["items"]["maxItems"],
        100
    );
    let limit = &doc["paths"]["/listings"]["get"]["parameters"][0];
    assert_eq!(limit["name"], "limit");
    assert_eq!(limit["schema"]["minimum"], 1);
    assert_eq!(limit["schema"]["maximum"], 100);
    let _ = schemas::WHITESPACE;
}
