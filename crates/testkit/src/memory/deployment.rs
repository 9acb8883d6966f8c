//! Deployment-wide settings, the purge of expired rows and dev mode's wipe
//! (`DeploymentStore`).

use async_trait::async_trait;
use cognate_domain::ports::{DeploymentStore, StoreResult};

use super::state::State;
use super::{MemoryStore, k};

impl State {
    /// Stores a setting unless it is there; false when another value was first.
    pub fn insert_setting(&mut self, name: &str, value: &[u8]) -> bool {
        if self.settings.contains_key(name) {
            return false;
        }
        self.settings.insert(k(name), value.to_vec());
        true
    }

    /// Deletes sessions, markers and attempt counters that expired before `now_ms`.
    pub fn purge_expired(&mut self, now_ms: i64) -> u64 {
        let before = self.sessions.len() + self.markers.len() + self.counters.len();
        self.sessions.retain(|_, s| s.expires.millis() >= now_ms);
        self.markers.retain(|_, expires| *expires >= now_ms);
        self.counters.retain(|_, c| c.expires_ms >= now_ms);
        let after = self.sessions.len() + self.markers.len() + self.counters.len();
        u64::try_from(before - after).unwrap_or(u64::MAX)
    }

    /// Empties every table but the settings.
    pub fn wipe_all(&mut self) {
        let settings = std::mem::take(&mut self.settings);
        *self = State {
            settings,
            ..State::default()
        };
    }
}

#[async_trait]
impl DeploymentStore for MemoryStore {
    async fn ping(&self) -> StoreResult<()> {
        self.with(|_| Ok(()))
    }

    async fn get_setting(&self, name: &str) -> StoreResult<Option<Vec<u8>>> {
        self.with(|s| Ok(s.settings.get(name).cloned()))
    }

    async fn insert_setting(&self, name: &str, value: &[u8]) -> StoreResult<bool> {
        self.with(|s| Ok(s.insert_setting(name, value)))
    }

    async fn put_setting(&self, name: &str, value: &[u8]) -> StoreResult<()> {
        self.with(|s| {
            s.settings.insert(k(name), value.to_vec());
            Ok(())
        })
    }

    async fn purge_expired(&self, now_ms: i64) -> StoreResult<u64> {
        self.with(|s| Ok(s.purge_expired(now_ms)))
    }

    async fn wipe_all(&self) -> StoreResult<()> {
        self.with(|s| {
            s.wipe_all();
            Ok(())
        })
    }
}
