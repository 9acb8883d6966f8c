//! Remembered devices: the device a sign-in is given (NewDeviceMetadata), ConfirmDevice with
//! the device's SRP verifier, and GetDevice, ListDevices, ForgetDevice, UpdateDeviceStatus
//! and their Admin variants. Device SRP itself (DEVICE_SRP_AUTH) is in `auth::device`.
//!
//! A device key is minted at the end of a sign-in when the pool tracks devices and the client
//! named none; it rides in the session (and so in the access token's `device_key` claim)
//! until ConfirmDevice, authorised by that access token, stores the device. Its group key is
//! derived from the user with the server's key, so nothing is stored before confirmation.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::paging::PageSize;
use crate::pool::{Page, UserPool};
use crate::time::Timestamp;
use crate::user::User;
use crate::{Domain, b64, ids};

/// A device as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    pub pool_id: String,
    pub sub: String,
    pub device_key: String,
    /// The SRP "pool name" of device SRP.
    pub group_key: String,
    /// The salt and verifier of the device's random password, sealed (bound to pool, user
    /// and device key).
    #[serde(with = "b64")]
    pub sealed_verifier: Vec<u8>,
    pub name: Option<String>,
    /// Remembered devices skip MFA (through device SRP); others are only tracked.
    pub remembered: bool,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub last_authenticated: Option<Timestamp>,
}

/// What the client sends ConfirmDevice: its verifier as Cognito's clients encode it.
#[derive(Debug, Clone, Default)]
pub struct DeviceVerifierInput {
    /// Base64 of `PAD(g^x mod N)`.
    pub password_verifier: String,
    /// Base64 of `PAD(salt)`.
    pub salt: String,
}

/// Cognito's default and largest ListDevices page.
pub const MAX_DEVICES_PAGE: u32 = 60;

pub(crate) fn device_not_found() -> Error {
    Error::resource_not_found("Device does not exist.")
}

pub(crate) fn verifier_purpose(pool_id: &str, sub: &str, device_key: &str) -> Vec<u8> {
    format!("device:{pool_id}:{sub}:{device_key}").into_bytes()
}

/// Strips the sign byte(s) of a `PAD()`ded integer: SALT is sent back re-padded, and a
/// verifier is an unsigned integer.
fn unpadded(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

impl Domain {
    /// A new device key, `<region>_<uuid>` as Cognito's, and the user's group key.
    pub(crate) fn new_device_metadata(&self, pool: &UserPool, user: &User) -> (String, String) {
        let key = format!("{}_{}", pool.region(), ids::new_uuid(self.random()));
        (key, self.device_group_key(pool, user))
    }

    /// The user's DeviceGroupKey: stable, opaque, and derived rather than stored.
    pub(crate) fn device_group_key(&self, pool: &UserPool, user: &User) -> String {
        let digest = self.keys.hash(
            "device-group-key",
            format!("{}:{}", pool.id, user.sub).as_bytes(),
        );
        let text = cognate_crypto::totp::base32_encode(&digest[..10]);
        format!("-{}", text.to_lowercase())
    }

    /// The salt and verifier of a stored device.
    pub(crate) fn open_device_verifier(
        &self,
        device: &Device,
    ) -> Result<cognate_crypto::srp::Verifier> {
        self.keys.open_verifier(
            &verifier_purpose(&device.pool_id, &device.sub, &device.device_key),
            &device.sealed_verifier,
        )
    }

    pub(crate) async fn user_device(
        &self,
        pool_id: &str,
        sub: &str,
        device_key: &str,
    ) -> Result<Option<Device>> {
        self.store
            .get_device(pool_id, sub, device_key)
            .await
            .map_err(Error::from)
    }

    async fn existing_device(&self, pool_id: &str, sub: &str, device_key: &str) -> Result<Device> {
        self.user_device(pool_id, sub, device_key)
            .await?
            .ok_or_else(device_not_found)
    }

    /// ConfirmDevice: stores the device the access token's sign-in was given, with the
    /// verifier of its random password. Returns UserConfirmationNecessary.
    pub async fn confirm_device(
        &self,
        access_token: &str,
        device_key: &str,
        verifier: Option<DeviceVerifierInput>,
        name: Option<String>,
    ) -> Result<bool> {
        let context = self.verify_access_token(access_token).await?;
        let (pool, user) = (context.pool, context.user);
        let Some(config) = pool.settings.device_configuration.clone() else {
            return Err(Error::invalid_parameter(
                "Device tracking is not enabled for this user pool.",
            ));
        };
        // Only the sign-in that was given this key may confirm it, so a key cannot be
        // claimed by another session of the user (or planted with a verifier of one's own).
        if context.device_key.as_deref() != Some(device_key) {
            return Err(device_not_found());
        }
        let verifier = verifier.ok_or_else(|| {
            Error::invalid_parameter("Missing required parameter DeviceSecretVerifierConfig")
        })?;
        let invalid =
            || Error::invalid_parameter("DeviceSecretVerifierConfig is not valid base64.");
        let salt = b64::decode_std(&verifier.salt).ok_or_else(invalid)?;
        let v = b64::decode_std(&verifier.password_verifier).ok_or_else(invalid)?;
        let srp_verifier = cognate_crypto::srp::Verifier::from_parts(unpadded(&salt), unpadded(&v))
            .map_err(|_| Error::invalid_parameter("The device verifier is not valid."))?;
        let now = self.now();
        let device = Device {
            pool_id: pool.id.clone(),
            sub: user.sub.clone(),
            device_key: device_key.to_owned(),
            group_key: self.device_group_key(&pool, &user),
            sealed_verifier: self.keys.seal_verifier(
                &verifier_purpose(&pool.id, &user.sub, device_key),
                &srp_verifier,
            )?,
            name,
            remembered: !config.device_only_remembered_on_user_prompt,
            created: now,
            modified: now,
            last_authenticated: Some(now),
        };
        match self.store.insert_device(&device).await {
            Ok(()) => Ok(config.device_only_remembered_on_user_prompt),
            Err(crate::ports::StoreError::Conflict(crate::ports::Conflict::Exists)) => Err(
                Error::new(ErrorKind::DeviceKeyExists, "Device key already exists."),
            ),
            Err(e) => Err(e.into()),
        }
    }

    /// GetDevice.
    pub async fn get_device(&self, access_token: &str, device_key: &str) -> Result<Device> {
        let context = self.verify_access_token(access_token).await?;
        self.existing_device(&context.pool.id, &context.user.sub, device_key)
            .await
    }

    /// AdminGetDevice.
    pub async fn admin_get_device(
        &self,
        pool_id: &str,
        username: &str,
        device_key: &str,
    ) -> Result<Device> {
        let user = self.existing_user(pool_id, username).await?;
        self.existing_device(pool_id, &user.sub, device_key).await
    }

    /// ListDevices.
    pub async fn list_devices(
        &self,
        access_token: &str,
        page_size: PageSize,
        next: Option<&str>,
    ) -> Result<Page<Device>> {
        let limit = page_size.or(MAX_DEVICES_PAGE);
        let context = self.verify_access_token(access_token).await?;
        self.device_page(&context.pool.id, &context.user.sub, limit, next)
            .await
    }

    /// AdminListDevices.
    pub async fn admin_list_devices(
        &self,
        pool_id: &str,
        username: &str,
        page_size: PageSize,
        next: Option<&str>,
    ) -> Result<Page<Device>> {
        let limit = page_size.or(MAX_DEVICES_PAGE);
        let user = self.existing_user(pool_id, username).await?;
        self.device_page(pool_id, &user.sub, limit, next).await
    }

    async fn device_page(
        &self,
        pool_id: &str,
        sub: &str,
        limit: u32,
        next: Option<&str>,
    ) -> Result<Page<Device>> {
        let limit = limit.clamp(1, MAX_DEVICES_PAGE);
        let scope = format!("devices:{pool_id}:{sub}");
        let after = next.map(|t| self.open_page_token(&scope, t)).transpose()?;
        let mut devices = self
            .store
            .list_devices(pool_id, sub, after.as_deref(), limit + 1)
            .await
            .map_err(Error::from)?;
        let next = self.next_page(&mut devices, limit, &scope, |d| d.device_key.clone())?;
        Ok(Page {
            items: devices,
            next,
        })
    }

    /// ForgetDevice.
    pub async fn forget_device(&self, access_token: &str, device_key: &str) -> Result<()> {
        let context = self.verify_access_token(access_token).await?;
        self.delete_device(&context.pool.id, &context.user.sub, device_key)
            .await
    }

    /// AdminForgetDevice.
    pub async fn admin_forget_device(
        &self,
        pool_id: &str,
        username: &str,
        device_key: &str,
    ) -> Result<()> {
        let user = self.existing_user(pool_id, username).await?;
        self.delete_device(pool_id, &user.sub, device_key).await
    }

    async fn delete_device(&self, pool_id: &str, sub: &str, device_key: &str) -> Result<()> {
        if self
            .store
            .delete_device(pool_id, sub, device_key)
            .await
            .map_err(Error::from)?
        {
            Ok(())
        } else {
            Err(device_not_found())
        }
    }

    /// UpdateDeviceStatus.
    pub async fn update_device_status(
        &self,
        access_token: &str,
        device_key: &str,
        remembered: bool,
    ) -> Result<()> {
        let context = self.verify_access_token(access_token).await?;
        self.set_device_remembered(&context.pool.id, &context.user.sub, device_key, remembered)
            .await
    }

    /// AdminUpdateDeviceStatus.
    pub async fn admin_update_device_status(
        &self,
        pool_id: &str,
        username: &str,
        device_key: &str,
        remembered: bool,
    ) -> Result<()> {
        let user = self.existing_user(pool_id, username).await?;
        self.set_device_remembered(pool_id, &user.sub, device_key, remembered)
            .await
    }

    async fn set_device_remembered(
        &self,
        pool_id: &str,
        sub: &str,
        device_key: &str,
        remembered: bool,
    ) -> Result<()> {
        let mut device = self.existing_device(pool_id, sub, device_key).await?;
        device.remembered = remembered;
        device.modified = self.now();
        self.save_device(&device).await
    }

    pub(crate) async fn save_device(&self, device: &Device) -> Result<()> {
        match self.store.update_device(device).await {
            Ok(()) => Ok(()),
            Err(crate::ports::StoreError::Conflict(crate::ports::Conflict::Missing)) => {
                Err(device_not_found())
            }
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::unpadded;

    #[test]
    fn padding_is_stripped_from_client_integers() {
        assert_eq!(unpadded(&[0, 0x80, 1]), &[0x80, 1]);
        assert_eq!(unpadded(&[0x7f]), &[0x7f]);
        assert_eq!(unpadded(&[0, 0]), &[] as &[u8]);
    }
}
