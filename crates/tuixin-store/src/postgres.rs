//! The PostgreSQL backend: a deadpool of tokio-postgres connections driven by a small tokio
//! runtime of our own, so that the Store API stays synchronous (see the crate docs for why).
//! Write transactions that fail on a serialization failure or a deadlock are run again.

use std::str::FromStr;
use std::time::Duration;

use bytes::BytesMut;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use tokio_postgres::{NoTls, Row};

use crate::StoreError;
use crate::schema::{self, SCHEMA_VERSION};
use crate::sql::{Dialect, Tx, Value};
use crate::url::redact;

/// How often a write transaction is tried when PostgreSQL reports a conflict.
const ATTEMPTS: usize = 8;

/// An advisory lock key that serializes concurrent migrations ("tuixin" in ASCII).
const MIGRATION_LOCK: i64 = 0x7475_6978_696e;

/// An open PostgreSQL database.
pub struct PgDb {
    rt: tokio::runtime::Runtime,
    pool: Pool,
    name: String,
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) if *ty == Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
            Value::Int(i) if *ty == Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
            Value::Int(i) => i.to_sql(ty, out),
            Value::Text(s) => s.to_sql(ty, out),
            Value::Bytes(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn column(row: &Row, i: usize) -> Result<Value, tokio_postgres::Error> {
    let ty = row.columns()[i].type_();
    Ok(if *ty == Type::INT8 {
        row.try_get::<_, Option<i64>>(i)?.map_or(Value::Null, Value::Int)
    } else if *ty == Type::INT4 {
        row.try_get::<_, Option<i32>>(i)?.map_or(Value::Null, |v| Value::Int(v.into()))
    } else if *ty == Type::INT2 {
        row.try_get::<_, Option<i16>>(i)?.map_or(Value::Null, |v| Value::Int(v.into()))
    } else if *ty == Type::BOOL {
        row.try_get::<_, Option<bool>>(i)?.map_or(Value::Null, |v| Value::Int(v.into()))
    } else if *ty == Type::BYTEA {
        row.try_get::<_, Option<Vec<u8>>>(i)?.map_or(Value::Null, Value::Bytes)
    } else {
        row.try_get::<_, Option<String>>(i)?.map_or(Value::Null, Value::Text)
    })
}

impl PgDb {
    /// Connects (checking that the server answers) and checks the schema version before
    /// anything writes.
    pub fn open(url: &str) -> Result<PgDb, StoreError> {
        let name = redact(url);
        let mut config = tokio_postgres::Config::from_str(url)
            .map_err(|e| StoreError::BadUrl { url: name.clone(), why: e.to_string() })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        if config.get_application_name().is_none() {
            config.application_name("tuixin");
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| StoreError::Database { db: name.clone(), cause: e.to_string() })?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig { recycling_method: RecyclingMethod::Fast },
        );
        let pool = Pool::builder(manager)
            .max_size(4)
            .runtime(Runtime::Tokio1)
            .create_timeout(Some(Duration::from_secs(15)))
            .build()
            .map_err(|e| StoreError::Database { db: name.clone(), cause: e.to_string() })?;
        let db = PgDb { rt, pool, name };
        let version = db.version()?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                db: db.name.clone(),
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        Ok(db)
    }

    fn client(&self) -> Result<deadpool_postgres::Client, StoreError> {
        self.rt.block_on(self.pool.get()).map_err(|e| {
            let cause = match &e {
                deadpool_postgres::PoolError::Backend(pg) => pg_cause(pg),
                other => other.to_string(),
            };
            StoreError::Unreachable { url: self.name.clone(), cause }
        })
    }

    /// The schema version in the database (0 when it has no tuixin tables yet).
    pub fn version(&self) -> Result<i64, StoreError> {
        let client = self.client()?;
        self.rt.block_on(async {
            let has_meta = client
                .query_one("SELECT to_regclass('meta') IS NOT NULL", &[])
                .await
                .map_err(|e| self.err(e))?
                .get::<_, bool>(0);
            if !has_meta {
                return Ok(0);
            }
            let row = client
                .query_opt("SELECT value FROM meta WHERE key = 'schema_version'", &[])
                .await
                .map_err(|e| self.err(e))?;
            let Some(row) = row else { return Ok(0) };
            let text: String = row.get(0);
            text.parse::<i64>().map_err(|_| StoreError::NotTuixin {
                path: self.name.clone(),
                why: format!("its meta table holds schema_version {text:?}"),
            })
        })
    }

    /// Applies the migrations the database lacks, in one transaction under an advisory lock,
    /// so that two processes migrating at once apply each step once.
    pub fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.client()?;
        self.rt.block_on(async {
            let tx = client.transaction().await.map_err(|e| self.err(e))?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
                .await
                .map_err(|e| self.err(e))?;
            tx.batch_execute(
                "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            )
            .await
            .map_err(|e| self.err(e))?;
            let row = tx
                .query_opt("SELECT value FROM meta WHERE key = 'schema_version'", &[])
                .await
                .map_err(|e| self.err(e))?;
            let version: i64 =
                row.map_or(Ok(0), |row| row.get::<_, String>(0).parse()).map_err(|_| {
                    StoreError::NotTuixin {
                        path: self.name.clone(),
                        why: "its meta table is not tuixin's".to_owned(),
                    }
                })?;
            if version > SCHEMA_VERSION {
                return Err(StoreError::SchemaTooNew {
                    db: self.name.clone(),
                    found: version,
                    known: SCHEMA_VERSION,
                });
            }
            for sql in schema::POSTGRES.iter().skip(version as usize) {
                tx.batch_execute(sql).await.map_err(|e| self.err(e))?;
            }
            tx.commit().await.map_err(|e| self.err(e))
        })
    }

    /// Runs `f` in one transaction, committed when it succeeds; run again (up to a few times)
    /// when PostgreSQL aborts it for a serialization failure or a deadlock.
    pub fn write<T>(
        &self,
        mut f: impl FnMut(&mut dyn Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.transaction(&mut f) {
                Err(StoreError::Conflict { .. }) if attempt < ATTEMPTS => {
                    // Back off a little, longer each time, so the other writer can finish.
                    std::thread::sleep(Duration::from_millis(5 * attempt as u64));
                }
                other => return other,
            }
        }
    }

    /// Runs `f` in one read transaction. A connection found dead (the server restarted or
    /// ended it) drops the pool's idle connections, which died with it, and the read is run
    /// once more on a new one: a read may be repeated, and it should not fail for a server
    /// that is back.
    pub fn read<T>(
        &self,
        mut f: impl FnMut(&mut dyn Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match self.transaction(&mut f) {
            Err(StoreError::Unreachable { .. }) => {
                self.pool.retain(|_, _| false);
                self.transaction(&mut f)
            }
            other => other,
        }
    }

    fn transaction<T>(
        &self,
        f: &mut impl FnMut(&mut dyn Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut client = self.client()?;
        let tx = self.rt.block_on(client.transaction()).map_err(|e| self.err(e))?;
        let mut pg = PgTx { db: self, tx: Some(tx) };
        let out = f(&mut pg);
        let tx = pg.tx.take().expect("the transaction is still open");
        match out {
            Ok(value) => {
                self.rt.block_on(tx.commit()).map_err(|e| self.err(e))?;
                Ok(value)
            }
            Err(e) => {
                let _ = self.rt.block_on(tx.rollback());
                Err(e)
            }
        }
    }

    fn err(&self, e: tokio_postgres::Error) -> StoreError {
        use tokio_postgres::error::SqlState;
        match e.code() {
            Some(code)
                if *code == SqlState::T_R_SERIALIZATION_FAILURE
                    || *code == SqlState::T_R_DEADLOCK_DETECTED =>
            {
                StoreError::Conflict { db: self.name.clone(), cause: pg_cause(&e) }
            }
            Some(code) if *code == SqlState::DISK_FULL => {
                StoreError::DiskFull { db: self.name.clone() }
            }
            // The connection went away: closed, or ended by the server (class 08, connection
            // exceptions; class 57, an operator's shutdown or termination).
            None if e.is_closed() => {
                StoreError::Unreachable { url: self.name.clone(), cause: pg_cause(&e) }
            }
            Some(code) if code.code().starts_with("08") || code.code().starts_with("57") => {
                StoreError::Unreachable { url: self.name.clone(), cause: pg_cause(&e) }
            }
            _ => StoreError::Database { db: self.name.clone(), cause: pg_cause(&e) },
        }
    }
}

/// The server's message where there is one (tokio-postgres's Display says only "db error").
fn pg_cause(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                text = format!("{text}: {s}");
                source = s.source();
            }
            text
        }
    }
}

struct PgTx<'c> {
    db: &'c PgDb,
    tx: Option<deadpool_postgres::Transaction<'c>>,
}

impl PgTx<'_> {
    fn params(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
        params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
    }
}

impl Tx for PgTx<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        let tx = self.tx.as_ref().expect("open transaction");
        let refs = Self::params(params);
        self.db
            .rt
            .block_on(async {
                let stmt = tx.prepare_cached(sql).await?;
                tx.execute(&stmt, &refs).await
            })
            .map_err(|e| self.db.err(e))
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, StoreError> {
        let tx = self.tx.as_ref().expect("open transaction");
        let refs = Self::params(params);
        let rows = self
            .db
            .rt
            .block_on(async {
                let stmt = tx.prepare_cached(sql).await?;
                tx.query(&stmt, &refs).await
            })
            .map_err(|e| self.db.err(e))?;
        rows.iter()
            .map(|row| (0..row.len()).map(|i| column(row, i)).collect::<Result<Vec<_>, _>>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.db.err(e))
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn db_name(&self) -> &str {
        &self.db.name
    }
}
