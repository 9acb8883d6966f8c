//! The `refresh_token` grant (RFC 6749 §6), over the same sessions and rotation rules as
//! REFRESH_TOKEN_AUTH.

use super::token::{SecretRule, TokenRequest, TokenResponse};
use super::{HostedSite, OAuthError, OAuthResult};
use crate::Domain;
use crate::error::ErrorKind;
use crate::tokens::ADMIN_SCOPE;

impl Domain {
    pub(super) async fn refresh_token_grant(
        &self,
        site: &HostedSite,
        request: &TokenRequest,
    ) -> OAuthResult<TokenResponse> {
        let client = self
            .authenticate_client(site, &request.client, SecretRule::IfConfidential)
            .await?;
        let token = request
            .refresh_token
            .as_deref()
            .ok_or_else(|| OAuthError::invalid_request("refresh_token is required."))?;
        let pool = self.user_pool(&site.pool_id).await?;
        let (scopes, tokens) = match self
            .refresh_session_scoped(&pool, &client, token, None, |_| Ok(()))
            .await
        {
            Ok((_, tokens, scopes)) => (scopes, tokens),
            // Unknown, expired, revoked, reused after rotation, or the user disabled.
            Err(e)
                if matches!(
                    e.kind,
                    ErrorKind::NotAuthorized | ErrorKind::RefreshTokenReuse
                ) =>
            {
                return Err(OAuthError::invalid_grant(e.message));
            }
            Err(e) => return Err(e.into()),
        };
        // An ID token goes with `openid`, and with sessions of the Cognito API (whose only
        // scope is the admin scope), as GetTokensFromRefreshToken returns one too.
        let id_token = scopes
            .iter()
            .any(|s| s == "openid" || s == ADMIN_SCOPE)
            .then_some(tokens.id_token);
        Ok(TokenResponse {
            access_token: tokens.access_token,
            id_token,
            refresh_token: tokens.refresh_token,
            expires_in: tokens.expires_in,
        })
    }
}
