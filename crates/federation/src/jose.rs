//! The JOSE pieces of ID-token checking: the compact-JWS header, the provider's JWKS, the
//! algorithm allow-list, and signature verification (by `jsonwebtoken` on aws-lc-rs).
//!
//! The key for a signature is chosen here, never by the token: an asymmetric `alg` needs a
//! JWKS key of the same family (and curve) whose own `alg`, when published, is the same;
//! `HS*` is keyed only by the client secret the caller holds. So `alg: none`, an HS256 token
//! "signed" with a provider's public key, and a `kid` the provider never published all fail.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cognate_domain::external::{ExternalError, IdTokenProblem};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::{Map, Value};

/// The algorithms an upstream ID token may use: RSA, EC and HMAC, as Cognito allows.
pub(crate) fn allowed_algorithm(alg: &str) -> Option<Algorithm> {
    match alg {
        "RS256" => Some(Algorithm::RS256),
        "RS384" => Some(Algorithm::RS384),
        "RS512" => Some(Algorithm::RS512),
        "ES256" => Some(Algorithm::ES256),
        "ES384" => Some(Algorithm::ES384),
        "HS256" => Some(Algorithm::HS256),
        "HS384" => Some(Algorithm::HS384),
        "HS512" => Some(Algorithm::HS512),
        _ => None,
    }
}

pub(crate) fn is_hmac(alg: Algorithm) -> bool {
    matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)
}

/// A compact JWS split into its parts, with header and claims parsed as JSON objects.
pub(crate) struct CompactJws<'t> {
    pub alg: String,
    pub kid: Option<String>,
    pub claims: Map<String, Value>,
    /// `header.payload`, the signed bytes.
    pub signing_input: &'t str,
    pub signature: &'t str,
}

pub(crate) fn parse_compact(token: &str) -> Result<CompactJws<'_>, ExternalError> {
    let malformed = || ExternalError::InvalidIdToken(IdTokenProblem::Malformed);
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed());
    };
    let header = decode_object(header).ok_or_else(malformed)?;
    let claims = decode_object(payload).ok_or_else(malformed)?;
    // An extension we do not understand must not be ignored (RFC 7515 §4.1.11).
    if header.contains_key("crit") {
        return Err(malformed());
    }
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .ok_or_else(malformed)?
        .to_owned();
    let kid = match header.get("kid") {
        None => None,
        Some(Value::String(kid)) => Some(kid.clone()),
        Some(_) => return Err(malformed()),
    };
    let signing_input_len = token.len() - signature.len() - 1;
    Ok(CompactJws {
        alg,
        kid,
        claims,
        signing_input: &token[..signing_input_len],
        signature,
    })
}

fn decode_object(part: &str) -> Option<Map<String, Value>> {
    let bytes = URL_SAFE_NO_PAD.decode(part).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// The key type a public JWK carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyType {
    Rsa,
    EcP256,
    EcP384,
}

impl KeyType {
    fn fits(self, alg: Algorithm) -> bool {
        matches!(
            (self, alg),
            (
                KeyType::Rsa,
                Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512
            ) | (KeyType::EcP256, Algorithm::ES256)
                | (KeyType::EcP384, Algorithm::ES384)
        )
    }
}

/// One verification key from a provider's JWKS.
pub(crate) struct PublicJwk {
    pub kid: Option<String>,
    pub key_type: KeyType,
    /// The JWK's own `alg`, when the provider publishes one.
    pub alg: Option<String>,
    pub key: DecodingKey,
}

/// A provider's signing keys. Keys that are not RSA or EC P-256/P-384 signature keys
/// (encryption keys, symmetric `oct` keys, other curves) are skipped, never used.
pub(crate) struct JwkSet {
    pub keys: Vec<PublicJwk>,
}

impl JwkSet {
    pub(crate) fn parse(body: &[u8]) -> Option<JwkSet> {
        let document: Value = serde_json::from_slice(body).ok()?;
        let keys = document.get("keys")?.as_array()?;
        Some(JwkSet {
            keys: keys.iter().filter_map(parse_jwk).collect(),
        })
    }

    pub(crate) fn find(&self, kid: &str) -> Option<&PublicJwk> {
        self.keys.iter().find(|k| k.kid.as_deref() == Some(kid))
    }
}

fn parse_jwk(jwk: &Value) -> Option<PublicJwk> {
    let field = |name: &str| jwk.get(name).and_then(Value::as_str);
    if field("use").is_some_and(|u| u != "sig") {
        return None;
    }
    let (key_type, key) = match field("kty")? {
        "RSA" => (
            KeyType::Rsa,
            DecodingKey::from_rsa_components(field("n")?, field("e")?).ok()?,
        ),
        "EC" => {
            let key_type = match field("crv")? {
                "P-256" => KeyType::EcP256,
                "P-384" => KeyType::EcP384,
                _ => return None,
            };
            (
                key_type,
                DecodingKey::from_ec_components(field("x")?, field("y")?).ok()?,
            )
        }
        _ => return None,
    };
    Some(PublicJwk {
        kid: field("kid").map(str::to_owned),
        key_type,
        alg: field("alg").map(str::to_owned),
        key,
    })
}

/// Checks that `jwk` may verify a token whose header says `alg`.
pub(crate) fn key_fits(jwk: &PublicJwk, header_alg: &str, alg: Algorithm) -> bool {
    jwk.key_type.fits(alg) && jwk.alg.as_deref().is_none_or(|a| a == header_alg)
}

/// Verifies the signature of `jws` with `key` under `alg`.
pub(crate) fn signature_valid(jws: &CompactJws<'_>, key: &DecodingKey, alg: Algorithm) -> bool {
    jsonwebtoken::crypto::verify(jws.signature, jws.signing_input.as_bytes(), key, alg)
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(value: &Value) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
    }

    #[test]
    fn parses_a_compact_jws() {
        let token = format!(
            "{}.{}.c2ln",
            b64(&serde_json::json!({"alg":"RS256","kid":"k1"})),
            b64(&serde_json::json!({"sub":"a"}))
        );
        let jws = parse_compact(&token).unwrap();
        assert_eq!(jws.alg, "RS256");
        assert_eq!(jws.kid.as_deref(), Some("k1"));
        assert_eq!(jws.claims["sub"], "a");
        assert_eq!(jws.signature, "c2ln");
        assert!(token.starts_with(jws.signing_input));
    }

    #[test]
    fn refuses_malformed_tokens() {
        let header = b64(&serde_json::json!({"alg":"RS256"}));
        let claims = b64(&serde_json::json!({"sub":"a"}));
        let crit = b64(&serde_json::json!({"alg":"RS256","crit":["x"]}));
        let numeric_kid = b64(&serde_json::json!({"alg":"RS256","kid":5}));
        for token in [
            String::new(),
            "a.b".to_owned(),
            format!("{header}.{claims}"),
            format!("{header}.{claims}.s.extra"),
            format!("{header}.bm90IGpzb24.s"),
            format!("{crit}.{claims}.s"),
            format!("{numeric_kid}.{claims}.s"),
            format!("{}.{claims}.s", b64(&serde_json::json!(["alg"]))),
        ] {
            assert!(parse_compact(&token).is_err(), "{token}");
        }
    }

    #[test]
    fn only_known_algorithms_are_allowed() {
        for alg in ["none", "None", "PS256", "EdDSA", "HS1", ""] {
            assert!(allowed_algorithm(alg).is_none(), "{alg}");
        }
        for alg in ["RS256", "RS384", "RS512", "ES256", "ES384", "HS256"] {
            assert!(allowed_algorithm(alg).is_some(), "{alg}");
        }
    }

    #[test]
    fn jwks_skip_keys_that_cannot_sign() {
        let set = JwkSet::parse(
            br#"{"keys":[
                {"kty":"oct","kid":"sym","k":"c2VjcmV0"},
                {"kty":"RSA","kid":"enc","use":"enc","n":"AQAB","e":"AQAB"},
                {"kty":"EC","kid":"x","crv":"X25519","x":"AA"},
                {"kty":"RSA","kid":"good","n":"AQAB","e":"AQAB","alg":"RS256"}
            ]}"#,
        )
        .unwrap();
        assert_eq!(set.keys.len(), 1);
        let good = set.find("good").unwrap();
        assert!(key_fits(good, "RS256", Algorithm::RS256));
        assert!(!key_fits(good, "RS512", Algorithm::RS512));
        assert!(!key_fits(good, "ES256", Algorithm::ES256));
        assert!(set.find("sym").is_none());
    }
}
