//! The store's errors: each names its cause, and no URL in them shows a password.

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names no backend this build knows, or is malformed.
    #[error("not a database URL: {url} ({why}); give a file path, sqlite:PATH or postgres://...")]
    BadUrl {
        /// The URL, password hidden.
        url: String,
        /// What is wrong with it.
        why: String,
    },
    /// The SQLite file does not exist (and was not to be created).
    #[error("{path}: no such database (tuixin ingest or tuixin db migrate creates it)")]
    Missing {
        /// The file.
        path: String,
    },
    /// The file exists but is no SQLite database, or is a SQLite database of another program.
    #[error("{path} is not a tuixin database ({why})")]
    NotTuixin {
        /// The file or URL, password hidden.
        path: String,
        /// What was found instead.
        why: String,
    },
    /// The database was written by a newer tuixin; it is left as it is.
    #[error(
        "{db} has schema version {found}, newer than the {known} this tuixin knows: upgrade tuixin (the database was not changed)"
    )]
    SchemaTooNew {
        /// The file or URL, password hidden.
        db: String,
        /// The version found in the database.
        found: i64,
        /// The newest version this build knows.
        known: i64,
    },
    /// Another process held the SQLite database for longer than the busy timeout.
    #[error(
        "{path} is locked by another process (waited {waited_ms} ms); try again when it is done"
    )]
    Locked {
        /// The file.
        path: String,
        /// How long we waited.
        waited_ms: u64,
    },
    /// The PostgreSQL server could not be reached or refused the connection.
    #[error("cannot connect to {url}: {cause}")]
    Unreachable {
        /// The URL, password hidden.
        url: String,
        /// The driver's words.
        cause: String,
    },
    /// The disk (or the server's disk) is full; the transaction was rolled back.
    #[error("{db}: disk full; nothing of this transaction was written")]
    DiskFull {
        /// The file or URL, password hidden.
        db: String,
    },
    /// An address that is not one; never stored.
    #[error("invalid address {address:?}: {why}")]
    InvalidAddress {
        /// The address as given.
        address: String,
        /// Why it is not an address.
        why: &'static str,
    },
    /// A scope name that is not one.
    #[error(
        "invalid scope {0:?}: use all, transactional, marketing or a stream name [a-z0-9][a-z0-9_.-]*"
    )]
    InvalidScope(String),
    /// A statistics query that cannot be answered (a range that ends before it starts, too
    /// many buckets, an unknown interval).
    #[error("invalid {field}: {why}")]
    InvalidQuery {
        /// The query field at fault.
        field: &'static str,
        /// What is wrong with it.
        why: String,
    },
    /// The database could not be opened, read or written (the driver's words follow).
    #[error("{db}: {cause}")]
    Database {
        /// The file or URL, password hidden.
        db: String,
        /// The driver's words.
        cause: String,
    },
    /// PostgreSQL aborted the transaction for a serialization failure or a deadlock, and it
    /// still did after being run again a few times; nothing of it was written.
    #[error("{db}: conflict with another writer, nothing written: {cause}")]
    Conflict {
        /// The URL, password hidden.
        db: String,
        /// The server's words.
        cause: String,
    },
    /// The lifecycle refused a person's change (a locked entry, no entry, no note).
    #[error("{0}")]
    Refused(#[from] tuixin::lifecycle::LifecycleError),
    /// A stored value could not be read back (a damaged row).
    #[error("{db}: damaged row in {table}: {cause}")]
    Corrupt {
        /// The file or URL, password hidden.
        db: String,
        /// The table.
        table: &'static str,
        /// What was wrong.
        cause: String,
    },
}
