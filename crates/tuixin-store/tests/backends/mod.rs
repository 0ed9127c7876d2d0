//! The stores the behaviour suite runs against: a SQLite file in a temp dir, and a real
//! PostgreSQL (a fresh database per test on the cluster named by `TUIXIN_TEST_DATABASE_URL`;
//! `scripts/test-postgres.sh start` makes one). Under `CI=true` a missing PostgreSQL fails.

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};

use tuixin_store::{Input, Store};

/// A store to test, with what keeps it alive.
pub struct Backend {
    /// What it is, for assertion messages.
    pub name: &'static str,
    /// Its URL.
    pub url: String,
    /// The temp dir of a SQLite file.
    _dir: Option<tempfile::TempDir>,
}

impl Backend {
    /// A fresh store of this backend.
    pub fn open(&self) -> Store {
        Store::open(&self.url).unwrap_or_else(|e| panic!("{}: {e}", self.name))
    }
}

/// A SQLite file in a fresh temp dir.
pub fn sqlite() -> Backend {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite:{}", dir.path().join("tuixin.db").display());
    Backend { name: "sqlite", url, _dir: Some(dir) }
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A fresh database on the test PostgreSQL cluster, or None (with a note) when there is none
/// and we are not in CI.
pub fn postgres() -> Option<Backend> {
    let Ok(base) = std::env::var("TUIXIN_TEST_DATABASE_URL") else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "CI=true but TUIXIN_TEST_DATABASE_URL is not set: run scripts/test-postgres.sh start (see .ci/run)"
            );
        }
        eprintln!(
            "note: TUIXIN_TEST_DATABASE_URL not set: PostgreSQL part skipped (scripts/test-postgres.sh start)"
        );
        return None;
    };
    let name = format!("t{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let (client, connection) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
            .await
            .expect("connect to the test cluster");
        tokio::spawn(connection);
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create a test database");
    });
    let url = match base.rfind('/') {
        Some(slash) if slash > "postgres://".len() => format!("{}/{name}", &base[..slash]),
        _ => panic!("TUIXIN_TEST_DATABASE_URL has no database name: {base}"),
    };
    Some(Backend { name: "postgres", url, _dir: None })
}

/// Every backend to run a behaviour on.
pub fn all() -> Vec<Backend> {
    let mut out = vec![sqlite()];
    out.extend(postgres());
    out
}

/// Runs one SQL statement on a PostgreSQL URL (test set-up only).
pub fn pg_execute(url: &str, sql: &str) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let (client, connection) =
            tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(connection);
        client.batch_execute(sql).await.unwrap();
    });
}

/// The bundled example bounces, each an input with its decoded records.
pub fn examples(source: &str, received_at: i64) -> Vec<Input> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
    let mut paths: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    paths
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .map(|path| {
            let raw = std::fs::read(&path).unwrap();
            let records = tuixin::decode(&raw).unwrap();
            Input {
                raw,
                records,
                source: source.to_owned(),
                origin: path.display().to_string(),
                received_at,
                packed: None,
            }
        })
        .collect()
}
