//! The identity issuer: the OpenID tokens identity pools hand out (GetOpenIdToken,
//! GetOpenIdTokenForDeveloperIdentity, and the token GetCredentialsForIdentity gives STS),
//! their RS512 keys, the JWKS and the discovery document.
//!
//! Tokens are shaped as Cognito's: header `{"kid","typ":"JWS","alg":"RS512"}`, claims `sub`
//! (the identity id), `aud` (the identity pool id), `amr` (`unauthenticated`, or
//! `authenticated` with each login's provider and `<provider>:…:<user>`), `iss`, `exp`, `iat`,
//! and the principal tags under `https://aws.amazon.com/tags`. The issuer is
//! `<public URL>/cognito-identity`, so an IAM OIDC provider registered for it (or any OpenID
//! Connect relying party) can check them through discovery.
//!
//! One key signs at a time, for every pool, as Cognito has one issuer. Keys are RSA-2048, their
//! private half sealed under the key-encryption key (as the user pools' keys are), created on
//! first use, cached per node for [`CACHE_TTL_MS`], and a retired key stays published until
//! the last token it signed has expired.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use cognate_crypto::jwt::{PublicKeyHandle, RsaSigningKey};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::IdentityPools;
use super::logins::VerifiedLogin;
use crate::b64;
use crate::error::{Error, Result};
use crate::ports::{Conflict, StoreError};
use crate::time::Timestamp;

/// How long a node trusts its copy of the issuer's keys.
pub const CACHE_TTL_MS: i64 = 30_000;
/// GetOpenIdToken's tokens live ten minutes, as Cognito's.
pub const OPEN_ID_TOKEN_SECONDS: i64 = 600;
/// GetOpenIdTokenForDeveloperIdentity's default TokenDuration (15 minutes) and its maximum.
pub const DEVELOPER_TOKEN_SECONDS: i64 = 900;
pub const MAX_TOKEN_SECONDS: i64 = 86_400;
/// The claim principal tags travel in, which STS turns into session tags.
pub const TAGS_CLAIM: &str = "https://aws.amazon.com/tags";
/// The longest a retired key must stay published.
const RETIRED_KEY_VISIBLE_MS: i64 = MAX_TOKEN_SECONDS * 1000 + CACHE_TTL_MS;
const KEY_PURPOSE: &[u8] = b"identity-issuer-key";

/// An issuer key as stored: the PKCS#8 PEM sealed under the key-encryption key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuerKeyRecord {
    pub kid: String,
    #[serde(with = "b64")]
    pub sealed_pem: Vec<u8>,
    pub created: Timestamp,
    pub retired: Option<Timestamp>,
}

/// The issuer's keys, opened: the signer and every key still published.
pub struct IssuerKeys {
    pub signer: Arc<RsaSigningKey>,
    pub published: Vec<PublicKeyHandle>,
    loaded_at: Timestamp,
}

#[derive(Default)]
pub(crate) struct IssuerKeyCache(Mutex<Option<Arc<IssuerKeys>>>);

impl IssuerKeyCache {
    fn get(&self, now: Timestamp) -> Option<Arc<IssuerKeys>> {
        let cached = self.0.lock().ok()?;
        cached
            .as_ref()
            .filter(|k| now.millis() - k.loaded_at.millis() < CACHE_TTL_MS)
            .cloned()
    }

    fn put(&self, keys: Arc<IssuerKeys>) {
        if let Ok(mut cached) = self.0.lock() {
            *cached = Some(keys);
        }
    }

    pub(crate) fn clear(&self) {
        if let Ok(mut cached) = self.0.lock() {
            *cached = None;
        }
    }
}

/// What an OpenID token says about its identity.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenSubject<'a> {
    pub pool_id: &'a str,
    pub identity_id: &'a str,
    /// The logins of the request (empty: a guest).
    pub logins: &'a [VerifiedLogin],
    pub principal_tags: &'a BTreeMap<String, String>,
    pub lifetime_secs: i64,
}

/// A token this issuer signed, checked: who it is for and what it said.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityToken {
    pub identity_id: String,
    pub pool_id: String,
    pub authenticated: bool,
    pub amr: Vec<String>,
    pub claims: Map<String, Value>,
}

/// `amr` as Cognito writes it.
pub fn amr(logins: &[VerifiedLogin]) -> Vec<String> {
    if logins.is_empty() {
        return vec!["unauthenticated".to_owned()];
    }
    let mut amr = vec!["authenticated".to_owned()];
    for login in logins {
        amr.push(login.provider.clone());
        amr.push(login.amr.clone());
    }
    amr
}

impl IdentityPools {
    /// The issuer's keys, from this node's cache or the store; the first key is made on first use.
    pub async fn issuer_keys(&self) -> Result<Arc<IssuerKeys>> {
        let now = self.now();
        if let Some(keys) = self.issuer_keys.get(now) {
            return Ok(keys);
        }
        let mut records = self.store.list_issuer_keys().await.map_err(Error::from)?;
        if !records.iter().any(|r| r.retired.is_none()) {
            self.create_issuer_key().await?;
            records = self.store.list_issuer_keys().await.map_err(Error::from)?;
        }
        let active = records
            .iter()
            .filter(|r| r.retired.is_none())
            .max_by_key(|r| r.created)
            .ok_or_else(|| Error::internal("the identity issuer has no active key"))?;
        let signer = Arc::new(self.open_issuer_key(active)?);
        let published = records
            .iter()
            .filter(|r| {
                r.retired
                    .is_none_or(|at| now.millis() - at.millis() < RETIRED_KEY_VISIBLE_MS)
            })
            .map(|r| self.open_issuer_key(r).map(|k| k.public_key().clone()))
            .collect::<Result<Vec<_>>>()?;
        let keys = Arc::new(IssuerKeys {
            signer,
            published,
            loaded_at: now,
        });
        self.issuer_keys.put(keys.clone());
        Ok(keys)
    }

    fn open_issuer_key(&self, record: &IssuerKeyRecord) -> Result<RsaSigningKey> {
        let pem = self
            .keys
            .open(&key_purpose(&record.kid), &record.sealed_pem)?;
        let pem = String::from_utf8(pem).map_err(|_| Error::internal("issuer key is not UTF-8"))?;
        RsaSigningKey::from_pkcs8_pem(record.kid.clone(), &pem)
            .map_err(|e| Error::internal(format!("issuer key: {e}")))
    }

    async fn create_issuer_key(&self) -> Result<()> {
        let key = RsaSigningKey::generate()
            .map_err(|e| Error::internal(format!("key generation: {e}")))?;
        let pem = key
            .to_pkcs8_pem()
            .map_err(|e| Error::internal(format!("key encoding: {e}")))?;
        let record = IssuerKeyRecord {
            kid: key.kid().to_owned(),
            sealed_pem: self
                .keys
                .seal(&key_purpose(key.kid()), pem.expose().as_bytes())?,
            created: self.now(),
            retired: None,
        };
        match self.store.insert_issuer_key(&record).await {
            // Another node made the first key at the same time; its key is as good.
            Ok(()) | Err(StoreError::Conflict(Conflict::Exists)) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Rotates the issuer key: new tokens are signed with a new key, the old one stays
    /// published until its last token has expired. Returns the new key id.
    pub async fn rotate_issuer_key(&self) -> Result<String> {
        self.store
            .retire_issuer_keys(self.now())
            .await
            .map_err(Error::from)?;
        self.create_issuer_key().await?;
        self.issuer_keys.clear();
        Ok(self.issuer_keys().await?.signer.kid().to_owned())
    }

    /// Signs an OpenID token for an identity.
    pub(crate) async fn mint_token(&self, subject: &TokenSubject<'_>) -> Result<String> {
        let keys = self.issuer_keys().await?;
        let now = self.now().secs();
        let mut claims = Map::new();
        claims.insert("sub".into(), json!(subject.identity_id));
        claims.insert("aud".into(), json!(subject.pool_id));
        claims.insert("amr".into(), json!(amr(subject.logins)));
        claims.insert("iss".into(), json!(self.config.issuer()));
        claims.insert("exp".into(), json!(now + subject.lifetime_secs));
        claims.insert("iat".into(), json!(now));
        if !subject.principal_tags.is_empty() {
            let tags: BTreeMap<&String, [&String; 1]> = subject
                .principal_tags
                .iter()
                .map(|(k, v)| (k, [v]))
                .collect();
            claims.insert(TAGS_CLAIM.into(), json!({ "principal_tags": tags }));
        }
        keys.signer
            .sign_rs512_jws(&claims)
            .map_err(|e| Error::internal(format!("signing: {e}")))
    }

    /// Checks a token presented under `cognito-identity.amazonaws.com`: this issuer's
    /// signature, unexpired, `iss` this issuer.
    pub(crate) async fn verify_identity_token(&self, token: &str) -> Result<IdentityToken> {
        let keys = self.issuer_keys().await?;
        let invalid =
            |reason: &str| Error::not_authorized(format!("Invalid login token. {reason}"));
        let now = self.now().secs();
        let claims = cognate_crypto::jwt::verify_rs512(
            token,
            |kid| keys.published.iter().find(|k| k.kid() == kid),
            now,
        )
        .map_err(|e| match e {
            cognate_crypto::jwt::JwtError::Expired => {
                let exp = claims_exp(token).unwrap_or_default();
                invalid(&format!("Token expired: {now} >= {exp}"))
            }
            cognate_crypto::jwt::JwtError::Malformed => {
                invalid("Not a valid OpenId Connect identity token.")
            }
            _ => invalid("Couldn't verify signed token."),
        })?;
        let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_owned);
        if text("iss") != Some(self.config.issuer()) {
            return Err(invalid("Issuer doesn't match providerName"));
        }
        let identity_id = text("sub").ok_or_else(|| invalid("Missing a required claim: sub"))?;
        let pool_id = text("aud").ok_or_else(|| invalid("Missing a required claim: aud"))?;
        let amr: Vec<String> = claims
            .get("amr")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Ok(IdentityToken {
            identity_id,
            pool_id,
            authenticated: amr.first().is_some_and(|a| a == "authenticated"),
            amr,
            claims,
        })
    }

    /// The issuer's JSON Web Key Set.
    pub async fn issuer_jwks(&self) -> Result<Value> {
        let keys = self.issuer_keys().await?;
        let jwks: Vec<Value> = keys
            .published
            .iter()
            .map(PublicKeyHandle::jwk_rs512)
            .collect();
        Ok(json!({ "keys": jwks }))
    }

    /// The issuer's OpenID Connect discovery document.
    pub fn issuer_discovery(&self) -> Value {
        let issuer = self.config.issuer();
        json!({
            "issuer": issuer,
            "jwks_uri": format!("{issuer}/.well-known/jwks_uri"),
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS512"],
            "claims_supported": ["sub", "aud", "amr", "iss", "exp", "iat", TAGS_CLAIM],
        })
    }
}

fn key_purpose(kid: &str) -> Vec<u8> {
    let mut purpose = KEY_PURPOSE.to_vec();
    purpose.push(b':');
    purpose.extend_from_slice(kid.as_bytes());
    purpose
}

/// The `exp` of a token whose signature already verified, for the expiry message.
fn claims_exp(token: &str) -> Option<i64> {
    let payload = token.split('.').nth(1)?;
    let bytes = b64::decode_url(payload)?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("exp")?.as_i64()
}
