//! The little SQL surface both backends share: values, rows and a transaction to run
//! statements in. Statements are written once, with PostgreSQL's `$1, $2, ...` placeholders;
//! the SQLite backend turns them into `?1, ?2, ...`, which bind by the same numbers.

use crate::StoreError;

/// One SQL value: every column is an integer, a text, bytes or NULL on both backends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// NULL.
    Null,
    /// A 64-bit integer (SQLite INTEGER, PostgreSQL BIGINT).
    Int(i64),
    /// Text.
    Text(String),
    /// Bytes (SQLite BLOB, PostgreSQL BYTEA).
    Bytes(Vec<u8>),
}

impl Value {
    /// The integer, or 0 for anything else.
    pub fn int(&self) -> i64 {
        match self {
            Value::Int(i) => *i,
            _ => 0,
        }
    }

    /// The integer, or None.
    pub fn opt_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The text, or "" for anything else.
    pub fn text(&self) -> &str {
        match self {
            Value::Text(s) => s,
            _ => "",
        }
    }

    /// The text, or None.
    pub fn opt_text(&self) -> Option<String> {
        match self {
            Value::Text(s) => Some(s.clone()),
            _ => None,
        }
    }

    /// Takes the text out, leaving NULL.
    pub fn take_text(&mut self) -> String {
        match std::mem::replace(self, Value::Null) {
            Value::Text(s) => s,
            _ => String::new(),
        }
    }

    /// Takes the bytes out, leaving NULL.
    pub fn take_bytes(&mut self) -> Vec<u8> {
        match std::mem::replace(self, Value::Null) {
            Value::Bytes(b) => b,
            Value::Text(s) => s.into_bytes(),
            _ => Vec::new(),
        }
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Int(i64::from(v))
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_owned())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v)
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Value {
        Value::Text(v.clone())
    }
}

impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Value {
        Value::Bytes(v.to_vec())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// Which backend runs the statements (for the few places where their SQL differs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// An open transaction on either backend.
pub trait Tx {
    /// Runs a statement; the rows it changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError>;
    /// Runs a query; its rows.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, StoreError>;
    /// The backend.
    fn dialect(&self) -> Dialect;
    /// The database as errors name it (no password).
    fn db_name(&self) -> &str;

    /// Runs a query that returns at most one row.
    fn query_opt(&mut self, sql: &str, params: &[Value]) -> Result<Option<Vec<Value>>, StoreError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// ` FOR UPDATE` on PostgreSQL (a row lock); nothing on SQLite, where the one writer holds
    /// the whole database.
    fn for_update(&self) -> &'static str {
        match self.dialect() {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE",
        }
    }
}

/// Bound values per statement at most (SQLite's default limit is 32,766; PostgreSQL's 65,535).
const MAX_PARAMS: usize = 30_000;
/// Rows per statement at most.
const MAX_ROWS: usize = 500;

/// Runs `head VALUES (...), (...) tail` over `rows` (all of one width), as few statements as
/// the limits allow: one round trip per chunk instead of one per row. The rows the statements
/// return (with a `RETURNING` tail).
pub fn insert_rows(
    tx: &mut dyn Tx,
    head: &str,
    rows: Vec<Vec<Value>>,
    tail: &str,
) -> Result<Vec<Vec<Value>>, StoreError> {
    let Some(width) = rows.first().map(Vec::len) else { return Ok(Vec::new()) };
    let per = (MAX_PARAMS / width.max(1)).clamp(1, MAX_ROWS);
    let returning = tail.contains("RETURNING");
    let mut out = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Value>> = rows.by_ref().take(per).collect();
        let mut sql = String::with_capacity(head.len() + tail.len() + chunk.len() * width * 6);
        sql.push_str(head);
        sql.push_str(" VALUES ");
        let mut n = 0;
        for (i, _) in chunk.iter().enumerate() {
            sql.push_str(if i == 0 { "(" } else { ", (" });
            for j in 0..width {
                n += 1;
                if j > 0 {
                    sql.push_str(", ");
                }
                sql.push('$');
                sql.push_str(&n.to_string());
            }
            sql.push(')');
        }
        sql.push_str(tail);
        let params: Vec<Value> = chunk.into_iter().flatten().collect();
        if returning {
            out.extend(tx.query(&sql, &params)?);
        } else {
            tx.execute(&sql, &params)?;
        }
    }
    Ok(out)
}

/// `$first, $first+1, ...`: `n` placeholders.
pub fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}
