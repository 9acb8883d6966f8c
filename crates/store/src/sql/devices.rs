//! The [`AuthenticatorStore`] half of the store: users' remembered devices and passkeys,
//! with the same helpers (and so the same backends and read paths) as the rest of
//! [`SqlStore`].

use cognate_domain::devices::Device;
use cognate_domain::passkeys::Passkey;
use cognate_domain::ports::{AuthenticatorStore, Conflict, StoreResult};
use sqlx::{query, query_scalar};

use super::{Bind, Paged};
use crate::records::{conflict, to_doc};

const INSERT_DEVICE: &str = "INSERT INTO devices (pool_id, sub, device_key, doc) \
     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
const GET_DEVICE: &str =
    "SELECT doc FROM devices WHERE pool_id = $1 AND sub = $2 AND device_key = $3";
const UPDATE_DEVICE: &str =
    "UPDATE devices SET doc = $4 WHERE pool_id = $1 AND sub = $2 AND device_key = $3";
const DELETE_DEVICE: &str =
    "DELETE FROM devices WHERE pool_id = $1 AND sub = $2 AND device_key = $3";
const LIST_DEVICES: Paged = Paged {
    first: "SELECT doc FROM devices WHERE pool_id = $1 AND sub = $2 \
     ORDER BY device_key LIMIT $3",
    after: "SELECT doc FROM devices WHERE pool_id = $1 AND sub = $2 AND device_key > $4 \
     ORDER BY device_key LIMIT $3",
};

const INSERT_PASSKEY: &str = "INSERT INTO webauthn_credentials (pool_id, sub, credential_id, doc) \
     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
const GET_PASSKEY: &str = "SELECT doc FROM webauthn_credentials \
     WHERE pool_id = $1 AND sub = $2 AND credential_id = $3";
const UPDATE_PASSKEY: &str = "UPDATE webauthn_credentials SET doc = $4 \
     WHERE pool_id = $1 AND sub = $2 AND credential_id = $3";
const DELETE_PASSKEY: &str = "DELETE FROM webauthn_credentials \
     WHERE pool_id = $1 AND sub = $2 AND credential_id = $3";
const LIST_PASSKEYS: Paged = Paged {
    first: "SELECT doc FROM webauthn_credentials WHERE pool_id = $1 AND sub = $2 \
     ORDER BY credential_id LIMIT $3",
    after: "SELECT doc FROM webauthn_credentials WHERE pool_id = $1 AND sub = $2 \
     AND credential_id > $4 ORDER BY credential_id LIMIT $3",
};

sql_impl! {
impl AuthenticatorStore {
    async fn insert_device(&self, device: &Device) -> StoreResult<()> {
        // Nothing inserted: the user has a device with this key. A user that is gone fails
        // the foreign key, which `insert_new` reports as `Conflict::Missing`.
        let insert = query(INSERT_DEVICE)
            .bind(device.pool_id.as_str())
            .bind(device.sub.as_str())
            .bind(device.device_key.as_str())
            .bind(to_doc("device", device)?);
        self.insert_new("insert device", insert).await
    }

    async fn get_device(
        &self,
        pool_id: &str,
        sub: &str,
        device_key: &str,
    ) -> StoreResult<Option<Device>> {
        self.read_doc(
            "device",
            GET_DEVICE,
            &[Bind::Text(pool_id), Bind::Text(sub), Bind::Text(device_key)],
        )
        .await
    }

    async fn update_device(&self, device: &Device) -> StoreResult<()> {
        let update = query(UPDATE_DEVICE)
            .bind(device.pool_id.as_str())
            .bind(device.sub.as_str())
            .bind(device.device_key.as_str())
            .bind(to_doc("device", device)?);
        if self.changed("update device", update).await? {
            Ok(())
        } else {
            conflict(Conflict::Missing)
        }
    }

    async fn delete_device(&self, pool_id: &str, sub: &str, device_key: &str) -> StoreResult<bool> {
        self.changed(
            "delete device",
            query(DELETE_DEVICE)
                .bind(pool_id)
                .bind(sub)
                .bind(device_key),
        )
        .await
    }

    async fn list_devices(
        &self,
        pool_id: &str,
        sub: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Device>> {
        let list = query_scalar(LIST_DEVICES.sql(after))
            .bind(pool_id)
            .bind(sub)
            .bind(i64::from(limit));
        self.fetch_docs("device", Self::after(list, after)).await
    }

    async fn insert_passkey(&self, passkey: &Passkey) -> StoreResult<()> {
        let insert = query(INSERT_PASSKEY)
            .bind(passkey.pool_id.as_str())
            .bind(passkey.sub.as_str())
            .bind(passkey.credential_id.as_str())
            .bind(to_doc("passkey", passkey)?);
        self.insert_new("insert passkey", insert).await
    }

    async fn get_passkey(
        &self,
        pool_id: &str,
        sub: &str,
        credential_id: &str,
    ) -> StoreResult<Option<Passkey>> {
        self.read_doc(
            "passkey",
            GET_PASSKEY,
            &[
                Bind::Text(pool_id),
                Bind::Text(sub),
                Bind::Text(credential_id),
            ],
        )
        .await
    }

    async fn update_passkey(&self, passkey: &Passkey) -> StoreResult<()> {
        let update = query(UPDATE_PASSKEY)
            .bind(passkey.pool_id.as_str())
            .bind(passkey.sub.as_str())
            .bind(passkey.credential_id.as_str())
            .bind(to_doc("passkey", passkey)?);
        if self.changed("update passkey", update).await? {
            Ok(())
        } else {
            conflict(Conflict::Missing)
        }
    }

    async fn delete_passkey(
        &self,
        pool_id: &str,
        sub: &str,
        credential_id: &str,
    ) -> StoreResult<bool> {
        self.changed(
            "delete passkey",
            query(DELETE_PASSKEY)
                .bind(pool_id)
                .bind(sub)
                .bind(credential_id),
        )
        .await
    }

    async fn list_passkeys(
        &self,
        pool_id: &str,
        sub: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Passkey>> {
        let list = query_scalar(LIST_PASSKEYS.sql(after))
            .bind(pool_id)
            .bind(sub)
            .bind(i64::from(limit));
        self.fetch_docs("passkey", Self::after(list, after)).await
    }
}
}
