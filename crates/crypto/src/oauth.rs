//! The two hashes OAuth 2.0 and OpenID Connect define over SHA-256: the PKCE `S256` code
//! challenge (RFC 7636 §4.2) and the ID token's `at_hash` (OpenID Connect Core §3.1.3.6).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use subtle::ConstantTimeEq;

use crate::mac::sha256;

/// `BASE64URL(SHA256(ASCII(code_verifier)))`, the `S256` code challenge of a verifier.
pub fn s256_challenge(code_verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(sha256(&[code_verifier.as_bytes()]))
}

/// Whether `code_verifier` answers `challenge` under `method` (`S256` or `plain`), compared in
/// constant time. An unknown method never matches.
pub fn pkce_matches(method: &str, challenge: &str, code_verifier: &str) -> bool {
    let expected = match method {
        "S256" => s256_challenge(code_verifier),
        "plain" => code_verifier.to_owned(),
        _ => return false,
    };
    bool::from(expected.as_bytes().ct_eq(challenge.as_bytes()))
}

/// The `at_hash` of an access token signed with RS256: the left half of its SHA-256, base64url.
pub fn at_hash(access_token: &str) -> String {
    let digest = sha256(&[access_token.as_bytes()]);
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_the_rfc_7636_example() {
        // RFC 7636, Appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert_eq!(s256_challenge(verifier), challenge);
        assert!(pkce_matches("S256", challenge, verifier));
        assert!(!pkce_matches("S256", challenge, "wrong"));
        assert!(pkce_matches("plain", verifier, verifier));
        assert!(!pkce_matches("plain", challenge, verifier));
        assert!(!pkce_matches("S512", challenge, verifier));
    }

    #[test]
    fn at_hash_is_the_left_half_of_sha256() {
        // OpenID Connect Core, Appendix A.3 (the access token of the example, with its at_hash).
        assert_eq!(
            at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
    }
}
