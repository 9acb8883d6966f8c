//! A pool's token signing keys (`SigningKeyStore`).

use async_trait::async_trait;
use cognate_domain::ports::{Conflict, SigningKeyStore, StoreResult};
use cognate_domain::signing::SigningKeyRecord;

use super::state::State;
use super::{MemoryStore, conflict, k};

impl State {
    /// `Conflict::Exists` when the kid is taken or the pool has an active key (no retirement
    /// time) of the purpose and this one is active too.
    pub fn insert_signing_key(&mut self, key: &SigningKeyRecord) -> StoreResult<()> {
        let id = (k(&key.pool_id), k(&key.kid));
        let active_taken = key.retired.is_none()
            && self.signing_keys.values().any(|other| {
                other.pool_id == key.pool_id
                    && other.purpose == key.purpose
                    && other.retired.is_none()
            });
        if self.signing_keys.contains_key(&id) || active_taken {
            return conflict(Conflict::Exists);
        }
        self.need_pool(&key.pool_id)?;
        self.signing_keys.insert(id, key.clone());
        Ok(())
    }

    /// Every key of the pool, in kid order.
    pub fn list_signing_keys(&self, pool_id: &str) -> Vec<SigningKeyRecord> {
        self.signing_keys
            .iter()
            .filter(|((p, _), _)| p == pool_id)
            .map(|(_, key)| key.clone())
            .collect()
    }

    /// Retires (or withdraws) the purpose's keys, then inserts `key`; the caller makes it
    /// all or nothing.
    pub fn rotate_signing_key(
        &mut self,
        key: &SigningKeyRecord,
        withdraw_others: bool,
    ) -> StoreResult<()> {
        let of_purpose =
            |other: &SigningKeyRecord| other.pool_id == key.pool_id && other.purpose == key.purpose;
        if withdraw_others {
            self.signing_keys.retain(|_, other| !of_purpose(other));
        } else {
            for other in self.signing_keys.values_mut() {
                if of_purpose(other) && other.retired.is_none() {
                    other.retired = Some(key.activates_at());
                }
            }
        }
        self.insert_signing_key(key)
    }
}

#[async_trait]
impl SigningKeyStore for MemoryStore {
    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> StoreResult<()> {
        self.with(|s| s.insert_signing_key(key))
    }

    async fn list_signing_keys(&self, pool_id: &str) -> StoreResult<Vec<SigningKeyRecord>> {
        self.with(|s| Ok(s.list_signing_keys(pool_id)))
    }

    async fn rotate_signing_key(
        &self,
        key: &SigningKeyRecord,
        withdraw_others: bool,
    ) -> StoreResult<()> {
        self.atomically(|s| s.rotate_signing_key(key, withdraw_others))
    }
}
