//! The [`CodeStore`] family: single-use codes and markers, attempt counters.

use cognate_domain::ports::{AttemptLimit, Backoff, CodeStore, StoreResult, StoredCode};
use sqlx::{query, query_scalar};

use super::Bind;
use crate::records::fail;

// Wrong answers are counted per user and purpose in `attempt_counters`, across re-issued
// codes (see the 0010 migrations); the `attempts` column of a code is no longer used.
const PUT_CODE: &str = "INSERT INTO codes (pool_id, sub, purpose, hash, expires_at_ms, attempts) \
     VALUES ($1, $2, $3, $4, $5, 0) ON CONFLICT (pool_id, sub, purpose) DO UPDATE \
     SET hash = excluded.hash, expires_at_ms = excluded.expires_at_ms";
const GET_CODE: &str =
    "SELECT hash, expires_at_ms FROM codes WHERE pool_id = $1 AND sub = $2 AND purpose = $3";
const TAKE_CODE: &str =
    "DELETE FROM codes WHERE pool_id = $1 AND sub = $2 AND purpose = $3 AND hash = $4";
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

sql_impl! {
impl CodeStore {
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
}
}
