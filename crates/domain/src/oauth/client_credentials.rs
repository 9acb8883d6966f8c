//! The `client_credentials` grant (RFC 6749 §4.4): an app client with a secret gets an access
//! token for itself, with custom scopes of the pool's resource servers only.
//!
//! The token has Cognito's machine-to-machine claims: `sub` and `client_id` are the client,
//! `token_use` is `access`, there is no `username` and no `origin_jti` (no session stands
//! behind it, so it cannot be revoked, only expire), and no refresh token.

use serde_json::{Map, Value, json};

use super::token::{SecretRule, TokenRequest, TokenResponse};
use super::{
    HostedSite, OAuthError, OAuthErrorCode, OAuthResult, allows_flow, client_scopes, parse_scopes,
};
use crate::enums::OAuthFlow;
use crate::error::Error;
use crate::{Domain, ids};

impl Domain {
    pub(super) async fn client_credentials_grant(
        &self,
        site: &HostedSite,
        request: &TokenRequest,
    ) -> OAuthResult<TokenResponse> {
        let client = self
            .authenticate_client(site, &request.client, SecretRule::Required)
            .await?;
        if !allows_flow(&client, OAuthFlow::ClientCredentials) {
            return Err(OAuthError::new(
                OAuthErrorCode::UnauthorizedClient,
                "The client is not allowed the client_credentials flow.",
            ));
        }
        let allowed = client_scopes(&client);
        let existing = self.custom_scopes(&site.pool_id).await?;
        let requested = request
            .scope
            .as_deref()
            .map(parse_scopes)
            .unwrap_or_default();
        let scopes: Vec<String> = if requested.is_empty() {
            allowed
                .into_iter()
                .filter(|s| existing.contains(s))
                .collect()
        } else {
            if let Some(unknown) = requested
                .iter()
                .find(|s| !allowed.contains(s) || !existing.contains(s))
            {
                return Err(OAuthError::new(
                    OAuthErrorCode::InvalidScope,
                    format!("Invalid scope requested: {unknown}"),
                ));
            }
            requested
        };
        if scopes.is_empty() {
            return Err(OAuthError::new(
                OAuthErrorCode::InvalidScope,
                "The client has no custom scope to grant.",
            ));
        }
        let now = self.now().secs();
        let expires_in = client.access_token_seconds();
        let mut claims = Map::new();
        claims.insert("sub".into(), json!(client.client_id));
        claims.insert("token_use".into(), json!("access"));
        claims.insert("scope".into(), json!(scopes.join(" ")));
        claims.insert("auth_time".into(), json!(now));
        claims.insert("iss".into(), json!(self.issuer(&site.pool_id)));
        claims.insert("exp".into(), json!(now + expires_in));
        claims.insert("iat".into(), json!(now));
        claims.insert("version".into(), Value::from(2));
        claims.insert("jti".into(), json!(ids::new_uuid(self.random())));
        claims.insert("client_id".into(), json!(client.client_id));
        // Pre token generation V3 also customises machine-to-machine tokens.
        let pool = self.user_pool(&site.pool_id).await?;
        let context = crate::triggers::TokenContext {
            pool: &pool,
            user: None,
            client_id: &client.client_id,
            source: "TokenGeneration_ClientCredentials",
            groups: &[],
            scopes: &scopes,
            client_metadata: &crate::triggers::ClientMetadata::new(),
        };
        if let Some(custom) = self.pre_token_generation(context).await? {
            crate::tokens::customise(&custom, &mut Map::new(), &mut claims);
        }
        let keys = self.pool_keys(&site.pool_id).await?;
        let access_token = keys
            .signer(crate::signing::KeyPurpose::Access, self.now())?
            .sign(&claims)
            .map_err(|e| Error::internal(format!("signing: {e}")))?;
        Ok(TokenResponse {
            access_token,
            id_token: None,
            refresh_token: None,
            expires_in,
        })
    }
}
