//! SQLite, the single-node default: connection setup and migrations. The queries are in `sql`.
//!
//! SQLite serialises writers, so all writes go through a pool of exactly one connection:
//! writers queue in the pool instead of meeting `SQLITE_BUSY` inside the database. Reads
//! use a few more connections, which WAL lets run beside the writer: sqlx's for the
//! listings, and `direct` readers (rusqlite, on the calling thread) for the point reads.

use std::str::FromStr;
use std::time::Duration;

use sqlx::Sqlite;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteQueryResult,
    SqliteSynchronous,
};

use crate::StoreInitError;
use crate::direct::{DirectReads, ReaderSettings};
use crate::sql::{Dialect, SqlStore};

/// sqlx read connections beside the one writer, and direct readers opened at start (more
/// are opened if ever that many threads read at once).
const READERS: u32 = 4;
/// How long a statement waits for a lock another process (a backup, the sqlite3 shell) holds.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Page cache per connection, in KiB (SQLite's default is 2 MiB), so the hot part of the
/// user indexes stays in memory at a million users.
const CACHE_KIB: i64 = 16 * 1024;

pub(crate) async fn open(url: &str) -> Result<SqlStore<Sqlite>, StoreInitError> {
    let base = SqliteConnectOptions::from_str(url)
        .map_err(|e| StoreInitError::InvalidUrl(e.to_string()))?
        .busy_timeout(BUSY_TIMEOUT)
        .foreign_keys(true)
        .synchronous(SqliteSynchronous::Normal)
        .pragma("cache_size", (-CACHE_KIB).to_string())
        .statement_cache_capacity(crate::sql::STATEMENT_CACHE);

    if is_in_memory(url) {
        // An in-memory database lives only as long as a connection to it, and each
        // connection would otherwise get its own: one connection that is never recycled
        // serves reads and writes.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(base)
            .await
            .map_err(connect_error)?;
        migrate(&pool).await?;
        return Ok(SqlStore::new(pool.clone(), pool));
    }

    make_private(base.get_filename())?;
    // WAL lets readers run while the writer commits; it is a property of the file, so only
    // the writer sets it. NORMAL sync in WAL mode loses no data on a process crash, only
    // (at worst) the last commits on power loss, and saves an fsync per commit.
    let writer = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .connect_with(base.clone().journal_mode(SqliteJournalMode::Wal))
        .await
        .map_err(connect_error)?;
    migrate(&writer).await?;
    // Opened after the writer has set WAL and migrated, so they read the finished schema.
    let direct = DirectReads::open(
        base.get_filename(),
        READERS as usize,
        ReaderSettings {
            busy_timeout: BUSY_TIMEOUT,
            cache_kib: CACHE_KIB,
        },
    )?;
    // `query_only` makes a write sent to a reader by mistake fail loudly instead of
    // competing with the writer for the lock.
    let readers = SqlitePoolOptions::new()
        .max_connections(READERS)
        .connect_with(base.pragma("query_only", "ON"))
        .await
        .map_err(connect_error)?;
    tracing::info!(readers = READERS, "sqlite store ready");
    Ok(SqlStore::new(readers, writer).with_direct(direct))
}

/// The database file, its WAL and its shared-memory index hold every user's data, so they are
/// readable by the server's user only (0600), whatever the umask. SQLite creates the WAL and
/// shared-memory files with the database file's permissions, so creating that file first with
/// 0600 (or tightening an existing one, and any WAL left beside it) covers all three.
#[cfg(unix)]
fn make_private(path: &std::path::Path) -> Result<(), StoreInitError> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let private = |e: std::io::Error| {
        StoreInitError::Connect(format!("cannot make {} private: {e}", path.display()))
    };
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .map_err(private)?;
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        match std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(private(e)),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn make_private(_path: &std::path::Path) -> Result<(), StoreInitError> {
    Ok(())
}

fn is_in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// Applies the migrations this version has and the database lacks. Migrations a newer
/// version applied are left as they are: they only add (see `docs/deploy.md`), so a node of
/// this version still starts during a rolling upgrade, or after a rollback.
async fn migrate(pool: &SqlitePool) -> Result<(), StoreInitError> {
    let mut migrator: Migrator = sqlx::migrate!("./migrations/sqlite");
    migrator
        .set_ignore_missing(true)
        .run(pool)
        .await
        .map_err(|e| StoreInitError::Migrate(e.to_string()))
}

fn connect_error(e: sqlx::Error) -> StoreInitError {
    StoreInitError::Connect(e.to_string())
}

impl Dialect for Sqlite {
    // `WHERE true` is SQLite's documented way to tell an INSERT … SELECT's upsert clause
    // from a join's ON.
    const INSERT_USERS: &'static str = "INSERT INTO users (pool_id, sub, username_key, version, doc) \
         SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4 FROM json_each($1) AS j \
         WHERE true ON CONFLICT DO NOTHING RETURNING pool_id, sub";
    const INSERT_ALIASES: &'static str = "INSERT INTO user_aliases (pool_id, sub, alias_key) \
         SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2 FROM json_each($1) AS j \
         WHERE true ON CONFLICT DO NOTHING RETURNING pool_id, sub, alias_key";
    const INSERT_SEARCH: &'static str = "INSERT INTO user_search (pool_id, username_key, sub, attribute, value) \
         SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4 FROM json_each($1) AS j \
         WHERE true ON CONFLICT DO NOTHING";
    // The subquery walks the expiry index; each row is then found by its key.
    const PURGE_SESSIONS: &'static str = "DELETE FROM sessions WHERE origin_jti IN \
         (SELECT origin_jti FROM sessions WHERE expires_ms < $1 LIMIT $2)";
    const PURGE_MARKERS: &'static str = "DELETE FROM single_use WHERE marker_key IN \
         (SELECT marker_key FROM single_use WHERE expires_ms < $1 LIMIT $2)";

    fn rows_affected(result: &SqliteQueryResult) -> u64 {
        result.rows_affected()
    }
}
