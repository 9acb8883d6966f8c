//! The other endpoints of a pool's domain: userInfo (OpenID Connect Core §5.3), revocation
//! (RFC 7009), introspection (RFC 7662), logout (Cognito's and OpenID Connect RP-initiated
//! logout), and what the discovery document needs.

use serde_json::{Map, Value, json};

use super::bearer::INVALID_TOKEN;
use super::token::{ClientCredentials, SecretRule};
use super::{HostedSite, OAuthError, OAuthErrorCode, OAuthResult, Redirect};
use crate::Domain;
use crate::error::{Error, ErrorKind};
use crate::tokens::readable_attributes;

/// A successful userInfo answer: the claims, as JSON.
pub type UserInfo = Map<String, Value>;

/// `GET /logout` and RP-initiated logout.
#[derive(Debug, Clone, Default)]
pub struct LogoutRequest {
    pub client_id: Option<String>,
    /// Cognito's sign-out redirect (must be one of the client's LogoutURLs).
    pub logout_uri: Option<String>,
    /// Cognito's "sign out and sign in again": back to the sign-in page with these.
    pub redirect_uri: Option<String>,
    pub response_type: Option<String>,
    pub state: Option<String>,
    /// OpenID Connect RP-initiated logout.
    pub id_token_hint: Option<String>,
    pub post_logout_redirect_uri: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogoutOutcome {
    /// Signed out: back to the client.
    Redirect(Redirect),
    /// Signed out: to the sign-in page with the request's parameters.
    SignIn,
    /// Signed out, nowhere to go: a page saying so.
    SignedOut,
}

/// What the discovery document of a pool says beyond its fixed parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    pub issuer: String,
    /// Where the hosted endpoints answer; `None` when the pool has no domain.
    pub endpoints_base: Option<String>,
    /// The standard scopes and every custom scope of the pool.
    pub scopes: Vec<String>,
}

fn invalid_token() -> OAuthError {
    OAuthError::new(OAuthErrorCode::InvalidToken, INVALID_TOKEN)
}

impl Domain {
    /// `GET|POST /oauth2/userInfo`: the claims of the token's user its scopes release.
    pub async fn user_info(&self, site: &HostedSite, access_token: &str) -> OAuthResult<UserInfo> {
        let bearer = self
            .inspect_access_token(&site.pool_id, access_token)
            .await?
            .ok_or_else(invalid_token)?;
        let user = bearer.user.as_ref().ok_or_else(invalid_token)?;
        if !bearer.scopes.iter().any(|s| s == "openid") {
            return Err(OAuthError::new(
                OAuthErrorCode::InsufficientScope,
                "The access token does not have the openid scope.",
            ));
        }
        let client = self
            .client_by_id(bearer.text("client_id").unwrap_or_default())
            .await
            .map_err(|e| match e.kind {
                ErrorKind::ResourceNotFound => invalid_token(),
                _ => OAuthError::from_domain(e),
            })?;
        let mut claims = Map::new();
        claims.insert("sub".into(), json!(user.sub));
        for (name, value) in readable_attributes(&client, user, &bearer.scopes) {
            claims.insert(name, value);
        }
        claims.insert("username".into(), json!(user.username));
        Ok(claims)
    }

    /// `POST /oauth2/revoke`: ends the session of a refresh token. Unknown tokens succeed
    /// (RFC 7009 §2.2); access and ID tokens are `unsupported_token_type`.
    pub async fn oauth_revoke(
        &self,
        site: &HostedSite,
        credentials: &ClientCredentials,
        token: Option<&str>,
    ) -> OAuthResult<()> {
        let client = self
            .authenticate_client(site, credentials, SecretRule::IfConfidential)
            .await?;
        let token = token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| OAuthError::invalid_request("token is required."))?;
        // The client proved itself above; its secret (if any) is the one that matched.
        let secret = credentials
            .basic
            .as_ref()
            .map(|(_, s)| s.as_str())
            .or(credentials.client_secret.as_deref());
        match self.revoke_token(token, &client.client_id, secret).await {
            Ok(()) => Ok(()),
            Err(e) => Err(match e.kind {
                ErrorKind::UnsupportedTokenType => OAuthError::new(
                    OAuthErrorCode::UnsupportedTokenType,
                    "Only refresh tokens can be revoked.",
                ),
                ErrorKind::UnsupportedOperation => {
                    OAuthError::invalid_request("Token revocation is disabled for this client.")
                }
                // The token belongs to another client (RFC 6749 §5.2's invalid_grant).
                ErrorKind::NotAuthorized => OAuthError::invalid_grant(e.message),
                _ => OAuthError::from_domain(e),
            }),
        }
    }

    /// `POST /oauth2/introspect` (RFC 7662), for confidential clients, about their own tokens:
    /// a token of another client is reported inactive, like an invalid one.
    pub async fn introspect(
        &self,
        site: &HostedSite,
        credentials: &ClientCredentials,
        token: Option<&str>,
    ) -> OAuthResult<Map<String, Value>> {
        let client = self
            .authenticate_client(site, credentials, SecretRule::Required)
            .await?;
        let token = token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| OAuthError::invalid_request("token is required."))?;
        let inactive = || {
            let mut answer = Map::new();
            answer.insert("active".into(), json!(false));
            answer
        };
        if token.split('.').count() == 3 {
            let Some(bearer) = self.inspect_access_token(&site.pool_id, token).await? else {
                return Ok(inactive());
            };
            if bearer.text("client_id") != Some(client.client_id.as_str()) {
                return Ok(inactive());
            }
            let mut answer = Map::new();
            answer.insert("active".into(), json!(true));
            answer.insert("token_type".into(), json!("Bearer"));
            for name in [
                "scope",
                "client_id",
                "username",
                "sub",
                "exp",
                "iat",
                "iss",
                "jti",
                "token_use",
            ] {
                if let Some(value) = bearer.claims.get(name) {
                    answer.insert(name.into(), value.clone());
                }
            }
            return Ok(answer);
        }
        let session = match self.session_for_refresh_token(&client, token).await {
            Ok((session, _)) => session,
            Err(e) if e.kind == ErrorKind::NotAuthorized => return Ok(inactive()),
            Err(e) => return Err(e.into()),
        };
        let user = self
            .store
            .get_user_by_sub(&site.pool_id, &session.sub)
            .await
            .map_err(Error::from)?;
        let Some(user) = user.filter(|u| u.enabled) else {
            return Ok(inactive());
        };
        let mut answer = Map::new();
        answer.insert("active".into(), json!(true));
        answer.insert("token_type".into(), json!("refresh_token"));
        answer.insert("scope".into(), json!(session.scopes.join(" ")));
        answer.insert("client_id".into(), json!(client.client_id));
        answer.insert("username".into(), json!(user.username));
        answer.insert("sub".into(), json!(user.sub));
        answer.insert("exp".into(), json!(session.expires.secs()));
        answer.insert("iat".into(), json!(session.created.secs()));
        answer.insert("iss".into(), json!(self.issuer(&site.pool_id)));
        Ok(answer)
    }

    /// `GET /logout`: ends the SSO session (server-side, so the cookie cannot be replayed) and
    /// sends the browser where the client asked, if the client registered that address.
    pub async fn logout(
        &self,
        site: &HostedSite,
        request: &LogoutRequest,
        sso_cookie: Option<&str>,
    ) -> OAuthResult<LogoutOutcome> {
        let hinted_client = match &request.id_token_hint {
            Some(hint) => Some(self.id_token_audience(&site.pool_id, hint).await?),
            None => None,
        };
        let client_id = match (&request.client_id, &hinted_client) {
            (Some(given), Some(hinted)) if given != hinted => {
                return Err(OAuthError::invalid_request(
                    "client_id does not match the audience of id_token_hint.",
                ));
            }
            (Some(given), _) => given.clone(),
            (None, Some(hinted)) => hinted.clone(),
            (None, None) => {
                return Err(OAuthError::invalid_request("client_id is required."));
            }
        };
        let client = match self.client_by_id(&client_id).await {
            Ok(client) if client.pool_id == site.pool_id => client,
            Ok(_) => return Err(OAuthError::invalid_request("The client does not exist.")),
            Err(e) if e.kind == ErrorKind::ResourceNotFound => {
                return Err(OAuthError::invalid_request("The client does not exist."));
            }
            Err(e) => return Err(e.into()),
        };
        let target = request
            .post_logout_redirect_uri
            .as_deref()
            .or(request.logout_uri.as_deref());
        let registered = client.settings.logout_urls.as_deref().unwrap_or_default();
        if let Some(target) = target
            && !registered.iter().any(|u| u == target)
        {
            return Err(OAuthError::invalid_request(
                "The logout redirect is not a sign-out URL of the client.",
            ));
        }
        self.end_sso(site, sso_cookie).await?;
        Ok(match target {
            Some(target) => Redirect {
                uri: target.to_owned(),
                params: request.state.iter().map(|s| ("state", s.clone())).collect(),
                fragment: false,
            }
            .into(),
            None if request.redirect_uri.is_some() && request.response_type.is_some() => {
                LogoutOutcome::SignIn
            }
            None => LogoutOutcome::SignedOut,
        })
    }

    /// The client an ID token was issued to, for `id_token_hint`. The hint may have expired
    /// (OpenID Connect RP-Initiated Logout §2), but it must be this pool's, genuine, and an
    /// ID token.
    async fn id_token_audience(&self, pool_id: &str, token: &str) -> OAuthResult<String> {
        let invalid = || OAuthError::invalid_request("id_token_hint is not a valid ID token.");
        // `i64::MIN` as "now": expiry is not checked, everything else is.
        let claims = self
            .verify_with_pool_keys(pool_id, token, i64::MIN)
            .await?
            .map_err(|_| invalid())?;
        let text = |name: &str| claims.get(name).and_then(Value::as_str);
        if text("token_use") != Some("id") || text("iss") != Some(&self.issuer(pool_id)) {
            return Err(invalid());
        }
        text("aud").map(str::to_owned).ok_or_else(invalid)
    }

    /// The discovery document's variable parts, for `/<poolId>/.well-known/openid-configuration`.
    pub async fn discovery(&self, pool_id: &str) -> Result<Discovery, Error> {
        self.user_pool(pool_id).await?;
        let base = self.pool_site_url(pool_id).await?;
        self.discovery_with(pool_id, base).await
    }

    /// The same, on the domain itself (`/.well-known/openid-configuration`).
    pub async fn hosted_discovery(&self, site: &HostedSite) -> Result<Discovery, Error> {
        self.discovery_with(&site.pool_id, Some(site.base_url.clone()))
            .await
    }

    async fn discovery_with(
        &self,
        pool_id: &str,
        endpoints_base: Option<String>,
    ) -> Result<Discovery, Error> {
        let mut scopes: Vec<String> = [
            "openid",
            "email",
            "phone",
            "profile",
            crate::tokens::ADMIN_SCOPE,
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        scopes.extend(self.custom_scopes(pool_id).await?);
        Ok(Discovery {
            issuer: self.issuer(pool_id),
            endpoints_base,
            scopes,
        })
    }
}

impl From<Redirect> for LogoutOutcome {
    fn from(redirect: Redirect) -> Self {
        LogoutOutcome::Redirect(redirect)
    }
}
