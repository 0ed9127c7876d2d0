//! The store's behaviour, on every backend: idempotent ingest, refusals with clear errors,
//! listing. Each test runs on SQLite and on PostgreSQL.

mod backends;

use tuixin::lifecycle::Policy;
use tuixin_store::{EventFilter, FailedInput, Store, StoreError};

fn policy() -> &'static Policy {
    Policy::builtin()
}

const DAY: i64 = 86_400;
const NOW: i64 = 1_780_000_000;

#[test]
fn the_same_bounces_twice_are_stored_once() {
    for backend in backends::all() {
        let store = backend.open();
        let batch = backends::examples("file", NOW);
        let records: usize = batch.iter().map(|i| i.records.len()).sum();
        assert!(records >= 7, "the examples give records");
        let first = store.ingest(&batch, policy(), NOW).unwrap();
        assert_eq!(first.inputs, batch.len(), "{}", backend.name);
        assert_eq!(first.new_events, records, "{}", backend.name);
        assert_eq!(first.duplicates, 0, "{}", backend.name);
        let counts = store.counts().unwrap();
        // Read again later, from another source (an IMAP re-fetch of the same mail): nothing new.
        let again = store
            .ingest(&backends::examples("imap:bounces", NOW + DAY), policy(), NOW + DAY)
            .unwrap();
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
fn a_group_commit_counts_each_caller_on_its_own_and_stores_a_bounce_once() {
    // What one plain ingest of the examples does, for comparison.
    let first = backends::examples("webhook:a", NOW);
    let records: usize = first.iter().map(|i| i.records.len()).sum();
    let reference = backends::sqlite();
    let suppressing = reference.open().ingest(&first, policy(), NOW).unwrap().suppressions_added;
    assert!(suppressing > 0, "the examples suppress");
    for backend in backends::all() {
        let store = backend.open();
        // Three callers in one transaction: the examples, the same examples again (a
        // redelivery racing the first), and one with nothing but a failed input.
        let mut inputs = first.clone();
        inputs.extend(backends::examples("webhook:b", NOW));
        let n = first.len();
        let failed = [FailedInput {
            source: "webhook:b".to_owned(),
            origin: "webhook".to_owned(),
            received_at: NOW,
            error: "refused: the signature does not match".to_owned(),
        }];
        let summaries = store
            .ingest_group(&inputs, &[0..n, n..2 * n, 2 * n..2 * n], &failed, policy(), NOW)
            .unwrap();
        assert_eq!(summaries.len(), 3, "{}", backend.name);
        // Each bounce is stored once; which caller's copy counts as new is the store's choice,
        // but the two add up to the records, and the suppressions to what one ingest makes.
        let new = summaries[0].new_events + summaries[1].new_events;
        let duplicates = summaries[0].duplicates + summaries[1].duplicates;
        assert_eq!((new, duplicates), (records, records), "{}: {summaries:?}", backend.name);
        assert_eq!(summaries[0].records + summaries[1].records, 2 * records, "{}", backend.name);
        assert_eq!(
            summaries[0].suppressions_added + summaries[1].suppressions_added,
            suppressing,
            "{}: {summaries:?}",
            backend.name
        );
        assert_eq!(summaries[2], tuixin_store::IngestSummary::default(), "{}", backend.name);
        assert_eq!(store.counts().unwrap().events as usize, records, "{}", backend.name);
        let sources = store.stats_sources(NOW).unwrap();
        let b = sources.iter().find(|s| s.source == "webhook:b");
        assert_eq!(b.map(|s| s.failures), Some(1), "{}: {sources:?}", backend.name);
    }
}

#[test]
fn a_batch_holding_the_same_bounce_twice_stores_it_once() {
    for backend in backends::all() {
        let store = backend.open();
        let mut batch = backends::examples("file", NOW);
        batch.extend(backends::examples("smtp", NOW));
        let records: usize = batch.iter().map(|i| i.records.len()).sum();
        let summary = store.ingest(&batch, policy(), NOW).unwrap();
        assert_eq!(summary.new_events * 2, records, "{}", backend.name);
        assert_eq!(summary.duplicates * 2, records, "{}", backend.name);
    }
}

#[test]
fn events_are_listed_with_their_record_and_provenance() {
    for backend in backends::all() {
        let store = backend.open();
        store.ingest(&backends::examples("file", NOW), policy(), NOW).unwrap();
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
        store
            .ingest(&backends::examples("file", NOW - 31 * DAY), policy(), NOW - 31 * DAY)
            .unwrap();
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
        Ok(store) => {
            store.ingest(&backends::examples("file", NOW), policy(), NOW).expect_err("locked")
        }
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

#[test]
fn hard_bounces_suppress_and_sender_problems_do_not() {
    for backend in backends::all() {
        let store = backend.open();
        let summary = store.ingest(&backends::examples("file", NOW), policy(), NOW).unwrap();
        let check = |address: &str, scope: &str| {
            store.check(&[address.to_owned()], scope, NOW).unwrap().remove(0)
        };
        // userunknown with a 5.1.1 from the server's words: suppressed for everything.
        for hard in [
            "alice.example@mail.example.org", "example.reader.0421@gmail.com",
            "Example.Wanglei@QQ.com",
        ] {
            let outcome = check(hard, "transactional");
            assert!(!outcome.allowed, "{}: {hard} should be suppressed", backend.name);
            let by = outcome.blocked_by.unwrap();
            assert_eq!((by.scope.as_str(), by.reason.as_str()), ("all", "hard_bounce"));
            assert_eq!(by.bounce_reason.as_deref(), Some("userunknown"));
            assert_eq!(by.expires_at, None);
            assert!(by.event_id.is_some());
        }
        // The sender's problem (authfailure), the message's (mesgtoobig), an auto-reply, one
        // full mailbox: never suppressed.
        for fine in [
            "li.na@partner.example.net", "example-chenjing@163.com", "zhang.wei@example.org",
            "chen.jie@example.net",
        ] {
            assert!(check(fine, "marketing").allowed, "{}: {fine} must stay allowed", backend.name);
        }
        // A complaint: no more marketing mail; transactional mail still goes.
        let complaint = check("zhao.min@example.net", "marketing");
        assert!(!complaint.allowed, "{}", backend.name);
        let by = complaint.blocked_by.unwrap();
        assert_eq!(
            (by.scope.as_str(), by.reason.as_str(), by.locked),
            ("marketing", "complaint", true)
        );
        assert!(check("zhao.min@example.net", "transactional").allowed);
        assert_eq!(summary.suppressions_added, 4, "{}: {summary:?}", backend.name);
        // Every change audited.
        assert!(store.counts().unwrap().audit >= 4);
    }
}

#[test]
fn an_expired_suppression_stops_blocking_at_once() {
    for backend in backends::all() {
        let store = backend.open();
        // One full mailbox a day for five days: a threshold suppression of 30 days.
        let mut batch = Vec::new();
        let template = &backends::examples("file", NOW)
            .into_iter()
            .find(|i| i.records.iter().any(|r| r.reason.as_str() == "mailboxfull"))
            .unwrap();
        for day in 0..5 {
            let mut input = template.clone();
            input.raw.extend_from_slice(format!("\n{day}\n").as_bytes());
            for record in &mut input.records {
                record.timestamp = NOW - (5 - day) * DAY;
            }
            batch.push(input);
        }
        store.ingest(&batch, policy(), NOW).unwrap();
        let address = vec!["chen.jie@example.net".to_owned()];
        let outcome = store.check(&address, "all", NOW).unwrap().remove(0);
        assert!(!outcome.allowed, "{}: five soft days suppress", backend.name);
        let by = outcome.blocked_by.unwrap();
        assert_eq!(by.reason, "soft_bounce_threshold");
        let expires = by.expires_at.expect("a threshold entry expires");
        assert!(!store.check(&address, "all", expires - 1).unwrap()[0].allowed);
        assert!(store.check(&address, "all", expires).unwrap()[0].allowed, "{}", backend.name);
    }
}

#[test]
fn two_writers_ingesting_the_same_bounces_end_as_one() {
    let Some(backend) = backends::postgres() else { return };
    let reference = backends::sqlite();
    let batch = backends::examples("file", NOW);
    reference.open().ingest(&batch, policy(), NOW).unwrap();
    let expected = reference.open().suppressions(&Default::default()).unwrap();
    drop(backend.open());
    // Many small overlapping batches from two processes' worth of connections at once.
    std::thread::scope(|scope| {
        for writer in 0..2 {
            let (backend, batch) = (&backend, &batch);
            scope.spawn(move || {
                let store = backend.open();
                for round in 0..5 {
                    let mut mine = batch.clone();
                    if (writer + round) % 2 == 1 {
                        mine.reverse();
                    }
                    for chunk in mine.chunks(3) {
                        store.ingest(chunk, policy(), NOW).unwrap();
                    }
                }
            });
        }
    });
    let store = backend.open();
    let records: usize = batch.iter().map(|i| i.records.len()).sum();
    let counts = store.counts().unwrap();
    assert_eq!(counts.events as usize, records);
    assert_eq!(store.suppressions(&Default::default()).unwrap(), expected);
    let reference_counts = reference.open().counts().unwrap();
    assert_eq!(counts.audit, reference_counts.audit, "the lifecycle ran once per event");
}

#[test]
fn checks_answer_while_an_ingest_waits_for_the_write_lock() {
    let backend = backends::sqlite();
    let store = backend.open();
    store.ingest(&backends::examples("file", NOW), policy(), NOW).unwrap();
    let path = backend.url.strip_prefix("sqlite:").unwrap().to_owned();
    // Another process holds the write lock: this store's ingest waits for it (busy timeout).
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    std::thread::scope(|scope| {
        let ingest = scope
            .spawn(|| store.ingest(&backends::examples("smtp", NOW + DAY), policy(), NOW + DAY));
        std::thread::sleep(std::time::Duration::from_millis(200));
        // Meanwhile checks in the same process are answered, from the last commit.
        let outcome =
            store.check(&["alice.example@mail.example.org".to_owned()], "all", NOW).unwrap();
        assert!(!outcome[0].allowed);
        assert!(!ingest.is_finished(), "the ingest should still be waiting for the lock");
        holder.execute_batch("ROLLBACK").unwrap();
        let summary = ingest.join().unwrap().unwrap();
        assert_eq!(summary.new_events, 0);
    });
}

#[test]
fn importing_the_same_rows_again_later_changes_nothing_even_without_times() {
    use tuixin::lifecycle::{Scope, SuppressionReason};
    use tuixin_store::ImportEntry;
    let entry = |line: usize, address: &str, reason, scope, created_at| ImportEntry {
        line,
        address: address.into(),
        scope,
        reason,
        created_at,
        description: "550 5.1.1".into(),
    };
    let rows = [
        entry(
            2,
            "dated@example.org",
            SuppressionReason::HardBounce,
            Scope::All,
            Some(NOW - 86_400),
        ),
        entry(3, "undated@example.org", SuppressionReason::HardBounce, Scope::All, None),
        // A complaint is locked: a second import must not be refused for it.
        entry(4, "complained@example.org", SuppressionReason::Complaint, Scope::Marketing, None),
        entry(5, "not an address", SuppressionReason::Manual, Scope::All, None),
    ];
    for backend in backends::all() {
        let store = backend.open();
        let (done, failures) = store.import(&rows, "test", NOW).unwrap();
        assert_eq!(
            (done, failures.iter().map(|f| f.line).collect::<Vec<_>>()),
            (3, vec![5]),
            "{}",
            backend.name
        );
        let before = (store.counts().unwrap(), store.suppressions(&Default::default()).unwrap());
        // An hour later, the same file.
        let (done, failures) = store.import(&rows, "test", NOW + 3600).unwrap();
        assert_eq!((done, failures.len()), (3, 1), "{}: {failures:?}", backend.name);
        let after = (store.counts().unwrap(), store.suppressions(&Default::default()).unwrap());
        assert_eq!(after, before, "{}", backend.name);
    }
}

#[test]
fn a_lease_has_one_holder_until_it_expires_or_is_released() {
    for backend in backends::all() {
        let store = backend.open();
        let name = "imap:bounces";
        assert!(store.lease_take(name, "server-a", NOW, NOW + 60).unwrap(), "{}", backend.name);
        // Another server is refused while it runs; its holder renews it.
        assert!(
            !store.lease_take(name, "server-b", NOW + 30, NOW + 90).unwrap(),
            "{}",
            backend.name
        );
        assert!(
            store.lease_take(name, "server-a", NOW + 30, NOW + 90).unwrap(),
            "{}",
            backend.name
        );
        assert!(
            !store.lease_take(name, "server-b", NOW + 89, NOW + 149).unwrap(),
            "{}",
            backend.name
        );
        // Past its expiry another server takes it, and the first one is then refused.
        assert!(
            store.lease_take(name, "server-b", NOW + 90, NOW + 150).unwrap(),
            "{}",
            backend.name
        );
        assert!(
            !store.lease_take(name, "server-a", NOW + 91, NOW + 151).unwrap(),
            "{}",
            backend.name
        );
        // A release by one that does not hold it changes nothing; by the holder, frees it.
        store.lease_release(name, "server-a").unwrap();
        assert!(
            !store.lease_take(name, "server-c", NOW + 92, NOW + 152).unwrap(),
            "{}",
            backend.name
        );
        store.lease_release(name, "server-b").unwrap();
        assert!(
            store.lease_take(name, "server-c", NOW + 93, NOW + 153).unwrap(),
            "{}",
            backend.name
        );
        // Leases are per name.
        assert!(
            store.lease_take("imap:other", "server-a", NOW + 93, NOW + 153).unwrap(),
            "{}",
            backend.name
        );
    }
}
