//! `/v1/stats/*` over real HTTP: the real server on 127.0.0.1:0 over a real SQLite file and the
//! PostgreSQL named by `TUIXIN_TEST_DATABASE_URL`, bounces uploaded through the API.

use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::{Client, StatusCode};
use serde_json::Value;
use tuixin_server::token::{TokenScope, make};
use tuixin_server::{App, Settings};
use tuixin_store::Store;

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");

/// The examples' bounces are dated January to March 2025.
const SPRING_2025: &str = "since=2025-01-01&until=2025-04-01";

struct Server {
    base: String,
    read: String,
    check: String,
    write: String,
    http: Client,
    stop: tokio::sync::oneshot::Sender<()>,
    done: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: Option<tempfile::TempDir>,
}

impl Server {
    async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.http.get(format!("{}{path}", self.base)).bearer_auth(token).send().await.unwrap()
    }

    async fn json(&self, path: &str) -> Value {
        let response = self.get(path, &self.read).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.json().await.unwrap()
    }

    async fn upload(&self, body: Vec<u8>) -> Value {
        let response = self
            .http
            .post(format!("{}/v1/ingest/messages", self.base))
            .bearer_auth(&self.write)
            .header("content-type", "message/rfc822")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    /// The 422's field.
    async fn invalid(&self, path: &str) -> String {
        let response = self.get(path, &self.read).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        let body: Value = response.json().await.unwrap();
        body["error"]["field"].as_str().unwrap_or_default().to_owned()
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        self.done.await.unwrap().unwrap();
    }
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

async fn backends() -> Vec<(String, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let mut out = vec![(dir.path().join("t.db").display().to_string(), Some(dir))];
    match std::env::var("TUIXIN_TEST_DATABASE_URL") {
        Ok(base) => {
            let name =
                format!("stats{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
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

async fn start(db: String, dir: Option<tempfile::TempDir>) -> Server {
    let (app, tokens) = tokio::task::spawn_blocking(move || {
        let store = Store::open(&db).unwrap();
        let mut tokens = Vec::new();
        for scope in TokenScope::ALL {
            let made = make(scope.as_str(), &[scope], 1_700_000_000).unwrap();
            store.token_create(&made.row).unwrap();
            tokens.push(made.token);
        }
        (App::new(store, Settings::default()).unwrap(), tokens)
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
        http: Client::new(),
        stop,
        done,
        _dir: dir,
    }
}

/// Every example bounce uploaded, and one upload that is no message.
async fn load(s: &Server) {
    let mut paths: Vec<_> =
        std::fs::read_dir(EXAMPLES).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    for path in paths.iter().filter(|p| p.extension().is_some_and(|e| e == "eml")) {
        s.upload(std::fs::read(path).unwrap()).await;
    }
    let failed = s.upload(b"<script>alert(1)</script> no header here".to_vec()).await;
    assert_eq!(failed["failures"].as_array().unwrap().len(), 1, "{failed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_summary_counts_the_uploaded_bounces_and_says_the_rates_are_unknown_without_deliveries()
{
    for (db, dir) in backends().await {
        let s = start(db, dir).await;
        load(&s).await;
        let summary = s.json(&format!("/v1/stats/summary?{SPRING_2025}")).await;
        let o = &summary["outcomes"];
        // Eight records: six failures (three of them hard), a complaint, a vacation notice.
        assert_eq!(o["events"], 8, "{summary}");
        assert_eq!((o["bounces"].as_i64(), o["hard_bounces"].as_i64()), (Some(6), Some(3)));
        assert_eq!((o["complaints"].as_i64(), o["other"].as_i64()), (Some(1), Some(1)));
        assert_eq!(o["deliveries"], 0);
        // No delivery known: no denominator, so no rate and no threshold crossed or not.
        assert!(
            o["sends"].is_null() && o["bounce_rate"].is_null() && o["complaint_rate"].is_null()
        );
        let thresholds = summary["thresholds"].as_array().unwrap();
        assert_eq!(thresholds.len(), 7);
        assert!(thresholds.iter().all(|t| t["crossed"].is_null() && t["value"].is_null()));
        assert!(
            thresholds.iter().any(|t| t["id"] == "ses_bounce_rate_pause" && t["threshold"] == 0.1)
        );
        assert_eq!(summary["by_reason"]["userunknown"], 3, "{summary}");
        assert_eq!(summary["by_category"]["recipient"], 4, "{summary}");
        assert_eq!(summary["by_action"]["failed"], 6, "{summary}");
        assert_eq!(summary["suppressions"]["hard_bounce"], 3, "{summary}");
        assert_eq!(summary["suppressions"]["complaint"], 1, "{summary}");
        assert_eq!(summary["suppressions_total"], 4);
        assert_eq!(summary["since"], "2025-01-01T00:00:00Z");
        let domains = summary["top_domains"].as_array().unwrap();
        assert!(domains.len() >= 6 && domains.len() <= 10, "{summary}");
        let top = s.json(&format!("/v1/stats/summary?{SPRING_2025}&top=2")).await;
        assert_eq!(top["top_domains"].as_array().unwrap().len(), 2);
        // Only February: the complaint, the Gmail and Exchange failures.
        let feb = s.json("/v1/stats/summary?since=2025-02-01&until=2025-03-01").await;
        assert_eq!(feb["outcomes"]["events"], 3, "{feb}");
        assert_eq!(feb["outcomes"]["complaints"], 1, "{feb}");
        // The default range is the last 7 days: the examples are older.
        let recent = s.json("/v1/stats/summary").await;
        assert_eq!(recent["outcomes"]["events"], 0, "{recent}");
        assert_eq!(recent["suppressions_total"], 4, "entries in force whatever the range");
        // Another source counts nothing.
        let other = s.json(&format!("/v1/stats/summary?{SPRING_2025}&source=smtp")).await;
        assert_eq!(other["outcomes"]["events"], 0);
        let marketing = s.json(&format!("/v1/stats/summary?{SPRING_2025}&scope=marketing")).await;
        assert_eq!(marketing["suppressions_total"], 1, "{marketing}");
        s.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_series_adds_up_to_the_summary_and_bad_parameters_are_422_with_their_field() {
    for (db, dir) in backends().await {
        let s = start(db, dir).await;
        load(&s).await;
        let summary = s.json(&format!("/v1/stats/summary?{SPRING_2025}")).await;
        let series = s
            .json(&format!(
                "/v1/stats/timeseries?{SPRING_2025}&group_by=reason&metric=hard_bounces"
            ))
            .await;
        let buckets = series["buckets"].as_array().unwrap();
        assert_eq!(buckets.len(), 31 + 28 + 31, "a bucket for every day");
        assert_eq!(buckets[0]["start"], "2025-01-01T00:00:00Z");
        assert_eq!(
            (series["interval"].as_str(), series["group_by"].as_str()),
            (Some("day"), Some("reason"))
        );
        let mut reasons = serde_json::Map::new();
        let (mut events, mut hard) = (0, 0.0);
        for b in buckets {
            events += b["outcomes"]["events"].as_i64().unwrap();
            hard += b["value"].as_f64().unwrap();
            for (k, v) in b["groups"].as_object().unwrap() {
                let sum = reasons.get(k).and_then(Value::as_i64).unwrap_or(0) + v.as_i64().unwrap();
                reasons.insert(k.clone(), sum.into());
            }
        }
        assert_eq!(events, summary["outcomes"]["events"].as_i64().unwrap());
        assert_eq!(hard, 3.0);
        assert_eq!(Value::Object(reasons), summary["by_reason"]);
        // Rates per bucket are null without deliveries.
        let rates = s.json(&format!("/v1/stats/timeseries?{SPRING_2025}&metric=bounce_rate")).await;
        assert!(rates["buckets"].as_array().unwrap().iter().all(|b| b["value"].is_null()));
        let hours =
            s.json("/v1/stats/timeseries?since=2025-02-20&until=2025-02-21&interval=hour").await;
        let hours = hours["buckets"].as_array().unwrap();
        assert_eq!(hours.len(), 24);
        assert_eq!(hours[14]["groups"]["complaint"], 1, "the complaint of 14:02");
        assert_eq!(
            s.json("/v1/stats/timeseries").await["buckets"].as_array().unwrap().len(),
            8,
            "7 days not on midnight"
        );

        for (query, field) in [
            ("/v1/stats/timeseries?interval=week", "interval"),
            ("/v1/stats/timeseries?metric=opens", "metric"),
            ("/v1/stats/timeseries?group_by=campaign", "group_by"),
            ("/v1/stats/timeseries?since=2020-01-01&until=2026-01-01&interval=hour", "interval"),
            ("/v1/stats/timeseries?since=2025-02-01&until=2025-01-01", "until"),
            ("/v1/stats/summary?since=yesterday", "since"),
            ("/v1/stats/summary?top=101", "top"),
            ("/v1/stats/summary?scope=Not%20A%20Scope", "scope"),
            ("/v1/stats/summary?top=many", "query"),
        ] {
            assert_eq!(s.invalid(query).await, field, "{query}");
        }
        s.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sources_show_uploads_and_the_upload_that_gave_no_event() {
    for (db, dir) in backends().await {
        let s = start(db, dir).await;
        load(&s).await;
        let sources = s.json("/v1/stats/sources").await;
        let data = sources["data"].as_array().unwrap();
        assert_eq!(data.len(), 1, "{sources}");
        let http = &data[0];
        assert_eq!(http["source"], "http");
        assert_eq!(http["events_24h"], 8);
        assert_eq!((http["failures"].as_i64(), http["failures_24h"].as_i64()), (Some(1), Some(1)));
        assert_eq!(http["last_failure"]["origin"], "upload message 1/1");
        assert!(http["last_failure"]["error"].as_str().unwrap().contains("not an email message"));
        assert!(http["last_received_at"].as_str().unwrap().ends_with('Z'));
        // Read scope needed: a check token is refused, no token is 401.
        assert_eq!(s.get("/v1/stats/sources", &s.check).await.status(), StatusCode::FORBIDDEN);
        assert_eq!(s.get("/v1/stats/summary", &s.check).await.status(), StatusCode::FORBIDDEN);
        let anonymous = s.http.get(format!("{}/v1/stats/timeseries", s.base)).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
        s.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_and_sources_pages_show_the_figures_and_refuse_a_bad_range() {
    let (db, dir) = backends().await.swap_remove(0);
    let s = start(db, dir).await;
    load(&s).await;
    let html = |path: &'static str| {
        let s = &s;
        async move {
            let r = s.get(path, &s.read).await;
            let status = r.status();
            let csp = r.headers().get("content-security-policy").cloned();
            (status, csp, r.text().await.unwrap())
        }
    };
    let (status, csp, page) = html("/?since=2025-01-01&until=2025-04-01").await;
    assert_eq!(status, StatusCode::OK);
    assert!(csp.unwrap().to_str().unwrap().starts_with("default-src 'self'"));
    for figure in [
        r#"id="fig-events" value="8""#, r#"id="fig-hard-bounces" value="3""#,
        r#"id="fig-complaints" value="1""#, r#"id="fig-suppressions" value="4""#,
        r#"id="fig-bounce-rate" value="""#,
    ] {
        assert!(page.contains(figure), "{figure} not in the page");
    }
    assert!(page.contains(r#"id="no-rates""#), "no delivery: the rates are unknown");
    assert!(!page.contains("class=\"figure crossed\""), "nothing marked without a rate");
    assert!(page.contains("<svg") && page.contains("id=\"chart-reasons\""));
    assert!(!page.contains("style=") && !page.contains("<script"), "the CSP allows neither");
    let (status, _, _) = html("/?since=yesterday").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _, _) = html("/?days=0").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _, page) = html("/sources").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("status-failing"), "an input failed in the last day");
    assert!(page.contains("not an email message"), "its cause is shown");
    s.stop().await;
}
