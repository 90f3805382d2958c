//! The console function with the sample events of `events/console/`, and
//! the rules the assets must keep: no inline script, no markup built from
//! strings, nothing from another host, every import embedded, and a first
//! load under the 150 KB target.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::assets::{ASSETS, first_load_bytes, index_html, version};

fn event(name: &str) -> serde_json::Value {
    let path = format!("{}/../../events/console/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn request(event: &serde_json::Value) -> lambda_http::Request {
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

fn text(response: &Response<Body>) -> &str {
    match response.body() {
        Body::Text(t) => t,
        Body::Empty => "",
        other => panic!("unexpected body {other:?}"),
    }
}

fn header<'a>(response: &'a Response<Body>, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

#[test]
fn the_shell_is_served_with_a_strict_policy_and_may_be_cached() {
    for file in ["index.json", "dashboard.json"] {
        let response = handle(&request(&event(file)));
        assert_eq!(response.status(), StatusCode::OK, "{file}");
        assert_eq!(
            header(&response, "content-type"),
            "text/html; charset=utf-8"
        );
        let csp = header(&response, "content-security-policy");
        assert!(csp.starts_with("default-src 'self';"), "{csp}");
        assert!(!csp.contains("unsafe"), "{csp}");
        assert_eq!(header(&response, "cache-control"), "public, no-cache");
        assert_eq!(header(&response, "x-content-type-options"), "nosniff");
        let body = text(&response);
        assert!(body.contains(&format!("/assets/{}/app.js", version())));
        assert!(!body.contains("{{version}}"));
    }
}

#[test]
fn a_revalidation_with_the_current_etag_is_answered_without_a_body() {
    let first = handle(&request(&event("index.json")));
    let etag = header(&first, "etag").to_owned();
    let mut again = event("index.json");
    again["headers"]["if-none-match"] = serde_json::Value::String(etag);
    let response = handle(&request(&again));
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(text(&response), "");
    let mut stale = event("index.json");
    stale["headers"]["if-none-match"] = "\"0000\"".into();
    assert_eq!(handle(&request(&stale)).status(), StatusCode::OK);
}

#[test]
fn assets_of_the_current_version_are_immutable_and_others_revalidated() {
    let old = handle(&request(&event("asset.json")));
    assert_eq!(old.status(), StatusCode::OK);
    assert_eq!(header(&old, "cache-control"), "public, no-cache");
    assert_eq!(
        header(&old, "content-type"),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(text(&old), crate::assets::find("app.js").unwrap().body);

    let mut current = event("asset.json");
    let path = format!("/assets/{}/app.css", version());
    current["rawPath"] = path.clone().into();
    current["requestContext"]["http"]["path"] = path.into();
    let response = handle(&request(&current));
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        header(&response, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(header(&response, "content-type"), "text/css; charset=utf-8");
}

#[test]
fn unknown_files_are_404_and_other_methods_405() {
    let mut missing = event("asset.json");
    missing["rawPath"] = "/assets/0/secret.txt".into();
    assert_eq!(handle(&request(&missing)).status(), StatusCode::NOT_FOUND);
    missing["rawPath"] = "/assets/app.js".into();
    assert_eq!(handle(&request(&missing)).status(), StatusCode::NOT_FOUND);
    let mut post = event("index.json");
    post["requestContext"]["http"]["method"] = "POST".into();
    let response = handle(&request(&post));
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(header(&response, "allow"), "GET, HEAD");
}

#[test]
fn the_first_load_is_under_150_kb() {
    let bytes = first_load_bytes();
    assert!(bytes < 150 * 1024, "first load is {bytes} bytes");
}

#[test]
fn the_shell_has_no_inline_script_or_style() {
    let html = index_html().to_ascii_lowercase();
    for tag in html.split("<script").skip(1) {
        let open = &tag[..tag.find('>').unwrap()];
        assert!(open.contains("src="), "inline script: <script{open}>");
    }
    assert!(!html.contains("<style"));
    assert!(!html.contains(" style="));
    // An event handler attribute: ` on<letters>=`.
    for (i, _) in html.match_indices(" on") {
        let rest = &html[i + 3..];
        let name_len = rest.chars().take_while(char::is_ascii_lowercase).count();
        assert!(
            name_len == 0 || !rest[name_len..].starts_with('='),
            "an inline event handler: {}",
            &html[i..(i + 20).min(html.len())]
        );
    }
}

#[test]
fn scripts_never_build_markup_from_strings() {
    // The text-only rule: API values become text nodes or attribute values.
    let banned = [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        "createContextualFragment",
        "setTimeout('",
    ];
    for asset in ASSETS.iter().filter(|a| a.name.ends_with(".js")) {
        for word in banned {
            assert!(!asset.body.contains(word), "{} uses {word}", asset.name);
        }
    }
}

#[test]
fn nothing_is_loaded_from_another_host_and_every_import_is_embedded() {
    for asset in ASSETS {
        for scheme in ["http://", "https://", "//cdn", "url("] {
            let allowed = "http://www.w3.org/2000/svg";
            let hits = asset.body.matches(scheme).count();
            let namespaces = asset.body.matches(allowed).count();
            let expected = if scheme == "http://" { namespaces } else { 0 };
            assert_eq!(hits, expected, "{} refers to {scheme}", asset.name);
        }
        if asset.name.ends_with(".js") {
            for line in asset.body.lines().filter(|l| l.contains(" from '")) {
                let target = line.split(" from '").nth(1).unwrap();
                let target = target.trim_end_matches("';").trim_start_matches("./");
                assert!(
                    crate::assets::find(target).is_some(),
                    "{} imports {target}, which is not embedded",
                    asset.name
                );
            }
        }
    }
}

#[test]
fn serves_is_exactly_the_route_table() {
    for (_, path) in ROUTES {
        let concrete = path.replace("{version}", "abc").replace("{file}", "app.js");
        assert!(serves(&concrete), "{concrete}");
    }
    for path in ["/listings", "/openapi.json", "/dashboards", "/_dev/outbox"] {
        assert!(!serves(path), "{path}");
    }
}
