//! The SQLite backend: one file, WAL, one writer at a time (an IMMEDIATE transaction takes the
//! write lock up front), a busy timeout before a clear "locked" error, foreign keys on, and
//! `synchronous = FULL` so a commit is on disk before it is acknowledged.
//!
//! Checkpoints (copying the WAL back into the database file) run on a thread of their own, so
//! the writer does not stop for them: the writer wakes it after each commit, and it checkpoints
//! at most once per [`CHECKPOINT_INTERVAL`]. Should it fall behind, the writer's own automatic
//! checkpoint at [`BACKSTOP_PAGES`] bounds the WAL.

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};
use rusqlite_migration::{M, Migrations};

use crate::StoreError;
use crate::schema::{self, APPLICATION_ID, SCHEMA_VERSION};
use crate::sql::{Dialect, Tx, Value};

/// How often at most the checkpoint thread copies the WAL into the file (when there were
/// commits since).
pub const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(1);

/// WAL pages after which the writer checkpoints by itself (the checkpoint thread fell behind).
pub const BACKSTOP_PAGES: u64 = 32768;

/// An open SQLite database.
pub struct SqliteDb {
    /// Wakes the checkpoint thread after a commit (dropped first, which ends the thread).
    checkpoints: Option<Checkpoints>,
    /// The one writer (and the connection that checked and migrated the file).
    conn: Mutex<Connection>,
    /// Idle read connections: reads run beside the writer and beside each other (WAL).
    readers: Mutex<Vec<Connection>>,
    path: std::path::PathBuf,
    name: String,
    busy: Duration,
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Owned(rusqlite::types::Value::Null),
            Value::Int(i) => ToSqlOutput::Owned(rusqlite::types::Value::Integer(*i)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Bytes(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

fn value(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Int(f as i64),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
    }
}

impl SqliteDb {
    /// Opens (creating if missing) the file; checks that it is a tuixin database no newer than
    /// this build before anything writes to it.
    pub fn open(path: &Path, busy: Duration) -> Result<SqliteDb, StoreError> {
        let name = path.display().to_string();
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| map_err(&name, busy, e))?;
        conn.busy_timeout(busy).map_err(|e| map_err(&name, busy, e))?;
        // Ingest uses a few dozen distinct statements (multi-row inserts of several sizes).
        conn.set_prepared_statement_cache_capacity(64);
        let mut db = SqliteDb {
            checkpoints: None,
            conn: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
            path: path.to_path_buf(),
            name,
            busy,
        };
        db.check_kind()?;
        {
            let conn = db.lock();
            // WAL is kept in the file; set only once the file is known to be ours.
            let mode: String = conn
                .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
                .map_err(|e| db.err(e))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(StoreError::Database {
                    db: db.name.clone(),
                    cause: format!("cannot switch to WAL (journal mode is {mode})"),
                });
            }
            // A 32 MiB page cache: event ids and address keys are hashes, so inserts land all over
            // the indexes, and SQLite's default 2 MiB cache turns each into a read.
            // Statement journals (for multi-row inserts that may roll back alone) in memory, not
            // in temporary files; the WAL truncated back to 64 MiB after it was reset.
            conn.execute_batch(&format!(
                "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA cache_size = -32768; \
                 PRAGMA temp_store = MEMORY; PRAGMA journal_size_limit = 67108864; \
                 PRAGMA wal_autocheckpoint = {BACKSTOP_PAGES};"
            ))
            .map_err(|e| db.err(e))?;
        }
        // The file SQLite actually opened (a `file:` URI resolved).
        let file = db.lock().path().map(std::path::PathBuf::from);
        if let Some(file) = file.filter(|f| !f.as_os_str().is_empty()) {
            db.checkpoints = Some(Checkpoints::start(&file, busy).map_err(|e| db.err(e))?);
        }
        Ok(db)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        map_err(&self.name, self.busy, e)
    }

    /// Refuses a file that is no SQLite database, another program's database, or one written
    /// by a newer tuixin.
    fn check_kind(&self) -> Result<(), StoreError> {
        let conn = self.lock();
        let read = |sql: &str| conn.query_row(sql, [], |row| row.get::<_, i64>(0));
        let app = read("PRAGMA application_id").map_err(|e| self.err(e))?;
        let version = read("PRAGMA user_version").map_err(|e| self.err(e))?;
        let tables = read("SELECT count(*) FROM sqlite_master WHERE type = 'table'")
            .map_err(|e| self.err(e))?;
        let not_ours =
            |why: &str| StoreError::NotTuixin { path: self.name.clone(), why: why.to_owned() };
        if app != 0 && app != APPLICATION_ID {
            return Err(not_ours("a SQLite database of another program"));
        }
        if app == 0 && tables > 0 {
            return Err(not_ours("a SQLite database with tables of another program"));
        }
        if version > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                db: self.name.clone(),
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        Ok(())
    }

    /// The schema version in the file (0 for a new file).
    pub fn version(&self) -> Result<i64, StoreError> {
        let conn = self.lock();
        conn.query_row("PRAGMA user_version", [], |row| row.get(0)).map_err(|e| self.err(e))
    }

    /// Applies the migrations this file lacks, each in its own transaction.
    pub fn migrate(&self) -> Result<(), StoreError> {
        let migrations = Migrations::new(schema::SQLITE.iter().map(|sql| M::up(sql)).collect());
        let mut conn = self.lock();
        migrations.to_latest(&mut conn).map_err(|e| match e {
            rusqlite_migration::Error::RusqliteError { err, .. } => self.err(err),
            rusqlite_migration::Error::MigrationDefinition(
                rusqlite_migration::MigrationDefinitionError::DatabaseTooFarAhead,
            ) => {
                StoreError::SchemaTooNew { db: self.name.clone(), found: -1, known: SCHEMA_VERSION }
            }
            other => StoreError::Database { db: self.name.clone(), cause: other.to_string() },
        })
    }

    /// Runs `f` in one write transaction (the write lock taken at its start), committed when `f`
    /// succeeds and rolled back otherwise.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let out = {
            let mut conn = self.lock();
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| self.err(e))?;
            let mut sq = SqliteTx { tx, db: self };
            let out = f(&mut sq)?;
            sq.tx.commit().map_err(|e| self.err(e))?;
            out
        };
        if let Some(checkpoints) = &self.checkpoints {
            checkpoints.wake();
        }
        Ok(out)
    }

    /// Runs `f` in one read transaction (a consistent snapshot).
    pub fn read<T>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let idle = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut conn = match idle {
            Some(conn) => conn,
            None => self.reader()?,
        };
        let out = {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Deferred)
                .map_err(|e| self.err(e))?;
            let mut sq = SqliteTx { tx, db: self };
            let out = f(&mut sq)?;
            sq.tx.commit().map_err(|e| self.err(e))?;
            out
        };
        self.readers.lock().unwrap_or_else(|p| p.into_inner()).push(conn);
        Ok(out)
    }

    /// A new read-only connection to the file.
    fn reader(&self) -> Result<Connection, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags).map_err(|e| self.err(e))?;
        conn.busy_timeout(self.busy).map_err(|e| self.err(e))?;
        conn.set_prepared_statement_cache_capacity(64);
        conn.execute_batch("PRAGMA cache_size = -8192;").map_err(|e| self.err(e))?;
        Ok(conn)
    }
}

/// The checkpoint thread: its own connection, woken after commits.
struct Checkpoints {
    wake: Option<std::sync::mpsc::SyncSender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpoints {
    fn start(path: &Path, busy: Duration) -> rusqlite::Result<Checkpoints> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)?;
        conn.busy_timeout(busy)?;
        // It writes nothing itself: its only checkpoints are the ones it is asked for.
        conn.execute_batch("PRAGMA wal_autocheckpoint = 0;")?;
        let (wake, woken) = std::sync::mpsc::sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".to_owned())
            .spawn(move || {
                use std::sync::mpsc::RecvTimeoutError;
                let mut pending = false;
                loop {
                    if !pending && woken.recv().is_err() {
                        return;
                    }
                    // PASSIVE: copies what it can without waiting for the writer or readers.
                    // A failure (busy, I/O) is no call's error: the next wake retries, and the
                    // writer's backstop bounds the WAL meanwhile.
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                    // At most one checkpoint per interval (a page changed by many commits is
                    // copied once, not once per commit); the wakes meanwhile make one more.
                    let until = std::time::Instant::now() + CHECKPOINT_INTERVAL;
                    pending = false;
                    loop {
                        let left = until.saturating_duration_since(std::time::Instant::now());
                        match woken.recv_timeout(left) {
                            Ok(()) => pending = true,
                            Err(RecvTimeoutError::Timeout) => break,
                            Err(RecvTimeoutError::Disconnected) => return,
                        }
                    }
                }
            })
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        Ok(Checkpoints { wake: Some(wake), thread: Some(thread) })
    }

    /// Asks for a checkpoint (at most one per interval); never waits.
    fn wake(&self) {
        if let Some(wake) = &self.wake {
            let _ = wake.try_send(());
        }
    }
}

impl Drop for Checkpoints {
    fn drop(&mut self) {
        self.wake = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct SqliteTx<'c> {
    tx: rusqlite::Transaction<'c>,
    db: &'c SqliteDb,
}

/// The statement with SQLite's numbered placeholders: `$N` becomes `?N`. Both bind by number,
/// but SQLite looks a `$N` up among the names seen so far, which is quadratic in the number of
/// parameters (a 10,000-value multi-row insert spent most of its time comparing names).
fn numbered(sql: &str) -> std::borrow::Cow<'_, str> {
    if sql.contains('$') {
        std::borrow::Cow::Owned(sql.replace('$', "?"))
    } else {
        std::borrow::Cow::Borrowed(sql)
    }
}

impl Tx for SqliteTx<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        let sql = numbered(sql);
        let mut stmt = self.tx.prepare_cached(&sql).map_err(|e| self.db.err(e))?;
        let n =
            stmt.execute(rusqlite::params_from_iter(params.iter())).map_err(|e| self.db.err(e))?;
        Ok(n as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, StoreError> {
        let sql = numbered(sql);
        let mut stmt = self.tx.prepare_cached(&sql).map_err(|e| self.db.err(e))?;
        let columns = stmt.column_count();
        let mut rows =
            stmt.query(rusqlite::params_from_iter(params.iter())).map_err(|e| self.db.err(e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| self.db.err(e))? {
            let mut values = Vec::with_capacity(columns);
            for i in 0..columns {
                values.push(value(row.get_ref(i).map_err(|e| self.db.err(e))?));
            }
            out.push(values);
        }
        Ok(out)
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn db_name(&self) -> &str {
        &self.db.name
    }
}

/// The store's error for a SQLite error, by its code.
fn map_err(name: &str, busy: Duration, e: rusqlite::Error) -> StoreError {
    let code = e.sqlite_error_code();
    match code {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            StoreError::Locked { path: name.to_owned(), waited_ms: busy.as_millis() as u64 }
        }
        Some(ErrorCode::NotADatabase) => {
            StoreError::NotTuixin { path: name.to_owned(), why: "not a SQLite database".to_owned() }
        }
        Some(ErrorCode::DiskFull) => StoreError::DiskFull { db: name.to_owned() },
        Some(ErrorCode::CannotOpen) => StoreError::Database {
            db: name.to_owned(),
            cause: "cannot open the file (does its folder exist, may we write there?)".to_owned(),
        },
        _ => StoreError::Database { db: name.to_owned(), cause: e.to_string() },
    }
}
