//! A small per-URL cache for documents fetched from providers (discovery, JWKS, SAML
//! metadata), bounded by a TTL measured on the caller's `now`, never the wall clock.
//!
//! Fetches of one URL are serialised by an async lock, so a burst of sign-ins after expiry
//! (or a burst of unknown `kid`s) makes one request, not one per sign-in. Entries are only
//! ever immutable values behind an `Arc`, which DESIGN.md allows a stateless node to keep.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cognate_domain::Timestamp;

struct Entry<T> {
    value: Arc<T>,
    fetched_at: Timestamp,
}

/// Cached values by URL.
pub(crate) struct UrlCache<T> {
    entries: Mutex<HashMap<String, Entry<T>>>,
    fetch_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// Whether a cached value may be used as it is.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Freshness {
    /// Fetched less than this long ago.
    MaxAge(Duration),
    /// Fetch again, unless the last fetch was less than this long ago (a rate limit).
    ReloadUnlessWithin(Duration),
}

impl<T> UrlCache<T> {
    pub(crate) fn new() -> Self {
        UrlCache {
            entries: Mutex::new(HashMap::new()),
            fetch_locks: Mutex::new(HashMap::new()),
        }
    }

    /// The cached value for `url` if it satisfies `freshness`, else the result of `fetch`
    /// (stored on success). A failed fetch leaves the old entry as it was.
    pub(crate) async fn get<E, F, Fut>(
        &self,
        url: &str,
        now: Timestamp,
        freshness: Freshness,
        fetch: F,
    ) -> Result<Arc<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(value) = self.usable(url, now, freshness) {
            return Ok(value);
        }
        let lock = self.fetch_lock(url);
        let _guard = lock.lock().await;
        // Another task may have fetched while we waited for the lock.
        if let Some(value) = self.usable(url, now, freshness) {
            return Ok(value);
        }
        let value = Arc::new(fetch().await?);
        self.lock_entries().insert(
            url.to_owned(),
            Entry {
                value: value.clone(),
                fetched_at: now,
            },
        );
        Ok(value)
    }

    fn usable(&self, url: &str, now: Timestamp, freshness: Freshness) -> Option<Arc<T>> {
        let entries = self.lock_entries();
        let entry = entries.get(url)?;
        let age = now.millis().saturating_sub(entry.fetched_at.millis());
        let fresh = match freshness {
            Freshness::MaxAge(ttl) => age >= 0 && (age as u128) < ttl.as_millis(),
            Freshness::ReloadUnlessWithin(interval) => {
                age >= 0 && (age as u128) < interval.as_millis()
            }
        };
        fresh.then(|| entry.value.clone())
    }

    fn fetch_lock(&self, url: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self
            .fetch_locks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        locks.entry(url.to_owned()).or_default().clone()
    }

    fn lock_entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry<T>>> {
        // A panic while holding this lock cannot leave an entry half-written (inserts are
        // single statements), so a poisoned map is still consistent.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn caches_within_ttl_and_refetches_after() {
        let cache = UrlCache::<usize>::new();
        let calls = AtomicUsize::new(0);
        let fetch = || async { Ok::<_, ()>(calls.fetch_add(1, Ordering::SeqCst)) };
        let ttl = Freshness::MaxAge(Duration::from_secs(60));
        let t0 = Timestamp::from_secs(1000);
        assert_eq!(*cache.get("u", t0, ttl, fetch).await.unwrap(), 0);
        assert_eq!(
            *cache.get("u", t0.plus_secs(59), ttl, fetch).await.unwrap(),
            0
        );
        assert_eq!(
            *cache.get("u", t0.plus_secs(60), ttl, fetch).await.unwrap(),
            1
        );
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn forced_reloads_are_rate_limited() {
        let cache = UrlCache::<usize>::new();
        let calls = AtomicUsize::new(0);
        let fetch = || async { Ok::<_, ()>(calls.fetch_add(1, Ordering::SeqCst)) };
        let reload = Freshness::ReloadUnlessWithin(Duration::from_secs(10));
        let t0 = Timestamp::from_secs(1000);
        cache.get("u", t0, reload, fetch).await.unwrap();
        cache
            .get("u", t0.plus_secs(5), reload, fetch)
            .await
            .unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        cache
            .get("u", t0.plus_secs(10), reload, fetch)
            .await
            .unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_failed_fetch_keeps_nothing() {
        let cache = UrlCache::<usize>::new();
        let ttl = Freshness::MaxAge(Duration::from_secs(60));
        let t0 = Timestamp::from_secs(1000);
        let failed = cache
            .get("u", t0, ttl, || async { Err::<usize, _>("down") })
            .await;
        assert!(failed.is_err());
        let ok = cache
            .get("u", t0, ttl, || async { Ok::<_, ()>(7) })
            .await
            .unwrap();
        assert_eq!(*ok, 7);
    }
}
