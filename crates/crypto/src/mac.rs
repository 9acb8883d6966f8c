//! SHA-256, HMAC-SHA256 and single-block HKDF-SHA256 over aws-lc-rs.
//!
//! aws-lc-rs is used rather than the RustCrypto `sha2`/`hmac`/`hkdf` crates because its
//! HMAC API is infallible (RustCrypto's `new_from_slice` returns a `Result` that can never be
//! `Err` for HMAC, which panic-free code would have to carry around) and because it is the
//! backend we already trust for AEAD and RSA. The RustCrypto crates are kept as
//! dev-dependencies: the tests below use them as an independent oracle.

use aws_lc_rs::{digest, hmac};
use subtle::ConstantTimeEq;

/// SHA-256 of the concatenation of `parts`.
pub(crate) fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut ctx = digest::Context::new(&digest::SHA256);
    for part in parts {
        ctx.update(part);
    }
    to_array(ctx.finish().as_ref())
}

/// HMAC-SHA256 under `key` of the concatenation of `parts`.
pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    let mut ctx = hmac::Context::with_key(&key);
    for part in parts {
        ctx.update(part);
    }
    to_array(ctx.sign().as_ref())
}

/// Whether `tag` is the HMAC-SHA256 under `key` of the concatenation of `parts`, compared in
/// constant time.
pub(crate) fn hmac_sha256_verify(key: &[u8], parts: &[&[u8]], tag: &[u8]) -> bool {
    let expected = hmac_sha256(key, parts);
    bool::from(expected.as_slice().ct_eq(tag))
}

/// The first 32-byte block of HKDF-SHA256 (RFC 5869): `T(1) = HMAC(PRK, info || 0x01)` with
/// `PRK = HMAC(salt, ikm)`.
///
/// Every key we derive is at most 32 bytes, and Cognito's SRP key is written in exactly these
/// two HMACs, so one block is all we need; it also has no failure case, unlike a general
/// `expand` whose output length can be too long.
pub(crate) fn hkdf_sha256_block(salt: &[u8], ikm: &[u8], info: &[u8]) -> [u8; 32] {
    let prk = hmac_sha256(salt, &[ikm]);
    hmac_sha256(&prk, &[info, &[1]])
}

/// Copies a SHA-256-sized output into an array. The inputs always are 32 bytes; were one
/// ever shorter, the rest stays zero rather than panicking.
fn to_array(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (o, b) in out.iter_mut().zip(bytes) {
        *o = *b;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::hmac::{KeyInit, Mac};
    use sha2::Digest;

    type OracleHmac = ::hmac::Hmac<sha2::Sha256>;

    #[test]
    fn sha256_matches_rustcrypto() {
        let ours = sha256(&[b"abc", b"", b"def"]);
        let theirs: [u8; 32] = sha2::Sha256::digest(b"abcdef").into();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn hmac_matches_rustcrypto() {
        let key = b"a key longer than nothing";
        let ours = hmac_sha256(key, &[b"hello ", b"world"]);
        let mut mac = OracleHmac::new_from_slice(key).unwrap();
        mac.update(b"hello world");
        let theirs: [u8; 32] = mac.finalize().into_bytes().into();
        assert_eq!(ours, theirs);
        assert!(hmac_sha256_verify(key, &[b"hello world"], &theirs));
        assert!(!hmac_sha256_verify(key, &[b"hello world!"], &theirs));
        assert!(!hmac_sha256_verify(key, &[b"hello world"], &theirs[..31]));
    }

    #[test]
    fn hkdf_block_matches_rustcrypto() {
        let (salt, ikm, info) = (b"salt".as_slice(), b"input key".as_slice(), b"label");
        let ours = hkdf_sha256_block(salt, ikm, info);
        let mut theirs = [0u8; 32];
        hkdf::Hkdf::<sha2::Sha256>::new(Some(salt), ikm)
            .expand(info, &mut theirs)
            .unwrap();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn hkdf_rfc5869_test_case_1() {
        // RFC 5869 A.1, first 32 bytes of OKM.
        let ikm = [0x0bu8; 22];
        let salt = hex::decode("000102030405060708090a0b0c").unwrap();
        let info = hex::decode("f0f1f2f3f4f5f6f7f8f9").unwrap();
        assert_eq!(
            hex::encode(hkdf_sha256_block(&salt, &ikm, &info)),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
        );
    }
}
