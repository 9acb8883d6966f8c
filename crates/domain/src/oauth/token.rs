//! `POST /oauth2/token`: client authentication (RFC 6749 §2.3) and the dispatch to the grant
//! (one file each: `authorization_code`, `refresh_token`, `client_credentials`).

use super::{HostedSite, OAuthError, OAuthErrorCode, OAuthResult};
use crate::Domain;
use crate::client::AppClient;
use crate::error::ErrorKind;

/// How the client presented itself: HTTP Basic (`client_secret_basic`) and/or form fields
/// (`client_id`, `client_secret`: `client_secret_post`, or a public client's id alone).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientCredentials {
    /// `(client_id, client_secret)` from the Authorization header, already decoded.
    pub basic: Option<(String, String)>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

/// The form of a token request.
#[derive(Debug, Clone, Default)]
pub struct TokenRequest {
    pub grant_type: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub refresh_token: Option<String>,
    pub scope: Option<String>,
    pub client: ClientCredentials,
}

/// A successful token response (RFC 6749 §5.1); `token_type` is always `Bearer`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenResponse {
    pub access_token: String,
    pub id_token: Option<String>,
    pub refresh_token: Option<String>,
    pub expires_in: i64,
}

/// Whether a client must prove it holds a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SecretRule {
    /// A client with a secret must present it; a public client presents its id alone.
    IfConfidential,
    /// Only confidential clients (client_credentials, introspection).
    Required,
}

fn secret_matches(domain: &Domain, client: &AppClient, given: &str) -> OAuthResult<bool> {
    Ok(domain.client_secret_matches(client, given)?)
}

impl Domain {
    /// Authenticates the client of a token, revocation or introspection request, on this
    /// domain's pool. Every failure is `invalid_client`, except sending the secret twice.
    pub(crate) async fn authenticate_client(
        &self,
        site: &HostedSite,
        credentials: &ClientCredentials,
        rule: SecretRule,
    ) -> OAuthResult<AppClient> {
        let (client_id, secret) = match (&credentials.basic, &credentials.client_secret) {
            (Some(_), Some(_)) => {
                return Err(OAuthError::invalid_request(
                    "The client authenticated with more than one method.",
                ));
            }
            (Some((id, secret)), None) => {
                if credentials.client_id.as_ref().is_some_and(|c| c != id) {
                    return Err(OAuthError::invalid_request(
                        "client_id does not match the Authorization header.",
                    ));
                }
                (id.as_str(), Some(secret.as_str()))
            }
            (None, secret) => (
                credentials.client_id.as_deref().ok_or_else(|| {
                    OAuthError::invalid_client("Client authentication is required.")
                })?,
                secret.as_deref(),
            ),
        };
        let client = match self.client_by_id(client_id).await {
            Ok(client) if client.pool_id == site.pool_id => client,
            Ok(_) => return Err(OAuthError::invalid_client("The client does not exist.")),
            Err(e) if e.kind == ErrorKind::ResourceNotFound => {
                return Err(OAuthError::invalid_client("The client does not exist."));
            }
            Err(e) => return Err(e.into()),
        };
        match (client.has_secret(), secret) {
            (true, Some(given)) if secret_matches(self, &client, given)? => Ok(client),
            (true, Some(_)) => Err(OAuthError::invalid_client("Client authentication failed.")),
            (true, None) => Err(OAuthError::invalid_client(
                "The client has a secret; authenticate with it.",
            )),
            (false, Some(_)) | (false, None) if rule == SecretRule::Required => Err(
                OAuthError::invalid_client("The client must be a confidential client."),
            ),
            (false, Some(_)) => Err(OAuthError::invalid_client("The client has no secret.")),
            (false, None) => Ok(client),
        }
    }

    /// `POST /oauth2/token`.
    pub async fn token(
        &self,
        site: &HostedSite,
        request: TokenRequest,
    ) -> OAuthResult<TokenResponse> {
        let grant_type = match request.grant_type.as_deref() {
            None | Some("") => {
                return Err(OAuthError::invalid_request("grant_type is required."));
            }
            Some(g @ ("authorization_code" | "refresh_token" | "client_credentials")) => g,
            Some(_) => {
                return Err(OAuthError::new(
                    OAuthErrorCode::UnsupportedGrantType,
                    "grant_type must be authorization_code, refresh_token or client_credentials.",
                ));
            }
        };
        match grant_type {
            "authorization_code" => self.authorization_code_grant(site, &request).await,
            "refresh_token" => self.refresh_token_grant(site, &request).await,
            _ => self.client_credentials_grant(site, &request).await,
        }
    }
}
