//! The server's key-encryption key and what the domain does with it: seal secrets at rest,
//! hash single-use codes, and store passwords as sealed SRP verifiers. A check value sealed
//! under it in the database lets a node started with another key refuse to start.

use cognate_crypto::seal::{Sealer, keyed_hash};
use cognate_crypto::srp::Verifier;
use zeroize::Zeroize;

use crate::error::{Error, Result};

/// Keys derived from the key-encryption key. Cheap to share; never logged.
pub struct Keyring {
    sealer: Sealer,
    hash_key: [u8; 32],
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keyring(***)")
    }
}

impl Keyring {
    pub fn new(key_encryption_key: [u8; 32]) -> Result<Self> {
        let sealer = Sealer::new(key_encryption_key)
            .map_err(|e| Error::internal(format!("cannot use the key-encryption key: {e}")))?;
        let hash_key = *sealer.derive_subkey(b"cognate code hashing").expose();
        Ok(Keyring { sealer, hash_key })
    }

    /// Seals `plaintext`; `purpose` binds the ciphertext to where it is stored.
    pub fn seal(&self, purpose: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        self.sealer
            .seal(purpose, plaintext)
            .map_err(|e| Error::internal(format!("cannot seal secret: {e}")))
    }

    /// Stores an SRP verifier as `salt length || salt || v`, sealed.
    pub fn seal_verifier(&self, purpose: &[u8], verifier: &Verifier) -> Result<Vec<u8>> {
        let salt = verifier.salt();
        let v = verifier.v_bytes();
        let mut plain = Vec::with_capacity(1 + salt.len() + v.expose().len());
        plain.push(u8::try_from(salt.len()).map_err(|_| Error::internal("SRP salt too long"))?);
        plain.extend_from_slice(salt);
        plain.extend_from_slice(v.expose());
        let sealed = self.seal(purpose, &plain);
        plain.zeroize();
        sealed
    }

    pub fn open_verifier(&self, purpose: &[u8], sealed: &[u8]) -> Result<Verifier> {
        let mut plain = self.open(purpose, sealed)?;
        let malformed = || Error::internal("stored SRP verifier is malformed");
        let salt_len = usize::from(*plain.first().ok_or_else(malformed)?);
        let verifier = plain
            .get(1..=salt_len)
            .zip(plain.get(1 + salt_len..))
            .ok_or_else(malformed)
            .and_then(|(salt, v)| Verifier::from_parts(salt, v).map_err(|_| malformed()));
        plain.zeroize();
        verifier
    }

    pub fn open(&self, purpose: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
        self.sealer
            .open(purpose, sealed)
            .map_err(|e| Error::internal(format!("cannot open sealed secret: {e}")))
    }

    /// A keyed hash for values stored only as hashes (codes, refresh tokens).
    pub fn hash(&self, purpose: &str, value: &[u8]) -> Vec<u8> {
        let mut input = Vec::with_capacity(purpose.len() + 1 + value.len());
        input.extend_from_slice(purpose.as_bytes());
        input.push(0);
        input.extend_from_slice(value);
        keyed_hash(&self.hash_key, &input).to_vec()
    }
}

/// The setting holding a value sealed under the key-encryption key the database was first
/// used with: a node with another key cannot open it.
const KEY_CHECK_SETTING: &str = "key_encryption_key_check";
const KEY_CHECK_PURPOSE: &[u8] = b"cognate:key-encryption-key-check";
const KEY_CHECK_PLAINTEXT: &[u8] = b"cognate key-encryption key check, version 1";
/// The setting holding the public URL the last node to start issues tokens under.
const PUBLIC_URL_SETTING: &str = "public_url";

/// Whether this node's key-encryption key is the one the database's secrets are sealed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyCheck {
    /// The database had no check value; this node's key is now the recorded one.
    Recorded,
    Matches,
    /// Another key sealed the database's secrets: this node could open none of them.
    Mismatch,
}

impl crate::Domain {
    /// Compares this node's key-encryption key with the database's check value, recording one
    /// when there is none yet (the first start, or a database from before the check). Nodes
    /// run this at start and refuse to serve on [`KeyCheck::Mismatch`].
    pub async fn check_key_encryption_key(&self) -> Result<KeyCheck> {
        if let Some(sealed) = self.store.get_setting(KEY_CHECK_SETTING).await? {
            return Ok(self.key_check_of(&sealed));
        }
        // A database from before the check may hold secrets already: a key that cannot open
        // them must not become the recorded one.
        if !self.opens_a_stored_signing_key().await? {
            return Ok(KeyCheck::Mismatch);
        }
        let sealed = self.keys.seal(KEY_CHECK_PURPOSE, KEY_CHECK_PLAINTEXT)?;
        if self
            .store
            .insert_setting(KEY_CHECK_SETTING, &sealed)
            .await?
        {
            return Ok(KeyCheck::Recorded);
        }
        // Another node starting at the same time recorded its value first: compare with it.
        match self.store.get_setting(KEY_CHECK_SETTING).await? {
            Some(sealed) => Ok(self.key_check_of(&sealed)),
            None => Err(Error::internal(
                "the key check value vanished while being recorded",
            )),
        }
    }

    fn key_check_of(&self, sealed: &[u8]) -> KeyCheck {
        match self.keys.open(KEY_CHECK_PURPOSE, sealed) {
            Ok(plain) if plain == KEY_CHECK_PLAINTEXT => KeyCheck::Matches,
            _ => KeyCheck::Mismatch,
        }
    }

    /// True when the first pool's signing key opens, or there is none to try.
    async fn opens_a_stored_signing_key(&self) -> Result<bool> {
        let Some(pool) = self.store.list_pools(None, 1).await?.into_iter().next() else {
            return Ok(true);
        };
        let keys = self.store.list_signing_keys(&pool.id).await?;
        Ok(keys
            .first()
            .is_none_or(|key| self.open_signing_key(key).is_ok()))
    }

    /// Records the public URL this node issues tokens under, and returns the one the node
    /// started before it used when that differs: tokens are only accepted by nodes that share
    /// the issuer, so a difference is worth a warning (it is expected while a deployment moves
    /// to a new URL, one node at a time).
    pub async fn record_public_url(&self) -> Result<Option<String>> {
        let url = &self.config().public_url;
        let previous = self.store.get_setting(PUBLIC_URL_SETTING).await?;
        self.store
            .put_setting(PUBLIC_URL_SETTING, url.as_bytes())
            .await?;
        Ok(previous
            .map(|p| String::from_utf8_lossy(&p).into_owned())
            .filter(|p| p != url))
    }
}
