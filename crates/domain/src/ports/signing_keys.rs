//! Persistence of a pool's token signing keys and their rotation.

use async_trait::async_trait;

use crate::signing::SigningKeyRecord;

use super::StoreResult;

/// Token signing keys.
#[async_trait]
pub trait SigningKeyStore: Send + Sync {
    /// Inserts a signing key; `Conflict::Exists` when the pool already has a key of the same
    /// purpose without a retirement time, or the kid is taken.
    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> StoreResult<()>;

    /// Every key of the pool, retired ones included.
    async fn list_signing_keys(&self, pool_id: &str) -> StoreResult<Vec<SigningKeyRecord>>;

    /// Brings in `key` as the successor of the pool's keys of its purpose, atomically: the
    /// key without a retirement time is given `key.activates` as one (or, with
    /// `withdraw_others`, every other key of the purpose is deleted), then `key` is inserted.
    /// `Conflict::Exists` when a concurrent rotation inserted first.
    async fn rotate_signing_key(
        &self,
        key: &SigningKeyRecord,
        withdraw_others: bool,
    ) -> StoreResult<()>;
}
