//! The [`Store`] implementation, written once for both backends.
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

use std::collections::{BTreeSet, HashSet};

use async_trait::async_trait;
use cognate_domain::client::AppClient;
use cognate_domain::group::Group;
use cognate_domain::messages::OutboxEntry;
use cognate_domain::pool::UserPool;
use cognate_domain::ports::{
    AttemptLimit, Backoff, Conflict, SearchFilter, Store, StoreResult, StoredCode, UserQuery,
    UserWrite,
};
use cognate_domain::signing::SigningKeyRecord;
use cognate_domain::time::Timestamp;
use cognate_domain::tokens::AuthSession;
use cognate_domain::user::User;
use serde::de::DeserializeOwned;
use sqlx::query::{QueryAs, QueryScalar};
use sqlx::{
    AssertSqlSafe, ColumnIndex, Database, Decode, Encode, Executor, FromRow, IntoArguments, Pool,
    Type, query, query_as, query_scalar,
};

use crate::direct::{DirectReads, FromDirectRow};

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
use crate::records::{
    conflict, fail, from_doc, from_docs, is_unique_violation, prefix_successor, to_doc,
};

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

const INSERT_POOL: &str = "INSERT INTO user_pools (id, created_ms, version, doc) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
const GET_POOL: &str = "SELECT doc FROM user_pools WHERE id = $1";
const POOL_EXISTS: &str = "SELECT id FROM user_pools WHERE id = $1";
const UPDATE_POOL: &str =
    "UPDATE user_pools SET version = $2, doc = $3 WHERE id = $1 AND version = $4";
const DELETE_POOL_OUTBOX: &str = "DELETE FROM outbox WHERE pool_id = $1";
const DELETE_POOL: &str = "DELETE FROM user_pools WHERE id = $1";
const LIST_POOLS: Paged = Paged {
    first: "SELECT doc FROM user_pools ORDER BY id LIMIT $1",
    after: "SELECT doc FROM user_pools WHERE id > $2 ORDER BY id LIMIT $1",
};

const INSERT_CLIENT: &str = "INSERT INTO clients (client_id, pool_id, version, doc) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
const GET_CLIENT: &str = "SELECT doc FROM clients WHERE client_id = $1";
const CLIENT_EXISTS: &str = "SELECT client_id FROM clients WHERE client_id = $1 AND pool_id = $2";
const UPDATE_CLIENT: &str = "UPDATE clients SET version = $3, doc = $4 WHERE client_id = $1 AND pool_id = $2 AND version = $5";
const DELETE_CLIENT: &str = "DELETE FROM clients WHERE client_id = $1 AND pool_id = $2";
const LIST_CLIENTS: Paged = Paged {
    first: "SELECT doc FROM clients WHERE pool_id = $1 ORDER BY client_id LIMIT $2",
    after: "SELECT doc FROM clients WHERE pool_id = $1 AND client_id > $3 ORDER BY client_id LIMIT $2",
};

const UPDATE_USER: &str = "UPDATE users SET username_key = $3, version = $4, doc = $5 WHERE pool_id = $1 AND sub = $2 AND version = $6";
const USER_EXISTS: &str = "SELECT sub FROM users WHERE pool_id = $1 AND sub = $2";
const DELETE_USER_ALIASES: &str = "DELETE FROM user_aliases WHERE pool_id = $1 AND sub = $2";
const DELETE_USER_SEARCH: &str = "DELETE FROM user_search WHERE pool_id = $1 AND sub = $2";
const GET_USER_BY_SUB: &str = "SELECT doc FROM users WHERE pool_id = $1 AND sub = $2";
const GET_USER_BY_USERNAME: &str = "SELECT doc FROM users WHERE pool_id = $1 AND username_key = $2";
const GET_USER_BY_ALIAS: &str = "SELECT u.doc FROM user_aliases a JOIN users u ON u.pool_id = a.pool_id AND u.sub = a.sub \
     WHERE a.pool_id = $1 AND a.alias_key = $2";
const DELETE_USER: &str = "DELETE FROM users WHERE pool_id = $1 AND sub = $2";
const COUNT_USERS: &str = "SELECT COUNT(*) FROM users WHERE pool_id = $1";

const INSERT_GROUP: &str =
    "INSERT INTO groups (pool_id, name, doc) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
const GET_GROUP: &str = "SELECT doc FROM groups WHERE pool_id = $1 AND name = $2";
const UPDATE_GROUP: &str = "UPDATE groups SET doc = $3 WHERE pool_id = $1 AND name = $2";
const DELETE_GROUP: &str = "DELETE FROM groups WHERE pool_id = $1 AND name = $2";
const LIST_GROUPS: Paged = Paged {
    first: "SELECT doc FROM groups WHERE pool_id = $1 ORDER BY name LIMIT $2",
    after: "SELECT doc FROM groups WHERE pool_id = $1 AND name > $3 ORDER BY name LIMIT $2",
};
// Memberships are keyed by username key (see the migrations); the port names users by sub.
const ADD_MEMBER: &str = "INSERT INTO group_members (pool_id, group_name, username_key) \
     SELECT pool_id, $2, username_key FROM users WHERE pool_id = $1 AND sub = $3 ON CONFLICT DO NOTHING";
const REMOVE_MEMBER: &str = "DELETE FROM group_members WHERE pool_id = $1 AND group_name = $2 \
     AND username_key = (SELECT username_key FROM users WHERE pool_id = $1 AND sub = $3)";
const LIST_GROUPS_FOR_USER: Paged = Paged {
    first: "SELECT g.doc FROM group_members m JOIN groups g ON g.pool_id = m.pool_id AND g.name = m.group_name \
     WHERE m.pool_id = $1 AND m.username_key = (SELECT username_key FROM users WHERE pool_id = $1 AND sub = $2) \
     ORDER BY m.group_name LIMIT $3",
    after: "SELECT g.doc FROM group_members m JOIN groups g ON g.pool_id = m.pool_id AND g.name = m.group_name \
     WHERE m.pool_id = $1 AND m.username_key = (SELECT username_key FROM users WHERE pool_id = $1 AND sub = $2) \
     AND m.group_name > $4 ORDER BY m.group_name LIMIT $3",
};
// The page is cut in the subquery, on the primary key, before any user row is read. (A
// plain join let SQLite's planner walk the pool's users in key order and probe the group,
// which reads the whole pool for a small group.)
const LIST_USERS_IN_GROUP: Paged = Paged {
    first: "SELECT u.doc FROM (SELECT username_key FROM group_members WHERE pool_id = $1 AND group_name = $2 \
     ORDER BY username_key LIMIT $3) m JOIN users u ON u.pool_id = $1 AND u.username_key = m.username_key \
     ORDER BY m.username_key",
    after: "SELECT u.doc FROM (SELECT username_key FROM group_members WHERE pool_id = $1 AND group_name = $2 \
     AND username_key > $4 ORDER BY username_key LIMIT $3) m JOIN users u ON u.pool_id = $1 AND u.username_key = m.username_key \
     ORDER BY m.username_key",
};

// Wrong answers are counted per user and purpose in `attempt_counters`, across re-issued
// codes (see the 0010 migrations); the `attempts` column of a code is no longer used.
const PUT_CODE: &str = "INSERT INTO codes (pool_id, sub, purpose, hash, expires_at_ms, attempts) \
     VALUES ($1, $2, $3, $4, $5, 0) ON CONFLICT (pool_id, sub, purpose) DO UPDATE \
     SET hash = excluded.hash, expires_at_ms = excluded.expires_at_ms";
const GET_CODE: &str =
    "SELECT hash, expires_at_ms FROM codes WHERE pool_id = $1 AND sub = $2 AND purpose = $3";
const TAKE_CODE: &str =
    "DELETE FROM codes WHERE pool_id = $1 AND sub = $2 AND purpose = $3 AND hash = $4";

// Signing keys and sessions are read as `(doc, retired_ms / revoked_ms)`: the column is the
// truth and overrides the doc's copy (see the 0002 migrations).
const INSERT_SIGNING_KEY: &str = "INSERT INTO signing_keys (pool_id, kid, purpose, created_ms, retired_ms, doc) \
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING";
const LIST_SIGNING_KEYS: &str = "SELECT doc, retired_ms FROM signing_keys WHERE pool_id = $1";
const RETIRE_SIGNING_KEYS: &str = "UPDATE signing_keys SET retired_ms = $3 \
     WHERE pool_id = $1 AND purpose = $2 AND retired_ms IS NULL";
const WITHDRAW_SIGNING_KEYS: &str = "DELETE FROM signing_keys WHERE pool_id = $1 AND purpose = $2";

const GET_SETTING: &str = "SELECT value FROM settings WHERE name = $1";
const INSERT_SETTING: &str =
    "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING";
const PUT_SETTING: &str = "INSERT INTO settings (name, value) VALUES ($1, $2) \
     ON CONFLICT (name) DO UPDATE SET value = excluded.value";

const INSERT_SESSION: &str = "INSERT INTO sessions \
     (origin_jti, pool_id, sub, refresh_hash, previous_refresh_hash, expires_ms, revoked_ms, doc) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING";
const GET_SESSION: &str = "SELECT doc, revoked_ms FROM sessions WHERE origin_jti = $1";
// Two index lookups (SQLite's multi-index OR, PostgreSQL's BitmapOr). Hashes are keyed
// hashes of random tokens, so at most one session matches.
const GET_SESSION_BY_REFRESH_HASH: &str = "SELECT doc, revoked_ms FROM sessions \
     WHERE refresh_hash = $1 OR previous_refresh_hash = $1";
// Compare-and-swap on the refresh hash, so that of two refreshes presenting one token only
// one rotates. A revoked session is not rotated either: a rotation that read the session
// before a concurrent revocation must not hand out a fresh token for it.
const ROTATE_SESSION: &str = "UPDATE sessions SET refresh_hash = $2, previous_refresh_hash = $3, \
     expires_ms = $4, doc = $5 WHERE origin_jti = $1 AND refresh_hash = $6 AND revoked_ms IS NULL";
// Revoking again keeps the first revocation's time.
const REVOKE_SESSION: &str =
    "UPDATE sessions SET revoked_ms = COALESCE(revoked_ms, $2) WHERE origin_jti = $1";
const REVOKE_USER_SESSIONS: &str = "UPDATE sessions SET revoked_ms = $3 \
     WHERE pool_id = $1 AND sub = $2 AND revoked_ms IS NULL";

const USE_ONCE: &str =
    "INSERT INTO single_use (marker_key, expires_ms) VALUES ($1, $2) ON CONFLICT DO NOTHING";

// One statement decides and counts, so concurrent attempts cannot all pass one check: the
// row is locked (PostgreSQL, which re-evaluates the WHERE on the newest row) or the database
// is (SQLite) between reading the count and writing it. The row is replaced (count 1) when it
// has expired, else counted on when under the cap and past the delay; otherwise nothing is
// written and nothing returned. Parameters: $1 pool, $2 key, $3 now, $4 reset_after_ms,
// $5 max_attempts, $6 backoff after_attempts (i64::MAX for none), $7 first delay, $8 max delay.
// The delay is `first << (attempts - after)`, capped; `<<` needs its operands as BIGINT and
// INTEGER on PostgreSQL, and the exponent is bounded before shifting.
const RESERVE_ATTEMPT: &str = "INSERT INTO attempt_counters (pool_id, counter_key, attempts, last_ms, expires_ms) \
     VALUES ($1, $2, 1, $3, $3 + $4) ON CONFLICT (pool_id, counter_key) DO UPDATE SET \
     attempts = CASE WHEN attempt_counters.expires_ms <= excluded.last_ms THEN 1 \
         ELSE attempt_counters.attempts + 1 END, \
     last_ms = excluded.last_ms, expires_ms = excluded.expires_ms \
     WHERE attempt_counters.expires_ms <= excluded.last_ms \
     OR (attempt_counters.attempts < $5 AND attempt_counters.last_ms + CASE \
         WHEN attempt_counters.attempts < $6 THEN 0 \
         WHEN attempt_counters.attempts - $6 >= 30 THEN $8 \
         WHEN $7 * (CAST(1 AS BIGINT) << CAST(attempt_counters.attempts - $6 AS INTEGER)) >= $8 THEN $8 \
         ELSE $7 * (CAST(1 AS BIGINT) << CAST(attempt_counters.attempts - $6 AS INTEGER)) END \
         <= excluded.last_ms) \
     RETURNING attempts";
const CLEAR_ATTEMPTS: &str = "DELETE FROM attempt_counters WHERE pool_id = $1 AND counter_key = $2";
// Portable, batched like the Dialect purges; a row value finds the two-column key.
const PURGE_ATTEMPTS: &str = "DELETE FROM attempt_counters WHERE (pool_id, counter_key) IN \
     (SELECT pool_id, counter_key FROM attempt_counters WHERE expires_ms < $1 LIMIT $2)";

/// Rows [`Dialect::PURGE_SESSIONS`] and [`Dialect::PURGE_MARKERS`] delete per statement.
const PURGE_BATCH: i64 = 1000;

const APPEND_OUTBOX: &str = "INSERT INTO outbox (created_ms, pool_id, doc) VALUES ($1, $2, $3)";
const LIST_OUTBOX: &str = "SELECT doc FROM outbox ORDER BY seq DESC LIMIT $1";
const LIST_POOL_OUTBOX: &str =
    "SELECT doc FROM outbox WHERE pool_id = $1 ORDER BY seq DESC LIMIT $2";

/// Children before parents, so no cascade has work left to do.
const WIPE: [&str; 17] = [
    "DELETE FROM identity_logins",
    "DELETE FROM identities",
    "DELETE FROM identity_pools",
    "DELETE FROM identity_issuer_keys",
    "DELETE FROM sessions",
    "DELETE FROM signing_keys",
    "DELETE FROM attempt_counters",
    "DELETE FROM single_use",
    "DELETE FROM group_members",
    "DELETE FROM codes",
    "DELETE FROM user_search",
    "DELETE FROM user_aliases",
    "DELETE FROM users",
    "DELETE FROM groups",
    "DELETE FROM clients",
    "DELETE FROM user_pools",
    "DELETE FROM outbox",
];

/// Prepared statements kept per connection: the fixed statements plus the variants that
/// `list_users` assembles, with room to spare (sqlx's default is 100).
pub(crate) const STATEMENT_CACHE: usize = 256;

/// ListUsers' statement and its parameters, in parameter order.
///
/// Without a filter it walks `users_username_key`. With one it reads the search index
/// (primary key of `user_search`: pool, attribute, value, username key, sub), cuts the page
/// there, and only then joins the page's users. An exact match comes out of the index
/// already in username order; a prefix match is an index range, sorted by username key.
fn list_users_sql<'a>(
    pool_id: &'a str,
    query: &'a UserQuery,
    upper: Option<&'a str>,
) -> (String, Vec<Bind<'a>>) {
    let mut binds = vec![Bind::Text(pool_id), Bind::Int(i64::from(query.limit))];
    let mut param = |bind: Bind<'a>| {
        binds.push(bind);
        format!("${}", binds.len())
    };
    let after = query.after.as_deref().map(|after| param(Bind::Text(after)));
    let sql = match &query.filter {
        None => {
            let after = after
                .map(|p| format!(" AND username_key > {p}"))
                .unwrap_or_default();
            format!(
                "SELECT doc FROM users WHERE pool_id = $1{after} ORDER BY username_key LIMIT $2"
            )
        }
        Some(SearchFilter {
            attribute,
            value,
            prefix,
        }) => {
            let after = after
                .map(|p| format!(" AND username_key > {p}"))
                .unwrap_or_default();
            let attribute = param(Bind::Text(attribute));
            let value_param = param(Bind::Text(value));
            // A user may hold several matching values of one attribute only in a prefix
            // search; DISTINCT keeps it to one row there.
            let (distinct, matches) = match (*prefix, upper) {
                (false, _) => ("", format!("value = {value_param}")),
                (true, Some(upper)) => {
                    let upper = param(Bind::Text(upper));
                    (
                        "DISTINCT ",
                        format!("value >= {value_param} AND value < {upper}"),
                    )
                }
                (true, None) => ("DISTINCT ", format!("value >= {value_param}")),
            };
            format!(
                "SELECT u.doc FROM (SELECT {distinct}username_key, sub FROM user_search \
                 WHERE pool_id = $1 AND attribute = {attribute} AND {matches}{after} \
                 ORDER BY username_key LIMIT $2) s \
                 JOIN users u ON u.pool_id = $1 AND u.sub = s.sub ORDER BY s.username_key"
            )
        }
    };
    (sql, binds)
}

// The bounds below say "DB is a sqlx backend that can run our queries with these column
// types". Rust does not carry where-clauses of a trait to its users, so both impl blocks
// spell them out.

impl<DB> SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> String: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> &'q [u8]: Encode<'q, DB> + Type<DB>,
    for<'q> Vec<u8>: Decode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> i32: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    // sqlx implements `Encode` for `Option` per backend, not once for every type that has it.
    for<'q> Option<i64>: Encode<'q, DB>,
    for<'q> Option<&'q [u8]>: Encode<'q, DB>,
    usize: ColumnIndex<DB::Row>,
{
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

    /// Applies a `save_users` batch inside its transaction, in order: each run of
    /// consecutive inserts goes in one statement per table, each update on its own. Order
    /// matters: the domain moves an alias by updating its holder, then inserting the new one.
    async fn save_batch(conn: &mut DB::Connection, writes: &[UserWrite]) -> StoreResult<()> {
        let mut rest = writes;
        while !rest.is_empty() {
            let inserts = rest
                .iter()
                .take_while(|w| w.expected_version.is_none())
                .count();
            let (now, later) = rest.split_at(inserts.max(1));
            match now {
                [
                    update @ UserWrite {
                        expected_version: Some(expected),
                        ..
                    },
                ] => {
                    Self::update_user(conn, update, *expected).await?;
                }
                _ => Self::insert_users(conn, now).await?,
            }
            Self::insert_keys(conn, now).await?;
            rest = later;
        }
        Ok(())
    }

    /// Inserts the rows of new users. When several writes of a batch collide, which
    /// collision is reported is not specified: the whole batch fails either way.
    async fn insert_users(conn: &mut DB::Connection, writes: &[UserWrite]) -> StoreResult<()> {
        let rows = writes
            .iter()
            .map(|w| {
                let user = &w.user;
                Ok((
                    user.pool_id.as_str(),
                    user.sub.as_str(),
                    w.keys.username_key.as_str(),
                    user.version,
                    to_doc("user", user)?,
                ))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let inserted: HashSet<(String, String)> = query_as(DB::INSERT_USERS)
            .bind(to_doc("user rows", &rows)?)
            .fetch_all(&mut *conn)
            .await
            .map_err(fail("insert users"))?
            .into_iter()
            .collect();
        if inserted.len() == writes.len() {
            return Ok(());
        }
        let Some(refused) = writes
            .iter()
            .find(|w| !inserted.contains(&(w.user.pool_id.clone(), w.user.sub.clone())))
        else {
            // Every sub went in once, so one was listed twice in this batch.
            return conflict(Conflict::Exists);
        };
        // Refused by the primary key (the sub is taken) or by the username index.
        let same_sub = query_scalar::<DB, String>(USER_EXISTS)
            .bind(refused.user.pool_id.as_str())
            .bind(refused.user.sub.as_str())
            .fetch_optional(&mut *conn)
            .await
            .map_err(fail("insert users"))?;
        conflict(if same_sub.is_some() {
            Conflict::Exists
        } else {
            Conflict::Username
        })
    }

    /// Updates a user's row if it still has the expected version, and drops its old keys.
    async fn update_user(
        conn: &mut DB::Connection,
        write: &UserWrite,
        expected: i64,
    ) -> StoreResult<()> {
        let user = &write.user;
        let updated = query(UPDATE_USER)
            .bind(user.pool_id.as_str())
            .bind(user.sub.as_str())
            .bind(write.keys.username_key.as_str())
            .bind(user.version)
            .bind(to_doc("user", user)?)
            .bind(expected)
            .execute(&mut *conn)
            .await;
        let updated = match updated {
            Ok(done) => DB::rows_affected(&done),
            // The only unique key an update can newly take is the username.
            Err(e) if is_unique_violation(&e) => return conflict(Conflict::Username),
            Err(e) => return Err(fail("update user")(e)),
        };
        if updated == 0 {
            let found = query_scalar::<DB, String>(USER_EXISTS)
                .bind(user.pool_id.as_str())
                .bind(user.sub.as_str())
                .fetch_optional(&mut *conn)
                .await
                .map_err(fail("update user"))?;
            return conflict(if found.is_some() {
                Conflict::Version
            } else {
                Conflict::Missing
            });
        }
        for statement in [DELETE_USER_ALIASES, DELETE_USER_SEARCH] {
            query(statement)
                .bind(user.pool_id.as_str())
                .bind(user.sub.as_str())
                .execute(&mut *conn)
                .await
                .map_err(fail("replace user keys"))?;
        }
        Ok(())
    }

    /// Inserts the alias and search keys of users whose rows were just written.
    async fn insert_keys(conn: &mut DB::Connection, writes: &[UserWrite]) -> StoreResult<()> {
        // Per user sorted and deduplicated: a key listed twice is not a collision, and the
        // first colliding key reported does not depend on the order the domain listed them.
        let aliases: Vec<(&str, &str, &str)> = writes
            .iter()
            .flat_map(|w| {
                let keys: BTreeSet<&str> = w.keys.aliases.iter().map(String::as_str).collect();
                keys.into_iter()
                    .map(|key| (w.user.pool_id.as_str(), w.user.sub.as_str(), key))
            })
            .collect();
        if !aliases.is_empty() {
            let inserted: HashSet<(String, String, String)> = query_as(DB::INSERT_ALIASES)
                .bind(to_doc("alias rows", &aliases)?)
                .fetch_all(&mut *conn)
                .await
                .map_err(fail("insert user aliases"))?
                .into_iter()
                .collect();
            // A row missing from what was inserted is a key another user holds.
            if let Some((_, _, taken)) = aliases.iter().find(|(p, s, k)| {
                !inserted.contains(&((*p).to_owned(), (*s).to_owned(), (*k).to_owned()))
            }) {
                return conflict(Conflict::Alias((*taken).to_owned()));
            }
        }
        let search: Vec<(&str, &str, &str, &str, &str)> = writes
            .iter()
            .flat_map(|w| {
                w.keys.search.iter().map(|(attribute, value)| {
                    (
                        w.user.pool_id.as_str(),
                        w.keys.username_key.as_str(),
                        w.user.sub.as_str(),
                        attribute.as_str(),
                        value.as_str(),
                    )
                })
            })
            .collect();
        if !search.is_empty() {
            query(DB::INSERT_SEARCH)
                .bind(to_doc("search rows", &search)?)
                .execute(&mut *conn)
                .await
                .map_err(fail("insert user search keys"))?;
        }
        Ok(())
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

    /// Looks a session up on the read side; its revocation comes from `revoked_ms`.
    async fn read_session(
        &self,
        sql: &'static str,
        binds: &[Bind<'_>],
    ) -> StoreResult<Option<AuthSession>> {
        let row: Option<DocWithTime> = self.read_one("get session", sql, binds).await?;
        row.map(|(doc, revoked_ms)| {
            let mut session: AuthSession = from_doc("session", &doc)?;
            session.revoked = revoked_ms.map(Timestamp);
            Ok(session)
        })
        .transpose()
    }

    /// Deletes what `purge` selects, a batch at a time, until a batch comes back short.
    async fn purge(
        &self,
        what: &'static str,
        purge: &'static str,
        now_ms: i64,
    ) -> StoreResult<u64> {
        let mut total = 0;
        loop {
            let deleted = self
                .count_changed(what, query(purge).bind(now_ms).bind(PURGE_BATCH))
                .await?;
            total += deleted;
            if deleted < PURGE_BATCH.unsigned_abs() {
                return Ok(total);
            }
        }
    }
}

#[async_trait]
impl<DB> Store for SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> String: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> &'q [u8]: Encode<'q, DB> + Type<DB>,
    for<'q> Vec<u8>: Decode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> i32: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    // sqlx implements `Encode` for `Option` per backend, not once for every type that has it.
    for<'q> Option<i64>: Encode<'q, DB>,
    for<'q> Option<&'q [u8]>: Encode<'q, DB>,
    usize: ColumnIndex<DB::Row>,
{
    async fn ping(&self) -> StoreResult<()> {
        query("SELECT 1")
            .execute(&self.read)
            .await
            .map_err(fail("ping"))?;
        Ok(())
    }

    async fn insert_pool(&self, pool: &UserPool) -> StoreResult<()> {
        let insert = query(INSERT_POOL)
            .bind(pool.id.as_str())
            .bind(pool.created.millis())
            .bind(pool.version)
            .bind(to_doc("pool", pool)?);
        self.insert_new("insert pool", insert).await
    }

    async fn get_pool(&self, pool_id: &str) -> StoreResult<Option<UserPool>> {
        self.read_doc("pool", GET_POOL, &[Bind::Text(pool_id)])
            .await
    }

    async fn update_pool(&self, pool: &UserPool, expected_version: i64) -> StoreResult<()> {
        let update = query(UPDATE_POOL)
            .bind(pool.id.as_str())
            .bind(pool.version)
            .bind(to_doc("pool", pool)?)
            .bind(expected_version);
        self.update_versioned(
            "update pool",
            update,
            query_scalar(POOL_EXISTS).bind(pool.id.as_str()),
        )
        .await
    }

    async fn delete_pool(&self, pool_id: &str) -> StoreResult<bool> {
        // Clients, users (with their keys, memberships, codes and sessions), groups, signing
        // keys and failure counters go by cascade;
        // the outbox has no foreign key and is cleared here, in the same transaction.
        let mut tx = self.write.begin().await.map_err(fail("delete pool"))?;
        query(DELETE_POOL_OUTBOX)
            .bind(pool_id)
            .execute(&mut *tx)
            .await
            .map_err(fail("delete pool"))?;
        let deleted = query(DELETE_POOL)
            .bind(pool_id)
            .execute(&mut *tx)
            .await
            .map_err(fail("delete pool"))?;
        tx.commit().await.map_err(fail("delete pool"))?;
        Ok(DB::rows_affected(&deleted) > 0)
    }

    async fn list_pools(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<UserPool>> {
        let list = query_scalar(LIST_POOLS.sql(after)).bind(i64::from(limit));
        self.fetch_docs("pool", Self::after(list, after)).await
    }

    async fn insert_client(&self, client: &AppClient) -> StoreResult<()> {
        let insert = query(INSERT_CLIENT)
            .bind(client.client_id.as_str())
            .bind(client.pool_id.as_str())
            .bind(client.version)
            .bind(to_doc("client", client)?);
        self.insert_new("insert client", insert).await
    }

    async fn get_client(&self, client_id: &str) -> StoreResult<Option<AppClient>> {
        self.read_doc("client", GET_CLIENT, &[Bind::Text(client_id)])
            .await
    }

    async fn update_client(&self, client: &AppClient, expected_version: i64) -> StoreResult<()> {
        let update = query(UPDATE_CLIENT)
            .bind(client.client_id.as_str())
            .bind(client.pool_id.as_str())
            .bind(client.version)
            .bind(to_doc("client", client)?)
            .bind(expected_version);
        let exists = query_scalar(CLIENT_EXISTS)
            .bind(client.client_id.as_str())
            .bind(client.pool_id.as_str());
        self.update_versioned("update client", update, exists).await
    }

    async fn delete_client(&self, pool_id: &str, client_id: &str) -> StoreResult<bool> {
        self.changed(
            "delete client",
            query(DELETE_CLIENT).bind(client_id).bind(pool_id),
        )
        .await
    }

    async fn list_clients(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<AppClient>> {
        let list = query_scalar(LIST_CLIENTS.sql(after))
            .bind(pool_id)
            .bind(i64::from(limit));
        self.fetch_docs("client", Self::after(list, after)).await
    }

    async fn save_users(&self, writes: &[UserWrite]) -> StoreResult<()> {
        // One transaction for the batch: an error drops `tx`, which rolls everything back.
        let mut tx = self.write.begin().await.map_err(fail("save users"))?;
        Self::save_batch(&mut *tx, writes).await?;
        tx.commit().await.map_err(fail("save users"))
    }

    async fn get_user_by_sub(&self, pool_id: &str, sub: &str) -> StoreResult<Option<User>> {
        self.read_doc(
            "user",
            GET_USER_BY_SUB,
            &[Bind::Text(pool_id), Bind::Text(sub)],
        )
        .await
    }

    async fn get_user_by_username_key(
        &self,
        pool_id: &str,
        username_key: &str,
    ) -> StoreResult<Option<User>> {
        self.read_doc(
            "user",
            GET_USER_BY_USERNAME,
            &[Bind::Text(pool_id), Bind::Text(username_key)],
        )
        .await
    }

    async fn get_user_by_alias(&self, pool_id: &str, alias_key: &str) -> StoreResult<Option<User>> {
        self.read_doc(
            "user",
            GET_USER_BY_ALIAS,
            &[Bind::Text(pool_id), Bind::Text(alias_key)],
        )
        .await
    }

    async fn delete_user(&self, pool_id: &str, sub: &str) -> StoreResult<bool> {
        // Aliases, search keys, memberships, codes and sessions go with the row (ON DELETE
        // CASCADE). Failure counters stay: they are keyed by pool, and a new user never
        // has this sub.
        self.changed("delete user", query(DELETE_USER).bind(pool_id).bind(sub))
            .await
    }

    async fn list_users(&self, pool_id: &str, query: &UserQuery) -> StoreResult<Vec<User>> {
        let upper = match &query.filter {
            Some(filter) if filter.prefix => prefix_successor(&filter.value),
            _ => None,
        };
        let (sql, binds) = list_users_sql(pool_id, query, upper.as_deref());
        // The text is assembled only from the fixed fragments in `list_users_sql`; every
        // value is a bound parameter.
        let mut list = query_scalar(AssertSqlSafe(sql));
        for bind in binds {
            list = match bind {
                Bind::Text(text) => list.bind(text),
                Bind::Int(n) => list.bind(n),
                Bind::Blob(bytes) => list.bind(bytes),
            };
        }
        self.fetch_docs("user", list).await
    }

    async fn count_users(&self, pool_id: &str) -> StoreResult<u64> {
        let count: Option<(i64,)> = self
            .read_one("count users", COUNT_USERS, &[Bind::Text(pool_id)])
            .await?;
        Ok(count.map_or(0, |(n,)| u64::try_from(n).unwrap_or_default()))
    }

    async fn insert_group(&self, group: &Group) -> StoreResult<()> {
        let insert = query(INSERT_GROUP)
            .bind(group.pool_id.as_str())
            .bind(group.name.as_str())
            .bind(to_doc("group", group)?);
        self.insert_new("insert group", insert).await
    }

    async fn get_group(&self, pool_id: &str, name: &str) -> StoreResult<Option<Group>> {
        self.read_doc("group", GET_GROUP, &[Bind::Text(pool_id), Bind::Text(name)])
            .await
    }

    async fn update_group(&self, group: &Group) -> StoreResult<()> {
        let update = query(UPDATE_GROUP)
            .bind(group.pool_id.as_str())
            .bind(group.name.as_str())
            .bind(to_doc("group", group)?);
        if self.changed("update group", update).await? {
            Ok(())
        } else {
            conflict(Conflict::Missing)
        }
    }

    async fn delete_group(&self, pool_id: &str, name: &str) -> StoreResult<bool> {
        // Memberships go with the row (ON DELETE CASCADE).
        self.changed("delete group", query(DELETE_GROUP).bind(pool_id).bind(name))
            .await
    }

    async fn list_groups(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Group>> {
        let list = query_scalar(LIST_GROUPS.sql(after))
            .bind(pool_id)
            .bind(i64::from(limit));
        self.fetch_docs("group", Self::after(list, after)).await
    }

    async fn add_user_to_group(&self, pool_id: &str, group: &str, sub: &str) -> StoreResult<()> {
        // A missing group fails the foreign key, which `fail` reports as Missing. Nothing
        // inserted means the user is a member already (idempotent) or does not exist.
        let added = query(ADD_MEMBER)
            .bind(pool_id)
            .bind(group)
            .bind(sub)
            .execute(&self.write)
            .await
            .map_err(fail("add group member"))?;
        if DB::rows_affected(&added) > 0
            || self
                .exists(
                    "add group member",
                    query_scalar(USER_EXISTS).bind(pool_id).bind(sub),
                )
                .await?
        {
            Ok(())
        } else {
            conflict(Conflict::Missing)
        }
    }

    async fn remove_user_from_group(
        &self,
        pool_id: &str,
        group: &str,
        sub: &str,
    ) -> StoreResult<()> {
        self.changed(
            "remove group member",
            query(REMOVE_MEMBER).bind(pool_id).bind(group).bind(sub),
        )
        .await?;
        Ok(())
    }

    async fn list_groups_for_user(
        &self,
        pool_id: &str,
        sub: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Group>> {
        let mut binds = vec![
            Bind::Text(pool_id),
            Bind::Text(sub),
            Bind::Int(i64::from(limit)),
        ];
        binds.extend(after.map(Bind::Text));
        let docs: Vec<Doc> = self
            .read_all("group", LIST_GROUPS_FOR_USER.sql(after), &binds)
            .await?;
        docs.iter().map(|(doc,)| from_doc("group", doc)).collect()
    }

    async fn list_users_in_group(
        &self,
        pool_id: &str,
        group: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<User>> {
        let list = query_scalar(LIST_USERS_IN_GROUP.sql(after))
            .bind(pool_id)
            .bind(group)
            .bind(i64::from(limit));
        self.fetch_docs("user", Self::after(list, after)).await
    }

    async fn put_code(&self, code: &StoredCode) -> StoreResult<()> {
        query(PUT_CODE)
            .bind(code.pool_id.as_str())
            .bind(code.sub.as_str())
            .bind(code.purpose.as_str())
            .bind(code.hash.as_slice())
            .bind(code.expires_at_ms)
            .execute(&self.write)
            .await
            .map_err(fail("put code"))?;
        Ok(())
    }

    async fn get_code(
        &self,
        pool_id: &str,
        sub: &str,
        purpose: &str,
    ) -> StoreResult<Option<StoredCode>> {
        let row: Option<(Vec<u8>, i64)> = self
            .read_one(
                "get code",
                GET_CODE,
                &[Bind::Text(pool_id), Bind::Text(sub), Bind::Text(purpose)],
            )
            .await?;
        Ok(row.map(|(hash, expires_at_ms)| StoredCode {
            pool_id: pool_id.to_owned(),
            sub: sub.to_owned(),
            purpose: purpose.to_owned(),
            hash,
            expires_at_ms,
        }))
    }

    async fn take_code(
        &self,
        pool_id: &str,
        sub: &str,
        purpose: &str,
        hash: &[u8],
    ) -> StoreResult<bool> {
        // One DELETE decides: of two concurrent takers only one sees a row removed.
        self.changed(
            "take code",
            query(TAKE_CODE)
                .bind(pool_id)
                .bind(sub)
                .bind(purpose)
                .bind(hash),
        )
        .await
    }

    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> StoreResult<()> {
        // Nothing inserted: the kid is taken, or the pool has an active key of this purpose.
        let insert = query(INSERT_SIGNING_KEY)
            .bind(key.pool_id.as_str())
            .bind(key.kid.as_str())
            .bind(key.purpose.as_str())
            .bind(key.created.millis())
            .bind(key.retired.map(Timestamp::millis))
            .bind(to_doc("signing key", key)?);
        self.insert_new("insert signing key", insert).await
    }

    async fn list_signing_keys(&self, pool_id: &str) -> StoreResult<Vec<SigningKeyRecord>> {
        let rows: Vec<DocWithTime> = self
            .read_all(
                "list signing keys",
                LIST_SIGNING_KEYS,
                &[Bind::Text(pool_id)],
            )
            .await?;
        rows.into_iter()
            .map(|(doc, retired_ms)| {
                let mut key: SigningKeyRecord = from_doc("signing key", &doc)?;
                key.retired = retired_ms.map(Timestamp);
                Ok(key)
            })
            .collect()
    }

    async fn rotate_signing_key(
        &self,
        key: &SigningKeyRecord,
        withdraw_others: bool,
    ) -> StoreResult<()> {
        const WHAT: &str = "rotate signing key";
        let mut tx = self.write.begin().await.map_err(fail(WHAT))?;
        let (pool_id, purpose) = (key.pool_id.as_str(), key.purpose.as_str());
        let make_room = if withdraw_others {
            query(WITHDRAW_SIGNING_KEYS).bind(pool_id).bind(purpose)
        } else {
            query(RETIRE_SIGNING_KEYS)
                .bind(pool_id)
                .bind(purpose)
                .bind(key.activates_at().millis())
        };
        make_room.execute(&mut *tx).await.map_err(fail(WHAT))?;
        // Nothing inserted: a concurrent rotation's key took the purpose first (PostgreSQL
        // waits for it to commit); dropping the transaction undoes the retirement above.
        let inserted = query(INSERT_SIGNING_KEY)
            .bind(pool_id)
            .bind(key.kid.as_str())
            .bind(purpose)
            .bind(key.created.millis())
            .bind(key.retired.map(Timestamp::millis))
            .bind(to_doc("signing key", key)?)
            .execute(&mut *tx)
            .await
            .map_err(fail(WHAT))?;
        if DB::rows_affected(&inserted) == 0 {
            return conflict(Conflict::Exists);
        }
        tx.commit().await.map_err(fail(WHAT))
    }

    async fn get_setting(&self, name: &str) -> StoreResult<Option<Vec<u8>>> {
        // On the writer, so a value just inserted by `insert_setting` is seen (read at start only).
        query_scalar(GET_SETTING)
            .bind(name)
            .fetch_optional(&self.write)
            .await
            .map_err(fail("get setting"))
    }

    async fn insert_setting(&self, name: &str, value: &[u8]) -> StoreResult<bool> {
        self.changed(
            "insert setting",
            query(INSERT_SETTING).bind(name).bind(value),
        )
        .await
    }

    async fn put_setting(&self, name: &str, value: &[u8]) -> StoreResult<()> {
        self.changed("put setting", query(PUT_SETTING).bind(name).bind(value))
            .await?;
        Ok(())
    }

    async fn insert_session(&self, session: &AuthSession) -> StoreResult<()> {
        // Nothing inserted: the origin jti or the refresh hash is taken. A missing user fails
        // the foreign key (Missing).
        let insert = query(INSERT_SESSION)
            .bind(session.origin_jti.as_str())
            .bind(session.pool_id.as_str())
            .bind(session.sub.as_str())
            .bind(session.refresh_hash.as_slice())
            .bind(session.previous_refresh_hash.as_deref())
            .bind(session.expires.millis())
            .bind(session.revoked.map(Timestamp::millis))
            .bind(to_doc("session", session)?);
        self.insert_new("insert session", insert).await
    }

    async fn get_session(&self, origin_jti: &str) -> StoreResult<Option<AuthSession>> {
        self.read_session(GET_SESSION, &[Bind::Text(origin_jti)])
            .await
    }

    async fn get_session_by_refresh_hash(&self, hash: &[u8]) -> StoreResult<Option<AuthSession>> {
        self.read_session(GET_SESSION_BY_REFRESH_HASH, &[Bind::Blob(hash)])
            .await
    }

    async fn rotate_session(
        &self,
        session: &AuthSession,
        expected_refresh_hash: &[u8],
    ) -> StoreResult<bool> {
        let rotate = query(ROTATE_SESSION)
            .bind(session.origin_jti.as_str())
            .bind(session.refresh_hash.as_slice())
            .bind(session.previous_refresh_hash.as_deref())
            .bind(session.expires.millis())
            .bind(to_doc("session", session)?)
            .bind(expected_refresh_hash)
            .execute(&self.write)
            .await;
        match rotate {
            Ok(done) => Ok(DB::rows_affected(&done) > 0),
            // The new refresh hash is another session's (the only unique key it can take).
            Err(e) if is_unique_violation(&e) => conflict(Conflict::Exists),
            Err(e) => Err(fail("rotate session")(e)),
        }
    }

    async fn revoke_session(&self, origin_jti: &str, at: Timestamp) -> StoreResult<bool> {
        self.changed(
            "revoke session",
            query(REVOKE_SESSION).bind(origin_jti).bind(at.millis()),
        )
        .await
    }

    async fn revoke_user_sessions(
        &self,
        pool_id: &str,
        sub: &str,
        at: Timestamp,
    ) -> StoreResult<u64> {
        self.count_changed(
            "revoke user sessions",
            query(REVOKE_USER_SESSIONS)
                .bind(pool_id)
                .bind(sub)
                .bind(at.millis()),
        )
        .await
    }

    async fn use_once(&self, key: &str, expires_at_ms: i64) -> StoreResult<bool> {
        // Of concurrent callers only one inserts the row; the others do nothing (on
        // PostgreSQL, after waiting for the winner to commit).
        self.changed("use once", query(USE_ONCE).bind(key).bind(expires_at_ms))
            .await
    }

    async fn reserve_attempt(
        &self,
        pool_id: &str,
        key: &str,
        limit: &AttemptLimit,
        now_ms: i64,
    ) -> StoreResult<Option<i64>> {
        let no_backoff = Backoff {
            after_attempts: i64::MAX,
            first_delay_ms: 0,
            max_delay_ms: 0,
        };
        let backoff = limit.backoff.unwrap_or(no_backoff);
        query_scalar(RESERVE_ATTEMPT)
            .bind(pool_id)
            .bind(key)
            .bind(now_ms)
            .bind(limit.reset_after_ms)
            .bind(limit.max_attempts)
            .bind(backoff.after_attempts)
            .bind(backoff.first_delay_ms)
            .bind(backoff.max_delay_ms)
            .fetch_optional(&self.write)
            .await
            .map_err(fail("reserve attempt"))
    }

    async fn clear_attempts(&self, pool_id: &str, key: &str) -> StoreResult<()> {
        self.changed(
            "clear attempts",
            query(CLEAR_ATTEMPTS).bind(pool_id).bind(key),
        )
        .await?;
        Ok(())
    }

    async fn purge_expired(&self, now_ms: i64) -> StoreResult<u64> {
        let sessions = self
            .purge("purge expired sessions", DB::PURGE_SESSIONS, now_ms)
            .await?;
        let markers = self
            .purge("purge expired markers", DB::PURGE_MARKERS, now_ms)
            .await?;
        let counters = self
            .purge("purge expired attempt counters", PURGE_ATTEMPTS, now_ms)
            .await?;
        Ok(sessions + markers + counters)
    }

    async fn append_outbox(&self, entry: &OutboxEntry) -> StoreResult<()> {
        query(APPEND_OUTBOX)
            .bind(entry.created.millis())
            .bind(entry.pool_id.as_str())
            .bind(to_doc("outbox", entry)?)
            .execute(&self.write)
            .await
            .map_err(fail("append outbox"))?;
        Ok(())
    }

    async fn list_outbox(
        &self,
        pool_id: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<OutboxEntry>> {
        let list = match pool_id {
            Some(pool_id) => query_scalar(LIST_POOL_OUTBOX)
                .bind(pool_id)
                .bind(i64::from(limit)),
            None => query_scalar(LIST_OUTBOX).bind(i64::from(limit)),
        };
        self.fetch_docs("outbox", list).await
    }

    async fn wipe_all(&self) -> StoreResult<()> {
        let mut tx = self.write.begin().await.map_err(fail("wipe"))?;
        for statement in WIPE {
            query(statement)
                .execute(&mut *tx)
                .await
                .map_err(fail("wipe"))?;
        }
        tx.commit().await.map_err(fail("wipe"))
    }
}
