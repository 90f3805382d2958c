//! The assistant's six tools: the model's edge.
//!
//! Each tool parses the model's JSON arguments as strictly as a route parses
//! a body (unknown fields refused), calls the use case behind the matching
//! admin route, and renders the route's own view, so a tool can never show
//! more than the admin could see through the API (no password hash, no
//! token, no secret is in any view). Results are cut to
//! [`RESULT_BUDGET`] characters. A tool that fails for a reason the model
//! can act on (a bad argument, an unknown SKU) answers an error object the
//! model reads; only an outage of the store fails the whole question.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::app::analytics::{self, DateRange, Granularity};
use crate::app::{self, App, AppError, forecasts, reorders};
use crate::auth::Principal;
use crate::domain::{ReorderStatus, Sku};
use crate::http::routes::analytics::AnalyticsView;
use crate::ports::{ListingFilter, PageRequest, ToolSpec};
use crate::views::{ForecastView, ListingView, OrderView, ReorderView};

/// The most characters one tool result may hold.
pub const RESULT_BUDGET: usize = 6_000;
/// The most items a list tool reads.
const LIST_LIMIT: usize = 50;
/// The reorders `open_reorders` reports: raised and not yet closed.
const OPEN_REORDERS: [ReorderStatus; 3] = [
    ReorderStatus::PendingApproval,
    ReorderStatus::Queued,
    ReorderStatus::Sent,
];

/// The tools offered to the model, with the JSON Schema of each one's
/// arguments.
pub fn specs() -> Vec<ToolSpec> {
    let none = json!({"type": "object", "properties": {}, "additionalProperties": false});
    let sku = json!({
        "type": "object",
        "properties": {"sku": {"type": "string", "description": "Seller SKU, e.g. MUG-BLUE"}},
        "required": ["sku"],
        "additionalProperties": false
    });
    vec![
        ToolSpec {
            name: "get_listing",
            description: "One listing by SKU: title, price, available stock, status, supplier and reorder settings.",
            parameters: sku.clone(),
        },
        ToolSpec {
            name: "low_stock_listings",
            description: "Listings whose available stock is at or below their reorder point.",
            parameters: none.clone(),
        },
        ToolSpec {
            name: "order_analytics",
            description: "Orders placed and their value per day, week or month over a date range (UTC days, inclusive; at most 366 days). Defaults: the 30 days to today, by day.",
            parameters: json!({
                "type": "object",
                "properties": {
                    "from": {"type": "string", "format": "date", "description": "First day, YYYY-MM-DD"},
                    "to": {"type": "string", "format": "date", "description": "Last day, YYYY-MM-DD"},
                    "granularity": {"type": "string", "enum": ["day", "week", "month"]}
                },
                "additionalProperties": false
            }),
        },
        ToolSpec {
            name: "get_order",
            description: "One order by id: status, lines, total, timestamps and Amazon fulfilment progress.",
            parameters: json!({
                "type": "object",
                "properties": {"order_id": {"type": "string", "description": "Order id (a UUID)"}},
                "required": ["order_id"],
                "additionalProperties": false
            }),
        },
        ToolSpec {
            name: "get_forecast",
            description: "The latest demand forecast of a SKU: expected demand, when stock runs out, the suggested reorder point and quantity.",
            parameters: sku,
        },
        ToolSpec {
            name: "open_reorders",
            description: "Reorders not yet closed: waiting for approval, queued to mail, or sent to the supplier and awaiting goods.",
            parameters: none,
        },
    ]
}

/// Runs the tool `name` with the model's `arguments` and returns the text
/// fed back to the model. `Err` only for a store outage or an internal
/// failure: everything the model can correct becomes an error result.
pub async fn run(
    app: &App,
    principal: &Principal,
    name: &str,
    arguments: &str,
) -> Result<String, AppError> {
    let result = match name {
        "get_listing" => get_listing(app, arguments).await,
        "low_stock_listings" => low_stock_listings(app, arguments).await,
        "order_analytics" => order_analytics(app, arguments).await,
        "get_order" => get_order(app, principal, arguments).await,
        "get_forecast" => get_forecast(app, arguments).await,
        "open_reorders" => open_reorders(app, arguments).await,
        _ => {
            tracing::info!(
                tool = name,
                "the model asked for a tool that does not exist"
            );
            return Ok(error_result(
                "unknown_tool",
                "no such tool; use only the tools offered",
            ));
        }
    };
    match result {
        Ok(value) => Ok(fit(value, RESULT_BUDGET)),
        Err(
            e @ (AppError::Store(_) | AppError::Unavailable { .. } | AppError::Internal { .. }),
        ) => Err(e),
        Err(e) => Ok(error_result(tool_error_code(&e), &e.to_string())),
    }
}

/// An error result as the model sees it.
pub fn error_result(code: &str, message: &str) -> String {
    json!({"error": {"code": code, "message": message}}).to_string()
}

fn tool_error_code(e: &AppError) -> &'static str {
    match e {
        AppError::InvalidField { .. } => "invalid_arguments",
        AppError::NotFound(_) => "not_found",
        _ => "failed",
    }
}

/// Parses a tool's arguments; a parse failure is an `InvalidField` the
/// model is told about. Empty text counts as `{}`: some models send it for
/// tools without parameters.
fn args<T: DeserializeOwned>(raw: &str) -> Result<T, AppError> {
    let raw = if raw.trim().is_empty() { "{}" } else { raw };
    serde_json::from_str(raw).map_err(|e| AppError::invalid_field("arguments", e.to_string()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SkuArgs {
    sku: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoArgs {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnalyticsArgs {
    from: Option<String>,
    to: Option<String>,
    granularity: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrderArgs {
    order_id: String,
}

fn sku(raw: &str) -> Result<Sku, AppError> {
    Sku::parse(raw).map_err(|e| AppError::invalid_field("sku", e.message()))
}

fn rendered(value: impl serde::Serialize) -> Result<Value, AppError> {
    serde_json::to_value(value).map_err(|e| AppError::internal("rendering a tool result", e))
}

async fn get_listing(app: &App, raw: &str) -> Result<Value, AppError> {
    let args: SkuArgs = args(raw)?;
    let listing = app::get_listing(app, &sku(&args.sku)?).await?;
    rendered(ListingView::from(&listing))
}

async fn low_stock_listings(app: &App, raw: &str) -> Result<Value, AppError> {
    let args: NoArgs = args(raw)?;
    let NoArgs {} = args;
    let filter = ListingFilter {
        low_stock: Some(true),
        ..ListingFilter::default()
    };
    let page = app::list_listings(app, &filter, &PageRequest::first(LIST_LIMIT)).await?;
    let listings: Vec<ListingView> = page.items.iter().map(ListingView::from).collect();
    Ok(json!({"listings": rendered(listings)?, "more": page.next_cursor.is_some()}))
}

async fn order_analytics(app: &App, raw: &str) -> Result<Value, AppError> {
    let args: AnalyticsArgs = args(raw)?;
    let today = app.clock.now().date_naive();
    let range = DateRange::requested(args.from.as_deref(), args.to.as_deref(), today)?;
    let granularity = Granularity::requested(args.granularity.as_deref())?;
    let report = analytics::order_analytics(app, range, granularity).await?;
    rendered(AnalyticsView::from(report))
}

async fn get_order(app: &App, principal: &Principal, raw: &str) -> Result<Value, AppError> {
    let args: OrderArgs = args(raw)?;
    let order = app::get_order_for(app, principal, &args.order_id).await?;
    rendered(OrderView::from(&order))
}

async fn get_forecast(app: &App, raw: &str) -> Result<Value, AppError> {
    let args: SkuArgs = args(raw)?;
    let record = forecasts::latest(app, &sku(&args.sku)?).await?;
    rendered(ForecastView::from(&record))
}

async fn open_reorders(app: &App, raw: &str) -> Result<Value, AppError> {
    let args: NoArgs = args(raw)?;
    let NoArgs {} = args;
    let mut open = Vec::new();
    let mut more = false;
    for status in OPEN_REORDERS {
        let page = reorders::list(app, Some(status), &PageRequest::first(LIST_LIMIT)).await?;
        more |= page.next_cursor.is_some();
        open.extend(page.items.iter().map(ReorderView::from));
    }
    Ok(json!({"reorders": rendered(open)?, "more": more}))
}

/// `value` as JSON text of at most `budget` characters. When it is too
/// long, the longest array in it keeps only the items that fit (each item
/// is measured once) and the object gains `"truncated": true`. What cannot
/// be cut to fit becomes an error result, never invalid JSON.
fn fit(mut value: Value, budget: usize) -> String {
    let text = value.to_string();
    let length = text.chars().count();
    if length <= budget {
        return text;
    }
    let Some(object) = value.as_object_mut() else {
        return too_large();
    };
    let longest = object
        .iter_mut()
        .filter_map(|(_, v)| v.as_array_mut())
        .max_by_key(|items| items.len());
    let Some(items) = longest else {
        return too_large();
    };
    let sizes: Vec<usize> = items
        .iter()
        .map(|i| i.to_string().chars().count())
        .collect();
    // Everything but the array's items (and the commas between them),
    // plus the marker added below.
    let items_length: usize = sizes.iter().sum::<usize>() + sizes.len().saturating_sub(1);
    let rest = length - items_length + r#","truncated":true"#.len();
    let mut kept_length = 0;
    let keep = sizes
        .iter()
        .take_while(|size| {
            kept_length += *size + usize::from(kept_length > 0);
            rest + kept_length <= budget
        })
        .count();
    items.truncate(keep);
    object.insert("truncated".into(), Value::Bool(true));
    let text = value.to_string();
    if text.chars().count() <= budget {
        text
    } else {
        too_large()
    }
}

fn too_large() -> String {
    error_result("too_large", "the result is too large to show")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_cut_to_the_budget_and_stay_json() {
        let big = json!({"listings": (0..500).map(|i| json!({"sku": format!("SKU-{i}")})).collect::<Vec<_>>()});
        let text = fit(big, 1_000);
        assert!(text.chars().count() <= 1_000);
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["truncated"], true);
        let kept = parsed["listings"].as_array().unwrap().len();
        assert!(kept > 0);
        // As many as fit: one more would not.
        let one_more = json!({"listings": (0..=kept).map(|i| json!({"sku": format!("SKU-{i}")})).collect::<Vec<_>>(), "truncated": true});
        assert!(one_more.to_string().chars().count() > 1_000, "kept {kept}");

        let small = json!({"sku": "A"});
        assert_eq!(fit(small.clone(), 1_000), small.to_string());

        let uncuttable = json!({"title": "x".repeat(2_000)});
        let text = fit(uncuttable, 1_000);
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap()["error"]["code"],
            "too_large"
        );
    }

    #[test]
    fn every_tool_has_an_object_schema_refusing_extra_fields() {
        let specs = specs();
        let names: Vec<_> = specs.iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            [
                "get_listing",
                "low_stock_listings",
                "order_analytics",
                "get_order",
                "get_forecast",
                "open_reorders"
            ]
        );
        for spec in specs {
            assert_eq!(spec.parameters["type"], "object", "{}", spec.name);
            assert_eq!(
                spec.parameters["additionalProperties"], false,
                "{}",
                spec.name
            );
        }
    }
}
