//! Federation's records: identity providers, the pool's SAML signing key, federated links.

use async_trait::async_trait;

use crate::federation::{FederatedLink, IdentityProvider, PoolSigningKey};

use super::StoreResult;

/// Persistence of federation: a pool's identity providers (found by name and by
/// IdpIdentifier), its SAML signing key, and the links AdminLinkProviderForUser makes from an
/// outside identity to a user. Providers and the signing key go with their pool, links with
/// their user.
#[async_trait]
pub trait IdentityProviderStore: Send + Sync {
    /// Inserts a provider with the keys of its identifiers, atomically: `Conflict::Exists`
    /// when the pool has a provider of this name, `Conflict::Alias(key)` when another
    /// provider of the pool holds an identifier key.
    async fn insert_identity_provider(
        &self,
        provider: &IdentityProvider,
        identifier_keys: &[String],
    ) -> StoreResult<()>;
    async fn get_identity_provider(
        &self,
        pool_id: &str,
        name: &str,
    ) -> StoreResult<Option<IdentityProvider>>;
    /// The provider that holds this identifier key.
    async fn get_identity_provider_by_identifier(
        &self,
        pool_id: &str,
        identifier_key: &str,
    ) -> StoreResult<Option<IdentityProvider>>;
    /// Replaces a provider and its identifier keys atomically: `Conflict::Missing` when it
    /// is gone, `Conflict::Alias(key)` when another provider holds an identifier key.
    async fn update_identity_provider(
        &self,
        provider: &IdentityProvider,
        identifier_keys: &[String],
    ) -> StoreResult<()>;
    /// Deletes a provider with its identifier keys; false when it did not exist.
    async fn delete_identity_provider(&self, pool_id: &str, name: &str) -> StoreResult<bool>;
    /// Providers of a pool ordered by name, after `after`.
    async fn list_identity_providers(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<IdentityProvider>>;

    /// Stores the pool's SAML signing key unless it has one; false when another was first.
    async fn insert_pool_signing_key(&self, key: &PoolSigningKey) -> StoreResult<bool>;
    async fn get_pool_signing_key(&self, pool_id: &str) -> StoreResult<Option<PoolSigningKey>>;

    /// Inserts a link: `Conflict::Exists` when this outside identity (provider, attribute,
    /// value) is linked already, `Conflict::Missing` when the user is gone.
    async fn insert_federated_link(&self, link: &FederatedLink) -> StoreResult<()>;
    async fn get_federated_link(
        &self,
        pool_id: &str,
        provider_name: &str,
        attribute_name: &str,
        attribute_value: &str,
    ) -> StoreResult<Option<FederatedLink>>;
    /// The links to one user, ordered by provider, attribute and value.
    async fn list_federated_links_for_user(
        &self,
        pool_id: &str,
        sub: &str,
    ) -> StoreResult<Vec<FederatedLink>>;
    /// The distinct attribute names the links of one provider use, in order.
    async fn linked_attribute_names(
        &self,
        pool_id: &str,
        provider_name: &str,
    ) -> StoreResult<Vec<String>>;
    async fn delete_federated_link(
        &self,
        pool_id: &str,
        provider_name: &str,
        attribute_name: &str,
        attribute_value: &str,
    ) -> StoreResult<bool>;
}
