//! Persistence of what protects users from guessing and replay: single-use codes, single-use
//! markers and attempt counters. Every check-and-write here is one atomic step in the store.

use async_trait::async_trait;

use super::StoreResult;

/// A single-use code (confirmation, reset, attribute verification), stored as a hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCode {
    pub pool_id: String,
    pub sub: String,
    pub purpose: String,
    pub hash: Vec<u8>,
    pub expires_at_ms: i64,
}

/// How many attempts one counter allows, and how fast: what [`CodeStore::reserve_attempt`]
/// enforces. The domain decides the numbers (see `limits`); the store only applies them, in
/// one statement, so that concurrent requests on any node cannot overrun them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptLimit {
    /// Attempts the counter holds at most; the next one is refused.
    pub max_attempts: i64,
    /// The count starts afresh once this long has passed since the last attempt reserved.
    pub reset_after_ms: i64,
    /// Delays between attempts once enough are counted, if any.
    pub backoff: Option<Backoff>,
}

/// Exponential delays: once `after_attempts` attempts are counted, the next one must wait
/// `first_delay_ms` after the last, doubling with each further attempt up to `max_delay_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub after_attempts: i64,
    pub first_delay_ms: i64,
    pub max_delay_ms: i64,
}

/// Codes, single-use markers and attempt counters.
#[async_trait]
pub trait CodeStore: Send + Sync {
    /// Stores a code, replacing any earlier code of the same user and purpose.
    async fn put_code(&self, code: &StoredCode) -> StoreResult<()>;

    async fn get_code(
        &self,
        pool_id: &str,
        sub: &str,
        purpose: &str,
    ) -> StoreResult<Option<StoredCode>>;

    /// Removes the code; true only for the caller that actually removed it (single use).
    async fn take_code(
        &self,
        pool_id: &str,
        sub: &str,
        purpose: &str,
        hash: &[u8],
    ) -> StoreResult<bool>;

    /// Records a single-use marker; true only for the first caller (across all nodes).
    async fn use_once(&self, key: &str, expires_at_ms: i64) -> StoreResult<bool>;

    /// Reserves one attempt on the counter `key` at `now_ms`, if `limit` allows one: returns
    /// the attempts now counted, or `None` (and changes nothing) when the attempt is refused.
    /// The check and the count are one statement, so of concurrent callers on any node no
    /// more get through than the limit allows. A refused attempt does not count: it neither
    /// lengthens a delay nor keeps the counter from starting afresh.
    async fn reserve_attempt(
        &self,
        pool_id: &str,
        key: &str,
        limit: &AttemptLimit,
        now_ms: i64,
    ) -> StoreResult<Option<i64>>;

    /// Forgets the counter (a success ends the run of attempts).
    async fn clear_attempts(&self, pool_id: &str, key: &str) -> StoreResult<()>;
}
