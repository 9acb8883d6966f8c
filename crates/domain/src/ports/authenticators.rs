//! What users authenticate with besides their password.

use async_trait::async_trait;

use crate::devices::Device;
use crate::passkeys::Passkey;

use super::StoreResult;

/// Persistence of what users authenticate with besides their password: their remembered
/// devices and their passkeys. They go with their user.
#[async_trait]
pub trait AuthenticatorStore: Send + Sync {
    /// Inserts a device; `Conflict::Exists` when the user has a device with this key,
    /// `Conflict::Missing` when the user is gone.
    async fn insert_device(&self, device: &Device) -> StoreResult<()>;
    async fn get_device(
        &self,
        pool_id: &str,
        sub: &str,
        device_key: &str,
    ) -> StoreResult<Option<Device>>;
    /// Replaces a device's record; `Conflict::Missing` when it is gone.
    async fn update_device(&self, device: &Device) -> StoreResult<()>;
    async fn delete_device(&self, pool_id: &str, sub: &str, device_key: &str) -> StoreResult<bool>;
    /// The user's devices ordered by device key, after `after`.
    async fn list_devices(
        &self,
        pool_id: &str,
        sub: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Device>>;

    /// Inserts a passkey; `Conflict::Exists` when the user has one with this credential id,
    /// `Conflict::Missing` when the user is gone.
    async fn insert_passkey(&self, passkey: &Passkey) -> StoreResult<()>;
    async fn get_passkey(
        &self,
        pool_id: &str,
        sub: &str,
        credential_id: &str,
    ) -> StoreResult<Option<Passkey>>;
    /// Replaces a passkey's record; `Conflict::Missing` when it is gone.
    async fn update_passkey(&self, passkey: &Passkey) -> StoreResult<()>;
    async fn delete_passkey(
        &self,
        pool_id: &str,
        sub: &str,
        credential_id: &str,
    ) -> StoreResult<bool>;
    /// The user's passkeys ordered by credential id, after `after`.
    async fn list_passkeys(
        &self,
        pool_id: &str,
        sub: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Passkey>>;
}
