//! Identity-pool Logins: a token an app presents under a provider key, checked without any
//! code exchange. ID tokens (Google, Apple, OIDC) go through the same validation as hosted
//! sign-in; Facebook and Login with Amazon send access tokens, which only their APIs can
//! vouch for:
//!
//! - Facebook: `GET <graph>/<v>/app?access_token=…` names the app the token was issued to
//!   (it must be one of the pool's app ids), then `GET <graph>/<v>/me?fields=id,name,email`
//!   names the user. Neither call needs the app secret, which identity pools do not hold.
//! - Login with Amazon: `GET <tokeninfo>?access_token=…` returns `aud` (the client id),
//!   `app_id` and `user_id`; either id may be the pool's configured one.

use cognate_domain::Timestamp;
use cognate_domain::external::{ExternalError, LoginProvider, VerifiedLogin};
use serde_json::{Map, Value};

use crate::Federation;
use crate::http::HttpFailure;
use crate::oauth::id_string;
use crate::oidc::IdTokenRules;

impl Federation {
    pub(crate) async fn check_login(
        &self,
        provider: &LoginProvider,
        token: &str,
        audiences: &[String],
        now: Timestamp,
    ) -> Result<VerifiedLogin, ExternalError> {
        let social = &self.config.endpoints;
        let (issuers, jwks_uri) = match provider {
            LoginProvider::Google => {
                let mut issuers = vec![social.google.issuer.clone()];
                issuers.extend(social.google.issuer_aliases.iter().cloned());
                (issuers, social.google.jwks_uri.clone())
            }
            LoginProvider::SignInWithApple => (
                vec![social.apple.issuer.clone()],
                social.apple.jwks_uri.clone(),
            ),
            LoginProvider::Oidc { issuer } => {
                let discovery = self.discovery(issuer, now).await?;
                (vec![issuer.clone()], discovery.jwks_uri.clone())
            }
            LoginProvider::Facebook => return self.facebook_login(token, audiences).await,
            LoginProvider::LoginWithAmazon => return self.amazon_login(token, audiences).await,
        };
        let rules = IdTokenRules {
            issuers: &issuers,
            audiences,
            jwks_uri: Some(&jwks_uri),
            nonce: None,
            hmac_secret: None,
        };
        let verified = self.validate_id_token(token, &rules, now).await?;
        Ok(VerifiedLogin {
            subject: verified.subject,
            issuer: verified.issuer,
            audience: verified.audience,
            claims: verified.claims,
        })
    }

    async fn facebook_login(
        &self,
        token: &str,
        audiences: &[String],
    ) -> Result<VerifiedLogin, ExternalError> {
        let facebook = &self.config.endpoints.facebook;
        let base = format!("{}/{}", facebook.graph_base, facebook.default_api_version);
        let app = self
            .access_token_query(&format!("{base}/app"), &[("access_token", token)])
            .await?;
        let app_id = id_string(app.get("id")).ok_or_else(not_facebook)?;
        if !audiences.contains(&app_id) {
            return Err(ExternalError::InvalidAccessToken(
                "Invalid login token. Not a valid token for this identity pool's Facebook app"
                    .to_owned(),
            ));
        }
        let me = self
            .access_token_query(
                &format!("{base}/me"),
                &[("fields", "id,name,email"), ("access_token", token)],
            )
            .await?;
        let subject = id_string(me.get("id")).ok_or_else(not_facebook)?;
        Ok(VerifiedLogin {
            subject,
            issuer: "graph.facebook.com".to_owned(),
            audience: app_id,
            claims: me,
        })
    }

    async fn amazon_login(
        &self,
        token: &str,
        audiences: &[String],
    ) -> Result<VerifiedLogin, ExternalError> {
        let info = self
            .access_token_query(
                &self.config.endpoints.amazon.tokeninfo_url,
                &[("access_token", token)],
            )
            .await?;
        let audience = ["aud", "app_id"]
            .iter()
            .filter_map(|name| info.get(*name).and_then(Value::as_str))
            .find(|id| audiences.iter().any(|a| a == id))
            .ok_or_else(|| {
                ExternalError::InvalidAccessToken(
                    "Invalid login token. Not a valid token for this identity pool's Amazon app"
                        .to_owned(),
                )
            })?
            .to_owned();
        let subject = id_string(info.get("user_id")).ok_or_else(|| {
            ExternalError::InvalidAccessToken("Invalid login token. No Amazon user".to_owned())
        })?;
        Ok(VerifiedLogin {
            subject,
            issuer: "www.amazon.com".to_owned(),
            audience,
            claims: info,
        })
    }

    /// `GET url?params` answered by a JSON object; a refusal means the token is not valid.
    async fn access_token_query(
        &self,
        url: &str,
        params: &[(&str, &str)],
    ) -> Result<Map<String, Value>, ExternalError> {
        let mut url = self.http.url(url)?;
        url.query_pairs_mut().extend_pairs(params);
        let response = self
            .http
            .get(url, None)
            .await
            .map_err(HttpFailure::into_external)?;
        if !response.is_success() {
            return Err(ExternalError::InvalidAccessToken(
                "Invalid login token. The provider did not accept the access token".to_owned(),
            ));
        }
        response.json_object().ok_or_else(|| {
            ExternalError::BadProviderResponse("Invalid answer from the login provider".to_owned())
        })
    }
}

fn not_facebook() -> ExternalError {
    ExternalError::InvalidAccessToken("Invalid login token. Not a Facebook token".to_owned())
}
