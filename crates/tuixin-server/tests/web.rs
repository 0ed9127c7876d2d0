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

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");

/// A bounce whose every text field carries markup, script, a `javascript:` link, CSS, a
/// terminal escape and a bidi override.
pub const HOSTILE: &str = "From: MAILER-DAEMON@mx.xss.example (Mail Delivery System)\r
To: bounces@sender.example\r
Subject: Undelivered Mail Returned to Sender\r
Date: Tue, 14 Jan 2025 10:43:20 +0000\r
MIME-Version: 1.0\r
Content-Type: multipart/report; report-type=delivery-status; boundary=\"BOUND\"\r
\r
--BOUND\r
Content-Type: text/plain; charset=utf-8\r
\r
<victim@xss.example>: host mx.xss.example said: 550 5.1.1 <script>window.__xss=1;document.title='pwned'</script> user unknown\r
\r
--BOUND\r
Content-Type: message/delivery-status\r
\r
Reporting-MTA: dns; mx.xss.example\r
\r
Final-Recipient: rfc822; victim@xss.example\r
Action: failed\r
Status: 5.1.1\r
Diagnostic-Code: smtp; 550 5.1.1 user unknown <script>window.__xss=1;document.title='pwned'</script><img src=x onerror=\"window.__xss=2\"><a id=evil href=\"javascript:window.__xss=3\">click</a><style>body{display:none}</style> \x1b[31mred \u{202E}txt.exe\r
\r
--BOUND\r
Content-Type: text/rfc822-headers\r
\r
From: \"<script>window.__xss=4</script>\" <news@sender.example>\r
To: victim@xss.example\r
Subject: <img src=x onerror=\"window.__xss=5\"> hello\r
Message-ID: <xss1@sender.example>\r
\r
--BOUND--\r
";

async fn ingest(s: &Server, body: Vec<u8>) -> serde_json::Value {
    let r = s
        .http
        .post(s.url("/v1/ingest/messages"))
        .bearer_auth(s.token(TokenScope::Write))
        .header(header::CONTENT_TYPE, "message/rfc822")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

async fn api(s: &Server, path: &str) -> serde_json::Value {
    s.http
        .get(s.url(path))
        .bearer_auth(s.token(TokenScope::Admin))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_suppression_list_filters_and_removes_only_with_the_form_token_and_a_note() {
    let (db, dir) = backends().await.swap_remove(0);
    let s = start(db, dir, None).await;
    ingest(&s, std::fs::read(format!("{EXAMPLES}/postfix-dsn.eml")).unwrap()).await;
    ingest(&s, std::fs::read(format!("{EXAMPLES}/arf-complaint.eml")).unwrap()).await;
    let all = api(&s, "/v1/suppressions").await;
    let complaint = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["reason"] == "complaint")
        .expect("a complaint entry")
        .clone();
    let session = sign_in(&s, s.token(TokenScope::Write)).await;
    let cookie = format!("tuixin_session={session}");

    let html = page(&s, "/suppressions", &session).await.text().await.unwrap();
    assert!(html.contains("alice.example@mail.example.org"), "{html}");
    assert!(html.contains(complaint["address"].as_str().unwrap()));
    // Filters: by reason, by domain, by exact address.
    let html = page(&s, "/suppressions?reason=complaint", &session).await.text().await.unwrap();
    assert!(
        !html.contains("alice.example@mail.example.org")
            && html.contains(complaint["address"].as_str().unwrap())
    );
    for q in ["mail.example.org", "Alice.Example%40MAIL.example.org"] {
        let html = page(&s, &format!("/suppressions?q={q}"), &session).await.text().await.unwrap();
        assert!(html.contains("alice.example@mail.example.org"), "q={q}");
        assert!(!html.contains(complaint["address"].as_str().unwrap()), "q={q}");
    }
    // A part of an address finds it too (and no other).
    let html = page(&s, "/suppressions?q=ice.exam", &session).await.text().await.unwrap();
    assert!(html.contains("alice.example@mail.example.org"), "q=ice.exam");
    assert!(!html.contains(complaint["address"].as_str().unwrap()), "q=ice.exam");
    let html = page(&s, "/suppressions?q=nowhere.example", &session).await.text().await.unwrap();
    assert!(html.contains("id=\"empty\""));
    // The CSV export link gives the entries the filters match.
    let csv = page(&s, "/suppressions/export?format=csv&reason=hard_bounce", &session)
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(csv.contains("alice.example@mail.example.org"));

    let html = page(&s, "/suppressions", &session).await.text().await.unwrap();
    let csrf = input_value(&html, "csrf");
    let remove = |form: Vec<(&'static str, String)>| {
        s.http
            .post(s.url("/suppressions/remove"))
            .header(header::COOKIE, &cookie)
            .form(&form)
            .send()
    };
    let alice = || ("address", "alice.example@mail.example.org".to_owned());
    // Without the form token, or with another session's, nothing changes.
    let r = remove(vec![alice(), ("note", "moved".into())]).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r =
        remove(vec![alice(), ("note", "moved".into()), ("csrf", "0".repeat(64))]).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(api(&s, "/v1/check?address=alice.example@mail.example.org").await["allowed"], false);
    // Without a note: refused, saying why.
    let r = remove(vec![alice(), ("csrf", csrf.clone())]).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("A note saying why is required"));
    // A complaint needs an admin: refused, saying so, and kept.
    let r = remove(vec![
        ("address", complaint["address"].as_str().unwrap().to_owned()),
        ("note", "asked".into()),
        ("csrf", csrf.clone()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("needs an admin token"));
    // With both: removed, back to the list, which says so and no longer has it.
    let r = remove(vec![
        alice(),
        ("note", "address fixed <b>by</b> support".into()),
        ("csrf", csrf.clone()),
        ("back", "/suppressions?reason=hard_bounce&done=added".into()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let location = r.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert_eq!(location, "/suppressions?reason=hard_bounce&done=removed");
    let html = page(&s, &location, &session).await.text().await.unwrap();
    assert!(html.contains("id=\"notice\"") && !html.contains("alice.example@mail.example.org"));
    assert_eq!(api(&s, "/v1/check?address=alice.example@mail.example.org").await["allowed"], true);
    // The address page has the removal, its note shown as text, and the event that caused it.
    let html = page(&s, "/addresses/alice.example%40mail.example.org", &session)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("address fixed &#60;b&#62;by&#60;/b&#62; support"), "{html}");
    assert!(html.contains("href=\"/events/"));
    // Adding by hand.
    let r = s
        .http
        .post(s.url("/suppressions/add"))
        .header(header::COOKIE, &cookie)
        .form(&[
            ("address", "bob@example.com"),
            ("note", "asked"),
            ("csrf", &csrf),
            ("scope", "marketing"),
            ("expires", "2999-01-01"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let entry = api(&s, "/v1/suppressions/bob@example.com").await;
    assert_eq!(
        (entry[0]["scope"].as_str(), entry[0]["expires_at"].as_str()),
        (Some("marketing"), Some("2999-01-01T00:00:00Z")),
        "{entry}"
    );
    // Removing from the address page goes back to it, which says so.
    let r = remove(vec![
        ("address", "bob@example.com".into()),
        ("note", "asked".into()),
        ("csrf", csrf.clone()),
        ("back", "/addresses/bob%40example.com".into()),
    ])
    .await
    .unwrap();
    let location = r.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert_eq!(location, "/addresses/bob%40example.com?done=removed");
    let html = page(&s, &location, &session).await.text().await.unwrap();
    assert!(html.contains("id=\"notice\"") && html.contains("id=\"not-suppressed\""), "{html}");
    // A read-only session sees no forms and may not post them.
    let read = sign_in(&s, s.token(TokenScope::Read)).await;
    let html = page(&s, "/suppressions", &read).await.text().await.unwrap();
    assert!(!html.contains("/suppressions/remove"));
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_bounce_text_is_shown_as_text_on_the_event_and_address_pages() {
    let (db, dir) = backends().await.swap_remove(0);
    let s = start(db, dir, None).await;
    let summary = ingest(&s, HOSTILE.as_bytes().to_vec()).await;
    assert!(summary["new_events"].as_u64().unwrap() >= 1, "{summary}");
    let events = api(&s, "/v1/events").await;
    let id = events["data"][0]["id"].as_str().unwrap().to_owned();
    let session = sign_in(&s, s.token(TokenScope::Read)).await;
    for path in [
        format!("/events/{id}"),
        "/addresses/victim%40xss.example".to_owned(),
        "/suppressions".to_owned(),
    ] {
        let r = page(&s, &path, &session).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let html = r.text().await.unwrap();
        for bad in
            ["<script", "<img", "<style", "href=\"javascript", "onerror=\"", "\u{1b}", "\u{202E}"]
        {
            assert!(!html.contains(bad), "{path} carries {bad:?}");
        }
        if path.starts_with("/events") {
            assert!(
                html.contains("&#60;script&#62;window.__xss=1"),
                "the payload is shown as text"
            );
            assert!(html.contains("⟨U+001B⟩[31mred ⟨U+202E⟩txt.exe"), "controls are made visible");
            assert!(html.contains("5.1.1") && html.contains("/raw"), "codes and the raw link");
        }
    }
    // The raw download is an attachment in its own type, never a page.
    let r = page(&s, &format!("/events/{id}/raw"), &session).await;
    assert_eq!(r.headers()[header::CONTENT_TYPE], "message/rfc822");
    assert!(r.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment"));
    assert_eq!(page(&s, "/events/nope", &session).await.status(), StatusCode::NOT_FOUND);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_pages_through_every_entry_once_and_every_page_has_the_headers() {
    let (db, dir) = backends().await.swap_remove(0);
    let s = start(db, dir, None).await;
    let upsert: Vec<serde_json::Value> =
        (0..120).map(|i| serde_json::json!({"address": format!("user{i:03}@page.example"), "note": "paging"})).collect();
    let r = s
        .http
        .post(s.url("/v1/suppressions/batch"))
        .bearer_auth(s.token(TokenScope::Write))
        .json(&serde_json::json!({ "upsert": upsert }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let session = sign_in(&s, s.token(TokenScope::Read)).await;
    let mut seen = std::collections::BTreeSet::new();
    let mut pages = 0;
    let mut next = Some("/suppressions?q=page.example".to_owned());
    while let Some(path) = next.take() {
        let html = page(&s, &path, &session).await.text().await.unwrap();
        pages += 1;
        let rows = html.matches("<tr class=\"entry\">").count();
        for (at, _) in html.match_indices(">user") {
            let name = &html[at + 1..at + 1 + "user000@page.example".len()];
            assert!(seen.insert(name.to_owned()), "{name} shown twice");
        }
        assert_eq!(rows, html.matches(">user").count());
        if let Some(at) = html.find("\" id=\"next\"") {
            let start = html[..at].rfind("href=\"").unwrap() + 6;
            next = Some(html[start..at].replace("&#38;", "&"));
        }
        assert!(pages < 10);
    }
    assert_eq!((seen.len(), pages), (120, 3));

    // Every page, signed in or not, found or not, carries the security headers.
    for path in [
        "/", "/suppressions", "/alerts", "/addresses/user001%40page.example",
        "/addresses/nobody%40page.example", "/addresses/not-an-address", "/events/nope",
        "/sign-in",
    ] {
        let r = page(&s, path, &session).await;
        assert!(matches!(r.status().as_u16(), 200 | 404 | 422), "{path}: {}", r.status());
        let h = r.headers();
        assert!(
            h[header::CONTENT_SECURITY_POLICY].to_str().unwrap().starts_with("default-src 'self'"),
            "{path}"
        );
        assert_eq!(h[header::X_FRAME_OPTIONS], "DENY", "{path}");
        assert_eq!(h[header::CACHE_CONTROL], "no-store", "{path}");
        let html = r.text().await.unwrap();
        assert!(html.contains("<html lang=\"en\">"), "{path}: a page in the layout");
    }
    let html = page(&s, "/alerts", &session).await.text().await.unwrap();
    assert!(html.contains("id=\"no-open\""));
    s.stop().await;
}

/// Browser tests: real headless Chromium driven over WebDriver (chromedriver), one driver
/// and one browser for the whole binary's browser test.
mod browser {
    use std::net::TcpListener;
    use std::os::unix::process::CommandExt;
    use std::process::{Child, Command, Stdio};

    use fantoccini::{Client as Browser, ClientBuilder, Locator};
    use hyper_util::client::legacy::connect::HttpConnector;
    use serde_json::json;

    use super::*;

    /// A program on PATH, if it is there.
    fn which(name: &str) -> Option<std::path::PathBuf> {
        std::env::var_os("PATH")?
            .to_str()?
            .split(':')
            .map(|dir| std::path::Path::new(dir).join(name))
            .find(|p| p.is_file())
    }

    /// chromedriver in a process group of its own, which Chromium joins: dropping it (also
    /// when a test fails before the browser is closed) kills the whole group, so no browser
    /// is left running.
    struct Driver(Child);
    impl Drop for Driver {
        fn drop(&mut self) {
            let group = format!("-{}", self.0.id());
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    /// Starts chromedriver on a free port and connects headless Chromium through it; None
    /// (with a message) when they are not installed, a failure under CI=true.
    async fn launch(profile: &std::path::Path) -> Option<(Driver, Browser)> {
        let (chromium, driver) = match (which("chromium"), which("chromedriver")) {
            (Some(c), Some(d)) => (c, d),
            _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!(
                    "CI=true but chromium or chromedriver is not installed (apt-get install chromium chromium-driver)"
                )
            }
            _ => {
                eprintln!("note: chromium or chromedriver not installed: browser test skipped");
                return None;
            }
        };
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let driver = Driver(child);
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-crash-reporter", "--disable-breakpad",
                         format!("--user-data-dir={}", profile.display()), "--lang=en-US"],
            }),
        );
        let browser = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&url)
            .await
            .expect("a Chromium session over chromedriver");
        Some((driver, browser))
    }

    async fn text(b: &Browser, css: &str) -> String {
        b.find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .text()
            .await
            .unwrap()
    }

    /// Waits (up to 10 s) until the browser is at a path starting with `prefix` after a click
    /// that navigates; the path.
    async fn wait_path(b: &Browser, prefix: &str) -> String {
        for _ in 0..100 {
            let now = path(b).await;
            if now.starts_with(prefix)
                && b.execute("return document.readyState", vec![]).await.unwrap()
                    == json!("complete")
            {
                return now;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the browser stayed at {}, not {prefix}", path(b).await)
    }

    async fn path(b: &Browser) -> String {
        let url = b.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// A Postfix success notice (NOTIFY=SUCCESS) for `rcpt`, dated 10 February 2025.
    fn delivered(n: usize, rcpt: &str) -> Vec<u8> {
        format!(
            "From: MAILER-DAEMON@mta.shop.example.com\r\nDate: Mon, 10 Feb 2025 09:00:00 +0000\r\nSubject: Successful Mail Delivery Report\r\nTo: news@shop.example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"D{n}\"\r\nMessage-Id: <ok{n}@mta.shop.example.com>\r\n\r\n--D{n}\r\nContent-Type: text/plain\r\n\r\nYour message was successfully delivered.\r\n\r\n--D{n}\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mta.shop.example.com\r\nArrival-Date: Mon, 10 Feb 2025 08:59:58 +0000\r\n\r\nFinal-Recipient: rfc822; {rcpt}\r\nAction: delivered\r\nStatus: 2.0.0\r\nDiagnostic-Code: smtp; 250 2.0.0 Ok: queued as Q{n}\r\n\r\n--D{n}--\r\n"
        )
        .into_bytes()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_overview_shows_the_apis_figures_marks_crossed_thresholds_and_the_sources_health() {
        let profile = tempfile::tempdir().unwrap();
        let Some((_driver, b)) = launch(profile.path()).await else { return };
        let (db, dir) = backends().await.swap_remove(0);
        let s = start(db, dir, None).await;
        let mut paths: Vec<_> =
            std::fs::read_dir(EXAMPLES).unwrap().map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths.iter().filter(|p| p.extension().is_some_and(|e| e == "eml")) {
            ingest(&s, std::fs::read(path).unwrap()).await;
        }
        // Two deliveries make the rates known: 3 hard bounces in 8 sent, 1 complaint in 2.
        for n in 0..2 {
            ingest(&s, delivered(n, &format!("reader{n}@good.example"))).await;
        }
        let range = "since=2025-01-01T00:00:00Z&until=2025-04-01T00:00:00Z";
        let summary = api(&s, &format!("/v1/stats/summary?{range}")).await;
        assert_eq!(summary["outcomes"]["deliveries"], 2, "{summary}");

        b.goto(&s.url(&format!("/?{range}"))).await.unwrap();
        b.find(Locator::Id("token"))
            .await
            .unwrap()
            .send_keys(s.token(TokenScope::Read))
            .await
            .unwrap();
        b.find(Locator::Id("sign-in")).await.unwrap().click().await.unwrap();
        wait_path(&b, "/?since=").await;
        assert_eq!(text(&b, "h1").await, "Overview");

        // Every figure on the page is the API's.
        let value = |id: &'static str| {
            let b = b.clone();
            async move {
                let e = b.find(Locator::Id(id)).await.unwrap_or_else(|e| panic!("{id}: {e}"));
                e.attr("value").await.unwrap().unwrap_or_default()
            }
        };
        let o = &summary["outcomes"];
        for (id, api_value) in [
            ("fig-events", &o["events"]),
            ("fig-deliveries", &o["deliveries"]),
            ("fig-bounces", &o["bounces"]),
            ("fig-hard-bounces", &o["hard_bounces"]),
            ("fig-delays", &o["delays"]),
            ("fig-complaints", &o["complaints"]),
            ("fig-suppressions", &summary["suppressions_total"]),
            ("fig-open-alerts", &summary["open_alerts"]),
        ] {
            assert_eq!(value(id).await, api_value.as_i64().unwrap().to_string(), "{id}");
        }
        for (id, api_value) in
            [("fig-bounce-rate", &o["bounce_rate"]), ("fig-complaint-rate", &o["complaint_rate"])]
        {
            let shown: f64 = value(id).await.parse().unwrap();
            assert!((shown - api_value.as_f64().unwrap()).abs() < 1e-12, "{id}: {shown}");
        }
        assert!((o["bounce_rate"].as_f64().unwrap() - 3.0 / 8.0).abs() < 1e-12);
        // The crossed thresholds are marked, as the API says.
        for t in summary["thresholds"].as_array().unwrap() {
            let css = format!("#threshold-{} td.state", t["id"].as_str().unwrap());
            let state = b.find(Locator::Css(&css)).await.unwrap().attr("data-state").await;
            let expected = if t["crossed"] == true { "crossed" } else { "below" };
            assert_eq!(state.unwrap().as_deref(), Some(expected), "{css}");
        }
        let marked = b.find_all(Locator::Css(".figure.crossed")).await.unwrap().len();
        assert_eq!(marked, 2, "both rates are past a threshold");
        // The rate charts are drawn on the server: a point per day with a known rate.
        let points = b
            .execute(
                "return document.querySelectorAll('#chart-bounce-rate svg circle').length",
                vec![],
            )
            .await
            .unwrap();
        let series = api(&s, &format!("/v1/stats/timeseries?{range}&metric=bounce_rate")).await;
        let known =
            series["buckets"].as_array().unwrap().iter().filter(|b| !b["value"].is_null()).count();
        assert_eq!(points, json!(known), "{series}");
        assert!(text(&b, "#domains").await.contains("gmail.com"));

        // In Chinese too.
        b.find(Locator::Id("lang-switch")).await.unwrap().click().await.unwrap();
        for _ in 0..50 {
            if text(&b, "h1").await == "概览" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(text(&b, "h1").await, "概览");
        assert_eq!(value("fig-events").await, o["events"].as_i64().unwrap().to_string());

        // The sources page: the uploads' source, its last day as the API counts it.
        b.goto(&s.url("/sources")).await.unwrap();
        let sources = api(&s, "/v1/stats/sources").await;
        let row = text(&b, "#sources tbody tr").await;
        assert!(row.contains("http"), "{row}");
        assert_eq!(
            text(&b, "#sources tbody tr td.events-24h").await,
            sources["data"][0]["events_24h"].as_i64().unwrap().to_string()
        );
        b.close().await.unwrap();
        s.stop().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_person_signs_in_filters_removes_switches_to_chinese_and_reads_a_hostile_event_safely()
     {
        let profile = tempfile::tempdir().unwrap();
        let Some((_driver, b)) = launch(profile.path()).await else { return };
        let (db, dir) = backends().await.swap_remove(0);
        let s = start(db, dir, None).await;
        ingest(&s, std::fs::read(format!("{EXAMPLES}/postfix-dsn.eml")).unwrap()).await;
        ingest(&s, HOSTILE.as_bytes().to_vec()).await;
        let events = api(&s, "/v1/events?address=victim@xss.example").await;
        let hostile_id = events["data"][0]["id"].as_str().expect("the hostile event").to_owned();

        // Without a session the page sends the browser to sign in, and back afterwards.
        b.goto(&s.url("/suppressions")).await.unwrap();
        assert_eq!(path(&b).await, "/sign-in?next=%2Fsuppressions");
        b.find(Locator::Id("token"))
            .await
            .unwrap()
            .send_keys(s.token(TokenScope::Write))
            .await
            .unwrap();
        b.find(Locator::Id("sign-in")).await.unwrap().click().await.unwrap();
        assert_eq!(wait_path(&b, "/suppressions").await, "/suppressions");
        assert_eq!(text(&b, "h1").await, "Suppressions");
        let rows = text(&b, "#list").await;
        assert!(
            rows.contains("alice.example@mail.example.org") && rows.contains("victim@xss.example"),
            "{rows}"
        );

        // Filter by domain.
        b.find(Locator::Id("q")).await.unwrap().send_keys("mail.example.org").await.unwrap();
        b.find(Locator::Id("apply")).await.unwrap().click().await.unwrap();
        wait_path(&b, "/suppressions?q=mail.example.org").await;
        let rows = text(&b, "#list").await;
        assert!(
            rows.contains("alice.example@mail.example.org") && !rows.contains("victim@xss.example"),
            "{rows}"
        );

        // Remove alice with a note; the list says so and no longer has her.
        let form = b.find(Locator::Css("tr.entry form.remove")).await.unwrap();
        form.find(Locator::Css("input[name=note]"))
            .await
            .unwrap()
            .send_keys("fixed by support")
            .await
            .unwrap();
        form.find(Locator::Css("button")).await.unwrap().click().await.unwrap();
        wait_path(&b, "/suppressions?q=mail.example.org&reason=&scope=&source=&done=removed").await;
        assert!(text(&b, "#notice").await.contains("removed"));
        assert!(b.find(Locator::Id("empty")).await.is_ok(), "the filtered list is empty now");
        assert_eq!(
            api(&s, "/v1/check?address=alice.example@mail.example.org").await["allowed"],
            true
        );

        // A form posted without its CSRF token, with this browser's session, is refused.
        let session = b.get_named_cookie("tuixin_session").await.unwrap();
        let cookie = format!("tuixin_session={}", session.value());
        let r = s
            .http
            .post(s.url("/suppressions/remove"))
            .header(header::COOKIE, &cookie)
            .form(&[("address", "chen.jie@example.net"), ("note", "forged")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);

        // Switch to Chinese: the UI is in Chinese, here and on the next pages.
        b.find(Locator::Id("lang-switch")).await.unwrap().click().await.unwrap();
        wait_path(&b, "/suppressions?q=mail.example.org").await;
        for _ in 0..50 {
            if text(&b, "h1").await != "Suppressions" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(text(&b, "h1").await, "抑制列表");
        let lang = b.execute("return document.documentElement.lang", vec![]).await.unwrap();
        assert_eq!(lang, json!("zh"));

        // Open the hostile event from its address's timeline.
        b.goto(&s.url("/addresses/victim%40xss.example")).await.unwrap();
        b.find(Locator::Css("#timeline a")).await.unwrap().click().await.unwrap();
        assert_eq!(wait_path(&b, "/events/").await, format!("/events/{hostile_id}"));
        assert_eq!(text(&b, "h1 .mono").await, hostile_id);
        let zh = tuixin::Registry::builtin()
            .explain(tuixin::Code::parse("5.1.1").unwrap(), tuixin::Lang::Zh);
        assert!(text(&b, "main").await.contains(&zh.title), "the code explained in Chinese");

        // None of its payloads ran or became markup: asked from the page itself.
        let state = b
            .execute(
                "return {xss: typeof window.__xss, title: document.title,
                    markup: document.querySelectorAll('main script, main img, main style, main a[href^=\"javascript:\"], #evil').length,
                    hidden: getComputedStyle(document.body).display,
                    fields: document.getElementById('fields').textContent}",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(state["xss"], "undefined", "{state}");
        assert_ne!(state["title"], "pwned", "{state}");
        assert_eq!(state["markup"], 0, "{state}");
        assert_ne!(state["hidden"], "none", "{state}");
        assert!(
            state["fields"].as_str().unwrap().contains("<script>window.__xss=1"),
            "the payload is there as text: {state}"
        );

        // Sign out: the session ends, and pages send the browser to sign in again.
        b.find(Locator::Id("sign-out")).await.unwrap().click().await.unwrap();
        wait_path(&b, "/sign-in").await;
        b.goto(&s.url("/alerts")).await.unwrap();
        assert_eq!(path(&b).await, "/sign-in?next=%2Falerts");
        let r = s.http.get(s.url("/")).header(header::COOKIE, &cookie).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);

        b.close().await.unwrap();
        s.stop().await;
    }
}

/// A Postfix DSN of a message refused for the sending host's listing (a sender problem: it
/// alerts, it never suppresses).
fn listed_dsn(i: usize) -> String {
    format!(
        "From MAILER-DAEMON Mon Dec  7 03:00:00 2026\nFrom: MAILER-DAEMON@mta.example.com\nTo: news-bounces@example.com\nSubject: Undelivered Mail Returned to Sender\nMessage-Id: <listed{i}@mta.example.com>\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B{i}\"\n\n--B{i}\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mta.example.com\n\nFinal-Recipient: rfc822; user{i}@listed.example\nAction: failed\nStatus: 5.7.1\nRemote-MTA: dns; mx.listed.example\nDiagnostic-Code: smtp; 554 5.7.1 Service unavailable; Client host [192.0.2.25] blocked using zen.spamhaus.org\n\n--B{i}--\n\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_is_acknowledged_from_its_page_with_a_note_and_the_form_token() {
    let (db, dir) = backends().await.swap_remove(0);
    let s = start(db, dir, None).await;
    let mbox: String = (0..25).map(listed_dsn).collect();
    let r = s
        .http
        .post(s.url("/v1/ingest/messages"))
        .bearer_auth(s.token(TokenScope::Write))
        .header(header::CONTENT_TYPE, "application/mbox")
        .body(mbox)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let alerts = api(&s, "/v1/alerts").await;
    let open: Vec<_> = alerts["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["closed_at"].is_null())
        .cloned()
        .collect();
    assert_eq!(open.len(), 1, "{alerts}");
    let id = open[0]["id"].as_str().unwrap().to_owned();
    assert!(open[0]["acked_at"].is_null());

    // A read token sees the alert and no way to acknowledge it.
    let reader = sign_in(&s, s.token(TokenScope::Read)).await;
    let html = page(&s, "/alerts", &reader).await.text().await.unwrap();
    assert!(html.contains("id=\"open-alerts\"") && !html.contains("action=\"/alerts/ack\""));

    let session = sign_in(&s, s.token(TokenScope::Write)).await;
    let cookie = format!("tuixin_session={session}");
    let html = page(&s, "/alerts", &session).await.text().await.unwrap();
    assert!(html.contains("action=\"/alerts/ack\""), "{html}");
    let csrf = input_value(&html, "csrf");
    let ack = |form: Vec<(&'static str, String)>| {
        s.http.post(s.url("/alerts/ack")).header(header::COOKIE, &cookie).form(&form).send()
    };
    let note = || ("note", "listing removed; ticket 42".to_owned());
    // Without the form token: refused, and the alert is as it was.
    let r = ack(vec![("id", id.clone()), note()]).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Without a note: refused, saying why.
    let r = ack(vec![("id", id.clone()), ("csrf", csrf.clone())]).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("needs a note"));
    // An unknown alert: 404.
    let r = ack(vec![("id", "nope".into()), note(), ("csrf", csrf.clone())]).await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let alerts = api(&s, "/v1/alerts").await;
    assert!(alerts["data"][0]["acked_at"].is_null(), "{alerts}");
    // With both: acknowledged, back to the page, which says so and offers no second form.
    let r = ack(vec![("id", id.clone()), note(), ("csrf", csrf.clone())]).await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[header::LOCATION], "/alerts?done=acked");
    let html = page(&s, "/alerts?done=acked", &session).await.text().await.unwrap();
    assert!(html.contains("id=\"notice\"") && !html.contains("action=\"/alerts/ack\""));
    let alerts = api(&s, "/v1/alerts").await;
    let acked = alerts["data"].as_array().unwrap().iter().find(|a| a["id"] == id.as_str()).unwrap();
    assert!(acked["acked_at"].is_string(), "{alerts}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_imported_from_the_page_becomes_entries_and_its_bad_rows_are_shown_by_line() {
    let (db, dir) = backends().await.swap_remove(0);
    let s = start(db, dir, None).await;
    let session = sign_in(&s, s.token(TokenScope::Write)).await;
    let cookie = format!("tuixin_session={session}");
    let html = page(&s, "/suppressions", &session).await.text().await.unwrap();
    assert!(html.contains("action=\"/suppressions/import\""), "{html}");
    let csrf = input_value(&html, "csrf");
    let csv = "address,reason,created_at,code,error\n\
               one@import.example,hard_bounce,2026-11-01T00:00:00Z,550,user unknown\n\
               not an address,hard_bounce,,,\n\
               two@import.example,complaint,,,\n\
               three@import.example,manual,,,\n";
    let upload = |csrf: Option<String>| {
        let mut form = reqwest::multipart::Form::new();
        if let Some(csrf) = csrf {
            form = form.text("csrf", csrf);
        }
        let file = reqwest::multipart::Part::bytes(csv.as_bytes().to_vec())
            .file_name("list.csv")
            .mime_str("text/csv")
            .unwrap();
        s.http
            .post(s.url("/suppressions/import"))
            .header(header::COOKIE, &cookie)
            .multipart(form.part("file", file))
            .send()
    };
    // Without the form token: refused, nothing imported.
    let r = upload(None).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(api(&s, "/v1/check?address=one@import.example").await["allowed"], true);

    let r = upload(Some(csrf)).await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let job = r.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert!(job.starts_with("/imports/"), "{job}");
    let mut html = String::new();
    for _ in 0..100 {
        html = page(&s, &job, &session).await.text().await.unwrap();
        if html.contains("id=\"status\">done<") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(html.contains("id=\"status\">done<"), "{html}");
    assert!(html.contains("id=\"imported\">3<") && html.contains("id=\"refused\">1<"), "{html}");
    // The bad row, by its line in the file.
    let failures = &html[html.find("id=\"failures\"").expect("a failures table")..];
    assert!(failures.contains("<td class=\"mono\">3</td>"), "{failures}");
    // (A complaint suppresses marketing mail, as the policy says.)
    for (address, scope) in [
        ("one@import.example", "all"),
        ("two@import.example", "marketing"),
        ("three@import.example", "all"),
    ] {
        let answer = api(&s, &format!("/v1/check?address={address}&scope={scope}")).await;
        assert_eq!(answer["allowed"], false, "{address}: {answer}");
    }
    s.stop().await;
}
