//! The `authorization_code` grant (RFC 6749 §4.1.3, with PKCE, RFC 7636 §4.6).

use super::code::Redemption;
use super::token::{SecretRule, TokenRequest, TokenResponse};
use super::{HostedSite, OAuthError, OAuthErrorCode, OAuthResult, allows_flow};
use crate::Domain;
use crate::enums::OAuthFlow;
use crate::error::Error;
use crate::tokens::{Grant, TokenOptions};

impl Domain {
    pub(super) async fn authorization_code_grant(
        &self,
        site: &HostedSite,
        request: &TokenRequest,
    ) -> OAuthResult<TokenResponse> {
        let client = self
            .authenticate_client(site, &request.client, SecretRule::IfConfidential)
            .await?;
        if !allows_flow(&client, OAuthFlow::Code) {
            return Err(OAuthError::new(
                OAuthErrorCode::UnauthorizedClient,
                "The client is not allowed the code flow.",
            ));
        }
        let code = request
            .code
            .as_deref()
            .ok_or_else(|| OAuthError::invalid_request("code is required."))?;
        let redirect_uri = request
            .redirect_uri
            .as_deref()
            .ok_or_else(|| OAuthError::invalid_request("redirect_uri is required."))?;
        let grant = self.open_code(&site.pool_id, code)?;
        if grant.client_id != client.client_id {
            return Err(OAuthError::invalid_grant(
                "The authorization code was issued to another client.",
            ));
        }
        if grant.redirect_uri != redirect_uri {
            return Err(OAuthError::invalid_grant(
                "redirect_uri does not match the one of the authorization request.",
            ));
        }
        match (&grant.pkce, request.code_verifier.as_deref()) {
            (None, None) => {}
            (None, Some(_)) => {
                // A verifier without a challenge would let a PKCE downgrade pass unnoticed.
                return Err(OAuthError::invalid_grant(
                    "code_verifier was given but the authorization request had no code_challenge.",
                ));
            }
            (Some(_), None) => {
                return Err(OAuthError::invalid_grant("code_verifier is required."));
            }
            (Some((challenge, method)), Some(verifier)) => {
                if !cognate_crypto::oauth::pkce_matches(method, challenge, verifier) {
                    return Err(OAuthError::invalid_grant(
                        "code_verifier does not match the code_challenge.",
                    ));
                }
            }
        }
        if let Redemption::Reused = self.redeem_code(code, &grant).await? {
            return Err(OAuthError::invalid_grant(
                "The authorization code has already been used.",
            ));
        }
        let pool = self.user_pool(&site.pool_id).await?;
        let user = self
            .store
            .get_user_by_sub(&pool.id, &grant.sub)
            .await
            .map_err(Error::from)?
            .filter(|u| u.enabled)
            .ok_or_else(|| OAuthError::invalid_grant("The user is disabled or deleted."))?;
        let openid = grant.scopes.iter().any(|s| s == "openid");
        let tokens = self
            .start_session_with(
                Grant {
                    pool: &pool,
                    client: &client,
                    user: &user,
                    scopes: grant.scopes.clone(),
                    device_key: None,
                },
                TokenOptions {
                    origin_jti: Some(grant.origin_jti.clone()),
                    nonce: grant.nonce.clone(),
                    at_hash: true,
                    skip_id_token: !openid,
                    auth_time: Some(grant.auth_time),
                    trigger_source: Some("TokenGeneration_HostedAuth"),
                    ..TokenOptions::default()
                },
            )
            .await?;
        if !self.settle_code(code, &grant).await? {
            return Err(OAuthError::invalid_grant(
                "The authorization code has already been used.",
            ));
        }
        Ok(TokenResponse {
            access_token: tokens.access_token,
            id_token: openid.then_some(tokens.id_token),
            refresh_token: tokens.refresh_token,
            expires_in: tokens.expires_in,
        })
    }
}
