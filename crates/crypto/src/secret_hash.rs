//! `SECRET_HASH`: how an app client with a secret proves it on unsigned operations.
//!
//! `SECRET_HASH = Base64(HMAC-SHA256(key = clientSecret, msg = username || clientId))`,
//! standard base64 with padding.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::mac::{hmac_sha256, hmac_sha256_verify};

/// The `SECRET_HASH` a client computes for `username` and `client_id`.
pub fn secret_hash(client_secret: &str, username: &str, client_id: &str) -> String {
    STANDARD.encode(hmac_sha256(
        client_secret.as_bytes(),
        &[username.as_bytes(), client_id.as_bytes()],
    ))
}

/// Whether `provided` is the `SECRET_HASH` for `username` and `client_id`, compared in
/// constant time. Undecodable base64 is simply `false`.
pub fn verify_secret_hash(
    client_secret: &str,
    username: &str,
    client_id: &str,
    provided: &str,
) -> bool {
    let Ok(mac) = STANDARD.decode(provided) else {
        return false;
    };
    hmac_sha256_verify(
        client_secret.as_bytes(),
        &[username.as_bytes(), client_id.as_bytes()],
        &mac,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "examplesecret0123456789abcdefghij";
    const CLIENT: &str = "1example23456789abcdefghij";
    const EXPECTED: &str = "hzUca21invFqL7xJKYrT8h/BJP/CKLswN3OedisoYSA=";

    #[test]
    fn reference_vector() {
        assert_eq!(secret_hash(SECRET, "alice", CLIENT), EXPECTED);
        assert!(verify_secret_hash(SECRET, "alice", CLIENT, EXPECTED));
    }

    #[test]
    fn any_change_is_refused() {
        assert!(!verify_secret_hash(SECRET, "alicE", CLIENT, EXPECTED));
        assert!(!verify_secret_hash(
            SECRET,
            "alice",
            "1example23456789abcdefghik",
            EXPECTED
        ));
        assert!(!verify_secret_hash(
            "examplesecret0123456789abcdefghiX",
            "alice",
            CLIENT,
            EXPECTED
        ));
        assert!(!verify_secret_hash(
            SECRET,
            "alice",
            CLIENT,
            &EXPECTED[..43]
        ));
        assert!(!verify_secret_hash(
            SECRET,
            "alice",
            CLIENT,
            "hzUca21invFqL7xJKYrT8h/BJP/CKLswN3OedisoYSB="
        ));
        assert!(!verify_secret_hash(SECRET, "alice", CLIENT, ""));
        assert!(!verify_secret_hash(SECRET, "alice", CLIENT, "%%%"));
    }
}
