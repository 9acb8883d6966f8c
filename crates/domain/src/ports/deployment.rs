//! What concerns the whole deployment rather than one pool: reachability, settings every
//! node reads at start, the purge of expired rows, and dev mode's reset.

use async_trait::async_trait;

use super::StoreResult;

/// Deployment-wide operations.
#[async_trait]
pub trait DeploymentStore: Send + Sync {
    /// Answers only when the backend is reachable.
    async fn ping(&self) -> StoreResult<()>;

    /// A deployment-wide setting every node reads at start (the key-encryption key's check
    /// value, the public URL nodes last started with).
    async fn get_setting(&self, name: &str) -> StoreResult<Option<Vec<u8>>>;

    /// Stores a setting only if it is not there yet; false when another value was first.
    async fn insert_setting(&self, name: &str, value: &[u8]) -> StoreResult<bool>;

    /// Stores a setting, replacing any earlier value.
    async fn put_setting(&self, name: &str, value: &[u8]) -> StoreResult<()>;

    /// Deletes sessions, single-use markers and attempt counters that expired before
    /// `now_ms`; returns how many rows.
    async fn purge_expired(&self, now_ms: i64) -> StoreResult<u64>;

    /// Deletes every row of every table but the settings (dev mode's reset).
    async fn wipe_all(&self) -> StoreResult<()>;
}
