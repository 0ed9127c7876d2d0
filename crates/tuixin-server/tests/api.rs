//! The real server on 127.0.0.1:0 over a real SQLite file (and the PostgreSQL named by
//! `TUIXIN_TEST_DATABASE_URL`), driven over HTTP by a real client.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use tuixin_server::token::{TokenScope, make};
use tuixin_server::{App, Settings};
use tuixin_store::{OpenOptions, Store};

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");

fn example(name: &str) -> Vec<u8> {
    std::fs::read(format!("{EXAMPLES}/{name}")).unwrap()
}

/// A running server with a token of each scope.
struct Server {
    base: String,
    admin: String,
    write: String,
    read: String,
    check: String,
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

    async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.http.get(self.url(path)).bearer_auth(token).send().await.unwrap()
    }

    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.done.take().unwrap().await.unwrap().unwrap();
    }
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// The backends to run on: a SQLite file, and PostgreSQL when the test cluster is there.
async fn backends() -> Vec<(String, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let mut out = vec![(dir.path().join("t.db").display().to_string(), Some(dir))];
    match std::env::var("TUIXIN_TEST_DATABASE_URL") {
        Ok(base) => {
            let name =
                format!("srv{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
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

async fn start_with(db: String, dir: Option<tempfile::TempDir>, settings: Settings) -> Server {
    let url = db.clone();
    let (app, tokens) = tokio::task::spawn_blocking(move || {
        let options =
            OpenOptions { busy_timeout: Duration::from_millis(300), ..OpenOptions::default() };
        let store = Store::open_with(&url, &options).unwrap();
        let mut tokens = Vec::new();
        for scope in TokenScope::ALL {
            let made = make(scope.as_str(), &[scope], 1_700_000_000).unwrap();
            store.token_create(&made.row).unwrap();
            tokens.push(made.token);
        }
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
    Server {
        base,
        check: tokens[0].clone(),
        read: tokens[1].clone(),
        write: tokens[2].clone(),
        admin: tokens[3].clone(),
        db,
        http: Client::new(),
        stop: Some(stop),
        done: Some(done),
        _dir: dir,
    }
}

async fn each_backend<F, Fut>(settings: Settings, f: F)
where
    F: Fn(Arc<Server>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for (db, dir) in backends().await {
        let server = Arc::new(start_with(db, dir, settings.clone()).await);
        f(server.clone()).await;
        Arc::try_unwrap(server).ok().expect("the test let go of the server").stop().await;
    }
}

async fn error_of(response: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    let body: Value = response.json().await.unwrap();
    assert!(body["error"]["code"].is_string() && body["error"]["message"].is_string(), "{body}");
    body["error"].clone()
}

async fn ingest(s: &Server, token: &str, body: Vec<u8>, kind: &str) -> reqwest::Response {
    s.http
        .post(s.url("/v1/ingest/messages"))
        .bearer_auth(token)
        .header("content-type", kind)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// Postfix log lines as Postfix writes them: noise, a delivery, a bounce, and a result line cut
/// short.
const POSTFIX_LOG: &str = "\
Dec  7 05:50:01 mx postfix/smtpd[1]: connect from app.example.net[192.0.2.5]
Dec  7 05:50:01 mx postfix/qmgr[803]: 4A1B2C3D4E: from=<news@example.net>, size=1840, nrcpt=2 (queue active)
Dec  7 05:50:02 mx postfix/smtp[804]: 4A1B2C3D4E: to=<alice@example.org>, relay=mx.example.org[192.0.2.10]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 9F8E7D6C)
Dec  7 05:50:02 mx postfix/smtp[804]: 4A1B2C3D4E: to=<bob@example.org>, relay=mx.example.org[192.0.2.10]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.10] said: 550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command))
Dec  7 05:50:03 mx postfix/smtp[805]: 4A1B2C3D4F: to=<carol@example.org>, relay=none, delay=1
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_guard_every_route_but_healthz() {
    each_backend(Settings::default(), |s| async move {
        let r = s.http.get(s.url("/healthz")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let r = s.http.get(s.url("/v1/check?address=a@example.org")).send().await.unwrap();
        assert_eq!(error_of(r, StatusCode::UNAUTHORIZED).await["code"], "unauthorized");
        // A well-formed token whose secret is wrong by one character.
        let mut wrong = s.admin.clone();
        let last = wrong.pop().unwrap();
        wrong.push(if last == '0' { '1' } else { '0' });
        error_of(s.get("/v1/check?address=a@example.org", &wrong).await, StatusCode::UNAUTHORIZED).await;
        error_of(s.get("/metrics", "nonsense").await, StatusCode::UNAUTHORIZED).await;
        // A check token may check, and nothing else.
        assert_eq!(s.get("/v1/check?address=a@example.org", &s.check).await.status(), StatusCode::OK);
        assert_eq!(error_of(s.get("/v1/suppressions", &s.check).await, StatusCode::FORBIDDEN).await["code"], "forbidden");
        error_of(s.get("/v1/events", &s.check).await, StatusCode::FORBIDDEN).await;
        // A read token reads but does not write; a write token does not set the policy.
        assert_eq!(s.get("/v1/suppressions", &s.read).await.status(), StatusCode::OK);
        let r = s.http.put(s.url("/v1/suppressions/a@example.org")).bearer_auth(&s.read).send().await.unwrap();
        error_of(r, StatusCode::FORBIDDEN).await;
        let r = s.http.put(s.url("/v1/policy")).bearer_auth(&s.write).body("{}").send().await.unwrap();
        error_of(r, StatusCode::FORBIDDEN).await;
        // A revoked token is refused once the server re-reads the tokens.
        let db = s.db.clone();
        tokio::task::spawn_blocking(move || {
            let store = Store::open(&db).unwrap();
            assert_eq!(store.token_revoke("read", 1_700_000_100).unwrap(), 1);
        })
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_millis(2100)).await;
        error_of(s.get("/v1/suppressions", &s.read).await, StatusCode::UNAUTHORIZED).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ingested_bounce_is_suppressed_with_its_reason_and_its_event_can_be_read() {
    each_backend(Settings::default(), |s| async move {
        let raw = example("postfix-dsn.eml");
        let r = ingest(&s, &s.write, raw.clone(), "message/rfc822").await;
        assert_eq!(r.status(), StatusCode::OK);
        let first: Value = r.json().await.unwrap();
        assert_eq!(first["new_events"], 2, "{first}");
        assert_eq!(first["suppressions_added"], 1, "{first}");
        // The same bounce again changes nothing.
        let again: Value = ingest(&s, &s.write, raw.clone(), "message/rfc822").await.json().await.unwrap();
        assert_eq!((again["new_events"].as_u64(), again["duplicates"].as_u64()), (Some(0), Some(2)), "{again}");

        let check: Value = s.get("/v1/check?address=Alice.Example@MAIL.example.org", &s.check).await.json().await.unwrap();
        assert_eq!(check["allowed"], false, "{check}");
        assert_eq!(check["reason"], "hard_bounce");
        assert_eq!(check["bounce_reason"], "userunknown");
        assert!(check["since"].as_str().unwrap().ends_with('Z'), "{check}");
        // The soft bounce does not suppress.
        let soft: Value = s.get("/v1/check?address=chen.jie@example.net", &s.check).await.json().await.unwrap();
        assert_eq!(soft["allowed"], true, "{soft}");

        let batch: Value = s
            .http
            .post(s.url("/v1/check"))
            .bearer_auth(&s.check)
            .json(&json!({"addresses": ["alice.example@mail.example.org", "nobody@example.com"], "scope": "marketing"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let allowed: Vec<_> = batch["results"].as_array().unwrap().iter().map(|r| r["allowed"].as_bool().unwrap()).collect();
        assert_eq!(allowed, vec![false, true]);

        let events: Value = s.get("/v1/events?address=alice.example@mail.example.org", &s.read).await.json().await.unwrap();
        let event = &events["data"][0];
        assert_eq!(event["record"]["reason"], "userunknown", "{events}");
        assert_eq!(event["source"], "http");
        let id = event["id"].as_str().unwrap();
        let one: Value = s.get(&format!("/v1/events/{id}"), &s.read).await.json().await.unwrap();
        assert_eq!(one["id"], id);
        let raw_back = s.get(&format!("/v1/events/{id}/raw"), &s.read).await;
        assert_eq!(raw_back.status(), StatusCode::OK);
        assert_eq!(raw_back.headers()["content-type"], "message/rfc822");
        assert_eq!(raw_back.bytes().await.unwrap().as_ref(), raw.as_slice());
        error_of(s.get("/v1/events/0123456789abcdef", &s.read).await, StatusCode::NOT_FOUND).await;
        error_of(s.get("/v1/events/0123456789abcdef/raw", &s.read).await, StatusCode::NOT_FOUND).await;

        let address: Value = s.get("/v1/addresses/alice.example@mail.example.org", &s.read).await.json().await.unwrap();
        assert_eq!(address["allowed"], false);
        assert_eq!(address["timeline"][0]["reason"], "userunknown", "{address}");
        error_of(s.get("/v1/addresses/never@example.com", &s.read).await, StatusCode::NOT_FOUND).await;
        error_of(s.get("/v1/addresses/not-an-address", &s.read).await, StatusCode::UNPROCESSABLE_ENTITY).await;

        // An mbox of two messages: both stored.
        let mut mbox = b"From MAILER-DAEMON Mon Dec  7 03:00:00 2026\n".to_vec();
        mbox.extend(example("gmail-rejection.eml"));
        mbox.extend(b"\nFrom MAILER-DAEMON Mon Dec  7 03:00:01 2026\n");
        mbox.extend(example("qq-bounce-gbk.eml"));
        let r: Value = ingest(&s, &s.write, mbox, "application/mbox").await.json().await.unwrap();
        assert_eq!((r["messages"].as_u64(), r["new_events"].as_u64()), (Some(2), Some(2)), "{r}");
        let qq: Value = s.get("/v1/check?address=example.wanglei@qq.com", &s.check).await.json().await.unwrap();
        assert_eq!(qq["allowed"], false);
        let r = ingest(&s, &s.write, b"hello".to_vec(), "image/png").await;
        assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

        // Metrics count what happened.
        let metrics = s.get("/metrics", &s.read).await.text().await.unwrap();
        assert!(metrics.contains("tuixin_http_requests_total{method=\"GET\",route=\"/v1/check\",status=\"200\"}"), "{metrics}");
        assert!(metrics.contains("tuixin_suppressions{reason=\"hard_bounce\"}"), "{metrics}");
        assert!(metrics.contains("tuixin_http_request_duration_seconds_bucket"), "{metrics}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_returns_every_entry_once_and_the_exports_hold_as_many() {
    each_backend(Settings::default(), |s| async move {
        let upsert: Vec<Value> = (0..25)
            .map(|i| json!({"address": format!("user{i:02}@example.com"), "note": "test"}))
            .collect();
        let r = s
            .http
            .post(s.url("/v1/suppressions/batch"))
            .bearer_auth(&s.write)
            .json(&json!({"upsert": upsert}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/v1/suppressions?limit=7&cursor={c}"),
                None => "/v1/suppressions?limit=7".to_owned(),
            };
            let page: Value = s.get(&path, &s.read).await.json().await.unwrap();
            let data = page["data"].as_array().unwrap();
            assert!(data.len() <= 7);
            seen.extend(data.iter().map(|e| e["address"].as_str().unwrap().to_owned()));
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        let mut sorted = seen.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!((seen.len(), sorted.len()), (25, 25));

        let csv = s
            .http
            .get(s.url("/v1/suppressions"))
            .bearer_auth(&s.read)
            .header("accept", "text/csv")
            .send()
            .await
            .unwrap();
        assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let csv = csv.text().await.unwrap();
        assert_eq!(csv.lines().count(), 26, "{csv}");
        assert!(csv.starts_with("address,scope,reason"));
        let nd = s
            .http
            .get(s.url("/v1/suppressions?domain=EXAMPLE.com"))
            .bearer_auth(&s.read)
            .header("accept", "application/x-ndjson")
            .send()
            .await
            .unwrap();
        let nd = nd.text().await.unwrap();
        assert_eq!(nd.lines().count(), 25);
        assert!(nd.lines().all(|l| serde_json::from_str::<Value>(l).is_ok()));

        assert_eq!(
            error_of(
                s.get("/v1/suppressions?limit=0", &s.read).await,
                StatusCode::UNPROCESSABLE_ENTITY
            )
            .await["field"],
            "limit"
        );
        error_of(
            s.get("/v1/suppressions?limit=1001", &s.read).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(
            error_of(s.get("/v1/suppressions?cursor=zz", &s.read).await, StatusCode::BAD_REQUEST)
                .await["field"],
            "cursor"
        );
        error_of(
            s.get("/v1/suppressions?scope=Not%20A%20Scope", &s.read).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        error_of(s.get("/v1/events?limit=5000", &s.read).await, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_put_get_delete_with_locks_notes_and_invalid_addresses() {
    each_backend(Settings::default(), |s| async move {
        let a = "/v1/suppressions/bob@example.com";
        error_of(s.get(a, &s.read).await, StatusCode::NOT_FOUND).await;
        let r = s.http.delete(s.url(&format!("{a}?note=gone"))).bearer_auth(&s.write).send().await.unwrap();
        error_of(r, StatusCode::NOT_FOUND).await;
        let r = s.http.put(s.url(a)).bearer_auth(&s.write).json(&json!({"scope": "marketing", "note": "asked"})).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let entry: Value = r.json().await.unwrap();
        assert_eq!((entry["reason"].as_str(), entry["source"].as_str()), (Some("manual"), Some("write")));
        let got: Value = s.get(a, &s.read).await.json().await.unwrap();
        assert_eq!(got[0]["scope"], "marketing");
        let r = s.http.delete(s.url(a)).bearer_auth(&s.write).send().await.unwrap();
        assert_eq!(error_of(r, StatusCode::UNPROCESSABLE_ENTITY).await["field"], "note");
        let r = s.http.delete(s.url(&format!("{a}?scope=marketing&note=asked%20back"))).bearer_auth(&s.write).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        error_of(s.get(a, &s.read).await, StatusCode::NOT_FOUND).await;

        for bad in ["/v1/suppressions/not-an-address", "/v1/suppressions/a@@b"] {
            error_of(s.get(bad, &s.read).await, StatusCode::UNPROCESSABLE_ENTITY).await;
            let r = s.http.put(s.url(bad)).bearer_auth(&s.write).send().await.unwrap();
            assert_eq!(error_of(r, StatusCode::UNPROCESSABLE_ENTITY).await["code"], "invalid_address");
        }
        error_of(s.get("/v1/check?address=nope", &s.check).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        let r = s.http.post(s.url("/v1/check")).bearer_auth(&s.check).json(&json!({"addresses": ["ok@example.com", "bad"]})).send().await.unwrap();
        assert_eq!(error_of(r, StatusCode::UNPROCESSABLE_ENTITY).await["field"], "addresses[1]");
        let many: Vec<String> = (0..1001).map(|i| format!("u{i}@example.com")).collect();
        let r = s.http.post(s.url("/v1/check")).bearer_auth(&s.check).json(&json!({"addresses": many})).send().await.unwrap();
        error_of(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        let r = s.http.post(s.url("/v1/check")).bearer_auth(&s.check).body("{not json").send().await.unwrap();
        assert_eq!(error_of(r, StatusCode::BAD_REQUEST).await["code"], "malformed");

        // A complaint is locked: a write token gets 409, an admin removes it.
        assert_eq!(ingest(&s, &s.write, example("arf-complaint.eml"), "message/rfc822").await.status(), StatusCode::OK);
        let c = "/v1/suppressions/zhao.min@example.net";
        let got: Value = s.get(c, &s.read).await.json().await.unwrap();
        assert_eq!((got[0]["reason"].as_str(), got[0]["locked"].as_bool()), (Some("complaint"), Some(true)), "{got}");
        let r = s.http.delete(s.url(&format!("{c}?note=resubscribed"))).bearer_auth(&s.write).send().await.unwrap();
        assert_eq!(error_of(r, StatusCode::CONFLICT).await["code"], "locked");
        let r = s.http.delete(s.url(&format!("{c}?scope=marketing&note=resubscribed"))).bearer_auth(&s.write).send().await.unwrap();
        error_of(r, StatusCode::CONFLICT).await;
        let r = s.http.delete(s.url(c)).bearer_auth(&s.admin).json(&json!({"note": "resubscribed by phone"})).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let check: Value = s.get("/v1/check?address=zhao.min@example.net&scope=marketing", &s.check).await.json().await.unwrap();
        assert_eq!(check["allowed"], true);

        // A batch answers each operation on its own.
        let r: Value = s
            .http
            .post(s.url("/v1/suppressions/batch"))
            .bearer_auth(&s.write)
            .json(&json!({"upsert": [{"address": "x@example.com"}, {"address": "broken"}], "delete": [{"address": "absent@example.com", "note": "n"}]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let statuses: Vec<u64> = r["results"].as_array().unwrap().iter().map(|o| o["status"].as_u64().unwrap()).collect();
        assert_eq!(statuses, vec![200, 422, 404], "{r}");
        let too_many: Vec<Value> = (0..1001).map(|i| json!({"address": format!("u{i}@example.com")})).collect();
        let r = s.http.post(s.url("/v1/suppressions/batch")).bearer_auth(&s.write).json(&json!({"upsert": too_many})).send().await.unwrap();
        error_of(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_unknown_routes_methods_policy_and_alerts() {
    let settings = Settings { max_body_bytes: 64 * 1024, ..Settings::default() };
    each_backend(settings, |s| async move {
        let r = ingest(&s, &s.write, vec![b'x'; 65 * 1024], "message/rfc822").await;
        assert_eq!(error_of(r, StatusCode::PAYLOAD_TOO_LARGE).await["code"], "too_large");
        assert_eq!(
            error_of(s.get("/v1/nothing", &s.admin).await, StatusCode::NOT_FOUND).await["code"],
            "not_found"
        );
        let r = s.http.delete(s.url("/v1/check")).bearer_auth(&s.admin).send().await.unwrap();
        assert_eq!(error_of(r, StatusCode::METHOD_NOT_ALLOWED).await["code"], "method_not_allowed");

        let policy: Value = s.get("/v1/policy", &s.read).await.json().await.unwrap();
        assert_eq!(policy["soft"]["threshold"], 5, "{policy}");
        let r = s
            .http
            .put(s.url("/v1/policy"))
            .bearer_auth(&s.admin)
            .json(&json!({"soft": {"threshold": "many"}}))
            .send()
            .await
            .unwrap();
        error_of(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        let r =
            s.http.put(s.url("/v1/policy")).bearer_auth(&s.admin).body("[1,").send().await.unwrap();
        error_of(r, StatusCode::BAD_REQUEST).await;
        let r = s
            .http
            .put(s.url("/v1/policy"))
            .bearer_auth(&s.admin)
            .json(&json!({"soft": {"threshold": 3}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let now: Value = s.get("/v1/policy", &s.read).await.json().await.unwrap();
        assert_eq!(now["soft"]["threshold"], 3);
        assert_eq!(now["suspend"], policy["suspend"], "fields not given keep their values");
        // Kept in the store: a new server on the same database uses it.
        let db = s.db.clone();
        let kept = tokio::task::spawn_blocking(move || {
            Store::open(&db).unwrap().setting("policy").unwrap()
        })
        .await
        .unwrap();
        assert!(kept.unwrap().contains("threshold = 3"));

        let alerts: Value = s.get("/v1/alerts?open=false", &s.read).await.json().await.unwrap();
        assert!(alerts["data"].is_array());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_in_the_openapi_document_answers_as_documented() {
    let postmark: tuixin_server::webhooks::WebhookConfig =
        serde_json::from_value(json!({"token": "shared-token"})).unwrap();
    let webhooks = tuixin_server::webhooks::Webhooks::from_config(
        &[("postmark".to_owned(), postmark)].into_iter().collect(),
    )
    .unwrap();
    each_backend(Settings { webhooks, ..Settings::default() }, |s| async move {
        assert_eq!(
            ingest(&s, &s.write, example("postfix-dsn.eml"), "message/rfc822").await.status(),
            StatusCode::OK
        );
        let events: Value = s.get("/v1/events", &s.read).await.json().await.unwrap();
        let id = events["data"][0]["id"].as_str().unwrap().to_owned();
        // An alert to acknowledge: one sender-category bounce opens one under this policy.
        let r = s
            .http
            .put(s.url("/v1/policy"))
            .bearer_auth(&s.admin)
            .json(&json!({"alerts": {"events": 1}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        for name in std::fs::read_dir(EXAMPLES).unwrap() {
            let raw = std::fs::read(name.unwrap().path()).unwrap();
            assert_eq!(ingest(&s, &s.write, raw, "message/rfc822").await.status(), StatusCode::OK);
        }
        let alerts: Value = s.get("/v1/alerts?open=false", &s.read).await.json().await.unwrap();
        let alert = alerts["data"][0]["id"].as_str().unwrap().to_owned();
        // The import job's id, once POST /v1/imports (asked before GET /v1/imports/{id}) made it.
        let mut job = String::new();
        let doc: Value = s.get("/v1/openapi.json", &s.check).await.json().await.unwrap();
        let paths = doc["paths"].as_object().unwrap();
        assert!(paths.len() >= 14, "{paths:?}");
        let mut asked = 0;
        for (path, ops) in paths {
            // Reads first, the delete last, so each finds what it asks about.
            let mut ops: Vec<_> = ops.as_object().unwrap().iter().collect();
            ops.sort_by_key(|(m, _)| ["get", "post", "put", "delete"].iter().position(|x| x == m));
            for (method, op) in ops {
                let this_id = match path.as_str() {
                    "/v1/alerts/{id}/ack" => alert.replace('|', "%7C"),
                    "/v1/imports/{id}" => job.clone(),
                    _ => id.clone(),
                };
                let url = s.url(
                    &path
                        .replace("{provider}", "postmark?token=shared-token")
                        .replace("{address}", "alice.example@mail.example.org")
                        .replace("{id}", &this_id),
                );
                let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let mut request = s.http.request(method.clone(), &url).bearer_auth(&s.admin);
                // Required query parameters (only `address` has one) get a real address.
                for param in op["parameters"].as_array().into_iter().flatten() {
                    if param["in"] == "query" && param["required"] == true {
                        assert_eq!(
                            param["name"], "address",
                            "{path}: a required parameter the test cannot fill"
                        );
                        request = request.query(&[("address", "alice.example@mail.example.org")]);
                    }
                }
                request = match path.as_str() {
                    "/v1/check" if method == reqwest::Method::POST => {
                        request.json(&json!({"addresses": ["a@example.org"]}))
                    }
                    "/v1/suppressions/batch" => request.json(&json!({"upsert": []})),
                    "/v1/policy" => request.json(&json!({})),
                    "/v1/ingest/messages" => request
                        .header("content-type", "message/rfc822")
                        .body(example("gmail-rejection.eml")),
                    "/v1/suppressions/{address}" if method == reqwest::Method::DELETE => {
                        request.query(&[("note", "test")])
                    }
                    "/v1/suppressions/{address}" if method == reqwest::Method::PUT => {
                        request.json(&json!({"note": "test"}))
                    }
                    "/v1/alerts/{id}/ack" => request.json(&json!({"note": "test"})),
                    "/v1/ingest/logs" => request.body(POSTFIX_LOG),
                    "/v1/webhooks/{provider}" => request.json(&json!({
                        "RecordType": "Bounce", "Type": "HardBounce", "TypeCode": 1,
                        "Email": "webhook@example.org", "BouncedAt": "2026-12-07T10:00:00Z",
                        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist."
                    })),
                    "/v1/imports" => request.body("address,reason\nimported@example.org,manual\n"),
                    _ => request,
                };
                let response = request.send().await.unwrap();
                let status = response.status();
                if path == "/v1/imports" {
                    let made: Value = response.json().await.unwrap();
                    job = made["id"].as_str().unwrap().to_owned();
                }
                let documented: Vec<&String> =
                    op["responses"].as_object().unwrap().keys().collect();
                assert!(
                    documented.contains(&&status.as_u16().to_string()),
                    "{method} {path}: {status} is not among {documented:?}"
                );
                assert!(status.is_success(), "{method} {path}: {status}");
                asked += 1;
            }
        }
        assert!(asked >= 17, "{asked}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_sqlite_store_answers_503_with_retry_after_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db").display().to_string();
    let s = start_with(db.clone(), Some(dir), Settings::default()).await;
    // Another process holds the write lock.
    let (release, released) = std::sync::mpsc::channel::<()>();
    let (locked, is_locked) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn({
        let db = db.clone();
        move || {
            let conn = rusqlite::Connection::open(&db).unwrap();
            conn.execute_batch("BEGIN IMMEDIATE").unwrap();
            locked.send(()).unwrap();
            released.recv().unwrap();
            conn.execute_batch("ROLLBACK").unwrap();
        }
    });
    is_locked.recv().unwrap();
    let r = s
        .http
        .put(s.url("/v1/suppressions/held@example.com"))
        .bearer_auth(&s.write)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["retry-after"], "2");
    assert_eq!(error_of(r, StatusCode::SERVICE_UNAVAILABLE).await["code"], "unavailable");
    release.send(()).unwrap();
    holder.join().unwrap();
    error_of(s.get("/v1/suppressions/held@example.com", &s.read).await, StatusCode::NOT_FOUND)
        .await;
    let r = s
        .http
        .put(s.url("/v1/suppressions/held@example.com"))
        .bearer_auth(&s.write)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_past_its_rate_gets_429_with_retry_after_and_others_go_on() {
    let settings = Settings { rate_per_second: Some(1), ..Settings::default() };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db").display().to_string();
    let s = start_with(db, Some(dir), settings).await;
    let path = "/v1/check?address=a@example.org";
    // A burst of two, then refused.
    assert_eq!(s.get(path, &s.check).await.status(), StatusCode::OK);
    assert_eq!(s.get(path, &s.check).await.status(), StatusCode::OK);
    let r = s.get(path, &s.check).await;
    assert_eq!(r.headers()["retry-after"], "1");
    assert_eq!(error_of(r, StatusCode::TOO_MANY_REQUESTS).await["code"], "rate_limited");
    assert_eq!(s.get(path, &s.read).await.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(s.get(path, &s.check).await.status(), StatusCode::OK);
    s.stop().await;
}

async fn import_job(s: &Server, body: String) -> Value {
    let r = s
        .http
        .post(s.url("/v1/imports"))
        .bearer_auth(&s.write)
        .header("content-type", "text/csv")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let job: Value = r.json().await.unwrap();
    assert_eq!(location, format!("/v1/imports/{}", job["id"].as_str().unwrap()));
    for _ in 0..600 {
        let now: Value = s.get(&location, &s.read).await.json().await.unwrap();
        if now["status"] == "done" || now["status"] == "failed" {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the import job did not end within a minute");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_job_runs_in_the_background_in_batches_and_reports_refused_rows_by_line() {
    let settings = Settings { max_import_bytes: 2 << 20, ..Settings::default() };
    each_backend(settings, |s| async move {
        // More rows than one batch, with a bad address and a bad reason in different batches.
        let mut csv = String::from("address,reason,created_at,code,error\n");
        for i in 0..12_000 {
            match i {
                7000 => csv.push_str("not-an-address,bounce,,,\n"),
                11_000 => csv.push_str("x@example.com,weird,,,\n"),
                _ => csv.push_str(&format!(
                    "imp{i}@example.com,bounce,2026-01-02T00:00:00Z,550,user unknown\n"
                )),
            }
        }
        let r = s
            .http
            .post(s.url("/v1/imports"))
            .bearer_auth(&s.read)
            .body(csv.clone())
            .send()
            .await
            .unwrap();
        error_of(r, StatusCode::FORBIDDEN).await;
        let job = import_job(&s, csv.clone()).await;
        assert_eq!(job["status"], "done", "{job}");
        assert_eq!(
            (job["rows_read"].as_i64(), job["imported"].as_i64(), job["refused"].as_i64()),
            (Some(12_000), Some(11_998), Some(2)),
            "{job}"
        );
        let lines: Vec<i64> = job["failures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["line"].as_i64().unwrap())
            .collect();
        assert_eq!(lines, [7002, 11_002], "{job}");
        assert!(job["failures"][1]["error"].as_str().unwrap().contains("weird"), "{job}");
        assert!(job["finished_at"].as_str().unwrap().ends_with('Z'));
        let check: Value =
            s.get("/v1/check?address=imp11999@example.com", &s.check).await.json().await.unwrap();
        assert_eq!(
            (check["allowed"].as_bool(), check["reason"].as_str()),
            (Some(false), Some("hard_bounce")),
            "{check}"
        );
        // The same file again: the same counts, and no entry twice.
        let again = import_job(&s, csv).await;
        assert_eq!(
            (again["imported"].as_i64(), again["refused"].as_i64()),
            (Some(11_998), Some(2)),
            "{again}"
        );
        let export = s
            .http
            .get(s.url("/v1/suppressions"))
            .bearer_auth(&s.read)
            .header("accept", "text/csv")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(export.lines().count(), 1 + 11_998);
        // A header without the needed columns: the job ends with line 1 refused.
        let bad = import_job(&s, "email,why\na@example.com,bounce\n".into()).await;
        assert_eq!(
            (bad["status"].as_str(), bad["refused"].as_i64()),
            (Some("done"), Some(1)),
            "{bad}"
        );
        assert_eq!(bad["failures"][0]["line"], 1);
        // Too large, and unknown jobs.
        let big = "address,reason\n".to_owned() + &"a@example.com,bounce\n".repeat(120_000);
        let r =
            s.http.post(s.url("/v1/imports")).bearer_auth(&s.write).body(big).send().await.unwrap();
        // The rest of the body is not read: the client is told the connection ends here, so
        // its next request goes on another one.
        assert_eq!(r.headers().get("connection").map(|v| v.as_bytes()), Some(&b"close"[..]));
        assert_eq!(error_of(r, StatusCode::PAYLOAD_TOO_LARGE).await["code"], "too_large");
        error_of(s.get("/v1/imports/nope", &s.read).await, StatusCode::NOT_FOUND).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_job_left_running_by_a_stopped_server_is_marked_failed_on_the_next_start() {
    for (db, _dir) in backends().await {
        let url = db.clone();
        let (left, fresh) = tokio::task::spawn_blocking(move || {
            let store = Store::open(&url).unwrap();
            let now = tuixin_server::time::now();
            // One whose server went away an hour ago, one whose server is still at it.
            let mut left = tuixin_store::ImportJob::queued("left", "write", now - 3600);
            left.status = tuixin_store::JobStatus::Running;
            store.save_import_job(&left).unwrap();
            let mut fresh = tuixin_store::ImportJob::queued("fresh", "write", now);
            fresh.status = tuixin_store::JobStatus::Running;
            store.save_import_job(&fresh).unwrap();
            drop(App::new(store, Settings::default()).unwrap());
            let store = Store::open(&url).unwrap();
            (
                store.import_job("left").unwrap().unwrap(),
                store.import_job("fresh").unwrap().unwrap(),
            )
        })
        .await
        .unwrap();
        assert_eq!(left.status, tuixin_store::JobStatus::Failed, "{left:?}");
        assert!(left.error.as_deref().unwrap().contains("interrupted"), "{left:?}");
        assert!(left.finished_at.is_some());
        assert_eq!(fresh.status, tuixin_store::JobStatus::Running, "{fresh:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_is_acknowledged_with_a_note_once_and_audited() {
    each_backend(Settings::default(), |s| async move {
        // One sender-category bounce opens an alert under this policy.
        let r = s.http.put(s.url("/v1/policy")).bearer_auth(&s.admin).json(&json!({"alerts": {"events": 1}})).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        for name in std::fs::read_dir(EXAMPLES).unwrap() {
            let raw = std::fs::read(name.unwrap().path()).unwrap();
            assert_eq!(ingest(&s, &s.write, raw, "message/rfc822").await.status(), StatusCode::OK);
        }
        let alerts: Value = s.get("/v1/alerts?open=false", &s.read).await.json().await.unwrap();
        let alert = alerts["data"][0].clone();
        let id = alert["id"].as_str().expect("an alert was opened").to_owned();
        assert_eq!(alert["acked_at"], Value::Null);
        let path = format!("/v1/alerts/{}/ack", id.replace('%', "%25").replace('|', "%7C"));
        let ack = |token: String, body: Value| {
            let (s, path) = (s.clone(), path.clone());
            async move { s.http.post(s.url(&path)).bearer_auth(token).json(&body).send().await.unwrap() }
        };
        error_of(ack(s.read.clone(), json!({"note": "seen"})).await, StatusCode::FORBIDDEN).await;
        let e = error_of(ack(s.write.clone(), json!({"note": " "})).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(e["field"], "note");
        let audit = |db: String| async move {
            tokio::task::spawn_blocking(move || Store::open(&db).unwrap().counts().unwrap().audit).await.unwrap()
        };
        let before = audit(s.db.clone()).await;
        let r = ack(s.write.clone(), json!({"note": "SPF record fixed"})).await;
        assert_eq!(r.status(), StatusCode::OK);
        let acked: Value = r.json().await.unwrap();
        assert_eq!(acked["id"], id.as_str());
        let at = acked["acked_at"].as_str().unwrap().to_owned();
        let audited = audit(s.db.clone()).await;
        assert_eq!(audited, before + 1);
        // Again: the same answer, no second audit row.
        let again: Value = ack(s.admin.clone(), json!({"note": "again"})).await.json().await.unwrap();
        assert_eq!(again["acked_at"], at.as_str());
        assert_eq!(audit(s.db.clone()).await, audited);
        let listed: Value = s.get("/v1/alerts?open=false", &s.read).await.json().await.unwrap();
        assert!(listed["data"].as_array().unwrap().iter().any(|a| a["id"] == id.as_str() && a["acked_at"] == at.as_str()), "{listed}");
        let r = s.http.post(s.url("/v1/alerts/nope/ack")).bearer_auth(&s.write).json(&json!({"note": "x"})).send().await.unwrap();
        error_of(r, StatusCode::NOT_FOUND).await;
    })
    .await;
}

/// Every page of `path` (which has a query already), `limit` at a time: the addresses in order.
async fn all_pages(s: &Server, path: &str, limit: usize) -> Vec<Value> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}&limit={limit}&cursor={c}"),
            None => format!("{path}&limit={limit}"),
        };
        let r = s.get(&url, &s.read).await;
        assert_eq!(r.status(), StatusCode::OK, "{url}");
        let page: Value = r.json().await.unwrap();
        let data = page["data"].as_array().unwrap();
        assert!(data.len() <= limit);
        seen.extend(data.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return seen,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn searching_and_sorting_the_list_pages_every_entry_once_in_order() {
    each_backend(Settings::default(), |s| async move {
        // Four creation days shared by many entries (ties), three domains, and addresses with
        // LIKE's wildcards in them.
        let mut csv = String::from("address,reason,created_at,code,error\n");
        let domains = ["alpha.example", "beta.example", "Gamma.example"];
        for i in 0..40 {
            csv.push_str(&format!(
                "P{i:02}_x@{},manual,2026-01-0{}T00:00:00Z,,\n",
                domains[i % 3],
                1 + i % 4
            ));
        }
        csv.push_str(
            "a%b@alpha.example,manual,2026-01-05,,\nzab@beta.example,manual,2026-01-05,,\n",
        );
        assert_eq!(import_job(&s, csv).await["imported"], 42);
        for sort in ["created_at", "-created_at", "address"] {
            for (q, expected) in
                [("", 42), ("BETA.example", 14), ("a%25b", 1), ("p1", 10), ("nothing", 0)]
            {
                let path = format!("/v1/suppressions?sort={}&q={q}", sort.replace('-', "%2D"));
                let paged = all_pages(&s, &path, 3).await;
                let whole = all_pages(&s, &path, 1000).await;
                assert_eq!(paged, whole, "{path}: pages differ from one page");
                assert_eq!(paged.len(), expected, "{path}");
                let keys: Vec<(String, String)> = paged
                    .iter()
                    .map(|e| {
                        (
                            e["created_at"].as_str().unwrap().to_owned(),
                            e["address"].as_str().unwrap().to_lowercase(),
                        )
                    })
                    .collect();
                let mut sorted = keys.clone();
                match sort {
                    "created_at" => sorted.sort(),
                    "-created_at" => sorted.sort_by(|a, b| b.cmp(a)),
                    _ => sorted.sort_by(|a, b| a.1.cmp(&b.1)),
                }
                assert_eq!(keys, sorted, "{path}: not in {sort} order");
                let mut unique = keys.clone();
                unique.dedup();
                assert_eq!(unique.len(), keys.len(), "{path}: an entry twice");
            }
        }
        // A cursor belongs to its sort; an unknown sort is refused.
        let page: Value =
            s.get("/v1/suppressions?sort=address&limit=2", &s.read).await.json().await.unwrap();
        let cursor = page["next_cursor"].as_str().unwrap();
        let r = s
            .get(&format!("/v1/suppressions?sort=created_at&limit=2&cursor={cursor}"), &s.read)
            .await;
        assert_eq!(error_of(r, StatusCode::BAD_REQUEST).await["field"], "cursor");
        let r = s.get("/v1/suppressions?sort=reason", &s.read).await;
        assert_eq!(error_of(r, StatusCode::UNPROCESSABLE_ENTITY).await["field"], "sort");
        // The CSV export takes the same search.
        let csv = s
            .http
            .get(s.url("/v1/suppressions?q=gamma"))
            .bearer_auth(&s.read)
            .header("accept", "text/csv")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(csv.lines().count(), 1 + 13, "{csv}");
        // Events are searched by recipient the same way.
        assert_eq!(
            ingest(&s, &s.write, example("postfix-dsn.eml"), "message/rfc822").await.status(),
            StatusCode::OK
        );
        let events: Value = s.get("/v1/events?q=CHEN.jie", &s.read).await.json().await.unwrap();
        let data = events["data"].as_array().unwrap();
        assert_eq!(data.len(), 1, "{events}");
        let all: Value = s.get("/v1/events", &s.read).await.json().await.unwrap();
        assert_eq!(all["data"].as_array().unwrap().len(), 2);
    })
    .await;
}

/// Reads what the server sends on `stream` until it closes it (or 20 s pass: then None).
async fn until_closed(stream: &mut tokio::net::TcpStream) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let read = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), read).await.ok()?;
    Some(String::from_utf8_lossy(&got).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_idle_clients_are_cut_off_while_others_are_served_and_heads_are_bounded() {
    use tokio::io::AsyncWriteExt;
    let settings = Settings {
        header_read_timeout: Duration::from_secs(1),
        request_timeout: Duration::from_secs(2),
        ..Settings::default()
    };
    let (db, dir) = backends().await.remove(0);
    let s = start_with(db, dir, settings).await;
    let addr = s.base.trim_start_matches("http://").to_owned();
    // One sends a request line and a header, then nothing; one sends nothing at all; one sends
    // a head and a few bytes of the body it announced.
    let mut stalled = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stalled.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut idle = tokio::net::TcpStream::connect(&addr).await.unwrap();
    // And one asks once, then keeps the connection open and says nothing more.
    let mut kept = tokio::net::TcpStream::connect(&addr).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut slow_body = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "PUT /v1/suppressions/slow@example.org HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Length: 100\r\n\r\n{{",
        s.write
    );
    slow_body.write_all(head.as_bytes()).await.unwrap();
    // Meanwhile others are served.
    for _ in 0..20 {
        assert_eq!(s.http.get(s.url("/healthz")).send().await.unwrap().status(), StatusCode::OK);
        assert_eq!(
            s.get("/v1/check?address=a@example.org", &s.check).await.status(),
            StatusCode::OK
        );
    }
    let stalled_saw = until_closed(&mut stalled).await.expect("a stalled head is cut off");
    assert!(!stalled_saw.contains("200 OK"), "{stalled_saw}");
    until_closed(&mut idle).await.expect("an idle connection is closed");
    let kept_saw = until_closed(&mut kept).await.expect("an idle kept-alive connection is closed");
    assert!(kept_saw.starts_with("HTTP/1.1 200"), "{kept_saw}");
    let slow_saw = until_closed(&mut slow_body).await.expect("a slow body is cut off");
    assert!(
        slow_saw.starts_with("HTTP/1.1 408") && slow_saw.contains("\"code\":\"timeout\""),
        "{slow_saw}"
    );
    // Nothing of the slow request was written.
    assert_eq!(
        s.get("/v1/suppressions/slow@example.org", &s.read).await.status(),
        StatusCode::NOT_FOUND
    );

    // A URI past its bound: 414 with the API's error body; a head past its bound: 431.
    let long = format!("/v1/check?address={}@example.org", "a".repeat(9000));
    let r = s.get(&long, &s.check).await;
    assert_eq!(error_of(r, StatusCode::URI_TOO_LONG).await["code"], "uri_too_long");
    let r = s
        .http
        .get(s.url("/healthz"))
        .header("x-filler", "b".repeat(70 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(r, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE).await["code"],
        "headers_too_large"
    );
    // Far past it, hyper refuses the head before it is read whole.
    let r = s.http.get(s.url("/healthz")).header("x-filler", "b".repeat(1024 * 1024)).send().await;
    assert!(r.is_err() || r.unwrap().status() == StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    assert_eq!(s.http.get(s.url("/healthz")).send().await.unwrap().status(), StatusCode::OK);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_sweeps_expired_entries_and_prunes_raw_inputs_in_the_background() {
    let settings = Settings {
        upkeep_interval: Duration::from_millis(300),
        raw_retention_days: 0,
        ..Settings::default()
    };
    each_backend(settings, |s| async move {
        let expires = tuixin_server::time::rfc3339(tuixin_server::time::now() + 2);
        let r = s
            .http
            .put(s.url("/v1/suppressions/brief@example.org"))
            .bearer_auth(&s.write)
            .json(&json!({"expires_at": expires, "note": "two seconds"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let first: Value = ingest(&s, &s.write, example("postfix-dsn.eml"), "message/rfc822")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(first["new_events"], 2, "{first}");
        let events: Value = s.get("/v1/events", &s.read).await.json().await.unwrap();
        let id = events["data"][0]["id"].as_str().unwrap().to_owned();
        // Within 20 s the expired entry leaves the list (a sweep lifted it) and the raw bounce,
        // past a retention of 0 days, is gone while its events stay.
        let mut swept = false;
        for _ in 0..100 {
            let list: Value =
                s.get("/v1/suppressions?q=brief", &s.read).await.json().await.unwrap();
            let raw = s.get(&format!("/v1/events/{id}/raw"), &s.read).await.status();
            if list["data"].as_array().unwrap().is_empty() && raw == StatusCode::NOT_FOUND {
                swept = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(swept, "the upkeep did not run");
        let address: Value =
            s.get("/v1/addresses/brief@example.org", &s.read).await.json().await.unwrap();
        assert!(
            address["audit"].as_array().unwrap().iter().any(|a| a["actor"] == "sweep"),
            "{address}"
        );
        assert_eq!(s.get(&format!("/v1/events/{id}"), &s.read).await.status(), StatusCode::OK);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_gone_mid_test_gives_503_with_retry_after_and_the_server_recovers() {
    let Ok(base) = std::env::var("TUIXIN_TEST_DATABASE_URL") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but TUIXIN_TEST_DATABASE_URL is not set"
        );
        eprintln!("note: TUIXIN_TEST_DATABASE_URL not set: skipped");
        return;
    };
    let (db, dir) = backends().await.remove(1);
    let name = db.rsplit('/').next().unwrap().to_owned();
    let s = start_with(db, dir, Settings::default()).await;
    assert_eq!(s.get("/v1/check?address=a@example.org", &s.check).await.status(), StatusCode::OK);
    let (admin, conn) = tokio_postgres::connect(&base, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {name} ALLOW_CONNECTIONS false; SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        ))
        .await
        .unwrap();
    for path in ["/v1/check?address=a@example.org", "/v1/suppressions"] {
        let token = if path.starts_with("/v1/check") { &s.check } else { &s.read };
        let r = s.get(path, token).await;
        assert_eq!(
            r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned()),
            Some("2".into()),
            "{path}"
        );
        assert_eq!(error_of(r, StatusCode::SERVICE_UNAVAILABLE).await["code"], "unavailable");
    }
    admin.batch_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true")).await.unwrap();
    assert_eq!(s.get("/v1/check?address=a@example.org", &s.check).await.status(), StatusCode::OK);
    s.stop().await;
}

/// A Postfix DSN saying `rcpt` does not exist.
fn dsn(i: usize, rcpt: &str) -> String {
    format!(
        "From: MAILER-DAEMON@mta.example.com (Mail Delivery System)\nTo: news-bounces@example.com\nSubject: Undelivered Mail Returned to Sender\nMessage-Id: <q{i}@mta.example.com>\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B{i}\"\n\n--B{i}\nContent-Type: text/plain\n\n<{rcpt}>: host mx.example.org said: 550 5.1.1 User unknown\n\n--B{i}\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mta.example.com\n\nFinal-Recipient: rfc822; {rcpt}\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 <{rcpt}>: User unknown\n\n--B{i}--\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_mbox_upload_decoded_on_every_core_keeps_each_message_in_its_place() {
    each_backend(Settings::default(), |s| async move {
        // 40 messages; the 23rd is empty: it alone fails, named by its place in the upload.
        let mut mbox = String::new();
        for i in 1..=40 {
            mbox.push_str(&format!("From MAILER-DAEMON Mon Dec  7 03:00:{:02} 2026\n", i % 60));
            if i != 23 {
                mbox.push_str(&dsn(i, &format!("gone{i}@example.org")));
            }
            mbox.push('\n');
        }
        let r: Value =
            ingest(&s, &s.write, mbox.into_bytes(), "application/mbox").await.json().await.unwrap();
        assert_eq!((r["messages"].as_u64(), r["new_events"].as_u64()), (Some(40), Some(39)), "{r}");
        let failures = r["failures"].as_array().unwrap();
        assert_eq!(failures.len(), 1, "{r}");
        assert_eq!(failures[0]["message"], 23, "{r}");
        let addresses: Vec<String> = (1..=40).map(|i| format!("gone{i}@example.org")).collect();
        let checked: Value = s
            .http
            .post(s.url("/v1/check"))
            .bearer_auth(&s.check)
            .json(&json!({"addresses": addresses}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for (i, result) in checked["results"].as_array().expect("results").iter().enumerate() {
            assert_eq!(result["allowed"], i + 1 == 23, "{result}");
        }
        // Each event names its message's place.
        let events: Value = s.get("/v1/events?q=gone40@", &s.read).await.json().await.unwrap();
        assert_eq!(events["data"].as_array().unwrap().len(), 1, "{events}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploaded_postfix_log_lines_suppress_their_bounced_recipients_once() {
    each_backend(Settings::default(), |s| async move {
        let upload = |format: Option<&'static str>, body: &'static str| {
            let s = s.clone();
            async move {
                let mut request = s.http.post(s.url("/v1/ingest/logs")).bearer_auth(&s.write);
                if let Some(format) = format {
                    request = request.query(&[("format", format)]);
                }
                request.body(body).send().await.unwrap()
            }
        };
        // Told by content, then named: the same lines give the same records, stored once.
        let r = upload(None, POSTFIX_LOG).await;
        assert_eq!(r.status(), StatusCode::OK);
        let first: Value = r.json().await.unwrap();
        assert_eq!(first["format"], "postfix", "{first}");
        assert_eq!(first["lines"], 5, "{first}");
        assert_eq!(first["records"], 2, "{first}");
        assert_eq!(first["new_events"], 2, "{first}");
        assert_eq!(first["suppressions_added"], 1, "{first}");
        assert_eq!(first["unreadable"], 1, "{first}");
        assert_eq!(first["errors"][0]["line"], 5, "{first}");
        let again: Value = upload(Some("postfix"), POSTFIX_LOG).await.json().await.unwrap();
        assert_eq!(
            (again["new_events"].as_u64(), again["duplicates"].as_u64()),
            (Some(0), Some(2)),
            "{again}"
        );

        let bob: Value =
            s.get("/v1/check?address=bob@example.org", &s.check).await.json().await.unwrap();
        assert_eq!(bob["allowed"], false, "{bob}");
        assert_eq!(bob["bounce_reason"], "userunknown", "{bob}");
        let alice: Value =
            s.get("/v1/check?address=alice@example.org", &s.check).await.json().await.unwrap();
        assert_eq!(alice["allowed"], true, "{alice}");
        // The event keeps the line it came from.
        let events: Value =
            s.get("/v1/events?address=bob@example.org", &s.read).await.json().await.unwrap();
        assert_eq!(events["data"][0]["source"], "log:postfix", "{events}");

        // A format nobody knows, mail sent here, and lines no reader recognises: 422 naming why.
        let e = error_of(
            upload(Some("syslog-ng"), POSTFIX_LOG).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(e["message"].as_str().unwrap().contains("syslog-ng"), "{e}");
        let e = error_of(
            upload(None, "From: a@example.org\nSubject: hi\n\nbody\n").await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(e["message"].as_str().unwrap().contains("/v1/ingest/messages"), "{e}");
        error_of(
            upload(None, "just some words\nand more\n").await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        // A read token may not write.
        let r = s
            .http
            .post(s.url("/v1/ingest/logs"))
            .bearer_auth(&s.read)
            .body(POSTFIX_LOG)
            .send()
            .await
            .unwrap();
        error_of(r, StatusCode::FORBIDDEN).await;
    })
    .await;
}
