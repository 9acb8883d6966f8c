//! PostgreSQL, for many stateless nodes over one database: connection setup, schema
//! isolation and migrations. The queries are in `sql`.
//!
//! Every write runs on a pooled connection, multi-statement writes in a transaction;
//! uniqueness under concurrent writers comes from the unique indexes, not from locks here.

use std::str::FromStr;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgQueryResult};
use sqlx::{AssertSqlSafe, Connection, PgConnection, Postgres};

use crate::sql::{Dialect, SqlStore};
use crate::{StoreInitError, StoreOptions};

pub(crate) async fn open(
    url: &str,
    options: &StoreOptions,
) -> Result<SqlStore<Postgres>, StoreInitError> {
    let mut connect = parse(url)?.statement_cache_capacity(crate::sql::STATEMENT_CACHE);
    if let Some(schema) = &options.schema {
        check_schema_name(schema)?;
        // Each connection starts with only this schema on its search path, so the
        // unqualified names in the migrations and queries (and sqlx's own migrations table)
        // all resolve inside it. Naming a schema that does not exist yet is allowed.
        connect = connect.options([("search_path", schema.as_str())]);
    }
    // One direct connection first: a database that cannot be reached fails here at once,
    // with its own error ("connection refused", "password authentication failed"), where
    // the pool would retry until its acquire timeout and report only that it timed out.
    let mut first = PgConnection::connect_with(&connect)
        .await
        .map_err(connect_error)?;
    if let Some(schema) = &options.schema {
        // The name was checked to be a plain identifier, and is quoted.
        sqlx::query(AssertSqlSafe(format!(
            "CREATE SCHEMA IF NOT EXISTS \"{schema}\""
        )))
        .execute(&mut first)
        .await
        .map_err(connect_error)?;
    }
    first.close().await.map_err(connect_error)?;
    let pool = PgPoolOptions::new()
        .max_connections(options.max_connections.max(1))
        .acquire_timeout(options.acquire_timeout)
        .connect_with(connect)
        .await
        .map_err(connect_error)?;
    migrate(&pool).await?;
    tracing::info!(
        max_connections = options.max_connections,
        acquire_timeout_ms = options.acquire_timeout.as_millis(),
        "postgres store ready"
    );
    Ok(SqlStore::new(pool.clone(), pool))
}

/// Drops a schema and everything in it.
pub(crate) async fn drop_schema(url: &str, schema: &str) -> Result<(), StoreInitError> {
    check_schema_name(schema)?;
    let mut conn = PgConnection::connect_with(&parse(url)?)
        .await
        .map_err(connect_error)?;
    // The name was checked to be a plain identifier, and is quoted.
    sqlx::query(AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"
    )))
    .execute(&mut conn)
    .await
    .map_err(connect_error)?;
    conn.close().await.map_err(connect_error)
}

/// Schema names go into SQL text (DDL takes no parameters), so only plain identifiers pass;
/// lower case only, because `search_path` folds an unquoted name to lower case.
fn check_schema_name(name: &str) -> Result<(), StoreInitError> {
    let plain = (1..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        Ok(())
    } else {
        Err(StoreInitError::InvalidSchema(name.to_owned()))
    }
}

fn parse(url: &str) -> Result<PgConnectOptions, StoreInitError> {
    PgConnectOptions::from_str(url).map_err(|e| StoreInitError::InvalidUrl(e.to_string()))
}

/// Applies the migrations this version has and the database lacks. Migrations a newer
/// version applied are left as they are: they only add (see `docs/deploy.md`), so a node of
/// this version still starts during a rolling upgrade, or after a rollback.
async fn migrate(pool: &PgPool) -> Result<(), StoreInitError> {
    let mut migrator: Migrator = sqlx::migrate!("./migrations/postgres");
    migrator
        .set_ignore_missing(true)
        .run(pool)
        .await
        .map_err(|e| StoreInitError::Migrate(e.to_string()))
}

fn connect_error(e: sqlx::Error) -> StoreInitError {
    StoreInitError::Connect(e.to_string())
}

impl Dialect for Postgres {
    // `WHERE true` mirrors the SQLite text, which needs it; the statements are otherwise the
    // same but for the JSON table function and the cast of the version.
    const INSERT_USERS: &'static str = "INSERT INTO users (pool_id, sub, username_key, version, doc) \
         SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, (j.value ->> 3)::bigint, j.value ->> 4 \
         FROM jsonb_array_elements($1::jsonb) AS j(value) \
         WHERE true ON CONFLICT DO NOTHING RETURNING pool_id, sub";
    const INSERT_ALIASES: &'static str = "INSERT INTO user_aliases (pool_id, sub, alias_key) \
         SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2 FROM jsonb_array_elements($1::jsonb) AS j(value) \
         WHERE true ON CONFLICT DO NOTHING RETURNING pool_id, sub, alias_key";
    const INSERT_SEARCH: &'static str = "INSERT INTO user_search (pool_id, username_key, sub, attribute, value) \
         SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4 \
         FROM jsonb_array_elements($1::jsonb) AS j(value) \
         WHERE true ON CONFLICT DO NOTHING";
    // `= ANY(ARRAY(…))` runs the subquery once, on the expiry index, and then probes the
    // primary key for each key it returned, whatever the plan's row estimates.
    const PURGE_SESSIONS: &'static str = "DELETE FROM sessions WHERE origin_jti = ANY(ARRAY( \
         SELECT origin_jti FROM sessions WHERE expires_ms < $1 LIMIT $2))";
    const PURGE_MARKERS: &'static str = "DELETE FROM single_use WHERE marker_key = ANY(ARRAY( \
         SELECT marker_key FROM single_use WHERE expires_ms < $1 LIMIT $2))";

    fn rows_affected(result: &PgQueryResult) -> u64 {
        result.rows_affected()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_identifiers_are_schema_names() {
        for good in ["t_0123abcd", "cognate", "_x"] {
            assert!(check_schema_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "1abc",
            "a-b",
            "a\"b",
            "a b",
            "ä",
            "Upper",
            &"x".repeat(64),
        ] {
            assert!(check_schema_name(bad).is_err(), "{bad}");
        }
    }
}
