//! Persistence of the outbox: the messages Cognate sent, as dev mode and tests read them back.

use async_trait::async_trait;

use crate::messages::OutboxEntry;

use super::StoreResult;

/// The outbox of sent messages.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    async fn append_outbox(&self, entry: &OutboxEntry) -> StoreResult<()>;

    /// Newest first, optionally for one pool.
    async fn list_outbox(&self, pool_id: Option<&str>, limit: u32)
    -> StoreResult<Vec<OutboxEntry>>;
}
