//! The OAuth 2.0 / OpenID Connect authorization server of a pool's domain: authorization
//! (`/oauth2/authorize`), the token endpoint with its three grants,
//! userInfo, revocation (RFC 7009), introspection (RFC 7662), logout, and discovery.
//!
//! # State, across nodes
//! Nothing lives in a node's memory. An authorization code is sealed state (who, which client,
//! which redirect URI, scopes, nonce, PKCE challenge, expiry) that only this deployment can
//! open; its single use is a marker in the store keyed by the code's keyed hash, so the code
//! itself is never stored. The SSO session behind the domain's cookie is a row of the
//! sessions table (so GlobalSignOut ends it like any other session), and the cookie is a
//! sealed, expiring reference to it. The hosted pages themselves (sign-in form, sign-up,
//! recovery) are in [`hosted_ui`](crate::hosted_ui).
//!
//! # Errors
//! These endpoints answer with RFC 6749's error codes, not Cognito's exceptions:
//! [`OAuthError`] carries the code and a description; the protocol layer picks the status.
//!
//! # Layout
//! - [`authorize`]: `/oauth2/authorize`, and the checks and completion the hosted pages share.
//! - `code`: the sealed authorization code.
//! - `sso`: the SSO session and its cookie.
//! - [`token`]: the token endpoint, client authentication, and one file per grant
//!   (`authorization_code`, `refresh_token`, `client_credentials`).
//! - `bearer`: access tokens presented to userInfo and introspection.
//! - [`endpoints`]: userInfo, revocation, introspection, logout, discovery.

mod authorization_code;
pub mod authorize;
mod bearer;
mod client_credentials;
mod code;
pub mod endpoints;
mod refresh_token;
mod sso;
pub mod token;

use std::fmt;

use crate::cache::TtlCache;
use crate::client::AppClient;
use crate::domains::UserPoolDomain;
use crate::error::{Error, ErrorKind};

pub use crate::domains::HostedSite;
pub use sso::SsoCookie;

/// The error codes of RFC 6749 (§4.1.2.1, §5.2), RFC 6750 (§3.1), RFC 7009 (§2.2.1) and
/// OpenID Connect Core (§3.1.2.6) that these endpoints use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    UnsupportedResponseType,
    InvalidScope,
    AccessDenied,
    LoginRequired,
    UnsupportedTokenType,
    InvalidToken,
    InsufficientScope,
    /// The request named something that does not exist (an unknown domain).
    NotFound,
    ServerError,
}

impl OAuthErrorCode {
    /// The `error` value on the wire.
    pub fn as_str(self) -> &'static str {
        use OAuthErrorCode::*;
        match self {
            InvalidRequest => "invalid_request",
            InvalidClient => "invalid_client",
            InvalidGrant => "invalid_grant",
            UnauthorizedClient => "unauthorized_client",
            UnsupportedGrantType => "unsupported_grant_type",
            UnsupportedResponseType => "unsupported_response_type",
            InvalidScope => "invalid_scope",
            AccessDenied => "access_denied",
            LoginRequired => "login_required",
            UnsupportedTokenType => "unsupported_token_type",
            InvalidToken => "invalid_token",
            InsufficientScope => "insufficient_scope",
            NotFound => "not_found",
            ServerError => "server_error",
        }
    }
}

/// A failed OAuth request: the RFC error code and a description for the client.
///
/// `detail` carries what must be logged but never sent.
#[derive(Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub code: OAuthErrorCode,
    pub description: String,
    detail: Option<String>,
}

pub type OAuthResult<T> = std::result::Result<T, OAuthError>;

impl OAuthError {
    pub fn new(code: OAuthErrorCode, description: impl Into<String>) -> Self {
        OAuthError {
            code,
            description: description.into(),
            detail: None,
        }
    }

    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    pub(crate) fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(OAuthErrorCode::InvalidRequest, description)
    }

    pub(crate) fn invalid_client(description: impl Into<String>) -> Self {
        Self::new(OAuthErrorCode::InvalidClient, description)
    }

    pub(crate) fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(OAuthErrorCode::InvalidGrant, description)
    }

    /// A domain error met on an OAuth endpoint where no finer mapping applies: internal
    /// errors stay internal (logged, generic on the wire); a missing resource is not found;
    /// anything else is the client's fault.
    pub(crate) fn from_domain(e: Error) -> Self {
        match e.kind {
            ErrorKind::InternalError => OAuthError {
                code: OAuthErrorCode::ServerError,
                description: "Internal server error.".to_owned(),
                detail: e.detail().map(str::to_owned),
            },
            ErrorKind::ResourceNotFound => Self::new(OAuthErrorCode::NotFound, e.message),
            _ => Self::invalid_request(e.message),
        }
    }
}

impl From<Error> for OAuthError {
    fn from(e: Error) -> Self {
        Self::from_domain(e)
    }
}

impl fmt::Debug for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.description)?;
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        Ok(())
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.description)
    }
}

impl std::error::Error for OAuthError {}

/// Where a browser is sent back to the client: `uri` with `params` in its query (the code
/// flow and errors) or in its fragment (the implicit flow).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub uri: String,
    pub params: Vec<(&'static str, String)>,
    pub fragment: bool,
}

/// What this node caches for the hosted endpoints (TTL-bounded, like pool settings).
pub(crate) struct OAuthCache {
    /// Domain by name; misses are cached too, as every request on a non-domain host asks.
    pub domains: TtlCache<Option<UserPoolDomain>>,
    pub pool_domains: TtlCache<Vec<UserPoolDomain>>,
    pub custom_scopes: TtlCache<Vec<String>>,
}

impl OAuthCache {
    pub fn new(ttl_ms: i64) -> Self {
        OAuthCache {
            domains: TtlCache::new(ttl_ms),
            pool_domains: TtlCache::new(ttl_ms),
            custom_scopes: TtlCache::new(ttl_ms),
        }
    }

    pub fn clear(&self) {
        self.domains.clear();
        self.pool_domains.clear();
        self.custom_scopes.clear();
    }
}

/// Splits a `scope` parameter (space-separated, RFC 6749 §3.3) into distinct scopes, in order.
pub(crate) fn parse_scopes(scope: &str) -> Vec<String> {
    let mut scopes: Vec<String> = Vec::new();
    for s in scope.split(' ').filter(|s| !s.is_empty()) {
        if !scopes.iter().any(|seen| seen == s) {
            scopes.push(s.to_owned());
        }
    }
    scopes
}

/// Whether the client may use an OAuth flow (`code`, `implicit`, `client_credentials`).
pub(crate) fn allows_flow(client: &AppClient, flow: crate::enums::OAuthFlow) -> bool {
    client.settings.allowed_oauth_flows_user_pool_client
        && client
            .settings
            .allowed_oauth_flows
            .as_ref()
            .is_some_and(|f| f.contains(&flow))
}

/// The scopes the client is allowed.
pub(crate) fn client_scopes(client: &AppClient) -> Vec<String> {
    client
        .settings
        .allowed_oauth_scopes
        .clone()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_split_on_spaces_without_duplicates() {
        assert_eq!(
            parse_scopes("openid  email openid https://api/read"),
            ["openid", "email", "https://api/read"]
        );
        assert!(parse_scopes("").is_empty());
    }

    #[test]
    fn internal_errors_stay_internal() {
        let e = OAuthError::from_domain(Error::internal("disk on fire"));
        assert_eq!(e.code, OAuthErrorCode::ServerError);
        assert_eq!(e.description, "Internal server error.");
        assert_eq!(e.detail(), Some("disk on fire"));
    }
}
