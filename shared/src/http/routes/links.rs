//! OpenAPI links: which answer names the resource that another operation
//! reads or changes (the listing a `PUT` created, the order a `POST
//! /orders` placed, the first item and the next page of a list). A client
//! can follow them, and a stateful test run chains calls by them: it
//! creates something and then reads, changes and deletes that same thing
//! instead of guessing ids.
//!
//! One table, applied to the generated document by [`Links`]; the suite's
//! `openapi_contract` tests check that every link names an operation and
//! parameters that exist.

use utoipa::Modify;
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::{OpenApi, RefOr};

/// `(from operation, its statuses, link name, to operation, parameters)`;
/// each parameter is `(name, runtime expression)`.
type LinkRow = (
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const FROM_PUT_SKU: &[(&str, &str)] = &[("sku", "$request.path.sku")];
const FIRST_SKU: &[(&str, &str)] = &[("sku", "$response.body#/items/0/sku")];
const ORDER_ID: &[(&str, &str)] = &[("id", "$response.body#/order_id")];
const FIRST_ORDER: &[(&str, &str)] = &[("id", "$response.body#/items/0/order_id")];
const FIRST_REORDER: &[(&str, &str)] = &[("id", "$response.body#/items/0/reorder_id")];
const NEXT_PAGE: &[(&str, &str)] = &[("cursor", "$response.body#/next_cursor")];

/// Every link of the document.
pub const LINKS: &[LinkRow] = &[
    // A listing, once created or updated.
    (
        "putListing",
        &["200", "201"],
        "GetListing",
        "getListing",
        FROM_PUT_SKU,
    ),
    (
        "putListing",
        &["200", "201"],
        "UpdateListing",
        "putListing",
        FROM_PUT_SKU,
    ),
    (
        "putListing",
        &["200", "201"],
        "AdjustStock",
        "adjustStock",
        FROM_PUT_SKU,
    ),
    (
        "putListing",
        &["200", "201"],
        "DeleteListing",
        "deleteListing",
        FROM_PUT_SKU,
    ),
    (
        "adjustStock",
        &["200"],
        "GetListing",
        "getListing",
        FROM_PUT_SKU,
    ),
    (
        "listListings",
        &["200"],
        "GetFirstListing",
        "getListing",
        FIRST_SKU,
    ),
    (
        "listListings",
        &["200"],
        "NextPage",
        "listListings",
        NEXT_PAGE,
    ),
    // An order, once placed.
    ("placeOrder", &["201"], "GetOrder", "getOrder", ORDER_ID),
    (
        "placeOrder",
        &["201"],
        "CancelOrder",
        "cancelOrder",
        ORDER_ID,
    ),
    (
        "placeOrder",
        &["201"],
        "OrderMetrics",
        "orderMetrics",
        ORDER_ID,
    ),
    ("cancelOrder", &["200"], "GetOrder", "getOrder", ORDER_ID),
    (
        "listOrders",
        &["200"],
        "GetFirstOrder",
        "getOrder",
        FIRST_ORDER,
    ),
    (
        "listOrders",
        &["200"],
        "CancelFirstOrder",
        "cancelOrder",
        FIRST_ORDER,
    ),
    ("listOrders", &["200"], "NextPage", "listOrders", NEXT_PAGE),
    // A supplier, once created.
    (
        "putSupplier",
        &["200", "201"],
        "GetSupplier",
        "getSupplier",
        &[("id", "$request.path.id")],
    ),
    (
        "listSuppliers",
        &["200"],
        "GetFirstSupplier",
        "getSupplier",
        &[("id", "$response.body#/items/0/supplier_id")],
    ),
    (
        "listSuppliers",
        &["200"],
        "NextPage",
        "listSuppliers",
        NEXT_PAGE,
    ),
    // Reorders are made by the stock check; the list leads to them.
    (
        "listReorders",
        &["200"],
        "ApproveFirst",
        "approveReorder",
        FIRST_REORDER,
    ),
    (
        "listReorders",
        &["200"],
        "RejectFirst",
        "rejectReorder",
        FIRST_REORDER,
    ),
    (
        "listReorders",
        &["200"],
        "ReceiveFirst",
        "receiveReorder",
        FIRST_REORDER,
    ),
    (
        "listReorders",
        &["200"],
        "NextPage",
        "listReorders",
        NEXT_PAGE,
    ),
];

/// Adds [`LINKS`] to the document.
#[derive(Debug)]
pub struct Links;

impl Modify for Links {
    fn modify(&self, openapi: &mut OpenApi) {
        for (from, statuses, name, to, parameters) in LINKS {
            let Some(operation) = operation_mut(openapi, from) else {
                continue;
            };
            for status in *statuses {
                let Some(RefOr::T(response)) = operation.responses.responses.get_mut(*status)
                else {
                    continue;
                };
                let link = parameters
                    .iter()
                    .fold(LinkBuilder::new().operation_id(*to), |link, (p, e)| {
                        link.parameter(*p, *e)
                    })
                    .build();
                response.links.insert((*name).to_owned(), RefOr::T(link));
            }
        }
    }
}

/// The operation with this `operationId`.
fn operation_mut<'a>(openapi: &'a mut OpenApi, id: &str) -> Option<&'a mut Operation> {
    openapi.paths.paths.values_mut().find_map(|item| {
        [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .filter_map(Option::as_mut)
        .find(|op| op.operation_id.as_deref() == Some(id))
    })
}

/// utoipa 5 serialises a link's `operationId` and `requestBody` in snake
/// case, which no OpenAPI reader knows; this renames them in the rendered
/// document.
pub fn camel_case_links(doc: &mut serde_json::Value) {
    let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) else {
        return;
    };
    let responses = paths
        .values_mut()
        .filter_map(|item| item.as_object_mut())
        .flat_map(|item| item.values_mut())
        .filter_map(|op| op.get_mut("responses").and_then(|r| r.as_object_mut()))
        .flat_map(|responses| responses.values_mut());
    for response in responses {
        let Some(links) = response.get_mut("links").and_then(|l| l.as_object_mut()) else {
            continue;
        };
        for link in links.values_mut().filter_map(|l| l.as_object_mut()) {
            for (from, to) in [
                ("operation_id", "operationId"),
                ("operation_ref", "operationRef"),
                ("request_body", "requestBody"),
            ] {
                if let Some(value) = link.remove(from) {
                    link.insert(to.to_owned(), value);
                }
            }
        }
    }
}
