//! A small per-node cache with a time-to-live, for pool and client settings: read on every
//! request, changed rarely. Writes through this node drop the entry at once; other nodes see
//! a change within the TTL (Cognito, too, propagates configuration changes with a delay).

use std::collections::HashMap;
use std::sync::Mutex;

use crate::time::Timestamp;

/// Entries beyond this are not worth keeping; the cache starts over rather than grow.
const MAX_ENTRIES: usize = 10_000;

pub(crate) struct TtlCache<V> {
    ttl_ms: i64,
    entries: Mutex<HashMap<String, (Timestamp, V)>>,
}

impl<V: Clone> TtlCache<V> {
    pub fn new(ttl_ms: i64) -> Self {
        TtlCache {
            ttl_ms,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub fn get(&self, key: &str, now: Timestamp) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        let (stored, value) = entries.get(key)?;
        (now.millis() - stored.millis() < self.ttl_ms).then(|| value.clone())
    }

    pub fn put(&self, key: &str, now: Timestamp, value: V) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(key.to_owned(), (now, value));
        }
    }

    pub fn remove(&self, key: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(key);
        }
    }

    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_can_be_dropped() {
        let cache = TtlCache::new(1000);
        cache.put("a", Timestamp(0), 1);
        assert_eq!(cache.get("a", Timestamp(999)), Some(1));
        assert_eq!(cache.get("a", Timestamp(1000)), None);
        cache.put("b", Timestamp(0), 2);
        cache.remove("b");
        assert_eq!(cache.get("b", Timestamp(1)), None);
    }
}
