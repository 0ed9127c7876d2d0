//! Who is looking at a page: a browser's session (signed in with a token through the
//! sign-in form, kept in the store) or the API's bearer header; the CSRF tokens that bind each
//! form to its session; sign-in (guarded against login CSRF by a double-submit cookie) and
//! sign-out.

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tuixin_store::SessionRow;

use super::{Lang, Page, cookie, error_page, local_path, render_with, url_encode};
use crate::app::App;
use crate::error::ApiError;
use crate::token::{Caller, TokenScope};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "tuixin_session";
/// The sign-in form's double-submit cookie's name.
pub const SIGN_IN_COOKIE: &str = "tuixin_signin";
/// How long a session lasts, in seconds (12 hours).
pub const SESSION_SECONDS: i64 = 12 * 3600;

/// Who asked for a page, and how.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The token behind the request.
    pub caller: Caller,
    /// The page's language.
    pub lang: Lang,
    /// The request's path and query.
    pub path: String,
    /// The session's CSRF token; None when the request came with a bearer header (which a
    /// browser never sends by itself, so it needs none).
    pub csrf: Option<String>,
    /// The hash of the session id, for signing out.
    session: Option<String>,
}

impl Viewer {
    /// The layout's part of a page, with `nav` as the current navigation entry.
    pub fn page(&self, nav: &'static str) -> Page {
        Page {
            lang: self.lang,
            nav,
            path: self.path.clone(),
            csrf: self.csrf.clone().unwrap_or_default(),
            who: Some(self.caller.name.clone()),
        }
    }
}

/// The layout for a page seen by no one signed in.
pub fn anonymous_page(headers: &HeaderMap, path: &str) -> Page {
    Page {
        lang: Lang::of_request(headers),
        nav: "",
        path: path.to_owned(),
        csrf: String::new(),
        who: None,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// 32 random bytes, hex.
fn random_hex() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::internal(format!("no randomness: {e}")))?;
    Ok(hex(&bytes))
}

fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Whether the request came over TLS (as a reverse proxy says with `X-Forwarded-Proto`), so
/// cookies are marked Secure.
fn over_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

fn set_cookie(
    headers: &HeaderMap,
    name: &str,
    value: &str,
    path: &str,
    max_age: i64,
) -> HeaderValue {
    let secure = if over_tls(headers) { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

fn see_other(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, location.to_owned())]).into_response()
}

async fn refresh_tokens(app: &App) -> Result<(), ApiError> {
    if app.tokens.stale() {
        let tokens = app.tokens.clone();
        app.blocking(move |store| tokens.reload(store).map_err(ApiError::from)).await?;
    }
    Ok(())
}

fn path_of(uri: &Uri) -> String {
    uri.path_and_query().map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned())
}

/// Who is asking for a page that needs `needed`: the bearer header's token if the request has
/// one (401/403 as the API answers), else the session's; a request with neither is sent
/// (303) to the sign-in form, which comes back here afterwards.
pub async fn viewer(
    app: &App,
    headers: &HeaderMap,
    uri: &Uri,
    needed: TokenScope,
) -> Result<Viewer, Response> {
    let lang = Lang::of_request(headers);
    let path = path_of(uri);
    if headers.contains_key(header::AUTHORIZATION) {
        let caller = app.authorize(headers, needed).await.map_err(IntoResponse::into_response)?;
        return Ok(Viewer { caller, lang, path, csrf: None, session: None });
    }
    let sign_in = || see_other(&format!("/sign-in?next={}", url_encode(&path)));
    let Some(id) = cookie(headers, SESSION_COOKIE) else { return Err(sign_in()) };
    let hash = sha256_hex(&id);
    let now = crate::time::now();
    let key = hash.clone();
    let session = app
        .blocking(move |store| store.session(&key, now).map_err(ApiError::from))
        .await
        .map_err(IntoResponse::into_response)?;
    let Some(session) = session else { return Err(sign_in()) };
    refresh_tokens(app).await.map_err(IntoResponse::into_response)?;
    let Some(caller) = app.tokens.caller(&session.token_id) else { return Err(sign_in()) };
    let viewer =
        Viewer { caller, lang, path, csrf: Some(session.csrf_secret), session: Some(hash) };
    if viewer.caller.scope < needed {
        let page = viewer.page("");
        let message = format!("{} {}", page.t("error.scope"), needed.as_str());
        return Err(error_page(page, StatusCode::FORBIDDEN, message));
    }
    Ok(viewer)
}

/// Checks a posted form's CSRF token against the session's: a 403 page when it is missing or
/// wrong. Requests with a bearer header need none.
pub fn check_csrf(viewer: &Viewer, presented: &str) -> Result<(), Response> {
    match &viewer.csrf {
        None => Ok(()),
        Some(expected) if same(expected, presented) => Ok(()),
        Some(_) => {
            let page = viewer.page("");
            let message = page.t("error.csrf");
            Err(error_page(page, StatusCode::FORBIDDEN, message))
        }
    }
}

/// The sign-in form.
#[derive(Template)]
#[template(path = "sign_in.html")]
pub struct SignInPage {
    /// The layout.
    pub page: Page,
    /// Where to go after signing in.
    pub next: String,
    /// The double-submit value (also in the sign-in cookie).
    pub nonce: String,
    /// Why the last try failed, if it did (a UI string key).
    pub error: Option<&'static str>,
}

/// `GET /sign-in` query.
#[derive(Debug, Deserialize)]
pub struct SignInQuery {
    /// Where to go after signing in (a local path).
    pub next: Option<String>,
}

fn sign_in_page(
    headers: &HeaderMap,
    status: StatusCode,
    next: &str,
    error: Option<&'static str>,
) -> Response {
    let nonce = match random_hex() {
        Ok(n) => n,
        Err(e) => return e.into_response(),
    };
    let next = if local_path(next) { next.to_owned() } else { "/".to_owned() };
    let page = anonymous_page(headers, &format!("/sign-in?next={}", url_encode(&next)));
    let cookie = set_cookie(headers, SIGN_IN_COOKIE, &nonce, "/sign-in", 3600);
    let mut response = render_with(status, &SignInPage { page, next, nonce, error });
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

/// `GET /sign-in`: the form.
pub async fn sign_in_form(headers: HeaderMap, Query(query): Query<SignInQuery>) -> Response {
    sign_in_page(&headers, StatusCode::OK, query.next.as_deref().unwrap_or("/"), None)
}

/// `POST /sign-in` form.
#[derive(Debug, Default, Deserialize)]
pub struct SignInForm {
    /// The API token.
    #[serde(default)]
    pub token: String,
    /// The double-submit value from the form.
    #[serde(default)]
    pub nonce: String,
    /// Where to go afterwards.
    #[serde(default)]
    pub next: String,
}

/// `POST /sign-in`: checks the token (any scope from `read` up), starts a session kept in the
/// store and sets its cookie, then goes on to `next`.
pub async fn sign_in(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    form: Result<Form<SignInForm>, FormRejection>,
) -> Response {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    // Login CSRF: the form's value must match the cookie only this site's form set.
    let cookie_nonce = cookie(&headers, SIGN_IN_COOKIE).unwrap_or_default();
    if form.nonce.is_empty() || !same(&cookie_nonce, &form.nonce) {
        return sign_in_page(&headers, StatusCode::FORBIDDEN, &form.next, Some("sign_in.stale"));
    }
    if let Err(e) = refresh_tokens(&app).await {
        return e.into_response();
    }
    let bearer = format!("Bearer {}", form.token.trim());
    let caller = match app.tokens.authorize(Some(&bearer), TokenScope::Read) {
        Ok(caller) => caller,
        Err(crate::token::Denied::Forbidden) => {
            return sign_in_page(
                &headers,
                StatusCode::FORBIDDEN,
                &form.next,
                Some("sign_in.check_only"),
            );
        }
        Err(crate::token::Denied::Unauthorized) => {
            return sign_in_page(
                &headers,
                StatusCode::UNAUTHORIZED,
                &form.next,
                Some("sign_in.bad_token"),
            );
        }
    };
    let (id, csrf) = match (random_hex(), random_hex()) {
        (Ok(id), Ok(csrf)) => (id, csrf),
        (Err(e), _) | (_, Err(e)) => return e.into_response(),
    };
    let now = crate::time::now();
    let row = SessionRow {
        id_sha256: sha256_hex(&id),
        token_id: caller.id.clone(),
        csrf_secret: csrf,
        created_at: now,
        expires_at: now + SESSION_SECONDS,
    };
    if let Err(e) =
        app.blocking(move |store| store.session_create(&row).map_err(ApiError::from)).await
    {
        return e.into_response();
    }
    tracing::info!(token = %caller.name, "web sign-in");
    let next = if local_path(&form.next) { form.next.as_str() } else { "/" };
    let mut response = see_other(next);
    let h = response.headers_mut();
    h.append(header::SET_COOKIE, set_cookie(&headers, SESSION_COOKIE, &id, "/", SESSION_SECONDS));
    h.append(header::SET_COOKIE, set_cookie(&headers, SIGN_IN_COOKIE, "", "/sign-in", 0));
    response
}

/// A form that carries only its CSRF token.
#[derive(Debug, Default, Deserialize)]
pub struct CsrfForm {
    /// The CSRF token.
    #[serde(default)]
    pub csrf: String,
}

/// `POST /sign-out`: ends the session (in the store, so on every server) and clears its cookie.
pub async fn sign_out(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Response {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let viewer = match viewer(&app, &headers, &uri, TokenScope::Read).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    if let Err(response) = check_csrf(&viewer, &form.csrf) {
        return response;
    }
    if let Some(hash) = viewer.session.clone()
        && let Err(e) =
            app.blocking(move |store| store.session_delete(&hash).map_err(ApiError::from)).await
    {
        return e.into_response();
    }
    let mut response = see_other("/sign-in");
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(&headers, SESSION_COOKIE, "", "/", 0));
    response
}
