//! RS512 JSON Web Signatures in Cognito Identity's shape: the OpenID tokens identity pools
//! issue carry the header `{"kid":"…","typ":"JWS","alg":"RS512"}` and are verified against
//! JWKs marked `"alg":"RS512"`.
//!
//! The keys are the same RSA-2048 [`RsaSigningKey`]s as for RS256; only the hash and the
//! header differ. Verification accepts exactly RS512, as [`super::verify_rs256`] accepts
//! exactly RS256.

use aws_lc_rs::rsa::PublicKeyComponents;
use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA512, RSA_PKCS1_SHA512};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use super::{JwtError, PublicKeyHandle, RsaSigningKey, b64url, check_expiry, decode_json_object};

impl RsaSigningKey {
    /// Signs `claims` as a compact JWS with header `{"kid":"…","typ":"JWS","alg":"RS512"}`.
    pub fn sign_rs512_jws(&self, claims: &Map<String, Value>) -> Result<String, JwtError> {
        let header = format!(
            r#"{{"kid":{},"typ":"JWS","alg":"RS512"}}"#,
            Value::from(self.kid())
        );
        let payload = serde_json::to_vec(claims).map_err(|_| JwtError::Signing)?;
        let mut token = format!("{}.{}", b64url(header.as_bytes()), b64url(&payload));
        let mut signature = vec![0u8; self.key_pair.public_modulus_len()];
        // PKCS#1 v1.5 signing is deterministic; aws-lc ignores this RNG.
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.key_pair
            .sign(&RSA_PKCS1_SHA512, &rng, token.as_bytes(), &mut signature)
            .map_err(|_| JwtError::Signing)?;
        token.push('.');
        token.push_str(&b64url(&signature));
        Ok(token)
    }
}

impl PublicKeyHandle {
    /// The public JWK of an RS512 key: [`PublicKeyHandle::jwk`] with `"alg":"RS512"`.
    pub fn jwk_rs512(&self) -> Value {
        let mut jwk = self.jwk();
        if let Some(object) = jwk.as_object_mut() {
            object.insert("alg".to_owned(), Value::from("RS512"));
        }
        jwk
    }

    fn verify_rs512_signature(&self, message: &[u8], signature: &[u8]) -> bool {
        PublicKeyComponents {
            n: &self.n[..],
            e: &self.e[..],
        }
        .verify(&RSA_PKCS1_2048_8192_SHA512, message, signature)
        .is_ok()
    }
}

/// Verifies an RS512 token and returns its claims: the shape, `alg` exactly `RS512` without
/// `crit`, a `kid` that `lookup_key_by_kid` knows, the signature, and `exp > now_unix`.
/// Like [`super::verify_rs256`], it leaves `iss`, `aud` and the rest to the caller.
pub fn verify_rs512<'k>(
    token: &str,
    lookup_key_by_kid: impl Fn(&str) -> Option<&'k PublicKeyHandle>,
    now_unix: i64,
) -> Result<Map<String, Value>, JwtError> {
    let (signing_input, signature_b64) = token.rsplit_once('.').ok_or(JwtError::Malformed)?;
    let (header_b64, payload_b64) = signing_input.split_once('.').ok_or(JwtError::Malformed)?;
    if payload_b64.contains('.') {
        return Err(JwtError::Malformed);
    }
    let header = decode_json_object(header_b64)?;
    match header.get("alg") {
        Some(Value::String(alg)) if alg == "RS512" => {}
        Some(Value::String(alg)) => return Err(JwtError::UnsupportedAlgorithm(alg.clone())),
        other => return Err(JwtError::UnsupportedAlgorithm(format!("{other:?}"))),
    }
    if header.contains_key("crit") {
        return Err(JwtError::CriticalHeader);
    }
    let kid = match header.get("kid") {
        Some(Value::String(kid)) => kid.as_str(),
        _ => return Err(JwtError::MissingKid),
    };
    let key = lookup_key_by_kid(kid).ok_or_else(|| JwtError::UnknownKid(kid.to_owned()))?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature_b64)
        .map_err(|_| JwtError::Malformed)?;
    if !key.verify_rs512_signature(signing_input.as_bytes(), &signature) {
        return Err(JwtError::BadSignature);
    }
    let claims = decode_json_object(payload_b64)?;
    check_expiry(&claims, now_unix)?;
    Ok(claims)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    fn claims(exp: i64) -> Map<String, Value> {
        let Value::Object(map) =
            json!({"sub": "us-east-1:abc", "aud": "us-east-1:pool", "exp": exp})
        else {
            return Map::new();
        };
        map
    }

    #[test]
    fn rs512_tokens_round_trip_and_refuse_tampering_and_other_algorithms() {
        let key = RsaSigningKey::generate().unwrap();
        let token = key.sign_rs512_jws(&claims(2_000)).unwrap();
        let header = decode_json_object(token.split('.').next().unwrap()).unwrap();
        assert_eq!(
            Value::Object(header).to_string(),
            json!({"kid": key.kid(), "typ": "JWS", "alg": "RS512"}).to_string()
        );
        let lookup = |kid: &str| (kid == key.kid()).then(|| key.public_key());
        let verified = verify_rs512(&token, lookup, 1_000).unwrap();
        assert_eq!(verified["sub"], "us-east-1:abc");
        assert_eq!(verify_rs512(&token, lookup, 2_000), Err(JwtError::Expired));

        // An RS256 token of the same key is not an RS512 token.
        let rs256 = key.sign(&claims(2_000)).unwrap();
        assert_eq!(
            verify_rs512(&rs256, lookup, 1_000),
            Err(JwtError::UnsupportedAlgorithm("RS256".into()))
        );
        // A changed payload breaks the signature.
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = b64url(&serde_json::to_vec(&claims(9_999)).unwrap());
        parts[1] = &forged;
        assert_eq!(
            verify_rs512(&parts.join("."), lookup, 1_000),
            Err(JwtError::BadSignature)
        );
        assert_eq!(key.public_key().jwk_rs512()["alg"], "RS512");
    }

    #[test]
    fn jsonwebtoken_accepts_our_rs512_tokens() {
        let key = RsaSigningKey::generate().unwrap();
        let token = key.sign_rs512_jws(&claims(4_000_000_000)).unwrap();
        let jwk: jsonwebtoken::jwk::Jwk =
            serde_json::from_value(key.public_key().jwk_rs512()).unwrap();
        let decoding = jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap();
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS512);
        validation.set_audience(&["us-east-1:pool"]);
        let data = jsonwebtoken::decode::<Value>(&token, &decoding, &validation).unwrap();
        assert_eq!(data.claims["sub"], "us-east-1:abc");
    }
}
