//! The [`Store`](cognate_domain::ports::Store) implementation, written once for both backends:
//! the shared machinery here (rows, binds, point reads, the [`Dialect`] seam), and each record
//! family's SQL texts and methods in its own file under `sql/`, inside [`sql_impl!`].
//!
//! SQLite and PostgreSQL accept the same SQL for nearly everything the store does: `$n`
//! parameters, `INSERT … ON CONFLICT`, `RETURNING`, keyset paging. So this module is
//! generic over the sqlx database type, and the per-backend code (`sqlite.rs`,
//! `postgres.rs`) is connection setup, the migrations, and the statements of [`Dialect`]:
//! three that unpack a JSON array of rows, two that purge expired rows in batches.
//!
//! On SQLite files the hot point reads (sign-in, refresh, GetUser, AdminGetUser) run on the
//! calling thread through `direct`, with the same SQL text and row types; see
//! [`SqlStore::read_one`].
//!
//! Uniqueness is found out without parsing error messages: rows that must be unique are
//! inserted with `ON CONFLICT DO NOTHING`, and "no row inserted" names the key that
//! collided. On PostgreSQL such an insert waits for a concurrent transaction holding the
//! same key and then does nothing if that one committed, so two racing inserts of one
//! username end with exactly one winner.

use cognate_domain::ports::{Conflict, StoreResult};
use serde::de::DeserializeOwned;
use sqlx::query::{QueryAs, QueryScalar};
use sqlx::{Database, FromRow, Pool, query_as};

use crate::direct::{DirectReads, FromDirectRow};

/// Implements a store family (or, without a trait name, inherent helpers) for [`SqlStore`]
/// over every sqlx backend that can run our queries with our column types.
///
/// The bounds are written here once. Rust does not carry a trait's where-clauses to its
/// users (only `Self:` bounds are implied), so a helper trait could not hold them, and each
/// family's impl block would otherwise repeat all thirteen lines. The cost: rustfmt does not
/// format inside a macro call, so keep the bodies formatted by hand.
macro_rules! sql_impl {
    (impl { $($body:tt)* }) => {
        sql_impl!(@bounded [] [] { $($body)* });
    };
    (impl $family:ident { $($body:tt)* }) => {
        sql_impl!(@bounded [#[::async_trait::async_trait]] [$family for] { $($body)* });
    };
    (@bounded [$($attr:tt)*] [$($head:tt)*] { $($body:tt)* }) => {
        $($attr)*
        impl<DB> $($head)* $crate::sql::SqlStore<DB>
        where
            DB: $crate::sql::Dialect,
            for<'c> &'c mut DB::Connection: ::sqlx::Executor<'c, Database = DB>,
            DB::Arguments: ::sqlx::IntoArguments<DB>,
            for<'q> &'q str: ::sqlx::Encode<'q, DB> + ::sqlx::Type<DB>,
            for<'q> String: ::sqlx::Encode<'q, DB> + ::sqlx::Decode<'q, DB> + ::sqlx::Type<DB>,
            for<'q> &'q [u8]: ::sqlx::Encode<'q, DB> + ::sqlx::Type<DB>,
            for<'q> Vec<u8>: ::sqlx::Decode<'q, DB> + ::sqlx::Type<DB>,
            for<'q> i64: ::sqlx::Encode<'q, DB> + ::sqlx::Decode<'q, DB> + ::sqlx::Type<DB>,
            for<'q> i32: ::sqlx::Encode<'q, DB> + ::sqlx::Decode<'q, DB> + ::sqlx::Type<DB>,
            // sqlx implements `Encode` for `Option` per backend, not once for every type.
            for<'q> Option<i64>: ::sqlx::Encode<'q, DB>,
            for<'q> Option<&'q [u8]>: ::sqlx::Encode<'q, DB>,
            usize: ::sqlx::ColumnIndex<DB::Row>,
        {
            $($body)*
        }
    };
}

// One file per family of the port, each an `sql_impl!` with its SQL texts.
mod codes;
mod deployment;
mod groups;
mod outbox;
mod pools;
mod sessions;
mod signing_keys;
mod users;
// Domains and resource servers (the `OAuthStore` half of the port).
mod oauth;
// Customizations and branding styles (the `BrandingStore` half of the port).
mod branding;
// Remembered devices (the `AuthenticatorStore` half of the port).
mod devices;
// User import jobs (the `ImportJobStore` family).
mod import_jobs;
// Reading everything out for export and migration (the `BulkStore` family).
mod bulk;
// Monthly active users and messages (the `UsageStore` family).
mod usage;
// Identity pools (the `IdentityStore` family of the port).
mod identity;
// Identity providers, the pool's SAML signing key and federated links (the
// `IdentityProviderStore` half of the port).
mod federation;
use crate::records::{conflict, fail, from_doc, from_docs};

/// A store over one sqlx backend: reads go to `read`, writes to `write`.
///
/// On SQLite these are different pools (one writer connection, a few readers); on
/// PostgreSQL both are the same pool. A SQLite file also has `direct` readers, which serve
/// the point reads without sqlx (see `direct`).
pub(crate) struct SqlStore<DB: Database> {
    read: Pool<DB>,
    write: Pool<DB>,
    direct: Option<DirectReads>,
}

impl<DB: Database> SqlStore<DB> {
    pub(crate) fn new(read: Pool<DB>, write: Pool<DB>) -> Self {
        SqlStore {
            read,
            write,
            direct: None,
        }
    }

    /// Sends the point reads to `direct` (SQLite files only).
    pub(crate) fn with_direct(self, direct: DirectReads) -> Self {
        SqlStore {
            direct: Some(direct),
            ..self
        }
    }
}

/// Gives the runtime the turn that an awaited sqlx read used to give it.
///
/// A direct read returns without suspending, so without this a request that used to pause
/// at each read would run from one write (or socket) to the next in a single poll, its
/// signatures and modular exponentiations included, and the runtime would look at its
/// sockets and queues less often. Measured on 2 cores under SRP sign-in load, that left CPU
/// idle (1.75 of 2 cores busy) and sign-ins about 8% below the sqlx path; with the yield,
/// they are 10-15% above it. A yield is no thread switch: GetUser's two reads cost it
/// about 5% of its peak rate, against the 80% the direct path gains.
async fn yield_after_direct_read() {
    tokio::task::yield_now().await;
}

/// A value bound to a query given as a list of parameters (`$1` is the first): the point
/// reads, which run on sqlx or on `direct`, and `list_users`, whose text is assembled.
pub(crate) enum Bind<'a> {
    Text(&'a str),
    Int(i64),
    Blob(&'a [u8]),
}

type Query<'q, DB> = sqlx::query::Query<'q, DB, <DB as Database>::Arguments>;
/// A query whose one column is a `doc` (or, for existence checks, a key).
type DocQuery<'q, DB> = QueryScalar<'q, DB, String, <DB as Database>::Arguments>;
/// A row of one `doc` column, as [`SqlStore::read_one`] reads it.
type Doc = (String,);
/// A record's `doc` with the time column that overrides the doc's copy of it.
type DocWithTime = (String, Option<i64>);

/// What differs between the backends inside the store: the statements that unpack a JSON
/// array of rows (SQLite's `json_each` against PostgreSQL's `jsonb_array_elements`), the
/// batched purges (below), and how many rows a statement changed (an inherent method of each backend's result type,
/// not a sqlx trait). Implemented in `sqlite.rs` and `postgres.rs`.
///
/// A batch of users is written with one statement per table whatever its size: each
/// statement is a round trip (to SQLite's worker thread, or to the server), and with one
/// statement per row, round trips were most of the cost of a write. A single JSON
/// parameter keeps the SQL text fixed, where multi-row `VALUES` would need a text (and a
/// prepared statement) per row count.
pub(crate) trait Dialect: Database {
    /// Inserts users from `$1`, a JSON array of `[pool_id, sub, username_key, version, doc]`,
    /// skipping those whose sub or username key is taken. Returns `(pool_id, sub)` of each
    /// user inserted.
    const INSERT_USERS: &'static str;
    /// Inserts alias keys from `$1`, `[pool_id, sub, alias_key]` each, skipping keys already
    /// held. Returns `(pool_id, sub, alias_key)` of each row inserted.
    const INSERT_ALIASES: &'static str;
    /// Inserts search keys from `$1`, `[pool_id, username_key, sub, attribute, value]` each;
    /// a row already there is skipped.
    const INSERT_SEARCH: &'static str;
    /// Deletes at most `$2` sessions whose `expires_ms` is below `$1`. Expired rows go in
    /// batches, each its own short statement, so a large backlog never holds SQLite's one
    /// writer (or PostgreSQL's row locks) for long. Per backend because PostgreSQL's
    /// generic plan for the portable `IN (SELECT … LIMIT $2)` hash-joins a full scan of
    /// the table.
    const PURGE_SESSIONS: &'static str;
    /// Deletes at most `$2` single-use markers whose `expires_ms` is below `$1`.
    const PURGE_MARKERS: &'static str;

    fn rows_affected(result: &Self::QueryResult) -> u64;
}

/// A listing paged by key: the first page has no lower bound; later pages bind the last key
/// seen as the final parameter. Two texts rather than `($n IS NULL OR key > $n)`, which
/// would keep the bound from being an index range.
struct Paged {
    first: &'static str,
    after: &'static str,
}

impl Paged {
    fn sql(&self, after: Option<&str>) -> &'static str {
        if after.is_some() {
            self.after
        } else {
            self.first
        }
    }
}

pub(crate) const USER_EXISTS: &str = "SELECT sub FROM users WHERE pool_id = $1 AND sub = $2";

/// Prepared statements kept per connection: the fixed statements plus the variants that
/// `list_users` assembles, with room to spare (sqlx's default is 100).
pub(crate) const STATEMENT_CACHE: usize = 256;

// The bounds below say "DB is a sqlx backend that can run our queries with these column
// types". Rust does not carry where-clauses of a trait to its users, so both impl blocks
// spell them out.

sql_impl! {
impl {
    /// The first row `sql` selects with `binds`, if any.
    ///
    /// On a SQLite file it is read on this thread by a `direct` reader, which saves the two
    /// thread switches of sqlx's SQLite driver; with none to be had (in memory, PostgreSQL,
    /// or a reader that cannot be opened) sqlx reads it. Both return the same row type, so
    /// what a row becomes is written once, by the caller.
    async fn read_one<R>(
        &self,
        what: &'static str,
        sql: &'static str,
        binds: &[Bind<'_>],
    ) -> StoreResult<Option<R>>
    where
        R: FromDirectRow + for<'r> FromRow<'r, DB::Row> + Send + Unpin,
    {
        if let Some(found) = self.direct.as_ref().and_then(|d| d.one(what, sql, binds)) {
            yield_after_direct_read().await;
            return found;
        }
        Self::bind_all(query_as(sql), binds)
            .fetch_optional(&self.read)
            .await
            .map_err(fail(what))
    }

    /// Every row `sql` selects with `binds`; see [`SqlStore::read_one`].
    async fn read_all<R>(
        &self,
        what: &'static str,
        sql: &'static str,
        binds: &[Bind<'_>],
    ) -> StoreResult<Vec<R>>
    where
        R: FromDirectRow + for<'r> FromRow<'r, DB::Row> + Send + Unpin,
    {
        if let Some(found) = self.direct.as_ref().and_then(|d| d.all(what, sql, binds)) {
            yield_after_direct_read().await;
            return found;
        }
        Self::bind_all(query_as(sql), binds)
            .fetch_all(&self.read)
            .await
            .map_err(fail(what))
    }

    /// The record whose `doc` `sql` selects, if any.
    async fn read_doc<T: DeserializeOwned>(
        &self,
        what: &'static str,
        sql: &'static str,
        binds: &[Bind<'_>],
    ) -> StoreResult<Option<T>> {
        let doc: Option<Doc> = self.read_one(what, sql, binds).await?;
        doc.map(|(doc,)| from_doc(what, &doc)).transpose()
    }

    /// Binds `binds` in order, so the first is `$1`.
    fn bind_all<'q, R>(
        mut query: QueryAs<'q, DB, R, DB::Arguments>,
        binds: &[Bind<'q>],
    ) -> QueryAs<'q, DB, R, DB::Arguments> {
        for bind in binds {
            query = match *bind {
                Bind::Text(text) => query.bind(text),
                Bind::Int(n) => query.bind(n),
                Bind::Blob(bytes) => query.bind(bytes),
            };
        }
        query
    }

    async fn fetch_docs<T: DeserializeOwned>(
        &self,
        what: &'static str,
        query: DocQuery<'_, DB>,
    ) -> StoreResult<Vec<T>> {
        let docs = query.fetch_all(&self.read).await.map_err(fail(what))?;
        from_docs(what, docs)
    }

    /// Binds the key a page continues after, if any, as the last parameter (see [`Paged`]).
    fn after<'q>(query: DocQuery<'q, DB>, after: Option<&'q str>) -> DocQuery<'q, DB> {
        match after {
            Some(after) => query.bind(after),
            None => query,
        }
    }

    /// Whether a row is there, for telling "changed since read" from "gone" after a guarded
    /// update matched nothing.
    async fn exists(&self, what: &'static str, query: DocQuery<'_, DB>) -> StoreResult<bool> {
        Ok(query
            .fetch_optional(&self.read)
            .await
            .map_err(fail(what))?
            .is_some())
    }

    /// Runs a guarded update (`version = expected`) and turns "no row" into the right conflict.
    async fn update_versioned(
        &self,
        what: &'static str,
        update: Query<'_, DB>,
        exists: DocQuery<'_, DB>,
    ) -> StoreResult<()> {
        let updated = update.execute(&self.write).await.map_err(fail(what))?;
        if DB::rows_affected(&updated) > 0 {
            return Ok(());
        }
        conflict(if self.exists(what, exists).await? {
            Conflict::Version
        } else {
            Conflict::Missing
        })
    }

    /// Runs an insert that does nothing on a duplicate key, which it reports as `Exists`.
    async fn insert_new(&self, what: &'static str, insert: Query<'_, DB>) -> StoreResult<()> {
        let inserted = insert.execute(&self.write).await.map_err(fail(what))?;
        if DB::rows_affected(&inserted) == 0 {
            return conflict(Conflict::Exists);
        }
        Ok(())
    }

    /// Runs an update or delete; whether it touched a row.
    async fn changed(&self, what: &'static str, write: Query<'_, DB>) -> StoreResult<bool> {
        Ok(DB::rows_affected(&write.execute(&self.write).await.map_err(fail(what))?) > 0)
    }

    /// Runs an update or delete; how many rows it touched.
    async fn count_changed(&self, what: &'static str, write: Query<'_, DB>) -> StoreResult<u64> {
        Ok(DB::rows_affected(
            &write.execute(&self.write).await.map_err(fail(what))?,
        ))
    }

}
}
