//! SQLite's synchronous read path: the hot point reads of a file database run on the
//! calling thread, through rusqlite, instead of through sqlx.
//!
//! sqlx's SQLite driver gives each connection a worker thread and sends it every statement
//! as a message, with the rows coming back as another: at least two thread switches per
//! statement, and the requests that matter most (GetUser, refresh, sign-in) issue several.
//! Measured, the switching cost more CPU than the statements. An indexed point read on a
//! warm page cache takes a few microseconds, so it runs here, on the async worker that asked
//! for it: blocking the worker that briefly is cheaper than the two switches it replaces
//! (and the server already runs millisecond-long modular exponentiations on its workers).
//!
//! The readers are read-only connections to the same file as sqlx's writer, so WAL applies:
//! each statement sees the last commit made before it started. sqlx's writer has committed
//! before a write returns, so a read that follows a write sees it, whichever library runs it.
//!
//! Only `sql` calls this module, with the same SQL text it gives sqlx, and gets back the same
//! row tuples, which it turns into records in one place. Writes and the assembled listings
//! stay on sqlx.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use cognate_domain::ports::{StoreError, StoreResult};
use rusqlite::config::DbConfig;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags, Row, ToSql};

use crate::StoreInitError;
use crate::sql::Bind;

/// Idle connections kept beyond which a returned one is closed. A connection is only taken
/// for the length of one statement, never across an `.await`, so no more are busy at once
/// than threads calling the store (the async workers, normally one per core); the bound only
/// matters if something unusual (many blocking threads) ever calls in at once.
const MAX_IDLE: usize = 32;
/// Prepared statements kept per connection: the dozen or so point reads this path serves,
/// with room to spare (rusqlite's default is 16).
const STATEMENT_CACHE: usize = 32;

/// Settings every direct reader is opened with; they mirror sqlx's readers in `sqlite`.
pub(crate) struct ReaderSettings {
    pub(crate) busy_timeout: std::time::Duration,
    pub(crate) cache_kib: i64,
}

/// A few read-only rusqlite connections to one database file, each used by one caller at a time.
pub(crate) struct DirectReads {
    path: PathBuf,
    settings: ReaderSettings,
    idle: Mutex<Vec<Connection>>,
}

/// A row the direct path can decode: rusqlite reads any tuple of `FromSql` columns, which
/// are the tuples `sql` asks sqlx for, so one type serves both paths.
pub(crate) trait FromDirectRow: Sized {
    fn from_direct_row(row: &Row<'_>) -> rusqlite::Result<Self>;
}

impl<R> FromDirectRow for R
where
    R: for<'a> TryFrom<&'a Row<'a>, Error = rusqlite::Error>,
{
    fn from_direct_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        R::try_from(row)
    }
}

impl DirectReads {
    /// Opens `count` readers on the file at `path` (as sqlx names it, so `file:` URIs mean the
    /// same to both). They are opened now so that a file that cannot be read fails at start.
    pub(crate) fn open(
        path: &Path,
        count: usize,
        settings: ReaderSettings,
    ) -> Result<Self, StoreInitError> {
        let reads = DirectReads {
            path: path.to_owned(),
            settings,
            idle: Mutex::new(Vec::with_capacity(count)),
        };
        let mut opened = Vec::with_capacity(count);
        for _ in 0..count {
            opened.push(
                reads
                    .connect()
                    .map_err(|e| StoreInitError::Connect(e.to_string()))?,
            );
        }
        *reads.lock() = opened;
        Ok(reads)
    }

    /// The first row `sql` selects with `binds`, or `None` (outer) when no reader could be
    /// had, in which case the caller reads through sqlx instead.
    pub(crate) fn one<R: FromDirectRow>(
        &self,
        what: &'static str,
        sql: &str,
        binds: &[Bind<'_>],
    ) -> Option<StoreResult<Option<R>>> {
        self.with_reader(|conn| {
            let mut rows = select(conn, what, sql, binds, 1)?;
            Ok(rows.pop())
        })
    }

    /// Every row `sql` selects with `binds`; `None` as for [`DirectReads::one`].
    pub(crate) fn all<R: FromDirectRow>(
        &self,
        what: &'static str,
        sql: &str,
        binds: &[Bind<'_>],
    ) -> Option<StoreResult<Vec<R>>> {
        self.with_reader(|conn| select(conn, what, sql, binds, usize::MAX))
    }

    fn with_reader<T>(
        &self,
        read: impl FnOnce(&Connection) -> StoreResult<T>,
    ) -> Option<StoreResult<T>> {
        let conn = self.take()?;
        let result = read(&conn);
        // A failed statement leaves the connection as good as before (rusqlite resets it),
        // so it goes back either way.
        self.give_back(conn);
        Some(result)
    }

    fn take(&self) -> Option<Connection> {
        if let Some(conn) = self.lock().pop() {
            return Some(conn);
        }
        // All busy: one more, kept afterwards. If even that fails, sqlx still can read.
        match self.connect() {
            Ok(conn) => Some(conn),
            Err(e) => {
                tracing::warn!(error = %e, "cannot open another direct sqlite reader; reading through sqlx");
                None
            }
        }
    }

    fn give_back(&self, conn: Connection) {
        let mut idle = self.lock();
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
    }

    /// The list stays consistent whatever a panicking holder was doing (a push or a pop),
    /// so a poisoned lock is used as it is.
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn connect(&self) -> rusqlite::Result<Connection> {
        // The flags sqlx opens with (URI names, a private cache, no mutex since one thread
        // uses a connection at a time), but read-only.
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_PRIVATE_CACHE;
        let conn = Connection::open_with_flags(&self.path, flags)?;
        // A read waits this long for a lock only in rare cases in WAL mode (another process
        // recovering the WAL or truncating it); the writer never blocks it.
        conn.busy_timeout(self.settings.busy_timeout)?;
        conn.pragma_update(None, "cache_size", -self.settings.cache_kib)?;
        // Read-only already refuses writes; `query_only` says so at the statement too, as
        // on sqlx's readers.
        conn.pragma_update(None, "query_only", true)?;
        // Plans must not depend on bound values. Without this, SQLite (3.51) reads the value
        // bound to `LIMIT $n` while planning and then treats any new binding of it as a reason
        // to compile the statement again, so every paged read (the groups of a user, on each
        // sign-in and refresh) was re-prepared on every call: about 130 000 instructions,
        // more than the rest of the read. The planner has no statistics to use values for.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(conn)
    }
}

/// Runs `sql` with its `$n` parameters bound from `binds` (`$1` is `binds[0]`), as sqlx does,
/// so the two paths share the SQL text; at most `limit` rows are read.
fn select<R: FromDirectRow>(
    conn: &Connection,
    what: &'static str,
    sql: &str,
    binds: &[Bind<'_>],
    limit: usize,
) -> StoreResult<Vec<R>> {
    let run = || -> rusqlite::Result<Vec<R>> {
        let mut statement = conn.prepare_cached(sql)?;
        // SQLite numbers parameters by first appearance, and `$1` used twice is one
        // parameter, so each is looked up by its name rather than its position.
        for index in 1..=statement.parameter_count() {
            let bind = statement
                .parameter_name(index)
                .and_then(|name| name.strip_prefix('$'))
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|n| n.checked_sub(1))
                .and_then(|n| binds.get(n));
            let Some(bind) = bind else {
                return Err(rusqlite::Error::InvalidParameterCount(index, binds.len()));
            };
            statement.raw_bind_parameter(index, bind)?;
        }
        // Dropping `rows` resets the statement, which ends its read transaction.
        let mut rows = statement.raw_query();
        let mut found = Vec::new();
        while found.len() < limit
            && let Some(row) = rows.next()?
        {
            found.push(R::from_direct_row(row)?);
        }
        Ok(found)
    };
    run().map_err(|e| fail(what, e))
}

/// Like `records::fail`: the database's own message, never the SQL text (which rusqlite's
/// display of a syntax error would quote).
fn fail(what: &'static str, e: rusqlite::Error) -> StoreError {
    match e {
        rusqlite::Error::SqlInputError {
            error, msg, offset, ..
        } => StoreError::Backend(format!("{what}: {error}: {msg} at offset {offset}")),
        e => StoreError::Backend(format!("{what}: {e}")),
    }
}

impl ToSql for Bind<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        // The storage classes sqlx binds the same Rust types as: TEXT, INTEGER, BLOB.
        Ok(ToSqlOutput::Borrowed(match *self {
            Bind::Text(text) => ValueRef::Text(text.as_bytes()),
            Bind::Int(n) => ValueRef::Integer(n),
            Bind::Blob(bytes) => ValueRef::Blob(bytes),
        }))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a panic is how a test fails")]
mod tests {
    use super::*;

    fn reads(dir: &Path) -> DirectReads {
        let path = dir.join("direct.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER, b BLOB); \
             INSERT INTO t VALUES ('a', 1, x'01'), ('b', 2, x'02');",
        )
        .unwrap();
        let settings = ReaderSettings {
            busy_timeout: std::time::Duration::from_secs(1),
            cache_kib: 1024,
        };
        DirectReads::open(&path, 1, settings).unwrap()
    }

    #[test]
    fn parameters_bind_by_number_not_position() {
        let dir = std::env::temp_dir().join(format!("cognate-direct-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let reads = reads(&dir);
        // `$2` appears first and `$1` twice: positional binding would get both wrong.
        let found: Option<StoreResult<Vec<(String, i64)>>> = reads.all(
            "test",
            "SELECT k, n FROM t WHERE n >= $2 AND (k = $1 OR b = $3 OR k = $1) ORDER BY k",
            &[Bind::Text("a"), Bind::Int(1), Bind::Blob(&[2])],
        );
        let rows = found.unwrap().unwrap();
        assert_eq!(rows, vec![("a".to_owned(), 1), ("b".to_owned(), 2)]);
        // A parameter with no value is an error, not a NULL.
        let missing: Option<StoreResult<Option<(i64,)>>> =
            reads.one("test", "SELECT n FROM t WHERE k = $2", &[Bind::Text("a")]);
        assert!(matches!(missing, Some(Err(_))));
        // Writes are refused.
        let write: Option<StoreResult<Option<(i64,)>>> =
            reads.one("test", "DELETE FROM t RETURNING n", &[]);
        assert!(matches!(write, Some(Err(_))));
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Issue 15: a `LIMIT $n` read ran through a full re-prepare on every call.
    #[test]
    fn issue15_a_limit_parameter_does_not_recompile_the_statement() {
        let dir = std::env::temp_dir().join(format!("cognate-direct-limit-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let reads = reads(&dir);
        let sql = "SELECT k FROM t WHERE n >= $1 ORDER BY k LIMIT $2";
        for limit in [1, 2, 1, 5] {
            let found: Option<StoreResult<Vec<(String,)>>> =
                reads.all("test", sql, &[Bind::Int(0), Bind::Int(limit)]);
            assert_eq!(found.unwrap().unwrap().len(), limit.min(2) as usize);
        }
        let reprepared = reads
            .with_reader(|conn| {
                let statement = conn.prepare_cached(sql).unwrap();
                Ok(statement.get_status(rusqlite::StatementStatus::RePrepare))
            })
            .unwrap()
            .unwrap();
        assert_eq!(reprepared, 0);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn syntax_errors_do_not_quote_the_sql() {
        let e = fail(
            "test",
            rusqlite::Error::SqlInputError {
                error: rusqlite::ffi::Error::new(1),
                msg: "near \"SELEC\": syntax error".to_owned(),
                sql: "SELEC secret".to_owned(),
                offset: 0,
            },
        )
        .to_string();
        assert!(!e.contains("secret"), "{e}");
    }
}
