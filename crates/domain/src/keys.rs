//! The server's key-encryption key and what the domain does with it: seal secrets at rest,
//! hash single-use codes, and store passwords as sealed SRP verifiers.

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
