//! The router's error answers through `tower::ServiceExt::oneshot` (no sockets): every error
//! status the API gives has the one JSON shape `{"error": {"code", "message", "field"}}`, with
//! the code and the field a client program branches on. (tests/api.rs drives the same
//! routes over real HTTP.)

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::Value;
use tower::ServiceExt;
use tuixin::lifecycle::{Scope, SuppressionReason};
use tuixin_server::token::{TokenScope, make};
use tuixin_server::{App, Settings};
use tuixin_store::{ImportEntry, Store};

struct Fixture {
    app: Arc<App>,
    tokens: Vec<String>,
    _dir: tempfile::TempDir,
}

impl Fixture {
    fn token(&self, scope: TokenScope) -> &str {
        &self.tokens[TokenScope::ALL.iter().position(|s| *s == scope).unwrap()]
    }
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.db").display().to_string()).unwrap();
    let mut tokens = Vec::new();
    for scope in TokenScope::ALL {
        let made = make(scope.as_str(), &[scope], 1_700_000_000).unwrap();
        store.token_create(&made.row).unwrap();
        tokens.push(made.token);
    }
    // A complaint: locked, so removing it without admin is a conflict.
    let complaint = ImportEntry {
        line: 2,
        address: "locked@example.org".into(),
        scope: Scope::Marketing,
        reason: SuppressionReason::Complaint,
        created_at: None,
        description: String::new(),
    };
    assert_eq!(store.import(&[complaint], "test", 1_700_000_000).unwrap().0, 1);
    let settings = Settings { max_body_bytes: 16 * 1024, ..Settings::default() };
    Fixture { app: App::new(store, settings).unwrap(), tokens, _dir: dir }
}

/// Sends one request through the router: the status and the JSON body.
async fn call(
    f: &Fixture,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: impl Into<Body>,
) -> (StatusCode, Option<String>, Value) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let request =
        request.header(header::CONTENT_TYPE, "application/json").body(body.into()).unwrap();
    let response = tuixin_server::router(f.app.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let kind = response.headers().get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap().to_owned());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, kind, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// The error's shape: exactly `code`, `message` and `field` under `error`, as JSON.
fn shape(kind: Option<&str>, body: &Value, shown: &str) -> (String, Option<String>) {
    assert_eq!(kind, Some("application/json"), "{shown}: {body}");
    let error = body["error"].as_object().unwrap_or_else(|| panic!("no error object: {body}"));
    let mut keys: Vec<&str> = error.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["code", "field", "message"], "{body}");
    assert!(!error["message"].as_str().unwrap().is_empty(), "{body}");
    (error["code"].as_str().unwrap().to_owned(), error["field"].as_str().map(str::to_owned))
}

/// A request (method, URI, token, body) and the error it must get (status, code, field).
type Case<'a> = (&'a str, String, Option<&'a str>, Vec<u8>, StatusCode, &'a str, Option<&'a str>);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_status_has_the_one_json_shape_with_its_code_and_field() {
    let f = fixture();
    let (check, read, write) =
        (f.token(TokenScope::Check), f.token(TokenScope::Read), f.token(TokenScope::Write));
    let cases: Vec<Case<'_>> = vec![
        // 400: a body that is not JSON, a cursor this API never gave.
        (
            "POST",
            "/v1/check".into(),
            Some(check),
            b"{".to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed",
            None,
        ),
        (
            "GET",
            "/v1/suppressions?cursor=00".into(),
            Some(read),
            vec![],
            StatusCode::BAD_REQUEST,
            "malformed",
            Some("cursor"),
        ),
        (
            "POST",
            "/v1/alerts/x/ack".into(),
            Some(write),
            b"note".to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed",
            None,
        ),
        // 401: no token, a token that is not one.
        (
            "GET",
            "/v1/imports/x".into(),
            None,
            vec![],
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            None,
        ),
        (
            "POST",
            "/v1/imports".into(),
            Some("tuixin_0_0"),
            vec![],
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            None,
        ),
        // 403: a scope short of the call's.
        (
            "POST",
            "/v1/imports".into(),
            Some(read),
            b"address,reason\n".to_vec(),
            StatusCode::FORBIDDEN,
            "forbidden",
            None,
        ),
        (
            "POST",
            "/v1/alerts/x/ack".into(),
            Some(check),
            vec![],
            StatusCode::FORBIDDEN,
            "forbidden",
            None,
        ),
        // 404: no such route, job, alert, entry.
        ("GET", "/v2/check".into(), Some(read), vec![], StatusCode::NOT_FOUND, "not_found", None),
        (
            "GET",
            "/v1/imports/none".into(),
            Some(read),
            vec![],
            StatusCode::NOT_FOUND,
            "not_found",
            None,
        ),
        (
            "POST",
            "/v1/alerts/none/ack".into(),
            Some(write),
            br#"{"note":"seen"}"#.to_vec(),
            StatusCode::NOT_FOUND,
            "not_found",
            None,
        ),
        (
            "DELETE",
            "/v1/suppressions/nobody@example.org?note=x".into(),
            Some(write),
            vec![],
            StatusCode::NOT_FOUND,
            "not_found",
            None,
        ),
        // 405: a route that does not take the method.
        (
            "DELETE",
            "/v1/imports".into(),
            Some(write),
            vec![],
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            None,
        ),
        (
            "GET",
            "/v1/alerts/x/ack".into(),
            Some(read),
            vec![],
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            None,
        ),
        // 409: a locked entry without an admin token.
        (
            "DELETE",
            "/v1/suppressions/locked@example.org?scope=marketing&note=x".into(),
            Some(write),
            vec![],
            StatusCode::CONFLICT,
            "locked",
            None,
        ),
        // 413: a body past max_body_bytes.
        (
            "POST",
            "/v1/check".into(),
            Some(check),
            vec![b' '; 17 * 1024],
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            None,
        ),
        // 422: invalid values, each naming its field.
        (
            "GET",
            "/v1/check?address=not-an-address".into(),
            Some(check),
            vec![],
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_address",
            Some("address"),
        ),
        (
            "GET",
            "/v1/suppressions?sort=reason".into(),
            Some(read),
            vec![],
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("sort"),
        ),
        (
            "GET",
            "/v1/suppressions?limit=0".into(),
            Some(read),
            vec![],
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("limit"),
        ),
        (
            "GET",
            format!("/v1/events?q={}", "q".repeat(400)),
            Some(read),
            vec![],
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("q"),
        ),
        (
            "POST",
            "/v1/alerts/x/ack".into(),
            Some(write),
            br#"{"note":"  "}"#.to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("note"),
        ),
        (
            "PUT",
            "/v1/suppressions/a@example.org".into(),
            Some(write),
            br#"{"scope":"Not A Scope"}"#.to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("scope"),
        ),
        // 414: a URI past its bound.
        (
            "GET",
            format!("/v1/check?address={}@example.org", "a".repeat(9000)),
            Some(check),
            vec![],
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            None,
        ),
    ];
    for (method, uri, token, body, status, code, field) in cases {
        let (got, kind, json) = call(&f, method, &uri, token, body).await;
        let shown = &uri[..uri.len().min(80)];
        assert_eq!(got, status, "{method} {shown}: {json}");
        let (got_code, got_field) = shape(kind.as_deref(), &json, &format!("{method} {shown}"));
        assert_eq!((got_code.as_str(), got_field.as_deref()), (code, field), "{method} {shown}");
    }
    // Nothing was changed by any of them: the locked entry is still the only one.
    let (status, _, list) = call(&f, "GET", "/v1/suppressions", Some(read), Body::empty()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["data"].as_array().unwrap().len(), 1, "{list}");
}
