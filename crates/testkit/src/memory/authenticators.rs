//! Users' remembered devices and passkeys (`AuthenticatorStore`).

use async_trait::async_trait;
use cognate_domain::devices::Device;
use cognate_domain::passkeys::Passkey;
use cognate_domain::ports::{AuthenticatorStore, Conflict, StoreResult};

use super::{MemoryStore, after_bound, conflict, k, take};

#[async_trait]
impl AuthenticatorStore for MemoryStore {
    async fn insert_device(&self, device: &Device) -> StoreResult<()> {
        self.with(|s| {
            let key = (k(&device.pool_id), k(&device.sub), k(&device.device_key));
            if s.devices.contains_key(&key) {
                return conflict(Conflict::Exists);
            }
            s.need_user(&device.pool_id, &device.sub)?;
            s.devices.insert(key, device.clone());
            Ok(())
        })
    }

    async fn get_device(
        &self,
        pool_id: &str,
        sub: &str,
        device_key: &str,
    ) -> StoreResult<Option<Device>> {
        self.with(|s| Ok(s.devices.get(&(k(pool_id), k(sub), k(device_key))).cloned()))
    }

    async fn update_device(&self, device: &Device) -> StoreResult<()> {
        self.with(|s| {
            let key = (k(&device.pool_id), k(&device.sub), k(&device.device_key));
            match s.devices.get_mut(&key) {
                Some(stored) => {
                    *stored = device.clone();
                    Ok(())
                }
                None => conflict(Conflict::Missing),
            }
        })
    }

    async fn delete_device(&self, pool_id: &str, sub: &str, device_key: &str) -> StoreResult<bool> {
        self.with(|s| {
            Ok(s.devices
                .remove(&(k(pool_id), k(sub), k(device_key)))
                .is_some())
        })
    }

    async fn list_devices(
        &self,
        pool_id: &str,
        sub: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Device>> {
        self.with(|s| {
            Ok(s.devices
                .iter()
                .filter(|((p, u, key), _)| p == pool_id && u == sub && after_bound(key, after))
                .take(take(limit))
                .map(|(_, device)| device.clone())
                .collect())
        })
    }

    async fn insert_passkey(&self, passkey: &Passkey) -> StoreResult<()> {
        self.with(|s| {
            let key = (
                k(&passkey.pool_id),
                k(&passkey.sub),
                k(&passkey.credential_id),
            );
            if s.passkeys.contains_key(&key) {
                return conflict(Conflict::Exists);
            }
            s.need_user(&passkey.pool_id, &passkey.sub)?;
            s.passkeys.insert(key, passkey.clone());
            Ok(())
        })
    }

    async fn get_passkey(
        &self,
        pool_id: &str,
        sub: &str,
        credential_id: &str,
    ) -> StoreResult<Option<Passkey>> {
        self.with(|s| {
            Ok(s.passkeys
                .get(&(k(pool_id), k(sub), k(credential_id)))
                .cloned())
        })
    }

    async fn update_passkey(&self, passkey: &Passkey) -> StoreResult<()> {
        self.with(|s| {
            let key = (
                k(&passkey.pool_id),
                k(&passkey.sub),
                k(&passkey.credential_id),
            );
            match s.passkeys.get_mut(&key) {
                Some(stored) => {
                    *stored = passkey.clone();
                    Ok(())
                }
                None => conflict(Conflict::Missing),
            }
        })
    }

    async fn delete_passkey(
        &self,
        pool_id: &str,
        sub: &str,
        credential_id: &str,
    ) -> StoreResult<bool> {
        self.with(|s| {
            Ok(s.passkeys
                .remove(&(k(pool_id), k(sub), k(credential_id)))
                .is_some())
        })
    }

    async fn list_passkeys(
        &self,
        pool_id: &str,
        sub: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Passkey>> {
        self.with(|s| {
            Ok(s.passkeys
                .iter()
                .filter(|((p, u, id), _)| p == pool_id && u == sub && after_bound(id, after))
                .take(take(limit))
                .map(|(_, passkey)| passkey.clone())
                .collect())
        })
    }
}
