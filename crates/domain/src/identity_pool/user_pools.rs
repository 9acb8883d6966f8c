//! The user-pool side of identity-pool logins: [`Domain`] checks its own ID tokens for
//! [`UserPoolLogins`], with the keys, issuer and sessions it already keeps.

use async_trait::async_trait;
use serde_json::{Map, Value};

use super::logins::{IdTokenRejection, UserPoolLogins};
use crate::error::ErrorKind;
use crate::{Domain, b64};

/// The token's claims without checking anything, to read `iss` before choosing keys.
fn unverified_claims(token: &str) -> Option<Map<String, Value>> {
    let mut parts = token.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    serde_json::from_slice(&b64::decode_url(payload)?).ok()
}

#[async_trait]
impl UserPoolLogins for Domain {
    async fn verify_id_token(
        &self,
        pool_id: &str,
        token: &str,
    ) -> Result<Map<String, Value>, IdTokenRejection> {
        let unverified = unverified_claims(token).ok_or(IdTokenRejection::Malformed)?;
        if unverified.get("iss").and_then(Value::as_str) != Some(self.issuer(pool_id).as_str()) {
            return Err(IdTokenRejection::IssuerMismatch);
        }
        match self.user_pool(pool_id).await {
            Ok(_) => {}
            Err(e) if e.kind == ErrorKind::ResourceNotFound => {
                return Err(IdTokenRejection::BadSignature);
            }
            Err(e) => return Err(IdTokenRejection::Internal(e)),
        }
        let keys = self
            .pool_keys(pool_id)
            .await
            .map_err(IdTokenRejection::Internal)?;
        let now = self.now().secs();
        let claims = cognate_crypto::jwt::verify_rs256(token, |kid| keys.verifying_key(kid), now)
            .map_err(|e| match e {
            cognate_crypto::jwt::JwtError::Expired => IdTokenRejection::Expired {
                exp: unverified
                    .get("exp")
                    .and_then(Value::as_i64)
                    .unwrap_or_default(),
                now,
            },
            cognate_crypto::jwt::JwtError::Malformed => IdTokenRejection::Malformed,
            _ => IdTokenRejection::BadSignature,
        })?;
        if claims.get("token_use").and_then(Value::as_str) != Some("id")
            || !claims.contains_key("aud")
        {
            return Err(IdTokenRejection::NotAnIdToken);
        }
        Ok(claims)
    }

    async fn check_session(
        &self,
        pool_id: &str,
        claims: &Map<String, Value>,
    ) -> Result<(), IdTokenRejection> {
        let text = |name: &str| claims.get(name).and_then(Value::as_str);
        // The user first: disabling a user also revokes their sessions (issue 10), and "not
        // active" is the more useful of the two answers for a disabled user's token.
        let sub = text("sub").ok_or(IdTokenRejection::UserInactive)?;
        let user = self
            .store
            .get_user_by_sub(pool_id, sub)
            .await
            .map_err(|e| IdTokenRejection::Internal(e.into()))?;
        if !user.is_some_and(|user| user.enabled) {
            return Err(IdTokenRejection::UserInactive);
        }
        let origin_jti = text("origin_jti").ok_or(IdTokenRejection::Revoked)?;
        let session = self
            .store
            .get_session(origin_jti)
            .await
            .map_err(|e| IdTokenRejection::Internal(e.into()))?;
        if !session.is_some_and(|s| s.revoked.is_none() && s.pool_id == pool_id) {
            return Err(IdTokenRejection::Revoked);
        }
        Ok(())
    }
}
