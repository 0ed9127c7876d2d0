//! The web page over real HTTP: the real server on 127.0.0.1:0 over a real SQLite file (and
//! the PostgreSQL named by `TUIXIN_TEST_DATABASE_URL` where sessions matter), asked by a real
//! client that keeps cookies by hand, like a browser would.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode, header};
use tuixin_server::token::{TokenScope, make};
use tuixin_server::{App, Settings};
use tuixin_store::{OpenOptions, Store};

/// A running server with a token of each scope.
struct Server {
    base: String,
    tokens: Vec<String>,
    db: String,
    http: Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _dir: Option<tempfile::TempDir>,
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
    fn token(&self, scope: TokenScope) -> &str {
        &self.tokens[scope as usize]
    }
    async fn stop(mut self) -> Option<tempfile::TempDir> {
        let _ = self.stop.take().unwrap().send(());
        self.done.take().unwrap().await.unwrap().unwrap();
        self._dir.take()
    }
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

async fn backends() -> Vec<(String, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let mut out = vec![(dir.path().join("t.db").display().to_string(), Some(dir))];
    match std::env::var("TUIXIN_TEST_DATABASE_URL") {
        Ok(base) => {
            let name =
                format!("web{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
            let (client, conn) =
                tokio_postgres::connect(&base, tokio_postgres::NoTls).await.unwrap();
            tokio::spawn(conn);
            client.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
            let slash = base.rfind('/').unwrap();
            out.push((format!("{}/{name}", &base[..slash]), None));
        }
        Err(_) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but TUIXIN_TEST_DATABASE_URL is not set")
        }
        Err(_) => eprintln!("note: TUIXIN_TEST_DATABASE_URL not set: PostgreSQL part skipped"),
    }
    out
}

/// Starts a server over `db`; makes a token of each scope when `tokens` is None.
async fn start(db: String, dir: Option<tempfile::TempDir>, tokens: Option<Vec<String>>) -> Server {
    let url = db.clone();
    let (app, tokens) = tokio::task::spawn_blocking(move || {
        let options =
            OpenOptions { busy_timeout: Duration::from_millis(300), ..OpenOptions::default() };
        let store = Store::open_with(&url, &options).unwrap();
        let tokens = tokens.unwrap_or_else(|| {
            TokenScope::ALL
                .iter()
                .map(|scope| {
                    let made = make(scope.as_str(), &[*scope], 1_700_000_000).unwrap();
                    store.token_create(&made.row).unwrap();
                    made.token
                })
                .collect()
        });
        let settings =
            Settings { token_refresh: Duration::from_millis(200), ..Settings::default() };
        (App::new(store, settings).unwrap(), tokens)
    })
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(tuixin_server::serve(listener, app, async {
        let _ = stopped.await;
    }));
    let http = Client::builder().redirect(Policy::none()).build().unwrap();
    Server { base, tokens, db, http, stop: Some(stop), done: Some(done), _dir: dir }
}

/// The value of the `name` cookie a response sets, and the whole Set-Cookie line.
fn set_cookie(r: &reqwest::Response, name: &str) -> Option<(String, String)> {
    r.headers().get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(
        |line| {
            let (pair, _) = line.split_once(';').unwrap_or((line, ""));
            let (k, v) = pair.split_once('=')?;
            (k == name).then(|| (v.to_owned(), line.to_owned()))
        },
    )
}

/// The `value` of the first `<input name="{name}">` in a page.
fn input_value(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no {name} in {html}"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// Signs in with `token`; the session cookie's value.
async fn sign_in(s: &Server, token: &str) -> String {
    let r = s.http.get(s.url("/sign-in?next=/suppressions")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (nonce, _) = set_cookie(&r, "tuixin_signin").unwrap();
    let html = r.text().await.unwrap();
    assert_eq!(input_value(&html, "nonce"), nonce);
    let r = s
        .http
        .post(s.url("/sign-in"))
        .header(header::COOKIE, format!("tuixin_signin={nonce}"))
        .form(&[("token", token), ("nonce", &nonce), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{:?}", r.text().await);
    set_cookie(&r, "tuixin_session").unwrap().0
}

async fn page(s: &Server, path: &str, session: &str) -> reqwest::Response {
    s.http
        .get(s.url(path))
        .header(header::COOKIE, format!("tuixin_session={session}"))
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_without_a_session_redirects_to_sign_in_and_back() {
    let (db, dir) = backends().await.swap_remove(0);
    let s = start(db, dir, None).await;
    let r = s.http.get(s.url("/?a=1&b=<x>")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[header::LOCATION], "/sign-in?next=%2F%3Fa%3D1%26b%3D%253Cx%253E");
    // A made-up session cookie is no session.
    let r = page(&s, "/", "0123abcd").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The API's bearer header opens a page without a session; a check-only token does not.
    let r = s.http.get(s.url("/")).bearer_auth(s.token(TokenScope::Read)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = s.http.get(s.url("/")).bearer_auth(s.token(TokenScope::Check)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = s.http.get(s.url("/")).bearer_auth("tuixin_nope_nope").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // Only local paths are gone back to.
    for (next, expected) in [
        ("/suppressions?reason=complaint", "/suppressions?reason=complaint"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
    ] {
        let r = s
            .http
            .get(s.url(&format!("/sign-in?next={}", tuixin_server::web::url_encode(next))))
            .send()
            .await
            .unwrap();
        let (nonce, _) = set_cookie(&r, "tuixin_signin").unwrap();
        let r = s
            .http
            .post(s.url("/sign-in"))
            .header(header::COOKIE, format!("tuixin_signin={nonce}"))
            .form(&[("token", s.token(TokenScope::Read)), ("nonce", &nonce), ("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()[header::LOCATION], expected, "next={next}");
    }
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_sets_a_strict_http_only_session_that_outlives_a_restart_and_ends_on_sign_out_or_revocation()
 {
    for (db, dir) in backends().await {
        let s = start(db, dir, None).await;
        // Login CSRF: a post without the form's cookie, or with another value, is refused.
        let r = s.http.get(s.url("/sign-in")).send().await.unwrap();
        let (nonce, line) = set_cookie(&r, "tuixin_signin").unwrap();
        assert!(line.contains("HttpOnly") && line.contains("SameSite=Strict"), "{line}");
        let read = s.token(TokenScope::Read).to_owned();
        let r = s
            .http
            .post(s.url("/sign-in"))
            .form(&[("token", read.as_str()), ("nonce", &nonce)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(set_cookie(&r, "tuixin_session").is_none());
        let r = s
            .http
            .post(s.url("/sign-in"))
            .header(header::COOKIE, "tuixin_signin=forged")
            .form(&[("token", read.as_str()), ("nonce", "forged2")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        // A wrong token, and a check-only token, do not sign in.
        for (token, status) in [
            ("tuixin_abc_def", StatusCode::UNAUTHORIZED),
            (s.token(TokenScope::Check), StatusCode::FORBIDDEN),
        ] {
            let r = s
                .http
                .post(s.url("/sign-in"))
                .header(header::COOKIE, format!("tuixin_signin={nonce}"))
                .form(&[("token", token), ("nonce", &nonce)])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), status);
            assert!(set_cookie(&r, "tuixin_session").is_none());
        }
        // The right token does; the cookie is HttpOnly, SameSite=Strict, for the whole site.
        let r = s
            .http
            .post(s.url("/sign-in"))
            .header(header::COOKIE, format!("tuixin_signin={nonce}"))
            .header("x-forwarded-proto", "https")
            .form(&[("token", read.as_str()), ("nonce", &nonce), ("next", "/")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (session, line) = set_cookie(&r, "tuixin_session").unwrap();
        for part in ["HttpOnly", "SameSite=Strict", "Path=/;", "Secure"] {
            assert!(line.contains(part), "{part} missing: {line}");
        }
        assert!(session.len() >= 64);
        let html = page(&s, "/", &session).await.text().await.unwrap();
        assert!(html.contains(">read<"), "the token's name is shown: {html}");

        // The session is kept in the store: a new server over the same database knows it.
        let tokens = s.tokens.clone();
        let db = s.db.clone();
        let dir = s.stop().await;
        let s = start(db, dir, Some(tokens)).await;
        let r = page(&s, "/", &session).await;
        assert_eq!(r.status(), StatusCode::OK);
        let csrf = input_value(&r.text().await.unwrap(), "csrf");

        // Sign-out without the form token changes nothing; with it, the session ends.
        let cookie = format!("tuixin_session={session}");
        let r = s
            .http
            .post(s.url("/sign-out"))
            .header(header::COOKIE, &cookie)
            .form(&[("csrf", "wrong")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r =
            s.http.post(s.url("/sign-out")).header(header::COOKIE, &cookie).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(page(&s, "/", &session).await.status(), StatusCode::OK);
        let r = s
            .http
            .post(s.url("/sign-out"))
            .header(header::COOKIE, &cookie)
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(set_cookie(&r, "tuixin_session").unwrap().0, "");
        assert_eq!(page(&s, "/", &session).await.status(), StatusCode::SEE_OTHER);

        // Revoking the token ends its sessions.
        let session = sign_in(&s, s.token(TokenScope::Write)).await;
        assert_eq!(page(&s, "/", &session).await.status(), StatusCode::OK);
        let db = s.db.clone();
        tokio::task::spawn_blocking(move || {
            Store::open(&db).unwrap().token_revoke("write", 1_700_000_100).unwrap()
        })
        .await
        .unwrap();
        assert_eq!(page(&s, "/", &session).await.status(), StatusCode::SEE_OTHER);
        s.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_carries_the_security_headers_and_the_stylesheet_is_cached() {
    let (db, dir) = backends().await.swap_remove(0);
    let s = start(db, dir, None).await;
    let session = sign_in(&s, s.token(TokenScope::Read)).await;
    let signed_out = s.http.get(s.url("/sign-in")).send().await.unwrap();
    let r = page(&s, "/", &session).await;
    for r in [&r, &signed_out] {
        let h = r.headers();
        assert!(
            h[header::CONTENT_SECURITY_POLICY].to_str().unwrap().starts_with("default-src 'self'")
        );
        assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(h[header::REFERRER_POLICY], "same-origin");
        assert_eq!(h[header::CACHE_CONTROL], "no-store");
        assert_eq!(h[header::CONTENT_TYPE], "text/html; charset=utf-8");
    }
    let html = r.text().await.unwrap();
    assert!(!html.contains("<script") && !html.contains("style="), "no inline script or style");
    let at = html.find("href=\"/static/").unwrap() + 6;
    let css = &html[at..at + html[at..].find('"').unwrap()];
    let r = s.http.get(s.url(css)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[header::CONTENT_TYPE], "text/css; charset=utf-8");
    assert!(r.headers()[header::CACHE_CONTROL].to_str().unwrap().contains("max-age=31536000"));
    assert!(r.text().await.unwrap().contains("header.top"));
    assert_eq!(
        s.http.get(s.url("/static/other.css")).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_language_follows_accept_language_then_the_switch() {
    let (db, dir) = backends().await.swap_remove(0);
    let s = start(db, dir, None).await;
    let session = sign_in(&s, s.token(TokenScope::Read)).await;
    let cookie = format!("tuixin_session={session}");
    let get = |lang: Option<&str>, extra: &str| {
        let mut rq = s.http.get(s.url("/")).header(header::COOKIE, format!("{cookie}{extra}"));
        if let Some(lang) = lang {
            rq = rq.header(header::ACCEPT_LANGUAGE, lang);
        }
        async move { rq.send().await.unwrap().text().await.unwrap() }
    };
    let en = get(None, "").await;
    assert!(en.contains("<html lang=\"en\">") && en.contains(">Suppressions<"), "{en}");
    let zh = get(Some("zh-CN,zh;q=0.9,en;q=0.8"), "").await;
    assert!(zh.contains("<html lang=\"zh\">") && zh.contains(">抑制列表<"), "{zh}");
    assert!(zh.contains("href=\"/lang?to=en&#38;back=%2F\""), "the switch goes back here: {zh}");
    // The switch keeps the choice in a cookie, which wins over Accept-Language.
    let r = s
        .http
        .get(s.url("/lang?to=zh&back=/suppressions%3Freason%3Dcomplaint"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[header::LOCATION], "/suppressions?reason=complaint");
    assert_eq!(set_cookie(&r, "lang").unwrap().0, "zh");
    assert!(get(Some("en"), "; lang=zh").await.contains(">概览<"));
    // It goes back only to a path on this site.
    for back in ["//evil.example", "https://evil.example", "/\\evil.example"] {
        let r = s
            .http
            .get(s.url(&format!("/lang?to=en&back={}", tuixin_server::web::url_encode(back))))
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()[header::LOCATION], "/", "{back}");
    }
    s.stop().await;
}
