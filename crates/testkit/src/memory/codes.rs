//! Single-use codes, single-use markers and attempt counters (`CodeStore`).

use async_trait::async_trait;
use cognate_domain::ports::{AttemptLimit, Backoff, CodeStore, StoreResult, StoredCode};

use super::state::{Counter, State};
use super::{MemoryStore, k};

/// The shift beyond which a doubling delay is at its cap whatever the numbers (as in SQL).
const MAX_DOUBLINGS: i64 = 30;

impl State {
    /// Stores a code, replacing any earlier one of the user and purpose.
    pub fn put_code(&mut self, code: &StoredCode) -> StoreResult<()> {
        self.need_user(&code.pool_id, &code.sub)?;
        self.codes.insert(
            (k(&code.pool_id), k(&code.sub), k(&code.purpose)),
            code.clone(),
        );
        Ok(())
    }

    pub fn get_code(&self, pool_id: &str, sub: &str, purpose: &str) -> Option<StoredCode> {
        self.codes.get(&(k(pool_id), k(sub), k(purpose))).cloned()
    }

    /// Removes the code if its hash is `hash`; true only for the one caller that did.
    pub fn take_code(&mut self, pool_id: &str, sub: &str, purpose: &str, hash: &[u8]) -> bool {
        let key = (k(pool_id), k(sub), k(purpose));
        if self.codes.get(&key).is_some_and(|code| code.hash == hash) {
            self.codes.remove(&key);
            true
        } else {
            false
        }
    }

    /// Records a marker; true only for the first caller. A marker past its expiry still
    /// counts until it is purged.
    pub fn use_once(&mut self, key: &str, expires_at_ms: i64) -> bool {
        if self.markers.contains_key(key) {
            return false;
        }
        self.markers.insert(k(key), expires_at_ms);
        true
    }

    /// What `reserve_attempt`'s one SQL statement does: a counter whose time ran out (its
    /// `expires <= now`) starts afresh at 1; otherwise one more attempt is counted if the
    /// cap allows it and the delay since the last one has passed; else nothing changes.
    pub fn reserve_attempt(
        &mut self,
        pool_id: &str,
        key: &str,
        limit: &AttemptLimit,
        now_ms: i64,
    ) -> StoreResult<Option<i64>> {
        self.need_pool(pool_id)?;
        let fresh = Counter {
            attempts: 1,
            last_ms: now_ms,
            expires_ms: now_ms.saturating_add(limit.reset_after_ms),
        };
        let entry = self.counters.entry((k(pool_id), k(key)));
        let counter = entry.or_insert(Counter {
            expires_ms: i64::MIN,
            ..fresh
        });
        if counter.expires_ms <= now_ms {
            *counter = fresh;
            return Ok(Some(1));
        }
        let due = counter
            .last_ms
            .saturating_add(delay_after(counter.attempts, limit.backoff));
        if counter.attempts < limit.max_attempts && due <= now_ms {
            *counter = Counter {
                attempts: counter.attempts + 1,
                ..fresh
            };
            return Ok(Some(counter.attempts));
        }
        Ok(None)
    }

    pub fn clear_attempts(&mut self, pool_id: &str, key: &str) {
        self.counters.remove(&(k(pool_id), k(key)));
    }
}

/// The wait after `attempts` attempts: none before the backoff starts, then `first`
/// doubling with each further attempt, capped at `max`.
fn delay_after(attempts: i64, backoff: Option<Backoff>) -> i64 {
    let Some(backoff) = backoff else { return 0 };
    let beyond = attempts - backoff.after_attempts;
    if beyond < 0 {
        0
    } else if beyond >= MAX_DOUBLINGS {
        backoff.max_delay_ms
    } else {
        let doubled = backoff.first_delay_ms.saturating_mul(1_i64 << beyond);
        doubled.min(backoff.max_delay_ms)
    }
}

#[async_trait]
impl CodeStore for MemoryStore {
    async fn put_code(&self, code: &StoredCode) -> StoreResult<()> {
        self.with(|s| s.put_code(code))
    }

    async fn get_code(
        &self,
        pool_id: &str,
        sub: &str,
        purpose: &str,
    ) -> StoreResult<Option<StoredCode>> {
        self.with(|s| Ok(s.get_code(pool_id, sub, purpose)))
    }

    async fn take_code(
        &self,
        pool_id: &str,
        sub: &str,
        purpose: &str,
        hash: &[u8],
    ) -> StoreResult<bool> {
        self.with(|s| Ok(s.take_code(pool_id, sub, purpose, hash)))
    }

    async fn use_once(&self, key: &str, expires_at_ms: i64) -> StoreResult<bool> {
        self.with(|s| Ok(s.use_once(key, expires_at_ms)))
    }

    async fn reserve_attempt(
        &self,
        pool_id: &str,
        key: &str,
        limit: &AttemptLimit,
        now_ms: i64,
    ) -> StoreResult<Option<i64>> {
        self.with(|s| s.reserve_attempt(pool_id, key, limit, now_ms))
    }

    async fn clear_attempts(&self, pool_id: &str, key: &str) -> StoreResult<()> {
        self.with(|s| {
            s.clear_attempts(pool_id, key);
            Ok(())
        })
    }
}
