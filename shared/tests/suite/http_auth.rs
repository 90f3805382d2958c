//! `/auth/*` handlers, called with the API Gateway events in `events/auth-api`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on failure by design

use crate::support;

use support::*;

const REGISTER: &str = include_str!("../../../events/auth-api/register.json");
const TOKEN: &str = include_str!("../../../events/auth-api/token.json");
const OPENAPI: &str = include_str!("../../../events/auth-api/openapi.json");

#[tokio::test]
async fn register_then_sign_in() {
    let app = app();
    let reply = call(&app, &event(REGISTER, None)).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["username"], "alice");
    assert!(reply.body["customer_id"].as_str().unwrap().len() == 36);

    let again = call(&app, &event(REGISTER, None)).await;
    assert_eq!(again.status, 409);
    assert_eq!(error_code(&again), "username_taken");

    let reply = call(&app, &event(TOKEN, None)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["token_type"], "Bearer");
    assert_eq!(reply.body["expires_in"], 600);
    let token = reply.body["access_token"].as_str().unwrap();
    let principal = app.token_keys().unwrap().verify(token).unwrap();
    assert_eq!(principal.role, stockroom::domain::Role::Customer);
}

#[tokio::test]
async fn wrong_password_and_unknown_user_are_401() {
    let app = app();
    call(&app, &event(REGISTER, None)).await;
    for body in [
        r#"{"username":"alice","password":"not the password"}"#,
        r#"{"username":"nobody","password":"correct horse battery"}"#,
        r#"{"username":"x","password":"y"}"#,
    ] {
        let reply = call(&app, &with_body(event(TOKEN, None), body)).await;
        assert_eq!(reply.status, 401, "{body}");
        assert_eq!(error_code(&reply), "invalid_credentials");
        assert_eq!(reply.headers["www-authenticate"], "Bearer");
    }
}

#[tokio::test]
async fn registration_validates_its_fields() {
    let app = app();
    for (body, field) in [
        (
            r#"{"username":"al","password":"long enough pw"}"#,
            "username",
        ),
        (
            r#"{"username":"has space","password":"long enough pw"}"#,
            "username",
        ),
        (r#"{"username":"alice","password":"short"}"#, "password"),
        (r#"{"username":"alice"}"#, ""),
        (r#"{"username":5,"password":"long enough pw"}"#, "username"),
    ] {
        let reply = call(&app, &with_body(event(REGISTER, None), body)).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
        assert_eq!(error_code(&reply), "validation_failed");
        assert!(
            reply.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains(field),
            "{body}"
        );
    }
}

#[tokio::test]
async fn openapi_document_is_served_to_anyone() {
    let app = app();
    let reply = call(&app, &event(OPENAPI, None)).await;
    assert_eq!(reply.status, 200);
    assert!(reply.body["openapi"].as_str().unwrap().starts_with("3."));
    assert!(reply.body["paths"]["/orders"]["post"].is_object());
}
