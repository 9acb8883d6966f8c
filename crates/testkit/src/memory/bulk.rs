//! Reading every session out, for export (`BulkStore`).

use async_trait::async_trait;
use cognate_domain::ports::StoreResult;
use cognate_domain::tokens::AuthSession;
use cognate_domain::transfer::BulkStore;

use super::{MemoryStore, after_bound, take};

#[async_trait]
impl BulkStore for MemoryStore {
    async fn list_all_sessions(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<AuthSession>> {
        self.with(|s| {
            Ok(s.sessions
                .iter()
                .filter(|(jti, _)| after_bound(jti, after))
                .take(take(limit))
                .map(|(_, session)| session.clone())
                .collect())
        })
    }
}
