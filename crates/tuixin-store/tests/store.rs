//! The store's behaviour, on every backend: idempotent ingest, refusals with clear errors,
//! listing. Each test runs on SQLite and on PostgreSQL.

mod backends;

use tuixin_store::{EventFilter, Store, StoreError};

const DAY: i64 = 86_400;
const NOW: i64 = 1_780_000_000;

#[test]
fn the_same_bounces_twice_are_stored_once() {
    for backend in backends::all() {
        let store = backend.open();
        let batch = backends::examples("file", NOW);
        let records: usize = batch.iter().map(|i| i.records.len()).sum();
        assert!(records >= 7, "the examples give records");
        let first = store.ingest(&batch, NOW).unwrap();
        assert_eq!(first.inputs, batch.len(), "{}", backend.name);
        assert_eq!(first.new_events, records, "{}", backend.name);
        assert_eq!(first.duplicates, 0, "{}", backend.name);
        let counts = store.counts().unwrap();
        // Read again later, from another source (an IMAP re-fetch of the same mail): nothing new.
        let again =
            store.ingest(&backends::examples("imap:bounces", NOW + DAY), NOW + DAY).unwrap();
        assert_eq!(again.new_events, 0, "{}", backend.name);
        assert_eq!(again.duplicates, records, "{}", backend.name);
        assert_eq!(
            store.counts().unwrap(),
            counts,
            "{}: a second ingest changed the store",
            backend.name
        );
        assert_eq!(counts.events as usize, records);
        assert_eq!(counts.raw_inputs as usize, batch.len());
    }
}

#[test]
fn a_batch_holding_the_same_bounce_twice_stores_it_once() {
    for backend in backends::all() {
        let store = backend.open();
        let mut batch = backends::examples("file", NOW);
        batch.extend(backends::examples("smtp", NOW));
        let records: usize = batch.iter().map(|i| i.records.len()).sum();
        let summary = store.ingest(&batch, NOW).unwrap();
        assert_eq!(summary.new_events * 2, records, "{}", backend.name);
        assert_eq!(summary.duplicates * 2, records, "{}", backend.name);
    }
}

#[test]
fn events_are_listed_with_their_record_and_provenance() {
    for backend in backends::all() {
        let store = backend.open();
        store.ingest(&backends::examples("file", NOW), NOW).unwrap();
        let all = store.events(&EventFilter::default()).unwrap();
        assert_eq!(all.len() as i64, store.counts().unwrap().events);
        let unknown = store
            .events(&EventFilter { reason: Some("userunknown".into()), ..EventFilter::default() })
            .unwrap();
        assert!(!unknown.is_empty(), "{}: the Postfix example is a userunknown", backend.name);
        for event in &unknown {
            assert_eq!(event.record["reason"], "userunknown");
            assert_eq!(event.source, "file");
            assert_eq!(event.received_at, NOW);
            let raw = store.raw(event.raw_id.as_deref().unwrap()).unwrap().expect("raw kept");
            assert!(!raw.is_empty());
        }
        // By address, in any spelling.
        let recipient = unknown[0].record["recipient"].as_str().unwrap().to_uppercase();
        let by_address = store
            .events(&EventFilter { address: Some(recipient), ..EventFilter::default() })
            .unwrap();
        assert!(by_address.iter().any(|e| e.id == unknown[0].id), "{}", backend.name);
        // Pages of 2 give every event once, in order.
        let mut paged = Vec::new();
        let mut after = None;
        loop {
            let page = store
                .events(&EventFilter {
                    after: after.clone(),
                    limit: Some(2),
                    ..EventFilter::default()
                })
                .unwrap();
            let Some(last) = page.last() else { break };
            after = Some((last.received_at, last.id.clone()));
            paged.extend(page);
        }
        assert_eq!(paged, all, "{}", backend.name);
    }
}

#[test]
fn raw_inputs_are_pruned_after_their_retention_and_events_stay() {
    for backend in backends::all() {
        let store = backend.open();
        store.ingest(&backends::examples("file", NOW - 31 * DAY), NOW - 31 * DAY).unwrap();
        let events = store.counts().unwrap().events;
        let pruned = store.prune_raw(NOW - 30 * DAY).unwrap();
        assert!(pruned > 0);
        let counts = store.counts().unwrap();
        assert_eq!(counts.raw_inputs, 0, "{}", backend.name);
        assert_eq!(counts.events, events, "{}: events outlive their raw input", backend.name);
        let listed = store.events(&EventFilter::default()).unwrap();
        assert!(listed.iter().all(|e| e.raw_id.is_none()), "{}", backend.name);
    }
}

#[test]
fn a_newer_schema_is_refused_and_left_unchanged() {
    // SQLite: a file whose version is past ours.
    let backend = backends::sqlite();
    drop(backend.open());
    let path = backend.url.strip_prefix("sqlite:").unwrap().to_owned();
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA user_version = 99; UPDATE meta SET value = '99';").unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let error = Store::open(&backend.url).err().expect("refused");
    assert!(matches!(error, StoreError::SchemaTooNew { found: 99, .. }), "{error}");
    assert!(error.to_string().contains("newer"), "{error}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "the newer file was altered");
    if let Some(backend) = backends::postgres() {
        drop(backend.open());
        backends::pg_execute(
            &backend.url,
            "UPDATE meta SET value = '99' WHERE key = 'schema_version'",
        );
        let error = Store::open(&backend.url).err().expect("refused");
        assert!(matches!(error, StoreError::SchemaTooNew { found: 99, .. }), "{error}");
    }
}

#[test]
fn a_file_that_is_not_a_tuixin_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "these are my notes, not a database\n".repeat(200)).unwrap();
    let before = std::fs::read(&text).unwrap();
    let error = Store::open(text.to_str().unwrap()).err().expect("refused");
    assert!(matches!(error, StoreError::NotTuixin { .. }), "{error}");
    assert!(error.to_string().contains("not a SQLite database"), "{error}");
    assert_eq!(std::fs::read(&text).unwrap(), before);
    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE songs (title TEXT)")
        .unwrap();
    let error = Store::open(other.to_str().unwrap()).err().expect("refused");
    assert!(matches!(error, StoreError::NotTuixin { .. }), "{error}");
}

#[test]
fn a_locked_database_gives_a_clear_error_after_the_busy_timeout() {
    let backend = backends::sqlite();
    drop(backend.open());
    let path = backend.url.strip_prefix("sqlite:").unwrap().to_owned();
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let options = tuixin_store::OpenOptions {
        busy_timeout: std::time::Duration::from_millis(200),
        migrate: false,
        create: false,
    };
    let store = Store::open_with(&backend.url, &options);
    let error = match store {
        Ok(store) => store.ingest(&backends::examples("file", NOW), NOW).err().expect("locked"),
        Err(e) => e,
    };
    assert!(matches!(error, StoreError::Locked { .. }), "{error}");
    assert!(error.to_string().contains("locked"), "{error}");
    holder.execute_batch("ROLLBACK").unwrap();
}

#[test]
fn an_unreachable_postgres_is_named_without_its_password() {
    // Port 1 on loopback: nothing listens there.
    let error = Store::open("postgres://tuixin:s3cret-pw@127.0.0.1:1/tuixin?connect_timeout=5")
        .err()
        .expect("unreachable");
    assert!(matches!(error, StoreError::Unreachable { .. }), "{error}");
    let text = error.to_string();
    assert!(!text.contains("s3cret-pw"), "{text}");
    assert!(text.contains("127.0.0.1:1"), "{text}");
}

#[test]
fn migrate_reports_the_versions_and_is_idempotent() {
    for backend in backends::all() {
        let options = tuixin_store::OpenOptions { migrate: false, ..Default::default() };
        let store = Store::open_with(&backend.url, &options).unwrap();
        assert_eq!(store.schema_version().unwrap(), 0);
        let done = store.migrate().unwrap();
        assert_eq!((done.from, done.to), (0, tuixin_store::SCHEMA_VERSION), "{}", backend.name);
        let again = store.migrate().unwrap();
        assert_eq!(
            (again.from, again.to),
            (tuixin_store::SCHEMA_VERSION, tuixin_store::SCHEMA_VERSION)
        );
    }
}
