//! Identity providers with their identifiers, the pool's SAML signing key and federated
//! links (`IdentityProviderStore`).

use async_trait::async_trait;
use cognate_domain::federation::{FederatedLink, IdentityProvider, PoolSigningKey};
use cognate_domain::ports::{Conflict, IdentityProviderStore, StoreResult};

use super::state::State;
use super::{MemoryStore, after_bound, conflict, k, take};

impl State {
    /// Gives the provider its identifier keys: `Conflict::Alias(key)` for a key held already
    /// (by another provider, or listed twice).
    fn insert_identifiers(
        &mut self,
        provider: &IdentityProvider,
        keys: &[String],
    ) -> StoreResult<()> {
        for key in keys {
            let id = (k(&provider.pool_id), key.clone());
            if self.provider_identifiers.contains_key(&id) {
                return conflict(Conflict::Alias(key.clone()));
            }
            self.provider_identifiers.insert(id, provider.name.clone());
        }
        Ok(())
    }

    fn drop_identifiers(&mut self, pool_id: &str, name: &str) {
        self.provider_identifiers
            .retain(|(p, _), holder| !(p == pool_id && holder == name));
    }
}

#[async_trait]
impl IdentityProviderStore for MemoryStore {
    async fn insert_identity_provider(
        &self,
        provider: &IdentityProvider,
        identifier_keys: &[String],
    ) -> StoreResult<()> {
        self.atomically(|s| {
            let key = (k(&provider.pool_id), k(&provider.name));
            if s.providers.contains_key(&key) {
                return conflict(Conflict::Exists);
            }
            s.need_pool(&provider.pool_id)?;
            s.providers.insert(key, provider.clone());
            s.insert_identifiers(provider, identifier_keys)
        })
    }

    async fn get_identity_provider(
        &self,
        pool_id: &str,
        name: &str,
    ) -> StoreResult<Option<IdentityProvider>> {
        self.with(|s| Ok(s.providers.get(&(k(pool_id), k(name))).cloned()))
    }

    async fn get_identity_provider_by_identifier(
        &self,
        pool_id: &str,
        identifier_key: &str,
    ) -> StoreResult<Option<IdentityProvider>> {
        self.with(|s| {
            Ok(s.provider_identifiers
                .get(&(k(pool_id), k(identifier_key)))
                .and_then(|name| s.providers.get(&(k(pool_id), name.clone())))
                .cloned())
        })
    }

    async fn update_identity_provider(
        &self,
        provider: &IdentityProvider,
        identifier_keys: &[String],
    ) -> StoreResult<()> {
        self.atomically(|s| {
            let key = (k(&provider.pool_id), k(&provider.name));
            let Some(stored) = s.providers.get_mut(&key) else {
                return conflict(Conflict::Missing);
            };
            *stored = provider.clone();
            s.drop_identifiers(&provider.pool_id, &provider.name);
            s.insert_identifiers(provider, identifier_keys)
        })
    }

    async fn delete_identity_provider(&self, pool_id: &str, name: &str) -> StoreResult<bool> {
        self.with(|s| {
            if s.providers.remove(&(k(pool_id), k(name))).is_none() {
                return Ok(false);
            }
            s.drop_identifiers(pool_id, name);
            Ok(true)
        })
    }

    async fn list_identity_providers(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<IdentityProvider>> {
        self.with(|s| {
            Ok(s.providers
                .iter()
                .filter(|((p, name), _)| p == pool_id && after_bound(name, after))
                .take(take(limit))
                .map(|(_, provider)| provider.clone())
                .collect())
        })
    }

    async fn insert_pool_signing_key(&self, key: &PoolSigningKey) -> StoreResult<bool> {
        self.with(|s| {
            if s.pool_signing_keys.contains_key(&key.pool_id) {
                return Ok(false);
            }
            s.need_pool(&key.pool_id)?;
            s.pool_signing_keys.insert(key.pool_id.clone(), key.clone());
            Ok(true)
        })
    }

    async fn get_pool_signing_key(&self, pool_id: &str) -> StoreResult<Option<PoolSigningKey>> {
        self.with(|s| Ok(s.pool_signing_keys.get(pool_id).cloned()))
    }

    async fn insert_federated_link(&self, link: &FederatedLink) -> StoreResult<()> {
        self.with(|s| {
            let key = (
                k(&link.pool_id),
                k(&link.provider_name),
                k(&link.attribute_name),
                k(&link.attribute_value),
            );
            if s.links.contains_key(&key) {
                return conflict(Conflict::Exists);
            }
            s.need_user(&link.pool_id, &link.sub)?;
            s.links.insert(key, link.clone());
            Ok(())
        })
    }

    async fn get_federated_link(
        &self,
        pool_id: &str,
        provider_name: &str,
        attribute_name: &str,
        attribute_value: &str,
    ) -> StoreResult<Option<FederatedLink>> {
        self.with(|s| {
            let key = (
                k(pool_id),
                k(provider_name),
                k(attribute_name),
                k(attribute_value),
            );
            Ok(s.links.get(&key).cloned())
        })
    }

    async fn list_federated_links_for_user(
        &self,
        pool_id: &str,
        sub: &str,
    ) -> StoreResult<Vec<FederatedLink>> {
        self.with(|s| {
            Ok(s.links
                .values()
                .filter(|link| link.pool_id == pool_id && link.sub == sub)
                .cloned()
                .collect())
        })
    }

    async fn linked_attribute_names(
        &self,
        pool_id: &str,
        provider_name: &str,
    ) -> StoreResult<Vec<String>> {
        self.with(|s| {
            let mut names: Vec<String> = s
                .links
                .keys()
                .filter(|(p, provider, _, _)| p == pool_id && provider == provider_name)
                .map(|(_, _, attribute, _)| attribute.clone())
                .collect();
            names.dedup();
            Ok(names)
        })
    }

    async fn delete_federated_link(
        &self,
        pool_id: &str,
        provider_name: &str,
        attribute_name: &str,
        attribute_value: &str,
    ) -> StoreResult<bool> {
        self.with(|s| {
            let key = (
                k(pool_id),
                k(provider_name),
                k(attribute_name),
                k(attribute_value),
            );
            Ok(s.links.remove(&key).is_some())
        })
    }
}
