//! Per-pool RS256 signing keys: one for ID tokens and one for access tokens (as Cognito signs
//! them with different keys), created on first use, sealed at rest, rotatable, and cached
//! per node for a short time.
//!
//! # Rotation without refusals
//! Every node caches a pool's keys for [`NODE_CACHE_TTL_MS`], and relying parties cache its
//! JWKS for [`JWKS_MAX_AGE_SECS`] (the `Cache-Control` the JWKS is served with). So a new key
//! must be known everywhere before any token is signed with it. A rotation publishes the new
//! key at once (it is in the JWKS, and every node verifies with it once its cache has expired)
//! and schedules it: it signs only [`PUBLISH_AHEAD_MS`] later, after every cache that could
//! lack it has expired. The key it replaces retires at that same instant, so at every moment
//! one key of each purpose signs. A retired key stays published until every token it signed
//! has expired (a day), so rotation never breaks a token in flight.
//!
//! An emergency rotation ([`RotationMode::Now`]) signs with the new key at once and withdraws
//! the old ones: for a key that may have leaked, refusing its tokens is the point, and
//! relying parties with a cached JWKS refuse new tokens until they fetch it again.
//!
//! A node that meets a token of this pool whose `kid` it does not know reads the pool's keys
//! again, at most once per [`UNKNOWN_KID_RELOAD_MS`] per pool (so forged key ids cannot make
//! it hammer the store): a key another node started signing with is found at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use cognate_crypto::jwt::{JwtError, PublicKeyHandle, RsaSigningKey};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind, Result};
use crate::ports::{Conflict, StoreError};
use crate::time::Timestamp;
use crate::{Domain, b64};

/// How long a node trusts its cached copy of a pool's keys.
pub const NODE_CACHE_TTL_MS: i64 = 30_000;
/// How long relying parties may cache a pool's JWKS (`Cache-Control: max-age`).
pub const JWKS_MAX_AGE_SECS: i64 = 300;
/// Room for nodes whose clocks disagree: a node whose clock runs ahead starts signing with a
/// scheduled key early by as much.
const CLOCK_SKEW_MS: i64 = 30_000;
/// How long a rotated-in key is published before it signs: longer than a node's key cache
/// and a relying party's JWKS cache together, plus clock skew (six minutes).
pub const PUBLISH_AHEAD_MS: i64 = NODE_CACHE_TTL_MS + JWKS_MAX_AGE_SECS * 1000 + CLOCK_SKEW_MS;
const _: () = assert!(PUBLISH_AHEAD_MS > NODE_CACHE_TTL_MS + JWKS_MAX_AGE_SECS * 1000);
/// Longest life of an ID or access token, so the longest a retired key must stay published.
const RETIRED_KEY_VISIBLE_MS: i64 = 86_400_000 + NODE_CACHE_TTL_MS;
/// A node reads a pool's keys again for an unknown `kid` at most this often.
pub const UNKNOWN_KID_RELOAD_MS: i64 = 1_000;

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
    /// When the key starts signing; `None` means from `created` (a pool's first keys, keys of
    /// an emergency rotation, and keys stored before rotations were scheduled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activates: Option<Timestamp>,
    /// When the key stops signing (it may be ahead, when a scheduled successor takes over then).
    pub retired: Option<Timestamp>,
}

impl SigningKeyRecord {
    pub fn activates_at(&self) -> Timestamp {
        self.activates.unwrap_or(self.created)
    }

    fn retired_by(&self, now: Timestamp) -> bool {
        self.retired.is_some_and(|at| at <= now)
    }

    /// In the JWKS: every key that signs or will sign, and retired keys until their last
    /// token has expired.
    fn is_published(&self, now: Timestamp) -> bool {
        self.retired
            .is_none_or(|at| now.millis() - at.millis() < RETIRED_KEY_VISIBLE_MS)
    }
}

/// The key of `purpose` that signs at `now`: of the keys not retired by then, the one that
/// activated last. A node whose clock lags the one that created a pool's first key sees that
/// key activate in its future; it signs with the earliest such key rather than with none.
fn signing_record(
    records: &[SigningKeyRecord],
    purpose: KeyPurpose,
    now: Timestamp,
) -> Option<&SigningKeyRecord> {
    let candidates: Vec<&SigningKeyRecord> = records
        .iter()
        .filter(|r| r.purpose == purpose && !r.retired_by(now))
        .collect();
    candidates
        .iter()
        .filter(|r| r.activates_at() <= now)
        .max_by_key(|r| (r.activates_at(), r.created))
        .or_else(|| candidates.iter().min_by_key(|r| r.activates_at()))
        .copied()
}

/// How a rotation brings in its new keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RotationMode {
    /// Publish the new keys now and sign with them [`PUBLISH_AHEAD_MS`] later; no valid token
    /// is refused anywhere.
    Scheduled,
    /// Sign with the new keys at once and withdraw the old ones: every token they signed is
    /// refused, and relying parties refuse new tokens until they fetch the JWKS again.
    Now,
}

/// What a rotation did: the new key ids and when they sign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    pub id_kid: String,
    pub access_kid: String,
    pub signs_from: Timestamp,
}

/// A pool's keys, opened: every key still published, with what decides when it signs.
pub struct PoolKeys {
    records: Vec<SigningKeyRecord>,
    opened: HashMap<String, Arc<RsaSigningKey>>,
    loaded_at: Timestamp,
}

impl PoolKeys {
    /// The key that signs tokens of `purpose` at `now`.
    pub fn signer(&self, purpose: KeyPurpose, now: Timestamp) -> Result<&RsaSigningKey> {
        signing_record(&self.records, purpose, now)
            .and_then(|r| self.opened.get(&r.kid))
            .map(AsRef::as_ref)
            .ok_or_else(|| {
                Error::internal(format!(
                    "pool has no {} key that signs now",
                    purpose.as_str()
                ))
            })
    }

    pub fn verifying_key(&self, kid: &str) -> Option<&PublicKeyHandle> {
        self.opened.get(kid).map(|k| k.public_key())
    }

    /// The published public keys, in the order they were created.
    fn published(&self) -> impl Iterator<Item = &PublicKeyHandle> {
        self.records
            .iter()
            .filter_map(|r| self.verifying_key(&r.kid))
    }
}

/// Keys opened on this node, by pool id, and when each pool's keys were last read again for
/// an unknown key id.
#[derive(Default)]
pub struct KeyCache {
    keys: Mutex<HashMap<String, Arc<PoolKeys>>>,
    reloads: Mutex<HashMap<String, Timestamp>>,
}

impl KeyCache {
    fn get(&self, pool_id: &str, now: Timestamp) -> Option<Arc<PoolKeys>> {
        let cache = self.keys.lock().ok()?;
        cache
            .get(pool_id)
            .filter(|k| now.millis() - k.loaded_at.millis() < NODE_CACHE_TTL_MS)
            .cloned()
    }

    fn put(&self, pool_id: &str, keys: Arc<PoolKeys>) {
        if let Ok(mut cache) = self.keys.lock() {
            cache.insert(pool_id.to_owned(), keys);
        }
    }

    pub(crate) fn clear(&self) {
        if let Ok(mut cache) = self.keys.lock() {
            cache.clear();
        }
    }

    fn forget(&self, pool_id: &str) {
        if let Ok(mut cache) = self.keys.lock() {
            cache.remove(pool_id);
        }
    }

    /// Claims the pool's next reload for an unknown key id: true at most once per
    /// [`UNKNOWN_KID_RELOAD_MS`], however many requests ask at once.
    fn claim_reload(&self, pool_id: &str, now: Timestamp) -> bool {
        let Ok(mut reloads) = self.reloads.lock() else {
            return false;
        };
        match reloads.get(pool_id) {
            Some(last) if now.millis() - last.millis() < UNKNOWN_KID_RELOAD_MS => false,
            _ => {
                reloads.insert(pool_id.to_owned(), now);
                true
            }
        }
    }
}

pub(crate) fn key_purpose(pool_id: &str, purpose: KeyPurpose) -> Vec<u8> {
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
        let keys = Arc::new(self.open_keys(records, now)?);
        self.key_cache.put(pool_id, keys.clone());
        Ok(keys)
    }

    fn open_keys(&self, records: Vec<SigningKeyRecord>, now: Timestamp) -> Result<PoolKeys> {
        let mut records: Vec<SigningKeyRecord> = records
            .into_iter()
            .filter(|r| r.is_published(now))
            .collect();
        records.sort_by_key(|r| (r.created, r.activates_at()));
        let opened = records
            .iter()
            .map(|r| Ok((r.kid.clone(), Arc::new(self.open_signing_key(r)?))))
            .collect::<Result<HashMap<_, _>>>()?;
        Ok(PoolKeys {
            records,
            opened,
            loaded_at: now,
        })
    }

    pub(crate) fn open_signing_key(&self, record: &SigningKeyRecord) -> Result<RsaSigningKey> {
        let pem = self.keys.open(
            &key_purpose(&record.pool_id, record.purpose),
            &record.sealed_pem,
        )?;
        let pem =
            String::from_utf8(pem).map_err(|_| Error::internal("signing key is not UTF-8"))?;
        RsaSigningKey::from_pkcs8_pem(record.kid.clone(), &pem)
            .map_err(|e| Error::internal(format!("signing key: {e}")))
    }

    /// Verifies a token signed with one of `pool_id`'s keys and returns its claims
    /// (`now_secs` as [`cognate_crypto::jwt::verify_rs256`] takes it). A `kid` this node does
    /// not know, on a token whose issuer is this pool, makes it read the keys again once,
    /// rate-limited per pool; the caller still checks `iss`, `token_use` and the rest.
    pub(crate) async fn verify_with_pool_keys(
        &self,
        pool_id: &str,
        token: &str,
        now_secs: i64,
    ) -> Result<std::result::Result<Map<String, Value>, JwtError>> {
        let keys = self.pool_keys(pool_id).await?;
        let verified =
            cognate_crypto::jwt::verify_rs256(token, |kid| keys.verifying_key(kid), now_secs);
        let Err(JwtError::UnknownKid(kid)) = &verified else {
            return Ok(verified);
        };
        let ours =
            crate::tokens::unverified_issuer(token).as_deref() == Some(&self.issuer(pool_id));
        if !ours || !self.key_cache.claim_reload(pool_id, self.now()) {
            return Ok(verified);
        }
        tracing::info!(pool_id, kid = %kid, "unknown key id: reading the pool's keys again");
        self.key_cache.forget(pool_id);
        let keys = self.pool_keys(pool_id).await?;
        Ok(cognate_crypto::jwt::verify_rs256(
            token,
            |kid| keys.verifying_key(kid),
            now_secs,
        ))
    }

    /// Creates the pool's ID and access keys (CreateUserPool).
    pub(crate) async fn create_signing_keys(&self, pool_id: &str) -> Result<()> {
        for purpose in [KeyPurpose::Id, KeyPurpose::Access] {
            self.create_signing_key(pool_id, purpose).await?;
        }
        Ok(())
    }

    /// A pool's first key of a purpose, signing at once (no token of the pool exists yet).
    async fn create_signing_key(&self, pool_id: &str, purpose: KeyPurpose) -> Result<()> {
        let record = self.new_signing_key(pool_id, purpose, None)?;
        match self.store.insert_signing_key(&record).await {
            // Another node created the key first; its key is as good as ours.
            Ok(()) | Err(StoreError::Conflict(Conflict::Exists)) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    fn new_signing_key(
        &self,
        pool_id: &str,
        purpose: KeyPurpose,
        activates: Option<Timestamp>,
    ) -> Result<SigningKeyRecord> {
        let key = RsaSigningKey::generate()
            .map_err(|e| Error::internal(format!("key generation: {e}")))?;
        let pem = key
            .to_pkcs8_pem()
            .map_err(|e| Error::internal(format!("key encoding: {e}")))?;
        Ok(SigningKeyRecord {
            pool_id: pool_id.to_owned(),
            kid: key.kid().to_owned(),
            purpose,
            sealed_pem: self
                .keys
                .seal(&key_purpose(pool_id, purpose), pem.expose().as_bytes())?,
            created: self.now(),
            activates,
            retired: None,
        })
    }

    /// Rotates a pool's signing keys (`cognate keys rotate`): see the module header for what
    /// each [`RotationMode`] promises.
    pub async fn rotate_signing_keys(&self, pool_id: &str, mode: RotationMode) -> Result<Rotation> {
        self.user_pool(pool_id).await?;
        let signs_from = match mode {
            RotationMode::Scheduled => self.now().plus_millis(PUBLISH_AHEAD_MS),
            RotationMode::Now => self.now(),
        };
        let id_kid = self
            .bring_in_key(pool_id, KeyPurpose::Id, signs_from, mode)
            .await?;
        let access_kid = self
            .bring_in_key(pool_id, KeyPurpose::Access, signs_from, mode)
            .await?;
        self.key_cache.forget(pool_id);
        Ok(Rotation {
            id_kid,
            access_kid,
            signs_from,
        })
    }

    /// Stores a new key of `purpose` that signs from `signs_from`, as the successor of the
    /// pool's current one; returns its kid.
    async fn bring_in_key(
        &self,
        pool_id: &str,
        purpose: KeyPurpose,
        signs_from: Timestamp,
        mode: RotationMode,
    ) -> Result<String> {
        let record = self.new_signing_key(pool_id, purpose, Some(signs_from))?;
        match self
            .store
            .rotate_signing_key(&record, mode == RotationMode::Now)
            .await
        {
            Ok(()) => Ok(record.kid),
            Err(StoreError::Conflict(Conflict::Exists)) => Err(Error::new(
                ErrorKind::ConcurrentModification,
                "Another rotation of this pool's keys ran at the same time. Retry the operation.",
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// The pool's JSON Web Key Set: every key a valid token may have been signed with, and
    /// the keys scheduled to sign next.
    pub async fn jwks(&self, pool_id: &str) -> Result<serde_json::Value> {
        self.user_pool(pool_id).await?;
        let keys = self.pool_keys(pool_id).await?;
        let jwks: Vec<_> = keys.published().map(PublicKeyHandle::jwk).collect();
        Ok(serde_json::json!({ "keys": jwks }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kid: &str, purpose: KeyPurpose, created: i64) -> SigningKeyRecord {
        SigningKeyRecord {
            pool_id: "us-east-1_test".into(),
            kid: kid.into(),
            purpose,
            sealed_pem: Vec::new(),
            created: Timestamp(created),
            activates: None,
            retired: None,
        }
    }

    fn signer_at(records: &[SigningKeyRecord], purpose: KeyPurpose, now: i64) -> Option<&str> {
        signing_record(records, purpose, Timestamp(now)).map(|r| r.kid.as_str())
    }

    #[test]
    fn a_scheduled_key_signs_only_from_its_activation_and_its_predecessor_until_then() {
        let activation = 10_000 + PUBLISH_AHEAD_MS;
        let old = SigningKeyRecord {
            retired: Some(Timestamp(activation)),
            ..record("old", KeyPurpose::Id, 0)
        };
        let new = SigningKeyRecord {
            activates: Some(Timestamp(activation)),
            ..record("new", KeyPurpose::Id, 10_000)
        };
        let access = record("access", KeyPurpose::Access, 0);
        let keys = [old.clone(), new.clone(), access];
        let cases = [
            (KeyPurpose::Id, 9_999, "old"),
            (KeyPurpose::Id, 10_000, "old"),
            (KeyPurpose::Id, activation - 1, "old"),
            (KeyPurpose::Id, activation, "new"),
            (KeyPurpose::Id, activation + 86_400_000 * 3, "new"),
            (KeyPurpose::Access, activation, "access"),
        ];
        for (purpose, now, expected) in cases {
            assert_eq!(signer_at(&keys, purpose, now), Some(expected), "{now}");
        }
        // Published from the moment it is stored, and the old key for a day after it retired.
        for now in [10_000, activation, activation + RETIRED_KEY_VISIBLE_MS - 1] {
            assert!(new.is_published(Timestamp(now)) && old.is_published(Timestamp(now)));
        }
        assert!(!old.is_published(Timestamp(activation + RETIRED_KEY_VISIBLE_MS)));
    }

    #[test]
    fn a_second_rotation_before_the_first_activates_keeps_one_signer_at_every_moment() {
        // Rotated at 0 (key b from A) and again at 60 s (key c from A + 60 s).
        let a_at = PUBLISH_AHEAD_MS;
        let c_at = 60_000 + PUBLISH_AHEAD_MS;
        let keys = [
            SigningKeyRecord {
                retired: Some(Timestamp(a_at)),
                ..record("a", KeyPurpose::Id, -1_000)
            },
            SigningKeyRecord {
                activates: Some(Timestamp(a_at)),
                retired: Some(Timestamp(c_at)),
                ..record("b", KeyPurpose::Id, 0)
            },
            SigningKeyRecord {
                activates: Some(Timestamp(c_at)),
                ..record("c", KeyPurpose::Id, 60_000)
            },
        ];
        let cases = [
            (0, "a"),
            (a_at - 1, "a"),
            (a_at, "b"),
            (c_at - 1, "b"),
            (c_at, "c"),
        ];
        for (now, expected) in cases {
            assert_eq!(
                signer_at(&keys, KeyPurpose::Id, now),
                Some(expected),
                "{now}"
            );
        }
    }

    #[test]
    fn a_lagging_clock_still_finds_a_signer_for_a_key_created_in_its_future() {
        let keys = [record("first", KeyPurpose::Access, 5_000)];
        assert_eq!(signer_at(&keys, KeyPurpose::Access, 4_000), Some("first"));
        assert_eq!(signer_at(&keys, KeyPurpose::Id, 4_000), None);
    }

    #[test]
    fn unknown_key_reloads_are_rate_limited_per_pool() {
        let cache = KeyCache::default();
        assert!(cache.claim_reload("p1", Timestamp(0)));
        assert!(!cache.claim_reload("p1", Timestamp(UNKNOWN_KID_RELOAD_MS - 1)));
        assert!(cache.claim_reload("p2", Timestamp(1)), "pools are separate");
        assert!(cache.claim_reload("p1", Timestamp(UNKNOWN_KID_RELOAD_MS)));
    }
}
