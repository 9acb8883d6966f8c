//! [`IdentityStore`]: what identity pools persist, a family of the store port of its own.
//!
//! `cognate-store` implements it for SQLite and PostgreSQL (`sql/identity.rs`); the
//! conformance suite in `cognate-testkit` (`store_suite/identity.rs`) checks both. Like the
//! rest of the store it has no rules: the domain decides which logins an identity holds,
//! and the store indexes them and refuses a login that another identity already holds.

use async_trait::async_trait;

use super::identity::Identity;
use super::openid::IssuerKeyRecord;
use super::pool::IdentityPool;
use crate::ports::StoreResult;
use crate::time::Timestamp;

/// One identity written by [`IdentityStore::apply_identity_changes`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityWrite {
    pub identity: Identity,
    /// `None` inserts; `Some(v)` updates the row only if it still has version `v`.
    pub expected_version: Option<i64>,
}

/// Identities written and deleted together, all or nothing: how GetId links a login and how
/// two identities merge.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdentityChanges {
    /// `(identity id, expected version)`; deleted first, which frees their logins.
    pub deletes: Vec<(String, i64)>,
    pub writes: Vec<IdentityWrite>,
}

impl IdentityChanges {
    pub fn is_empty(&self) -> bool {
        self.deletes.is_empty() && self.writes.is_empty()
    }
}

#[async_trait]
pub trait IdentityStore: Send + Sync {
    /// `Conflict::Exists` when the id is taken.
    async fn insert_identity_pool(&self, pool: &IdentityPool) -> StoreResult<()>;
    async fn get_identity_pool(&self, pool_id: &str) -> StoreResult<Option<IdentityPool>>;
    /// Replaces the pool only if it still has `expected_version` (`Conflict::Version`
    /// otherwise, `Conflict::Missing` when it is gone).
    async fn update_identity_pool(
        &self,
        pool: &IdentityPool,
        expected_version: i64,
    ) -> StoreResult<()>;
    /// Deletes the pool with its identities and their logins; false when it did not exist.
    async fn delete_identity_pool(&self, pool_id: &str) -> StoreResult<bool>;
    /// Pools ordered by id, after `after`.
    async fn list_identity_pools(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<IdentityPool>>;
    async fn count_identity_pools(&self) -> StoreResult<u64>;

    /// Applies deletes, then writes, in one transaction. Each written identity's logins
    /// replace the rows that index it; a login row held by another identity of the pool
    /// refuses the whole change with `Conflict::Exists`, as does an insert of an existing
    /// id; a version that moved refuses it with `Conflict::Version`; a pool that is gone,
    /// with `Conflict::Missing`.
    async fn apply_identity_changes(&self, changes: &IdentityChanges) -> StoreResult<()>;
    async fn get_identity(&self, identity_id: &str) -> StoreResult<Option<Identity>>;
    /// The identity of `pool_id` that holds the login `(provider, subject)`.
    async fn find_identity_by_login(
        &self,
        pool_id: &str,
        provider: &str,
        subject: &str,
    ) -> StoreResult<Option<Identity>>;
    /// A pool's identities ordered by id, after `after`.
    async fn list_identities(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Identity>>;

    /// Inserts an issuer key; `Conflict::Exists` when an active key (not retired) exists.
    async fn insert_issuer_key(&self, key: &IssuerKeyRecord) -> StoreResult<()>;
    /// Every issuer key, retired ones included.
    async fn list_issuer_keys(&self) -> StoreResult<Vec<IssuerKeyRecord>>;
    /// Marks the active issuer key retired at `at`.
    async fn retire_issuer_keys(&self, at: Timestamp) -> StoreResult<()>;
}
