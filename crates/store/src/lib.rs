//! cognate-store: the domain's [`Store`] port on SQLite (the single-node default) and
//! PostgreSQL (many stateless nodes), through sqlx.
//!
//! # Invariant: the store has no rules
//! It persists, indexes and queries, and that is all. The domain computes every key a
//! record is found by (username key, alias keys, searchable attribute values) and decides
//! what is allowed; the schema only backs the domain's uniqueness rules with constraints and
//! reports which one refused a write. Storage row shapes live here and nowhere else; the
//! records themselves are the domain's types, kept whole as their serde JSON.
//!
//! # Layout
//! - [`connect`] / [`connect_with`]: open a store from a URL and apply the embedded migrations.
//! - `sql`: the one implementation of [`Store`], generic over the sqlx backend. Both
//!   backends run the same SQL text but for three bulk inserts and two batched purges, so
//!   nothing is written twice.
//! - `sqlite` / `postgres`: what differs per backend: connection setup (pragmas, pools,
//!   schema isolation), those five statements, and the migrations in `migrations/sqlite`
//!   and `migrations/postgres`.
//! - `direct`: SQLite files only, the point reads run on the calling thread through
//!   rusqlite (same SQL text, same row types), which spares each of them the two thread
//!   switches of sqlx's SQLite driver.
//! - `records`: record ↔ `doc` conversion and the mapping of database errors.
//! - [`backup`]: online backups of a SQLite file (`VACUUM INTO`) and restoring one.
//!
//! Queries are runtime-checked (`sqlx::query*`), so building needs no database; the
//! conformance suite in `cognate-testkit` runs every query against both backends.

use std::sync::Arc;
use std::time::Duration;

use cognate_domain::ports::Store;

pub mod backup;
mod direct;
mod postgres;
mod records;
mod sql;
mod sqlite;

/// How many connections a PostgreSQL store opens when the caller names no number.
pub const DEFAULT_POSTGRES_CONNECTIONS: u32 = 16;
/// How long a PostgreSQL statement waits for a connection when the caller names no time.
/// sqlx's own default (30 s) kept every request hanging that long while the database was
/// away; this fails them fast (as `InternalErrorException`) and still rides out a busy pool.
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

/// Connection settings beyond the URL.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Size of the PostgreSQL pool. SQLite always uses one writer and a few readers.
    pub max_connections: u32,
    /// PostgreSQL only: how long a statement waits for a pooled connection, including
    /// connecting (a database that refuses connections is retried until then).
    pub acquire_timeout: Duration,
    /// PostgreSQL only: keep every table in this schema (created when missing) instead of
    /// `public`, so tests can run side by side in one database. Lower-case ASCII letters,
    /// digits and `_`, at most 63, not starting with a digit.
    pub schema: Option<String>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            max_connections: DEFAULT_POSTGRES_CONNECTIONS,
            acquire_timeout: DEFAULT_ACQUIRE_TIMEOUT,
            schema: None,
        }
    }
}

/// Why a store could not be opened. Messages never contain the URL, which may hold a password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreInitError {
    #[error("unsupported database URL: expected sqlite:… or postgres://…")]
    UnsupportedUrl,
    #[error("invalid database URL: {0}")]
    InvalidUrl(String),
    #[error(
        "invalid schema name {0:?}: use 1 to 63 ASCII letters, digits or '_', not starting with a digit"
    )]
    InvalidSchema(String),
    #[error("schemas exist only on PostgreSQL")]
    SchemaNeedsPostgres,
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("cannot apply the database migrations: {0}")]
    Migrate(String),
}

/// Opens the store a URL names and brings its schema up to date:
/// `sqlite://path/to/file.db?mode=rwc`, `sqlite::memory:` (tests), or `postgres://…`.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>, StoreInitError> {
    connect_with(url, &StoreOptions::default()).await
}

/// [`connect`] with explicit [`StoreOptions`].
pub async fn connect_with(
    url: &str,
    options: &StoreOptions,
) -> Result<Arc<dyn Store>, StoreInitError> {
    match Backend::of(url)? {
        Backend::Sqlite => {
            if options.schema.is_some() {
                return Err(StoreInitError::SchemaNeedsPostgres);
            }
            Ok(Arc::new(sqlite::open(url).await?))
        }
        Backend::Postgres => Ok(Arc::new(postgres::open(url, options).await?)),
    }
}

/// Opens a PostgreSQL store whose tables live in `schema`, creating the schema when missing.
/// Tests give each case its own schema so they can run in parallel on one database.
pub async fn connect_with_schema(
    url: &str,
    schema: &str,
) -> Result<Arc<dyn Store>, StoreInitError> {
    let options = StoreOptions {
        schema: Some(schema.to_owned()),
        ..StoreOptions::default()
    };
    connect_with(url, &options).await
}

/// Drops a schema made by [`connect_with_schema`] and everything in it (test clean-up).
pub async fn drop_schema(url: &str, schema: &str) -> Result<(), StoreInitError> {
    match Backend::of(url)? {
        Backend::Sqlite => Err(StoreInitError::SchemaNeedsPostgres),
        Backend::Postgres => postgres::drop_schema(url, schema).await,
    }
}

enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn of(url: &str) -> Result<Self, StoreInitError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreInitError::UnsupportedUrl)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn unknown_schemes_are_refused_without_echoing_the_url() {
        let err = connect("mysql://root:hunter2@db/x")
            .await
            .err()
            .map(|e| e.to_string());
        let text = err.unwrap_or_default();
        assert!(text.contains("unsupported"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }

    #[tokio::test]
    async fn schemas_are_refused_on_sqlite() {
        let options = StoreOptions {
            schema: Some("t_x".to_owned()),
            ..StoreOptions::default()
        };
        assert!(matches!(
            connect_with("sqlite::memory:", &options).await,
            Err(StoreInitError::SchemaNeedsPostgres)
        ));
    }
}
