//! Identity pools, their identities with the logins that find them, and the issuer's keys
//! (`IdentityStore`).

use async_trait::async_trait;
use cognate_domain::identity_pool::openid::IssuerKeyRecord;
use cognate_domain::identity_pool::ports::{IdentityChanges, IdentityWrite};
use cognate_domain::identity_pool::{Identity, IdentityPool, IdentityStore};
use cognate_domain::ports::{Conflict, StoreResult};
use cognate_domain::time::Timestamp;

use super::state::State;
use super::{MemoryStore, after_bound, conflict, k, take};

impl State {
    fn remove_identity(&mut self, identity_id: &str) {
        self.identities.remove(identity_id);
        self.identity_logins
            .retain(|_, holder| holder != identity_id);
    }

    /// Inserts or updates one identity and replaces the logins that index it.
    fn write_identity(&mut self, write: &IdentityWrite) -> StoreResult<()> {
        let identity = &write.identity;
        let stored = self.identities.get(&identity.identity_id);
        match write.expected_version {
            None if stored.is_some() => return conflict(Conflict::Exists),
            None if !self.identity_pools.contains_key(&identity.pool_id) => {
                return conflict(Conflict::Missing);
            }
            Some(expected) if stored.is_none_or(|s| s.version != expected) => {
                return conflict(Conflict::Version);
            }
            _ => {}
        }
        self.identities
            .insert(identity.identity_id.clone(), identity.clone());
        self.identity_logins
            .retain(|_, holder| holder != &identity.identity_id);
        for login in &identity.logins {
            let key = (k(&identity.pool_id), k(&login.provider), k(&login.subject));
            if self.identity_logins.contains_key(&key) {
                return conflict(Conflict::Exists);
            }
            self.identity_logins
                .insert(key, identity.identity_id.clone());
        }
        Ok(())
    }
}

#[async_trait]
impl IdentityStore for MemoryStore {
    async fn insert_identity_pool(&self, pool: &IdentityPool) -> StoreResult<()> {
        self.with(|s| {
            if s.identity_pools.contains_key(&pool.id) {
                return conflict(Conflict::Exists);
            }
            s.identity_pools.insert(pool.id.clone(), pool.clone());
            Ok(())
        })
    }

    async fn get_identity_pool(&self, pool_id: &str) -> StoreResult<Option<IdentityPool>> {
        self.with(|s| Ok(s.identity_pools.get(pool_id).cloned()))
    }

    async fn update_identity_pool(
        &self,
        pool: &IdentityPool,
        expected_version: i64,
    ) -> StoreResult<()> {
        self.with(|s| match s.identity_pools.get_mut(&pool.id) {
            None => conflict(Conflict::Missing),
            Some(stored) if stored.version != expected_version => conflict(Conflict::Version),
            Some(stored) => {
                *stored = pool.clone();
                Ok(())
            }
        })
    }

    async fn delete_identity_pool(&self, pool_id: &str) -> StoreResult<bool> {
        self.with(|s| {
            if s.identity_pools.remove(pool_id).is_none() {
                return Ok(false);
            }
            let gone: Vec<String> = s
                .identities
                .values()
                .filter(|identity| identity.pool_id == pool_id)
                .map(|identity| identity.identity_id.clone())
                .collect();
            for identity_id in gone {
                s.remove_identity(&identity_id);
            }
            Ok(true)
        })
    }

    async fn list_identity_pools(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<IdentityPool>> {
        self.with(|s| {
            Ok(s.identity_pools
                .iter()
                .filter(|(id, _)| after_bound(id, after))
                .take(take(limit))
                .map(|(_, pool)| pool.clone())
                .collect())
        })
    }

    async fn count_identity_pools(&self) -> StoreResult<u64> {
        self.with(|s| Ok(u64::try_from(s.identity_pools.len()).unwrap_or(u64::MAX)))
    }

    async fn apply_identity_changes(&self, changes: &IdentityChanges) -> StoreResult<()> {
        self.atomically(|s| {
            for (identity_id, version) in &changes.deletes {
                if s.identities
                    .get(identity_id)
                    .is_none_or(|identity| identity.version != *version)
                {
                    return conflict(Conflict::Version);
                }
                s.remove_identity(identity_id);
            }
            for write in &changes.writes {
                s.write_identity(write)?;
            }
            Ok(())
        })
    }

    async fn get_identity(&self, identity_id: &str) -> StoreResult<Option<Identity>> {
        self.with(|s| Ok(s.identities.get(identity_id).cloned()))
    }

    async fn find_identity_by_login(
        &self,
        pool_id: &str,
        provider: &str,
        subject: &str,
    ) -> StoreResult<Option<Identity>> {
        self.with(|s| {
            Ok(s.identity_logins
                .get(&(k(pool_id), k(provider), k(subject)))
                .and_then(|identity_id| s.identities.get(identity_id))
                .cloned())
        })
    }

    async fn list_identities(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Identity>> {
        self.with(|s| {
            Ok(s.identities
                .values()
                .filter(|i| i.pool_id == pool_id && after_bound(&i.identity_id, after))
                .take(take(limit))
                .cloned()
                .collect())
        })
    }

    /// `Conflict::Exists` when the kid is taken or an active key exists and this one is
    /// active too.
    async fn insert_issuer_key(&self, key: &IssuerKeyRecord) -> StoreResult<()> {
        self.with(|s| {
            let active_taken =
                key.retired.is_none() && s.issuer_keys.values().any(|o| o.retired.is_none());
            if s.issuer_keys.contains_key(&key.kid) || active_taken {
                return conflict(Conflict::Exists);
            }
            s.issuer_keys.insert(key.kid.clone(), key.clone());
            Ok(())
        })
    }

    async fn list_issuer_keys(&self) -> StoreResult<Vec<IssuerKeyRecord>> {
        self.with(|s| Ok(s.issuer_keys.values().cloned().collect()))
    }

    async fn retire_issuer_keys(&self, at: Timestamp) -> StoreResult<()> {
        self.with(|s| {
            for key in s.issuer_keys.values_mut() {
                key.retired = key.retired.or(Some(at));
            }
            Ok(())
        })
    }
}
