//! The records of a pool's hosted OAuth surface.

use async_trait::async_trait;

use crate::domains::UserPoolDomain;
use crate::resource_server::ResourceServer;

use super::StoreResult;

/// Persistence of what a pool's domain and its OAuth endpoints need: the domains a pool
/// answers at and its resource servers. Both go with their pool.
#[async_trait]
pub trait OAuthStore: Send + Sync {
    /// Inserts a domain; `Conflict::Exists` when the name is taken (by any pool) or the pool
    /// already has a domain of this kind.
    async fn insert_domain(&self, domain: &UserPoolDomain) -> StoreResult<()>;
    /// The domain with this name, in whatever pool.
    async fn get_domain(&self, name: &str) -> StoreResult<Option<UserPoolDomain>>;
    /// The pool's domains (at most one of each kind), ordered by name.
    async fn list_pool_domains(&self, pool_id: &str) -> StoreResult<Vec<UserPoolDomain>>;
    /// Replaces a domain's record; `Conflict::Missing` when it is gone.
    async fn update_domain(&self, domain: &UserPoolDomain) -> StoreResult<()>;
    async fn delete_domain(&self, pool_id: &str, name: &str) -> StoreResult<bool>;

    /// `Conflict::Exists` when the pool has a resource server with this identifier.
    async fn insert_resource_server(&self, server: &ResourceServer) -> StoreResult<()>;
    async fn get_resource_server(
        &self,
        pool_id: &str,
        identifier: &str,
    ) -> StoreResult<Option<ResourceServer>>;
    /// `Conflict::Missing` when it is gone.
    async fn update_resource_server(&self, server: &ResourceServer) -> StoreResult<()>;
    async fn delete_resource_server(&self, pool_id: &str, identifier: &str) -> StoreResult<bool>;
    /// Resource servers of a pool ordered by identifier, after `after`.
    async fn list_resource_servers(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<ResourceServer>>;
}
