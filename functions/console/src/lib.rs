//! The Stockroom console: a web page for the people who run the shop and
//! a shop page for customers, served by Stockroom itself (the `console`
//! Lambda behind `GET /`, and the dev server at `/`).
//!
//! # A small static app, not server-rendered pages
//!
//! The console is one HTML shell, a style sheet and a few plain ES modules
//! (`assets/`), embedded in this binary with `include_str!` and served
//! unchanged. The browser calls the same HTTP API as every other client,
//! with the bearer token it got from `POST /auth/token`. We chose this over
//! pages rendered on the server because:
//!
//! * **No second backend.** Server-rendered pages would have to read the
//!   store (or call the API) inside the console function, with its own
//!   authorisation, error mapping and store permissions. Here the console
//!   function holds no data, reads no configuration and needs no IAM
//!   permission; every rule stays in the API handlers.
//! * **No cookies, so no CSRF.** Rendering per user on the server means a
//!   session cookie, which the browser attaches to every request, forged
//!   ones included. A bearer token kept in `sessionStorage` and attached by
//!   our own script is never sent by another site's form.
//! * **Cacheable.** The pages are the same for everyone, so browsers (and a
//!   CDN in front of API Gateway) may keep them; assets live under a
//!   content version and are immutable.
//! * **Cheap.** No build step, no Node toolchain, no framework: the whole
//!   first load is a few tens of kilobytes (a unit test keeps it under the
//!   150 KB target), and the function's cold start is a bare
//!   `lambda_http` start.
//!
//! The cost is that the console needs JavaScript, and that its pages must
//! render API values safely themselves: `assets/dom.js` only ever creates
//! text nodes from data (never `innerHTML`), and the Content-Security-Policy
//! forbids inline script, so a value that looks like markup stays text.
//!
//! # Map
//!
//! * [`handle`]: the one entry point, from a `lambda_http` request (API
//!   Gateway's, or the dev server's copy of one) to a response.
//! * [`ROUTES`]: what this function serves; `template.yaml` wires exactly
//!   these (checked by the deployment test).
//! * [`assets`]: the embedded files, their content types and the content
//!   version that names them in URLs.
//!
//! The browser side, in `assets/`: `app.js` (sign-in, navigation, page
//! switching), `api.js` (the API client: token, errors as sentences,
//! cursors), `dom.js` (text-only element builders, forms, tables, pagers),
//! `charts.js` (SVG charts with accessible names), `admin.js`, `stock.js`,
//! `assistant.js` and `shop.js` (the pages).

pub mod assets;

use http::{HeaderValue, Method, Response, StatusCode, header};
use lambda_http::{Body, RequestExt};

/// The routes of the console function, as (method, API Gateway path).
/// `/dashboard` serves the same shell as `/` and opens on the dashboard.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/dashboard"),
    ("GET", "/assets/{version}/{file}"),
];

/// The Content-Security-Policy of every console response: nothing from
/// another host, no inline script or style, no plugins, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'; object-src 'none'";

/// Whether `path` is one of the console's (the dev server routes these here).
pub fn serves(path: &str) -> bool {
    path == "/" || path == "/dashboard" || path.starts_with("/assets/")
}

/// Answers one request for the console.
pub fn handle(req: &lambda_http::Request) -> Response<Body> {
    let path = match req.raw_http_path() {
        "" => req.uri().path().to_owned(),
        raw => raw.to_owned(),
    };
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "use GET");
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    let found = match path.as_str() {
        "/" | "/dashboard" => Some((assets::index_html(), "text/html; charset=utf-8", false)),
        _ => path
            .strip_prefix("/assets/")
            .and_then(|rest| rest.split_once('/'))
            .and_then(|(version, file)| {
                let asset = assets::find(file)?;
                Some((asset.body, asset.content_type, version == assets::version()))
            }),
    };
    let Some((body, content_type, immutable)) = found else {
        return plain(StatusCode::NOT_FOUND, "not found");
    };
    let etag = format!("\"{}\"", assets::version());
    // Versioned assets never change; the shell is revalidated on each load
    // (a 304 without a body) so that a new deployment is picked up at once.
    let cache = if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "public, no-cache"
    };
    let not_modified = if_none_match.is_some_and(|tags| {
        tags.split(',')
            .any(|t| t.trim().trim_start_matches("W/") == etag)
    });
    let (status, body) = if not_modified {
        (StatusCode::NOT_MODIFIED, Body::Empty)
    } else if req.method() == Method::HEAD {
        (StatusCode::OK, Body::Empty)
    } else {
        (StatusCode::OK, Body::Text(body.to_owned()))
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    security_headers(headers);
    response
}

fn security_headers(headers: &mut http::HeaderMap) {
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::Text(text.to_owned()));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    security_headers(headers);
    response
}

#[cfg(test)]
mod tests;
