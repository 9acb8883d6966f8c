//! A pool's domains and resource servers (`OAuthStore`).

use async_trait::async_trait;
use cognate_domain::domains::UserPoolDomain;
use cognate_domain::ports::{Conflict, OAuthStore, StoreResult};
use cognate_domain::resource_server::ResourceServer;

use super::{MemoryStore, after_bound, conflict, k, take};

#[async_trait]
impl OAuthStore for MemoryStore {
    async fn insert_domain(&self, domain: &UserPoolDomain) -> StoreResult<()> {
        self.with(|s| {
            let kind_taken = s
                .domains
                .values()
                .any(|d| d.pool_id == domain.pool_id && d.kind == domain.kind);
            if s.domains.contains_key(&domain.domain) || kind_taken {
                return conflict(Conflict::Exists);
            }
            s.need_pool(&domain.pool_id)?;
            s.domains.insert(domain.domain.clone(), domain.clone());
            Ok(())
        })
    }

    async fn get_domain(&self, name: &str) -> StoreResult<Option<UserPoolDomain>> {
        self.with(|s| Ok(s.domains.get(name).cloned()))
    }

    async fn list_pool_domains(&self, pool_id: &str) -> StoreResult<Vec<UserPoolDomain>> {
        self.with(|s| {
            Ok(s.domains
                .values()
                .filter(|d| d.pool_id == pool_id)
                .cloned()
                .collect())
        })
    }

    async fn update_domain(&self, domain: &UserPoolDomain) -> StoreResult<()> {
        self.with(|s| match s.domains.get_mut(&domain.domain) {
            Some(stored) if stored.pool_id == domain.pool_id => {
                *stored = domain.clone();
                Ok(())
            }
            _ => conflict(Conflict::Missing),
        })
    }

    async fn delete_domain(&self, pool_id: &str, name: &str) -> StoreResult<bool> {
        self.with(|s| {
            let in_pool = s.domains.get(name).is_some_and(|d| d.pool_id == pool_id);
            Ok(in_pool && s.domains.remove(name).is_some())
        })
    }

    async fn insert_resource_server(&self, server: &ResourceServer) -> StoreResult<()> {
        self.with(|s| {
            let key = (k(&server.pool_id), k(&server.identifier));
            if s.resource_servers.contains_key(&key) {
                return conflict(Conflict::Exists);
            }
            s.need_pool(&server.pool_id)?;
            s.resource_servers.insert(key, server.clone());
            Ok(())
        })
    }

    async fn get_resource_server(
        &self,
        pool_id: &str,
        identifier: &str,
    ) -> StoreResult<Option<ResourceServer>> {
        self.with(|s| {
            Ok(s.resource_servers
                .get(&(k(pool_id), k(identifier)))
                .cloned())
        })
    }

    async fn update_resource_server(&self, server: &ResourceServer) -> StoreResult<()> {
        self.with(|s| {
            match s
                .resource_servers
                .get_mut(&(k(&server.pool_id), k(&server.identifier)))
            {
                Some(stored) => {
                    *stored = server.clone();
                    Ok(())
                }
                None => conflict(Conflict::Missing),
            }
        })
    }

    async fn delete_resource_server(&self, pool_id: &str, identifier: &str) -> StoreResult<bool> {
        self.with(|s| {
            Ok(s.resource_servers
                .remove(&(k(pool_id), k(identifier)))
                .is_some())
        })
    }

    async fn list_resource_servers(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<ResourceServer>> {
        self.with(|s| {
            Ok(s.resource_servers
                .iter()
                .filter(|((p, id), _)| p == pool_id && after_bound(id, after))
                .take(take(limit))
                .map(|(_, server)| server.clone())
                .collect())
        })
    }
}
