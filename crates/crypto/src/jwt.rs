//! RS256 JSON Web Tokens with a `kid` per key, as Cognito issues them, and their JWKs.
//!
//! Tokens are signed and verified directly with aws-lc-rs, not through `jsonwebtoken`:
//!
//! - Cognito's header is exactly `{"kid":"…","alg":"RS256"}`, in that order and without
//!   `typ`; `jsonwebtoken` always serializes `alg` first.
//! - `jsonwebtoken`'s aws-lc backend re-parses the private key on every signature and checks
//!   expiry against the system clock; here the parsed key pair and public key live in the
//!   key objects, and `now` is an argument, as this crate has no clock.
//! - Verification accepts exactly one algorithm, so there is no algorithm table to confuse
//!   (`none`, or HS256 keyed with the public key).
//!
//! `jsonwebtoken` stays as a dev-dependency: the tests check that it accepts our tokens and
//! that we accept its tokens, and use it to forge the HS256 attack token.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{
    KeyPair as _, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256,
};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};

use crate::mac::sha256;
use crate::secret::{Secret, SecretString};

// Cognito Identity's RS512 tokens, over the same keys.
mod rs512;
pub use rs512::verify_rs512;

/// Why a key could not be made or loaded, or a token could not be signed or verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// Key generation or serialization failed inside aws-lc.
    #[error("RSA key generation failed")]
    KeyGeneration,
    /// The PEM is not an unencrypted PKCS#8 RSA private key.
    #[error("invalid RSA private key: {0}")]
    InvalidKey(&'static str),
    /// aws-lc refused to sign.
    #[error("RS256 signing failed")]
    Signing,
    /// Not three base64url parts, or the header or payload is not a JSON object.
    #[error("malformed token")]
    Malformed,
    /// The header names an algorithm other than RS256 (including `none` and HS256).
    #[error("unsupported token algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    /// The header has a `crit` list, whose extensions we do not implement (RFC 7515 4.1.11).
    #[error("token header has critical extensions")]
    CriticalHeader,
    /// The header has no `kid`.
    #[error("token header has no kid")]
    MissingKid,
    /// No key is known under the header's `kid`.
    #[error("no key for kid {0:?}")]
    UnknownKid(String),
    /// The signature does not verify under the key named by `kid`.
    #[error("invalid token signature")]
    BadSignature,
    /// The payload has no numeric `exp`; a token without one would never expire.
    #[error("token has no exp claim")]
    MissingExpiry,
    /// `exp <= now`.
    #[error("token expired")]
    Expired,
}

/// An RSA-2048 signing key with its `kid`, kept parsed for signing.
pub struct RsaSigningKey {
    key_pair: KeyPair,
    public: PublicKeyHandle,
}

impl std::fmt::Debug for RsaSigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RsaSigningKey")
            .field("kid", &self.public.kid)
            .finish_non_exhaustive()
    }
}

impl RsaSigningKey {
    /// Generates a fresh RSA-2048 key. Its `kid` is the standard-base64 RFC 7638 thumbprint
    /// of the public key, which looks like Cognito's (44 characters, `=`-padded).
    pub fn generate() -> Result<Self, JwtError> {
        let key_pair = KeyPair::generate(KeySize::Rsa2048).map_err(|_| JwtError::KeyGeneration)?;
        let (n, e) = public_components(&key_pair);
        let thumbprint = sha256(&[json!({ "e": b64url(&e), "kty": "RSA", "n": b64url(&n) })
            .to_string()
            .as_bytes()]);
        Self::from_key_pair(STANDARD.encode(thumbprint), key_pair)
    }

    /// Loads a key from `-----BEGIN PRIVATE KEY-----` PKCS#8 PEM (what
    /// [`RsaSigningKey::to_pkcs8_pem`] writes), under the `kid` stored with it.
    pub fn from_pkcs8_pem(kid: impl Into<String>, pem: &str) -> Result<Self, JwtError> {
        let der = Secret::new(pem_decode(pem)?);
        let key_pair = KeyPair::from_pkcs8(der.expose())
            .map_err(|_| JwtError::InvalidKey("not a PKCS#8 RSA private key"))?;
        Self::from_key_pair(kid.into(), key_pair)
    }

    fn from_key_pair(kid: String, key_pair: KeyPair) -> Result<Self, JwtError> {
        let (n, e) = public_components(&key_pair);
        let public = PublicKeyHandle::from_rsa_components(kid, &n, &e)?;
        Ok(Self { key_pair, public })
    }

    /// The private key as PKCS#8 PEM, to seal at rest.
    ///
    /// PKCS#8 rather than PKCS#1 because it is what aws-lc writes; `jsonwebtoken`'s
    /// `EncodingKey::from_rsa_pem` also reads it, while its `from_rsa_der` would not.
    pub fn to_pkcs8_pem(&self) -> Result<SecretString, JwtError> {
        let der = self
            .key_pair
            .as_der()
            .map_err(|_| JwtError::KeyGeneration)?;
        Ok(pem_encode("PRIVATE KEY", der.as_ref()))
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.public.kid
    }

    /// The public half, for verification.
    pub fn public_key(&self) -> &PublicKeyHandle {
        &self.public
    }

    /// The public JWK, as served in `jwks.json`.
    pub fn public_jwk(&self) -> Value {
        self.public.jwk()
    }

    /// Signs `claims` as a compact JWS with header `{"kid":"…","alg":"RS256"}`.
    pub fn sign(&self, claims: &Map<String, Value>) -> Result<String, JwtError> {
        let header = format!(r#"{{"kid":{},"alg":"RS256"}}"#, Value::from(self.kid()));
        let payload = serde_json::to_vec(claims).map_err(|_| JwtError::Signing)?;
        let mut token = format!("{}.{}", b64url(header.as_bytes()), b64url(&payload));
        let mut signature = vec![0u8; self.key_pair.public_modulus_len()];
        // aws-lc's PKCS#1 v1.5 signing is deterministic and ignores this RNG.
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.key_pair
            .sign(&RSA_PKCS1_SHA256, &rng, token.as_bytes(), &mut signature)
            .map_err(|_| JwtError::Signing)?;
        token.push('.');
        token.push_str(&b64url(&signature));
        Ok(token)
    }
}

/// A parsed RSA public key with its `kid`, ready for repeated verification.
#[derive(Clone)]
pub struct PublicKeyHandle {
    kid: String,
    n: Vec<u8>,
    e: Vec<u8>,
    parsed: ParsedPublicKey,
}

impl std::fmt::Debug for PublicKeyHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicKeyHandle")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl PublicKeyHandle {
    /// A key from its modulus and exponent (big-endian, leading zeros allowed), for
    /// example from a JWK.
    pub fn from_rsa_components(
        kid: impl Into<String>,
        n: &[u8],
        e: &[u8],
    ) -> Result<Self, JwtError> {
        let (n, e) = (
            strip_leading_zeros(n).to_vec(),
            strip_leading_zeros(e).to_vec(),
        );
        let parsed = PublicKeyComponents {
            n: &n[..],
            e: &e[..],
        }
        .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
        .map_err(|_| JwtError::InvalidKey("not a usable RSA public key"))?;
        Ok(Self {
            kid: kid.into(),
            n,
            e,
            parsed,
        })
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// `{"alg":"RS256","e":"AQAB","kid":…,"kty":"RSA","n":…,"use":"sig"}`, base64url without
    /// padding and without a leading zero byte in `n`.
    pub fn jwk(&self) -> Value {
        json!({
            "alg": "RS256",
            "e": b64url(&self.e),
            "kid": self.kid,
            "kty": "RSA",
            "n": b64url(&self.n),
            "use": "sig",
        })
    }

    fn verify_signature(&self, message: &[u8], signature: &[u8]) -> bool {
        self.parsed.verify_sig(message, signature).is_ok()
    }
}

/// Verifies an RS256 token and returns its claims.
///
/// Checks, in order: the shape, `alg` is exactly `RS256` and there is no `crit`, `kid` names
/// a key `lookup_key_by_kid` knows, the signature, and `exp > now_unix`. It does **not**
/// check `iss`, `aud`, `client_id` or `token_use`: which values are right is the domain's
/// knowledge.
pub fn verify_rs256<'k>(
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
    let kid = check_header(&header)?;
    let key = lookup_key_by_kid(kid).ok_or_else(|| JwtError::UnknownKid(kid.to_owned()))?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature_b64)
        .map_err(|_| JwtError::Malformed)?;
    if !key.verify_signature(signing_input.as_bytes(), &signature) {
        return Err(JwtError::BadSignature);
    }
    let claims = decode_json_object(payload_b64)?;
    check_expiry(&claims, now_unix)?;
    Ok(claims)
}

/// Accepts only `alg: RS256` without `crit`, and returns the `kid`.
fn check_header(header: &Map<String, Value>) -> Result<&str, JwtError> {
    match header.get("alg") {
        Some(Value::String(alg)) if alg == "RS256" => {}
        Some(Value::String(alg)) => return Err(JwtError::UnsupportedAlgorithm(alg.clone())),
        other => return Err(JwtError::UnsupportedAlgorithm(format!("{other:?}"))),
    }
    if header.contains_key("crit") {
        return Err(JwtError::CriticalHeader);
    }
    match header.get("kid") {
        Some(Value::String(kid)) => Ok(kid),
        _ => Err(JwtError::MissingKid),
    }
}

fn check_expiry(claims: &Map<String, Value>, now_unix: i64) -> Result<(), JwtError> {
    let exp = claims
        .get("exp")
        .and_then(Value::as_f64)
        .ok_or(JwtError::MissingExpiry)?;
    // Compared as floats so a fractional or huge `exp` cannot wrap; seconds are exact in f64.
    if exp <= now_unix as f64 {
        return Err(JwtError::Expired);
    }
    Ok(())
}

fn decode_json_object(part: &str) -> Result<Map<String, Value>, JwtError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| JwtError::Malformed)?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(JwtError::Malformed),
    }
}

fn public_components(key_pair: &KeyPair) -> (Vec<u8>, Vec<u8>) {
    let public = key_pair.public_key();
    (
        public.modulus().big_endian_without_leading_zero().to_vec(),
        public.exponent().big_endian_without_leading_zero().to_vec(),
    )
}

fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

/// PEM with 64-column base64 lines, as OpenSSL writes it.
fn pem_encode(label: &str, der: &[u8]) -> SecretString {
    let body = Secret::new(STANDARD.encode(der));
    let mut pem = String::with_capacity(body.expose().len() + body.expose().len() / 64 + 64);
    pem.push_str(&format!("-----BEGIN {label}-----\n"));
    for line in body.expose().as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    Secret::new(pem)
}

/// The DER inside a `PRIVATE KEY` PEM block.
fn pem_decode(pem: &str) -> Result<Vec<u8>, JwtError> {
    const BEGIN: &str = "-----BEGIN PRIVATE KEY-----";
    const END: &str = "-----END PRIVATE KEY-----";
    let start = pem
        .find(BEGIN)
        .ok_or(JwtError::InvalidKey("no PKCS#8 PEM header"))?
        + BEGIN.len();
    let end = start
        + pem[start..]
            .find(END)
            .ok_or(JwtError::InvalidKey("no PEM footer"))?;
    let body = Secret::new(
        pem[start..end]
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect::<String>(),
    );
    STANDARD
        .decode(body.expose())
        .map_err(|_| JwtError::InvalidKey("PEM body is not base64"))
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod properties;
