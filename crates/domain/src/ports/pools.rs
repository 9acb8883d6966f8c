//! Persistence of user pools and their app clients. Clients go with their pool.

use async_trait::async_trait;

use crate::client::AppClient;
use crate::pool::UserPool;

use super::StoreResult;

/// Pools and app clients.
#[async_trait]
pub trait PoolStore: Send + Sync {
    async fn insert_pool(&self, pool: &UserPool) -> StoreResult<()>;

    async fn get_pool(&self, pool_id: &str) -> StoreResult<Option<UserPool>>;

    async fn update_pool(&self, pool: &UserPool, expected_version: i64) -> StoreResult<()>;

    /// Deletes the pool and everything in it; false when it did not exist.
    async fn delete_pool(&self, pool_id: &str) -> StoreResult<bool>;

    /// Pools ordered by id, after `after`.
    async fn list_pools(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<UserPool>>;

    async fn insert_client(&self, client: &AppClient) -> StoreResult<()>;

    /// Client ids are unique across pools, so the id alone finds the client.
    async fn get_client(&self, client_id: &str) -> StoreResult<Option<AppClient>>;

    async fn update_client(&self, client: &AppClient, expected_version: i64) -> StoreResult<()>;

    async fn delete_client(&self, pool_id: &str, client_id: &str) -> StoreResult<bool>;

    /// Clients of a pool ordered by client id, after `after`.
    async fn list_clients(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<AppClient>>;
}
