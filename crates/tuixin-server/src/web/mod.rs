//! The web page of `tuixin serve`: server-rendered HTML (askama, auto-escaped), EN and ZH,
//! signed in with a token through a form (a session cookie) or with the API's bearer header.
//!
//! How a page is built (for every page module):
//! 1. `let viewer = auth::viewer(&app, &headers, &uri, TokenScope::Read).await?;` (a
//!    signed-out browser is sent to `/sign-in?next=...`);
//! 2. a template struct with a `page: Page` field (`viewer.page("nav-name")`), extending
//!    `base.html`;
//! 3. `Ok(render(&template))`. Forms carry `page.csrf` in a hidden `csrf` field, and their
//!    POST handlers call `auth::check_csrf` first.
//!
//! Every response of these routes carries the security headers ([`security_headers`]).

pub mod alerts;
pub mod auth;
pub mod i18n;
pub mod imports;
pub mod overview;
pub mod pages;
pub mod records;
pub mod sources;
pub mod suppressions;

use std::sync::{Arc, LazyLock};

use askama::Template;
use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use sha2::{Digest, Sha256};

use crate::app::App;
pub use i18n::Lang;

/// The web page's routes (merged into the server's router).
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        // The overview and the sources' health (helper "stats").
        .route("/", get(overview::overview))
        .route("/sources", get(sources::sources))
        .route("/sign-in", get(auth::sign_in_form).post(auth::sign_in))
        .route("/sign-out", post(auth::sign_out))
        .route("/lang", get(pages::switch_language))
        .route("/static/{file}", get(static_file))
        .route("/suppressions", get(suppressions::list))
        .route("/suppressions/export", get(suppressions::export))
        .route("/suppressions/add", post(suppressions::add))
        .route("/suppressions/remove", post(suppressions::remove))
        .route("/suppressions/import", post(imports::upload))
        .route("/imports/{id}", get(imports::job))
        .route("/addresses/{address}", get(records::address))
        .route("/events/{id}", get(records::event))
        .route("/events/{id}/raw", get(records::event_raw))
        .route("/alerts", get(alerts::alerts))
        .route("/alerts/ack", post(alerts::ack))
        .layer(axum::middleware::map_response(security_headers))
}

/// Adds the headers every web response carries: a CSP that allows only this origin's own
/// files (no inline script or style), no framing, no MIME sniffing, no referrer to other
/// sites, and no caching unless the response says otherwise (static files do).
pub async fn security_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The stylesheet, compiled in.
const CSS: &str = include_str!("../../static/tuixin.css");

/// The stylesheet's file name, with a hash of its content so a new build is never served a
/// stale cached copy.
static CSS_NAME: LazyLock<String> = LazyLock::new(|| {
    let hash = Sha256::digest(CSS.as_bytes());
    format!("tuixin-{:02x}{:02x}{:02x}{:02x}.css", hash[0], hash[1], hash[2], hash[3])
});

/// `GET /static/{file}`: the compiled-in files, cached for a year (their names change with
/// their content).
async fn static_file(Path(file): Path<String>) -> Response {
    if file == *CSS_NAME {
        (
            [
                (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            CSS,
        )
            .into_response()
    } else {
        (StatusCode::NOT_FOUND, "no such file").into_response()
    }
}

/// One cookie's value from the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
}

/// Whether `path` is a path on this site that is safe to redirect to: it begins with one `/`,
/// and holds no backslash, control character or scheme trick (`//evil`, `/\evil`).
pub fn local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(char::is_control)
        && path.len() <= 2000
}

/// Percent-encodes `text` for a URL query value or path segment: everything but the
/// unreserved characters is encoded.
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Hostile text made safe to look at: control characters (terminal escapes and the like, but
/// newline and tab) and the bidi controls that could reorder what is shown are replaced by
/// their visible `⟨U+XXXX⟩` names. (HTML escaping is askama's job; this is about what a
/// person sees.)
pub fn visible(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let bidi = matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
        if bidi || (c.is_control() && c != '\n' && c != '\t') {
            out.push_str(&format!("⟨U+{:04X}⟩", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// What every page's layout needs: the language, the current place, who is signed in and the
/// session's CSRF token for its forms.
#[derive(Debug, Clone)]
pub struct Page {
    /// The language the page is in.
    pub lang: Lang,
    /// Which navigation entry is current (`overview`, `suppressions`, `alerts`, `sources`, or
    /// empty).
    pub nav: &'static str,
    /// This page's path and query (for the language switch's way back).
    pub path: String,
    /// The CSRF token for forms (empty when the page was asked with a bearer header, which
    /// needs none).
    pub csrf: String,
    /// The name of the token signed in, if any.
    pub who: Option<String>,
}

impl Page {
    /// The UI string `key` in the page's language.
    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }

    /// The stylesheet's URL.
    pub fn css_href(&self) -> String {
        format!("/static/{}", *CSS_NAME)
    }

    /// The language switch's link: to the other language, back to this page.
    pub fn lang_href(&self) -> String {
        format!("/lang?to={}&back={}", self.lang.other().tag(), url_encode(&self.path))
    }

    /// The other language's tag.
    pub fn other_tag(&self) -> &'static str {
        self.lang.other().tag()
    }

    /// The other language's name in itself.
    pub fn other_name(&self) -> &'static str {
        self.lang.other().own_name()
    }

    /// Whether `nav` is the current navigation entry.
    pub fn is(&self, nav: &str) -> bool {
        self.nav == nav
    }
}

/// An error page: a status and a message, in the layout.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    /// The layout.
    pub page: Page,
    /// The status shown.
    pub status: u16,
    /// What went wrong, for people.
    pub message: String,
}

/// Renders a template as an HTML response (a 500 page if the template itself fails).
pub fn render<T: Template>(template: &T) -> Response {
    render_with(StatusCode::OK, template)
}

/// Renders a template as an HTML response with this status.
pub fn render_with<T: Template>(status: StatusCode, template: &T) -> Response {
    match template.render() {
        Ok(html) => {
            (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "a page failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "the page failed to render").into_response()
        }
    }
}

/// An error page with this status and message.
pub fn error_page(page: Page, status: StatusCode, message: impl Into<String>) -> Response {
    render_with(status, &ErrorPage { page, status: status.as_u16(), message: message.into() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_on_this_site_count_as_local() {
        assert!(local_path("/suppressions?q=a%40b"));
        for bad in ["//evil.example/", "/\\evil.example", "https://evil.example/", "", "x", "/a\nb"]
        {
            assert!(!local_path(bad), "{bad:?}");
        }
    }

    #[test]
    fn visible_names_terminal_escapes_and_bidi_controls_but_keeps_lines() {
        assert_eq!(
            visible("a\x1b[31mred\u{202E}cba\r\n\tok 中文"),
            "a⟨U+001B⟩[31mred⟨U+202E⟩cba⟨U+000D⟩\n\tok 中文"
        );
    }

    #[test]
    fn url_encode_leaves_only_unreserved_characters() {
        assert_eq!(url_encode("/a b?c=<d>&\"e\"#"), "%2Fa%20b%3Fc%3D%3Cd%3E%26%22e%22%23");
        assert_eq!(url_encode("邮件"), "%E9%82%AE%E4%BB%B6");
    }
}
