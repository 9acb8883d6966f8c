//! Sealing: AES-256-GCM for secrets at rest and for sealed session tokens, subkeys derived
//! from the one key-encryption key, and the keyed hash for values stored only as hashes.
//!
//! # Format
//!
//! `version (1 byte) || nonce (12 bytes) || ciphertext || tag (16 bytes)`, version 1. The
//! version byte and the caller's `purpose` are both authenticated as associated data, so a
//! token sealed for one purpose (say, an auth `Session`) cannot be replayed as another (say,
//! an SRP `SECRET_BLOCK`), and a later format cannot be confused with this one.
//!
//! Nonces are 96 random bits from aws-lc. Random nonces stay safe for about 2^32 seals under
//! one key (NIST SP 800-38D); rotate the key-encryption key, or seal high-volume data under
//! a [`Sealer::derive_subkey`] per purpose, well before that.

use aws_lc_rs::aead::{AES_256_GCM, Aad, NONCE_LEN, Nonce, RandomizedNonceKey};

use crate::mac::{hkdf_sha256_block, hmac_sha256};
use crate::secret::Secret;

const FORMAT_V1: u8 = 1;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = 1 + NONCE_LEN;

/// The HKDF label of the AES key, so the key-encryption key itself is never used as an AES
/// key and stays only an HKDF input.
const AEAD_KEY_LABEL: &[u8] = b"cognate/seal/aes-256-gcm/v1";

/// Why sealing or opening failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// The input is shorter than the format's header and tag.
    #[error("sealed data is truncated")]
    Truncated,
    /// The first byte names a format this build does not know.
    #[error("unsupported sealed-data version {0}")]
    UnsupportedVersion(u8),
    /// Wrong key, wrong purpose, or the data was modified.
    #[error("sealed data failed authentication")]
    Authentication,
    /// aws-lc refused to set up the key or to seal (not expected for a 32-byte key and
    /// inputs below gigabytes).
    #[error("AEAD operation failed")]
    Crypto,
}

/// Seals and opens data under one 32-byte key-encryption key.
pub struct Sealer {
    kek: Secret<[u8; 32]>,
    aead: RandomizedNonceKey,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(***)")
    }
}

impl Sealer {
    /// A sealer for the key-encryption key `key`.
    pub fn new(key: [u8; 32]) -> Result<Self, SealError> {
        let kek = Secret::new(key);
        let aead_key = Secret::new(hkdf_sha256_block(&[], kek.expose(), AEAD_KEY_LABEL));
        let aead = RandomizedNonceKey::new(&AES_256_GCM, aead_key.expose())
            .map_err(|_| SealError::Crypto)?;
        Ok(Self { kek, aead })
    }

    /// Encrypts and authenticates `plaintext`, bound to `purpose` (for example
    /// `b"srp-secret-block"`), under a fresh random nonce.
    pub fn seal(&self, purpose: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, SealError> {
        let mut body = Vec::with_capacity(plaintext.len() + TAG_LEN);
        body.extend_from_slice(plaintext);
        let nonce = self
            .aead
            .seal_in_place_append_tag(Aad::from(associated_data(purpose)), &mut body)
            .map_err(|_| SealError::Crypto)?;
        let mut sealed = Vec::with_capacity(HEADER_LEN + body.len());
        sealed.push(FORMAT_V1);
        sealed.extend_from_slice(nonce.as_ref());
        sealed.extend_from_slice(&body);
        Ok(sealed)
    }

    /// Authenticates and decrypts what [`Sealer::seal`] produced for the same `purpose`.
    pub fn open(&self, purpose: &[u8], sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        let (&version, rest) = sealed.split_first().ok_or(SealError::Truncated)?;
        if version != FORMAT_V1 {
            return Err(SealError::UnsupportedVersion(version));
        }
        if rest.len() < NONCE_LEN + TAG_LEN {
            return Err(SealError::Truncated);
        }
        let (nonce, body) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::Truncated)?;
        let mut body = body.to_vec();
        let plaintext_len = self
            .aead
            .open_in_place(nonce, Aad::from(associated_data(purpose)), &mut body)
            .map_err(|_| SealError::Authentication)?
            .len();
        body.truncate(plaintext_len);
        Ok(body)
    }

    /// An independent 32-byte key for `label` (HKDF-SHA256 of the key-encryption key), for
    /// example the key that HMACs verification codes, or a per-purpose sealing key.
    pub fn derive_subkey(&self, label: &[u8]) -> Secret<[u8; 32]> {
        Secret::new(hkdf_sha256_block(&[], self.kek.expose(), label))
    }
}

/// The AAD: the format version, then the purpose.
fn associated_data(purpose: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(1 + purpose.len());
    aad.push(FORMAT_V1);
    aad.extend_from_slice(purpose);
    aad
}

/// HMAC-SHA256 of `data` under `key`: how verification codes, OAuth codes and refresh
/// tokens are stored, so that a copy of the database does not reveal usable values.
pub fn keyed_hash(key: &[u8], data: &[u8]) -> [u8; 32] {
    hmac_sha256(key, &[data])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer(byte: u8) -> Sealer {
        Sealer::new([byte; 32]).unwrap()
    }

    #[test]
    fn round_trip() {
        let s = sealer(1);
        for plaintext in [&b""[..], b"x", &[0xab; 1000]] {
            let sealed = s.seal(b"session", plaintext).unwrap();
            assert_eq!(sealed.len(), 1 + 12 + plaintext.len() + 16);
            assert_eq!(sealed[0], 1);
            assert_eq!(s.open(b"session", &sealed).unwrap(), plaintext);
        }
    }

    #[test]
    fn nonces_are_fresh() {
        let s = sealer(1);
        let (a, b) = (
            s.seal(b"p", b"same").unwrap(),
            s.seal(b"p", b"same").unwrap(),
        );
        assert_ne!(a[1..13], b[1..13]);
        assert_ne!(a, b);
    }

    #[test]
    fn wrong_purpose_fails() {
        let s = sealer(1);
        let sealed = s.seal(b"session", b"secret").unwrap();
        assert_eq!(
            s.open(b"secret-block", &sealed),
            Err(SealError::Authentication)
        );
        assert_eq!(s.open(b"", &sealed), Err(SealError::Authentication));
    }

    #[test]
    fn any_tampered_byte_fails() {
        let s = sealer(1);
        let sealed = s.seal(b"p", b"some secret bytes").unwrap();
        for i in 1..sealed.len() {
            let mut tampered = sealed.clone();
            tampered[i] ^= 0x01;
            assert_eq!(
                s.open(b"p", &tampered),
                Err(SealError::Authentication),
                "byte {i}"
            );
        }
        let mut tampered = sealed.clone();
        tampered[0] = 2;
        assert_eq!(
            s.open(b"p", &tampered),
            Err(SealError::UnsupportedVersion(2))
        );
        let mut extended = sealed;
        extended.push(0);
        assert_eq!(s.open(b"p", &extended), Err(SealError::Authentication));
    }

    #[test]
    fn wrong_key_fails() {
        let sealed = sealer(1).seal(b"p", b"secret").unwrap();
        assert_eq!(
            sealer(2).open(b"p", &sealed),
            Err(SealError::Authentication)
        );
    }

    #[test]
    fn truncated_input_errors_cleanly() {
        let s = sealer(1);
        let sealed = s.seal(b"p", b"secret").unwrap();
        assert_eq!(s.open(b"p", &[]), Err(SealError::Truncated));
        assert_eq!(s.open(b"p", &sealed[..1]), Err(SealError::Truncated));
        assert_eq!(
            s.open(b"p", &sealed[..1 + 12 + 15]),
            Err(SealError::Truncated)
        );
        // Header and a full tag but a cut ciphertext: well-formed, so authentication fails.
        assert_eq!(
            s.open(b"p", &sealed[..sealed.len() - 1]),
            Err(SealError::Authentication)
        );
        let empty = s.seal(b"p", b"").unwrap();
        assert_eq!(
            s.open(b"p", &empty[..empty.len() - 1]),
            Err(SealError::Truncated)
        );
    }

    #[test]
    fn subkeys_are_independent_and_stable() {
        let s = sealer(1);
        let (codes, sessions) = (s.derive_subkey(b"codes"), s.derive_subkey(b"sessions"));
        assert_ne!(codes.expose(), sessions.expose());
        assert_eq!(codes.expose(), sealer(1).derive_subkey(b"codes").expose());
        assert_ne!(codes.expose(), sealer(2).derive_subkey(b"codes").expose());
        assert_ne!(codes.expose(), &[1u8; 32]);
        // A subkey can itself key a sealer, and is unrelated to its parent's AEAD key.
        let sub = Sealer::new(*sessions.expose()).unwrap();
        let sealed = sub.seal(b"p", b"x").unwrap();
        assert_eq!(s.open(b"p", &sealed), Err(SealError::Authentication));
        assert_eq!(format!("{sub:?}"), "Sealer(***)");
    }

    #[test]
    fn keyed_hash_is_hmac_sha256() {
        // RFC 4231 test case 2.
        assert_eq!(
            hex::encode(keyed_hash(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
