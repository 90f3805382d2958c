//! What the OpenAPI document says about the values a request carries: each
//! domain type's schema states the rule its parser enforces (characters,
//! lengths, ranges, trimming), so a client that keeps to the document is
//! never refused for the shape of a value, and one that strays from it
//! always is. The parsers stay the only check; these schemas describe them,
//! and the suite's `openapi_contract` tests hold the two together by
//! generating values from each pattern and feeding them to the parser.
//!
//! Patterns use the subset of regular-expression syntax that ECMA-262
//! (what JSON Schema names), Python and Rust read alike: explicit
//! character classes and `\uXXXX` escapes, no `\s` or `\d` (whose meaning
//! differs between them; `[\s\S]`, any character, reads alike).

use std::fmt::Write as _;

use utoipa::openapi::schema::{AnyOfBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::app::analytics::Granularity;
use crate::domain::{
    Currency, IdempotencyKey, LineQuantity, Price, Rating, Sku, Stock, StockDelta, SupplierEmail,
    SupplierId, Title, Username,
};
use crate::ports::{Cursor, PageLimit, SearchTerm};

/// What Rust's `str::trim` removes: the Unicode `White_Space` characters.
/// Trimming parsers accept a value padded with these.
pub const WHITESPACE: &str = r"\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

/// Rust's `char::is_control`: the C0 and C1 control characters.
pub const CONTROL: &str = r"\u0000-\u001f\u007f-\u009f";

/// Every character that a SKU may hold: visible ASCII except
/// `/ ? # % \ "` (see [`Sku`]).
pub const SKU_PATTERN: &str = r"^[!$&-.0->@-\[\]-~]{1,100}$";

/// A string that the parser trims and then wants 1 to `max` characters
/// of, none of them `forbidden` (a character-class body, may be empty).
pub fn trimmed_pattern(max: usize, forbidden: &str) -> String {
    let w = WHITESPACE;
    let mut p = String::new();
    // Padding, a first and a last character that trimming keeps, and up
    // to `max - 2` characters of anything allowed between them.
    let _ = write!(
        p,
        "^[{w}]*[^{w}{forbidden}](?:[^{forbidden}]{{0,{}}}[^{w}{forbidden}])?[{w}]*$",
        max - 2
    );
    if forbidden.is_empty() {
        // `[^]` reads differently in each dialect; anything at all is
        // spelled as a class and its complement.
        p = p.replace("[^]", r"[\s\S]");
    }
    p
}

/// A supplier name or listing title: trimmed, 1 to `max` characters, no
/// control characters.
pub fn trimmed_text(max: usize) -> String {
    trimmed_pattern(max, CONTROL)
}

/// A price: a decimal string from 0 to 1 000 000 000 with at most four
/// significant decimal places (trailing zeros beyond them are dropped),
/// padding trimmed; as [`Price::parse`] reads it.
pub fn price_pattern() -> String {
    let w = WHITESPACE;
    // At least one digit; zero may carry a minus sign ("-0.00"); 0 to
    // 999 999 999 with leading zeros and a point with or without digits
    // after it ("5.", ".5"); or exactly one billion.
    format!(
        r"^[{w}]*(?:-(?:0+(?:\.0*)?|\.0+)|0*[0-9]{{1,9}}(?:\.[0-9]{{0,4}}0*)?|0*\.[0-9]{{1,4}}0*|0*1000000000(?:\.0*)?)[{w}]*$"
    )
}

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn integer(min: i64, max: i64) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(min))
        .maximum(Some(max))
}

/// Implements `ToSchema` for a type from the schema an expression builds.
macro_rules! documented {
    ($($ty:ty => $schema:expr;)*) => {$(
        impl PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                Schema::Object($schema.build()).into()
            }
        }
        impl ToSchema for $ty {}
    )*};
}

documented! {
    Sku => string()
        .description(Some("Seller SKU: 1 to 100 visible ASCII characters except / ? # % \\ \""))
        .pattern(Some(SKU_PATTERN))
        .examples(["MUG-BLUE"]);
    Title => string()
        .description(Some("1 to 200 characters after trimming, no control characters"))
        .pattern(Some(trimmed_text(200)))
        .examples(["Blue mug"]);
    Price => string()
        .description(Some(
            "A decimal string from 0 to 1000000000 with at most 4 decimal places; \
             never a JSON number, so that no float rounds it",
        ))
        .pattern(Some(price_pattern()))
        .examples(["12.50"]);
    Currency => string()
        .description(Some("ISO 4217 code; must be the store's currency"))
        .pattern(Some("^[A-Z]{3}$"))
        .examples(["USD"]);
    Stock => integer(0, Stock::MAX)
        .description(Some("Units on hand, 0 to 1000000000"));
    LineQuantity => integer(1, i64::from(LineQuantity::MAX))
        .description(Some("Units of this SKU, 1 to 10000"))
        .examples([2]);
    Rating => integer(1, 5)
        .description(Some("1 (poor) to 5 (excellent)"))
        .examples([4]);
    SupplierId => string()
        .description(Some("1 to 64 letters, digits, '-', '_' or '.'"))
        .pattern(Some("^[A-Za-z0-9._-]{1,64}$"))
        .examples(["acme"]);
    SupplierEmail => string()
        .description(Some(
            "One '@' after a non-empty local part, a dot inside the domain, no spaces; \
             3 to 254 characters after trimming",
        ))
        // No maxLength: the 254 bytes count after trimming, which a
        // length on the padded string would misstate.
        .pattern(Some(email_pattern()))
        .examples(["orders@acme.example"]);
    Username => string()
        .description(Some("3 to 64 letters, digits, '.', '_', '-' or '@'; case-insensitive"))
        .pattern(Some("^[A-Za-z0-9._@-]{3,64}$"))
        .examples(["alice"]);
    IdempotencyKey => string()
        .description(Some("1 to 255 visible ASCII characters"))
        .pattern(Some("^[!-~]{1,255}$"));
    PageLimit => integer(1, i64::from(PageLimit::MAX))
        .description(Some("Page size, 1 to 100 (default 20)"))
        .default(Some(20.into()));
    Cursor => string()
        .description(Some(
            "Opaque: the `next_cursor` of the previous page of the same list, as given",
        ))
        .pattern(Some("^[A-Za-z0-9_-]{1,2048}$"));
    SearchTerm => string()
        .description(Some("Case-insensitive text in the SKU or title: 1 to 100 characters after trimming"))
        .pattern(Some(trimmed_pattern(100, "")));
}

/// Either sign, never zero: two ranges, as JSON Schema has no "not" in
/// utoipa's builders.
impl PartialSchema for StockDelta {
    fn schema() -> RefOr<Schema> {
        Schema::AnyOf(
            AnyOfBuilder::new()
                .item(integer(-Stock::MAX, -1))
                .item(integer(1, Stock::MAX))
                .description(Some(
                    "Units to add (positive) or remove (negative), up to 1000000000 either way; not zero",
                ))
                .examples([-3])
                .build(),
        )
        .into()
    }
}

impl ToSchema for StockDelta {}

fn email_pattern() -> String {
    let w = WHITESPACE;
    // No whitespace or control character anywhere between the padding.
    let part = format!("[^@{w}{CONTROL}]");
    let label = format!("[^@.{w}{CONTROL}]");
    format!("^[{w}]*{part}+@{label}{part}*\\.{part}*{label}[{w}]*$")
}

/// A password as typed: 8 to 128 characters.
pub fn password() -> Schema {
    Schema::Object(
        string()
            .description(Some("8 to 128 characters"))
            .min_length(Some(8))
            .max_length(Some(128))
            .examples(["correct horse battery"])
            .build(),
    )
}

/// The reason given for a stock adjustment: 1 to 200 characters after
/// trimming.
pub fn reason() -> Schema {
    Schema::Object(
        string()
            .description(Some("Why, for the log: 1 to 200 characters after trimming"))
            .pattern(Some(trimmed_pattern(200, "")))
            .examples(["stock count"])
            .build(),
    )
}

/// A supplier's name: 1 to 200 characters after trimming, no control
/// characters.
pub fn supplier_name() -> Schema {
    Schema::Object(
        string()
            .description(Some(
                "1 to 200 characters after trimming, no control characters",
            ))
            .pattern(Some(trimmed_text(200)))
            .examples(["Acme Ceramics"])
            .build(),
    )
}

/// A UTC day, `YYYY-MM-DD`, years 0000 to 9999.
#[derive(Debug)]
pub struct Day;

documented! {
    Day => string()
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
        .pattern(Some("^[0-9]{4}-[0-9]{2}-[0-9]{2}$"));
}

documented! {
    Granularity => string().enum_values(Some(["day", "week", "month"]));
}

/// An order or reorder id as a path parameter: a UUID. Anything else names
/// nothing, so it is a 404 like an unknown id.
#[derive(Debug)]
pub struct Id;

documented! {
    Id => string()
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)));
}

/// Marks every query parameter `allowEmptyValue`: `?q=` or `?cursor=` is
/// read as if the parameter were absent (`ApiRequest::query`), so an empty
/// value is accepted whatever the parameter's schema says. utoipa has no
/// attribute for it; this sets it in the rendered document.
pub fn blank_query_values(doc: &mut serde_json::Value) {
    let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) else {
        return;
    };
    let parameters = paths
        .values_mut()
        .filter_map(|item| item.as_object_mut())
        .flat_map(|item| item.values_mut())
        .filter_map(|op| op.get_mut("parameters").and_then(|p| p.as_array_mut()))
        .flatten();
    for parameter in parameters {
        if parameter["in"] == "query"
            && let Some(parameter) = parameter.as_object_mut()
        {
            parameter.insert("allowEmptyValue".to_owned(), true.into());
        }
    }
}
