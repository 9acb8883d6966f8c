//! Pools and app clients (`PoolStore`).

use async_trait::async_trait;
use cognate_domain::client::AppClient;
use cognate_domain::pool::UserPool;
use cognate_domain::ports::{Conflict, PoolStore, StoreResult};

use super::state::State;
use super::{MemoryStore, after_bound, conflict, take};

impl State {
    pub fn insert_pool(&mut self, pool: &UserPool) -> StoreResult<()> {
        if self.pools.contains_key(&pool.id) {
            return conflict(Conflict::Exists);
        }
        self.pools.insert(pool.id.clone(), pool.clone());
        Ok(())
    }

    pub fn update_pool(&mut self, pool: &UserPool, expected_version: i64) -> StoreResult<()> {
        match self.pools.get_mut(&pool.id) {
            None => conflict(Conflict::Missing),
            Some(stored) if stored.version != expected_version => conflict(Conflict::Version),
            Some(stored) => {
                *stored = pool.clone();
                Ok(())
            }
        }
    }

    pub fn list_pools(&self, after: Option<&str>, limit: u32) -> Vec<UserPool> {
        self.pools
            .values()
            .filter(|p| after_bound(&p.id, after))
            .take(take(limit))
            .cloned()
            .collect()
    }

    pub fn insert_client(&mut self, client: &AppClient) -> StoreResult<()> {
        if self.clients.contains_key(&client.client_id) {
            return conflict(Conflict::Exists);
        }
        self.need_pool(&client.pool_id)?;
        self.clients
            .insert(client.client_id.clone(), client.clone());
        Ok(())
    }

    pub fn update_client(&mut self, client: &AppClient, expected_version: i64) -> StoreResult<()> {
        match self.clients.get_mut(&client.client_id) {
            Some(stored) if stored.pool_id == client.pool_id => {
                if stored.version != expected_version {
                    return conflict(Conflict::Version);
                }
                *stored = client.clone();
                Ok(())
            }
            _ => conflict(Conflict::Missing),
        }
    }

    pub fn delete_client(&mut self, pool_id: &str, client_id: &str) -> bool {
        let in_pool = self
            .clients
            .get(client_id)
            .is_some_and(|c| c.pool_id == pool_id);
        in_pool && self.clients.remove(client_id).is_some()
    }

    pub fn list_clients(&self, pool_id: &str, after: Option<&str>, limit: u32) -> Vec<AppClient> {
        self.clients
            .values()
            .filter(|c| c.pool_id == pool_id && after_bound(&c.client_id, after))
            .take(take(limit))
            .cloned()
            .collect()
    }
}

#[async_trait]
impl PoolStore for MemoryStore {
    async fn insert_pool(&self, pool: &UserPool) -> StoreResult<()> {
        self.with(|s| s.insert_pool(pool))
    }

    async fn get_pool(&self, pool_id: &str) -> StoreResult<Option<UserPool>> {
        self.with(|s| Ok(s.pools.get(pool_id).cloned()))
    }

    async fn update_pool(&self, pool: &UserPool, expected_version: i64) -> StoreResult<()> {
        self.with(|s| s.update_pool(pool, expected_version))
    }

    async fn delete_pool(&self, pool_id: &str) -> StoreResult<bool> {
        self.with(|s| Ok(s.remove_pool(pool_id)))
    }

    async fn list_pools(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<UserPool>> {
        self.with(|s| Ok(s.list_pools(after, limit)))
    }

    async fn insert_client(&self, client: &AppClient) -> StoreResult<()> {
        self.with(|s| s.insert_client(client))
    }

    async fn get_client(&self, client_id: &str) -> StoreResult<Option<AppClient>> {
        self.with(|s| Ok(s.clients.get(client_id).cloned()))
    }

    async fn update_client(&self, client: &AppClient, expected_version: i64) -> StoreResult<()> {
        self.with(|s| s.update_client(client, expected_version))
    }

    async fn delete_client(&self, pool_id: &str, client_id: &str) -> StoreResult<bool> {
        self.with(|s| Ok(s.delete_client(pool_id, client_id)))
    }

    async fn list_clients(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<AppClient>> {
        self.with(|s| Ok(s.list_clients(pool_id, after, limit)))
    }
}
