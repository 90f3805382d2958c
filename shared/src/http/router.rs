//! The route table. Routing, the OpenAPI coverage test and the Lambda
//! grouping all read this one table, so a route cannot exist in one and be
//! missing from another.

use http::Method;

/// Which Lambda function serves a route. The dev server serves them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteGroup {
    Auth,
    Listings,
    Orders,
    Admin,
    /// `GET /openapi.json`: served by every API function.
    Docs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteId {
    Register,
    Token,
    ListListings,
    GetListing,
    PutListing,
    DeleteListing,
    AdjustStock,
    PlaceOrder,
    PreviewOrder,
    ListOrders,
    GetOrder,
    CancelOrder,
    ListSuppliers,
    GetSupplier,
    PutSupplier,
    ListReorders,
    ApproveReorder,
    RejectReorder,
    ReceiveReorder,
    CancelReorder,
    Metrics,
    OrderMetrics,
    Analytics,
    Forecast,
    AssistantMessage,
    OpenApi,
}

#[derive(Debug, Clone)]
pub struct Route {
    pub id: RouteId,
    pub method: Method,
    /// OpenAPI-style template: `/orders/{id}/cancel`.
    pub path: &'static str,
    pub group: RouteGroup,
}

const fn route(id: RouteId, method: Method, path: &'static str, group: RouteGroup) -> Route {
    Route {
        id,
        method,
        path,
        group,
    }
}

use RouteGroup::*;
use RouteId::*;

pub const ROUTES: &[Route] = &[
    route(Register, Method::POST, "/auth/register", Auth),
    route(Token, Method::POST, "/auth/token", Auth),
    route(ListListings, Method::GET, "/listings", Listings),
    route(GetListing, Method::GET, "/listings/{sku}", Listings),
    route(PutListing, Method::PUT, "/listings/{sku}", Listings),
    route(DeleteListing, Method::DELETE, "/listings/{sku}", Listings),
    route(AdjustStock, Method::POST, "/listings/{sku}/stock", Listings),
    route(PlaceOrder, Method::POST, "/orders", Orders),
    // A literal path wins over `/orders/{id}` whatever the order (see `resolve`).
    route(PreviewOrder, Method::POST, "/orders/preview", Orders),
    route(ListOrders, Method::GET, "/orders", Orders),
    route(GetOrder, Method::GET, "/orders/{id}", Orders),
    route(CancelOrder, Method::POST, "/orders/{id}/cancel", Orders),
    route(ListSuppliers, Method::GET, "/suppliers", Admin),
    route(GetSupplier, Method::GET, "/suppliers/{id}", Admin),
    route(PutSupplier, Method::PUT, "/suppliers/{id}", Admin),
    route(ListReorders, Method::GET, "/reorders", Admin),
    route(
        ApproveReorder,
        Method::POST,
        "/reorders/{id}/approve",
        Admin,
    ),
    route(RejectReorder, Method::POST, "/reorders/{id}/reject", Admin),
    route(
        ReceiveReorder,
        Method::POST,
        "/reorders/{id}/receive",
        Admin,
    ),
    route(CancelReorder, Method::POST, "/reorders/{id}/cancel", Admin),
    route(Metrics, Method::GET, "/metrics", Admin),
    route(OrderMetrics, Method::GET, "/metrics/orders/{id}", Admin),
    route(Analytics, Method::GET, "/analytics/orders", Admin),
    route(Forecast, Method::GET, "/forecasts/{sku}", Admin),
    route(AssistantMessage, Method::POST, "/assistant/messages", Admin),
    route(OpenApi, Method::GET, "/openapi.json", Docs),
];

/// Path parameters by the name in the route template (`{sku}` -> `sku`),
/// percent-decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathParams(Vec<(&'static str, String)>);

impl PathParams {
    /// The value of `{name}`; `None` when the route has no such parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The outcome of matching a method and path.
#[derive(Debug)]
pub enum Matched {
    Found(&'static Route, PathParams),
    /// The path exists, but not for this method; the allowed methods.
    WrongMethod(Vec<Method>),
    NotFound,
}

/// Matches `path` (already stripped of any stage prefix) against the
/// routes of `groups`. Captured segments are percent-decoded.
///
/// A path is the resource of its most literal template: `/orders/preview`
/// is that resource, not the order `preview`, for every method. So a GET of
/// it is 405 with `Allow: POST`, as its entry in the OpenAPI document says,
/// rather than a look-up of an order id no order can have.
pub fn resolve(method: &Method, path: &str, groups: &[RouteGroup]) -> Matched {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    let matches: Vec<(&'static Route, PathParams)> = ROUTES
        .iter()
        .filter(|r| groups.contains(&r.group))
        .filter_map(|r| match_template(r.path, &segments).map(|params| (r, params)))
        .collect();
    let Some(fewest) = matches.iter().map(|(_, p)| p.0.len()).min() else {
        return Matched::NotFound;
    };
    let mut allowed = Vec::new();
    for (r, params) in matches.into_iter().filter(|(_, p)| p.0.len() == fewest) {
        if r.method == *method {
            return Matched::Found(r, params);
        }
        allowed.push(r.method.clone());
    }
    Matched::WrongMethod(allowed)
}

fn match_template(template: &'static str, segments: &[&str]) -> Option<PathParams> {
    let parts: Vec<&'static str> = template.split('/').skip(1).collect();
    if parts.len() != segments.len() {
        return None;
    }
    let mut params = Vec::new();
    for (part, segment) in parts.iter().zip(segments) {
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            if segment.is_empty() {
                return None;
            }
            let decoded = percent_encoding::percent_decode_str(segment)
                .decode_utf8()
                .ok()?
                .into_owned();
            params.push((name, decoded));
        } else if part != segment {
            return None;
        }
    }
    Some(PathParams(params))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: &[RouteGroup] = &[Auth, Listings, Orders, Admin, Docs];

    #[test]
    fn a_literal_path_is_its_own_resource() {
        match resolve(&Method::POST, "/orders/preview", ALL) {
            Matched::Found(r, _) => assert_eq!(r.id, PreviewOrder),
            other => panic!("{other:?}"),
        }
        // Not the order "preview": only what `/orders/preview` allows.
        match resolve(&Method::GET, "/orders/preview", ALL) {
            Matched::WrongMethod(allowed) => assert_eq!(allowed, [Method::POST]),
            other => panic!("{other:?}"),
        }
        match resolve(&Method::GET, "/orders/previews", ALL) {
            Matched::Found(r, p) => {
                assert_eq!(r.id, GetOrder);
                assert_eq!(p.get("id"), Some("previews"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn resolves_params_and_methods() {
        match resolve(&Method::POST, "/orders/abc/cancel", ALL) {
            Matched::Found(r, p) => {
                assert_eq!(r.id, CancelOrder);
                assert_eq!(p.get("id"), Some("abc"));
                assert_eq!(p.get("sku"), None);
            }
            other => panic!("{other:?}"),
        }
        match resolve(&Method::GET, "/listings/A%2DB%20", ALL) {
            Matched::Found(r, p) => {
                assert_eq!(r.id, GetListing);
                assert_eq!(p.get("sku"), Some("A-B "));
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(resolve(&Method::PATCH, "/orders", ALL), Matched::WrongMethod(m) if m.len() == 2)
        );
        assert!(matches!(
            resolve(&Method::GET, "/nope", ALL),
            Matched::NotFound
        ));
        assert!(
            matches!(resolve(&Method::GET, "/listings/", ALL), Matched::Found(r, _) if r.id == ListListings)
        );
        assert!(matches!(
            resolve(&Method::GET, "/orders//cancel", ALL),
            Matched::NotFound
        ));
    }

    #[test]
    fn groups_limit_what_a_function_serves() {
        assert!(matches!(
            resolve(&Method::POST, "/orders", &[Listings, Docs]),
            Matched::NotFound
        ));
        assert!(matches!(
            resolve(&Method::GET, "/openapi.json", &[Orders, Docs]),
            Matched::Found(..)
        ));
    }
}
