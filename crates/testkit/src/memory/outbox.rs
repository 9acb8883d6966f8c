//! The dev outbox (`OutboxStore`): messages in the order sent, read newest first.

use async_trait::async_trait;
use cognate_domain::messages::OutboxEntry;
use cognate_domain::ports::{OutboxStore, StoreResult};

use super::state::State;
use super::{MemoryStore, take};

impl State {
    /// Newest first, optionally of one pool.
    pub fn list_outbox(&self, pool_id: Option<&str>, limit: u32) -> Vec<OutboxEntry> {
        self.outbox
            .iter()
            .rev()
            .filter(|entry| pool_id.is_none_or(|p| entry.pool_id == p))
            .take(take(limit))
            .cloned()
            .collect()
    }
}

#[async_trait]
impl OutboxStore for MemoryStore {
    async fn append_outbox(&self, entry: &OutboxEntry) -> StoreResult<()> {
        self.with(|s| {
            s.outbox.push(entry.clone());
            Ok(())
        })
    }

    async fn list_outbox(
        &self,
        pool_id: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<OutboxEntry>> {
        self.with(|s| Ok(s.list_outbox(pool_id, limit)))
    }
}
