//! Per-pool RS256 signing keys: one for ID tokens and one for access tokens (as Cognito signs
//! them with different keys), created on first use, sealed at rest, rotatable, and cached
//! per node for a short time.
//!
//! A retired key stays in the JWKS until every token it signed has expired (one day, the
//! longest an ID or access token lives), so rotation never breaks a token in flight.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use cognate_crypto::jwt::{PublicKeyHandle, RsaSigningKey};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ports::{Conflict, StoreError};
use crate::time::Timestamp;
use crate::{Domain, b64};

/// How long a node trusts its cached copy of a pool's keys. Rotation reaches every node within
/// this window; meanwhile the old key is still valid and still published.
const CACHE_TTL_MS: i64 = 30_000;
/// Longest life of an ID or access token, so the longest a retired key must stay published.
const RETIRED_KEY_VISIBLE_MS: i64 = 86_400_000 + CACHE_TTL_MS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum KeyPurpose {
    Id,
    Access,
}

impl KeyPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyPurpose::Id => "id",
            KeyPurpose::Access => "access",
        }
    }
}

/// A signing key as stored: the PKCS#8 PEM sealed under the key-encryption key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningKeyRecord {
    pub pool_id: String,
    pub kid: String,
    pub purpose: KeyPurpose,
    #[serde(with = "b64")]
    pub sealed_pem: Vec<u8>,
    pub created: Timestamp,
    pub retired: Option<Timestamp>,
}

/// A pool's keys, opened: the active signer per purpose and every key still published.
pub struct PoolKeys {
    pub id: Arc<RsaSigningKey>,
    pub access: Arc<RsaSigningKey>,
    pub published: Vec<PublicKeyHandle>,
    loaded_at: Timestamp,
}

impl PoolKeys {
    pub fn verifying_key(&self, kid: &str) -> Option<&PublicKeyHandle> {
        self.published.iter().find(|k| k.kid() == kid)
    }
}

/// Keys opened on this node, by pool id.
#[derive(Default)]
pub struct KeyCache(Mutex<HashMap<String, Arc<PoolKeys>>>);

impl KeyCache {
    fn get(&self, pool_id: &str, now: Timestamp) -> Option<Arc<PoolKeys>> {
        let cache = self.0.lock().ok()?;
        cache
            .get(pool_id)
            .filter(|k| now.millis() - k.loaded_at.millis() < CACHE_TTL_MS)
            .cloned()
    }

    fn put(&self, pool_id: &str, keys: Arc<PoolKeys>) {
        if let Ok(mut cache) = self.0.lock() {
            cache.insert(pool_id.to_owned(), keys);
        }
    }

    pub(crate) fn clear(&self) {
        if let Ok(mut cache) = self.0.lock() {
            cache.clear();
        }
    }

    fn forget(&self, pool_id: &str) {
        if let Ok(mut cache) = self.0.lock() {
            cache.remove(pool_id);
        }
    }
}

fn key_purpose(pool_id: &str, purpose: KeyPurpose) -> Vec<u8> {
    format!("signing-key:{pool_id}:{}", purpose.as_str()).into_bytes()
}

impl Domain {
    /// The pool's keys, from this node's cache or the store; missing keys are created.
    pub async fn pool_keys(&self, pool_id: &str) -> Result<Arc<PoolKeys>> {
        let now = self.now();
        if let Some(keys) = self.key_cache.get(pool_id, now) {
            return Ok(keys);
        }
        let mut records = self
            .store
            .list_signing_keys(pool_id)
            .await
            .map_err(Error::from)?;
        for purpose in [KeyPurpose::Id, KeyPurpose::Access] {
            if !records
                .iter()
                .any(|r| r.purpose == purpose && r.retired.is_none())
            {
                self.create_signing_key(pool_id, purpose).await?;
                records = self
                    .store
                    .list_signing_keys(pool_id)
                    .await
                    .map_err(Error::from)?;
            }
        }
        let keys = Arc::new(self.open_keys(pool_id, &records, now)?);
        self.key_cache.put(pool_id, keys.clone());
        Ok(keys)
    }

    fn open_keys(
        &self,
        pool_id: &str,
        records: &[SigningKeyRecord],
        now: Timestamp,
    ) -> Result<PoolKeys> {
        let active = |purpose: KeyPurpose| -> Result<Arc<RsaSigningKey>> {
            let record = records
                .iter()
                .filter(|r| r.purpose == purpose && r.retired.is_none())
                .max_by_key(|r| r.created)
                .ok_or_else(|| {
                    Error::internal(format!(
                        "pool {pool_id} has no active {} key",
                        purpose.as_str()
                    ))
                })?;
            self.open_signing_key(record).map(Arc::new)
        };
        let published = records
            .iter()
            .filter(|r| {
                r.retired
                    .is_none_or(|at| now.millis() - at.millis() < RETIRED_KEY_VISIBLE_MS)
            })
            .map(|r| self.open_signing_key(r).map(|k| k.public_key().clone()))
            .collect::<Result<Vec<_>>>()?;
        Ok(PoolKeys {
            id: active(KeyPurpose::Id)?,
            access: active(KeyPurpose::Access)?,
            published,
            loaded_at: now,
        })
    }

    fn open_signing_key(&self, record: &SigningKeyRecord) -> Result<RsaSigningKey> {
        let pem = self.keys.open(
            &key_purpose(&record.pool_id, record.purpose),
            &record.sealed_pem,
        )?;
        let pem =
            String::from_utf8(pem).map_err(|_| Error::internal("signing key is not UTF-8"))?;
        RsaSigningKey::from_pkcs8_pem(record.kid.clone(), &pem)
            .map_err(|e| Error::internal(format!("signing key: {e}")))
    }

    /// Creates the pool's ID and access keys (CreateUserPool).
    pub(crate) async fn create_signing_keys(&self, pool_id: &str) -> Result<()> {
        for purpose in [KeyPurpose::Id, KeyPurpose::Access] {
            self.create_signing_key(pool_id, purpose).await?;
        }
        Ok(())
    }

    async fn create_signing_key(&self, pool_id: &str, purpose: KeyPurpose) -> Result<()> {
        let key = RsaSigningKey::generate()
            .map_err(|e| Error::internal(format!("key generation: {e}")))?;
        let pem = key
            .to_pkcs8_pem()
            .map_err(|e| Error::internal(format!("key encoding: {e}")))?;
        let record = SigningKeyRecord {
            pool_id: pool_id.to_owned(),
            kid: key.kid().to_owned(),
            purpose,
            sealed_pem: self
                .keys
                .seal(&key_purpose(pool_id, purpose), pem.expose().as_bytes())?,
            created: self.now(),
            retired: None,
        };
        match self.store.insert_signing_key(&record).await {
            // Another node created the key first; its key is as good as ours.
            Ok(()) | Err(StoreError::Conflict(Conflict::Exists)) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Rotates a pool's signing keys: new tokens are signed with new keys; the old keys stay
    /// published until their last token has expired. Returns the new key ids.
    pub async fn rotate_signing_keys(&self, pool_id: &str) -> Result<Vec<String>> {
        self.user_pool(pool_id).await?;
        let now = self.now();
        for purpose in [KeyPurpose::Id, KeyPurpose::Access] {
            self.store
                .retire_signing_keys(pool_id, purpose, now)
                .await
                .map_err(Error::from)?;
            self.create_signing_key(pool_id, purpose).await?;
        }
        self.key_cache.forget(pool_id);
        let keys = self.pool_keys(pool_id).await?;
        Ok(vec![keys.id.kid().to_owned(), keys.access.kid().to_owned()])
    }

    /// The pool's JSON Web Key Set: every key a valid token may have been signed with.
    pub async fn jwks(&self, pool_id: &str) -> Result<serde_json::Value> {
        self.user_pool(pool_id).await?;
        let keys = self.pool_keys(pool_id).await?;
        let jwks: Vec<_> = keys.published.iter().map(PublicKeyHandle::jwk).collect();
        Ok(serde_json::json!({ "keys": jwks }))
    }
}
